/* devfs's interface for drivers outside the core (modules). */
#ifndef FS_DEVFS_H
#define FS_DEVFS_H
#include "fs/vfs.h"

#define DEVFS_MAX_ADDED	8	/* character devices drivers may add */
#define DEVFS_NAME_MAX	31	/* bytes in the name of one */

/* Adds /dev/name, a character device numbered (major, minor) with the
 * given permission bits. Opening it (by that name or through a node made
 * with mknod elsewhere) gives a file with fops; open, if not NULL, then
 * runs on the new file (it may set f->priv, which fops->release frees)
 * and an error from it fails the open. Devices stay until the kernel
 * stops (modules are never unloaded). 0, -EEXIST (the name or number is
 * taken), -ENAMETOOLONG, -ENOSPC (DEVFS_MAX_ADDED reached). */
int devfs_add_chardev(const char *name, unsigned major, unsigned minor, uint32_t mode,
    const struct file_ops *fops, int (*open)(struct file *f));

#endif
