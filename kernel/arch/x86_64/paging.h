/* Page tables (x86-64 4-level). Only arch/ knows their format. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H
#include <stdint.h>
#include <stddef.h>

int paging_init(void);		/* builds the kernel's own tables */
int paging_map_ram(uint64_t pa, uint64_t size);
void paging_activate(void);
int paging_map(uintptr_t va, uint64_t pa, size_t size, int vm_flags);
void paging_unmap(uintptr_t va, size_t size);
void paging_protect(uintptr_t va, size_t size, int vm_flags);
/* The range walks below skip absent tables whole (a sparse range of many
 * GiB costs what is mapped in it). fn runs under the paging lock for each
 * present 4 KiB page with its physical address and VM_* flags, VM_DIRTY
 * included; it must not call paging_*. */
typedef void (*paging_page_fn)(void *arg, uintptr_t va, uint64_t pa, int vm_flags);
/* Unmaps [va, va+size), telling fn of each page unmapped. */
void paging_unmap_range(uintptr_t va, size_t size, paging_page_fn fn, void *arg);
/* Clears the dirty bit of each page in the range that has it; fn is told. */
void paging_harvest_dirty(uintptr_t va, size_t size, paging_page_fn fn, void *arg);
/* Moves the pages mapped in [from, from+size) to the same offsets at to,
 * whose range must hold nothing. -ENOMEM if a table could not be had. */
int paging_move(uintptr_t from, uintptr_t to, size_t size);
/* Physical address behind va, or -1 if unmapped. */
uint64_t paging_translate(uintptr_t va);
/* The 4 KiB page mapped at va and its VM_* flags in *vm_flags, or -1. */
uint64_t paging_lookup(uintptr_t va, int *vm_flags);

#endif
