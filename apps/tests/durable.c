/* Durability and space: O_SYNC/O_DSYNC writes, what F_SETFL may change,
 * pwritev2/preadv2 and their RWF_* flags, fsync/fdatasync, sync/syncfs,
 * then fallocate's rules, in a fresh directory under DIR.
 * Usage: durable [DIR]   (default /tmp) */
#include "check.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
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

int main(int argc, char **argv)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/durable-test.%d", argc > 1 ? argv[1] : "/tmp", (int)getpid());
	if (mkdir(dir, 0755) || chdir(dir))
		bail("durable", "cannot make the test directory");
	test_sync_flags();
	test_rwf();
	unlink("s");
	unlink("r");
	chdir("/");
	check("cleanup", rmdir(dir) == 0, "%s", strerror(errno));
	return done("durable");
}
