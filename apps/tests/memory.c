/* Memory: anonymous mmap/munmap churn, mprotect, mremap, brk and malloc,
 * MAP_FIXED, a file mapping and madvise(MADV_DONTNEED).
 * Usage: memory [DIR]   (DIR for the mapped file, default /tmp) */
#include "check.h"
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long page;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void *map_anon(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* Fills a block with a pattern derived from seed: one word per 512 bytes
 * and the last byte, so that big blocks stay cheap under emulation. */
static void fill(unsigned char *p, size_t len, uint64_t seed)
{
	for (size_t off = 0; off + 8 < len; off += 512)
		*(uint64_t *)(p + off) = seed ^ off;
	p[len - 1] = (unsigned char)seed;
}

static int verify(const unsigned char *p, size_t len, uint64_t seed)
{
	for (size_t off = 0; off + 8 < len; off += 512)
		if (*(const uint64_t *)(p + off) != (seed ^ off))
			return 0;
	return p[len - 1] == (unsigned char)seed;
}

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static void churn(void)
{
	enum { SLOTS = 64, ROUNDS = 4000 };
	struct { unsigned char *p; size_t len; uint64_t seed; } slot[SLOTS] = {{0, 0, 0}};
	int bad_map = 0, bad_zero = 0, bad_data = 0, bad_unmap = 0;

	for (int round = 0; round < ROUNDS; round++) {
		int i = rnd() % SLOTS;
		if (slot[i].p) {
			if (!verify(slot[i].p, slot[i].len, slot[i].seed))
				bad_data++;
			if (munmap(slot[i].p, slot[i].len))
				bad_unmap++;
			slot[i].p = NULL;
			continue;
		}
		/* Sizes from 1 byte to 256 KiB, not page multiples. */
		size_t len = 1 + rnd() % (rnd() % 4 ? 16384 : 262144);
		unsigned char *p = map_anon(len);
		if (p == MAP_FAILED) {
			bad_map++;
			continue;
		}
		if ((uintptr_t)p % page || p[0] || p[len - 1] || p[len / 2])
			bad_zero++;
		slot[i].p = p;
		slot[i].len = len;
		slot[i].seed = rnd();
		fill(p, len, slot[i].seed);
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].p) {
			if (!verify(slot[i].p, slot[i].len, slot[i].seed))
				bad_data++;
			if (munmap(slot[i].p, slot[i].len))
				bad_unmap++;
		}
	check("mmap_churn", !bad_map && !bad_zero && !bad_data && !bad_unmap,
	      "%d failed maps, %d not page-aligned or not zeroed, %d corrupted, %d failed unmaps",
	      bad_map, bad_zero, bad_data, bad_unmap);
}

static void protect(void)
{
	unsigned char *p = map_anon(4 * page);
	if (!CHECK_SYS("mprotect_map", p == MAP_FAILED ? -1 : 0))
		return;
	memset(p, 0x5a, 4 * page);
	CHECK_SYS("mprotect_readonly", mprotect(p + page, 2 * page, PROT_READ));
	check("mprotect_keeps_data", p[page] == 0x5a && p[3 * page - 1] == 0x5a, "data changed");
	CHECK_SYS("mprotect_none", mprotect(p, 4 * page, PROT_NONE));
	CHECK_SYS("mprotect_back_rw", mprotect(p, 4 * page, PROT_READ | PROT_WRITE));
	p[2 * page] = 1;
	check("mprotect_rw_again", p[2 * page] == 1 && p[0] == 0x5a, "data lost after PROT_NONE");
	errno = 0;	/* musl's wrapper rounds the address down: ask the kernel */
	check("mprotect_unaligned_einval", syscall(SYS_mprotect, p + 1, page, PROT_READ) == -1 && errno == EINVAL,
	      "errno %d", errno);
	CHECK_SYS("munmap_middle", munmap(p + page, page));
	errno = 0;
	check("mprotect_hole_enomem", mprotect(p, 3 * page, PROT_READ) == -1 && errno == ENOMEM,
	      "mprotect over an unmapped page: errno %d", errno);
	check("munmap_rest_intact", p[0] == 0x5a && p[2 * page] == 1, "neighbour pages lost");
	munmap(p, 4 * page);
	errno = 0;
	check("munmap_unaligned_einval", munmap(p + 1, page) == -1 && errno == EINVAL, "errno %d", errno);
	errno = 0;
	check("mmap_zero_length_einval", map_anon(0) == MAP_FAILED && errno == EINVAL, "errno %d", errno);
}

