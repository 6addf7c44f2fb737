"""Boot tests of kernel modules and fstab: filesystems the kernel lacks are
loaded from /usr/lib/fs/lib<type>.so when /etc/fstab names them; broken
modules and bad lines are reported by name. A line that fails without
nofail (or cannot be parsed) ends the boot with status 32, mount(8)'s
code; a nofail line's failure is reported at info level and the program
runs."""
import hashlib
import os
import re
import subprocess
import tempfile

MOUNT_FAILURE = 32

# Every refusal of the module loader, on nofail lines; then a failing
# mount without nofail (line 9), which ends the boot before line 10.
FSTAB_BAD = """# device   dir      type      options        dump pass
none        /mnt/a   badsym    nofail         0 0
none        /mnt/b   badapi    nofail         0 0
none        /mnt/c   trunc     nofail         0 0
none        /mnt/d   notelf    nofail         0 0
none        /mnt/e   nosuchfs  nofail         0 0
PARTLABEL=nowhere /mnt/f testfs nofail 0 0
/dev/vblk1  /mnt/t   testfs    ro,nofail,foo=bar,x-zfs.recordsize=16K,x-systemd.automount,x-systemd.makefs  0 0
/dev/vblk1  /mnt/u   testfs    ro,foo=baz     0 0
none        /mnt/v   ramfs     defaults       0 0
"""

# Only nofail failures, around a mount that works: the program runs.
FSTAB_NOFAIL = """none        /mnt/r   ramfs     defaults       0 0
/dev/vblk1  /mnt/t   testfs    nofail         0 0
PARTLABEL=nowhere /mnt/f testfs nofail 0 0
none        /mnt/e   nosuchfs  nofail         0 0
"""

# A line that cannot be parsed cannot say nofail: it ends the boot.
FSTAB_UNPARSEABLE = """none        /mnt/r   ramfs     defaults       0 0
this line has too few
none        /mnt/s   ramfs     defaults       0 0
"""


