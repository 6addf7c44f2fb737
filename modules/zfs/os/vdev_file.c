/*
 * The "file" vdev: a leaf vdev whose path names a regular file, reached
 * through zfs_file_* (os/zfs_file_os.c) on the Osprey VFS. Test pools and
 * pools kept in an image file use it.
 *
 * The VFS only offers blocking reads and writes, so each read or write zio
 * is handed to a task queue thread, which does the transfer and gives the
 * zio back to the pipeline. Cache flushes go there too: an fsync can wait
 * on the disk beneath for a long time, and io_start must not block the
 * zio taskq thread that calls it.
 */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/spa_impl.h>
#include <sys/vdev_file.h>
#include <sys/vdev_impl.h>
#include <sys/zio.h>
#include <sys/fs/zfs.h>
#include <sys/abd.h>
#include <sys/fcntl.h>
#include <sys/stat.h>
#include <sys/zfs_file.h>

/*
 * Linux's fallocate mode bits, which zfs_file_fallocate takes as they are
 * (a TRIM punches a hole and keeps the file's size).
 */
#ifndef FALLOC_FL_KEEP_SIZE
#define	FALLOC_FL_KEEP_SIZE	0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define	FALLOC_FL_PUNCH_HOLE	0x02
#endif

/*
 * Threads block in the VFS for the whole transfer; several of them let
 * several requests reach the device beneath at once. Linux uses as many.
 */
#define	VDEV_FILE_THREADS	16

static taskq_t *vdev_file_taskq;

/*
 * The sector sizes a file vdev reports: files can be written at any byte,
 * so the smallest ZFS block (512 bytes) unless a tunable says otherwise
 * (for tests of larger sectors). They fix vdev_ashift when the vdev is
 * created and only matter then.
 */
unsigned long vdev_file_logical_ashift = SPA_MINBLOCKSHIFT;
unsigned long vdev_file_physical_ashift = SPA_MINBLOCKSHIFT;

/*
 * A pool imported read-only is opened read-only all the way down, so no
 * path can write to its files.
 */
static int
vdev_file_open_flags(spa_t *spa)
{
	return ((spa_mode(spa) & SPA_MODE_WRITE) ? O_RDWR : O_RDONLY);
}

static int
vdev_file_open(vdev_t *vd, uint64_t *psize, uint64_t *max_psize,
    uint64_t *logical_ashift, uint64_t *physical_ashift)
{
	vdev_file_t *vf = vd->vdev_tsd;
	zfs_file_attr_t zfa;
	zfs_file_t *fp;
	int error;

	if (vd->vdev_path == NULL || vd->vdev_path[0] != '/') {
		vd->vdev_stat.vs_aux = VDEV_AUX_BAD_LABEL;
		vdev_dbgmsg(vd, "invalid vdev_path");
		return (SET_ERROR(EINVAL));
	}
	if (vdev_file_taskq == NULL) {
		vd->vdev_stat.vs_aux = VDEV_AUX_OPEN_FAILED;
		vdev_dbgmsg(vd, "no I/O threads for file vdevs");
		return (SET_ERROR(ENOMEM));
	}

	/* No seek cost to plan for. */
	vd->vdev_nonrot = B_TRUE;
	/*
	 * TRIM on a file means punching holes, which the VFS cannot do
	 * (zfs_file_fallocate says EOPNOTSUPP); saying so keeps ZFS from
	 * issuing TRIMs that would all fail.
	 */
	vd->vdev_has_trim = B_FALSE;
	vd->vdev_has_securetrim = B_FALSE;

	/*
	 * A reopen (vdev_reopen keeps vdev_tsd across the close) keeps the
	 * open file and only looks at its size again, which may have grown.
	 */
	if (vf != NULL) {
		ASSERT(vd->vdev_reopening);
		goto size;
	}

	error = zfs_file_open(vd->vdev_path,
	    vdev_file_open_flags(vd->vdev_spa), 0, &fp);
	if (error != 0) {
		vd->vdev_stat.vs_aux = VDEV_AUX_OPEN_FAILED;
		vdev_dbgmsg(vd, "open error=%d", error);
		return (error);
	}
	/*
	 * Block devices are "disk" vdevs (vdev_disk.c); anything else that
	 * is not a regular file has no fixed size to put a pool on.
	 */
	error = zfs_file_getattr(fp, &zfa);
	if (error == 0 && !S_ISREG(zfa.zfa_mode))
		error = SET_ERROR(ENODEV);
	if (error != 0) {
		zfs_file_close(fp);
		vd->vdev_stat.vs_aux = VDEV_AUX_OPEN_FAILED;
		vdev_dbgmsg(vd, "not a usable regular file, error=%d", error);
		return (error);
	}
	vf = kmem_zalloc(sizeof (vdev_file_t), KM_SLEEP);
	if (vf == NULL) {
		zfs_file_close(fp);
		return (SET_ERROR(ENOMEM));
	}
	vf->vf_file = fp;
	vd->vdev_tsd = vf;

size:
	error = zfs_file_getattr(vf->vf_file, &zfa);
	if (error != 0) {
		vd->vdev_stat.vs_aux = VDEV_AUX_OPEN_FAILED;
		return (error);
	}
	/* A file grows only when written: no expansion space beyond it. */
	*psize = zfa.zfa_size;
	*max_psize = zfa.zfa_size;
	*logical_ashift = vdev_file_logical_ashift;
	*physical_ashift = vdev_file_physical_ashift;
	return (0);
}

