/* Self-tests of threads, scheduling, timing and synchronization. */
#include "test/tests.h"
#include "sched/sync.h"
#include "mm/mm.h"
#include <errno.h>

int test_hello(void)
{
	printk("hello from osprey\n");
	return 0;
}

static void set_flag(void *arg)
{
	*(volatile int *)arg = 1;
}

static void exit_with(void *arg)
{
	thread_exit((int)(uintptr_t)arg);
}

int test_threads(void)
{
	volatile int flag = 0;
	struct thread *t = thread_create("flag", set_flag, (void *)&flag, PRIO_DEFAULT, 0);
	EXPECT(t);
	int code = -1;
	EXPECT(thread_join(t, &code) == 0);
	EXPECT(flag == 1 && code == 0);

	/* Many threads, exit codes through join. */
	struct thread *ts[100];
	for (int i = 0; i < 100; i++) {
		ts[i] = thread_create("exit", exit_with, (void *)(uintptr_t)i, PRIO_DEFAULT, 0);
		EXPECT(ts[i]);
	}
	for (int i = 0; i < 100; i++) {
		EXPECT(thread_join(ts[i], &code) == 0);
		EXPECT(code == i);
	}
	/* Detached threads are reaped without a join. */
	int before = thread_count();
	volatile int flags[20] = { 0 };
	for (int i = 0; i < 20; i++) {
		struct thread *d = thread_create("detached", set_flag, (void *)&flags[i], PRIO_DEFAULT, 0);
		EXPECT(d);
		thread_detach(d);
	}
	for (int tries = 0; tries < 1000 && thread_count() > before; tries++)
		thread_sleep_ns(1000000);
	EXPECT(thread_count() == before);
	for (int i = 0; i < 20; i++)
		EXPECT(flags[i] == 1);
	EXPECT(thread_join(thread_current(), NULL) == -EINVAL);
	return 0;
}

#define NWORKERS 64
#define ROUNDS 200

struct counter {
	struct mutex m;
	struct cond cv;
	long value;
	int inside;
	int violations;
};

static void mutex_worker(void *arg)
{
	struct counter *c = arg;

	for (int i = 0; i < ROUNDS; i++) {
		mutex_lock(&c->m);
		if (c->inside++)
			c->violations++;
		long v = c->value;
		if (i % 7 == 0)
			thread_yield();	/* invite a race */
		c->value = v + 1;
		c->inside--;
		mutex_unlock(&c->m);
	}
}

static int run_workers(void (*fn)(void *), void *arg, int n)
{
	struct thread *ts[NWORKERS];

	for (int i = 0; i < n; i++) {
		ts[i] = thread_create("worker", fn, arg, PRIO_DEFAULT - (i % 3), 0);
		if (!ts[i])
			return -1;
	}
	for (int i = 0; i < n; i++)
		thread_join(ts[i], NULL);
	return 0;
}

int test_mutex(void)
{
	static struct counter c;

	mutex_init(&c.m);
	c.value = 0;
	EXPECT(run_workers(mutex_worker, &c, NWORKERS) == 0);
	EXPECT(c.violations == 0);
	EXPECT(c.value == NWORKERS * ROUNDS);
	EXPECT(mutex_trylock(&c.m));
	EXPECT(mutex_held(&c.m));
	EXPECT(!mutex_trylock(&c.m));
	mutex_unlock(&c.m);
	EXPECT(!mutex_held(&c.m));
	return 0;
}

/* Producer/consumer ring through a condition variable. */
struct ring {
	struct mutex m;
	struct cond not_empty, not_full;
	int buf[8], head, tail, count;
	long sum;
};

static void producer(void *arg)
{
	struct ring *r = arg;

	for (int i = 1; i <= 500; i++) {
		mutex_lock(&r->m);
		while (r->count == 8)
			cond_wait(&r->not_full, &r->m);
		r->buf[r->head] = i;
		r->head = (r->head + 1) % 8;
		r->count++;
		cond_signal(&r->not_empty);
		mutex_unlock(&r->m);
	}
}

