"""ZFS /data: OpenZFS's POSIX layer (ZPL) mounting datasets from /etc/fstab,
checked from the guest with ordinary programs (busybox and apps/zfs:
treesum, fsyncwriter, sqlitetest, crashload) and from the host with
Linux's zdb.

The contract these tests are written against:
- `PARTLABEL=data  /data  zfs  defaults,x-systemd.makefs  0 0` on a disk
  whose GPT has a partition named "data": the first boot creates pool
  "data" there (ashift 12, lz4) and mounts its root dataset at /data; later
  boots import and mount it.
- `POOL/DATASET  DIR  zfs  OPTIONS  0 0` imports POOL by scanning every
  block device and partition for ZFS labels and mounts that dataset.
- A failed mount without nofail ends the boot with status 32 and a message
  naming the fstab line; with nofail the boot goes on.
- When the programs end, the kernel syncs, unmounts and exports every pool,
  so the host's `zdb -e -p DIR -bcc data` on the partition cut out of the
  disk image finds every block checksum right and no leaks.

Scenarios (guest -m 256M; every boot has a timeout):
- tree (test_tree_survives_reboots): boot 1 creates the pool, copies a
  ROFS tree (busybox cp -a: 2100-entry directory, 20-deep directories, a
  long name, UTF-8 names, symlinks, odd sizes, 1 MiB random) to /data and
  makes files (dd from /bin/busybox and /dev/zero, a sparse file, a hard
  link, a symlink, chmod, chown, a shell redirection); treesum of /data
  must equal what the host predicts from its own copy of the tree (ZFS
  directory sizes: entries + 2). Boot 2: treesum equals boot 1's. Boot 3:
  rm -r, mv of a file and of a directory across directories, mv over an
  existing file, rm of a hard link, a rename in place; treesum equals the
  host's model of those operations. Then zdb -bcc: no errors, no leaks.
- linux_pool (test_linux_pool_tree): the pool Linux's OpenZFS made
  (../shared/data/zfs/linux-lz4.img.zst) as a second disk with fstab
  `linuxpool/data  /mnt/linux  zfs  ro  0 0`; `treesum --prefix
  linuxpool/data /mnt/linux` must equal the .tree and .sha256 files
  exactly (the first differing lines are reported); zdb still clean after.
- crash (test_crash): a setup boot creates the pool and /data/crash; then
  each loop boots `crashload run` (apps/zfs/crashload.c), three threads of
  one static program at once: (a) SQLite transactions (Debian's
  libsqlite3.a; synchronous=FULL, journal_mode=WAL): BEGIN, 1-16 rows of
  id, transaction number, row count, payload and its SHA-256, the meta row
  updated, COMMIT, then `ack sql T`; (b) 4 KiB records appended to one of
  log.0-2 (records.c's format; fsync, then `ack log K`); (c) file
  operations in /data/crash/files: tmp.G written and fsynced, cur linked to
  old.G-1, tmp.G renamed over cur, old.G-4 unlinked, the directory
  fsynced, then `ack file G`. QEMU is SIGKILLed (QEMU's -pidfile names the
  process) once a number of acks (3-240, every kind at least once) and a
  delay (0-0.5 s), both from the loop's seed, have passed; the acks are
  read from the serial output as it streams. The next boot mounts /data
  (the pool imports) and runs `crashload verify`: every acked log record
  is there and intact (a torn last record is fine) and the logs of earlier
  loops are exactly as their last check left them; SQLite's PRAGMA
  integrity_check says ok, every acked transaction is there whole, none is
  half there (ids and transactions consecutive, each with all its rows,
  payloads matching checksum and pattern, meta and index agreeing); the
  file-ops invariant holds (cur an intact generation at least the last
  acked, old.X intact copies of the 3 generations before it and maybe of
  cur-4 and cur, at most tmp.cur+1 else) and each kind of ack in a run
  goes on from what the last verify found. zdb -bcc runs every 10th loop
  (and after the last loop of a run of fewer than 10) and after a failed
  loop. Loops go on after a failure, on a new pool; the disks of the first
  3 failed loops are kept in build/crash-failed/. The test prints `N
  passed, N failed` over the loops and the failing seeds; loop 1's seed is
  the run's (OSPREY_CRASH_SEED, else the clock), the others come from it,
  so OSPREY_CRASH_SEED=S OSPREY_CRASH_LOOPS=1 replays the kill point and
  workload of the loop that printed seed S (on a new pool; guest timing
  under TCG is not exact). Three loops in make check; `make crash N=100`
  runs only this with OSPREY_CRASH_LOOPS=N. QEMU's writeback cache lives
  in the host's page cache, which survives a killed QEMU: this catches
  acks given before the guest wrote the data (the ZIL, fsync), not
  missing cache flushes.
- sqlite (test_sqlite): sqlitetest inserts 10,000 rows on /data (100 per
  transaction), reboot, `sqlitetest --check` says integrity ok, count
  10000, every row right; zdb clean.
- busybox (test_busybox_on_data): cp -a of a ROFS tree then find, tar x
  of a tar file on the image (modes, owners, a hard link, a symlink) then
  treesum, mv /tmp -> /data and /data -> /tmp, rm -r, du, df.
- bad input (test_corrupt_block_and_truncated_device): a file with a
  marker and random data (lz4 leaves it raw) is written; on the host its
  block is found in the partition and one byte flipped; zdb must see the
  checksum error, and the guest reading the file must fail with EIO
  (busybox cat exits non-zero and says so) while another file still reads
  and nothing panics. A copy of the partition cut to half its size, as the
  only disk with pool "data": the mount fails with a message, status 32,
  no panic.
- full pool (test_full_pool): a 64 MiB partition filled from /dev/urandom
  until ENOSPC; after rm and sync a new 8 MiB write succeeds; zdb clean.
- missing pool (test_missing_pool): `nosuchpool/x /mnt/x zfs defaults 0 0`
  ends the boot with status 32 and a message naming line 1 before any
  program runs; with nofail the program runs and the boot ends with 0.
- properties (test_makefs_properties): `x-zfs.compression=zstd,
  x-zfs.recordsize=32K` on the makefs line; zdb shows every plain file
  zstd-compressed and a 300 kB file in 32K blocks. The default pool of the
  tree scenario must show ashift 12 and lz4 the same way.
- unsupported feature (test_unsupported_feature): a pool made by a first
  boot gets `com.osprey:unsupported-test` added to features_for_read in
  its four labels on the host (zfs_label.py). The next boot with the
  makefs line ends with status 32 and a message naming pool 'data' and
  the feature, no program run; with nofail on that line and on a
  dataset-name line (`data/x`) the program runs, status 0, both lines
  named, nothing mounted. The partition's bytes are the same after the
  refused boots as before them.

Every scenario first checks /proc/mounts for its zfs mount and stops
there (one FAIL) without it. Until the ZPL is in the tree they all FAIL
at that point; missing_pool.status_32 fails because the kernel does not
end the boot on a failed mount yet.

Tests that need no ZPL, so that a fault in the tools is not taken for a
ZFS one: the programs in the guest on the ROFS root and ramfs /tmp,
and the kill of a streaming boot (test_apps_in_guest); on the host,
treesum against an independent Python implementation of the format and
against sha256sum, and against the Linux pool's own .tree/.sha256 lines
on a copy of the host's zoneinfo/Europe (the tree in Linux's pool);
fsyncwriter's torn-tail and corruption verdicts; sqlitetest's check;
crashload killed on the host and verified, then refusing copies broken
one way each (test_host_crashload); and
the host's predictions (Model) for the tree, rename and tar scenarios
against the same busybox steps run on the host (test_host_models);
zfs_label.py's codec on a pool an Osprey boot made and on Linux's pool:
every label's checksum right, decode and re-encode byte-exact, bad
checksums and bad nvlists refused; its rewrite with the unsupported
feature checked by the host's zdb (-l lists the feature in labels 0-3;
the import verifies the label checksums, then refuses "some features
are unsupported"; the same rewrite with a wrong checksum fails earlier,
at reading the label; with a feature zdb knows the import succeeds)
(test_host_zfs_label).
"""
import ctypes
import hashlib
import importlib.util
import io
import os
import random
import re
import select
import shlex
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time


def _sibling(name):
    """tests/boot/test_NAME.py as a module of its own (its helpers are reused
    here; the runner only runs the test_* functions of this module)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_%s.py" % name)
    spec = importlib.util.spec_from_file_location("zfs_data_uses_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


zfs_pool = _sibling("zfs_pool")


def _library(name):
    """tests/boot/NAME.py, a helper of the tests (not test_*: the runner
    does not run it), as a module."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    spec = importlib.util.spec_from_file_location("zfs_data_uses_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


zfs_label = _library("zfs_label")

GUEST_MEMORY = "256M"
BOOT_TIMEOUT = 900          # TCG on kvm-pvm hosts is slow; a hang still ends
SHORT_TIMEOUT = 300         # boots that do little
DATA_MIB = 256
FSTAB_DATA = "PARTLABEL=data  /data  zfs  defaults,x-systemd.makefs  0 0"
FSTAB_LINUX = "linuxpool/data  /mnt/linux  zfs  ro  0 0"
POOL = "data"
BB = "/bin/busybox"
MARKER = b"OSPREY:ZPL:EIO-MARK:"
CMDLINE_MAX, CMDLINE_MAX_ARGS = 4096, 256      # kernel/cmdline.h

TREE_RE = re.compile(r"^([^\t]+)\t([fdlcbps?]) ([0-7]{4}) (\d+):(\d+) (\d+) (-?\d+)(?: -> (.*))?$")
SHA_RE = re.compile(r"^([0-9a-f]{64})  \./(.+)$")


# ---------------------------------------------------------------- helpers

def _app(ctx, name):
    path = os.path.join(ctx.build, "apps", "zfs", name)
    return path if os.path.exists(path) else None


def _need(ctx, name, zdb=False, sqlite=False, linux_pool=False):
    """(libzfs.so, zdb) when the test can run; otherwise records `name` as
    skipped (a prerequisite from outside this tree is absent) or failed
    (something this tree builds is missing) and returns None."""
    lib = zfs_pool._zfs_lib(ctx)
    if not lib:
        ctx.skip(name, "no build/modules/libzfs.so (make zfs-src modules)")
        return None
    z = zfs_pool._zdb()
    if zdb and not z:
        ctx.skip(name, "no zdb (scripts/deps.sh installs zfsutils-linux)")
        return None
    if linux_pool and not os.path.exists(os.path.join(ctx.data, "zfs", "linux-lz4.img.zst")):
        ctx.skip(name, "no %s" % os.path.join(ctx.data, "zfs", "linux-lz4.img.zst"))
        return None
    unbuilt = [a for a in ("sqlitetest", "crashload") if sqlite and not _app(ctx, a)]
    if unbuilt:
        ctx.skip(name, "no build/apps/zfs/%s (it needs libsqlite3.a: Debian libsqlite3-dev)" % unbuilt[0])
        return None
    missing = [a for a in ("treesum", "fsyncwriter") if not _app(ctx, a)]
    if missing:
        ctx.check(name, False, "not built: %s (make apps)" % ", ".join(missing))
        return None
    return lib, z


