#!/usr/bin/env python3
"""Writes seeds for fuzz_cpu_tables from memory dumps of QEMU guests.

A dump is what QEMU's monitor writes with
    pmemsave 0 0x100000 "low.bin"        (the first MiB)
    pmemsave TOP 0x100000 "top.bin"      (the last MiB below the RAM size,
                                          where q35's firmware puts ACPI)
Usage: gen_cpu_tables_corpus.py OUT LOW.bin [TOP.bin TOP_ADDRESS]

The seed keeps only what the parser reads: the BIOS data area words, the
RSDP and every table the RSDT/XSDT lists, the MP floating pointer and its
configuration table, each as one chunk. Input format (see fuzz_cpu_tables.c):
one flags byte, then chunks of an 8-byte address, a 2-byte length and the
bytes, all little-endian."""
import struct
import sys


class Mem:
    def __init__(self, low, top, top_pa):
        self.low, self.top, self.top_pa = low, top, top_pa

    def read(self, pa, n):
        if pa + n <= len(self.low):
            return self.low[pa:pa + n]
        if self.top and self.top_pa <= pa and pa + n <= self.top_pa + len(self.top):
            return self.top[pa - self.top_pa:pa - self.top_pa + n]
        raise ValueError("0x%x+%d is not in the dumps" % (pa, n))


def scan(mem, ranges, sig):
    for lo, hi in ranges:
        for pa in range(lo, hi, 16):
            if mem.read(pa, len(sig)) == sig:
                return pa
    return None


def chunks(mem):
    out = [(0x40e, mem.read(0x40e, 7))]    # EBDA segment and base memory size
    ebda = struct.unpack("<H", mem.read(0x40e, 2))[0] << 4
    low_ranges = ([(ebda, ebda + 1024)] if ebda else []) + [(0xe0000, 0x100000)]
    rsdp = scan(mem, low_ranges, b"RSD PTR ")
    if rsdp is not None:
        r = mem.read(rsdp, 36)
        out.insert(0, (rsdp, r if r[15] >= 2 else r[:20]))    # the harness's RSDP address
        xsdt = struct.unpack_from("<Q", r, 24)[0] if r[15] >= 2 else 0
        root, esize = (xsdt, 8) if xsdt else (struct.unpack_from("<I", r, 16)[0], 4)
        n = struct.unpack("<I", mem.read(root + 4, 4))[0]
        t = mem.read(root, n)
        out.append((root, t))
        for off in range(36, n - esize + 1, esize):
            pa = int.from_bytes(t[off:off + esize], "little")
            ln = struct.unpack("<I", mem.read(pa + 4, 4))[0]
            out.append((pa, mem.read(pa, min(ln, 1024))))
    kib = struct.unpack("<H", mem.read(0x413, 2))[0]
    kib = kib if 64 <= kib <= 640 else 640
    mp = scan(mem, ([(ebda, ebda + 1024)] if ebda else []) +
              [((kib - 1) * 1024, kib * 1024), (0xf0000, 0x100000)], b"_MP_")
    if mp is not None:
        f = mem.read(mp, 16)
        out.append((mp, f))
        cfg = struct.unpack_from("<I", f, 4)[0]
        if cfg:
            n = struct.unpack("<H", mem.read(cfg + 4, 2))[0]
            out.append((cfg, mem.read(cfg, n)))
    return out


def encode(chunks, flags=0):
    b = bytes([flags])
    for pa, data in chunks:
        b += struct.pack("<QH", pa, len(data)) + data
    return b


def main():
    low = open(sys.argv[2], "rb").read()
    top, top_pa = (open(sys.argv[3], "rb").read(), int(sys.argv[4], 0)) if len(sys.argv) > 4 else (b"", 0)
    with open(sys.argv[1], "wb") as f:
        f.write(encode(chunks(Mem(low, top, top_pa))))


if __name__ == "__main__":
    main()
