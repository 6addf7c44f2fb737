/* Host shim of kernel/mm/mm.h: the heap and pages on malloc, with a
 * counter of live allocations so tests can fail their next allocation. */
#ifndef MM_MM_H
#define MM_MM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096UL
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* Tests set this to N > 0 to make the N-th allocation from now fail. */
extern int kshim_fail_after;

static inline bool kshim_should_fail(void)
{
	if (kshim_fail_after > 0 && --kshim_fail_after == 0)
		return true;
	return false;
}

static inline void *kmalloc(size_t size)
{
	return kshim_should_fail() ? NULL : malloc(size ? size : 1);
}

static inline void *kzalloc(size_t size)
{
	return kshim_should_fail() ? NULL : calloc(1, size ? size : 1);
}

static inline void *krealloc(void *p, size_t size)
{
	return kshim_should_fail() ? NULL : realloc(p, size);
}

static inline void kfree(void *p) { free(p); }

static inline void *pages_alloc(size_t npages)
{
	return kshim_should_fail() ? NULL : aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
}

static inline void pages_free(void *va, size_t npages) { free(va); }

/* Physical pages are host pages: a "physical address" is the pointer. */
static inline uint64_t page_alloc(unsigned order)
{
	return kshim_should_fail() ? 0 : (uint64_t)(uintptr_t)aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
}

static inline void page_free(uint64_t pa, unsigned order) { free((void *)(uintptr_t)pa); }
static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }

struct reclaimer {
	size_t (*reclaim)(void *arg, size_t pages);
	void *arg;
	struct reclaimer *next;
};

/* The one reclaimer a test may call (the page cache's). */
extern struct reclaimer *kshim_reclaimer;
static inline void mm_register_reclaimer(struct reclaimer *r) { kshim_reclaimer = r; }
static inline size_t mm_reclaim(size_t pages) { return 0; }

struct mem_stats {
	uint64_t total_pages, free_pages;
	uint64_t heap_bytes;
	uint64_t alloc_failures;
};

static inline void mem_stats(struct mem_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->total_pages = 1 << 18;	/* pretend 1 GiB */
	s->free_pages = 1 << 17;
}

#endif
