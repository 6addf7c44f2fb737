/* Files: the file and directory system calls real programs use, checked
 * against Linux semantics in a fresh directory under DIR.
 * Usage: files [DIR]   (default /tmp) */
#include "check.h"
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif
#ifndef SYS_statx
#define SYS_statx 332
#endif
#ifndef SYS_renameat2
#define SYS_renameat2 316
#endif
#define STATX_BASIC_STATS_MASK 0x7ffU

/* struct statx of the Linux UAPI (musl 1.2.3 has no statx()). */
struct statx_ts { int64_t tv_sec; uint32_t tv_nsec; int32_t pad; };
struct statx_buf {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define ERRNO_IS(call, e) ((call) == -1 && errno == (e))

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static ssize_t read_file(const char *path, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len);
	close(fd);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : st.st_size;
}

static void test_open(void)
{
	int fd = open("a", O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK_SYS("open_creat_excl", fd);
	errno = 0;
	check("open_excl_eexist", ERRNO_IS(open("a", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST), "errno %d", errno);
	check("write", write(fd, "hello world", 11) == 11, "short write: %s", strerror(errno));
	close(fd);
	errno = 0;
	check("open_missing_enoent", ERRNO_IS(open("nope", O_RDONLY), ENOENT), "errno %d", errno);
	errno = 0;
	check("open_missing_dir_enoent", ERRNO_IS(open("nodir/x", O_RDWR | O_CREAT, 0644), ENOENT), "errno %d", errno);
	errno = 0;
	check("open_file_as_dir_enotdir", ERRNO_IS(open("a/x", O_RDONLY), ENOTDIR), "errno %d", errno);
	errno = 0;
	check("open_o_directory_file_enotdir", ERRNO_IS(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR), "errno %d", errno);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_SYS("open_o_directory_dir", fd);
	char c;
	errno = 0;
	check("read_dir_eisdir", ERRNO_IS(read(fd, &c, 1), EISDIR), "errno %d", errno);
	close(fd);
	errno = 0;
	check("open_dir_for_write_eisdir", ERRNO_IS(open(".", O_WRONLY), EISDIR), "errno %d", errno);

	fd = open("a", O_RDWR | O_TRUNC);
	check("open_trunc", fd >= 0 && file_size("a") == 0, "size %ld", (long)file_size("a"));
	write(fd, "0123456789", 10);
	close(fd);
	fd = open("a", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "AB", 2);
	off_t pos = lseek(fd, 0, SEEK_CUR);
	close(fd);
	char buf[64] = "";
	check("open_append", read_file("a", buf, sizeof(buf)) == 12 && !memcmp(buf, "0123456789AB", 12) && pos == 12,
	      "file reads '%s', offset after write %ld", buf, (long)pos);

	fd = open("a", O_RDONLY);
	errno = 0;
	check("write_rdonly_ebadf", ERRNO_IS(write(fd, "x", 1), EBADF), "errno %d", errno);
	close(fd);
	errno = 0;
	check("close_bad_ebadf", ERRNO_IS(close(fd), EBADF), "errno %d", errno);

	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	mkdir("sub", 0755);
	int sfd = open("sub", O_RDONLY | O_DIRECTORY);
	fd = openat(sfd, "in-sub", O_RDWR | O_CREAT | O_EXCL, 0600);
	check("openat_dirfd", fd >= 0 && file_size("sub/in-sub") == 0, "openat: %s", strerror(errno));
	close(fd);
	fd = openat(AT_FDCWD, "sub/in-sub", O_RDONLY);
	CHECK_SYS("openat_at_fdcwd", fd);
	close(fd);
	fd = openat(dfd, "sub/../a", O_RDONLY);
	CHECK_SYS("openat_dotdot", fd);
	close(fd);
	int abs = open("/", O_RDONLY | O_DIRECTORY);
	fd = openat(sfd, "/dev/null", O_WRONLY);	/* an absolute path ignores dirfd */
	check("openat_absolute", fd >= 0 && abs >= 0, "openat: %s", strerror(errno));
	close(fd);
	close(abs);
	unlink("sub/in-sub");
	close(sfd);
	close(dfd);
}

static void test_rw(void)
{
	int fd = open("rw", O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct iovec iov[3] = { { "abc", 3 }, { "", 0 }, { "defghij", 7 } };
	check("writev", writev(fd, iov, 3) == 10, "writev: %s", strerror(errno));
	char a[4] = "", b[6] = "";
	struct iovec riov[2] = { { a, 4 }, { b, 6 } };
	lseek(fd, 0, SEEK_SET);
	check("readv", readv(fd, riov, 2) == 10 && !memcmp(a, "abcd", 4) && !memcmp(b, "efghij", 6),
	      "read '%.4s' '%.6s'", a, b);
	check("read_at_eof", read(fd, a, 4) == 0, "not 0 at end of file");

	lseek(fd, 2, SEEK_SET);
	check("pwrite", pwrite(fd, "XY", 2, 5) == 2 && lseek(fd, 0, SEEK_CUR) == 2, "offset moved or failed");
	char p[3] = "";
	check("pread", pread(fd, p, 3, 4) == 3 && !memcmp(p, "eXY", 3) && lseek(fd, 0, SEEK_CUR) == 2,
	      "read '%.3s'", p);
	check("pread_past_end", pread(fd, p, 3, 1000) == 0, "not 0");
	errno = 0;
	check("pread_negative_einval", ERRNO_IS(pread(fd, p, 1, -1), EINVAL), "errno %d", errno);

	check("lseek_cur", lseek(fd, 3, SEEK_CUR) == 5, "wrong offset");
	check("lseek_end", lseek(fd, -1, SEEK_END) == 9, "wrong offset");
	errno = 0;
	check("lseek_negative_einval", ERRNO_IS(lseek(fd, -100, SEEK_SET), EINVAL), "errno %d", errno);
	errno = 0;
	check("lseek_bad_whence_einval", ERRNO_IS(lseek(fd, 0, 42), EINVAL), "errno %d", errno);
	/* A write past the end leaves a hole that reads as zeros. */
	off_t far = (1 << 20) + 17;
	check("lseek_past_end", lseek(fd, far, SEEK_SET) == far, "failed");
	check("write_past_end", write(fd, "Z", 1) == 1 && file_size("rw") == far + 1, "size %ld",
	      (long)file_size("rw"));
	static char hole[1 << 20];
	memset(hole, 1, sizeof(hole));
	ssize_t n = pread(fd, hole, sizeof(hole), 10);
	int zero = n == (ssize_t)sizeof(hole);
	for (size_t i = 0; zero && i < sizeof(hole); i++)
		zero = hole[i] == 0;
	check("hole_reads_zero", zero, "pread returned %ld or nonzero bytes", (long)n);
	check("after_hole", pread(fd, a, 2, far) == 1 && a[0] == 'Z', "byte after the hole wrong");

	/* A bigger file in odd-sized pieces, read back in other pieces. */
	static unsigned char big[300000], back[300000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 31 + (i >> 11));
	int bf = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	size_t off = 0, step = 1;
	while (off < sizeof(big)) {
		size_t k = step < sizeof(big) - off ? step : sizeof(big) - off;
		if (write(bf, big + off, k) != (ssize_t)k)
			break;
		off += k;
		step = step * 3 + 7;
	}
	lseek(bf, 0, SEEK_SET);
	size_t got = 0;
	while (got < sizeof(back)) {
		ssize_t r = read(bf, back + got, 4093 < sizeof(back) - got ? 4093 : sizeof(back) - got);
		if (r <= 0)
			break;
		got += r;
	}
	check("big_file_roundtrip", off == sizeof(big) && got == sizeof(big) && !memcmp(big, back, sizeof(big)),
	      "wrote %zu read %zu", off, got);
	close(bf);
	close(fd);
}

static void test_stat(void)
{
	struct stat st, fst, lst;
	int fd = open("rw", O_RDONLY);
	check("stat", stat("rw", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (1 << 20) + 18 &&
	      st.st_nlink == 1, "mode %o size %ld nlink %ld", st.st_mode, (long)st.st_size, (long)st.st_nlink);
	check("fstat_same_file", fstat(fd, &fst) == 0 && fst.st_ino == st.st_ino && fst.st_dev == st.st_dev &&
	      fst.st_size == st.st_size, "inode %lu vs %lu", (unsigned long)fst.st_ino, (unsigned long)st.st_ino);
	check("stat_blksize", st.st_blksize > 0, "st_blksize %ld", (long)st.st_blksize);
	close(fd);
	struct stat ds;
	check("stat_dir", stat(".", &ds) == 0 && S_ISDIR(ds.st_mode) && ds.st_ino != st.st_ino, "mode %o", ds.st_mode);
	symlink("rw", "rw-link");
	check("lstat_symlink", lstat("rw-link", &lst) == 0 && S_ISLNK(lst.st_mode) && lst.st_size == 2,
	      "mode %o size %ld", lst.st_mode, (long)lst.st_size);
	check("stat_follows_symlink", stat("rw-link", &fst) == 0 && fst.st_ino == st.st_ino, "other inode");
	check("fstatat", fstatat(AT_FDCWD, "rw-link", &fst, 0) == 0 && fst.st_ino == st.st_ino, "failed");
	check("fstatat_nofollow", fstatat(AT_FDCWD, "rw-link", &fst, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISLNK(fst.st_mode), "mode %o", fst.st_mode);
	fd = open("rw", O_RDONLY);
	check("fstatat_empty_path", fstatat(fd, "", &fst, AT_EMPTY_PATH) == 0 && fst.st_ino == st.st_ino,
	      "%s", strerror(errno));
	close(fd);
	errno = 0;
	check("stat_missing_enoent", ERRNO_IS(stat("nope", &fst), ENOENT), "errno %d", errno);
	errno = 0;
	check("stat_empty_enoent", ERRNO_IS(stat("", &fst), ENOENT), "errno %d", errno);

	struct statx_buf sx;
	memset(&sx, 0, sizeof(sx));
	long r = syscall(SYS_statx, AT_FDCWD, "rw", 0, STATX_BASIC_STATS_MASK, &sx);
	check("statx", r == 0 && (sx.mask & 0x200) && sx.size == (uint64_t)st.st_size && sx.ino == st.st_ino &&
	      (sx.mode & S_IFMT) == S_IFREG, "returned %ld (%s), mask %#x size %lu", r, strerror(errno),
	      sx.mask, (unsigned long)sx.size);
	r = syscall(SYS_statx, AT_FDCWD, "rw-link", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS_MASK, &sx);
	check("statx_nofollow", r == 0 && (sx.mode & S_IFMT) == S_IFLNK, "returned %ld mode %o", r, sx.mode);

	check("access_f_ok", access("rw", F_OK) == 0, "%s", strerror(errno));
	check("access_rw_ok", access("rw", R_OK | W_OK) == 0, "%s", strerror(errno));
	errno = 0;
	check("access_missing_enoent", ERRNO_IS(access("nope", F_OK), ENOENT), "errno %d", errno);
	chmod("rw", 0644);
	errno = 0;
	check("access_x_ok_eacces", ERRNO_IS(access("rw", X_OK), EACCES), "errno %d (uid %d)", errno, (int)getuid());
	check("faccessat", faccessat(AT_FDCWD, "rw", R_OK, 0) == 0, "%s", strerror(errno));
	check("access_dir_x_ok", access(".", X_OK) == 0, "%s", strerror(errno));
}

static void test_getdents(void)
{
	enum { N = 50 };
	mkdir("list", 0755);
	for (int i = 0; i < N; i++) {
		char name[64];
		snprintf(name, sizeof(name), "list/file-%02d-with-a-longish-name", i);
		write_file(name, "x", 1, 0644);
	}
	mkdir("list/subdir", 0755);
	symlink("file-00-with-a-longish-name", "list/link");
	int seen[N] = {0}, dot = 0, dotdot = 0, subdir = 0, link = 0, other = 0, types_ok = 1, calls = 0;
	int fd = open("list", O_RDONLY | O_DIRECTORY);
	char buf[512];	/* small: several calls are needed */
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0)
				other = -1000;
			break;
		}
		calls++;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			int i;
			if (!strcmp(d->d_name, "."))
				dot++, types_ok &= d->d_type == DT_DIR;
			else if (!strcmp(d->d_name, ".."))
				dotdot++, types_ok &= d->d_type == DT_DIR;
			else if (!strcmp(d->d_name, "subdir"))
				subdir++, types_ok &= d->d_type == DT_DIR;
			else if (!strcmp(d->d_name, "link"))
				link++, types_ok &= d->d_type == DT_LNK;
			else if (sscanf(d->d_name, "file-%d-", &i) == 1 && i >= 0 && i < N)
				seen[i]++, types_ok &= d->d_type == DT_REG;
			else
				other++;
			types_ok &= d->d_ino != 0 && d->d_reclen % 8 == 0;
			off += d->d_reclen;
		}
	}
	int all = 1;
	for (int i = 0; i < N; i++)
		all &= seen[i] == 1;
	check("getdents64_lists_all", all && dot == 1 && dotdot == 1 && subdir == 1 && link == 1 && other == 0,
	      "each file once: %d, '.' %d, '..' %d, subdir %d, link %d, unexpected %d", all, dot, dotdot, subdir,
	      link, other);
	check("getdents64_types", types_ok, "wrong d_type, zero d_ino or unaligned d_reclen");
	check("getdents64_several_calls", calls > 1, "%d calls", calls);
	/* Rewinding starts the listing again; a buffer too small for one entry is EINVAL. */
	lseek(fd, 0, SEEK_SET);
	errno = 0;
	check("getdents64_small_buffer_einval", ERRNO_IS(syscall(SYS_getdents64, fd, buf, 8), EINVAL), "errno %d", errno);
	check("getdents64_rewind", syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0, "nothing after rewind");
	close(fd);

	DIR *d = opendir("list");
	int count = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		count++;
	if (d)
		closedir(d);
	check("readdir", count == N + 4, "%d entries, want %d", count, N + 4);
}

static void test_dirs(void)
{
	check("mkdir", mkdir("d1", 0755) == 0, "%s", strerror(errno));
	errno = 0;
	check("mkdir_exists_eexist", ERRNO_IS(mkdir("d1", 0755), EEXIST), "errno %d", errno);
	errno = 0;
	check("mkdir_over_file_eexist", ERRNO_IS(mkdir("a", 0755), EEXIST), "errno %d", errno);
	int dfd = open("d1", O_RDONLY | O_DIRECTORY);
	check("mkdirat", mkdirat(dfd, "d2", 0700) == 0 && access("d1/d2", F_OK) == 0, "%s", strerror(errno));
	write_file("d1/f", "f", 1, 0644);
	errno = 0;
	check("rmdir_not_empty", ERRNO_IS(rmdir("d1"), ENOTEMPTY) || errno == EEXIST, "errno %d", errno);
	errno = 0;
	check("rmdir_file_enotdir", ERRNO_IS(rmdir("d1/f"), ENOTDIR), "errno %d", errno);
	errno = 0;
	check("unlink_dir_eisdir", ERRNO_IS(unlink("d1/d2"), EISDIR), "errno %d", errno);
	check("unlinkat_removedir", unlinkat(dfd, "d2", AT_REMOVEDIR) == 0 && access("d1/d2", F_OK) == -1,
	      "%s", strerror(errno));
	check("unlinkat_file", unlinkat(dfd, "f", 0) == 0 && access("d1/f", F_OK) == -1, "%s", strerror(errno));
	check("rmdir", rmdir("d1") == 0 && access("d1", F_OK) == -1, "%s", strerror(errno));
	close(dfd);
	errno = 0;
	check("rmdir_missing_enoent", ERRNO_IS(rmdir("d1"), ENOENT), "errno %d", errno);
	errno = 0;
	check("rmdir_dot_einval", ERRNO_IS(rmdir("."), EINVAL), "errno %d", errno);

	/* An open file outlives its name. */
	write_file("gone", "still here", 10, 0644);
	int fd = open("gone", O_RDONLY);
	check("unlink", unlink("gone") == 0 && access("gone", F_OK) == -1, "%s", strerror(errno));
	char buf[16] = "";
	check("unlinked_file_readable", read(fd, buf, 16) == 10 && !memcmp(buf, "still here", 10), "read '%s'", buf);
	close(fd);

	write_file("r1", "one", 3, 0644);
	write_file("r2", "two", 3, 0644);
	check("rename", rename("r1", "r3") == 0 && access("r1", F_OK) == -1 && file_size("r3") == 3,
	      "%s", strerror(errno));
	check("rename_replaces", rename("r3", "r2") == 0 && read_file("r2", buf, 16) == 3 && !memcmp(buf, "one", 3),
	      "r2 holds '%.3s'", buf);
	mkdir("rd", 0755);
	mkdir("rd/inner", 0755);
	check("renameat", renameat(AT_FDCWD, "r2", AT_FDCWD, "rd/r2") == 0 && file_size("rd/r2") == 3,
	      "%s", strerror(errno));
	errno = 0;
	check("rename_into_self_einval", ERRNO_IS(rename("rd", "rd/inner/x"), EINVAL), "errno %d", errno);
	check("rename_dir", rename("rd", "rd2") == 0 && file_size("rd2/r2") == 3, "%s", strerror(errno));
	write_file("n1", "n1", 2, 0644);
	write_file("n2", "n2", 2, 0644);
	errno = 0;
	check("renameat2_noreplace_eexist",
	      ERRNO_IS(syscall(SYS_renameat2, AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE), EEXIST),
	      "errno %d", errno);
	check("renameat2_noreplace",
	      syscall(SYS_renameat2, AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE) == 0 &&
	      access("n3", F_OK) == 0 && access("n1", F_OK) == -1, "%s", strerror(errno));
	long r = syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE);
	char b2[4] = "", b3[4] = "";
	read_file("n2", b2, 4);
	read_file("n3", b3, 4);
	check("renameat2_exchange", r == 0 && !memcmp(b2, "n1", 2) && !memcmp(b3, "n2", 2),
	      "returned %ld (%s), n2 '%.2s' n3 '%.2s'", r, strerror(errno), b2, b3);
	errno = 0;
	check("rename_missing_enoent", ERRNO_IS(rename("nope", "nope2"), ENOENT), "errno %d", errno);
}