def _image(ctx, tmp, lib, name, fstab=(FSTAB_DATA,), data=("size=%dM name=data" % DATA_MIB,),
           files=(), image="disk.img"):
    """A root disk with busybox, libzfs.so and the apps/zfs programs (plus
    `files` manifest lines), /etc/fstab lines and [data] partitions; None
    after recording test `name` as failed."""
    lines = ["%s: /bin/busybox" % BB] + (["/usr/lib/fs/libzfs.so: %s" % lib] if lib else [])
    for app in ("treesum", "fsyncwriter", "sqlitetest"):
        if _app(ctx, app):
            lines.append("/bin/%s: %s" % (app, _app(ctx, app)))
    lines += list(files)
    if fstab:
        lines += ["[fstab]"] + list(fstab)
    if data:
        lines += ["[data]"] + list(data)
    manifest = os.path.join(tmp, image + ".manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    path = os.path.join(tmp, image)
    p = subprocess.run([os.path.join(ctx.build, "tools", "mkimage"), "-q", manifest, path],
                       capture_output=True, text=True)
    if p.returncode != 0:
        ctx.check(name, False, "mkimage: " + (p.stdout + p.stderr).strip())
        return None
    return path


def _cmdline(steps):
    """Programs run one after another (' ; '). The kernel keeps 4096 bytes
    and 256 words of command line: a test that needs more is a test bug."""
    line = " ; ".join(steps)
    words = len(line.split())
    if len(line) >= CMDLINE_MAX or words > CMDLINE_MAX_ARGS:
        raise ValueError("command line too long (%d bytes, %d words)" % (len(line), words))
    return line


def _mark(name):
    return "%s echo @@%s@@" % (BB, name)


def _boot(ctx, steps, images, timeout=BOOT_TIMEOUT):
    return ctx.run(_cmdline(steps), memory=GUEST_MEMORY, images=images, timeout=timeout)


def _section(out, name):
    """Serial lines after the `@@name@@` echo up to the next `@@...@@` one,
    without the kernel's and the launcher's own lines; None when the marker
    is not there (the program never ran)."""
    lines = out.splitlines()
    try:
        i = lines.index("@@%s@@" % name)
    except ValueError:
        return None
    body = []
    for l in lines[i + 1:]:
        if re.match(r"^@@[\w.-]+@@$", l):
            break
        if not l.startswith(("osprey: ", "run: ")):
            body.append(l)
    return body


def _treesum_parts(lines):
    """(tree lines, sha256 lines, other lines) of treesum's output."""
    tree, sums, other = [], [], []
    for l in lines or []:
        (tree if TREE_RE.match(l) else sums if SHA_RE.match(l) else other).append(l)
    return tree, sums, other


def _first_diff(want, got, what):
    """'' when the lists are equal, else where they first differ."""
    if want == got:
        return ""
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            return "%s: line %d differs: expected %r, got %r (%d lines expected, %d got)" % (
                what, i + 1, w, g, len(want), len(got))
    i = min(len(want), len(got))
    extra = ("missing from the guest: %r" % want[i]) if len(want) > i else ("extra in the guest: %r" % got[i])
    return "%s: %d lines expected, %d got; first %s" % (what, len(want), len(got), extra)


MOUNTS = [_mark("mounts"), BB + " cat /proc/mounts"]


def _mounted(ctx, name, out, status, where="/data", ro=False):
    """Records test `name`: /proc/mounts (printed after MOUNTS) shows a zfs
    mount at `where` (read-only if `ro`). Later checks of a scenario are
    not worth making without it."""
    ok = _mount_listed(out, where, ro)
    ctx.check(name, ok and _no_panic(out), "no%s zfs mount at %s in /proc/mounts (status %d)%s" % (
        " read-only" if ro else "", where, status, "" if _no_panic(out) else "; the guest panicked"), out)
    return ok


def _mount_listed(out, where="/data", ro=False):
    """Whether /proc/mounts (printed after MOUNTS) shows a zfs mount at
    `where` (read-only if `ro`)."""
    pat = r"^\S+ %s zfs %s" % (re.escape(where), r"ro\b" if ro else "")
    return any(re.match(pat, l) for l in _section(out, "mounts") or [])


def _no_panic(out):
    return "PANIC" not in out


def _cut(image, index, dest, length=None):
    """Copies GPT partition `index` of `image` (its first `length` bytes)
    to `dest`; returns the partition's byte offset in the image."""
    start, size = zfs_pool.gpt_partition(image, index)
    with open(image, "rb") as src, open(dest, "wb") as dst:
        src.seek(start)
        left = size if length is None else min(length, size)
        while left:
            chunk = src.read(min(left, 8 << 20))
            if not chunk:
                break
            dst.write(chunk)
            left -= len(chunk)
    return start


def _zdb_bcc(zdb, image, tmp, index=2, pool=POOL):
    """zdb -bcc on the pool in GPT partition `index` of `image`: (clean,
    what is wrong when not, zdb's output)."""
    vdevs = os.path.join(tmp, "vdevs-bcc")
    shutil.rmtree(vdevs, ignore_errors=True)
    os.mkdir(vdevs)
    _cut(image, index, os.path.join(vdevs, "part%d" % index))
    ok, rc, out = zfs_pool.zdb_check(zdb, vdevs, pool)
    shutil.rmtree(vdevs, ignore_errors=True)
    return ok, "zdb -e -p DIR -bcc %s: exit %s, no '%s' line" % (pool, rc, zfs_pool.NO_LEAKS), out


def _zdb_partition(ctx, name, zdb, image, tmp, index=2, pool=POOL):
    """zdb -bcc on the pool in GPT partition `index` of `image`, recorded as
    test `name`; returns whether it was clean."""
    ok, why, out = _zdb_bcc(zdb, image, tmp, index, pool)
    ctx.check(name, ok, why, out)
    return ok


def _zdb_layout(zdb, image, tmp, index=2, pool=POOL):
    """(ashift values from the pool config, [(dblk, compression)] of every
    plain file in the pool's root dataset), from zdb -C and zdb -dddddd (the level
    that names each object's compression)."""
    vdevs = os.path.join(tmp, "vdevs-layout")
    shutil.rmtree(vdevs, ignore_errors=True)
    os.mkdir(vdevs)
    _cut(image, index, os.path.join(vdevs, "part%d" % index))
    conf = subprocess.run([zdb, "-e", "-p", vdevs, "-C", pool], capture_output=True, text=True).stdout
    objs = subprocess.run([zdb, "-e", "-p", vdevs, "-dddddd", pool], capture_output=True, text=True).stdout
    shutil.rmtree(vdevs, ignore_errors=True)
    ashift = re.findall(r"^\s+ashift: (\d+)$", conf, re.M)
    # "  3  1  128K  3K  4K  512  3K  100.00  ZFS plain file (K=inherit) (Z=inherit=lz4)"
    files = [(m.group(1), m.group(2)) for m in re.finditer(
        r"^\s+\d+\s+\d+\s+\S+\s+(\S+)\s+.*ZFS plain file .*\(Z=(?:inherit=)?([\w-]+)\)", objs, re.M)]
    # zdb names compression=zstd (the default level, kept as level 0)
    # "zstd-unknown", for Linux's pools too: the algorithm is what counts.
    files = [(blk, comp.split("-")[0]) for blk, comp in files]
    return ashift, files


# ---------------------------------------------------- the tree model

class Entry:
    __slots__ = ("kind", "mode", "uid", "gid", "size", "target", "sha", "ino")

    def __init__(self, kind, mode, uid=0, gid=0, size=0, target=None, sha=None, ino=None):
        self.kind, self.mode, self.uid, self.gid = kind, mode, uid, gid
        self.size, self.target, self.sha, self.ino = size, target, sha, ino


def _sort_key(path):
    """treesum's order: depth first, each directory's names bytewise."""
    return [c.encode("utf-8", "surrogateescape") for c in path.split("/")]


def _sha_file(path, limit=None):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = limit
        while True:
            chunk = f.read(1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
                if not left:
                    break
    return h.hexdigest()


class Model:
    """A directory tree as ZFS would list it: what treesum must print.
    Directory sizes and link counts are computed at rendering time (ZFS: a
    directory's size is its entries + 2, its link count 2 + its
    subdirectories), file link counts from shared inode ids."""

    def __init__(self):
        self.e = {}
        self._ino = 0

    def new_ino(self):
        self._ino += 1
        return self._ino

    def add(self, path, entry):
        if entry.kind == "f" and entry.ino is None:
            entry.ino = self.new_ino()
        self.e[path] = entry

    def add_host_tree(self, host_root, path, uid=0, gid=0):
        """Adds a host directory (as mkimage + cp -a carry it: owners uid:gid,
        host modes) at `path`."""
        st = os.lstat(host_root)
        self.add(path, Entry("d", st.st_mode & 0o7777, uid, gid))
        for name in os.listdir(host_root):
            hp, gp = os.path.join(host_root, name), path + "/" + name
            st = os.lstat(hp)
            if stat.S_ISDIR(st.st_mode):
                self.add_host_tree(hp, gp, uid, gid)
            elif stat.S_ISLNK(st.st_mode):
                t = os.readlink(hp)
                self.add(gp, Entry("l", 0o777, uid, gid, len(t.encode("utf-8", "surrogateescape")), t))
            else:
                self.add(gp, Entry("f", st.st_mode & 0o7777, uid, gid, st.st_size, sha=_sha_file(hp)))

    def _below(self, path):
        return [p for p in self.e if p == path or p.startswith(path + "/")]

    def rm(self, path):
        """rm -r PATH."""
        if path not in self.e:
            raise KeyError(path)
        for p in self._below(path):
            del self.e[p]

    def mv(self, src, dst):
        """mv SRC DST, as rename(2) does it: into DST when DST is a
        directory, else over DST."""
        if src not in self.e:
            raise KeyError(src)
        if dst in self.e and self.e[dst].kind == "d":
            dst = dst + "/" + src.rsplit("/", 1)[1]
        if dst in self.e:
            self.rm(dst)
        for p in sorted(self._below(src), key=len):
            self.e[dst + p[len(src):]] = self.e.pop(p)

    def render(self):
        """(tree lines, sha256 lines) in treesum's format and order."""
        children, subdirs, links = {}, {}, {}
        for p, en in self.e.items():
            parent = p.rsplit("/", 1)[0] if "/" in p else None
            if parent is not None:
                children[parent] = children.get(parent, 0) + 1
                if en.kind == "d":
                    subdirs[parent] = subdirs.get(parent, 0) + 1
            if en.kind == "f":
                links[en.ino] = links.get(en.ino, 0) + 1
        tree, sums = [], []
        for p in sorted(self.e, key=_sort_key):
            en = self.e[p]
            if en.kind == "d":
                nlink, size = 2 + subdirs.get(p, 0), 2 + children.get(p, 0)
            elif en.kind == "f":
                nlink, size = links[en.ino], en.size
            else:
                nlink, size = 1, en.size
            line = "%s\t%s %04o %d:%d %d %d" % (p, en.kind, en.mode, en.uid, en.gid, nlink, size)
            if en.kind == "l":
                line += " -> " + en.target
            tree.append(line)
            if en.kind == "f":
                sums.append("%s  ./%s" % (en.sha, p))
        return tree, sums


def _reference_listing(root, prefix):
    """treesum's output for a host directory, computed in Python from
    lstat(2) (real directory sizes and owners) and hashlib: an independent
    implementation to hold the C one against."""
    tree, sums = [], []

    def visit(hp, path):
        st = os.lstat(hp)
        kind = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFCHR: "c",
                stat.S_IFBLK: "b", stat.S_IFIFO: "p", stat.S_IFSOCK: "s"}.get(stat.S_IFMT(st.st_mode), "?")
        line = "%s\t%s %04o %d:%d %d %d" % (path, kind, st.st_mode & 0o7777, st.st_uid, st.st_gid,
                                            st.st_nlink, st.st_size)
        if kind == "l":
            line += " -> " + os.readlink(hp)
        tree.append(line)
        if kind == "f":
            sums.append("%s  ./%s" % (_sha_file(hp), path))
        elif kind == "d":
            names = sorted(os.listdir(hp), key=lambda n: n.encode("utf-8", "surrogateescape"))
            for n in names:
                visit(os.path.join(hp, n), n if path == "." else path + "/" + n)

    visit(root, prefix or ".")
    return tree, sums


def _make_src_tree(root, rnd):
    """The tree the tests put on the ROFS root and copy to /data."""
    def write(rel, data, mode=0o644):
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)

    os.makedirs(root)
    os.chmod(root, 0o755)
    for i in range(2100):                      # past a micro ZAP: a fat ZAP directory
        write("big/f%d.txt" % i, b"file %d\n" % i)
    deep = "/".join("d%d" % i for i in range(1, 21))
    write(deep + "/leaf.txt", b"leaf\n")
    for i, size in enumerate([0, 1, 511, 4095, 4096, 4097, 131071, 131072, 131073, 300000]):
        write("sizes/s%02d-%d" % (i, size), rnd.randbytes(size) if i % 2 else b"z" * size)
    write("sizes/random-1m.bin", rnd.randbytes(1 << 20), 0o600)
    write("docs/readme.txt", b"a file that moves to another directory\n")
    write("docs/notes.md", b"# notes\n" * 100)
    write("docs/run.sh", b"#!/bin/sh\necho run\n", 0o755)
    write("name with spaces.txt", b"spaces\n")
    write("n" * 60 + ".long", b"a name too long for a micro ZAP entry\n")
    write("名前-ünï.txt", "utf-8 name\n".encode())
    write("sub-rm/a/b/c.txt", b"removed by rm -r\n")
    write("sub-rm/x.bin", rnd.randbytes(70000))
    os.makedirs(os.path.join(root, "empty-dir"))
    os.chmod(os.path.join(root, "empty-dir"), 0o700)
    for d in ("big", "sizes", "docs", "sub-rm", "sub-rm/a", "sub-rm/a/b") + tuple(
            "/".join("d%d" % i for i in range(1, n + 1)) for n in range(1, 21)):
        os.chmod(os.path.join(root, d), 0o755)
    os.symlink("docs/readme.txt", os.path.join(root, "link-rel"))
    os.symlink("/nonexistent/target", os.path.join(root, "link-dangling"))
    os.symlink("../sizes/random-1m.bin", os.path.join(root, "docs", "link-up"))


# ------------------------------------------------------ host-only tests

