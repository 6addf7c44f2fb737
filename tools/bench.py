#!/usr/bin/env python3
"""Osprey benchmarks (`make bench`): runs every benchmark and writes
docs/benchmarks.md plus PNG plots in docs/bench/.

    python3 tools/bench.py [--build build] [--quick] [--out docs] [--boots N] [--only TITLE]

Every figure is the median of repeated runs with the minimum and maximum.
Downloads (the Debian packages of the image-size tree) are cached in
BUILD/bench-data/; scratch files go to BUILD/bench/. A benchmark that
cannot run still gets its section, saying why. Python 3 stdlib only;
plots with gnuplot (pngcairo, or png) when it is installed.
"""
import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "tools", "run")

# The sections of the report, in order; tests/boot/test_bench.py checks them.
SECTIONS = [
    "Sizes",
    "Boot time",
    "Minimum memory",
    "ROFS image size",
    "LZ4 decoding",
    "ROFS read throughput",
    "virtio-blk throughput",
    "Null system call",
    "Processes",
    "Dynamic programs",
    "ZFS pool layer (libzfs.so)",
    "ZFS /data",
    "Network services",
    "SMP",
]

DEBS = ["libpython3.11-stdlib", "perl-modules-5.36"]
LOCAL_TREES = ["/usr/lib/python3.11", "/usr/share/perl/5.36"]
QUICK_TREES = ["/usr/lib/python3.11/email", "/usr/lib/python3.11/json",
               "/usr/lib/python3.11/asyncio"]

ROFS_CLUSTER = 65536        # mkimage's and mkrofs's default cluster size, bytes

ACCEL_RE = re.compile(r"run: accelerator (\S+) \(([^)]*)\)")
CHART_RE = re.compile(r"^\s+(\S.*?)\s+(\d+\.\d+) ms\s+\(\+")
TSC_RE = re.compile(r"bootchart \(guest TSC, (\d+) kHz\)")
FIRST_RE = re.compile(r"bootchart: program's first system call \((\w+)\) at (\d+\.\d+) ms")
RB_RE = re.compile(r"readbench: (\w+) round (\d+): (\d+) (bytes|calls) (\d+) ns")

# "Processes": apps/bench/procbench in the guest, on the host, in the Linux peer.
PB_RE = re.compile(r"^procbench: (\w+) round \d+: (\d+) cycles (\d+) ns", re.M)
PB_IDLE_RE = re.compile(r"^procbench: idle (\w+): (\d+) children (-?\d+) bytes per child", re.M)
PB_MODES = [("fork", "fork + child `_exit(0)` + waitpid"),
            ("vfork", "vfork + child `_exit(0)` + waitpid"),
            ("forkexec", "fork + execv `busybox true` + waitpid"),
            ("spawn", "posix_spawn `busybox true` + waitpid")]
PB_MEM = "128M"             # Osprey's -m, and the peer's ZFSVM_MEM
LINUX_KSTACK = 16384        # a task's kernel stack on x86-64 Linux (THREAD_SIZE)
# The last kernel that ran programs in ring 0 (docs/linux.md, "The cost of a
# system call"): sec_null builds it from `git archive` and boots it in turn
# with this one, so the ring-3 / ring-0 ratio is taken in one run.
RING0_COMMIT = "dbf97c8"
NULL_BOOTS = 4              # boots of each kernel, alternated

ZFS_DISK_MIB = 256
ZFS_MEM_STEPS = list(range(40, 129, 8))   # -m candidates for the pool self-test, MiB
ZFS_PASS = "zfs-selftest: all steps passed"
# libzfs.so is loaded when /etc/fstab names a zfs mount (as tests/boot/test_zfs_pool.py does);
# the mount itself fails and nofail lets the boot go on.
ZFS_FSTAB = "zfs-selftest  /mnt/zfs-selftest  zfs  nofail  0 0\n"
ZFS_LOAD_RE = re.compile(r"^module: libzfs\.so loaded at \S+ \(\d+ KiB\) in (\d+) us", re.M)
ZFS_INIT_RE = re.compile(r"^zfs: OpenZFS 2\.1\.11 loaded \(init (\d+) us", re.M)
ZFS_SPA_RE = re.compile(r"^zfs: spa_init (\d+) us", re.M)
ZFS_POOL_RE = re.compile(r"^zfs-selftest: pool create (\d+) us, import (\d+) us", re.M)

# "Dynamic programs": Debian's python3 with its standard library, as
# tests/boot/test_dynamic.py puts it into an image.
PY_HOST = "/usr/bin/python3.11"
PY_LINES = ["/usr/bin/python3: /usr/bin/python3.11 libs",
            "/usr/lib/python3.11/**: /usr/lib/python3.11/** libs"]
PY_MEM = "128M"
PY_PEER_MEM = 512           # MiB, the Linux guest's RAM for python3
END_RE = re.compile(r"bootchart: program (\S+) ended \(status (\d+)\) at (\d+\.\d+) ms")
EOB_RE = re.compile(r"^\s+end of boot\s+(\d+\.\d+) ms", re.M)
# The Linux peer's guest packages: every user of the peer passes the same
# list, since another list makes build.sh re-install and rebuild the guest.
from bench_net import PEER_PACKAGES  # noqa: E402  (tools/ is on sys.path: this script's folder)

# "ZFS /data": apps/zfsbench on the root dataset of a pool mounted from fstab,
# against the same static binary in the Linux peer guest.
PEER = os.path.join(os.path.dirname(ROOT), "shared", "peers", "linux-vm", "build.sh")
ZD_DISK_MIB = 512                      # the data disk: one GPT partition named data
ZD_MEM = "256M"                        # Osprey's -m, and the peer's ZFSVM_MEM
ZD_FSTAB = "/dev/vblk1.1  /data  zfs  defaults  0 0"
ZD_MAKEFS = ("/bin/busybox mkdir /tmp/d ; /bin/busybox mount -t zfs -o x-systemd.makefs /dev/vblk1.1 /tmp/d"
             " ; /bin/busybox umount /tmp/d")
ZD_MEM_STEPS = list(range(12, 257, 4))  # -m candidates for the /data minimum, MiB
ZD_MAGIC = "0x2fc12fc1"                # statfs f_type of ZFS (ZFS_SUPER_MAGIC)
ZB_RE = re.compile(r"^zfsbench: (\w+) (-?[\d.]+)$", re.M)
ZB_TYPE_RE = re.compile(r"^zfsbench: dir \S+ fs_type (\S+)", re.M)
ZD_MOUNT_RE = re.compile(r"^zfs: mounted \S+ \(from [^)]*\): pool (\d+) us, mount (\d+) us", re.M)
ZD_FS_RE = re.compile(r"^\s+filesystems\s+\d+\.\d+ ms\s+\(\+(\d+\.\d+)\)", re.M)
# (key, what, unit, digits, whether higher is better)
ZD_FIGURES = [
    ("seq_write_mb_s", "sequential write: 64 MiB in 1 MiB write()s, then fsync", "MB/s", 1, True),
    ("seq_read_mb_s", "sequential read of it in 1 MiB read()s, right after the write (warm)", "MB/s", 1, True),
    ("rand_read_iops", "random 4 KiB pread()s of it, 2000, fixed seed (warm)", "IOPS", 0, True),
    ("cold_seq_read_mb_s", "sequential read after a fresh import (cold)", "MB/s", 1, True),
    ("cold_rand_read_iops", "random 4 KiB pread()s after another fresh import, same seed (cold)", "IOPS", 0,
     True),
    ("create_files_s", "10,000 creates of empty files in one directory (open O_CREAT + O_EXCL, close)",
     "files/s", 0, True),
    ("fsync_p50_us", "4 KiB append + fsync, 1000 times: p50", "us", 0, False),
    ("fsync_p99_us", "4 KiB append + fsync: p99", "us", 0, False),
]


def sparse_copy(src, dst):
    """Copies a sparse file, keeping its holes (a 512 MiB disk holding a
    few MiB of pool costs a few MiB)."""
    with open(src, "rb") as f, open(dst, "wb") as g:
        fd, size, off = f.fileno(), os.fstat(f.fileno()).st_size, 0
        while off < size:
            try:
                data = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:
                break           # ENXIO: only a hole is left
            hole = os.lseek(fd, data, os.SEEK_HOLE)
            while data < hole:
                b = os.pread(fd, min(hole - data, 1 << 20), data)
                os.pwrite(g.fileno(), b, data)
                data += len(b)
            off = hole
        g.truncate(size)


def zb_figures(text):
    """zfsbench's KEY VALUE lines as a dict of floats."""
    return {m.group(1): float(m.group(2)) for m in ZB_RE.finditer(text)}


def git_commit():
    return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "?"


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def rel(path):
    """A path as the report shows it: relative to the repository if inside."""
    path = os.path.abspath(path)
    r = os.path.relpath(path, ROOT)
    return path if r.startswith("..") else r


def quote(arg):
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def cmdstr(cmd):
    return " ".join(quote(rel(c) if os.path.isabs(c) else c) for c in cmd)


def stats(values):
    """(median, min, max) of a non-empty list."""
    return statistics.median(values), min(values), max(values)


def fmt(values, digits=1, unit=""):
    """'median (min-max)' of a list, for table cells."""
    if not values:
        return "n/a"
    med, lo, hi = stats(values)
    f = "%%.%df" % digits
    s = f % med + unit
    if len(values) > 1:
        s += " (" + f % lo + "–" + f % hi + ")"
    return s


def _tail(out, n=2):
    """The last n meaningful lines of a boot's output, for a failure note."""
    lines = [l.strip() for l in out.splitlines() if l.strip() and not l.startswith("run: accelerator")]
    return " / ".join(lines[-n:]) if lines else "no output"


def bisect_least(steps, ok):
    """The smallest of the ascending steps for which ok() holds, assuming
    it holds from some step on; None when even the largest fails."""
    lo, hi = 0, len(steps) - 1          # invariant: steps[hi] passes, steps[lo] fails
    if not ok(steps[hi]):
        return None
    if ok(steps[lo]):
        return steps[lo]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(steps[mid]):
            hi = mid
        else:
            lo = mid
    return steps[hi]


def kib(n):
    return "%d (%.1f KiB)" % (n, n / 1024)


