/* Virtio over PCI, modern interface (virtio 1.0, 4.1): the common,
 * notification and device configuration structures are found through
 * vendor capabilities; interrupts are MSI-X (QEMU always offers it). */
#include "dev/virtio.h"
#include "dev/pci.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include <errno.h>

#define CAP_COMMON	1
#define CAP_NOTIFY	2
#define CAP_DEVICE	4

/* struct virtio_pci_common_cfg offsets */
#define C_DFSELECT	0x00
#define C_DF		0x04
#define C_GFSELECT	0x08
#define C_GF		0x0c
#define C_MSIX		0x10
#define C_STATUS	0x14
#define C_Q_SELECT	0x16
#define C_Q_SIZE	0x18
#define C_Q_MSIX	0x1a
#define C_Q_ENABLE	0x1c
#define C_Q_NOFF	0x1e
#define C_Q_DESC	0x20
#define C_Q_AVAIL	0x28
#define C_Q_USED	0x30

struct vpci_dev {
	struct virtio_dev vd;
	struct pci_dev pci;
	volatile uint8_t *common, *notify_base, *device;
	uint32_t notify_mult;
	char where[24];
};

#define VP(vd) ((struct vpci_dev *)(vd))

static volatile uint32_t *c32(struct virtio_dev *vd, unsigned off) { return (volatile uint32_t *)(VP(vd)->common + off); }
static volatile uint16_t *c16(struct virtio_dev *vd, unsigned off) { return (volatile uint16_t *)(VP(vd)->common + off); }

static uint64_t vp_features(struct virtio_dev *vd)
{
	*c32(vd, C_DFSELECT) = 0;
	uint64_t f = *c32(vd, C_DF);
	*c32(vd, C_DFSELECT) = 1;
	return f | (uint64_t)*c32(vd, C_DF) << 32;
}

static void vp_set_features(struct virtio_dev *vd, uint64_t f)
{
	*c32(vd, C_GFSELECT) = 0;
	*c32(vd, C_GF) = (uint32_t)f;
	*c32(vd, C_GFSELECT) = 1;
	*c32(vd, C_GF) = f >> 32;
}

static uint8_t vp_status(struct virtio_dev *vd) { return VP(vd)->common[C_STATUS]; }
static void vp_set_status(struct virtio_dev *vd, uint8_t s) { VP(vd)->common[C_STATUS] = s; }

static uint32_t vp_config_read(struct virtio_dev *vd, unsigned off, unsigned size)
{
	volatile uint8_t *c = VP(vd)->device + off;

	if (size == 1)
		return *c;
	if (size == 2)
		return *(volatile uint16_t *)c;
	return *(volatile uint32_t *)c;
}

static uint16_t vp_queue_max(struct virtio_dev *vd, uint16_t idx)
{
	*c16(vd, C_Q_SELECT) = idx;
	return *c16(vd, C_Q_SIZE);
}

static int vp_queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	struct vpci_dev *p = VP(vd);

	*c16(vd, C_Q_SELECT) = vq->index;
	*c16(vd, C_Q_SIZE) = vq->size;
	*c16(vd, C_Q_MSIX) = 0;		/* every queue on MSI-X entry 0 */
	if (*c16(vd, C_Q_MSIX) != 0) {
		pr_err("virtio-pci: %s: cannot route queue %u to MSI-X\n", vd->where, vq->index);
		return -EIO;
	}
	*(volatile uint64_t *)(p->common + C_Q_DESC) = virt_to_phys(vq->desc);
	*(volatile uint64_t *)(p->common + C_Q_AVAIL) = virt_to_phys((void *)vq->avail);
	*(volatile uint64_t *)(p->common + C_Q_USED) = virt_to_phys((void *)vq->used);
	vq->notify = (volatile uint16_t *)(p->notify_base + *c16(vd, C_Q_NOFF) * p->notify_mult);
	*c16(vd, C_Q_ENABLE) = 1;
	return 0;
}

static void vp_notify(struct virtio_dev *vd, struct virtq *vq)
{
	*vq->notify = vq->index;
}

static int vp_setup_irq(struct virtio_dev *vd, irq_handler_t fn, void *arg)
{
	int vec = irq_alloc_vector(fn, arg);

	if (vec < 0)
		return -ENOSPC;
	int err = pci_msix_enable(&VP(vd)->pci, &vec, 1);
	if (err < 0) {
		pr_err("virtio-pci: %s: no MSI-X (%d)\n", vd->where, err);
		return err;
	}
	*c16(vd, C_MSIX) = 0xffff;	/* no configuration-change interrupts */
	return 0;
}

static void vp_ack_irq(struct virtio_dev *vd)
{
}

static const struct virtio_ops vp_ops = {
	.features = vp_features,
	.set_features = vp_set_features,
	.status = vp_status,
	.set_status = vp_set_status,
	.config_read = vp_config_read,
	.queue_max = vp_queue_max,
	.queue_enable = vp_queue_enable,
	.notify = vp_notify,
	.setup_irq = vp_setup_irq,
	.ack_irq = vp_ack_irq,
};

/* Maps the structure a vendor capability describes. */
static volatile uint8_t *map_cap(struct pci_dev *d, unsigned cap, uint32_t *mult)
{
	uint8_t bar = pci_read8(d, cap + 4);
	uint32_t off = pci_read32(d, cap + 8), len = pci_read32(d, cap + 12);

	if (mult)
		*mult = pci_read32(d, cap + 16);
	return pci_map_bar(d, bar, off, len);
}

static void probe(struct pci_dev *d)
{
	if (d->vendor != 0x1af4 || d->device < 0x1000 || d->device > 0x107f)
		return;
	struct vpci_dev *p = kzalloc(sizeof(*p));
	if (!p)
		return;
	p->pci = *d;
	snprintf(p->where, sizeof(p->where), "pci %02x:%02x.%x", d->bus, d->dev, d->fn);
	p->vd.where = p->where;
	p->vd.ops = &vp_ops;
	/* Transitional devices (0x1000-0x103f) carry the type in the subsystem id. */
	p->vd.device_id = d->device >= 0x1040 ? d->device - 0x1040u : pci_read16(d, 0x2e);
	for (unsigned cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap;
	    cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		switch (pci_read8(d, cap + 3)) {
		case CAP_COMMON:
			if (!p->common)
				p->common = map_cap(d, cap, NULL);
			break;
		case CAP_NOTIFY:
			if (!p->notify_base)
				p->notify_base = map_cap(d, cap, &p->notify_mult);
			break;
		case CAP_DEVICE:
			if (!p->device)
				p->device = map_cap(d, cap, NULL);
			break;
		}
	}
	if (!p->common || !p->notify_base || !p->device) {
		pr_err("virtio-pci: %s: no modern interface (missing capabilities)\n", p->where);
		kfree(p);
		return;
	}
	pci_write16(d, 0x04, pci_read16(d, 0x04) | 0x0006);	/* memory, bus master */
	virtio_device_found(&p->vd);
}

void virtio_pci_probe(void)
{
	pci_scan(probe);
}
