/* Sleeping locks built on wait queues. A waiter queues itself under the
 * queue's lock and blocks with sched_lock taken before that lock is
 * dropped, so a wake-up can never fall between the two. A timed wait arms
 * the thread's timer, which simply wakes the thread: the waiter itself
 * sees that it was not woken, unqueues and returns -ETIMEDOUT. The
 * interruptible forms end the same way when the thread is interrupted
 * (thread_interrupt), returning -EINTR. A queue may also hold callback
 * waiters (sync.h), which every wake-up runs and leaves queued. */
#include "sched/sync.h"
#include <errno.h>

void waitq_init(struct waitq *wq)
{
	spin_init(&wq->lock, "waitq");
	list_init(&wq->waiters);
}

static int wait_locked(struct waitq *wq, uint64_t deadline, bool intr)
{
	struct thread *self = thread_current();
	struct waiter w = { .thread = self, .wq = wq };

	if (deadline && deadline <= clock_ns())
		return -ETIMEDOUT;
	list_add_tail(&wq->waiters, &w.node);
	self->waiting = &w;
	int err;
	do {	/* a wake-up from neither the queue, a signal nor the deadline: wait on */
		unsigned long f = intr ? sched_block_prepare_intr() : sched_block_prepare();
		if (deadline)
			thread_arm_wait_timer(self, deadline);
		spin_unlock_raw(&wq->lock);
		err = sched_block(f);
		if (deadline)
			timer_cancel_sync(&self->timer);
		spin_lock_raw(&wq->lock);
	} while (!w.woken && !err && (!deadline || clock_ns() < deadline));
	self->waiting = NULL;
	if (!w.woken) {
		list_del(&w.node);
		return err ? err : -ETIMEDOUT;
	}
	return 0;
}

int waitq_wait_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline)
{
	return wait_locked(wq, deadline, false);
}

int waitq_wait_intr_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline)
{
	return wait_locked(wq, deadline, true);
}

static bool is_callback(const struct list *n)
{
	return !list_entry(n, struct waiter, node)->thread;
}

/* Runs the callbacks at the head of the queue; returns the first thread
 * waiter's node (the list head if there is none). */
static struct list *run_callbacks(struct waitq *wq)
{
	struct list *n = wq->waiters.next;
	bool taken = false;

	for (; n != &wq->waiters && is_callback(n); n = n->next) {
		struct waiter *w = list_entry(n, struct waiter, node);
		if (w->exclusive && taken)
			continue;
		if (w->wake_fn(w) && w->exclusive)
			taken = true;
	}
	return n;
}

/* Wakes the thread waiter at n; returns the node after it. */
static struct list *wake_thread_at(struct list *n)
{
	struct list *next = n->next;
	struct waiter *w = list_entry(n, struct waiter, node);

	list_del(n);
	w->woken = true;
	thread_wake(w->thread);
	return next;
}

int waitq_wake_one_locked(struct waitq *wq)
{
	struct list *n = run_callbacks(wq);

	if (n == &wq->waiters)
		return 0;
	wake_thread_at(n);
	return 1;
}

int waitq_wake_all_locked(struct waitq *wq)
{
	int woken = 0;

	for (struct list *n = run_callbacks(wq); n != &wq->waiters; woken++)
		n = wake_thread_at(n);
	return woken;
}

/* A non-exclusive callback goes first, an exclusive one after the other
 * callbacks: the non-exclusive ones must all run before one exclusive
 * callback ends the walk over the rest. */
void waitq_add_callback(struct waitq *wq, struct waiter *w, bool (*fn)(struct waiter *w),
    bool exclusive)
{
	w->thread = NULL;
	w->wq = wq;
	w->woken = false;
	w->exclusive = exclusive;
	w->wake_fn = fn;
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	struct list *n = wq->waiters.next;
	if (exclusive)
		while (n != &wq->waiters && is_callback(n))
			n = n->next;
	list_insert(&w->node, n->prev, n);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void waitq_remove(struct waiter *w)
{
	unsigned long flags = spin_lock_irqsave(&w->wq->lock);
	list_del(&w->node);
	spin_unlock_irqrestore(&w->wq->lock, flags);
}

int waitq_wake_all(struct waitq *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	int n = waitq_wake_all_locked(wq);
	spin_unlock_irqrestore(&wq->lock, flags);
	sched_preempt_check();
	return n;
}

void mutex_init(struct mutex *m)
{
	waitq_init(&m->wq);
	m->owner = NULL;
}

void mutex_lock(struct mutex *m)
{
	struct thread *self = thread_current();
	unsigned long flags = spin_lock_irqsave(&m->wq.lock);

	while (m->owner)
		waitq_wait_locked(&m->wq, &flags, 0);
	m->owner = self;
	spin_unlock_irqrestore(&m->wq.lock, flags);
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->wq.lock);
	bool ok = !m->owner;

	if (ok)
		m->owner = thread_current();
	spin_unlock_irqrestore(&m->wq.lock, flags);
	return ok;
}

