/* Sleeping locks built on wait queues. A waiter queues itself under the
 * queue's lock and blocks with sched_lock taken before that lock is
 * dropped, so a wake-up can never fall between the two. A timed wait arms
 * the thread's timer, which simply wakes the thread: the waiter itself
 * sees that it was not woken, unqueues and returns -ETIMEDOUT. The
 * interruptible forms end the same way when the thread is interrupted
 * (thread_interrupt), returning -EINTR. */
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
	unsigned long f = intr ? sched_block_prepare_intr() : sched_block_prepare();
	if (deadline)
		thread_arm_wait_timer(self, deadline);
	spin_unlock_raw(&wq->lock);
	int err = sched_block(f);
	if (deadline)
		timer_cancel(&self->timer);
	spin_lock_raw(&wq->lock);
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

int waitq_wake_one_locked(struct waitq *wq)
{
	struct list *n = list_pop(&wq->waiters);

	if (!n)
		return 0;
	struct waiter *w = list_entry(n, struct waiter, node);
	w->woken = true;
	thread_wake(w->thread);
	return 1;
}

int waitq_wake_all_locked(struct waitq *wq)
{
	int n = 0;

	while (waitq_wake_one_locked(wq))
		n++;
	return n;
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
