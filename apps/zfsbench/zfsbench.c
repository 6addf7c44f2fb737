/*
 * zfsbench: a file-system benchmark for the "ZFS /data" section of
 * `make bench`. Built once with `gcc -static` (glibc), the same binary runs
 * in Osprey and in the Linux peer guest.
 *
 *   zfsbench [-p PHASES] [-n RANDOM_READS] [-s SEED] DIR
 *
 * Phases, run in this order when named in PHASES (default "wrRcf"):
 *   w  sequential write: DIR/zb-seq.dat, 64 MiB in 1 MiB write()s, then
 *      fsync; MB/s (10^6 bytes) over the writes and the fsync
 *   r  sequential read of DIR/zb-seq.dat in 1 MiB read()s; MB/s
 *   R  random 4 KiB pread()s of DIR/zb-seq.dat at 4 KiB-aligned offsets
 *      drawn from a fixed seed; IOPS
 *   c  10,000 creates (open O_CREAT|O_EXCL + close of empty files) in the
 *      new directory DIR/zb-files; files/s
 *   f  1,000 appends of 4 KiB to DIR/zb-fsync.dat, each followed by fsync;
 *      p50 and p99 of write+fsync in microseconds
 * "rR" alone reads a file an earlier run wrote (a cold read after a fresh
 * import). The first line names DIR's filesystem type (statfs f_type: ZFS
 * is 0x2fc12fc1), so a run on the wrong filesystem shows. Every figure is one line "zfsbench: KEY VALUE"; the last line
 * is "zfsbench: done" (exit 0), or "zfsbench: error: ..." (exit 1). The
 * data is pseudo-random, so lz4 compression does not shrink it, and every
 * read is checked against what was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define MIB		(1024 * 1024)
#define SEQ_CHUNK	MIB
#define SEQ_CHUNKS	64
#define SEQ_SIZE	((uint64_t)SEQ_CHUNKS * SEQ_CHUNK)
#define BLOCK		4096
#define CREATES		10000
#define FSYNCS		1000

static const char *dir;
static unsigned char *pattern;	/* the 1 MiB every chunk is made of */
static unsigned char *buf;

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	printf("zfsbench: error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s)\n", strerror(e));
	fflush(stdout);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void figure(const char *key, double v, const char *fmt)
{
	printf("zfsbench: %s ", key);
	printf(fmt, v);
	printf("\n");
	fflush(stdout);
}

static void path(char *out, size_t len, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len) {
		errno = ENAMETOOLONG;
		die("path %s/%s", dir, name);
	}
}

/* Chunk i is the pattern with i in its first 8 bytes. */
static void expected(uint64_t off, unsigned char *out, size_t n)
{
	for (size_t k = 0; k < n;) {
		uint64_t o = off + k, in = o % SEQ_CHUNK;
		size_t run = SEQ_CHUNK - in < n - k ? SEQ_CHUNK - in : n - k;
		memcpy(out + k, pattern + in, run);
		if (in < 8) {
			uint64_t idx = o / SEQ_CHUNK;
			size_t m = 8 - in < run ? 8 - in : run;
			memcpy(out + k, (unsigned char *)&idx + in, m);
		}
		k += run;
	}
}

static void full_write(int fd, const void *p, size_t n, const char *what)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write %s", what);
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

static void seq_write(void)
{
	char p[4096];
	path(p, sizeof(p), "zb-seq.dat");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open %s", p);
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < SEQ_CHUNKS; i++) {
		memcpy(pattern, &i, 8);
		full_write(fd, pattern, SEQ_CHUNK, p);
	}
	uint64_t t1 = now_ns();
	if (fsync(fd) != 0)
		die("fsync %s", p);
	uint64_t t2 = now_ns();
	if (close(fd) != 0)
		die("close %s", p);
	memset(pattern, 0, 8);
	figure("seq_write_mb_s", SEQ_SIZE / ((t2 - t0) / 1e9) / 1e6, "%.2f");
	figure("seq_write_s", (t2 - t0) / 1e9, "%.3f");
	figure("seq_write_fsync_ms", (t2 - t1) / 1e6, "%.1f");
}

static int open_seq(void)
{
	char p[4096];
	struct stat st;

	path(p, sizeof(p), "zb-seq.dat");
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		die("open %s (phase w writes it)", p);
	if (fstat(fd, &st) != 0)
		die("fstat %s", p);
	if ((uint64_t)st.st_size != SEQ_SIZE) {
		errno = EINVAL;
		die("%s has %lld bytes, not %llu", p, (long long)st.st_size,
		    (unsigned long long)SEQ_SIZE);
	}
	return fd;
}

