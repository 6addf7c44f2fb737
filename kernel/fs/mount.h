#ifndef FS_MOUNT_H
#define FS_MOUNT_H

/* Makes filesystem type `type` available, loading its module if needed. */
int fs_type_ensure(const char *type);
/* Runs fn(arg) on a short-lived kernel thread with a 256 KiB stack and
 * waits for it; returns fn's result, or -ENOMEM without a thread. Module
 * loading and a filesystem's mount/unmount run there. */
int fs_run_deep(const char *name, int (*fn)(void *arg), void *arg);
/* mount(2) and umount2(2) on a deep stack: fs_type_ensure (type NULL:
 * none, e.g. MS_REMOUNT) and vfs_mount; vfs_umount. */
int fs_mount(const char *source, const char *target, const char *type, unsigned long flags,
    const char *data);
int fs_umount(const char *target, int flags);
/* Loads the modules /etc/modules names, then mounts what /etc/fstab lists
 * (boot step 6), in order. Returns 0, or the
 * error of the first line that failed without nofail (or could not be
 * parsed): the boot must then end with MOUNT_FAILURE_STATUS. */
int fstab_mount_all(void);

/* The exit status of a boot that failed to mount, mount(8)'s code. */
#define MOUNT_FAILURE_STATUS 32

#endif