static void test_links(const char *top)
{
	check("symlink", symlink("target-file", "sl") == 0, "%s", strerror(errno));
	char buf[256];
	memset(buf, 'Q', sizeof(buf));
	ssize_t n = readlink("sl", buf, sizeof(buf));
	check("readlink", n == 11 && !memcmp(buf, "target-file", 11) && buf[11] == 'Q', "returned %ld", (long)n);
	n = readlink("sl", buf, 4);
	check("readlink_truncates", n == 4 && !memcmp(buf, "targ", 4), "returned %ld", (long)n);
	errno = 0;
	check("readlink_file_einval", ERRNO_IS(readlink("a", buf, sizeof(buf)), EINVAL), "errno %d", errno);
	errno = 0;
	check("open_dangling_enoent", ERRNO_IS(open("sl", O_RDONLY), ENOENT), "errno %d", errno);
	write_file("target-file", "through a link", 14, 0644);
	char got[32] = "";
	check("open_through_symlink", read_file("sl", got, 32) == 14 && !memcmp(got, "through a link", 14),
	      "read '%s'", got);
	errno = 0;
	check("open_nofollow_eloop", ERRNO_IS(open("sl", O_RDONLY | O_NOFOLLOW), ELOOP), "errno %d", errno);
	symlink("loop2", "loop1");
	symlink("loop1", "loop2");
	errno = 0;
	check("symlink_loop_eloop", ERRNO_IS(open("loop1", O_RDONLY), ELOOP), "errno %d", errno);
	errno = 0;
	check("symlink_exists_eexist", ERRNO_IS(symlink("x", "sl"), EEXIST), "errno %d", errno);
	check("readlinkat", readlinkat(AT_FDCWD, "sl", buf, sizeof(buf)) == 11, "%s", strerror(errno));

	/* Directories through links, and the working directory. */
	mkdir("cwd", 0755);
	mkdir("cwd/deeper", 0755);
	symlink("cwd/deeper", "to-deeper");
	char start[512], here[512];
	check("getcwd", getcwd(start, sizeof(start)) && !strcmp(start, top), "getcwd '%s' want '%s'", start, top);
	int topfd = open(".", O_RDONLY | O_DIRECTORY);
	check("chdir", chdir("cwd") == 0 && getcwd(here, sizeof(here)) &&
	      strlen(here) == strlen(top) + 4 && !strcmp(here + strlen(top), "/cwd"), "cwd '%s'", here);
	check("chdir_dotdot", chdir("..") == 0 && getcwd(here, sizeof(here)) && !strcmp(here, top), "cwd '%s'", here);
	check("chdir_through_symlink", chdir("to-deeper") == 0 && getcwd(here, sizeof(here)) &&
	      strstr(here, "/cwd/deeper") != NULL, "cwd '%s'", here);
	check("relative_after_chdir", access("../../a", F_OK) == 0, "%s", strerror(errno));
	check("fchdir", fchdir(topfd) == 0 && getcwd(here, sizeof(here)) && !strcmp(here, top), "cwd '%s'", here);
	errno = 0;
	check("getcwd_small_erange", getcwd(here, 2) == NULL && errno == ERANGE, "errno %d", errno);
	errno = 0;
	check("chdir_file_enotdir", ERRNO_IS(chdir("a"), ENOTDIR), "errno %d", errno);
	int ffd = open("a", O_RDONLY);
	errno = 0;
	check("fchdir_file_enotdir", ERRNO_IS(fchdir(ffd), ENOTDIR), "errno %d", errno);
	close(ffd);
	close(topfd);
}

