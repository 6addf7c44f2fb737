/* Futexes and time: FUTEX_WAIT timeouts, FUTEX_WAKE, timed condition
 * waits, a monotonic clock that never goes backwards (within and across
 * threads), nanosleep and clock_nanosleep durations, the wall clock. */
#include "check.h"
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>

/* From the Linux UAPI (musl-gcc does not see <linux/futex.h>). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY (-1)

static long futex(int *uaddr, int op, int val, const struct timespec *ts, int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wait_timeouts(void)
{
	int word = 0;
	struct timespec ts = { 0, 50 * 1000000 };
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	errno = 0;
	long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	int64_t took = now_ns(CLOCK_MONOTONIC) - t0;
	check("futex_wait_timeout", r == -1 && errno == ETIMEDOUT, "returned %ld errno %d", r, errno);
	check("futex_wait_timeout_duration", took >= 50000000 && took < 5000000000LL,
	      "took %lld ns for a 50 ms timeout", (long long)took);

	errno = 0;
	r = futex(&word, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
	check("futex_wait_value_mismatch_eagain", r == -1 && errno == EAGAIN, "returned %ld errno %d", r, errno);

	/* The shared (non-private) variant, as older code uses. */
	ts.tv_nsec = 20 * 1000000;
	errno = 0;
	r = futex(&word, FUTEX_WAIT, 0, &ts, NULL, 0);
	check("futex_wait_shared_timeout", r == -1 && errno == ETIMEDOUT, "returned %ld errno %d", r, errno);

	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + 30000000;
	struct timespec abs = { deadline / 1000000000, deadline % 1000000000 };
	errno = 0;
	r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	int64_t after = now_ns(CLOCK_MONOTONIC);
	check("futex_wait_bitset_absolute", r == -1 && errno == ETIMEDOUT && after >= deadline,
	      "returned %ld errno %d, %lld ns after the deadline", r, errno, (long long)(after - deadline));

	/* ... or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME. */
	deadline = now_ns(CLOCK_REALTIME) + 30000000;
	abs = (struct timespec){ deadline / 1000000000, deadline % 1000000000 };
	errno = 0;
	r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	after = now_ns(CLOCK_REALTIME);
	check("futex_wait_bitset_realtime", r == -1 && errno == ETIMEDOUT && after >= deadline,
	      "returned %ld errno %d, %lld ns after the deadline", r, errno, (long long)(after - deadline));

	errno = 0;
	r = futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	check("futex_wake_nobody", r == 0, "returned %ld errno %d", r, errno);
}

#define WAITERS 4
static int wake_word, ready;
static long wait_result[WAITERS];