static void consumer(void *arg)
{
	struct ring *r = arg;

	for (int i = 0; i < 500; i++) {
		mutex_lock(&r->m);
		while (r->count == 0)
			cond_wait(&r->not_empty, &r->m);
		r->sum += r->buf[r->tail];
		r->tail = (r->tail + 1) % 8;
		r->count--;
		cond_signal(&r->not_full);
		mutex_unlock(&r->m);
	}
}

static void broadcast_waiter(void *arg)
{
	struct counter *c = arg;

	mutex_lock(&c->m);
	c->inside++;
	while (!c->value)
		cond_wait(&c->cv, &c->m);
	c->violations++;	/* here: counts the threads that woke */
	mutex_unlock(&c->m);
}

int test_condvar(void)
{
	static struct ring r;
	struct thread *ts[32];

	mutex_init(&r.m);
	cond_init(&r.not_empty);
	cond_init(&r.not_full);
	for (int i = 0; i < 32; i++) {
		ts[i] = thread_create(i % 2 ? "consumer" : "producer",
		    i % 2 ? consumer : producer, &r, PRIO_DEFAULT, 0);
		EXPECT(ts[i]);
	}
	for (int i = 0; i < 32; i++)
		thread_join(ts[i], NULL);
	EXPECT(r.count == 0);
	EXPECT(r.sum == 16L * 500 * 501 / 2);

	/* Broadcast wakes every waiter. */
	static struct counter c;
	mutex_init(&c.m);
	cond_init(&c.cv);
	c.value = 0;
	c.inside = 0;
	for (int i = 0; i < 16; i++)
		EXPECT((ts[i] = thread_create("waiter", broadcast_waiter, &c, PRIO_DEFAULT, 0)));
	while (__atomic_load_n(&c.inside, __ATOMIC_SEQ_CST) < 16)
		thread_sleep_ns(100000);
	mutex_lock(&c.m);
	c.value = 1;
	cond_broadcast(&c.cv);
	mutex_unlock(&c.m);
	for (int i = 0; i < 16; i++)
		thread_join(ts[i], NULL);
	EXPECT(c.violations == 16);
	return 0;
}

struct rwtest {
	struct rwlock l;
	int readers_inside, writers_inside, violations;
	long value;
};

static void rw_worker(void *arg)
{
	struct rwtest *t = arg;

	for (int i = 0; i < 100; i++) {
		if (i % 4 == 0) {
			rw_write_lock(&t->l);
			if (t->writers_inside++ || __atomic_load_n(&t->readers_inside, __ATOMIC_RELAXED))
				t->violations++;
			t->value++;
			thread_yield();
			t->writers_inside--;
			rw_unlock(&t->l);
		} else {
			/* Readers share the lock, on several CPUs at once: atomics. */
			rw_read_lock(&t->l);
			__atomic_add_fetch(&t->readers_inside, 1, __ATOMIC_RELAXED);
			if (t->writers_inside)
				__atomic_add_fetch(&t->violations, 1, __ATOMIC_RELAXED);
			thread_yield();
			__atomic_sub_fetch(&t->readers_inside, 1, __ATOMIC_RELAXED);
			rw_unlock(&t->l);
		}
	}
}

int test_rwlock(void)
{
	static struct rwtest t;

	rwlock_init(&t.l);
	EXPECT(run_workers(rw_worker, &t, 32) == 0);
	EXPECT(t.violations == 0);
	EXPECT(t.value == 32 * 25);
	rw_read_lock(&t.l);
	EXPECT(rw_read_held(&t.l) && !rw_write_held(&t.l));
	EXPECT(!rw_try_write_lock(&t.l));
	EXPECT(rw_try_upgrade(&t.l));
	EXPECT(rw_write_held(&t.l));
	rw_downgrade(&t.l);
	EXPECT(rw_read_held(&t.l));
	rw_unlock(&t.l);
	EXPECT(rw_try_write_lock(&t.l));
	rw_unlock(&t.l);
	return 0;
}

static struct semaphore test_sem_s;

