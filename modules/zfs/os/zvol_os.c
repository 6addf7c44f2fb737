/*
 * Volumes (zvols) as block devices: the platform part under OpenZFS's
 * common zvol.c, which calls these ops to make, rename and remove the
 * device of each volume and to change its size and read-only state.
 *
 * - Each volume (not its snapshots, unless snapdev=visible; none with
 *   volmode=none) is /dev/zdN, a block device numbered 230:N as Linux's
 *   zvol driver numbers them: N is 16 times the lowest free index, so
 *   zd0, zd16, zd32, ... And /dev/zvol/POOL/NAME, a symbolic link to it
 *   ("../../zd0"), which udev makes on Linux. Both are devfs nodes
 *   (kernel/fs/devfs/devfs.h), made when common code asks for the device
 *   (`zfs create -V`, pool import, receive, clone), the link moved at a
 *   rename, both removed with the volume's state (destroy, export); an
 *   open device is left alone there, as on Linux (destroy and export
 *   then fail with EBUSY in common code).
 * - Common code changes devices from a pool's zvol task queue, after the
 *   command that asked has returned; on Linux `udevadm settle` waits for
 *   them. Here /dev/zfs's ioctl waits for that queue before it returns
 *   (zvol_os_settle), so the next program sees the devices the command
 *   changed.
 * - The files: read, write, pread, pwrite at any offset and length (the
 *   DMU reads and writes partial blocks), over the volume's dnode with
 *   the range lock, as Linux's zvol_read and zvol_write do with a bio;
 *   past the end a read is short (0 at the end) and a write is short or
 *   ENOSPC, as on a Linux block device. A write is in the intent log
 *   (zvol_log_write), committed at fsync (zil_commit), or at once with
 *   sync=always; readonly=on, a snapshot or a read-only pool refuses
 *   writes with EROFS (opening for writing, as Linux's zvol_open). lseek
 *   sees the volume's size (past it: EINVAL, as Linux's block devices),
 *   SEEK_DATA/SEEK_HOLE call it all data. The block ioctls answer from
 *   the volume (BLKGETSIZE64, BLKGETSIZE, BLKSSZGET 512, BLKPBSZGET,
 *   BLKIOMIN and BLKIOOPT the volblocksize, BLKROGET, BLKFLSBUF waits for
 *   the txg, BLKDISCARD frees whole blocks, BLKZNAME the dataset name).
 * - Locks are Linux's: an open finds the volume by device number in
 *   zvol_state_list under zvol_state_lock (a volume being removed is
 *   already off the list: ENXIO), the first open owns the objset
 *   (zvol_first_open, under zv_suspend_lock and the namespace lock,
 *   tried, never waited for while other locks are held); I/O holds
 *   zv_suspend_lock as reader, so zfs rollback and receive suspend it.
 */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/spa_impl.h>
#include <sys/dmu.h>
#include <sys/dmu_tx.h>
#include <sys/dmu_objset.h>
#include <sys/dnode.h>
#include <sys/dsl_prop.h>
#include <sys/dataset_kstats.h>
#include <sys/zap.h>
#include <sys/zfs_rlock.h>
#include <sys/zil.h>
#include <sys/zil_impl.h>
#include <sys/zvol.h>
#include <sys/zvol_impl.h>
#include <sys/fs/zfs.h>
#include "zpl_osprey.h"
#include "osprey_vfs.h"
#include "fs/devfs/devfs.h"
#include <errno.h>

long uaccess_copy(void *dst, const void *src, size_t n);	/* kernel/arch.h */

#define	ZVOL_MAX_DEVICES	4096	/* volumes with a device at once */
#define	ZVOL_OPEN_TIMEOUT_MS	1000	/* waiting for the namespace lock */

/* Linux's block-device ioctls (include/uapi/linux/fs.h). */
#define	BLKROGET	0x125e
#define	BLKGETSIZE	0x1260
#define	BLKFLSBUF	0x1261
#define	BLKSSZGET	0x1268
#define	BLKDISCARD	0x1277
#define	BLKIOMIN	0x1278
#define	BLKIOOPT	0x1279
#define	BLKALIGNOFF	0x127a
#define	BLKPBSZGET	0x127b
#define	BLKDISCARDZEROES 0x127c
#define	BLKSECDISCARD	0x127d
#define	BLKGETSIZE64	0x80081272
/* _IOR(0x12, 125, char[ZFS_MAX_DATASET_NAME_LEN]), sys/fs/zfs.h's */
#define	ZVOL_BLKZNAME	(0x80000000u | ZFS_MAX_DATASET_NAME_LEN << 16 | \
	0x12 << 8 | 125)

