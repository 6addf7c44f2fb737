# libFuzzer harnesses for the GPT and newc cpio readers; seeds in
# corpus/gpt/ and corpus/cpio/ (see README.md).
FUZZERS += gpt cpio
gpt_FUZZ_SRCS := tests/fuzz/fuzz_gpt.c kernel/dev/gpt.c kernel/lib/crc32.c
cpio_FUZZ_SRCS := tests/fuzz/fuzz_cpio.c kernel/fs/cpio.c
# The firmware's processor tables (ACPI MADT, MP table); seeds in
# corpus/cpu_tables/ (see README.md).
FUZZERS += cpu_tables
cpu_tables_FUZZ_SRCS := tests/fuzz/fuzz_cpu_tables.c kernel/arch/x86_64/cpu_tables.c
