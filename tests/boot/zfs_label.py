#!/usr/bin/env python3
"""ZFS vdev labels on the host, in pure Python: read the four labels of a
vdev (a partition cut into a file), decode and re-encode the packed
nvlist each one holds, and write them back with the embedded checksum
ZFS verifies. The boot tests use it to give a pool a read feature that
Osprey does not support, which the host's zhack cannot do to our images.

Facts used, read from OpenZFS 2.1.11 (our own code; nothing copied):
- include/sys/vdev_impl.h: a label is 256 KiB: 8 KiB pad, 8 KiB boot
  environment, 112 KiB vdev_phys (the packed nvlist, then a 40-byte
  zio_eck_t), 128 KiB uberblock ring. Labels 0 and 1 are the first
  512 KiB of the vdev, 2 and 3 the last 512 KiB of its size rounded down
  to 256 KiB (vdev_label.c: vdev_label_offset).
- zio_checksum.c: the vdev_phys checksum is SHA-256 "embedded": computed
  over all 112 KiB with the zio_eck_t holding the magic and the verifier
  (the vdev_phys's byte offset in the vdev, then three zero words), then
  stored in place of the verifier. sha256.c stores the digest as four
  64-bit words each read big-endian from the digest, written in the
  label's byte order (the magic says which).
- nvpair.c (nvs_xdr_*): the packed nvlist is a 4-byte header (encoding 1
  = XDR, the writer's endianness, two zero bytes), then in XDR (big-endian
  4-byte units) the list's version and flags, each pair as its encoded
  size, its decoded (in-memory) size, name, type, element count and
  value, and two zero words at the end of each list. The sizes are
  checked here against what nvpair.c would compute, so a decode that
  succeeds re-encodes to the same bytes.

Command line:
    zfs_label.py show VDEV                 the labels' nvlists
    zfs_label.py add-feature VDEV NAME     NAME added to features_for_read
"""
import hashlib
import struct
import sys

LABEL_SIZE = 256 << 10
LABELS = 4
PHYS_OFFSET = 16 << 10          # after the pad and the boot environment
PHYS_SIZE = 112 << 10
ECK_SIZE = 40                   # zec_magic + 4 checksum words
NVLIST_SPACE = PHYS_SIZE - ECK_SIZE
ZEC_MAGIC = 0x210da7ab10c7a11
FEATURES_FOR_READ = "features_for_read"

NV_ENCODE_XDR = 1
NV_VERSION = 0
NV_UNIQUE_NAME = 1

# data_type_t (include/sys/nvpair.h)
(BOOLEAN, BYTE, INT16, UINT16, INT32, UINT32, INT64, UINT64, STRING, BYTE_ARRAY,
 INT16_ARRAY, UINT16_ARRAY, INT32_ARRAY, UINT32_ARRAY, INT64_ARRAY, UINT64_ARRAY,
 STRING_ARRAY, HRTIME, NVLIST, NVLIST_ARRAY, BOOLEAN_VALUE, INT8, UINT8, BOOLEAN_ARRAY,
 INT8_ARRAY, UINT8_ARRAY, DOUBLE) = range(1, 28)

# Scalars: (XDR struct format, in-memory size). Types narrower than 32
# bits travel as one XDR word; writers differ in how they widen them, so
# their value here is that word, unsigned, as written.
SCALARS = {BOOLEAN_VALUE: (">i", 4), BYTE: (">I", 1), INT8: (">I", 1), UINT8: (">I", 1),
           INT16: (">I", 2), UINT16: (">I", 2), INT32: (">i", 4), UINT32: (">I", 4),
           INT64: (">q", 8), UINT64: (">Q", 8), HRTIME: (">q", 8), DOUBLE: (">d", 8)}
ARRAYS = {BOOLEAN_ARRAY: (">i", 4), INT8_ARRAY: (">I", 1), UINT8_ARRAY: (">I", 1),
          INT16_ARRAY: (">I", 2), UINT16_ARRAY: (">I", 2), INT32_ARRAY: (">i", 4),
          UINT32_ARRAY: (">I", 4), INT64_ARRAY: (">q", 8), UINT64_ARRAY: (">Q", 8)}