struct zvol_state_os {
	unsigned	zso_index;	/* minor / 16 */
	uint64_t	zso_rdev;	/* devfs_makedev(230, minor) */
	uint64_t	zso_capacity;	/* 512-byte sectors (set_capacity) */
	boolean_t	zso_ro;		/* the disk's read-only flag */
	char		zso_node[16];	/* "zd0" */
	char		*zso_link;	/* "zvol/tank/vol", NULL if none */
};

/* The device indices in use, under zvol_index_lock. */
static uint8_t zvol_index_used[ZVOL_MAX_DEVICES / 8];
static kmutex_t zvol_index_lock;

static int
zvol_index_alloc(unsigned *index)
{
	int error = SET_ERROR(ENOSPC);

	mutex_enter(&zvol_index_lock);
	for (unsigned i = 0; i < ZVOL_MAX_DEVICES; i++) {
		if (!(zvol_index_used[i / 8] & (1 << (i % 8)))) {
			zvol_index_used[i / 8] |= 1 << (i % 8);
			*index = i;
			error = 0;
			break;
		}
	}
	mutex_exit(&zvol_index_lock);
	return (error);
}

static void
zvol_index_free(unsigned index)
{
	mutex_enter(&zvol_index_lock);
	zvol_index_used[index / 8] &= ~(1 << (index % 8));
	mutex_exit(&zvol_index_lock);
}

/* ---- the device nodes ---- */

/* /dev/zvol/NAME -> ../../zdN (one "../" per directory above it). */
static int
zvol_link_add(zvol_state_t *zv)
{
	struct zvol_state_os *zso = zv->zv_zso;
	char *path = kmem_asprintf("zvol/%s", zv->zv_name);
	size_t depth = 0, tlen;

	for (const char *p = path; *p != '\0'; p++)
		depth += *p == '/';
	tlen = depth * 3 + strlen(zso->zso_node) + 1;
	char *target = kmem_alloc(tlen, KM_SLEEP);
	for (size_t i = 0; i < depth; i++)
		memcpy(target + i * 3, "../", 3);
	strlcpy(target + depth * 3, zso->zso_node, tlen - depth * 3);
	int err = devfs_add_symlink(path, target);
	kmem_free(target, tlen);
	if (err != 0) {
		kmem_strfree(path);
		return (-err);
	}
	zso->zso_link = path;
	return (0);
}

static void
zvol_link_remove(zvol_state_t *zv)
{
	struct zvol_state_os *zso = zv->zv_zso;

	if (zso->zso_link == NULL)
		return;
	(void) devfs_remove(zso->zso_link);
	kmem_strfree(zso->zso_link);
	zso->zso_link = NULL;
}

static const struct file_ops zvol_fops;
static int zvol_dev_open(struct file *f);

static int
zvol_devices_add(zvol_state_t *zv)
{
	struct zvol_state_os *zso = zv->zv_zso;
	int err = devfs_add_device(zso->zso_node, S_IFBLK | 0660,
	    zso->zso_rdev, &zvol_fops, zvol_dev_open);

	if (err != 0)
		return (-err);
	if ((err = zvol_link_add(zv)) != 0)
		(void) devfs_remove(zso->zso_node);
	return (err);
}

static void
zvol_devices_remove(zvol_state_t *zv)
{
	zvol_link_remove(zv);
	(void) devfs_remove(zv->zv_zso->zso_node);
}

/* ---- opening and closing: Linux's zvol_open and zvol_release ---- */

/* The volume numbered rdev, its zv_state_lock held; NULL if none. */
static zvol_state_t *
zvol_find_by_rdev(uint64_t rdev)
{
	ASSERT(RW_LOCK_HELD(&zvol_state_lock));
	for (zvol_state_t *zv = list_head(&zvol_state_list); zv != NULL;
	    zv = list_next(&zvol_state_list, zv)) {
		if (zv->zv_zso->zso_rdev == rdev) {
			mutex_enter(&zv->zv_state_lock);
			return (zv);
		}
	}
	return (NULL);
}

