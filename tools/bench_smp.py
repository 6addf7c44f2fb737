"""The "SMP" section of `make bench` (tools/bench.py calls section()): what a
second (and fourth) vCPU buys, each figure taken on Osprey at 1 and at 2
vCPUs (`tools/run -c N`; TCG with thread=multi for N > 1):

- apps/bench/spinbench: 2 threads of fixed integer work, wall time per
  round; also on the host and in the Linux peer guest at 1 and 2 vCPUs
  (build.sh's ZFSVM_CPUS);
- boot time to the program's first system call at 1, 2 and 4 vCPUs (as the
  "Boot time" section measures it: --bootchart, guest TSC);
- memcached with 2 worker threads (-t 2) under memcslap, on a tap device
  (tools/bench_net.py's machinery);
- ZFS /data sequential write and 4 KiB append + fsync (apps/zfsbench -p wf,
  the "ZFS /data" section's pool and images).

Each part that cannot run says why (SKIP or "not measured"); the others go on.
"""
import os
import re
import shutil
import statistics
import subprocess
import time
import traceback

import bench_net
import tapnet

SB_RE = re.compile(r"^spinbench: threads (\d+) work (\d+) round \d+ wall_ns (\d+) cpus (\d+)$", re.M)
FIRST_RE = re.compile(r"bootchart: program's first system call \((\w+)\) at (\d+\.\d+) ms")
ZB_RE = re.compile(r"^zfsbench: (\w+) (-?[\d.]+)$", re.M)
SB_THREADS = 2
SMP_CPUS = (1, 2)          # the 1 vs 2 comparisons (the host has 2 cores)
BOOT_CPUS = (1, 2, 4)
PEER_MEM = 512             # MiB, the Linux peer's RAM for spinbench
ZD_PHASES = "wf"
ZD_FIGS = [("seq_write_mb_s", "ZFS sequential write, 64 MiB in 1 MiB write()s + fsync", "MB/s", 1, True),
           ("fsync_p50_us", "ZFS 4 KiB append + fsync, 1000 times: p50", "µs", 0, False),
           ("fsync_p99_us", "ZFS 4 KiB append + fsync: p99", "µs", 0, False)]


def _median_ratio(a, b):
    return statistics.median(a) / statistics.median(b) if a and b else None


def _ratio_cell(r):
    return "%.2f" % r if r is not None else "—"


def _guarded(name, fn):
    """fn()'s text, or a line saying why the part was not measured."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - one part failing leaves the others
        traceback.print_exc()
        return "\n%s: not measured: %s\n" % (name, str(e).strip().replace("\n", " ")[:400])


# ---- spinbench ----

def _sb_walls(text):
    """spinbench's rounds: ([wall ms], [distinct CPUs the threads ran on])."""
    rows = SB_RE.findall(text)
    return [int(r[2]) / 1e6 for r in rows], [int(r[3]) for r in rows]


def _sb_peer(b, cpus, work, rounds):
    """spinbench in the Linux peer at `cpus` vCPUs: (walls, cpus used, None) or (None, None, why)."""
    env, why = b.peer_ready(PEER_MEM)
    if env is None:
        return None, None, why
    env = dict(env, ZFSVM_CPUS=str(cpus))
    indir = os.path.join(b.work, "spinvm-in")
    os.makedirs(indir, exist_ok=True)
    shutil.copy2(b.spinbench, indir)
    script = ("cp /io/in/spinbench /tmp/ || exit 1; echo \"peer: cpus $(nproc)\"; "
              "/tmp/spinbench %d %d %d || exit 1; echo 'peer: end'" % (SB_THREADS, work, rounds))
    runlog, err, _ = b.peer_run(env, "spinvm%d" % cpus, indir, script, 900, "spinbench, %d vCPU" % cpus)
    if runlog is None:
        return None, None, err
    m = re.search(r"^peer: cpus (\d+)", runlog, re.M)
    if not m or int(m.group(1)) != cpus:
        return None, None, "the peer reported %s CPUs, not %d" % (m.group(1) if m else "no", cpus)
    walls, used = _sb_walls(runlog)
    return walls, used, None


