"""Boot tests of the network: apps/tests/echo as a server that the host
reaches through QEMU user networking (tools/run --net user --forward,
bound to 127.0.0.1 only; the guest is isolated otherwise), its self-test
over loopback with and without a NIC, static addresses from the command
line, /etc/resolv.conf and /etc/hosts made at boot, on microvm (virtio-mmio)
and q35 (virtio-pci). Every byte echoed is compared with what was sent."""
import atexit
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import tapnet  # noqa: E402

BUSYBOX = "/bin/busybox"
VARIANTS = ["musl", "pie", "glibc"]
GUEST_PORT = 7
BOOT_WAIT = 60
MIB = 1 << 20

_stage = {}


def _ready(ctx, name):
    apps = os.path.join(ctx.build, "apps")
    if not all(os.path.exists(os.path.join(apps, "echo." + v)) for v in VARIANTS):
        ctx.skip(name, "build/apps/echo.* not built")
        return None
    if not os.path.exists(BUSYBOX):
        ctx.skip(name, "%s not installed (scripts/deps.sh installs busybox-static)" % BUSYBOX)
        return None
    if _stage:
        return _stage
    tmp = tempfile.mkdtemp(prefix="osprey-net-")
    atexit.register(shutil.rmtree, tmp, True)
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "bin"))
    for v in VARIANTS:
        for prog in ("echo", "netinfo"):
            if os.path.exists(os.path.join(apps, "%s.%s" % (prog, v))):
                shutil.copy(os.path.join(apps, "%s.%s" % (prog, v)), os.path.join(root, "bin"))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    archive = os.path.join(tmp, "initrd.cpio")
    with open(archive, "wb") as f:
        names = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=root, input=names,
                       stdout=f, check=True)
    _stage.update(tmp=tmp, root=root, initrd=archive)
    return _stage


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Guest:
    """A guest booted in the background; its serial output is collected
    as it comes, so the test can wait for a line while talking to it."""

    def __init__(self, ctx, cmdline, machine="microvm", forward=(), initrd=None, images=(),
                 timeout=240, memory="128M", net="user", tapnet=None, pidfile=None):
        if tapnet:
            net = "tap=" + tapnet.tap
            cmdline = tapnet.guest_args() + " " + cmdline
        cmd = [os.path.join(ctx.root, "tools", "run"), "--accel", ctx.accel, "-m", memory,
               "--machine", machine, "--kernel", ctx.kernel, "--timeout", str(timeout),
               "--net", net, "-e", cmdline]
        for f in forward:
            cmd += ["--forward", f]
        if initrd:
            cmd += ["--initrd", initrd]
        for img in images:
            cmd += ["--image", img]
        # QEMU runs in a session of its own under tools/run: its pid file
        # lets finish() and kill_qemu() reach it when tools/run cannot.
        if not pidfile:
            fd, pidfile = tempfile.mkstemp(prefix="osprey-qemu-", suffix=".pid")
            os.close(fd)
            atexit.register(lambda p=pidfile: os.path.exists(p) and os.unlink(p))
        self.pidfile = pidfile
        cmd += ["--", "-pidfile", pidfile]
        if tapnet:
            cmd = tapnet.cmd(cmd)
        self.proc = subprocess.Popen(cmd, cwd=ctx.root, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.out = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):
            with self.lock:
                self.out += chunk

    def text(self):
        with self.lock:
            return self.out.decode("utf-8", "replace").replace("\r\n", "\n")

    def wait_for(self, pattern, seconds=BOOT_WAIT):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if re.search(pattern, self.text(), re.M):
                return True
            if self.proc.poll() is not None:
                self.reader.join(5)
                return bool(re.search(pattern, self.text(), re.M))
            time.sleep(0.05)
        return False

    def kill_qemu(self):
        """SIGKILL to QEMU itself (named by its -pidfile), as a power cut;
        False when it is not running."""
        try:
            pid = int(open(self.pidfile).read().strip())
            # only ever our own QEMU: its command line names our pidfile
            if self.pidfile.encode() not in open("/proc/%d/cmdline" % pid, "rb").read():
                return False
            os.kill(pid, signal.SIGKILL)
            return True
        except (OSError, ValueError, TypeError):
            return False

    def finish(self, seconds=120):
        try:
            code = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.kill_qemu()	# else it would live on, holding its disk images
            self.proc.kill()
            code = self.proc.wait()
        self.reader.join(5)
        return code, self.text()


