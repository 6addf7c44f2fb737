# libzfs.so: OpenZFS 2.1.11 (Debian's zfs-dkms, fetched by scripts/zfs-src.sh
# into the ignored build folder, never committed) compiled unmodified
# against the porting layer in modules/zfs/ (include/: SPL headers; spl/:
# the Solaris kernel API on Osprey's; os/: the platform glue).
ZFS_SRC := $(BUILD)/zfs-src/usr/src/zfs-2.1.11
# Unpacked and patched (modules/zfs/patches): see scripts/zfs-src.sh.
ZFS_STAMP := $(ZFS_SRC)/.osprey-patches
# `make ZFS_DEBUG=1` builds OpenZFS with its assertions (ASSERT) and debug
# checks on, as OpenZFS's --enable-debug does; the default is a release
# build, as distributions ship (VERIFY checks stay on in both).
ZFS_DEBUG ?= 0
ZFS_OBJDIR := $(BUILD)/modules/zfs-$(if $(filter 1,$(ZFS_DEBUG)),debug,release)

# The platform-independent code, as libzpool builds it, with the POSIX
# layer's common files (zfs_vnops, zfs_log, zfs_replay), less SIMD
# variants (the kernel uses general registers only).
ZFS_CORE := abd aggsum arc blkptr bplist bpobj bptree bqueue btree dbuf dbuf_stats \
	ddt ddt_zap dmu dmu_diff dmu_object dmu_objset dmu_recv dmu_redact dmu_send \
	dmu_traverse dmu_tx dmu_zfetch dnode dnode_sync dsl_bookmark dsl_crypt \
	dsl_dataset dsl_deadlist dsl_deleg dsl_destroy dsl_dir dsl_pool dsl_prop \
	dsl_scan dsl_synctask dsl_userhold edonr_zfs fm gzip hkdf lz4 lzjb metaslab \
	mmp multilist objlist pathname range_tree refcount rrwlock sa sha256 \
	skein_zfs spa spa_boot spa_checkpoint spa_config spa_errlog spa_history \
	spa_log_spacemap spa_misc spa_stats space_map space_reftree txg uberblock \
	unique vdev vdev_cache vdev_draid vdev_draid_rand vdev_indirect \
	vdev_indirect_births vdev_indirect_mapping vdev_initialize vdev_label \
	vdev_mirror vdev_missing vdev_queue vdev_raidz vdev_raidz_math \
	vdev_raidz_math_scalar vdev_rebuild vdev_removal vdev_root vdev_trim zap \
	zap_leaf zap_micro zcp zcp_get zcp_global zcp_iter zcp_set zcp_synctask \
	zfeature zfs_byteswap zfs_fm zfs_fuid zfs_ratelimit zfs_rlock zfs_sa zil zio \
	zio_checksum zio_compress zio_inject zle zrlock zthr zfs_onexit zfs_quota \
	zfs_vnops zfs_log zfs_replay dataset_kstats
ZFS_ZCOMMON := cityhash zfeature_common zfs_comutil zfs_deleg zfs_fletcher \
	zfs_fletcher_superscalar zfs_fletcher_superscalar4 zfs_namecheck zfs_prop \
	zpool_prop zprop_common
ZFS_LUA := lapi lauxlib lbaselib lcode lcompat lcorolib lctype ldebug ldo lfunc \
	lgc llex lmem lobject lopcodes lparser lstate lstring lstrlib ltable \
	ltablib ltm lvm lzio
ZFS_ICP := algs/aes/aes_impl algs/aes/aes_impl_generic algs/aes/aes_modes \
	algs/edonr/edonr algs/modes/cbc algs/modes/ccm algs/modes/ctr algs/modes/ecb \
	algs/modes/gcm algs/modes/gcm_generic algs/modes/modes algs/sha2/sha2 \
	algs/skein/skein algs/skein/skein_block algs/skein/skein_iv api/kcf_cipher \
	api/kcf_ctxops api/kcf_digest api/kcf_mac api/kcf_miscapi core/kcf_callprov \
	core/kcf_mech_tabs core/kcf_prov_lib core/kcf_prov_tabs core/kcf_sched \
	illumos-crypto io/aes io/edonr_mod io/sha2_mod io/skein_mod os/modconf \
	os/modhash spi/kcf_spi algs/aes/aes_impl_x86-64 asm-x86_64/aes/aeskey
# Integer-only x86-64 assembly that the C code calls on this machine (the
# AES-NI and PCLMULQDQ variants need SSE and are not built).
ZFS_ASM := lua/setjmp/setjmp_x86_64 icp/asm-x86_64/aes/aes_amd64 \
	icp/asm-x86_64/sha2/sha256_impl icp/asm-x86_64/sha2/sha512_impl
# Linux-port files that compile against our SPL as they are: encryption
# of blocks on the ICP, I/O accounting hooks, and the POSIX layer's
# znodes, directories, ACLs and vnode operations, which see Linux's VFS
# through the small model in include/sys/zpl.h.
ZFS_LINUX_PORT := os/linux/zfs/zio_crypt os/linux/zfs/zfs_racct os/linux/zfs/zfs_znode \
	os/linux/zfs/zfs_dir os/linux/zfs/zfs_acl os/linux/zfs/zfs_vnops_os
