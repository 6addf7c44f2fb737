"""The "Network services" section of `make bench` (tools/bench.py calls
section()): Debian's redis-server, memcached and iperf3, the same binaries
on Osprey and in the Linux peer guest (../shared/peers/linux-vm), each
guest on a tap device in a network namespace made for the run (tools/tapnet),
1 vCPU, the same QEMU accelerator, driven from the host side of the tap:

- redis-benchmark -c 30 -n 100000 -P 16 -d 3 -t get,set -q (the Unikraft
  paper's setup), requests/s;
- memcslap (libmemcached-tools) set and get, 30 threads x 2000 keys, ops/s;
- iperf3 TCP stream both ways, 5 s, Gbit/s;
- boot to the first accepted connection: host wall time from starting QEMU
  to a connection redis answers (both), and Osprey's guest-TSC figure
  (--bootchart prints when the kernel first accepted one);
- redis idle: the least -m at which Osprey boots redis and answers PING,
  SET and GET (bisection over whole MiB).
"""
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time

import tapnet

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "run")
PEER = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "peers", "linux-vm", "build.sh")

REDIS_BENCH = ["redis-benchmark", "-p", "6379", "-c", "30", "-n", "100000", "-P", "16", "-d", "3",
               "-t", "get,set", "-q"]
RB_RE = re.compile(r"(?:^|\r)(SET|GET): ([\d.]+) requests per second", re.M)
MC_RE = re.compile(r"Time to (set|get)\s+(\d+) keys by\s+(\d+) threads:\s+([\d.]+) seconds")
ACCEPT_RE = re.compile(r"bootchart: first connection accepted at (\d+\.\d+) ms")
MC_THREADS, MC_KEYS = 30, 2000
IPERF_SECONDS = 5
MEM = "256M"
PROGRAMS = ["/usr/bin/redis-server", "/usr/bin/memcached", "/usr/bin/iperf3"]
HOST_TOOLS = ["redis-benchmark", "redis-cli", "memcslap", "iperf3", "ip"]
PEER_PACKAGES = "python3 redis-server memcached sqlite3 iperf3"
REDIS_ARGS = "--save '' --appendonly no --protected-mode no"
IDLE_STEPS = list(range(4, 65))


