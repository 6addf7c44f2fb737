#ifndef FS_MOUNT_H
#define FS_MOUNT_H

/* Makes filesystem type `type` available, loading its module if needed. */
int fs_type_ensure(const char *type);
/* Mounts what /etc/fstab lists (boot step 6), in order. Returns 0, or the
 * error of the first line that failed without nofail (or could not be
 * parsed): the boot must then end with MOUNT_FAILURE_STATUS. */
int fstab_mount_all(void);

/* The exit status of a boot that failed to mount, mount(8)'s code. */
#define MOUNT_FAILURE_STATUS 32

#endif
