/* The crash test's numbered records (fsyncwriter and crashload write
 * them, both check them) and the I/O loops both programs need.
 *
 * Record k of B bytes (B a multiple of 64): the magic "FSYNCREC", k, B,
 * a zero word, bytes derived from k, and the SHA-256 of all that. */
#ifndef APPS_ZFS_RECORDS_H
#define APPS_ZFS_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RECORD_DEFAULT_SIZE 4096
#define RECORD_MAX_SIZE (1 << 20)

void put64(uint8_t *p, uint64_t v);
uint64_t get64(const uint8_t *p);
void put32(uint8_t *p, uint32_t v);
uint32_t get32(const uint8_t *p);

/* Record k as it must be on disk. */
void record_make(uint8_t *r, size_t size, uint64_t k);
/* Creates (or truncates) the file of records at path, for appending, and
 * fsyncs its directory so that the new name is durable too: the fd, or
 * -1 with errno and *what naming the step that failed. */
int record_open(const char *path, const char **what);
/* fsync(2) of the directory at path: 0 or -1 with errno. */
int fsync_dir(const char *path);
/* Makes record k in r, appends it to fd and fsyncs fd: 0, or -1 with
 * errno and *what naming the step that failed. */
int record_append(int fd, uint8_t *r, size_t size, uint64_t k, const char **what);
/* NULL when r is record k, else what is wrong with it; want is scratch. */
const char *record_bad(const uint8_t *r, uint8_t *want, size_t size, uint64_t k);
/* Checks the file of records at path and prints, each line starting
 * with `prog`,
 *   PROG: check PATH: highest H, records 1..H intact, tail: T
 *   PROG: check ok
 * or, for a bad record with data after it, a `then ...` line and
 * `PROG: check FAIL: record K: why`. A torn last record (partial, or
 * whole but wrong) is what a crash leaves and is fine. 0 when ok. */
int record_check(const char *prog, const char *path, size_t size);

/* write(2) and read(2) until n bytes are done (read: or the file ends);
 * -1 on an error, with errno. */
int write_all(int fd, const void *p, size_t n);
ssize_t read_full(int fd, void *p, size_t n);

#endif