NVPAIR_HDR = 16                 # sizeof (nvpair_t)
NVLIST_HDR = 24                 # sizeof (nvlist_t)
MAX_DEPTH = 20                  # nvpair_max_recursion


class LabelError(ValueError):
    """Bad input, with where it is and what is wrong."""


def _align4(n):
    return (n + 3) & ~3


def _align8(n):
    return (n + 7) & ~7


def _enc(s):
    return s.encode("utf-8", "surrogateescape")


class Pair:
    """One nvpair: name, data type, value (None for BOOLEAN, an int,
    float, str, bytes for BYTE_ARRAY, a list, an NvList or a list of
    them)."""
    __slots__ = ("name", "type", "value")

    def __init__(self, name, type_, value):
        self.name, self.type, self.value = name, type_, value

    def nelem(self):
        if self.type == BOOLEAN:
            return 0
        if self.type in ARRAYS or self.type in (BYTE_ARRAY, STRING_ARRAY, NVLIST_ARRAY):
            return len(self.value)
        return 1

    def native_size(self):
        """nvp_size: what the pair takes in memory on a 64-bit host
        (NVP_SIZE_CALC of nvpair.c), which the stream carries."""
        t, n = self.type, self.nelem()
        if t == BOOLEAN:
            value = 0
        elif t in SCALARS:
            value = SCALARS[t][1]
        elif t in ARRAYS:
            value = n * ARRAYS[t][1]
        elif t == STRING:
            value = len(_enc(self.value)) + 1
        elif t == BYTE_ARRAY:
            value = n
        elif t == STRING_ARRAY:
            value = n * 8 + sum(len(_enc(s)) + 1 for s in self.value)
        elif t == NVLIST:
            value = NVLIST_HDR
        elif t == NVLIST_ARRAY:
            value = n * (8 + NVLIST_HDR)
        else:
            raise LabelError("pair '%s': unknown data type %d" % (self.name, t))
        return _align8(NVPAIR_HDR + len(_enc(self.name)) + 1) + _align8(value)

    def xdr_size(self):
        """The encoded size nvs_xdr_nvp_size() computes. For an empty
        array it counts a length word that is not written."""
        t = self.type
        size = 4 + 4 + 4 + _align4(len(_enc(self.name))) + 4 + 4
        if t == BOOLEAN:
            return size
        if t in SCALARS:
            return size + (8 if SCALARS[t][1] == 8 else 4)
        if t in ARRAYS:
            return size + 4 + (8 if ARRAYS[t][1] == 8 else 4) * len(self.value)
        if t == STRING:
            return size + 4 + _align4(len(_enc(self.value)))
        if t == BYTE_ARRAY:
            return size + _align4(len(self.value))
        if t == STRING_ARRAY:
            return size + sum(4 + _align4(len(_enc(s))) for s in self.value)
        if t == NVLIST:
            return size + self.value.xdr_size()
        if t == NVLIST_ARRAY:
            return size + sum(l.xdr_size() for l in self.value)
        raise LabelError("pair '%s': unknown data type %d" % (self.name, t))


class NvList:
    """An nvlist: version, flags and pairs in stream order."""

    def __init__(self, version=NV_VERSION, nvflag=NV_UNIQUE_NAME, pairs=None):
        self.version, self.nvflag = version, nvflag
        self.pairs = pairs if pairs is not None else []

    def pair(self, name):
        return next((p for p in self.pairs if p.name == name), None)

    def __contains__(self, name):
        return self.pair(name) is not None

    def __getitem__(self, name):
        p = self.pair(name)
        if p is None:
            raise KeyError(name)
        return p.value

    def add(self, name, type_, value=None):
        """Appends a pair, as nvlist_add_*() does; a list with unique names
        (as every ZFS config is) refuses a name it already has."""
        if self.nvflag & NV_UNIQUE_NAME and name in self:
            raise LabelError("nvlist already has a pair named '%s'" % name)
        self.pairs.append(Pair(name, type_, value))

    def xdr_size(self):
        return 4 + 4 + sum(p.xdr_size() for p in self.pairs) + 8

    def lines(self, indent=0):
        """A readable listing, one pair a line (zdb -l's layout)."""
        pad, out = " " * indent, []
        for p in self.pairs:
            if p.type == NVLIST:
                out += ["%s%s:" % (pad, p.name)] + p.value.lines(indent + 4)
            elif p.type == NVLIST_ARRAY:
                for i, l in enumerate(p.value):
                    out += ["%s%s[%d]:" % (pad, p.name, i)] + l.lines(indent + 4)
            elif p.type == BOOLEAN:
                out.append(pad + p.name)
            else:
                out.append("%s%s: %r" % (pad, p.name, p.value))
        return out


