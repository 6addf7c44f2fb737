/* Virtio core: feature negotiation and split virtqueues (virtio 1.0, 2.6).
 * A request's buffers are cut into one descriptor per physically contiguous
 * run, since kernel buffers may live in virtually mapped memory. */
#include "dev/virtio.h"
#include "dev/console.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted)
{
	const struct virtio_ops *o = vd->ops;

	o->set_status(vd, 0);
	o->set_status(vd, VIRTIO_STATUS_ACK);
	o->set_status(vd, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	uint64_t offered = o->features(vd);
	if (!(offered & (1ULL << VIRTIO_F_VERSION_1))) {
		pr_err("virtio: %s: legacy-only device (no VIRTIO_F_VERSION_1)\n", vd->where);
		o->set_status(vd, VIRTIO_STATUS_FAILED);
		return -ENODEV;
	}
	vd->features = offered & (wanted | (1ULL << VIRTIO_F_VERSION_1));
	o->set_features(vd, vd->features);
	o->set_status(vd, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(o->status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		pr_err("virtio: %s: device refused our features\n", vd->where);
		o->set_status(vd, VIRTIO_STATUS_FAILED);
		return -ENODEV;
	}
	return 0;
}

struct virtq *virtq_create(struct virtio_dev *vd, uint16_t index, uint16_t max_size)
{
	uint16_t size = vd->ops->queue_max(vd, index);

	if (!size)
		return NULL;
	if (size > max_size)
		size = max_size;
	/* Layout in one zeroed allocation: descriptors, avail ring, used ring. */
	size_t desc_bytes = 16UL * size;
	size_t avail_bytes = 6 + 2UL * size;
	size_t used_off = (desc_bytes + avail_bytes + 3) & ~3UL;
	size_t total = used_off + 6 + 8UL * size;
	struct virtq *vq = kzalloc(sizeof(*vq));
	void *ring = kzalloc(PAGE_ALIGN(total));	/* page-aligned: contiguous */
	void **cookies = kzalloc(sizeof(void *) * size);
	if (!vq || !ring || !cookies) {
		kfree(vq);
		kfree(ring);
		kfree(cookies);
		return NULL;
	}
	vq->vdev = vd;
	vq->index = index;
	vq->size = size;
	vq->desc = ring;
	vq->avail = (uint16_t *)((char *)ring + desc_bytes);
	vq->used = (uint16_t *)((char *)ring + used_off);
	vq->cookies = cookies;
	vq->num_free = size;
	for (uint16_t i = 0; i < size; i++)
		vq->desc[i].next = i + 1;
	spin_init(&vq->lock, "virtq");
	waitq_init(&vq->space);
	if (vd->ops->queue_enable(vd, vq) < 0) {
		kfree(ring);
		kfree(cookies);
		kfree(vq);
		return NULL;
	}
	return vq;
}

/* The physically contiguous run starting at a, at most len bytes long;
 * its physical address goes to *pa. */
static size_t contiguous_run(uintptr_t a, size_t len, uint64_t *pa)
{
	size_t run = PAGE_SIZE - (a & (PAGE_SIZE - 1));

	*pa = virt_to_phys((void *)a);
	while (run < len && virt_to_phys((void *)(a + run)) == *pa + run)
		run += PAGE_SIZE - ((a + run) & (PAGE_SIZE - 1));
	return run < len ? run : len;
}

int virtq_segments(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;
	uint64_t pa;
	int n = 0;

	for (size_t run; len; a += run, len -= run, n++)
		run = contiguous_run(a, len, &pa);
	return n;
}

/* Fills descriptors for one buffer; returns the next free one. */
static uint16_t fill(struct virtq *vq, uint16_t d, const struct vq_buf *b,
    uint16_t flags, uint16_t *last)
{
	uintptr_t a = (uintptr_t)b->addr;
	size_t len = b->len;
	uint64_t pa;

	for (size_t run; len; a += run, len -= run) {
		run = contiguous_run(a, len, &pa);
		vq->desc[d].addr = pa;
		vq->desc[d].len = run;
		vq->desc[d].flags = flags | VRING_DESC_F_NEXT;
		*last = d;
		d = vq->desc[d].next;
	}
	return d;
}

static int add(struct virtq *vq, const struct vq_buf *bufs, int nout, int nin, void *cookie,
    bool wait)
{
	int need = 0;

	for (int i = 0; i < nout + nin; i++)
		need += virtq_segments(bufs[i].addr, bufs[i].len);
	if (need == 0 || need > vq->size)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&vq->lock);
	while (vq->num_free < need) {
		if (!wait) {
			spin_unlock_irqrestore(&vq->lock, flags);
			return -EAGAIN;
		}
		spin_lock_raw(&vq->space.lock);
		spin_unlock_raw(&vq->lock);
		waitq_wait_locked(&vq->space, &flags, 0);
		spin_unlock_raw(&vq->space.lock);
		spin_lock_raw(&vq->lock);
	}
	uint16_t head = vq->free_head, d = head, last = head;
	for (int i = 0; i < nout + nin; i++)
		d = fill(vq, d, &bufs[i], i < nout ? 0 : VRING_DESC_F_WRITE, &last);
	vq->desc[last].flags &= ~VRING_DESC_F_NEXT;
	vq->free_head = d;
	vq->num_free -= need;
	vq->cookies[head] = cookie;
	uint16_t idx = vq->avail[1];
	vq->avail[2 + idx % vq->size] = head;
	dma_wmb();
	vq->avail[1] = idx + 1;
	spin_unlock_irqrestore(&vq->lock, flags);
	return 0;
}

int virtq_add(struct virtq *vq, const struct vq_buf *bufs, int nout, int nin, void *cookie)
{
	return add(vq, bufs, nout, nin, cookie, true);
}

int virtq_add_nowait(struct virtq *vq, const struct vq_buf *bufs, int nout, int nin, void *cookie)
{
	return add(vq, bufs, nout, nin, cookie, false);
}

/* The device sets VRING_USED_F_NO_NOTIFY while it is working through the
 * queue anyway (virtio 1.0, 2.4.7): a notification then costs an exit
 * for nothing. */
void virtq_kick(struct virtq *vq)
{
	dma_mb();
	if (!(vq->used[0] & VRING_USED_F_NO_NOTIFY))
		vq->vdev->ops->notify(vq->vdev, vq);
}

/* Interrupt suppression (virtio 1.0, 2.4.7): a driver draining the used
 * ring turns interrupts off meanwhile; turning them back on reports
 * whether more arrived in between (then it drains again). */
void virtq_irq_off(struct virtq *vq)
{
	vq->avail[0] = VRING_AVAIL_F_NO_INTERRUPT;
}

bool virtq_irq_on(struct virtq *vq)
{
	vq->avail[0] = 0;
	dma_mb();
	return vq->last_used != vq->used[1];
}

void *virtq_get(struct virtq *vq, uint32_t *len)
{
	unsigned long flags = spin_lock_irqsave(&vq->lock);
	void *cookie = NULL;

	if (vq->last_used != vq->used[1]) {
		dma_rmb();
		const volatile struct vring_used_elem *e = (const volatile struct vring_used_elem *)
		    (vq->used + 2) + vq->last_used % vq->size;
		uint16_t head = e->id;
		if (len)
			*len = e->len;
		vq->last_used++;
		cookie = vq->cookies[head];
		vq->cookies[head] = NULL;
		/* Return the chain to the free list. */
		uint16_t d = head;
		int n = 1;
		while (vq->desc[d].flags & VRING_DESC_F_NEXT) {
			d = vq->desc[d].next;
			n++;
		}
		vq->desc[d].next = vq->free_head;
		vq->free_head = head;
		vq->num_free += n;
		waitq_wake_all(&vq->space);
	}
	spin_unlock_irqrestore(&vq->lock, flags);
	return cookie;
}

void virtio_device_found(struct virtio_dev *vd)
{
	switch (vd->device_id) {
	case VIRTIO_ID_BLOCK:
		virtio_blk_attach(vd);
		break;
	case VIRTIO_ID_NET:
		virtio_net_attach(vd);
		break;
	default:
		pr_info("virtio: %s: device type %u has no driver\n", vd->where, vd->device_id);
	}
}
