/*
 * A ZFS volume's block device through the calls a program makes on a
 * Linux block device: the boot test (test_zfs_tools.py) compiles this
 * with the host's gcc -static and runs it in the guest as
 * `zvol_probe DEVICE`. It prints what the device answers, one "ZVOL name
 * value" line each (sizes, numbers, errno names), and the host compares
 * them with what the volume is; the byte checks print "ok" or what went
 * wrong. The last line is "ZVOL done".
 *
 * The byte checks and the discard use the volume's second half, which
 * the test's other writes do not touch: it starts as zeros.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PIECE	10007		/* bytes of the pattern: a prime, so never aligned */
#define AT	12345		/* past the volume's middle: odd, unaligned */

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case EROFS: return "EROFS";
	case EBADF: return "EBADF";
	case ENXIO: return "ENXIO";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	return strerror(e);
}

/* The errno name of a call's result (0 when it did not fail). */
static const char *outcome(long r)
{
	return err_name(r < 0 ? errno : 0);
}

/* One ioctl whose answer is an int: "ZVOL name ERRNO VALUE". */
static void ioctl_int(int fd, const char *name, unsigned long cmd)
{
	int v = -1;
	const char *r = outcome(ioctl(fd, cmd, &v));

	printf("ZVOL %s %s %d\n", name, r, v);
}

static void ioctls(int fd)
{
	uint64_t size64 = 0;
	unsigned long sectors = 0;
	char name[256] = "";
	const char *r;

	r = outcome(ioctl(fd, BLKGETSIZE64, &size64));
	printf("ZVOL getsize64 %s %llu\n", r, (unsigned long long)size64);
	r = outcome(ioctl(fd, BLKGETSIZE, &sectors));
	printf("ZVOL getsize %s %lu\n", r, sectors);
	ioctl_int(fd, "sszget", BLKSSZGET);
	ioctl_int(fd, "pbszget", BLKPBSZGET);
	ioctl_int(fd, "iomin", BLKIOMIN);
	ioctl_int(fd, "ioopt", BLKIOOPT);
	ioctl_int(fd, "roget", BLKROGET);
	printf("ZVOL flsbuf %s\n", outcome(ioctl(fd, BLKFLSBUF, 0)));
	/* BLKZNAME, _IOR(0x12, 125, char[256]): OpenZFS's own */
	r = outcome(ioctl(fd, _IOR(0x12, 125, char[256]), name));
	printf("ZVOL zname %s %s\n", r, name);
	printf("ZVOL unknown_ioctl %s\n", outcome(ioctl(fd, _IO(0x12, 0x7f), 0)));
}

static void attributes(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		printf("ZVOL fstat %s\n", err_name(errno));
		return;
	}
	printf("ZVOL fstat %s %u:%u\n", S_ISBLK(st.st_mode) ? "block" : "other",
	       major(st.st_rdev), minor(st.st_rdev));
}

/* Seeks: to the end (the size), past it (EINVAL, as Linux), data/hole. */
static void seeks(int fd, off_t size)
{
	printf("ZVOL seek_end %lld\n", (long long)lseek(fd, 0, SEEK_END));
	printf("ZVOL seek_past %s\n", outcome(lseek(fd, size + 1, SEEK_SET)));
	printf("ZVOL seek_hole %lld\n", (long long)lseek(fd, 0, SEEK_HOLE));
}

/* A pattern written at an unaligned offset past the middle reads back
 * with the zeros around it, by pread and by read after lseek. */
static void bytes(int fd, off_t size)
{
	static char want[PIECE + 2000], got[PIECE + 2000];
	off_t at = size / 2 + AT;
	size_t i;

	for (i = 0; i < PIECE; i++)
		want[1000 + i] = (char)(i * 7 + 1);
	ssize_t n = pwrite(fd, want + 1000, PIECE, at);
	printf("ZVOL pwrite %zd\n", n);
	n = pread(fd, got, sizeof(got), at - 1000);
	printf("ZVOL pread %s\n", n == (ssize_t)sizeof(got) && !memcmp(got, want, sizeof(got)) ?
	       "ok" : "differs");
	memset(got, 0, sizeof(got));
	if (lseek(fd, at - 1000, SEEK_SET) != at - 1000 || read(fd, got, 999) != 999 ||
	    read(fd, got + 999, sizeof(got) - 999) != (ssize_t)(sizeof(got) - 999))
		printf("ZVOL read %s\n", err_name(errno));
	else
		printf("ZVOL read %s\n", memcmp(got, want, sizeof(got)) ? "differs" : "ok");
	printf("ZVOL fsync %s\n", outcome(fsync(fd)));
	printf("ZVOL fdatasync %s\n", outcome(fdatasync(fd)));

	/* The end: a short read and write across it, 0 and ENOSPC at it. */
	printf("ZVOL pread_across %zd\n", pread(fd, got, 1000, size - 216));
	printf("ZVOL pread_at_end %zd\n", pread(fd, got, 1000, size));
	printf("ZVOL pwrite_across %zd\n", pwrite(fd, want, 1000, size - 216));
	printf("ZVOL pwrite_at_end %s\n", outcome(pwrite(fd, want, 1000, size)));
	printf("ZVOL pread_negative %s\n", outcome(pread(fd, got, 10, -1)));
}

/* BLKDISCARD frees the blocks the pattern was in (they read as zeros);
 * a range not in 512s or past the end is EINVAL. */
static void discard(int fd, off_t size)
{
	static char got[PIECE], zeros[PIECE];
	uint64_t whole[2] = { size / 2, 65536 }, odd[2] = { size / 2 + 1, 512 },
		 past[2] = { size - 512, 1024 };

	printf("ZVOL discard %s\n", outcome(ioctl(fd, BLKDISCARD, whole)));
	ssize_t n = pread(fd, got, PIECE, size / 2 + AT);
	printf("ZVOL discarded_reads %s\n", n == PIECE && !memcmp(got, zeros, PIECE) ?
	       "zeros" : "data");
	printf("ZVOL discard_odd %s\n", outcome(ioctl(fd, BLKDISCARD, odd)));
	printf("ZVOL discard_past %s\n", outcome(ioctl(fd, BLKDISCARD, past)));
	printf("ZVOL secdiscard %s\n", outcome(ioctl(fd, BLKSECDISCARD, whole)));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: zvol_probe DEVICE\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("ZVOL open %s\n", err_name(errno));
		return 1;
	}
	uint64_t size = 0;
	if (ioctl(fd, BLKGETSIZE64, &size) != 0 || size < 1 << 20) {
		printf("ZVOL size unusable: %llu\n", (unsigned long long)size);
		return 1;
	}
	ioctls(fd);
	attributes(fd);
	seeks(fd, (off_t)size);
	bytes(fd, (off_t)size);
	discard(fd, (off_t)size);
	close(fd);
	/* A read-only open works; its writes are EBADF, not the volume's. */
	fd = open(argv[1], O_RDONLY);
	char c = 0;
	printf("ZVOL readonly_write %s\n", fd < 0 ? err_name(errno) : outcome(pwrite(fd, &c, 1, 0)));
	if (fd >= 0) {
		uint64_t r[2] = { 0, 512 };
		printf("ZVOL readonly_discard %s\n", outcome(ioctl(fd, BLKDISCARD, r)));
		close(fd);
	}
	printf("ZVOL done\n");
	return 0;
}
