/* In-kernel self-tests, chosen with --test=NAME[,NAME...]. */
#include "test/selftest.h"
#include "test/tests.h"
#include "dev/console.h"
#include <string.h>

static const struct selftest tests[] = {
	{ "hello", test_hello },
	{ "threads", test_threads },
	{ "mutex", test_mutex },
	{ "condvar", test_condvar },
	{ "callbacks", test_waitq_callbacks },
	{ "rwlock", test_rwlock },
	{ "sem", test_sem },
	{ "timedwait", test_timedwait },
	{ "sleep", test_sleep },
	{ "preempt", test_preempt },
	{ "fpu", test_fpu },
	{ "tsd", test_tsd },
	{ "heap", test_heap },
	{ "pages", test_pages },
	{ "fault", test_fault },
	{ "stackguard", test_stack_guard },
	{ "panic", test_panic },
	{ "blk", test_blk },
	{ "blkro", test_blk_readonly },
	{ "vfs", test_vfs },
	{ "tree", test_tree },
	{ "devfs", test_devfs },
#ifdef OSPREY_WITNESS
	{ "witness", test_witness },
#endif
};
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Left out of "all": tests that end the VM, need a scratch disk, or
 * print the whole root. */
static bool fatal(const struct selftest *t)
{
	return t->fn == test_fault || t->fn == test_stack_guard || t->fn == test_panic ||
	    t->fn == test_blk || t->fn == test_blk_readonly || t->fn == test_devfs ||
	    t->fn == test_tree || !strcmp(t->name, "witness");
}

static int run_one(const struct selftest *t)
{
	int err = t->fn();
	printk("%s kernel.%s\n", err ? "FAIL" : "PASS", t->name);
	return err ? 1 : 0;
}

int selftest_run(const char *names)
{
	int failures = 0;

	while (*names) {
		const char *end = strchr(names, ',');
		size_t len = end ? (size_t)(end - names) : strlen(names);
		bool found = false;
		for (unsigned i = 0; i < NTESTS; i++) {
			bool all = len == 3 && !strncmp(names, "all", 3) && !fatal(&tests[i]);
			if (all || (strlen(tests[i].name) == len && !strncmp(names, tests[i].name, len))) {
				failures += run_one(&tests[i]);
				found = true;
			}
		}
		if (!found) {
			printk("FAIL kernel.%.*s: no such test\n", (int)len, names);
			failures++;
		}
		names += len + (end ? 1 : 0);
	}
	return failures;
}
