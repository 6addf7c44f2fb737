"""Boot tests of dynamically linked programs: Debian's own binaries
(coreutils, sqlite3, perl, openssl, python3) run unmodified from a ROFS
root that mkimage's `libs` attribute fills with their interpreter and
shared libraries, each output compared with the same command on the host;
the apps/tests programs as musl and glibc dynamic PIEs; ld.so run as the
program; and the ways a dynamic program cannot start: the interpreter
missing, not ELF, truncated or for another architecture, a library
missing, truncated or for another architecture. Each gives a message
naming the file and a non-zero status, never a panic (status 99)."""
import atexit
import hashlib
import os
import random
import re
import shutil
import subprocess
import tempfile

PROGRAMS = ["ls", "sort", "sha256sum", "cp", "date", "sqlite3", "perl", "openssl"]
APPS = ["auxv", "threads", "memory", "futex", "files", "procfs", "vdso"]
DYN_VARIANTS = ["musl-dyn", "glibc-dyn"]
STATIC_VARIANTS = ["musl", "pie", "glibc"]
INTERP = "/lib64/ld-linux-x86-64.so.2"
MEMORY = "256M"
TIMEOUT = 180
# The program's environment, as the kernel gives it (kernel/linux/exec.c),
# plus the time zone the guest has without /etc/localtime.
HOST_ENV = {"HOME": "/", "PATH": "/bin:/usr/bin:/sbin:/usr/sbin", "TERM": "vt100", "TZ": "UTC"}
OLD_MTIME = 1623760496		# 2021-06-15 12:34:56 UTC: ls shows the year

PY_SCRIPT = r'''
import sys, json, hashlib, re, zlib, datetime, threading, sqlite3, decimal
print(json.dumps({"b": [1, 2.5, None, "\u00e9"], "a": {"x": True}}, sort_keys=True))
print(hashlib.sha256(b"osprey" * 1000).hexdigest(), hashlib.md5(b"").hexdigest())
print(re.sub(r"(\w+)@(\w+)\.org", r"\2 at \1", "mail user@example.org now"))
data = bytes(range(256)) * 64
print(len(zlib.compress(data, 9)), zlib.crc32(data), zlib.decompress(zlib.compress(data)) == data)
d = datetime.datetime(2024, 2, 28, 23, 30) + datetime.timedelta(hours=1)
print(d.isoformat(), d.strftime("%A %j"))
out, lock = [], threading.Lock()
def work(i):
    s = sum(j * j for j in range(i * 1000))
    with lock:
        out.append((i, s))
ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sorted(out))
db = sqlite3.connect(sys.argv[1])
db.execute("create table t(k integer primary key, v text)")
db.executemany("insert into t(v) values(?)", [("v%03d" % i,) for i in range(500)])
db.commit()
print(db.execute("select count(*), min(v), max(v), sum(k) from t").fetchone())
decimal.getcontext().prec = 40
print(decimal.Decimal(2).sqrt(), decimal.Decimal("1.1") + decimal.Decimal("2.2"))
'''

SQL_CREATE = ("create table t(a integer, b text); "
              "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000) "
              "insert into t select i, printf('row%04d', i) from n; "
              "create index tb on t(b); select count(*), sum(a) from t;")
SQL_QUERY = ("select a % 7, count(*), min(b), max(b) from t group by a % 7 order by 1; "
             "select b from t where b like 'row09%' order by a desc limit 3; "
             "pragma integrity_check;")

PERL = ("use List::Util qw(sum max first shuffle); use POSIX qw(floor ceil strftime); "
        "print sum(1..100), q( ), max(3, 9, 2), q( ), first { $_ > 3 } (1..9); "
        "print q( ), floor(-7.5), q( ), ceil(7.2), q( ), strftime(q(%Y-%m-%d %H:%M), gmtime(1e9)), qq(\\n); "
        "my %h = map { $_ => length } qw(alpha beta gamma); "
        "print join(q(,), map { qq($_=$h{$_}) } sort keys %h), qq(\\n); "
        "printf(qq(%.6f %s\\n), atan2(1, 1) * 4, scalar reverse q(osprey));")

_state = {}


