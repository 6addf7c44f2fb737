/* File mappings as Linux gives them: MAP_SHARED stores are what read()
 * returns at once and what the file holds after munmap, msync or exit,
 * without the file growing; write() reaches every mapping; MAP_PRIVATE
 * copies on the first store and madvise(MADV_DONTNEED) reads the file
 * again; MAP_FIXED, munmap of a part and mremap leave no stale pages;
 * address space is reused; a 64 GiB PROT_NONE reservation costs nothing.
 * Usage: mappings [DIR]             checks, with files in DIR (default /tmp)
 *        mappings DIR store N       maps DIR/durable, stores N, msync(MS_SYNC),
 *                                   prints "ack N" and waits to be killed
 *        mappings DIR verify N      checks DIR/durable holds N's bytes */
#include "check.h"
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

static long page;
static char path[256];

static int make_file(const char *dir, const char *name, size_t len, char fill)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		bail("mappings", "open");
	char buf[4096];
	memset(buf, fill, sizeof(buf));
	for (size_t off = 0; off < len; off += sizeof(buf))
		if (pwrite(fd, buf, len - off < sizeof(buf) ? len - off : sizeof(buf), off) < 0)
			bail("mappings", "pwrite");
	return fd;
}

/* A new file of len bytes of fill, mapped shared and writable whole. */
static char *map_new(const char *dir, const char *name, size_t len, char fill, int *fd)
{
	*fd = make_file(dir, name, len, fill);
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (m == MAP_FAILED)
		bail("mappings", "mmap shared");
	return m;
}

static off_t size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? -1 : st.st_size;
}

static char byte_at(int fd, off_t off)
{
	char c = '?';
	return pread(fd, &c, 1, off) == 1 ? c : '?';
}

/* Stores reach read() at once and the file at munmap; the page past the
 * end of the file takes stores but they never reach it. */
static void shared_store(const char *dir)
{
	int fd = make_file(dir, "shared", 5000, 'a');
	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		bail("mappings", "mmap shared");
	check("shared_reads_file", m[0] == 'a' && m[4999] == 'a' && m[5000] == 0,
	    "%c %c %d", m[0], m[4999], m[5000]);
	m[10] = 'S';
	m[4999] = 'E';
	m[6000] = 'X';
	check("shared_store_read_at_once", byte_at(fd, 10) == 'S' && byte_at(fd, 4999) == 'E',
	    "%c %c", byte_at(fd, 10), byte_at(fd, 4999));
	check("shared_write_reaches_map", pwrite(fd, "W", 1, 20) == 1 && m[20] == 'W', "%c", m[20]);
	munmap(m, 2 * page);
	check("shared_size_unchanged", size_of(fd) == 5000, "size %ld", (long)size_of(fd));
	close(fd);
	fd = open(path, O_RDONLY);
	check("shared_store_in_file", byte_at(fd, 10) == 'S' && byte_at(fd, 4999) == 'E' &&
	    byte_at(fd, 20) == 'W' && byte_at(fd, 11) == 'a', "%c %c", byte_at(fd, 10), byte_at(fd, 4999));
	close(fd);
}

/* Two shared mappings of one file are one memory; a private one sees the
 * file until its first store, then only its copy. */
static void private_and_shared(const char *dir)
{
	int fd = make_file(dir, "both", 3 * page, 'b');
	char *s1 = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *s2 = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (s1 == MAP_FAILED || s2 == MAP_FAILED || p == MAP_FAILED)
		bail("mappings", "mmap");
	s1[page + 1] = 'T';
	check("shared_maps_agree", s2[page + 1] == 'T', "%c", s2[page + 1]);
	check("private_sees_file", p[page + 1] == 'T', "%c", p[page + 1]);
	p[page + 2] = 'P';
	check("private_store_stays_private", s1[page + 2] == 'b' && byte_at(fd, page + 2) == 'b',
	    "%c %c", s1[page + 2], byte_at(fd, page + 2));
	pwrite(fd, "Q", 1, page + 3);
	check("private_copy_keeps_its_bytes", p[page + 3] == 'b' && p[page + 2] == 'P', "%c", p[page + 3]);
	check("private_untouched_page_sees_write", pwrite(fd, "R", 1, 2 * page) == 1 &&
	    p[2 * page] == 'R', "%c", p[2 * page]);
	check("dontneed_rereads_file", madvise(p, 3 * page, MADV_DONTNEED) == 0 &&
	    p[page + 2] == 'b' && p[page + 3] == 'Q', "%c %c", p[page + 2], p[page + 3]);
	munmap(s1, 3 * page);
	munmap(s2, 3 * page);
	munmap(p, 3 * page);
	close(fd);
}

