/* Sleeping synchronization: wait queues, mutexes, condition variables,
 * reader-writer locks and semaphores. Deadlines are clock_ns() values;
 * 0 means wait forever. Timed waits return -ETIMEDOUT. */
#ifndef SCHED_SYNC_H
#define SCHED_SYNC_H
#include "sched/sched.h"

struct waitq {
	spinlock_t lock;
	struct list waiters;
};

/* A waiter is a thread blocked on the queue, or a callback (thread NULL):
 * wake_fn runs at every wake-up of the queue, one or all, with the
 * queue's lock held and interrupts off, so it may only take spinlocks and
 * wake others (epoll marks its entry ready). A callback stays queued until
 * its owner takes it off (waitq_remove) and is not the thread a wake-one
 * wakes. Callbacks sit at the head of the list, before every thread, so
 * a wake-up reaches them first and threads keep their order. */
struct waiter {
	struct list node;
	struct thread *thread;		/* NULL: a callback */
	struct waitq *wq;
	bool woken;
	/* Callbacks: every non-exclusive one runs at each wake-up; of the
	 * exclusive ones (after them in the list), only those up to the
	 * first whose wake_fn returns true. */
	bool exclusive;
	bool (*wake_fn)(struct waiter *w);
};

#define WAITQ_INIT(wq) { SPINLOCK_INIT("waitq"), LIST_INIT((wq).waiters) }
void waitq_init(struct waitq *wq);
/* Called with wq->lock held (irqsave *flags); returns with it held. */
int waitq_wait_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline);
/* The same, but interruptible (thread_interrupt): then -EINTR. */
int waitq_wait_intr_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline);
/* Both run the queue's callbacks, then wake one thread or all; they
 * return how many threads they woke. */
int waitq_wake_one_locked(struct waitq *wq);
int waitq_wake_all_locked(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);
/* Queues the callback w (its other fields zero) on wq; the lock is taken
 * here. waitq_remove takes any waiter off again (a no-op if it is not
 * queued, as a woken thread is not). */
void waitq_add_callback(struct waitq *wq, struct waiter *w, bool (*fn)(struct waiter *w),
    bool exclusive);
void waitq_remove(struct waiter *w);

struct mutex {
	struct waitq wq;
	struct thread *owner;
};
#define MUTEX_INIT(m) { WAITQ_INIT((m).wq), NULL }
void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m);	/* by the calling thread */

struct cond {
	struct waitq wq;
};
#define COND_INIT(c) { WAITQ_INIT((c).wq) }
void cond_init(struct cond *c);
void cond_wait(struct cond *c, struct mutex *m);
int cond_timedwait(struct cond *c, struct mutex *m, uint64_t deadline);
int cond_wait_intr(struct cond *c, struct mutex *m, uint64_t deadline);	/* or -EINTR */
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);

struct rwlock {
	struct waitq wq;
	int readers;
	int writers_waiting;
	struct thread *writer;
};
void rwlock_init(struct rwlock *l);
void rw_read_lock(struct rwlock *l);
void rw_write_lock(struct rwlock *l);
bool rw_try_read_lock(struct rwlock *l);
bool rw_try_write_lock(struct rwlock *l);
void rw_unlock(struct rwlock *l);
bool rw_try_upgrade(struct rwlock *l);
void rw_downgrade(struct rwlock *l);
bool rw_write_held(const struct rwlock *l);
bool rw_read_held(const struct rwlock *l);

struct semaphore {
	struct waitq wq;
	long count;
};
void sem_init(struct semaphore *s, long count);
int sem_down(struct semaphore *s, uint64_t deadline);
void sem_up(struct semaphore *s);

#endif