def _connect(port, tries=50, tapnet=None):
    """A connection to 127.0.0.1:port (a --forward), or to the guest's own
    address on port through the tap device of tapnet."""
    for i in range(tries):
        try:
            if not tapnet:
                return socket.create_connection(("127.0.0.1", port), timeout=30)
            s = tapnet.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(30)
            try:
                s.connect((tapnet.guest_ip, port))
            except OSError:
                s.close()
                raise
            return s
        except OSError:
            if i == tries - 1:
                raise
            time.sleep(0.1)


def _echo_roundtrip(port, data, chunk=65536, tapnet=None):
    """Sends data on a new connection while reading the echo; returns
    (echoed bytes, error or None)."""
    s = _connect(port, tapnet=tapnet)
    got = bytearray()
    err = []

    def send():
        try:
            for i in range(0, len(data), chunk):
                s.sendall(data[i:i + chunk])
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append("send: %s" % e)
    t = threading.Thread(target=send)
    t.start()
    try:
        while True:
            b = s.recv(262144)
            if not b:
                break
            got += b
            if len(got) >= len(data):
                break
    except OSError as e:
        err.append("recv: %s" % e)
    t.join()
    s.close()
    return bytes(got), (err[0] if err else None)


def _tap_counters(net):
    """(tx bytes, tx frames, rx bytes, rx frames) of the host's side of the tap."""
    p = subprocess.run(["ip", "-n", net.ns, "-j", "-s", "link", "show", "dev", net.tap],
                       capture_output=True, text=True)
    st = json.loads(p.stdout)[0]["stats64"]
    return st["tx"]["bytes"], st["tx"]["packets"], st["rx"]["bytes"], st["rx"]["packets"]


def _payload(n, seed):
    return random.Random(seed).randbytes(n)


def _host_echo(ctx, prefix, machine="microvm", variant="musl", extra=""):
    """The server for the host: concurrent streams (one of 1 MiB), a UDP
    datagram, clients that stall and vanish; all through --forward."""
    name = prefix + ".host_echo"
    st = _ready(ctx, name)
    if not st:
        return
    tcp, udp = _free_port(), _free_port()
    streams = [(MIB, 1), (1, 2), (1460, 3), (100003, 4)]
    # Connections the server will see end: the streams, a silent one, one
    # that vanishes mid-request, one after those.
    total = len(streams) + 3
    # user-open: slirp's restricted mode drops the guest's UDP replies to
    # the host; the server only ever answers, and only to 127.0.0.1.
    g = Guest(ctx, "%s/bin/echo.%s serve %d %d" % (extra, variant, GUEST_PORT, total),
              machine=machine, initrd=st["initrd"], net="user-open",
              forward=["%d:%d" % (tcp, GUEST_PORT), "udp:%d:%d" % (udp, GUEST_PORT)])
    if not g.wait_for(r"^echo: listening on %d$" % GUEST_PORT):
        code, out = g.finish(5)
        ctx.check(name + ".listening", False, "the server never said it listens", out)
        return
    # A client that connects and never sends: the others go on regardless.
    silent = _connect(tcp)
    results = [None] * len(streams)

    def run(i):
        n, seed = streams[i]
        data = _payload(n, seed)
        got, err = _echo_roundtrip(tcp, data)
        results[i] = (got == data, "%d of %d bytes back%s%s" % (
            len(got), n, ", differing" if got != data[:len(got)] else "", ", " + err if err else ""))
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(streams))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    bad = ["stream %d: %s" % (i, r[1] if r else "no result") for i, r in enumerate(results)
           if not r or not r[0]]
    ctx.check(name + ".tcp_streams", not bad, "; ".join(bad), g.text())

    # UDP through the forwarded port.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    dgram = _payload(1200, 9)
    echoed = None
    for _ in range(10):
        u.sendto(dgram, ("127.0.0.1", udp))
        try:
            echoed = u.recv(65536)
            break
        except socket.timeout:
            continue
    u.close()
    ctx.check(name + ".udp", echoed == dgram, "got %r" % (echoed[:32] if echoed else echoed), g.text())

    # A client that sends half a request and vanishes (a reset).
    v = _connect(tcp)
    v.sendall(_payload(50000, 10))
    v.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    v.close()
    data = _payload(300000, 11)
    got, err = _echo_roundtrip(tcp, data)
    ctx.check(name + ".after_vanished_client", got == data and not err,
              "%d of %d bytes back, %s" % (len(got), len(data), err), g.text())
    silent.close()
    code, out = g.finish()
    ctx.check(name + ".server_exit", code == 0 and ("echo: served %d connections" % total) in out,
              "status %d" % code, out)
    if extra:
        ctx.check(name + ".dhcp_resolv_conf", re.search(r"^nameserver 10\.0\.2\.3$", out, re.M),
                  "no name server from DHCP in /etc/resolv.conf", out)


