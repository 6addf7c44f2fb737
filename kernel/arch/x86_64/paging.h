/* Page tables (x86-64 4-level). Only arch/ knows their format. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

int paging_init(void);		/* builds the kernel's own tables */
int paging_map_ram(uint64_t pa, uint64_t size);
void paging_activate(void);

/* A process's tables: its own lower half, the kernel's upper half. Every
 * call below takes the pagemap whose lower half it works on (NULL: the
 * kernel's tables, which map nothing there); upper-half addresses are
 * the kernel's in every pagemap. */
struct pagemap;
struct pagemap *paging_new(void);
/* Frees the tables; every page they mapped must have been unmapped. */
void paging_destroy(struct pagemap *pm);
/* Loads pm's tables (NULL: the kernel's) unless they are loaded. */
void paging_switch(struct pagemap *pm);

int paging_map(struct pagemap *pm, uintptr_t va, uint64_t pa, size_t size, int vm_flags);
void paging_unmap(struct pagemap *pm, uintptr_t va, size_t size);
void paging_protect(struct pagemap *pm, uintptr_t va, size_t size, int vm_flags);
/* The range walks below skip absent tables whole (a sparse range of many
 * GiB costs what is mapped in it). fn runs under the paging lock for each
 * present 4 KiB page with its physical address and VM_* flags, VM_DIRTY
 * included; it must not call paging_*. */
typedef void (*paging_page_fn)(void *arg, uintptr_t va, uint64_t pa, int vm_flags);
/* Unmaps [va, va+size), telling fn of each page unmapped. */
void paging_unmap_range(struct pagemap *pm, uintptr_t va, size_t size, paging_page_fn fn,
    void *arg);
/* Clears the dirty bit of each page in the range that has it; fn is told. */
void paging_harvest_dirty(struct pagemap *pm, uintptr_t va, size_t size, paging_page_fn fn,
    void *arg);
/* A clock for taking back mapped pages: each present 4 KiB page in
 * [va, va+size) used since it was mapped or last visited (its accessed
 * bit) loses the bit and stays; one not used is offered to pick, and if
 * pick wants it, it is unmapped and gone is told. Both run under the
 * paging lock (they must not call paging_*). The walk ends early once
 * *stop is true; the address after the last page visited is returned
 * (va + size for a whole walk), for the next walk to start from. */
struct paging_reclaim {
	bool (*pick)(void *arg, uintptr_t va, uint64_t pa, int vm_flags);
	paging_page_fn gone;
	void *arg;
	const bool *stop;
};
uintptr_t paging_reclaim_cold(struct pagemap *pm, uintptr_t va, size_t size,
    const struct paging_reclaim *r);
/* Moves the pages mapped in [from, from+size) to the same offsets at to,
 * whose range must hold nothing. -ENOMEM if a table could not be had. */
int paging_move(struct pagemap *pm, uintptr_t from, uintptr_t to, size_t size);
/* fork: maps the pages src maps in [va, va+size) at the same places in
 * dst; cow: read-only in both. fn is told of each page (to count the new
 * owner). -ENOMEM if a table could not be had (what was copied stays). */
int paging_copy_range(struct pagemap *dst, struct pagemap *src, uintptr_t va, size_t size,
    bool cow, paging_page_fn fn, void *arg);
/* Physical address behind va, or -1 if unmapped. */
uint64_t paging_translate(struct pagemap *pm, uintptr_t va);
/* The 4 KiB page mapped at va and its VM_* flags in *vm_flags, or -1. */
uint64_t paging_lookup(struct pagemap *pm, uintptr_t va, int *vm_flags);

#endif