static void remap(void)
{
	unsigned char *p = map_anon(4 * page);
	if (p == MAP_FAILED)
		return (void)check("mremap", 0, "mmap: %s", strerror(errno));
	fill(p, 4 * page, 77);
	unsigned char *q = mremap(p, 4 * page, 64 * page, MREMAP_MAYMOVE);
	if (!CHECK_SYS("mremap_grow", q == MAP_FAILED ? -1 : 0))
		return;
	check("mremap_grow_keeps_data", verify(q, 4 * page, 77), "data lost");
	check("mremap_grow_new_zero", all_zero(q + 4 * page, 60 * page), "new part not zero");
	memset(q + 4 * page, 0x33, 60 * page);
	unsigned char *r = mremap(q, 64 * page, page, 0);
	check("mremap_shrink_in_place", r == q, "moved to %p from %p (%s)", (void *)r, (void *)q,
	      r == MAP_FAILED ? strerror(errno) : "");
	if (r != MAP_FAILED)
		check("mremap_shrink_keeps_data", *(uint64_t *)r == 77, "data lost");
	munmap(r == MAP_FAILED ? q : r, page);
	/* Growing into a mapped page without MREMAP_MAYMOVE fails. */
	p = map_anon(2 * page);
	errno = 0;
	q = mremap(p, page, 2 * page, 0);
	check("mremap_nomove_enomem", q == MAP_FAILED && errno == ENOMEM, "returned %p errno %d", (void *)q, errno);
	munmap(p, 2 * page);
}

static void heap(void)
{
	enum { N = 5000 };
	static unsigned char *blk[N];
	static size_t len[N];
	int bad = 0;

	for (int i = 0; i < N; i++) {
		len[i] = 1 + rnd() % 600;
		blk[i] = malloc(len[i]);
		if (!blk[i]) {
			bad++;
			continue;
		}
		memset(blk[i], i & 0xff, len[i]);
	}
	for (int i = 0; i < N; i += 2) {
		free(blk[i]);
		blk[i] = NULL;
	}
	for (int i = 1; i < N; i += 2)
		if (blk[i] && (blk[i][0] != (i & 0xff) || blk[i][len[i] - 1] != (i & 0xff)))
			bad++;
	for (int i = 0; i < N; i++)
		free(blk[i]);
	check("malloc_small", !bad, "%d blocks failed or corrupted", bad);

	size_t sizes[] = { 100 << 10, 1 << 20, 8 << 20, 24 << 20 };
	bad = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char *b = malloc(sizes[i]);
		if (!b) {
			bad++;
			continue;
		}
		fill(b, sizes[i], i);
		unsigned char *c = realloc(b, sizes[i] * 2);
		if (!c || !verify(c, sizes[i], i))
			bad++;
		free(c ? c : b);
	}
	check("malloc_large_realloc", !bad, "%d large blocks failed", bad);

	/* brk directly, as the system call (libc wrappers differ). */
	uintptr_t cur = syscall(SYS_brk, 0);
	uintptr_t want = cur + (1 << 20) + 123;
	uintptr_t got = syscall(SYS_brk, want);
	check("brk_grow", cur && got == want, "brk(0) %#lx, brk(%#lx) returned %#lx",
	      (unsigned long)cur, (unsigned long)want, (unsigned long)got);
	if (got == want) {
		unsigned char *b = (unsigned char *)cur;
		check("brk_memory_zero_writable", all_zero(b, 1 << 20), "not zero");
		memset(b, 7, 1 << 20);
		b[(1 << 20) + 122] = 9;
		uintptr_t back = syscall(SYS_brk, cur);
		check("brk_shrink", back == cur, "brk(%#lx) returned %#lx", (unsigned long)cur, (unsigned long)back);
		got = syscall(SYS_brk, cur + page);
		check("brk_regrow_zero", got == cur + page && all_zero(b, page), "old data came back");
		syscall(SYS_brk, cur);
	}
}