/*
 * Takes zv_suspend_lock as reader for a first open or last close (when
 * the open count is `count`), in its order before zv_state_lock, which
 * the caller holds and holds again on return. True if taken.
 */
static boolean_t
zvol_suspend_enter(zvol_state_t *zv, uint32_t count)
{
	if (zv->zv_open_count != count)
		return (B_FALSE);
	if (rw_tryenter(&zv->zv_suspend_lock, RW_READER))
		return (B_TRUE);
	mutex_exit(&zv->zv_state_lock);
	rw_enter(&zv->zv_suspend_lock, RW_READER);
	mutex_enter(&zv->zv_state_lock);
	if (zv->zv_open_count == count)
		return (B_TRUE);
	rw_exit(&zv->zv_suspend_lock);
	return (B_FALSE);
}

static int
zvol_dev_open(struct file *f)
{
	boolean_t write = (f->flags & O_ACCMODE) != O_RDONLY;
	hrtime_t deadline = gethrtime() + MSEC2NSEC(ZVOL_OPEN_TIMEOUT_MS);
	zvol_state_t *zv;
	int error = 0;

retry:
	rw_enter(&zvol_state_lock, RW_READER);
	if ((zv = zvol_find_by_rdev(f->vn->rdev)) == NULL) {
		rw_exit(&zvol_state_lock);
		return (-ENXIO);
	}
	boolean_t drop_suspend = zvol_suspend_enter(zv, 0);
	rw_exit(&zvol_state_lock);

	if (zv->zv_open_count == 0) {
		/*
		 * zvol_first_open needs the namespace lock, which pool
		 * export holds while it waits for the zvol task that
		 * removes this device (and wants zv_state_lock): tried,
		 * with every lock let go between tries.
		 */
		boolean_t drop_namespace = B_FALSE;
		if (!mutex_owned(&spa_namespace_lock)) {
			if (!mutex_tryenter(&spa_namespace_lock)) {
				mutex_exit(&zv->zv_state_lock);
				if (drop_suspend)
					rw_exit(&zv->zv_suspend_lock);
				if (gethrtime() > deadline)
					return (-EBUSY);
				delay(MSEC_TO_TICK(10));
				goto retry;
			}
			drop_namespace = B_TRUE;
		}
		error = zvol_first_open(zv, !write);
		if (drop_namespace)
			mutex_exit(&spa_namespace_lock);
	}
	if (error == 0) {
		if (write && (zv->zv_flags & ZVOL_RDONLY)) {
			if (zv->zv_open_count == 0)
				zvol_last_close(zv);
			error = SET_ERROR(EROFS);
		} else {
			zv->zv_open_count++;
		}
	}
	mutex_exit(&zv->zv_state_lock);
	if (drop_suspend)
		rw_exit(&zv->zv_suspend_lock);
	if (error == 0)
		f->priv = zv;
	return (-error);
}

static void
zvol_dev_release(struct file *f)
{
	zvol_state_t *zv = f->priv;

	rw_enter(&zvol_state_lock, RW_READER);
	mutex_enter(&zv->zv_state_lock);
	ASSERT3U(zv->zv_open_count, >, 0);
	boolean_t drop_suspend = zvol_suspend_enter(zv, 1);
	rw_exit(&zvol_state_lock);

	if (--zv->zv_open_count == 0) {
		ASSERT(RW_READ_HELD(&zv->zv_suspend_lock));
		zvol_last_close(zv);
	}
	mutex_exit(&zv->zv_state_lock);
	if (drop_suspend)
		rw_exit(&zv->zv_suspend_lock);
}

/* ---- reading and writing: Linux's zvol_read and zvol_write ---- */

/*
 * Both directions begin alike: the suspend lock as reader (a rollback or
 * receive waits for the I/O), the volume still bound to its dnode, its
 * size read under the lock. 0 with the lock held, or -EIO without it.
 */
