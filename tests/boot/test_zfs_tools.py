"""Debian's own zpool and zfs (zfsutils-linux 2.1.11, the host's /sbin/zpool
and /sbin/zfs with their libraries, copied by mkimage's `libs`) run in the
guest, talking to libzfs.so through /dev/zfs with Linux's ioctls.

The contract these tests are written against:
- An image whose /etc/modules names `zfs` has libzfs.so loaded at boot:
  /dev/zfs (character device 10:249), /sys/module/zfs/version, and
  /sys/block for libblkid exist before the first program runs.
- Each command is a program of its own on the kernel command line
  (`prog args ; prog args`), with `> FILE` and `< FILE` for its output
  and input; pools stay imported from one program to the next, their
  datasets mounted where their mountpoint says (under /tmp here: the ROFS
  root is read-only), until `zpool export` or the end of the boot, which
  exports every pool still imported.
- Outputs are Debian's, compared field by field (sizes vary: names,
  properties, states and file contents are checked); bad input gives
  Debian's messages and never a panic.
- After each boot the host's `zdb -e -p DIR -bcc POOL` on the partition
  cut out of the disk image finds every checksum right and no leaks.

Scenarios (guest -m 256M; a disk with partitions tank 256M, tank2 128M,
small 32M):
The three run in this order (test_1_, test_2_, test_3_), each on the disk
the one before left.
- lifecycle: zfs version (the module's version from /sys/module/zfs, and
  a tunable from its parameters), zpool create on a raw partition, zpool list, zpool status,
  zfs create with properties, zfs list, zfs get/set, zfs snapshot, a file
  written after it, .zfs/snapshot (listed, entered: mounted read-only,
  its file intact; mkdir/rmdir there make and destroy a snapshot), zfs
  rollback (the file is gone, the first one intact),
  zfs clone, zfs destroy, zfs rename (the mount follows), zpool scrub -w,
  zpool export (nothing mounted, no pool), zpool import (the pool listed,
  then imported and mounted with its data). zdb on tank.
- send_receive (next boot, same disk): zpool import, a second pool, zfs
  send of a snapshot to a file and of an increment (-i) to another, zfs
  receive of both into the second pool (files identical, snapshots
  there), zfs diff between the snapshots, a dataset with a 100-byte name
  mounted (libzfs finds it by name), zpool history, zpool get/set, zpool
  iostat -v. zdb on both.
- bad_input (next boot): a pool that does not exist, a device in use by
  an imported pool (with and without -f), a device below 64 MiB, a pool
  name with a '/', a missing parent dataset, a stream to the terminal,
  and zfs_ioctl_probe.c (compiled here, run there) giving /dev/zfs bad
  pointers, a foreign ioctl, an unknown command, read-only output memory.
- zvol (next boot): zfs create -V makes /dev/zd0 (block, 230:0) and the
  link /dev/zvol/tank/vol; a nested volume is /dev/zd16 behind
  /dev/zvol/tank/sub/deep, and both go at its destroy; busybox blockdev
  and zvol_probe.c (compiled here, run there) ask the block ioctls,
  fstat, lseek, pread/pwrite at unaligned offsets, fsync, BLKDISCARD;
  busybox dd writes /bin/busybox at an odd offset in odd-sized blocks
  (fsync at the end) and reads it back (md5 of those bytes and the zeros after them,
  as the host computes it); reads and writes across the end are short,
  at it 0 and ENOSPC; a snapshot gets no device; a rename moves the
  link. zdb on tank.
- zvol_lifecycle (next boot): the import brings the device back with the
  data, volsize=32M is seen, readonly=on refuses a write open (EROFS),
  an open device keeps destroy and export busy, export removes the
  nodes and import makes them again, destroy removes them. zdb on tank.
- zvol_replay (two boots): dd conv=fsync to a new volume while no txg
  syncs, the guest killed after it; the next import replays the intent
  log: the bytes read back. zdb on tank.
"""
import atexit
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile

GUEST_MEMORY = "256M"
BOOT_TIMEOUT = 900          # TCG on kvm-pvm hosts is slow; a hang still ends
CMDLINE_MAX, CMDLINE_MAX_ARGS = 4096, 256      # kernel/cmdline.h
ZPOOL, ZFS = "/sbin/zpool", "/sbin/zfs"
ECHO, LS, CAT, CP, MD5 = "/bin/echo", "/bin/ls", "/bin/cat", "/bin/cp", "/bin/md5sum"
MKDIR, RMDIR, UMOUNT = "/bin/mkdir", "/bin/rmdir", "/bin/umount"
TANK, TANK2, SMALL = "/dev/vblk0.2", "/dev/vblk0.3", "/dev/vblk0.4"
PROBE_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zfs_ioctl_probe.c")
ZVOL_PROBE_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zvol_probe.c")
# Lines the kernel and the launcher add to the programs' output.
NOT_PROGRAM = ("osprey: ", "run: ", "linux: ", "zfs: ", "fs: ", "module: ")


