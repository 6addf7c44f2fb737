# The program loader's pure ELF checks (kernel/linux/elf_exec.c) and
# mkimage's dependency reader (tools/elfdeps.c): made-up files for every
# refusal, and the host's own programs and libraries, which must all pass.
UNIT_TESTS += elf_exec
elf_exec_SRCS := tests/unit/test_elf_exec.c kernel/linux/elf_exec.c tools/elfdeps.c
elf_exec_DEPS := kernel/linux/elf_exec.h tools/elfdeps.h tests/fuzz/fuzz_elf_exec.c