static void fixed(void)
{
	unsigned char *p = map_anon(16 * page);
	if (p == MAP_FAILED)
		return (void)check("map_fixed", 0, "mmap: %s", strerror(errno));
	memset(p, 0x11, 16 * page);
	unsigned char *q = mmap(p + 4 * page, 4 * page, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("map_fixed_at_address", q == p + 4 * page, "got %p want %p", (void *)q, (void *)(p + 4 * page));
	check("map_fixed_replaces", all_zero(p + 4 * page, 4 * page), "old contents remain");
	check("map_fixed_neighbours", p[4 * page - 1] == 0x11 && p[8 * page] == 0x11, "neighbours changed");
	errno = 0;
	q = mmap(p + 8 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	check("map_fixed_noreplace_eexist", q == MAP_FAILED && errno == EEXIST, "returned %p errno %d",
	      (void *)q, errno);
	munmap(p, 16 * page);
	/* A hint is only a hint, but a free hinted address is taken as asked. */
	q = mmap(p, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap_hint_free_address", q == p, "got %p for hint %p", (void *)q, (void *)p);
	munmap(q, page);
}

static void file_map(const char *dir)
{
	char path[512];
	size_t len = 3 * 65536 + 123;
	unsigned char *data = malloc(len);

	snprintf(path, sizeof(path), "%s/memory-test-%d", dir, (int)getpid());
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7 + i / 4096);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!CHECK_SYS("file_create", fd))
		return;
	check("file_write", write(fd, data, len) == (ssize_t)len, "short write");
	unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (CHECK_SYS("file_mmap_private", m == MAP_FAILED ? -1 : 0)) {
		check("file_mmap_equal", memcmp(m, data, len) == 0, "contents differ");
		size_t end = (len + page - 1) / page * page;
		check("file_mmap_tail_zero", all_zero(m + len, end - len), "bytes past EOF not zero");
		munmap(m, len);
	}
	m = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 65536);
	if (CHECK_SYS("file_mmap_offset", m == MAP_FAILED ? -1 : 0)) {
		check("file_mmap_offset_equal", memcmp(m, data + 65536, 2 * page) == 0, "contents differ");
		munmap(m, 2 * page);
	}
	/* A private writable mapping does not write to the file. */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m != MAP_FAILED) {
		m[10] ^= 0xff;
		unsigned char c;
		check("file_mmap_private_cow", pread(fd, &c, 1, 10) == 1 && c == data[10], "file changed");
		munmap(m, len);
	}
	/* A shared mapping writes through to the file. */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (CHECK_SYS("file_mmap_shared", m == MAP_FAILED ? -1 : 0)) {
		check("file_mmap_shared_equal", memcmp(m, data, len) == 0, "contents differ");
		memcpy(m + 5000, "shared write", 12);
		CHECK_SYS("msync", msync(m, len, MS_SYNC));
		char buf[12];
		check("file_mmap_shared_writes_file", pread(fd, buf, 12, 5000) == 12 && !memcmp(buf, "shared write", 12),
		      "the file does not show the write");
		munmap(m, len);
	}
	errno = 0;
	int rofd = open(path, O_RDONLY);
	m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0);
	check("file_mmap_shared_rdonly_eacces", m == MAP_FAILED && errno == EACCES, "errno %d", errno);
	close(rofd);
	close(fd);
	unlink(path);
	free(data);
}

static void dontneed(void)
{
	unsigned char *p = map_anon(8 * page);
	if (p == MAP_FAILED)
		return (void)check("madvise", 0, "mmap: %s", strerror(errno));
	memset(p, 0xee, 8 * page);
	CHECK_SYS("madvise_dontneed", madvise(p + 2 * page, 4 * page, MADV_DONTNEED));
	check("madvise_dontneed_zeroes", all_zero(p + 2 * page, 4 * page), "pages kept their data");
	check("madvise_dontneed_range_only", p[2 * page - 1] == 0xee && p[6 * page] == 0xee, "neighbours lost");
	p[3 * page] = 1;
	check("madvise_then_write", p[3 * page] == 1, "write lost");
	munmap(p, 8 * page);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	check("page_size", page == 4096, "page size %ld", page);
	churn();
	protect();
	remap();
	heap();
	fixed();
	file_map(argc > 1 ? argv[1] : "/tmp");
	dontneed();
	return done("memory");
}