/* MAP_FIXED over part of a shared mapping, munmap of another part and
 * mremap of the rest: each store lands where it belongs, nothing else. */
static void fixed_split_move(const char *dir)
{
	int fd;
	char *m = map_new(dir, "split", 4 * page, 'c', &fd);
	m[0] = '0';
	char *a = mmap(m + page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("fixed_replaces", a == m + page && a[0] == 0, "%p %d", (void *)a, a == MAP_FAILED ? -1 : a[0]);
	a[1] = 'A';
	m[2 * page] = '2';
	check("munmap_part", munmap(m + 2 * page, page) == 0, "errno %d", errno);
	char *moved = mremap(m + 3 * page, page, 2 * page, MREMAP_MAYMOVE);
	check("mremap_file", moved != MAP_FAILED && moved[0] == 'c', "%p", (void *)moved);
	if (moved != MAP_FAILED) {
		moved[5] = '3';
		munmap(moved, 2 * page);
	}
	munmap(m, page);
	munmap(a, page);
	check("fixed_split_move_file", byte_at(fd, 0) == '0' && byte_at(fd, page + 1) == 'c' &&
	    byte_at(fd, 2 * page) == '2' && byte_at(fd, 3 * page + 5) == '3' && size_of(fd) == 4 * page,
	    "%c %c %c %c", byte_at(fd, 0), byte_at(fd, page + 1), byte_at(fd, 2 * page),
	    byte_at(fd, 3 * page + 5));
	close(fd);
}

static void msync_and_truncate(const char *dir)
{
	int fd;
	char *m = map_new(dir, "msync", 2 * page, 'd', &fd);
	memcpy(m + 100, "synced", 6);
	check("msync_sync", msync(m, 2 * page, MS_SYNC) == 0, "errno %d", errno);
	check("ftruncate_zeroes_map", ftruncate(fd, page + 8) == 0 && m[page + 7] == 'd' &&
	    m[page + 8] == 0, "%d", m[page + 8]);
	m[page + 9] = 'Z';	/* past the end now: never reaches the file */
	check("fsync_writes_map", fsync(fd) == 0 && size_of(fd) == page + 8, "size %ld",
	    (long)size_of(fd));
	munmap(m, 2 * page);
	char buf[8] = "";
	check("msync_in_file", pread(fd, buf, 6, 100) == 6 && !memcmp(buf, "synced", 6), "%.6s", buf);
	close(fd);
}

static void churn_and_reserve(void)
{
	int bad = 0, reused = 0;
	void *first = NULL;

	for (int i = 0; i < 100000; i++) {
		char *p = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			bad++;
			break;
		}
		p[i % (16 * page)] = 1;
		if (!first)
			first = p;
		reused += p == first;
		munmap(p, 16 * page);
	}
	check("mmap_munmap_100000", !bad && reused > 1, "failed %d, reused %d", bad, reused);
	size_t big = 64UL << 30;
	char *r = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	check("reserve_64g", r != MAP_FAILED, "errno %d", errno);
	if (r == MAP_FAILED)
		return;
	char *mid = r + (big / 2);
	check("reserve_commit_part", mprotect(mid, 1 << 20, PROT_READ | PROT_WRITE) == 0, "errno %d", errno);
	mid[0] = 1;
	mid[(1 << 20) - 1] = 2;
	unsigned char vec[256];
	check("mincore", mincore(mid, 256 * page, vec) == 0 && vec[0] == 1 && vec[1] == 0 &&
	    vec[255] == 1, "%d %d %d", vec[0], vec[1], vec[255]);
	check("reserve_release", munmap(r, big) == 0, "errno %d", errno);
}

