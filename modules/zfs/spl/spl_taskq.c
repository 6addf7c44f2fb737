/* Task queues on kernel threads. Entries run in dispatch order; delayed
 * ones wait on a time-ordered list that workers watch with a timed wait.
 * Dynamic queues make workers when work waits and let idle ones go.
 * Ids grow monotonically. Dispatch and completion only keep counts (they
 * are the ZIO pipeline's hot path); a waiter finds the lowest id still
 * queued or running by walking the lists, under the lock. */
#include <sys/taskq.h>
#include <sys/kmem.h>
#include <sys/thread.h>
#include <sys/sysmacros.h>
#include "sched/sched.h"
#include "lib/printf.h"
#include <errno.h>
#include <string.h>

taskq_t *system_taskq;
taskq_t *system_delay_taskq;
static int taskq_tsd_key = -1;	/* set once by spl_taskq_init before any taskq */

/* Every queue, for --zfs.memstats. */
static kmutex_t all_lock = { MUTEX_INIT(all_lock.m) };
static struct list all_queues = LIST_INIT(all_queues);

struct running {
	struct list node;
	taskqid_t id;
};

/* tq_lowest_id is tq_next_id while nothing is queued or running, which
 * makes it the next entry's id: a lower bound of every id outstanding
 * until the queue is idle again, and equal to tq_next_id exactly when it
 * is (what the ICP's EMPTY_TASKQ compares). Lock held. */
static void note_if_idle(taskq_t *tq)
{
	if (tq->tq_nalloc + tq->active == 0)
		tq->tq_lowest_id = tq->tq_next_id;
}

/* The smallest id queued or running, or tq_next_id. Lock held. */
static taskqid_t lowest_outstanding(taskq_t *tq)
{
	taskqid_t low = tq->tq_next_id;
	struct list *heads[3] = { &tq->pending, &tq->delayed, &tq->running }, *pos;

	for (int h = 0; h < 3; h++)
		list_for_each(pos, heads[h]) {
			taskqid_t id = h < 2 ? list_entry(pos, taskq_ent_t, node)->id :
			    list_entry(pos, struct running, node)->id;
			low = id < low ? id : low;
		}
	return low;
}

static void enqueue(taskq_t *tq, taskq_ent_t *e, uint_t flags)
{
	e->id = tq->tq_next_id++;
	e->flags |= TQENT_QUEUED;
	if (e->when) {
		struct list *pos;
		list_for_each(pos, &tq->delayed)
			if (list_entry(pos, taskq_ent_t, node)->when > e->when)
				break;
		list_insert(&e->node, pos->prev, pos);
	} else if (flags & TQ_FRONT) {
		list_add_head(&tq->pending, &e->node);
		tq->npending++;
	} else {
		list_add_tail(&tq->pending, &e->node);
		tq->npending++;
	}
	tq->tq_nalloc++;
	cv_broadcast(&tq->work);	/* a delayed entry may be the new earliest */
}

/* A dynamic queue's extra worker that has had nothing to do for this
 * long exits; its stack is the memory it gives back. Long enough that the
 * workers of one txg's bursts of I/O stay for the next. */
#define LINGER_NS	(1000ULL * 1000 * 1000)

/* Whether an entry just queued should get a new worker: every worker is
 * busy or already has an entry waiting for it, and the queue may grow.
 * Counting waiting entries (not only busy workers, as Linux's SPL does)
 * means an entry never waits behind workers that all block. Lock held;
 * a true return is a promise to call spawn() after unlocking. */
static bool needs_worker(taskq_t *tq)
{
	if (tq->npending + tq->active <= tq->alive + tq->spawning ||
	    tq->alive + tq->spawning >= tq->maxthreads || tq->stopping)
		return false;
	tq->spawning++;
	return true;
}

static void worker(void *arg);

/* Starts one worker; it takes a slot in tq->threads itself when it runs.
 * Called without the lock: making a thread allocates, which may reclaim
 * memory, which may dispatch. */
