# Host unit tests of the ROFS v2 pieces: the LZ4 decoder and the image
# reader + mkrofs. (The reader test is "rofs_read" because tools/rofs.mk
# already owns the variable rofs_SRCS for the `rofs` tool.)
UNIT_TESTS += lz4 rofs_read
lz4_SRCS := tests/unit/test_lz4.c kernel/lib/lz4.c
lz4_LIBS := -llz4
rofs_read_SRCS := tests/unit/test_rofs.c kernel/fs/rofs/rofs_read.c kernel/lib/lz4.c kernel/lib/crc32.c
rofs_read_LIBS := -llz4
# test_rofs.c compiles these in with #include (to call mkrofs and the rofs
# tool directly), so rebuild when they change.
$(BUILD)/unit/rofs_read: tools/mkrofs.c tools/rofs.c tests/fuzz/fuzz_rofs.c
