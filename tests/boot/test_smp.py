"""Boot tests of several CPUs (tools/run -c N, TCG with thread=multi for
N > 1). At 1, 2 and 4 vCPUs: apps/tests/smpstress (64 threads through
mutexes, condvars, futexes, timers, atomics and create/join churn) with
--expect-cpus N, in its musl and glibc builds; /proc/cpuinfo listing
processors 0..N-1; busybox `nproc` printing N; /sys/devices/system/cpu/online
saying 0-(N-1) where the kernel has that file (a SKIP where it has not).
At 2 and 4 vCPUs: the kernel's self-tests and a few tests of other modules
(a busybox shell script test, a Linux-program test, a ZFS /data test, a
network test), called with OSPREY_CPUS set so that every boot they make
has N vCPUs; their results are named boot.smp.cN.MODULE.NAME.

The debug kernel with the lock-order checker (`make witness`,
kernel/sched/witness.c), when built: its own self-test must report the
reversal it makes, with both stacks; the self-tests, smpstress and a busybox
shell script at 4 vCPUs must show no reversal at all."""
import atexit
import contextlib
import copy
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import traceback

BUSYBOX = "/bin/busybox"
STRESS_VARIANTS = ["musl", "glibc"]
MEMORY = "256M"
TIMEOUT = 180
HOST_TIMEOUT = 120
MARK = "SMP-MARK-"

# Other modules' tests re-run at 2 and 4 vCPUs: short ones, one of each kind.
RERUNS = [("core", "_selftests", ("microvm",)),	# the kernel's self-tests
          ("shell", "test_scripts", ()),	# busybox sh scripts: fork, exec, pipes, jobs
          ("linux", "test_initrd_shell", ()),	# Linux programs in sequence on an initrd
          ("linux", "test_exec_errors", ()),
          ("zfs_data", "test_mappings", ()),	# files on ZFS /data read, written, mapped
          ("net", "test_host_echo_microvm", ())]	# TCP and UDP streams from the host

_stage = {}
_modules = {}


@contextlib.contextmanager
def _cpus(n):
    """Every tools/run started inside gets n vCPUs (its -c default)."""
    old = os.environ.get("OSPREY_CPUS")
    os.environ["OSPREY_CPUS"] = str(n)
    try:
        yield
    finally:
        if old is None:
            del os.environ["OSPREY_CPUS"]
        else:
            os.environ["OSPREY_CPUS"] = old


def _stress_path(ctx, variant):
    return os.path.join(ctx.build, "apps", "smpstress." + variant)


def _ready(ctx, name):
    """The initrd (busybox and smpstress), made once; None after a SKIP or FAIL."""
    if not os.path.exists(BUSYBOX):
        ctx.skip(name, "%s not installed (scripts/deps.sh installs busybox-static)" % BUSYBOX)
        return None
    missing = [v for v in STRESS_VARIANTS if not os.path.exists(_stress_path(ctx, v))]
    if missing:
        ctx.check(name, False, "not built: %s (make apps)" % _stress_path(ctx, missing[0]))
        return None
    if _stage:
        return _stage
    tmp = tempfile.mkdtemp(prefix="osprey-smp-")
    atexit.register(shutil.rmtree, tmp, True)
    root = os.path.join(tmp, "root")
    for d in ("bin", "apps", "etc"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))
    for v in STRESS_VARIANTS:
        shutil.copy(_stress_path(ctx, v), os.path.join(root, "apps"))
    archive = os.path.join(tmp, "initrd.cpio")
    _module(ctx, "fs").cpio(root, archive)
    _stage["initrd"] = archive
    return _stage


def _sections(out):
    """The output between markers: {name: [lines]}."""
    parts, name = {}, None
    for line in out.splitlines():
        if line.startswith(MARK):
            name = line[len(MARK):].strip()
            parts[name] = []
        elif name is not None and not line.startswith(("run: ", "osprey: ", "linux: ")):
            parts[name].append(line)
    return parts


def _not_ok(lines):
    return "; ".join(l for l in lines if l.startswith("not ok"))[:400] or "no 'smpstress: ok'"


def test_host_smpstress(ctx):
    """The same program on the host: it must pass there (nothing is
    compared; the host's CPU count is its own)."""
    for v in STRESS_VARIANTS:
        path = _stress_path(ctx, v)
        if not os.path.exists(path):
            ctx.check("host." + v, False, "not built: %s (make apps)" % path)
            continue
        try:
            p = subprocess.run([path], capture_output=True, text=True, timeout=HOST_TIMEOUT)
            out, code = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            out, code = "timed out after %d s" % HOST_TIMEOUT, -1
        ctx.check("host." + v, code == 0 and "smpstress: ok" in out.splitlines(),
                  "status %d: %s" % (code, _not_ok(out.splitlines())), out)