def test_loopback_without_nic(ctx):
    st = _ready(ctx, "loopback_without_nic")
    if not st:
        return
    for v in VARIANTS:
        code, out = ctx.run("/bin/echo.%s selftest" % v, memory="128M", initrd=st["initrd"],
                            timeout=180)
        m = re.search(r"^echo: all (\d+) checks passed$", out, re.M)
        ctx.check("loopback_without_nic." + v, code == 0 and m and "virtio-net" not in out,
                  "status %d" % code, out)


def test_loopback_with_nic(ctx):
    st = _ready(ctx, "loopback_with_nic")
    if not st:
        return
    g = Guest(ctx, "--verbose /bin/echo.glibc selftest", initrd=st["initrd"])
    code, out = g.finish(240)
    ok = code == 0 and re.search(r"^echo: all \d+ checks passed$", out, re.M)
    ctx.check("loopback_with_nic", ok, "status %d" % code, out)
    lease = re.search(r"^net: eth0 DHCP 10\.0\.2\.15 mask 255\.255\.255\.0", out, re.M)
    ctx.check("dhcp_lease", lease and re.search(r"^virtio-net: eth0 at mmio@", out, re.M),
              "no DHCP lease reported", out)


def test_host_echo_microvm(ctx):
    _host_echo(ctx, "microvm", extra="/bin/busybox cat /etc/resolv.conf ; ")


def test_host_echo_q35(ctx):
    _host_echo(ctx, "q35", machine="q35", variant="glibc")


def test_static_address(ctx):
    """--ip/--gw/--dns: the address is used (the host reaches the server),
    and resolv.conf and hosts are written on the ramfs root."""
    st = _ready(ctx, "static_address")
    if not st:
        return
    tcp = _free_port()
    cmd = ("--verbose --ip=10.0.2.15/24 --gw=10.0.2.2 --dns=10.0.2.3 --dns=192.0.2.53 "
           "/bin/busybox cat /etc/resolv.conf /etc/hosts ; /bin/echo.musl serve %d 1" % GUEST_PORT)
    g = Guest(ctx, cmd, initrd=st["initrd"], forward=["%d:%d" % (tcp, GUEST_PORT)])
    listening = g.wait_for(r"^echo: listening on %d$" % GUEST_PORT)
    data = _payload(200000, 12)
    got, err = _echo_roundtrip(tcp, data) if listening else (b"", "not listening")
    code, out = g.finish()
    ctx.check("static_address.echo", got == data and code == 0,
              "%d of %d bytes back, %s, status %d" % (len(got), len(data), err, code), out)
    ctx.check("static_address.configured",
              re.search(r"^net: eth0 static 10\.0\.2\.15 mask 255\.255\.255\.0 gateway 10\.0\.2\.2$",
                        out, re.M) and "DHCP" not in out, "", out)
    ctx.check("static_address.resolv_conf",
              "nameserver 10.0.2.3\nnameserver 192.0.2.53\n" in out, "", out)
    ctx.check("static_address.hosts", re.search(r"^127\.0\.0\.1\s+localhost$", out, re.M), "", out)