static int
zvol_io_enter(zvol_state_t *zv, uint64_t *volsize)
{
	rw_enter(&zv->zv_suspend_lock, RW_READER);
	if (zv->zv_dn == NULL) {	/* a resume after rollback failed */
		rw_exit(&zv->zv_suspend_lock);
		return (-EIO);
	}
	*volsize = zv->zv_volsize;
	return (0);
}

static long
zvol_dev_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	zvol_state_t *zv = f->priv;
	struct iovec iov;
	zfs_uio_t uio;
	int error = 0;

	uint64_t volsize, off = *pos;

	if (*pos < 0)
		return (-EINVAL);
	if ((error = zvol_io_enter(zv, &volsize)) != 0)
		return (error);
	if (off >= volsize || len == 0) {
		rw_exit(&zv->zv_suspend_lock);
		return (0);
	}
	len = MIN(len, volsize - off);
	zfs_uio_init_buf(&uio, &iov, buf, len, off, UIO_USERSPACE);
	zfs_locked_range_t *lr = zfs_rangelock_enter(&zv->zv_rangelock,
	    off, len, RL_READER);
	while (uio.uio_resid > 0) {
		uint64_t bytes = MIN(uio.uio_resid, DMU_MAX_ACCESS >> 1);
		error = dmu_read_uio_dnode(zv->zv_dn, &uio, bytes);
		if (error != 0) {
			if (error == ECKSUM)	/* as Linux: EIO */
				error = SET_ERROR(EIO);
			break;
		}
	}
	zfs_rangelock_exit(lr);
	size_t done = len - uio.uio_resid;
	dataset_kstats_update_read_kstats(&zv->zv_kstat, done);
	rw_exit(&zv->zv_suspend_lock);
	if (done == 0 && error != 0)
		return (-error);
	*pos += done;
	return ((long)done);
}

/* The intent log, opened at the first write (zv_suspend_lock as reader
 * held, and held again on return). */
static void
zvol_zil_ensure(zvol_state_t *zv)
{
	if (zv->zv_zilog != NULL)
		return;
	rw_exit(&zv->zv_suspend_lock);
	rw_enter(&zv->zv_suspend_lock, RW_WRITER);
	if (zv->zv_zilog == NULL) {
		zv->zv_zilog = zil_open(zv->zv_objset, zvol_get_data);
		zv->zv_flags |= ZVOL_WRITTEN_TO;
		/* replayed (or destroyed) when the device was made */
		VERIFY0(zv->zv_zilog->zl_header->zh_flags & ZIL_REPLAY_NEEDED);
	}
	rw_downgrade(&zv->zv_suspend_lock);
}

static long
zvol_dev_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	zvol_state_t *zv = f->priv;
	struct iovec iov;
	zfs_uio_t uio;
	int error = 0;
	uint64_t volsize, off = *pos;

	if (*pos < 0)
		return (-EINVAL);
	if (zv->zv_flags & ZVOL_RDONLY)
		return (-EROFS);
	if (len == 0)
		return (0);
	if ((error = zvol_io_enter(zv, &volsize)) != 0)
		return (error);
	if (off >= volsize) {		/* as Linux's block devices */
		rw_exit(&zv->zv_suspend_lock);
		return (-ENOSPC);
	}
	zvol_zil_ensure(zv);
	len = MIN(len, volsize - off);
	boolean_t sync = zv->zv_objset->os_sync == ZFS_SYNC_ALWAYS;
	zfs_uio_init_buf(&uio, &iov, (void *)buf, len, off, UIO_USERSPACE);
	zfs_locked_range_t *lr = zfs_rangelock_enter(&zv->zv_rangelock,
	    off, len, RL_WRITER);
	while (uio.uio_resid > 0) {
		uint64_t bytes = MIN(uio.uio_resid, DMU_MAX_ACCESS >> 1);
		uint64_t at = uio.uio_loffset;
		dmu_tx_t *tx = dmu_tx_create(zv->zv_objset);

		dmu_tx_hold_write_by_dnode(tx, zv->zv_dn, at, bytes);
		if ((error = dmu_tx_assign(tx, TXG_WAIT)) != 0) {
			dmu_tx_abort(tx);	/* ENOSPC */
			break;
		}
		error = dmu_write_uio_dnode(zv->zv_dn, &uio, bytes, tx);
		if (error == 0)
			zvol_log_write(zv, tx, at, bytes, sync);
		dmu_tx_commit(tx);
		if (error != 0)
			break;
	}
	zfs_rangelock_exit(lr);
	size_t done = len - uio.uio_resid;
	dataset_kstats_update_write_kstats(&zv->zv_kstat, done);
	if (sync && done > 0)
		zil_commit(zv->zv_zilog, ZVOL_OBJ);
	rw_exit(&zv->zv_suspend_lock);
	if (done == 0 && error != 0)
		return (-error);
	*pos += done;
	return ((long)done);
}

