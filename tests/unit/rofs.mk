# Host unit tests of the ROFS v2 pieces: the LZ4 decoder and the image reader.
UNIT_TESTS += lz4 rofs
lz4_SRCS := tests/unit/test_lz4.c kernel/lib/lz4.c
lz4_LIBS := -llz4
rofs_SRCS := tests/unit/test_rofs.c tools/mkrofs.c kernel/fs/rofs/rofs_read.c kernel/lib/lz4.c kernel/lib/crc32.c
rofs_LIBS := -llz4
