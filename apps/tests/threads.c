/* Threads: 64 pthreads with mutex and condition-variable contention,
 * joins with return values, per-thread TLS, pthread_once and a barrier. */
#include "check.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>

#define NTHREADS 64
#define INCREMENTS 2000
#define PRODUCERS 8
#define CONSUMERS 8
#define ITEMS 2000		/* per producer */
#define QSIZE 16

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static __thread int tls_id = -1;		/* GNU spelling */
static _Thread_local long tls_init = 42;	/* C11 spelling, with an initial value */
static void *tls_addr[NTHREADS];
static int tls_bad;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static pthread_barrier_t barrier;
static int arrived, serial_threads, barrier_bad;
static pid_t tids[NTHREADS];

static void once_init(void)
{
	__atomic_add_fetch(&once_runs, 1, __ATOMIC_SEQ_CST);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	if (tls_id != -1 || tls_init != 42)
		__atomic_add_fetch(&tls_bad, 1, __ATOMIC_SEQ_CST);
	tls_id = id;
	tls_init = id * 1000;
	tls_addr[id] = &tls_id;
	tids[id] = (pid_t)syscall(SYS_gettid);
	pthread_once(&once, once_init);

	__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	int r = pthread_barrier_wait(&barrier);
	if (r == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_add_fetch(&serial_threads, 1, __ATOMIC_SEQ_CST);
	else if (r != 0)
		__atomic_add_fetch(&barrier_bad, 1, __ATOMIC_SEQ_CST);
	/* Past the barrier, everyone has arrived. */
	if (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) != NTHREADS)
		__atomic_add_fetch(&barrier_bad, 1, __ATOMIC_SEQ_CST);

	for (int i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&counter_lock);
		long v = counter;
		if (i % 64 == 0)
			sched_yield();	/* hold the lock across a switch now and then */
		counter = v + 1;
		pthread_mutex_unlock(&counter_lock);
	}
	if (tls_id != id || tls_init != id * 1000)
		__atomic_add_fetch(&tls_bad, 1, __ATOMIC_SEQ_CST);
	return (void *)(intptr_t)(id * 3 + 1);
}

/* A bounded queue on one mutex and two condition variables. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	long items[QSIZE];
	int head, count;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0 };

static void put(long v)
{
	pthread_mutex_lock(&q.lock);
	while (q.count == QSIZE)
		pthread_cond_wait(&q.not_full, &q.lock);
	q.items[(q.head + q.count) % QSIZE] = v;
	q.count++;
	pthread_cond_signal(&q.not_empty);
	pthread_mutex_unlock(&q.lock);
}

static long get(void)
{
	pthread_mutex_lock(&q.lock);
	while (q.count == 0)
		pthread_cond_wait(&q.not_empty, &q.lock);
	long v = q.items[q.head];
	q.head = (q.head + 1) % QSIZE;
	q.count--;
	pthread_cond_signal(&q.not_full);
	pthread_mutex_unlock(&q.lock);
	return v;
}

static void *producer(void *arg)
{
	long base = (intptr_t)arg * ITEMS;

	for (long i = 1; i <= ITEMS; i++)
		put(base + i);
	return NULL;
}

struct consumed { long sum, n; };

static void *consumer(void *arg)
{
	struct consumed *c = arg;

	for (;;) {
		long v = get();
		if (v < 0)
			return NULL;	/* poison pill */
		c->sum += v;
		c->n++;
	}
}

/* Broadcast: many waiters on one condition, released together. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting;

static void *gate_waiter(void *arg)
{
	pthread_mutex_lock(&gate_lock);
	gate_waiting++;
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return arg;
}

static void *detached(void *arg)
{
	char buf[16 * 1024];	/* uses a good part of its 64 KiB stack */

	memset(buf, 1, sizeof(buf));
	__asm__ volatile("" : : "r"(buf) : "memory");
	once_init();
	return arg;
}