def _sibling(name):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_%s.py" % name)
    spec = importlib.util.spec_from_file_location("zfs_tools_uses_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


zfs_pool = _sibling("zfs_pool")

_state = {}


def _md5(path):
    return subprocess.run(["md5sum", path], capture_output=True, text=True,
                          check=True).stdout.split()[0]


def _setup(ctx):
    """The image all scenarios share (built once, reused in order: each
    boot continues on the disk the previous one left), or None after
    recording why the tests cannot run."""
    if _state:
        return _state if _state.get("image") else None
    _state["tried"] = True
    lib = zfs_pool._zfs_lib(ctx)
    zdb = zfs_pool._zdb()
    if not lib:
        ctx.skip("tools", "no build/modules/libzfs.so (make zfs-src modules)")
        return None
    if not (os.path.exists(ZPOOL) and os.path.exists(ZFS) and zdb):
        ctx.skip("tools", "no zpool, zfs or zdb on the host (scripts/deps.sh installs "
                 "zfsutils-linux)")
        return None
    tmp = tempfile.mkdtemp(prefix="osprey-zfstools-")
    atexit.register(shutil.rmtree, tmp, True)
    probe = os.path.join(tmp, "zfs_ioctl_probe")
    zvol_probe = os.path.join(tmp, "zvol_probe")
    for src, exe in ((PROBE_SRC, probe), (ZVOL_PROBE_SRC, zvol_probe)):
        p = subprocess.run(["gcc", "-static", "-O2", "-Wall", "-o", exe, src],
                           capture_output=True, text=True)
        if p.returncode != 0:
            ctx.check("tools.probe_builds", False, p.stdout + p.stderr)
            return None
    with open(os.path.join(tmp, "modules"), "w") as f:
        f.write("# Debian's /etc/modules: loaded at boot\nzfs\n")
    lines = ["/bin/busybox: /bin/busybox"] + \
        ["%s: ->busybox" % p for p in (ECHO, LS, CAT, CP, MD5, MKDIR, RMDIR, UMOUNT)] + [
        "/usr/lib/fs/libzfs.so: %s" % lib,
        "%s: %s libs" % (ZPOOL, ZPOOL), "%s: %s libs" % (ZFS, ZFS),
        "/etc/modules: %s" % os.path.join(tmp, "modules"),
        "/bin/zfs_ioctl_probe: %s" % probe,
        "/bin/zvol_probe: %s" % zvol_probe,
        "[data]", "size=256M name=tank", "size=128M name=tank2", "size=32M name=small"]
    manifest = os.path.join(tmp, "disk.manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    image = os.path.join(tmp, "disk.img")
    p = subprocess.run([os.path.join(ctx.build, "tools", "mkimage"), "-q", manifest, image],
                       capture_output=True, text=True)
    if p.returncode != 0:
        ctx.check("tools.image", False, "mkimage: " + (p.stdout + p.stderr).strip())
        return None
    _state.update(tmp=tmp, image=image, zdb=zdb, md5={
        "busybox": _md5("/bin/busybox"), "zpool": _md5(ZPOOL), "zfs": _md5(ZFS)})
    return _state


def _cmdline(groups):
    """Each (name, [commands]) group after an `echo @@name@@` marker,
    programs one after another. The kernel keeps 4096 bytes and 256 words
    of command line: a test that needs more is a test bug."""
    steps = []
    for name, cmds in groups:
        steps += ["%s @@%s@@" % (ECHO, name)] + list(cmds)
    line = " ; ".join(steps)
    if len(line) >= CMDLINE_MAX or len(line.split()) > CMDLINE_MAX_ARGS:
        raise ValueError("command line too long (%d bytes, %d words)" % (
            len(line), len(line.split())))
    return line


def _boot(ctx, st, groups):
    """(status, output, {group: its program lines})."""
    status, out = ctx.run(_cmdline(groups), memory=GUEST_MEMORY, images=[st["image"]],
                          timeout=BOOT_TIMEOUT)
    sections, current = {}, None
    for l in out.splitlines():
        m = re.match(r"^@@([\w.-]+)@@$", l)
        if m:
            current = sections.setdefault(m.group(1), [])
        elif current is not None and not l.startswith(NOT_PROGRAM):
            current.append(l)
    return status, out, sections


def _no_panic(out):
    return "PANIC" not in out


def _rows(lines):
    """Tab-separated rows of -H output."""
    return [l.split("\t") for l in lines if "\t" in l]


def _zdb(ctx, name, st, index, pool):
    vdevs = os.path.join(st["tmp"], "vdevs-%s" % name)
    shutil.rmtree(vdevs, ignore_errors=True)
    os.mkdir(vdevs)
    start, size = zfs_pool.gpt_partition(st["image"], index)
    with open(st["image"], "rb") as src, open(os.path.join(vdevs, "part"), "wb") as dst:
        src.seek(start)
        left = size
        while left:
            chunk = src.read(min(left, 8 << 20))
            if not chunk:
                break
            dst.write(chunk)
            left -= len(chunk)
    ok, rc, out = zfs_pool.zdb_check(st["zdb"], vdevs, pool)
    ctx.check(name, ok, "zdb -e -p DIR -bcc %s: exit %s, no '%s' line" % (
        pool, rc, zfs_pool.NO_LEAKS), out)
    shutil.rmtree(vdevs, ignore_errors=True)
    return ok


def _md5_lines(lines):
    """{path: md5} of md5sum's output."""
    return dict((m.group(2), m.group(1)) for m in
                (re.match(r"^([0-9a-f]{32})  (\S+)$", l) for l in lines) if m)


def _expect(ctx, name, sections, group, want, exact=False):
    """Every line of `want` (regular expressions, in order; with exact,
    nothing else) matches the group's output."""
    got = sections.get(group)
    if got is None:
        ctx.check(name, False, "no @@%s@@ section: the boot stopped before it" % group)
        return False
    i = 0
    for w in want:
        while i < len(got) and not re.search(w, got[i]):
            if exact:
                break
            i += 1
        if i == len(got) or not re.search(w, got[i]):
            ctx.check(name, False, "@@%s@@: no line matching %r (in order) in %r" % (
                group, w, got))
            return False
        i += 1
    if exact and i != len(got):
        ctx.check(name, False, "@@%s@@: unexpected lines %r" % (group, got[i:]))
        return False
    ctx.check(name, True)
    return True


# ---------------------------------------------------------------- lifecycle

# A dataset name past the 63 bytes the mount table once kept: libzfs
# finds its mount in /proc/self/mounts by the whole name.
LONG = "n" * 100
LIFECYCLE = [
    ("version", ["%s version" % ZFS, "%s /sys/module/zfs/parameters/zfs_txg_timeout" % CAT]),
    ("create", ["%s create -m /tmp/tank tank %s" % (ZPOOL, TANK)]),
    ("list", ["%s list -H -o name,size,health,altroot tank" % ZPOOL]),
    ("status", ["%s status tank" % ZPOOL]),
    ("zfs_create", ["%s create -o compression=lz4 -o recordsize=32K tank/fs" % ZFS,
                    "%s list -H -o name,mountpoint,mounted" % ZFS]),
    ("get", ["%s get -H -o property,value,source compression,recordsize,atime tank/fs" % ZFS]),
    ("set", ["%s set atime=off tank/fs" % ZFS, "%s get -H -o property,value,source atime tank/fs" % ZFS]),
    ("snapshot", ["%s /bin/busybox /tmp/tank/fs/a" % CP, "%s snapshot tank/fs@one" % ZFS,
                  "%s %s /tmp/tank/fs/b" % (CP, ZPOOL), "%s -1 /tmp/tank/fs" % LS]),
    ("snapdir", ["%s /tmp/tank/fs/.zfs /tmp/tank/fs/.zfs/snapshot /tmp/tank/fs/.zfs/snapshot/one" % LS,
                 "%s /tmp/tank/fs/.zfs/snapshot/one/a" % MD5, "%s /proc/mounts" % CAT,
                 "%s /tmp/tank/fs/.zfs/snapshot/made" % MKDIR, "%s list -H -o name -t snapshot" % ZFS,
                 "%s /tmp/tank/fs/.zfs/snapshot/made" % RMDIR, "%s /tmp/tank/fs/.zfs/snapshot/one" % UMOUNT,
                 "%s /tmp/tank/fs/.zfs/snapshot" % LS]),
    ("rollback", ["%s rollback tank/fs@one" % ZFS, "%s -1 /tmp/tank/fs" % LS, "%s /tmp/tank/fs/a" % MD5]),
    ("clone", ["%s clone tank/fs@one tank/clone" % ZFS, "%s list -H -o name,origin tank/clone" % ZFS,
               "%s /tmp/tank/clone/a" % MD5]),
    ("destroy", ["%s destroy tank/clone" % ZFS, "%s list -H -o name -t all" % ZFS]),
    ("rename", ["%s rename tank/fs tank/data" % ZFS, "%s list -H -o name,mountpoint,mounted -t all" % ZFS,
                "%s /proc/mounts" % CAT]),
    ("scrub", ["%s scrub -w tank" % ZPOOL, "%s status tank" % ZPOOL]),
    ("export", ["%s export tank" % ZPOOL, "%s list" % ZPOOL, "%s /proc/mounts" % CAT]),
    ("import_list", ["%s import" % ZPOOL]),
    ("import", ["%s import tank" % ZPOOL, "%s list -H -o name,mounted" % ZFS,
                "%s /tmp/tank/data/a" % MD5]),
]


def test_1_lifecycle(ctx):
    st = _setup(ctx)
    if not st:
        return
    status, out, s = _boot(ctx, st, LIFECYCLE)
    st["lifecycle_ok"] = status == 0 and _no_panic(out)
    ctx.check("lifecycle.boot", st["lifecycle_ok"], "status %d" % status, out)
    bb = st["md5"]["busybox"]
    _expect(ctx, "lifecycle.zfs_version", s, "version", [
        r"^zfs-2\.1\.11-", r"^zfs-kmod-2\.1\.11-1\+deb12u1$", r"^5$"], exact=True)
    _expect(ctx, "lifecycle.zpool_create", s, "create", [], exact=True)
    _expect(ctx, "lifecycle.zpool_list", s, "list", [r"^tank\t2[0-9]{2}M\tONLINE\t-$"], exact=True)
    _expect(ctx, "lifecycle.zpool_status", s, "status", [
        r"^  pool: tank$", r"^ state: ONLINE$", r"^config:$",
        r"^\tNAME\s+STATE\s+READ WRITE CKSUM$", r"^\ttank\s+ONLINE\s+0\s+0\s+0$",
        r"^\t  vblk0\.2\s+ONLINE\s+0\s+0\s+0$", r"^errors: No known data errors$"])
    _expect(ctx, "lifecycle.zfs_create", s, "zfs_create", [
        r"^tank\t/tmp/tank\tyes$", r"^tank/fs\t/tmp/tank/fs\tyes$"], exact=True)
    _expect(ctx, "lifecycle.zfs_get", s, "get", [
        r"^compression\tlz4\tlocal$", r"^recordsize\t32K\tlocal$", r"^atime\ton\tdefault$"], exact=True)
    _expect(ctx, "lifecycle.zfs_set", s, "set", [r"^atime\toff\tlocal$"], exact=True)
    _expect(ctx, "lifecycle.snapshot_and_write", s, "snapshot", [r"^a$", r"^b$"], exact=True)
    # .zfs: the snapshot dir lists one, entering it mounts it read-only
    # (shown in /proc/mounts as Linux does), mkdir/rmdir there make and
    # destroy a snapshot, and the mount can be undone by hand.
    _expect(ctx, "lifecycle.snapdir", s, "snapdir", [
        r"^/tmp/tank/fs/\.zfs:$", r"^shares\s+snapshot$", r"^$", r"^/tmp/tank/fs/\.zfs/snapshot:$",
        r"^one$", r"^$", r"^/tmp/tank/fs/\.zfs/snapshot/one:$", r"^a$",
        r"^%s  /tmp/tank/fs/\.zfs/snapshot/one/a$" % bb,
        r"^tank/fs@one /tmp/tank/fs/\.zfs/snapshot/one zfs ro ",
        r"^tank/fs@one$", r"^tank/fs@made$", r"^one$"], exact=False)
    snapdir = s.get("snapdir", [])
    ctx.check("lifecycle.snapdir_rmdir", snapdir[-1:] == ["one"] and "made" not in snapdir,
              "after rmdir: %r" % snapdir[-3:])
    _expect(ctx, "lifecycle.rollback", s, "rollback", [r"^a$", r"^%s  /tmp/tank/fs/a$" % bb],
            exact=True)
    _expect(ctx, "lifecycle.clone", s, "clone", [
        r"^tank/clone\ttank/fs@one$", r"^%s  /tmp/tank/clone/a$" % bb], exact=True)
    _expect(ctx, "lifecycle.destroy", s, "destroy", [r"^tank$", r"^tank/fs$", r"^tank/fs@one$"],
            exact=True)
    _expect(ctx, "lifecycle.rename", s, "rename", [
        r"^tank\t/tmp/tank\tyes$", r"^tank/data\t/tmp/tank/data\tyes$", r"^tank/data@one\t-\t-$",
        r"^tank /tmp/tank zfs rw", r"^tank/data /tmp/tank/data zfs rw"])
    _expect(ctx, "lifecycle.scrub", s, "scrub", [
        r"^  pool: tank$", r"^ state: ONLINE$",
        r"^  scan: scrub repaired 0B in \S+ with 0 errors on ", r"^errors: No known data errors$"])
    ok = _expect(ctx, "lifecycle.export", s, "export", [r"^no pools available$"])
    if ok:
        left = [l for l in s["export"] if " zfs " in l]
        ctx.check("lifecycle.export_unmounts", not left, "still mounted: %r" % left)
    _expect(ctx, "lifecycle.import_lists", s, "import_list", [
        r"^   pool: tank$", r"^     id: \d+$", r"^  state: ONLINE$",
        r"^ action: The pool can be imported using its name or numeric identifier\.$",
        r"^\ttank\s+ONLINE$", r"^\t  vblk0\.2\s+ONLINE$"])
    _expect(ctx, "lifecycle.import", s, "import", [
        r"^tank\tyes$", r"^tank/data\tyes$", r"^%s  /tmp/tank/data/a$" % bb], exact=True)
    _zdb(ctx, "lifecycle.zdb_tank", st, 2, "tank")


# ---------------------------------------------------------------- send and receive

SEND_RECEIVE = [
    ("import", ["%s import tank" % ZPOOL, "%s create -m /tmp/tank2 tank2 %s" % (ZPOOL, TANK2),
                "%s %s /tmp/tank/data/b" % (CP, ZFS), "%s snapshot tank/data@two" % ZFS,
                "%s list -H -o name -t all" % ZFS]),
    ("send", ["%s send tank/data@one > /tmp/full.zs" % ZFS,
              "%s send -i @one tank/data@two > /tmp/incr.zs" % ZFS, "%s -l /tmp" % LS]),
    ("receive", ["%s receive tank2/copy < /tmp/full.zs" % ZFS,
                 "%s list -H -o name -t all -r tank2" % ZFS, "%s -1 /tmp/tank2/copy" % LS]),
    ("receive_incremental", ["%s receive tank2/copy < /tmp/incr.zs" % ZFS,
                             "%s list -H -o name -t all -r tank2" % ZFS,
                             "%s /tmp/tank2/copy/a /tmp/tank2/copy/b" % MD5]),
    ("diff", ["%s diff tank/data@one tank/data@two" % ZFS]),
    ("long_name", ["%s create tank/%s" % (ZFS, LONG), "%s list -H -o name,mounted tank/%s" % (ZFS, LONG),
                   "%s destroy tank/%s" % (ZFS, LONG)]),
    ("history", ["%s history tank2" % ZPOOL]),
    ("pool_props", ["%s get -H -o name,property,value health,size,readonly tank2" % ZPOOL,
                    "%s set comment=osprey tank2" % ZPOOL,
                    "%s get -H -o property,value,source comment tank2" % ZPOOL]),
    ("iostat", ["%s iostat -v tank2" % ZPOOL]),
]


def test_2_send_receive(ctx):
    st = _setup(ctx)
    if not st:
        return
    if not st.get("lifecycle_ok"):
        ctx.check("send_receive.boot", False, "the lifecycle boot failed: no pool to send from")
        return
    status, out, s = _boot(ctx, st, SEND_RECEIVE)
    st["send_ok"] = status == 0 and _no_panic(out)
    ctx.check("send_receive.boot", st["send_ok"], "status %d" % status, out)
    md5 = st["md5"]
    _expect(ctx, "send_receive.import_and_create", s, "import", [
        r"^tank$", r"^tank/data$", r"^tank/data@one$", r"^tank/data@two$", r"^tank2$"], exact=True)
    sizes = dict((m.group(2), int(m.group(1))) for m in
                 (re.match(r"^-\S+\s+\d+\s+\S+\s+\S+\s+(\d+) .* (\S+)$", l)
                  for l in s.get("send", [])) if m)
    ctx.check("send_receive.streams_written",
              sizes.get("full.zs", 0) > 1 << 20 and sizes.get("incr.zs", 0) > 100 << 10,
              "stream sizes %r (full holds busybox, the increment zfs)" % sizes, out)
    _expect(ctx, "send_receive.receive_full", s, "receive", [
        r"^tank2$", r"^tank2/copy$", r"^tank2/copy@one$", r"^a$"], exact=True)
    _expect(ctx, "send_receive.receive_incremental", s, "receive_incremental", [
        r"^tank2$", r"^tank2/copy$", r"^tank2/copy@one$", r"^tank2/copy@two$",
        r"^%s  /tmp/tank2/copy/a$" % md5["busybox"], r"^%s  /tmp/tank2/copy/b$" % md5["zfs"]],
        exact=True)
    # zfs diff: what the second snapshot added (b) and changed (the directory).
    ctx.check("send_receive.zfs_diff", sorted(s.get("diff", [])) == ["+\t/tmp/tank/data/b", "M\t/tmp/tank/data/"],
              "zfs diff printed %r" % s.get("diff"), out)
    _expect(ctx, "send_receive.long_dataset_name", s, "long_name", [r"^tank/%s\tyes$" % LONG], exact=True)
    _expect(ctx, "send_receive.zpool_history", s, "history", [
        r"^History for 'tank2':$",
        r"^\S+ zpool create -m /tmp/tank2 tank2 /dev/vblk0\.3$",
        r"^\S+ zfs receive tank2/copy$", r"^\S+ zfs receive tank2/copy$"])
    _expect(ctx, "send_receive.zpool_get_set", s, "pool_props", [
        r"^tank2\thealth\tONLINE$", r"^tank2\tsize\t1[0-9]{2}M$", r"^tank2\treadonly\toff$",
        r"^comment\tosprey\tlocal$"], exact=True)
    _expect(ctx, "send_receive.zpool_iostat", s, "iostat", [
        r"^\s+capacity\s+operations\s+bandwidth\s*$",
        r"^pool\s+alloc\s+free\s+read\s+write\s+read\s+write\s*$",
        r"^tank2\s+\S+\s+\S+\s+\d+\s+\d+\s+\S+\s+\S+\s*$",
        r"^  vblk0\.3\s+\S+\s+\S+\s+\d+\s+\d+\s+\S+\s+\S+\s*$"])
    _zdb(ctx, "send_receive.zdb_tank", st, 2, "tank")
    _zdb(ctx, "send_receive.zdb_tank2", st, 3, "tank2")


# ---------------------------------------------------------------- bad input

BAD_INPUT = [
    ("import", ["%s import tank" % ZPOOL]),
    ("no_pool", ["%s status nosuch" % ZPOOL, "%s import nosuch" % ZPOOL, "%s list nosuch/x" % ZFS]),
    ("busy", ["%s create tank3 %s" % (ZPOOL, TANK), "%s create -f tank3 %s" % (ZPOOL, TANK)]),
    ("small", ["%s create small %s" % (ZPOOL, SMALL)]),
    ("bad_name", ["%s create bad/name %s" % (ZPOOL, SMALL)]),
    ("no_parent", ["%s create tank/a/b" % ZFS]),
    ("terminal", ["%s send tank/data@one" % ZFS]),
    ("probe", ["/bin/zfs_ioctl_probe"]),
    ("after", ["%s list -H -o name,health" % ZPOOL]),
]


def test_3_bad_input(ctx):
    st = _setup(ctx)
    if not st:
        return
    if not st.get("lifecycle_ok"):
        ctx.check("bad_input.boot", False, "the lifecycle boot failed: no pool to work with")
        return
    status, out, s = _boot(ctx, st, BAD_INPUT)
    ctx.check("bad_input.no_panic", _no_panic(out) and "after" in s,
              "the guest panicked or stopped (status %d)" % status, out)
    _expect(ctx, "bad_input.no_such_pool", s, "no_pool", [
        r"^cannot open 'nosuch': no such pool$",
        r"^cannot import 'nosuch': no such pool available$",
        r"^cannot open 'nosuch/x': dataset does not exist$"], exact=True)
    _expect(ctx, "bad_input.busy_device", s, "busy", [
        r"^invalid vdev specification$", r"^use '-f' to override the following errors:$",
        r"^/dev/vblk0\.2 is part of active pool 'tank'$",
        r"^invalid vdev specification$", r"^the following errors must be manually repaired:$",
        r"^/dev/vblk0\.2 is part of active pool 'tank'$"], exact=True)
    _expect(ctx, "bad_input.device_too_small", s, "small", [
        r"^cannot create 'small': one or more devices is less than the minimum size \(64M\)$"],
        exact=True)
    _expect(ctx, "bad_input.bad_pool_name", s, "bad_name", [
        r"^cannot create 'bad/name': invalid character '/' in pool name$"])
    _expect(ctx, "bad_input.no_parent", s, "no_parent", [
        r"^cannot create 'tank/a/b': parent does not exist$"], exact=True)
    _expect(ctx, "bad_input.stream_to_terminal", s, "terminal", [
        r"^Error: Stream can not be written to a terminal\.$"])
    probe = s.get("probe", [])
    failed = [l for l in probe if l.startswith("PROBE ") and " FAIL" in l]
    ctx.check("bad_input.ioctl_probe", "PROBE done" in probe and not failed and
              len([l for l in probe if l.endswith(" ok")]) == 11,
              "probe: %r" % probe, out)
    _expect(ctx, "bad_input.pool_unharmed", s, "after", [r"^tank\tONLINE$"], exact=True)
    _zdb(ctx, "bad_input.zdb_tank", st, 2, "tank")


# ---------------------------------------------------------------- volumes

BB = "/bin/busybox"
DD, BLOCKDEV, STAT, SH = BB + " dd", BB + " blockdev", BB + " stat", BB + " sh"
ODD = 4093                  # dd's block: every write and read unaligned
VOLSIZE = 16 << 20
ACROSS = VOLSIZE // 1000    # the 1000-byte block that crosses the end


def _busybox_blocks():
    """dd blocks of ODD bytes that hold /bin/busybox (the last one partly)."""
    return (os.path.getsize("/bin/busybox") + ODD - 1) // ODD


def _readback(dev):
    """dd of the blocks /bin/busybox was written to, and their md5."""
    return ["%s if=%s of=/tmp/back bs=%d skip=1 count=%d" % (DD, dev, ODD, _busybox_blocks()),
            "%s /tmp/back" % MD5]


ZVOL = [
    ("import", ["%s import tank" % ZPOOL]),
    ("create", ["%s create -V 16M tank/vol" % ZFS, "%s -l /dev/zd0 /dev/zvol/tank/vol" % LS,
                "%s -c '%%F %%t:%%T' /dev/zd0" % STAT,
                "%s list -H -o name,volsize,type tank/vol" % ZFS]),
    ("nested", ["%s create -p -V 8M tank/sub/deep" % ZFS, "%s -l /dev/zvol/tank/sub/deep" % LS,
                "%s -L -c '%%F %%t:%%T' /dev/zvol/tank/sub/deep" % STAT,
                "%s destroy -r tank/sub" % ZFS, "%s /dev/zd16 /dev/zvol/tank/sub" % LS]),
    ("blockdev", ["%s --getsize64 /dev/zd0" % BLOCKDEV, "%s --getsz /dev/zd0" % BLOCKDEV,
                  "%s --getss /dev/zd0" % BLOCKDEV, "%s --getro /dev/zd0" % BLOCKDEV,
                  "%s --flushbufs /dev/zd0" % BLOCKDEV]),
    ("probe", ["/bin/zvol_probe /dev/zvol/tank/vol",
               "%s get -H -o value volblocksize tank/vol" % ZFS]),
    ("write", ["%s if=/bin/busybox of=/dev/zvol/tank/vol bs=%d seek=1 conv=fsync" % (DD, ODD)]),
    ("read", _readback("/dev/zd0")),
    ("end", ["%s if=/dev/zd0 of=/tmp/tail bs=1000 skip=%d" % (DD, ACROSS), "%s -l /tmp/tail" % LS,
             "%s if=/bin/busybox of=/dev/zd0 bs=1000 seek=%d count=2" % (DD, ACROSS)]),
    ("snapshot", ["%s snapshot tank/vol@one" % ZFS, "%s /dev/zvol/tank" % LS]),
    ("rename", ["%s rename tank/vol tank/vol2" % ZFS, "%s -l /dev/zvol/tank" % LS]
     + _readback("/dev/zvol/tank/vol2")),
]

ZVOL_LIFE = [
    ("import", ["%s import tank" % ZPOOL, "%s -l /dev/zd0 /dev/zvol/tank/vol2" % LS]
     + _readback("/dev/zd0")),
    ("volsize", ["%s set volsize=32M tank/vol2" % ZFS,
                 "%s --getsize64 /dev/zvol/tank/vol2" % BLOCKDEV]),
    ("readonly", ["%s set readonly=on tank/vol2" % ZFS, "%s if=/bin/busybox of=/dev/zd0 count=1" % DD,
                  "%s --getro /dev/zd0" % BLOCKDEV, "%s set readonly=off tank/vol2" % ZFS]),
    ("busy", ["%s -c 'exec 3</dev/zd0; %s destroy -r tank/vol2; %s export tank'" % (SH, ZFS, ZPOOL)]),
    ("export", ["%s export tank" % ZPOOL, "%s /dev/zd0 /dev/zvol" % LS]),
    ("import_again", ["%s import tank" % ZPOOL, "%s -l /dev/zd0 /dev/zvol/tank/vol2" % LS]
     + _readback("/dev/zd0")),
    ("destroy", ["%s destroy -r tank/vol2" % ZFS, "%s /dev/zd0 /dev/zvol" % LS,
                 "%s list -H -o name -t all" % ZFS]),
]


def _zvol_expected():
    """/bin/busybox, and the patterns of the volume's node, its link (a
    name to fill in) and the read-back md5: the bytes dd wrote, then the
    zeros up to the end of the last block."""
    with open("/bin/busybox", "rb") as f:
        data = f.read()
    padded = data + b"\0" * (_busybox_blocks() * ODD - len(data))
    return (data, r"^brw-rw----\s+1\s+0\s+0\s+230,\s+0 .* /dev/zd0$",
            r"^lrwxrwxrwx\s+1\s+0\s+0\s+9 .* %s -> \.\./\.\./zd0$",
            r"^%s  /tmp/back$" % hashlib.md5(padded).hexdigest())


def _zvol_probe_check(ctx, lines, out):
    """zvol_probe's "ZVOL name rest" lines against what the 16M volume
    is (its volblocksize as zfs get said, after them)."""
    got = dict((m.group(1), m.group(2)) for m in
               (re.match(r"^ZVOL (\S+) ?(.*)$", l) for l in lines) if m)
    vbs = {"8K": 8192, "16K": 16384}.get(lines[-1] if lines else "", -1)
    tail = VOLSIZE - ACROSS * 1000
    want = {
        "getsize64": "0 %d" % VOLSIZE, "getsize": "0 %d" % (VOLSIZE // 512),
        "sszget": "0 512", "pbszget": "0 %d" % vbs, "iomin": "0 %d" % vbs,
        "ioopt": "0 %d" % vbs, "roget": "0 0", "flsbuf": "0", "zname": "0 tank/vol",
        "unknown_ioctl": "ENOTTY", "fstat": "block 230:0", "seek_end": "%d" % VOLSIZE,
        "seek_past": "EINVAL", "seek_hole": "%d" % VOLSIZE, "pwrite": "10007",
        "pread": "ok", "read": "ok", "fsync": "0", "fdatasync": "0",
        "pread_across": "%d" % tail, "pread_at_end": "0", "pwrite_across": "%d" % tail,
        "pwrite_at_end": "ENOSPC", "pread_negative": "EINVAL", "readonly_write": "EBADF",
        "discard": "0", "discarded_reads": "zeros", "discard_odd": "EINVAL",
        "discard_past": "EINVAL", "secdiscard": "EOPNOTSUPP", "readonly_discard": "EBADF",
        "done": ""}
    wrong = dict((k, (got.get(k), v)) for k, v in want.items() if got.get(k) != v)
    ctx.check("zvol.probe", not wrong, "(got, wanted) by name: %r" % wrong, out)


def test_4_zvol(ctx):
    st = _setup(ctx)
    if not st:
        return
    if not st.get("lifecycle_ok"):
        ctx.check("zvol.boot", False, "the lifecycle boot failed: no pool to work with")
        return
    status, out, s = _boot(ctx, st, ZVOL)
    ok = status == 0 and _no_panic(out)
    ctx.check("zvol.boot", ok, "status %d" % status, out)
    data, dev, link, back = _zvol_expected()
    whole, tail = len(data) // ODD, VOLSIZE - ACROSS * 1000
    _expect(ctx, "zvol.create", s, "create", [
        dev, link % "/dev/zvol/tank/vol", r"^block special file e6:0$",
        r"^tank/vol\t16M\tvolume$"], exact=True)
    _expect(ctx, "zvol.nested_name", s, "nested", [
        r"^lrwxrwxrwx\s+1\s+0\s+0\s+13 .* /dev/zvol/tank/sub/deep -> \.\./\.\./\.\./zd16$",
        r"^block special file e6:10$", r"^ls: /dev/zd16: No such file or directory$",
        r"^ls: /dev/zvol/tank/sub: No such file or directory$"], exact=True)
    _expect(ctx, "zvol.blockdev", s, "blockdev", [
        r"^%d$" % VOLSIZE, r"^%d$" % (VOLSIZE // 512), r"^512$", r"^0$"], exact=True)
    _zvol_probe_check(ctx, s.get("probe", []), out)
    _expect(ctx, "zvol.dd_write", s, "write", [
        r"^%d\+1 records in$" % whole, r"^%d\+1 records out$" % whole], exact=True)
    _expect(ctx, "zvol.dd_read_back", s, "read", [
        r"^%d\+0 records in$" % (whole + 1), r"^%d\+0 records out$" % (whole + 1), back],
        exact=True)
    _expect(ctx, "zvol.end_of_device", s, "end", [
        r"^0\+1 records in$", r"^0\+1 records out$",
        r"^-rw-r--r--\s+1\s+0\s+0\s+%d .* /tmp/tail$" % tail,
        r"^dd: error writing '/dev/zd0': No space left on device$"])
    _expect(ctx, "zvol.snapshot_has_no_device", s, "snapshot", [r"^vol$"], exact=True)
    _expect(ctx, "zvol.rename_moves_link", s, "rename", [
        r"^total 0$", link % "vol2", r"records in$", r"records out$", back], exact=True)
    st["zvol_ok"] = _zdb(ctx, "zvol.zdb_tank", st, 2, "tank") and ok


def test_5_zvol_lifecycle(ctx):
    st = _setup(ctx)
    if not st:
        return
    if not st.get("zvol_ok"):
        ctx.check("zvol_lifecycle.boot", False, "the zvol boot failed: no volume to work with")
        return
    status, out, s = _boot(ctx, st, ZVOL_LIFE)
    ctx.check("zvol_lifecycle.boot", status == 0 and _no_panic(out), "status %d" % status, out)
    data, dev, link, back = _zvol_expected()
    _expect(ctx, "zvol_lifecycle.import_at_boot", s, "import", [
        dev, link % "/dev/zvol/tank/vol2", r"records in$", r"records out$", back], exact=True)
    _expect(ctx, "zvol_lifecycle.volsize", s, "volsize", [r"^%d$" % (2 * VOLSIZE)], exact=True)
    _expect(ctx, "zvol_lifecycle.readonly", s, "readonly", [
        r"^dd: can't open '/dev/zd0': Read-only file system$", r"^1$"], exact=True)
    _expect(ctx, "zvol_lifecycle.open_device_busy", s, "busy", [
        r"^cannot destroy 'tank/vol2': dataset is busy$",
        r"^cannot export 'tank': pool is busy$"], exact=True)
    _expect(ctx, "zvol_lifecycle.export_removes", s, "export", [
        r"^ls: /dev/zd0: No such file or directory$",
        r"^ls: /dev/zvol: No such file or directory$"], exact=True)
    _expect(ctx, "zvol_lifecycle.import_brings_back", s, "import_again", [
        dev, link % "/dev/zvol/tank/vol2", r"records in$", r"records out$", back], exact=True)
    _expect(ctx, "zvol_lifecycle.destroy_removes", s, "destroy", [
        r"^ls: /dev/zd0: No such file or directory$",
        r"^ls: /dev/zvol: No such file or directory$",
        r"^tank$", r"^tank/data$", r"^tank/data@one$", r"^tank/data@two$"], exact=True)
    _zdb(ctx, "zvol_lifecycle.zdb_tank", st, 2, "tank")


# ---------------------------------------------------------------- a volume's intent log

# Boot A writes /sbin/zpool to a new volume with dd conv=fsync while no
# txg may sync (zfs_txg_timeout 600 s, far less dirty data than a sync
# needs, and the device kept open by the shell: its last close would wait
# for a sync) and is killed once dd has returned: the bytes are only in
# the intent log fsync committed. Boot B imports the pool, which replays
# that log into the volume as its device is made, and reads them back.
# (Without conv=fsync boot B reads zeros there.)
CRASH_SEEK = 3
ZVOL_CRASH = [
    ("import", ["%s import tank" % ZPOOL]),
    ("write", ["%s create -V 16M tank/crash" % ZFS,
               "%s -c 'exec 3</dev/zd0; %s if=%s of=/dev/zvol/tank/crash bs=%d seek=%d "
               "conv=fsync; echo @@hold@@; %s sleep 600'" % (SH, DD, ZPOOL, ODD, CRASH_SEEK, BB)]),
]


def _crash_blocks():
    return (os.path.getsize(ZPOOL) + ODD - 1) // ODD


ZVOL_REPLAY = [
    ("import", ["%s import tank" % ZPOOL, "%s -l /dev/zd0" % LS,
                "%s if=/dev/zd0 of=/tmp/back bs=%d skip=%d count=%d" % (
                    DD, ODD, CRASH_SEEK, _crash_blocks()), "%s /tmp/back" % MD5]),
    ("destroy", ["%s destroy tank/crash" % ZFS, "%s list -H -o name -t volume" % ZFS]),
]


def test_6_zvol_replay(ctx):
    st = _setup(ctx)
    if not st:
        return
    if not st.get("lifecycle_ok"):
        ctx.check("zvol_replay.killed", False, "the lifecycle boot failed: no pool to work with")
        return
    zfs_data = _sibling("zfs_data")
    killed, out = zfs_data._boot_and_kill(
        ctx, st["image"], "--zfs.zfs_txg_timeout=600 " + _cmdline(ZVOL_CRASH),
        lambda lines: "@@hold@@" in (l.strip() for l in lines.decode("utf-8", "replace").split("\n")),
        0.5, BOOT_TIMEOUT,
        st["tmp"])
    written = re.search(r"^%d\+1 records out$" % (os.path.getsize(ZPOOL) // ODD), out, re.M)
    ctx.check("zvol_replay.killed_after_fsync", killed and written and _no_panic(out),
              "killed %r, dd's records line %s" % (killed, "seen" if written else "missing"), out)
    if not killed:
        return
    status, out, s = _boot(ctx, st, ZVOL_REPLAY)
    ctx.check("zvol_replay.boot", status == 0 and _no_panic(out), "status %d" % status, out)
    with open(ZPOOL, "rb") as f:
        data = f.read()
    padded = data + b"\0" * (_crash_blocks() * ODD - len(data))
    _expect(ctx, "zvol_replay.fsynced_bytes_back", s, "import", [
        r"^brw-rw----\s+1\s+0\s+0\s+230,\s+0 .* /dev/zd0$", r"records in$", r"records out$",
        r"^%s  /tmp/back$" % hashlib.md5(padded).hexdigest()], exact=True)
    _expect(ctx, "zvol_replay.destroy", s, "destroy", [], exact=True)
    _zdb(ctx, "zvol_replay.zdb_tank", st, 2, "tank")
