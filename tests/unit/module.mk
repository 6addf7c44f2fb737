# Pure parts of the kernel-module loader and of fstab. test_elf_mod.c
# compiles tests/unit/modules/*.c into shared objects at run time and
# includes the fuzz harness to replay corrupted files through it.
UNIT_TESTS += elf_mod fstab
elf_mod_SRCS := tests/unit/test_elf_mod.c kernel/module/elf_mod.c
elf_mod_DEPS := kernel/module/elf_mod.h kernel/module/elf.h tests/fuzz/fuzz_elf_mod.c
fstab_SRCS := tests/unit/test_fstab.c kernel/fs/fstab.c
fstab_DEPS := kernel/fs/fstab.h tests/fuzz/fuzz_fstab.c