def test_host_treesum(ctx):
    """treesum on the host: the same lines as the Python reference on a
    tree with every entry kind, sha256sum's hashes, the .tree format."""
    ts = _app(ctx, "treesum")
    if not ts:
        ctx.check("host.treesum", False, "build/apps/zfs/treesum not built (make apps)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "tree")
        _make_src_tree(root, random.Random(7))
        os.link(os.path.join(root, "docs", "notes.md"), os.path.join(root, "docs", "hard"))
        os.mkfifo(os.path.join(root, "fifo"))
        os.chmod(os.path.join(root, "docs", "run.sh"), 0o4755)
        for prefix in (None, "linuxpool/data"):
            args = [ts] + (["--prefix", prefix] if prefix else []) + [root]
            p = subprocess.run(args, capture_output=True, text=True, errors="surrogateescape")
            want_tree, want_sums = _reference_listing(root, prefix)
            tree, sums, other = _treesum_parts(p.stdout.splitlines())
            name = "host.treesum_listing" + ("_prefix" if prefix else "")
            why = _first_diff(want_tree, tree, "tree") or _first_diff(want_sums, sums, "sha256")
            ctx.check(name, p.returncode == 0 and not other and not why and p.stdout ==
                      "\n".join(want_tree + want_sums) + "\n",
                      "exit %d; %s; other lines %r; stderr %r" % (p.returncode, why, other[:3],
                                                                   p.stderr[-300:]))
        # --tree and --sha256 are the two halves
        halves = [subprocess.run([ts, opt, "--prefix", "x", root], capture_output=True, text=True).stdout
                  for opt in ("--tree", "--sha256")]
        full = subprocess.run([ts, "--prefix", "x", root], capture_output=True, text=True).stdout
        ctx.check("host.treesum_halves", halves[0] + halves[1] == full and halves[0] and halves[1],
                  "--tree + --sha256 is not the whole listing")

        # The SHA-256 itself, on lengths around every padding boundary and
        # a big file, against coreutils' sha256sum.
        files = []
        rnd = random.Random(3)
        for n in list(range(0, 140)) + [1000, 4095, 4096, 65536, 131073, 3 << 20]:
            path = os.path.join(tmp, "len%d" % n)
            with open(path, "wb") as f:
                f.write(rnd.randbytes(n))
            files.append(path)
        mine = subprocess.run([ts, "--sum"] + files, capture_output=True, text=True)
        ref = subprocess.run(["sha256sum"] + files, capture_output=True, text=True)
        ctx.check("host.treesum_sha256_vs_sha256sum", mine.returncode == 0 and mine.stdout == ref.stdout
                  and len(mine.stdout.splitlines()) == len(files),
                  _first_diff(ref.stdout.splitlines(), mine.stdout.splitlines(), "sha256sum"))

        # Unreadable entries: named on stderr, exit 1, the walk goes on.
        bad = os.path.join(tmp, "bad")
        os.makedirs(os.path.join(bad, "locked"))
        with open(os.path.join(bad, "z-after"), "w") as f:
            f.write("after\n")
        if os.geteuid() != 0:
            os.chmod(os.path.join(bad, "locked"), 0)
            p = subprocess.run([ts, bad], capture_output=True, text=True)
            os.chmod(os.path.join(bad, "locked"), 0o755)
            ctx.check("host.treesum_error_named", p.returncode == 1 and "locked" in p.stderr and
                      "./z-after" in p.stdout, "exit %d, stderr %r" % (p.returncode, p.stderr))
        p = subprocess.run([ts, os.path.join(tmp, "no-such-dir")], capture_output=True, text=True)
        ctx.check("host.treesum_missing_dir", p.returncode == 1 and "no-such-dir" in p.stderr,
                  "exit %d, stderr %r" % (p.returncode, p.stderr))


def test_host_treesum_linux_format(ctx):
    """The Linux pool's .tree and .sha256 read back in treesum's grammar and
    order; and treesum on a copy of the host's zoneinfo/Europe (the tree
    Linux copied into the pool) prints those very lines."""
    ts = _app(ctx, "treesum")
    tree_file = os.path.join(ctx.data, "zfs", "linux-lz4.img.tree")
    sha_file = os.path.join(ctx.data, "zfs", "linux-lz4.img.sha256")
    if not os.path.exists(tree_file) or not os.path.exists(sha_file):
        ctx.skip("host.linux_format", "no %s" % tree_file)
        return
    if not ts:
        ctx.check("host.linux_format", False, "build/apps/zfs/treesum not built (make apps)")
        return
    ref_tree = open(tree_file, encoding="utf-8", errors="surrogateescape").read().splitlines()
    ref_sums = open(sha_file, encoding="utf-8", errors="surrogateescape").read().splitlines()
    bad = [l for l in ref_tree if not TREE_RE.match(l)] + [l for l in ref_sums if not SHA_RE.match(l)]
    ctx.check("host.linux_format_grammar", not bad, "lines treesum's grammar does not cover: %r" % bad[:3])
    paths = [TREE_RE.match(l).group(1) for l in ref_tree if TREE_RE.match(l)]
    ctx.check("host.linux_format_order", paths == sorted(paths, key=_sort_key),
              "the .tree is not in treesum's order")
    files = [TREE_RE.match(l).group(1) for l in ref_tree if TREE_RE.match(l) and TREE_RE.match(l).group(2) == "f"]
    ctx.check("host.linux_format_sha_order", [SHA_RE.match(l).group(2) for l in ref_sums
                                              if SHA_RE.match(l)] == files,
              "the .sha256 does not list the .tree's files in its order")

    zone = "/usr/share/zoneinfo/Europe"
    want_tree = [l for l in ref_tree if l.startswith("linuxpool/data/zoneinfo-europe/")]
    want_sums = [l for l in ref_sums if l.startswith(("%s  ./linuxpool/data/zoneinfo-europe/" % l[:64]))]
    if not os.path.isdir(zone):
        ctx.skip("host.linux_format_zoneinfo", "no %s on this host" % zone)
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "zoneinfo-europe")
        subprocess.run(["cp", "-a", zone, copy], check=True)
        host_sums = subprocess.run(["sha256sum"] + sorted(
            n for n in os.listdir(copy) if not os.path.islink(os.path.join(copy, n))),
            cwd=copy, capture_output=True, text=True).stdout
        have = {l.split("  ", 1)[1]: l[:64] for l in host_sums.splitlines()}
        want = {l.rsplit("/", 1)[1]: l[:64] for l in want_sums}
        if have != want:
            ctx.skip("host.linux_format_zoneinfo", "this host's tzdata differs from the one in the pool")
            return
        p = subprocess.run([ts, "--prefix", "linuxpool/data/zoneinfo-europe", copy], capture_output=True,
                           text=True)
        tree, sums, other = _treesum_parts(p.stdout.splitlines())
        if os.geteuid() != 0:   # cp -a keeps our own owner then
            tree = [re.sub(r" \d+:\d+ ", " 0:0 ", l) for l in tree]
        why = _first_diff(want_tree, tree[1:], "tree") or _first_diff(want_sums, sums, "sha256")
        ctx.check("host.linux_format_zoneinfo", p.returncode == 0 and not why and not other,
                  "exit %d; %s" % (p.returncode, why))


def test_host_fsyncwriter(ctx):
    """fsyncwriter on the host: records, acks, torn tails, corruption."""
    fw = _app(ctx, "fsyncwriter")
    if not fw:
        ctx.check("host.fsyncwriter", False, "build/apps/zfs/fsyncwriter not built (make apps)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "rec")
        p = subprocess.run([fw, f, "40"], capture_output=True, text=True)
        acks = re.findall(r"^ack (\d+)$", p.stdout, re.M)
        ctx.check("host.fsyncwriter_acks", p.returncode == 0 and acks == [str(i) for i in range(1, 41)]
                  and os.path.getsize(f) == 40 * 4096, "exit %d, %d acks" % (p.returncode, len(acks)))

        def check(what):
            p = subprocess.run([fw, "--check", f], capture_output=True, text=True)
            return p.returncode, _check_lines(p.stdout).get(f)

        rc, r = check("clean")
        ctx.check("host.fsyncwriter_check_clean", rc == 0 and r == (40, "none", True), "%s %s" % (rc, r))
        with open(f, "ab") as fh:
            fh.write(b"\1" * 1000)
        rc, r = check("partial")
        ctx.check("host.fsyncwriter_partial_tail", rc == 0 and r == (40, "torn record 41 (1000 of 4096 bytes)",
                                                                     True), "%s %s" % (rc, r))
        os.truncate(f, 40 * 4096)
        _flip(f, 39 * 4096 + 100)
        rc, r = check("torn")
        ctx.check("host.fsyncwriter_torn_last", rc == 0 and r == (39, "torn record 40 (checksum mismatch)", True),
                  "%s %s" % (rc, r))
        _flip(f, 10 * 4096 + 3000)
        rc, r = check("bad")
        ctx.check("host.fsyncwriter_bad_middle", rc == 1 and r and r[0] == 10 and not r[2],
                  "%s %s" % (rc, r))
        p = subprocess.run([fw, "--check", os.path.join(tmp, "missing")], capture_output=True, text=True)
        ctx.check("host.fsyncwriter_missing_file", p.returncode == 1 and "check FAIL" in p.stdout,
                  p.stdout + p.stderr)


def _sqlite_app(ctx, name, test):
    """build/apps/zfs/NAME, or None after skipping `test`: the SQLite
    programs are built only where libsqlite3.a is."""
    path = _app(ctx, name)
    if not path:
        ctx.skip(test, "no build/apps/zfs/%s (it needs libsqlite3.a: libsqlite3-dev)" % name)
    return path


def test_host_sqlitetest(ctx):
    """sqlitetest on the host: insert, check, a wrong count refused."""
    sq = _sqlite_app(ctx, "sqlitetest", "host.sqlitetest")
    if not sq:
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "t.db")
        a = subprocess.run([sq, db, "2000"], capture_output=True, text=True)
        b = subprocess.run([sq, "--check", db, "2000"], capture_output=True, text=True)
        c = subprocess.run([sq, "--check", db, "1999"], capture_output=True, text=True)
        ctx.check("host.sqlitetest", a.returncode == 0 and "sqlitetest: count 2000" in a.stdout and
                  b.returncode == 0 and "sqlitetest: integrity_check: ok" in b.stdout and
                  "sqlitetest: rows match" in b.stdout and c.returncode == 1 and
                  "expected 1999" in c.stdout, a.stdout + b.stdout + c.stdout)


def _host_crashload_run(cl, d, log, seed, acks):
    """crashload run on the host, killed (SIGKILL) after `acks` ack lines
    of every kind; returns (killed, output)."""
    p = subprocess.Popen([cl, "run", d, log, str(seed)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    hung = threading.Timer(60, p.kill)      # a run that stops printing still ends
    hung.start()
    seen, out = dict.fromkeys(CRASH_KINDS, 0), b""
    for line in p.stdout:
        out += line
        m = re.match(rb"^ack (log|sql|file) \d+$", line)
        if m:
            seen[m.group(1).decode()] += 1
        if min(seen.values()) >= acks:
            p.kill()
            break
    p.wait()
    hung.cancel()
    return p.returncode == -signal.SIGKILL, out.decode()


def _host_crashload_verify(cl, d):
    p = subprocess.run([cl, "verify", d], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def _crashload_breakages(d, found_gen):
    """(name, how to break a copy of d, words crashload verify must print)."""
    def sql(*statements):
        def do(copy):
            db = sqlite3.connect(os.path.join(copy, "db.sqlite"))
            for st in statements:
                db.execute(st(db) if callable(st) else st)
            db.commit()
            db.close()
        return do

    def half(db):
        """The last transaction of several rows loses its last row, those
        after it go, and the meta row is made to agree: only the half
        transaction is wrong."""
        t = db.execute("SELECT max(txn) FROM rows WHERE n > 1").fetchone()[0]
        last = db.execute("SELECT max(id) FROM rows WHERE txn = ?", (t,)).fetchone()[0]
        db.execute("DELETE FROM rows WHERE txn > ? OR id = ?", (t, last))
        return "UPDATE meta SET txns = %d, rows = %d" % (t, last - 1)

    def unlink(name):
        return lambda copy: os.unlink(os.path.join(copy, name))

    def touch(name):
        return lambda copy: open(os.path.join(copy, name), "w").close()

    pattern_sum = hashlib.sha256(bytes(16)).hexdigest()
    return [
        ("half_transaction", sql(half), "sql FAIL: half a transaction"),
        ("row_gone", sql("DELETE FROM rows WHERE id = 2"), "sql FAIL: row ids jump from 1 to 3"),
        ("payload_changed", sql("UPDATE rows SET payload = zeroblob(16) WHERE id = 2"),
         "does not match its checksum"),
        ("payload_and_sum_changed", sql("UPDATE rows SET payload = zeroblob(16), sum = '%s' WHERE id = 2" %
                                        pattern_sum), "is not its pattern"),
        ("meta_ahead", sql("UPDATE meta SET txns = txns + 1"), "sql FAIL: meta says"),
        ("index_wrong", sql("PRAGMA writable_schema = ON",
                            "UPDATE sqlite_master SET sql = 'CREATE INDEX rows_txn ON rows(n)' "
                            "WHERE name = 'rows_txn'"), "sql FAIL: integrity_check did not say ok"),
        ("old_gone", unlink("files/old.%d" % (found_gen - 1)), "files FAIL: old.%d is missing" % (found_gen - 1)),
        ("stray_tmp", touch("files/tmp.1"), "only tmp.%d may be there" % (found_gen + 1)),
        ("stray_name", touch("files/other"), "a name the workload never makes"),
        ("cur_flipped", lambda copy: _flip(os.path.join(copy, "files", "cur"), 100), "cur: checksum mismatch"),
        ("log_flipped", lambda copy: _flip(os.path.join(copy, "log.0"), 4096 + 100),
         "crashload: check FAIL: record 2: checksum mismatch"),
    ]


def test_host_crashload(ctx):
    """crashload on the host: two runs killed with SIGKILL, each verified
    clean and the second going on from what the first left; then copies
    broken one way each (a row gone, a payload or its checksum changed, the
    meta row ahead, an index that does not match, an old generation gone,
    stray files, a flipped byte in cur and in a log) are each refused with
    their reason."""
    cl = _sqlite_app(ctx, "crashload", "host.crashload")
    if not cl:
        return
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "crash")
        os.mkdir(d)
        rc, empty = _host_crashload_verify(cl, d)
        ctx.check("host.crashload_empty", rc == 0 and "crashload: verify ok" in empty, empty)
        runs = []
        for i, (log, seed) in enumerate((("log.0", 1), ("log.1", 2))):
            killed, out = _host_crashload_run(cl, d, log, seed, 8 + 4 * i)
            rc, vout = _host_crashload_verify(cl, d)
            runs.append((_crash_acks(out), _crash_verify_found(vout)))
            ctx.check("host.crashload_run%d" % (i + 1), killed and rc == 0 and "crashload: verify ok" in vout,
                      "killed %s, verify exit %d" % (killed, rc), out[-2000:] + vout)
        (a1, f1), (a2, f2) = runs
        ctx.check("host.crashload_goes_on", a2["sql"][:1] == [f1[0] + 1] and a2["file"][:1] == [f1[1] + 1] and
                  f2[0] >= max(a2["sql"]) and f2[1] >= max(a2["file"]),
                  "after the first run verify found %s; the second acked sql %s.., file %s..; then found %s" % (
                      f1, a2["sql"][:1], a2["file"][:1], f2))
        for name, breakage, words in _crashload_breakages(d, f2[1]):
            copy = os.path.join(tmp, name)
            shutil.copytree(d, copy)
            breakage(copy)
            rc, out = _host_crashload_verify(cl, copy)
            ctx.check("host.crashload_refuses_" + name, rc == 1 and words in out and
                      "crashload: verify FAIL" in out, "exit %d, no %r" % (rc, words), out)
            shutil.rmtree(copy)


def _flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xff]))


def _check_lines(out):
    """{file: (highest, tail, ok)} from the check lines of fsyncwriter
    --check or crashload verify; ok is whether the next verdict line says
    ok."""
    res, last = {}, None
    for l in out.splitlines():
        m = re.match(r"^(?:fsyncwriter|crashload): check (\S+): highest (\d+), records 1\.\.\d+ "
                     r"intact, (?:tail: (.*)|then (.*))$", l)
        if m:
            last = m.group(1)
            res[last] = (int(m.group(2)), m.group(3) or m.group(4), None)
        elif last and re.match(r"^(fsyncwriter|crashload): check (ok$|FAIL)", l):
            h, t, _ = res[last]
            res[last] = (h, t, l.endswith(": check ok"))
            last = None
    return res


# ------------------------------------------------------------ boot tests

MADE_STEPS = [
    "mkdir -p /data/made/a/b/c",
    "dd if=/bin/busybox of=/data/made/bb.bin bs=4096 count=100",
    "dd if=/dev/zero of=/data/made/zeros bs=1M count=3",
    "dd if=/bin/busybox of=/data/made/sparse bs=4096 seek=1024 count=1",
    "ln /data/made/bb.bin /data/made/a/bb-hard",
    "ln -s ../bb.bin /data/made/a/bb-sym",
    "touch /data/made/empty",
    "chmod 0600 /data/made/zeros",
    "chmod 0750 /data/made/a",
    "chown 1000:100 /data/made/a/b",
    "sh -c 'echo hello zfs > /data/made/a/b/c/hello.txt'",
]