def _wait_port(net, port, seconds, proc=None):
    """Seconds until a TCP connection to the guest's port succeeds (and a
    PING is answered when port is redis's), or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if proc and proc.poll() is not None:
            return None
        try:
            s = net.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(2)
            s.connect((net.guest_ip, port))
            if port == 6379:
                s.sendall(b"PING\r\n")
                if not s.recv(64).startswith(b"+PONG"):
                    raise OSError("no PONG")
            s.close()
            return time.monotonic() - t0
        except OSError:
            s.close()
            time.sleep(0.01)
    return None


def _image(b):
    tmp = os.path.join(b.work, "net")
    os.makedirs(tmp, exist_ok=True)
    with open(os.path.join(tmp, "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    with open(os.path.join(tmp, "group"), "w") as f:
        f.write("root:x:0:\n")
    lines = ["%s: %s libs" % (p, p) for p in PROGRAMS]
    lines += ["/etc/passwd: %s/passwd" % tmp, "/etc/group: %s/group" % tmp]
    manifest = os.path.join(tmp, "net.manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    image = os.path.join(tmp, "net.img")
    p = subprocess.run([os.path.join(b.build, "tools", "mkimage"), "-q", manifest, image],
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("mkimage: " + (p.stdout + p.stderr).strip()[-300:])
    return image


class Boot:
    """An Osprey guest in the namespace; stop() ends QEMU itself (through
    its pid file: it runs in a session of its own under tools/run, and a
    QEMU left behind would hold the image for the next boot)."""

    def __init__(self, b, net, image, cmdline, memory=MEM, timeout=600, cpus=1):
        self.pidfile = os.path.join(b.work, "net-qemu.pid")
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        cmd = [RUN, "--accel", "auto", "-m", memory, "-c", str(cpus), "--machine", "q35", "--kernel", b.kernel,
               "--timeout", str(timeout), "--image", image, "--net", "tap=" + net.tap,
               "-e", net.guest_args() + " " + cmdline, "--", "-pidfile", self.pidfile]
        self.proc = subprocess.Popen(net.cmd(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)

    def poll(self):
        return self.proc.poll()

    def stop(self):
        """Ends the guest; its output."""
        try:
            pid = int(open(self.pidfile).read().strip())
            if self.pidfile.encode() in open("/proc/%d/cmdline" % pid, "rb").read():
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        try:
            out = self.proc.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out = self.proc.communicate()[0]
        return out


def _osprey_boot(b, net, image, cmdline, memory=MEM, timeout=600):
    return Boot(b, net, image, cmdline, memory, timeout)


def _osprey(b, image, runs):
    """({figure: [values]}, failures) for Osprey."""
    res = {k: [] for k in FIGURES_KEYS + ["boot_wall", "boot_tsc"]}
    fails = []
    cmdline = ("--bootchart /usr/bin/redis-server %s ; /usr/bin/memcached -u root -p 11211 -A ; "
               "/usr/bin/iperf3 -s" % REDIS_ARGS)
    for i in range(runs):
        with tapnet.TapNet("ospb") as net:
            t0 = time.monotonic()
            g = _osprey_boot(b, net, image, cmdline)
            up = _wait_port(net, 6379, 120, g)
            if up is None:
                fails.append("run %d: redis never answered: %s" % (i + 1, g.stop()[-300:]))
                continue
            res["boot_wall"].append((time.monotonic() - t0) * 1000)
            subprocess.run(net.cmd(["redis-cli", "-h", net.guest_ip, "SHUTDOWN", "NOSAVE"]),
                           capture_output=True, timeout=60)
            err = None if _wait_port(net, 11211, 60, g) is not None else "memcached never listened"
            res_run = {k: [] for k in FIGURES_KEYS}
            # redis is gone: its load runs in a second boot below; here memcached and iperf3.
            if not err:
                err = _loads_mc_iperf(net, net.guest_ip, res_run, stop_memcached=True)
            out = g.stop()
            a = re.search(r"run: accelerator (\S+)", out)
            if a:
                b.net_accel = a.group(1)
            m = ACCEPT_RE.search(out)
            if m:
                res["boot_tsc"].append(float(m.group(1)))
            # redis-benchmark in a boot of its own, redis alone
            g = _osprey_boot(b, net, image, "/usr/bin/redis-server " + REDIS_ARGS)
            if not err and _wait_port(net, 6379, 120, g) is None:
                err = "redis never answered in the benchmark boot"
            if not err:
                err = _loads_redis(net, net.guest_ip, res_run)
            g.stop()
            if err:
                fails.append("run %d: %s" % (i + 1, err))
                continue
            for k, v in res_run.items():
                res[k] += v
    return res, fails


# --quick: lighter loads (the quick run only shows the section works).
QUICK = {"n": "100000", "keys": MC_KEYS, "seconds": IPERF_SECONDS}


def _loads_redis(net, ip, res):
    cmd = [QUICK["n"] if a == "100000" else a for a in REDIS_BENCH]
    p = subprocess.run(net.cmd(cmd + ["-h", ip]), capture_output=True, text=True, timeout=600)
    got = dict(RB_RE.findall(p.stdout))
    if p.returncode or "SET" not in got or "GET" not in got:
        return "redis-benchmark: status %d, %s" % (p.returncode, (p.stdout + p.stderr)[-300:])
    res["redis_set"].append(float(got["SET"]))
    res["redis_get"].append(float(got["GET"]))
    return None


def _loads_mc(net, ip, res):
    """memcslap set, then get: ops/s appended to res["mc_set"] and
    res["mc_get"]; None, or what failed."""
    for test in ("set", "get"):
        p = subprocess.run(net.cmd(["memcslap", "--servers=%s:11211" % ip, "--concurrency=%d" % MC_THREADS,
                                    "--execute-number=%d" % QUICK["keys"], "--test=" + test]),
                           capture_output=True, text=True, timeout=600)
        m = [x for x in MC_RE.findall(p.stdout) if x[0] == test]
        if p.returncode or not m:
            return "memcslap %s: status %d, %s" % (test, p.returncode, (p.stdout + p.stderr)[-300:])
        res["mc_" + test].append(int(m[0][1]) / float(m[0][3]))
    return None


def _loads_mc_iperf(net, ip, res, stop_memcached=False):
    err = _loads_mc(net, ip, res)
    if err:
        return err
    if stop_memcached:
        # memcached -A: its `shutdown` ends it, and the next program (iperf3) starts.
        s = net.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((ip, 11211))
        s.sendall(b"shutdown\r\n")
        s.close()
    for key, extra in (("tcp_to_guest", []), ("tcp_from_guest", ["-R"])):
        # iperf3's server listens again a moment after each test: try a few times.
        for _ in range(50):
            p = subprocess.run(net.cmd(["iperf3", "-c", ip, "-t", str(QUICK["seconds"]), "-f", "g"] +
                                       extra), capture_output=True, text=True, timeout=120)
            if "unable to connect" not in p.stdout + p.stderr:
                break
            time.sleep(0.5)
        m = re.findall(r"([\d.]+) Gbits/sec\s+(?:\d+\s+)?receiver", p.stdout)
        if p.returncode or not m:
            return "iperf3 %s: status %d, %s" % (key, p.returncode, (p.stdout + p.stderr)[-300:])
        res[key].append(float(m[-1]))
    return None


def _peer(b, runs):
    """({figure: [values]}, description) from the Linux peer, or (None, why)."""
    peer = PEER
    env, why = b.peer_ready(int(MEM.rstrip("M")))
    if env is None:
        return None, why
    res = {k: [] for k in FIGURES_KEYS + ["boot_wall"]}
    desc = ""
    for i in range(runs):
        with tapnet.TapNet("peerb") as net:
            outdir = os.path.join(b.work, "net-peer-out")
            shutil.rmtree(outdir, ignore_errors=True)
            os.makedirs(outdir)
            penv = dict(env, ZFSVM_NET="-netdev tap,id=n0,ifname=%s,script=no,downscript=no "
                        "-device virtio-net-pci,netdev=n0" % net.tap,
                        ZFSVM_GUEST_IP="%s/%d" % (net.guest_ip, net.prefix), ZFSVM_GUEST_GW=net.host_ip)
            script = ("echo \"peer: kernel $(uname -r) cpus $(nproc) memtotal_kib "
                      "$(awk '/^MemTotal/ {print $2}' /proc/meminfo)\"; "
                      "memcached -u root -p 11211 -A & iperf3 -s & "
                      "redis-server %s; echo 'peer: end'" % REDIS_ARGS.replace("''", '""'))
            if i == 0:
                b.cmds.append("ip netns exec NS env ZFSVM_NET=%r ZFSVM_GUEST_IP=%s ZFSVM_GUEST_GW=%s "
                              "../shared/peers/linux-vm/build.sh run - - OUT %r  # NS: a namespace with tap0"
                              % (penv["ZFSVM_NET"], penv["ZFSVM_GUEST_IP"], penv["ZFSVM_GUEST_GW"], script))
            t0 = time.monotonic()
            g = subprocess.Popen(net.cmd([peer, "run", "-", "-", outdir, script]), env=penv,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            up = _wait_port(net, 6379, 300, g)
            if up is None:
                g.kill()
                return None, "redis in the peer never answered: %s" % g.communicate()[0][-300:]
            res["boot_wall"].append((time.monotonic() - t0) * 1000)
            err = _loads_redis(net, net.guest_ip, res) or _loads_mc_iperf(net, net.guest_ip, res)
            subprocess.run(net.cmd(["redis-cli", "-h", net.guest_ip, "SHUTDOWN", "NOSAVE"]),
                           capture_output=True, timeout=60)
            try:
                g.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                g.kill()
                g.communicate()
            log = ""
            if os.path.exists(os.path.join(outdir, "run.log")):
                with open(os.path.join(outdir, "run.log")) as f:
                    log = f.read()
            m = re.search(r"^peer: (.*)$", log, re.M)
            desc = m.group(1) if m else desc
            if err:
                return None, "peer run %d: %s" % (i + 1, err)
    return res, "Debian 12, " + desc


def _idle_memory(b, image):
    """The least -m (MiB) at which Osprey's redis answers PING, SET, GET."""
    def ok(mib):
        with tapnet.TapNet("ospm") as net:
            g = _osprey_boot(b, net, image, "/usr/bin/redis-server " + REDIS_ARGS, memory="%dM" % mib,
                             timeout=120)
            good = _wait_port(net, 6379, 60, g) is not None
            if good:
                r = [subprocess.run(net.cmd(["redis-cli", "-h", net.guest_ip] + c), capture_output=True,
                                    text=True, timeout=30).stdout.strip()
                     for c in (["SET", "k", "v" * 100], ["GET", "k"])]
                good = r == ["OK", "v" * 100]
            g.stop()
            return good
    lo, hi = IDLE_STEPS[0], IDLE_STEPS[-1]
    if not ok(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


FIGURES = [
    ("redis_set", "redis SET, redis-benchmark -c 30 -P 16 -d 3", "requests/s", 0, True),
    ("redis_get", "redis GET, same", "requests/s", 0, True),
    ("mc_set", "memcached set, memcslap %d threads x %d keys" % (MC_THREADS, MC_KEYS), "ops/s", 0, True),
    ("mc_get", "memcached get, same", "ops/s", 0, True),
    ("tcp_to_guest", "TCP stream host → guest, iperf3 %d s" % IPERF_SECONDS, "Gbit/s", 2, True),
    ("tcp_from_guest", "TCP stream guest → host, iperf3 -R", "Gbit/s", 2, True),
    ("boot_wall", "start of QEMU → redis answers PING (host wall time)", "ms", 0, False),
]
FIGURES_KEYS = [f[0] for f in FIGURES if f[0] != "boot_wall"]


def section(b, fmt):
    """The section's text; b is tools/bench.py's Bench (build, work, quick,
    cmds, accel, kernel), fmt its median (min-max) formatter."""
    why = tapnet.missing()
    missing = [t for t in HOST_TOOLS if not shutil.which(t)] + [p for p in PROGRAMS if not os.path.exists(p)]
    if why or missing:
        return "Not measured: %s.\n" % (why or "missing " + ", ".join(missing) + " (scripts/deps.sh)")
    runs = 1 if b.quick else 3
    if b.quick:
        QUICK.update(n="10000", keys=200, seconds=1)
    image = _image(b)
    osp, fails = _osprey(b, image, runs)
    linux, desc = _peer(b, runs)
    idle = None if b.quick else _idle_memory(b, image)
    t = ("Debian 12's redis-server 7.0, memcached 1.6 and iperf3, unmodified, on Osprey (q35, virtio-net-pci, "
         "1 vCPU, `-m %s`, ROFS root built with mkimage `libs`) and in the Linux peer (%s; 1 vCPU, the same "
         "memory, virtio-net-pci), each on a tap device in a network namespace made for the run; the load "
         "runs on the host side of the tap, under the same accelerator (%s). %d run%s, median (min–max); "
         "the ratio is Osprey / Linux of the medians (above 1: Osprey better, except for times).\n\n"
         % (MEM, desc if linux else "SKIP: " + desc, getattr(b, "net_accel", None) or b.accel, runs,
            "" if runs == 1 else "s"))
    b.cmds.append("ip netns exec NS redis-benchmark -h GUEST %s" % " ".join(REDIS_BENCH[1:]))
    b.cmds.append("ip netns exec NS memcslap --servers=GUEST:11211 --concurrency=%d --execute-number=%d "
                  "--test=set|get" % (MC_THREADS, MC_KEYS))
    b.cmds.append("ip netns exec NS iperf3 -c GUEST -t %d [-R]" % IPERF_SECONDS)
    t += "| figure | unit | Osprey | Linux | Osprey / Linux |\n|---|---|---:|---:|---:|\n"
    for key, what, unit, digits, higher in FIGURES:
        o, l = osp.get(key) or [], (linux or {}).get(key) or []
        ratio = "%.2f" % (statistics.median(o) / statistics.median(l)) if o and l else (
            "SKIP" if linux is None else "n/a")
        t += "| %s | %s | %s | %s | %s |\n" % (what, unit, fmt(o, digits) if o else "n/a",
                                              fmt(l, digits) if l else ("SKIP" if linux is None else "n/a"),
                                              ratio)
    t += ("\nOsprey, kernel entry → first accepted connection (guest TSC, `--bootchart`, the host connecting "
          "every 10 ms from QEMU's start): %s ms.\n" % (fmt(osp["boot_tsc"], 1) if osp["boot_tsc"] else "n/a"))
    t += ("\nredis idle: the least guest memory at which Osprey boots redis-server (`%s`) and answers PING, "
          "SET and GET: %s (goal: 8 MiB or less).\n" % (
              REDIS_ARGS, "%d MiB" % idle if idle else "not measured with --quick" if b.quick else
              "not found up to %d MiB" % IDLE_STEPS[-1]))
    if fails:
        t += "\n%d Osprey run(s) failed and are left out: %s\n" % (len(fails), "; ".join(fails)[:600])
    return t
