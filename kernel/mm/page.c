/* Physical page allocator: a binary buddy system over all of RAM.
 *
 * page_info[] holds one 64-bit word per physical page, the only per-page
 * state in the kernel. The head page of a free block records FREE, the
 * block's order and its free-list links (page numbers), so merging checks a
 * buddy in O(1) and the allocator never writes into free memory: on a fresh
 * VM every first touch of guest RAM costs the host a page fault (measured
 * here: ~5 ms per untouched 2 MiB under nested virtualization), so a boot
 * that links free lists through free pages would touch all of RAM. The heap
 * keeps its own tags in the same words (see page_info.h). */
#include "mm/mm.h"
#include "mm/page_info.h"
#include "sched/spinlock.h"
#include "dev/console.h"
#include "panic.h"
#include <string.h>

uint64_t *page_info;
uint64_t max_pfn;
static uint64_t free_heads[PAGE_MAX_ORDER + 1];	/* first pfn or PI_NIL */
static spinlock_t page_lock = SPINLOCK_INIT("pages");
static uint64_t total_pages, free_pages, failures;

static inline uint64_t pi_next(uint64_t w) { return (w >> 28) & PI_NIL; }
static inline uint64_t pi_prev(uint64_t w) { return w & PI_NIL; }

static inline uint64_t pi_free(unsigned order, uint64_t next, uint64_t prev)
{
	return PI_FREE | (uint64_t)order << 56 | next << 28 | prev;
}

static void set_next(uint64_t pfn, uint64_t next)
{
	uint64_t w = page_info[pfn];
	page_info[pfn] = (w & ~(PI_NIL << 28)) | next << 28;
}

static void set_prev(uint64_t pfn, uint64_t prev)
{
	uint64_t w = page_info[pfn];
	page_info[pfn] = (w & ~PI_NIL) | prev;
}

static void list_push(unsigned order, uint64_t pfn)
{
	uint64_t head = free_heads[order];

	page_info[pfn] = pi_free(order, head, PI_NIL);
	if (head != PI_NIL)
		set_prev(head, pfn);
	free_heads[order] = pfn;
}

static void list_remove(unsigned order, uint64_t pfn)
{
	uint64_t w = page_info[pfn];
	uint64_t next = pi_next(w), prev = pi_prev(w);

	if (prev != PI_NIL)
		set_next(prev, next);
	else
		free_heads[order] = next;
	if (next != PI_NIL)
		set_prev(next, prev);
	page_info[pfn] = 0;
}

static bool is_free_head(uint64_t pfn, unsigned order)
{
	uint64_t w = page_info[pfn];
	return (w & PI_TYPE_MASK) == PI_FREE && ((w >> 56) & 0xf) == order;
}

void page_lists_init(void)
{
	for (int i = 0; i <= PAGE_MAX_ORDER; i++)
		free_heads[i] = PI_NIL;
}

/* Frees one aligned block, merging with free buddies. Lock held. */
static void free_block(uint64_t pfn, unsigned order)
{
	while (order < PAGE_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1UL << order);
		if (buddy >= max_pfn || !is_free_head(buddy, order))
			break;
		list_remove(order, buddy);
		pfn &= ~(1UL << order);
		order++;
	}
	list_push(order, pfn);
}

/* Frees [pfn, pfn+n) as the largest aligned blocks that fit. Lock held. */
static void free_range(uint64_t pfn, uint64_t n)
{
	while (n) {
		unsigned order = 0;
		while (order < PAGE_MAX_ORDER && !(pfn & (1UL << order)) &&
		    (2UL << order) <= n)
			order++;
		free_block(pfn, order);
		pfn += 1UL << order;
		n -= 1UL << order;
	}
}

/* Boot: hand a range of RAM to the allocator. */
void page_add_range(uint64_t pa, uint64_t size)
{
	uint64_t first = (pa + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint64_t end = (pa + size) >> PAGE_SHIFT;

	if (end > max_pfn)
		end = max_pfn;
	if (first >= end)
		return;
	unsigned long flags = spin_lock_irqsave(&page_lock);
	free_range(first, end - first);
	total_pages += end - first;
	free_pages += end - first;
	spin_unlock_irqrestore(&page_lock, flags);
}

/* Takes a block of at least `order`, splitting a larger one. Lock held. */
static uint64_t alloc_block(unsigned order)
{
	unsigned o = order;

	while (o <= PAGE_MAX_ORDER && free_heads[o] == PI_NIL)
		o++;
	if (o > PAGE_MAX_ORDER)
		return PI_NIL;
	uint64_t pfn = free_heads[o];
	list_remove(o, pfn);
	while (o > order) {	/* split, returning upper halves */
		o--;
		list_push(o, pfn + (1UL << o));
	}
	return pfn;
}

/* Marks pages handed out, so freeing one that is not out is caught. */
static void mark_used(uint64_t pfn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		if (i && page_info[pfn + i])
			panic("page_alloc: page %#lx inside a free block is in use (word %#lx)",
			    (pfn + i) << PAGE_SHIFT, page_info[pfn + i]);
		page_info[pfn + i] = PI_USED;
	}
}