def _spin(b, fmt):
    work, rounds = (50, 2) if b.quick else (200, 5)
    img = b.mkimage("spinbench", ["/bin/spinbench: " + b.spinbench])
    cmd = "/bin/spinbench %d %d %d" % (SB_THREADS, work, rounds)
    rows = {}
    for cpus in SMP_CPUS:
        status, out, _ = b.boot(cmd, [img], memory="64M", timeout=600, cpus=cpus)
        walls, used = _sb_walls(out)
        if status != 0 or "spinbench: done" not in out:
            raise RuntimeError("Osprey at %d vCPU: status %d: %s" % (cpus, status, out.strip()[-300:]))
        rows["osprey", cpus] = (walls, used)
    b.cmds.append("%s %d %d %d   # on the host" % (os.path.relpath(b.spinbench), SB_THREADS, work, rounds))
    p = subprocess.run([b.spinbench, str(SB_THREADS), str(work), str(rounds)], capture_output=True, text=True)
    rows["host", 0] = _sb_walls(p.stdout) if p.returncode == 0 else ([], [])
    peer_why = None
    for cpus in SMP_CPUS:
        walls, used, why = _sb_peer(b, cpus, work, rounds)
        rows["peer", cpus] = (walls, used) if walls else None
        peer_why = peer_why or why

    def cell(key):
        r = rows.get(key)
        if r is None:
            return "SKIP", ""
        return fmt(r[0], 0), ",".join(str(c) for c in sorted(set(r[1]))) or "?"

    t = ("apps/bench/spinbench.c (static, musl): %d threads, each %d million steps of a xorshift/multiply "
         "chain touching no shared memory, one round timed from the first pthread_create to the last join "
         "(CLOCK_MONOTONIC); %d rounds in one boot, median (min–max) ms. \"CPUs\" is how many distinct CPUs "
         "(getcpu) the threads were seen on per round. Speed-up: the 1-vCPU median over the 2-vCPU one "
         "(2.00 would be perfect).\n\n" % (SB_THREADS, work, rounds))
    t += "| spinbench, 2 threads | 1 vCPU: ms | CPUs | 2 vCPUs: ms | CPUs | speed-up |\n|---|---:|---:|---:|---:|---:|\n"
    for who, label in (("osprey", "Osprey (microvm, `-m 64M`)"), ("peer", "Linux peer (ZFSVM_CPUS=1, 2)")):
        c1, c2 = cell((who, 1)), cell((who, 2))
        r1, r2 = rows.get((who, 1)), rows.get((who, 2))
        sp = _median_ratio(r1[0], r2[0]) if r1 and r2 else None
        t += "| %s | %s | %s | %s | %s | %s |\n" % (label, c1[0], c1[1], c2[0], c2[1], _ratio_cell(sp))
    h = rows["host", 0]
    t += "| host (%d CPUs online) | | | %s | %s | |\n" % (os.cpu_count() or 0, fmt(h[0], 0) if h[0] else "n/a",
                                                       ",".join(str(c) for c in sorted(set(h[1]))) or "?")
    if peer_why:
        t += "\nLinux peer: **SKIP** (%s)\n" % peer_why
    return t


# ---- boot time ----

def _boot_times(b, fmt):
    img = b.boot_image()
    n = 3 if b.quick else 10
    t = ("\nBoot to the program's first system call (`--bootchart /bin/busybox true` from the \"Boot time\" "
         "section's ROFS image, `-m 64M`, microvm; guest TSC, ms since kernel entry) and the whole QEMU "
         "process (wall time around tools/run), %d boots each, median (min–max):\n\n"
         "| vCPUs | first system call (ms) | whole QEMU process (ms) | failed boots |\n|---:|---:|---:|---:|\n" % n)
    for cpus in BOOT_CPUS:
        first, walls, fails = [], [], 0
        for i in range(n):
            status, out, wall = b.boot("--bootchart /bin/busybox true", [img], record=(i == 0), cpus=cpus)
            m = FIRST_RE.search(out)
            if status != 0 or not m:
                fails += 1
                continue
            first.append(float(m.group(2)))
            walls.append(wall * 1000)
        t += "| %d | %s | %s | %d |\n" % (cpus, fmt(first, 2) if first else "n/a",
                                         fmt(walls, 0) if walls else "n/a", fails)
    return t


# ---- memcached -t 2 ----

