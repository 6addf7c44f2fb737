# libFuzzer harness for the program loader's ELF checks and mkimage's
# dependency reader; seeds in corpus/elf_exec/ (written by
# `build/unit/elf_exec --write-corpus DIR`).
FUZZERS += elf_exec
elf_exec_FUZZ_SRCS := tests/fuzz/fuzz_elf_exec.c kernel/linux/elf_exec.c tools/elfdeps.c
