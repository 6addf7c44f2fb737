# Pure on-disk format parsers: CRC-32, GPT, newc cpio.
UNIT_TESTS += crc32 gpt cpio
crc32_SRCS := tests/unit/test_crc32.c kernel/lib/crc32.c
crc32_LIBS := -pthread
gpt_SRCS := tests/unit/test_gpt.c kernel/dev/gpt.c kernel/lib/crc32.c
cpio_SRCS := tests/unit/test_cpio.c kernel/fs/cpio.c
