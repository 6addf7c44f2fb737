/* I/O APICs route device interrupt lines (GSIs) to vectors. QEMU places the
 * first at 0xfec00000 (GSIs 0-23); microvm adds a second at 0xfec10000 for
 * its virtio-mmio devices (GSIs 24 and up). All pins start masked. */
#include "arch.h"
#include "mm/mm.h"
#include "dev/console.h"
#include "sched/spinlock.h"
#include <errno.h>

#define IOAPIC_MAX 2
#define IOREGSEL 0
#define IOWIN 4

struct ioapic {
	volatile uint32_t *regs;
	unsigned gsi_base, npins;
};

static struct ioapic ioapics[IOAPIC_MAX];
static int nioapics;
static spinlock_t ioapic_lock = SPINLOCK_INIT("ioapic");

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL] = reg;
	return io->regs[IOWIN];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL] = reg;
	io->regs[IOWIN] = v;
}

/* An absent IOAPIC reads as zeros or ones: check the version byte. */
static void ioapic_probe(uint64_t pa, unsigned gsi_base)
{
	volatile uint32_t *regs = ioremap(pa, 4096);

	if (!regs)
		return;
	struct ioapic *io = &ioapics[nioapics];
	io->regs = regs;
	uint32_t ver = ioapic_read(io, 1);
	if ((ver & 0xff) < 0x10 || (ver & 0xff) > 0x2f || ((ver >> 16) & 0xff) >= 0xf0)
		return;
	io->gsi_base = gsi_base;
	io->npins = ((ver >> 16) & 0xff) + 1;
	for (unsigned pin = 0; pin < io->npins; pin++) {
		ioapic_write(io, 0x10 + 2 * pin, 1 << 16);
		ioapic_write(io, 0x11 + 2 * pin, 0);
	}
	nioapics++;
}

void ioapic_init(void)
{
	ioapic_probe(0xfec00000, 0);
	if (nioapics)
		ioapic_probe(0xfec10000, ioapics[0].npins);
}

int ioapic_route(unsigned gsi, int vector, int mode)
{
	for (int i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi < io->gsi_base || gsi >= io->gsi_base + io->npins)
			continue;
		unsigned pin = gsi - io->gsi_base;
		uint32_t lo = vector | (mode & IRQ_LEVEL ? 1 << 15 : 0) |
		    (mode & IRQ_ACTIVE_LOW ? 1 << 13 : 0);
		unsigned long flags = spin_lock_irqsave(&ioapic_lock);
		ioapic_write(io, 0x11 + 2 * pin, 0);	/* destination: APIC 0 */
		ioapic_write(io, 0x10 + 2 * pin, lo);
		spin_unlock_irqrestore(&ioapic_lock, flags);
		return 0;
	}
	pr_err("ioapic: no I/O APIC serves GSI %u\n", gsi);
	return -ENODEV;
}
