# libFuzzer harnesses for the module loader and the fstab parser; seeds in
# corpus/elf_mod/ and corpus/fstab/.
FUZZERS += elf_mod fstab
elf_mod_FUZZ_SRCS := tests/fuzz/fuzz_elf_mod.c kernel/module/elf_mod.c
fstab_FUZZ_SRCS := tests/fuzz/fuzz_fstab.c kernel/fs/fstab.c