static void sem_poster(void *arg)
{
	for (int i = 0; i < 10; i++) {
		thread_sleep_ns(200000);
		sem_up(&test_sem_s);
	}
}

int test_sem(void)
{
	sem_init(&test_sem_s, 0);
	struct thread *t = thread_create("poster", sem_poster, NULL, PRIO_DEFAULT, 0);
	EXPECT(t);
	for (int i = 0; i < 10; i++)
		EXPECT(sem_down(&test_sem_s, clock_ns() + 5000000000ULL) == 0);
	EXPECT(sem_down(&test_sem_s, clock_ns() + 1000000) == -ETIMEDOUT);
	thread_join(t, NULL);
	return 0;
}

/* A timed wait must not return early and should return close to its deadline. */
int test_timedwait(void)
{
	struct mutex m;
	struct cond cv;
	uint64_t worst_late = 0;

	mutex_init(&m);
	cond_init(&cv);
	mutex_lock(&m);
	for (int i = 0; i < 20; i++) {
		uint64_t wait = 100000 + i * 250000;	/* 0.1 .. 4.85 ms */
		uint64_t start = clock_ns();
		int err = cond_timedwait(&cv, &m, start + wait);
		uint64_t took = clock_ns() - start;
		EXPECT(err == -ETIMEDOUT);
		EXPECT(took >= wait);
		if (took - wait > worst_late)
			worst_late = took - wait;
	}
	mutex_unlock(&m);
	printk("  timedwait: worst lateness %lu us\n", worst_late / 1000);
	/* Generous bound: emulation under TCG is slow and noisy. */
	EXPECT(worst_late < 20000000);
	return 0;
}

int test_sleep(void)
{
	/* The wall clock comes from the RTC: some time after 2020. */
	EXPECT(clock_realtime_ns() > 1577836800ULL * 1000000000ULL);
	uint64_t t0 = clock_ns();
	thread_sleep_ns(10000000);
	uint64_t took = clock_ns() - t0;
	EXPECT(took >= 10000000);
	EXPECT(took < 1000000000);
	return 0;
}

static volatile int spin_stop;

static void spinner(void *arg)
{
	volatile long *n = arg;
	while (!spin_stop)
		(*n)++;
}

/* Two busy threads at one priority share the CPU through time slices,
 * and the main thread, sleeping meanwhile, still wakes up. */
int test_preempt(void)
{
	static volatile long a, b;

	spin_stop = 0;
	struct thread *ta = thread_create("spin-a", spinner, (void *)&a, PRIO_DEFAULT, 0);
	struct thread *tb = thread_create("spin-b", spinner, (void *)&b, PRIO_DEFAULT, 0);
	EXPECT(ta && tb);
	thread_set_priority(thread_current(), PRIO_DEFAULT + 1);
	thread_sleep_ns(100000000);
	spin_stop = 1;
	thread_set_priority(thread_current(), PRIO_DEFAULT);
	thread_join(ta, NULL);
	thread_join(tb, NULL);
	printk("  preempt: spinner counts %ld and %ld\n", a, b);
	EXPECT(a > 0 && b > 0);
	return 0;
}

/* Each thread's SSE registers survive preemption by another that uses them. */
static void fpu_worker(void *arg)
{
	uint64_t seed = (uintptr_t)arg, out;

	for (int i = 0; i < 200; i++) {
		/* No clobber: the kernel is built without SSE and never uses xmm3. */
		__asm__ volatile("movq %0, %%xmm3" : : "r"(seed));
		thread_yield();
		__asm__ volatile("movq %%xmm3, %0" : "=r"(out));
		if (out != seed)
			thread_exit(1);
		seed = seed * 6364136223846793005ULL + 1;
	}
	thread_exit(0);
}

int test_fpu(void)
{
	struct thread *ts[8];
	int code;

	for (int i = 0; i < 8; i++)
		EXPECT((ts[i] = thread_create("fpu", fpu_worker, (void *)(uintptr_t)(i + 1), PRIO_DEFAULT, 0)));
	for (int i = 0; i < 8; i++) {
		thread_join(ts[i], &code);
		EXPECT(code == 0);
	}
	return 0;
}