int main(void)
{
	pthread_t th[NTHREADS];
	int created = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	check("barrier_init", pthread_barrier_init(&barrier, NULL, NTHREADS) == 0, "failed");
	tls_id = -2;
	for (int i = 0; i < NTHREADS; i++) {
		int r = pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
		if (r) {
			check("create_64", 0, "pthread_create #%d: %s", i, strerror(r));
			break;
		}
		created++;
	}
	if (created == NTHREADS)
		check("create_64", 1, "");
	int joined_ok = 1;
	for (int i = 0; i < created; i++) {
		void *ret = NULL;
		int r = pthread_join(th[i], &ret);
		if (r || (intptr_t)ret != i * 3 + 1) {
			check("join_values", 0, "thread %d: join %s, returned %ld", i, strerror(r), (long)(intptr_t)ret);
			joined_ok = 0;
			break;
		}
	}
	if (created != NTHREADS)
		return done("threads");
	if (joined_ok)
		check("join_values", 1, "");
	check("mutex_counter", counter == (long)NTHREADS * INCREMENTS, "counter %ld, want %ld",
	      counter, (long)NTHREADS * INCREMENTS);
	check("tls_per_thread", tls_bad == 0 && tls_id == -2 && tls_init == 42,
	      "%d threads saw wrong TLS values; main's tls_id %d tls_init %ld", tls_bad, tls_id, tls_init);
	int distinct = 1;
	for (int i = 0; i < NTHREADS && distinct; i++)
		for (int j = i + 1; j < NTHREADS; j++)
			if (tls_addr[i] == tls_addr[j] || tls_addr[i] == (void *)&tls_id) {
				distinct = 0;
				break;
			}
	check("tls_addresses_distinct", distinct, "two threads share a TLS address");
	int tid_ok = 1;
	for (int i = 0; i < NTHREADS; i++)
		for (int j = i + 1; j < NTHREADS; j++)
			if (tids[i] == tids[j] || tids[i] <= 0 || tids[i] == getpid())
				tid_ok = 0;
	check("gettid_distinct", tid_ok, "thread ids repeat or equal the pid");
	check("pthread_once", once_runs == 1, "init ran %d times", once_runs);
	check("barrier", serial_threads == 1 && barrier_bad == 0,
	      "%d serial threads (want 1), %d bad returns or early leavers", serial_threads, barrier_bad);
	pthread_barrier_destroy(&barrier);

	/* Producers and consumers on condition variables. */
	pthread_t prod[PRODUCERS], cons[CONSUMERS];
	struct consumed got[CONSUMERS] = {{0, 0}};
	for (int i = 0; i < CONSUMERS; i++)
		pthread_create(&cons[i], NULL, consumer, &got[i]);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	for (int i = 0; i < CONSUMERS; i++)
		put(-1);
	long sum = 0, n = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(cons[i], NULL);
		sum += got[i].sum;
		n += got[i].n;
	}
	long total = (long)PRODUCERS * ITEMS;
	check("producer_consumer", n == total && sum == total * (total + 1) / 2,
	      "consumed %ld items summing to %ld; want %ld and %ld", n, sum, total, total * (total + 1) / 2);

	/* pthread_cond_broadcast releases every waiter. */
	pthread_t gw[16];
	for (int i = 0; i < 16; i++)
		pthread_create(&gw[i], NULL, gate_waiter, (void *)(intptr_t)(i + 100));
	for (;;) {
		pthread_mutex_lock(&gate_lock);
		int w = gate_waiting;
		pthread_mutex_unlock(&gate_lock);
		if (w == 16)
			break;
		sched_yield();
	}
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	int gw_ok = 1;
	for (int i = 0; i < 16; i++) {
		void *ret;
		if (pthread_join(gw[i], &ret) || (intptr_t)ret != i + 100)
			gw_ok = 0;
	}
	check("cond_broadcast", gw_ok, "a waiter returned a wrong value");

	/* A detached thread with a small stack runs to completion without a join. */
	pthread_t d;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	int r = pthread_create(&d, &attr, detached, NULL);
	for (int i = 0; i < 1000 && __atomic_load_n(&once_runs, __ATOMIC_SEQ_CST) < 2; i++)
		usleep(1000);
	check("detached_small_stack", r == 0 && once_runs == 2, "create %s, ran %d", strerror(r), once_runs - 1);
	return done("threads");
}
