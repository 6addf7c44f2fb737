/* Durability and space: O_SYNC/O_DSYNC writes, what F_SETFL may change,
 * pwritev2/preadv2 and their RWF_* flags, fsync/fdatasync, sync/syncfs,
 * then fallocate's rules (and posix_fallocate), in a fresh directory
 * under DIR.
 * Usage: durable [DIR]   (default /tmp) */
#include "check.h"
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#ifndef RWF_HIPRI
#define RWF_HIPRI	0x01
#define RWF_DSYNC	0x02
#define RWF_SYNC	0x04
#define RWF_APPEND	0x10
#endif
#define RWF_UNKNOWN	0x10000

#define ERRNO_IS(call, e) ((call) == -1 && errno == (e))
#define ERR_(name, call, e) do { errno = 0; \
	check(name, ERRNO_IS(call, e), "%s: errno %d (%s), want %s", #call, errno, \
	      strerror(errno), #e); } while (0)

/* musl 1.2.3 has no pwritev2(): the system call itself. */
static ssize_t pwritev2_(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return syscall(SYS_pwritev2, fd, iov, cnt, (long)off, 0L, flags);
}

static ssize_t preadv2_(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return syscall(SYS_preadv2, fd, iov, cnt, (long)off, 0L, flags);
}

static int has(const char *path, const char *text)
{
	char buf[256] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) && !memcmp(buf, text, (size_t)n);
}

static void test_sync_flags(void)
{
	int fd = open("s", O_WRONLY | O_CREAT | O_TRUNC | O_SYNC, 0644);
	CHECK_SYS("open_o_sync", fd);
	check("o_sync_write", write(fd, "abc", 3) == 3, "%s", strerror(errno));
	int fl = fcntl(fd, F_GETFL);
	check("getfl_shows_o_sync", fl >= 0 && (fl & O_SYNC) == O_SYNC, "flags %#x", fl);
	/* Linux ignores O_SYNC and O_DSYNC in F_SETFL, both ways. */
	check("setfl_keeps_o_sync", fcntl(fd, F_SETFL, fl & ~O_SYNC) == 0 &&
	      (fcntl(fd, F_GETFL) & O_SYNC) == O_SYNC, "flags %#x", fcntl(fd, F_GETFL));
	close(fd);
	fd = open("s", O_WRONLY | O_APPEND | O_DSYNC);
	fl = fcntl(fd, F_GETFL);
	check("getfl_shows_o_dsync", fl >= 0 && (fl & O_DSYNC) && (fl & O_SYNC) != O_SYNC,
	      "flags %#x", fl);
	check("o_dsync_write", write(fd, "def", 3) == 3, "%s", strerror(errno));
	struct iovec iov[2] = { { "gh", 2 }, { "ij", 2 } };
	check("o_dsync_writev", writev(fd, iov, 2) == 4, "%s", strerror(errno));
	close(fd);
	check("sync_writes_land", has("s", "abcdefghij"), "file differs");
	fd = open("s", O_WRONLY);
	check("setfl_cannot_add_o_dsync", fcntl(fd, F_SETFL, O_DSYNC) == 0 &&
	      !(fcntl(fd, F_GETFL) & O_DSYNC), "flags %#x", fcntl(fd, F_GETFL));
	check("fsync", fsync(fd) == 0, "%s", strerror(errno));
	check("fdatasync", fdatasync(fd) == 0, "%s", strerror(errno));
	check("syncfs_file", syncfs(fd) == 0, "%s", strerror(errno));
	close(fd);
	errno = 0;
	check("syncfs_ebadf", ERRNO_IS(syncfs(fd), EBADF), "errno %d", errno);
	int p[2];
	if (pipe(p) == 0) {
		check("syncfs_pipe", syncfs(p[0]) == 0, "%s", strerror(errno));
		close(p[0]);
		close(p[1]);
	}
	sync();
	check("sync", 1, "");
}

