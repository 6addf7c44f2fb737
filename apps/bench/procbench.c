/* procbench: the "Processes" section of `make bench` (tools/bench.py), a
 * static Linux program (musl-gcc -static) that runs the same in the Osprey
 * guest, on the host and in the Linux peer guest.
 *
 *   procbench fork     N [ROUNDS]             fork; the child _exit(0)s; waitpid
 *   procbench vfork    N [ROUNDS]             vfork; the child _exit(0)s; waitpid
 *   procbench forkexec N ROUNDS PATH [ARG...] fork; the child execv(PATH, PATH ARG...); waitpid
 *   procbench spawn    N ROUNDS PATH [ARG...] posix_spawn(PATH, PATH ARG...); waitpid
 *   procbench idle     K                      K forked children that pause: memory per child
 *   procbench all      N ROUNDS K PATH [ARG...]  all of the above in turn
 *
 * Every round of N cycles prints one line, timed with
 * clock_gettime(CLOCK_MONOTONIC):
 *   procbench: fork round 1: 200 cycles 123456789 ns 617.3 us/cycle
 * Every child must end with status 0, or the run fails.
 *
 * idle prints what the system says, in bytes per child:
 *   procbench: idle memfree: K children B bytes per child
 *       (/proc/meminfo MemFree before the forks minus after, over K)
 *   procbench: idle uss: K children B bytes per child
 *       (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup)
 *   procbench: idle pte: K children B bytes per child      (VmPTE of /proc/PID/status)
 * uss and pte lines appear only where the kernel provides those files.
 * Exit status 0 on success, 1 on any error, 2 on a usage error. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { IDLE_MAX = 1024 };

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Waits for pid; 0 when it exited with status 0. */
static int reap(pid_t pid, const char *what)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "procbench: %s: waitpid: %s\n", what, strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "procbench: %s: child ended with wait status %#x\n", what, status);
		return -1;
	}
	return 0;
}

static int cycle_fork(char **argv)
{
	(void)argv;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(0);
	return reap(pid, "fork");
}

static int cycle_vfork(char **argv)
{
	(void)argv;
	pid_t pid = vfork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(0);
	return reap(pid, "vfork");
}

static int cycle_forkexec(char **argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return reap(pid, argv[0]);
}

static int cycle_spawn(char **argv)
{
	pid_t pid;
	int err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (err)
		return -err;
	return reap(pid, argv[0]);
}

/* Runs ROUNDS rounds of n cycles, one line per round. */
static int timed(const char *mode, int (*cycle)(char **), long n, int rounds, char **argv)
{
	for (int r = 1; r <= rounds; r++) {
		uint64_t t0 = now_ns();
		for (long i = 0; i < n; i++) {
			int err = cycle(argv);
			if (err) {
				if (err != -1)
					fprintf(stderr, "procbench: %s: %s\n", mode, strerror(-err));
				return 1;
			}
		}
		uint64_t t = now_ns() - t0;
		printf("procbench: %s round %d: %ld cycles %llu ns %.1f us/cycle\n", mode, r, n,
		    (unsigned long long)t, (double)t / (double)n / 1000.0);
		fflush(stdout);
	}
	return 0;
}

/* The value of the "KEY: N kB" line of a /proc file, in bytes; -1 when
 * the file or the key is not there. */
static long long proc_kb(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10) * 1024;
			break;
		}
	}
	fclose(f);
	return v;
}

static void report_idle(const char *what, int k, long long total)
{
	printf("procbench: idle %s: %d children %lld bytes per child\n", what, k, total / k);
}

/* The children's private memory and page tables, while they pause. */
static void report_children(const pid_t *kids, int k)
{
	long long uss = 0, pte = 0;
	char path[64];
	for (int i = 0; i < k && uss >= 0; i++) {
		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)kids[i]);
		long long clean = proc_kb(path, "Private_Clean");
		long long dirty = proc_kb(path, "Private_Dirty");
		uss = clean < 0 || dirty < 0 ? -1 : uss + clean + dirty;
	}
	for (int i = 0; i < k && pte >= 0; i++) {
		snprintf(path, sizeof path, "/proc/%d/status", (int)kids[i]);
		long long v = proc_kb(path, "VmPTE");
		pte = v < 0 ? -1 : pte + v;
	}
	if (uss >= 0)
		report_idle("uss", k, uss);
	if (pte >= 0)
		report_idle("pte", k, pte);
}

/* Forks k children that each tell the parent they run (one byte down a
 * pipe) and pause; the parent measures, then kills and reaps them. */
static int do_idle(int k)
{
	static pid_t kids[IDLE_MAX];
	int fds[2], made = 0, rc = 1;
	if (k < 1 || k > IDLE_MAX || pipe(fds) < 0) {
		fprintf(stderr, "procbench: idle: K must be 1..%d (or pipe failed)\n", IDLE_MAX);
		return 2;
	}
	long long before = proc_kb("/proc/meminfo", "MemFree");
	for (; made < k; made++) {
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "procbench: idle: fork %d: %s\n", made + 1, strerror(errno));
			goto out;
		}
		if (pid == 0) {
			char c = 1;
			if (write(fds[1], &c, 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		kids[made] = pid;
	}
	for (int got = 0; got < k;) {
		char buf[64];
		ssize_t n = read(fds[0], buf, sizeof buf);
		if (n <= 0) {
			fprintf(stderr, "procbench: idle: read: %s\n", n < 0 ? strerror(errno) : "end of pipe");
			goto out;
		}
		got += (int)n;
	}
	long long after = proc_kb("/proc/meminfo", "MemFree");
	if (before < 0 || after < 0) {
		fprintf(stderr, "procbench: idle: no MemFree in /proc/meminfo\n");
		goto out;
	}
	report_idle("memfree", k, before - after);
	report_children(kids, k);
	fflush(stdout);
	rc = 0;
out:
	for (int i = 0; i < made; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	close(fds[0]);
	close(fds[1]);
	return rc;
}

static long arg(int argc, char **argv, int i, long def)
{
	return i < argc ? strtol(argv[i], NULL, 0) : def;
}

static int usage(void)
{
	fprintf(stderr, "usage: procbench fork|vfork N [ROUNDS] | forkexec|spawn N ROUNDS PATH [ARG...] | "
	    "idle K | all N ROUNDS K PATH [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	const char *mode = argv[1];
	long n = arg(argc, argv, 2, 100);
	int rounds = (int)arg(argc, argv, 3, 1);
	if (strcmp(mode, "fork") == 0)
		return timed(mode, cycle_fork, n, rounds, NULL);
	if (strcmp(mode, "vfork") == 0)
		return timed(mode, cycle_vfork, n, rounds, NULL);
	if (strcmp(mode, "idle") == 0)
		return do_idle((int)n);
	if (argc >= 5 && strcmp(mode, "forkexec") == 0)
		return timed(mode, cycle_forkexec, n, rounds, argv + 4);
	if (argc >= 5 && strcmp(mode, "spawn") == 0)
		return timed(mode, cycle_spawn, n, rounds, argv + 4);
	if (argc >= 6 && strcmp(mode, "all") == 0) {
		char **prog = argv + 5;
		return timed("fork", cycle_fork, n, rounds, NULL) ||
		    timed("vfork", cycle_vfork, n, rounds, NULL) ||
		    timed("forkexec", cycle_forkexec, n, rounds, prog) ||
		    timed("spawn", cycle_spawn, n, rounds, prog) ||
		    do_idle((int)arg(argc, argv, 4, 16));
	}
	return usage();
}
