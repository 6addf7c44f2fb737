/* smpstress: 64 threads at once through the kernel's synchronisation
 * paths, to find lost wake-ups, broken mutual exclusion and early timers
 * when threads run on several CPUs. Phases: a spread (busy threads until
 * they have been seen on every CPU, or 3 s), contended mutexes, condvar
 * producer/consumer handoff, raw futex ping-pong pairs, timers (every
 * sleep checked against CLOCK_MONOTONIC), atomics and a spin lock, thread
 * create/join churn. A watchdog (alarm) turns a hang into a failure that
 * names the phase. Every thread records the CPUs it ran on (getcpu);
 * `--expect-cpus N` fails unless they ran on exactly CPUs 0..N-1 and
 * sysconf and sched_getaffinity both say N.
 *
 * Prints "ok NAME"/"not ok NAME: why" per check, a summary, and
 * "smpstress: ok" only when every check held; exits 1 otherwise. */
#include "check.h"
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* musl's headers have no linux/futex.h: the ABI's numbers. */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_PRIVATE_FLAG	128

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define NTHREADS	64
#define MAX_CPUS	256
#define PHASE_LIMIT_S	60	/* a phase taking longer has hung */
#define SPREAD_MS	3000

/* ---- shared reporting state ---- */

/* The phase now running, for the watchdog's message; written by the main
 * thread only, between phases. */
static const char *volatile phase = "start";
static uint64_t cpus_seen[MAX_CPUS / 64];	/* atomic bit set */

/* The first failure a worker saw in the current phase: workers do not
 * print (64 threads would bury the summary), the main thread reports. */
struct phase_faults {
	pthread_mutex_t lock;
	int count;
	char first[200];
};
static struct phase_faults faults = { PTHREAD_MUTEX_INITIALIZER, 0, "" };

__attribute__((format(printf, 1, 2)))
static void fault(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&faults.lock);
	if (faults.count++ == 0) {
		va_start(ap, fmt);
		vsnprintf(faults.first, sizeof(faults.first), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&faults.lock);
}

/* Reports the phase's worker faults as one check, and clears them. */
static void report_faults(const char *name)
{
	pthread_mutex_lock(&faults.lock);
	check(name, faults.count == 0, "%d faults, first: %s", faults.count, faults.first);
	faults.count = 0;
	faults.first[0] = 0;
	pthread_mutex_unlock(&faults.lock);
}

static void on_watchdog(int sig)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "not ok watchdog: phase '%s' still running after %d s "
			 "(a lost wake-up or a deadlock)\nsmpstress: FAILED\n", phase, PHASE_LIMIT_S);

	(void)sig;
	if (write(1, msg, n) < 0)
		_exit(3);
	_exit(2);
}

static void phase_begin(const char *name)
{
	phase = name;
	alarm(PHASE_LIMIT_S);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Records the CPU the caller runs on now. */
static void note_cpu(void)
{
	unsigned cpu = 0;

	if (syscall(SYS_getcpu, &cpu, NULL, NULL) != 0) {
		fault("getcpu: %s", strerror(errno));
		return;
	}
	if (cpu >= MAX_CPUS) {
		fault("getcpu gave CPU %u", cpu);
		return;
	}
	__atomic_or_fetch(&cpus_seen[cpu / 64], 1ULL << (cpu % 64), __ATOMIC_RELAXED);
}

static int cpus_seen_count(void)
{
	int n = 0;

	for (int i = 0; i < MAX_CPUS / 64; i++)
		n += __builtin_popcountll(__atomic_load_n(&cpus_seen[i], __ATOMIC_RELAXED));
	return n;
}

/* Runs fn(i) on NTHREADS threads and joins them all. */
static void run_threads(void *(*fn)(void *))
{
	pthread_t t[NTHREADS];

	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)i) != 0)
			bail("smpstress", "pthread_create");
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
}

/* ---- spread: busy threads until every expected CPU has run one ---- */

static int spread_want = 1;	/* set by main before the threads start */
static int64_t spread_deadline;

static void *spread_thread(void *arg)
{
	volatile uint64_t work = (uintptr_t)arg;

	do {
		for (int i = 0; i < 20000; i++)
			work = work * 6364136223846793005ULL + 1442695040888963407ULL;
		note_cpu();
	} while (cpus_seen_count() < spread_want && now_ns() < spread_deadline);
	return NULL;
}

