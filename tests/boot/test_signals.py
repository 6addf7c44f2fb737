"""Boot tests of signals (kernel/linux/signal.c): apps/tests/signals,
sigexit, rerun and jobctl, in their musl, static-pie and glibc builds, from a cpio
initrd. Each program runs on the host first: a check it fails there is a
broken test, not a broken kernel; the guest must then print the very same
"ok" lines and exit the same way."""
import atexit
import os
import re
import shutil
import subprocess
import tempfile

PROGRAMS = ["signals", "sigexit", "rerun", "jobctl"]
VARIANTS = ["musl", "pie", "glibc"]
MEMORY = "128M"
TIMEOUT = 120

_stage = {}


def _initrd(ctx):
    """A cpio archive holding /apps/PROGRAM.VARIANT; None if not built."""
    if "initrd" in _stage:
        return _stage["initrd"]
    apps = os.path.join(ctx.build, "apps")
    files = ["%s.%s" % (p, v) for p in PROGRAMS for v in VARIANTS]
    if not all(os.path.exists(os.path.join(apps, f)) for f in files):
        _stage["initrd"] = None
        return None
    tmp = tempfile.mkdtemp(prefix="osprey-signals-")
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


def _host(ctx, prog, *args):
    """Runs build/apps/PROG on the host: (status as a shell shows it, output)."""
    p = subprocess.run([os.path.join(ctx.build, "apps", prog)] + list(args),
                       capture_output=True, text=True, timeout=TIMEOUT)
    status = 128 - p.returncode if p.returncode < 0 else p.returncode
    return status, p.stdout


def _oks(out):
    return set(re.findall(r"^ok (\S+)", out, re.M))


def _ready(ctx, name):
    initrd = _initrd(ctx)
    if not initrd:
        ctx.skip(name, "build/apps not built (make apps)")
    return initrd


def _boot(ctx, initrd, cmdline):
    return ctx.run(cmdline, initrd=initrd, memory=MEMORY, timeout=TIMEOUT)


def test_signals(ctx):
    """Every check of apps/tests/signals passes on the host and in the
    guest, the same set of them."""
    _same_as_host(ctx, "signals", 40)


def _same_as_host(ctx, name, least):
    """apps/tests/NAME in each variant: at least `least` checks pass on the
    host, and the guest passes the very same set and fails none."""
    initrd = _ready(ctx, name)
    if not initrd:
        return
    for v in VARIANTS:
        prog = "%s.%s" % (name, v)
        hstatus, hout = _host(ctx, prog)
        want = _oks(hout)
        ctx.check("%s.host" % prog, hstatus == 0 and len(want) >= least,
                  "host status %d, %d checks passed" % (hstatus, len(want)), hout)
        status, out = _boot(ctx, initrd, "/apps/" + prog)
        got = _oks(out)
        failed = re.findall(r"^not ok .*$", out, re.M)
        ctx.check(prog, status == 0 and got == want and not failed,
                  "status %d; not ok: %s; missing: %s" % (status, failed, sorted(want - got)), out)


def test_default_actions(ctx):
    """Signals that end a program: SIGPIPE on a write without readers (141)
    and ignored (EPIPE), raise with the default action (128 + signal), a
    process-directed SIGTERM from another thread, an unhandled segfault.
    One boot per build runs them all in a row (the order rotated, as only
    the last program's status leaves the VM); each must end with the
    host's status and the kernel's line naming the signal. The first
    program ignores SIGPIPE: a later one dying of it shows that actions
    do not carry over to the next program."""
    initrd = _ready(ctx, "default_actions")
    if not initrd:
        return
    cases = [("pipe", "pipe", "killed by signal 13 (SIGPIPE)"),
             ("raise_usr1", "raise 10", "killed by signal 10 (SIGUSR1)"),
             ("raise_rt", "raise 40", "killed by signal 40 (SIGRTMIN+8)"),
             ("kill_from_thread", "kill-thread", "killed by signal 15 (SIGTERM)"),
             ("segv", "segv", "segmentation fault: writing")]
    for i, v in enumerate(VARIANTS):
        prog = "sigexit.%s" % v
        order = cases[i:] + cases[:i]
        want = {}
        for name, args, _ in order:
            want[name], _ = _host(ctx, prog, *args.split())
        ctx.check("default.%s.host" % v, [want[c[0]] for c in cases] == [141, 138, 168, 143, 139],
                  "host statuses %s" % want)
        cmd = " ; ".join(["/apps/%s pipe-ignore" % prog] +
                         ["/apps/%s %s" % (prog, args) for _, args, _ in order])
        status, out = _boot(ctx, initrd, cmd)
        ctx.check("default.%s.pipe_ignored" % v, "ok sigexit.pipe_ignored_epipe" in out,
                  "no EPIPE line", out)
        pos = 0
        for name, _, line in order:
            at = out.find(line, pos)
            ctx.check("default.%s.%s" % (v, name), at >= 0, "no line %r in order" % line, out)
            pos = at if at >= 0 else pos
        last = order[-1][0]
        ctx.check("default.%s.%s.status" % (v, last), status == want[last] and "not ok" not in out,
                  "status %d, host %d" % (status, want[last]), out)


def test_rerun_orphans(ctx):
    """The same threaded binary twice in one boot: the threads the first run
    leaves behind (waiting on a condition variable, in sigsuspend, reading a
    pipe, sleeping, spinning) are stopped before the second starts, which
    then gets every one of its own wake-ups."""
    initrd = _ready(ctx, "rerun")
    if not initrd:
        return
    for v in VARIANTS:
        prog = "/apps/rerun.%s" % v
        status, out = _boot(ctx, initrd, "%s leave ; %s check" % (prog, prog))
        ctx.check("rerun.%s" % v, status == 0 and "rerun: leaving 8 threads behind" in out
                  and re.search(r"^rerun: all \d+ checks passed", out, re.M),
                  "status %d" % status, out)


def test_job_control(ctx):
    """apps/tests/jobctl: SIGSTOP, SIGTSTP/SIGTTIN/SIGTTOU by default and
    with a handler, SIGCONT (also blocked, also with a handler), what
    wait4/waitid (WUNTRACED, WCONTINUED, WSTOPPED, WNOWAIT), SIGCHLD (and
    SA_NOCLDSTOP) and /proc/PID say of it, every thread of a threaded
    child, SIGKILL of a stopped child, an orphaned group discarding
    SIGTSTP. The guest must pass the host's checks, all of them."""
    _same_as_host(ctx, "jobctl", 60)


def test_first_process_not_stopped(ctx):
    """The first process (nothing could continue it) is not stopped by a
    stop signal: raise(SIGSTOP) returns, with the kernel's line saying why,
    and the program goes on to its end instead of hanging the VM."""
    initrd = _ready(ctx, "first_not_stopped")
    if not initrd:
        return
    status, out = _boot(ctx, initrd, "/apps/sigexit.musl raise 19")
    ctx.check("first_not_stopped.line", "SIGSTOP does not stop the first process" in out,
              "no kernel line", out)
    ctx.check("first_not_stopped.went_on", status == 1 and "not ok sigexit.raise" in out,
              "status %d" % status, out)
