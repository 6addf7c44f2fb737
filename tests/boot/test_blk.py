"""Boot tests of virtio-blk and GPT partitions on both transports."""
import os
import subprocess
import tempfile


def _disk(path, size_mb, parts=()):
    with open(path, "wb") as f:
        f.truncate(size_mb << 20)
    if parts:
        args = ["sgdisk"]
        for i, (size, name) in enumerate(parts, 1):
            args += ["-n", "%d:0:%s" % (i, size), "-c", "%d:%s" % (i, name)]
        subprocess.run(args + [path], check=True, capture_output=True)


def _expected(offset, length):
    out = bytearray()
    for off in range(offset, offset + length, 16):
        out += b"osprey:%08x\n" % off
    return bytes(out)


def test_write_flush_reaches_host(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        for machine in ("microvm", "q35"):
            d0, d1 = os.path.join(tmp, "d0.img"), os.path.join(tmp, "d1.img")
            _disk(d0, 16)
            _disk(d1, 16)
            status, out = ctx.run("--test=blk", machine=machine, images=[d0, d1])
            with open(d1, "rb") as f:
                f.seek(4 << 20)
                data = f.read(1 << 20)
            ctx.check("%s.guest_readback" % machine, status == 0 and "PASS kernel.blk" in out,
                      "status %d" % status, out)
            ctx.check("%s.bytes_in_host_file" % machine, data == _expected(4 << 20, 1 << 20),
                      "host file does not hold the pattern", out)
            with open(d0, "rb") as f:
                ctx.check("%s.other_disk_untouched" % machine, f.read().count(0) == 16 << 20,
                          "vblk0 was written", out)


def test_gpt_partitions_named(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        d0 = os.path.join(tmp, "d0.img")
        _disk(d0, 32, [("+4M", "root"), ("+8M", "data"), ("0", "scratch space")])
        for machine in ("microvm", "q35"):
            status, out = ctx.run("--verbose --test=hello", machine=machine, images=[d0])
            ok = all(s in out for s in ("blk: vblk0.1: 8192 sectors at 2048, label 'root'",
                                        "blk: vblk0.2: 16384 sectors at 10240, label 'data'",
                                        "label 'scratch space'"))
            ctx.check("%s.partitions" % machine, ok and status == 0, "status %d" % status, out)


def test_corrupt_gpt(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        d0 = os.path.join(tmp, "d0.img")
        _disk(d0, 16, [("+4M", "root")])
        size = 16 << 20
        with open(d0, "r+b") as f:
            # Break the header CRC of both copies: the table must be refused.
            for off in (512 + 16, size - 512 + 16):
                f.seek(off)
                f.write(b"\xde\xad\xbe\xef")
        status, out = ctx.run("--verbose --test=blk", images=[d0])
        ctx.check("rejected_with_message", "gpt: vblk0: partition table rejected" in out
                  and "CRC" in out, "no message", out)
        ctx.check("disk_still_usable", status == 0 and "PASS kernel.blk" in out
                  and "vblk0.1" not in out, "status %d" % status, out)
        _disk(d0, 16, [("+4M", "root")])
        with open(d0, "r+b") as f:
            f.seek(512 + 16)
            f.write(b"\xde\xad\xbe\xef")
        status, out = ctx.run("--verbose --test=hello", images=[d0])
        ctx.check("backup_used", "backup" in out and "vblk0.1: 8192 sectors" in out,
                  "primary damaged: backup not used", out)


def test_readonly_disk(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        d0 = os.path.join(tmp, "d0.img")
        _disk(d0, 4)
        for machine in ("microvm", "q35"):
            status, out = ctx.run("--test=blkro", machine=machine, images=[d0 + ",ro"])
            ctx.check("%s.writes_refused" % machine, status == 0 and "PASS kernel.blkro" in out,
                      "status %d" % status, out)
        with open(d0, "rb") as f:
            ctx.check("host_file_untouched", f.read().count(0) == 4 << 20, "written", None)
