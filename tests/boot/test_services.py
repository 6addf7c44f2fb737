"""Debian's own redis-server and memcached, unmodified, on a ROFS root that
mkimage's `libs` attribute fills with their libraries, served to the host
through QEMU user networking (tools/run --net user --forward, 127.0.0.1
only). The host talks to them with its own redis-cli and with plain
protocol clients written here; every value read back is compared with
what was written.

- redis (test_redis): PING, SET/GET of 1 MiB random values through
  redis-cli -x, INCR 10,000 times from redis-cli (the count checked) and
  4 x 2,500 from concurrent redis-cli processes, SHUTDOWN NOSAVE ends the
  guest with status 0.
- redis on ZFS (test_redis_aof_zfs): `--appendonly yes --appendfsync
  always --dir /data` on a pool fstab creates; keys and a counter set,
  QEMU killed with SIGKILL after the last acknowledged INCR; the next boot
  replays the append-only file from /data: every acknowledged write is
  there. Then zdb -bcc of the pool is clean.
- many clients (test_redis_many_clients): 1,000 concurrent connections each
  doing a round trip, clients that connect and never send, clients that
  vanish mid-command with a reset, clients sending random bytes; the
  others are served meanwhile and afterwards redis counts one client
  (connected_clients) again. Done by two redis runs in one boot: the
  guest's MemFree after the second equals that after the first.
- memcached (test_memcached): set/get of values up to 1 MiB, add/replace/
  incr/delete semantics, `stats` counters that match what was done,
  memcslap (libmemcached-tools) set and get loads from 8 threads, counted
  by memcached's stats; the `shutdown` command ends the guest.
"""
import importlib.util
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

MEMORY = "256M"
BOOT_WAIT = 120
MIB = 1 << 20