# ------------------------------------------------------------ decoding

class _Reader:
    def __init__(self, buf, pos, end):
        self.buf, self.pos, self.end = buf, pos, end

    def take(self, n, what):
        if n < 0 or self.pos + n > self.end:
            raise LabelError("%s runs past the end of the nvlist space (offset %d, %d bytes)" % (
                what, self.pos, n))
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what):
        n = self.unpack(">I", what + " length")
        raw = self.take(_align4(n), what)
        if b"\0" in raw[:n] or raw[n:] != b"\0" * (_align4(n) - n):
            raise LabelError("%s: a NUL inside or non-zero padding" % what)
        return raw[:n].decode("utf-8", "surrogateescape")


def _decode_value(r, t, n, where, depth):
    if t == BOOLEAN:
        return None
    if n == 0:                  # an empty array: nothing follows
        return b"" if t == BYTE_ARRAY else []
    if t in SCALARS:
        fmt = SCALARS[t][0]
        return r.unpack(fmt, where)
    if t in ARRAYS:
        count = r.unpack(">I", where + " count")
        if count != n:
            raise LabelError("%s: array of %d elements says %d" % (where, n, count))
        fmt = ARRAYS[t][0]
        return [r.unpack(fmt, "%s[%d]" % (where, i)) for i in range(n)]
    if t == STRING:
        return r.string(where)
    if t == BYTE_ARRAY:
        raw = r.take(_align4(n), where)
        return raw[:n]
    if t == STRING_ARRAY:
        return [r.string("%s[%d]" % (where, i)) for i in range(n)]
    if t == NVLIST:
        return _decode_list(r, where, depth + 1)
    if t == NVLIST_ARRAY:
        return [_decode_list(r, "%s[%d]" % (where, i), depth + 1) for i in range(n)]
    raise LabelError("%s: unknown data type %d" % (where, t))


def _decode_list(r, where, depth):
    if depth > MAX_DEPTH:
        raise LabelError("%s: nvlists nested deeper than %d" % (where, MAX_DEPTH))
    nvl = NvList(r.unpack(">i", where + " version"), r.unpack(">I", where + " flags"))
    if nvl.version != NV_VERSION:
        raise LabelError("%s: nvlist version %d (only %d exists)" % (where, nvl.version, NV_VERSION))
    while True:
        start = r.pos
        enc = r.unpack(">i", where + ": pair size")
        dec = r.unpack(">i", where + ": pair size")
        if dec == 0:
            if enc != 0:
                raise LabelError("%s: end of list with encoded size %d" % (where, enc))
            return nvl
        name = r.string(where + ": pair name")
        at = "%s/%s" % (where, name)
        t = r.unpack(">i", at + " type")
        n = r.unpack(">i", at + " element count")
        if not (BOOLEAN <= t <= DOUBLE) or n < 0 or (t == BOOLEAN and n != 0) or (
                (t in SCALARS or t in (STRING, NVLIST)) and n != 1):
            raise LabelError("%s: type %d with %d elements" % (at, t, n))
        p = Pair(name, t, _decode_value(r, t, n, at, depth))
        if dec != p.native_size():
            raise LabelError("%s: decoded size %d, nvpair.c makes it %d" % (at, dec, p.native_size()))
        unwritten = 4 if t in ARRAYS and n == 0 else 0
        if enc != p.xdr_size() or r.pos - start != enc - unwritten:
            raise LabelError("%s: encoded size %d, %d bytes read, nvpair.c makes it %d" % (
                at, enc, r.pos - start, p.xdr_size()))
        if nvl.nvflag & NV_UNIQUE_NAME and name in nvl:
            raise LabelError("%s: a second pair of that name in a unique-name list" % at)
        nvl.pairs.append(p)


