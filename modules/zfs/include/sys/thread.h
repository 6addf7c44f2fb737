/* Solaris kernel threads and thread-specific data over the kernel's.
 * (f)(...) calls the kernel's function where a Solaris macro of the same
 * name stands in for OpenZFS. */
#ifndef OSPREY_SPL_SYS_THREAD_H
#define OSPREY_SPL_SYS_THREAD_H
#include <sys/types.h>
#include <sys/debug.h>
#include "sched/sched.h"

typedef struct thread kthread_t;
typedef int pri_t;
typedef void (*thread_func_t)(void *);

#define TS_RUN		0x00000002
#define minclsyspri	8
#define defclsyspri	16
#define maxclsyspri	24
#define curthread	thread_current()
#define getcomm()	(thread_current()->name)

/* The stack every SPL thread gets at least (task queue workers too): 16
 * KiB, as Linux gives the threads OpenZFS runs in there. The deepest use
 * measured (--zfs.memstats, the pool self-tests with zstd, 1 MiB blocks,
 * scrub) is 4 KiB in z_wr_iss and 3 KiB in txg_sync; interrupts run on
 * their own stacks; an overflow faults on the guard page and the kernel
 * names the thread. 32 KiB cost 0.6 MiB more with a pool imported. */
#define SPL_STACK_SIZE	(16 * 1024)

kthread_t *spl_thread_create(caddr_t stk, size_t stksize, thread_func_t func, void *arg,
    size_t len, void *pp, int state, pri_t pri, const char *name);
_Noreturn void spl_thread_exit(void);
#define thread_create(stk, size, func, arg, len, pp, state, pri) \
	spl_thread_create(stk, size, (thread_func_t)(func), arg, len, pp, state, pri, #func)
#define thread_create_named(name, stk, size, func, arg, len, pp, state, pri) \
	spl_thread_create(stk, size, (thread_func_t)(func), arg, len, pp, state, pri, name)
#define thread_exit()	spl_thread_exit()

/* For --zfs.memstats and for sizing stacks: how deep a thread's stack has
 * been used (it must have started on a zeroed stack), the deepest use
 * remembered per thread name (SPL threads note theirs as they exit), and
 * the SPL threads alive with their stacks' bytes. */
struct spl_stack_mark {
	char name[THREAD_NAME_MAX];
	uint32_t used, size;
};
size_t spl_stack_used(const struct thread *t);
void spl_stack_note(const struct thread *t);
int spl_stack_marks(struct spl_stack_mark *out, int max);	/* deepest first */
void spl_thread_usage(int *nthreads, uint64_t *stack_bytes);

/* Solaris thread ids: SPL threads are detached, so none is ever joined;
 * spa.c's process threads (SPA_PROCESS) are not built. */
typedef uint64_t kt_did_t;
#define thread_join(did)	VERIFY0(did)

/* Thread-specific data: Solaris keys start at 1 (0 means not created). */
typedef void (*dtor_func_t)(void *);
int spl_tsd_create(uint_t *keyp, dtor_func_t dtor);
void spl_tsd_destroy(uint_t *keyp);
#define tsd_create(keyp, dtor)	spl_tsd_create(keyp, dtor)
#define tsd_destroy(keyp)	spl_tsd_destroy(keyp)
#define tsd_get(key)		((key) ? (tsd_get)((int)(key) - 1) : NULL)
#define tsd_set(key, value)	((key) ? ((tsd_set)((int)(key) - 1, (value)), 0) : EINVAL)

#endif
