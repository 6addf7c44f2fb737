# libFuzzer harness for the ROFS image reader; seeds in corpus/rofs/.
FUZZERS += rofs
rofs_FUZZ_SRCS := tests/fuzz/fuzz_rofs.c kernel/fs/rofs/rofs_read.c kernel/lib/lz4.c kernel/lib/crc32.c