static void test_rwf(void)
{
	int fd = open("r", O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct iovec a = { "0123", 4 }, b = { "AB", 2 }, c = { "cd", 2 };
	check("pwritev2_plain", pwritev2_(fd, &a, 1, 0, 0) == 4, "%s", strerror(errno));
	check("pwritev2_dsync", pwritev2_(fd, &b, 1, 1, RWF_DSYNC) == 2, "%s", strerror(errno));
	check("pwritev2_sync_hipri", pwritev2_(fd, &c, 1, -1, RWF_SYNC | RWF_HIPRI) == 2 &&
	      lseek(fd, 0, SEEK_CUR) == 2, "%s, offset %ld", strerror(errno), (long)lseek(fd, 0, SEEK_CUR));
	check("pwritev2_data", has("r", "cdB3"), "file differs");
	/* RWF_APPEND: at the end whatever the offset; -1 moves the position. */
	check("pwritev2_append", pwritev2_(fd, &b, 1, 0, RWF_APPEND) == 2 &&
	      lseek(fd, 0, SEEK_CUR) == 2, "%s", strerror(errno));
	check("pwritev2_append_pos", pwritev2_(fd, &c, 1, -1, RWF_APPEND) == 2 &&
	      lseek(fd, 0, SEEK_CUR) == 8, "offset %ld", (long)lseek(fd, 0, SEEK_CUR));
	check("pwritev2_append_data", has("r", "cdB3ABcd"), "file differs");
	errno = 0;
	check("pwritev2_unknown_flag", ERRNO_IS(pwritev2_(fd, &a, 1, 0, RWF_UNKNOWN), EOPNOTSUPP),
	      "errno %d", errno);
	errno = 0;
	check("pwritev2_bad_offset", ERRNO_IS(pwritev2_(fd, &a, 1, -2, 0), EINVAL), "errno %d", errno);
	char buf[4] = "";
	struct iovec r = { buf, 3 };
	check("preadv2_at", preadv2_(fd, &r, 1, 1, 0) == 3 && !memcmp(buf, "dB3", 3), "got '%.3s'", buf);
	lseek(fd, 4, SEEK_SET);
	check("preadv2_pos", preadv2_(fd, &r, 1, -1, RWF_HIPRI) == 3 && !memcmp(buf, "ABc", 3) &&
	      lseek(fd, 0, SEEK_CUR) == 7, "got '%.3s'", buf);
	errno = 0;
	check("preadv2_unknown_flag", ERRNO_IS(preadv2_(fd, &r, 1, 0, RWF_UNKNOWN), EOPNOTSUPP),
	      "errno %d", errno);
	close(fd);
}

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif
#define FALLOC_FL_NO_HIDE_STALE	0x04
#define RAMFS_MAGIC		0x858458f6

static long fallocate_(int fd, int mode, off_t off, off_t len)
{
	return syscall(SYS_fallocate, fd, mode, (long)off, (long)len);
}

static off_t size_of(int fd, blkcnt_t *blocks)
{
	struct stat st;
	if (fstat(fd, &st))
		return -1;
	if (blocks)
		*blocks = st.st_blocks;
	return st.st_size;
}

static void test_fallocate(void)
{
	int fd = open("a", O_RDWR | O_CREAT | O_TRUNC, 0644);
	blkcnt_t blocks = 0;
	check("fallocate_extends", fallocate_(fd, 0, 0, 8192) == 0 && size_of(fd, &blocks) == 8192 &&
	      blocks * 512 >= 8192, "%s, size %ld, %ld blocks", strerror(errno), (long)size_of(fd, NULL),
	      (long)blocks);
	char buf[8192], zero[8192] = "";
	check("fallocated_reads_zeros", pread(fd, buf, sizeof(buf), 0) == 8192 &&
	      !memcmp(buf, zero, sizeof(buf)), "not zeros");
	check("fallocate_inside_keeps_size", fallocate_(fd, 0, 100, 10) == 0 && size_of(fd, NULL) == 8192,
	      "%s", strerror(errno));
	check("fallocate_past_end", fallocate_(fd, 0, 10000, 5) == 0 && size_of(fd, NULL) == 10005,
	      "size %ld", (long)size_of(fd, NULL));
	/* KEEP_SIZE is the filesystem's to support; the size stays either way. */
	errno = 0;
	long r = fallocate_(fd, FALLOC_FL_KEEP_SIZE, 0, 20000);
	check("fallocate_keep_size", (r == 0 || errno == EOPNOTSUPP) && size_of(fd, NULL) == 10005,
	      "%s, size %ld", strerror(errno), (long)size_of(fd, NULL));
	ERR_("fallocate_len_0_einval", fallocate_(fd, 0, 0, 0), EINVAL);
	ERR_("fallocate_negative_off_einval", fallocate_(fd, 0, -1, 10), EINVAL);
	ERR_("fallocate_punch_without_keep_size", fallocate_(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
	ERR_("fallocate_unknown_mode", fallocate_(fd, FALLOC_FL_NO_HIDE_STALE, 0, 10), EOPNOTSUPP);
	ERR_("fallocate_efbig", fallocate_(fd, 0, INT64_MAX - 10, 100), EFBIG);
	struct statfs sf;
	if (fstatfs(fd, &sf) == 0 && sf.f_type == RAMFS_MAGIC) {
		/* RAM cannot hold it: refused at once, nothing kept. */
		errno = 0;
		r = fallocate_(fd, 0, 0, (off_t)1 << 40);
		check("fallocate_too_big_enospc", r == -1 && (errno == ENOSPC || errno == EOPNOTSUPP) &&
		      size_of(fd, NULL) == 10005, "%s, size %ld", strerror(errno), (long)size_of(fd, NULL));
	}
	close(fd);
	fd = open("a", O_RDONLY);
	ERR_("fallocate_rdonly_ebadf", fallocate_(fd, 0, 0, 10), EBADF);
	close(fd);
	ERR_("fallocate_closed_ebadf", fallocate_(fd, 0, 0, 10), EBADF);
	int p[2];
	if (pipe(p) == 0) {
		ERR_("fallocate_pipe_espipe", fallocate_(p[1], 0, 0, 10), ESPIPE);
		close(p[0]);
		close(p[1]);
	}
	fd = open("/dev/null", O_WRONLY);
	ERR_("fallocate_chardev_enodev", fallocate_(fd, 0, 0, 10), ENODEV);
	close(fd);
	/* glibc falls back to writing where the filesystem cannot. */
	fd = open("a", O_RDWR);
	check("posix_fallocate", posix_fallocate(fd, 0, 20000) == 0 && size_of(fd, NULL) == 20000,
	      "size %ld", (long)size_of(fd, NULL));
	close(fd);
	unlink("a");
}

int main(int argc, char **argv)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/durable-test.%d", argc > 1 ? argv[1] : "/tmp", (int)getpid());
	if (mkdir(dir, 0755) || chdir(dir))
		bail("durable", "cannot make the test directory");
	test_sync_flags();
	test_rwf();
	test_fallocate();
	unlink("s");
	unlink("r");
	chdir("/");
	check("cleanup", rmdir(dir) == 0, "%s", strerror(errno));
	return done("durable");
}