static bool spawn(taskq_t *tq)
{
	struct thread *t = (thread_create)(tq->name, worker, tq, PRIO_DEFAULT, SPL_STACK_SIZE);

	if (t) {
		thread_detach(t);	/* workers exit on their own; destroy waits for them */
		return true;
	}
	mutex_enter(&tq->lock);
	tq->spawning--;
	cv_broadcast(&tq->done);
	mutex_exit(&tq->lock);
	return false;
}

/* The next entry to run, moving delayed ones that are due. Lock held;
 * may wait. NULL when the queue is stopping and empty, or when this extra
 * worker (may_retire) has lingered idle long enough. */
static taskq_ent_t *next_entry(taskq_t *tq, bool may_retire)
{
	hrtime_t idle_since = gethrtime();

	for (;;) {
		hrtime_t now = gethrtime();
		while (!list_empty(&tq->delayed)) {
			taskq_ent_t *d = list_entry(tq->delayed.next, taskq_ent_t, node);
			if (d->when > now)
				break;
			list_del(&d->node);
			list_add_tail(&tq->pending, &d->node);
			tq->npending++;
		}
		if (!list_empty(&tq->pending)) {
			taskq_ent_t *e = list_entry(tq->pending.next, taskq_ent_t, node);
			list_del(&e->node);
			tq->npending--;
			return e;
		}
		if (tq->stopping && list_empty(&tq->delayed))
			return NULL;
		hrtime_t until = 0;
		if (may_retire) {
			if (now >= idle_since + (hrtime_t)LINGER_NS)
				return NULL;
			until = idle_since + LINGER_NS;
		}
		if (!list_empty(&tq->delayed)) {
			hrtime_t due = list_entry(tq->delayed.next, taskq_ent_t, node)->when;
			until = until && until < due ? until : due;
		}
		if (until)
			cv_timedwait_hires(&tq->work, &tq->lock, until, 0, CALLOUT_FLAG_ABSOLUTE);
		else
			cv_wait(&tq->work, &tq->lock);
	}
}

/* Workers mark themselves as Linux's do (spl_fstrans_mark): what they run
 * is ZFS's own work, so an allocation of theirs that finds no memory asks
 * the ARC to shrink but does not wait for it. */
static void worker(void *arg)
{
	taskq_t *tq = arg;
	taskq_ent_t *e;
	int slot = 0;

	(tsd_set)(taskq_tsd_key, tq);	/* the kernel's key, not a Solaris one */
	(void) spl_fstrans_mark();
	mutex_enter(&tq->lock);
	tq->spawning--;
	tq->alive++;
	while (tq->threads[slot])
		slot++;		/* a free one: alive + spawning <= maxthreads */
	tq->threads[slot] = thread_current();
	/* The first slot's worker stays: a dynamic queue keeps one. */
	bool may_retire = (tq->flags & TASKQ_DYNAMIC) && slot > 0;
	while ((e = next_entry(tq, may_retire))) {
		struct running me = { .id = e->id };
		task_func_t *func = e->func;
		void *farg = e->arg;
		bool allocated = e->flags & TQENT_ALLOCATED;
		e->flags &= ~TQENT_QUEUED;
		list_add_tail(&tq->running, &me.node);
		tq->tq_nalloc--;
		tq->active++;
		mutex_exit(&tq->lock);
		if (allocated)
			kmem_free(e, sizeof(*e));	/* before running: func may free arg */
		func(farg);
		mutex_enter(&tq->lock);
		list_del(&me.node);
		tq->active--;
		note_if_idle(tq);
		cv_broadcast(&tq->done);
	}
	spl_stack_note(thread_current());
	tq->threads[slot] = NULL;
	tq->alive--;
	cv_broadcast(&tq->done);
	mutex_exit(&tq->lock);	/* destroy may free tq from here on */
}

/* A dynamic queue (TASKQ_DYNAMIC, as every ZIO queue is) starts with one
 * worker and grows to nthreads as work waits, as Linux's SPL does; a
 * fixed one starts all of them. */
