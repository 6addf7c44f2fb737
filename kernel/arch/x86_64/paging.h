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
/* Physical address behind va, or -1 if unmapped. */
uint64_t paging_translate(uintptr_t va);

#endif
