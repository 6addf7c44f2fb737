"""Boot tests of the Linux ABI: Debian's static busybox and the test
programs of apps/tests (each in its musl, static-pie and glibc builds) run
from a cpio initrd (ramfs root) and from a ROFS root built by mkimage
from tests/images/linux/busybox.manifest. Also the exit statuses of
programs that cannot run: not found (127), a dynamic one whose interpreter
is missing (127), not ELF (126)."""
import atexit
import calendar
import hashlib
import os
import random
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import time

BUSYBOX = "/bin/busybox"
APPS = ["threads", "memory", "futex", "files", "mappings", "limits", "epoll", "unix", "procs",
        "procfs", "efault", "vdso"]
HELPERS = ["orphans"]	# staged too, run by their own tests
# Also run on the host first: the guest must pass the very checks the host
# passes (a check the host fails is a broken test, not a broken kernel).
HOST_SAME = ["epoll", "unix", "procs", "procfs", "efault"]
VARIANTS = ["musl", "pie", "glibc"]
APP_MEMORY = "256M"
APP_TIMEOUT = 180
BB_TIMEOUT = 40

_stage = {}


def _has_interp(path):
    """True when the ELF file at path has a PT_INTERP program header."""
    with open(path, "rb") as f:
        h = f.read(64)
        if len(h) < 64 or h[:4] != b"\x7fELF" or h[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return any(struct.unpack_from("<I", table, i * phentsize)[0] == 3 for i in range(phnum))


def _apps_dir(ctx):
    d = os.path.join(ctx.build, "apps")
    return d if all(os.path.exists(os.path.join(d, "%s.%s" % (a, v)))
                    for a in APPS + HELPERS for v in VARIANTS) else None


def _make_data(data):
    rnd = random.Random(4321)
    os.makedirs(data)
    with open(os.path.join(data, "hello.txt"), "w") as f:
        f.write("Hello from the host.\nSecond line, with UTF-8: \u00e9t\u00e9.\n")
    for name, size in [("empty", 0), ("one", 1), ("page", 4096), ("odd", 100003),
                       ("cluster", 65536), ("big", (1 << 20) + 3)]:
        with open(os.path.join(data, name), "wb") as f:
            f.write(rnd.randbytes(size) if size % 2 else bytes(i % 251 for i in range(size)))
    with open(os.path.join(data, "words"), "w") as f:
        f.write("pear\napple\nfig\nbanana\napple\ncherry\n")
    with open(os.path.join(data, "notelf"), "w") as f:
        f.write("this is text, not a program\n")
    os.chmod(os.path.join(data, "notelf"), 0o755)
    with open(os.path.join(data, "noexec"), "wb") as f:
        with open(BUSYBOX, "rb") as b:
            f.write(b.read(4096))
    os.chmod(os.path.join(data, "noexec"), 0o644)
    if os.path.exists("/bin/true") and _has_interp("/bin/true"):
        shutil.copy("/bin/true", os.path.join(data, "dyn"))
        os.chmod(os.path.join(data, "dyn"), 0o755)


def _hashes(data):
    out = {}
    for name in sorted(os.listdir(data)):
        with open(os.path.join(data, name), "rb") as f:
            out["/data/" + name] = hashlib.sha256(f.read()).hexdigest()
    return out


def _stage_tree(ctx):
    """Stages the tree once per run: STAGE/root (for the cpio), STAGE/apps
    and STAGE/data (for the manifest); returns the stage dict."""
    if _stage:
        return _stage
    tmp = tempfile.mkdtemp(prefix="osprey-linux-")
    atexit.register(shutil.rmtree, tmp, True)
    _stage["tmp"] = tmp
    data = os.path.join(tmp, "data")
    _make_data(data)
    apps = os.path.join(tmp, "apps")
    os.makedirs(apps)
    built = _apps_dir(ctx)
    if built:
        for a in APPS + HELPERS:
            for v in VARIANTS:
                shutil.copy(os.path.join(built, "%s.%s" % (a, v)), apps)
    _stage["apps"] = bool(built)
    _stage["hashes"] = _hashes(data)
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))
    shutil.copytree(data, os.path.join(root, "data"), symlinks=True)
    shutil.copytree(apps, os.path.join(root, "apps"))
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "hostname"), "w") as f:
        f.write("osprey\n")
    archive = os.path.join(tmp, "initrd.cpio")
    with open(archive, "wb") as f:
        names = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=root, input=names,
                       stdout=f, check=True)
    _stage["initrd"] = archive
    return _stage


