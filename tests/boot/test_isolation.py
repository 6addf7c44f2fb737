"""Boot tests of the kernel's isolation from programs (ring 3:
kernel/arch/x86_64/README.md): apps/tests/isolation in its musl,
static-pie and glibc builds reads, writes and jumps to kernel addresses,
runs privileged instructions and asks rt_sigreturn for kernel selectors,
and must get Linux's signal each time and go on. It runs on the host
first (a check it fails there is a broken test); in the guest it must pass
the very same checks, and the kernel must survive it: every build runs in
one boot, and another program after them."""
import atexit
import os
import re
import shutil
import subprocess
import tempfile

VARIANTS = ["musl", "pie", "glibc"]
AFTER = "threads.musl"       # the program that runs once they are done
MEMORY = "128M"
TIMEOUT = 120

_stage = {}


def _initrd(ctx):
    """A cpio archive holding /apps/isolation.* and AFTER; None if not built."""
    if "initrd" in _stage:
        return _stage["initrd"]
    apps = os.path.join(ctx.build, "apps")
    files = ["isolation.%s" % v for v in VARIANTS] + [AFTER]
    if not all(os.path.exists(os.path.join(apps, f)) for f in files):
        _stage["initrd"] = None
        return None
    tmp = tempfile.mkdtemp(prefix="osprey-isolation-")
    atexit.register(shutil.rmtree, tmp, True)
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "apps"))
    for f in files:
        shutil.copy(os.path.join(apps, f), os.path.join(root, "apps"))
    archive = os.path.join(tmp, "initrd.cpio")
    names = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
    with open(archive, "wb") as out:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=root, input=names,
                       stdout=out, check=True)
    _stage["initrd"] = archive
    return archive


def _host_oks(ctx, prog):
    """The checks build/apps/PROG passes on the host, and its exit status."""
    p = subprocess.run([os.path.join(ctx.build, "apps", prog)], capture_output=True, text=True,
                       timeout=TIMEOUT)
    return p.returncode, set(re.findall(r"^ok (\S+)", p.stdout, re.M))


def _runs(out):
    """The output of each isolation run, split at its summary line."""
    parts = re.split(r"^(isolation: .*)$", out, flags=re.M)
    return [(parts[i - 1], parts[i]) for i in range(1, len(parts), 2)]


def _check_boot(ctx, name, status, out, want, count):
    runs = _runs(out)
    ctx.check("%s.runs" % name, len(runs) == count, "%d of %d runs ended" % (len(runs), count), out)
    for i, (body, summary) in enumerate(runs):
        got = set(re.findall(r"^ok (\S+)", body, re.M))
        failed = re.findall(r"^not ok .*$", body, re.M)
        v = VARIANTS[i] if i < len(VARIANTS) else str(i)
        ctx.check("%s.%s" % (name, v), got == want[v] and not failed and "all" in summary,
                  "%s; not ok: %s; missing: %s" % (summary, failed, sorted(want[v] - got)), out)
    ctx.check("%s.kernel_survived" % name, status == 0 and "PANIC" not in out and
              re.search(r"^threads: all \d+ checks passed", out, re.M),
              "status %d (of %s, the last program)" % (status, AFTER), out)


def test_isolation(ctx):
    """Every build in one boot, then another program: the same checks pass
    as on the host, and the kernel goes on."""
    initrd = _initrd(ctx)
    if not initrd:
        ctx.skip("isolation", "build/apps not built (make apps)")
        return
    want = {}
    for v in VARIANTS:
        hstatus, want[v] = _host_oks(ctx, "isolation.%s" % v)
        ctx.check("isolation.%s.host" % v, hstatus == 0 and len(want[v]) >= 100,
                  "host status %d, %d checks passed" % (hstatus, len(want[v])))
    cmd = " ; ".join(["/apps/isolation.%s" % v for v in VARIANTS] + ["/apps/" + AFTER])
    status, out = ctx.run(cmd, initrd=initrd, memory=MEMORY, timeout=TIMEOUT)
    _check_boot(ctx, "isolation", status, out, want, len(VARIANTS))


def test_isolation_smep(ctx):
    """QEMU's `max` CPU has SMEP: the kernel turns it on (and says so with
    --verbose) and programs run as before."""
    initrd = _initrd(ctx)
    if not initrd:
        ctx.skip("smep", "build/apps not built (make apps)")
        return
    _, want = _host_oks(ctx, "isolation.musl")
    status, out = ctx.run("--verbose /apps/isolation.musl ; /apps/" + AFTER, initrd=initrd,
                          memory=MEMORY, timeout=TIMEOUT, extra=["--", "-cpu", "max"])
    ctx.check("smep.enabled", "cpu: SMEP on" in out, "no 'cpu: SMEP on' line", out)
    _check_boot(ctx, "smep", status, out, {"musl": want}, 1)