static void phase_spread(int want)
{
	phase_begin("spread");
	spread_want = want;
	spread_deadline = now_ns() + SPREAD_MS * 1000000LL;
	run_threads(spread_thread);
	report_faults("spread_getcpu");
}

/* ---- mutexes: exact counts, and nobody inside together ---- */

#define MUTEX_LOCKS	4
#define MUTEX_ITERS	10000

static pthread_mutex_t mutex_locks[MUTEX_LOCKS] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};
static long mutex_counts[MUTEX_LOCKS];	/* each under its mutex_locks[] */
static int mutex_inside[MUTEX_LOCKS];	/* likewise: 1 while someone holds it */

static void *mutex_thread(void *arg)
{
	int k = (int)(uintptr_t)arg % MUTEX_LOCKS;

	for (int i = 0; i < MUTEX_ITERS; i++) {
		pthread_mutex_lock(&mutex_locks[k]);
		if (++mutex_inside[k] != 1)
			fault("mutex %d held by %d threads at once", k, mutex_inside[k]);
		mutex_counts[k]++;
		if (i % 256 == 0)
			sched_yield();	/* a holder preempted: the others must wait, not enter */
		mutex_inside[k]--;
		pthread_mutex_unlock(&mutex_locks[k]);
		if (i % 512 == 0)
			note_cpu();
	}
	return NULL;
}

static void phase_mutex(void)
{
	phase_begin("mutex");
	run_threads(mutex_thread);
	long total = 0;
	for (int k = 0; k < MUTEX_LOCKS; k++)
		total += mutex_counts[k];
	check("mutex_total_exact", total == (long)NTHREADS * MUTEX_ITERS, "%ld, want %ld",
	      total, (long)NTHREADS * MUTEX_ITERS);
	report_faults("mutex_exclusive");
}

/* ---- condvars: a bounded queue, every item consumed exactly once ---- */

#define CV_PER_PRODUCER	1500
#define CV_PRODUCERS	(NTHREADS / 2)
#define CV_ITEMS	(CV_PRODUCERS * CV_PER_PRODUCER)
#define CV_SLOTS	8

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	int ring[CV_SLOTS];
	int head, len;	/* under lock */
	int taken;	/* items taken out, under lock */
} cvq = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
	  { 0 }, 0, 0, 0 };
static int cv_seen[CV_ITEMS];	/* atomic: times each item was consumed */

static void cv_put(int item)
{
	pthread_mutex_lock(&cvq.lock);
	while (cvq.len == CV_SLOTS)
		pthread_cond_wait(&cvq.not_full, &cvq.lock);
	cvq.ring[(cvq.head + cvq.len++) % CV_SLOTS] = item;
	pthread_cond_signal(&cvq.not_empty);
	pthread_mutex_unlock(&cvq.lock);
}

/* Takes one item; -1 once every item has been taken. */
static int cv_take(void)
{
	int item = -1;

	pthread_mutex_lock(&cvq.lock);
	while (cvq.len == 0 && cvq.taken < CV_ITEMS)
		pthread_cond_wait(&cvq.not_empty, &cvq.lock);
	if (cvq.len > 0) {
		item = cvq.ring[cvq.head];
		cvq.head = (cvq.head + 1) % CV_SLOTS;
		cvq.len--;
		pthread_cond_signal(&cvq.not_full);
		if (++cvq.taken == CV_ITEMS)	/* the rest wait for nothing now */
			pthread_cond_broadcast(&cvq.not_empty);
	}
	pthread_mutex_unlock(&cvq.lock);
	return item;
}

static void *cv_thread(void *arg)
{
	int id = (int)(uintptr_t)arg;

	if (id < CV_PRODUCERS) {
		for (int k = 0; k < CV_PER_PRODUCER; k++)
			cv_put(id * CV_PER_PRODUCER + k);
	} else {
		int item;
		while ((item = cv_take()) >= 0) {
			if (item >= CV_ITEMS)
				fault("item %d was never produced", item);
			else
				__atomic_add_fetch(&cv_seen[item], 1, __ATOMIC_RELAXED);
		}
	}
	note_cpu();
	return NULL;
}