def unpack(buf):
    """(nvlist, header bytes, bytes used) of a packed XDR nvlist."""
    if len(buf) < 4 or buf[0] != NV_ENCODE_XDR:
        raise LabelError("not an XDR-packed nvlist (encoding byte %r)" % buf[:1])
    r = _Reader(bytes(buf), 4, len(buf))
    return _decode_list(r, "nvlist", 0), bytes(buf[:4]), r.pos


# ------------------------------------------------------------ encoding

def _encode_value(out, p):
    t, v = p.type, p.value
    if t == BOOLEAN or p.nelem() == 0:
        return
    if t in SCALARS:
        out.append(struct.pack(SCALARS[t][0], v))
    elif t in ARRAYS:
        out.append(struct.pack(">I", len(v)))
        out += [struct.pack(ARRAYS[t][0], x) for x in v]
    elif t == STRING:
        _encode_string(out, v)
    elif t == BYTE_ARRAY:
        out.append(bytes(v) + b"\0" * (_align4(len(v)) - len(v)))
    elif t == STRING_ARRAY:
        for s in v:
            _encode_string(out, s)
    elif t == NVLIST:
        _encode_list(out, v)
    elif t == NVLIST_ARRAY:
        for l in v:
            _encode_list(out, l)
    else:
        raise LabelError("pair '%s': unknown data type %d" % (p.name, t))


def _encode_string(out, s):
    b = _enc(s)
    out.append(struct.pack(">I", len(b)) + b + b"\0" * (_align4(len(b)) - len(b)))


def _encode_list(out, nvl):
    out.append(struct.pack(">iI", nvl.version, nvl.nvflag))
    for p in nvl.pairs:
        out.append(struct.pack(">ii", p.xdr_size(), p.native_size()))
        _encode_string(out, p.name)
        out.append(struct.pack(">ii", p.type, p.nelem()))
        _encode_value(out, p)
    out.append(struct.pack(">ii", 0, 0))


def pack(nvl, header=bytes([NV_ENCODE_XDR, 1, 0, 0])):
    """The XDR packing of nvl after a 4-byte header (default: written by
    a little-endian host, as nvlist_pack() on x86 makes it)."""
    out = [bytes(header)]
    _encode_list(out, nvl)
    return b"".join(out)


# ------------------------------------------------------------ labels

