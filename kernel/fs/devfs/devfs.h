/* devfs's interface for drivers outside the core (modules). */
#ifndef FS_DEVFS_H
#define FS_DEVFS_H
#include "fs/vfs.h"

#define DEVFS_NAME_MAX	31	/* bytes in a devfs_add_chardev name */
#define DEVFS_MAX_NODES	1024	/* nodes drivers may have at once */

/* A device number as Linux and glibc encode a 64-bit dev_t (for majors
 * below 4096 and minors below 256: major << 8 | minor), which is what
 * stat reports as st_rdev. */
#define DEVFS_MKDEV(major, minor) \
	((uint64_t)((minor) & 0xffu) | (uint64_t)((major) & 0xfffu) << 8 | \
	 (uint64_t)((minor) & ~0xffu) << 12 | (uint64_t)((major) & ~0xfffu) << 32)

static inline uint64_t devfs_makedev(unsigned major, unsigned minor)
{
	return DEVFS_MKDEV(major, minor);
}

/* Adds /dev/name, a character device numbered (major, minor) with the
 * given permission bits, for as long as the kernel runs (it cannot be
 * removed; /dev/zfs). Opening it (by that name or through a node made
 * with mknod elsewhere) gives a file with fops; open, if not NULL, then
 * runs on the new file (it may set f->priv, which fops->release frees)
 * and an error from it fails the open. 0, -EEXIST (the name or number is
 * taken), -ENAMETOOLONG (over DEVFS_NAME_MAX), -ENOSPC. */
int devfs_add_chardev(const char *name, unsigned major, unsigned minor, uint32_t mode,
    const struct file_ops *fops, int (*open)(struct file *f));

/* Nodes a driver adds and removes while the kernel runs. A path is
 * relative to /dev ("zd0", "zvol/tank/vol"); the directories it names
 * are made as needed and go when their last entry goes, as udev's do.
 * Components are at most NAME_MAX bytes, never "." or "..".
 *
 * devfs_add_device: a device node, mode S_IFCHR or S_IFBLK with its
 * permission bits, numbered rdev (devfs_makedev), whose opens (by this
 * path or a node made with mknod elsewhere) get fops and then the open
 * hook as devfs_add_chardev's. The hook runs with no devfs lock held and
 * may find the device removed meanwhile (it answers -ENXIO then): a
 * driver that removes a device must make its hook see that, e.g. by
 * looking its state up by f->vn->rdev under the driver's own lock.
 * Files already open keep their ops: the driver decides what a removed
 * device's open files do. devfs_add_symlink: a symbolic link holding
 * target. devfs_remove: either kind (not a directory, not a chardev).
 *
 * Errors: -EEXIST (the name, or a device's type and number, is taken),
 * -ENOTDIR (a component is not a directory), -ENOENT (remove: no such
 * node), -EISDIR, -EPERM (remove: a directory, a permanent chardev),
 * -EINVAL (bad mode or path), -ENAMETOOLONG, -ENOSPC (DEVFS_MAX_NODES),
 * -ENOMEM. */
int devfs_add_device(const char *path, uint32_t mode, uint64_t rdev,
    const struct file_ops *fops, int (*open)(struct file *f));
int devfs_add_symlink(const char *path, const char *target);
int devfs_remove(const char *path);

#endif
