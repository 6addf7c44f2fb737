"""tools/osprey run: a host program into a cached image and a booted
guest in one command. Debian's python3 with its standard library prints
what the host's prints for the same arguments; a second run boots the
cached image without writing it again (its mtime and inode stay); a
changed input file, even with its old size and mtime, gives a new image;
the program's exit status is the command's; a missing program or a
script is refused with a message and a shell's status (127, 126) before
anything is built."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PY = "/usr/bin/python3"
STDLIB = "/usr/lib/python3.11"
TIMEOUT = 300
IMAGE_RE = re.compile(r"^osprey: image (\S+) \(\d+ host files?, (built|cached) in ", re.M)


def _osprey(ctx, cache, args, timeout=TIMEOUT):
    """Runs tools/osprey run; (status, stdout, stderr)."""
    cmd = [sys.executable, os.path.join(ctx.root, "tools", "osprey"), "run", "--build", ctx.build,
           "--cache", cache, "--accel", ctx.accel, "--timeout", str(timeout), "-m", "128M"] + args
    p = subprocess.run(cmd, cwd=ctx.root, capture_output=True, timeout=timeout + 120)
    return (p.returncode, p.stdout.decode("utf-8", "replace").replace("\r\n", "\n"),
            p.stderr.decode("utf-8", "replace"))


def _program_lines(out):
    """The program's output: serial lines without the kernel's."""
    return [l for l in out.splitlines() if not l.startswith(("osprey: ", "linux: ", "bootchart", "  "))]


def _image(err):
    m = IMAGE_RE.search(err)
    return (m.group(1), m.group(2)) if m else (None, None)


def _ready(ctx, name):
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip(name, "build/tools/mkimage not built")
        return False
    if not (os.path.exists(PY) and os.path.isfile(os.path.join(STDLIB, "os.py"))):
        ctx.skip(name, "the host has no %s with %s" % (PY, STDLIB))
        return False
    return True


def test_python(ctx):
    if not _ready(ctx, "python"):
        return
    cache = tempfile.mkdtemp(prefix="osprey-cache-")
    try:
        add = ["--add", "%s=%s" % (STDLIB, STDLIB)]
        status, out, err = _osprey(ctx, cache, add + [PY, "-c", "print(6*7)"])
        ctx.check("python.prints_42", status == 0 and _program_lines(out) == ["42"],
                  "status %d, program output %s" % (status, _program_lines(out)), out + err)
        image, how = _image(err)
        ctx.check("python.built", how == "built" and image and image.startswith(cache + "/")
                  and os.path.isfile(image), "no 'built' image under the cache dir", err)
        if not image or not os.path.isfile(image):
            return
        before = os.stat(image)

        # The same inputs again: the cached image, not written again.
        status, out, err = _osprey(ctx, cache, add + [PY, "-c", "print(6*7)"])
        image2, how2 = _image(err)
        after = os.stat(image)
        ctx.check("python.cached", status == 0 and _program_lines(out) == ["42"] and how2 == "cached"
                  and image2 == image, "status %d, image %s (%s), first %s" % (status, image2, how2, image),
                  out + err)
        ctx.check("python.cache_not_rebuilt", (after.st_mtime_ns, after.st_ino) ==
                  (before.st_mtime_ns, before.st_ino), "the cached image was written again")

        # Arguments reach the program as the host's python gets them
        # (spaces, quotes, an empty one); the exit status is the program's;
        # -e gives kernel options: --bootchart's end-of-program line.
        script = "import sys; print(sys.argv[1:]); sys.exit(3)"
        args = ["a b", "", "it's", 'say "hi"', "--bootchart", "x=1"]
        status, out, err = _osprey(ctx, cache, ["-e", "--bootchart"] + add + [PY, "-c", script] + args)
        want = subprocess.run([PY, "-c", script] + args, capture_output=True, text=True)
        ctx.check("python.args_and_status_3", status == 3 and want.returncode == 3 and
                  _program_lines(out) == want.stdout.splitlines(),
                  "status %d, output %s, host's %s" % (status, _program_lines(out), want.stdout.splitlines()),
                  out + err)
        first = re.search(r"^bootchart: program's first system call \(\w+\) at (\d+\.\d+) ms$", out, re.M)
        end = re.search(r"^bootchart: program %s ended \(status 3\) at (\d+\.\d+) ms$" % PY, out, re.M)
        ctx.check("python.bootchart_end", first and end and float(end.group(1)) > float(first.group(1)),
                  "no 'bootchart: program %s ended (status 3) at T ms' after the first system call" % PY, out)
        ctx.check("python.same_image_for_other_args", _image(err) == (image, "cached"),
                  "other arguments built another image: %s" % (_image(err),), err)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_content_key(ctx):
    """An added file changed in place, its size and mtime put back, gives
    a new image holding the new bytes."""
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip("content_key", "build/tools/mkimage not built")
        return
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        ctx.skip("content_key", "no /bin/busybox on the host")
        return
    cache = tempfile.mkdtemp(prefix="osprey-cache-")
    try:
        note = os.path.join(cache, "note.txt")
        images = []
        for text in ("first\n", "other\n"):
            with open(note, "w") as f:
                f.write(text)
            os.utime(note, (1600000000, 1600000000))
            status, out, err = _osprey(ctx, cache, ["--add", "/etc/note=" + note, busybox, "cat", "/etc/note"],
                                       timeout=120)
            images.append(_image(err))
            ctx.check("content_key.%s" % text.strip(), status == 0 and _program_lines(out) == [text.strip()],
                      "status %d, output %s" % (status, _program_lines(out)), out + err)
        ctx.check("content_key.new_image", images[0][0] and images[1][1] == "built" and
                  images[1][0] != images[0][0], "images: %s" % images)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_refused(ctx):
    """Programs that cannot run are refused before any image is built."""
    cache = tempfile.mkdtemp(prefix="osprey-cache-")
    try:
        script = os.path.join(cache, "hello.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho hello\n")
        os.chmod(script, 0o755)
        cases = [
            ("missing", ["/no/such/program", "arg"], 127, r"osprey: /no/such/program: no such file"),
            ("not_in_path", ["no-such-program-osprey"], 127, r"no-such-program-osprey: not found in \$PATH"),
            ("script", [script], 126, r"%s: a script; .*--add %s /bin/sh %s" % ((re.escape(script),) * 3)),
            ("directory", ["/usr"], 126, r"osprey: /usr: is a directory"),
            ("semicolon", ["/bin/busybox", "echo", ";"], 2, r"an argument ';' cannot reach the program"),
            ("no_program", [], 2, r"osprey: no program given"),
            ("bad_add", ["--add", "/x=/no/such/dir", "/bin/busybox"], 2, r"/no/such/dir: no such file"),
        ]
        for name, args, want, msg in cases:
            status, out, err = _osprey(ctx, cache, args, timeout=60)
            ctx.check("refused." + name, status == want and re.search(msg, err) and "osprey: image" not in err,
                      "status %d (want %d), stderr %r" % (status, want, err[-300:]), out + err)
        left = [n for n in os.listdir(cache) if n != "hello.sh"]
        ctx.check("refused.nothing_built", not left, "the cache has %s" % left)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
