"""gzip compression in ZFS through zlib (modules/zfs/spl/spl_zlib.c), from
both sides: what Osprey writes with compression=gzip-N the host's zdb and
(where the peer is) Linux's own OpenZFS read, and what Linux's OpenZFS
wrote with gzip Osprey reads.

- osprey (test_osprey_writes_gzip): a pool made at the first boot with
  `x-zfs.compression=gzip` on its makefs line and two datasets below it
  with gzip-1 and gzip-9 (their own makefs lines); the same tree of
  compressible text, odd sizes, incompressible random data and a file
  mixing text, random and zero records is copied into each. Every file's
  sha256 (treesum, in the guest) must equal the host's, after the copy
  and again after a reboot (then read from disk: every block inflated).
  On the host: zdb -bcc clean; zdb's block pointers show the text files'
  blocks gzip-6/gzip-1/gzip-9 compressed to under 60% of their size and
  the random ones stored uncompressed; with the Linux peer
  (../shared/peers/linux-vm/build.sh check) Linux imports, scrubs and
  hashes the pool, and every sha256 matches.
- selftest (test_zlib_selftest): --zfs.selftest's zlib check passes.
- linux (test_linux_gzip_pool): tests/boot/data/linux-gzip.img.zst, a
  pool Linux's OpenZFS 2.1.11 wrote (root dataset gzip, children g1
  gzip-1 and g9 gzip-9, each holding the same tree: see
  make_linux_pool), mounted read-only: every file's sha256 must equal the
  host's from the tree regenerated here; the host's zdb shows the image
  really holds gzip blocks of each level, and is clean after the boot.

The trees come from a deterministic generator (sha256 in counter mode),
so the host recomputes every expected hash without storing them.
Rebuild the Linux pool (needs root and the peer; about 25 s under TCG):
    python3 tests/boot/test_zfs_gzip.py make-linux-pool tests/boot/data/linux-gzip.img.zst
"""
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "shared", "peers",
                    "linux-vm", "build.sh")
LINUX_IMAGE = os.path.join(HERE, "data", "linux-gzip.img.zst")
LINUX_POOL = "linuxgz"
LINUX_DISK_MIB = 128
POOL = "data"
BB = "/bin/busybox"
# gzip is zlib format here; zdb names each block's algorithm and level.
LEVELS = {"": "gzip-6", "g1": "gzip-1", "g9": "gzip-9"}