static void phase_condvar(void)
{
	phase_begin("condvar");
	run_threads(cv_thread);
	int lost = 0, twice = 0, first_bad = -1;
	for (int i = 0; i < CV_ITEMS; i++) {
		lost += cv_seen[i] == 0;
		twice += cv_seen[i] > 1;
		if (cv_seen[i] != 1 && first_bad < 0)
			first_bad = i;
	}
	check("condvar_each_item_once", lost == 0 && twice == 0,
	      "%d items never consumed, %d more than once (first: item %d)", lost, twice, first_bad);
	report_faults("condvar_items");
}

/* ---- futexes: ping-pong pairs, one side with a timeout ---- */

#define FUTEX_PAIRS	(NTHREADS / 2)
#define FUTEX_ROUNDS	1000

static struct {
	int turn;	/* even: the first of the pair moves; odd: the second */
	long timeouts;	/* the timed side's ETIMEDOUTs (allowed: it waits again) */
} __attribute__((aligned(64))) pairs[FUTEX_PAIRS];

static long futex(int *word, int op, int val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

/* Waits until *turn is `mine`; timed waits give up after 20 ms and wait
 * again, so a lost wake-up shows only on the untimed side (as a hang). */
static void futex_await(int pair, int mine, bool timed, int op_wait)
{
	struct timespec ts = { 0, 20 * 1000000L };
	int *turn = &pairs[pair].turn;
	int seen;

	while ((seen = __atomic_load_n(turn, __ATOMIC_ACQUIRE)) != mine) {
		if (seen > mine) {
			fault("pair %d: turn %d went past %d", pair, seen, mine);
			return;
		}
		if (futex(turn, op_wait, seen, timed ? &ts : NULL) == 0 || errno == EAGAIN ||
		    errno == EINTR)
			continue;
		if (timed && errno == ETIMEDOUT)
			pairs[pair].timeouts++;
		else
			fault("pair %d: FUTEX_WAIT: %s", pair, strerror(errno));
	}
}

static void *futex_thread(void *arg)
{
	int id = (int)(uintptr_t)arg, pair = id / 2, side = id % 2;
	/* Half the pairs use process-private futexes, half shared ones. */
	int priv = pair % 2 ? FUTEX_PRIVATE_FLAG : 0;
	int *turn = &pairs[pair].turn;

	for (int r = 0; r < FUTEX_ROUNDS; r++) {
		futex_await(pair, 2 * r + side, side == 1, FUTEX_WAIT | priv);
		__atomic_add_fetch(turn, 1, __ATOMIC_RELEASE);
		if (futex(turn, FUTEX_WAKE | priv, 1, NULL) < 0)
			fault("pair %d: FUTEX_WAKE: %s", pair, strerror(errno));
		if (r % 64 == 0)
			note_cpu();
	}
	return NULL;
}

static void phase_futex(void)
{
	phase_begin("futex");
	run_threads(futex_thread);
	int bad = -1;
	long timeouts = 0;
	for (int p = 0; p < FUTEX_PAIRS; p++) {
		if (pairs[p].turn != 2 * FUTEX_ROUNDS && bad < 0)
			bad = p;
		timeouts += pairs[p].timeouts;
	}
	check("futex_pingpong_rounds", bad < 0, "pair %d ended at turn %d, want %d", bad,
	      bad < 0 ? 0 : pairs[bad].turn, 2 * FUTEX_ROUNDS);
	report_faults("futex_wait_wake");
	printf("smpstress: futex: %d pairs x %d rounds, %ld timed waits expired\n",
	       FUTEX_PAIRS, FUTEX_ROUNDS, timeouts);
}

/* ---- timers: no sleep ends early ---- */

#define TIMER_ROUNDS	4
#define TIMER_SIG	(SIGRTMIN + 1)

/* Fails unless at least want_ns passed since t0. */
static void slept_enough(const char *how, int64_t t0, int64_t want_ns)
{
	int64_t got = now_ns() - t0;

	if (got < want_ns)
		fault("%s of %lld us ended after %lld us", how, (long long)want_ns / 1000,
		      (long long)got / 1000);
}

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){ ns / 1000000000LL, ns % 1000000000LL };
}

static void sleep_nanosleep(int64_t ns)
{
	struct timespec ts = ts_of(ns);
	int64_t t0 = now_ns();

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	slept_enough("nanosleep", t0, ns);
}

static void sleep_clock_relative(int64_t ns)
{
	struct timespec ts = ts_of(ns);
	int64_t t0 = now_ns();
	int err;

	while ((err = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts)) == EINTR)
		;
	if (err)
		fault("clock_nanosleep relative: %s", strerror(err));
	slept_enough("clock_nanosleep relative", t0, ns);
}

