/* The per-page word (see page.c). Internal to mm/. */
#ifndef MM_PAGE_INFO_H
#define MM_PAGE_INFO_H
#include <stdint.h>

#define PI_TYPE_MASK	0xf0000000u
#define PI_FREE		0x10000000u	/* head of a free block; low bits: order */
#define PI_SLAB		0x20000000u	/* heap slab page; low bits: size class */
#define PI_LARGE	0x30000000u	/* head of a large allocation; low bits: pages */

extern uint32_t *page_info;
extern uint64_t max_pfn;

void page_lists_init(void);
void page_add_range(uint64_t pa, uint64_t size);
void page_stats(uint64_t *total, uint64_t *free, uint64_t *fail);
void heap_init(void);
void heap_stats(uint64_t *bytes);

#endif
