# The VFS and ramfs on the host: kernel/fs compiled against the shims in
# tests/unit/kshim (pthread locks, malloc, host clock), which come first on
# the include path.
UNIT_TESTS += vfs
vfs_CFLAGS := -Itests/unit/kshim
vfs_SRCS := tests/unit/test_vfs.c tests/unit/kshim/string.c kernel/fs/vfs.c kernel/fs/vfs_lookup.c \
	kernel/fs/vfs_ops.c kernel/fs/vfs_file.c kernel/fs/vfs_xattr.c kernel/fs/ramfs/ramfs.c \
	kernel/fs/pcache.c kernel/lib/avl.c
vfs_LIBS := -pthread
vfs_DEPS := $(wildcard kernel/fs/*.h tests/unit/kshim/*.h tests/unit/kshim/*/*.h)