static void *waiter(void *arg)
{
	int i = (int)(intptr_t)arg;
	struct timespec ts = { 10, 0 };

	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	long r;
	do {
		r = futex(&wake_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	} while (r == -1 && errno == EINTR);
	wait_result[i] = r == -1 ? -errno : r;
	return NULL;
}

static void wake(void)
{
	pthread_t th[WAITERS];

	for (int i = 0; i < WAITERS; i++)
		pthread_create(&th[i], NULL, waiter, (void *)(intptr_t)i);
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < WAITERS)
		sched_yield();
	struct timespec pause = { 0, 100 * 1000000 };	/* let them all go to sleep */
	nanosleep(&pause, NULL);
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&wake_word, 1, __ATOMIC_SEQ_CST);
	long woken = futex(&wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	long rest = futex(&wake_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(th[i], NULL);
	int64_t took = now_ns(CLOCK_MONOTONIC) - t0;
	check("futex_wake_counts", woken == 1 && rest == WAITERS - 1, "woke %ld then %ld, want 1 then %d",
	      woken, rest, WAITERS - 1);
	int ok = 1;
	for (int i = 0; i < WAITERS; i++)
		ok &= wait_result[i] == 0;
	check("futex_wake_wakes", ok && took < 5000000000LL, "a waiter returned %ld/%ld/%ld/%ld after %lld ms",
	      wait_result[0], wait_result[1], wait_result[2], wait_result[3], (long long)(took / 1000000));
}

static void cond_timeout(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec abs;

	clock_gettime(CLOCK_REALTIME, &abs);
	int64_t start = now_ns(CLOCK_REALTIME);
	abs.tv_nsec += 40 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	int r = pthread_cond_timedwait(&c, &m, &abs);
	pthread_mutex_unlock(&m);
	int64_t took = now_ns(CLOCK_REALTIME) - start;
	check("cond_timedwait_timeout", r == ETIMEDOUT && took >= 40000000, "returned %d after %lld ns", r,
	      (long long)took);

	/* A normal mutex held by this thread: a timed lock times out. */
	pthread_mutex_lock(&m);
	int64_t t = now_ns(CLOCK_REALTIME) + 30000000;
	r = pthread_mutex_timedlock(&m, &(struct timespec){ t / 1000000000, t % 1000000000 });
	check("mutex_timedlock_timeout", r == ETIMEDOUT && now_ns(CLOCK_REALTIME) >= t, "returned %d", r);
	pthread_mutex_unlock(&m);
}

#define READERS 4
static int64_t latest;
static int backwards[READERS + 1];

static void *clock_reader(void *arg)
{
	int id = (int)(intptr_t)arg;
	int64_t last = 0;

	for (int i = 0; i < 20000; i++) {
		int64_t seen = __atomic_load_n(&latest, __ATOMIC_SEQ_CST);
		int64_t t = now_ns(CLOCK_MONOTONIC);
		if (t < seen || t < last)
			backwards[id]++;
		last = t;
		while (seen < t && !__atomic_compare_exchange_n(&latest, &seen, t, 0, __ATOMIC_SEQ_CST,
		    __ATOMIC_SEQ_CST))
			;
		if (i % 1000 == 0)
			sched_yield();
	}
	return NULL;
}

static void clocks(void)
{
	int64_t last = now_ns(CLOCK_MONOTONIC), first = last;
	int back = 0;

	for (int i = 0; i < 100000; i++) {
		int64_t t = now_ns(CLOCK_MONOTONIC);
		if (t < last)
			back++;
		last = t;
	}
	check("monotonic_never_backwards", back == 0, "went backwards %d times", back);
	check("monotonic_advances", last > first, "did not move in 100000 reads");

	pthread_t th[READERS];
	for (int i = 0; i < READERS; i++)
		pthread_create(&th[i], NULL, clock_reader, (void *)(intptr_t)i);
	clock_reader((void *)(intptr_t)READERS);
	for (int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	int total = 0;
	for (int i = 0; i <= READERS; i++)
		total += backwards[i];
	check("monotonic_across_threads", total == 0, "%d readings earlier than one seen before", total);

	struct timespec res;
	check("clock_getres_monotonic", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 &&
	      res.tv_nsec > 0 && res.tv_nsec <= 1000000, "resolution %ld.%09ld", (long)res.tv_sec, res.tv_nsec);

	clockid_t others[] = { CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME_COARSE, CLOCK_BOOTTIME };
	const char *names[] = { "MONOTONIC_RAW", "MONOTONIC_COARSE", "REALTIME_COARSE", "BOOTTIME" };
	for (int i = 0; i < 4; i++) {
		struct timespec ts = { 0, 0 };
		char name[64];
		snprintf(name, sizeof(name), "clock_%s", names[i]);
		int r = clock_gettime(others[i], &ts);
		check(name, r == 0 && (ts.tv_sec || ts.tv_nsec), "returned %d (%s)", r, strerror(errno));
	}
	int64_t m0 = now_ns(CLOCK_MONOTONIC), b0 = now_ns(CLOCK_BOOTTIME);
	check("boottime_matches_monotonic", b0 >= m0 && b0 - m0 < 1000000000, "boottime %lld monotonic %lld",
	      (long long)b0, (long long)m0);

	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	check("realtime_after_2020", rt.tv_sec > 1577836800 && rt.tv_sec < 4102444800LL,
	      "CLOCK_REALTIME says %lld s since 1970", (long long)rt.tv_sec);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	check("gettimeofday_time_agree", llabs((long long)tv.tv_sec - rt.tv_sec) <= 2 &&
	      llabs((long long)t - rt.tv_sec) <= 2 && tv.tv_usec >= 0 && tv.tv_usec < 1000000,
	      "clock_gettime %lld, gettimeofday %lld, time %lld", (long long)rt.tv_sec,
	      (long long)tv.tv_sec, (long long)t);
}

static void sleeps(void)
{
	long asks[] = { 1000000, 10000000, 50000000, 120000000 };
	for (int i = 0; i < 4; i++) {
		struct timespec ts = { 0, asks[i] };
		char name[64];
		int64_t t0 = now_ns(CLOCK_MONOTONIC);
		int r = nanosleep(&ts, NULL);
		int64_t took = now_ns(CLOCK_MONOTONIC) - t0;
		snprintf(name, sizeof(name), "nanosleep_%ldms", asks[i] / 1000000);
		check(name, r == 0 && took >= asks[i] && took < asks[i] + 2000000000LL,
		      "returned %d, slept %lld ns for %ld asked", r, (long long)took, asks[i]);
	}
	struct timespec zero = { 0, 0 };
	check("nanosleep_zero", nanosleep(&zero, NULL) == 0, "failed: %s", strerror(errno));
	struct timespec bad = { 0, 1000000000 };
	errno = 0;
	check("nanosleep_bad_einval", nanosleep(&bad, NULL) == -1 && errno == EINVAL, "errno %d", errno);

	int64_t deadline = now_ns(CLOCK_MONOTONIC) + 40000000;
	struct timespec abs = { deadline / 1000000000, deadline % 1000000000 };
	int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	int64_t late = now_ns(CLOCK_MONOTONIC) - deadline;
	check("clock_nanosleep_absolute", r == 0 && late >= 0, "returned %d, woke %lld ns after the deadline",
	      r, (long long)late);
	struct timespec rel = { 0, 20000000 };
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL);
	check("clock_nanosleep_relative", r == 0 && now_ns(CLOCK_MONOTONIC) - t0 >= 20000000, "returned %d", r);
	t0 = now_ns(CLOCK_MONOTONIC);
	usleep(15000);
	check("usleep", now_ns(CLOCK_MONOTONIC) - t0 >= 15000000, "short sleep");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	wait_timeouts();
	wake();
	cond_timeout();
	clocks();
	sleeps();
	return done("futex");
}
