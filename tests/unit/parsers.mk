# Pure parsers: CRC-32, GPT, newc cpio, the firmware's processor tables.
UNIT_TESTS += crc32 gpt cpio cpu_tables
crc32_SRCS := tests/unit/test_crc32.c kernel/lib/crc32.c
crc32_LIBS := -pthread
gpt_SRCS := tests/unit/test_gpt.c kernel/dev/gpt.c kernel/lib/crc32.c
cpio_SRCS := tests/unit/test_cpio.c kernel/fs/cpio.c
cpu_tables_SRCS := tests/unit/test_cpu_tables.c kernel/arch/x86_64/cpu_tables.c
cpu_tables_DEPS := kernel/arch/x86_64/cpu_tables.h
