/* The same threaded program twice on one command line:
 *   rerun leave ; rerun check
 * The first run exits while threads wait on a condition variable, wait in
 * sigsuspend, read a pipe, sleep and spin. The second run is the same
 * binary at the same addresses, so a thread left over from the first
 * would wait on the very futex words the second uses and take its
 * wake-ups, or come back to life in its address space. It must meet none:
 * every signal of its condition variable wakes its own waiter, and the
 * counter the spinner incremented stays its own. */
#include "check.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#define WAITERS 4
#define ROUNDS 20

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, started;
static volatile unsigned long spins;
static int fds[2];
static sem_t ack;

static void up(void)
{
	pthread_mutex_lock(&m);
	started++;
	pthread_mutex_unlock(&m);
}

static void *forever_waiter(void *arg)
{
	pthread_mutex_lock(&m);
	started++;
	for (;;)
		pthread_cond_wait(&cv, &m);
	return arg;
}

static void *spinner(void *arg)
{
	up();
	for (;;)
		spins++;
	return arg;
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 0, 1000000 };
	up();
	for (;;)
		nanosleep(&ts, NULL);
	return arg;
}

static void *reader(void *arg)
{
	char c;
	up();
	for (;;)
		read(fds[0], &c, 1);
	return arg;
}

static void *suspender(void *arg)
{
	sigset_t none;
	sigemptyset(&none);
	up();
	for (;;)
		sigsuspend(&none);
	return arg;
}

static int leave(void)
{
	void *(*fns[])(void *) = { forever_waiter, forever_waiter, forever_waiter,
	    forever_waiter, spinner, sleeper, reader, suspender };
	int n = sizeof(fns) / sizeof(fns[0]);
	pthread_t t;

	if (pipe(fds))
		bail("rerun", "pipe");
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, fns[i], NULL))
			bail("rerun", "pthread_create");
	for (int tries = 0; tries < 5000; tries++) {
		pthread_mutex_lock(&m);
		int k = started;
		pthread_mutex_unlock(&m);
		if (k == n)
			break;
		usleep(1000);
	}
	usleep(20000);		/* let them block */
	printf("rerun: leaving %d threads behind (spinner at %lu)\n", n, spins);
	exit(0);
}

/* One waiter per round, woken by pthread_cond_signal: with a stranger
 * queued on the same futex, the wake-up could go to the stranger. */
static void *round_waiter(void *arg)
{
	int want = (int)(long)arg;

	pthread_mutex_lock(&m);
	started++;
	while (turn != want)
		pthread_cond_wait(&cv, &m);
	pthread_mutex_unlock(&m);
	sem_post(&ack);
	return NULL;
}

static int check_run(void)
{
	int woken = 0;

	sem_init(&ack, 0, 0);
	check("rerun.counter_own", spins == 0, "the counter is %lu at start", spins);
	for (int i = 1; i <= ROUNDS; i++) {
		pthread_t t;
		started = 0;
		pthread_create(&t, NULL, round_waiter, (void *)(long)i);
		for (int tries = 0; tries < 5000; tries++) {
			pthread_mutex_lock(&m);
			int k = started;
			pthread_mutex_unlock(&m);
			if (k)
				break;
			usleep(1000);
		}
		usleep(2000);	/* into pthread_cond_wait */
		pthread_mutex_lock(&m);
		turn = i;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&m);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 3;
		int r;
		while ((r = sem_timedwait(&ack, &until)) && errno == EINTR)
			;
		if (r) {
			printf("rerun: round %d: the waiter was not woken\n", i);
			break;
		}
		pthread_join(t, NULL);
		woken++;
	}
	check("rerun.every_wakeup_own", woken == ROUNDS, "%d of %d rounds woke their waiter",
	    woken, ROUNDS);
	usleep(50000);
	check("rerun.counter_still_own", spins == 0, "the counter became %lu", spins);
	return done("rerun");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "leave"))
		return leave();
	if (argc > 1 && !strcmp(argv[1], "check"))
		return check_run();
	printf("usage: rerun leave|check\n");
	return 2;
}