static void sleep_clock_absolute(int64_t ns)
{
	int64_t t0 = now_ns();
	struct timespec until = ts_of(t0 + ns);
	int err;

	while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL)) == EINTR)
		;
	if (err)
		fault("clock_nanosleep absolute: %s", strerror(err));
	slept_enough("clock_nanosleep absolute", t0, ns);
}

static void sleep_futex_timeout(int64_t ns)
{
	int word = 0;	/* nobody wakes it: the timeout must */
	struct timespec ts = ts_of(ns);
	int64_t t0 = now_ns();

	if (futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &ts) == 0 || errno != ETIMEDOUT)
		fault("FUTEX_WAIT timeout: %s, not ETIMEDOUT", strerror(errno));
	slept_enough("FUTEX_WAIT timeout", t0, ns);
}

static void sleep_timerfd(int64_t ns)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = { { 0, 0 }, ts_of(ns) };
	uint64_t expired = 0;
	int64_t t0 = now_ns();

	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL) != 0) {
		fault("timerfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (read(fd, &expired, sizeof(expired)) != sizeof(expired) || expired != 1)
		fault("timerfd read: %s, %llu expirations", strerror(errno), (unsigned long long)expired);
	slept_enough("timerfd", t0, ns);
	close(fd);
}

/* A POSIX timer aimed at this very thread (SIGEV_THREAD_ID), its signal
 * blocked and taken by sigtimedwait. */
static void sleep_posix_timer(int64_t ns)
{
	struct sigevent ev = { 0 };
	struct itimerspec its = { { 0, 0 }, ts_of(ns) };
	struct timespec limit = { 10, 0 };
	sigset_t set;
	siginfo_t si;
	timer_t timer;
	int64_t t0 = now_ns();

	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = TIMER_SIG;
	ev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0) {
		fault("timer_create: %s", strerror(errno));
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, TIMER_SIG);
	if (timer_settime(timer, 0, &its, NULL) != 0)
		fault("timer_settime: %s", strerror(errno));
	else if (sigtimedwait(&set, &si, &limit) != TIMER_SIG || si.si_code != SI_TIMER)
		fault("timer signal: %s, si_code %d", strerror(errno), si.si_code);
	else
		slept_enough("timer_create SIGEV_THREAD_ID", t0, ns);
	timer_delete(timer);
}

static void (*const sleepers[])(int64_t) = {
	sleep_nanosleep, sleep_clock_relative, sleep_clock_absolute,
	sleep_futex_timeout, sleep_timerfd, sleep_posix_timer,
};
#define NSLEEPERS ((int)(sizeof(sleepers) / sizeof(sleepers[0])))

static void *timer_thread(void *arg)
{
	int id = (int)(uintptr_t)arg;

	for (int r = 0; r < TIMER_ROUNDS; r++)
		for (int k = 0; k < NSLEEPERS; k++) {
			/* 1..16 ms, different per thread, so expiries interleave */
			int64_t ns = (1 + (id * 7 + k * 3 + r) % 16) * 1000000LL + id * 1000;
			sleepers[(k + id) % NSLEEPERS](ns);
			note_cpu();
		}
	return NULL;
}

static void phase_timers(void)
{
	sigset_t set;

	phase_begin("timers");
	/* Blocked in every thread (they inherit the mask): only sigtimedwait takes it. */
	sigemptyset(&set);
	sigaddset(&set, TIMER_SIG);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	run_threads(timer_thread);
	report_faults("timers_never_early");
}

/* ---- atomics and a spin lock ---- */

#define ATOMIC_ITERS	50000

static uint64_t atomic_added, atomic_cas;
static int spin_word;		/* 0 free, 1 held */
static uint64_t spin_count;	/* under spin_word */

static void *atomic_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < ATOMIC_ITERS; i++) {
		__atomic_add_fetch(&atomic_added, 1, __ATOMIC_RELAXED);
		uint64_t old = __atomic_load_n(&atomic_cas, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&atomic_cas, &old, old + 1, true,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		if (i % 16 == 0) {
			while (__atomic_exchange_n(&spin_word, 1, __ATOMIC_ACQUIRE))
				sched_yield();	/* the holder may be preempted on this CPU */
			spin_count++;
			__atomic_store_n(&spin_word, 0, __ATOMIC_RELEASE);
		}
	}
	note_cpu();
	return NULL;
}