ZFS_UPSTREAM := avl/avl nvpair/nvpair nvpair/fnvpair nvpair/nvpair_alloc_spl \
	nvpair/nvpair_alloc_fixed $(addprefix zfs/,$(ZFS_CORE)) $(addprefix zcommon/,$(ZFS_ZCOMMON)) \
	$(addprefix lua/,$(ZFS_LUA)) $(addprefix icp/,$(ZFS_ICP)) \
	unicode/u8_textprep unicode/uconv zstd/zfs_zstd zstd/lib/zstd $(ZFS_LINUX_PORT)
ZFS_UPSTREAM_OBJS := $(patsubst %,$(ZFS_OBJDIR)/upstream/%.o,$(ZFS_UPSTREAM)) \
	$(patsubst %,$(ZFS_OBJDIR)/asm/%.o,$(ZFS_ASM))

# zlib 1.2.13 for gzip compression (Debian's source package, fetched by
# scripts/zlib-src.sh into the ignored build folder, never committed):
# deflate and inflate with their helpers, compiled unmodified and
# freestanding with Z_SOLO (no libc: allocation only through the stream's
# callbacks, which spl/spl_zlib.c points at its workspaces; no gz* file
# functions). Not mode-dependent, so one set of objects serves both builds.
ZLIB_SRC := $(BUILD)/zlib-src/zlib-1.2.13.dfsg
ZLIB_STAMP := $(ZLIB_SRC)/.osprey-unpacked
ZLIB_FILES := adler32 crc32 deflate inffast inflate inftrees trees zutil
ZLIB_OBJS := $(patsubst %,$(BUILD)/modules/zlib/%.o,$(ZLIB_FILES))

