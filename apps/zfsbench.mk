# zfsbench (apps/zfsbench/zfsbench.c): the file-system benchmark of the
# "ZFS /data" section of `make bench`. Static glibc (gcc -static), so the
# very same binary runs in Osprey and in the Linux peer guest
# (../shared/peers/linux-vm).
ZFSBENCH := $(BUILD)/apps/zfsbench
APPS += $(ZFSBENCH)

$(ZFSBENCH): apps/zfsbench/zfsbench.c
	@mkdir -p $(dir $@)
	@echo "  GLIBC   $@"
	@$(CC) -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<
