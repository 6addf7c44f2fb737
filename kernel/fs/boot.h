#ifndef FS_BOOT_H
#define FS_BOOT_H

#include <stdint.h>

/* Boot steps 5 and 6 of docs/architecture.md: the root filesystem (ROFS from its
 * partition, or a ramfs filled from the initrd), /dev, /tmp, then fstab.
 * Returns 0, or the error of an fstab line that failed without nofail:
 * the boot must end (MOUNT_FAILURE_STATUS, fs/mount.h). */
int fs_boot(uint64_t initrd_pa, uint64_t initrd_size);
/* Before the kernel exits (not on a panic): cwd back to the root, sync,
 * unmount everything but the root in reverse mount order, sync the root.
 * A mount that cannot be unmounted is reported and stays. */
void fs_shutdown(void);
int devfs_init(void);
int rofs_init(void);
int procfs_init(void);

#endif
