# libext2.so: the read-only ext2 filesystem module (see modules/README.md).
# ext2_disk.c is the pure on-disk reader (also built into the host unit test
# tests/unit/test_ext2.c); ext2_vfs.c is the VFS glue and module entry.
ifndef MODCFLAGS
MODCFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fPIC -shared -nostdlib -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-Ikernel/lib/include -Ikernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fvisibility=hidden \
	-fno-asynchronous-unwind-tables -Wl,--build-id=none -Wl,-z,noexecstack
endif

EXT2_SRCS := modules/ext2/ext2_disk.c modules/ext2/ext2_vfs.c
MODULES += $(BUILD)/modules/libext2.so
$(BUILD)/modules/libext2.so: $(EXT2_SRCS) modules/ext2/ext2_disk.h modules/ext2/module.mk \
		$(wildcard kernel/fs/*.h kernel/dev/*.h kernel/mm/*.h kernel/sched/*.h \
		kernel/lib/*.h kernel/module/module.h)
	@mkdir -p $(dir $@)
	@echo "  MOD     $@"
	@$(CC) $(MODCFLAGS) -o $@ $(EXT2_SRCS)
