/* The per-page word (see page.c). Internal to mm/. */
#ifndef MM_PAGE_INFO_H
#define MM_PAGE_INFO_H
#include <stdint.h>

#define PI_TYPE_MASK	0xf000000000000000ULL
#define PI_FREE		0x1000000000000000ULL	/* free block head: order, links */
#define PI_SLAB		0x2000000000000000ULL	/* heap slab page: class | index << 8 */
#define PI_LARGE	0x3000000000000000ULL	/* large allocation head: pages */
#define PI_USED		0x4000000000000000ULL	/* handed out by page_alloc/pages_alloc */
#define PI_NIL		0x0fffffffUL		/* end of a free list; also the pfn limit */

extern uint64_t *page_info;
extern uint64_t max_pfn;

void page_lists_init(void);
void page_add_range(uint64_t pa, uint64_t size);
void page_stats(uint64_t *total, uint64_t *free, uint64_t *fail);
void heap_init(void);
void heap_stats(uint64_t *bytes);

#endif
