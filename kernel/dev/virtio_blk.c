/* virtio-blk (virtio 1.0, 5.2): a request is a header, the data and a
 * status byte; many may be in flight, as many as the queue holds. */
#include "dev/virtio.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "mm/mm.h"
#include <errno.h>

#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4

struct vblk {
	struct blkdev blk;
	struct virtio_dev *vd;
	struct virtq *vq;
};

struct vblk_req {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
	uint8_t status;
	struct bio *bio;
};

static int vblk_submit(struct blkdev *d, struct bio *b)
{
	struct vblk *v = d->priv;
	struct vblk_req *r = kmalloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->type = b->op == BIO_READ ? VIRTIO_BLK_T_IN : b->op == BIO_WRITE ?
	    VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_FLUSH;
	r->reserved = 0;
	r->sector = b->op == BIO_FLUSH ? 0 : b->sector;
	r->status = 0xff;
	r->bio = b;
	struct vq_buf bufs[3] = { { r, 16 } };
	int n = 1, nout = 1;
	if (b->op != BIO_FLUSH) {
		bufs[n].addr = b->buf;
		bufs[n++].len = b->len;
		if (b->op == BIO_WRITE)
			nout++;
	}
	bufs[n].addr = &r->status;
	bufs[n++].len = 1;
	int err = virtq_add(v->vq, bufs, nout, n - nout, r);
	if (err) {
		kfree(r);
		return err;
	}
	virtq_kick(v->vq);
	return 0;
}

static void vblk_irq(void *arg)
{
	struct vblk *v = arg;
	struct vblk_req *r;

	v->vd->ops->ack_irq(v->vd);
	while ((r = virtq_get(v->vq, NULL))) {
		struct bio *b = r->bio;
		b->error = r->status == 0 ? 0 : -EIO;
		if (r->status)
			pr_err("virtio-blk: %s: request at sector %lu failed (status %u)\n",
			    v->blk.name, r->sector, r->status);
		kfree(r);
		b->done(b);
	}
}

static const struct blkdev_ops vblk_ops = { .submit = vblk_submit };

void virtio_blk_attach(struct virtio_dev *vd)
{
	uint64_t want = 1ULL << VIRTIO_BLK_F_RO | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
	    1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_SEG_MAX;

	if (virtio_negotiate(vd, want) < 0)
		return;
	struct vblk *v = kzalloc(sizeof(*v));
	if (!v)
		return;
	v->vd = vd;
	v->vq = virtq_create(vd, 0, 128);
	if (!v->vq || vd->ops->setup_irq(vd, vblk_irq, v) < 0) {
		pr_err("virtio-blk: %s: cannot set up the request queue\n", vd->where);
		vd->ops->set_status(vd, VIRTIO_STATUS_FAILED);
		return;
	}
	vd->ops->set_status(vd, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER |
	    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	struct blkdev *b = &v->blk;
	b->nsectors = vd->ops->config_read(vd, 0, 4) |
	    (uint64_t)vd->ops->config_read(vd, 4, 4) << 32;
	b->block_size = vd->features & (1ULL << VIRTIO_BLK_F_BLK_SIZE) ?
	    vd->ops->config_read(vd, 20, 4) : SECTOR_SIZE;
	b->readonly = vd->features & (1ULL << VIRTIO_BLK_F_RO);
	b->can_flush = vd->features & (1ULL << VIRTIO_BLK_F_FLUSH);
	/* Header and status take two descriptors; the rest may be data pages. */
	b->max_transfer = (uint32_t)(v->vq->size - 3) * PAGE_SIZE;
	if (b->max_transfer > 512 * 1024)
		b->max_transfer = 512 * 1024;
	b->ops = &vblk_ops;
	b->priv = v;
	blk_register_disk(b);
}