def _cpu_checks(ctx, n):
    """One boot at n vCPUs: smpstress in each build, cpuinfo, nproc, sysfs."""
    pre = "c%d." % n
    st = _ready(ctx, pre + "boot")
    if not st:
        return
    steps = []
    for v in STRESS_VARIANTS:
        steps += ["/bin/busybox echo %sstress-%s" % (MARK, v), "/apps/smpstress.%s --expect-cpus %d" % (v, n)]
    steps += ["/bin/busybox echo %snproc" % MARK, "/bin/busybox nproc",
              "/bin/busybox echo %scpuinfo" % MARK, "/bin/busybox cat /proc/cpuinfo",
              "/bin/busybox echo %sonline" % MARK, "/bin/busybox cat /sys/devices/system/cpu/online",
              "/bin/busybox echo %send" % MARK]
    with _cpus(n):
        status, out = ctx.run(" ; ".join(steps), memory=MEMORY, initrd=st["initrd"], timeout=TIMEOUT)
    parts = _sections(out)
    ctx.check(pre + "booted", "end" in parts, "status %d, the boot never reached its end" % status, out)

    for v in STRESS_VARIANTS:
        lines = parts.get("stress-" + v, [])
        ctx.check(pre + "smpstress_" + v, "smpstress: ok" in lines, _not_ok(lines), out)

    nproc = [l.strip() for l in parts.get("nproc", []) if l.strip()]
    ctx.check(pre + "nproc", nproc == [str(n)], "nproc printed %r, want %d" % (nproc, n), out)

    procs = [int(m.group(1)) for m in (re.match(r"^processor\s*:\s*(\d+)$", l)
                                        for l in parts.get("cpuinfo", [])) if m]
    ctx.check(pre + "cpuinfo_processors", procs == list(range(n)),
              "/proc/cpuinfo lists processors %r, want 0..%d" % (procs, n - 1), out)

    online = [l.strip() for l in parts.get("online", []) if l.strip()]
    want = "0" if n == 1 else "0-%d" % (n - 1)
    ctx.check(pre + "sys_cpu_online", online == [want],
              "/sys/devices/system/cpu/online: %r, want %r" % (online, want), out)


def test_c1(ctx):
    _cpu_checks(ctx, 1)


def test_c2(ctx):
    _cpu_checks(ctx, 2)


def test_c4(ctx):
    _cpu_checks(ctx, 4)


def _module(ctx, name):
    """tests/boot/test_NAME.py, loaded once (its own copy, with its own staging)."""
    if name not in _modules:
        path = os.path.join(ctx.root, "tests", "boot", "test_%s.py" % name)
        spec = importlib.util.spec_from_file_location("boot_smp_" + name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _modules[name] = mod
    return _modules[name]


def _reruns(ctx, n):
    for modname, fname, args in RERUNS:
        sub = copy.copy(ctx)
        sub.module = "%s.c%d.%s" % (ctx.module, n, modname)
        try:
            with _cpus(n):
                getattr(_module(ctx, modname), fname)(sub, *args)
        except Exception:	# one broken re-run must not hide the others
            sub.check(fname.replace("test_", "", 1).lstrip("_"), False, "exception",
                      traceback.format_exc())


def test_c2_reruns(ctx):
    _reruns(ctx, 2)


def test_c4_reruns(ctx):
    _reruns(ctx, 4)


def _stress_once(ctx, st, n):
    """One boot of smpstress at n vCPUs: (ok, output)."""
    with _cpus(n):
        status, out = ctx.run("/apps/smpstress.musl --expect-cpus %d" % n, memory=MEMORY,
                              initrd=st["initrd"], timeout=TIMEOUT)
    return status == 0 and "smpstress: ok" in out.splitlines(), out


def test_stress_loops(ctx):
    """OSPREY_SMP_LOOPS boots (2 unless set; `make smp-stress` asks 100) of
    smpstress at 4 vCPUs: a count of passes and failures, and the first
    failure's output. A lost wake-up or deadlock shows as the watchdog's
    message or a boot timeout, a crash as a panic."""
    loops = int(os.environ.get("OSPREY_SMP_LOOPS", "2"))
    st = _ready(ctx, "stress_loops")
    if not st:
        return
    passed, first = 0, None
    for i in range(loops):
        ok, out = _stress_once(ctx, st, 4)
        passed += ok
        if not ok and first is None:
            first = (i, out)
    print("smp stress at 4 vCPUs: %d passed, %d failed" % (passed, loops - passed))
    ctx.check("stress_loops", first is None, "%d of %d boots failed; the first, boot %d:" % (
        loops - passed, loops, first[0]) if first else "", first[1] if first else None)


REVERSAL = "witness: lock order reversal"


def test_witness(ctx):
    kernel = os.path.join(ctx.build, "witness", "kernel.elf")
    if not os.path.exists(kernel):
        ctx.skip("witness", "no debug kernel: `make witness` builds %s" % kernel)
        return
    wctx = copy.copy(ctx)
    wctx.kernel = kernel
    with _cpus(2):
        status, out = wctx.run("--test=witness", timeout=TIMEOUT)
    lines = out.splitlines()
    at = [i for i, l in enumerate(lines) if l.startswith(REVERSAL)]
    ok = (status == 0 and len(at) == 1 and
          "'witness-test-b' then 'witness-test-a'" in lines[at[0]] and
          sum(1 for l in lines if l.strip().startswith("test_witness+")) == 2 and
          any(l.startswith("witness: but 'witness-test-a' then 'witness-test-b'") for l in lines))
    ctx.check("witness.reports_reversal", ok, "status %d, want one report with both stacks" % status, out)
    # The re-runs (self-tests, shell, Linux programs, ZFS, network) and
    # smpstress at 4 vCPUs on the witness kernel: no boot may show a reversal.
    reversals = []
    run = wctx.run

    def watched(*args, **kw):
        status, out = run(*args, **kw)
        if REVERSAL in out:
            reversals.append(out)
        return status, out
    wctx.run = watched
    wctx.module = ctx.module + ".witness"
    _reruns(wctx, 4)
    st = _ready(ctx, "witness.stress")
    if st:
        ok, out = _stress_once(wctx, st, 4)
        ctx.check("witness.stress", ok, "smpstress failed on the witness kernel", out)
    ctx.check("witness.no_reversal", not reversals, "%d boots reported a lock order reversal" %
              len(reversals), reversals[0] if reversals else None)