def _image(ctx, tmp, fstab, modules, files=()):
    mods = os.path.join(ctx.build, "testmods")
    lines = ["/bin/busybox: /bin/busybox"]
    for m in modules:
        src = m if os.path.isabs(m) else os.path.join(mods, m)
        lines.append("/usr/lib/fs/%s: %s" % (os.path.basename(src), src))
    lines += list(files)
    if fstab:
        lines += ["[fstab]"] + fstab.strip("\n").split("\n")
    manifest = os.path.join(tmp, "manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    image = os.path.join(tmp, "disk.img")
    p = subprocess.run([os.path.join(ctx.build, "tools", "mkimage"), "-q", manifest, image],
                       capture_output=True, text=True)
    return image if p.returncode == 0 else None, p.stdout + p.stderr


def _module_api(ctx):
    """OSPREY_MODULE_API of kernel/module/module.h (libbadapi.so says 100 more)."""
    with open(os.path.join(ctx.root, "kernel", "module", "module.h")) as f:
        return int(re.search(r"^#define OSPREY_MODULE_API (\d+)$", f.read(), re.M).group(1))


def _scratch(tmp, name, mb=4):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.truncate(mb << 20)
    return path


def _testmods(ctx, name):
    if os.path.exists(os.path.join(ctx.build, "testmods", "libtestfs.so")):
        return True
    ctx.skip(name, "test modules not built (make testmods)")
    return False


def test_fstab_errors(ctx):
    if not _testmods(ctx, "fstab_errors"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, FSTAB_BAD, ["libtestfs.so", "libbadsym.so",
                            "libbadapi.so", "libtrunc.so", "libnotelf.so"])
        ctx.check("image", image, msg)
        if not image:
            return
        status, out = ctx.run("--verbose /bin/busybox cat /proc/mounts",
                              images=[image, _scratch(tmp, "d1.img")])
        expect = {
            # x-systemd.makefs and x-zfs.* reach the filesystem; other x-* do not.
            "loaded_and_asked": "testfs: asked to mount /dev/vblk1 with options "
                                "'foo=bar,x-zfs.recordsize=16K,x-systemd.makefs' (constructor ran: 1)",
            "missing_symbol_1": "module: /usr/lib/fs/libbadsym.so: undefined symbol 'no_such_kernel_function'",
            "missing_symbol_2": "module: /usr/lib/fs/libbadsym.so: undefined symbol 'another_missing_symbol'",
            "missing_symbols_counted": "libbadsym.so: 2 undefined symbols; not loaded",
            "wrong_api": "module: /usr/lib/fs/libbadapi.so: built for kernel module API %d, this kernel has %d"
                         % (_module_api(ctx) + 100, _module_api(ctx)),
            "truncated": "module: /usr/lib/fs/libtrunc.so: not a loadable module",
            "not_elf": "module: /usr/lib/fs/libnotelf.so: not a loadable module",
            "no_module": "no filesystem 'nosuchfs' in the kernel and no module /usr/lib/fs/libnosuchfs.so",
            "no_partition": "fstab: line 7: PARTLABEL=nowhere on /mnt/f (testfs): no GPT partition "
                            "has that name (nofail)",
            "type_not_loaded": "fstab: line 6: none on /mnt/e (nosuchfs): cannot get filesystem type "
                               "'nosuchfs' (error 2) (nofail)",
            "nofail_mount_failure": "fstab: line 8: /dev/vblk1 on /mnt/t (testfs): mount failed: "
                                    "no such device or address (error 6) (nofail)",
            "mount_failure_names_line": "fstab: line 9: /dev/vblk1 on /mnt/u (testfs): mount failed: "
                                        "no such device or address (error 6)\n",
            "boot_ends_at_the_line": "fstab: line 9 is needed (no nofail): the boot ends here",
        }
        for name, text in expect.items():
            ctx.check(name, text in out, "missing: %s" % text, out)
        nofail = [l for l in out.splitlines() if re.match(r"fstab: line [2-8]:", l)]
        ctx.check("nofail_lines_say_so", len(nofail) == 7 and
                  all(l.endswith("(nofail)") for l in nofail), "nofail lines: %s" % nofail, out)
        ctx.check("boot_ends_with_32", status == MOUNT_FAILURE and
                  "osprey: exit status %d" % MOUNT_FAILURE in out, "status %d" % status, out)
        ctx.check("failed_boot_unmounts", out.find("fs: unmounted /dev") >
                  out.find("the boot ends here") > 0, "no orderly shutdown", out)
        ctx.check("program_not_run", "/dev/vblk0.1 / rofs ro" not in out and
                  "/mnt/v" not in out and "testfs: asked to mount /dev/vblk1 with options 'foo=baz'" in out,
                  "the boot went on after line 9", out)


def test_fstab_nofail_boots(ctx):
    """nofail failures are quiet without --verbose and the program runs
    with the mounts that worked."""
    if not _testmods(ctx, "nofail_boots"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, FSTAB_NOFAIL, ["libtestfs.so"])
        ctx.check("nofail.image", image, msg)
        if not image:
            return
        status, out = ctx.run("/bin/busybox cat /proc/mounts", images=[image, _scratch(tmp, "d1.img")])
        ctx.check("nofail_boots", status == 0 and "/dev/vblk0.1 / rofs ro" in out and
                  "none /mnt/r ramfs" in out, "status %d" % status, out)
        ctx.check("nofail_is_quiet", "fstab: line" not in out, "a nofail line complained", out)
        status, out = ctx.run("--verbose /bin/busybox true", images=[image, _scratch(tmp, "d2.img")])
        ctx.check("nofail_verbose", status == 0 and "modules: 1 loaded" in out and
                  "fstab: line 2: /dev/vblk1 on /mnt/t (testfs): mount failed: no such device or "
                  "address (error 6) (nofail)" in out, "status %d" % status, out)


def test_fstab_unparseable_line(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, FSTAB_UNPARSEABLE, [])
        ctx.check("unparseable.image", image, msg)
        if not image:
            return
        status, out = ctx.run("/bin/busybox cat /proc/mounts", images=[image])
        ctx.check("unparseable_line_ends_boot", status == MOUNT_FAILURE and
                  "fstab: line 2: cannot parse it: " in out and
                  "fstab: line 2 is needed (no nofail): the boot ends here" in out and
                  "/dev/vblk0.1 / rofs ro" not in out, "status %d" % status, out)


# Mounts for the orderly shutdown: /mnt/x/in sits inside /mnt/x, so it
# must go first; stuckfs refuses (EIO) or stays busy (a vnode in use).
FSTAB_SHUTDOWN = """none        /mnt/x     ramfs     defaults       0 0
none        /mnt/x/in  ramfs     defaults       0 0
none        /mnt/s     stuckfs   fail           0 0
none        /mnt/b     stuckfs   busy           0 0
none        /mnt/y     ramfs     defaults       0 0
"""


def test_shutdown_unmounts(ctx):
    """When the program ends, every mount but the root is unmounted, the
    last mounted first; one that cannot be is named with the reason and
    the others still go; the program's exit status is kept."""
    if not _testmods(ctx, "shutdown"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, FSTAB_SHUTDOWN, ["libstuckfs.so"])
        ctx.check("shutdown.image", image, msg)
        if not image:
            return
        status, out = ctx.run("--verbose /bin/busybox false", images=[image])
        order = ["fs: unmounted /mnt/y",
                 "fs: cannot unmount /mnt/b: busy (files, directories or mounts in it are in use) "
                 "(error 16)",
                 "fs: cannot unmount /mnt/s: its filesystem failed to unmount (error 5)",
                 "fs: unmounted /mnt/x/in", "fs: unmounted /mnt/x", "fs: unmounted /tmp",
                 "fs: unmounted /proc", "fs: unmounted /dev"]
        at = [out.find(l) for l in order]
        ctx.check("shutdown_unmounts_in_reverse", all(a >= 0 for a in at) and at == sorted(at),
                  "missing or out of order: %s" % [l for l, a in zip(order, at) if a < 0], out)
        ctx.check("shutdown_keeps_status", status == 1 and "fs: unmounted /dev\nosprey: exit status 1" in out,
                  "status %d" % status, out)
        status, out = ctx.run("/bin/busybox true", images=[image])
        ctx.check("shutdown_quiet", status == 0 and "fs: unmounted" not in out and
                  "fs: cannot unmount /mnt/s" in out, "status %d" % status, out)


def test_deep_stack(ctx):
    """deepfs's init, mount and unmount each use 160 KiB of stack: from
    mount(2) and umount2(2) in a program (32 KiB kernel stack), from
    fstab at boot (16 KiB) and at shutdown they run on a deep stack."""
    if not _testmods(ctx, "deep_stack"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, "", ["libdeepfs.so"])
        ctx.check("deep.image", image, msg)
        if not image:
            return
        status, out = ctx.run("--verbose /bin/busybox mkdir /tmp/d ; "
                              "/bin/busybox mount -t deepfs none /tmp/d ; /bin/busybox umount /tmp/d ; "
                              "/bin/busybox mount -t deepfs none /tmp/d", images=[image])
        ok = status == 0 and "PANIC" not in out and out.count("deepfs: init used 160 KiB") == 1 and \
            out.count("deepfs: mount used 160 KiB") == 2 and out.count("deepfs: unmount used") == 2 and \
            "fs: unmounted /tmp/d" in out
        ctx.check("deep_stack_from_a_program", ok, "status %d" % status, out)
        image, msg = _image(ctx, tmp, "none /mnt/d deepfs defaults 0 0\n", ["libdeepfs.so"])
        status, out = ctx.run("--verbose /bin/busybox ls /mnt/d", images=[image] if image else [])
        ok = status == 0 and "PANIC" not in out and "deepfs: init used 160 KiB" in out and \
            "deepfs: mount used" in out and "deepfs: unmount used" in out and \
            "fs: unmounted /mnt/d" in out
        ctx.check("deep_stack_at_boot_and_shutdown", image and ok, msg or "status %d" % status, out)


def test_no_fstab_no_module(ctx):
    if not os.path.exists(os.path.join(ctx.build, "testmods", "libtestfs.so")):
        ctx.skip("never_loaded", "test modules not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, "", ["libtestfs.so"])
        status, out = ctx.run("--verbose /bin/busybox true", images=[image] if image else [])
        ctx.check("never_loaded", image and status == 0 and "modules: 0 loaded" in out
                  and "testfs" not in out, msg or "status %d" % status, out)


def test_ext2_module(ctx):
    lib = os.path.join(ctx.build, "modules", "libext2.so")
    if not os.path.exists(lib):
        ctx.skip("ext2", "build/modules/libext2.so not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        os.makedirs(os.path.join(tree, "sub"))
        data = os.urandom(300000)
        with open(os.path.join(tree, "sub", "blob"), "wb") as f:
            f.write(data)
        with open(os.path.join(tree, "hello"), "w") as f:
            f.write("hello from ext2\n")
        ext2 = os.path.join(tmp, "ext2.img")
        subprocess.run(["mke2fs", "-q", "-t", "ext2", "-d", tree, ext2, "8M"], check=True,
                       capture_output=True)
        fstab = "/dev/vblk1  /data  ext2  ro  0 0\n"
        image, msg = _image(ctx, tmp, fstab, [lib])
        ctx.check("ext2.image", image, msg)
        if not image:
            return
        status, out = ctx.run("--verbose --bootchart /bin/busybox cat /data/hello ; "
                              "/bin/busybox sha256sum /data/sub/blob", images=[image, ext2])
        ctx.check("ext2.loaded", "module: libext2.so loaded" in out, "no load message", out)
        ctx.check("ext2.read_file", "hello from ext2" in out, "file not read", out)
        ctx.check("ext2.hash", hashlib.sha256(data).hexdigest() in out and status == 0,
                  "status %d, hash differs" % status, out)
        ctx.check("ext2.unmounted", "fs: unmounted /data" in out, "not unmounted at the end", out)


def test_panic_in_module(ctx):
    if not os.path.exists(os.path.join(ctx.build, "testmods", "libpanicfs.so")):
        ctx.skip("panic_symbolized", "test modules not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, "none /mnt/p panicfs defaults 0 0\n", ["libpanicfs.so"])
        status, out = ctx.run("/bin/busybox true", images=[image] if image else [])
        ok = status == 99 and "PANIC: testfs: deliberate panic inside a module" in out
        ctx.check("panic_reported", image and ok, msg or "status %d" % status, out)
        ctx.check("panic_symbolized", "deep_inside_the_module+0x" in out and "[libpanicfs.so]" in out
                  and "module_load+0x" in out, "module frames not named", out)


def _zfs_lib(ctx):
    lib = os.path.join(ctx.build, "modules", "libzfs.so")
    return lib if os.path.exists(lib) else None


def test_zfs_module_first_part(ctx):
    """libzfs.so: OpenZFS's pool layer compiled unmodified against our
    porting layer, whose pieces are checked at load; a zfs line naming a
    pool no device holds fails with that reason, and nofail lets the boot
    go on."""
    lib = _zfs_lib(ctx)
    if not lib:
        ctx.skip("zfs", "build/modules/libzfs.so not built (make zfs-src modules)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, "tank  /data  zfs  nofail  0 0\n", [lib])
        status, out = ctx.run("--verbose --zfs.selftest /bin/busybox true", images=[image] if image else [])
        ctx.check("zfs.loaded", image and "module: libzfs.so loaded" in out, msg or "", out)
        ctx.check("zfs.avl_selftest", "OpenZFS AVL self-test passed (1000 nodes)" in out,
                  "no self-test line", out)
        ctx.check("zfs.nvlist_selftest", "nvlist pack/unpack passed (native, XDR)" in out,
                  "no nvlist line", out)
        ctx.check("zfs.spl_locks_selftest", "SPL mutex/condvar/rwlock/taskq/kmem_cache/thread/tsd/kstat passed" in out,
                  "no SPL lock line", out)
        ctx.check("zfs.memory_pressure_reaps_caches",
                  re.search(r"zfs: memory pressure self-test: [1-9]\d* pages taken, "
                            r"cache reaped [1-9]\d* times: passed", out) is not None,
                  "no passing memory pressure line", out)
        # The root's cluster cache gave memory back too, and the root still
        # serves the program that runs afterwards.
        ctx.check("rofs.memory_pressure_drops_cache",
                  re.search(r"rofs: vblk0\.1: memory low, dropped [1-9]\d* cached clusters", out)
                  is not None and status == 0, "no rofs drop line", out)
        ctx.check("zfs.missing_pool_named", "no device holds a pool named 'tank'" in out and
                  "fstab: line 1: tank on /data (zfs)" in out and status == 0,
                  "status %d" % status, out)
        ctx.check("zfs.core_has_no_zfs", b"zfs" not in subprocess.run(
            ["nm", os.path.join(ctx.build, "kernel.elf")], capture_output=True).stdout.lower(),
            "kernel.elf names zfs symbols", None)


def test_zfs_reads_linux_label(ctx):
    """A pool made by Linux's OpenZFS (../shared/data/zfs), named by its
    device: the guest reads its label (OpenZFS's nvpair code over our XDR),
    imports it read-only and mounts its root dataset."""
    lib = _zfs_lib(ctx)
    archive = os.path.join(ctx.data, "zfs", "linux-lz4.img.zst")
    if not lib or not os.path.exists(archive):
        ctx.skip("zfs.linux_label", "no libzfs.so or no %s" % archive)
        return
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "linux-lz4.img")
        subprocess.run(["zstd", "-q", "-d", archive, "-o", disk], check=True)
        image, msg = _image(ctx, tmp, "/dev/vblk1.1  /data  zfs  ro,nofail  0 0\n", [lib])
        status, out = ctx.run("--verbose /bin/busybox ls /data", images=[image, disk + ",ro"] if image else [])
        ctx.check("zfs.linux_label", "zfs: mounted linuxpool (from /dev/vblk1.1)" in out and
                  "\ndata\n" in out and status == 0, msg or "status %d" % status, out)
        ctx.check("zfs.pressure_test_only_when_asked", "memory pressure" not in out and
                  "out of memory" not in out, "ran without --zfs.selftest", out)


def test_mount_table_names(ctx):
    """/proc/mounts names each mount in full: the mount point absolute
    whatever the caller's directory and path were, a long mount point and
    a 255-byte source (a ZFS dataset's longest name) whole; a source
    longer than that is refused by name, not cut."""
    deep = "/tmp/" + "/".join(["d%02d-%s" % (i, "x" * 20) for i in range(8)])
    src = "s" * 255
    script = ("cd /tmp && mkdir -p a/b %s && mount -t ramfs rel ./a/../a/b && "
              "mount -t ramfs %s %s && cat /proc/mounts && "
              "mount -t ramfs %s /tmp/a 2>&1; echo status $?" % (deep, src, deep, "t" * 256))
    with tempfile.TemporaryDirectory() as tmp:
        image, msg = _image(ctx, tmp, None, [], ["/bin/%s: ->busybox" % a for a in ("mkdir", "mount", "cat")])
        ctx.check("names.image", image, msg)
        if not image:
            return
        status, out = ctx.run("/bin/busybox sh -c '%s'" % script, images=[image])
        ctx.check("names.relative_target", "\nrel /tmp/a/b ramfs rw" in out, "status %d" % status, out)
        ctx.check("names.long_path_and_source", "\n%s %s ramfs rw" % (src, deep) in out,
                  "status %d" % status, out)
        ctx.check("names.too_long_source", re.search(r"mount: .*File name too long\s*\nstatus [1-9]", out)
                  is not None, "status %d" % status, out)