def test_no_etc_files_without_nic(ctx):
    """Loopback only: the image stays as built (no /etc files appear)."""
    st = _ready(ctx, "no_etc_files_without_nic")
    if not st:
        return
    code, out = ctx.run("--dns=10.0.2.3 /bin/busybox ls /etc", initrd=st["initrd"], timeout=60)
    ok = code != 0 and "resolv.conf" not in out.replace("--dns", "") and "hosts" not in out
    ctx.check("no_etc_files_without_nic", ok and "no network interface" in out, "status %d" % code, out)


def test_bad_network_options(ctx):
    st = _ready(ctx, "bad_network_options")
    if not st:
        return
    code, out = ctx.run("--ip=10.0.2.300/24 --dns=x /bin/busybox true", initrd=st["initrd"],
                        timeout=60)
    ok = code == 0 and "cmdline: bad address in option (want --ip=ADDR/PREFIX" in out and \
        "'--ip=10.0.2.300/24'" in out and "'--dns=x'" in out
    ctx.check("bad_network_options", ok, "status %d" % code, out)


def test_rofs_etc_overlay(ctx):
    """A read-only root whose /etc lacks resolv.conf: a ramfs copy of its
    /etc (files, a subdirectory, a symlink) covers it, with the new files."""
    st = _ready(ctx, "rofs_etc_overlay")
    mkimage = os.path.join(ctx.build, "tools", "mkimage")
    if not st:
        return
    if not os.path.exists(mkimage):
        ctx.skip("rofs_etc_overlay", "build/tools/mkimage not built")
        return
    stage = os.path.join(st["tmp"], "etc-stage")
    os.makedirs(os.path.join(stage, "etc", "sub"), exist_ok=True)
    with open(os.path.join(stage, "etc", "hostname"), "w") as f:
        f.write("from-the-image\n")
    with open(os.path.join(stage, "etc", "sub", "deep.conf"), "w") as f:
        f.write("deep=1\n")
    manifest = os.path.join(st["tmp"], "net.manifest")
    with open(manifest, "w") as f:
        f.write("/bin/busybox: %s mode=0755\n/etc/**: %s/etc/**\n/etc/link: ->hostname\n"
                % (BUSYBOX, stage))
    image = os.path.join(st["tmp"], "net.img")
    p = subprocess.run([mkimage, "-q", manifest, image], capture_output=True, text=True)
    if p.returncode:
        ctx.check("rofs_etc_overlay", False, "mkimage: " + p.stdout + p.stderr)
        return
    g = Guest(ctx, "--dns=10.0.2.3 /bin/busybox cat /etc/resolv.conf /etc/hosts "
              "/etc/hostname /etc/sub/deep.conf /etc/link", images=[image])
    code, out = g.finish()
    ok = code == 0 and "nameserver 10.0.2.3\n" in out and "localhost" in out and \
        out.count("from-the-image\n") == 2 and "deep=1\n" in out
    ctx.check("rofs_etc_overlay", ok, "status %d" % code, out)