taskq_t *taskq_create(const char *name, int nthreads, pri_t pri, int minalloc,
    int maxalloc, uint_t flags)
{
	taskq_t *tq = kmem_zalloc(sizeof(*tq), KM_SLEEP);

	if (flags & TASKQ_THREADS_CPU_PCT)	/* nthreads: a percentage of the CPUs */
		nthreads = nthreads * spl_ncpus() / 100;
	if (nthreads < 1)
		nthreads = 1;
	strlcpy(tq->name, name, sizeof(tq->name));
	mutex_init(&tq->lock, NULL, MUTEX_DEFAULT, NULL);
	cv_init(&tq->work, NULL, CV_DEFAULT, NULL);
	cv_init(&tq->done, NULL, CV_DEFAULT, NULL);
	list_init(&tq->pending);
	list_init(&tq->delayed);
	list_init(&tq->running);
	tq->tq_next_id = tq->tq_lowest_id = 1;
	tq->flags = flags;
	tq->maxthreads = nthreads;
	tq->threads = kmem_zalloc(nthreads * sizeof(*tq->threads), KM_SLEEP);
	int start = flags & TASKQ_DYNAMIC ? 1 : nthreads, started = 0;
	mutex_enter(&tq->lock);
	tq->spawning = start;
	mutex_exit(&tq->lock);
	for (int i = 0; i < start; i++)
		started += spawn(tq);
	if (!started) {
		kmem_free(tq->threads, nthreads * sizeof(*tq->threads));
		kmem_free(tq, sizeof(*tq));
		return NULL;
	}
	mutex_enter(&all_lock);
	list_add_tail(&all_queues, &tq->all);
	mutex_exit(&all_lock);
	return tq;
}

/* Runs what is queued (delayed entries when due), then waits for every
 * worker to have exited. */
void taskq_destroy(taskq_t *tq)
{
	mutex_enter(&all_lock);
	list_del(&tq->all);
	mutex_exit(&all_lock);
	mutex_enter(&tq->lock);
	tq->stopping = true;
	cv_broadcast(&tq->work);
	while (tq->alive + tq->spawning > 0)
		cv_wait(&tq->done, &tq->lock);
	mutex_exit(&tq->lock);
	kmem_free(tq->threads, tq->maxthreads * sizeof(*tq->threads));
	kmem_free(tq, sizeof(*tq));
}

static taskqid_t dispatch_at(taskq_t *tq, task_func_t func, void *arg, uint_t flags,
    hrtime_t when)
{
	taskq_ent_t *e = kmem_zalloc(sizeof(*e), flags & TQ_NOSLEEP ? KM_NOSLEEP : KM_SLEEP);

	if (!e)
		return TASKQID_INVALID;
	e->func = func;
	e->arg = arg;
	e->when = when;
	e->flags = TQENT_ALLOCATED;
	mutex_enter(&tq->lock);
	enqueue(tq, e, flags);
	taskqid_t id = e->id;
	bool grow = needs_worker(tq);
	mutex_exit(&tq->lock);
	if (grow)
		spawn(tq);
	return id;
}

taskqid_t taskq_dispatch(taskq_t *tq, task_func_t func, void *arg, uint_t flags)
{
	return dispatch_at(tq, func, arg, flags, 0);
}

taskqid_t taskq_dispatch_delay(taskq_t *tq, task_func_t func, void *arg, uint_t flags,
    clock_t expire_time)
{
	hrtime_t when = TICK_TO_NSEC(expire_time);
	return dispatch_at(tq, func, arg, flags, when > 0 ? when : 1);
}

void taskq_dispatch_ent(taskq_t *tq, task_func_t func, void *arg, uint_t flags,
    taskq_ent_t *ent)
{
	ent->func = func;
	ent->arg = arg;
	ent->when = 0;
	ent->flags = 0;
	mutex_enter(&tq->lock);
	enqueue(tq, ent, flags);
	bool grow = needs_worker(tq);
	mutex_exit(&tq->lock);
	if (grow)
		spawn(tq);
}

int taskq_empty_ent(taskq_ent_t *ent)
{
	return !(ent->flags & TQENT_QUEUED);
}

void taskq_init_ent(taskq_ent_t *ent)
{
	memset(ent, 0, sizeof(*ent));
	list_init(&ent->node);
}