class Bench:
    def __init__(self, a):
        self.a = a
        self.quick = a.quick
        self.build = os.path.abspath(a.build)
        self.kernel = os.path.join(self.build, "kernel.elf")
        self.work = os.path.join(self.build, "bench")
        self.data = os.path.join(self.build, "bench-data")
        self.out = os.path.abspath(a.out)
        self.plots = os.path.join(self.out, "bench")
        self.accel = None
        self.null_guest = None  # the guest's null system call, ns a round (sec_null)
        self.null_ring0 = []    # the same on RING0_COMMIT's kernel, when it ran
        self.notes = []
        self.cmds = []          # commands of the section being measured
        self.tree = None        # the image-size / LZ4 tree
        self.tree_desc = ""
        self.images = {}
        os.makedirs(self.work, exist_ok=True)
        os.makedirs(self.data, exist_ok=True)
        os.makedirs(self.plots, exist_ok=True)
        # Snapshot the kernel: others may rebuild build/ while we measure.
        for f in ("kernel.elf", "kernel.stripped"):
            shutil.copyfile(os.path.join(self.build, f), os.path.join(self.work, f))
        self.kernel = os.path.join(self.work, "kernel.elf")
        self.stripped = os.path.join(self.work, "kernel.stripped")
        self.terminal = self.gnuplot_terminal()

    # ---- helpers ----
    def sh(self, cmd, record=True, **kw):
        if record:
            self.cmds.append(cmdstr(cmd))
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(cmd, **kw)

    def must(self, cmd, record=True, **kw):
        p = self.sh(cmd, record, **kw)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (cmdstr(cmd), p.returncode,
                                                       (p.stdout or "")[-500:] + (p.stderr or "")[-500:]))
        return p

    def boot(self, cmdline, images=(), memory="64M", timeout=120, record=True, cpus=None):
        """Boots the kernel (cpus vCPUs; None: tools/run's default);
        returns (status, stdout, wall seconds)."""
        cmd = [RUN, "--kernel", self.kernel, "-m", str(memory), "--timeout", str(timeout)]
        if cpus is not None:
            cmd += ["-c", str(cpus)]
        for img in images:
            cmd += ["--image", img]
        cmd += ["-e", cmdline]
        if record:
            self.cmds.append(cmdstr(cmd))
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, timeout=timeout + 60)
        wall = time.monotonic() - t0
        out = p.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
        err = p.stderr.decode("utf-8", "replace")
        m = ACCEL_RE.search(err)
        if m and self.accel is None:
            self.accel = "%s (%s)" % (m.group(1), m.group(2))
        return p.returncode, out + err, wall

    def gnuplot_terminal(self):
        if not shutil.which("gnuplot"):
            return None
        p = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        terms = p.stdout + p.stderr
        if re.search(r"^\s*pngcairo\s", terms, re.M):
            return "pngcairo size 900,420 font 'sans,10'"
        if re.search(r"^\s*png\s", terms, re.M):
            return "png size 900,420"
        return None

    def plot(self, name, script, datafiles):
        """Runs a gnuplot script writing bench/NAME.png; returns a markdown
        image line, or a note when there is no gnuplot."""
        if not self.terminal:
            return "(plot %s.png not drawn: no gnuplot with a png terminal)\n" % name
        for fname, text in datafiles.items():
            with open(os.path.join(self.work, fname), "w") as f:
                f.write(text)
        png = os.path.join(self.plots, name + ".png")
        full = "set terminal %s\nset output '%s'\ncd '%s'\n%s\n" % (self.terminal, png, self.work, script)
        p = subprocess.run(["gnuplot"], input=full, capture_output=True, text=True)
        if p.returncode != 0:
            return "(plot %s.png failed: %s)\n" % (name, p.stderr.strip()[-300:])
        return "![%s](bench/%s.png)\n" % (name, name)

    def commands(self):
        if not self.cmds:
            return ""
        seen, lines = set(), []
        for c in self.cmds:
            if c not in seen:
                seen.add(c)
                lines.append(c)
        if len(lines) > 12:
            lines = lines[:12] + ["# ... %d more of the same kind" % (len(lines) - 12)]
        return "\nCommands:\n\n```\n" + "\n".join(lines) + "\n```\n"

    # ---- inputs ----
    def build_helpers(self):
        os.makedirs(self.work, exist_ok=True)
        self.readbench = os.path.join(self.work, "readbench")
        self.procbench = os.path.join(self.work, "procbench")
        self.spinbench = os.path.join(self.work, "spinbench")
        for prog in (self.readbench, self.procbench, self.spinbench):
            self.must(["musl-gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-static", "-o", prog,
                       os.path.join(ROOT, "apps", "bench", os.path.basename(prog) + ".c")], record=False)
        lz4o = os.path.join(self.work, "lz4.o")
        self.lz4bench = os.path.join(self.work, "lz4bench")
        # Our decoder with the kernel's code-generation flags that matter (no SSE).
        self.must(["gcc", "-std=c11", "-O2", "-mgeneral-regs-only", "-fno-strict-aliasing",
                   "-I" + os.path.join(ROOT, "kernel"), "-c", os.path.join(ROOT, "kernel", "lib", "lz4.c"),
                   "-o", lz4o], record=False)
        self.must(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-I" + os.path.join(ROOT, "kernel"),
                   "-o", self.lz4bench, os.path.join(ROOT, "tools", "bench", "lz4bench.c"), lz4o, "-llz4"],
                  record=False)

    def get_tree(self):
        """The tree for image sizes and LZ4: the files of the Debian packages
        (cached), or local trees without network; a small local tree with
        --quick."""
        if self.quick:
            tree = os.path.join(self.work, "quick-tree")
            if not os.path.isdir(tree):
                for src in QUICK_TREES:
                    shutil.copytree(src, tree + src, symlinks=True,
                                    ignore=shutil.ignore_patterns("__pycache__"))
            self.tree = tree
            self.tree_desc = "--quick: local %s (without __pycache__)" % ", ".join(QUICK_TREES)
            return
        tree = os.path.join(self.data, "tree")
        debs = os.path.join(self.data, "debs")
        stamp = os.path.join(self.data, "tree.done")
        if not os.path.exists(stamp):
            os.makedirs(debs, exist_ok=True)
            have = os.listdir(debs)
            missing = [d for d in DEBS if not any(f.startswith(d + "_") for f in have)]
            if missing:
                log("apt-get download %s" % " ".join(missing))
                subprocess.run(["apt-get", "download"] + missing, cwd=debs, capture_output=True, timeout=300)
            files = sorted(f for f in os.listdir(debs) if f.endswith(".deb"))
            if all(any(f.startswith(d + "_") for f in files) for d in DEBS):
                shutil.rmtree(tree, ignore_errors=True)
                os.makedirs(tree)
                for f in files:
                    self.must(["dpkg", "-x", os.path.join(debs, f), tree], record=False)
                with open(stamp, "w") as f:
                    f.write("\n".join(files) + "\n")
        if os.path.exists(stamp):
            with open(stamp) as f:
                debnames = f.read().split()
            self.tree = tree
            self.tree_desc = ("files of the Debian packages %s (`apt-get download` + `dpkg -x`, cached in %s)"
                              % (", ".join(debnames), rel(self.data)))
            return
        tree = os.path.join(self.work, "local-tree")
        if not os.path.isdir(tree):
            for src in LOCAL_TREES:
                shutil.copytree(src, tree + src, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        self.tree = tree
        self.tree_desc = ("apt-get download failed (no network?): local %s instead"
                          % ", ".join(LOCAL_TREES))
        self.notes.append("The image-size tree is a local fallback: " + self.tree_desc)

    def tree_files(self):
        out = []
        for dirpath, dirs, files in os.walk(self.tree):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(dirpath, f)
                if os.path.isfile(p) and not os.path.islink(p):
                    out.append(p)
        return out

    def mkimage(self, name, lines, keep=None):
        """An image of the manifest lines; with keep, mkimage --keep stages
        into that directory and leaves the ROFS image as KEEP.rofs."""
        manifest = os.path.join(self.work, name + ".manifest")
        with open(manifest, "w") as f:
            f.write("\n".join(lines) + "\n")
        img = os.path.join(self.work, name + ".img")
        cmd = [os.path.join(self.build, "tools", "mkimage"), "-q"]
        if keep:
            shutil.rmtree(keep, ignore_errors=True)
            if os.path.exists(keep + ".rofs"):
                os.unlink(keep + ".rofs")
            cmd += ["--keep", keep]
        self.must(cmd + [manifest, img])
        return img

    def boot_image(self):
        if "boot" not in self.images:
            self.images["boot"] = self.mkimage("boot", ["/bin/busybox: /bin/busybox"])
        return self.images["boot"]

    def read_image(self):
        """Root with readbench and /data/big, made of the tree's files
        (realistic compressibility), 32 MiB (8 MiB with --quick)."""
        if "read" not in self.images:
            size = (8 if self.quick else 32) << 20
            big = os.path.join(self.work, "big")
            with open(big, "wb") as out:
                n = 0
                files = self.tree_files()
                while n < size:
                    for p in files:
                        with open(p, "rb") as f:
                            b = f.read(size - n)
                        out.write(b)
                        n += len(b)
                        if n >= size:
                            break
            self.big_size = size
            self.images["read"] = self.mkimage("read", ["/bin/busybox: /bin/busybox",
                                                        "/bin/readbench: " + self.readbench,
                                                        "/bin/procbench: " + self.procbench,
                                                        "/data/big: " + big])
        return self.images["read"]

    # ---- sections ----
    def sec_sizes(self):
        rows = []
        stripped, elf = self.stripped, self.kernel
        rows.append(("kernel.elf stripped (`%s`)" % rel(os.path.join(self.build, "kernel.stripped")),
                     os.path.getsize(stripped)))
        rows.append(("kernel.elf with symbols and debug info (`%s`)" % rel(os.path.join(self.build, "kernel.elf")),
                     os.path.getsize(elf)))
        mods = sorted(f for f in os.listdir(os.path.join(self.build, "modules")) if f.endswith(".so")) \
            if os.path.isdir(os.path.join(self.build, "modules")) else []
        for m in mods:
            path = os.path.join(self.build, "modules", m)
            tmp = os.path.join(self.work, m + ".stripped")
            self.must(["strip", "-o", tmp, path])
            rows.append(("module %s (`%s`), stripped" % (m, rel(path)), os.path.getsize(tmp)))
            rows.append(("module %s, as built" % m, os.path.getsize(path)))
        self.cmds.append("stat -c %s build/kernel.stripped build/kernel.elf  # copied to build/bench/ first")
        t = "| file | bytes |\n|------|------:|\n"
        for name, n in rows:
            t += "| %s | %s |\n" % (name, kib(n))
        ratio = os.path.getsize(stripped) / (6.35e6)
        t += ("\nFor comparison, OSv's stripped kernel is 6.35 MB (docs/architecture.md): Osprey's is %.3fx of it.\n" % ratio)
        if not mods:
            t += "\nNo modules were built (build/modules/*.so is empty).\n"
        return t

    def sec_boot(self):
        img = self.boot_image()
        n = 3 if self.quick else self.a.boots
        steps, order, first, walls, tscs, fails = {}, [], [], [], [], 0
        for i in range(n):
            status, out, wall = self.boot("--bootchart /bin/busybox true", [img], record=(i == 0))
            m = FIRST_RE.search(out)
            if status != 0 or not m:
                fails += 1
                continue
            walls.append(wall * 1000)
            first.append(float(m.group(2)))
            t = TSC_RE.search(out)
            if t:
                tscs.append(int(t.group(1)))
            inchart = False
            for line in out.splitlines():
                if TSC_RE.search(line):
                    inchart = True
                    continue
                c = CHART_RE.match(line) if inchart else None
                if c:
                    name = c.group(1)
                    if name not in steps:
                        steps[name] = []
                        order.append(name)
                    steps[name].append(float(c.group(2)))
                elif inchart:
                    inchart = False
        if not first:
            raise RuntimeError("no boot printed a bootchart (%d failures)" % fails)
        self.cmds.append("# %d boots; wall time is time.monotonic() around tools/run" % n)
        t = ("%d boots of a ROFS root holding only /bin/busybox (Debian busybox-static), `-m 64M`, microvm, "
             "program `/bin/busybox true`; times from kernel entry (guest TSC, %s kHz), "
             "median (min–max) in ms.\n\n" % (len(first), fmt(tscs, 0) if tscs else "?"))
        t += "| step | since kernel entry (ms) | step itself (ms) |\n|------|------:|------:|\n"
        prev = None
        timeline = []
        for name in order:
            vals = steps[name]
            inc = [v - p for v, p in zip(vals, steps[prev])] if prev else vals
            t += "| %s | %s | %s |\n" % (name, fmt(vals, 3), fmt(inc, 3))
            timeline.append((name, statistics.median(steps[prev]) if prev else 0.0, statistics.median(vals)))
            prev = name
        eob = steps.get("end of boot") or steps[order[-1]]
        load = [f - e for f, e in zip(first, eob)]
        t += "| program's first system call (program start) | %s | %s |\n" % (fmt(first, 3), fmt(load, 3))
        t += "| whole QEMU process (wall time around tools/run) | %s | |\n" % fmt(walls, 1)
        timeline.append(("program start (1st syscall)", statistics.median(eob), statistics.median(first)))
        if fails:
            t += "\n%d of %d boots failed and are left out.\n" % (fails, n)
        t += ("\nThe last step, end of boot -> first system call, is loading /bin/busybox (%.2f MB) from ROFS "
              "and starting it: median %.1f ms.\n" % (os.path.getsize("/bin/busybox") / 1e6, statistics.median(load)))
        data = "".join('"%s" %.3f %.3f\n' % x for x in timeline)
        script = ("set title 'Boot timeline (median of %d boots, guest TSC)'\nset xlabel 'ms since kernel entry'\n"
                  "set yrange [-0.7:%f] reverse\nset xrange [0:%f]\nset grid x\nunset key\nset style fill solid 0.6\n"
                  "plot 'boot.dat' using (($2+$3)/2):0:2:3:($0-0.35):($0+0.35):ytic(1) with boxxyerror lc rgb '#3070b0', "
                  "'' using 3:0:(sprintf('%%.1f', $3)) with labels left offset 0.5,0\n"
                  % (len(first), len(timeline) - 0.3, statistics.median(first) * 1.12))
        t += "\n" + self.plot("boot", script, {"boot.dat": data})
        return t

    def sec_minmem(self):
        img = self.boot_image()
        cache = {}

        def ok(mib):
            if mib not in cache:
                status, out, _ = self.boot("/bin/busybox ls /", [img], memory="%dM" % mib,
                                           timeout=30, record=not cache)
                good = status == 0 and any(re.search(r"\bbin\b", l) and re.search(r"\bdev\b", l)
                                           for l in out.splitlines())
                last = [l for l in out.splitlines() if l.strip() and not l.startswith("  #")
                        and not l.startswith("run: ")]
                cache[mib] = (bool(good), status, last[-3:])
            return cache[mib][0]

        lo, hi = 2, 64
        if not ok(hi):
            raise RuntimeError("does not boot with -m %dM: %s" % (hi, cache[hi]))
        if ok(lo):
            hi = lo
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
        confirm = [ok(hi)] + [self.boot("/bin/busybox ls /", [img], memory="%dM" % hi, timeout=30,
                                        record=False)[0] == 0 for _ in range(2)]
        self.cmds.append("# bisection over whole MiB in [2, 64]: -m %s" % ", ".join("%dM" % k for k in cache))
        t = ("Smallest `-m` (whole MiB) at which the busybox image boots and `/bin/busybox ls /` exits 0 "
             "with the listing printed; bisection over [2, 64] MiB, then 3 boots at the answer.\n\n")
        t += "| | MiB |\n|---|---:|\n| minimum memory | %d |\n| boots at the minimum that passed | %d of 3 |\n" % (
            hi, sum(confirm))
        t += "| OSv ROFS image, for comparison (docs/architecture.md) | 13 |\n"
        if hi == 2:
            t += ("\n2 MiB is the least tools/run accepts (the kernel is loaded at 1 MiB), so the real minimum "
                  "may be lower.\n")
        t += "\nTried: " + ", ".join("%d MiB %s" % (k, "ok" if v[0] else "fails (status %d)" % v[1])
                                     for k, v in sorted(cache.items())) + ".\n"
        if hi > 2 and (hi - 1) in cache:
            t += "\nAt %d MiB the end of the output is:\n\n```\n%s\n```\n" % (hi - 1, "\n".join(cache[hi - 1][2]))
        return t

    def fs_images(self, tree, name, keys=None):
        """Builds an image of `tree` with each filesystem builder (those in
        keys, or all), ROFS first; rows of (label, bytes or None, seconds,
        key or why not). ROFS and squashfs use the same block size,
        ROFS_CLUSTER."""
        kib_ = ROFS_CLUSTER >> 10
        variants = [
            ("ROFS (tools/mkrofs, %d KiB clusters, LZ4HC)" % kib_, "ROFS",
             lambda img: [os.path.join(self.build, "tools", "mkrofs"), "-q", "--cluster-size",
                          str(ROFS_CLUSTER), tree, img]),
            ("squashfs (lz4 -Xhc, %d KiB blocks)" % kib_, "squashfs",
             lambda img: ["mksquashfs", tree, img, "-comp", "lz4", "-Xhc", "-b", str(ROFS_CLUSTER),
                          "-noappend", "-quiet", "-no-progress"]),
            ("EROFS (lz4hc, default 4 KiB pclusters)", "EROFS",
             lambda img: ["mkfs.erofs", "-zlz4hc", img, tree]),
            ("EROFS (lz4hc, -C%d)" % ROFS_CLUSTER, "EROFS-C%d" % ROFS_CLUSTER,
             lambda img: ["mkfs.erofs", "-zlz4hc", "-C%d" % ROFS_CLUSTER, img, tree]),
        ]
        rows = []
        for label, key, mk in variants:
            if keys and key not in keys:
                continue
            img = os.path.join(self.work, "%s.%s" % (name, key))
            if os.path.exists(img):
                os.unlink(img)
            cmd = mk(img)
            if not shutil.which(cmd[0]) and not os.path.exists(cmd[0]):
                rows.append((label, None, None, "%s not installed" % cmd[0]))
                continue
            t0 = time.monotonic()
            p = self.sh(cmd)
            took = time.monotonic() - t0
            if p.returncode != 0:
                rows.append((label, None, None, (p.stderr or p.stdout).strip().splitlines()[-1:]))
                continue
            rows.append((label, os.path.getsize(img), took, key))
        return rows

    @staticmethod
    def fs_table(rows, nbytes):
        """The table of fs_images rows, sizes against the first (ROFS);
        (markdown, gnuplot data of the built ones)."""
        rofs = rows[0][1]
        t = "| filesystem | image bytes | of input | vs ROFS | build time (s) |\n|---|---:|---:|---:|---:|\n"
        data = ""
        for label, size, took, why in rows:
            if size is None:
                t += "| %s | n/a | | | %s |\n" % (label, why)
                continue
            t += "| %s | %d | %.1f%% | %s | %.1f |\n" % (
                label, size, 100.0 * size / nbytes, "%.3fx" % (size / rofs) if rofs else "", took)
            data += '"%s" %.3f\n' % (why, size / 1e6)
        t += "| (uncompressed input) | %d | 100.0%% | | |\n" % nbytes
        return t, data

    def sec_image_size(self):
        files = self.tree_files()
        nbytes = sum(os.path.getsize(p) for p in files)
        rows = self.fs_images(self.tree, "tree")
        t = "Tree: %s; %d regular files, %d bytes.\n\n" % (self.tree_desc, len(files), nbytes)
        table, data = self.fs_table(rows, nbytes)
        t += table
        t += ("\nEach image is built once (sizes are deterministic); build times are one run each, "
              "on a warm page cache.\n")
        script = ("set title 'Image size of the same tree (smaller is better)'\nset ylabel 'MB'\n"
                  "set style fill solid 0.6\nset boxwidth 0.6\nunset key\nset grid y\nset yrange [0:*]\n"
                  "plot 'size.dat' using 0:2:xtic(1) with boxes lc rgb '#3070b0', "
                  "'' using 0:2:(sprintf('%%.2f', $2)) with labels offset 0,0.7\n" % ())
        t += "\n" + self.plot("image-size", script, {"size.dat": data})
        return t

    def sec_lz4(self):
        listfile = os.path.join(self.work, "lz4.list")
        with open(listfile, "w") as f:
            f.write("\n".join(self.tree_files()) + "\n")
        rounds = 3 if self.quick else 7
        p = self.must([self.lz4bench, "-r", str(rounds), listfile])
        ours, theirs, info = [], [], ""
        for line in p.stdout.splitlines():
            m = re.match(r"round \d+: osprey ([\d.]+) MB/s liblz4 ([\d.]+) MB/s", line)
            if m:
                ours.append(float(m.group(1)))
                theirs.append(float(m.group(2)))
            elif line.startswith("input:"):
                info = line[len("input: "):]
        ratio = [a / b for a, b in zip(ours, theirs)]
        t = ("Host, one thread: the tree of *ROFS image size* cut into 64 KiB blocks, each compressed with "
             "LZ4HC level 12 (as mkrofs does); every round decodes all blocks with each decoder. %s. "
             "Our decoder is kernel/lib/lz4.c compiled with -O2 -mgeneral-regs-only as in the kernel; liblz4 is "
             "Debian's. %d rounds, median (min–max).\n\n" % (info, len(ours)))
        t += "| decoder | MB/s (decoded bytes) |\n|---|---:|\n"
        t += "| Osprey lz4_decompress | %s |\n| liblz4 LZ4_decompress_safe | %s |\n" % (fmt(ours, 0), fmt(theirs, 0))
        t += "| ratio Osprey / liblz4 | %s |\n" % fmt(ratio, 2, "x")
        return t

    def sec_rofs_read(self):
        img = self.read_image()
        caches = ["256K", "4M"] if self.quick else ["256K", "1M", "4M", "16M", "64M"]
        rounds = 3 if self.quick else 5
        count = 300 if self.quick else 1000
        res = {}
        # One program per boot: a program run after another one in the same
        # boot can be far slower (see the note below), so every measurement
        # is the first program of a fresh boot.
        for c in caches:
            r = {"seq": [], "rand": []}
            for prog in ("/bin/readbench seq /data/big 4096 %d" % rounds,
                         "/bin/readbench rand /data/big 4096 %d %d" % (count, rounds)):
                status, out, _ = self.boot("--rofs-cache=%s %s" % (c, prog), [img], memory="192M",
                                           timeout=600, record=(c == caches[0]))
                for m in RB_RE.finditer(out):
                    r[m.group(1)].append(int(m.group(3)) / (int(m.group(5)) / 1e9) / 1e6)
                if status != 0:
                    r["error"] = "status %d: %s" % (status, out.strip().splitlines()[-1:] if out.strip() else "")
            res[c] = r
        self.cmds.append("# the same for --rofs-cache=" + ", ".join(caches))
        t = ("Guest (microvm, `-m 192M`): apps/bench/readbench reads /data/big, a %d MiB file made of the tree's "
             "files (ROFS, 64 KiB LZ4HC clusters) from start to end in 4 KiB read() calls (%d rounds), then "
             "in another boot makes %d pread() calls of 4 KiB at random 4 KiB-aligned offsets (%d rounds); one "
             "boot per cache size and access pattern, the cache is not emptied between rounds. MB/s (10^6 bytes), median (min–max) over rounds.\n\n"
             % (self.big_size >> 20, rounds, count, rounds))
        t += "| --rofs-cache | sequential 4 KiB reads | random 4 KiB preads |\n|---|---:|---:|\n"
        data = ""
        for c in caches:
            r = res[c]
            t += "| %s | %s | %s |\n" % (c, fmt(r["seq"], 1), fmt(r["rand"], 2) if "error" not in r or r["rand"]
                                         else "failed: " + r["error"])
            if r["seq"] and r["rand"]:
                mult = {"K": 1, "M": 1024}[c[-1]]
                data += "%d %.3f %.3f\n" % (int(c[:-1]) * mult, statistics.median(r["seq"]),
                                             statistics.median(r["rand"]))
        warm = [c for c in caches if any(v and max(v) > 3 * min(v) for v in (res[c]["seq"], res[c]["rand"]))]
        if warm:
            t += ("\nWith --rofs-cache=%s the rounds differ a lot: each boot starts with an empty cache, and when "
                  "the cache holds most of the %d MiB file later rounds find its clusters still cached, so the "
                  "median mixes cold and warm rounds.\n" % (", ".join(warm), self.big_size >> 20))
        script = ("set title 'Guest ROFS read throughput vs cluster cache size'\nset logscale xy\n"
                  "set xlabel '--rofs-cache (KiB)'\nset ylabel 'MB/s'\nset grid\nset key top left\n"
                  "plot 'cache.dat' using 1:2 with linespoints lw 2 title 'sequential 4 KiB', "
                  "'' using 1:3 with linespoints lw 2 title 'random 4 KiB'\n")
        t += "\n" + self.plot("rofs-cache", script, {"cache.dat": data})
        return t

    def sec_virtio(self):
        mib = 32 if self.quick else 256
        raw = os.path.join(self.data, "random-%dM.img" % mib)
        if not os.path.exists(raw) or os.path.getsize(raw) != mib << 20:
            rnd = random.Random(42)
            with open(raw + ".tmp", "wb") as f:
                for _ in range(mib):
                    f.write(rnd.randbytes(1 << 20))
            os.rename(raw + ".tmp", raw)
        rounds = 3 if self.quick else 5
        img = self.read_image()
        status, out, _ = self.boot("/bin/readbench seq /dev/vblk1 65536 %d" % rounds, [img, raw],
                                   memory="128M", timeout=600)
        guest = [int(m.group(3)) / (int(m.group(5)) / 1e9) / 1e6 for m in RB_RE.finditer(out)]
        if not guest:
            raise RuntimeError("guest read failed, status %d: %s" % (status, out.strip().splitlines()[-3:]))
        p = self.must([self.readbench, "seq", raw, "65536", str(rounds + 1)])
        host = [int(m.group(3)) / (int(m.group(5)) / 1e9) / 1e6 for m in RB_RE.finditer(p.stdout)][1:]
        ratio = statistics.median(guest) / statistics.median(host)
        t = ("A second disk, a raw %d MiB file of random bytes, is /dev/vblk1 in the guest (virtio-blk-device, "
             "cache=writeback); readbench reads it start to end in 64 KiB read() calls, %d rounds. The host "
             "reads the same file with the same static binary, %d rounds after one unrecorded round that "
             "warms the page cache. MB/s, median (min–max).\n\n" % (mib, rounds, rounds))
        t += "| reader | MB/s |\n|---|---:|\n| guest /dev/vblk1 | %s |\n| host, same file | %s |\n" % (
            fmt(guest, 1), fmt(host, 1))
        t += "| ratio guest / host (medians) | %.4f |\n" % ratio
        return t

    def null_initrd(self):
        """A cpio root holding only /bin/readbench: both kernels boot it."""
        root = os.path.join(self.work, "null-root")
        os.makedirs(os.path.join(root, "bin"), exist_ok=True)
        shutil.copy(self.readbench, os.path.join(root, "bin", "readbench"))
        cpio = os.path.join(self.work, "null.cpio")
        names = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
        with open(cpio, "wb") as f:
            subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=root, input=names, stdout=f, check=True)
        return cpio

    def ring0_kernel(self):
        """(kernel.elf of RING0_COMMIT, None), built in the work folder from
        `git archive` (lwIP's sources taken from this build), or (None, why)."""
        dst = os.path.join(self.work, "ring0")
        elf = os.path.join(dst, "build", "kernel.elf")
        if os.path.exists(elf):
            return elf, None
        if subprocess.run(["git", "-C", ROOT, "cat-file", "-e", RING0_COMMIT + "^{commit}"],
                          capture_output=True).returncode:
            return None, "commit %s is not in this clone" % RING0_COMMIT
        shutil.rmtree(dst, ignore_errors=True)
        os.makedirs(os.path.join(dst, "build"))
        tar = subprocess.run(["git", "-C", ROOT, "archive", RING0_COMMIT], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", dst], input=tar, check=True)
        lwip = os.path.join(self.build, "lwip-src")
        if os.path.isdir(lwip):
            shutil.copytree(lwip, os.path.join(dst, "build", "lwip-src"), symlinks=True)
        p = subprocess.run(["make", "-C", dst, "-j2", "kernel"], capture_output=True, text=True)
        if p.returncode or not os.path.exists(elf):
            return None, "its kernel did not build: " + (p.stdout + p.stderr).strip()[-200:]
        return elf, None

    def null_boot(self, kernel, initrd, calls, rounds):
        """ns per null system call, a value a round, in one boot of kernel."""
        cmd = [RUN, "--kernel", kernel, "-m", "64M", "--timeout", "600", "--initrd", initrd,
               "-e", "/bin/readbench null %d %d" % (calls, rounds)]
        self.cmds.append(cmdstr(cmd))
        p = subprocess.run(cmd, capture_output=True, timeout=660)
        out = p.stdout.decode("utf-8", "replace")
        ns = [int(m.group(5)) / int(m.group(3)) for m in RB_RE.finditer(out)]
        if not ns:
            raise RuntimeError("null run of %s failed, status %d: %s" % (
                rel(kernel), p.returncode, out.strip().splitlines()[-3:]))
        return ns

    def guest_null(self, calls, rounds, ring0=None):
        """ns per null system call in this kernel, one value a round, over
        NULL_BOOTS boots (kept for the Processes section); with ring0 (a
        kernel), that kernel's too, its boots alternated with this one's."""
        initrd = self.null_initrd()
        now, old = [], []
        for _ in range(1 if self.quick else NULL_BOOTS):
            if ring0:
                old += self.null_boot(ring0, initrd, calls, rounds)
            now += self.null_boot(self.kernel, initrd, calls, rounds)
        self.null_guest, self.null_ring0 = now, old
        return now

    def sec_null(self):
        calls = 100000 if self.quick else 1000000
        rounds = 3 if self.quick else 5
        ring0, why = (None, "not under --quick") if self.quick else self.ring0_kernel()
        guest = self.guest_null(calls, rounds, ring0)
        p = self.must([self.readbench, "null", str(calls), str(rounds)])
        host = [int(m.group(5)) / int(m.group(3)) for m in RB_RE.finditer(p.stdout)]
        boots = 1 if self.quick else NULL_BOOTS
        t = ("`syscall(SYS_getppid)` %d times in a loop, timed with clock_gettime(CLOCK_MONOTONIC), %d rounds a "
             "boot, %d boot%s from a cpio root holding the binary; the same static binary (apps/bench/readbench.c, "
             "musl) in the guest and on the Linux host. The ring-0 kernel is commit %s, the last before programs "
             "ran in ring 3, built from `git archive` and booted in turn with this one. ns per call, median "
             "(min–max).\n\n" % (calls, rounds, boots, "" if boots == 1 else "s", RING0_COMMIT))
        t += "| where | ns/call |\n|---|---:|\n| guest (Osprey, programs in ring 3) | %s |\n" % fmt(guest, 1)
        t += "| guest (Osprey %s, programs in ring 0) | %s |\n" % (
            RING0_COMMIT, fmt(self.null_ring0, 1) if self.null_ring0 else "SKIP (%s)" % why)
        t += "| host (Linux %s) | %s |\n" % (platform.release(), fmt(host, 1))
        t += "| ratio guest / host (medians) | %.3f |\n" % (statistics.median(guest) / statistics.median(host))
        if self.null_ring0:
            t += "| ratio ring 3 / ring 0 (medians; the bound is 1.5) | %.2f |\n" % (
                statistics.median(guest) / statistics.median(self.null_ring0))
        if os.path.exists("/sys/module/kvm_pvm") or "hypervisor" in open("/proc/cpuinfo").read():
            t += ("\nThe host is itself a virtual machine, so its system calls may cost more than on bare metal; "
                  "the guest's `syscall` instruction is emulated by TCG.\n")
        return t

    # ---- processes ----
    @staticmethod
    def pb_figures(text):
        """procbench's output: ({mode: [us per cycle, a round]}, {idle line: bytes per child})."""
        cycles = {}
        for m in PB_RE.finditer(text):
            cycles.setdefault(m.group(1), []).append(int(m.group(3)) / int(m.group(2)) / 1000)
        idle = {m.group(1): int(m.group(3)) for m in PB_IDLE_RE.finditer(text)}
        return cycles, idle

    def pb_host(self, n, rounds, k):
        """procbench on the host; without /bin/busybox only the modes that exec nothing."""
        if os.path.exists("/bin/busybox"):
            return self.must([self.procbench, "all", str(n), str(rounds), str(k), "/bin/busybox", "true"]).stdout
        out = ""
        for mode in (["fork", str(n), str(rounds)], ["vfork", str(n), str(rounds)], ["idle", str(k)]):
            out += self.must([self.procbench] + mode).stdout
        return out

    def peer_run(self, env, name, indir, script, timeout, what):
        """Boots the Linux peer once for script (IN_DIR indir, or none;
        OUT_DIR BUILD/bench/NAME-out): (run.log, build.sh's stderr,
        seconds) or (None, why it failed, 0)."""
        outdir = os.path.join(self.work, name + "-out")
        shutil.rmtree(outdir, ignore_errors=True)
        self.cmds.append("%s ../shared/peers/linux-vm/build.sh run - %s %s %s"
                         % (self.peer_env_str(env), rel(indir) if indir else "-", rel(outdir), quote(script)))
        log("linux peer: build.sh run (%s)" % what)
        t0 = time.monotonic()
        try:
            p = subprocess.run([PEER, "run", "-", indir or "-", outdir, script], env=env, capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "`build.sh run` ran over %d s" % timeout, 0
        runlog = ""
        if os.path.exists(os.path.join(outdir, "run.log")):
            with open(os.path.join(outdir, "run.log")) as f:
                runlog = f.read()
        if p.returncode != 0 or "peer: end" not in runlog:
            return None, "`build.sh run` failed (%d): %s" % (p.returncode,
                                                            _tail(runlog or (p.stderr + p.stdout), 3)), 0
        return runlog, p.stderr, time.monotonic() - t0

    def pb_linux(self, n, rounds, k):
        """procbench in the Linux peer guest: (output, description) or (None, why it was skipped)."""
        env, why = self.peer_ready(int(PB_MEM.rstrip("M")))
        if env is None:
            return None, why
        indir = os.path.join(self.work, "procvm-in")
        shutil.rmtree(indir, ignore_errors=True)
        os.makedirs(indir)
        shutil.copy2(self.procbench, os.path.join(indir, "procbench"))
        # The same static busybox as in Osprey's image, copied to the peer's
        # own disk so that every exec reads it from the page cache, not 9p.
        if os.path.exists("/bin/busybox"):
            shutil.copy2("/bin/busybox", os.path.join(indir, "busybox"))
            copy, prog, said = "/io/in/busybox", "/tmp/busybox true", "the host's static /bin/busybox"
        else:
            copy, prog, said = "", "/bin/true", "Debian's /bin/true (the host has no /bin/busybox)"
        script = ("cp /io/in/procbench %s /tmp/ || exit 1; echo \"peer: kernel $(uname -r) cpus $(nproc) "
                  "memtotal_kib $(awk '/^MemTotal/ {print $2}' /proc/meminfo)\"; "
                  "/tmp/procbench all %d %d %d %s || exit 1; echo 'peer: end'" % (copy, n, rounds, k, prog))
        runlog, err, took = self.peer_run(env, "procvm", indir, script, 900, "procbench")
        if runlog is None:
            return None, err
        info = re.search(r"^peer: kernel (\S+) cpus (\d+) memtotal_kib (\d+)", runlog, re.M)
        acc = re.search(r"accel=(\w+)", err)
        desc = ("Debian 12, Linux %s, %s vCPU (ZFSVM_CPUS=1), %s MiB (ZFSVM_MEM; MemTotal %d MiB), accelerator "
                "%s (build.sh: thread=multi, -cpu qemu64, machine pc under TCG); exec of %s; one VM boot, %.0f s"
                % (info.group(1) if info else "?", info.group(2) if info else "?", env["ZFSVM_MEM"],
                   int(info.group(3)) // 1024 if info else 0, acc.group(1) if acc else "?", said, took))
        return runlog, desc

    def sec_procs(self):
        n, rounds, k = (20, 3, 8) if self.quick else (200, 7, 32)
        # Often run alone (--only) and spliced into the report: it says when.
        when, load = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.getloadavg()
        status, out, _ = self.boot("/bin/procbench all %d %d %d /bin/busybox true" % (n, rounds, k),
                                   [self.read_image()], memory=PB_MEM, timeout=900)
        if status != 0:
            raise RuntimeError("guest run failed, status %d: %s" % (status, _tail(out, 3)))
        cols = {"osprey": self.pb_figures(out), "host": self.pb_figures(self.pb_host(n, rounds, k))}
        peer_out, peer_desc = self.pb_linux(n, rounds, k)
        cols["peer"] = self.pb_figures(peer_out) if peer_out else ({}, {})

        def cell(vals):
            return fmt(vals, 1) if vals else ("SKIP" if vals is None else "n/a")

        def ratio(a, b):
            return "%.2f" % (statistics.median(a) / statistics.median(b)) if a and b else "—"

        t = ("apps/bench/procbench.c (static, musl), the same binary in the Osprey guest (microvm, `-m %s`, "
             "booted from the ROFS read throughput section's image: ROFS root), in the Linux peer guest and on the host: "
             "%d rounds of %d cycles each, timed with clock_gettime(CLOCK_MONOTONIC); every child must end "
             "with status 0. µs per cycle, median (min–max) over rounds. Measured %s; host load average when "
             "the section started: %.2f %.2f %.2f.\n\n" % (PB_MEM, rounds, n, when, load[0], load[1], load[2]))
        t += ("| µs per cycle | Osprey | Linux peer | host (Linux %s) | Osprey / peer | Osprey / host |\n"
              "|---|---:|---:|---:|---:|---:|\n" % platform.release())
        for mode, what in PB_MODES:
            o, p, h = (cols[c][0].get(mode) for c in ("osprey", "peer", "host"))
            p = p if peer_out else None
            h = h if h or mode in ("fork", "vfork") else None
            t += "| %s | %s | %s | %s | %s | %s |\n" % (what, cell(o), cell(p), cell(h), ratio(o, p), ratio(o, h))
        t += self.pb_idle_table(cols, k, peer_out is not None)
        if not peer_out:
            t += "\nLinux peer: **SKIP** (%s)\n" % peer_desc
        else:
            t += "\nLinux peer: %s.\n" % peer_desc
        if not os.path.exists("/bin/busybox"):
            t += "\nHost fork+exec and posix_spawn: **SKIP** (no /bin/busybox on the host).\n"
        return t + self.pb_null_line()

    def pb_idle_table(self, cols, k, peer_ran):
        """The memory an idle forked child costs, as each system reports it."""
        t = ("\n%d children forked, each writes one byte to a pipe and pauses; the parent reads the %d bytes, "
             "then asks the system (bytes per child, in KiB):\n\n"
             "| idle forked child, KiB | Osprey | Linux peer | host | Osprey / peer | Osprey / host |\n"
             "|---|---:|---:|---:|---:|---:|\n" % (k, k))

        def kib_of(col, fn):
            idle = cols[col][1]
            try:
                return fn(idle) / 1024
            except KeyError:
                return None

        rows = [("/proc/meminfo MemFree before the forks minus after, / children", lambda i: i["memfree"]),
                ("/proc/PID/smaps_rollup Private_Clean + Private_Dirty + VmPTE + %d KiB kernel stack"
                 % (LINUX_KSTACK // 1024), lambda i: i["uss"] + i["pte"] + LINUX_KSTACK)]
        for what, fn in rows:
            o, p, h = kib_of("osprey", fn), kib_of("peer", fn), kib_of("host", fn)
            cells = ["%.1f" % v if v is not None else "n/a" for v in (o, p, h)]
            if not peer_ran:
                cells[1] = "SKIP"
            rat = ["%.2f" % (o / b) if o is not None and b else "—" for b in (p, h)]
            t += "| %s | %s |\n" % (what, " | ".join(cells + rat))
        t += ("\nOsprey has no /proc/PID/smaps_rollup, so only MemFree speaks for it. Linux's MemFree leaves out the "
              "pages on its per-CPU free lists, from which small allocations come first, and moves with "
              "everything else the system does (page cache, other processes): its row is noisy and may "
              "show 0 for a few children.\n")
        return t

    def pb_null_line(self):
        """The ring-3 null system call beside the ring-0 one (sec_null)."""
        if self.null_guest is None:
            self.guest_null(100000, 3)
        now = statistics.median(self.null_guest)
        t = ("\nNull system call (`syscall(SYS_getppid)`, readbench null; section \"Null system call\"): ring 3 "
             "%.1f ns (median of %d rounds, this run)" % (now, len(self.null_guest)))
        if not self.null_ring0:
            return t + "; the ring-0 kernel of commit %s was not booted in this run.\n" % RING0_COMMIT
        then = statistics.median(self.null_ring0)
        return t + (", ring 0 (commit %s, booted in turn with it) %.1f ns: ratio %.2f.\n" % (
            RING0_COMMIT, then, now / then))

    # ---- dynamic programs ----
    def hyperfine(self, cmd, runs, warmup=3):
        """Wall times (ms) of cmd run directly (hyperfine -N: no shell),
        after warmup runs that are not recorded; None without hyperfine."""
        if not shutil.which("hyperfine"):
            return None
        js = os.path.join(self.work, "hyperfine.json")
        hf = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs), "--export-json", js]
        self.cmds.append(cmdstr(hf + [" ".join(quote(rel(c) if os.path.isabs(c) else c) for c in cmd)]))
        self.must(hf + [" ".join(quote(c) for c in cmd)], record=False)
        with open(js) as f:
            return [t * 1000 for t in json.load(f)["results"][0]["times"]]

    def py_linux(self, runs):
        """`python3 -c pass` in the Linux peer guest, timed by bash's
        $EPOCHREALTIME around each run: ({"cold": [ms], "warm": [ms],
        "uptime": [ms]}, description) or (None, why it was skipped)."""
        env, why = self.peer_ready(PY_PEER_MEM)
        if env is None:
            return None, why
        script = ("echo \"peer: kernel $(uname -r) $(/usr/bin/python3 -V) cpus $(nproc) uptime $(cut -d' ' -f1 "
                  "/proc/uptime)\"; for i in $(seq 0 %d); do s=$EPOCHREALTIME; /usr/bin/python3 -c pass || exit 1; "
                  "e=$EPOCHREALTIME; echo \"peer: pass $i $s $e\"; done; echo 'peer: end'" % runs)
        runlog, err, took = self.peer_run(env, "pyvm", None, script, 900, "python3 -c pass, %d runs" % (runs + 1))
        if runlog is None:
            return None, err
        res = {"cold": [], "warm": []}
        for m in re.finditer(r"^peer: pass (\d+) ([\d.]+) ([\d.]+)$", runlog, re.M):
            ms = (float(m.group(3)) - float(m.group(2))) * 1000
            res["cold" if m.group(1) == "0" else "warm"].append(ms)
        info = re.search(r"^peer: kernel (\S+) Python (\S+) cpus (\d+) uptime ([\d.]+)", runlog, re.M)
        res["uptime"] = [float(info.group(4)) * 1000] if info else []
        acc = re.search(r"accel=(\w+)", err)
        desc = ("Debian 12, Linux %s, Python %s (Debian's python3 package), %s vCPU (ZFSVM_CPUS=1), %d MiB "
                "(ZFSVM_MEM), accelerator %s (build.sh: thread=multi, -cpu qemu64, machine pc under TCG), "
                "root an ext4 image on virtio-blk-pci; one VM boot for all runs, %.0f s"
                % (info.group(1) if info else "?", info.group(2) if info else "?", info.group(3) if info else "?",
                   PY_PEER_MEM, acc.group(1) if acc else "?", took))
        return res, desc

    def sec_dynamic(self):
        if not os.path.exists(PY_HOST) or not os.path.isfile("/usr/lib/python3.11/os.py"):
            raise RuntimeError("the host has no %s with /usr/lib/python3.11" % PY_HOST)
        # Often run alone (--only) and spliced into the report: it says when.
        when, load = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.getloadavg()
        # The image, staged with --keep: the staged tree is what the sizes
        # compare, and what the host runs in a chroot.
        stage = os.path.join(self.work, "python.stage")
        img = self.mkimage("python", PY_LINES, keep=stage)
        files = [os.path.join(d, f) for d, _, fs in os.walk(stage) for f in fs
                 if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f))]
        nbytes = sum(os.path.getsize(f) for f in files)
        rofs_of_image = os.path.getsize(stage + ".rofs")

        # Osprey: one boot per run, the program's end by the guest TSC.
        n = 3 if self.quick else 10
        entry, alone, walls, fails = [], [], [], []
        for i in range(n):
            status, out, wall = self.boot("--bootchart /usr/bin/python3 -c pass", [img], memory=PY_MEM,
                                          timeout=300, record=(i == 0))
            end, eob = END_RE.search(out), EOB_RE.search(out)
            if status != 0 or not end or not eob or end.group(2) != "0":
                fails.append("boot %d: status %s, %s" % (i + 1, status, _tail(out)))
                continue
            entry.append(float(end.group(3)))
            alone.append(float(end.group(3)) - float(eob.group(1)))
            walls.append(wall * 1000)
        if not entry:
            raise RuntimeError("no boot ran python3 -c pass to its end: " + "; ".join(fails)[:500])
        # A second run in the same boot: from the first one's end to its own.
        n2 = 1 if self.quick else 3
        second = []
        for i in range(n2):
            status, out, _ = self.boot("--bootchart /usr/bin/python3 -c pass ; /usr/bin/python3 -c pass", [img],
                                       memory=PY_MEM, timeout=300, record=(i == 0))
            ends = END_RE.findall(out)
            if status != 0 or len(ends) != 2 or any(e[1] != "0" for e in ends):
                fails.append("two-run boot %d: status %s, %s" % (i + 1, status, _tail(out)))
                continue
            second.append(float(ends[1][2]) - float(ends[0][2]))

        runs = 5 if self.quick else 30
        host = self.hyperfine([PY_HOST, "-c", "pass"], runs)
        chroot = self.hyperfine(["chroot", stage, "/usr/bin/python3", "-c", "pass"], runs) \
            if host is not None else None
        chroot_true = self.hyperfine(["chroot", "/", "/bin/true"], runs) if host is not None else None
        peer_runs = 10
        linux, peer_desc = self.py_linux(peer_runs)
        # Sizes last: mksquashfs uses every CPU, which would disturb the timings.
        rows = self.fs_images(stage, "python", keys=("ROFS", "squashfs"))

        t = ("Measured %s at commit %s, host load average %.2f %.2f %.2f at the start of this section.\n\n"
             % ((when, git_commit()) + load))
        t += ("Debian's python3 (%s, dynamically linked: glibc's ld.so and the %d shared libraries it and its "
              "extension modules need, from mkimage's `libs`) with its whole standard library, the two manifest lines tests/boot/test_dynamic.py "
              "uses for python3 (`%s`, `%s`).\n\n"
              % (PY_HOST, sum(1 for f in files if re.search(r"/lib/x86_64-linux-gnu/[^/]+\.so", f)),
                 PY_LINES[0], PY_LINES[1]))
        t += "### python3 -c pass\n\n"
        t += ("What is timed, on each side:\n\n"
              "- Osprey: %d boot%s of that image (microvm, 1 vCPU, `-m %s`, TCG), command line `--bootchart "
              "/usr/bin/python3 -c pass`; the guest TSC from kernel entry to the kernel's `bootchart: program "
              "... ended` line, printed when the program's last thread is gone (kernel/main.c). \"The program "
              "alone\" starts at the bootchart's `end of boot`: loading python3, ld.so and the libraries from "
              "ROFS, and running it. Every run is a fresh boot, so a cold ROFS cache (the host's page cache "
              "holds the disk image). The second run in one boot is timed in %d more boot%s of "
              "`python3 -c pass ; python3 -c pass`, from the first one's end to the second one's.\n"
              "- host: hyperfine -N (no shell: fork, exec, wait), %d runs after 3 unrecorded ones, wall time; "
              "once as installed (the host's python also reads its dist-packages .pth files), once chrooted "
              "into the image's staged tree (the very files the guest has), whose chroot(8) exec adds about "
              "what `chroot / /bin/true` costs.\n"
              "- Linux guest: %s; bash's `$EPOCHREALTIME` read before and after `/usr/bin/python3 -c pass` in "
              "a loop (fork, exec, wait, as on the host): the first run after the guest's boot (cold page "
              "cache) and %d more (warm). The guest's boot to the command is its /proc/uptime when the command "
              "starts: that includes build.sh's init (its oracle mounts 9p shares, loads the zfs module, "
              "starts udevd and waits for udevadm settle), so it is not a minimal Linux boot.\n\n"
              % (len(entry), "" if len(entry) == 1 else "s", PY_MEM, n2, "" if n2 == 1 else "s", runs,
                 "**SKIP** (%s)" % peer_desc if linux is None else peer_desc, peer_runs))
        t += "Median (min–max) in ms.\n\n| figure | ms |\n|---|---:|\n"
        t += ("| Osprey: kernel entry → end of python3 -c pass (guest TSC) | %s |\n" % fmt(entry, 1))
        t += ("| Osprey: the program alone (end of boot → end) | %s |\n" % fmt(alone, 1))
        t += ("| Osprey: a second python3 -c pass in the same boot | %s |\n" % fmt(second, 1))
        t += ("| Osprey: the whole QEMU process (wall time around tools/run) | %s |\n" % fmt(walls, 0))
        skip_host = "SKIP (hyperfine not installed)"
        t += "| host: `%s -c pass` as installed | %s |\n" % (PY_HOST, fmt(host, 2) if host else skip_host)
        t += "| host: `chroot STAGE /usr/bin/python3 -c pass` (the image's files) | %s |\n" % (
            fmt(chroot, 2) if chroot else skip_host)
        t += "| host: `chroot / /bin/true` (chroot(8)'s own part of the line above) | %s |\n" % (
            fmt(chroot_true, 2) if chroot_true else skip_host)
        lin = linux or {}
        for key, what in (("cold", "Linux guest: python3 -c pass, first run after boot (cold)"),
                          ("warm", "Linux guest: python3 -c pass, warm"),
                          ("uptime", "Linux guest: kernel start → the command (/proc/uptime, build.sh's "
                                     "init included)")):
            t += "| %s | %s |\n" % (what, "SKIP" if linux is None else fmt(lin.get(key), 1))
        t += "\nRatios of the medians (above 1: Osprey takes longer):\n\n| ratio | |\n|---|---:|\n"
        med = statistics.median

        def ratio(num, den):
            return "%.2f" % (med(num) / med(den)) if num and den else "SKIP"
        t += "| Osprey kernel entry → end / host as installed | %s |\n" % ratio(entry, host)
        t += "| Osprey kernel entry → end / host chrooted into the image's files | %s |\n" % ratio(entry, chroot)
        t += "| Osprey kernel entry → end / Linux guest, cold | %s |\n" % ratio(entry, lin.get("cold"))
        t += "| Osprey kernel entry → end / Linux guest, warm | %s |\n" % ratio(entry, lin.get("warm"))
        t += "| Osprey program alone / Linux guest, cold | %s |\n" % ratio(alone, lin.get("cold"))
        t += "| Osprey program alone / Linux guest, warm | %s |\n" % ratio(alone, lin.get("warm"))
        t += "| Osprey second run in one boot / Linux guest, warm | %s |\n" % ratio(second, lin.get("warm"))
        if lin.get("uptime") and lin.get("cold"):
            t += ("\nBoot included on both sides: the Linux guest takes %.0f ms from its kernel's start to the "
                  "command (with build.sh's init) plus %.0f ms for the cold python3 -c pass, %.0f ms in all, against Osprey's %.0f ms "
                  "from kernel entry to the program's end (%.3fx).\n"
                  % (lin["uptime"][0], med(lin["cold"]), lin["uptime"][0] + med(lin["cold"]), med(entry),
                     med(entry) / (lin["uptime"][0] + med(lin["cold"]))))
        if fails:
            t += "\n%d of %d boots failed and are left out: %s\n" % (len(fails), n, "; ".join(fails)[:600])

        t += "\n### Image size\n\n"
        t += ("The image's tree as mkimage staged it (`--keep`): %d regular files, %d bytes. Its ROFS (the "
              "image's root partition, mkimage's .rofs) is %d bytes; below, mkrofs and mksquashfs are run "
              "again on the staged tree with the same block size, by the code of *ROFS image size*.\n\n"
              % (len(files), nbytes, rofs_of_image))
        table, _ = self.fs_table(rows, nbytes)
        t += table
        sq = [r for r in rows if r[3] == "squashfs"]
        if rows[0][1] and sq and sq[0][1]:
            t += ("\nROFS / squashfs (lz4 -Xhc, %d KiB blocks): **%.3f**.\n" % (ROFS_CLUSTER >> 10,
                                                                            rows[0][1] / sq[0][1]))
        if rows[0][1] and rows[0][1] != rofs_of_image:
            t += ("\nmkrofs on the staged tree gave %d bytes, not the image's %d: the staging differs "
                  "between the two runs.\n" % (rows[0][1], rofs_of_image))
        return t

    def zfs_boot(self, cmdline, img, memory, timeout=150, record=True):
        """One boot with a fresh, empty 256 MiB raw disk as /dev/vblk1;
        returns (status or None on a timeout, output)."""
        disk = os.path.join(self.work, "zfs-scratch.img")
        if os.path.exists(disk):
            os.unlink(disk)
        with open(disk, "wb") as f:
            f.truncate(ZFS_DISK_MIB << 20)
        try:
            status, out, _ = self.boot(cmdline, [img, disk], memory=memory, timeout=timeout,
                                       record=record)
        except subprocess.TimeoutExpired:
            return None, "(tools/run did not end %d s after its own --timeout)" % 60
        if "run: timed out after" in out:
            status = None
        return status, out

    def sec_zfs(self):
        built = os.path.join(self.build, "modules", "libzfs.so")
        if not os.path.exists(built):
            raise RuntimeError("no %s (make builds it after make zfs-src)" % rel(built))
        # Snapshot the module as the kernel is: others may rebuild build/.
        lib = os.path.join(self.work, "libzfs.so")
        shutil.copyfile(built, lib)
        lib_stripped = os.path.join(self.work, "libzfs.so.stripped")
        self.must(["strip", "-o", lib_stripped, lib])
        p = self.must(["nm", self.kernel], record=False)
        kernel_zfs = sum(1 for l in p.stdout.splitlines() if "zfs" in l.lower())
        self.cmds.append("nm build/kernel.elf | grep -ci zfs")
        # Whether this libzfs.so has OpenZFS's debug checks: dbuf.c defines
        # dbuf_verify() only under ZFS_DEBUG, and the module keeps .symtab.
        # Without a symbol table, module.mk's flags say (ZFS_DEBUG=1 or not).
        syms = self.must(["nm", lib], record=False).stdout
        if syms.strip():
            debug = re.search(r" dbuf_verify$", syms, re.M) is not None
            debug_how = "its symbol table has dbuf_verify, which OpenZFS defines only under ZFS_DEBUG"
        else:
            mk = os.path.join(ROOT, "modules", "zfs", "module.mk")
            text = open(mk).read() if os.path.exists(mk) else ""
            debug = "-DZFS_DEBUG" in text and not re.search(r"^ZFS_DEBUG \?= 0", text, re.M)
            debug_how = "from modules/zfs/module.mk's flags"
        img = self.mkimage("zfs", ["/bin/busybox: /bin/busybox", "/usr/lib/fs/libzfs.so: " + lib,
                                   "[fstab]", ZFS_FSTAB.rstrip("\n")])

        n = 1 if self.quick else 5
        res = {k: [] for k in ("load", "init", "spa", "link", "create", "import")}
        fails = []
        for i in range(n):
            # The loader's figure covers module_init, and the pool self-test
            # runs inside module_init: so one boot without it for the load ...
            status, out = self.zfs_boot("--verbose /bin/busybox true", img, "256M", record=(i == 0))
            ml, zi, si = ZFS_LOAD_RE.search(out), ZFS_INIT_RE.search(out), ZFS_SPA_RE.search(out)
            if status != 0 or not (ml and zi and si) or "PANIC" in out:
                fails.append("load boot %d: status %s, %s" % (i + 1, status, _tail(out)))
            else:
                res["load"].append(int(ml.group(1)) / 1000)
                res["init"].append(int(zi.group(1)) / 1000)
                res["spa"].append(int(si.group(1)) / 1000)
                res["link"].append((int(ml.group(1)) - int(zi.group(1))) / 1000)
            # ... and one with the pool self-test for pool create and import.
            status, out = self.zfs_boot("--verbose --zfs.selftest_pool=/dev/vblk1 "
                                        "--zfs.selftest_threads=8 /bin/busybox true", img, "256M",
                                        record=(i == 0))
            pt = ZFS_POOL_RE.search(out)
            if status != 0 or not pt or ZFS_PASS not in out or "PANIC" in out:
                fails.append("self-test boot %d: status %s, %s" % (i + 1, status, _tail(out)))
            else:
                res["create"].append(int(pt.group(1)) / 1000)
                res["import"].append(int(pt.group(2)) / 1000)
        self.cmds.append("# %d boot(s) of each kind, each with a fresh empty %d MiB zfs-scratch.img"
                         % (n, ZFS_DISK_MIB))

        t = ("libzfs.so is OpenZFS 2.1.11's pool layer (SPA, DMU, ZIO, ARC, ...) over Osprey's porting "
             "layer, a module the kernel loads from the root filesystem only when /etc/fstab names a zfs "
             "mount. Sizes are of the file as built and stripped (`strip -o`); the kernel's symbol table "
             "is checked to hold no zfs symbol, i.e. none of ZFS is linked into kernel.elf. Times are "
             "from the guest clock (TSC), microvm, `-m 256M`, a ROFS root with busybox, libzfs.so and an "
             "fstab zfs line, plus a fresh empty %d MiB raw disk as /dev/vblk1, %d boot%s of each of two "
             "kinds: `--verbose /bin/busybox true` for the loading figures, and the same with "
             "`--zfs.selftest_pool=/dev/vblk1 --zfs.selftest_threads=8` for the pool figures (the "
             "loader's own figure includes module_init, in which the pool self-test runs). Median "
             "(min–max) in ms.\n\n" % (ZFS_DISK_MIB, n, "" if n == 1 else "s"))
        if debug:
            t += ("The module measured is compiled with `-DZFS_DEBUG` (%s), so OpenZFS's ASSERTs and "
                  "debug checks (dbuf/dnode verification, zfs_flags debug bits) are on: they cost time, "
                  "so a release build would be faster.\n\n" % debug_how)
        else:
            t += ("The module measured is compiled without `-DZFS_DEBUG` (%s): a release build, "
                  "OpenZFS's ASSERTs off, VERIFYs on.\n\n" % debug_how.replace("has", "lacks", 1))
        t += "| | |\n|---|---:|\n"
        t += "| libzfs.so as built (`%s`), bytes | %s |\n" % (rel(built), kib(os.path.getsize(lib)))
        t += "| libzfs.so stripped, bytes | %s |\n" % kib(os.path.getsize(lib_stripped))
        t += "| symbols of kernel.elf whose nm line contains zfs (any case) | %d |\n" % kernel_zfs
        t += "\n| step (guest TSC) | ms |\n|---|---:|\n"
        t += ("| module load: read from ROFS, link, module_init (the loader's `module: libzfs.so loaded "
              "... in N us`) | %s |\n" % fmt(res["load"], 1))
        t += "| of which read + link + relocate (load − init) | %s |\n" % fmt(res["link"], 1)
        t += ("| of which OpenZFS init (`init N us`: SPL, every OpenZFS part's init, spa_init; the "
              "porting layer's self-tests run only with --zfs.selftest, not here) | %s |\n"
              % fmt(res["init"], 1))
        t += "| of which spa_init (`zfs: spa_init N us`) | %s |\n" % fmt(res["spa"], 1)
        t += "| pool create (self-test, 256 MiB disk) | %s |\n" % fmt(res["create"], 1)
        t += "| pool import (after export) | %s |\n" % fmt(res["import"], 1)
        if fails:
            t += "\n%d boot(s) failed and are left out: %s\n" % (len(fails), "; ".join(fails)[:600])

        # The smallest -m at which the pool self-test with 8 writers passes.
        if self.quick:
            t += ("\nMinimum memory for the pool self-test: not measured with --quick (the full run "
                  "bisects -m over 40..128 MiB in 8 MiB steps).\n")
            minmem = None
        else:
            minmem, tried = self.zfs_minmem(img)
            t += ("\nMinimum memory: the smallest `-m` in 8 MiB steps over [40, 128] MiB (bisected) at "
                  "which the pool self-test with 8 writer threads prints `%s` without a PANIC, within "
                  "150 s (a timeout counts as a failure); one boot per size, each with a fresh disk.\n\n"
                  % ZFS_PASS)
            t += "| | MiB |\n|---|---:|\n"
            if minmem is None:
                t += "| minimum memory for the pool self-test | > 128 (fails at 128) |\n"
            elif minmem == ZFS_MEM_STEPS[0]:
                t += "| minimum memory for the pool self-test | ≤ %d (passes at the lowest tried) |\n" % minmem
            else:
                t += "| minimum memory for the pool self-test | %d |\n" % minmem
            t += "| OSv with ZFS, for comparison | 47 |\n| OSv without ZFS (ROFS) | 13 |\n"
            t += "\nTried: " + ", ".join("%d MiB %s" % (k, v[1]) for k, v in sorted(tried.items())) + ".\n"

        # OSv's figures for the same kind of question.
        t += ("\nFor comparison, OSv's ZFS figures: 47 MiB minimum memory with ZFS against 13 MiB "
              "without, and ~416 ms against ~118 ms from its banner to \"Booted up\" under TCG, i.e. ZFS "
              "adds ~298 ms to OSv's boot.")
        if res["load"]:
            ours = statistics.median(res["load"])
            t += (" Our module load + init (the loader's figure, which contains the init: median "
                  "%.1f ms) is **%.2fx** OSv's ~298 ms: a ratio of our module load + init time to OSv's "
                  "added boot time. These are not the same operation exactly: OSv's 298 ms is the "
                  "difference between two whole boots (its ZFS is built into the kernel, and the boot "
                  "of its ZFS image also imports and mounts the root pool), while ours is loading and "
                  "initialising the module alone%s, with no pool imported or mounted (pool import is "
                  "the separate figure above)."
                  % (ours, ours / 298.0, ", with ZFS_DEBUG checks" if debug else ""))
        t += "\n"
        return t

    def zfs_minmem(self, img):
        """Bisects ZFS_MEM_STEPS for the smallest -m at which the pool
        self-test passes; returns (MiB or None if even the largest fails,
        {MiB: (passed, description)})."""
        tried = {}

        def ok(mib):
            if mib not in tried:
                status, out = self.zfs_boot("--zfs.selftest_pool=/dev/vblk1 --zfs.selftest_threads=8 "
                                            "/bin/busybox true", img, "%dM" % mib, record=not tried)
                good = status == 0 and ZFS_PASS in out and "PANIC" not in out
                if good:
                    why = "passes"
                elif status is None:
                    why = "times out"
                elif "PANIC" in out:
                    why = "panics"
                elif "zfs: needs " in out:
                    why = "refused (libzfs.so's memory floor)"
                else:
                    why = "fails (status %s)" % status
                tried[mib] = (good, why)
                log("zfs self-test at -m %dM: %s" % (mib, why))
            return tried[mib][0]

        least = bisect_least(ZFS_MEM_STEPS, ok)
        self.cmds.append("# bisection over -m %s" % ", ".join("%dM" % k for k in tried))
        return least, tried

    # ---- ZFS /data ----
    def zd_boot(self, cmdline, img, disk, memory=ZD_MEM, timeout=300, record=True, cpus=None):
        """One boot with DISK as /dev/vblk1; (status or None on a timeout, output)."""
        try:
            status, out, _ = self.boot(cmdline, [img, disk], memory=memory, timeout=timeout, record=record,
                                       cpus=cpus)
        except subprocess.TimeoutExpired:
            return None, "(tools/run did not end 60 s after its own --timeout)"
        if "run: timed out after" in out:
            status = None
        return status, out

    def zd_fresh(self, name="zdata-disk.img"):
        """A copy of the data disk holding a freshly made, exported pool."""
        disk = os.path.join(self.work, name)
        sparse_copy(self.zd_template, disk)
        return disk

    def zd_bench_ok(self, status, out):
        """Why a zfsbench boot is not good, or None."""
        t = ZB_TYPE_RE.search(out)
        if "PANIC" in out:
            return "panic: " + _tail(out)
        if not t:
            return "status %s, zfsbench did not start: %s" % (status, _tail(out))
        if t.group(1) != ZD_MAGIC:
            return "/data is not ZFS (statfs f_type %s): %s" % (t.group(1), _tail(out))
        if "zfsbench: done" not in out:
            return "status %s: %s" % (status, _tail(out))
        return None

    @staticmethod
    def peer_env_str(env):
        return "ZFSVM_CPUS=%s ZFSVM_MEM=%s ZFSVM_EXTRA_PACKAGES=%s" % (
            env["ZFSVM_CPUS"], env["ZFSVM_MEM"], quote(env["ZFSVM_EXTRA_PACKAGES"]))

    def peer_ready(self, mem_mib):
        """The Linux peer built, for a 1-vCPU guest with mem_mib of RAM:
        (environment for build.sh, None) or (None, why it is skipped)."""
        if self.quick:
            return None, "not run with --quick: the peer VM takes minutes"
        if not os.path.exists(PEER):
            return None, "no %s" % PEER
        if os.geteuid() != 0:
            return None, "the peer's build.sh must run as root"
        env = dict(os.environ, ZFSVM_CPUS="1", ZFSVM_MEM=str(mem_mib), ZFSVM_EXTRA_PACKAGES=PEER_PACKAGES)
        log("linux peer: build.sh build (the first build takes ~5 min)")
        self.cmds.append("%s ../shared/peers/linux-vm/build.sh build" % self.peer_env_str(env))
        try:
            p = subprocess.run([PEER, "build"], env=env, capture_output=True, text=True, timeout=1800)
        except subprocess.TimeoutExpired:
            return None, "`build.sh build` ran over 1800 s"
        if p.returncode != 0:
            return None, "`build.sh build` failed (%d): %s" % (p.returncode, _tail(p.stderr + p.stdout, 3))
        return env, None

    def zd_linux(self, runs, zfsbench):
        """zfsbench in the Linux peer guest; ({figure: [values]}, description)
        or (None, why it was skipped)."""
        env, why = self.peer_ready(int(ZD_MEM.rstrip("M")))
        if env is None:
            return None, why
        indir = os.path.join(self.work, "zfsvm-in")
        outdir = os.path.join(self.work, "zfsvm-out")
        shutil.rmtree(indir, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(indir)
        shutil.copy2(zfsbench, os.path.join(indir, "zfsbench"))
        disk = os.path.join(self.work, "zfsvm-disk.img")
        with open(disk, "wb") as f:
            f.truncate(ZD_DISK_MIB << 20)
        script = ("echo \"peer: kernel $(uname -r) zfs $(cat /sys/module/zfs/version) cpus $(nproc) "
                  "memtotal_kib $(awk '/^MemTotal/ {print $2}' /proc/meminfo)\"; "
                  "for i in $(seq 1 %d); do echo \"peer: run $i\"; "
                  "zpool create -f -o ashift=12 -O compression=lz4 p /dev/vdb || exit 1; "
                  "echo \"peer: arc_c_max $(awk '$1 == \"c_max\" {print $3}' /proc/spl/kstat/zfs/arcstats)\"; "
                  "/io/in/zfsbench /p || exit 1; "
                  "zpool export p && zpool import -d /dev p || exit 1; "
                  "echo \"peer: coldseq $i\"; /io/in/zfsbench -p r /p || exit 1; "
                  "zpool export p && zpool import -d /dev p || exit 1; "
                  "echo \"peer: coldrand $i\"; /io/in/zfsbench -p R /p || exit 1; "
                  "zpool destroy p || exit 1; done; echo 'peer: end'" % runs)
        cmd = [PEER, "run", disk, indir, outdir, script]
        self.cmds.append("%s ../shared/peers/linux-vm/build.sh run %s %s %s %s"
                         % (self.peer_env_str(env), rel(disk), rel(indir), rel(outdir), quote(script)))
        log("linux peer: build.sh run (%d zfsbench runs)" % runs)
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1500)
        except subprocess.TimeoutExpired:
            return None, "`build.sh run` ran over 1500 s"
        took = time.monotonic() - t0
        runlog = ""
        if os.path.exists(os.path.join(outdir, "run.log")):
            with open(os.path.join(outdir, "run.log")) as f:
                runlog = f.read()
        os.unlink(disk)
        if p.returncode != 0 or "peer: end" not in runlog:
            return None, "`build.sh run` failed (%d): %s" % (p.returncode,
                                                            _tail(runlog or (p.stderr + p.stdout), 3))
        res = {k[0]: [] for k in ZD_FIGURES}
        for part in re.split(r"^peer: (?=run |coldseq |coldrand )", runlog, flags=re.M)[1:]:
            if ZB_TYPE_RE.search(part) and ZB_TYPE_RE.search(part).group(1) != ZD_MAGIC:
                return None, "the peer's /p is not ZFS: " + _tail(part)
            prefix = "cold_" if part.startswith("cold") else ""
            for k, v in zb_figures(part).items():
                if prefix + k in res:
                    res[prefix + k].append(v)
        info = re.search(r"^peer: kernel (\S+) zfs (\S+) cpus (\d+) memtotal_kib (\d+)", runlog, re.M)
        arc = re.search(r"^peer: arc_c_max (\d+)", runlog, re.M)
        acc = re.search(r"accel=(\w+)", p.stderr)
        vm = "accelerator %s (build.sh: thread=multi, -cpu qemu64, machine pc under TCG)" % (
            acc.group(1) if acc else "?")
        desc = ("Debian 12, Linux %s, OpenZFS %s (zfs-dkms), %s vCPU (ZFSVM_CPUS=1), %s MiB of RAM "
                "(ZFSVM_MEM, QEMU -m; the guest's MemTotal %d MiB), "
                "ARC c_max %s MiB, %s; a %d MiB raw disk file as /dev/vdb (virtio-blk-pci, "
                "cache=writeback); one VM boot for all %d runs, %.0f s"
                % (info.group(1) if info else "?", info.group(2) if info else "?",
                   info.group(3) if info else "?", env["ZFSVM_MEM"],
                   int(info.group(4)) // 1024 if info else 0,
                   int(arc.group(1)) >> 20 if arc else "?", vm, ZD_DISK_MIB, runs, took))
        return res, desc

    def zd_minmem(self, img):
        """Bisects ZD_MEM_STEPS for the smallest -m at which /data mounts
        and zfsbench's create test passes; (MiB or None, {MiB: (ok, why)})."""
        tried = {}

        def ok(mib):
            if mib not in tried:
                status, out = self.zd_boot("/bin/zfsbench -p c /data", img, self.zd_fresh(),
                                           memory="%dM" % mib, timeout=150, record=not tried)
                why = self.zd_bench_ok(status, out)
                if why is None:
                    tried[mib] = (True, "passes")
                elif status is None:
                    tried[mib] = (False, "times out")
                elif "zfs: needs " in out:
                    tried[mib] = (False, "refused (libzfs.so's memory floor)")
                elif "PANIC" in out:
                    tried[mib] = (False, "panics")
                else:
                    tried[mib] = (False, "fails")
                log("zfs /data at -m %dM: %s" % (mib, why or "passes"))
            return tried[mib][0]

        least = bisect_least(ZD_MEM_STEPS, ok)
        self.cmds.append("# bisection over -m %s, a fresh pool each" % ", ".join("%dM" % k for k in tried))
        return least, tried

    def zd_prepare(self):
        """The ROFS images of the ZFS /data boots (with and without the fstab
        line) and self.zd_template, a data disk holding a freshly made,
        exported pool: (image, image without fstab, zfsbench, libzfs.so
        stripped). Made once a run: the SMP section reuses them."""
        if getattr(self, "zd_prepared", None):
            return self.zd_prepared
        built = os.path.join(self.build, "modules", "libzfs.so")
        zb_built = os.path.join(self.build, "apps", "zfsbench")
        for f in (built, zb_built):
            if not os.path.exists(f):
                raise RuntimeError("no %s (run make)" % rel(f))
        if not shutil.which("sgdisk"):
            raise RuntimeError("sgdisk not installed (gdisk)")
        lib = os.path.join(self.work, "libzfs-data.so")
        zfsbench = os.path.join(self.work, "zfsbench")
        shutil.copyfile(built, lib)
        shutil.copy2(zb_built, zfsbench)
        stripped = os.path.join(self.work, "libzfs-data.so.stripped")
        self.must(["strip", "-o", stripped, lib])
        files = ["/bin/busybox: /bin/busybox", "/bin/zfsbench: " + zfsbench, "/usr/lib/fs/libzfs.so: " + lib]
        img = self.mkimage("zdata", files + ["[fstab]", ZD_FSTAB])
        img_nofstab = self.mkimage("zdata-nofstab", files)

        # The pool, made once: a disk with one GPT partition named data, the
        # pool created on first boot (x-systemd.makefs through busybox mount:
        # fstab passes that option to ZFS only with a later kernel), then
        # exported by the unmount. Every boot below gets a copy of it.
        self.zd_template = os.path.join(self.work, "zdata-template.img")
        with open(self.zd_template, "wb") as f:
            f.truncate(ZD_DISK_MIB << 20)
        self.must(["sgdisk", "-n", "1:2048:0", "-c", "1:data", self.zd_template])
        status, out = self.zd_boot("--verbose " + ZD_MAKEFS, img_nofstab, self.zd_template, timeout=150)
        if status != 0 or "zfs: created pool 'data'" not in out or "zfs: pool 'data' exported" not in out:
            raise RuntimeError("making the pool failed: status %s, %s" % (status, _tail(out, 3)))
        self.zd_prepared = img, img_nofstab, zfsbench, stripped
        return self.zd_prepared

    def sec_zfs_data(self):
        # This section is often run alone (--only) and spliced into the
        # report: it says when, at which commit and how loaded the host was.
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load = os.getloadavg()
        commit = git_commit()
        img, img_nofstab, zfsbench, stripped = self.zd_prepare()
        nm = self.must(["nm", self.kernel], record=False).stdout
        kernel_zfs = sum(1 for l in nm.splitlines() if "zfs" in l.lower())
        self.cmds.append("nm build/kernel.elf | grep -ci zfs")

        runs = 1 if self.quick else 3
        osp = {k[0]: [] for k in ZD_FIGURES}
        fails = []
        for i in range(runs):
            disk = self.zd_fresh()
            status, out = self.zd_boot("/bin/zfsbench /data ; /bin/busybox umount /data", img, disk,
                                       record=(i == 0))
            why = self.zd_bench_ok(status, out)
            if why:
                fails.append("run %d: %s" % (i + 1, why))
                continue
            for k, v in zb_figures(out).items():
                if k in osp:
                    osp[k].append(v)
            # the same pool in new boots (the ARC starts empty): one read each
            for phase in ("r", "R"):
                status, out = self.zd_boot("/bin/zfsbench -p %s /data ; /bin/busybox umount /data" % phase,
                                           img, disk, record=(i == 0))
                why = self.zd_bench_ok(status, out)
                if why:
                    fails.append("cold %s run %d: %s" % (phase, i + 1, why))
                    continue
                for k, v in zb_figures(out).items():
                    if "cold_" + k in osp:
                        osp["cold_" + k].append(v)
        arc = re.search(r"ARC (\d+)\.\.(\d+) MiB", out)
        self.cmds.append("# %d run(s), each on a fresh copy of the pool: the zfsbench boot, then the two cold "
                         "boots" % runs)

        linux, peer_desc = self.zd_linux(runs, zfsbench)

        t = ("Measured %s at commit %s, host load average %.2f %.2f %.2f at the start of this section. The Linux "
             "peer runs in the same section on the same host, so the Osprey / Linux ratios compare like with "
             "like; the OSv figure below is from another day (docs/architecture.md), and guest times under TCG "
             "move with the host's speed.\n\n" % ((when, commit) + load))
        t += ("apps/zfsbench/zfsbench.c (one static glibc binary, `gcc -static`) on the root dataset of pool "
             "`data`, mounted at /data by the fstab line `%s`. Osprey: microvm, 1 vCPU, `-m %s`, TCG, the "
             "ROFS root with busybox, zfsbench and libzfs.so, and a %d MiB raw disk (virtio-blk-device, "
             "cache=writeback) with one GPT partition named data holding a pool made on an earlier boot "
             "(ashift 12, lz4, by `busybox mount -t zfs -o x-systemd.makefs`); ARC %s MiB. "
             "Each run gets a fresh copy of that pool and three boots: `/bin/zfsbench /data ; /bin/busybox "
             "umount /data`, then for the cold reads `/bin/zfsbench -p r /data` and `-p R` each in a new "
             "boot (the ARC starts empty; each boot ends with the unmount, which exports the pool). Times are "
             "the guest's CLOCK_MONOTONIC; MB/s are 10^6 bytes per second. The data is pseudo-random (lz4 "
             "cannot shrink it) and every read is checked.\n\n"
             % (ZD_FSTAB, ZD_MEM, ZD_DISK_MIB, "%s..%s" % arc.groups() if arc else "?"))
        t += ("Warm and cold: the 64 MiB file is smaller than the ARC in both guests, so the reads right "
              "after the write are served from the ARC (warm). Each cold figure comes after its own fresh "
              "import (Osprey: a new boot; Linux: `zpool export` + `zpool import`), which empties the pool's "
              "ARC. The 2000 random 4 KiB reads fall on ~500 of the file's 512 records of 128 KiB: in the "
              "cold pass about a quarter of them read a whole record from the disk, the rest find it in "
              "the ARC.\n\n")
        if linux is None:
            t += "Linux peer: **SKIP** (%s).\n\n" % peer_desc
        else:
            t += ("Linux peer (../shared/peers/linux-vm): %s. Per run: `zpool create -f -o ashift=12 -O "
                  "compression=lz4 p /dev/vdb` (whole disk: ZFS partitions it), `/io/in/zfsbench /p`, export + "
                  "import, `zfsbench -p r /p`, export + import, `zfsbench -p R /p`, `zpool destroy p`.\n\n"
                  % peer_desc)
        t += ("%d run%s each; median (min–max). The ratio is Osprey / Linux of the medians: above 1 is "
              "Osprey faster for rates, slower for latencies.\n\n" % (runs, "" if runs == 1 else "s"))
        t += "| figure | unit | Osprey | Linux | Osprey / Linux |\n|---|---|---:|---:|---:|\n"
        ratios = []
        for key, what, unit, digits, higher in ZD_FIGURES:
            o = osp.get(key) or []
            l = (linux or {}).get(key) or []
            if linux is None:
                lcell, rcell = "SKIP", "SKIP"
            elif not l:
                lcell, rcell = "n/a", "n/a"
            else:
                lcell = fmt(l, digits)
                rcell = "%.2f" % (statistics.median(o) / statistics.median(l)) if o else "n/a"
                if o:
                    ratios.append((key, statistics.median(o) / statistics.median(l)))
            t += "| %s | %s | %s | %s | %s |\n" % (what, unit, fmt(o, digits), lcell, rcell)
        if fails:
            t += "\n%d Osprey boot(s) failed and are left out: %s\n" % (len(fails), "; ".join(fails)[:800])
        if ratios:
            short = {"seq_write_mb_s": "seq write", "seq_read_mb_s": "seq read", "rand_read_iops": "rand read",
                     "cold_seq_read_mb_s": "cold seq read", "cold_rand_read_iops": "cold rand read",
                     "create_files_s": "creates", "fsync_p50_us": "fsync p50", "fsync_p99_us": "fsync p99"}
            data = "".join('"%s" %.4f\n' % (short.get(k, k), v) for k, v in ratios)
            script = ("set termoption noenhanced\n"
                      "set title 'ZFS /data, Osprey / Linux of the medians (rates: above 1 = Osprey faster; "
                      "fsync latencies: above 1 = Osprey slower)'\nset style fill solid 0.6\nset boxwidth 0.6\n"
                      "unset key\nset grid y\nset logscale y\nset yrange [0.05:20]\n"
                      "plot 'zfsdata.dat' using 0:2:xtic(1) with boxes lc rgb '#3070b0', "
                      "'' using 0:2:(sprintf('%.2f', $2)) with labels offset 0,0.7, "
                      "1 with lines lc rgb 'black'\n")
            t += "\n" + self.plot("zfs-data", script, {"zfsdata.dat": data})

        # Boot time with /data: kernel entry to the program's first system
        # call, with and without the fstab line; where the time goes from a
        # third kind of boot with --verbose (its prints cost a little).
        nb = 1 if self.quick else 5
        first = {"without": [], "with": []}
        fsstep = {"without": [], "with": []}
        parts = {k: [] for k in ("load", "init", "spa", "link", "pool", "mount", "first_v")}
        bfails = []
        for i in range(nb):
            for kind, image in (("without", img_nofstab), ("with", img)):
                status, out = self.zd_boot("--bootchart /bin/busybox true", image, self.zd_fresh(),
                                           timeout=150, record=(i == 0))
                m, f = FIRST_RE.search(out), ZD_FS_RE.search(out)
                if status != 0 or not m or not f or "cannot mount" in out:
                    bfails.append("%s fstab, boot %d: status %s, %s" % (kind, i + 1, status, _tail(out)))
                    continue
                first[kind].append(float(m.group(2)))
                fsstep[kind].append(float(f.group(1)))
            status, out = self.zd_boot("--bootchart --verbose /bin/busybox true", img, self.zd_fresh(),
                                       timeout=150, record=(i == 0))
            ml, zi, si, zm = (ZFS_LOAD_RE.search(out), ZFS_INIT_RE.search(out), ZFS_SPA_RE.search(out),
                              ZD_MOUNT_RE.search(out))
            m = FIRST_RE.search(out)
            if status != 0 or not (ml and zi and si and zm and m):
                bfails.append("--verbose boot %d: status %s, %s" % (i + 1, status, _tail(out)))
                continue
            parts["load"].append(int(ml.group(1)) / 1000)
            parts["init"].append(int(zi.group(1)) / 1000)
            parts["spa"].append(int(si.group(1)) / 1000)
            parts["link"].append((int(ml.group(1)) - int(zi.group(1))) / 1000)
            parts["pool"].append(int(zm.group(1)) / 1000)
            parts["mount"].append(int(zm.group(2)) / 1000)
            parts["first_v"].append(float(m.group(2)))

        def dmed(d):
            if not d["with"] or not d["without"]:
                return None
            return statistics.median(d["with"]) - statistics.median(d["without"])
        extra = dmed(first)
        t += ("\n### Boot time with /data\n\nGuest TSC (`--bootchart`), kernel entry to the program's first "
              "system call of `/bin/busybox true`, the same ROFS root with (`%s`) and without the fstab line, "
              "each boot with a fresh copy of the pool, microvm, `-m %s`; %d boot%s of each kind, median "
              "(min–max) in ms; the extra time is the difference of the medians (a single slow boot, when the "
              "host is busy, moves a median little).\n\n"
              % (ZD_FSTAB, ZD_MEM, nb, "" if nb == 1 else "s"))
        t += "| | without the zfs line | with it | extra |\n|---|---:|---:|---:|\n"
        fse = dmed(fsstep)
        t += "| kernel entry → first system call | %s | %s | %s |\n" % (
            fmt(first["without"], 1), fmt(first["with"], 1), "n/a" if extra is None else "%.1f" % extra)
        t += "| bootchart step `filesystems` (root, /dev, /tmp, fstab) | %s | %s | %s |\n" % (
            fmt(fsstep["without"], 1), fmt(fsstep["with"], 1), "n/a" if fse is None else "%.1f" % fse)
        t += ("\nWhere the time goes: %d more boot%s with the zfs line and `--verbose`, from the guest-TSC "
              "figures that libzfs.so and the loader print (kernel entry → first system call in these: %s ms, "
              "the console lines of --verbose cost the difference).\n\n"
              % (nb, "" if nb == 1 else "s", fmt(parts["first_v"], 1)))
        t += "| step (guest TSC) | ms |\n|---|---:|\n"
        t += "| module load: read libzfs.so from ROFS, link, relocate (the loader's figure − init) | %s |\n" % (
            fmt(parts["link"], 1))
        t += "| OpenZFS init (module_init: SPL, every part's init, spa_init) | %s |\n" % fmt(parts["init"], 1)
        t += "| of which spa_init | %s |\n" % fmt(parts["spa"], 1)
        t += ("| pool: find the device's labels and import `data` (zfs_mount_fs until its pool is imported) "
              "| %s |\n" % fmt(parts["pool"], 1))
        t += "| mount: the root dataset's ZPL mount (zfsvfs, ZIL replay check, root znode) | %s |\n" % (
            fmt(parts["mount"], 1))
        sums = [a + b + c for a, b, c in zip(parts["load"], parts["pool"], parts["mount"])]
        t += "| sum of the above | %s |\n" % fmt(sums, 1)
        if bfails:
            t += "\n%d boot(s) failed and are left out: %s\n" % (len(bfails), "; ".join(bfails)[:600])
        if extra is not None:
            med = extra
            t += ("\nZFS at /data adds **%.0f ms** to Osprey's boot (difference of the medians), **%.1fx** the "
                  "~155 ms it adds to OSv under TCG (docs/architecture.md: ROFS root with ZFS at /data from "
                  "fstab 238 ms against 83 ms without, its \"Booted up in\" times).\n" % (med, med / 155.0))

        # Memory, sizes, symbols.
        t += "\n### Memory and size\n\n| | |\n|---|---:|\n"
        floor_note = ""
        if self.quick:
            t += ("| smallest -m at which /data mounts and the create test passes | not measured with --quick "
                  "(the full run bisects [%d, %d] MiB) |\n" % (ZD_MEM_STEPS[0], ZD_MEM_STEPS[-1]))
            tried = {}
        else:
            minmem, tried = self.zd_minmem(img)
            if minmem is None:
                cell = "> %d (fails at %d)" % (ZD_MEM_STEPS[-1], ZD_MEM_STEPS[-1])
            elif minmem == ZD_MEM_STEPS[0]:
                cell = "≤ %d (passes at the lowest tried)" % minmem
            else:
                cell = "%d MiB" % minmem
            t += ("| smallest -m (%d MiB steps over [%d, %d], bisected, one boot each, fresh pool) at which "
                  "/data mounts and `zfsbench -p c /data` (10,000 creates) passes | %s |\n"
                  % (ZD_MEM_STEPS[1] - ZD_MEM_STEPS[0], ZD_MEM_STEPS[0], ZD_MEM_STEPS[-1], cell))
            t += "| OSv, ROFS root with ZFS at /data (docs/architecture.md) | 46 MiB (48–50 to boot reliably) |\n"
            below = [k for k, v in tried.items() if minmem and k < minmem and "refused" in v[1]]
            if below and max(below) == minmem - (ZD_MEM_STEPS[1] - ZD_MEM_STEPS[0]):
                floor = re.search(r"#define ZFS_MIN_RAM_MIB\s+(\d+)",
                                  open(os.path.join(ROOT, "modules", "zfs", "zfs_module.c")).read())
                floor_note = ("\nThe step below the minimum is refused by libzfs.so itself, which will not load "
                              "with less than %s MiB of RAM (ZFS_MIN_RAM_MIB in modules/zfs/zfs_module.c): the "
                              "minimum here is that floor rounded up to the step.\n"
                              % (floor.group(1) if floor else "?"))
        t += "| libzfs.so stripped (`strip -o`), bytes | %s |\n" % kib(os.path.getsize(stripped))
        t += "| OSv's libsolaris.so stripped, for comparison | 819 KB |\n"
        t += "| kernel.elf symbols whose nm line contains zfs (any case) | %d |\n" % kernel_zfs
        if tried:
            t += "\nTried: " + ", ".join("%d MiB %s" % (k, v[1]) for k, v in sorted(tried.items())) + ".\n"
        return t + floor_note

    # ---- report ----
    def header(self, started, took):
        cpu = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout
        qemu = qemu.splitlines()[0] if qemu else "?"
        git = git_commit()
        h = "# Osprey benchmarks\n\n"
        h += "Written by `make bench` (tools/bench.py%s); do not edit by hand.\n\n" % (
            " --quick" if self.quick else "")
        h += "| | |\n|---|---|\n"
        h += "| date | %s |\n" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started))
        h += "| host CPU | %s (%d CPUs online) |\n" % (cpu, os.cpu_count() or 0)
        h += "| host | %s %s, %s |\n" % (platform.system(), platform.release(), platform.python_implementation()
                                        + " " + platform.python_version())
        h += "| QEMU | %s |\n" % qemu
        h += "| accelerator | %s |\n" % (self.accel or "? (no guest was booted)")
        h += "| commit | %s |\n" % git
        h += "| mode | %s |\n" % ("--quick (3 boots, small trees, fewer sizes)" if self.quick else "full")
        h += "| run time | %.0f s |\n" % took
        h += ("| host load average at start | %.2f %.2f %.2f (other work on the host makes guest figures noisy) |\n"
              % self.load)
        h += ("\nFigures are the median of repeated runs with (min–max). Guest times come from the guest TSC or "
              "CLOCK_MONOTONIC; under TCG every guest instruction is emulated, so guest speeds are QEMU's, "
              "not the hardware's.\n")
        for n in self.notes:
            h += "\n**Note:** %s\n" % n
        return h

    def sec_net(self):
        import bench_net  # tools/bench_net.py: the tap namespaces and the peer's services
        return bench_net.section(self, fmt)

    def sec_smp(self):
        import bench_smp  # tools/bench_smp.py: 1 vs 2 (and 4) vCPUs
        return bench_smp.section(self, fmt)

    def run(self):
        started = time.time()
        self.load = os.getloadavg()
        t0 = time.monotonic()
        body = []
        prep_error = None
        try:
            self.build_helpers()
            self.get_tree()
        except Exception as e:  # noqa: BLE001 - reported in every section
            prep_error = str(e)
            traceback.print_exc()
        funcs = [self.sec_sizes, self.sec_boot, self.sec_minmem, self.sec_image_size, self.sec_lz4,
                 self.sec_rofs_read, self.sec_virtio, self.sec_null, self.sec_procs, self.sec_dynamic, self.sec_zfs,
                 self.sec_zfs_data, self.sec_net, self.sec_smp]
        for title, fn in zip(SECTIONS, funcs):
            if self.a.only and not any(o.lower() in title.lower() for o in self.a.only):
                continue
            log("%s ..." % title)
            s0 = time.monotonic()
            self.cmds = []
            try:
                if prep_error and fn is not self.sec_sizes:
                    raise RuntimeError("preparation failed: " + prep_error)
                text = fn()
            except Exception as e:  # noqa: BLE001 - a section that fails says why
                traceback.print_exc()
                text = "Not measured: %s\n" % str(e).strip().replace("\n", " ")[:600]
            took = time.monotonic() - s0
            log("%s took %.1f s" % (title, took))
            body.append("## %s\n\n%s%s" % (title, text, self.commands()))
        report = self.header(started, time.monotonic() - t0) + "\n" + "\n".join(body)
        path = os.path.join(self.out, "benchmarks.md")
        with open(path, "w") as f:
            f.write(report)
        log("wrote %s in %.0f s" % (rel(path), time.monotonic() - t0))
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true", help="reduced run (3 boots, small trees, fewer sizes)")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"),
                    help="where benchmarks.md and bench/*.png go (default docs/)")
    ap.add_argument("--boots", type=int, default=20, help="boots for the boot-time figure (full run)")
    ap.add_argument("--only", action="append", metavar="TITLE",
                    help="run only the sections whose title contains TITLE (repeatable; for trying one out)")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.build, "kernel.elf")):
        sys.exit("bench: no kernel in %s (run make first)" % a.build)
    return Bench(a).run()


if __name__ == "__main__":
    sys.exit(main())
