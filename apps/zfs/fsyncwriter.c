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
 * after it, `fsyncwriter: check FAIL: record K: why` (exit 1). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

#define MAGIC "FSYNCREC"
#define HEADER 24		/* magic, number, size, zero */
#define DEFAULT_SIZE 4096
#define MAX_SIZE (1 << 20)

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Record k as it must be on disk. */
static void make_record(uint8_t *r, size_t size, uint64_t k)
{
	uint64_t x = k * 0x9e3779b97f4a7c15ULL + 1;

	memcpy(r, MAGIC, 8);
	put64(r + 8, k);
	put32(r + 16, (uint32_t)size);
	put32(r + 20, 0);
	for (size_t i = HEADER; i < size - SHA256_DIGEST_LEN; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		put64(r + i, x * 0x2545f4914f6cdd1dULL);
	}
	sha256(r, size - SHA256_DIGEST_LEN, r + size - SHA256_DIGEST_LEN);
}

/* NULL when r is record k, else what is wrong with it. */
static const char *bad_record(const uint8_t *r, uint8_t *want, size_t size, uint64_t k)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	static char why[96];

	sha256(r, size - SHA256_DIGEST_LEN, digest);
	if (memcmp(digest, r + size - SHA256_DIGEST_LEN, SHA256_DIGEST_LEN)) {
		int zero = 1;
		for (size_t i = 0; i < size && zero; i++)
			zero = r[i] == 0;
		return zero ? "all zeros" : "checksum mismatch";
	}
	if (memcmp(r, MAGIC, 8))
		return "no magic";
	if (get64(r + 8) != k) {
		snprintf(why, sizeof(why), "holds record %" PRIu64, get64(r + 8));
		return why;
	}
	if (get32(r + 16) != size) {
		snprintf(why, sizeof(why), "written with record size %" PRIu32, get32(r + 16));
		return why;
	}
	make_record(want, size, k);
	if (memcmp(r, want, size))
		return "contents differ from the record's pattern";
	return NULL;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int writer(const char *path, uint64_t n, size_t size)
{
	uint8_t *r = malloc(size);
	char *dir = strdup(path);
	int fd, dfd;
	uint64_t t0 = now_ms();

	if (!r || !dir) {
		fprintf(stderr, "fsyncwriter: out of memory\n");
		return 1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "fsyncwriter: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* the new name must be durable too: fsync its directory once */
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		fprintf(stderr, "fsyncwriter: fsync of the directory of %s: %s\n", path, strerror(errno));
	if (dfd >= 0)
		close(dfd);
	for (uint64_t k = 1; k <= n; k++) {
		make_record(r, size, k);
		if (write_all(fd, r, size) < 0) {
			fprintf(stderr, "fsyncwriter: %s: write of record %" PRIu64 ": %s\n", path, k,
			    strerror(errno));
			return 1;
		}
		if (fsync(fd) < 0) {
			fprintf(stderr, "fsyncwriter: %s: fsync after record %" PRIu64 ": %s\n", path, k,
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
	free(dir);
	return 0;
}

static int checker(const char *path, size_t size)
{
	uint8_t *r = malloc(size), *want = malloc(size);
	struct stat st;
	uint64_t whole, k, highest;
	size_t tail;
	const char *why = NULL;
	char tailmsg[128] = "none";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!r || !want) {
		fprintf(stderr, "fsyncwriter: out of memory\n");
		return 1;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("fsyncwriter: check FAIL: %s: %s\n", path, strerror(errno));
		return 1;
	}
	whole = (uint64_t)st.st_size / size;
	tail = (size_t)((uint64_t)st.st_size % size);
	for (k = 1; k <= whole; k++) {
		ssize_t got = read_full(fd, r, size);
		if (got < 0) {
			printf("fsyncwriter: check FAIL: record %" PRIu64 ": read: %s\n", k, strerror(errno));
			return 1;
		}
		if ((size_t)got != size) {
			printf("fsyncwriter: check FAIL: record %" PRIu64 ": the file ended early (%zd of %zu "
			    "bytes; its size said %lld)\n", k, got, size, (long long)st.st_size);
			return 1;
		}
		why = bad_record(r, want, size, k);
		if (why)
			break;
	}
	highest = k - 1;
	if (why && (k < whole || tail)) {
		printf("fsyncwriter: check %s: highest %" PRIu64 ", records 1..%" PRIu64 " intact, then "
		    "record %" PRIu64 " bad with %" PRIu64 " whole records and %zu bytes after it\n", path,
		    highest, highest, k, whole - k, tail);
		printf("fsyncwriter: check FAIL: record %" PRIu64 ": %s\n", k, why);
		return 1;
	}
	if (why)
		snprintf(tailmsg, sizeof(tailmsg), "torn record %" PRIu64 " (%s)", k, why);
	else if (tail)
		snprintf(tailmsg, sizeof(tailmsg), "torn record %" PRIu64 " (%zu of %zu bytes)", k, tail, size);
	printf("fsyncwriter: check %s: highest %" PRIu64 ", records 1..%" PRIu64 " intact, tail: %s\n",
	    path, highest, highest, tailmsg);
	printf("fsyncwriter: check ok\n");
	close(fd);
	free(r);
	free(want);
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
	size_t size = DEFAULT_SIZE;
	int check = 0, i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--check")) {
			check = 1;
		} else if (!strcmp(argv[i], "--record-size") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 0);
			if (*end || v < 64 || v > MAX_SIZE || v % 64) {
				fprintf(stderr, "fsyncwriter: record size must be a multiple of 64 from 64 to %d\n",
				    MAX_SIZE);
				return 2;
			}
			size = v;
		} else {
			return usage();
		}
	}
	if (check)
		return i + 1 == argc ? checker(argv[i], size) : usage();
	if (i + 2 != argc)
		return usage();
	char *end;
	unsigned long long n = strtoull(argv[i + 1], &end, 10);
	if (*end || !*argv[i + 1])
		return usage();
	return writer(argv[i], n, size);
}