def _sibling(name):
    path = os.path.join(HERE, "test_%s.py" % name)
    spec = importlib.util.spec_from_file_location("zfs_gzip_uses_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- the trees

WORDS = ("the pool writes each block once and never in place so a checksum in the parent "
         "covers every child record dataset snapshot deflate inflate window hash chain "
         "literal length distance huffman tree stored fixed dynamic osprey kernel module "
         "zio pipeline issue stage ARC buffer compressed level 1 9 gzip zlib adler32").split()


def _stream(seed, n):
    """n deterministic pseudo-random bytes: sha256 of seed:counter."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s:%d" % (seed.encode(), i)).digest()
        i += 1
    return bytes(out[:n])


def _text(seed, n):
    """n bytes of text from a small vocabulary: gzip makes it about 3x smaller."""
    out = bytearray()
    for b in _stream(seed, n // 2 + 1):     # two bytes or more per word: always enough
        out += WORDS[b % len(WORDS)].encode() + (b"\n" if b % 11 == 0 else b" ")
        if len(out) >= n:
            break
    return bytes(out[:n])



RECORD = 128 * 1024


def tree_files(small):
    """{path: (bytes, records)} of the tree copied into each dataset, where
    records says what each 128 KiB record must be on disk: "gzip"
    (compressed at the dataset's level), "raw" (stored uncompressed: gzip
    could not make it smaller), None (a hole: all zeros, never written);
    the last entry stands for every later record. small: the Linux pool's
    tree (stored in the repository, so little incompressible data)."""
    k = 1 if small else 4
    files = {
        "text.txt": (_text("text", 2 * RECORD * k), ["gzip"]),   # whole records
        "odd/text-odd.txt": (_text("odd", 100001 * k), ["gzip"]),  # a short last record
        "odd/small.txt": (_text("small", 5000), ["gzip"]),        # one block under a record
        "odd/one": (b"x", ["gzip"]),                               # embedded in its pointer
        "random.bin": (_stream("random", 32768 * k), ["raw"]),   # incompressible
        "empty": (b"", []),
    }
    if small:
        files["mixed.bin"] = (_text("m0", RECORD) + bytes(RECORD) + _text("m2", 50001),
                              ["gzip", None, "gzip"])
    else:
        files["mixed.bin"] = (_text("m0", RECORD) + _stream("m1", RECORD) + bytes(RECORD) +
                              _text("m3", RECORD), ["gzip", "raw", None, "gzip"])
    return files


def write_tree(root, small):
    for rel, (data, _) in tree_files(small).items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, 0o644)
    for d, _, _ in os.walk(root):
        os.chmod(d, 0o755)


def expected_sums(prefix, small, datasets):
    """treesum's sha256 lines for the tree in each dataset below prefix
    ('' is the root dataset), in treesum's order (bytewise by path)."""
    lines = []
    for ds in datasets:
        for rel, (data, _) in tree_files(small).items():
            path = "/".join(p for p in (prefix, ds, rel) if p)
            lines.append((path.encode(), "%s  ./%s" % (hashlib.sha256(data).hexdigest(), path)))
    return [l for _, l in sorted(lines)]


# ---------------------------------------------------------------- zdb

def _zdb_out(zdb, vdevs, *args):
    p = subprocess.run([zdb, "-e", "-p", vdevs] + list(args), capture_output=True, timeout=600)
    return (p.stdout + p.stderr).decode("utf-8", "replace")


def pool_blocks(zdb, vdevs, pool):
    """{dataset: {path: {offset: (compression, lsize, psize)}}}: every
    plain file's data blocks (L0), from zdb -bbbbbb (every block pointer,
    with its algorithm and level) and zdb -ddddd (object numbers to
    paths)."""
    ids = dict((int(i), n) for n, i in re.findall(r"^Dataset (\S+) \[ZPL\], ID (\d+),",
                                                  _zdb_out(zdb, vdevs, "-d", pool), re.M))
    paths = {}
    for objset, name in ids.items():
        listing = _zdb_out(zdb, vdevs, "-ddddd", name)
        for obj, body in re.findall(r"^\s+Object\s+lvl[^\n]*\n\s+(\d+)\s(.*?)(?=^\s+Object\s+lvl|\Z)",
                                    listing, re.M | re.S):
            m = re.search(r"^\s+path\s+/(.*)$", body, re.M)
            if m and "ZFS plain file" in body.split("\n", 1)[0]:
                paths[(objset, int(obj))] = (name, m.group(1))
    found = {name: {} for name in ids.values()}
    for name, path in paths.values():
        found[name][path] = {}
    for objset, obj, off, comp, lsize, psize in re.findall(
            r"^objset (\d+) object (\d+) level 0 offset 0x([0-9a-f]+) .*?\[L0 ZFS plain file\] \S+ (\S+) "
            r".*?size=([0-9a-f]+)L/([0-9a-f]+)P", _zdb_out(zdb, vdevs, "-bbbbbb", pool), re.M):
        where = paths.get((int(objset), int(obj)))
        if where:
            found[where[0]][where[1]][int(off, 16)] = (comp, int(lsize, 16), int(psize, 16))
    return found


def layout_problems(blocks, pool, small):
    """What is wrong with the pool's blocks against tree_files' records, in
    each dataset of LEVELS ('' for none): a list of messages."""
    bad = []
    for ds, level in LEVELS.items():
        name = pool + ("/" + ds if ds else "")
        files = blocks.get(name)
        if files is None:
            bad.append("%s: no such dataset in zdb's listing" % name)
            continue
        text_l = text_p = 0
        for rel, (data, records) in tree_files(small).items():
            got = files.get(rel)
            if got is None:
                bad.append("%s/%s: not in zdb's listing" % (name, rel))
                continue
            for i in range((len(data) + RECORD - 1) // RECORD):
                want = records[min(i, len(records) - 1)]
                bp = got.get(i * RECORD)
                if want is None:
                    ok = bp is None
                elif bp is None:
                    ok = False
                elif want == "raw":
                    ok = bp[0] == "uncompressed" and bp[1] == bp[2]
                else:
                    ok = bp[0] == level and bp[2] < bp[1]
                    text_l, text_p = text_l + bp[1], text_p + bp[2]
                if not ok:
                    bad.append("%s/%s record %d: %s expected, zdb shows %s" % (
                        name, rel, i, {None: "a hole", "raw": "uncompressed"}.get(want, level),
                        "%s %xL/%xP" % bp if bp else "no block"))
        if text_l and text_p > 0.6 * text_l:
            bad.append("%s: text compressed only to %d%% of its size" % (name, 100 * text_p // text_l))
    return bad


def _vdev_dir(image, index, tmp, name):
    """A folder holding only GPT partition `index` of `image`, for zdb -e -p."""
    vdevs = os.path.join(tmp, "vdevs-" + name)
    shutil.rmtree(vdevs, ignore_errors=True)
    os.mkdir(vdevs)
    zfs_data._cut(image, index, os.path.join(vdevs, "part%d" % index))
    return vdevs


# ---------------------------------------------------------------- the Linux peer

def _peer_usable():
    return os.access(PEER, os.X_OK) and os.geteuid() == 0


def _peer(args, env_extra, timeout=1800):
    """Runs the peer's build.sh; (exit status, output)."""
    env = dict(os.environ, ZFSVM_CPUS="1", ZFSVM_MEM="1024", **env_extra)
    try:
        p = subprocess.run([PEER] + args, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, "the peer timed out after %d s" % timeout
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def _peer_sums(out):
    """The sha256 lines of `build.sh check`'s report (./POOL/... paths)."""
    m = re.search(r"^===== sha256 =====\n(.*?)^===== ", out, re.M | re.S)
    return sorted((l for l in m.group(1).splitlines() if l), key=lambda l: l[66:].encode()) if m else None


# ---------------------------------------------------------------- tests

zfs_data = _sibling("zfs_data")
FSTAB_GZIP = (
    "PARTLABEL=data  /data  zfs  defaults,x-systemd.makefs,x-zfs.compression=gzip  0 0",
    "data/g1  /data/g1  zfs  defaults,x-systemd.makefs,x-zfs.compression=gzip-1  0 0",
    "data/g9  /data/g9  zfs  defaults,x-systemd.makefs,x-zfs.compression=gzip-9  0 0",
)
SUM_STEPS = [zfs_data._mark("sums"), "/bin/treesum --prefix data --sha256 /data", zfs_data._mark("end")]


def _sums_check(ctx, name, out, status, want):
    got = zfs_data._section(out, "sums")
    why = "treesum did not run (status %d)" % status if got is None else \
        zfs_data._first_diff(want, got, "sha256") or ("status %d" % status if status else "")
    if not why and re.search(r"zlib: |gzip-compressed block cannot be read", out):
        why = "a zlib warning: %s" % re.search(r"^.*(zlib: |gzip-compressed).*$", out, re.M).group(0)
    ctx.check(name, not why and zfs_data._no_panic(out), why or "the guest panicked", out)
    return not why


def test_zlib_selftest(ctx):
    """--zfs.selftest's zlib check (spl_zlib_selftest): every level round
    trips a record, and incompressible data, a destination too small, a
    stream cut short and damaged ones get the codes gzip.c relies on."""
    lib = zfs_data.zfs_pool._zfs_lib(ctx)
    if not lib:
        ctx.skip("zlib_selftest", "no build/modules/libzfs.so (make zfs-src modules)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        image = zfs_data._image(ctx, tmp, lib, "zlib_selftest", fstab=("tank  /data  zfs  nofail  0 0",),
                                data=())
        if not image:
            return
        status, out = ctx.run("--zfs.selftest /bin/busybox true", images=[image],
                              timeout=zfs_data.SHORT_TIMEOUT)
        m = re.search(r"^zfs: zlib self-test: 128 KiB of text to (\d+)-(\d+) bytes at levels 9-1 and back, "
                      r"refusals right; workspaces used (\d+) of (\d+) \(deflate\), (\d+) of (\d+) "
                      r"\(inflate\): passed$", out, re.M)
        ctx.check("zlib_selftest", m and int(m.group(1)) < int(m.group(2)) < 128 * 1024 and status == 0,
                  "no passing zlib self-test line (status %d)" % status, out)


def test_osprey_writes_gzip(ctx):
    r = zfs_data._need(ctx, "osprey.mounted", zdb=True)
    if not r:
        return
    lib, zdb = r
    want = expected_sums("data", False, ["", "g1", "g9"])
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "tree")
        write_tree(src, False)
        # The pool on a disk of its own, so that the second boot's root
        # can name only the pool: its datasets mount below it then (a
        # dataset's own line would find it mounted already).
        disk = os.path.join(tmp, "data.img")
        with open(disk, "wb") as f:
            f.truncate(128 << 20)
        subprocess.run(["sgdisk", "-n", "1:2048:0", "-c", "1:data", disk], check=True,
                       capture_output=True)
        first = zfs_data._image(ctx, tmp, lib, "osprey.image", fstab=FSTAB_GZIP, data=(),
                                files=["/src/tree/**: %s/**" % src], image="first.img")
        second = zfs_data._image(ctx, tmp, lib, "osprey.image2", fstab=FSTAB_GZIP[:1], data=(),
                                 image="second.img")
        if not first or not second:
            return
        copy = [BB + " cp -a /src/tree/. /data/%s" % ds for ds in ("", "g1/", "g9/")]
        status, out = zfs_data._boot(ctx, zfs_data.MOUNTS + copy + SUM_STEPS, [first, disk],
                                     timeout=zfs_data.SHORT_TIMEOUT)
        mounts = zfs_data._section(out, "mounts") or []
        ctx.check("osprey.mounted", status == 0 and all(
            any(re.match(r"%s /data%s zfs rw" % (n, d), l) for l in mounts)
            for n, d in (("data", ""), ("data/g1", "/g1"), ("data/g9", "/g9"))),
            "status %d; mounts %r" % (status, mounts), out)
        if not _sums_check(ctx, "osprey.sums_after_copy", out, status, want):
            return
        # A new boot reads every block from the disk: each one inflated.
        status, out = zfs_data._boot(ctx, zfs_data.MOUNTS + SUM_STEPS, [second, disk],
                                     timeout=zfs_data.SHORT_TIMEOUT)
        _sums_check(ctx, "osprey.sums_after_reboot", out, status, want)

        vdevs = _vdev_dir(disk, 1, tmp, "osprey")
        ok, rc, zout = zfs_data.zfs_pool.zdb_check(zdb, vdevs, POOL)
        ctx.check("osprey.zdb_bcc", ok, "zdb -e -p DIR -bcc data: exit %s" % rc, zout)
        bad = layout_problems(pool_blocks(zdb, vdevs, POOL), POOL, False)
        ctx.check("osprey.blocks_gzip_compressed", not bad, "; ".join(bad[:6]))

        if not _peer_usable():
            ctx.skip("osprey.linux_reads", "no Linux peer (%s) or not root" % PEER)
            return
        rc, pout = _peer(["check", disk], {})
        sums = _peer_sums(pout)
        ctx.check("osprey.linux_reads", rc == 0 and sums == want,
                  "build.sh check: exit %s; %s" % (rc, zfs_data._first_diff(want, sums or [], "sha256")),
                  pout)


def test_linux_gzip_pool(ctx):
    r = zfs_data._need(ctx, "linux.mounted", zdb=True)
    if not r:
        return
    lib, zdb = r
    if not os.path.exists(LINUX_IMAGE):
        ctx.check("linux.mounted", False, "no %s" % LINUX_IMAGE)
        return
    want = expected_sums(LINUX_POOL, True, ["", "g1", "g9"])
    with tempfile.TemporaryDirectory() as tmp:
        whole = os.path.join(tmp, "linux-gzip.img")
        subprocess.run(["zstd", "-q", "-d", LINUX_IMAGE, "-o", whole], check=True)
        vdevs = _vdev_dir(whole, 1, tmp, "linux-before")
        bad = layout_problems(pool_blocks(zdb, vdevs, LINUX_POOL), LINUX_POOL, True)
        ctx.check("linux.image_holds_gzip_blocks", not bad, "; ".join(bad[:6]))

        image = zfs_data._image(ctx, tmp, lib, "linux.image", data=(),
                                fstab=("%s  /mnt/gz  zfs  ro  0 0" % LINUX_POOL,))
        if not image:
            return
        steps = zfs_data.MOUNTS + [zfs_data._mark("sums"), "/bin/treesum --prefix %s --sha256 /mnt/gz" %
                                   LINUX_POOL, zfs_data._mark("end")]
        status, out = zfs_data._boot(ctx, steps, [image, whole], timeout=zfs_data.SHORT_TIMEOUT)
        mounts = zfs_data._section(out, "mounts") or []
        ctx.check("linux.mounted", all(any(l.startswith("%s /mnt/gz%s zfs ro" % (n, d)) for l in mounts)
                                       for n, d in ((LINUX_POOL, ""), (LINUX_POOL + "/g1", "/g1"),
                                                    (LINUX_POOL + "/g9", "/g9"))),
                  "status %d; mounts %r" % (status, mounts), out)
        _sums_check(ctx, "linux.sums", out, status, want)
        vdevs = _vdev_dir(whole, 1, tmp, "linux-after")
        ok, rc, zout = zfs_data.zfs_pool.zdb_check(zdb, vdevs, LINUX_POOL)
        ctx.check("linux.zdb_after", ok, "zdb -bcc exit %s after Osprey's import" % rc, zout)


# ---------------------------------------------------------------- the Linux pool

MAKE_POOL = """set -e
zpool create -f -o ashift=12 -o cachefile=none -O compression=gzip -R /mnt {pool} /dev/vdb
zfs create -o compression=gzip-1 {pool}/g1
zfs create -o compression=gzip-9 {pool}/g9
for d in "" /g1 /g9; do cp -a /io/in/. /mnt/{pool}$d/; done
zpool sync {pool}
zfs list -r -o name,used,compressratio,compression {pool}
zpool export {pool}
"""


def make_linux_pool(dest):
    """Writes the tree (small) with Linux's OpenZFS into pool linuxgz on a
    whole disk of LINUX_DISK_MIB (ZFS puts a GPT on it, the pool in
    partition 1) and stores the disk zstd-compressed at dest."""
    if not _peer_usable():
        sys.exit("make-linux-pool: needs root and %s" % PEER)
    with tempfile.TemporaryDirectory() as tmp:
        tree, out, disk = (os.path.join(tmp, n) for n in ("tree", "out", "disk.img"))
        write_tree(tree, True)
        with open(disk, "wb") as f:
            f.truncate(LINUX_DISK_MIB << 20)
        rc, log = _peer(["run", disk, tree, out, MAKE_POOL.format(pool=LINUX_POOL)], {})
        print(log)
        if os.path.exists(os.path.join(out, "run.log")):
            print(open(os.path.join(out, "run.log")).read())
        if rc != 0:
            sys.exit("make-linux-pool: the peer's run failed (%s)" % rc)
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        subprocess.run(["zstd", "-q", "-19", "-f", disk, "-o", dest], check=True)
        print("%s: %d bytes" % (dest, os.path.getsize(dest)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make-linux-pool":
        make_linux_pool(sys.argv[2])
    else:
        sys.exit("usage: %s make-linux-pool OUT.img.zst" % sys.argv[0])
