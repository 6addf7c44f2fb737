"""Boot tests of the root filesystems: a cpio initrd unpacked into ramfs,
a ROFS root built by mkimage, and /dev. The guest walks its root
(--test=tree) and the host compares every file's CRC-32, size and mode."""
import os
import random
import re
import stat
import subprocess
import tempfile
import zlib

LINE_RE = re.compile(r"^(file|dir|link) (.*)$")


def make_tree(root, big=False):
    rnd = random.Random(1234)
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "hostname"), "w") as f:
        f.write("osprey\n")
    os.makedirs(os.path.join(root, "deep", *["d%d" % i for i in range(20)]))
    with open(os.path.join(root, "deep", *["d%d" % i for i in range(20)], "leaf"), "wb") as f:
        f.write(b"leaf\n")
    os.makedirs(os.path.join(root, "data"))
    for i, size in enumerate([0, 1, 511, 512, 4096, 65535, 65536, 65537, 200000]):
        with open(os.path.join(root, "data", "f%d" % i), "wb") as f:
            f.write(bytes(rnd.getrandbits(8) for _ in range(size)) if i % 2 else b"x" * size)
    with open(os.path.join(root, "data", "zeros"), "wb") as f:
        f.write(b"\0" * 300000)
    if big:
        with open(os.path.join(root, "data", "big"), "wb") as f:
            f.write(rnd.randbytes(3 << 20))
    with open(os.path.join(root, "data", "exec"), "wb") as f:
        f.write(b"#!/bin/sh\n")
    os.chmod(os.path.join(root, "data", "exec"), 0o755)
    os.chmod(os.path.join(root, "data", "f1"), 0o600)
    with open(os.path.join(root, "ünïcødé name"), "w") as f:
        f.write("utf-8\n")
    os.symlink("etc/hostname", os.path.join(root, "link-rel"))
    os.symlink("/nowhere/at/all", os.path.join(root, "link-dangling"))
    os.link(os.path.join(root, "etc", "hostname"), os.path.join(root, "hardlink"))


def host_view(root):
    out = set()
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            g = "/" + os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.add("link %s -> %s" % (g, os.readlink(p)))
            elif stat.S_ISDIR(st.st_mode):
                out.add("dir %o %s" % (st.st_mode & 0o7777, g))
            else:
                with open(p, "rb") as f:
                    data = f.read()
                out.add("file %08x %d %o %s" % (zlib.crc32(data), len(data), st.st_mode & 0o7777, g))
    return out


def guest_view(output):
    return set(m.group(0) for m in map(LINE_RE.match, output.splitlines()) if m)


def compare(ctx, name, root, status, out):
    want, got = host_view(root), guest_view(out)
    missing, extra = sorted(want - got)[:10], sorted(got - want)[:10]
    ctx.check(name, status == 0 and not missing and not extra and "PASS kernel.tree" in out,
              "status %d, missing %s, unexpected %s" % (status, missing, extra), out)


def cpio(root, path):
    with open(path, "wb") as f:
        names = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=root, input=names,
                       stdout=f, check=True)


