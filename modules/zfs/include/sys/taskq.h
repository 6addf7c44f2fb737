/* Task queues: worker threads running dispatched functions in order.
 * The interface OpenZFS calls (our implementation: spl/spl_taskq.c). */
#ifndef OSPREY_SPL_SYS_TASKQ_H
#define OSPREY_SPL_SYS_TASKQ_H
#include <sys/types.h>
#include <sys/condvar.h>
#include "lib/list.h"

#define TASKQ_NAMELEN		31
#define TASKQ_PREPOPULATE	0x00000001
#define TASKQ_CPR_SAFE		0x00000002
#define TASKQ_DYNAMIC		0x00000004
#define TASKQ_THREADS_CPU_PCT	0x00000008
#define TASKQ_DC_BATCH		0x00000010

#define TQ_SLEEP		0x00000000
#define TQ_NOSLEEP		0x00000001
#define TQ_PUSHPAGE		0x00000002
#define TQ_NOQUEUE		0x01000000
#define TQ_NOALLOC		0x02000000
#define TQ_NEW			0x04000000
#define TQ_FRONT		0x08000000

#define TASKQID_INVALID		((taskqid_t)0)

typedef unsigned long taskqid_t;
typedef void (task_func_t)(void *);
typedef int pri_t;

typedef struct taskq_ent {
	struct list node;
	task_func_t *func;
	void *arg;
	taskqid_t id;
	hrtime_t when;			/* delayed entries: not before this */
	uint_t flags;			/* TQENT_* */
} taskq_ent_t;

#define TQENT_ALLOCATED	0x1		/* freed by the taskq after it runs */
#define TQENT_QUEUED	0x2

typedef struct taskq {
	char name[TASKQ_NAMELEN + 1];
	kmutex_t lock;
	kcondvar_t work;		/* workers wait for entries */
	kcondvar_t done;		/* waiters wait for completions */
	struct list pending;		/* ready, in order */
	struct list delayed;		/* by time */
	struct list running;		/* ids being run, one node per busy worker */
	int maxthreads;			/* workers at most; slots in threads */
	int alive, active, spawning;	/* workers running, busy, being made */
	int npending;			/* entries on pending */
	uint_t flags;			/* TASKQ_* */
	bool stopping;
	taskqid_t tq_next_id;
	taskqid_t tq_lowest_id;	/* <= every id queued or running; tq_next_id if none */
	int tq_nalloc;			/* entries waiting (the ICP reads it) */
	struct thread **threads;	/* a worker's slot, NULL when free */
	struct list all;		/* on the list of every queue */
} taskq_t;

extern taskq_t *system_taskq;
extern taskq_t *system_delay_taskq;

taskq_t *taskq_create(const char *name, int nthreads, pri_t pri, int minalloc,
    int maxalloc, uint_t flags);
void taskq_destroy(taskq_t *tq);
taskqid_t taskq_dispatch(taskq_t *tq, task_func_t func, void *arg, uint_t flags);
taskqid_t taskq_dispatch_delay(taskq_t *tq, task_func_t func, void *arg, uint_t flags,
    clock_t expire_time);
void taskq_dispatch_ent(taskq_t *tq, task_func_t func, void *arg, uint_t flags,
    taskq_ent_t *ent);
int taskq_empty_ent(taskq_ent_t *ent);
void taskq_init_ent(taskq_ent_t *ent);
void taskq_wait(taskq_t *tq);
void taskq_wait_id(taskq_t *tq, taskqid_t id);
void taskq_wait_outstanding(taskq_t *tq, taskqid_t id);
/* 0: taken off the queue, it will not run; EBUSY: it was running and has
 * now finished; ENOENT: it has run already, or was never dispatched. */
int taskq_cancel_id(taskq_t *tq, taskqid_t id);
int taskq_member(taskq_t *tq, struct thread *t);
taskq_t *taskq_of_curthread(void);
int spl_taskq_init(void);	/* system_taskq and friends; errno or 0 */
/* For --zfs.memstats: queues, their workers and the workers' stacks. */
void spl_taskq_usage(int *nqueues, int *nthreads, uint64_t *stack_bytes);

#define taskq_create_proc(n, t, p, mi, ma, proc, f)	taskq_create(n, t, p, mi, ma, f)
#define taskq_create_sysdc(n, t, mi, ma, proc, dc, f)	taskq_create(n, t, 16, mi, ma, f)

#endif
