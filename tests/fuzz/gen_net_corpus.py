#!/usr/bin/env python3
"""Writes the seed frames of tests/fuzz/corpus/net/ (see fuzz_net.c for the
record format): ARP, ICMP echo, a TCP handshake with data and close, UDP,
IP fragments, DHCP offer and ack, and uncut TCP segments (GUEST_TSO4) in
page-sized and small buffers: one the stack counts as a pbuf chain, one
past that (65535 bytes of IP), and frames too long for any IPv4 packet.
Run from the repository's top."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "net")
GUEST_MAC = bytes.fromhex("525400123456")
DHCP_MAC = bytes.fromhex("525400123457")
HOST_MAC = bytes.fromhex("525500000002")
GUEST, HOST = bytes([10, 0, 2, 15]), bytes([10, 0, 2, 2])
XID = 0x12345678
ISN = 0x1000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, ethertype, payload, src=HOST_MAC):
    return dst + src + struct.pack("!H", ethertype) + payload


def ip(proto, payload, src=HOST, dst=GUEST, ident=1, frag=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def l4sum(proto, seg, src=HOST, dst=GUEST):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def tcp(sport, dport, seq, ack, flags, data=b"", win=65535):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, win, 0, 0)
    c = l4sum(6, h + data)
    return ip(6, h[:16] + struct.pack("!H", c) + h[18:] + data)


def udp(sport, dport, data, src=HOST, dst=GUEST):
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = l4sum(17, h + data, src, dst)
    return h[:6] + struct.pack("!H", c) + data


def rec(frame, flags=0, pad=0, piece=0):
    """A record: frame (followed by pad * 256 zero bytes) in buffers of
    piece * 16 bytes (0: the driver's own size)."""
    return struct.pack("<HBBB", len(frame), flags, pad, piece) + frame


def padded_tcp(sport, dport, seq, ack, flags, data, pad):
    """A TCP segment whose payload is data and then pad * 256 zero bytes,
    with its checksum right: its frame's tail comes from the record's pad."""
    whole = tcp(sport, dport, seq, ack, flags, data + bytes(pad * 256))
    return whole[:len(whole) - pad * 256]


def arp_request():
    a = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, HOST_MAC, HOST, b"\0" * 6, GUEST)
    return eth(b"\xff" * 6, 0x0806, a)


def dhcp(msg_type, yiaddr):
    b = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, XID, 0, 0, b"\0" * 4, yiaddr,
                    HOST, b"\0" * 4, DHCP_MAC + b"\0" * 10, b"", b"")
    opts = bytes([99, 130, 83, 99, 53, 1, msg_type, 54, 4]) + HOST + bytes([51, 4, 0, 0, 0x0e, 0x10]) + \
        bytes([1, 4, 255, 255, 255, 0, 3, 4]) + HOST + bytes([6, 4, 10, 0, 2, 3, 255])
    payload = b + opts
    u = udp(67, 68, payload, HOST, bytes([255] * 4))
    return eth(DHCP_MAC, 0x0800, ip(17, u, HOST, bytes([255] * 4)))


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    seeds["arp-request"] = rec(arp_request())
    ping = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping-data" * 4
    ping = ping[:2] + struct.pack("!H", csum(ping)) + ping[4:]
    seeds["icmp-echo"] = rec(arp_request()) + rec(eth(GUEST_MAC, 0x0800, ip(1, ping)))
    c = 40000
    seeds["tcp-echo-session"] = b"".join([
        rec(arp_request()),
        rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 100, 0, 0x02))),
        rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 101, ISN + 1, 0x10)), 4),
        rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 101, ISN + 1, 0x18, b"hello, echo")), 1),
        rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 112, ISN + 12, 0x11)), 8),
    ])
    seeds["tcp-rst"] = rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 100, 0, 0x02))) + \
        rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 101, 0, 0x04)))
    seeds["udp-echo"] = rec(arp_request()) + rec(eth(GUEST_MAC, 0x0800, ip(17, udp(5000, 7, b"datagram"))))
    body = udp(5001, 7, bytes(range(256)) * 8)
    f1 = ip(17, body[:1024], ident=7, frag=0x2000)
    f2 = ip(17, body[1024:], ident=7, frag=1024 // 8)
    seeds["ip-fragments"] = rec(eth(GUEST_MAC, 0x0800, f1)) + rec(eth(GUEST_MAC, 0x0800, f2))
    seeds["dhcp-offer-ack"] = rec(dhcp(2, bytes([10, 0, 2, 16])), 2) + rec(dhcp(5, bytes([10, 0, 2, 16])), 2)
    # Uncut TCP segments into the echo session: 40000 bytes of data (the
    # frame is a pbuf chain), then 65495 (an IPv4 packet of 65535 bytes:
    # with its Ethernet header the frame is past a chain's 16-bit count).
    hs = [rec(arp_request()), rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 100, 0, 0x02))),
          rec(eth(GUEST_MAC, 0x0800, tcp(c, 7, 101, ISN + 1, 0x10)), 4)]
    big = padded_tcp(c, 7, 101, ISN + 1, 0x18, b"uncut", 40000 // 256)
    seeds["tcp-uncut-segment"] = b"".join(hs + [rec(eth(GUEST_MAC, 0x0800, big), 1, 40000 // 256)])
    pad = (65495 - 7) // 256
    data = b"largest" + bytes(65495 - 7 - pad * 256)
    top = padded_tcp(c, 7, 101, ISN + 1, 0x18, data, pad)
    seeds["tcp-uncut-largest"] = b"".join(hs + [rec(eth(GUEST_MAC, 0x0800, top), 0, pad),
                                                rec(eth(GUEST_MAC, 0x0800, top), 1, pad, 100)])
    # Too long: an IPv4 header saying 65535 bytes and more behind it, and a
    # long ARP frame (only IPv4 may go past a chain's count).
    seeds["frame-too-long"] = rec(eth(GUEST_MAC, 0x0800, top + bytes(20)), 1, pad) + \
        rec(arp_request() + bytes(300), 0, 255, 2)
    # The same past a chain's count to link-layer broadcast and multicast
    # destinations (the flags ethernet_input would set).
    seeds["tcp-uncut-link-multi"] = rec(eth(b"\xff" * 6, 0x0800, top), 1, pad) + \
        rec(eth(bytes.fromhex("01005e000001"), 0x0800, top), 1, pad)
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