FIRST_STEPS = ["cp -a /src/tree /data/tree"] + MADE_STEPS

RENAME_STEPS = [
    ("rm -r /data/tree/sub-rm", ("rm", "data/tree/sub-rm")),
    ("mv /data/tree/docs/readme.txt /data/made/a/b", ("mv", "data/tree/docs/readme.txt", "data/made/a/b")),
    ("mv /data/made/a/b/c /data/tree/moved-c", ("mv", "data/made/a/b/c", "data/tree/moved-c")),
    ("mv /data/made/bb.bin /data/made/zeros", ("mv", "data/made/bb.bin", "data/made/zeros")),
    ("rm /data/made/a/bb-hard", ("rm", "data/made/a/bb-hard")),
    ("mv /data/tree/big /data/tree/big-renamed", ("mv", "data/tree/big", "data/tree/big-renamed")),
    ("rm /data/tree/big-renamed/f1000.txt", ("rm", "data/tree/big-renamed/f1000.txt")),
    ("mkdir /data/made/new-dir", ("mkdir", "data/made/new-dir")),
]


def _first_boot_model(src, busybox="/bin/busybox"):
    m = Model()
    m.add("data", Entry("d", 0o755))
    m.add_host_tree(src, "data/tree")
    m.add("data/made", Entry("d", 0o755))
    m.add("data/made/a", Entry("d", 0o750))
    m.add("data/made/a/b", Entry("d", 0o755, 1000, 100))
    m.add("data/made/a/b/c", Entry("d", 0o755))
    hello = b"hello zfs\n"
    m.add("data/made/a/b/c/hello.txt", Entry("f", 0o644, size=len(hello), sha=hashlib.sha256(hello).hexdigest()))
    bb = Entry("f", 0o644, size=409600, sha=_sha_file(busybox, 409600))
    m.add("data/made/bb.bin", bb)
    m.add("data/made/a/bb-hard", Entry("f", 0o644, size=bb.size, sha=bb.sha, ino=bb.ino))
    m.add("data/made/a/bb-sym", Entry("l", 0o777, size=9, target="../bb.bin"))
    m.add("data/made/empty", Entry("f", 0o644, size=0, sha=hashlib.sha256(b"").hexdigest()))
    with open(busybox, "rb") as f:
        page = f.read(4096)
    m.add("data/made/sparse", Entry("f", 0o644, size=(4 << 20) + 4096,
                                    sha=hashlib.sha256(b"\0" * (4 << 20) + page).hexdigest()))
    m.add("data/made/zeros", Entry("f", 0o600, size=3 << 20, sha=hashlib.sha256(b"\0" * (3 << 20)).hexdigest()))
    return m


def _apply(model, ops):
    for op in ops:
        if op[0] == "mkdir":
            model.add(op[1], Entry("d", 0o755))
        else:
            getattr(model, op[0])(*op[1:])


def _on_host(root, steps):
    """Runs guest busybox steps on the host with /data, /src and /tmp moved
    under root; returns the failures."""
    bad = []
    for step in steps:
        step = re.sub(r"(?<![\w.])/(data|src|tmp)(?=/|\s|$)", lambda m: root + "/" + m.group(1), step)
        p = subprocess.run([BB] + shlex.split(step), capture_output=True, text=True)
        if p.returncode:
            bad.append("%s: %s" % (step, p.stderr.strip()))
    return bad


def _no_dir_sizes(lines):
    return [re.sub(r"^([^\t]+\td \d+ \d+:\d+ \d+) \d+$", r"\1 *", l) for l in lines]


def test_host_models(ctx):
    """The host's predictions for the tree and busybox scenarios, held
    against the same busybox steps run on the host in a tmp dir (directory
    sizes aside: only ZFS counts entries there)."""
    ts = _app(ctx, "treesum")
    if not ts or not os.path.exists(BB):
        ctx.skip("host.models", "no treesum or no %s on the host" % BB)
        return
    if os.geteuid() != 0:
        ctx.skip("host.models", "the steps chown and keep owners: they need root")
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "src"))
        os.makedirs(os.path.join(tmp, "tmp"))
        os.makedirs(os.path.join(tmp, "data"), mode=0o755)
        os.chmod(os.path.join(tmp, "data"), 0o755)
        rnd = random.Random(11)
        src = os.path.join(tmp, "src", "tree")
        _make_src_tree(src, rnd)
        tar_model = _make_tar(os.path.join(tmp, "src", "files.tar"), rnd)
        model = _first_boot_model(src)

        def compare(name, model, bad, top="data"):
            p = subprocess.run([ts, "--prefix", top, os.path.join(tmp, *top.split("/"))], capture_output=True,
                               text=True)
            tree, sums, _ = _treesum_parts(p.stdout.splitlines())
            want_tree, want_sums = model.render()
            why = _first_diff(_no_dir_sizes(want_tree), _no_dir_sizes(tree), "tree") or \
                _first_diff(want_sums, sums, "sha256")
            ctx.check(name, not bad and not why, "; ".join(bad) or why)

        compare("host.model_first_boot", model, _on_host(tmp, FIRST_STEPS))
        _apply(model, [op for _, op in RENAME_STEPS])
        compare("host.model_renames", model, _on_host(tmp, [s for s, _ in RENAME_STEPS]))
        os.makedirs(os.path.join(tmp, "data", "bb", "untar"))
        os.chmod(os.path.join(tmp, "data", "bb", "untar"), 0o755)
        bad = _on_host(tmp, [TAR_STEP])
        m = Model()
        for p, e in tar_model.e.items():
            m.add("data/bb/" + p, e)
        compare("host.model_tar", m, bad, "data/bb/untar")


def _treesum_check(ctx, name, out, section, want_tree, want_sums, status, extra_ok=True):
    tree, sums, other = _treesum_parts(_section(out, section))
    why = "program did not run (no @@%s@@ marker; status %d)" % (section, status) \
        if _section(out, section) is None else \
        _first_diff(want_tree, tree, "tree") or _first_diff(want_sums, sums, "sha256")
    ok = not why and status == 0 and extra_ok
    ctx.check(name, ok, why or "status %d; other lines: %r" % (status, other[:5]), out)
    return ok, tree, sums


def test_apps_in_guest(ctx):
    """The apps/zfs programs in the guest on filesystems that exist without
    the ZPL (the ROFS root, ramfs /tmp), so a syscall they lack is not
    taken for a ZFS bug; and the crash test's kill of a streaming boot."""
    missing = [a for a in ("treesum", "fsyncwriter") if not _app(ctx, a)]
    if missing:
        ctx.check("apps_in_guest.treesum_rofs", False, "not built: %s (make apps)" % ", ".join(missing))
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "tree")
        _make_src_tree(src, random.Random(11))
        image = _image(ctx, tmp, None, "apps_in_guest.image", fstab=(), data=(),
                       files=["/src/tree/**: %s/**" % src])
        if not image:
            return
        steps = [_mark("tree"), "/bin/treesum --prefix src/tree /src/tree",
                 _mark("fsync"), "/bin/fsyncwriter /tmp/rec 50", "/bin/fsyncwriter --check /tmp/rec"]
        if _app(ctx, "sqlitetest"):
            steps += [_mark("sqlite"), "/bin/sqlitetest /tmp/t.db 1000", "/bin/sqlitetest --check /tmp/t.db 1000"]
        steps += [_mark("end")]
        status, out = _boot(ctx, steps, [image], timeout=SHORT_TIMEOUT)
        m = Model()
        m.add_host_tree(src, "src/tree")
        want_tree, want_sums = m.render()
        tree, sums, other = _treesum_parts(_section(out, "tree"))
        ctx.check("apps_in_guest.treesum_rofs", _section(out, "tree") is not None and not other and
                  not (_first_diff(_no_dir_sizes(want_tree), _no_dir_sizes(tree), "tree") or
                       _first_diff(want_sums, sums, "sha256")),
                  _first_diff(_no_dir_sizes(want_tree), _no_dir_sizes(tree), "tree") or
                  _first_diff(want_sums, sums, "sha256") or "other lines %r" % other[:3], out)
        fs = "\n".join(_section(out, "fsync") or [])
        ctx.check("apps_in_guest.fsyncwriter_tmp", re.findall(r"^ack (\d+)$", fs, re.M) ==
                  [str(i) for i in range(1, 51)] and _check_lines(fs).get("/tmp/rec") == (50, "none", True),
                  "fsyncwriter on /tmp: %r" % _check_lines(fs), out)
        if _app(ctx, "sqlitetest"):
            sq = "\n".join(_section(out, "sqlite") or [])
            ctx.check("apps_in_guest.sqlitetest_tmp", sq.count("sqlitetest: ok") == 2 and
                      "sqlitetest: integrity_check: ok" in sq and status == 0, "status %d" % status, out)
        ctx.check("apps_in_guest.no_panic", _no_panic(out), "the guest panicked", out)

        killed, out = _boot_and_kill(ctx, image, "/bin/fsyncwriter /tmp/rec 100000", _after_acks(20), 0.1,
                                     SHORT_TIMEOUT, tmp)
        acked = [int(a) for a in re.findall(r"^ack (\d+)$", out, re.M)]
        ctx.check("apps_in_guest.kill_streaming_boot", killed and len(acked) >= 20 and
                  acked == list(range(1, len(acked) + 1)) and "osprey: exit status" not in out,
                  "killed %s after %d acks" % (killed, len(acked)), out)


def test_tree_survives_reboots(ctx):
    r = _need(ctx, "tree.first_boot_mounts_data", zdb=True)
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "tree")
        _make_src_tree(src, random.Random(11))
        image = _image(ctx, tmp, lib, "tree.image", files=["/src/tree/**: %s/**" % src])
        if not image:
            return
        model = _first_boot_model(src)
        want_tree, want_sums = model.render()

        steps = MOUNTS + [BB + " " + s for s in FIRST_STEPS] + \
            [_mark("tree"), "/bin/treesum --prefix data /data", _mark("end")]
        status, out = _boot(ctx, steps, [image])
        if not _mounted(ctx, "tree.first_boot_mounts_data", out, status):
            return
        ok1, tree1, sums1 = _treesum_check(ctx, "tree.first_boot_listing", out, "tree", want_tree, want_sums,
                                           status)
        if not ok1:
            return

        status, out = _boot(ctx, [_mark("tree"), "/bin/treesum --prefix data /data", _mark("end")], [image])
        ok2, _, _ = _treesum_check(ctx, "tree.second_boot_same", out, "tree", tree1, sums1, status,
                                   _no_panic(out))
        if not ok2:
            return

        _apply(model, [op for _, op in RENAME_STEPS])
        want_tree, want_sums = model.render()
        steps = [BB + " " + s for s, _ in RENAME_STEPS] + [_mark("tree"), "/bin/treesum --prefix data /data",
                                                         _mark("end")]
        status, out = _boot(ctx, steps, [image])
        ok3, _, _ = _treesum_check(ctx, "tree.third_boot_after_renames", out, "tree", want_tree, want_sums,
                                   status, _no_panic(out))
        ashift, files = _zdb_layout(zdb, image, tmp)
        ctx.check("tree.pool_ashift_12_lz4", ashift == ["12"] and files and all(c == "lz4" for _, c in files),
                  "zdb -C ashift %s; compression of the plain files: %s" % (
                      ashift, sorted(set(c for _, c in files))))
        _zdb_partition(ctx, "tree.zdb_bcc", zdb, image, tmp)


def test_linux_pool_tree(ctx):
    r = _need(ctx, "linux_pool.mounted_ro", linux_pool=True)
    if not r:
        return
    lib, zdb = r
    tree_file = os.path.join(ctx.data, "zfs", "linux-lz4.img.tree")
    sha_file = os.path.join(ctx.data, "zfs", "linux-lz4.img.sha256")
    with tempfile.TemporaryDirectory() as tmp:
        image = _image(ctx, tmp, lib, "linux_pool.image", fstab=(FSTAB_LINUX,), data=())
        if not image:
            return
        whole = os.path.join(tmp, "linux-lz4.img")
        subprocess.run(["zstd", "-q", "-d", os.path.join(ctx.data, "zfs", "linux-lz4.img.zst"), "-o", whole],
                       check=True)
        status, out = _boot(ctx, MOUNTS + [_mark("tree"), "/bin/treesum --prefix linuxpool/data /mnt/linux",
                                           _mark("end")], [image, whole])
        if not _mounted(ctx, "linux_pool.mounted_ro", out, status, "/mnt/linux", ro=True):
            return
        ref_tree = open(tree_file, encoding="utf-8", errors="replace").read().splitlines()
        ref_sums = open(sha_file, encoding="utf-8", errors="replace").read().splitlines()
        # The .tree starts with the pool's own root directory, above the dataset.
        want_tree = [l for l in ref_tree if l.startswith(("linuxpool/data\t", "linuxpool/data/"))]
        tree, sums, other = _treesum_parts(_section(out, "tree"))
        ctx.check("linux_pool.tree_matches", _section(out, "tree") is not None and tree == want_tree,
                  _first_diff(want_tree, tree, "linux-lz4.img.tree") or "treesum did not run", out)
        ctx.check("linux_pool.sha256_matches", sums == ref_sums and status == 0,
                  _first_diff(ref_sums, sums, "linux-lz4.img.sha256") or "status %d" % status, out)
        ctx.check("linux_pool.no_panic", _no_panic(out), "the guest panicked", out)
        if zdb and tree == want_tree:
            # Whatever Osprey wrote to Linux's pool (an import updates labels) is sound.
            _zdb_partition(ctx, "linux_pool.zdb_after", zdb, whole, tmp, index=1, pool="linuxpool")


def _after_acks(n):
    """A kill condition for _boot_and_kill: `n` lines `ack K` seen."""
    seen = [0]

    def ready(lines):
        seen[0] += len(re.findall(rb"^ack \d+\r?$", lines, re.M))
        return seen[0] >= n
    return ready


