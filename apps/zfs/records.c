/* The crash test's numbered records: see records.h. */
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"

#define MAGIC "FSYNCREC"
#define HEADER 24		/* magic, number, size, zero */

void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void record_make(uint8_t *r, size_t size, uint64_t k)
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

const char *record_bad(const uint8_t *r, uint8_t *want, size_t size, uint64_t k)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	static _Thread_local char why[96];

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
	record_make(want, size, k);
	if (memcmp(r, want, size))
		return "contents differ from the record's pattern";
	return NULL;
}

int fsync_dir(const char *path)
{
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc, e;

	if (dfd < 0)
		return -1;
	rc = fsync(dfd);
	e = errno;
	close(dfd);
	errno = e;
	return rc;
}

int record_open(const char *path, const char **what)
{
	char *copy = strdup(path);
	int fd, e;

	*what = "open";
	if (!copy) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0 && fsync_dir(dirname(copy)) < 0) {
		*what = "fsync of the directory";
		e = errno;
		close(fd);
		errno = e;
		fd = -1;
	}
	free(copy);
	return fd;
}

int record_append(int fd, uint8_t *r, size_t size, uint64_t k, const char **what)
{
	record_make(r, size, k);
	*what = "write";
	if (write_all(fd, r, size) < 0)
		return -1;
	*what = "fsync";
	return fsync(fd);
}

int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
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

/* Reads whole records from fd until one is bad or the file's whole
 * records end; returns the number of the first bad one (or whole + 1),
 * *why saying what was wrong (NULL at the end). -1 after printing a FAIL
 * line for an I/O error. */
static int64_t scan(const char *prog, int fd, uint8_t *r, uint8_t *want, size_t size, uint64_t whole,
    long long st_size, const char **why)
{
	uint64_t k;

	*why = NULL;
	for (k = 1; k <= whole; k++) {
		ssize_t got = read_full(fd, r, size);
		if (got < 0) {
			printf("%s: check FAIL: record %" PRIu64 ": read: %s\n", prog, k, strerror(errno));
			return -1;
		}
		if ((size_t)got != size) {
			printf("%s: check FAIL: record %" PRIu64 ": the file ended early (%zd of %zu bytes; "
			    "its size said %lld)\n", prog, k, got, size, st_size);
			return -1;
		}
		*why = record_bad(r, want, size, k);
		if (*why)
			break;
	}
	return (int64_t)k;
}

int record_check(const char *prog, const char *path, size_t size)
{
	uint8_t *r = malloc(size), *want = malloc(size);
	struct stat st;
	const char *why;
	char tailmsg[128] = "none";
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 1;

	if (!r || !want) {
		printf("%s: check FAIL: %s: out of memory\n", prog, path);
		goto out;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("%s: check FAIL: %s: %s\n", prog, path, strerror(errno));
		goto out;
	}
	uint64_t whole = (uint64_t)st.st_size / size;
	size_t tail = (size_t)((uint64_t)st.st_size % size);
	int64_t k = scan(prog, fd, r, want, size, whole, (long long)st.st_size, &why);
	if (k < 0)
		goto out;
	uint64_t highest = (uint64_t)k - 1;
	if (why && ((uint64_t)k < whole || tail)) {
		printf("%s: check %s: highest %" PRIu64 ", records 1..%" PRIu64 " intact, then record %"
		    PRId64 " bad with %" PRIu64 " whole records and %zu bytes after it\n", prog, path,
		    highest, highest, k, whole - (uint64_t)k, tail);
		printf("%s: check FAIL: record %" PRId64 ": %s\n", prog, k, why);
		goto out;
	}
	if (why)
		snprintf(tailmsg, sizeof(tailmsg), "torn record %" PRId64 " (%s)", k, why);
	else if (tail)
		snprintf(tailmsg, sizeof(tailmsg), "torn record %" PRId64 " (%zu of %zu bytes)", k, tail, size);
	printf("%s: check %s: highest %" PRIu64 ", records 1..%" PRIu64 " intact, tail: %s\n", prog, path,
	    highest, highest, tailmsg);
	printf("%s: check ok\n", prog);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(r);
	free(want);
	return rc;
}
