/*
 * zfs_file_*: the files OpenZFS opens itself (the pool cache file
 * /etc/zfs/zpool.cache, file vdevs, zfs send and receive streams), on the
 * Osprey VFS. A zfs_file_t is an Osprey struct file.
 *
 * OpenZFS wants positive errno values; the VFS returns negative ones.
 */
#include <sys/zfs_context.h>
#include <sys/zfs_file.h>
#include "fs/vfs.h"
#include "linux/sys_fs.h"

/*
 * Linux adds O_EXCL to a plain O_WRONLY open to claim a block device
 * exclusively; the VFS has no such claim, so flags pass through as given.
 * The VFS applies no umask, so mode is used as it is.
 */
int
zfs_file_open(const char *path, int flags, int mode, zfs_file_t **fpp)
{
	struct file *f;
	int err = vfs_open(path, flags, (uint32_t)mode, &f);

	if (err < 0)
		return (-err);
	*fpp = f;
	return (0);
}

void
zfs_file_close(zfs_file_t *fp)
{
	file_rele(fp);
}

/* One transfer; at_pos uses and advances the file position. */
static long
zfs_file_io1(zfs_file_t *fp, char *buf, size_t len, loff_t off,
    boolean_t write, boolean_t at_pos)
{
	if (at_pos)
		return (write ? vfs_write(fp, buf, len) : vfs_read(fp, buf, len));
	return (write ? vfs_pwrite(fp, buf, len, off) :
	    vfs_pread(fp, buf, len, off));
}

/*
 * Transfers len bytes, going on after short transfers (a pipe hands over
 * what it has) until the file ends or fails. An error after some bytes
 * moved ends the transfer short, as read(2) would. With resid NULL the
 * caller wants everything: a short transfer is EIO.
 */
static int
zfs_file_io(zfs_file_t *fp, void *buf, size_t len, loff_t off,
    boolean_t write, boolean_t at_pos, ssize_t *resid)
{
	size_t done = 0;

	while (done < len) {
		long n = zfs_file_io1(fp, (char *)buf + done, len - done,
		    off + (loff_t)done, write, at_pos);
		if (n < 0 && done == 0)
			return ((int)-n);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (resid != NULL)
		*resid = (ssize_t)(len - done);
	else if (done != len)
		return (SET_ERROR(EIO));
	return (0);
}

int
zfs_file_write(zfs_file_t *fp, const void *buf, size_t len, ssize_t *resid)
{
	return (zfs_file_io(fp, (void *)buf, len, 0, B_TRUE, B_TRUE, resid));
}

int
zfs_file_pwrite(zfs_file_t *fp, const void *buf, size_t len, loff_t off,
    ssize_t *resid)
{
	return (zfs_file_io(fp, (void *)buf, len, off, B_TRUE, B_FALSE, resid));
}

int
zfs_file_read(zfs_file_t *fp, void *buf, size_t len, ssize_t *resid)
{
	return (zfs_file_io(fp, buf, len, 0, B_FALSE, B_TRUE, resid));
}

int
zfs_file_pread(zfs_file_t *fp, void *buf, size_t len, loff_t off,
    ssize_t *resid)
{
	return (zfs_file_io(fp, buf, len, off, B_FALSE, B_FALSE, resid));
}

/* Linux refuses negative offsets here even for SEEK_CUR; so do we. */
int
zfs_file_seek(zfs_file_t *fp, loff_t *offp, int whence)
{
	int64_t pos;

	if (*offp < 0)
		return (SET_ERROR(EINVAL));
	pos = vfs_lseek(fp, *offp, whence);
	if (pos < 0)
		return ((int)-pos);
	*offp = pos;
	return (0);
}

int
zfs_file_getattr(zfs_file_t *fp, zfs_file_attr_t *zfattr)
{
	struct vattr va;
	int err = vfs_fstat(fp, &va);

	if (err < 0)
		return (-err);
	zfattr->zfa_size = (uint64_t)va.size;
	zfattr->zfa_mode = va.mode;
	return (0);
}

/*
 * O_SYNC includes O_DSYNC's bit: only O_DSYNC alone asks for a data-only
 * sync.
 */
int
zfs_file_fsync(zfs_file_t *fp, int flags)
{
	boolean_t datasync = (flags & O_SYNC) != O_SYNC &&
	    (flags & O_DSYNC) != 0;

	return (-vfs_fsync(fp, datasync));
}

/*
 * The VFS cannot preallocate or punch holes (file vdevs ask for the
 * latter to TRIM); OpenZFS treats EOPNOTSUPP as "not supported here".
 */
int
zfs_file_fallocate(zfs_file_t *fp, int mode, loff_t offset, loff_t len)
{
	return (SET_ERROR(EOPNOTSUPP));
}

/* An aligned 64-bit load: a racing write cannot tear it. */
loff_t
zfs_file_off(zfs_file_t *fp)
{
	return (fp->pos);
}

void *
zfs_file_private(zfs_file_t *fp)
{
	return (fp->priv);
}

int
zfs_file_unlink(const char *path)
{
	return (-vfs_unlinkat(NULL, path, 0));
}

/*
 * A descriptor an ioctl names (the stream of zfs send and receive, the
 * /dev/zfs file a cleanup descriptor is), in the program's table, held
 * until zfs_file_put. NULL (callers: EBADF) when it is not open.
 */
zfs_file_t *
zfs_file_get(int fd)
{
	struct file *f;

	return (linux_fget(fd, &f) == 0 ? f : NULL);
}

void
zfs_file_put(zfs_file_t *fp)
{
	file_rele(fp);
}