/* A failed open may have left nothing to close (vdev_tsd NULL). */
static void
vdev_file_close(vdev_t *vd)
{
	vdev_file_t *vf = vd->vdev_tsd;

	if (vd->vdev_reopening || vf == NULL)
		return;
	zfs_file_close(vf->vf_file);
	kmem_free(vf, sizeof (vdev_file_t));
	vd->vdev_tsd = NULL;
	vd->vdev_delayed_close = B_FALSE;
}

/* On a task queue thread: one read or write, start to finish. */
static void
vdev_file_rw_task(void *arg)
{
	zio_t *zio = arg;
	vdev_file_t *vf = zio->io_vd->vdev_tsd;
	size_t size = zio->io_size;
	ssize_t resid = 0;
	void *buf;
	int error;

	if (zio->io_type == ZIO_TYPE_READ) {
		buf = abd_borrow_buf(zio->io_abd, size);
		error = zfs_file_pread(vf->vf_file, buf, size,
		    (loff_t)zio->io_offset, &resid);
		abd_return_buf_copy(zio->io_abd, buf, size);
	} else {
		buf = abd_borrow_buf_copy(zio->io_abd, size);
		error = zfs_file_pwrite(vf->vf_file, buf, size,
		    (loff_t)zio->io_offset, &resid);
		abd_return_buf(zio->io_abd, buf, size);
	}
	/*
	 * zfs_file_* goes on after short transfers, so one still short ran
	 * into the end: a write found the file system full, a read found
	 * the file shorter than the pool thinks (truncated behind its back).
	 */
	if (error == 0 && resid != 0) {
		error = zio->io_type == ZIO_TYPE_WRITE ? SET_ERROR(ENOSPC) :
		    SET_ERROR(EIO);
	}
	zio->io_error = error;
	/* Holds the zio until zio_handle_io_delay's target, if injected. */
	zio_delay_interrupt(zio);
}

/* On a task queue thread: the cache flush. */
static void
vdev_file_flush_task(void *arg)
{
	zio_t *zio = arg;
	vdev_file_t *vf = zio->io_vd->vdev_tsd;

	/* Data and metadata both: the file's size may have changed. */
	zio->io_error = zfs_file_fsync(vf->vf_file, O_SYNC);
	zio_interrupt(zio);
}

/*
 * Queues work for the zio; TQ_SLEEP dispatch fails only when memory for
 * the task entry cannot be had, and then the zio fails rather than hangs.
 */
static void
vdev_file_dispatch(zio_t *zio, task_func_t *func)
{
	if (taskq_dispatch(vdev_file_taskq, func, zio, TQ_SLEEP) ==
	    TASKQID_INVALID) {
		zio->io_error = SET_ERROR(ENOMEM);
		zio_interrupt(zio);
	}
}

static void
vdev_file_ioctl(zio_t *zio)
{
	if (!vdev_readable(zio->io_vd)) {
		zio->io_error = SET_ERROR(ENXIO);
		zio_interrupt(zio);
		return;
	}
	switch (zio->io_cmd) {
	case DKIOCFLUSHWRITECACHE:
		if (zfs_nocacheflush)
			break;
		vdev_file_dispatch(zio, vdev_file_flush_task);
		return;
	default:
		zio->io_error = SET_ERROR(ENOTSUP);
		break;
	}
	zio_execute(zio);
}

