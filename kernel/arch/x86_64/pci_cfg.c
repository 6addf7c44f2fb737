/* PCI configuration space through the legacy 0xcf8/0xcfc ports (present on
 * q35 and pc; on microvm reads return all ones, so no device is found). */
#include "arch.h"
#include "arch/x86_64/cpu.h"
#include "sched/spinlock.h"

static spinlock_t pci_cfg_lock = SPINLOCK_INIT("pci_cfg");

static uint32_t address(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc);
}

uint32_t pci_cfg_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	unsigned long flags = spin_lock_irqsave(&pci_cfg_lock);
	outl(0xcf8, address(bus, dev, fn, off));
	uint32_t v = inl(0xcfc);
	spin_unlock_irqrestore(&pci_cfg_lock, flags);
	return v;
}

void pci_cfg_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	unsigned long flags = spin_lock_irqsave(&pci_cfg_lock);
	outl(0xcf8, address(bus, dev, fn, off));
	outl(0xcfc, v);
	spin_unlock_irqrestore(&pci_cfg_lock, flags);
}
