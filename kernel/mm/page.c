/* Physical page allocator: a binary buddy system over all of RAM.
 *
 * page_info[] holds one 32-bit word per physical page, the only per-page
 * state in the kernel: the head page of a free block records FREE and the
 * block's order (so merging can check a buddy in O(1)); the heap records its
 * own tags there too (see heap.c). Free blocks are linked through their own
 * first bytes, reached through the direct map. */
#include "mm/mm.h"
#include "mm/page_info.h"
#include "sched/spinlock.h"
#include "dev/console.h"
#include <string.h>

struct free_block {
	struct free_block *next, *prev;
};

uint32_t *page_info;
uint64_t max_pfn;
static struct free_block free_lists[PAGE_MAX_ORDER + 1];	/* list heads */
static spinlock_t page_lock = SPINLOCK_INIT("pages");
static uint64_t total_pages, free_pages, failures;

static void list_push(unsigned order, uint64_t pfn)
{
	struct free_block *b = phys_to_virt(pfn << PAGE_SHIFT);
	struct free_block *head = &free_lists[order];

	b->next = head->next;
	b->prev = head;
	head->next->prev = b;
	head->next = b;
	page_info[pfn] = PI_FREE | order;
}

static void list_remove(uint64_t pfn)
{
	struct free_block *b = phys_to_virt(pfn << PAGE_SHIFT);

	b->prev->next = b->next;
	b->next->prev = b->prev;
	page_info[pfn] = 0;
}

void page_lists_init(void)
{
	for (int i = 0; i <= PAGE_MAX_ORDER; i++)
		free_lists[i].next = free_lists[i].prev = &free_lists[i];
}

/* Frees one aligned block, merging with free buddies. Lock held. */
static void free_block(uint64_t pfn, unsigned order)
{
	while (order < PAGE_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1UL << order);
		if (buddy >= max_pfn || page_info[buddy] != (PI_FREE | order))
			break;
		list_remove(buddy);
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

static uint64_t alloc_block(unsigned order)
{
	unsigned o = order;

	while (o <= PAGE_MAX_ORDER && free_lists[o].next == &free_lists[o])
		o++;
	if (o > PAGE_MAX_ORDER)
		return UINT64_MAX;
	struct free_block *b = free_lists[o].next;
	uint64_t pfn = virt_to_phys(b) >> PAGE_SHIFT;
	list_remove(pfn);
	while (o > order) {	/* split, returning upper halves */
		o--;
		list_push(o, pfn + (1UL << o));
	}
	return pfn;
}

uint64_t page_alloc(unsigned order)
{
	if (order > PAGE_MAX_ORDER)
		return 0;
	unsigned long flags = spin_lock_irqsave(&page_lock);
	uint64_t pfn = alloc_block(order);
	if (pfn != UINT64_MAX)
		free_pages -= 1UL << order;
	else
		failures++;
	spin_unlock_irqrestore(&page_lock, flags);
	return pfn == UINT64_MAX ? 0 : pfn << PAGE_SHIFT;
}

void page_free(uint64_t pa, unsigned order)
{
	unsigned long flags = spin_lock_irqsave(&page_lock);
	free_block(pa >> PAGE_SHIFT, order);
	free_pages += 1UL << order;
	spin_unlock_irqrestore(&page_lock, flags);
}

void *pages_alloc(size_t npages)
{
	unsigned order = 0;

	while ((1UL << order) < npages)
		order++;
	if (!npages || order > PAGE_MAX_ORDER)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&page_lock);
	uint64_t pfn = alloc_block(order);
	if (pfn == UINT64_MAX) {
		failures++;
		spin_unlock_irqrestore(&page_lock, flags);
		return NULL;
	}
	/* Give back the tail beyond npages. */
	free_range(pfn + npages, (1UL << order) - npages);
	free_pages -= npages;
	spin_unlock_irqrestore(&page_lock, flags);
	return phys_to_virt(pfn << PAGE_SHIFT);
}

void pages_free(void *va, size_t npages)
{
	uint64_t pfn = virt_to_phys(va) >> PAGE_SHIFT;
	unsigned long flags = spin_lock_irqsave(&page_lock);

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
