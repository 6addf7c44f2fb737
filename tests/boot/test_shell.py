"""Boot tests of a shell at work: each script in tests/boot/data/sh runs as
`/bin/busybox sh /sh/NAME.sh` in the guest, from a ROFS root that mkimage
builds from tests/images/shell/busybox.manifest (Debian's static busybox,
a link in /bin for each applet; /tmp is the kernel's ramfs), and with the
very same busybox on the host, in an environment like the guest's (PATH
holding only those links, HOME=/, TERM=vt100, cwd /, stdin /dev/null,
stderr merged into stdout). The guest must print the host's output byte
for byte and exit with the host's status. The scripts fork, exec, pipe,
wait and trap at every line: pipelines, command substitution, jobs,
stopped and continued jobs (kill -STOP/-CONT, /proc/PID/stat), subshells,
here-documents, traps, set -e, exec, exit statuses,
redirections, xargs, find -exec and a long piece of file work. One test
name per script."""
import atexit
import difflib
import glob
import os
import shutil
import signal
import subprocess
import tempfile

BUSYBOX = "/bin/busybox"
MEMORY = "256M"
TIMEOUT = 180
HOST_TIMEOUT = 60
ENV = {"HOME": "/", "TERM": "vt100"}	# the guest's, but for PATH

_stage = {}


def _scripts(ctx):
    return sorted(glob.glob(os.path.join(ctx.root, "tests", "boot", "data", "sh", "*.sh")))


def _stage_tree(ctx):
    """STAGE/bin (busybox and a link per applet), STAGE/sh (the scripts)
    and the disk image; returns the stage dict, image None with a reason
    when it could not be built."""
    if _stage:
        return _stage
    tmp = tempfile.mkdtemp(prefix="osprey-shell-")
    atexit.register(shutil.rmtree, tmp, True)
    _stage["tmp"] = tmp
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    shutil.copy(BUSYBOX, os.path.join(bindir, "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", os.path.join(bindir, a))
    shdir = os.path.join(tmp, "sh")
    os.makedirs(shdir)
    for s in _scripts(ctx):
        shutil.copy(s, shdir)
    mkimage = os.path.join(ctx.build, "tools", "mkimage")
    _stage["image"], _stage["why"] = None, "build/tools/mkimage not built"
    if os.path.exists(mkimage):
        image = os.path.join(tmp, "disk.img")
        manifest = os.path.join(ctx.root, "tests", "images", "shell", "busybox.manifest")
        p = subprocess.run([mkimage, "-q", "-D", "STAGE=" + tmp, manifest, image],
                           capture_output=True, text=True)
        _stage["image"] = image if p.returncode == 0 else None
        _stage["why"] = "mkimage failed: " + (p.stdout + p.stderr)[-2000:]
    return _stage


def _default_signals():
    """The guest's first process starts with every signal at its default;
    a runner started in the background (`make check &`) would hand the
    host's shell SIGINT and SIGQUIT ignored, which a non-interactive
    shell cannot trap."""
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


def _host(st, name):
    """Runs the script on the host: (status as a shell reports it, output)."""
    env = dict(ENV, PATH=os.path.join(st["tmp"], "bin"))
    p = subprocess.run([os.path.join(st["tmp"], "bin", "busybox"), "sh",
                        os.path.join(st["tmp"], "sh", name)], cwd="/", env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=HOST_TIMEOUT,
                       preexec_fn=_default_signals)
    status = 128 - p.returncode if p.returncode < 0 else p.returncode
    return status, p.stdout.decode("utf-8", "replace")


def _program_output(out):
    """The program's output: serial text without the launcher's and kernel's lines."""
    lines = out.splitlines(keepends=True)
    return "".join(l for l in lines if not l.startswith(("run: ", "osprey: ", "linux: ")))


def _diff(want, got):
    d = difflib.unified_diff(want.splitlines(), got.splitlines(), "host", "guest", lineterm="", n=1)
    return "\n".join(list(d)[:40])


def test_scripts(ctx):
    if not os.path.exists(BUSYBOX):
        ctx.skip("scripts", "%s not installed (scripts/deps.sh installs busybox-static)" % BUSYBOX)
        return
    st = _stage_tree(ctx)
    if st["image"] is None:
        if "not built" in st["why"]:
            ctx.skip("scripts", st["why"])
        else:
            ctx.check("mkimage", False, st["why"])
        return
    for path in _scripts(ctx):
        name = os.path.basename(path)
        test = "sh." + name[:-3]
        hstatus, want = _host(st, name)
        # A script whose output names where it ran cannot be compared.
        if st["tmp"] in want or not want:
            ctx.check(test, False, "the host's output is empty or names the staging "
                      "directory %s (status %d)" % (st["tmp"], hstatus), want)
            continue
        status, out = ctx.run("/bin/busybox sh /sh/" + name, images=[st["image"]],
                              memory=MEMORY, timeout=TIMEOUT)
        got = _program_output(out)
        ctx.check(test, status == hstatus and got == want,
                  "status %d, host %d; output differs:\n%s" % (status, hstatus, _diff(want, got)),
                  out)