static void phase_atomics(void)
{
	uint64_t want = (uint64_t)NTHREADS * ATOMIC_ITERS;

	phase_begin("atomics");
	run_threads(atomic_thread);
	check("atomic_add_exact", atomic_added == want, "%llu, want %llu",
	      (unsigned long long)atomic_added, (unsigned long long)want);
	check("atomic_cas_exact", atomic_cas == want, "%llu, want %llu",
	      (unsigned long long)atomic_cas, (unsigned long long)want);
	check("spinlock_exact", spin_count == want / 16, "%llu, want %llu",
	      (unsigned long long)spin_count, (unsigned long long)want / 16);
}

/* ---- thread create/join churn ---- */

#define CHURN_ROUNDS	16

static void *churn_thread(void *arg)
{
	note_cpu();
	return (void *)((uintptr_t)arg * 2 + 1);
}

static void phase_churn(void)
{
	int bad_ret = 0, bad_create = 0;

	phase_begin("churn");
	for (int r = 0; r < CHURN_ROUNDS; r++) {
		pthread_t t[NTHREADS];
		bool made[NTHREADS];
		for (uintptr_t i = 0; i < NTHREADS; i++) {
			made[i] = pthread_create(&t[i], NULL, churn_thread, (void *)(i + r * NTHREADS)) == 0;
			bad_create += !made[i];
		}
		for (uintptr_t i = 0; i < NTHREADS; i++) {
			void *ret;
			if (made[i] && (pthread_join(t[i], &ret) != 0 ||
					(uintptr_t)ret != (i + r * NTHREADS) * 2 + 1))
				bad_ret++;
		}
	}
	check("churn_create", bad_create == 0, "%d of %d pthread_create failed", bad_create,
	      CHURN_ROUNDS * NTHREADS);
	check("churn_join_values", bad_ret == 0, "%d joins failed or returned the wrong value", bad_ret);
	report_faults("churn_getcpu");
}

/* ---- the CPUs ---- */

static int affinity_count(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	return CPU_COUNT(&set);
}

/* The CPUs seen, as "0,1,3". */
static void format_seen(char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (int c = 0; c < MAX_CPUS && n + 8 < size; c++)
		if (cpus_seen[c / 64] & (1ULL << (c % 64)))
			n += snprintf(buf + n, size - n, "%s%d", n ? "," : "", c);
}

static void check_cpus(int expect)
{
	char seen[128];
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int affinity = affinity_count(), nseen = cpus_seen_count();
	bool exact = true;

	format_seen(seen, sizeof(seen));
	printf("smpstress: threads ran on CPUs %s; sysconf(_SC_NPROCESSORS_ONLN) %ld; "
	       "sched_getaffinity %d CPUs\n", seen, online, affinity);
	if (expect <= 0)
		return;
	for (int c = 0; c < expect; c++)
		exact &= (cpus_seen[c / 64] >> (c % 64)) & 1;
	check("ran_on_every_cpu", exact && nseen == expect, "ran on CPUs {%s}, want 0..%d",
	      seen, expect - 1);
	check("sysconf_online", online == expect, "%ld, want %d", online, expect);
	check("affinity_mask", affinity == expect, "%d bits, want %d", affinity, expect);
}

static void usage(void)
{
	fprintf(stderr, "usage: smpstress [--expect-cpus N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int expect = 0;
	char *end;

	if (argc == 3 && strcmp(argv[1], "--expect-cpus") == 0) {
		long n = strtol(argv[2], &end, 10);
		if (*argv[2] == 0 || *end != 0 || n < 1 || n > MAX_CPUS)
			usage();
		expect = (int)n;
	} else if (argc != 1) {
		usage();
	}
	signal(SIGALRM, on_watchdog);
	setvbuf(stdout, NULL, _IOLBF, 0);

	int64_t t0 = now_ns();
	note_cpu();
	phase_spread(expect > 0 ? expect : (int)sysconf(_SC_NPROCESSORS_ONLN));
	phase_mutex();
	phase_condvar();
	phase_futex();
	phase_timers();
	phase_atomics();
	phase_churn();
	alarm(0);
	check_cpus(expect);
	printf("smpstress: %d threads, %.1f s\n", NTHREADS, (now_ns() - t0) / 1e9);
	if (done("smpstress") != 0)
		return 1;
	printf("smpstress: ok\n");
	return 0;
}
