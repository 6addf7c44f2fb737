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
/* fn runs at the orderly stop, on fs_shutdown's deep stack, after every
 * filesystem is unmounted and before the root's last sync: a module's
 * own ending (ZFS exports the pools still imported). Hooks run in the
 * order they were added; 0 or -ENOSPC (at most FS_SHUTDOWN_HOOKS). */
#define FS_SHUTDOWN_HOOKS 4
int fs_on_shutdown(void (*fn)(void));
int devfs_init(void);
int rofs_init(void);
int procfs_init(void);

#endif
