/* PCI devices: enumeration of the buses behind the host bridge, BARs,
 * capabilities and MSI-X. */
#ifndef DEV_PCI_H
#define DEV_PCI_H
#include <stdint.h>
#include <stdbool.h>

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class;			/* class << 16 | subclass << 8 | prog-if */
	uint64_t bar[6];		/* physical addresses (memory BARs) */
	uint64_t bar_size[6];
};

#define PCI_CAP_MSIX		0x11
#define PCI_CAP_VENDOR		0x09

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
/* Offset of the next capability with this id after `after` (0: first), or 0. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after);
/* Maps a BAR region; NULL if it is not a memory BAR or too small. */
void *pci_map_bar(const struct pci_dev *d, int bar, uint64_t off, uint64_t len);
/* Enables MSI-X with `n` vectors routed to CPU vectors vecs[0..n). */
int pci_msix_enable(struct pci_dev *d, const int *vecs, int n);

/* Calls fn for each function found; drivers match on vendor/device. */
void pci_scan(void (*fn)(struct pci_dev *d));

#endif
