"""Boot tests of the VFS calls behind durability and metadata: O_SYNC and
pwritev2's flags, syncfs, fallocate (apps/tests/durable.c), extended
attributes (apps/tests/xattr.c), and mount(2) from a program loading a
filesystem module. Each app runs in its musl, static-pie and glibc builds
from a ROFS root, in /tmp and in a ramfs mounted from /etc/fstab."""
import os
import re
import subprocess
import tempfile

VARIANTS = ["musl", "pie", "glibc"]
FSTAB = "none  /mnt/ram  ramfs  defaults  0 0\n"


def _apps(ctx, names):
    d = os.path.join(ctx.build, "apps")
    paths = [os.path.join(d, "%s.%s" % (n, v)) for n in names for v in VARIANTS]
    return paths if all(os.path.exists(p) for p in paths) else None


def _image(ctx, tmp, files, fstab=FSTAB):
    lines = ["/bin/busybox: /bin/busybox"]
    lines += ["%s: %s" % (dst, src) for dst, src in files]
    if fstab:
        lines += ["[fstab]"] + fstab.strip("\n").split("\n")
    manifest = os.path.join(tmp, "manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    image = os.path.join(tmp, "root.img")
    p = subprocess.run([os.path.join(ctx.build, "tools", "mkimage"), "-q", manifest, image],
                       capture_output=True, text=True)
    return image if p.returncode == 0 else None, p.stdout + p.stderr


def _check_app(ctx, name, status, out, prog):
    bad = [l for l in out.splitlines() if l.startswith("not ok ")]
    ok = status == 0 and not bad and re.search(r"^%s: all \d+ checks passed" % prog, out, re.M)
    unimpl = sorted(set(re.findall(r"system call (\w+) \(\d+\) is not implemented", out)))
    ctx.check(name, ok, "status %d; %s%s" % (status, "; ".join(bad[:6]) or "no failed check line",
                                           "; unimplemented: " + ", ".join(unimpl) if unimpl else ""),
              out)


def _run_apps(ctx, prog, args_list):
    paths = _apps(ctx, [prog])
    if not paths:
        ctx.skip(prog, "build/apps/%s.* not built" % prog)
        return None
    outs = {}
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, [("/apps/" + os.path.basename(p), p) for p in paths])
        ctx.check(prog + ".image", image, msg)
        if not image:
            return None
        for v in VARIANTS:
            for args in args_list:
                status, out = ctx.run("/apps/%s.%s %s" % (prog, v, args), memory="128M",
                                      images=[image], timeout=120)
                where = args.split()[0].strip("/").replace("/", "_") or "root"
                _check_app(ctx, "%s.%s.%s" % (prog, v, where), status, out, prog)
                outs[(v, args)] = out
    return outs


def test_durable(ctx):
    _run_apps(ctx, "durable", ["/tmp", "/mnt/ram"])


def test_xattr(ctx):
    """No built-in filesystem keeps extended attributes: every call says
    ENOTSUP (lists are empty) on /tmp and on a ramfs mounted from fstab,
    after the same argument checks Linux makes."""
    outs = _run_apps(ctx, "xattr", ["/tmp /mnt/ram"])
    if not outs:
        return
    for (v, _), out in outs.items():
        ctx.check("xattr.%s.not_supported" % v, "xattr: /tmp: not supported" in out and
                  "xattr: /mnt/ram: not supported" in out, "no 'not supported' lines", out)
