"""Boot test of epoll with the network: apps/tests/epoll's edge-triggered
echo server runs in the guest, blocked in epoll_wait, while clients on the
host connect through QEMU user networking (tools/run --net user --forward,
127.0.0.1 only): several connections at once, one of them idle throughout,
one sending 1 MiB; every byte echoed is compared with what was sent. The
epoll checks themselves (host and guest alike) are in test_linux.py."""
import atexit
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

VARIANTS = ["musl", "pie", "glibc"]
GUEST_PORT = 7
BOOT_WAIT = 60
MIB = 1 << 20

_stage = {}


def _initrd(ctx):
    if "initrd" in _stage:
        return _stage["initrd"]
    apps = os.path.join(ctx.build, "apps")
    if not all(os.path.exists(os.path.join(apps, "epoll." + v)) for v in VARIANTS):
        _stage["initrd"] = None
        return None
    tmp = tempfile.mkdtemp(prefix="osprey-epoll-")
    atexit.register(shutil.rmtree, tmp, True)
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "bin"))
    for v in VARIANTS:
        shutil.copy(os.path.join(apps, "epoll." + v), os.path.join(root, "bin"))
    archive = os.path.join(tmp, "initrd.cpio")
    names = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
    with open(archive, "wb") as f:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=root, input=names,
                       stdout=f, check=True)
    _stage["initrd"] = archive
    return archive


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Guest:
    """A guest booted in the background, its serial output collected."""

    def __init__(self, ctx, cmdline, initrd, forward, timeout=240, memory="128M"):
        cmd = [os.path.join(ctx.root, "tools", "run"), "--accel", ctx.accel, "-m", memory,
               "--kernel", ctx.kernel, "--timeout", str(timeout), "--net", "user",
               "--initrd", initrd, "-e", cmdline]
        for f in forward:
            cmd += ["--forward", f]
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

    def finish(self, seconds=120):
        try:
            code = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.reader.join(5)
        return code, self.text()


def _connect(port, tries=50):
    for _ in range(tries):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=60)
        except OSError:
            time.sleep(0.1)
    return socket.create_connection(("127.0.0.1", port), timeout=60)


def _roundtrip(port, data, chunk=65536, pause=0.0):
    """Sends data on a new connection while reading the echo (pausing
    between chunks, so the server waits in between); returns (echoed
    bytes, error or None)."""
    s = _connect(port)
    got = bytearray()
    err = []

    def send():
        try:
            for i in range(0, len(data), chunk):
                s.sendall(data[i:i + chunk])
                if pause:
                    time.sleep(pause)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append("send: %s" % e)
    t = threading.Thread(target=send)
    t.start()
    try:
        while len(got) < len(data):
            b = s.recv(262144)
            if not b:
                break
            got += b
    except OSError as e:
        err.append("recv: %s" % e)
    t.join()
    s.close()
    return bytes(got), (err[0] if err else None)


def test_epoll_server(ctx):
    initrd = _initrd(ctx)
    if not initrd:
        ctx.skip("epoll_server", "build/apps/epoll.* not built")
        return
    for v in VARIANTS:
        name = "epoll_server.%s" % v
        port = _free_port()
        streams = [(MIB, 1, 0.0), (1, 2, 0.0), (3000, 3, 0.2), (100003, 4, 0.0)]
        total = len(streams) + 1	# and the idle one
        g = Guest(ctx, "/bin/epoll.%s serve %d %d" % (v, GUEST_PORT, total), initrd,
                  ["%d:%d" % (port, GUEST_PORT)])
        if not g.wait_for(r"^epoll: listening on %d$" % GUEST_PORT):
            code, out = g.finish(5)
            ctx.check(name + ".listening", False, "the server never said it listens", out)
            continue
        time.sleep(0.5)		# the server is in epoll_wait by now
        idle = _connect(port)
        results = [None] * len(streams)

        def run(i):
            n, seed, pause = streams[i]
            data = random.Random(seed).randbytes(n)
            got, err = _roundtrip(port, data, chunk=1000 if pause else 65536, pause=pause)
            results[i] = (got == data, "%d of %d bytes back%s%s" % (
                len(got), n, ", differing" if got != data[:len(got)] else "",
                ", " + err if err else ""))
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(streams))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        bad = ["stream %d: %s" % (i, r[1] if r else "no result") for i, r in enumerate(results)
               if not r or not r[0]]
        ctx.check(name + ".streams", not bad, "; ".join(bad), g.text())
        # The idle connection was there all along; it ends last.
        idle.sendall(b"last")
        got = idle.recv(16)
        idle.close()
        ctx.check(name + ".idle_connection", got == b"last", "got %r" % got, g.text())
        code, out = g.finish()
        ok = code == 0 and ("epoll: connection %d ended" % total) in out
        ctx.check(name + ".exit", ok, "status %d" % code, out)
