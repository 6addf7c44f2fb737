#!/usr/bin/env python3
"""Turn `nm -n kernel` output into an assembly file holding a sorted symbol
table (.ksyms section) that the kernel searches to symbolize backtraces."""
import sys

syms = []
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 3 or parts[1] not in "tTwW":
        continue
    addr = int(parts[0], 16)
    if addr < 0xffffffff80000000:
        continue
    syms.append((addr, parts[2]))
syms.sort()

out = [".section .ksyms,\"a\"", ".balign 8", ".globl __ksyms_count", "__ksyms_count:",
       "\t.quad %d" % len(syms), ".globl __ksyms_addrs", "__ksyms_addrs:"]
out += ["\t.quad 0x%x" % a for a, _ in syms]
out += [".globl __ksyms_names", "__ksyms_names:"]
off = 0
offs = []
for _, name in syms:
    offs.append(off)
    off += len(name) + 1
out += ["\t.long %d" % o for o in offs]
out += [".globl __ksyms_strings", "__ksyms_strings:"]
out += ["\t.asciz \"%s\"" % n for _, n in syms]
out += [".section .note.GNU-stack,\"\",@progbits"]
print("\n".join(out))
