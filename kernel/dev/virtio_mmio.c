/* Virtio over MMIO (virtio 1.0, 4.2), as QEMU's microvm provides it. The
 * devices are announced on the command line: virtio_mmio.device=SIZE@ADDR:IRQ.
 * QEMU must run them in modern mode (-global virtio-mmio.force-legacy=false,
 * which tools/run passes). */
#include "dev/virtio.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include <errno.h>

#define MMIO_MAGIC		0x000
#define MMIO_VERSION		0x004
#define MMIO_DEVICE_ID		0x008
#define MMIO_DEVICE_FEATURES	0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES	0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL		0x030
#define MMIO_QUEUE_NUM_MAX	0x034
#define MMIO_QUEUE_NUM		0x038
#define MMIO_QUEUE_READY	0x044
#define MMIO_QUEUE_NOTIFY	0x050
#define MMIO_INTERRUPT_STATUS	0x060
#define MMIO_INTERRUPT_ACK	0x064
#define MMIO_STATUS		0x070
#define MMIO_QUEUE_DESC		0x080
#define MMIO_QUEUE_AVAIL	0x090
#define MMIO_QUEUE_USED		0x0a0
#define MMIO_CONFIG		0x100

struct mmio_dev {
	struct virtio_dev vd;
	unsigned gsi;
	char where[40];
};

static uint32_t rd(struct virtio_dev *vd, unsigned off)
{
	return ((volatile uint32_t *)vd->regs)[off / 4];
}

static void wr(struct virtio_dev *vd, unsigned off, uint32_t v)
{
	((volatile uint32_t *)vd->regs)[off / 4] = v;
}

static uint64_t mmio_features(struct virtio_dev *vd)
{
	wr(vd, MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t f = rd(vd, MMIO_DEVICE_FEATURES);
	wr(vd, MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)rd(vd, MMIO_DEVICE_FEATURES) << 32;
}

static void mmio_set_features(struct virtio_dev *vd, uint64_t f)
{
	wr(vd, MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vd, MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(vd, MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vd, MMIO_DRIVER_FEATURES, f >> 32);
}

static uint8_t mmio_status(struct virtio_dev *vd) { return rd(vd, MMIO_STATUS); }
static void mmio_set_status(struct virtio_dev *vd, uint8_t s) { wr(vd, MMIO_STATUS, s); }

static uint32_t mmio_config_read(struct virtio_dev *vd, unsigned off, unsigned size)
{
	volatile uint8_t *c = (volatile uint8_t *)vd->regs + MMIO_CONFIG + off;

	if (size == 1)
		return *c;
	if (size == 2)
		return *(volatile uint16_t *)c;
	return *(volatile uint32_t *)c;
}

static uint16_t mmio_queue_max(struct virtio_dev *vd, uint16_t idx)
{
	wr(vd, MMIO_QUEUE_SEL, idx);
	return rd(vd, MMIO_QUEUE_READY) ? 0 : rd(vd, MMIO_QUEUE_NUM_MAX);
}

static void wr64(struct virtio_dev *vd, unsigned off, uint64_t v)
{
	wr(vd, off, (uint32_t)v);
	wr(vd, off + 4, v >> 32);
}

static int mmio_queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	wr(vd, MMIO_QUEUE_SEL, vq->index);
	wr(vd, MMIO_QUEUE_NUM, vq->size);
	wr64(vd, MMIO_QUEUE_DESC, virt_to_phys(vq->desc));
	wr64(vd, MMIO_QUEUE_AVAIL, virt_to_phys((void *)vq->avail));
	wr64(vd, MMIO_QUEUE_USED, virt_to_phys((void *)vq->used));
	wr(vd, MMIO_QUEUE_READY, 1);
	return 0;
}

static void mmio_notify(struct virtio_dev *vd, struct virtq *vq)
{
	wr(vd, MMIO_QUEUE_NOTIFY, vq->index);
}

static int mmio_setup_irq(struct virtio_dev *vd, irq_handler_t fn, void *arg)
{
	struct mmio_dev *m = (struct mmio_dev *)vd;
	int vec = irq_alloc_vector(fn, arg);

	if (vec < 0)
		return -ENOSPC;
	/* QEMU's virtio-mmio holds its line high while status bits are set. */
	return ioapic_route(m->gsi, vec, IRQ_LEVEL);
}

static void mmio_ack_irq(struct virtio_dev *vd)
{
	uint32_t s = rd(vd, MMIO_INTERRUPT_STATUS);
	if (s)
		wr(vd, MMIO_INTERRUPT_ACK, s);
}

static const struct virtio_ops mmio_ops = {
	.features = mmio_features,
	.set_features = mmio_set_features,
	.status = mmio_status,
	.set_status = mmio_set_status,
	.config_read = mmio_config_read,
	.queue_max = mmio_queue_max,
	.queue_enable = mmio_queue_enable,
	.notify = mmio_notify,
	.setup_irq = mmio_setup_irq,
	.ack_irq = mmio_ack_irq,
};

/* Parses "SIZE@ADDR:IRQ" with C-style numbers and an optional K/M suffix. */
static int parse_device(const char *s, uint64_t *size, uint64_t *addr, unsigned *irq)
{
	uint64_t v[3] = { 0 };

	for (int i = 0; i < 3; i++) {
		int base = 10;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
		}
		const char *start = s;
		for (;; s++) {
			int dgt = *s >= '0' && *s <= '9' ? *s - '0' :
			    *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			    *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : 99;
			if (dgt >= base)
				break;
			v[i] = v[i] * base + dgt;
		}
		if (s == start)
			return -EINVAL;
		if (i == 0 && (*s == 'K' || *s == 'k'))
			v[i] <<= 10, s++;
		if (i == 0 && (*s == 'M' || *s == 'm'))
			v[i] <<= 20, s++;
		if (*s != "@:"[i] && !(i == 2 && *s == 0))
			return -EINVAL;
		s++;
	}
	*size = v[0];
	*addr = v[1];
	*irq = v[2];
	return 0;
}

static void probe_one(const char *spec)
{
	uint64_t size, addr;
	unsigned irq;

	if (parse_device(spec, &size, &addr, &irq) < 0 || size < 0x100) {
		pr_err("virtio-mmio: cannot parse device '%s'\n", spec);
		return;
	}
	void *regs = ioremap(addr, size);
	if (!regs)
		return;
	struct mmio_dev probe = { .vd.regs = regs };
	if (rd(&probe.vd, MMIO_MAGIC) != 0x74726976 || rd(&probe.vd, MMIO_DEVICE_ID) == 0)
		return;		/* an empty slot */
	if (rd(&probe.vd, MMIO_VERSION) != 2) {
		pr_err("virtio-mmio: device at %#lx is legacy (version %u); run QEMU with "
		    "-global virtio-mmio.force-legacy=false\n", addr, rd(&probe.vd, MMIO_VERSION));
		return;
	}
	struct mmio_dev *m = kzalloc(sizeof(*m));
	if (!m)
		return;
	m->vd.ops = &mmio_ops;
	m->vd.regs = regs;
	m->vd.device_id = rd(&m->vd, MMIO_DEVICE_ID);
	m->gsi = irq;
	snprintf(m->where, sizeof(m->where), "mmio@%#lx", addr);
	m->vd.where = m->where;
	virtio_device_found(&m->vd);
}

/* In command-line order, which is QEMU's -device order: the first disk
 * given to QEMU becomes vblk0. */
void virtio_mmio_probe(char **devices, int n)
{
	for (int i = 0; i < n; i++)
		probe_one(devices[i]);
}