/* A buffer the program may not use is EFAULT, never the kernel's end:
 * unmapped, PROT_NONE, or read-only for a read() into it. */
static void bad_buffers(const char *dir)
{
	int fd = make_file(dir, "efault", page, 'e');
	char *m = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		bail("mappings", "mmap");
	munmap(m + page, page);
	mprotect(m + 2 * page, page, PROT_NONE);
	char *ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = 0;
	check("read_into_unmapped_efault", pread(fd, m + page, 16, 0) < 0 && errno == EFAULT,
	    "errno %d", errno);
	errno = 0;
	check("write_from_prot_none_efault", pwrite(fd, m + 2 * page, 16, 0) < 0 && errno == EFAULT,
	    "errno %d", errno);
	errno = 0;
	check("read_into_readonly_efault", pread(fd, ro, 16, 0) < 0 && errno == EFAULT,
	    "errno %d", errno);
	check("efault_file_unchanged", byte_at(fd, 0) == 'e', "%c", byte_at(fd, 0));
	munmap(m, 3 * page);
	munmap(ro, page);
	close(fd);
}

/* memfd_create and O_TMPFILE: unnamed files, mappable, gone with their
 * last descriptor, never in their directory's listing. */
static void unnamed(const char *dir)
{
	int fd = memfd_create("mappings", MFD_CLOEXEC);
	check("memfd_create", fd >= 0, "errno %d", errno);
	if (fd < 0)
		return;
	char *m = MAP_FAILED;
	if (ftruncate(fd, 2 * page) == 0)
		m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("memfd_map", m != MAP_FAILED, "errno %d", errno);
	if (m != MAP_FAILED) {
		memcpy(m + page, "memfd", 5);
		char buf[8] = "";
		check("memfd_map_read", pread(fd, buf, 5, page) == 5 && !memcmp(buf, "memfd", 5), "%.5s", buf);
		munmap(m, 2 * page);
	}
	close(fd);
	fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	struct stat st;
	check("o_tmpfile", fd >= 0 && write(fd, "tmp", 3) == 3 && fstat(fd, &st) == 0 &&
	    st.st_nlink == 0 && S_ISREG(st.st_mode) && st.st_size == 3, "fd %d errno %d", fd, errno);
	if (fd >= 0)
		close(fd);
	check("o_tmpfile_needs_write", open(dir, O_TMPFILE | O_RDONLY, 0600) < 0 && errno == EINVAL,
	    "errno %d", errno);
}

static int durable(const char *dir, const char *mode, long n)
{
	snprintf(path, sizeof(path), "%s/durable", dir);
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, 64 * page) != 0)
		bail("mappings", "durable file");
	unsigned char *m = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		bail("mappings", "mmap durable");
	if (!strcmp(mode, "store")) {
		for (long i = 0; i < 64 * page; i += 512)
			m[i] = (unsigned char)(n + i / 512);
		if (msync(m, 64 * page, MS_SYNC))
			bail("mappings", "msync");
		printf("ack %ld\n", n);	/* the crash test kills QEMU on this line */
		fflush(stdout);
		for (;;)
			pause();
	}
	int bad = 0;
	for (long i = 0; i < 64 * page; i += 512)
		bad += m[i] != (unsigned char)(n + i / 512);
	check("durable_after_kill", !bad, "%d of %ld bytes differ", bad, 64 * page / 512);
	return done("mappings");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";

	page = sysconf(_SC_PAGESIZE);
	if (argc > 3)
		return durable(dir, argv[2], atol(argv[3]));
	shared_store(dir);
	private_and_shared(dir);
	fixed_split_move(dir);
	msync_and_truncate(dir);
	churn_and_reserve();
	unnamed(dir);
	bad_buffers(dir);
	return done("mappings");
}
