/*
 * /dev/zfs given bad input, as no zpool or zfs command would give it: the
 * boot test (test_zfs_tools.py) compiles this with the host's gcc
 * -static and runs it in the guest. Each check prints "PROBE name ok" or
 * "PROBE name FAIL: why"; the last line is "PROBE done".
 *
 * The numbers are Linux's: ZFS ioctls are ('Z' << 8) + n
 * (include/sys/fs/zfs.h); zfs_cmd_t starts with zc_name[4096], then
 * zc_nvlist_src, its size, zc_nvlist_dst, its size (sys/zfs_ioctl.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ZFS_IOC_POOL_CONFIGS	0x5a04
#define ZFS_IOC_POOL_STATS	0x5a05
#define ZFS_IOC_SNAPSHOT	0x5a23
#define ZFS_IOC_UNKNOWN		0x5a7f	/* inside the range, never assigned */
#define ZFS_ERR_FIRST		1024	/* enum zfs_errno: ZFS's own errors */
#define CMD_BYTES		(64 * 1024)	/* more than sizeof (zfs_cmd_t) */

static int failures;

static void result(const char *name, int ok, const char *fmt, int value)
{
	if (ok) {
		printf("PROBE %s ok\n", name);
		return;
	}
	failures++;
	printf("PROBE %s FAIL: ", name);
	printf(fmt, value);
	printf("\n");
}

/* The ioctl must fail with errno want. */
static void expect_errno(const char *name, int fd, unsigned long cmd, void *arg, int want)
{
	errno = 0;
	int r = ioctl(fd, cmd, arg);
	int got = r < 0 ? errno : 0;

	result(name, r < 0 && got == want, "errno %d", got);
}

static void set_u64(unsigned char *zc, size_t off, uint64_t v)
{
	memcpy(zc + off, &v, sizeof(v));
}

int main(void)
{
	static unsigned char zc[CMD_BYTES];
	struct stat st;
	char byte;
	int fd = open("/dev/zfs", O_RDWR);

	result("open", fd >= 0, "errno %d", errno);
	if (fd < 0)
		return 1;
	result("chardev", fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    major(st.st_rdev) == 10 && minor(st.st_rdev) == 249, "mode %o", st.st_mode);

	/* The command itself out of reach: unmapped, and half past a page
	 * that is followed by nothing. */
	expect_errno("cmd_unmapped", fd, ZFS_IOC_POOL_STATS, (void *)16, EFAULT);
	unsigned char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(page + 4096, 4096);
	expect_errno("cmd_cut_short", fd, ZFS_IOC_POOL_STATS, page + 4000, EFAULT);

	/* Not ZFS's: a terminal's request. */
	expect_errno("not_zfs", fd, TCGETS, zc, ENOTTY);

	/* A ZFS number nothing answers. */
	memset(zc, 0, sizeof(zc));
	errno = 0;
	int r = ioctl(fd, ZFS_IOC_UNKNOWN, zc);
	result("unknown_command", r < 0 && errno >= ZFS_ERR_FIRST, "errno %d", errno);

	/* A pool that does not exist. */
	strcpy((char *)zc, "nosuchpool");
	expect_errno("no_such_pool", fd, ZFS_IOC_POOL_STATS, zc, ENOENT);

	/* The input list out of reach. */
	memset(zc, 0, sizeof(zc));
	strcpy((char *)zc, "nosuchpool");
	set_u64(zc, 4096, 16);
	set_u64(zc, 4104, 64);
	expect_errno("nvlist_src_unmapped", fd, ZFS_IOC_SNAPSHOT, zc, EFAULT);

	/* The output list into read-only memory. */
	unsigned char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(zc, 0, sizeof(zc));
	set_u64(zc, 4112, (uintptr_t)ro);
	set_u64(zc, 4120, 4096);
	expect_errno("nvlist_dst_readonly", fd, ZFS_IOC_POOL_CONFIGS, zc, EFAULT);

	/* The device has no data to read. */
	errno = 0;
	r = (int)read(fd, &byte, 1);
	result("read", r < 0 && errno == EINVAL, "errno %d", errno);

	/* The list of pools still comes back into good memory. */
	static unsigned char list[256 * 1024];
	memset(zc, 0, sizeof(zc));
	set_u64(zc, 4112, (uintptr_t)list);
	set_u64(zc, 4120, sizeof(list));
	result("configs", ioctl(fd, ZFS_IOC_POOL_CONFIGS, zc) == 0, "errno %d", errno);

	close(fd);
	printf("PROBE done\n");
	return failures != 0;
}
