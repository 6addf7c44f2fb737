"""Boot test of epoll with the network: apps/tests/epoll's edge-triggered
echo server runs in the guest, blocked in epoll_wait, while clients on the
host connect through QEMU user networking (tools/run --net user --forward,
127.0.0.1 only): several connections at once, one of them idle throughout,
one sending 1 MiB; every byte echoed is compared with what was sent. The
epoll checks themselves (host and guest alike) are in test_linux.py."""
import atexit
import importlib.util
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time

VARIANTS = ["musl", "pie", "glibc"]
GUEST_PORT = 7
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


def _sibling(name):
    """tests/boot/test_NAME.py as a module of its own (its Guest and
    connection helpers are shared; the runner runs only this module's tests)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_%s.py" % name)
    spec = importlib.util.spec_from_file_location("epoll_uses_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


net = _sibling("net")
_free_port = net._free_port


def _connect(port):
    s = net._connect(port)
    s.settimeout(60)
    return s


def Guest(ctx, cmdline, initrd, forward, timeout=240, memory="128M"):
    return net.Guest(ctx, cmdline, initrd=initrd, forward=forward, timeout=timeout, memory=memory)


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