def test_tap(ctx):
    """A tap device in a network namespace the test makes and removes: the
    host pings the guest (also with datagrams the guest must reassemble),
    and TCP and UDP echo work on a link that offers checksum and TCP
    segmentation offload both ways, which QEMU's user networking does not."""
    name = "tap"
    st = _ready(ctx, name)
    if not st:
        return
    why = tapnet.missing()
    if why:
        ctx.skip(name, why)
        return
    with tapnet.TapNet() as net:
        g = Guest(ctx, "--verbose /bin/echo.musl serve %d 2" % GUEST_PORT, initrd=st["initrd"],
                  tapnet=net)
        if not g.wait_for(r"^echo: listening on %d$" % GUEST_PORT):
            code, out = g.finish(5)
            ctx.check(name + ".listening", False, "the server never said it listens", out)
            return
        for size in (56, 3000):
            p = subprocess.run(net.cmd(["ping", "-c", "3", "-i", "0.2", "-W", "5", "-s", str(size),
                                        net.guest_ip]), capture_output=True, text=True)
            ctx.check("%s.ping_%d" % (name, size),
                      p.returncode == 0 and " 3 received" in p.stdout,
                      "ping: status %d" % p.returncode, p.stdout + p.stderr)
        # Replies to an idle guest: the stack tells the device about the
        # frames of a turn when the turn ends; one left untold would wait
        # for the next frame sent (lwIP's timers, up to a second away).
        p = subprocess.run(net.cmd(["ping", "-c", "20", "-i", "0.05", "-W", "5", net.guest_ip]),
                           capture_output=True, text=True)
        rtts = [float(x) for x in re.findall(r"time=([\d.]+) ms", p.stdout)]
        ctx.check(name + ".ping_prompt", len(rtts) == 20 and max(rtts) < 300,
                  "%d replies, slowest %.1f ms" % (len(rtts), max(rtts, default=0)), p.stdout + p.stderr)
        data = _payload(4 * MIB, 21)
        before = _tap_counters(net)
        got, err = _echo_roundtrip(GUEST_PORT, data, tapnet=net)
        after = _tap_counters(net)
        ctx.check(name + ".tcp", got == data and not err,
                  "%d of %d bytes back, %s" % (len(got), len(data), err), g.text())
        # Segmentation offload both ways: the host side of the tap saw the
        # stream in frames larger than the link's 1514 bytes, so neither the
        # host (for the guest) nor the guest cut it to the MTU.
        sizes = [(after[k] - before[k]) / max(after[k + 1] - before[k + 1], 1) for k in (0, 2)]
        ctx.check(name + ".tso_frames", sizes[0] > 1514 and sizes[1] > 1514,
                  "bytes a frame on the tap: %.0f to the guest, %.0f from it" % tuple(sizes), g.text())
        u = net.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(5)
        dgram = _payload(1400, 22)
        echoed = None
        for _ in range(5):
            u.sendto(dgram, (net.guest_ip, GUEST_PORT))
            try:
                echoed = u.recv(65536)
                break
            except socket.timeout:
                continue
        u.close()
        ctx.check(name + ".udp", echoed == dgram, "got %r" % (echoed[:32] if echoed else echoed),
                  g.text())
        data = _payload(100000, 23)
        got, err = _echo_roundtrip(GUEST_PORT, data, tapnet=net)
        code, out = g.finish()
        ctx.check(name + ".server_exit", got == data and code == 0 and
                  "echo: served 2 connections" in out, "status %d, %s" % (code, err), out)
        ctx.check(name + ".offload", re.search(r"virtio-net: eth0 .*csum", out) is not None,
                  "the NIC did not report checksum offload", out)
        ctx.check(name + ".tso4", re.search(r"virtio-net: eth0 .*mergeable, rx tso4, tx tso4", out)
                  is not None, "the NIC did not take segmentation offload", out)


def test_netinfo(ctx):
    """apps/tests/netinfo on a NIC with a known address and MAC (QEMU's
    default): getifaddrs and if_nameindex over netlink, the SIOCGIF*
    ioctls, a raw NETLINK_ROUTE socket, SO_LINGER, TCP_INFO,
    SO_REUSEPORT, sendmmsg/recvmmsg; each C library."""
    st = _ready(ctx, "netinfo")
    if not st:
        return
    for v in VARIANTS:
        if not os.path.exists(os.path.join(st["root"], "bin", "netinfo." + v)):
            ctx.check("netinfo." + v, False, "build/apps/netinfo.%s not built" % v)
            continue
        g = Guest(ctx, "--ip=10.0.2.15/24 --gw=10.0.2.2 /bin/netinfo.%s eth0 10.0.2.15/24 "
                  "52:54:00:12:34:56" % v, initrd=st["initrd"])
        code, out = g.finish(180)
        ok = code == 0 and re.search(r"^netinfo: all \d+ checks passed$", out, re.M)
        ctx.check("netinfo." + v, ok, "status %d" % code, out)