void mutex_unlock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->wq.lock);
	m->owner = NULL;
	waitq_wake_one_locked(&m->wq);
	spin_unlock_irqrestore(&m->wq.lock, flags);
	sched_preempt_check();
}

bool mutex_held(const struct mutex *m)
{
	return m->owner == thread_current();
}

void cond_init(struct cond *c)
{
	waitq_init(&c->wq);
}

static int cond_wait_common(struct cond *c, struct mutex *m, uint64_t deadline, bool intr)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	mutex_unlock(m);
	int err = wait_locked(&c->wq, deadline, intr);
	spin_unlock_irqrestore(&c->wq.lock, flags);
	mutex_lock(m);
	return err;
}

int cond_timedwait(struct cond *c, struct mutex *m, uint64_t deadline)
{
	return cond_wait_common(c, m, deadline, false);
}

int cond_wait_intr(struct cond *c, struct mutex *m, uint64_t deadline)
{
	return cond_wait_common(c, m, deadline, true);
}

void cond_wait(struct cond *c, struct mutex *m)
{
	cond_timedwait(c, m, 0);
}

void cond_signal(struct cond *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	waitq_wake_one_locked(&c->wq);
	spin_unlock_irqrestore(&c->wq.lock, flags);
	sched_preempt_check();
}

void cond_broadcast(struct cond *c)
{
	waitq_wake_all(&c->wq);
}

/* Writers are preferred: a waiting writer holds back new readers. */
void rwlock_init(struct rwlock *l)
{
	waitq_init(&l->wq);
	l->readers = l->writers_waiting = 0;
	l->writer = NULL;
}

void rw_read_lock(struct rwlock *l)
{
	unsigned long flags = spin_lock_irqsave(&l->wq.lock);
	while (l->writer || l->writers_waiting)
		waitq_wait_locked(&l->wq, &flags, 0);
	l->readers++;
	spin_unlock_irqrestore(&l->wq.lock, flags);
}

void rw_write_lock(struct rwlock *l)
{
	unsigned long flags = spin_lock_irqsave(&l->wq.lock);
	l->writers_waiting++;
	while (l->writer || l->readers)
		waitq_wait_locked(&l->wq, &flags, 0);
	l->writers_waiting--;
	l->writer = thread_current();
	spin_unlock_irqrestore(&l->wq.lock, flags);
}

bool rw_try_read_lock(struct rwlock *l)
{
	unsigned long flags = spin_lock_irqsave(&l->wq.lock);
	bool ok = !l->writer && !l->writers_waiting;
	if (ok)
		l->readers++;
	spin_unlock_irqrestore(&l->wq.lock, flags);
	return ok;
}

bool rw_try_write_lock(struct rwlock *l)
{
	unsigned long flags = spin_lock_irqsave(&l->wq.lock);
	bool ok = !l->writer && !l->readers;
	if (ok)
		l->writer = thread_current();
	spin_unlock_irqrestore(&l->wq.lock, flags);
	return ok;
}

void rw_unlock(struct rwlock *l)
{
	unsigned long flags = spin_lock_irqsave(&l->wq.lock);
	if (l->writer)
		l->writer = NULL;
	else if (l->readers > 0)
		l->readers--;
	waitq_wake_all_locked(&l->wq);
	spin_unlock_irqrestore(&l->wq.lock, flags);
	sched_preempt_check();
}

bool rw_try_upgrade(struct rwlock *l)
{
	unsigned long flags = spin_lock_irqsave(&l->wq.lock);
	bool ok = l->readers == 1 && !l->writer;
	if (ok) {
		l->readers = 0;
		l->writer = thread_current();
	}
	spin_unlock_irqrestore(&l->wq.lock, flags);
	return ok;
}

void rw_downgrade(struct rwlock *l)
{
	unsigned long flags = spin_lock_irqsave(&l->wq.lock);
	l->writer = NULL;
	l->readers = 1;
	waitq_wake_all_locked(&l->wq);
	spin_unlock_irqrestore(&l->wq.lock, flags);
	sched_preempt_check();
}

bool rw_write_held(const struct rwlock *l)
{
	return l->writer == thread_current();
}

bool rw_read_held(const struct rwlock *l)
{
	return l->readers > 0;
}

void sem_init(struct semaphore *s, long count)
{
	waitq_init(&s->wq);
	s->count = count;
}

int sem_down(struct semaphore *s, uint64_t deadline)
{
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	int err = 0;

	while (s->count <= 0 && !err)
		err = waitq_wait_locked(&s->wq, &flags, deadline);
	if (!err)
		s->count--;
	spin_unlock_irqrestore(&s->wq.lock, flags);
	return err;
}

void sem_up(struct semaphore *s)
{
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	s->count++;
	waitq_wake_one_locked(&s->wq);
	spin_unlock_irqrestore(&s->wq.lock, flags);
	sched_preempt_check();
}
