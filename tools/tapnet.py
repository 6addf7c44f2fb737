"""A network namespace with one tap device in it, for tests and benchmarks
that need a real link to the guest (ping, checksum offload, benchmarks
without QEMU's user networking in the way).

    with TapNet() as net:
        subprocess.run(net.cmd(["tools/run", "--net", "tap=" + net.tap, ...]))
        subprocess.run(net.cmd(["ping", "-c", "3", net.guest_ip]))
        s = net.socket(socket.AF_INET, socket.SOCK_STREAM)

The namespace is made on entry and removed on exit (and at interpreter
exit, should the test die in between), so nothing it holds is reachable
from the host's own network: traffic stays between the host side of the
tap and the guest. Needs root, iproute2 and /dev/net/tun.
"""
import atexit
import ctypes
import itertools
import os
import shutil
import socket
import subprocess
import threading

CLONE_NEWNET = 0x40000000
_serial = itertools.count()


def missing():
    """Why a TapNet cannot be made here, or None."""
    if os.geteuid() != 0:
        return "not root"
    if not shutil.which("ip"):
        return "no ip(8) (scripts/deps.sh installs iproute2)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return None


class TapNet:
    """host_ip/guest_ip are in a /24 of 10.201.x (x from the pid), so two
    runs on one machine do not share addresses or names."""

    def __init__(self, tag="osprey"):
        n = next(_serial)
        self.ns = "%s-%d-%d" % (tag, os.getpid(), n)
        self.tap = "tap0"
        subnet = "10.201.%d" % ((os.getpid() + n) % 250 + 1)
        self.host_ip, self.guest_ip, self.prefix = subnet + ".1", subnet + ".2", 24

    def _ip(self, *args):
        p = subprocess.run(["ip"] + list(args), capture_output=True, text=True)
        if p.returncode:
            raise OSError("ip %s: %s" % (" ".join(args), p.stderr.strip()))

    def __enter__(self):
        self._ip("netns", "add", self.ns)
        atexit.register(self.close)
        try:
            self._ip("-n", self.ns, "link", "set", "lo", "up")
            self._ip("-n", self.ns, "tuntap", "add", "dev", self.tap, "mode", "tap")
            self._ip("-n", self.ns, "addr", "add", "%s/%d" % (self.host_ip, self.prefix),
                     "dev", self.tap)
            self._ip("-n", self.ns, "link", "set", self.tap, "up")
        except OSError:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)

    def guest_args(self):
        """The kernel options that give the guest its address."""
        return "--ip=%s/%d --gw=%s" % (self.guest_ip, self.prefix, self.host_ip)

    def cmd(self, argv):
        """argv run inside the namespace."""
        return ["ip", "netns", "exec", self.ns] + list(argv)

    def socket(self, *args):
        """A socket of the namespace: made by a thread that joined it (setns
        moves only the calling thread), usable from any thread after."""
        box = []

        def make():
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                with open("/run/netns/" + self.ns) as f:
                    if libc.setns(f.fileno(), CLONE_NEWNET):
                        raise OSError(ctypes.get_errno(), "setns " + self.ns)
                box.append(socket.socket(*args))
            except OSError as e:
                box.append(e)
        t = threading.Thread(target=make)
        t.start()
        t.join()
        if isinstance(box[0], OSError):
            raise box[0]
        return box[0]