static int dtor_calls;

static void tsd_dtor(void *v)
{
	__atomic_add_fetch(&dtor_calls, 1, __ATOMIC_SEQ_CST);
}

static int tsd_key;

static void tsd_worker(void *arg)
{
	tsd_set(tsd_key, arg);
	thread_yield();
	thread_exit(tsd_get(tsd_key) == arg ? 0 : 1);
}

int test_tsd(void)
{
	tsd_key = tsd_key_create(tsd_dtor);
	EXPECT(tsd_key >= 0);
	struct thread *ts[4];
	int code;
	for (int i = 0; i < 4; i++)
		EXPECT((ts[i] = thread_create("tsd", tsd_worker, (void *)(uintptr_t)(i + 1), PRIO_DEFAULT, 0)));
	for (int i = 0; i < 4; i++) {
		thread_join(ts[i], &code);
		EXPECT(code == 0);
	}
	EXPECT(dtor_calls == 4);
	EXPECT(tsd_get(tsd_key) == NULL);
	tsd_key_delete(tsd_key);
	return 0;
}

/* Callback waiters (sync.h): every wake-up runs them and leaves them
 * queued; a wake-one still wakes one thread; of the exclusive ones only
 * those up to the first that takes the wake-up run. */
struct cb_waiter {
	struct waiter w;
	int calls;
	bool take;
};

static bool cb_wake(struct waiter *w)
{
	struct cb_waiter *c = container_of(w, struct cb_waiter, w);
	c->calls++;
	return c->take;
}

int test_waitq_callbacks(void)
{
	static struct counter c;
	struct cb_waiter plain = { 0 }, ex1 = { .take = false }, ex2 = { .take = true },
	    ex3 = { .take = true };
	struct thread *ts[2];

	mutex_init(&c.m);
	cond_init(&c.cv);
	c.value = 0;
	c.inside = c.violations = 0;
	waitq_add_callback(&c.cv.wq, &ex1.w, cb_wake, true);
	waitq_add_callback(&c.cv.wq, &plain.w, cb_wake, false);
	waitq_add_callback(&c.cv.wq, &ex2.w, cb_wake, true);
	waitq_add_callback(&c.cv.wq, &ex3.w, cb_wake, true);
	for (int i = 0; i < 2; i++)
		EXPECT((ts[i] = thread_create("cbwait", broadcast_waiter, &c, PRIO_DEFAULT, 0)));
	while (__atomic_load_n(&c.inside, __ATOMIC_SEQ_CST) < 2)
		thread_sleep_ns(100000);
	mutex_lock(&c.m);
	c.value = 1;
	cond_signal(&c.cv);		/* one thread, every callback in reach */
	mutex_unlock(&c.m);
	for (int tries = 0; tries < 1000 && __atomic_load_n(&c.violations, __ATOMIC_SEQ_CST) < 1; tries++)
		thread_sleep_ns(1000000);
	thread_sleep_ns(20000000);
	EXPECT(__atomic_load_n(&c.violations, __ATOMIC_SEQ_CST) == 1);
	EXPECT(plain.calls == 1 && ex1.calls == 1 && ex2.calls == 1 && ex3.calls == 0);
	cond_broadcast(&c.cv);		/* the other thread; callbacks again */
	for (int i = 0; i < 2; i++)
		thread_join(ts[i], NULL);
	EXPECT(c.violations == 2);
	EXPECT(plain.calls == 2 && ex1.calls == 2 && ex2.calls == 2 && ex3.calls == 0);
	waitq_remove(&plain.w);
	waitq_remove(&ex2.w);
	cond_broadcast(&c.cv);		/* no threads: callbacks only */
	EXPECT(plain.calls == 2 && ex1.calls == 3 && ex3.calls == 1);
	waitq_remove(&ex1.w);
	waitq_remove(&ex3.w);
	EXPECT(list_empty(&c.cv.wq.waiters));
	return 0;
}
