/*
 * Copies between OpenZFS and the program's memory (Solaris's copyin,
 * copyout, copyinstr and the ioctl forms ddi_copyin and ddi_copyout):
 * what /dev/zfs ioctls pass (the zfs_cmd_t, packed nvlists, history
 * strings, buffers for errors and stream progress).
 *
 * The program runs in the kernel's address space; a copy goes through the
 * checked routines (linux/uaccess.h), once the Linux layer's user_ok()
 * has found the whole range mapped for the program (readable, or
 * writable for a copy out), which also brings in pages of files mapped
 * there, so that no copy has to read a file. A bad pointer, or memory
 * unmapped meanwhile by another thread, is EFAULT, never a fault in the
 * kernel. The ioctl worker runs on a kernel thread of its own
 * (os/zfs_ioctl_os.c); the program's memory is its process's, which is
 * the one process, whichever thread asks.
 *
 * This file sees the kernel's headers only (no Solaris macros).
 */
#include "linux/linux.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define FKIOCTL		0x80000000	/* sys/file.h: a kernel-made ioctl */

int xcopyin(const void *from, void *to, size_t len);
int xcopyout(const void *from, void *to, size_t len);
int copyinstr(const void *from, void *to, size_t len, size_t *done);
int ddi_copyin(const void *from, void *to, size_t len, int flags);
int ddi_copyout(const void *from, void *to, size_t len, int flags);

int
xcopyin(const void *from, void *to, size_t len)
{
	if (!user_ok(from, len, false) || copy_from_user(to, from, len) != 0)
		return (EFAULT);
	return (0);
}

int
xcopyout(const void *from, void *to, size_t len)
{
	if (!user_ok(to, len, true) || copy_to_user(to, from, len) != 0)
		return (EFAULT);
	return (0);
}

/*
 * A string of at most len bytes with its NUL: ENAMETOOLONG when none
 * comes within len, EFAULT when the string runs into unmapped memory.
 * done (if not NULL) gets the bytes copied, NUL included.
 */
int
copyinstr(const void *from, void *to, size_t len, size_t *done)
{
	long n = len > 0 ? strncpy_from_user(to, from, len) : -ENAMETOOLONG;

	if (n == -ENAMETOOLONG)
		return (ENAMETOOLONG);
	if (n < 0)
		return (EFAULT);
	if (done != NULL)
		*done = (size_t)n + 1;
	return (0);
}

int
ddi_copyin(const void *from, void *to, size_t len, int flags)
{
	if (flags & FKIOCTL) {
		memcpy(to, from, len);
		return (0);
	}
	return (xcopyin(from, to, len));
}

int
ddi_copyout(const void *from, void *to, size_t len, int flags)
{
	if (flags & FKIOCTL) {
		memcpy(to, from, len);
		return (0);
	}
	return (xcopyout(from, to, len));
}