/* fsync and a flush: what the intent log holds reaches the pool. */
static int
zvol_dev_fsync(struct file *f, bool datasync)
{
	zvol_state_t *zv = f->priv;

	rw_enter(&zv->zv_suspend_lock, RW_READER);
	if (zv->zv_zilog != NULL)
		zil_commit(zv->zv_zilog, ZVOL_OBJ);
	rw_exit(&zv->zv_suspend_lock);
	return (0);
}

static int64_t
zvol_dev_llseek(struct file *f, int64_t off, int whence)
{
	zvol_state_t *zv = f->priv;
	int64_t size = (int64_t)zv->zv_volsize, at;

	switch (whence) {
	case SEEK_SET:
		at = off;
		break;
	case SEEK_CUR:
		at = f->pos + off;
		break;
	case SEEK_END:
		at = size + off;
		break;
	case SEEK_DATA:		/* all of it is data */
		if (off < 0 || off >= size)
			return (-ENXIO);
		at = off;
		break;
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return (-ENXIO);
		at = size;
		break;
	default:
		return (-EINVAL);
	}
	if (at < 0 || at > size)
		return (-EINVAL);
	f->pos = at;
	return (at);
}

/*
 * BLKDISCARD: the range (bytes, in 512s, inside the device: else EINVAL,
 * as Linux's block layer checks) is freed, whole volume blocks only, as
 * Linux's zvol_discard (freeing part of a block would only write zeros
 * to it); logged as TX_TRUNCATE.
 */
static int
zvol_dev_discard(struct file *f, zvol_state_t *zv, unsigned long arg)
{
	uint64_t range[2], start, end;
	int error = 0;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return (-EBADF);
	if (uaccess_copy(range, (const void *)arg, sizeof (range)))
		return (-EFAULT);
	start = range[0];
	end = start + range[1];
	if (((start | range[1]) & (SPA_MINBLOCKSIZE - 1)) || end < start ||
	    end > (atomic_load_64(&zv->zv_zso->zso_capacity) <<
	    SPA_MINBLOCKSHIFT))
		return (-EINVAL);
	if (zv->zv_flags & ZVOL_RDONLY)
		return (-EROFS);
	rw_enter(&zv->zv_suspend_lock, RW_READER);
	if (zv->zv_dn == NULL) {
		rw_exit(&zv->zv_suspend_lock);
		return (-EIO);
	}
	zvol_zil_ensure(zv);
	start = P2ROUNDUP(start, zv->zv_volblocksize);
	end = P2ALIGN(end, zv->zv_volblocksize);
	if (start < end) {
		boolean_t sync = zv->zv_objset->os_sync == ZFS_SYNC_ALWAYS;
		zfs_locked_range_t *lr = zfs_rangelock_enter(
		    &zv->zv_rangelock, start, end - start, RL_WRITER);
		dmu_tx_t *tx = dmu_tx_create(zv->zv_objset);

		dmu_tx_mark_netfree(tx);
		if ((error = dmu_tx_assign(tx, TXG_WAIT)) != 0) {
			dmu_tx_abort(tx);
		} else {
			zvol_log_truncate(zv, tx, start, end - start, B_TRUE);
			dmu_tx_commit(tx);
			error = dmu_free_long_range(zv->zv_objset, ZVOL_OBJ,
			    start, end - start);
		}
		zfs_rangelock_exit(lr);
		if (error == 0 && sync)
			zil_commit(zv->zv_zilog, ZVOL_OBJ);
	}
	rw_exit(&zv->zv_suspend_lock);
	return (-error);
}

static int
zvol_ioctl_out(unsigned long arg, const void *v, size_t n)
{
	return (uaccess_copy((void *)arg, v, n) ? -EFAULT : 0);
}