static void
vdev_file_io_start(zio_t *zio)
{
	vdev_file_t *vf = zio->io_vd->vdev_tsd;

	/* Closed: the vdev was removed, faulted or failed to reopen. */
	if (vf == NULL) {
		zio->io_error = SET_ERROR(ENXIO);
		zio_interrupt(zio);
		return;
	}

	switch (zio->io_type) {
	case ZIO_TYPE_IOCTL:
		vdev_file_ioctl(zio);
		return;
	case ZIO_TYPE_TRIM:
		/*
		 * Not issued while vdev_has_trim is false; answered all the
		 * same, so that only the flag needs to change the day the
		 * VFS can punch holes.
		 */
		ASSERT3U(zio->io_size, !=, 0);
		zio->io_error = zfs_file_fallocate(vf->vf_file,
		    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    (loff_t)zio->io_offset, (loff_t)zio->io_size);
		zio_execute(zio);
		return;
	case ZIO_TYPE_READ:
	case ZIO_TYPE_WRITE:
		zio->io_target_timestamp = zio_handle_io_delay(zio);
		vdev_file_dispatch(zio, vdev_file_rw_task);
		return;
	default:
		zio->io_error = SET_ERROR(ENOTSUP);
		zio_interrupt(zio);
		return;
	}
}

/* Nothing to check after the fact: errors came back with the transfer. */
static void
vdev_file_io_done(zio_t *zio)
{
}

/* Files need no preparation before a pool is opened on them. */
static void
vdev_file_hold(vdev_t *vd)
{
	ASSERT(vd->vdev_path != NULL);
}

static void
vdev_file_rele(vdev_t *vd)
{
	ASSERT(vd->vdev_path != NULL);
}

vdev_ops_t vdev_file_ops = {
	.vdev_op_init = NULL,
	.vdev_op_fini = NULL,
	.vdev_op_open = vdev_file_open,
	.vdev_op_close = vdev_file_close,
	.vdev_op_asize = vdev_default_asize,
	.vdev_op_min_asize = vdev_default_min_asize,
	.vdev_op_min_alloc = NULL,
	.vdev_op_io_start = vdev_file_io_start,
	.vdev_op_io_done = vdev_file_io_done,
	.vdev_op_state_change = NULL,
	.vdev_op_need_resilver = NULL,
	.vdev_op_hold = vdev_file_hold,
	.vdev_op_rele = vdev_file_rele,
	.vdev_op_remap = NULL,
	.vdev_op_xlate = vdev_default_xlate,
	.vdev_op_rebuild_asize = NULL,
	.vdev_op_metaslab_init = NULL,
	.vdev_op_config_generate = NULL,
	.vdev_op_nparity = NULL,
	.vdev_op_ndisks = NULL,
	.vdev_op_kobj_evt_post = NULL,
	.vdev_op_type = VDEV_TYPE_FILE,
	.vdev_op_leaf = B_TRUE,
};

/*
 * Called by spa_init. Without threads no file vdev can do I/O; rather
 * than stop the whole module, vdev_file_open then refuses file vdevs and
 * pools on disks still work.
 */
void
vdev_file_init(void)
{
	vdev_file_taskq = taskq_create("z_vdev_file",
	    MAX(boot_ncpus, VDEV_FILE_THREADS), minclsyspri, boot_ncpus,
	    INT_MAX, TASKQ_DYNAMIC);
	if (vdev_file_taskq == NULL)
		cmn_err(CE_WARN, "zfs: no I/O threads for file vdevs");
}

/* Called by spa_fini, after every pool is exported: no I/O is queued. */
void
vdev_file_fini(void)
{
	if (vdev_file_taskq != NULL)
		taskq_destroy(vdev_file_taskq);
	vdev_file_taskq = NULL;
}

ZFS_MODULE_PARAM(zfs_vdev_file, vdev_file_, logical_ashift, ULONG, ZMOD_RW,
	"Logical ashift for file-based devices");
ZFS_MODULE_PARAM(zfs_vdev_file, vdev_file_, physical_ashift, ULONG, ZMOD_RW,
	"Physical ashift for file-based devices");
