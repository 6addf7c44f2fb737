/* Self-tests of memory management and of the panic path. */
#include "test/tests.h"
#include "mm/mm.h"
#include "panic.h"
#include "sched/sched.h"
#include <string.h>

/* Random sizes, each block filled with a pattern from its address; every
 * pattern is checked before the block is freed, so overlapping blocks or a
 * heap that hands out memory twice fail the test. */
int test_heap(void)
{
	enum { SLOTS = 512 };
	static uint8_t *blocks[SLOTS];
	static size_t sizes[SLOTS];
	uint64_t seed = 0x1234567;
	struct mem_stats before, after;

	mem_stats(&before);
	for (int round = 0; round < 20000; round++) {
		int i = test_rand(&seed) % SLOTS;
		if (blocks[i]) {
			uint8_t pat = (uint8_t)((uintptr_t)blocks[i] >> 4);
			for (size_t k = 0; k < sizes[i]; k++)
				EXPECT(blocks[i][k] == (uint8_t)(pat + k));
			kfree(blocks[i]);
			blocks[i] = NULL;
			continue;
		}
		uint64_t r = test_rand(&seed);
		size_t size = r % 8 == 0 ? r % 70000 : r % 3000;
		blocks[i] = kmalloc(size);
		EXPECT(blocks[i]);
		EXPECT(((uintptr_t)blocks[i] & 15) == 0);
		EXPECT(ksize(blocks[i]) >= size);
		sizes[i] = size;
		uint8_t pat = (uint8_t)((uintptr_t)blocks[i] >> 4);
		for (size_t k = 0; k < size; k++)
			blocks[i][k] = pat + k;
	}
	for (int i = 0; i < SLOTS; i++) {
		kfree(blocks[i]);
		blocks[i] = NULL;
	}
	/* krealloc keeps contents. */
	char *p = kmalloc(10);
	EXPECT(p);
	memcpy(p, "0123456789", 10);
	p = krealloc(p, 100000);
	EXPECT(p && !memcmp(p, "0123456789", 10));
	p = krealloc(p, 5);
	EXPECT(p && !memcmp(p, "01234", 5));
	kfree(p);
	char *z = kzalloc(5000);
	EXPECT(z);
	for (int i = 0; i < 5000; i++)
		EXPECT(z[i] == 0);
	kfree(z);
	mem_stats(&after);
	printk("  heap: %lu bytes in use before, %lu after\n", before.heap_bytes, after.heap_bytes);
	EXPECT(after.heap_bytes == before.heap_bytes);
	/* An impossible request fails cleanly. */
	EXPECT(kmalloc((size_t)1 << 45) == NULL);
	return 0;
}

/* Allocate every page until none is left, check each is distinct and
 * usable, then give them all back. */
int test_pages(void)
{
	struct mem_stats before, empty, after;
	uint64_t *head = NULL;
	uint64_t count = 0;

	mem_stats(&before);
	for (;;) {
		uint64_t pa = page_alloc(0);
		if (!pa)
			break;
		uint64_t *page = phys_to_virt(pa);
		page[0] = (uintptr_t)head;
		page[1] = pa ^ 0x5a5a5a5a5a5a5a5aULL;
		head = page;
		count++;
	}
	mem_stats(&empty);
	EXPECT(empty.free_pages == 0);
	EXPECT(page_alloc(0) == 0);
	EXPECT(kmalloc(100000) == NULL);
	uint64_t checked = 0;
	while (head) {
		uint64_t *next = (uint64_t *)head[0];
		EXPECT(head[1] == (virt_to_phys(head) ^ 0x5a5a5a5a5a5a5a5aULL));
		page_free(virt_to_phys(head), 0);
		head = next;
		checked++;
	}
	mem_stats(&after);
	printk("  pages: allocated %lu of %lu free pages, %lu total\n", count,
	    before.free_pages, before.total_pages);
	EXPECT(checked == count);
	EXPECT(after.free_pages == before.free_pages);
	/* Freed pages merge back into large blocks. */
	uint64_t big = page_alloc(8);
	EXPECT(big);
	page_free(big, 8);
	return 0;
}

/* A deliberate page fault: must end in a panic report, never return. */
int test_fault(void)
{
	volatile uint64_t *bad = (uint64_t *)0xdead0000UL;
	printk("  fault: reading %p\n", (void *)bad);
	(void)*bad;
	return 1;
}

static int recurse(volatile int depth)
{
	volatile char buf[1024];

	buf[0] = (char)depth;
	if (depth < 1000000)
		buf[1] = (char)recurse(depth + 1);
	return buf[0] + buf[1];
}

static void overflow(void *arg)
{
	recurse(0);
}

/* Running off a thread's stack hits the guard page. */
int test_stack_guard(void)
{
	struct thread *t = thread_create("overflow", overflow, NULL, PRIO_DEFAULT, 0);
	EXPECT(t);
	thread_join(t, NULL);
	return 1;
}

int test_panic(void)
{
	panic("deliberate panic from the test suite");
}
