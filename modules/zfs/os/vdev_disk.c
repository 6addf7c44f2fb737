/*
 * The "disk" vdev on Osprey block devices (dev/blk.h): a leaf vdev whose
 * path names a disk or a GPT partition, e.g. /dev/vblk1.1.
 *
 * Reads and writes go to the device asynchronously, split into bios of at
 * most dev->max_transfer bytes. A bio completes in interrupt context, where
 * nothing of ZFS may run (its completion path takes mutexes), so the last
 * bio of a zio queues the request to the vdev's completion thread, which
 * returns the data to the ABD and hands the zio back to the pipeline.
 */
/* First: abd.h declares Linux's abd_bio_map_off(struct bio *, ...). */
#include "dev/blk.h"
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/vdev_impl.h>
#include <sys/abd.h>
#include <sys/fs/zfs.h>
#include <sys/zio.h>
#include "sched/sched.h"
#include "sched/spinlock.h"
#include "sched/sync.h"

#define	VDEV_DISK_STACK	(32 * 1024)

struct vdev_disk_req;

/*
 * One per open vdev (vdev_tsd). vd_dev is set at open and stays until the
 * final close, so I/O needs no lock to use it: ZFS issues no I/O to a vdev
 * while it closes it.
 */
typedef struct vdev_disk {
	struct blkdev		*vd_dev;
	/* Finished requests, oldest first; bio completions add to it. */
	spinlock_t		vd_done_lock;
	struct vdev_disk_req	*vd_done_head;
	struct vdev_disk_req	*vd_done_tail;
	/* Counts queued requests (and the stop request) for the thread. */
	struct semaphore	vd_work;
	struct thread		*vd_thread;
	/* Requests submitted and not yet finished; atomic. */
	uint64_t		vd_inflight;
	/* Set by close before it posts vd_work (which orders the two). */
	boolean_t		vd_stop;
} vdev_disk_t;

/*
 * One zio in flight. dr_pending counts the bios still to complete plus one
 * reference held by the submitter, so the request cannot finish while its
 * bios are still being submitted.
 */
typedef struct vdev_disk_req {
	zio_t			*dr_zio;
	vdev_disk_t		*dr_disk;
	void			*dr_buf;	/* borrowed from zio->io_abd */
	int			dr_pending;	/* atomic */
	int			dr_error;	/* first error, positive; CAS */
	int			dr_nbios;
	struct vdev_disk_req	*dr_next;	/* in vd_done_* */
	struct bio		dr_bio[];
} vdev_disk_req_t;

static size_t
vdev_disk_req_size(int nbios)
{
	return (sizeof (vdev_disk_req_t) + (size_t)nbios * sizeof (struct bio));
}

static uint_t
vdev_disk_ashift(uint32_t block_size)
{
	return (highbit64(MAX(block_size, SPA_MINBLOCKSIZE)) - 1);
}

/*
 * Completion side. vdev_disk_queue may run in interrupt context: it only
 * takes the spinlock and posts the semaphore, both safe there.
 */
static void
vdev_disk_queue(vdev_disk_req_t *dr)
{
	vdev_disk_t *vd = dr->dr_disk;
	unsigned long flags;

	dr->dr_next = NULL;
	flags = spin_lock_irqsave(&vd->vd_done_lock);
	if (vd->vd_done_tail != NULL)
		vd->vd_done_tail->dr_next = dr;
	else
		vd->vd_done_head = dr;
	vd->vd_done_tail = dr;
	/* Under the lock: once it goes, the completion thread may finish dr
	 * and, stopping, let vdev_disk_free free vd. */
	sem_up(&vd->vd_work);
	spin_unlock_irqrestore(&vd->vd_done_lock, flags);
}

static void
vdev_disk_req_put(vdev_disk_req_t *dr, int count)
{
	if (__atomic_sub_fetch(&dr->dr_pending, count, __ATOMIC_ACQ_REL) == 0)
		vdev_disk_queue(dr);
}