# AF_UNIX as Python uses it (kernel/linux/unix.c): socketpair, a stream
# server on a path with a client thread, fds passed, datagrams between
# abstract names, multiprocessing.connection, SO_PEERCRED.
# Processes from python: subprocess (fork/vfork, exec, pipes, wait), os.fork.
PY_PROC_SCRIPT = r'''
import os, subprocess, sys
r = subprocess.run(["ls", sys.argv[1]], capture_output=True, text=True)
print("ls", r.returncode, r.stdout.split())
r = subprocess.run(["sort"], input="b\na\nc\n", capture_output=True, text=True)
print("sort", r.returncode, r.stdout.split())
p = subprocess.Popen([sys.executable, "-c", "import sys; print(input().upper()); sys.exit(5)"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
out, _ = p.communicate("hello\n")
print("popen", out.strip(), p.returncode)
try:
    subprocess.run(["/nonexistent"])
except FileNotFoundError as e:
    print("missing", e.errno)
r, w = os.pipe()
parent = os.getpid()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.write(w, b"ppid-ok" if os.getppid() == parent else b"ppid-wrong")
    os._exit(7)
os.close(w)
msg = os.read(r, 100)
_, st = os.waitpid(pid, 0)
print("fork", msg.decode(), os.WIFEXITED(st), os.WEXITSTATUS(st), pid != os.getpid())
try:
    os.waitpid(-1, 0)
except ChildProcessError as e:
    print("nochild", e.errno)
'''

PY_UNIX_SCRIPT = r'''
import os, sys, socket, threading, array, time, multiprocessing.connection as mpc
out = []
# socketpair, as asyncio's and many libraries' wake-ups use it
a, b = socket.socketpair()
a.sendall(b"wake"); out.append(("pair", b.recv(10)))
a.setblocking(False)
try:
    while True: a.send(b"x" * 65536)
except BlockingIOError: out.append(("full", "EAGAIN"))
a.close(); b.close()
# a stream server on a path, a thread as client
path = os.path.join(sys.argv[1], "py.sock")
if os.path.exists(path): os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); srv.bind(path); srv.listen(4)
def client():
    c = socket.socket(socket.AF_UNIX); c.connect(path); c.sendall(b"hello " * 1000); c.shutdown(socket.SHUT_WR)
    out.append(("client got", c.recv(100))); c.close()
t = threading.Thread(target=client); t.start()
conn, addr = srv.accept()
data = b""
while True:
    d = conn.recv(4096)
    if not d: break
    data += d
conn.sendall(b"%d bytes" % len(data)); conn.close(); t.join()
out.append(("server", len(data), addr, os.path.basename(srv.getsockname())))
srv.close(); os.unlink(path)
# passing fds
a, b = socket.socketpair()
r, w = os.pipe()
socket.send_fds(a, [b"fd"], [w]); os.close(w)
msg, fds, flags, _ = socket.recv_fds(b, 10, 4)
os.write(fds[0], b"through"); os.close(fds[0])
out.append(("fds", msg, len(fds), os.read(r, 20)))
# datagrams and the abstract namespace
d1 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d1.bind("\0osprey-py-dgram")
d2 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d2.bind("\0osprey-py-dgram2")
d2.sendto(b"one", "\0osprey-py-dgram"); d2.sendto(b"two", "\0osprey-py-dgram")
out.append(("dgram", d1.recvfrom(10), d1.recv(1)))
# multiprocessing.connection over AF_UNIX (a listener and a client thread)
ln = mpc.Listener("\0osprey-py-mpc", family="AF_UNIX", authkey=b"k")
def mp_client():
    c = mpc.Client("\0osprey-py-mpc", family="AF_UNIX", authkey=b"k"); c.send({"n": 42}); out.append(("mp reply", c.recv())); c.close()
t = threading.Thread(target=mp_client); t.start()
cn = ln.accept(); obj = cn.recv(); cn.send(obj["n"] + 1); t.join(); cn.close(); ln.close()
out.append(("mp", obj))
cred = b.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
out.append(("peercred bytes", len(cred)))
for o in out: print(*o)
'''


def _host(cmd, cwd=None, **kw):
    p = subprocess.run(cmd, cwd=cwd, env=HOST_ENV, capture_output=True, text=True, **kw)
    return p.returncode, p.stdout


def _lines(out):
    """The program's output: serial lines without the launcher's and kernel's."""
    return [l for l in out.splitlines() if not l.startswith(("run: ", "osprey: ", "linux: "))]