def _image(ctx, st):
    """The ROFS disk image from the manifest, built once; None if mkimage is missing."""
    if "image" in st:
        return st["image"], st["image_msg"]
    mkimage = os.path.join(ctx.build, "tools", "mkimage")
    if not os.path.exists(mkimage):
        st["image"], st["image_msg"] = None, "build/tools/mkimage not built"
        return st["image"], st["image_msg"]
    image = os.path.join(st["tmp"], "disk.img")
    manifest = os.path.join(ctx.root, "tests", "images", "linux", "busybox.manifest")
    p = subprocess.run([mkimage, "-q", "-D", "STAGE=" + st["tmp"], manifest, image],
                       capture_output=True, text=True)
    st["image"] = image if p.returncode == 0 else None
    st["image_msg"] = "mkimage failed: " + (p.stdout + p.stderr)[-2000:]
    return st["image"], st["image_msg"]


def _ready(ctx, name):
    if not os.path.exists(BUSYBOX):
        ctx.skip(name, "%s not installed (scripts/deps.sh installs busybox-static)" % BUSYBOX)
        return None
    return _stage_tree(ctx)


def _program_lines(out):
    """The program's output: serial lines without the launcher's and kernel's."""
    return [l for l in out.splitlines()
            if not l.startswith(("run: ", "osprey: ", "linux: "))]


def _boot(ctx, st, cmdline, root, **kw):
    kw.setdefault("timeout", BB_TIMEOUT)
    if root == "rofs":
        image, _ = _image(ctx, st)
        return ctx.run(cmdline, images=[image], **kw)
    return ctx.run(cmdline, initrd=st["initrd"], **kw)


def _busybox_scenarios(ctx, st, root, machine="microvm"):
    """The busybox scenarios that need no shell; names are prefixed with root."""
    pre = "%s.%s" % (root, machine) if machine != "microvm" else root
    run = lambda cmd, **kw: _boot(ctx, st, cmd, root, machine=machine, **kw)

    status, out = run("/bin/busybox ls -la /")
    lines = _program_lines(out)
    names = set(l.split()[-1] for l in lines if re.match(r"^[dl-][rwxsStT-]{9}\s", l))
    want = {"bin", "data", "dev", "tmp", "apps", ".", ".."}
    ok = status == 0 and want <= names and any(re.match(r"^d.* bin$", l) for l in lines)
    ctx.check(pre + ".ls_la_root", ok, "status %d, missing %s" % (status, sorted(want - names)), out)

    # top reads /proc/stat, meminfo and each /proc/PID: one batch round.
    status, out = run("/bin/busybox top -b -n 1")
    lines = _program_lines(out)
    cpu = [l for l in lines if l.startswith("CPU:")]
    pcts = [int(x) for x in re.findall(r"(\d+)% ", cpu[0])] if cpu else []
    ok = status == 0 and len(pcts) == 7 and all(p <= 100 for p in pcts) and \
        any(re.match(r"^\s*1\s+0\s+\S+\s+R\s+\d+.*/bin/busybox top -b -n 1$", l) for l in lines)
    ctx.check(pre + ".top", ok, "status %d, CPU line %s" % (status, cpu), out)

    status, out = run("/bin/busybox cat /data/hello.txt")
    with open(os.path.join(st["tmp"], "data", "hello.txt"), encoding="utf-8") as f:
        text = f.read()
    ctx.check(pre + ".cat", status == 0 and text in out, "status %d" % status, out)

    hashes = st["hashes"]
    files = [p for p in sorted(hashes)]
    status, out = run("/bin/busybox sha256sum " + " ".join(files))
    got = dict((m.group(2), m.group(1)) for m in
               (re.match(r"^([0-9a-f]{64})  (\S+)$", l) for l in out.splitlines()) if m)
    wrong = [p for p in files if got.get(p) != hashes[p]]
    ctx.check(pre + ".sha256sum", status == 0 and not wrong,
              "status %d, wrong or missing: %s" % (status, wrong), out)

    status, out = run("/bin/busybox ls -l /data/big /data/empty")
    ok = status == 0 and re.search(r"^-r.* %d .*/data/big$" % ((1 << 20) + 3), out, re.M) \
        and re.search(r"^-r.* 0 .*/data/empty$", out, re.M)
    ctx.check(pre + ".ls_l_sizes", ok, "status %d" % status, out)