def label_offsets(vdev_size):
    """Byte offsets of the four labels in a vdev of vdev_size bytes."""
    psize = vdev_size - vdev_size % LABEL_SIZE
    if psize < LABELS * LABEL_SIZE:
        raise LabelError("a vdev of %d bytes is too small for four labels" % vdev_size)
    return [l * LABEL_SIZE + (0 if l < LABELS // 2 else psize - LABELS * LABEL_SIZE)
            for l in range(LABELS)]


def phys_checksum(phys, offset, order):
    """The embedded SHA-256 of a 112 KiB vdev_phys at byte `offset` of
    its vdev, as the 32 bytes stored in its zio_eck_t."""
    buf = bytearray(phys)
    struct.pack_into(order + "5Q", buf, PHYS_SIZE - ECK_SIZE, ZEC_MAGIC, offset, 0, 0, 0)
    words = struct.unpack(">4Q", hashlib.sha256(buf).digest())
    return struct.pack(order + "4Q", *words)


class Label:
    """One label's vdev_phys: where it is, its byte order, its decoded
    nvlist, and whether its checksum is right."""

    def __init__(self, index, offset, phys):
        self.index, self.offset, self.phys = index, offset, bytes(phys)
        self.phys_offset = offset + PHYS_OFFSET
        magic = self.phys[NVLIST_SPACE:NVLIST_SPACE + 8]
        if struct.unpack("<Q", magic)[0] == ZEC_MAGIC:
            self.order = "<"
        elif struct.unpack(">Q", magic)[0] == ZEC_MAGIC:
            self.order = ">"
        else:
            raise LabelError("label %d: no zio_eck_t magic at the end of its vdev_phys" % index)
        self.checksum_ok = phys_checksum(self.phys, self.phys_offset, self.order) == \
            self.phys[NVLIST_SPACE + 8:]
        try:
            self.nvlist, self.header, self.used = unpack(self.phys[:NVLIST_SPACE])
        except LabelError as e:
            raise LabelError("label %d: %s" % (index, e))

    def encode(self):
        """This label's 112 KiB vdev_phys holding its nvlist (as it is
        now), zero-filled after it as vdev_label.c writes it, with its
        checksum."""
        packed = pack(self.nvlist, self.header)
        if len(packed) > NVLIST_SPACE:
            raise LabelError("label %d: the nvlist needs %d bytes, a label holds %d" % (
                self.index, len(packed), NVLIST_SPACE))
        phys = bytearray(PHYS_SIZE)
        phys[:len(packed)] = packed
        struct.pack_into(self.order + "Q", phys, NVLIST_SPACE, ZEC_MAGIC)
        phys[NVLIST_SPACE + 8:] = phys_checksum(phys, self.phys_offset, self.order)
        return bytes(phys)


def read_labels(path, start=0, size=None):
    """The four labels of the vdev in file `path`: the whole file, or the
    `size` bytes at byte `start` (a partition in a disk image). Their
    offsets are the vdev's."""
    with open(path, "rb") as f:
        if size is None:
            size = f.seek(0, 2) - start
        labels = []
        for i, off in enumerate(label_offsets(size)):
            f.seek(start + off + PHYS_OFFSET)
            phys = f.read(PHYS_SIZE)
            if len(phys) != PHYS_SIZE:
                raise LabelError("%s: label %d is past the end of the file" % (path, i))
            labels.append(Label(i, off, phys))
    return labels


def write_phys(path, label, phys, start=0):
    """Writes one label's vdev_phys (from Label.encode) back."""
    with open(path, "r+b") as f:
        f.seek(start + label.phys_offset)
        f.write(phys)


def add_feature_for_read(path, feature, start=0, size=None):
    """Adds `feature` to features_for_read in every label of the vdev (as
    read_labels takes it) and rewrites them with their checksums. Every
    label must be readable and checksummed right first: this tool changes
    pools, it does not repair them."""
    labels = read_labels(path, start, size)
    bad = [l.index for l in labels if not l.checksum_ok]
    if bad:
        raise LabelError("%s: label(s) %s have a wrong checksum" % (path, bad))
    new = []
    for l in labels:
        ffr = l.nvlist.pair(FEATURES_FOR_READ)
        if ffr is None or ffr.type != NVLIST:
            raise LabelError("%s: label %d has no %s nvlist" % (path, l.index, FEATURES_FOR_READ))
        ffr.value.add(feature, BOOLEAN)
        new.append(l.encode())
    for l, phys in zip(labels, new):
        write_phys(path, l, phys, start)


def main(argv):
    if len(argv) == 3 and argv[1] == "show":
        for l in read_labels(argv[2]):
            print("label %d at %d: checksum %s, %d bytes of nvlist" % (
                l.index, l.offset, "ok" if l.checksum_ok else "WRONG", l.used))
            print("\n".join(l.nvlist.lines(4)))
        return 0
    if len(argv) == 4 and argv[1] == "add-feature":
        add_feature_for_read(argv[2], argv[3])
        return 0
    sys.stderr.write("usage: zfs_label.py show VDEV | add-feature VDEV NAME\n")
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (LabelError, OSError) as e:
        sys.stderr.write("zfs_label: %s\n" % e)
        sys.exit(1)
