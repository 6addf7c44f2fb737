/* spinbench: CPU-bound work on several threads, for the "SMP" section of
 * `make bench`. Each of THREADS threads does the same fixed amount of
 * integer work (a multiply-add chain no compiler can fold, WORK million
 * steps) touching no shared memory; a round is timed from the first
 * pthread_create to the last join, so with one CPU per thread the wall time
 * is one thread's, and on one CPU it is THREADS times that.
 *
 *   spinbench [THREADS [WORK_MILLIONS [ROUNDS]]]     (default 2 100 5)
 *
 * Prints "spinbench: threads T work W round R wall_ns N cpus C" per round
 * (C: how many distinct CPUs the threads ran on, by getcpu) and
 * "spinbench: done"; exits 1 if a thread's result differs from the others'
 * (they all compute the same chain). */
#define _GNU_SOURCE	/* syscall(), getcpu */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

struct worker {
	pthread_t thread;
	uint64_t steps;
	uint64_t result;
	unsigned cpu_start, cpu_end;
} __attribute__((aligned(64)));	/* one cache line each: no false sharing */

static unsigned current_cpu(void)
{
	unsigned cpu = 0;

	if (syscall(SYS_getcpu, &cpu, NULL, NULL) != 0)
		return 0;
	return cpu;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t x = 88172645463325252ULL;

	w->cpu_start = current_cpu();
	for (uint64_t i = 0; i < w->steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		x = x * 0x9e3779b97f4a7c15ULL + i;
	}
	w->cpu_end = current_cpu();
	w->result = x;
	return NULL;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Distinct CPUs the workers were seen on. */
static int cpus_used(const struct worker *w, int n)
{
	uint64_t seen[4] = { 0 };
	int count = 0;

	for (int i = 0; i < n; i++) {
		unsigned c[2] = { w[i].cpu_start % 256, w[i].cpu_end % 256 };
		for (int k = 0; k < 2; k++)
			seen[c[k] / 64] |= 1ULL << (c[k] % 64);
	}
	for (int i = 0; i < 4; i++)
		count += __builtin_popcountll(seen[i]);
	return count;
}

static long arg_or(int argc, char **argv, int i, long dflt, long max)
{
	char *end;
	long v;

	if (argc <= i)
		return dflt;
	v = strtol(argv[i], &end, 10);
	if (*argv[i] == 0 || *end != 0 || v < 1 || v > max) {
		fprintf(stderr, "usage: spinbench [THREADS (1-%d) [WORK_MILLIONS [ROUNDS]]]\n", MAX_THREADS);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct worker w[MAX_THREADS];
	int threads = (int)arg_or(argc, argv, 1, 2, MAX_THREADS);
	long millions = arg_or(argc, argv, 2, 100, 100000);
	int rounds = (int)arg_or(argc, argv, 3, 5, 1000);

	for (int r = 0; r < rounds; r++) {
		memset(w, 0, sizeof(w));
		int64_t t0 = now_ns();
		for (int i = 0; i < threads; i++) {
			w[i].steps = (uint64_t)millions * 1000000;
			if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
				printf("spinbench: error: pthread_create\n");
				return 1;
			}
		}
		for (int i = 0; i < threads; i++)
			pthread_join(w[i].thread, NULL);
		int64_t wall = now_ns() - t0;
		for (int i = 1; i < threads; i++)
			if (w[i].result != w[0].result) {
				printf("spinbench: error: thread %d computed %llx, thread 0 %llx\n", i,
				       (unsigned long long)w[i].result, (unsigned long long)w[0].result);
				return 1;
			}
		printf("spinbench: threads %d work %ld round %d wall_ns %lld cpus %d\n", threads, millions, r,
		       (long long)wall, cpus_used(w, threads));
		fflush(stdout);
	}
	printf("spinbench: done\n");
	return 0;
}
