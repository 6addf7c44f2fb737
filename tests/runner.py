#!/usr/bin/env python3
"""Osprey's test runner: host unit tests, fuzz-corpus replays, then boot
tests in QEMU. Every result is a line "PASS name" or "FAIL name"; the last
line is "N passed, N failed" and the exit code is non-zero on any failure."""
import argparse
import glob
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULT_RE = re.compile(r"^(PASS|FAIL|SKIP) (\S+)(.*)$")


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, ok, name, detail=""):
        if ok is None:
            self.skipped += 1
            print("SKIP %s%s" % (name, ": " + detail if detail else ""))
        elif ok:
            self.passed += 1
            print("PASS %s" % name)
        else:
            self.failed += 1
            self.failures.append(name)
            print("FAIL %s%s" % (name, ": " + detail if detail else ""))
        sys.stdout.flush()


def run_binary(results, prefix, cmd, timeout):
    """Runs a test program that prints PASS/FAIL lines itself."""
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        results.add(False, prefix, "timed out after %d s" % timeout)
        return
    seen_fail = False
    for line in p.stdout.splitlines():
        m = RESULT_RE.match(line)
        if m:
            ok = {"PASS": True, "FAIL": False, "SKIP": None}[m.group(1)]
            seen_fail |= ok is False
            results.add(ok, "%s.%s" % (prefix, m.group(2)), m.group(3).strip(" :"))
    if p.returncode != 0 and not seen_fail:
        results.add(False, prefix, "exit status %d" % p.returncode)
    if p.returncode != 0 or seen_fail:
        sys.stdout.write(p.stdout[-3000:] + p.stderr[-3000:])


class BootContext:
    """What a boot test gets: a way to boot the kernel and record results."""

    def __init__(self, results, build, accel, module):
        self.results, self.build, self.accel, self.module = results, build, accel, module
        self.root = ROOT
        self.data = os.environ.get("OSPREY_DATA", os.path.join(ROOT, "..", "shared", "data"))
        self.kernel = os.path.join(build, "kernel.elf")

    def run(self, cmdline, memory="64M", machine="microvm", images=(), initrd=None,
            timeout=120, extra=()):
        """Boots and returns (exit status, output with \\r\\n folded)."""
        cmd = [os.path.join(ROOT, "tools", "run"), "--accel", self.accel, "-m", memory,
               "--machine", machine, "--kernel", self.kernel, "--timeout", str(timeout),
               "-e", cmdline]
        for img in images:
            cmd += ["--image", img]
        if initrd:
            cmd += ["--initrd", initrd]
        cmd += list(extra)
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=timeout + 30)
        out = (p.stdout + p.stderr).decode("utf-8", "replace").replace("\r\n", "\n")
        return p.returncode, out

    def check(self, name, ok, detail="", output=None):
        self.results.add(bool(ok), "boot.%s.%s" % (self.module, name), "" if ok else detail)
        if not ok and output is not None:
            sys.stdout.write(indent(output[-4000:]))

    def skip(self, name, why):
        self.results.add(None, "boot.%s.%s" % (self.module, name), why)

    def kernel_results(self, output):
        """The PASS/FAIL lines the kernel's self-tests printed."""
        return [(m.group(1), m.group(2)) for m in map(RESULT_RE.match, output.splitlines()) if m]


def indent(text):
    return "".join("    | " + l + "\n" for l in text.splitlines())


def run_boot_tests(results, build, accel, only):
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "boot", "test_*.py"))):
        modname = os.path.basename(path)[5:-3]
        spec = importlib.util.spec_from_file_location("boot_" + modname, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        ctx = BootContext(results, build, accel, modname)
        for fname in sorted(n for n in dir(mod) if n.startswith("test_")):
            if only and not re.search(only, "boot.%s.%s" % (modname, fname[5:])):
                continue
            t0 = time.monotonic()
            try:
                getattr(mod, fname)(ctx)
            except Exception:
                results.add(False, "boot.%s.%s" % (modname, fname[5:]), "exception")
                traceback.print_exc(file=sys.stdout)
            took = time.monotonic() - t0
            if took > 30:
                print("  (%s took %.0f s)" % (fname, took))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--accel", default="auto")
    ap.add_argument("--unit", default="")
    ap.add_argument("--fuzz", default="")
    ap.add_argument("--only", default=os.environ.get("ONLY", ""), help="regex on test names")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    results = Results()
    t0 = time.monotonic()

    for name in a.unit.split():
        if a.only and not re.search(a.only, "unit." + name):
            continue
        run_binary(results, "unit." + name, [os.path.join(build, "unit", name)], 600)
    for name in a.fuzz.split():
        if a.only and not re.search(a.only, "fuzz." + name):
            continue
        corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
        try:
            p = subprocess.run([os.path.join(build, "fuzz-replay", name), corpus], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
            ok = p.returncode == 0
            detail = "" if ok else (p.stdout + p.stderr)[-2000:]
        except subprocess.TimeoutExpired:
            ok, detail = False, "timed out"
        results.add(ok, "fuzz.%s.corpus" % name, detail)
    run_boot_tests(results, build, a.accel, a.only)

    print("\ntests took %.0f s" % (time.monotonic() - t0))
    if results.failures:
        print("failed: " + " ".join(results.failures))
    line = "%d passed, %d failed" % (results.passed, results.failed)
    if results.skipped:
        line += ", %d skipped" % results.skipped
    print(line)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
