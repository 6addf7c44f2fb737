"""OpenZFS's pool layer in libzfs.so, checked from both sides: the guest's
pool self-test (modules/zfs/zfs_selftest.c) creates, fills, exports,
imports and verifies a pool on a raw scratch disk, then Linux's zdb (Debian
zfsutils-linux, installed by scripts/deps.sh) checks every block checksum
and the space accounting of that disk on the host. A byte flipped in a data
block must then make the guest's verify-only run report a checksum error
instead of panicking. A host-only test shows the zdb oracle itself works,
on the pool Linux made (../shared/data/zfs)."""
import os
import re
import shutil
import struct
import subprocess
import tempfile

POOL = "osprey"
MARKER = b"OSPREY:ZFS:MARK!"  # zfs_selftest.c starts one uncompressed data block with it
NO_LEAKS = "No leaks (block sum matches space maps exactly)"
DISK_MIB = 256
GUEST_MEMORY = "1G"
GUEST_TIMEOUT = 900  # TCG on kvm-pvm hosts is slow; the pool work is ~35 MiB of I/O

# The steps a full run passes, and those a verify-only run passes besides
# the verify step itself (which must fail on the corrupted block).
FULL_STEPS = ["open", "create pool osprey", "cache file", "features", "datasets", "write", "free and rewrite",
              "verify before export", "export", "import", "verify", "memory pressure", "compression", "properties",
              "features active", "export after verify"]
VERIFY_STEPS = ["open", "import", "properties", "features active", "export after verify"]

# libzfs.so is loaded when /etc/fstab names a zfs mount. This one only gets
# it loaded (the self-test runs in its module_init): it names no pool or
# device the self-test uses, so its mount fails whatever the ZPL can do,
# and nofail lets the boot go on.
FSTAB = "zfs-selftest  /mnt/zfs-selftest  zfs  nofail  0 0\n"


def _zfs_lib(ctx):
    lib = os.path.join(ctx.build, "modules", "libzfs.so")
    return lib if os.path.exists(lib) else None


def _zdb():
    return shutil.which("zdb") or next((p for p in ("/usr/sbin/zdb", "/sbin/zdb")
                                         if os.access(p, os.X_OK)), None)