static void
vdev_disk_req_error(vdev_disk_req_t *dr, int error)
{
	int none = 0;

	(void) __atomic_compare_exchange_n(&dr->dr_error, &none, error,
	    B_FALSE, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* The bio's done callback: interrupt context. */
static void
vdev_disk_bio_done(struct bio *b)
{
	vdev_disk_req_t *dr = b->priv;

	if (b->error != 0)
		vdev_disk_req_error(dr, -b->error);
	vdev_disk_req_put(dr, 1);
}

static void
vdev_disk_log_error(zio_t *zio)
{
	cmn_err(CE_WARN, "zio pool=%s vdev=%s error=%d type=%d offset=%llu "
	    "size=%llu flags=%x", spa_name(zio->io_spa),
	    zio->io_vd->vdev_path, zio->io_error, zio->io_type,
	    (u_longlong_t)zio->io_offset, (u_longlong_t)zio->io_size,
	    zio->io_flags);
}

/* Thread context: the request's bios have all completed. */
static void
vdev_disk_finish(vdev_disk_req_t *dr)
{
	zio_t *zio = dr->dr_zio;
	vdev_disk_t *vd = dr->dr_disk;

	if (zio->io_type == ZIO_TYPE_READ)
		abd_return_buf_copy(zio->io_abd, dr->dr_buf, zio->io_size);
	else if (zio->io_type == ZIO_TYPE_WRITE)
		abd_return_buf(zio->io_abd, dr->dr_buf, zio->io_size);
	zio->io_error = dr->dr_error;
	kmem_free(dr, vdev_disk_req_size(dr->dr_nbios));

	/* A device without a cache to flush: stop asking, quietly. */
	if (zio->io_type == ZIO_TYPE_IOCTL && zio->io_error == ENOTSUP)
		zio->io_vd->vdev_nowritecache = B_TRUE;
	else if (zio->io_error != 0)
		vdev_disk_log_error(zio);
	__atomic_sub_fetch(&vd->vd_inflight, 1, __ATOMIC_ACQ_REL);
	if (zio->io_type == ZIO_TYPE_IOCTL)
		zio_interrupt(zio);
	else
		zio_delay_interrupt(zio);
}

static vdev_disk_req_t *
vdev_disk_dequeue(vdev_disk_t *vd)
{
	vdev_disk_req_t *dr;
	unsigned long flags;

	flags = spin_lock_irqsave(&vd->vd_done_lock);
	dr = vd->vd_done_head;
	if (dr != NULL) {
		vd->vd_done_head = dr->dr_next;
		if (vd->vd_done_head == NULL)
			vd->vd_done_tail = NULL;
	}
	spin_unlock_irqrestore(&vd->vd_done_lock, flags);
	return (dr);
}

/*
 * The completion thread. It leaves only when close has asked it to and
 * every submitted request has finished, so no bio can outlive vdev_tsd.
 */
static void
vdev_disk_thread(void *arg)
{
	vdev_disk_t *vd = arg;
	vdev_disk_req_t *dr;

	for (;;) {
		(void) sem_down(&vd->vd_work, 0);
		while ((dr = vdev_disk_dequeue(vd)) != NULL)
			vdev_disk_finish(dr);
		if (vd->vd_stop &&
		    __atomic_load_n(&vd->vd_inflight, __ATOMIC_ACQUIRE) == 0)
			break;
	}
}

static vdev_disk_t *
vdev_disk_alloc(struct blkdev *dev)
{
	vdev_disk_t *vd = kmem_zalloc(sizeof (*vd), KM_SLEEP);

	if (vd == NULL)
		return (NULL);
	vd->vd_dev = dev;
	spin_init(&vd->vd_done_lock, "vdev_disk");
	sem_init(&vd->vd_work, 0);
	/* The kernel's thread_create, which can be joined at close. */
	vd->vd_thread = (thread_create)("zfs_vdev_disk", vdev_disk_thread,
	    vd, maxclsyspri, VDEV_DISK_STACK);
	if (vd->vd_thread == NULL) {
		kmem_free(vd, sizeof (*vd));
		return (NULL);
	}
	return (vd);
}

static void
vdev_disk_free(vdev_disk_t *vd)
{
	vd->vd_stop = B_TRUE;
	sem_up(&vd->vd_work);
	(void) (thread_join)(vd->vd_thread, NULL);
	ASSERT3P(vd->vd_done_head, ==, NULL);
	/* A completion on another CPU may still be leaving vdev_disk_queue. */
	unsigned long flags = spin_lock_irqsave(&vd->vd_done_lock);
	spin_unlock_irqrestore(&vd->vd_done_lock, flags);
	kmem_free(vd, sizeof (*vd));
}

/*
 * Finds and checks the device for an open in spa_mode. Fails with ENOENT
 * when the path names no block device, EROFS when a pool opened for
 * writing sits on a read-only device. A device too small for a vdev opens:
 * vdev_open refuses it (EOVERFLOW, VDEV_AUX_TOO_SMALL), which zpool
 * reports as Linux's does.
 */
static int
vdev_disk_lookup(vdev_t *v, struct blkdev **devp)
{
	struct blkdev *dev = blk_find_path(v->vdev_path);

	if (dev == NULL) {
		cmn_err(CE_WARN, "vdev %s: no such block device",
		    v->vdev_path);
		v->vdev_stat.vs_aux = VDEV_AUX_OPEN_FAILED;
		return (SET_ERROR(ENOENT));
	}
	if (dev->readonly && (spa_mode(v->vdev_spa) & SPA_MODE_WRITE)) {
		cmn_err(CE_WARN, "vdev %s: the device is read-only; "
		    "import the pool read-only", v->vdev_path);
		v->vdev_stat.vs_aux = VDEV_AUX_OPEN_FAILED;
		return (SET_ERROR(EROFS));
	}
	*devp = dev;
	return (0);
}

static int
vdev_disk_open(vdev_t *v, uint64_t *psize, uint64_t *max_psize,
    uint64_t *logical_ashift, uint64_t *physical_ashift)
{
	vdev_disk_t *vd = v->vdev_tsd;
	struct blkdev *dev;
	int error;

	if (v->vdev_path == NULL || v->vdev_path[0] != '/') {
		v->vdev_stat.vs_aux = VDEV_AUX_BAD_LABEL;
		vdev_dbgmsg(v, "invalid vdev_path");
		return (SET_ERROR(EINVAL));
	}

	/*
	 * Block devices are never removed, so a reopen (vdev_tsd kept by
	 * close) finds the same device again and only refreshes its facts.
	 */
	error = vdev_disk_lookup(v, &dev);
	if (error != 0)
		return (error);
	if (vd != NULL && vd->vd_dev != dev) {
		vdev_dbgmsg(v, "reopened on a different device");
		return (SET_ERROR(ENXIO));
	}
	if (vd == NULL) {
		vd = vdev_disk_alloc(dev);
		if (vd == NULL)
			return (SET_ERROR(ENOMEM));
		v->vdev_tsd = vd;
	}

	v->vdev_nowritecache = !dev->can_flush;
	v->vdev_has_trim = B_FALSE;
	v->vdev_has_securetrim = B_FALSE;
	/* Virtual disks: no seek cost is known, so do not plan for one. */
	v->vdev_nonrot = B_TRUE;

	/* Devices do not grow while open: there is no expansion space. */
	*psize = dev->nsectors * SECTOR_SIZE;
	*max_psize = *psize;
	/* The block layer reports one block size; it is both. */
	*logical_ashift = vdev_disk_ashift(dev->block_size);
	*physical_ashift = *logical_ashift;
	return (0);
}

static void
vdev_disk_close(vdev_t *v)
{
	vdev_disk_t *vd = v->vdev_tsd;

	if (v->vdev_reopening || vd == NULL)
		return;
	vdev_disk_free(vd);
	v->vdev_tsd = NULL;
}

static vdev_disk_req_t *
vdev_disk_req_alloc(zio_t *zio, vdev_disk_t *vd, int nbios)
{
	vdev_disk_req_t *dr = kmem_zalloc(vdev_disk_req_size(nbios), KM_SLEEP);

	if (dr == NULL)
		return (NULL);
	dr->dr_zio = zio;
	dr->dr_disk = vd;
	dr->dr_nbios = nbios;
	dr->dr_pending = nbios + 1;
	return (dr);
}

/*
 * Submits the request's bios. A bio refused at submission counts as done
 * with its error, and so do the ones after it; those already submitted
 * finish on their own.
 */
static void
vdev_disk_submit(vdev_disk_req_t *dr)
{
	struct blkdev *dev = dr->dr_disk->vd_dev;
	int i, error;

	__atomic_add_fetch(&dr->dr_disk->vd_inflight, 1, __ATOMIC_ACQ_REL);
	for (i = 0; i < dr->dr_nbios; i++) {
		error = blk_submit(dev, &dr->dr_bio[i]);
		if (error != 0) {
			vdev_disk_req_error(dr, -error);
			vdev_disk_req_put(dr, dr->dr_nbios - i);
			break;
		}
	}
	vdev_disk_req_put(dr, 1);
}

/* Splits a read or write into bios; returns 0 or a positive errno. */
static int
vdev_disk_rw(zio_t *zio, vdev_disk_t *vd)
{
	struct blkdev *dev = vd->vd_dev;
	uint64_t size = dev->nsectors * SECTOR_SIZE;
	size_t chunk = P2ALIGN((size_t)dev->max_transfer, SECTOR_SIZE);
	boolean_t write = zio->io_type == ZIO_TYPE_WRITE;
	vdev_disk_req_t *dr;
	int nbios;

	if (write && dev->readonly)
		return (SET_ERROR(EROFS));
	if (zio->io_offset > size || zio->io_size > size - zio->io_offset ||
	    zio->io_size == 0 || zio->io_offset % SECTOR_SIZE != 0 ||
	    zio->io_size % SECTOR_SIZE != 0 || chunk == 0) {
		vdev_dbgmsg(zio->io_vd, "illegal access %llu size %llu, "
		    "device size %llu", (u_longlong_t)zio->io_offset,
		    (u_longlong_t)zio->io_size, (u_longlong_t)size);
		return (SET_ERROR(EIO));
	}

	nbios = (int)howmany(zio->io_size, chunk);
	dr = vdev_disk_req_alloc(zio, vd, nbios);
	if (dr == NULL)
		return (SET_ERROR(ENOMEM));
	/* Borrowed buffers are kernel heap memory, which a device may use. */
	if (write)
		dr->dr_buf = abd_borrow_buf_copy(zio->io_abd, zio->io_size);
	else
		dr->dr_buf = abd_borrow_buf(zio->io_abd, zio->io_size);

	for (int i = 0; i < nbios; i++) {
		size_t off = (size_t)i * chunk;
		struct bio *b = &dr->dr_bio[i];

		b->op = write ? BIO_WRITE : BIO_READ;
		b->sector = (zio->io_offset + off) / SECTOR_SIZE;
		b->buf = (char *)dr->dr_buf + off;
		b->len = MIN(chunk, zio->io_size - off);
		b->done = vdev_disk_bio_done;
		b->priv = dr;
	}
	zio->io_target_timestamp = zio_handle_io_delay(zio);
	vdev_disk_submit(dr);
	return (0);
}

static int
vdev_disk_flush(zio_t *zio, vdev_disk_t *vd)
{
	vdev_disk_req_t *dr = vdev_disk_req_alloc(zio, vd, 1);

	if (dr == NULL)
		return (SET_ERROR(ENOMEM));
	dr->dr_bio[0].op = BIO_FLUSH;
	dr->dr_bio[0].done = vdev_disk_bio_done;
	dr->dr_bio[0].priv = dr;
	vdev_disk_submit(dr);
	return (0);
}

/*
 * Only DKIOCFLUSHWRITECACHE is known. A device without a write cache
 * answers ENOTSUP, as Linux does, and vdev_nowritecache keeps ZFS from
 * asking again until the next open.
 */
static void
vdev_disk_ioctl(zio_t *zio, vdev_disk_t *vd)
{
	vdev_t *v = zio->io_vd;
	int error;

	if (!vdev_readable(v)) {
		zio->io_error = SET_ERROR(ENXIO);
		zio_interrupt(zio);
		return;
	}
	switch (zio->io_cmd) {
	case DKIOCFLUSHWRITECACHE:
		if (zfs_nocacheflush)
			break;
		if (v->vdev_nowritecache || !vd->vd_dev->can_flush) {
			v->vdev_nowritecache = B_TRUE;
			zio->io_error = SET_ERROR(ENOTSUP);
			break;
		}
		/* Once submitted, the zio belongs to the completion. */
		error = vdev_disk_flush(zio, vd);
		if (error == 0)
			return;
		zio->io_error = error;
		break;
	default:
		zio->io_error = SET_ERROR(ENOTSUP);
		break;
	}
	zio_execute(zio);
}

static void
vdev_disk_io_start(zio_t *zio)
{
	vdev_disk_t *vd = zio->io_vd->vdev_tsd;
	int error;

	/* Closed: the vdev is removed, faulted or failed to reopen. */
	if (vd == NULL) {
		zio->io_error = SET_ERROR(ENXIO);
		zio_interrupt(zio);
		return;
	}

	switch (zio->io_type) {
	case ZIO_TYPE_IOCTL:
		vdev_disk_ioctl(zio, vd);
		return;
	case ZIO_TYPE_READ:
	case ZIO_TYPE_WRITE:
		/* Once submitted, the zio belongs to the completion. */
		error = vdev_disk_rw(zio, vd);
		if (error == 0)
			return;
		zio->io_error = error;
		break;
	case ZIO_TYPE_TRIM:
		/* The block layer has no discard; vdev_has_trim says so. */
	default:
		zio->io_error = SET_ERROR(ENOTSUP);
		break;
	}
	zio_interrupt(zio);
}

/*
 * Linux revalidates the media after EIO to notice a pulled disk. Osprey
 * devices are never removed, so there is nothing to check.
 */
static void
vdev_disk_io_done(zio_t *zio)
{
}

/* Nothing to prefetch or pin: devices exist from boot to shutdown. */
static void
vdev_disk_hold(vdev_t *v)
{
	ASSERT(spa_config_held(v->vdev_spa, SCL_STATE, RW_WRITER));
}

static void
vdev_disk_rele(vdev_t *v)
{
	ASSERT(spa_config_held(v->vdev_spa, SCL_STATE, RW_WRITER));
}

vdev_ops_t vdev_disk_ops = {
	.vdev_op_init = NULL,
	.vdev_op_fini = NULL,
	.vdev_op_open = vdev_disk_open,
	.vdev_op_close = vdev_disk_close,
	.vdev_op_asize = vdev_default_asize,
	.vdev_op_min_asize = vdev_default_min_asize,
	.vdev_op_min_alloc = NULL,
	.vdev_op_io_start = vdev_disk_io_start,
	.vdev_op_io_done = vdev_disk_io_done,
	.vdev_op_state_change = NULL,
	.vdev_op_need_resilver = NULL,
	.vdev_op_hold = vdev_disk_hold,
	.vdev_op_rele = vdev_disk_rele,
	.vdev_op_remap = NULL,
	.vdev_op_xlate = vdev_default_xlate,
	.vdev_op_rebuild_asize = NULL,
	.vdev_op_metaslab_init = NULL,
	.vdev_op_config_generate = NULL,
	.vdev_op_nparity = NULL,
	.vdev_op_ndisks = NULL,
	.vdev_op_kobj_evt_post = NULL,
	.vdev_op_type = VDEV_TYPE_DISK,
	.vdev_op_leaf = B_TRUE,
};

/*
 * Setters of the zfs_vdev_{min,max}_auto_ashift tunables (declared in
 * vdev_impl.h, registered in vdev.c; Linux keeps them in this file). They
 * keep min <= max within ASHIFT_MIN..ASHIFT_MAX and, like Linux's module
 * parameter setters, return a negative errno.
 */
static int
vdev_disk_param_ashift(const char *buf, uint64_t lo, uint64_t hi,
    zfs_kernel_param_t *kp)
{
	u_longlong_t val;

	if (ddi_strtoull(buf, NULL, 0, &val) != 0 || val < lo || val > hi)
		return (SET_ERROR(-EINVAL));
	return (param_set_ulong(buf, kp));
}

int
param_set_min_auto_ashift(ZFS_MODULE_PARAM_ARGS)
{
	return (vdev_disk_param_ashift(buf, ASHIFT_MIN,
	    zfs_vdev_max_auto_ashift, kp));
}

int
param_set_max_auto_ashift(ZFS_MODULE_PARAM_ARGS)
{
	return (vdev_disk_param_ashift(buf, zfs_vdev_min_auto_ashift,
	    ASHIFT_MAX, kp));
}
