/* Memory: physical pages (buddy allocator), the kernel heap, and virtual
 * mappings outside the direct map (stacks with guard pages, MMIO). */
#ifndef MM_MM_H
#define MM_MM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096UL
#define PAGE_MAX_ORDER	14		/* largest block: 64 MiB */
#define DIRECT_MAP_BASE	0xffff800000000000UL
#define VMAP_BASE	0xffffc00000000000UL
#define VMAP_SIZE	(64UL << 30)
#define KERNEL_VMA	0xffffffff80000000UL

#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

static inline void *phys_to_virt(uint64_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
uint64_t virt_to_phys(const void *va);

struct pvh_start_info;
struct boot_options;

/* Boot: reads the PVH memory map, sets up the page allocator, the final
 * page tables and the heap. Returns 0 or a negative errno with a message. */
int mm_init(const struct pvh_start_info *si);

/* Physical pages, in blocks of 2^order; 0 means out of memory. */
uint64_t page_alloc(unsigned order);
void page_free(uint64_t pa, unsigned order);
/* Any number of pages, contiguous; returns a direct-map address or NULL. */
/* Copy-on-write: pa (an order-0 page) gets one more owner; each owner
 * calls page_free, and the last one's call frees it. */
void page_share(uint64_t pa);
bool page_is_shared(uint64_t pa);	/* has it another owner? */
void *pages_alloc(size_t npages);
void pages_free(void *va, size_t npages);
void page_reserve_range(uint64_t pa, uint64_t size);	/* boot only */
void mm_release_boot_range(uint64_t pa, uint64_t size);

struct mem_stats {
	uint64_t total_pages, free_pages;
	uint64_t heap_bytes;		/* bytes handed out by kmalloc */
	uint64_t alloc_failures;
};
void mem_stats(struct mem_stats *s);

/* Kernel heap. kmalloc returns 16-byte aligned memory, page-aligned for
 * sizes of a page or more; NULL (and one log line) when memory runs out.
 * Sizes up to KMALLOC_SLAB_MAX share slab pages; a larger one takes whole
 * pages (2049 bytes cost 4 KiB). */
#define KMALLOC_SLAB_MAX	2048
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
size_t ksize(const void *p);
extern bool heap_debug;

/* Memory pressure. A reclaimer gives back up to `pages` pages (more is
 * fine) and returns how many it freed; it may sleep and allocate, but an
 * allocation failing inside it does not reclaim again. */
struct reclaimer {
	size_t (*reclaim)(void *arg, size_t pages);
	void *arg;
	struct reclaimer *next;
};
void mm_register_reclaimer(struct reclaimer *r);
void mm_unregister_reclaimer(struct reclaimer *r);
size_t mm_reclaim(size_t pages);	/* what kmalloc and pages_alloc do on failure */

/* Virtual mappings outside the direct map. */
#define VM_WRITE	1
#define VM_EXEC		2
#define VM_UNCACHED	4
#define VM_DIRTY	8		/* reported by paging walks; never asked for */
void *vmap_stack(size_t size);			/* with an unmapped guard page below */
void vunmap_stack(void *top, size_t size);
void *ioremap(uint64_t pa, size_t size);
/* Virtually contiguous, page-backed memory; not for device DMA. */
void *vmalloc(size_t size);
void vfree(void *p, size_t size);
/* Zeroed, writable memory for a kernel module near the kernel image. */
void *vmap_module(size_t size, size_t align);
void vunmap_module(void *base, size_t size);
void vmap_protect(void *va, size_t size, int vm_flags);

#endif
