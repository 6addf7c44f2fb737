# libFuzzer harnesses for the GPT and newc cpio readers; seeds in
# corpus/gpt/ and corpus/cpio/ (see README.md).
FUZZERS += gpt cpio
gpt_FUZZ_SRCS := tests/fuzz/fuzz_gpt.c kernel/dev/gpt.c kernel/lib/crc32.c
cpio_FUZZ_SRCS := tests/fuzz/fuzz_cpio.c kernel/fs/cpio.c