def test_initrd_busybox(ctx):
    st = _ready(ctx, "initrd_busybox")
    if not st:
        return
    _busybox_scenarios(ctx, st, "initrd")
    run = lambda cmd, **kw: _boot(ctx, st, cmd, "initrd", **kw)

    status, out = run("/bin/busybox uname -a")
    lines = _program_lines(out)
    ok = status == 0 and any(l.startswith("Linux ") and "x86_64" in l for l in lines)
    ctx.check("initrd.uname_a", ok, "status %d" % status, out)

    status, out = run("/bin/busybox date")
    host = time.time()
    m = re.search(r"^\w{3} (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\w+) (\d{4})$", out, re.M)
    ok = status == 0 and m is not None
    if ok:
        guest = calendar.timegm(time.strptime("%s %s %s %s:%s:%s" % (
            m.group(7), m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)),
            "%Y %b %d %H:%M:%S"))
        ok = m.group(6) == "UTC" and abs(guest - host) < 600
    ctx.check("initrd.date", ok, "status %d, date not within 10 minutes of the host's (UTC)" % status, out)

    status, out = run("/bin/busybox echo hello 'two  words' \"and three here\"")
    ctx.check("initrd.echo", status == 0 and "hello two  words and three here" in _program_lines(out),
              "status %d" % status, out)

    t0 = time.monotonic()
    status, out = run("/bin/busybox sleep 0.1")
    ctx.check("initrd.sleep", status == 0 and time.monotonic() - t0 >= 0.1, "status %d" % status, out)

    status, out = run("/bin/busybox false")
    ctx.check("initrd.false_status_1", status == 1, "status %d" % status, out)
    status, out = run("/bin/busybox true")
    ctx.check("initrd.true_status_0", status == 0, "status %d" % status, out)
    status, out = run("/bin/busybox sh -c 'echo in-shell; exit 7'")
    ctx.check("initrd.sh_exit_status", status == 7 and "in-shell" in _program_lines(out),
              "status %d" % status, out)

    status, out = run("/bin/busybox dd if=/dev/zero bs=1M count=16 of=/tmp/x")
    # Debian's busybox prints no "bytes copied" line; the size is checked by
    # ls -l in test_initrd_shell.
    ok = status == 0 and "16+0 records in" in out and "16+0 records out" in out
    ctx.check("initrd.dd_16M", ok, "status %d" % status, out)

    status, out = run("/bin/busybox sha256sum /data/hello.txt /nonexistent")
    ok = status == 1 and st["hashes"]["/data/hello.txt"] in out and "/nonexistent" in out
    ctx.check("initrd.sha256sum_missing_file_status", ok, "status %d" % status, out)


def test_initrd_shell(ctx):
    """mkdir/cp/mv/rm/find/sort/wc/dd in /tmp, as programs run one after
    another on the kernel command line (' ; '): a unikernel runs one process,
    so there is no fork for a shell to start applets with."""
    st = _ready(ctx, "initrd_shell")
    if not st:
        return
    steps = ["mkdir -p /tmp/a/b/c", "cp /data/words /tmp/a/b/w1", "cp /tmp/a/b/w1 /tmp/a/w2",
             "mv /tmp/a/w2 /tmp/a/b/c/w3", "echo MARK-find", "find /tmp/a",
             "echo MARK-sort", "sort -u /tmp/a/b/c/w3", "echo MARK-wc", "wc -l /tmp/a/b/w1",
             "rm /tmp/a/b/w1", "rm -r /tmp/a/b/c", "echo MARK-after", "find /tmp/a",
             "dd if=/dev/zero bs=1M count=16 of=/tmp/x", "echo MARK-ls", "ls -l /tmp/x",
             "echo MARK-done"]
    cmdline = " ; ".join("/bin/busybox " + s for s in steps)
    status, out = _boot(ctx, st, cmdline, "initrd", timeout=90)
    lines = _program_lines(out)

    def section(name, nxt):
        try:
            return lines[lines.index("MARK-" + name) + 1:lines.index("MARK-" + nxt)]
        except ValueError:
            return None

    find = section("find", "sort")
    ctx.check("shell.find", find is not None and sorted(find) ==
              ["/tmp/a", "/tmp/a/b", "/tmp/a/b/c", "/tmp/a/b/c/w3", "/tmp/a/b/w1"], "got %s" % find, out)
    ctx.check("shell.sort_u", section("sort", "wc") == ["apple", "banana", "cherry", "fig", "pear"],
              "got %s" % section("sort", "wc"), out)
    wc = section("wc", "after")
    ctx.check("shell.wc", wc is not None and len(wc) == 1 and wc[0].split() == ["6", "/tmp/a/b/w1"],
              "got %s" % wc, out)
    after = section("after", "ls")
    after = [l for l in after or [] if "records" not in l]
    ctx.check("shell.rm", sorted(after) == ["/tmp/a", "/tmp/a/b"], "got %s" % after, out)
    ls = section("ls", "done")
    ctx.check("shell.dd_ls_l", ls is not None and len(ls) == 1 and
              re.match(r"^-rw.* 16777216 .*/tmp/x$", ls[0]) is not None, "got %s" % ls, out)
    ctx.check("shell.status", status == 0 and "MARK-done" in lines, "status %d" % status, out)


