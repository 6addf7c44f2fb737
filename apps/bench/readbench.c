/* readbench: the guest side of `make bench` (tools/bench.py), a static
 * Linux program (musl-gcc -static) that runs the same on the host.
 *
 *   readbench seq  PATH [BS] [ROUNDS]         read PATH start to end, BS bytes a call
 *   readbench rand PATH [BS] [COUNT] [ROUNDS] COUNT preads of BS bytes at random
 *                                             BS-aligned offsets (fixed seed)
 *   readbench null [CALLS] [ROUNDS]           getppid() CALLS times (null system call)
 *
 * Every round prints one line, timed with clock_gettime(CLOCK_MONOTONIC):
 *   readbench: seq round 1: 33554432 bytes 123456789 ns 271.80 MB/s
 *   readbench: null round 1: 1000000 calls 123456789 ns 123.5 ns/call
 * MB is 10^6 bytes. Exit status 0 on success, 1 on any error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long arg(int argc, char **argv, int i, long def)
{
	return i < argc ? strtol(argv[i], NULL, 0) : def;
}

static void report(const char *mode, int round, uint64_t bytes, uint64_t ns)
{
	double s = ns / 1e9;
	printf("readbench: %s round %d: %llu bytes %llu ns %.2f MB/s\n", mode, round,
	    (unsigned long long)bytes, (unsigned long long)ns, s > 0 ? bytes / s / 1e6 : 0.0);
	fflush(stdout);
}

static int do_seq(const char *path, size_t bs, int rounds)
{
	char *buf = malloc(bs);
	if (!buf)
		return 1;
	for (int r = 1; r <= rounds; r++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "readbench: %s: %s\n", path, strerror(errno));
			return 1;
		}
		uint64_t total = 0, t0 = now_ns();
		for (;;) {
			ssize_t n = read(fd, buf, bs);
			if (n < 0) {
				fprintf(stderr, "readbench: read %s at %llu: %s\n", path,
				    (unsigned long long)total, strerror(errno));
				return 1;
			}
			if (n == 0)
				break;
			total += (uint64_t)n;
		}
		uint64_t t = now_ns() - t0;
		close(fd);
		if (total == 0) {
			fprintf(stderr, "readbench: %s is empty\n", path);
			return 1;
		}
		report("seq", r, total, t);
	}
	free(buf);
	return 0;
}

static int do_rand(const char *path, size_t bs, long count, int rounds)
{
	char *buf = malloc(bs);
	int fd = open(path, O_RDONLY);
	if (!buf || fd < 0) {
		fprintf(stderr, "readbench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < (off_t)bs) {
		fprintf(stderr, "readbench: %s: size %lld is less than one block\n", path, (long long)size);
		return 1;
	}
	uint64_t blocks = (uint64_t)size / bs;
	for (int r = 1; r <= rounds; r++) {
		uint64_t total = 0, t0 = now_ns();
		for (long i = 0; i < count; i++) {
			off_t off = (off_t)(rnd() % blocks * bs);
			ssize_t n = pread(fd, buf, bs, off);
			if (n != (ssize_t)bs) {
				fprintf(stderr, "readbench: pread %s at %lld: %zd (%s)\n", path,
				    (long long)off, n, n < 0 ? strerror(errno) : "short");
				return 1;
			}
			total += (uint64_t)n;
		}
		report("rand", r, total, now_ns() - t0);
	}
	close(fd);
	free(buf);
	return 0;
}

static int do_null(long calls, int rounds)
{
	for (int r = 1; r <= rounds; r++) {
		uint64_t t0 = now_ns();
		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
		uint64_t t = now_ns() - t0;
		printf("readbench: null round %d: %ld calls %llu ns %.1f ns/call\n", r, calls,
		    (unsigned long long)t, (double)t / (double)calls);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "seq") == 0)
		return do_seq(argv[2], (size_t)arg(argc, argv, 3, 4096), (int)arg(argc, argv, 4, 1));
	if (argc >= 3 && strcmp(argv[1], "rand") == 0)
		return do_rand(argv[2], (size_t)arg(argc, argv, 3, 4096), arg(argc, argv, 4, 4096),
		    (int)arg(argc, argv, 5, 1));
	if (argc >= 2 && strcmp(argv[1], "null") == 0)
		return do_null(arg(argc, argv, 2, 1000000), (int)arg(argc, argv, 3, 1));
	fprintf(stderr, "usage: readbench seq PATH [BS] [ROUNDS] | rand PATH [BS] [COUNT] [ROUNDS] | null [CALLS] [ROUNDS]\n");
	return 2;
}