static void test_fds(void)
{
	int fd = open("a", O_RDWR | O_APPEND);
	int fl = fcntl(fd, F_GETFL);
	check("fcntl_getfl", (fl & O_ACCMODE) == O_RDWR && (fl & O_APPEND), "flags %#x", fl);
	check("fcntl_setfl", fcntl(fd, F_SETFL, O_NONBLOCK) == 0 && (fcntl(fd, F_GETFL) & (O_NONBLOCK | O_APPEND)) ==
	      O_NONBLOCK && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "flags %#x", fcntl(fd, F_GETFL));
	int d = fcntl(fd, F_DUPFD, 100);
	check("fcntl_dupfd", d >= 100, "got %d", d);
	check("fcntl_getfd_dup_clear", fcntl(d, F_GETFD) == 0, "FD_CLOEXEC set on a dup");
	check("fcntl_setfd", fcntl(d, F_SETFD, FD_CLOEXEC) == 0 && fcntl(d, F_GETFD) == FD_CLOEXEC, "not set");
	int dc = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	check("fcntl_dupfd_cloexec", dc >= 0 && dc < 100 && fcntl(dc, F_GETFD) == FD_CLOEXEC, "fd %d", dc);
	close(d);
	close(dc);
	errno = 0;
	check("fcntl_bad_ebadf", ERRNO_IS(fcntl(d, F_GETFD), EBADF), "errno %d", errno);

	int e = dup(fd);
	lseek(fd, 3, SEEK_SET);
	check("dup_shares_offset", e > fd && lseek(e, 0, SEEK_CUR) == 3, "offset %ld", (long)lseek(e, 0, SEEK_CUR));
	check("dup_lowest_free", e == fd + 1 || fcntl(fd + 1, F_GETFD) != -1, "fd %d", e);
	check("dup2", dup2(fd, 50) == 50 && lseek(50, 0, SEEK_CUR) == 3, "%s", strerror(errno));
	check("dup2_same", dup2(fd, fd) == fd, "%s", strerror(errno));
	check("dup2_replaces", dup2(e, 50) == 50, "%s", strerror(errno));
	check("dup3_cloexec", dup3(fd, 51, O_CLOEXEC) == 51 && fcntl(51, F_GETFD) == FD_CLOEXEC, "%s", strerror(errno));
	errno = 0;
	check("dup3_same_einval", ERRNO_IS(dup3(fd, fd, 0), EINVAL), "errno %d", errno);
	errno = 0;
	check("dup2_bad_ebadf", ERRNO_IS(dup2(9999, 52), EBADF), "errno %d", errno);
	close(50);
	close(51);
	close(e);
	close(fd);
}

