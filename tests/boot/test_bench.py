"""`make bench --quick` (tools/bench.py --quick) completes and writes a
report with every section. Numbers never fail a test: only that the run
finishes, the report exists, and each section is there."""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def _sections(root):
    """SECTIONS from tools/bench.py, without importing it."""
    with open(os.path.join(root, "tools", "bench.py")) as f:
        text = f.read()
    m = re.search(r"^SECTIONS = \[(.*?)\]", text, re.S | re.M)
    return re.findall(r'"([^"]+)"', m.group(1)) if m else []


def test_quick_bench(ctx):
    missing = [t for t in ("musl-gcc", "qemu-system-x86_64") if not shutil.which(t)]
    if missing:
        ctx.skip("quick_bench", "not installed: " + ", ".join(missing))
        return
    if not os.path.exists(os.path.join(ctx.build, "tools", "mkimage")):
        ctx.skip("quick_bench", "build/tools/mkimage not built")
        return
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, os.path.join(ctx.root, "tools", "bench.py"), "--build", ctx.build,
               "--quick", "--out", out]
        env = dict(os.environ, ACCEL=ctx.accel)
        try:
            p = subprocess.run(cmd, cwd=ctx.root, capture_output=True, text=True, timeout=300, env=env)
        except subprocess.TimeoutExpired:
            ctx.check("completes", False, "tools/bench.py --quick ran over 300 s")
            return
        log = p.stdout + p.stderr
        ctx.check("completes", p.returncode == 0, "exit status %d" % p.returncode, log)
        report = os.path.join(out, "benchmarks.md")
        ctx.check("writes_report", os.path.exists(report), "no benchmarks.md in --out", log)
        if not os.path.exists(report):
            return
        with open(report) as f:
            text = f.read()
        sections = _sections(ctx.root)
        ctx.check("knows_sections", len(sections) >= 10 and "ZFS /data" in sections,
                  "SECTIONS not found in tools/bench.py, or it lacks 'ZFS /data'")
        for title in sections:
            name = "section." + re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
            ctx.check(name, re.search(r"^## %s$" % re.escape(title), text, re.M),
                      "no '## %s' in the report" % title, text)
        ctx.check("header", all(k in text for k in ("| date |", "| host CPU |", "| accelerator |")),
                  "date, CPU or accelerator missing from the header", text)
        # ZFS /data, when measured: Osprey's zfsbench figures, and the Linux
        # column says SKIP with a reason (--quick never boots the peer): no
        # figure stands in for one that was not measured.
        m = re.search(r"^## ZFS /data\n\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        if m and not m.group(1).startswith("Not measured"):
            body = m.group(1)
            ctx.check("zfs_data.figures", re.search(r"^\| sequential write.*\| MB/s \| \d", body, re.M),
                      "no Osprey sequential-write figure in the ZFS /data section", body)
            ctx.check("zfs_data.peer_skip", re.search(r"Linux peer: \*\*SKIP\*\* \(.+\)", body) and
                      not re.search(r"^\| sequential write.*\| MB/s \| [^|]+ \| \d", body, re.M),
                      "--quick: the Linux column must say SKIP and why", body)
        # Processes, when measured: Osprey's fork figure and the idle child's
        # memory, and (--quick) a Linux peer column that says SKIP and why.
        m = re.search(r"^## Processes\n\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        if m and not m.group(1).startswith("Not measured"):
            body = m.group(1)
            ctx.check("procs.figures", re.search(r"^\| fork \+ child .*?\| \d[^|]* \| SKIP \|", body, re.M) and
                      re.search(r"^\| /proc/meminfo MemFree [^|]*\| -?\d", body, re.M),
                      "no Osprey fork or idle-memory figure, or a Linux peer figure under --quick", body)
            ctx.check("procs.peer_skip", re.search(r"Linux peer: \*\*SKIP\*\* \(.+\)", body),
                      "--quick: the Linux peer must say SKIP and why", body)
            ctx.check("procs.null_ring0", "ring-0 kernel of commit dbf97c8 was not booted" in body,
                      "--quick: the ring-3 null system call must say the ring-0 kernel was not booted", body)
        # Say which sections could not measure (not a failure).
        for m in re.finditer(r"^## (.*)\n\nNot measured: (.*)$", text, re.M):
            print("  (bench section '%s' not measured: %s)" % (m.group(1), m.group(2)[:200]))
