/* Boot-time memory setup from the PVH memory map. */
#include "mm/mm.h"
#include "mm/page_info.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp_boot.h"
#include "dev/console.h"
#include "pvh.h"
#include <errno.h>
#include <string.h>

#define BOOT_MAPPED_LIMIT (1UL << 30)	/* what boot.S's tables map */
#define MAX_RESERVED 16
#define MAX_MEMMAP 128

extern char __kernel_phys_start[], __kernel_end[];

/* Boot-only tables, used before threads exist: no lock needed. */
static struct { uint64_t start, end; } reserved[MAX_RESERVED];
static int nreserved;

void page_reserve_range(uint64_t pa, uint64_t size)
{
	if (nreserved == MAX_RESERVED) {
		pr_err("mm: too many reserved ranges, %#lx+%#lx ignored\n", pa, size);
		return;
	}
	reserved[nreserved].start = pa & ~(PAGE_SIZE - 1);
	reserved[nreserved].end = PAGE_ALIGN(pa + size);
	nreserved++;
}

uint64_t virt_to_phys(const void *va)
{
	uintptr_t a = (uintptr_t)va;

	if (a >= KERNEL_VMA)
		return a - KERNEL_VMA;
	if (a >= DIRECT_MAP_BASE && a < VMAP_BASE)
		return a - DIRECT_MAP_BASE;
	return paging_translate(NULL, a);
}

/* Adds [start, end) to the page allocator minus the reserved ranges. */
static void add_free(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nreserved && start < end; i++) {
		if (reserved[i].end <= start || reserved[i].start >= end)
			continue;
		if (reserved[i].start > start)
			add_free(start, reserved[i].start);
		start = reserved[i].end;
	}
	if (start < end)
		page_add_range(start, end - start);
}

static void add_ram(const struct pvh_memmap_entry *map, uint32_t n,
    uint64_t lo, uint64_t hi)
{
	for (uint32_t i = 0; i < n; i++) {
		if (map[i].type != PVH_MEMMAP_RAM)
			continue;
		uint64_t s = map[i].addr, e = map[i].addr + map[i].size;
		if (s < lo)
			s = lo;
		if (e > hi)
			e = hi;
		if (s < e)
			add_free(s, e);
	}
}

/* Finds room for page_info[] in boot-mapped RAM outside reserved ranges. */
static uint64_t find_boot_space(const struct pvh_memmap_entry *map, uint32_t n,
    uint64_t size)
{
	for (uint32_t i = 0; i < n; i++) {
		if (map[i].type != PVH_MEMMAP_RAM)
			continue;
		uint64_t s = PAGE_ALIGN(map[i].addr);
		uint64_t e = map[i].addr + map[i].size;
		if (e > BOOT_MAPPED_LIMIT)
			e = BOOT_MAPPED_LIMIT;
		for (int r = 0; r < nreserved; r++)
			if (reserved[r].start < s + size && reserved[r].end > s)
				s = reserved[r].end, r = -1;
		if (s + size <= e)
			return s;
	}
	return 0;
}

int mm_init(const struct pvh_start_info *si)
{
	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries) {
		pr_err("mm: the boot loader gave no memory map (PVH start_info v%u)\n",
		    si->version);
		return -EINVAL;
	}
	/* Copied: the loader's copy may not be in RAM the direct map covers. */
	static struct pvh_memmap_entry map[MAX_MEMMAP];
	uint32_t n = si->memmap_entries < MAX_MEMMAP ? si->memmap_entries : MAX_MEMMAP;
	uint64_t top = 0, ram = 0;

	memcpy(map, phys_to_virt(si->memmap_paddr), n * sizeof(map[0]));

	for (uint32_t i = 0; i < n; i++) {
		if (map[i].type != PVH_MEMMAP_RAM)
			continue;
		ram += map[i].size;
		if (map[i].addr + map[i].size > top)
			top = map[i].addr + map[i].size;
	}
	max_pfn = top >> PAGE_SHIFT;
	if (max_pfn >= PI_NIL) {
		pr_warn("mm: only the first %lu GiB of RAM are used\n", (PI_NIL << PAGE_SHIFT) >> 30);
		max_pfn = PI_NIL - 1;
	}

	/* Page 0 stays unused (null pointers). The rest of low RAM is free once
	 * boot has copied what the loader left there (memmap, command line). */
	page_reserve_range(0, PAGE_SIZE);
	page_reserve_range(AP_BOOT_PA, AP_BOOT_PAGES * PAGE_SIZE);	/* where other CPUs start */
	page_reserve_range((uintptr_t)__kernel_phys_start,
	    (uintptr_t)__kernel_end - KERNEL_VMA - (uintptr_t)__kernel_phys_start);
	const struct pvh_module *mods = phys_to_virt(si->modlist_paddr);
	for (uint32_t i = 0; si->modlist_paddr && i < si->nr_modules; i++)
		page_reserve_range(mods[i].paddr, mods[i].size);

	uint64_t info_size = PAGE_ALIGN(max_pfn * sizeof(page_info[0]));
	uint64_t info_pa = find_boot_space(map, n, info_size);
	if (!info_pa) {
		pr_err("mm: not enough memory: %lu KiB of RAM, need %lu KiB more for page tables\n",
		    ram >> 10, info_size >> 10);
		return -ENOMEM;
	}
	page_info = phys_to_virt(info_pa);
	memset(page_info, 0, info_size);
	page_reserve_range(info_pa, info_size);

	page_lists_init();
	add_ram(map, n, 0, BOOT_MAPPED_LIMIT);
	int err = paging_init();
	for (uint32_t i = 0; i < n && !err; i++)
		if (map[i].type == PVH_MEMMAP_RAM)
			err = paging_map_ram(map[i].addr, map[i].size);
	if (err) {
		pr_err("mm: not enough memory for the kernel page tables (%lu KiB of RAM)\n",
		    ram >> 10);
		return err;
	}
	paging_activate();
	add_ram(map, n, BOOT_MAPPED_LIMIT, UINT64_MAX);
	heap_init();
	return 0;
}

void mem_stats(struct mem_stats *s)
{
	page_stats(&s->total_pages, &s->free_pages, &s->alloc_failures);
	heap_stats(&s->heap_bytes);
}

/* Gives back RAM reserved at boot (the initrd once unpacked). */
void mm_release_boot_range(uint64_t pa, uint64_t size)
{
	uint64_t start = PAGE_ALIGN(pa), end = (pa + size) & ~(PAGE_SIZE - 1);

	if (end > start)
		page_add_range(start, end - start);
}