def test_exec_errors(ctx):
    st = _ready(ctx, "exec_errors")
    if not st:
        return
    run = lambda cmd: _boot(ctx, st, cmd, "initrd", timeout=30)
    status, out = run("/bin/no-such-program arg")
    ctx.check("not_found_127", status == 127 and re.search(r"/bin/no-such-program: .*not found", out),
              "status %d" % status, out)
    status, out = run("/data/nodir/prog")
    ctx.check("missing_dir_127", status == 127 and "/data/nodir/prog" in out, "status %d" % status, out)
    if os.path.exists(os.path.join(st["tmp"], "data", "dyn")):
        # Its interpreter is not in the initrd (test_dynamic.py runs it).
        status, out = run("/data/dyn")
        ctx.check("dynamic_no_interp_127", status == 127 and
                  re.search(r"/data/dyn: interpreter /\S+: not found", out), "status %d" % status, out)
    else:
        ctx.skip("dynamic_no_interp_127", "the host's /bin/true is not dynamically linked")
    status, out = run("/data/notelf")
    ctx.check("not_elf_126", status == 126 and re.search(r"/data/notelf: .*ELF", out),
              "status %d" % status, out)
    status, out = run("/data/noexec")
    ctx.check("not_executable_126", status == 126 and "/data/noexec" in out, "status %d" % status, out)
    status, out = run("/data")
    ctx.check("directory_126", status == 126 and "/data" in out, "status %d" % status, out)


def _check_app(ctx, name, status, out):
    bad = [l for l in out.splitlines() if l.startswith("not ok ")]
    oks = sum(1 for l in out.splitlines() if l.startswith("ok "))
    ok = status == 0 and not bad and oks > 0 and re.search(r": all \d+ checks passed", out)
    detail = "status %d, %d ok; %s" % (status, oks, "; ".join(bad[:6]) or "no failed check line")
    unimpl = sorted(set(re.findall(r"system call (\w+) \(\d+\) is not implemented", out)))
    if unimpl:
        detail += "; unimplemented: " + ", ".join(unimpl)
    ctx.check(name, ok, detail, out)


def _oks(out):
    return set(re.findall(r"^ok (\S+)", out, re.M))


def _check_same_as_host(ctx, name, prog, out):
    """The guest's passed checks are the host's, and the host passed all."""
    p = subprocess.run([os.path.join(ctx.build, "apps", prog)], capture_output=True, text=True,
                       timeout=APP_TIMEOUT)
    want, got = _oks(p.stdout), _oks(out)
    ok = p.returncode == 0 and want and got == want
    host_bad = re.findall(r"^not ok .*$", p.stdout, re.M)
    ctx.check(name, ok, "host status %d, %d checks%s; guest lacks %s, has more %s" % (
        p.returncode, len(want), " (%s)" % "; ".join(host_bad[:4]) if host_bad else "",
        sorted(want - got)[:8], sorted(got - want)[:8]), out)


def test_initrd_apps(ctx):
    st = _ready(ctx, "initrd_apps")
    if not st:
        return
    if not st["apps"]:
        ctx.skip("initrd_apps", "build/apps not built (make -f Makefile -f apps/apps.mk apps)")
        return
    for app in APPS:
        for v in VARIANTS:
            status, out = _boot(ctx, st, "/apps/%s.%s" % (app, v), "initrd",
                                memory=APP_MEMORY, timeout=APP_TIMEOUT)
            _check_app(ctx, "initrd.%s.%s" % (app, v), status, out)
            if app in HOST_SAME:
                _check_same_as_host(ctx, "initrd.%s.%s.same_as_host" % (app, v),
                                    "%s.%s" % (app, v), out)