static void seq_read(void)
{
	int fd = open_seq();
	uint64_t total = 0, bad = 0;
	uint64_t t0 = now_ns();
	for (;;) {
		ssize_t r = read(fd, buf, SEQ_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read zb-seq.dat");
		if (r == 0)
			break;
		/* a cheap check: the chunk index and the pattern's next bytes */
		if (total % SEQ_CHUNK == 0 && r >= 64) {
			uint64_t idx;
			memcpy(&idx, buf, 8);
			if (idx != total / SEQ_CHUNK || memcmp(buf + 8, pattern + 8, 56))
				bad++;
		}
		total += (uint64_t)r;
	}
	uint64_t t1 = now_ns();
	close(fd);
	if (total != SEQ_SIZE || bad) {
		errno = EIO;
		die("read back %llu bytes, %llu chunks wrong", (unsigned long long)total,
		    (unsigned long long)bad);
	}
	figure("seq_read_mb_s", total / ((t1 - t0) / 1e9) / 1e6, "%.2f");
}

static void rand_read(long n, uint64_t seed)
{
	unsigned char want[BLOCK];
	int fd = open_seq();
	uint64_t bad = 0;

	rng_state = seed;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		uint64_t off = rng() % (SEQ_SIZE / BLOCK) * BLOCK;
		ssize_t r = pread(fd, buf, BLOCK, (off_t)off);
		if (r != BLOCK)
			die("pread at %llu returned %zd", (unsigned long long)off, r);
		expected(off, want, BLOCK);
		if (memcmp(buf, want, BLOCK))
			bad++;
	}
	uint64_t t1 = now_ns();
	close(fd);
	if (bad) {
		errno = EIO;
		die("%llu of %ld random reads returned wrong data", (unsigned long long)bad, n);
	}
	figure("rand_read_iops", n / ((t1 - t0) / 1e9), "%.1f");
	figure("rand_reads", (double)n, "%.0f");
}

static void creates(void)
{
	char d[4096], p[4200];

	path(d, sizeof(d), "zb-files");
	if (mkdir(d, 0755) != 0)
		die("mkdir %s", d);
	uint64_t t0 = now_ns();
	for (int i = 0; i < CREATES; i++) {
		snprintf(p, sizeof(p), "%s/f%05d", d, i);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("create %s", p);
		if (close(fd) != 0)
			die("close %s", p);
	}
	uint64_t t1 = now_ns();
	figure("create_files_s", CREATES / ((t1 - t0) / 1e9), "%.1f");
	figure("create_files", CREATES, "%.0f");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p% of values at or below. */
static uint64_t percentile(const uint64_t *sorted, size_t n, unsigned p)
{
	size_t rank = (n * p + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

static void fsync_latency(void)
{
	static uint64_t lat[FSYNCS];
	char p[4096];

	path(p, sizeof(p), "zb-fsync.dat");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0)
		die("open %s", p);
	uint64_t sum = 0;
	for (int i = 0; i < FSYNCS; i++) {
		expected((uint64_t)i * BLOCK, buf, BLOCK);
		uint64_t t0 = now_ns();
		full_write(fd, buf, BLOCK, p);
		if (fsync(fd) != 0)
			die("fsync %s", p);
		lat[i] = now_ns() - t0;
		sum += lat[i];
	}
	close(fd);
	qsort(lat, FSYNCS, sizeof(lat[0]), cmp_u64);
	figure("fsync_p50_us", percentile(lat, FSYNCS, 50) / 1e3, "%.1f");
	figure("fsync_p99_us", percentile(lat, FSYNCS, 99) / 1e3, "%.1f");
	figure("fsync_mean_us", sum / 1e3 / FSYNCS, "%.1f");
	figure("fsync_max_us", lat[FSYNCS - 1] / 1e3, "%.1f");
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: zfsbench [-p wrRcf] [-n RANDOM_READS] [-s SEED] DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *phases = "wrRcf";
	long nrand = 2000;
	uint64_t seed = 0x5eed2011;
	int c;

	while ((c = getopt(argc, argv, "p:n:s:")) != -1) {
		switch (c) {
		case 'p': phases = optarg; break;
		case 'n': nrand = strtol(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || nrand <= 0 || seed == 0 || strspn(phases, "wrRcf") != strlen(phases))
		usage();
	dir = argv[optind];
	pattern = malloc(SEQ_CHUNK);
	buf = malloc(SEQ_CHUNK);
	if (!pattern || !buf)
		die("malloc");
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < SEQ_CHUNK; i += 8) {
		uint64_t v = rng();
		memcpy(pattern + i, &v, 8);
	}
	memset(pattern, 0, 8);
	struct statfs sf;
	if (statfs(dir, &sf) != 0)
		die("statfs %s", dir);
	printf("zfsbench: dir %s fs_type 0x%lx phases %s\n", dir, (unsigned long)sf.f_type, phases);
	if (strchr(phases, 'w'))
		seq_write();
	if (strchr(phases, 'r'))
		seq_read();
	if (strchr(phases, 'R'))
		rand_read(nrand, seed);
	if (strchr(phases, 'c'))
		creates();
	if (strchr(phases, 'f'))
		fsync_latency();
	printf("zfsbench: done\n");
	return 0;
}