def _sibling(name):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_%s.py" % name)
    spec = importlib.util.spec_from_file_location("services_uses_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


net = _sibling("net")
zfs_pool = _sibling("zfs_pool")

_state = {}


def _image(ctx, name, extra=(), tag="svc"):
    """A ROFS root with redis-server and memcached and their libraries
    (plus `extra` manifest lines); built once per tag."""
    if tag in _state:
        return _state[tag]
    tmp = _state.get("tmp")
    if not tmp:
        tmp = _state["tmp"] = tempfile.mkdtemp(prefix="osprey-svc-")
        import atexit
        atexit.register(shutil.rmtree, tmp, True)
        with open(os.path.join(tmp, "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
        with open(os.path.join(tmp, "group"), "w") as f:
            f.write("root:x:0:\n")
    lines = ["/bin/busybox: /bin/busybox",
             "/usr/bin/redis-server: /usr/bin/redis-server libs",
             "/usr/bin/memcached: /usr/bin/memcached libs",
             "/etc/passwd: %s/passwd" % tmp, "/etc/group: %s/group" % tmp] + list(extra)
    manifest = os.path.join(tmp, tag + ".manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    path = os.path.join(tmp, tag + ".img")
    p = subprocess.run([os.path.join(ctx.build, "tools", "mkimage"), "-q", manifest, path],
                       capture_output=True, text=True)
    if p.returncode:
        ctx.check(name + ".image", False, "mkimage: " + (p.stdout + p.stderr).strip())
        path = None
    _state[tag] = path
    return path


def _ready(ctx, name, tools=("redis-server", "redis-cli")):
    for t in tools:
        if not shutil.which(t):
            ctx.skip(name, "no %s on the host (scripts/deps.sh installs it)" % t)
            return False
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip(name, "build/tools/mkimage not built")
        return False
    return True


class Resp:
    """A redis client speaking RESP2 on one connection."""

    def __init__(self, port=None, sock=None):
        self.s = sock or net._connect(port)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n + 2)[:-2]
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise ValueError("not RESP: %r" % line[:40])

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)

    def cmd(self, *args):
        self.send(*args)
        return self.reply()

    def info(self, section):
        text = self.cmd("INFO", section).decode()
        return dict(l.split(":", 1) for l in text.splitlines() if ":" in l)

    def close(self):
        self.s.close()


def _cli(port, *args, stdin=None):
    p = subprocess.run(["redis-cli", "-p", str(port)] + list(args), input=stdin,
                       capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def _start_redis(ctx, name, image, args, images=(), pidfile=None):
    port = net._free_port()
    g = net.Guest(ctx, "/usr/bin/redis-server --port 6379 --protected-mode no " + args,
                  memory=MEMORY, images=[image] + list(images), forward=["%d:6379" % port],
                  timeout=900, pidfile=pidfile)
    if not g.wait_for(r"Ready to accept connections", BOOT_WAIT):
        code, out = g.finish(5)
        ctx.check(name + ".ready", False, "redis never said it was ready", out)
        return None, None
    return g, port


def _shutdown(ctx, name, g, port):
    code, out, err = _cli(port, "SHUTDOWN", "NOSAVE")
    status, text = g.finish()
    ctx.check(name + ".shutdown", status == 0 and "ready to exit, bye bye" in text,
              "status %d" % status, text)


def test_redis(ctx):
    name = "redis"
    if not _ready(ctx, name):
        return
    image = _image(ctx, name)
    if not image:
        return
    g, port = _start_redis(ctx, name, image, "--save '' --appendonly no")
    if not g:
        return
    code, out, err = _cli(port, "PING")
    ctx.check(name + ".ping", code == 0 and out == b"PONG\n", "%r %r" % (out, err), g.text())
    rnd = random.Random(5)
    bad = []
    values = {"big%d" % i: rnd.randbytes(MIB - i) for i in range(3)}
    for k, v in values.items():
        code, out, err = _cli(port, "-x", "SET", k, stdin=v)
        if code or out != b"OK\n":
            bad.append("SET %s: %r %r" % (k, out[:60], err[:200]))
    for k, v in values.items():
        code, out, err = _cli(port, "GET", k)
        if out != v + b"\n":
            bad.append("GET %s: %d bytes, want %d" % (k, len(out) - 1, len(v)))
    ctx.check(name + ".set_get_1mib", not bad, "; ".join(bad), g.text())

    code, out, err = _cli(port, "-r", "10000", "INCR", "counter")
    lines = out.split()
    seq_ok = lines == [b"%d" % i for i in range(1, 10001)]
    code, got, err = _cli(port, "GET", "counter")
    ctx.check(name + ".incr_10000", seq_ok and got == b"10000\n",
              "%d replies, last %r; GET %r" % (len(lines), lines[-1:] if lines else None, got))
    procs = [subprocess.Popen(["redis-cli", "-p", str(port), "-r", "2500", "INCR", "shared"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    code, got, err = _cli(port, "GET", "shared")
    ctx.check(name + ".incr_concurrent", got == b"10000\n" and not any(errs),
              "GET %r; %r" % (got, [e[:100] for e in errs if e]))
    code, got, err = _cli(port, "DBSIZE")
    ctx.check(name + ".dbsize", got == b"5\n", "DBSIZE %r" % got)
    _shutdown(ctx, name, g, port)


def _client_storm(ctx, name, g, port, tap):
    """1,000 clients doing a SET each while others stay silent, vanish
    mid-command with a reset or send noise; then all leave. Checks redis
    served the 1,000 and counts its one control client again after."""
    def connect():
        return net._connect(port, tapnet=tap)
    ctl = Resp(sock=connect())
    before = ctl.info("clients")
    silent = [connect() for _ in range(20)]
    conns, errors = [], []
    for i in range(1000):
        try:
            conns.append(Resp(sock=connect()))
        except OSError as e:
            errors.append("connect %d: %s" % (i, e))
            break
    rnd = random.Random(8)
    for i in range(20):
        v = connect()
        v.sendall(b"*3\r\n$3\r\nSET\r\n$5\r\nhalf%d\r\n$100000\r\n" % i + rnd.randbytes(5000))
        v.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        v.close()
    noise = [connect() for _ in range(10)]
    for n in noise:
        try:
            n.sendall(rnd.randbytes(3000))
        except OSError:
            pass
    for i, c in enumerate(conns):
        c.send("SET", "k%d" % i, "v%d" % i)
    for i, c in enumerate(conns):
        try:
            r = c.reply()
            if r != "OK":
                errors.append("client %d: %r" % (i, r))
        except OSError as e:
            errors.append("client %d: %s" % (i, e))
    during = ctl.info("clients")
    want = 1 + 20 + len(conns)
    ctx.check(name + ".served_1000", not errors and len(conns) == 1000 and
              int(during.get("connected_clients", 0)) >= want,
              "; ".join(errors[:5]) + " connected_clients %s, want >= %d" %
              (during.get("connected_clients"), want), g.text())
    for c in conns:
        c.close()
    for s in silent + noise:
        s.close()
    after = None
    for _ in range(100):
        after = ctl.info("clients")
        if after.get("connected_clients") == before.get("connected_clients"):
            break
        time.sleep(0.2)
    dbsize = ctl.cmd("DBSIZE")
    ctx.check(name + ".all_gone", after.get("connected_clients") == before.get("connected_clients")
              and dbsize == 1000, "connected_clients %s (before %s), DBSIZE %r" %
              (after.get("connected_clients"), before.get("connected_clients"), dbsize), g.text())
    ctl.send("SHUTDOWN", "NOSAVE")
    ctl.close()


def _memfree(text, n):
    """MemFree (KiB) of the n-th /proc/meminfo the guest printed."""
    got = re.findall(r"^MemFree:\s+(\d+) kB$", text, re.M)
    return int(got[n]) if len(got) > n else None


def test_redis_many_clients(ctx):
    """Two redis runs in one boot, each with the storm; the kernel's free
    memory after the second equals that after the first (the first grew
    the heap and the stack's tables to their high-water mark): what the
    connections held was given back. Over a tap device in a namespace the
    test makes: QEMU's user networking takes about two new connections a
    second (its forwarding listens with a backlog of one)."""
    name = "redis_many_clients"
    if not _ready(ctx, name):
        return
    why = net.tapnet.missing()
    if why:
        ctx.skip(name, why)
        return
    image = _image(ctx, name)
    if not image:
        return
    with net.tapnet.TapNet() as tap:
        _many_clients(ctx, name, image, tap)


def _many_clients(ctx, name, image, tap):
    port = 6379
    redis = "/usr/bin/redis-server --port 6379 --protected-mode no --save '' --appendonly no"
    meminfo = "/bin/busybox cat /proc/meminfo"
    g = net.Guest(ctx, " ; ".join([redis, meminfo, redis, meminfo]), memory=MEMORY,
                  images=[image], timeout=900, tapnet=tap)
    for run in range(2):
        if not g.wait_for(r"(?s)(Ready to accept connections.*){%d}" % (run + 1), BOOT_WAIT):
            code, out = g.finish(5)
            ctx.check("%s.ready%d" % (name, run), False, "redis never said it was ready", out)
            return
        _client_storm(ctx, "%s.run%d" % (name, run + 1), g, port, tap)
        if not g.wait_for(r"(?s)(\nMemFree:.*){%d}" % (run + 1), BOOT_WAIT):
            break
    code, out = g.finish()
    first, second = _memfree(out, 0), _memfree(out, 1)
    ctx.check(name + ".memory_back", code == 0 and first and second and
              abs(first - second) <= 512, "status %d, MemFree %s kB after the first run, "
              "%s kB after the second" % (code, first, second), out)


def test_redis_aof_zfs(ctx):
    name = "redis_aof_zfs"
    if not _ready(ctx, name):
        return
    zdb = zfs_pool._zdb()
    image = _zfs_image(ctx, name)
    if not image:
        return
    tmp = _state["tmp"]
    pidfile = os.path.join(tmp, "redis-qemu.pid")
    args = "--save '' --appendonly yes --appendfsync always --dir /data"
    g, port = _start_redis(ctx, name, image, args, pidfile=pidfile)
    if not g:
        return
    rnd = random.Random(11)
    value = rnd.randbytes(MIB)
    r = Resp(port)
    ok = r.cmd(b"SET", b"big", value) == "OK"
    acked = 0
    for i in range(1, 2001):
        if r.cmd("INCR", "counter") != i:
            break
        acked = i
        if i % 100 == 0:
            r.cmd("SET", "at%d" % i, "x" * i)
    ctx.check(name + ".written", ok and acked == 2000, "SET %s, %d INCRs acknowledged" % (ok, acked))
    killed = g.kill_qemu()
    g.finish(30)
    r.close()
    ctx.check(name + ".killed", killed, "QEMU's pid not found")
    g, port = _start_redis(ctx, name + ".replayed", image, args)
    if not g:
        return
    r = Resp(port)
    counter = r.cmd("GET", "counter")
    big = r.cmd("GET", "big")
    ats = [r.cmd("GET", "at%d" % i) == b"x" * i for i in range(100, 2001, 100)]
    r.close()
    ctx.check(name + ".replayed", counter == b"%d" % acked and big == value and all(ats),
              "counter %r (acknowledged %d), big %s, at* %d of 20" %
              (counter, acked, big == value, sum(ats)), g.text())
    _shutdown(ctx, name, g, port)
    if not zdb:
        ctx.skip(name + ".zdb", "no zdb")
        return
    zfs_data = _sibling("zfs_data")
    zfs_data._zdb_partition(ctx, name + ".zdb", zdb, image, tmp)


def _zfs_image(ctx, name):
    """The root with libzfs.so and a ZFS /data (shared by the tests on ZFS)."""
    lib = zfs_pool._zfs_lib(ctx)
    if not lib:
        ctx.skip(name, "no build/modules/libzfs.so")
        return None
    return _image(ctx, name, tag="svc-zfs", extra=[
        "/usr/lib/fs/libzfs.so: %s" % lib, "[fstab]",
        "PARTLABEL=data  /data  zfs  defaults,x-systemd.makefs  0 0",
        "[data]", "size=256M name=data"])


def _bgsave_done(r, timeout=120):
    """Waits for the background save to end; its INFO persistence fields."""
    end = time.time() + timeout
    while time.time() < end:
        info = r.info("persistence")
        if info.get("rdb_bgsave_in_progress") == "0":
            return info
        time.sleep(0.2)
    return {}


def test_redis_bgsave(ctx):
    """BGSAVE forks: the child writes dump.rdb to ZFS /data while the
    parent serves. The file, as redis sends it to a replica (SYNC with
    disk-based replication: the RDB a fork wrote, read back from /data),
    must satisfy the host's redis-check-rdb."""
    name = "redis_bgsave"
    if not _ready(ctx, name):
        return
    check_rdb = shutil.which("redis-check-rdb")
    image = _zfs_image(ctx, name)
    if not image:
        return
    g, port = _start_redis(ctx, name, image, "--save '' --appendonly no --dir /data "
                           "--repl-diskless-sync no")
    if not g:
        return
    r = Resp(port)
    rnd = random.Random(5)
    values = dict(("k%d" % i, rnd.randbytes(rnd.randrange(1, 5000))) for i in range(500))
    ok = all(r.cmd("SET", k, v) == "OK" for k, v in values.items())
    ok = ok and r.cmd("RPUSH", "list", *[str(i) for i in range(100)]) == 100
    started = r.cmd("BGSAVE")
    during = r.cmd("GET", "k7") == values["k7"]		# the parent serves meanwhile
    info = _bgsave_done(r)
    ctx.check(name + ".bgsave", ok and started == "Background saving started" and during and
              info.get("rdb_last_bgsave_status") == "ok",
              "sets %s, BGSAVE %r, GET during %s, info %s" % (ok, started, during, info), g.text())
    r.send("SYNC")
    head = r._line().lstrip(b"\n")	# newlines keep a replica waiting for the save
    rdb = r._exact(int(head[1:])) if head.startswith(b"$") else b""
    r.close()
    path = os.path.join(_state["tmp"], "dump.rdb")
    with open(path, "wb") as f:
        f.write(rdb)
    if not check_rdb:
        ctx.skip(name + ".check_rdb", "no redis-check-rdb on the host")
    else:
        p = subprocess.run([check_rdb, path], capture_output=True, text=True)
        ctx.check(name + ".check_rdb", p.returncode == 0 and "RDB looks OK" in p.stdout and
                  rdb.startswith(b"REDIS"), "%d bytes, exit %d" % (len(rdb), p.returncode),
                  p.stdout + p.stderr)
    r = Resp(port)
    ctx.check(name + ".after", r.cmd("DBSIZE") == 501 and r.cmd("LLEN", "list") == 100,
              "keys after the saves", g.text())
    r.close()
    _shutdown(ctx, name, g, port)


class Memcache:
    """memcached's text protocol on one connection."""

    def __init__(self, port):
        self.s = net._connect(port)
        self.f = self.s.makefile("rb")

    def line(self, text):
        self.s.sendall(text)
        return self.f.readline().rstrip(b"\r\n")

    def store(self, verb, key, value, flags=0):
        return self.line(b"%s %s %d 0 %d\r\n%s\r\n" % (verb, key, flags, len(value), value))

    def get(self, key):
        self.s.sendall(b"get %s\r\n" % key)
        head = self.f.readline().rstrip(b"\r\n")
        if head == b"END":
            return None
        _, _, flags, n = head.split()
        data = self.f.read(int(n) + 2)[:-2]
        end = self.f.readline()
        return (int(flags), data) if end == b"END\r\n" else ("bad end", end)

    def stats(self):
        self.s.sendall(b"stats\r\n")
        out = {}
        while True:
            l = self.f.readline().rstrip(b"\r\n").decode()
            if l == "END" or not l:
                return out
            _, k, v = l.split(" ", 2)
            out[k] = v

    def close(self):
        self.f.close()
        self.s.close()


def test_memcached(ctx):
    name = "memcached"
    if not _ready(ctx, name, tools=("memcached",)):
        return
    image = _image(ctx, name)
    if not image:
        return
    port = net._free_port()
    g = net.Guest(ctx, "/usr/bin/memcached -u root -p 11211 -U 0 -t 2 -m 128 -I 2m -c 1024 -A",
                  memory=MEMORY, images=[image], forward=["%d:11211" % port], timeout=900)
    m, version, err = None, None, None
    # slirp takes the connection at once; until memcached listens, the
    # guest resets it: try again for a while.
    for _ in range(BOOT_WAIT * 2):
        try:
            m = Memcache(port)
            version = m.line(b"version\r\n")
            if not version:
                raise ConnectionResetError("closed before answering")
            break
        except OSError as e:
            err = e
            if m:
                m.close()
            m = None
            time.sleep(0.5)
    if not m:
        code, out = g.finish(5)
        ctx.check(name + ".up", False, "no answer: %s" % err, out)
        return
    ctx.check(name + ".version", version.startswith(b"VERSION 1."), "%r" % version, g.text())
    rnd = random.Random(3)
    values = {b"k%d" % i: rnd.randbytes(n) for i, n in enumerate((0, 1, 1000, 100000, MIB))}
    bad = [k for k, v in values.items() if m.store(b"set", k, v, flags=len(v) % 65536) != b"STORED"]
    bad += [k for k, v in values.items() if m.get(k) != (len(v) % 65536, v)]
    ctx.check(name + ".set_get", not bad, "wrong: %r" % bad, g.text())
    sem = [m.store(b"add", b"k1", b"x") == b"NOT_STORED",
           m.store(b"replace", b"nope", b"x") == b"NOT_STORED",
           m.store(b"set", b"n", b"41") == b"STORED",
           m.line(b"incr n 1\r\n") == b"42",
           m.line(b"decr n 50\r\n") == b"0",
           m.line(b"delete k0\r\n") == b"DELETED",
           m.get(b"k0") is None]
    ctx.check(name + ".semantics", all(sem), "%r" % sem, g.text())
    st = m.stats()
    ctx.check(name + ".stats", st.get("curr_items") == "5" and st.get("cmd_set") == "8" and
              st.get("get_hits") == "5" and st.get("get_misses") == "1",
              "%r" % {k: st.get(k) for k in ("curr_items", "cmd_set", "get_hits", "get_misses")})
    if shutil.which("memcslap"):
        runs = [subprocess.run(["memcslap", "--servers=127.0.0.1:%d" % port, "--concurrency=8",
                                "--execute-number=500", "--test=" + t],
                               capture_output=True, text=True, timeout=600) for t in ("set", "get")]
        after = m.stats()
        sets = int(after.get("cmd_set", 0)) - int(st.get("cmd_set", 0))
        gets = int(after.get("cmd_get", 0)) - int(st.get("cmd_get", 0))
        ctx.check(name + ".memcslap", all(p.returncode == 0 for p in runs) and sets >= 4000 and
                  gets >= 4000, "statuses %r, %d sets and %d gets counted" %
                  ([p.returncode for p in runs], sets, gets),
                  "".join(p.stdout + p.stderr for p in runs))
    else:
        ctx.skip(name + ".memcslap", "no memcslap (libmemcached-tools)")
    m.s.sendall(b"shutdown\r\n")
    m.close()
    code, out = g.finish()
    ctx.check(name + ".shutdown", code == 0, "status %d" % code, out)