static int
zvol_ioctl_int(unsigned long arg, int v)
{
	return (zvol_ioctl_out(arg, &v, sizeof (v)));
}

static int
zvol_dev_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	zvol_state_t *zv = f->priv;
	struct zvol_state_os *zso = zv->zv_zso;
	uint64_t sectors = atomic_load_64(&zso->zso_capacity);

	switch (cmd) {
	case BLKGETSIZE64: {
		uint64_t bytes = sectors << SPA_MINBLOCKSHIFT;
		return (zvol_ioctl_out(arg, &bytes, sizeof (bytes)));
	}
	case BLKGETSIZE: {
		unsigned long n = sectors;
		return (zvol_ioctl_out(arg, &n, sizeof (n)));
	}
	case BLKSSZGET:		/* Linux's zvol keeps the 512-byte default */
		return (zvol_ioctl_int(arg, SPA_MINBLOCKSIZE));
	case BLKPBSZGET:
	case BLKIOMIN:
	case BLKIOOPT:
		return (zvol_ioctl_int(arg, (int)zv->zv_volblocksize));
	case BLKALIGNOFF:
	case BLKDISCARDZEROES:
		return (zvol_ioctl_int(arg, 0));
	case BLKROGET:
		return (zvol_ioctl_int(arg, zso->zso_ro));
	case BLKFLSBUF:		/* no buffer cache: the open txg is synced */
		rw_enter(&zv->zv_suspend_lock, RW_READER);
		if (!(zv->zv_flags & ZVOL_RDONLY) && zv->zv_objset != NULL)
			txg_wait_synced(dmu_objset_pool(zv->zv_objset), 0);
		rw_exit(&zv->zv_suspend_lock);
		return (0);
	case BLKDISCARD:
		return (zvol_dev_discard(f, zv, arg));
	case BLKSECDISCARD:	/* Linux's zvol offers no secure erase */
		return (-EOPNOTSUPP);
	case ZVOL_BLKZNAME: {
		char name[ZFS_MAX_DATASET_NAME_LEN] = { 0 };
		mutex_enter(&zv->zv_state_lock);
		strlcpy(name, zv->zv_name, sizeof (name));
		mutex_exit(&zv->zv_state_lock);
		return (zvol_ioctl_out(arg, name, sizeof (name)));
	}
	}
	return (-ENOTTY);
}

static const struct file_ops zvol_fops = {
	.read = zvol_dev_read,
	.write = zvol_dev_write,
	.llseek = zvol_dev_llseek,
	.ioctl = zvol_dev_ioctl,
	.fsync = zvol_dev_fsync,
	.release = zvol_dev_release,
};

/* ---- the platform ops common zvol.c calls ---- */

static zvol_state_t *
zvol_alloc(const char *name, unsigned index)
{
	zvol_state_t *zv = kmem_zalloc(sizeof (zvol_state_t), KM_SLEEP);
	struct zvol_state_os *zso = kmem_zalloc(sizeof (*zso), KM_SLEEP);

	zv->zv_zso = zso;
	zso->zso_index = index;
	zso->zso_rdev = devfs_makedev(ZVOL_MAJOR, index << ZVOL_MINOR_BITS);
	(void) snprintf(zso->zso_node, sizeof (zso->zso_node), "zd%u",
	    index << ZVOL_MINOR_BITS);
	list_link_init(&zv->zv_next);
	mutex_init(&zv->zv_state_lock, NULL, MUTEX_DEFAULT, NULL);
	rw_init(&zv->zv_suspend_lock, NULL, RW_DEFAULT, NULL);
	zfs_rangelock_init(&zv->zv_rangelock, NULL, NULL);
	strlcpy(zv->zv_name, name, sizeof (zv->zv_name));
	zv->zv_hash = zvol_name_hash(name);
	return (zv);
}

/* The state's memory; its devices are gone (zvol_os_clear_private). */
static void
zvol_os_free(zvol_state_t *zv)
{
	ASSERT0(zv->zv_open_count);
	ASSERT3P(zv->zv_zso->zso_link, ==, NULL);
	zfs_rangelock_fini(&zv->zv_rangelock);
	rw_destroy(&zv->zv_suspend_lock);
	mutex_destroy(&zv->zv_state_lock);
	dataset_kstats_destroy(&zv->zv_kstat);
	zvol_index_free(zv->zv_zso->zso_index);
	kmem_free(zv->zv_zso, sizeof (struct zvol_state_os));
	kmem_free(zv, sizeof (zvol_state_t));
}