def _boot_and_kill(ctx, image, cmdline, ready, delay, timeout, tmp):
    """Boots with serial output read as it streams; once ready(lines), fed
    each run of new whole lines, has said yes and `delay` seconds more have
    passed, SIGKILLs the QEMU process (named by QEMU's own -pidfile).
    Returns (killed, output)."""
    pidfile = os.path.join(tmp, "qemu.pid")
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    cmd = [os.path.join(ctx.root, "tools", "run"), "--accel", ctx.accel, "-m", GUEST_MEMORY,
           "--kernel", ctx.kernel, "--timeout", str(timeout), "-e", cmdline, "--image", image,
           "--", "-pidfile", pidfile]
    proc = subprocess.Popen(cmd, cwd=ctx.root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    fd = proc.stdout.fileno()
    out, kill_at, killed = bytearray(), None, False
    deadline = time.monotonic() + timeout + 30

    def qemu_pid():
        try:
            pid = int(open(pidfile).read().strip())
            # only ever our own QEMU: its command line names our pidfile
            if pidfile.encode() in open("/proc/%d/cmdline" % pid, "rb").read():
                return pid
        except (OSError, ValueError):
            pass
        return None

    while True:
        now = time.monotonic()
        if kill_at is not None and now >= kill_at and not killed:
            pid = qemu_pid()
            if pid:
                os.kill(pid, signal.SIGKILL)
                killed = True
            kill_at = None
        if now >= deadline:
            pid = qemu_pid()
            if pid:
                os.kill(pid, signal.SIGKILL)
            proc.kill()
            break
        wait = min(0.05, deadline - now) if kill_at is not None else max(0.0, min(1.0, deadline - now))
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        start = out.rfind(b"\n") + 1
        out += chunk
        if kill_at is None and not killed and ready(bytes(out[start:out.rfind(b"\n") + 1])):
            kill_at = time.monotonic() + delay
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return killed, bytes(out).decode("utf-8", "replace").replace("\r\n", "\n")


CRASH_DIR = "/data/crash"
CRASH_KINDS = ("log", "sql", "file")
CRASH_LOGS = 3              # log.0..log.2: a loop rewrites one, the others must stay as they were
CRASH_ZDB_EVERY = 10
CRASH_KEEP_FAILED = 3       # disks of failed loops kept in BUILD/crash-failed
CRASH_CHECKS = (            # (name, what a failure of it means)
    ("killed_mid_write", "the run was killed with every kind of work acked in order"),
    ("pool_imports", "the reboot mounted /data"),
    ("log_acked_intact", "every acked log record there and intact"),
    ("other_logs_unchanged", "the logs of earlier loops as their last check left them"),
    ("sqlite_acked_committed", "integrity_check ok, every acked transaction whole, none half there"),
    ("fileops_invariant", "the file-ops invariant and every acked generation"),
    ("verify_clean", "the verify boot ended with status 0"),
    ("zdb_bcc", "zdb -bcc found no errors and no leaks"),
)


def _crash_seeds(seed, loops):
    """Each loop's seed: the first is the run's own, so OSPREY_CRASH_SEED=S
    with one loop replays the loop that printed seed S."""
    rnd = random.Random(seed)
    return [seed] + [rnd.getrandbits(32) for _ in range(loops - 1)]


class CrashState:
    """What the host knows of the pool between loops: each log's (highest,
    tail) at its last check, the transactions and the file generation the
    last verify found."""

    def __init__(self):
        self.logs, self.txns, self.gen = {}, 0, 0


class CrashPlan:
    """One loop's choices, all from its seed: the log it rewrites, when the
    kill comes (after `acks` acks, every kind at least once, then `delay`
    seconds), and the guest's own seed (transaction and file sizes)."""

    def __init__(self, seed):
        rnd = random.Random(seed)
        self.seed, self.log = seed, "%s/log.%d" % (CRASH_DIR, seed % CRASH_LOGS)
        self.acks, self.delay = rnd.randint(3, 240), rnd.uniform(0.0, 0.5)

    def cmdline(self):
        return "/bin/crashload run %s %s %d" % (CRASH_DIR, os.path.basename(self.log), self.seed)

    def ready(self):
        """The kill condition for _boot_and_kill."""
        seen = dict.fromkeys(CRASH_KINDS, 0)

        def ready(lines):
            for kind in re.findall(rb"^ack (log|sql|file) \d+\r?$", lines, re.M):
                seen[kind.decode()] += 1
            return sum(seen.values()) >= self.acks and all(seen.values())
        return ready


def _crash_acks(out):
    """{kind: [numbers]} of the ack lines before the kill (a line the kill
    cut short is left out)."""
    whole = out[:out.rfind("\n") + 1]
    acks = {k: [] for k in CRASH_KINDS}
    for kind, n in re.findall(r"^ack (log|sql|file) (\d+)$", whole, re.M):
        acks[kind].append(int(n))
    return acks


def _crash_run_problems(killed, out, acks, state):
    """What is wrong with the killed run, or ''."""
    first = {"log": 1, "sql": state.txns + 1, "file": state.gen + 1}
    for kind in CRASH_KINDS:
        want = list(range(first[kind], first[kind] + len(acks[kind])))
        if not acks[kind] or acks[kind] != want:
            return "%s acks %s, expected %d, %d, ... in order" % (
                kind, acks[kind][:3] + (["..."] if len(acks[kind]) > 3 else []), first[kind],
                first[kind] + 1)
    if not killed or "crashload: done" in out:
        return "not killed mid-workload (killed %s)" % killed
    m = re.search(r"^crashload: FAIL: .*$", out, re.M)
    return m.group(0) if m else ""


def _crash_verify_found(out):
    """(txns, generation) that crashload verify reported, None where not."""
    m = re.search(r"^crashload: sql: txns (\d+) rows \d+", out, re.M)
    g = re.search(r"^crashload: files: generation (\d+),", out, re.M)
    return (int(m.group(1)) if m else None), (int(g.group(1)) if g else None)


def _crash_verify_problems(status, out, plan, acks, state):
    """[(check, why)] for the verify boot after the kill."""
    bad = []
    if not _mount_listed(out) or not _no_panic(out):
        bad.append(("pool_imports", "no zfs mount at /data (status %d)%s" % (
            status, "" if _no_panic(out) else "; the guest panicked")))
        return bad
    res = _check_lines(out)
    got = res.get(plan.log)
    if not got or not got[2] or got[0] < max(acks["log"]):
        bad.append(("log_acked_intact", "%s: acked %d, found %s" % (plan.log, max(acks["log"]), got)))
    for f, before in sorted(state.logs.items()):
        if f != plan.log and (res.get(f) or (None, None))[:2] != before:
            bad.append(("other_logs_unchanged", "%s was %s at its last check, now %s" % (f, before, res.get(f))))
    txns, gen = _crash_verify_found(out)
    acked = max(acks["sql"] + [state.txns])
    sql_ok = "crashload: sql: integrity_check: ok" in out and "crashload: sql ok" in out
    if not sql_ok or txns is None or txns < acked:
        m = re.search(r"^crashload: sql FAIL: .*$", out, re.M)
        bad.append(("sqlite_acked_committed", "acked txn %d, found %s%s" % (
            acked, txns, "; " + m.group(0) if m else "" if sql_ok else "; integrity_check not ok")))
    acked = max(acks["file"] + [state.gen])
    if "crashload: files ok" not in out or gen is None or gen < acked:
        m = re.search(r"^crashload: files FAIL: .*$", out, re.M)
        bad.append(("fileops_invariant", "acked generation %d, found %s%s" % (
            acked, gen, "; " + m.group(0) if m else "")))
    if status != 0 or "crashload: verify ok" not in out:
        bad.append(("verify_clean", "status %d" % status))
    return bad


def _crash_loop(ctx, image, tmp, zdb, state, plan, with_zdb):
    """One loop: the workload killed, the verify boot, zdb when asked.
    Returns ([(check, why, output)], summary line); updates state when
    the loop passed."""
    killed, out = _boot_and_kill(ctx, image, plan.cmdline(), plan.ready(), plan.delay, BOOT_TIMEOUT, tmp)
    acks = _crash_acks(out)
    why = _crash_run_problems(killed, out, acks, state)
    bad = [("killed_mid_write", why, out)] if why else []
    status, vout = _boot(ctx, MOUNTS + ["/bin/crashload verify %s" % CRASH_DIR], [image],
                         timeout=SHORT_TIMEOUT)
    if not why:
        bad += [(c, w, vout) for c, w in _crash_verify_problems(status, vout, plan, acks, state)]
    if with_zdb or bad:
        ok, zwhy, zout = _zdb_bcc(zdb, image, tmp)
        if not ok:
            bad.append(("zdb_bcc", zwhy, zout))
    txns, gen = _crash_verify_found(vout)
    summary = "killed after acks log %s sql %s file %s; verify found log %s, txns %s, generation %s%s" % (
        max(acks["log"], default="-"), max(acks["sql"], default="-"), max(acks["file"], default="-"),
        (_check_lines(vout).get(plan.log) or (None,))[0], txns, gen, " (zdb -bcc run)" if with_zdb or bad else "")
    if not bad:
        state.logs[plan.log] = _check_lines(vout)[plan.log][:2]
        state.txns, state.gen = txns, gen
    return bad, summary


def _crash_pool(ctx, tmp, lib, crashload, again=False):
    """A disk with a new pool and CRASH_DIR on it, or None after failing
    crash.mounted or crash.setup (recorded as passed the first time only)."""
    image = _image(ctx, tmp, lib, "crash.image", files=["/bin/crashload: %s" % crashload])
    if not image:
        return None
    status, out = _boot(ctx, MOUNTS + [BB + " mkdir -p " + CRASH_DIR, _mark("ls"), BB + " ls -ld " + CRASH_DIR],
                        [image], timeout=SHORT_TIMEOUT)
    mounted = _mount_listed(out) and _no_panic(out)
    ok = mounted and status == 0 and any(l.startswith("d") and l.endswith(CRASH_DIR)
                                         for l in _section(out, "ls") or [])
    if not mounted or not again:
        _mounted(ctx, "crash.mounted", out, status)
    if mounted and (not ok or not again):
        ctx.check("crash.setup", ok, "no %s on a new pool (status %d)" % (CRASH_DIR, status), out)
    return image if ok else None


def _keep_failed(ctx, image, seed, kept):
    """A sparse copy of a failed loop's disk in BUILD/crash-failed (the
    first few), for zdb and a look; returns the path or None."""
    if kept >= CRASH_KEEP_FAILED:
        return None
    dest = os.path.join(ctx.build, "crash-failed", "seed-%d.img" % seed)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    subprocess.run(["cp", "--sparse=always", image, dest], check=True)
    return dest


def test_crash(ctx):
    """The crash campaign: loops of a mixed workload on /data killed with
    SIGKILL at a moment from the loop's seed, then a verify boot (see the
    module's docstring, scenario crash)."""
    r = _need(ctx, "crash.mounted", zdb=True, sqlite=True)
    if not r:
        return
    lib, zdb = r
    loops = int(os.environ.get("OSPREY_CRASH_LOOPS", "3"))
    seed = int(os.environ.get("OSPREY_CRASH_SEED", str(time.time_ns() % (1 << 32))))
    print("  crash: %d loops, run seed %d (OSPREY_CRASH_SEED=S OSPREY_CRASH_LOOPS=1 replays the loop of "
          "seed S)" % (loops, seed))
    sys.stdout.flush()
    failed = {}             # check -> (detail, output) of its first failure
    tried, bad_seeds, kept, ran = set(), [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        image, state = _crash_pool(ctx, tmp, lib, _app(ctx, "crashload")), CrashState()
        for loop, ls in enumerate(_crash_seeds(seed, loops), 1):
            if not image:
                break
            plan = CrashPlan(ls)
            with_zdb = loop % CRASH_ZDB_EVERY == 0 or (loops < CRASH_ZDB_EVERY and loop == loops)
            bad, summary = _crash_loop(ctx, image, tmp, zdb, state, plan, with_zdb)
            ran += 1
            tried.update(c for c, _ in CRASH_CHECKS if c != "zdb_bcc" or with_zdb or bad)
            for check, why, out in bad:
                failed.setdefault(check, ("loop %d, seed %d: %s" % (loop, ls, why), out))
            print("  crash loop %d/%d seed %d: %s: %s" % (loop, loops, ls, summary, "FAIL " + ", ".join(
                c for c, _, _ in bad) if bad else "ok"))
            sys.stdout.flush()
            if bad:
                bad_seeds.append(ls)
                path = _keep_failed(ctx, image, ls, kept)
                kept += path is not None
                if path:
                    print("  crash: the disk of seed %d is kept as %s" % (ls, path))
                # later loops start on a new pool, so one fault is not counted again
                image, state = _crash_pool(ctx, tmp, lib, _app(ctx, "crashload"), again=True), CrashState()
    for check, what in CRASH_CHECKS:
        if check in tried:
            detail, out = failed.get(check, ("", None))
            ctx.check("crash." + check, check not in failed, "%s (%s)" % (detail, what), out)
    if not ran:
        return
    print("  crash: %d passed, %d failed%s" % (ran - len(bad_seeds), len(bad_seeds), "" if ran == loops else
                                              " (%d loops not run: no new pool after a failure)" % (loops - ran)))
    print("  crash: failing seeds: %s" % (" ".join(map(str, bad_seeds)) or "none"))
    ctx.check("crash.loops", not bad_seeds and ran == loops, "%d of %d loops failed, seeds %s" % (
        len(bad_seeds) + loops - ran, loops, " ".join(map(str, bad_seeds))))


def _test_app(ctx, name, app):
    """build/apps/APP.glibc (apps/tests), or None after failing `name`."""
    path = os.path.join(ctx.build, "apps", app + ".glibc")
    if not os.path.exists(path):
        ctx.check(name, False, "not built: %s (make apps)" % path)
        return None
    return path


def test_mappings(ctx):
    """mmap of ZFS files: apps/tests/mappings' checks (shared stores seen by
    read() at once and in the file after munmap, write() seen by mappings,
    private copies, MAP_FIXED/munmap/mremap of parts, msync and truncate)
    on /data; then a boot that stores through MAP_SHARED, msyncs and is
    killed with SIGKILL, and a boot that finds every stored byte; zdb
    finds the pool clean."""
    r = _need(ctx, "mappings.mounted", zdb=True)
    app = r and _test_app(ctx, "mappings.mounted", "mappings")
    if not app:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        image = _image(ctx, tmp, lib, "mappings.image", files=["/bin/mappings: %s" % app])
        if not image:
            return
        status, out = _boot(ctx, MOUNTS + ["/bin/mappings /data"], [image], timeout=SHORT_TIMEOUT)
        if not _mounted(ctx, "mappings.mounted", out, status):
            return
        zfs_ok = status == 0 and re.search(r"^mappings: all \d+ checks passed$", out, re.M)
        ctx.check("mappings.on_zfs", zfs_ok and _no_panic(out), "status %d; %s" % (status, "; ".join(
            l for l in out.splitlines() if l.startswith("not ok"))[:300]), out)
        killed, out = _boot_and_kill(ctx, image, "/bin/mappings /data store 7", _after_acks(1), 0.0,
                                     SHORT_TIMEOUT, tmp)
        ctx.check("mappings.killed_after_msync", killed and re.search(r"^ack 7$", out, re.M),
                  "killed %s" % killed, out)
        if not killed:
            return
        status, out = _boot(ctx, ["/bin/mappings /data verify 7"], [image], timeout=SHORT_TIMEOUT)
        ctx.check("mappings.msync_survives_kill", status == 0 and "ok durable_after_kill" in out,
                  "status %d" % status, out)
        _zdb_partition(ctx, "mappings.zdb_bcc", zdb, image, tmp)


def test_fault_reclaims(ctx):
    """A program whose page faults need more memory than is free while the
    ARC holds a file just read: the faults make the caches give memory
    back, and the program gets every page (without that it was refused or
    killed with caches full)."""
    r = _need(ctx, "fault_reclaims.mounted")
    hog = r and _test_app(ctx, "fault_reclaims.mounted", "hog")
    if not hog:
        return
    lib, _ = r
    with tempfile.TemporaryDirectory() as tmp:
        image = _image(ctx, tmp, lib, "fault_reclaims.image", files=["/bin/hog: %s" % hog])
        if not image:
            return
        steps = MOUNTS + [BB + " dd if=/dev/urandom of=/data/big bs=1M count=48",
                          BB + " dd if=/data/big of=/dev/null bs=1M", _mark("free"),
                          BB + " grep MemFree /proc/meminfo", "/bin/hog 60"]
        status, out = ctx.run(_cmdline(steps), memory="96M", images=[image], timeout=SHORT_TIMEOUT)
        if not _mounted(ctx, "fault_reclaims.mounted", out, status):
            return
        m = re.search(r"MemFree:\s+(\d+) kB", "\n".join(_section(out, "free") or []))
        free = int(m.group(1)) if m else None
        ctx.check("fault_reclaims.caches_full", free is not None and free < 60 * 1024,
                  "MemFree %s kB before the program (the test needs less than 60 MiB free)" % free, out)
        ctx.check("fault_reclaims.program_got_its_pages", status == 0 and "hog: all 1 checks passed" in out
                  and _no_panic(out), "status %d" % status, out)


def test_sqlite(ctx):
    r = _need(ctx, "sqlite.mounted", zdb=True, sqlite=True)
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        image = _image(ctx, tmp, lib, "sqlite.image")
        if not image:
            return
        status, out = _boot(ctx, MOUNTS + [BB + " mkdir -p /data/db", "/bin/sqlitetest /data/db/test.db 10000"],
                            [image])
        if not _mounted(ctx, "sqlite.mounted", out, status):
            return
        ok = status == 0 and "sqlitetest: count 10000" in out and "sqlitetest: ok" in out
        ctx.check("sqlite.insert", ok and _no_panic(out), "status %d" % status, out)
        if not ok:
            return
        m = re.search(r"sqlitetest: inserted 10000 rows in (\d+) ms", out)
        if m:
            print("  sqlite: 10000 inserts (100 per transaction) in %s ms" % m.group(1))
        status, out = _boot(ctx, ["/bin/sqlitetest --check /data/db/test.db 10000"], [image])
        ctx.check("sqlite.check_after_reboot", status == 0 and "sqlitetest: integrity_check: ok" in out and
                  "sqlitetest: count 10000" in out and "sqlitetest: rows match" in out and _no_panic(out),
                  "status %d" % status, out)
        _zdb_partition(ctx, "sqlite.zdb_bcc", zdb, image, tmp)


TAR_STEP = "tar -x --numeric-owner -f /src/files.tar -C /data/bb/untar"


def _make_tar(path, rnd):
    """A tar file (and the model of its extraction under `untar`)."""
    m = Model()
    m.add("untar", Entry("d", 0o755))
    m.add("untar/t", Entry("d", 0o755))
    members = []

    def add_file(name, data, mode, uid=0, gid=0):
        ti = tarfile.TarInfo(name)
        ti.size, ti.mode, ti.uid, ti.gid, ti.mtime = len(data), mode, uid, gid, 1700000000
        members.append((ti, data))
        m.add("untar/" + name, Entry("f", mode, uid, gid, len(data), sha=hashlib.sha256(data).hexdigest()))

    def add_dir(name, mode):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, mode, 1700000000
        members.append((ti, None))
        if name != "t":
            m.add("untar/" + name, Entry("d", mode))

    add_dir("t", 0o755)
    add_file("t/a.txt", b"tar member a\n" * 10, 0o644)
    add_dir("t/bin", 0o755)
    add_file("t/bin/run.sh", b"#!/bin/sh\necho from tar\n", 0o755)
    add_file("t/secret", b"owned by 1000\n", 0o600, 1000, 1000)
    add_file("t/rand.bin", rnd.randbytes(1 << 20), 0o644)
    add_dir("t/empty", 0o700)
    ti = tarfile.TarInfo("t/link")
    ti.type, ti.linkname, ti.mode, ti.mtime = tarfile.SYMTYPE, "a.txt", 0o777, 1700000000
    members.append((ti, None))
    m.add("untar/t/link", Entry("l", 0o777, size=5, target="a.txt"))
    ti = tarfile.TarInfo("t/hard")
    ti.type, ti.linkname, ti.mode, ti.mtime = tarfile.LNKTYPE, "t/a.txt", 0o644, 1700000000
    members.append((ti, None))
    a = m.e["untar/t/a.txt"]
    m.add("untar/t/hard", Entry("f", a.mode, size=a.size, sha=a.sha, ino=a.ino))
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tf:
        for ti, data in members:
            ti.uname = ti.gname = ""
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    return m


def test_busybox_on_data(ctx):
    r = _need(ctx, "busybox.mounted")
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        rnd = random.Random(5)
        src = os.path.join(tmp, "tree")
        _make_src_tree(src, rnd)
        tar = os.path.join(tmp, "files.tar")
        tar_model = _make_tar(tar, rnd)
        image = _image(ctx, tmp, lib, "busybox.image", files=["/src/tree/**: %s/**" % src,
                                                              "/src/files.tar: %s" % tar])
        if not image:
            return
        steps = MOUNTS + [BB + " mkdir -p /data/bb", BB + " cp -a /src/tree /data/bb/copy",
                 _mark("find"), BB + " find /data/bb/copy",
                 BB + " mkdir /data/bb/untar", BB + " " + TAR_STEP,
                 _mark("untar"), "/bin/treesum --prefix untar /data/bb/untar",
                 BB + " cp /src/files.tar /tmp/x.tar", BB + " mv /tmp/x.tar /data/bb/x.tar",
                 BB + " mv /data/bb/untar/t/rand.bin /tmp/rand.bin",
                 _mark("mv"), "/bin/treesum --sum /data/bb/x.tar /tmp/rand.bin",
                 _mark("ls-tmp"), BB + " ls /tmp", _mark("ls-t"), BB + " ls /data/bb/untar/t",
                 BB + " rm -r /data/bb/copy", _mark("rm"), BB + " find /data/bb",
                 BB + " sync", _mark("du"), BB + " du -k /data/bb/x.tar", BB + " du -s -k /data/bb",
                 _mark("df"), BB + " df -k /data", _mark("end")]
        status, out = _boot(ctx, steps, [image])
        if not _mounted(ctx, "busybox.mounted", out, status):
            return

        want = set(["/data/bb/copy"])
        for dirpath, dirs, names in os.walk(src):
            for n in dirs + names:
                want.add("/data/bb/copy/" + os.path.relpath(os.path.join(dirpath, n), src))
        got = set(_section(out, "find") or [])
        ctx.check("busybox.cp_a_find", got == want, "find: %d expected, %d got; missing %r, extra %r" % (
            len(want), len(got), sorted(want - got)[:3], sorted(got - want)[:3]), out)

        want_tree, want_sums = tar_model.render()
        tree, sums, other = _treesum_parts(_section(out, "untar"))
        ctx.check("busybox.tar_x", tree == want_tree and sums == want_sums,
                  _first_diff(want_tree, tree, "tree") or _first_diff(want_sums, sums, "sha256"), out)

        rand = tar_model.e["untar/t/rand.bin"].sha
        want_mv = ["%s  /data/bb/x.tar" % _sha_file(tar), "%s  /tmp/rand.bin" % rand]
        # ls may print columns (the console is a terminal): compare words
        ls_tmp, ls_t = [" ".join(_section(out, n) or []).split() for n in ("ls-tmp", "ls-t")]
        ctx.check("busybox.mv_tmp_data", _section(out, "mv") == want_mv and "rand.bin" in ls_tmp and
                  "x.tar" not in ls_tmp and "rand.bin" not in ls_t and "a.txt" in ls_t,
                  "after the moves: %r, ls /tmp %r, ls t %r" % (_section(out, "mv"), ls_tmp, ls_t), out)

        rest = set(_section(out, "rm") or [])
        want_rest = {"/data/bb", "/data/bb/x.tar"} | {"/data/bb/" + p for p in tar_model.e} - \
            {"/data/bb/untar/t/rand.bin"}
        ctx.check("busybox.rm_r", rest == want_rest, "find after rm -r: missing %r, extra %r" % (
            sorted(want_rest - rest)[:3], sorted(rest - want_rest)[:3]), out)

        du = dict((l.split("\t", 1)[1], int(l.split("\t", 1)[0])) for l in _section(out, "du") or []
                  if re.match(r"^\d+\t/", l))
        tar_kib = os.path.getsize(tar) // 1024
        ctx.check("busybox.du", tar_kib - 64 <= du.get("/data/bb/x.tar", -1) <= tar_kib * 2 + 64 and
                  du.get("/data/bb", -1) >= du.get("/data/bb/x.tar", 1 << 30),
                  "du -k: %r (the tar file has %d KiB of mostly random data)" % (du, tar_kib), out)

        df = [re.match(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+/data$", l) for l in _section(out, "df") or []]
        df = [m for m in df if m]
        ok = len(df) == 1 and 32 << 10 < int(df[0].group(2)) < DATA_MIB << 10 and \
            int(df[0].group(3)) >= tar_kib and int(df[0].group(4)) > 0
        ctx.check("busybox.df", ok, "df -k /data: %r" % (_section(out, "df"),), out)
        ctx.check("busybox.status", status == 0 and _no_panic(out), "status %d" % status, out)
        if zdb:
            _zdb_partition(ctx, "busybox.zdb_bcc", zdb, image, tmp)


def _flip_in_range(path, start, length, marker):
    """Flips one byte 64 bytes after every occurrence of `marker` between
    `start` and `start + length` of the file; returns their offsets."""
    found = []
    with open(path, "r+b") as f:
        pos, tail = start, b""
        while pos < start + length:
            f.seek(pos)
            chunk = f.read(min(8 << 20, start + length - pos))
            if not chunk:
                break
            buf = tail + chunk
            base = pos - len(tail)
            for m in re.finditer(re.escape(marker), buf):
                if base + m.start() not in found:
                    found.append(base + m.start())
            tail = buf[-(len(marker) + 64):]
            pos += len(chunk)
        for off in found:
            f.seek(off + 64)
            b = f.read(1)
            f.seek(off + 64)
            f.write(bytes([b[0] ^ 0xff]))
    return found


def test_corrupt_block_and_truncated_device(ctx):
    r = _need(ctx, "bad.mounted", zdb=True)
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        rnd = random.Random(9)
        marked = os.path.join(tmp, "marked.bin")
        with open(marked, "wb") as f:          # one 128 KiB record: one block, stored raw by lz4
            f.write(MARKER + rnd.randbytes((128 << 10) - len(MARKER)))
        good = os.path.join(tmp, "good.bin")
        with open(good, "wb") as f:
            f.write(rnd.randbytes(300000))
        image = _image(ctx, tmp, lib, "bad.image", files=["/src/marked.bin: %s" % marked,
                                                          "/src/good.bin: %s" % good])
        if not image:
            return
        status, out = _boot(ctx, MOUNTS + [BB + " cp /src/marked.bin /src/good.bin /data/", _mark("sums"),
                                           "/bin/treesum --sum /data/marked.bin /data/good.bin"], [image])
        if not _mounted(ctx, "bad.mounted", out, status):
            return
        want = ["%s  /data/marked.bin" % _sha_file(marked), "%s  /data/good.bin" % _sha_file(good)]
        ok = status == 0 and _section(out, "sums") == want
        ctx.check("bad.write", ok and _no_panic(out), "status %d, sums %r" % (status, _section(out, "sums")), out)
        if not ok:
            return
        if not _zdb_partition(ctx, "bad.zdb_before", zdb, image, tmp):
            return

        # A copy of the pool's partition cut to half, alone as pool "data".
        short = os.path.join(tmp, "short.img")
        _cut(image, 2, short, (DATA_MIB // 2) << 20)
        bare = _image(ctx, tmp, lib, "bad.truncated_image", fstab=("data  /mnt/short  zfs  defaults  0 0",),
                      data=(), image="bare.img")
        if bare:
            status, out = _boot(ctx, [_mark("ran"), BB + " ls /mnt/short"], [bare, short], timeout=SHORT_TIMEOUT)
            ctx.check("bad.truncated_device_refused", status == 32 and _section(out, "ran") is None and
                      re.search(r"^fstab: line 1: .*data", out, re.M) and _no_panic(out),
                      "status %d (32 expected, with a message and no program run)" % status, out)
        os.unlink(short)

        start, length = zfs_pool.gpt_partition(image, 2)
        offsets = _flip_in_range(image, start, length, MARKER)
        ctx.check("bad.marker_found_once", len(offsets) == 1,
                  "marker found %d times in the data partition" % len(offsets), None)
        if not offsets:
            return
        vdevs = os.path.join(tmp, "vdevs-flipped")
        os.mkdir(vdevs)
        _cut(image, 2, os.path.join(vdevs, "part2"))
        ok, rc, zout = zfs_pool.zdb_check(zdb, vdevs, POOL)
        shutil.rmtree(vdevs)
        ctx.check("bad.zdb_sees_corruption", rc not in (0, None) and "error 52" in zout,
                  "zdb exit %s without 'error 52' (the flipped byte is not in a checksummed block)" % rc, zout)
        status, out = _boot(ctx, [_mark("good"), "/bin/treesum --sum /data/good.bin", _mark("bad"),
                                  BB + " cat /data/marked.bin"], [image])
        bad = "\n".join(_section(out, "bad") or [])
        ctx.check("bad.eio_on_read", status != 0 and _section(out, "bad") is not None and
                  re.search(r"I/O error|Input/output error", bad) and MARKER.decode() not in bad,
                  "busybox cat of the corrupted file: status %d, no I/O error" % status, out)
        ctx.check("bad.good_file_still_reads", _section(out, "good") == [want[1]],
                  "good.bin: %r" % (_section(out, "good"),), out)
        ctx.check("bad.no_panic", _no_panic(out), "the guest panicked", out)


def test_full_pool(ctx):
    r = _need(ctx, "full.mounted", zdb=True)
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        image = _image(ctx, tmp, lib, "full.image", data=("size=64M name=data",))
        if not image:
            return
        steps = MOUNTS + [_mark("fill"), BB + " dd if=/dev/urandom of=/data/fill bs=64k",
                 _mark("df-full"), BB + " df -k /data",
                 _mark("rm"), BB + " rm /data/fill", BB + " sync", BB + " df -k /data",
                 _mark("again"), BB + " dd if=/dev/urandom of=/data/again bs=64k count=128"]
        status, out = _boot(ctx, steps, [image])
        if not _mounted(ctx, "full.mounted", out, status):
            return
        fill = "\n".join(_section(out, "fill") or [])
        ctx.check("full.enospc", "No space left on device" in fill and _no_panic(out),
                  "dd until the pool is full: no ENOSPC", out)
        again = "\n".join(_section(out, "again") or [])
        ctx.check("full.write_after_delete", status == 0 and re.search(r"^128\+0 records out", again, re.M)
                  and "No space" not in again, "status %d after rm and sync" % status, out)
        ctx.check("full.no_panic", _no_panic(out), "the guest panicked", out)
        if status == 0:
            status, out = _boot(ctx, [_mark("ls"), BB + " ls -l /data"], [image], timeout=SHORT_TIMEOUT)
            ctx.check("full.reimport", status == 0 and any(re.search(r"\s8388608\s.*\sagain$", l)
                                                           for l in _section(out, "ls") or []),
                      "after the full-pool boot: %r" % (_section(out, "ls"),), out)
            _zdb_partition(ctx, "full.zdb_bcc", zdb, image, tmp)


def test_makefs_properties(ctx):
    """x-zfs.PROP=VALUE options set properties when the pool is created."""
    r = _need(ctx, "props.mounted", zdb=True)
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        blob = os.path.join(tmp, "blob.bin")
        with open(blob, "wb") as f:
            f.write(random.Random(4).randbytes(300000))
        fstab = "PARTLABEL=data  /data  zfs  defaults,x-systemd.makefs,x-zfs.compression=zstd," \
                "x-zfs.recordsize=32K  0 0"
        image = _image(ctx, tmp, lib, "props.image", fstab=(fstab,), files=["/src/blob.bin: %s" % blob])
        if not image:
            return
        status, out = _boot(ctx, MOUNTS + [BB + " cp /src/blob.bin /data/blob.bin", _mark("sum"),
                                           "/bin/treesum --sum /data/blob.bin"], [image], timeout=SHORT_TIMEOUT)
        if not _mounted(ctx, "props.mounted", out, status):
            return
        ctx.check("props.file_written", status == 0 and _section(out, "sum") == [
            "%s  /data/blob.bin" % _sha_file(blob)], "status %d: %r" % (status, _section(out, "sum")), out)
        ashift, files = _zdb_layout(zdb, image, tmp)
        ctx.check("props.compression_zstd", files and all(c == "zstd" for _, c in files),
                  "compression of the plain files: %s" % sorted(set(c for _, c in files)))
        ctx.check("props.recordsize_32k", ("32K", "zstd") in files,
                  "no file with 32K blocks: %s" % files)
        _zdb_partition(ctx, "props.zdb_bcc", zdb, image, tmp)


def test_child_datasets(ctx):
    """Datasets below a mounted one with canmount=on and an inherited
    mountpoint are mounted below it, as `zfs mount -a` would; one with
    canmount=off is not. Boot 1 creates them with x-systemd.makefs (the
    dataset form of fstab) on a pool of its own disk; boot 2 names only the
    pool's partition."""
    r = _need(ctx, "children.created", zdb=True)
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "data.img")
        with open(disk, "wb") as f:
            f.truncate(128 << 20)
        subprocess.run(["sgdisk", "-n", "1:2048:0", "-c", "1:data", disk], check=True,
                       capture_output=True)
        first = _image(ctx, tmp, lib, "children.image", data=(), image="first.img", fstab=(
            FSTAB_DATA, "data/db  /srv/db  zfs  defaults,x-systemd.makefs  0 0",
            "data/off  /srv/off  zfs  defaults,x-systemd.makefs,x-zfs.canmount=off  0 0"))
        second = _image(ctx, tmp, lib, "children.image2", data=(), image="second.img",
                        fstab=(FSTAB_DATA,))
        if not first or not second:
            return
        status, out = _boot(ctx, MOUNTS + [BB + " cp /bin/busybox /srv/db/bb",
                                           BB + " mkdir /srv/off/d"], [first, disk],
                            timeout=SHORT_TIMEOUT)
        ctx.check("children.created", status == 0 and "created dataset 'data/db'" in out and
                  "created dataset 'data/off'" in out, "status %d" % status, out)
        status, out = _boot(ctx, MOUNTS + [_mark("ls"), BB + " ls /data/db /data"], [second, disk],
                            timeout=SHORT_TIMEOUT)
        mounts = _section(out, "mounts") or []
        ctx.check("children.mounted_below", any(l.startswith("data/db /data/db zfs") for l in mounts)
                  and "bb" in (_section(out, "ls") or []), "mounts %r" % mounts, out)
        ctx.check("children.canmount_off_skipped", status == 0 and
                  not any(" /data/off " in l for l in mounts), "mounts %r" % mounts, out)
        vdevs = os.path.join(tmp, "vdevs")
        os.mkdir(vdevs)
        _cut(disk, 1, os.path.join(vdevs, "part1"))
        ok, code, zout = zfs_pool.zdb_check(zdb, vdevs, POOL)
        ctx.check("children.zdb_bcc", ok, "zdb exit %s" % code, zout)


def test_missing_pool(ctx):
    r = _need(ctx, "missing_pool.status_32")
    if not r:
        return
    lib, _ = r
    with tempfile.TemporaryDirectory() as tmp:
        image = _image(ctx, tmp, lib, "missing_pool.image", fstab=("nosuchpool/x  /mnt/x  zfs  defaults  0 0",),
                       data=())
        if not image:
            return
        status, out = _boot(ctx, [_mark("ran")], [image], timeout=SHORT_TIMEOUT)
        ctx.check("missing_pool.status_32", status == 32 and _section(out, "ran") is None,
                  "status %d (32 expected and no program run)" % status, out)
        ctx.check("missing_pool.message", re.search(r"^fstab: line 1: .*nosuchpool", out, re.M) and
                  _no_panic(out), "no message naming fstab line 1", out)
        image = _image(ctx, tmp, lib, "missing_pool.nofail_image",
                       fstab=("nosuchpool/x  /mnt/x  zfs  defaults,nofail  0 0",), data=(), image="nofail.img")
        if not image:
            return
        status, out = _boot(ctx, [_mark("ran")], [image], timeout=SHORT_TIMEOUT)
        ctx.check("missing_pool.nofail_boot_goes_on", status == 0 and _section(out, "ran") is not None and
                  _no_panic(out), "status %d" % status, out)


# ------------------------------------------- a feature we do not support

UNSUPPORTED = "com.osprey:unsupported-test"
LABEL_POOL_MIB = 64


def _made_pool(ctx, tmp, lib, name, image="pool.img"):
    """A disk whose partition 2 holds pool "data", created and exported by
    an Osprey boot with the makefs line: (image, first byte and length of
    the partition), or None after recording test `name` as failed."""
    image = _image(ctx, tmp, lib, name, data=("size=%dM name=data" % LABEL_POOL_MIB,), image=image)
    if not image:
        return None
    status, out = _boot(ctx, MOUNTS, [image], timeout=SHORT_TIMEOUT)
    if not _mounted(ctx, name, out, status):
        return None
    start, length = zfs_pool.gpt_partition(image, 2)
    return image, start, length


def _sha_range(path, start, length):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(start)
        while length:
            chunk = f.read(min(length, 8 << 20))
            if not chunk:
                break
            h.update(chunk)
            length -= len(chunk)
    return h.hexdigest()


def _zdb_label_features(zdb, vdev):
    """({label number: its features_for_read names}, output) from zdb -l,
    which decodes the labels with OpenZFS's nvlist code but does not check
    their checksums."""
    out = subprocess.run([zdb, "-l", vdev], capture_output=True, text=True).stdout
    found = {}
    for sec in re.split(r"^LABEL \d+\n", out, flags=re.M)[1:]:
        nums = re.search(r"^\s+labels = ([\d ]+)$", sec, re.M)
        ffr = re.search(r"^( +)features_for_read:\n((?:\1 +\S+\n)*)", sec, re.M)
        for n in nums.group(1).split() if nums else []:
            found[int(n)] = ffr.group(2).split() if ffr else []
    return found, out


def _zdb_import(zdb, vdevs, pool=POOL):
    """(exit status, output) of `zdb -G -e -p DIR -C POOL`: an import by
    libzpool's spa_load, which reads the labels through ZIO and so checks
    their checksums; -G prints its debug messages, which say why a load
    failed."""
    p = subprocess.run([zdb, "-G", "-e", "-p", vdevs, "-C", pool], capture_output=True, text=True,
                       timeout=600)
    return p.returncode, p.stdout + p.stderr


def _first_byte_diff(a, b):
    return next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))


def _round_trip(labels):
    """'' when every label re-encodes to its own bytes, else which do not."""
    bad = []
    for l in labels:
        phys = l.encode()
        if phys != l.phys:
            bad.append("label %d differs from byte %d" % (l.index, _first_byte_diff(phys, l.phys)))
    return "; ".join(bad)


def _refused(phys, words, offset=0):
    """'' when zfs_label refuses this vdev_phys with a LabelError whose
    message has every one of `words`, else what happened."""
    try:
        zfs_label.Label(0, offset, phys)
    except zfs_label.LabelError as e:
        missing = [w for w in words if w not in str(e)]
        return "message %r lacks %r" % (str(e), missing) if missing else ""
    return "accepted"


def _label_bad_input(ctx, label):
    """Records host.zfs_label_bad_input: broken vdev_phys copies of `label`
    are refused or flagged, each with a message naming the problem."""
    phys, problems = label.phys, []
    at = phys.index(struct.pack(">I", len(POOL)) + POOL.encode()) + 4    # the pool's name
    flipped = phys[:at] + b"D" + phys[at + 1:]
    if zfs_label.Label(0, label.offset, flipped).checksum_ok:
        problems.append("a changed hostname byte: checksum still right")
    if zfs_label.Label(0, label.offset + 512, phys).checksum_ok:
        problems.append("the label at another offset: checksum still right")
    # The first pair ("version") starts after the header, version and flags;
    # its decoded size is its second word.
    dec = struct.unpack_from(">i", phys, 16)[0]
    cases = [
        ("decoded size", phys[:16] + struct.pack(">i", dec + 8) + phys[20:], ["version", "decoded size"]),
        ("native encoding", b"\0" + phys[1:], ["not an XDR"]),
        ("no magic", phys[:zfs_label.NVLIST_SPACE] + bytes(8) + phys[zfs_label.NVLIST_SPACE + 8:],
         ["magic"]),
        ("cut short", phys[:label.used // 2] + bytes(zfs_label.NVLIST_SPACE - label.used // 2) +
         phys[zfs_label.NVLIST_SPACE:], ["encoded size"]),
        ("garbage", bytes([1, 1, 0, 0]) + b"\xff" * (zfs_label.NVLIST_SPACE - 4) +
         phys[zfs_label.NVLIST_SPACE:], ["version"]),
    ]
    for what, bad, words in cases:
        why = _refused(bad, words, label.offset)
        if why:
            problems.append("%s: %s" % (what, why))
    copy = zfs_label.Label(0, label.offset, phys)
    try:
        copy.nvlist[zfs_label.FEATURES_FOR_READ].add("com.delphix:hole_birth", zfs_label.BOOLEAN)
        problems.append("a second com.delphix:hole_birth was added")
    except zfs_label.LabelError:
        pass
    ctx.check("host.zfs_label_bad_input", not problems, "; ".join(problems))


def _label_round_trip_linux(ctx, tmp):
    """host.zfs_label_round_trip_linux: the labels Linux's OpenZFS wrote
    (a whole-disk vdev in GPT partition 1) decode and re-encode exactly."""
    name = "host.zfs_label_round_trip_linux"
    archive = os.path.join(ctx.data, "zfs", "linux-lz4.img.zst")
    if not os.path.exists(archive) or not shutil.which("zstd"):
        ctx.skip(name, "no %s" % (archive if not os.path.exists(archive) else "zstd"))
        return
    whole = os.path.join(tmp, "linux-lz4.img")
    subprocess.run(["zstd", "-q", "-d", archive, "-o", whole], check=True)
    start, length = zfs_pool.gpt_partition(whole, 1)
    labels = zfs_label.read_labels(whole, start, length)
    why = _round_trip(labels)
    ctx.check(name, not why and all(l.checksum_ok for l in labels) and
              labels[0].nvlist["name"] == "linuxpool", why or "checksums %r, name %r" % (
                  [l.checksum_ok for l in labels], labels[0].nvlist["name"]))
    os.unlink(whole)


def _libnvpair_check(ctx):
    """host.zfs_label_vs_libnvpair: OpenZFS's own libnvpair (the host's
    libnvpair.so.3, through ctypes) packs an nvlist of every data type the
    kernel knows, nested, with empty arrays, as XDR: zfs_label.pack of the
    same list gives the same bytes, and its decoding re-encodes to them."""
    name = "host.zfs_label_vs_libnvpair"
    try:
        nv = ctypes.CDLL("libnvpair.so.3")
        libc = ctypes.CDLL(None)
    except OSError as e:
        ctx.skip(name, "no libnvpair.so.3 (zfsutils-linux): %s" % e)
        return
    P, L = ctypes.c_void_p, zfs_label
    c_arr = lambda ctype, vals: (ctype * max(1, len(vals)))(*vals)

    def alloc():
        p = P()
        if nv.nvlist_alloc(ctypes.byref(p), L.NV_UNIQUE_NAME, 0) != 0:
            raise OSError("nvlist_alloc failed")
        return p

    # (name, type, value in zfs_label's terms, libnvpair function, its arguments)
    inner = alloc()
    nv.nvlist_add_uint64(inner, b"guid", ctypes.c_uint64(2 ** 64 - 2))
    nv.nvlist_add_string(inner, b"path", b"/dev/vblk0.2")
    elems = [alloc(), alloc()]
    nv.nvlist_add_int32(elems[0], b"id", ctypes.c_int32(-7))
    nv.nvlist_add_boolean(elems[1], b"flag")
    strs = [b"", b"abc", b"abcd", "ü".encode()]
    cases = [
        ("b", L.BOOLEAN, None, nv.nvlist_add_boolean, ()),
        ("bv", L.BOOLEAN_VALUE, 1, nv.nvlist_add_boolean_value, (ctypes.c_int(1),)),
        # libnvpair widens a char as signed (tirpc's xdr_char), OpenZFS's
        # Linux kernel module as unsigned: zfs_label keeps the word.
        ("byte", L.BYTE, 0xffffffc8, nv.nvlist_add_byte, (ctypes.c_ubyte(200),)),
        ("i8", L.INT8, 100, nv.nvlist_add_int8, (ctypes.c_int8(100),)),
        ("u8", L.UINT8, 7, nv.nvlist_add_uint8, (ctypes.c_uint8(7),)),
        ("i16", L.INT16, 30000, nv.nvlist_add_int16, (ctypes.c_int16(30000),)),
        ("u16", L.UINT16, 65535, nv.nvlist_add_uint16, (ctypes.c_uint16(65535),)),
        ("i32", L.INT32, -5, nv.nvlist_add_int32, (ctypes.c_int32(-5),)),
        ("u32", L.UINT32, 2 ** 32 - 1, nv.nvlist_add_uint32, (ctypes.c_uint32(2 ** 32 - 1),)),
        ("i64", L.INT64, -2 ** 63, nv.nvlist_add_int64, (ctypes.c_int64(-2 ** 63),)),
        ("u64", L.UINT64, 2 ** 64 - 1, nv.nvlist_add_uint64, (ctypes.c_uint64(2 ** 64 - 1),)),
        ("hr", L.HRTIME, 123456789, nv.nvlist_add_hrtime, (ctypes.c_int64(123456789),)),
        ("dbl", L.DOUBLE, 2.5, nv.nvlist_add_double, (ctypes.c_double(2.5),)),
        ("s", L.STRING, "five!", nv.nvlist_add_string, (b"five!",)),
        ("s4", L.STRING, "four", nv.nvlist_add_string, (b"four",)),
        ("s0", L.STRING, "", nv.nvlist_add_string, (b"",)),
        ("ba", L.BYTE_ARRAY, b"\x01\x02\x03\xff\x00", nv.nvlist_add_byte_array,
         (c_arr(ctypes.c_ubyte, b"\x01\x02\x03\xff\x00"), 5)),
        ("ba0", L.BYTE_ARRAY, b"", nv.nvlist_add_byte_array, (c_arr(ctypes.c_ubyte, []), 0)),
        ("i8a", L.INT8_ARRAY, [1, 2], nv.nvlist_add_int8_array, (c_arr(ctypes.c_int8, [1, 2]), 2)),
        ("u8a", L.UINT8_ARRAY, [3], nv.nvlist_add_uint8_array, (c_arr(ctypes.c_uint8, [3]), 1)),
        ("i16a", L.INT16_ARRAY, [4, 5, 6], nv.nvlist_add_int16_array, (c_arr(ctypes.c_int16, [4, 5, 6]), 3)),
        ("u16a", L.UINT16_ARRAY, [7], nv.nvlist_add_uint16_array, (c_arr(ctypes.c_uint16, [7]), 1)),
        ("bva", L.BOOLEAN_ARRAY, [1, 0, 1], nv.nvlist_add_boolean_array, (c_arr(ctypes.c_int, [1, 0, 1]), 3)),
        ("i32a", L.INT32_ARRAY, [-1, 8], nv.nvlist_add_int32_array, (c_arr(ctypes.c_int32, [-1, 8]), 2)),
        ("u32a", L.UINT32_ARRAY, [9], nv.nvlist_add_uint32_array, (c_arr(ctypes.c_uint32, [9]), 1)),
        ("i64a", L.INT64_ARRAY, [-10, 11], nv.nvlist_add_int64_array, (c_arr(ctypes.c_int64, [-10, 11]), 2)),
        ("u64a", L.UINT64_ARRAY, [12, 2 ** 64 - 1], nv.nvlist_add_uint64_array,
         (c_arr(ctypes.c_uint64, [12, 2 ** 64 - 1]), 2)),
        ("u64a0", L.UINT64_ARRAY, [], nv.nvlist_add_uint64_array, (c_arr(ctypes.c_uint64, []), 0)),
        ("sa", L.STRING_ARRAY, [x.decode() for x in strs], nv.nvlist_add_string_array,
         (c_arr(ctypes.c_char_p, strs), len(strs))),
        ("nvl", L.NVLIST, L.NvList(pairs=[L.Pair("guid", L.UINT64, 2 ** 64 - 2),
                                          L.Pair("path", L.STRING, "/dev/vblk0.2")]),
         nv.nvlist_add_nvlist, (inner,)),
        ("nva", L.NVLIST_ARRAY, [L.NvList(pairs=[L.Pair("id", L.INT32, -7)]),
                                 L.NvList(pairs=[L.Pair("flag", L.BOOLEAN, None)])],
         nv.nvlist_add_nvlist_array, ((P * 2)(*elems), 2)),
    ]
    top, ours = alloc(), L.NvList()
    for cname, t, value, fn, args in cases:
        if fn(top, cname.encode(), *args) != 0:
            raise OSError("libnvpair refused %s" % cname)
        ours.add(cname, t, value)
    buf, size = ctypes.c_char_p(), ctypes.c_size_t()
    if nv.nvlist_pack(top, ctypes.byref(buf), ctypes.byref(size), L.NV_ENCODE_XDR, 0) != 0:
        raise OSError("nvlist_pack failed")
    theirs = ctypes.string_at(buf, size.value)
    libc.free(buf)
    for p in [top, inner] + elems:
        nv.nvlist_free(p)
    # nvlist_pack's buffer is nvlist_size() long, which counts a length
    # word for the empty uint64 array that is not written: 4 zero bytes.
    mine = L.pack(ours)
    decoded, header, used = L.unpack(theirs)
    why = ""
    if theirs != mine + bytes(4):
        why = "zfs_label.pack differs from nvlist_pack at byte %d (%d bytes, %d from nvlist_pack)" % (
            _first_byte_diff(mine, theirs), len(mine), len(theirs))
    elif used != len(mine) or L.pack(decoded, header) != mine:
        why = "the decoding of nvlist_pack's bytes does not re-encode to them"
    ctx.check(name, not why, why)


def test_host_zfs_label(ctx):
    """zfs_label.py against OpenZFS: the labels an Osprey boot wrote (and
    Linux's) decode and re-encode byte for byte with their checksums;
    broken ones are refused; a rewrite with an added read feature is what
    the host's zdb reads, and zdb's import verifies its checksums."""
    r = _need(ctx, "host.zfs_label_pool", zdb=True)
    if not r:
        return
    lib, zdb = r
    with tempfile.TemporaryDirectory() as tmp:
        made = _made_pool(ctx, tmp, lib, "host.zfs_label_pool")
        if not made:
            return
        vdevs = os.path.join(tmp, "vdevs")
        os.mkdir(vdevs)
        part = os.path.join(vdevs, "part2")
        _cut(made[0], 2, part)
        labels = zfs_label.read_labels(part)
        ok = all(l.checksum_ok and l.nvlist["name"] == POOL and l.nvlist["vdev_tree"]["ashift"] == 12
                 and zfs_label.FEATURES_FOR_READ in l.nvlist for l in labels)
        ctx.check("host.zfs_label_read", ok, "checksums %r, first label:\n%s" % (
            [l.checksum_ok for l in labels], "\n".join(labels[0].nvlist.lines())))
        if not ok:
            return
        why = _round_trip(labels)
        ctx.check("host.zfs_label_round_trip", not why, why)
        _libnvpair_check(ctx)
        _label_round_trip_linux(ctx, tmp)
        _label_bad_input(ctx, labels[0])

        def restore():
            for l in labels:
                zfs_label.write_phys(part, l, l.phys)

        before, zout = _zdb_label_features(zdb, part)
        zfs_label.add_feature_for_read(part, UNSUPPORTED)
        after, zout = _zdb_label_features(zdb, part)
        want = {i: before.get(0, []) + [UNSUPPORTED] for i in range(4)}
        ctx.check("host.zfs_label_zdb_lists_feature", sorted(before) == [0, 1, 2, 3] and after == want,
                  "zdb -l before %r, after %r" % (before, after), zout)
        rc, zout = _zdb_import(zdb, vdevs)
        ctx.check("host.zfs_label_zdb_checksum_right", rc != 0 and "some features are unsupported" in zout
                  and "failed reading config" not in zout,
                  "zdb import: exit %d, not refused for the feature after reading the labels" % rc, zout)

        # The control: the same rewrite with one checksum bit wrong in every
        # label is refused earlier, when the labels are read.
        restore()
        for l in zfs_label.read_labels(part):
            l.nvlist[zfs_label.FEATURES_FOR_READ].add(UNSUPPORTED, zfs_label.BOOLEAN)
            phys = bytearray(l.encode())
            phys[-1] ^= 1
            zfs_label.write_phys(part, l, bytes(phys))
        rc, zout = _zdb_import(zdb, vdevs)
        ctx.check("host.zfs_label_zdb_sees_bad_checksum", rc != 0 and "failed reading config" in zout and
                  "some features are unsupported" not in zout,
                  "zdb import of labels with wrong checksums: exit %d" % rc, zout)

        # A feature OpenZFS knows: the rewritten labels import.
        restore()
        zfs_label.add_feature_for_read(part, "org.open-zfs:large_blocks")
        rc, zout = _zdb_import(zdb, vdevs)
        ctx.check("host.zfs_label_zdb_imports_rewrite", rc == 0 and "MOS Configuration" in zout,
                  "zdb import with a known feature added: exit %d" % rc, zout)


def test_unsupported_feature(ctx):
    """A pool whose labels name a read feature this OpenZFS lacks: the
    mount is refused with the pool and the feature named, status 32
    without nofail, the boot going on with it, and the pool untouched."""
    r = _need(ctx, "unsupported.pool_created")
    if not r:
        return
    lib, _ = r
    with tempfile.TemporaryDirectory() as tmp:
        made = _made_pool(ctx, tmp, lib, "unsupported.pool_created")
        nofail = _image(ctx, tmp, lib, "unsupported.nofail_image", data=(), image="nofail.img", fstab=(
            "PARTLABEL=data  /data  zfs  defaults,x-systemd.makefs,nofail  0 0",
            "data/x  /mnt/x  zfs  defaults,nofail  0 0"))
        if not made or not nofail:
            return
        image, start, length = made
        try:
            zfs_label.add_feature_for_read(image, UNSUPPORTED, start, length)
            labels = zfs_label.read_labels(image, start, length)
            why = "" if all(UNSUPPORTED in l.nvlist[zfs_label.FEATURES_FOR_READ] and l.checksum_ok
                            for l in labels) else "a label lacks the feature or its checksum"
        except zfs_label.LabelError as e:
            why = str(e)
        ctx.check("unsupported.labels_rewritten", not why, why)
        if why:
            return
        before = _sha_range(image, start, length)
        phys_before = [l.phys for l in labels]
        refusal = re.compile(r"^zfs: cannot mount (\S+): pool 'data' uses features this OpenZFS .*not "
                             r"support: %s$" % re.escape(UNSUPPORTED), re.M)

        status, out = _boot(ctx, [_mark("ran")] + MOUNTS, [image], timeout=SHORT_TIMEOUT)
        ctx.check("unsupported.status_32", status == 32 and _section(out, "ran") is None,
                  "status %d (32 expected, and no program run)" % status, out)
        ctx.check("unsupported.message", refusal.search(out) and
                  re.search(r"^fstab: line 1: PARTLABEL=data on /data", out, re.M),
                  "no message naming pool 'data' and %s, and fstab line 1" % UNSUPPORTED, out)
        ctx.check("unsupported.no_panic", _no_panic(out), "the guest panicked", out)

        status, out = _boot(ctx, [_mark("ran")] + MOUNTS, [nofail, image], timeout=SHORT_TIMEOUT)
        mounts = _section(out, "mounts") or []
        ctx.check("unsupported.nofail_boot_goes_on", status == 0 and _section(out, "ran") is not None and
                  _no_panic(out), "status %d" % status, out)
        ctx.check("unsupported.nofail_nothing_mounted", _section(out, "mounts") is not None and
                  not any(" zfs " in l for l in mounts), "mounts %r" % mounts, out)
        ctx.check("unsupported.nofail_both_lines_named", refusal.findall(out) == ["/dev/vblk1.2", "data/x"],
                  "refusals for %r, not for /dev/vblk1.2 and data/x" % refusal.findall(out), out)

        after = _sha_range(image, start, length)
        changed = [l.index for l, phys in zip(zfs_label.read_labels(image, start, length), phys_before)
                   if l.phys != phys]
        ctx.check("unsupported.pool_untouched", after == before,
                  "the partition changed in the refused boots (labels changed: %s)" % (changed or "none"))
