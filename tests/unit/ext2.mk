# Host unit test of the ext2 module's pure on-disk reader against images
# made by mke2fs -d (e2fsprogs) from trees built at run time in $TMPDIR.
UNIT_TESTS += ext2
ext2_SRCS := tests/unit/test_ext2.c modules/ext2/ext2_disk.c
ext2_DEPS := modules/ext2/ext2_disk.h
