# The ZFS module's C library pieces, built for the host under their own
# names (tests/unit/spl_rename.h) with the module's SPL headers.
UNIT_TESTS += spl_string
spl_string_SRCS := tests/unit/test_spl_string.c modules/zfs/spl/spl_string.c \
	tests/unit/kshim/string.c
spl_string_DEPS := tests/unit/spl_rename.h $(wildcard modules/zfs/include/sys/*.h)
spl_string_CFLAGS := -include tests/unit/spl_rename.h -Imodules/zfs/include
