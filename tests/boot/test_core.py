"""Boot tests of the kernel core: self-tests on both machine types, the
panic report, bad command lines and too little memory."""
import re

KERNEL_TESTS = ["hello", "threads", "mutex", "condvar", "callbacks", "rwlock", "sem", "timedwait",
                "sleep", "preempt", "fpu", "tsd", "heap", "pages"]


def _selftests(ctx, machine, extra=""):
    status, out = ctx.run("--test=all " + extra, machine=machine, timeout=300)
    got = dict((name, verdict) for verdict, name in ctx.kernel_results(out))
    for t in KERNEL_TESTS:
        verdict = got.get("kernel." + t)
        ctx.check("%s.%s" % (machine, t), verdict == "PASS",
                  "no result line" if verdict is None else verdict, out)
    ctx.check("%s.exit_status" % machine, status == 0, "status %d" % status, out)


def test_selftests_microvm(ctx):
    _selftests(ctx, "microvm")


def test_selftests_q35(ctx):
    _selftests(ctx, "q35")


def test_heap_debug(ctx):
    status, out = ctx.run("--heap-debug --test=heap,threads,condvar")
    ctx.check("poisoned_heap", status == 0 and out.count("PASS kernel.") == 3, "status %d" % status, out)


def test_bootchart(ctx):
    status, out = ctx.run("--bootchart --test=hello")
    steps = ["entry", "memory", "interrupts", "scheduler", "devices", "filesystems", "end of boot"]
    ok = status == 0 and all(s in out for s in steps) and "bootchart (guest TSC" in out
    ctx.check("steps", ok, "missing steps", out)


def _panic_report(ctx, name, test, expect):
    status, out = ctx.run("--test=" + test, timeout=60)
    lines = out.splitlines()
    ok = status == 99 and any(expect in l for l in lines) and "backtrace:" in out
    ctx.check(name, ok, "status %d" % status, out)
    return out


def test_page_fault(ctx):
    out = _panic_report(ctx, "page_fault", "fault",
                        "PANIC: page fault at address 0xdead0000 (not-present page on read")
    ctx.check("page_fault_registers", "RIP 0xffffffff8" in out and "RSP " in out,
              "no register dump", out)
    ctx.check("page_fault_symbolized", "test_fault+0x" in out and "selftest_run+0x" in out,
              "backtrace not symbolized", out)


def test_stack_overflow(ctx):
    out = _panic_report(ctx, "stack_guard", "stackguard",
                        "PANIC: kernel stack overflow in thread 'overflow'")
    ctx.check("stack_guard_symbolized", "recurse+0x" in out, "no frame in recurse()", out)


def test_panic(ctx):
    out = _panic_report(ctx, "panic", "panic", "PANIC: deliberate panic from the test suite")
    ctx.check("panic_symbolized", "test_panic+0x" in out, "no frame in test_panic()", out)


def test_cmdline(ctx):
    status, out = ctx.run("--frobnicate --rofs-cache=12Q --test=hello")
    ctx.check("unknown_option_named", "unknown or malformed option: '--frobnicate'" in out, "", out)
    ctx.check("bad_size_named", "bad size in option: '--rofs-cache=12Q'" in out, "", out)
    ctx.check("boot_continues", status == 0 and "PASS kernel.hello" in out, "status %d" % status, out)
    status, out = ctx.run("--test=nosuchtest")
    ctx.check("unknown_test", status != 0 and "FAIL kernel.nosuchtest: no such test" in out,
              "status %d" % status, out)


def test_little_memory(ctx):
    # 2 MiB boots, but 64 threads do not fit: the failure is reported, whichever
    # of a thread's allocations (its stack, or its structure) runs out first.
    status, out = ctx.run("--test=threads", memory="2M", timeout=60)
    ctx.check("2M_reports", status != 0 and ("thread: no memory for a 16 KiB stack" in out or
              re.search(r"kmalloc: out of memory allocating \d+ bytes", out))
              and "FAIL kernel.threads" in out, "status %d" % status, out)
    status, out = ctx.run("--test=hello", memory="1M", timeout=30)
    ctx.check("1M_refused", status != 0 and "too little" in out, "status %d" % status, out)