ZFS_OWN_SRCS := $(wildcard modules/zfs/*.c) \
	$(wildcard modules/zfs/spl/*.c) $(wildcard modules/zfs/os/*.c)
ZFS_OWN_OBJS := $(patsubst modules/zfs/%.c,$(ZFS_OBJDIR)/own/%.o,$(ZFS_OWN_SRCS))

# Upstream headers that are pure format definitions or declarations and
# need no porting (the SHA-2 context, Solaris ACL entries, the ZPL's
# directory and vnode-op prototypes) are used from the OpenZFS tree
# through links in build/zfs-inc; everything else under sys/ is ours.
ZFS_INC := $(BUILD)/zfs-inc
ZFS_INC_LINKS := $(ZFS_INC)/sys/sha2.h $(ZFS_INC)/sys/acl.h $(ZFS_INC)/sys/zfs_dir.h \
	$(ZFS_INC)/sys/zfs_vnops_os.h
$(ZFS_INC)/sys/sha2.h: | $(ZFS_STAMP)
	@mkdir -p $(dir $@) && ln -sf $(abspath $(ZFS_SRC))/include/os/linux/zfs/sys/sha2.h $@
$(ZFS_INC)/sys/acl.h: | $(ZFS_STAMP)
	@mkdir -p $(dir $@) && ln -sf $(abspath $(ZFS_SRC))/include/os/linux/spl/sys/acl.h $@
# The ZPL's declarations (no Linux types beyond sys/zpl.h's).
$(ZFS_INC)/sys/zfs_dir.h $(ZFS_INC)/sys/zfs_vnops_os.h: | $(ZFS_STAMP)
	@mkdir -p $(dir $@) && ln -sf $(abspath $(ZFS_SRC))/include/os/linux/zfs/sys/$(notdir $@) $@

# GNU C: OpenZFS's headers use its extensions. __linux__ stays defined:
# where common code chooses per platform, Osprey takes Linux's choices
# (POSIX ACLs, module parameters), so pools move between the two as is.
ZFS_CFLAGS := -std=gnu11 -O2 -g -fPIC -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fvisibility=hidden -fno-asynchronous-unwind-tables -fno-common \
	-Imodules/zfs/include -Ikernel/lib/include -Ikernel -I$(ZFS_SRC)/include -I$(ZFS_INC) \
	-I$(ZFS_SRC)/module/icp/include -D_KERNEL -D__KERNEL__ $(if $(filter 1,$(ZFS_DEBUG)),-DZFS_DEBUG) -DZFS_NO_IMPL_BENCHMARK \
	-DZFS_META_VERSION='"2.1.11"' -DZFS_META_RELEASE='"1+deb12u1"' \
	-DZFS_META_AUTHOR='"OpenZFS"' -DZFS_META_LICENSE='"CDDL"' \
	-DZ_SOLO -idirafter $(ZLIB_SRC) \
	-Wall -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers -MMD -MP
# OpenZFS's own code is built with its own warnings, as its Linux build does.
ZFS_UPSTREAM_CFLAGS := $(ZFS_CFLAGS) -Wno-unused-variable -Wno-unused-but-set-variable \
	-Wno-unused-function -Wno-maybe-uninitialized -Wno-dangling-pointer \
	-Wno-infinite-recursion -Wno-format	# %llu for uint64_t: the same 64 bits here, unsigned long to gcc
ZFS_OWN_CFLAGS := $(ZFS_CFLAGS) -Wextra
ZSTD_FLAGS := -I$(ZFS_SRC)/module/zstd/include -include $(ZFS_SRC)/module/zstd/include/zstd_compat_wrapper.h

# As OpenZFS's own build compiles the amalgamated zstd library.
ZSTD_LIB_FLAGS := -O3 -fno-tree-vectorize -U__BMI__ -Wp,-w \
	-include $(ZFS_SRC)/module/zstd/include/aarch64_compat.h

# zlib as its own build does it (-O2), in the module's code model
# (position-independent, hidden symbols, general registers only); with
# Z_SOLO it includes no header but its own.
ZLIB_CFLAGS := -std=gnu11 -O2 -g -fPIC -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fvisibility=hidden -fno-asynchronous-unwind-tables -fno-common -DZ_SOLO -I$(ZLIB_SRC) \
	-Wall -Werror -MMD -MP

MODULES += $(BUILD)/modules/libzfs.so

$(ZFS_STAMP): scripts/zfs-src.sh $(wildcard modules/zfs/patches/*.patch)
	@sh scripts/zfs-src.sh $(BUILD)/zfs-src

$(ZLIB_STAMP): scripts/zlib-src.sh
	@sh scripts/zlib-src.sh $(BUILD)/zlib-src

zlib-src: $(ZLIB_STAMP)
.PHONY: zlib-src

$(BUILD)/modules/zlib/%.o: $(ZLIB_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      zlib/$*.c"
	@$(CC) $(ZLIB_CFLAGS) -c $(ZLIB_SRC)/$*.c -o $@

# The two that include zlib.h (through sys/zmod.h).
$(ZFS_OBJDIR)/upstream/zfs/gzip.o $(ZFS_OBJDIR)/own/spl/spl_zlib.o: | $(ZLIB_STAMP)

# Dependency files are made with the objects, never by a rule of their
# own (else make's built-in %: %.o would try to "link" one from a .d.o).
$(ZFS_OBJDIR)/%.d: ;
$(BUILD)/modules/zlib/%.d: ;

$(ZFS_OBJDIR)/upstream/%.o: $(ZFS_STAMP) | $(ZFS_INC_LINKS)
	@mkdir -p $(dir $@)
	@echo "  CC      openzfs/module/$*.c"
	@$(CC) $(ZFS_UPSTREAM_CFLAGS) $(if $(filter zstd/%,$*),$(ZSTD_FLAGS)) \
		$(if $(filter zstd/lib/zstd,$*),$(ZSTD_LIB_FLAGS)) -c $(ZFS_SRC)/module/$*.c -o $@

$(ZFS_OBJDIR)/asm/%.o: $(ZFS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      openzfs/module/$*.S"
	@$(CC) $(ZFS_CFLAGS) -D__ASSEMBLY__ -c $(ZFS_SRC)/module/$*.S -o $@

$(ZFS_OBJDIR)/own/%.o: modules/zfs/%.c | $(ZFS_STAMP) $(ZFS_INC_LINKS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ZFS_OWN_CFLAGS) -c $< -o $@

# Rewritten (so newer) only when the mode changes: libzfs.so then relinks.
ZFS_MODE_STAMP := $(BUILD)/modules/libzfs.debug
$(shell mkdir -p $(BUILD)/modules; [ "$$(cat $(ZFS_MODE_STAMP) 2>/dev/null)" = "$(ZFS_DEBUG)" ] || \
	echo $(ZFS_DEBUG) > $(ZFS_MODE_STAMP))

$(BUILD)/modules/libzfs.so: $(ZFS_UPSTREAM_OBJS) $(ZFS_OWN_OBJS) $(ZLIB_OBJS) modules/zfs/module.mk \
		$(ZFS_MODE_STAMP)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) -shared -nostdlib -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--strip-debug \
		-o $@ $(ZFS_OWN_OBJS) $(ZFS_UPSTREAM_OBJS) $(ZLIB_OBJS) $(ZFS_LDFLAGS)

# /dev/zfs (the zpool and zfs programs): OpenZFS's ioctl dispatcher and
# the volume code it calls, unmodified, over our glue in
# os/zfs_ioctl_os.c and os/zvol_os.c. (A block of its own, after the rules
# above: the link rule gets it as one more prerequisite; its recipe
# expands ZFS_UPSTREAM_OBJS when it runs.)
ZFS_DEV_OBJS := $(patsubst %,$(ZFS_OBJDIR)/upstream/zfs/%.o,zfs_ioctl zvol)
ZFS_UPSTREAM_OBJS += $(ZFS_DEV_OBJS)
$(BUILD)/modules/libzfs.so: $(ZFS_DEV_OBJS)