void taskq_wait_outstanding(taskq_t *tq, taskqid_t id)
{
	mutex_enter(&tq->lock);
	taskqid_t upto = id ? id : tq->tq_next_id - 1;
	while (lowest_outstanding(tq) <= upto)
		cv_wait(&tq->done, &tq->lock);
	mutex_exit(&tq->lock);
}

void taskq_wait_id(taskq_t *tq, taskqid_t id)
{
	taskq_wait_outstanding(tq, id);
}

void taskq_wait(taskq_t *tq)
{
	taskq_wait_outstanding(tq, 0);
}

/* Whether a worker is running entry id now. Lock held. */
static bool is_running(taskq_t *tq, taskqid_t id)
{
	struct list *pos;

	list_for_each(pos, &tq->running)
		if (list_entry(pos, struct running, node)->id == id)
			return true;
	return false;
}

/* As Linux's SPL: a queued (or delayed) entry is taken off and 0
 * returned; a running one is waited for and EBUSY returned, so that the
 * caller may free what the task uses once this returns (spa.c and
 * dmu_objset.c do); an id that is done or unknown gives ENOENT. Callers
 * only tell 0 from the rest. */
int taskq_cancel_id(taskq_t *tq, taskqid_t id)
{
	int err = ENOENT;
	struct list *heads[2] = { &tq->pending, &tq->delayed }, *pos;

	mutex_enter(&tq->lock);
	for (int h = 0; h < 2 && err; h++) {
		list_for_each(pos, heads[h]) {
			taskq_ent_t *e = list_entry(pos, taskq_ent_t, node);
			if (e->id != id)
				continue;
			list_del(&e->node);
			tq->tq_nalloc--;
			tq->npending -= h == 0;
			e->flags &= ~TQENT_QUEUED;
			if (e->flags & TQENT_ALLOCATED)
				kmem_free(e, sizeof(*e));
			err = 0;
			break;
		}
	}
	if (err && is_running(tq, id)) {
		while (is_running(tq, id))
			cv_wait(&tq->done, &tq->lock);
		err = EBUSY;
	}
	note_if_idle(tq);
	cv_broadcast(&tq->done);
	mutex_exit(&tq->lock);
	return err;
}

/* Without the lock: the slots array never moves, and a slot holds t only
 * while t runs there. */
int taskq_member(taskq_t *tq, struct thread *t)
{
	for (int i = 0; i < tq->maxthreads; i++)
		if (__atomic_load_n(&tq->threads[i], __ATOMIC_RELAXED) == t)
			return 1;
	return 0;
}

taskq_t *taskq_of_curthread(void)
{
	return (tsd_get)(taskq_tsd_key);
}

/* The workers' stacks are noted too (none exits meanwhile: destroy
 * takes the queue off the list first). */
void spl_taskq_usage(int *nqueues, int *nthreads, uint64_t *stack_bytes)
{
	struct list *pos;

	*nqueues = *nthreads = 0;
	*stack_bytes = 0;
	mutex_enter(&all_lock);
	list_for_each(pos, &all_queues) {
		taskq_t *tq = list_entry(pos, taskq_t, all);
		(*nqueues)++;
		mutex_enter(&tq->lock);	/* no worker exits meanwhile */
		for (int i = 0; i < tq->maxthreads; i++) {
			if (!tq->threads[i])
				continue;
			(*nthreads)++;
			*stack_bytes += tq->threads[i]->kstack_size;
			spl_stack_note(tq->threads[i]);
		}
		mutex_exit(&tq->lock);
	}
	mutex_exit(&all_lock);
}

int spl_taskq_init(void)
{
	taskq_tsd_key = tsd_key_create(NULL);
	if (taskq_tsd_key < 0)
		return -taskq_tsd_key;
	system_taskq = taskq_create("system_taskq", 4, 16, 0, 0, TASKQ_DYNAMIC);
	system_delay_taskq = taskq_create("system_delay_taskq", 1, 16, 0, 0, 0);
	return system_taskq && system_delay_taskq ? 0 : ENOMEM;
}
