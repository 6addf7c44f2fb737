/* mount(2) and umount2(2): the same path as fstab, so a program can mount
 * a data disk after boot, loading the filesystem's module if needed. Both
 * run on a kernel thread with a deep stack (fs_mount, fs_umount): the
 * program thread's 32 KiB cannot hold a module's init or ZFS's import. */
#include "linux/linux.h"
#include "linux/uaccess.h"
#include "fs/mount.h"
#include "mm/mm.h"
#include <errno.h>

#define MOUNT_STR_MAX 256

/* Copies a user string (NULL: none) into a kernel buffer of max bytes:
 * 0, -EFAULT, -ENAMETOOLONG or -ENOMEM. */
static int copy_str(const char *u, size_t max, char **out)
{
	*out = NULL;
	if (!u)
		return 0;
	char *k = kmalloc(max);
	if (!k)
		return -ENOMEM;
	long len = strncpy_from_user(k, u, max);
	if (len < 0) {
		kfree(k);
		return (int)len;
	}
	*out = k;
	return 0;
}

static long sys_mount(const char *source, const char *target, const char *type,
    unsigned long flags, const char *data)
{
	char *src = NULL, *dir = NULL, *fst = NULL, *opts = NULL;
	int err = copy_str(source, PATH_MAX, &src);

	if (!err)
		err = copy_str(target, PATH_MAX, &dir);
	if (!err)
		err = copy_str(type, MOUNT_STR_MAX, &fst);
	if (!err)
		err = copy_str(data, PATH_MAX, &opts);
	if (!err && !dir)
		err = -EFAULT;
	if (!err && !(flags & MS_REMOUNT) && !fst)
		err = -EINVAL;
	if (!err)
		err = fs_mount(src, dir, fst, flags, opts);	/* a 256 KiB stack */
	kfree(src);
	kfree(dir);
	kfree(fst);
	kfree(opts);
	return err;
}
SYSCALL(165, mount, sys_mount);

static long sys_umount2(const char *target, int flags)
{
	char *dir;
	int err = copy_str(target, PATH_MAX, &dir);

	if (err)
		return err;
	if (!dir)
		return -EFAULT;
	err = fs_umount(dir, flags);
	kfree(dir);
	return err;
}
SYSCALL(166, umount2, sys_umount2);
