# Programs for the ZFS /data tests (apps/zfs/*.c; tests/boot/test_zfs_data.py),
# static Linux binaries in $(BUILD)/apps/zfs/:
#   treesum      a tree listing with SHA-256s in the formats of ../shared/data/zfs/*.tree, .sha256
#   fsyncwriter  the crash test's writer (fsync, then "ack K") and checker
#   sqlitetest   Debian's libsqlite3.a linked in with glibc (gcc -static);
#                not built, with a message, when libsqlite3.a is absent
ZFS_APP_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
ZFS_APP_SHA := apps/zfs/sha256.c apps/zfs/sha256.h
SQLITE_A := $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/libsqlite3.a /usr/lib/libsqlite3.a))

ZFS_APPS := $(BUILD)/apps/zfs/treesum $(BUILD)/apps/zfs/fsyncwriter
ifneq ($(SQLITE_A),)
ZFS_APPS += $(BUILD)/apps/zfs/sqlitetest
endif
APPS += $(ZFS_APPS)

.PHONY: zfs-apps
zfs-apps: $(ZFS_APPS)
ifeq ($(SQLITE_A),)
	@echo "  SKIP    $(BUILD)/apps/zfs/sqlitetest: no libsqlite3.a (Debian libsqlite3-dev; scripts/deps.sh installs it)"
apps: zfs-apps
endif

$(BUILD)/apps/zfs/%: apps/zfs/%.c $(ZFS_APP_SHA)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc $(ZFS_APP_CFLAGS) -static -o $@ $< apps/zfs/sha256.c

# glibc's static libc warns that libsqlite3's dlopen (extension loading,
# unused here) needs shared libraries at run time; that is expected.
$(BUILD)/apps/zfs/sqlitetest: apps/zfs/sqlitetest.c
	@mkdir -p $(dir $@)
	@echo "  GLIBC   $@ (+ $(SQLITE_A))"
	@$(CC) $(ZFS_APP_CFLAGS) -static -o $@ $< $(SQLITE_A) -lm -lpthread -ldl 2>&1 | \
		grep -v -e "statically linked applications requires at runtime" -e "in function .unixDlOpen" || true
	@test -x $@
