/* Solaris threads and TSD over the kernel's threads and TSD keys. */
#include <sys/thread.h>
#include <errno.h>

/* Threads are detached: OpenZFS never joins a thread it created. The
 * priority maps onto the kernel's range (both are "higher runs first"). */
kthread_t *spl_thread_create(caddr_t stk, size_t stksize, thread_func_t func, void *arg,
    size_t len, void *pp, int state, pri_t pri, const char *name)
{
	int prio = pri < PRIO_MIN ? PRIO_MIN : pri > PRIO_MAX ? PRIO_MAX : pri;
	struct thread *t = (thread_create)(name, func, arg, prio, stksize > 32768 ? stksize : 32768);

	if (t)
		thread_detach(t);
	return t;
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