def _memcached(b, fmt):
    why = tapnet.missing()
    missing = [t for t in ("memcslap", "ip") if not shutil.which(t)]
    if not os.path.exists("/usr/bin/memcached"):
        missing.append("/usr/bin/memcached")
    if why or missing:
        return "\nmemcached: not measured: %s.\n" % (why or "missing " + ", ".join(missing) + " (scripts/deps.sh)")
    runs = 1 if b.quick else 3
    if b.quick:
        bench_net.QUICK.update(keys=200)
    image = bench_net._image(b)
    res = {cpus: {"mc_set": [], "mc_get": []} for cpus in SMP_CPUS}
    fails = []
    for i in range(runs):
        for cpus in SMP_CPUS:
            with tapnet.TapNet("ospc") as net:
                g = bench_net.Boot(b, net, image, "/usr/bin/memcached -u root -p 11211 -t 2", cpus=cpus)
                if bench_net._wait_port(net, 11211, 120, g) is None:
                    fails.append("%d vCPU run %d: memcached never listened: %s" % (cpus, i + 1, g.stop()[-300:]))
                    continue
                err = bench_net._loads_mc(net, net.guest_ip, res[cpus])
                g.stop()
                if err:
                    fails.append("%d vCPU run %d: %s" % (cpus, i + 1, err))
    b.cmds.append("tools/run -c N --machine q35 --net tap=TAP ... -e '--ip=... /usr/bin/memcached -u root "
                  "-p 11211 -t 2'")
    b.cmds.append("ip netns exec NS memcslap --servers=GUEST:11211 --concurrency=%d --execute-number=%d "
                  "--test=set|get" % (bench_net.MC_THREADS, bench_net.QUICK["keys"]))
    t = ("\nDebian's memcached 1.6 with 2 worker threads (`-t 2`) on Osprey (q35, virtio-net-pci, `-m %s`, "
         "tap device in a network namespace), loaded from the host side by memcslap, %d threads x %d keys; "
         "%d run%s at each vCPU count, ops/s median (min–max):\n\n"
         "| memcached -t 2 | 1 vCPU | 2 vCPUs | 2 / 1 |\n|---|---:|---:|---:|\n"
         % (bench_net.MEM, bench_net.MC_THREADS, bench_net.QUICK["keys"], runs, "" if runs == 1 else "s"))
    for key, what in (("mc_set", "set"), ("mc_get", "get")):
        a, c = res[1][key], res[2][key]
        t += "| %s | %s | %s | %s |\n" % (what, fmt(a, 0) if a else "n/a", fmt(c, 0) if c else "n/a",
                                         _ratio_cell(_median_ratio(c, a)))
    if fails:
        t += "\nFailed: %s\n" % "; ".join(fails)[:600]
    return t


# ---- ZFS /data ----

def _zfs(b, fmt):
    img, _, _, _ = b.zd_prepare()
    runs = 1 if b.quick else 3
    vals = {cpus: {k[0]: [] for k in ZD_FIGS} for cpus in SMP_CPUS}
    fails = []
    for i in range(runs):
        for cpus in SMP_CPUS:
            status, out = b.zd_boot("/bin/zfsbench -p %s /data ; /bin/busybox umount /data" % ZD_PHASES, img,
                                    b.zd_fresh(), record=(i == 0), cpus=cpus)
            why = b.zd_bench_ok(status, out)
            if why:
                fails.append("%d vCPU run %d: %s" % (cpus, i + 1, why))
                continue
            for k, v in ZB_RE.findall(out):
                if k in vals[cpus]:
                    vals[cpus][k].append(float(v))
    t = ("\napps/zfsbench `-p %s` on ZFS /data (the \"ZFS /data\" section's images and pool: a fresh copy each "
         "boot), %d run%s at each vCPU count, median (min–max); the last column is 2 vCPUs over 1 (above 1: "
         "faster with 2, for times: slower):\n\n"
         "| figure | unit | 1 vCPU | 2 vCPUs | 2 / 1 |\n|---|---|---:|---:|---:|\n"
         % (ZD_PHASES, runs, "" if runs == 1 else "s"))
    for key, what, unit, digits, _ in ZD_FIGS:
        a, c = vals[1][key], vals[2][key]
        t += "| %s | %s | %s | %s | %s |\n" % (what, unit, fmt(a, digits) if a else "n/a",
                                              fmt(c, digits) if c else "n/a", _ratio_cell(_median_ratio(c, a)))
    if fails:
        t += "\nFailed: %s\n" % "; ".join(fails)[:600]
    return t


def section(b, fmt):
    """The section's text; b is tools/bench.py's Bench, fmt its median (min-max) formatter."""
    when, load = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.getloadavg()
    t = ("Osprey at 1 and 2 vCPUs (`tools/run -c N`; TCG runs each vCPU in a host thread of its own, "
         "`thread=multi`, when N > 1), on a host with %d CPUs; measured %s, host load average at the start "
         "%.2f %.2f %.2f. A kernel that runs threads on one CPU only shows no speed-up here.\n\n"
         % (os.cpu_count() or 0, when, load[0], load[1], load[2]))
    for name, part in (("spinbench", _spin), ("boot time", _boot_times), ("memcached", _memcached),
                       ("ZFS", _zfs)):
        t += _guarded(name, lambda: part(b, fmt))
    return t