/*
 * A volume's device: its state (with the intent log replayed, as Linux
 * does before the device is announced), then its nodes. 0 without a
 * device for volmode=none.
 */
static int
zvol_os_create_minor(const char *name)
{
	dmu_object_info_t *doi;
	uint64_t volsize, volmode;
	objset_t *os;
	unsigned index;
	int error;

	if (zvol_inhibit_dev)
		return (0);
	zvol_state_t *zv = zvol_find_by_name_hash(name, zvol_name_hash(name),
	    RW_NONE);
	if (zv != NULL) {
		mutex_exit(&zv->zv_state_lock);
		return (SET_ERROR(EEXIST));
	}
	if ((error = dsl_prop_get_integer(name, "volmode", &volmode,
	    NULL)) != 0)
		return (SET_ERROR(error));
	if (volmode == ZFS_VOLMODE_DEFAULT)
		volmode = zvol_volmode;
	if (volmode == ZFS_VOLMODE_NONE)
		return (0);
	if ((error = zvol_index_alloc(&index)) != 0)
		return (error);

	doi = kmem_alloc(sizeof (*doi), KM_SLEEP);
	error = dmu_objset_own(name, DMU_OST_ZVOL, B_TRUE, B_TRUE, FTAG, &os);
	if (error != 0) {
		zvol_index_free(index);
		goto out_doi;
	}
	if ((error = dmu_object_info(os, ZVOL_OBJ, doi)) != 0 ||
	    (error = zap_lookup(os, ZVOL_ZAP_OBJ, "size", 8, 1,
	    &volsize)) != 0) {
		zvol_index_free(index);
		goto out_disown;
	}
	zv = zvol_alloc(name, index);
	zv->zv_volmode = volmode;
	if (dmu_objset_is_snapshot(os))
		zv->zv_flags |= ZVOL_RDONLY;
	zv->zv_volblocksize = doi->doi_data_block_size;
	zv->zv_volsize = volsize;
	zv->zv_objset = os;
	zv->zv_zso->zso_capacity = volsize >> SPA_MINBLOCKSHIFT;

	zv->zv_zilog = zil_open(os, zvol_get_data);
	if (spa_writeable(dmu_objset_spa(os))) {
		if (zil_replay_disable)
			zil_destroy(zv->zv_zilog, B_FALSE);
		else
			zil_replay(os, zv, zvol_replay_vector);
	}
	zil_close(zv->zv_zilog);
	zv->zv_zilog = NULL;
	dataset_kstats_create(&zv->zv_kstat, os);
	zv->zv_objset = NULL;
out_disown:
	dmu_objset_disown(os, B_TRUE, FTAG);
out_doi:
	kmem_free(doi, sizeof (*doi));
	if (error != 0)
		return (SET_ERROR(error));

	rw_enter(&zvol_state_lock, RW_WRITER);
	zvol_insert(zv);
	rw_exit(&zvol_state_lock);
	if ((error = zvol_devices_add(zv)) != 0) {
		cmn_err(CE_WARN, "zvol: no device for %s (error %d)", name,
		    error);
		rw_enter(&zvol_state_lock, RW_WRITER);
		mutex_enter(&zv->zv_state_lock);
		boolean_t unused = zv->zv_open_count == 0;
		if (unused) {
			list_remove(&zvol_state_list, zv);
			hlist_del(&zv->zv_hlink);
		}
		mutex_exit(&zv->zv_state_lock);
		rw_exit(&zvol_state_lock);
		if (unused)
			zvol_os_free(zv);
	}
	return (SET_ERROR(error));
}

/*
 * The volume was renamed (zvol_state_lock and zv_state_lock held): its
 * name and hash as Linux's, and the link moves; the device node stays.
 */