/* Every page being freed must be out: a double free would hand the same
 * page to two owners later, the worst kind of corruption to debug. */
static void check_used(uint64_t pfn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t type = page_info[pfn + i] & PI_TYPE_MASK;
		if (type != PI_USED && type != PI_SLAB && type != PI_LARGE)
			panic("page_free: page %#lx is not allocated (word %#lx: freed twice?)",
			    (pfn + i) << PAGE_SHIFT, page_info[pfn + i]);
	}
}

uint64_t page_alloc(unsigned order)
{
	if (order > PAGE_MAX_ORDER)
		return 0;
	unsigned long flags = spin_lock_irqsave(&page_lock);
	uint64_t pfn = alloc_block(order);
	if (pfn != PI_NIL) {
		free_pages -= 1UL << order;
		mark_used(pfn, 1UL << order);
	} else {
		failures++;
	}
	spin_unlock_irqrestore(&page_lock, flags);
	return pfn == PI_NIL ? 0 : pfn << PAGE_SHIFT;
}

/* A page of several owners (copy-on-write after fork) counts the others
 * in the low bits of its word; each owner's page_free takes one off, and
 * the last one's frees it. */
#define PI_SHARERS	0xffffffffULL

void page_share(uint64_t pa)
{
	unsigned long flags = spin_lock_irqsave(&page_lock);
	uint64_t *w = &page_info[pa >> PAGE_SHIFT];
	if ((*w & PI_TYPE_MASK) != PI_USED || (*w & PI_SHARERS) == PI_SHARERS)
		panic("page_share: page %#lx is not a page in use (word %#lx)", pa, *w);
	(*w)++;
	spin_unlock_irqrestore(&page_lock, flags);
}

bool page_is_shared(uint64_t pa)
{
	return __atomic_load_n(&page_info[pa >> PAGE_SHIFT], __ATOMIC_RELAXED) & PI_SHARERS;
}

void page_free(uint64_t pa, unsigned order)
{
	unsigned long flags = spin_lock_irqsave(&page_lock);
	uint64_t *w = &page_info[pa >> PAGE_SHIFT];
	if (!order && (*w & PI_TYPE_MASK) == PI_USED && (*w & PI_SHARERS)) {
		(*w)--;			/* another owner keeps it */
		spin_unlock_irqrestore(&page_lock, flags);
		return;
	}
	check_used(pa >> PAGE_SHIFT, 1UL << order);
	for (uint64_t i = 0; i < (1UL << order); i++)
		page_info[(pa >> PAGE_SHIFT) + i] = 0;
	free_block(pa >> PAGE_SHIFT, order);
	free_pages += 1UL << order;
	spin_unlock_irqrestore(&page_lock, flags);
}

static void *pages_alloc_once(size_t npages)
{
	unsigned order = 0;

	while ((1UL << order) < npages)
		order++;
	if (!npages || order > PAGE_MAX_ORDER)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&page_lock);
	uint64_t pfn = alloc_block(order);
	if (pfn == PI_NIL) {
		failures++;
		spin_unlock_irqrestore(&page_lock, flags);
		return NULL;
	}
	/* Give back the tail beyond npages. */
	free_range(pfn + npages, (1UL << order) - npages);
	mark_used(pfn, npages);
	free_pages -= npages;
	spin_unlock_irqrestore(&page_lock, flags);
	return phys_to_virt(pfn << PAGE_SHIFT);
}

void *pages_alloc(size_t npages)
{
	void *p = pages_alloc_once(npages);

	if (!p && mm_reclaim(npages))
		p = pages_alloc_once(npages);
	return p;
}

void pages_free(void *va, size_t npages)
{
	uint64_t pfn = virt_to_phys(va) >> PAGE_SHIFT;
	unsigned long flags = spin_lock_irqsave(&page_lock);

	check_used(pfn, npages);
	for (size_t i = 0; i < npages; i++)
		page_info[pfn + i] = 0;
	free_range(pfn, npages);
	free_pages += npages;
	spin_unlock_irqrestore(&page_lock, flags);
}

void page_stats(uint64_t *total, uint64_t *free, uint64_t *fail)
{
	*total = total_pages;
	*free = free_pages;
	*fail = failures;
}
