# libzfs.so: OpenZFS (Debian's zfs-dkms, fetched by scripts/zfs-src.sh into
# the ignored build folder, never committed) compiled unmodified against
# the porting layer in modules/zfs/. So far: the SPL basics, module/avl and
# module/nvpair (with our XDR).
ZFS_SRC := $(BUILD)/zfs-src/usr/src/zfs-2.1.11
ZFS_CFLAGS := -Imodules/zfs/include -I$(ZFS_SRC)/include -D_KERNEL -DZFS_DEBUG \
	-Wno-sign-compare -Wno-missing-field-initializers
ZFS_OPENZFS_SRCS := $(ZFS_SRC)/module/avl/avl.c $(addprefix $(ZFS_SRC)/module/nvpair/,\
	nvpair.c fnvpair.c nvpair_alloc_spl.c)
ZFS_OWN_SRCS := modules/zfs/zfs_module.c $(wildcard modules/zfs/spl/*.c)

MODULES += $(BUILD)/modules/libzfs.so

$(ZFS_OPENZFS_SRCS):
	@sh scripts/zfs-src.sh $(BUILD)/zfs-src

$(BUILD)/modules/libzfs.so: $(ZFS_OPENZFS_SRCS) $(ZFS_OWN_SRCS) $(wildcard modules/zfs/include/sys/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(MODCFLAGS) $(ZFS_CFLAGS) -o $@ $(ZFS_OWN_SRCS) $(ZFS_OPENZFS_SRCS)