static void
zvol_os_rename_minor(zvol_state_t *zv, const char *newname)
{
	ASSERT(RW_LOCK_HELD(&zvol_state_lock));
	ASSERT(MUTEX_HELD(&zv->zv_state_lock));

	strlcpy(zv->zv_name, newname, sizeof (zv->zv_name));
	zv->zv_hash = zvol_name_hash(zv->zv_name);
	hlist_del(&zv->zv_hlink);
	hlist_add_head(&zv->zv_hlink, ZVOL_HT_HEAD(zv->zv_hash));

	zvol_link_remove(zv);
	int err = zvol_link_add(zv);
	if (err != 0)
		cmn_err(CE_WARN, "zvol: no /dev/zvol/%s link (error %d)",
		    newname, err);
}

/* The new size is in zv_volsize already; the device's follows. */
static int
zvol_os_update_volsize(zvol_state_t *zv, uint64_t volsize)
{
	atomic_store_64(&zv->zv_zso->zso_capacity,
	    volsize >> SPA_MINBLOCKSHIFT);
	return (0);
}

/*
 * The volume is off zvol_state_list (zvol_state_lock held as writer, so
 * no open can find it now): its nodes go at once, so that a volume made
 * again under the same name gets its link, before zv_free runs (maybe
 * later, on a task queue).
 */
static void
zvol_os_clear_private(zvol_state_t *zv)
{
	ASSERT(RW_WRITE_HELD(&zvol_state_lock));
	zvol_devices_remove(zv);
}

static void
zvol_os_set_disk_ro(zvol_state_t *zv, int flags)
{
	zv->zv_zso->zso_ro = flags != 0;
}

static void
zvol_os_set_capacity(zvol_state_t *zv, uint64_t capacity)
{
	atomic_store_64(&zv->zv_zso->zso_capacity, capacity);
}

/*
 * vdev.c asks whether a vdev path names a volume, to avoid opening a pool
 * on its own volume in the same thread: a block device numbered as ours,
 * through any link. The path may be NULL (interior vdevs have none).
 */
static boolean_t
zvol_os_is_zvol(const char *path)
{
	struct osprey_vattr va;

	if (path == NULL || vfs_statat(NULL, path, &va, 0) != 0)
		return (B_FALSE);
	return ((va.mode & S_IFMT) == S_IFBLK &&
	    ((va.rdev >> 8) & 0xfff) == ZVOL_MAJOR);
}

/* Common code may wait here for a volume's device to be closed: Linux's
 * does not wait either (an open device keeps its state, see above). */
void
zvol_wait_close(zvol_state_t *zv)
{
}

/*
 * After a /dev/zfs command: waits until the device changes it queued for
 * the pool its name starts with (removals, renames) are done, as
 * `udevadm settle` after a command on Linux. The pool is held open
 * meanwhile, so its queue stays.
 */
void
zvol_os_settle(const char *name)
{
	char pool[ZFS_MAX_DATASET_NAME_LEN];
	size_t len = strnlen(name, sizeof (pool) - 1);
	spa_t *spa;

	if (len == 0)
		return;
	memcpy(pool, name, len);	/* spa_lookup ends it at '/' or '@' */
	pool[len] = '\0';
	mutex_enter(&spa_namespace_lock);
	if ((spa = spa_lookup(pool)) != NULL)
		spa_open_ref(spa, FTAG);
	mutex_exit(&spa_namespace_lock);
	if (spa == NULL)
		return;
	if (spa->spa_zvol_taskq != NULL)
		taskq_wait(spa->spa_zvol_taskq);
	spa_close(spa, FTAG);
}

static const zvol_platform_ops_t zvol_osprey_ops = {
	.zv_free = zvol_os_free,
	.zv_rename_minor = zvol_os_rename_minor,
	.zv_create_minor = zvol_os_create_minor,
	.zv_update_volsize = zvol_os_update_volsize,
	.zv_is_zvol = zvol_os_is_zvol,
	.zv_clear_private = zvol_os_clear_private,
	.zv_set_disk_ro = zvol_os_set_disk_ro,
	.zv_set_capacity = zvol_os_set_capacity,
};

int
zvol_init(void)
{
	int error = zvol_init_impl();

	if (error == 0) {
		mutex_init(&zvol_index_lock, NULL, MUTEX_DEFAULT, NULL);
		zvol_register_ops(&zvol_osprey_ops);
	}
	return (error);
}

void
zvol_fini(void)
{
	zvol_fini_impl();
	mutex_destroy(&zvol_index_lock);
}
