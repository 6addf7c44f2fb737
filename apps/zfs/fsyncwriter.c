/* fsyncwriter: the crash test's writer and checker.
 *
 *   fsyncwriter [--record-size B] FILE N
 *   fsyncwriter [--record-size B] --check FILE
 *
 * The writer creates (or truncates) FILE and appends records 1..N of B
 * bytes (default 4096, a multiple of 64): each holds a magic, its number,
 * its size, bytes derived from its number, and the SHA-256 of all that.
 * After each write it fsync(2)s the file and only then prints `ack K`: an
 * acked record must survive any crash.
 *
 * The checker reads FILE record by record and prints
 *
 *   fsyncwriter: check FILE: highest H, records 1..H intact, tail: T
 *
 * where T is `none`, `torn record H+1 (X of B bytes)` for a partial last
 * record or `torn record H+1 (why)` for a whole last record that does not
 * check out: a write cut short by the crash, which is fine. Then
 * `fsyncwriter: check ok` (exit 0), or, when a bad record has good data
 * after it, `fsyncwriter: check FAIL: record K: why` (exit 1). The
 * record format and the checker are records.c's, shared with crashload. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "records.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int writer(const char *path, uint64_t n, size_t size)
{
	uint8_t *r = malloc(size);
	const char *what;
	int fd;
	uint64_t t0 = now_ms();

	if (!r) {
		fprintf(stderr, "fsyncwriter: out of memory\n");
		return 1;
	}
	fd = record_open(path, &what);
	if (fd < 0) {
		fprintf(stderr, "fsyncwriter: %s: %s: %s\n", path, what, strerror(errno));
		return 1;
	}
	for (uint64_t k = 1; k <= n; k++) {
		if (record_append(fd, r, size, k, &what) < 0) {
			fprintf(stderr, "fsyncwriter: %s: %s of record %" PRIu64 ": %s\n", path, what, k,
			    strerror(errno));
			return 1;
		}
		printf("ack %" PRIu64 "\n", k);
		fflush(stdout);
	}
	if (close(fd) < 0) {
		fprintf(stderr, "fsyncwriter: %s: close: %s\n", path, strerror(errno));
		return 1;
	}
	printf("fsyncwriter: wrote %" PRIu64 " records of %zu bytes to %s in %" PRIu64 " ms\n", n, size,
	    path, now_ms() - t0);
	free(r);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fsyncwriter [--record-size B] FILE N\n"
	    "       fsyncwriter [--record-size B] --check FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	size_t size = RECORD_DEFAULT_SIZE;
	int check = 0, i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--check")) {
			check = 1;
		} else if (!strcmp(argv[i], "--record-size") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 0);
			if (*end || v < 64 || v > RECORD_MAX_SIZE || v % 64) {
				fprintf(stderr, "fsyncwriter: record size must be a multiple of 64 from 64 to %d\n",
				    RECORD_MAX_SIZE);
				return 2;
			}
			size = v;
		} else {
			return usage();
		}
	}
	if (check)
		return i + 1 == argc ? record_check("fsyncwriter", argv[i], size) : usage();
	if (i + 2 != argc)
		return usage();
	char *end;
	unsigned long long n = strtoull(argv[i + 1], &end, 10);
	if (*end || !*argv[i + 1])
		return usage();
	return writer(argv[i], n, size);
}
