/* The PVH boot ABI (xen/include/public/arch-x86/hvm/start_info.h). */
#ifndef OSPREY_PVH_H
#define OSPREY_PVH_H
#include <stdint.h>

#define PVH_START_MAGIC 0x336ec578

struct pvh_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;		/* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct pvh_module {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct pvh_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* 1: RAM */
	uint32_t reserved;
};

#define PVH_MEMMAP_RAM 1

#endif
