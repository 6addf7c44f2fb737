/* PCI enumeration: bus 0 and every bus behind a bridge found on it. */
#include "dev/pci.h"
#include "arch.h"
#include "mm/mm.h"
#include "dev/console.h"
#include <errno.h>

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return pci_cfg_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return pci_read32(d, off & ~3u) >> ((off & 2) * 8);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return pci_read32(d, off & ~3u) >> ((off & 3) * 8);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint32_t w = pci_read32(d, off & ~3u);
	unsigned shift = (off & 2) * 8;

	w = (w & ~(0xffffu << shift)) | (uint32_t)v << shift;
	pci_cfg_write32(d->bus, d->dev, d->fn, off & ~3u, w);
}

static void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	pci_cfg_write32(d->bus, d->dev, d->fn, off, v);
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after)
{
	if (!(pci_read16(d, 0x06) & 0x10))
		return 0;	/* no capability list */
	unsigned off = after ? pci_read8(d, after + 1) : pci_read8(d, 0x34);
	for (int guard = 0; off >= 0x40 && guard < 48; guard++) {
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

/* Sizes each memory BAR the standard way: write ones, read the mask back. */
static void read_bars(struct pci_dev *d)
{
	for (int i = 0; i < 6; i++) {
		unsigned off = 0x10 + 4 * i;
		uint32_t lo = pci_read32(d, off);
		if (lo & 1)
			continue;	/* I/O BAR: not used */
		bool is64 = ((lo >> 1) & 3) == 2;
		pci_write32(d, off, 0xffffffff);
		uint64_t mask = pci_read32(d, off) & ~0xfULL;
		pci_write32(d, off, lo);
		uint64_t addr = lo & ~0xfULL;
		if (is64 && i < 5) {
			uint32_t hi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, 0xffffffff);
			mask |= (uint64_t)pci_read32(d, off + 4) << 32;
			pci_write32(d, off + 4, hi);
			addr |= (uint64_t)hi << 32;
		} else {
			mask |= 0xffffffff00000000ULL;
		}
		d->bar[i] = addr;
		d->bar_size[i] = mask ? ~mask + 1 : 0;
		if (is64)
			i++;
	}
}

void *pci_map_bar(const struct pci_dev *d, int bar, uint64_t off, uint64_t len)
{
	if (bar < 0 || bar > 5 || !d->bar[bar] || off + len > d->bar_size[bar])
		return NULL;
	return ioremap(d->bar[bar] + off, len);
}

int pci_msix_enable(struct pci_dev *d, const int *vecs, int n)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	if (!cap)
		return -ENODEV;
	uint16_t ctl = pci_read16(d, cap + 2);
	if ((ctl & 0x7ff) + 1 < n)
		return -ENOSPC;
	uint32_t table = pci_read32(d, cap + 4);
	volatile uint32_t *t = pci_map_bar(d, table & 7, table & ~7u, 16 * n);
	if (!t)
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		t[4 * i + 0] = (uint32_t)msi_address();
		t[4 * i + 1] = (uint32_t)(msi_address() >> 32);
		t[4 * i + 2] = msi_data(vecs[i]);
		t[4 * i + 3] = 0;	/* unmasked */
	}
	pci_write16(d, cap + 2, (ctl | 0x8000) & ~0x4000);	/* enable, no function mask */
	/* Memory space and bus mastering on, legacy INTx off. */
	pci_write16(d, 0x04, pci_read16(d, 0x04) | 0x0406);
	return 0;
}

static void scan_bus(unsigned bus, void (*fn)(struct pci_dev *), int depth);

static void scan_function(unsigned bus, unsigned dev, unsigned fn,
    void (*cb)(struct pci_dev *), int depth)
{
	struct pci_dev d = { .bus = bus, .dev = dev, .fn = fn };
	uint32_t id = pci_read32(&d, 0);

	d.vendor = id & 0xffff;
	d.device = id >> 16;
	d.class = pci_read32(&d, 0x08) >> 8;
	uint8_t htype = pci_read8(&d, 0x0e) & 0x7f;
	if (htype == 1) {	/* PCI-to-PCI bridge */
		unsigned secondary = pci_read8(&d, 0x19);
		if (secondary > bus && depth < 8)
			scan_bus(secondary, cb, depth + 1);
		return;
	}
	if (htype != 0)
		return;
	read_bars(&d);
	pr_info("pci: %02x:%02x.%x %04x:%04x class %06x\n", bus, dev, fn,
	    d.vendor, d.device, d.class);
	cb(&d);
}

static void scan_bus(unsigned bus, void (*cb)(struct pci_dev *), int depth)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		struct pci_dev d = { .bus = bus, .dev = dev };
		if ((pci_read32(&d, 0) & 0xffff) == 0xffff)
			continue;
		unsigned nfn = (pci_read8(&d, 0x0e) & 0x80) ? 8 : 1;
		for (unsigned fn = 0; fn < nfn; fn++) {
			d.fn = fn;
			if ((pci_read32(&d, 0) & 0xffff) != 0xffff)
				scan_function(bus, dev, fn, cb, depth);
		}
	}
}

void pci_scan(void (*cb)(struct pci_dev *d))
{
	struct pci_dev host = { 0 };

	if ((pci_read32(&host, 0) & 0xffff) == 0xffff)
		return;		/* no PCI (microvm) */
	scan_bus(0, cb, 0);
}