def _mkimage(ctx, tmp, name, lines, keep=False):
    manifest = os.path.join(tmp, name + ".manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    image = os.path.join(tmp, name + ".img")
    cmd = [os.path.join(ctx.build, "tools", "mkimage"), "-q"]
    if keep:
        cmd += ["--keep", os.path.join(tmp, name + ".stage")]
    p = subprocess.run(cmd + [manifest, image], capture_output=True, text=True)
    return (image if p.returncode == 0 else None), p.stdout + p.stderr


def _make_data(data):
    """Files to list, sort, hash and copy; fixed mtimes and modes."""
    rnd = random.Random(77)
    os.makedirs(data)
    files = {"empty": b"", "one": b"x", "page": bytes(4096),
             "big": rnd.randbytes((1 << 20) + 3), "odd": rnd.randbytes(100003),
             "words": "".join(w + "\n" for w in
                              ["pear", "Apple", "fig", "banana", "apple", "10", "9",
                               "cherry", "Banana", "-3", "fig", "2.5", ""]).encode(),
             "script.sh": b"#!/bin/sh\necho hi\n", "secret": b"s3cret\n"}
    modes = {"script.sh": 0o755, "secret": 0o600, "page": 0o444}
    for name, body in files.items():
        path = os.path.join(data, name)
        with open(path, "wb") as f:
            f.write(body)
        os.chmod(path, modes.get(name, 0o644))
    os.symlink("words", os.path.join(data, "link"))
    for name in sorted(os.listdir(data)):
        os.utime(os.path.join(data, name), (OLD_MTIME, OLD_MTIME + len(name) * 3600),
                 follow_symlinks=False)


def _stage(ctx):
    """The image every scenario here shares, built once: Debian's programs
    with `libs`, perl's base modules, python3 with its standard library,
    the dynamic builds of apps/tests, and data files."""
    if _state:
        return _state
    tmp = tempfile.mkdtemp(prefix="osprey-dyn-")
    atexit.register(shutil.rmtree, tmp, True)
    _state["tmp"] = tmp
    data = os.path.join(tmp, "data")
    _make_data(data)
    etc = os.path.join(tmp, "etc")
    os.makedirs(etc)
    with open(os.path.join(etc, "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    with open(os.path.join(etc, "group"), "w") as f:
        f.write("root:x:0:\n")
    with open(os.path.join(tmp, "script.py"), "w") as f:
        f.write(PY_SCRIPT)
    with open(os.path.join(tmp, "unix.py"), "w") as f:
        f.write(PY_UNIX_SCRIPT)
    with open(os.path.join(tmp, "proc.py"), "w") as f:
        f.write(PY_PROC_SCRIPT)
    missing = [p for p in PROGRAMS if not shutil.which(p, path="/usr/bin")]
    _state["missing"] = missing
    lines = ["/usr/bin/%s: /usr/bin/%s libs" % (p, p) for p in PROGRAMS if p not in missing]
    lines += ["/data/**: %s/**" % data, "/etc/passwd: %s/etc/passwd" % tmp,
              "/etc/group: %s/etc/group" % tmp, "/script.py: %s/script.py" % tmp,
              "/unix.py: %s/unix.py" % tmp, "/proc.py: %s/proc.py" % tmp]
    perl_base = "/usr/lib/x86_64-linux-gnu/perl-base"
    if os.path.isdir(perl_base):
        lines.append("%s/**: %s/** libs" % (perl_base, perl_base))
    py = "/usr/bin/python3.11"
    _state["python"] = os.path.exists(py) and os.path.isdir("/usr/lib/python3.11")
    if _state["python"]:
        lines += ["/usr/bin/python3: %s libs" % py,
                  "/usr/lib/python3.11/**: /usr/lib/python3.11/** libs"]
    apps = os.path.join(ctx.build, "apps")
    built = [n for n in os.listdir(apps) if n.split(".", 1)[0] in APPS and
             n.split(".", 1)[-1] in DYN_VARIANTS + STATIC_VARIANTS] if os.path.isdir(apps) else []
    _state["apps"] = set(built)
    lines += ["/apps/%s: %s libs" % (n, os.path.join(apps, n)) for n in sorted(built)]
    # glibc's auxv build dlopens libm at run time: nothing links it.
    lines.append("/lib/x86_64-linux-gnu/libm.so.6: /lib/x86_64-linux-gnu/libm.so.6")
    _state["image"], _state["msg"] = _mkimage(ctx, tmp, "dyn", lines, keep=True)
    return _state


def _run(ctx, st, cmd, **kw):
    kw.setdefault("memory", MEMORY)
    kw.setdefault("timeout", TIMEOUT)
    return ctx.run(cmd, images=[st["image"]], **kw)


def _ready(ctx, name):
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip(name, "build/tools/mkimage not built")
        return None
    if not os.path.exists(INTERP):
        ctx.skip(name, "the host has no %s" % INTERP)
        return None
    st = _stage(ctx)
    if not st["image"]:
        ctx.check(name + ".image", False, st["msg"])
        return None
    return st


def _ldd(path):
    """The libraries the host's loader resolves for path (ldd), real paths."""
    p = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs = set()
    for l in p.stdout.splitlines():
        m = re.match(r"^\s*\S+ => (/\S+) \(0x", l) or re.match(r"^\s*(/\S+) \(0x", l)
        if m:
            libs.add(os.path.realpath(m.group(1)))
    return libs


def test_libs_like_ldd(ctx):
    """mkimage's `libs` brings exactly the files ldd names (as the same
    host files), nothing more, and the interpreter at its PT_INTERP path."""
    st = _ready(ctx, "libs")
    if not st:
        return
    stage = os.path.join(st["tmp"], "dyn.stage")
    staged = set()
    for root, _, files in os.walk(stage):
        for n in files:
            g = os.path.join(root, n)[len(stage):]
            if g.startswith(("/lib/", "/lib64/", "/usr/lib/x86_64-linux-gnu/lib")) \
                    and not g.startswith("/usr/lib/x86_64-linux-gnu/perl"):
                staged.add(g)
    want = set()
    for p in PROGRAMS + (["python3.11"] if st["python"] else []):
        if p not in st["missing"]:
            want |= _ldd("/usr/bin/" + p)
    got = set(os.path.realpath(g) for g in staged)
    extra = sorted(got - want - {os.path.realpath("/lib/x86_64-linux-gnu/libm.so.6")} -
                   {os.path.realpath("/lib/ld-musl-x86_64.so.1")})
    # python's and perl's extension modules bring libraries of their own.
    ext = set()
    for root in ["/usr/lib/python3.11/lib-dynload", "/usr/lib/x86_64-linux-gnu/perl-base"]:
        for r, _, files in os.walk(root):
            for n in files:
                if n.endswith(".so"):
                    ext |= _ldd(os.path.join(r, n))
    extra = [e for e in extra if e not in ext]
    ctx.check("libs.no_extra", not extra, "staged but not named by ldd: %s" % extra)
    missing = sorted(want - got)
    ctx.check("libs.all_of_ldd", not missing, "ldd names them, image lacks: %s" % missing)
    ctx.check("libs.interpreter_path", os.path.isfile(stage + INTERP) and
              not os.path.islink(stage + INTERP), "%s missing in the stage" % INTERP)


def _ls_expected(data):
    """The host's ls -l of the staged tree, with the owners the image has
    (mkimage stores 0:0; its /etc/passwd and /etc/group name them root)."""
    _, out = _host(["ls", "-l", data])
    return _ls_fields(out.splitlines(), owners=True)


def _ls_fields(lines, owners=False):
    """ls -l lines as fields (column widths follow the owners' names),
    without "total" (block counts are the filesystem's own)."""
    rows = []
    for l in lines:
        f = l.split()
        if f and f[0] != "total":
            rows.append(f[:2] + ["root", "root"] + f[4:] if owners else f)
    return rows


def _ls_got(out):
    return _ls_fields(_lines(out))


def test_coreutils(ctx):
    st = _ready(ctx, "coreutils")
    if not st:
        return
    data = os.path.join(st["tmp"], "data")
    want = _ls_expected(data)
    status, out = _run(ctx, st, "/usr/bin/ls -l /data")
    ctx.check("ls_l", status == 0 and _ls_got(out) == want and len(want) > 5,
              "status %d, want %s" % (status, want), out)
    status, out = _run(ctx, st, INTERP + " /usr/bin/ls -l /data")
    ctx.check("ldso_runs_ls", status == 0 and _ls_got(out) == want,
              "status %d" % status, out)
    # /proc/self as coreutils' ls sees it: the links read back, a
    # directory per file kind; ls runs as pid 1 in the root.
    status, out = _run(ctx, st, "/usr/bin/ls -l /proc/self/ /proc/self/fd/1")
    lines = _lines(out)
    want_links = ["cwd -> /", "exe -> /usr/bin/ls", "root -> /"]
    missing = [w for w in want_links if not any(l.endswith(" " + w) for l in lines)]
    kinds = dict((l.split()[-1], l[0]) for l in lines if l[:1] in "-dl" and len(l.split()) > 8)
    ctx.check("ls_proc_self", status == 0 and not missing and kinds.get("stat") == "-" and
              kinds.get("task") == "d" and kinds.get("fd") == "d" and
              any(l.startswith("lrwx------") and l.endswith("/proc/self/fd/1 -> /dev/console")
                  for l in lines),
              "status %d, missing %s, kinds %s" % (status, missing, kinds), out)

    words = os.path.join(data, "words")
    cmds = [["sort"], ["sort", "-n"], ["sort", "-r", "-u"], ["sort", "-f", "-k1,1"]]
    guest = " ; ".join("/usr/bin/%s /data/words" % " ".join(c) for c in cmds)
    status, out = _run(ctx, st, guest)
    want = []
    for c in cmds:
        want += _host(c + [words])[1].splitlines()
    ctx.check("sort", status == 0 and _lines(out) == want, "status %d, want %s" % (status, want),
              out)

    names = ["big", "odd", "empty", "one", "words"]
    status, out = _run(ctx, st, "/usr/bin/sha256sum " + " ".join("/data/" + n for n in names))
    want = ["%s  /data/%s" % (hashlib.sha256(open(os.path.join(data, n), "rb").read())
                              .hexdigest(), n) for n in names]
    ctx.check("sha256sum", status == 0 and _lines(out) == want, "status %d" % status, out)

    fmt = "+%Y-%m-%d_%H:%M:%S"
    status, out = _run(ctx, st, "/usr/bin/cp -p /data/big /data/secret /tmp ; "
                       "/usr/bin/cp /data/odd /tmp/odd2 ; "
                       "/usr/bin/sha256sum /tmp/big /tmp/odd2 ; "
                       "/usr/bin/ls -l --time-style=%s /tmp/big /tmp/secret" % fmt)
    got = _lines(out)[:2] + [" ".join(f) for f in _ls_fields(_lines(out)[2:])]
    want = ["%s  /tmp/big" % hashlib.sha256(open(os.path.join(data, "big"), "rb").read()).hexdigest(),
            "%s  /tmp/odd2" % hashlib.sha256(open(os.path.join(data, "odd"), "rb").read()).hexdigest()]
    _, ls = _host(["ls", "-l", "--time-style=" + fmt, os.path.join(data, "big"),
                   os.path.join(data, "secret")])
    for l in ls.splitlines():	# cp -p keeps mode and mtime; the owner is the image's
        f = l.split()
        want.append("%s %s root root %s %s /tmp/%s" % (f[0], f[1], f[4], f[5],
                                                       os.path.basename(f[6])))
    ctx.check("cp", status == 0 and got == want, "status %d, want %s" % (status, want), out)

    status, out = _run(ctx, st, "/usr/bin/date +%Y ; /usr/bin/date -u -d @1000000000 ; "
                       "/usr/bin/date -d '2024-02-29 12:00' +%s%j%A")
    want = [_host(["date", "+%Y"])[1].strip(),
            _host(["date", "-u", "-d", "@1000000000"])[1].strip(),
            _host(["date", "-d", "2024-02-29 12:00", "+%s%j%A"])[1].strip()]
    ctx.check("date", status == 0 and _lines(out) == want, "status %d, want %s" % (status, want),
              out)


def test_sqlite3(ctx):
    st = _ready(ctx, "sqlite3")
    if not st:
        return
    if "sqlite3" in st["missing"]:
        ctx.skip("sqlite3", "no /usr/bin/sqlite3 (scripts/deps.sh installs sqlite3)")
        return
    status, out = _run(ctx, st, "/usr/bin/sqlite3 /tmp/t.db \"%s\" ; /usr/bin/sqlite3 /tmp/t.db \"%s\""
                       % (SQL_CREATE, SQL_QUERY))
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "t.db")
        want = _host(["sqlite3", db, SQL_CREATE])[1].splitlines()
        want += _host(["sqlite3", db, SQL_QUERY])[1].splitlines()
    ctx.check("sqlite3", status == 0 and _lines(out) == want and "ok" in want,
              "status %d, want %s" % (status, want), out)


def test_perl(ctx):
    st = _ready(ctx, "perl")
    if not st:
        return
    status, out = _run(ctx, st, "/usr/bin/perl -e '%s'" % PERL)
    want = _host(["perl", "-e", PERL])[1].splitlines()
    ctx.check("perl", status == 0 and _lines(out) == want and want,
              "status %d, want %s" % (status, want), out)


def test_openssl(ctx):
    st = _ready(ctx, "openssl")
    if not st:
        return
    data = os.path.join(st["tmp"], "data")
    status, out = _run(ctx, st, "/usr/bin/openssl dgst -sha256 /data/big /data/odd ; "
                       "/usr/bin/openssl dgst -sha512 /data/words")
    want = _host(["openssl", "dgst", "-sha256", os.path.join(data, "big"),
                  os.path.join(data, "odd")])[1].splitlines()
    want += _host(["openssl", "dgst", "-sha512", os.path.join(data, "words")])[1].splitlines()
    want = [l.replace(data, "/data") for l in want]
    ctx.check("openssl", status == 0 and _lines(out) == want and want,
              "status %d, want %s" % (status, want), out)


def test_python3(ctx):
    st = _ready(ctx, "python3")
    if not st:
        return
    if not st["python"]:
        ctx.skip("python3", "no /usr/bin/python3.11 with /usr/lib/python3.11")
        return
    status, out = _run(ctx, st, "/usr/bin/python3 /script.py /tmp/py.db", timeout=300)
    with tempfile.TemporaryDirectory() as d:
        want = subprocess.run(["/usr/bin/python3.11", os.path.join(st["tmp"], "script.py"),
                               os.path.join(d, "py.db")], env=HOST_ENV, cwd=d,
                              capture_output=True, text=True).stdout.splitlines()
    ctx.check("python3", status == 0 and _lines(out) == want and len(want) == 8,
              "status %d, want %s" % (status, want), out)


def test_python3_unix(ctx):
    """Python's AF_UNIX pieces print in the guest what they print on the host."""
    st = _ready(ctx, "python3_unix")
    if not st:
        return
    if not st["python"]:
        ctx.skip("python3_unix", "no /usr/bin/python3.11 with /usr/lib/python3.11")
        return
    status, out = _run(ctx, st, "/usr/bin/python3 /unix.py /tmp", timeout=300)
    with tempfile.TemporaryDirectory() as d:
        want = _host(["/usr/bin/python3.11", os.path.join(st["tmp"], "unix.py"), d])[1].splitlines()
    ctx.check("python3_unix", status == 0 and _lines(out) == want and len(want) == 9,
              "status %d, want %s" % (status, want), out)


def test_python3_processes(ctx):
    """subprocess and os.fork in the guest print what they print on the host."""
    st = _ready(ctx, "python3_processes")
    if not st:
        return
    if not st["python"]:
        ctx.skip("python3_processes", "no /usr/bin/python3.11 with /usr/lib/python3.11")
        return
    status, out = _run(ctx, st, "/usr/bin/python3 /proc.py /data", timeout=300)
    want = _host(["/usr/bin/python3.11", os.path.join(st["tmp"], "proc.py"),
                  os.path.join(st["tmp"], "data")])[1].splitlines()
    ctx.check("python3_processes", status == 0 and _lines(out) == want and len(want) == 6,
              "status %d, want %s" % (status, want), out)


def _check_app(ctx, name, status, out, prog):
    bad = [l for l in out.splitlines() if l.startswith("not ok ")]
    ok = status == 0 and not bad and re.search(r"^%s: all \d+ checks passed" % prog, out, re.M)
    unimpl = sorted(set(re.findall(r"system call (\w+) \(\d+\) is not implemented", out)))
    ctx.check(name, ok, "status %d; %s%s" % (status, "; ".join(bad[:6]) or "no failed check line",
                                           "; unimplemented: " + ", ".join(unimpl) if unimpl else ""),
              out)


def test_apps(ctx):
    """apps/tests as musl and glibc dynamic PIEs; auxv in every build."""
    st = _ready(ctx, "apps")
    if not st:
        return
    runs = [(a, v) for a in APPS for v in DYN_VARIANTS] + [("auxv", v) for v in STATIC_VARIANTS]
    for app, v in runs:
        name = "%s.%s" % (app, v)
        if name not in st["apps"]:
            ctx.skip("apps." + name, "build/apps/%s not built" % name)
            continue
        status, out = _run(ctx, st, "/apps/%s /tmp" % name)
        _check_app(ctx, "apps." + name, status, out, app)


# ---- programs that cannot start ----

def _patched(src, dst, size=None, machine=None):
    with open(src, "rb") as f:
        b = bytearray(f.read())
    if size is not None:
        b = b[:size]
    if machine is not None:
        b[18:20] = machine.to_bytes(2, "little")
    with open(dst, "wb") as f:
        f.write(b)
    os.chmod(dst, 0o755)


def _bad_case(ctx, tmp, name, lines, cmd, want_status, want_re):
    """Boots an image of the manifest lines, runs cmd; checks the status
    and the message."""
    image, msg = _mkimage(ctx, tmp, name, lines)
    if not image:
        ctx.check("bad.%s" % name, False, "mkimage: " + msg)
        return
    status, out = ctx.run(cmd, images=[image], memory="128M", timeout=60)
    ok = status in want_status and re.search(want_re, out) and status != 99
    ctx.check("bad.%s" % name, ok, "status %d, want %s and /%s/" % (status, want_status, want_re),
              out)


def test_bad_input(ctx):
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")) or \
            not os.path.exists(INTERP):
        ctx.skip("bad", "build/tools/mkimage not built or no %s on the host" % INTERP)
        return
    ld = os.path.realpath(INTERP)
    selinux = "/lib/x86_64-linux-gnu/libselinux.so.1"
    with tempfile.TemporaryDirectory() as tmp:
        def f(name, src, **kw):
            path = os.path.join(tmp, name)
            _patched(src, path, **kw)
            return path
        notelf = os.path.join(tmp, "notelf")
        with open(notelf, "w") as fh:
            fh.write("#!/bin/sh\nthis is not a loader\n")
        os.chmod(notelf, 0o755)
        ls_libs = ["/usr/bin/ls: /usr/bin/ls libs"]
        ls_alone = ["/usr/bin/ls: /usr/bin/ls"]

        def ls_with(guest, host):
            """ls and its libraries listed one by one (mkimage's `libs`
            refuses a damaged library), guest replaced by host."""
            libs = sorted(_ldd("/usr/bin/ls") - {os.path.realpath(guest)})
            return ls_alone + ["%s: %s" % (INTERP, INTERP)] + \
                ["/lib/x86_64-linux-gnu/%s: %s" % (os.path.basename(l), l)
                 for l in libs if os.path.basename(l) != os.path.basename(ld)] + \
                ["%s: %s" % (guest, host)]
        # The kernel's side: the interpreter (exit status as a shell shows
        # execve's error: 127 not found, 126 cannot run).
        _bad_case(ctx, tmp, "interp_missing", ls_alone, "/usr/bin/ls /", [127],
                  r"osprey: /usr/bin/ls: interpreter %s: not found" % INTERP)
        _bad_case(ctx, tmp, "interp_not_elf", ["%s: %s" % (INTERP, notelf)] + ls_libs,
                  "/usr/bin/ls /", [126], r"/usr/bin/ls: interpreter %s: not an ELF file" % INTERP)
        _bad_case(ctx, tmp, "interp_truncated",
                  ["%s: %s" % (INTERP, f("ld-trunc", ld, size=3000))] + ls_alone, "/usr/bin/ls /",
                  [126], r"/usr/bin/ls: interpreter %s: a segment lies outside the file" % INTERP)
        _bad_case(ctx, tmp, "interp_other_arch",
                  ["%s: %s" % (INTERP, f("ld-arm", ld, machine=183))] + ls_libs, "/usr/bin/ls /",
                  [126], r"/usr/bin/ls: interpreter %s: not an x86-64" % INTERP)
        _bad_case(ctx, tmp, "interp_is_dir", ["%s: !dir" % INTERP] + ls_alone, "/usr/bin/ls /",
                  [126], r"/usr/bin/ls: interpreter %s: not a regular file" % INTERP)
        # ld.so's side: it names the library and ends with status 127.
        if os.path.exists(selinux):
            _bad_case(ctx, tmp, "lib_truncated",
                      ls_with(selinux, f("sel-trunc", selinux, size=500)),
                      "/usr/bin/ls /", [127], r"ls: error while loading shared libraries: "
                      r"%s: (cannot read file data|file too short)" % re.escape(selinux))
            _bad_case(ctx, tmp, "lib_other_arch",
                      ls_with(selinux, f("sel-arm", selinux, machine=183)),
                      "/usr/bin/ls /", [127],
                      r"ls: error while loading shared libraries: libselinux\.so\.1")
            # Cut in the middle of its code: as on Linux, the program ends
            # with SIGBUS when ld.so touches a page past the end of the
            # file (status 135), and the kernel says so.
            _bad_case(ctx, tmp, "lib_truncated_mid",
                      ls_with(selinux, f("sel-mid", selinux, size=60000)),
                      "/usr/bin/ls /", [135],
                      r"osprey: /usr/bin/ls: bus error: the page at \S+ is past the end of its file")
            # Everything but libpcre2-8, which libselinux needs.
            libs = [INTERP, "/lib/x86_64-linux-gnu/libc.so.6", selinux]
            _bad_case(ctx, tmp, "lib_missing", ["%s: %s" % (p, p) for p in libs] + ls_alone,
                      "/usr/bin/ls /", [127], r"ls: error while loading shared libraries: "
                      r"libpcre2-8\.so\.0: cannot open shared object file")


GREET_MAIN = '#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n'
GREET_LIB = ('#include <stdio.h>\nconst char *name(void);\nstatic char buf[64];\n'
             'const char *greet(void) { snprintf(buf, sizeof(buf), "hello from %s", name()); '
             'return buf; }\n')
NAME_LIB = 'const char *name(void) { return "libname via $ORIGIN"; }\n'


def _cc(args):
    p = subprocess.run(["gcc"] + args, capture_output=True, text=True)
    return p.returncode == 0, p.stderr


def test_search_paths(ctx):
    """A program's DT_RUNPATH (an absolute directory) and a library's
    $ORIGIN: mkimage finds each library where ld.so will, and the program
    runs. A library found nowhere is mkimage's error, naming it."""
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")) or \
            not shutil.which("gcc"):
        ctx.skip("search_paths", "no build/tools/mkimage or gcc")
        return
    # Not under /tmp: the guest mounts a ramfs there, over the image's /tmp.
    top = tempfile.mkdtemp(prefix="dyn-paths-", dir=ctx.build)
    atexit.register(shutil.rmtree, top, True)
    lib, bin_ = os.path.join(top, "lib"), os.path.join(top, "bin")
    os.makedirs(lib)
    os.makedirs(bin_)
    for name, text in [("m.c", GREET_MAIN), ("g.c", GREET_LIB), ("n.c", NAME_LIB)]:
        with open(os.path.join(top, name), "w") as f:
            f.write(text)
    steps = [["-shared", "-fPIC", "-o", lib + "/libname.so.1", "-Wl,-soname,libname.so.1",
              top + "/n.c"],
             ["-shared", "-fPIC", "-o", lib + "/libgreet.so.1", "-Wl,-soname,libgreet.so.1",
              top + "/g.c", lib + "/libname.so.1", "-Wl,-rpath,$ORIGIN"],
             ["-o", bin_ + "/greet", top + "/m.c", lib + "/libgreet.so.1",
              "-Wl,-rpath," + lib],
             # The program's own $ORIGIN: ld.so reads it from /proc/self/exe.
             ["-o", bin_ + "/origin", top + "/m.c", lib + "/libgreet.so.1",
              "-Wl,-rpath,$ORIGIN/../lib"]]
    for s in steps:
        ok, err = _cc(s)
        if not ok:
            ctx.check("search_paths.build", False, err)
            return
    image, msg = _mkimage(ctx, top, "greet", ["/opt/greet: %s/bin/greet libs" % top,
                                              "/opt/o/bin/origin: %s/bin/origin libs" % top],
                          keep=True)
    ctx.check("search_paths.mkimage", image, msg)
    if not image:
        return
    stage = os.path.join(top, "greet.stage")
    ctx.check("search_paths.placed", all(os.path.isfile(stage + lib + "/" + n)
                                         for n in ["libgreet.so.1", "libname.so.1"]),
              "libraries not at %s in the image" % lib)
    status, out = ctx.run("/opt/greet", images=[image], memory="128M", timeout=60)
    ctx.check("search_paths.runs", status == 0 and
              _lines(out) == ["hello from libname via $ORIGIN"], "status %d" % status, out)
    status, out = ctx.run("/opt/o/bin/origin", images=[image], memory="128M", timeout=60)
    ctx.check("search_paths.program_origin", status == 0 and
              _lines(out) == ["hello from libname via $ORIGIN"], "status %d" % status, out)
    os.remove(lib + "/libname.so.1")
    image, msg = _mkimage(ctx, top, "greet2", ["/opt/greet: %s/bin/greet libs" % top])
    ctx.check("search_paths.missing_is_error", image is None and
              re.search(r"greet2\.manifest:1: .*libgreet\.so\.1 needs libname\.so\.1, which is in "
                        r"none of the directories its loader searches", msg), msg)
    # `libs` only means something on copied files.
    image, msg = _mkimage(ctx, top, "misuse", ["/a: ->b libs", "/d: !dir libs"])
    ctx.check("search_paths.libs_misuse", image is None and
              "misuse.manifest:1: /a: libs applies to copied files, not symlinks" in msg and
              "misuse.manifest:2: /d: libs applies to copied files, not !dir" in msg, msg)
