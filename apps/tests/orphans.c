/* Exits while three threads are still busy: one spinning in user code, one
 * blocked on a condition variable, one sleeping. The kernel must stop them
 * so that the next program on the command line runs undisturbed. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static volatile unsigned long spins;

static void *spinner(void *arg)
{
	for (;;)
		spins++;
	return arg;
}

static void *waiter(void *arg)
{
	pthread_mutex_lock(&m);
	for (;;)
		pthread_cond_wait(&never, &m);
	return arg;
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 0, 1000000 };
	for (;;)
		nanosleep(&ts, NULL);
	return arg;
}

int main(void)
{
	void *(*fns[3])(void *) = { spinner, waiter, sleeper };
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, fns[i], NULL)) {
			printf("not ok orphans: pthread_create failed\n");
			return 1;
		}
	struct timespec ts = { 0, 20000000 };
	nanosleep(&ts, NULL);
	printf("ok orphans: leaving 3 threads behind (spinner at %lu)\n", spins);
	fflush(stdout);
	exit(0);
}
