/* Solaris threads and TSD over the kernel's threads and TSD keys. SPL
 * threads are counted, and their stacks' deepest use is remembered per
 * thread name when they exit (--zfs.memstats prints both), which is how
 * the stack sizes here were chosen. */
#include <sys/thread.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include "lib/list.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

/* A thread made by spl_thread_create, from its start to its exit. */
struct spl_thread {
	struct list node;	/* on spl_threads, once running */
	struct thread *t;
	thread_func_t func;
	void *arg;
	size_t stack;
};

static kmutex_t spl_threads_lock = { MUTEX_INIT(spl_threads_lock.m) };
static struct list spl_threads = LIST_INIT(spl_threads);
static int spl_nthreads;		/* created and not exited */
static uint64_t spl_stacks;		/* their stacks' bytes */

#define STACK_MARKS	48
static struct spl_stack_mark marks[STACK_MARKS];	/* the deepest per name */

static void spl_thread_start(void *arg)
{
	struct spl_thread *st = arg;

	st->t = thread_current();
	mutex_enter(&spl_threads_lock);
	list_add_tail(&spl_threads, &st->node);
	mutex_exit(&spl_threads_lock);
	st->func(st->arg);
	spl_thread_exit();
}

/* Threads are detached: OpenZFS never joins a thread it created. The
 * priority maps onto the kernel's range (both are "higher runs first"). */
kthread_t *spl_thread_create(caddr_t stk, size_t stksize, thread_func_t func, void *arg,
    size_t len, void *pp, int state, pri_t pri, const char *name)
{
	int prio = pri < PRIO_MIN ? PRIO_MIN : pri > PRIO_MAX ? PRIO_MAX : pri;
	struct spl_thread *st = kmem_zalloc(sizeof(*st), KM_SLEEP);

	st->func = func;
	st->arg = arg;
	st->stack = PAGE_ALIGN(stksize > SPL_STACK_SIZE ? stksize : SPL_STACK_SIZE);
	mutex_enter(&spl_threads_lock);
	spl_nthreads++;
	spl_stacks += st->stack;
	mutex_exit(&spl_threads_lock);
	struct thread *t = (thread_create)(name, spl_thread_start, st, prio, st->stack);
	if (t) {
		thread_detach(t);
		return t;
	}
	mutex_enter(&spl_threads_lock);
	spl_nthreads--;
	spl_stacks -= st->stack;
	mutex_exit(&spl_threads_lock);
	kmem_free(st, sizeof(*st));
	return NULL;
}

void spl_thread_exit(void)
{
	struct thread *self = thread_current();
	struct spl_thread *st = NULL;
	struct list *pos;

	spl_stack_note(self);
	mutex_enter(&spl_threads_lock);
	list_for_each(pos, &spl_threads)
		if (list_entry(pos, struct spl_thread, node)->t == self) {
			st = list_entry(pos, struct spl_thread, node);
			list_del(&st->node);
			spl_nthreads--;
			spl_stacks -= st->stack;
			break;
		}
	mutex_exit(&spl_threads_lock);
	if (st)
		kmem_free(st, sizeof(*st));
	(thread_exit)(0);
}

/* Stacks start zeroed (vmap_stack), and x86 stacks grow down: the lowest
 * word that is not zero is the deepest the thread has reached. A frame
 * that wrote only zeros there would be missed; none does in practice. */
size_t spl_stack_used(const struct thread *t)
{
	const uint64_t *w = (const uint64_t *)(t->kstack_top - t->kstack_size);
	const uint64_t *top = (const uint64_t *)t->kstack_top;

	while (w < top && *w == 0)
		w++;
	return (size_t)((const char *)top - (const char *)w);
}

/* Lock held. */
static void note_locked(const struct thread *t)
{
	uint32_t used = (uint32_t)spl_stack_used(t);
	int slot = -1, low = 0;

	for (int i = 0; i < STACK_MARKS && slot < 0; i++) {
		if (!marks[i].name[0] || !strcmp(marks[i].name, t->name))
			slot = i;
		else if (marks[i].used < marks[low].used)
			low = i;
	}
	if (slot < 0 && marks[low].used < used)
		slot = low;	/* full: the shallowest gives way */
	if (slot >= 0 && (strcmp(marks[slot].name, t->name) || marks[slot].used < used)) {
		strlcpy(marks[slot].name, t->name, sizeof(marks[slot].name));
		marks[slot].used = used;
		marks[slot].size = (uint32_t)t->kstack_size;
	}
}

void spl_stack_note(const struct thread *t)
{
	mutex_enter(&spl_threads_lock);
	note_locked(t);
	mutex_exit(&spl_threads_lock);
}

/* Notes the SPL threads still running too (under the lock, so none can
 * exit and lose its stack meanwhile), then copies out the deepest marks,
 * deepest first. */
int spl_stack_marks(struct spl_stack_mark *out, int max)
{
	struct list *pos;
	int n = 0;

	mutex_enter(&spl_threads_lock);
	list_for_each(pos, &spl_threads)
		note_locked(list_entry(pos, struct spl_thread, node)->t);
	for (int i = 0; i < STACK_MARKS && marks[i].name[0]; i++) {
		int j;
		if (n < max)
			j = n++;
		else if (out[max - 1].used < marks[i].used)
			j = max - 1;
		else
			continue;
		while (j > 0 && out[j - 1].used < marks[i].used) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = marks[i];
	}
	mutex_exit(&spl_threads_lock);
	return n;
}

void spl_thread_usage(int *nthreads, uint64_t *stack_bytes)
{
	mutex_enter(&spl_threads_lock);
	*nthreads = spl_nthreads;
	*stack_bytes = spl_stacks;
	mutex_exit(&spl_threads_lock);
}

int spl_tsd_create(uint_t *keyp, dtor_func_t dtor)
{
	if (*keyp)
		return 0;
	int key = tsd_key_create(dtor);
	if (key < 0)
		return -key;
	*keyp = (uint_t)key + 1;
	return 0;
}

void spl_tsd_destroy(uint_t *keyp)
{
	if (*keyp) {
		tsd_key_delete((int)*keyp - 1);
		*keyp = 0;
	}
}
