# Programs for the ZFS /data tests (apps/zfs/*.c; tests/boot/test_zfs_data.py),
# static Linux binaries in $(BUILD)/apps/zfs/:
#   treesum      a tree listing with SHA-256s in the formats of ../shared/data/zfs/*.tree, .sha256
#   fsyncwriter  the crash test's writer (fsync, then "ack K") and checker
#   sqlitetest   Debian's libsqlite3.a linked in with glibc (gcc -static)
#   crashload    the crash test's mixed workload (threads: SQLite transactions,
#                fsync'd records, file create/rename/unlink) and its verifier,
#                glibc and libsqlite3.a like sqlitetest
# The two SQLite programs are not built, with a message, when libsqlite3.a
# is absent.
ZFS_APP_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
ZFS_APP_SHA := apps/zfs/sha256.c apps/zfs/sha256.h
ZFS_APP_REC := apps/zfs/records.c apps/zfs/records.h
ZFS_SQLITE_APPS := $(BUILD)/apps/zfs/sqlitetest $(BUILD)/apps/zfs/crashload
SQLITE_A := $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/libsqlite3.a /usr/lib/libsqlite3.a))

ZFS_APPS := $(BUILD)/apps/zfs/treesum $(BUILD)/apps/zfs/fsyncwriter
ifneq ($(SQLITE_A),)
ZFS_APPS += $(ZFS_SQLITE_APPS)
endif
APPS += $(ZFS_APPS)

.PHONY: zfs-apps
zfs-apps: $(ZFS_APPS)
ifeq ($(SQLITE_A),)
	@echo "  SKIP    $(ZFS_SQLITE_APPS): no libsqlite3.a (Debian libsqlite3-dev; scripts/deps.sh installs it)"
apps: zfs-apps
endif

$(BUILD)/apps/zfs/%: apps/zfs/%.c $(ZFS_APP_SHA)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc $(ZFS_APP_CFLAGS) -static -o $@ $< apps/zfs/sha256.c

$(BUILD)/apps/zfs/fsyncwriter: apps/zfs/fsyncwriter.c $(ZFS_APP_SHA) $(ZFS_APP_REC)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc $(ZFS_APP_CFLAGS) -static -o $@ $< apps/zfs/sha256.c apps/zfs/records.c

# glibc's static libc warns that libsqlite3's dlopen (extension loading,
# unused here) needs shared libraries at run time; that is expected. The
# filter hides the compiler's status, so a failed build is told by the
# binary being absent: the old one is removed first.
$(ZFS_SQLITE_APPS): $(BUILD)/apps/zfs/%: apps/zfs/%.c $(ZFS_APP_SHA) $(ZFS_APP_REC)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  GLIBC   $@ (+ $(SQLITE_A))"
	@$(CC) $(ZFS_APP_CFLAGS) -pthread -static -o $@ $< apps/zfs/sha256.c apps/zfs/records.c \
		$(SQLITE_A) -lm -lpthread -ldl 2>&1 | \
		grep -v -e "statically linked applications requires at runtime" -e "in function .unixDlOpen" || true
	@test -x $@
