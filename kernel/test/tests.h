#ifndef TEST_TESTS_H
#define TEST_TESTS_H
#include "dev/console.h"
#include <stdint.h>
#include <stdbool.h>

struct selftest {
	const char *name;
	int (*fn)(void);
};

/* Fails the current test with a message naming the condition. */
#define EXPECT(cond) do { \
	if (!(cond)) { \
		printk("  %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
		return 1; \
	} \
} while (0)

int test_hello(void);
int test_threads(void);
int test_mutex(void);
int test_condvar(void);
int test_waitq_callbacks(void);
int test_rwlock(void);
int test_sem(void);
int test_timedwait(void);
int test_sleep(void);
int test_preempt(void);
int test_fpu(void);
int test_tsd(void);
int test_heap(void);
int test_pages(void);
int test_fault(void);
int test_stack_guard(void);
int test_panic(void);
int test_blk(void);
int test_blk_readonly(void);
int test_vfs(void);
int test_tree(void);
int test_devfs(void);
int test_witness(void);	/* a witness kernel only */

/* A small deterministic PRNG for tests (xorshift64*). */
static inline uint64_t test_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

#endif