def test_initrd_root(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        make_tree(root)
        archive = os.path.join(tmp, "initrd.cpio")
        cpio(root, archive)
        for machine in ("microvm", "q35"):
            status, out = ctx.run("--test=tree", machine=machine, initrd=archive)
            compare(ctx, "%s.files_match" % machine, root, status, out)


def test_truncated_initrd(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        make_tree(root)
        archive = os.path.join(tmp, "initrd.cpio")
        cpio(root, archive)
        with open(archive, "r+b") as f:
            f.truncate(os.path.getsize(archive) * 2 // 3)
        status, out = ctx.run("--test=hello", initrd=archive)
        ctx.check("message_names_entry", re.search(r"initrd: entry \d+ '[^']+': .*unpacking stopped", out),
                  "no message naming the entry", out)
        ctx.check("boot_continues", status == 0 and "PASS kernel.hello" in out, "status %d" % status, out)


def _mkimage(ctx, tmp, root, extra=""):
    tools = os.path.join(ctx.build, "tools")
    manifest = os.path.join(tmp, "manifest")
    with open(manifest, "w") as f:
        f.write("/**: %s/**\n%s" % (root, extra))
    image = os.path.join(tmp, "disk.img")
    p = subprocess.run([os.path.join(tools, "mkimage"), "-q", manifest, image],
                       capture_output=True, text=True)
    return image if p.returncode == 0 else None, p.stdout + p.stderr


def test_rofs_root(ctx):
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip("rofs_root", "build/tools/mkimage not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        make_tree(root, big=True)
        image, msg = _mkimage(ctx, tmp, root)
        ctx.check("mkimage", image, msg)
        if not image:
            return
        for machine, cache in (("microvm", ""), ("q35", ""), ("microvm", "--rofs-cache=256K ")):
            status, out = ctx.run(cache + "--test=tree", machine=machine, images=[image])
            # mkimage adds the mount points /dev, /tmp, /proc, /sys: not in the host tree.
            compare(ctx, "%s%s.files_match" % (machine, ".small_cache" if cache else ""),
                    root, status, out)


def test_devfs(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        d0 = os.path.join(tmp, "d0.img")
        with open(d0, "wb") as f:
            f.truncate(8 << 20)
        status, out = ctx.run("--test=devfs", images=[d0])
        with open(d0, "rb") as f:
            f.seek((1 << 20) + 3)
            data = f.read(37)
        ctx.check("char_devices_and_fsync", status == 0 and "PASS kernel.devfs" in out,
                  "status %d" % status, out)
        ctx.check("bytes_in_host_file", data == b"written through devfs, then fsync'ed\n",
                  "found %r" % data, out)


def _rofs_offset(image):
    """Byte offset of the first partition (mkimage puts the root at 1 MiB)."""
    return 1 << 20


def test_corrupt_rofs(ctx):
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip("corrupt_rofs", "build/tools/mkimage not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.makedirs(os.path.join(root, "bin"))
        shutil_copy = __import__("shutil").copy
        shutil_copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
        image, msg = _mkimage(ctx, tmp, root)
        ctx.check("corrupt_rofs.mkimage", image, msg)
        if not image:
            return
        # A damaged superblock: the root cannot be mounted; boot says so and
        # goes on with an empty ramfs root, where the program is not found.
        bad = os.path.join(tmp, "bad-super.img")
        with open(image, "rb") as f:
            data = bytearray(f.read())
        sb = bytearray(data)
        sb[_rofs_offset(image) + 40] ^= 0xff
        with open(bad, "wb") as f:
            f.write(sb)
        status, out = ctx.run("/bin/busybox true", images=[bad])
        ctx.check("corrupt_rofs.superblock_named", "rofs: vblk0.1" in out and
                  "cannot mount the ROFS root" in out, "no message", out)
        ctx.check("corrupt_rofs.boot_continues", status == 127 and "not found" in out,
                  "status %d" % status, out)
        # Damaged compressed data (busybox's clusters): loading the program
        # fails with a message naming the inode and cluster, never a crash.
        bad = os.path.join(tmp, "bad-data.img")
        dd = bytearray(data)
        start = _rofs_offset(image) + 4096
        for i in range(start, start + 256 * 1024, 97):
            dd[i] ^= 0x5a
        with open(bad, "wb") as f:
            f.write(dd)
        status, out = ctx.run("/bin/busybox true", images=[bad], timeout=60)
        ctx.check("corrupt_rofs.data_error_named", re.search(r"rofs: vblk0\.1: .*(inode|cluster)", out),
                  "no message naming the inode or cluster", out)
        ctx.check("corrupt_rofs.no_crash", "PANIC" not in out and status != 0 and status != 125,
                  "status %d" % status, out)


def test_corrupt_raw_cluster(ctx):
    """Incompressible data is stored raw; one flipped byte in it must be
    caught by the cluster's checksum, not read back wrong."""
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip("raw_cluster_checksum", "build/tools/mkimage not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.makedirs(root)
        with open(os.path.join(root, "random"), "wb") as f:
            f.write(random.Random(11).randbytes(1 << 20))
        image, msg = _mkimage(ctx, tmp, root)
        if not image:
            ctx.check("raw_cluster_checksum", False, msg)
            return
        with open(image, "r+b") as f:
            f.seek(_rofs_offset(image) + (512 << 10))	# inside the file's data
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x01]))
        status, out = ctx.run("--test=tree", images=[image], timeout=60)
        ctx.check("raw_cluster_checksum", re.search(r"rofs: vblk0\.1: .*inode \d+, cluster \d+", out)
                  and "FAIL kernel.tree" in out and "PANIC" not in out, "status %d" % status, out)