def test_rofs(ctx):
    st = _ready(ctx, "rofs")
    if not st:
        return
    image, msg = _image(ctx, st)
    if image is None and "not built" in msg:
        ctx.skip("rofs", msg)
        return
    ctx.check("rofs.mkimage", image, msg)
    if not image:
        return
    _busybox_scenarios(ctx, st, "rofs")
    # The same on q35 (virtio-blk over PCI), as one boot.
    files = " ".join(sorted(st["hashes"]))
    status, out = _boot(ctx, st, "/bin/busybox sha256sum " + files, "rofs", machine="q35")
    got = dict((m.group(2), m.group(1)) for m in
               (re.match(r"^([0-9a-f]{64})  (\S+)$", l) for l in out.splitlines()) if m)
    ctx.check("rofs.q35.sha256sum", status == 0 and got == st["hashes"], "status %d" % status, out)
    # Writing to the read-only root fails as on Linux, /tmp works.
    status, out = _boot(ctx, st, "/bin/busybox mkdir /newdir", "rofs")
    ctx.check("rofs.mkdir_readonly_fails", status == 1 and re.search(r"/newdir.*[Rr]ead-only", out),
              "status %d" % status, out)
    status, out = _boot(ctx, st, "/bin/busybox cp /data/big /tmp/big", "rofs")
    ctx.check("rofs.cp_to_tmp", status == 0, "status %d" % status, out)
    # getcwd walks ".." up a directory whose parent's vnode has gone.
    status, out = _boot(ctx, st, "/bin/busybox sh -c 'cd /var/empty && pwd -P'", "rofs")
    ctx.check("rofs.getcwd_two_deep", status == 0 and "/var/empty" in _program_lines(out),
              "status %d" % status, out)
    if not st["apps"]:
        ctx.skip("rofs_apps", "build/apps not built")
        return
    for app in APPS:
        status, out = _boot(ctx, st, "/apps/%s.pie /tmp" % app, "rofs",
                            memory=APP_MEMORY, timeout=APP_TIMEOUT)
        _check_app(ctx, "rofs.%s.pie" % app, status, out)


def test_orphan_threads(ctx):
    """A program that exits with threads still spinning, blocked and
    sleeping; the programs after it on the command line run undisturbed."""
    st = _ready(ctx, "orphans")
    if not st:
        return
    if not st["apps"]:
        ctx.skip("orphans", "build/apps not built")
        return
    for v in VARIANTS:
        status, out = _boot(ctx, st, "/apps/orphans.%s ; /bin/busybox echo after-orphans ; "
                            "/apps/files.%s /tmp" % (v, v), "initrd",
                            memory=APP_MEMORY, timeout=APP_TIMEOUT)
        ctx.check("orphans.%s.left" % v, "ok orphans: leaving 3 threads behind" in out,
                  "status %d" % status, out)
        ctx.check("orphans.%s.next_programs_run" % v, "after-orphans" in _program_lines(out)
                  and status == 0 and re.search(r"files: all \d+ checks passed", out),
                  "status %d" % status, out)


def _pattern_file(path, pages):
    """hog --file's pattern (apps/tests/hog.c): page n starts with n (8
    bytes, little-endian), then byte i is n * 131 + i * 7."""
    row = bytes((i * 7) & 0xff for i in range(4096))
    with open(path, "wb") as f:
        for n in range(pages):
            shift = (n * 131) & 0xff
            body = row.translate(bytes((b + shift) & 0xff for b in range(256)))
            f.write(struct.pack("<Q", n) + body[8:])


def test_mapped_file_reclaim(ctx):
    """A program that maps a file larger than the VM's free memory and reads
    it all twice: the kernel takes back the file pages it mapped (nothing
    else is left to give) and they come back from the file with the same
    bytes. Without that the program was killed (out of memory, 137)."""
    hog = os.path.join(ctx.build, "apps", "hog.musl")
    mkimage = os.path.join(ctx.build, "tools", "mkimage")
    if not (os.path.exists(hog) and os.path.exists(mkimage)):
        ctx.skip("mapped_file_reclaim", "build/apps/hog.musl or build/tools/mkimage not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big")
        _pattern_file(big, 32 * 256)		# 32 MiB
        manifest = os.path.join(tmp, "m")
        with open(manifest, "w") as f:
            f.write("/bin/hog: %s\n/big: %s\n" % (hog, big))
        image = os.path.join(tmp, "img")
        p = subprocess.run([mkimage, "-q", manifest, image], capture_output=True, text=True)
        if p.returncode:
            ctx.check("mapped_file_reclaim.image", False, (p.stdout + p.stderr)[-2000:])
            return
        status, out = ctx.run("--verbose /bin/hog --file /big", memory="24M", images=[image],
                              timeout=APP_TIMEOUT)
    m = re.search(r"osprey: (\d+) KiB RAM", out)
    ctx.check("mapped_file_reclaim.file_larger_than_ram", m and int(m.group(1)) < 32 * 1024,
              "RAM %s KiB" % (m.group(1) if m else "?"), out)
    ctx.check("mapped_file_reclaim.read_twice", status == 0 and "hog: all 2 checks passed" in out,
              "status %d" % status, out)