def zdb_check(zdb, vdev_dir, pool, timeout=600):
    """`zdb -e -p DIR -bcc POOL`: imports the pool read-only from the
    files in DIR, reads every block and checks its checksum, and matches
    the blocks found against the space maps. Returns (ok, exit status,
    output); ok means exit 0 and the no-leaks line."""
    try:
        p = subprocess.run([zdb, "-e", "-p", vdev_dir, "-bcc", pool], capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, None, "zdb timed out after %d s" % timeout
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    # Progress lines ("loading concrete vdev 0, metaslab 3 of 7 ...") end in \r.
    out = "\n".join(l.rsplit("\r", 1)[-1] for l in out.splitlines())
    return p.returncode == 0 and NO_LEAKS in out, p.returncode, out


def _image(ctx, tmp, lib):
    """A root disk with busybox and libzfs.so (built as test_modules.py does)."""
    manifest = os.path.join(tmp, "manifest")
    with open(manifest, "w") as f:
        f.write("/bin/busybox: /bin/busybox\n/usr/lib/fs/libzfs.so: %s\n[fstab]\n%s" % (lib, FSTAB))
    image = os.path.join(tmp, "root.img")
    p = subprocess.run([os.path.join(ctx.build, "tools", "mkimage"), "-q", manifest, image],
                       capture_output=True, text=True)
    return image if p.returncode == 0 else None, p.stdout + p.stderr


def _image_checked(ctx, tmp, lib, name):
    """The root image, or None after recording test `name` as failed."""
    image, msg = _image(ctx, tmp, lib)
    if not image:
        ctx.check(name, False, msg)
    return image


def _boot_with_zfs(ctx, name, cmdline, images=(), **kw):
    """Boots a root image holding libzfs.so, plus `images`; None (test
    `name` recorded as skipped or failed) when there is no such image."""
    lib = _zfs_lib(ctx)
    if not lib:
        ctx.skip(name, "no build/modules/libzfs.so")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        image = _image_checked(ctx, tmp, lib, name)
        if not image:
            return None
        return ctx.run(cmdline, images=[image] + list(images), **kw)


def _selftest_lines(out):
    """{step: (PASS|FAIL, rest of line)} from the guest's zfs-selftest lines."""
    steps = {}
    for m in re.finditer(r"^zfs-selftest: (PASS|FAIL) ([^:(\n]+?)(?: \((.*)\))?(?:: (.*))?$",
                         out, re.M):
        steps.setdefault(m.group(2).strip(), (m.group(1), m.group(4) or m.group(3) or ""))
    return steps


def _first_failure(steps):
    return next(("%s: %s" % (k, v[1]) for k, v in steps.items() if v[0] == "FAIL"),
                "no zfs-selftest lines")


def _flip_marker_blocks(path):
    """Flips one byte 64 bytes into every block that starts with MARKER;
    returns how many there were (the self-test writes exactly one)."""
    with open(path, "r+b") as f:
        data = f.read()
        offsets = [m.start() for m in re.finditer(re.escape(MARKER), data)]
        for off in offsets:
            f.seek(off + 64)
            f.write(bytes([data[off + 64] ^ 0xff]))
    return offsets


def test_zfs_pool(ctx):
    lib, zdb = _zfs_lib(ctx), _zdb()
    if not lib or not zdb:
        ctx.skip("selftest", "no build/modules/libzfs.so" if not lib else
                 "no zdb (scripts/deps.sh installs zfsutils-linux)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, lib)
        ctx.check("image", image, msg)
        if not image:
            return
        # zdb -e -p scans every file in the folder: the scratch disk is alone there.
        vdevs = os.path.join(tmp, "vdevs")
        os.mkdir(vdevs)
        disk = os.path.join(vdevs, "osprey.img")
        with open(disk, "wb") as f:
            f.truncate(DISK_MIB << 20)

        # 64 writers at once, and an ARC bounded from the command line.
        status, out = ctx.run("--zfs.selftest_pool=/dev/vblk1 --zfs.selftest_threads=64 "
                              "--zfs.arc_max=96M /bin/busybox true", memory=GUEST_MEMORY,
                              images=[image, disk], timeout=GUEST_TIMEOUT)
        steps = _selftest_lines(out)
        missing = [s for s in FULL_STEPS if steps.get(s, ("",))[0] != "PASS"]
        ctx.check("selftest", not missing and "all steps passed" in out,
                  "not passed: %s; first failure: %s" % (", ".join(missing), _first_failure(steps)),
                  out)
        ctx.check("no_panic", "PANIC" not in out, "the guest panicked", out)
        ctx.check("arc_max_option", re.search(r"zfs: OpenZFS 2\.1\.11 loaded \(init \d+ us, "
                                              r"ARC \d+\.\.96 MiB\)", out),
                  "--zfs.arc_max=96M did not bound the ARC", out)
        times = re.search(r"zfs-selftest: pool create (\d+) us, import (\d+) us", out)
        ctx.check("timings", times, "no timing line", None)
        if times:
            print("  zfs pool create %s us, import %s us" % times.groups())
        if "create pool osprey" not in steps or steps["create pool osprey"][0] != "PASS":
            return  # no pool on the disk: nothing for zdb to look at

        ok, rc, zout = zdb_check(zdb, vdevs, POOL)
        ctx.check("zdb_bcc", ok, "zdb -bcc exit %s, no leak-free verdict" % rc, zout)
        if not ok:
            return

        # The same pool on a device cut short: the import must fail and
        # say why, with no panic and no hang.
        short = os.path.join(tmp, "short.img")
        with open(disk, "rb") as src, open(short, "wb") as dst:
            dst.write(src.read((DISK_MIB // 2) << 20))
        status, out = ctx.run("--zfs.selftest_pool=/dev/vblk1 --zfs.selftest_verify "
                              "/bin/busybox true", memory=GUEST_MEMORY, images=[image, short],
                              timeout=GUEST_TIMEOUT)
        steps = _selftest_lines(out)
        ctx.check("truncated_device_refused", steps.get("import", ("",))[0] == "FAIL" and
                  "the device has %d MiB" % (DISK_MIB // 2) in steps["import"][1] and
                  "PANIC" not in out and "zfs-selftest: FAILED" in out,
                  "import on a half-size copy: %s" % (steps.get("import"),), out)
        os.unlink(short)

        # A read-only device: imported read-only, verified, exported.
        status, out = ctx.run("--zfs.selftest_pool=/dev/vblk1 --zfs.selftest_verify "
                              "/bin/busybox true", memory=GUEST_MEMORY, images=[image, disk + ",ro"],
                              timeout=GUEST_TIMEOUT)
        steps = _selftest_lines(out)
        ctx.check("read_only_device", steps.get("import") == ("PASS", "read-only") and
                  "zfs-selftest: all steps passed" in out, "read-only verify: %s" % steps, out)

        # Corrupt the one uncompressed data block the self-test marked. zdb
        # must now find a checksum error (error 52, ECKSUM) in it, which
        # proves the flipped byte is in a checksummed single-copy block ...
        offsets = _flip_marker_blocks(disk)
        ctx.check("marker_found_once", len(offsets) == 1,
                  "marker found %d times at %s" % (len(offsets), offsets), None)
        if not offsets:
            return
        ok, rc, zout = zdb_check(zdb, vdevs, POOL)
        ctx.check("zdb_sees_corruption", rc not in (0, None) and "error 52" in zout,
                  "zdb exit %s without 'error 52'" % rc, zout)

        # ... and the guest's verify-only run must report it, not panic.
        status, out = ctx.run("--zfs.selftest_pool=/dev/vblk1 --zfs.selftest_verify "
                              "/bin/busybox true", memory=GUEST_MEMORY, images=[image, disk],
                              timeout=GUEST_TIMEOUT)
        steps = _selftest_lines(out)
        verify = steps.get("verify", ("", ""))
        ctx.check("checksum_error_reported", verify[0] == "FAIL" and
                  "checksum error, ECKSUM" in verify[1] and "(error 52)" in out,
                  "verify step: %s %s" % verify, out)
        missing = [s for s in VERIFY_STEPS if steps.get(s, ("",))[0] != "PASS"]
        ctx.check("verify_only_rest_passes", not missing,
                  "not passed: %s" % ", ".join(missing), out)
        ctx.check("no_panic_on_corruption", "PANIC" not in out, "the guest panicked", out)


def test_zfs_pool_missing_device(ctx):
    """A device path that names nothing is refused with the reason."""
    r = _boot_with_zfs(ctx, "missing_device", "--zfs.selftest_pool=/dev/vblk7 /bin/busybox true",
                       memory=GUEST_MEMORY, timeout=GUEST_TIMEOUT)
    if r:
        ctx.check("missing_device", "zfs-selftest: FAIL open: /dev/vblk7: no such block device "
                  "(error 19)" in r[1] and "PANIC" not in r[1], "no clear message", r[1])


def test_zfs_refuses_too_little_memory(ctx):
    """Below the memory the pool layer needs (zfs_module.c's
    ZFS_MIN_RAM_MIB: -m 16M works, -m 12M starves), libzfs.so refuses to
    load and says why, instead of starving later."""
    # --verbose: the fstab line is nofail, so its failure is an info message.
    r = _boot_with_zfs(ctx, "small_memory", "--verbose --zfs.selftest_pool=/dev/vblk1 /bin/busybox true",
                       memory="14M", timeout=120)
    if r:
        status, out = r
        ctx.check("small_memory", re.search(r"zfs: needs \d+ MiB of memory or more .*this machine "
                                            r"has \d+ MiB", out) and "cannot get filesystem type 'zfs'"
                  in out and status == 0 and "PANIC" not in out, "no clear refusal", out)


SMALL_MEMORY = "24M"


def test_zfs_pool_in_small_memory(ctx):
    """The pool layer in 24 MiB of RAM (OSv needs 46 MiB for ZFS at /data):
    the self-test's small workload (--zfs.selftest_small: a database's
    16 KiB pages, lz4, updated in place over many txgs) creates, fills,
    exports, imports and verifies a pool, and Linux's zdb finds it clean.
    --zfs.memstats shows where the memory went."""
    lib, zdb = _zfs_lib(ctx), _zdb()
    if not lib or not zdb:
        ctx.skip("small_memory_pool", "no build/modules/libzfs.so" if not lib else "no zdb")
        return
    with tempfile.TemporaryDirectory() as tmp:
        image = _image_checked(ctx, tmp, lib, "small_memory_pool")
        if not image:
            return
        vdevs = os.path.join(tmp, "vdevs")
        os.mkdir(vdevs)
        disk = os.path.join(vdevs, "osprey.img")
        with open(disk, "wb") as f:
            f.truncate(DISK_MIB << 20)
        status, out = ctx.run("--zfs.selftest_pool=/dev/vblk1 --zfs.selftest_small "
                              "--zfs.selftest_threads=2 --zfs.memstats /bin/busybox true",
                              memory=SMALL_MEMORY, images=[image, disk], timeout=GUEST_TIMEOUT)
        steps = _selftest_lines(out)
        missing = [s for s in FULL_STEPS if steps.get(s, ("",))[0] != "PASS"]
        ctx.check("small_memory_pool", not missing and "all steps passed" in out and
                  "PANIC" not in out and status == 0,
                  "not passed at -m %s: %s; first failure: %s" % (SMALL_MEMORY, ", ".join(missing),
                                                                  _first_failure(steps)), out)
        stats = re.findall(r"^zfs: memory (after init|with the pool imported, after writing|"
                           r"after the pool self-test): RAM \d+ KiB, (\d+) KiB free", out, re.M)
        ctx.check("small_memory_memstats", len(stats) == 3, "no --zfs.memstats lines", out)
        for when, free in stats:
            print("  -m %s, %s: %s KiB free" % (SMALL_MEMORY, when, free))
        if steps.get("create pool osprey", ("",))[0] != "PASS":
            return
        ok, rc, zout = zdb_check(zdb, vdevs, POOL)
        ctx.check("small_memory_zdb_bcc", ok, "zdb -bcc exit %s, no leak-free verdict" % rc, zout)


def gpt_partition(disk, index=1):
    """(first byte, length) of GPT partition `index` (1-based) of a disk image."""
    with open(disk, "rb") as f:
        f.seek(512)
        hdr = f.read(92)
        if hdr[:8] != b"EFI PART":
            raise ValueError("%s: no GPT" % disk)
        entries_lba, count, entry_size = struct.unpack_from("<QII", hdr, 72)
        if not 1 <= index <= count:
            raise ValueError("%s: no partition %d" % (disk, index))
        f.seek(entries_lba * 512 + (index - 1) * entry_size)
        first, last = struct.unpack_from("<QQ", f.read(entry_size), 32)
    return first * 512, (last - first + 1) * 512


def test_zdb_oracle_on_linux_pool(ctx):
    """Host only: the zdb check above, on the pool Linux's OpenZFS made.
    zdb -e scans files for vdev labels at their start, so the pool's GPT
    partition is cut out into a file of its own first."""
    zdb = _zdb()
    archive = os.path.join(ctx.data, "zfs", "linux-lz4.img.zst")
    if not zdb or not os.path.exists(archive):
        ctx.skip("zdb_oracle", "no zdb" if not zdb else "no %s" % archive)
        return
    with tempfile.TemporaryDirectory() as tmp:
        whole = os.path.join(tmp, "linux-lz4.img")
        subprocess.run(["zstd", "-q", "-d", archive, "-o", whole], check=True)
        start, length = gpt_partition(whole, 1)
        vdevs = os.path.join(tmp, "vdevs")
        os.mkdir(vdevs)
        with open(whole, "rb") as src, open(os.path.join(vdevs, "part1"), "wb") as dst:
            src.seek(start)
            dst.write(src.read(length))
        ok, rc, out = zdb_check(zdb, vdevs, "linuxpool")
        ctx.check("zdb_oracle", ok, "zdb -bcc exit %s" % rc, out)
        m = re.search(r"bp count:\s+(\d+)", out)
        ctx.check("zdb_oracle_counts_blocks", m and int(m.group(1)) > 1000,
                  "no block count in zdb output", out)


def _cut_partition(whole, dest):
    start, length = gpt_partition(whole, 1)
    with open(whole, "rb") as src, open(dest, "wb") as dst:
        src.seek(start)
        dst.write(src.read(length))
    return start


def _first_data_block(zdb, vdev_dir):
    """Byte offset in the vdev of the first data block of the largest plain
    file in linuxpool/data (a 1 MiB random file: stored uncompressed, one
    copy), from zdb's object listing; None if zdb does not show one."""
    out = subprocess.run([zdb, "-e", "-p", vdev_dir, "-dd", "linuxpool/data"],
                         capture_output=True, text=True).stdout
    files = [l.split() for l in out.splitlines() if l.rstrip().endswith("ZFS plain file")]
    big = next((f[0] for f in files if len(f) > 7 and f[6] == "1M"), None)
    if big is None:
        return None
    out = subprocess.run([zdb, "-e", "-p", vdev_dir, "-ddddd", "linuxpool/data", big],
                         capture_output=True, text=True).stdout
    m = re.search(r"\bL0 0:([0-9a-f]+):[0-9a-f]+ ", out)
    # DVA offsets count from the end of the two front labels and the boot area (4 MiB).
    return int(m.group(1), 16) + (4 << 20) if m else None


def test_zfs_scrubs_linux_pool(ctx):
    """The pool Linux's OpenZFS wrote (../shared/data/zfs): the guest
    imports it from its GPT partition, scrubs it (every block read and its
    checksum checked) and exports it; zdb then finds the pool Osprey
    wrote back to still clean. A flipped byte in one of Linux's data blocks
    makes the guest's scrub report the error."""
    lib, zdb = _zfs_lib(ctx), _zdb()
    archive = os.path.join(ctx.data, "zfs", "linux-lz4.img.zst")
    if not lib or not zdb or not os.path.exists(archive):
        ctx.skip("linux_pool_scrub", "no libzfs.so" if not lib else "no zdb" if not zdb else
                 "no %s" % archive)
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, lib)
        ctx.check("linux_pool_image", image, msg)
        if not image:
            return
        whole = os.path.join(tmp, "linux-lz4.img")
        subprocess.run(["zstd", "-q", "-d", archive, "-o", whole], check=True)
        # A scrub writes: on a read-only device the import says why it cannot.
        status, out = ctx.run("--zfs.scrub=/dev/vblk1.1 /bin/busybox true", memory="256M",
                              images=[image, whole + ",ro"], timeout=GUEST_TIMEOUT)
        ctx.check("linux_pool_read_only_refused", "the device is read-only" in out and
                  re.search(r"zfs-scrub: FAIL import: .*\(error 30\)", out) and "PANIC" not in out,
                  "no clear refusal", out)
        status, out = ctx.run("--zfs.scrub=/dev/vblk1.1 /bin/busybox true", memory="256M",
                              images=[image, whole], timeout=GUEST_TIMEOUT)
        ctx.check("linux_pool_scrub", re.search(r"zfs-scrub: PASS import of pool 'linuxpool'", out)
                  and re.search(r"zfs-scrub: PASS scrub of 'linuxpool': finished, [1-9]\d* KiB "
                                r"examined, 0 errors, 0 in the error log", out)
                  and "zfs-scrub: PASS export of 'linuxpool'" in out and "PANIC" not in out,
                  "no clean scrub", out)
        vdevs = os.path.join(tmp, "vdevs")
        os.mkdir(vdevs)
        part = os.path.join(vdevs, "part1")
        start = _cut_partition(whole, part)
        ok, rc, zout = zdb_check(zdb, vdevs, "linuxpool")
        ctx.check("linux_pool_zdb_after_osprey", ok, "zdb -bcc exit %s after Osprey's scrub" % rc, zout)

        block = _first_data_block(zdb, vdevs)
        ctx.check("linux_pool_data_block_found", block is not None, "zdb shows no 1M file block", None)
        if block is None:
            return
        with open(whole, "r+b") as f:
            f.seek(start + block + 100)
            b = f.read(1)
            f.seek(start + block + 100)
            f.write(bytes([b[0] ^ 0xff]))
        status, out = ctx.run("--zfs.scrub=/dev/vblk1.1 /bin/busybox true", memory="256M",
                              images=[image, whole], timeout=GUEST_TIMEOUT)
        ctx.check("linux_pool_scrub_finds_corruption",
                  re.search(r"zfs-scrub: FAIL scrub of 'linuxpool': finished, \d+ KiB examined, "
                            r"[1-9]\d* errors, [1-9]\d* in the error log", out) and "PANIC" not in out,
                  "the flipped byte went unreported", out)


def test_zfs_pool_on_a_file(ctx):
    """A pool whose vdev is a file in /tmp (ramfs), through vdev_file and
    zfs_file_* on the VFS: created, written, exported, imported from the
    file's own labels, read back and compared, exported, removed."""
    r = _boot_with_zfs(ctx, "file_vdev", "--zfs.selftest_file=/tmp/pool.img /bin/busybox ls /tmp",
                       memory="256M", timeout=GUEST_TIMEOUT)
    if not r:
        return
    status, out = r
    passed = re.findall(r"^zfs-file-pool: PASS (.+)$", out, re.M)
    ctx.check("file_vdev", passed == ["create file", "create pool ospreyfile", "write", "export",
                                     "import", "verify", "export after verify"]
              and "zfs-file-pool: all steps passed" in out and "PANIC" not in out,
              "steps passed: %s" % passed, out)
    ctx.check("file_vdev_removed", status == 0 and "pool.img" not in out.split(
        "zfs-file-pool: all steps passed")[-1], "the pool's file is still in /tmp", out)