/* Pipes: a writer thread streams a pattern; the reader checks it. */
#define PIPE_BYTES (1 << 20)
static void *pipe_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static unsigned char chunk[70000];
	size_t sent = 0, step = 1;

	while (sent < PIPE_BYTES) {
		size_t k = step % sizeof(chunk);
		if (k == 0)
			k = 1;
		if (k > PIPE_BYTES - sent)
			k = PIPE_BYTES - sent;
		for (size_t i = 0; i < k; i++)
			chunk[i] = (unsigned char)((sent + i) * 13);
		ssize_t n = write(fd, chunk, k);
		if (n <= 0)
			break;
		sent += n;
		step = step * 5 + 3;
	}
	close(fd);
	return (void *)sent;
}

static void *delayed_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);
	write(fd, "!", 1);
	return NULL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_pipes(void)
{
	int p[2];
	if (!CHECK_SYS("pipe", pipe(p)))
		return;
	pthread_t th;
	pthread_create(&th, NULL, pipe_writer, (void *)(intptr_t)p[1]);
	static unsigned char buf[65536];
	size_t got = 0;
	int bad = 0;
	for (;;) {
		ssize_t n = read(p[0], buf, 1 + got % sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != (unsigned char)((got + i) * 13);
		got += n;
	}
	void *sent;
	pthread_join(th, &sent);
	check("pipe_thread_stream", got == PIPE_BYTES && (size_t)sent == PIPE_BYTES && !bad,
	      "sent %zu, received %zu, %d bytes wrong", (size_t)sent, got, bad);
	close(p[0]);

	check("pipe2", pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
	      (fcntl(p[1], F_GETFL) & O_NONBLOCK) && (fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY &&
	      (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY, "%s", strerror(errno));
	errno = 0;
	check("pipe_empty_nonblock_eagain", ERRNO_IS(read(p[0], buf, 1), EAGAIN), "errno %d", errno);
	size_t filled = 0;
	for (;;) {
		ssize_t n = write(p[1], buf, 4096);
		if (n <= 0)
			break;
		filled += n;
	}
	check("pipe_full_nonblock_eagain", errno == EAGAIN && filled >= 4096, "errno %d after %zu bytes", errno, filled);
	struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	int r = poll(pf, 2, 0);
	check("poll_full_pipe", r == 1 && (pf[0].revents & POLLIN) && !(pf[1].revents & POLLOUT),
	      "returned %d, revents %#x %#x", r, pf[0].revents, pf[1].revents);
	close(p[0]);
	close(p[1]);

	/* poll: timeouts, readiness, wake-up by another thread, hang-up. */
	pipe(p);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	r = poll(pf, 1, 0);
	check("poll_empty_zero_timeout", r == 0 && pf[0].revents == 0, "returned %d revents %#x", r, pf[0].revents);
	int64_t t0 = mono_ms();
	r = poll(pf, 1, 60);
	int64_t took = mono_ms() - t0;
	check("poll_timeout", r == 0 && took >= 59, "returned %d after %lld ms", r, (long long)took);
	r = poll(&pf[1], 1, 0);
	check("poll_pollout", r == 1 && pf[1].revents == POLLOUT, "returned %d revents %#x", r, pf[1].revents);
	pthread_create(&th, NULL, delayed_writer, (void *)(intptr_t)p[1]);
	t0 = mono_ms();
	r = poll(pf, 1, 5000);
	took = mono_ms() - t0;
	pthread_join(th, NULL);
	check("poll_woken_by_writer", r == 1 && (pf[0].revents & POLLIN) && took < 4000,
	      "returned %d revents %#x after %lld ms", r, pf[0].revents, (long long)took);
	read(p[0], buf, 1);
	close(p[1]);
	r = poll(pf, 1, 1000);
	check("poll_pollhup", r == 1 && (pf[0].revents & POLLHUP), "returned %d revents %#x", r, pf[0].revents);
	check("pipe_eof", read(p[0], buf, 1) == 0, "read did not return 0");
	struct pollfd nv = { 999, POLLIN, 0 };
	r = poll(&nv, 1, 0);
	check("poll_pollnval", r == 1 && nv.revents == POLLNVAL, "returned %d revents %#x", r, nv.revents);
	close(p[0]);

	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	check("pipe_no_reader_epipe", ERRNO_IS(write(p[1], "x", 1), EPIPE), "errno %d", errno);
	close(p[1]);
	errno = 0;
	check("lseek_pipe_espipe", pipe(p) == 0 && ERRNO_IS(lseek(p[0], 0, SEEK_CUR), ESPIPE), "errno %d", errno);
	close(p[0]);
	close(p[1]);
}

static void test_misc_file(void)
{
	struct stat st, nul;
	struct winsize ws;
	if (fstat(1, &st) == 0 && S_ISCHR(st.st_mode) && !(stat("/dev/null", &nul) == 0 && nul.st_rdev == st.st_rdev)) {
		check("ioctl_tiocgwinsz_console", ioctl(1, TIOCGWINSZ, &ws) == 0, "%s", strerror(errno));
		check("isatty_console", isatty(1), "stdout is not a tty");
	} else {
		printf("ok ioctl_tiocgwinsz_console # SKIP stdout is not a terminal here\n");
	}
	int fd = open("a", O_RDWR);
	errno = 0;
	check("ioctl_file_enotty", ERRNO_IS(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY), "errno %d", errno);
	check("isatty_file", !isatty(fd), "a file is a tty");

	check("ftruncate_grow", ftruncate(fd, 10000) == 0 && file_size("a") == 10000, "size %ld", (long)file_size("a"));
	char buf[16];
	check("ftruncate_grow_zero", pread(fd, buf, 16, 9984) == 16 && !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16),
	      "not zeros");
	check("ftruncate_shrink", ftruncate(fd, 5) == 0 && file_size("a") == 5, "size %ld", (long)file_size("a"));
	check("ftruncate_shrink_then_grow_zero", ftruncate(fd, 10) == 0 && pread(fd, buf, 10, 0) == 10 &&
	      !memcmp(buf, "01234\0\0\0\0\0", 10), "stale data after shrink");
	check("truncate", truncate("a", 3) == 0 && file_size("a") == 3, "size %ld", (long)file_size("a"));
	errno = 0;
	check("truncate_negative_einval", ERRNO_IS(ftruncate(fd, -1), EINVAL), "errno %d", errno);
	check("fsync", fsync(fd) == 0, "%s", strerror(errno));
	check("fdatasync", fdatasync(fd) == 0, "%s", strerror(errno));
	close(fd);
	int ro = open("a", O_RDONLY);
	errno = 0;
	check("ftruncate_rdonly_fails", ftruncate(ro, 0) == -1 && (errno == EINVAL || errno == EBADF), "errno %d", errno);
	close(ro);

	struct statfs sf;
	check("statfs", statfs(".", &sf) == 0 && sf.f_bsize > 0, "%s bsize %ld", strerror(errno), (long)sf.f_bsize);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	check("fstatfs", fstatfs(fd, &sf) == 0 && sf.f_bsize > 0, "%s", strerror(errno));
	close(fd);

	mode_t old = umask(027);
	check("umask_returns_old", umask(027) == 027, "umask did not stick");
	write_file("masked", "", 0, 0666);
	mkdir("masked-dir", 0777);
	struct stat ms, md;
	stat("masked", &ms);
	stat("masked-dir", &md);
	check("umask_applies", (ms.st_mode & 07777) == 0640 && (md.st_mode & 07777) == 0750,
	      "file %o dir %o", ms.st_mode & 07777, md.st_mode & 07777);
	umask(old);
	check("chmod", chmod("masked", 0600) == 0 && stat("masked", &ms) == 0 && (ms.st_mode & 07777) == 0600,
	      "mode %o", ms.st_mode & 07777);
	fd = open("masked", O_RDONLY);
	check("fchmod", fchmod(fd, 04755) == 0 && fstat(fd, &ms) == 0 && (ms.st_mode & 07777) == 04755 &&
	      S_ISREG(ms.st_mode), "mode %o", ms.st_mode);
	check("fchmodat", fchmodat(AT_FDCWD, "masked", 0444, 0) == 0 && stat("masked", &ms) == 0 &&
	      (ms.st_mode & 07777) == 0444, "mode %o", ms.st_mode & 07777);

	struct timespec times[2] = { { 1600000000, 0 }, { 1700000000, 500000000 } };
	check("utimensat", utimensat(AT_FDCWD, "masked", times, 0) == 0 && stat("masked", &ms) == 0 &&
	      ms.st_atim.tv_sec == 1600000000 && ms.st_mtim.tv_sec == 1700000000,
	      "%s, atime %ld mtime %ld", strerror(errno), (long)ms.st_atim.tv_sec, (long)ms.st_mtim.tv_sec);
	times[0].tv_nsec = UTIME_OMIT;
	times[1].tv_nsec = UTIME_NOW;
	time_t now = time(NULL);
	check("futimens_now_omit", futimens(fd, times) == 0 && fstat(fd, &ms) == 0 &&
	      ms.st_atim.tv_sec == 1600000000 && llabs((long long)(ms.st_mtim.tv_sec - now)) <= 2,
	      "atime %ld mtime %ld now %ld", (long)ms.st_atim.tv_sec, (long)ms.st_mtim.tv_sec, (long)now);
	check("utimensat_null_now", utimensat(AT_FDCWD, "masked", NULL, 0) == 0 && stat("masked", &ms) == 0 &&
	      llabs((long long)(ms.st_atim.tv_sec - now)) <= 2, "atime %ld", (long)ms.st_atim.tv_sec);
	close(fd);
	/* Writing updates mtime. */
	fd = open("b-mtime", O_RDWR | O_CREAT, 0644);
	struct timespec old_t[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	futimens(fd, old_t);
	write(fd, "x", 1);
	fstat(fd, &ms);
	check("write_updates_mtime", ms.st_mtim.tv_sec >= now - 2, "mtime %ld", (long)ms.st_mtim.tv_sec);
	close(fd);
}

static void test_system(void)
{
	unsigned char r1[64], r2[64];
	memset(r1, 0, sizeof(r1));
	memset(r2, 0, sizeof(r2));
	ssize_t n1 = getrandom(r1, sizeof(r1), 0), n2 = getrandom(r2, sizeof(r2), GRND_NONBLOCK);
	int zero = 1;
	for (int i = 0; i < 64; i++)
		zero &= r1[i] == 0;
	check("getrandom", n1 == 64 && n2 == 64 && !zero && memcmp(r1, r2, 64), "returned %ld %ld", (long)n1, (long)n2);
	int fd = open("/dev/urandom", O_RDONLY);
	check("dev_urandom", fd >= 0 && read(fd, r1, 64) == 64 && memcmp(r1, r2, 64), "%s", strerror(errno));
	close(fd);

	struct utsname u;
	check("uname", uname(&u) == 0 && !strcmp(u.sysname, "Linux") && !strcmp(u.machine, "x86_64") &&
	      u.release[0] >= '3' && u.release[0] <= '9' && u.nodename[0], "sysname '%s' machine '%s' release '%s'",
	      u.sysname, u.machine, u.release);
	struct sysinfo si;
	check("sysinfo", sysinfo(&si) == 0 && si.totalram > 0 && si.mem_unit > 0 && si.freeram <= si.totalram &&
	      si.procs >= 1, "totalram %lu freeram %lu unit %u procs %u", si.totalram, si.freeram, si.mem_unit, si.procs);

	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	check("getpid_gettid", pid > 0 && tid == pid, "pid %d tid %d", (int)pid, (int)tid);
	check("getppid", getppid() >= 0, "ppid %d", (int)getppid());
	check("ids", getuid() == geteuid() && getgid() == getegid(), "uid %d euid %d gid %d egid %d",
	      (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid());
	check("getpgrp_getsid", getpgrp() > 0 && getsid(0) > 0, "pgrp %d sid %d", (int)getpgrp(), (int)getsid(0));

	struct rlimit rl, pl;
	check("getrlimit_nofile", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 3 && rl.rlim_cur <= rl.rlim_max,
	      "cur %lu max %lu", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
	check("prlimit64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &pl) == 0 && pl.rlim_cur == rl.rlim_cur &&
	      pl.rlim_max == rl.rlim_max, "%s", strerror(errno));
	check("getrlimit_stack", getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 65536, "cur %lu",
	      (unsigned long)rl.rlim_cur);
	check("sysconf", sysconf(_SC_PAGESIZE) == 4096 && sysconf(_SC_NPROCESSORS_ONLN) >= 1 &&
	      sysconf(_SC_OPEN_MAX) > 3, "page %ld cpus %ld open_max %ld", sysconf(_SC_PAGESIZE),
	      sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_OPEN_MAX));
}

static int rm_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st))
		return -1;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[1024];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_tree(sub);
		}
		if (d)
			closedir(d);
		return rmdir(path);
	}
	return unlink(path);
}

int main(int argc, char **argv)
{
	char top[512];
	const char *base = argc > 1 ? argv[1] : "/tmp";

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(top, sizeof(top), "%s/files-test.%d", base, (int)getpid());
	umask(022);
	if (mkdir(top, 0755) || chdir(top))
		bail("files", "cannot make and enter the test directory");
	/* getcwd gives the canonical path (base may be a symlink on a host). */
	if (!getcwd(top, sizeof(top)))
		bail("files", "getcwd");
	test_open();
	test_rw();
	test_stat();
	test_getdents();
	test_dirs();
	test_links(top);
	test_fds();
	test_pipes();
	test_misc_file();
	test_system();
	chdir("/");
	check("cleanup", rm_tree(top) == 0 && access(top, F_OK) == -1, "%s", strerror(errno));
	return done("files");
}
