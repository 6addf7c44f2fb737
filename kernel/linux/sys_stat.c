/* Attribute system calls: the stat family and statx, statfs, access,
 * chmod/chown/utimes in every form, and umask. The structures are the
 * x86-64 Linux layouts, built in the kernel and copied out whole (and
 * times copied in whole) through uaccess.h. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include <errno.h>

#define AT_NO_AUTOMOUNT		0x800
#define AT_EACCESS		0x200
#define AT_STATX_SYNC_TYPE	0x6000
#define NSEC			1000000000LL
#define X_OK			1

/* ---- stat ---- */

struct linux_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "x86-64 struct stat");

static int stat_out(const struct vattr *va, struct linux_stat *ust)
{
	struct linux_stat st = {
		.dev = va->dev, .ino = va->ino, .nlink = va->nlink,
		.mode = va->mode, .uid = va->uid, .gid = va->gid, .rdev = va->rdev,
		.size = va->size, .blksize = va->blksize ? va->blksize : 4096,
		.blocks = (int64_t)va->blocks,
	};
	ns_split(va->atime, &st.atime, &st.atime_nsec);
	ns_split(va->mtime, &st.mtime, &st.mtime_nsec);
	ns_split(va->ctime, &st.ctime, &st.ctime_nsec);
	return copy_to_user(ust, &st, sizeof(st));
}

static int fstat_fd(int fd, struct vattr *va)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	err = vfs_fstat(f, va);
	file_rele(f);
	return err;
}

/* stat of (dirfd, path); AT_EMPTY_PATH with "" is fstat of dirfd, which
 * also covers files without a vnode (pipes). */
static int stat_at(int dirfd, const char *upath, int flags, struct vattr *va)
{
	char *path;
	int err = path_get(upath, &path);
	if (err)
		return err;
	if (!path[0] && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		err = fstat_fd(dirfd, va);
	} else {
		struct vnode *dir;
		err = dirfd_get(dirfd, false, &dir);
		if (!err) {
			err = vfs_statat(dir, path, va, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
			dirfd_put(dir);
		}
	}
	path_put(path);
	return err;
}

static long sys_stat(const char *path, struct linux_stat *st)
{
	struct vattr va;
	int err = stat_at(AT_FDCWD, path, 0, &va);
	return err ? err : stat_out(&va, st);
}
SYSCALL(4, stat, sys_stat);

static long sys_lstat(const char *path, struct linux_stat *st)
{
	struct vattr va;
	int err = stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &va);
	return err ? err : stat_out(&va, st);
}
SYSCALL(6, lstat, sys_lstat);

static long sys_fstat(int fd, struct linux_stat *st)
{
	struct vattr va;
	int err = fstat_fd(fd, &va);
	return err ? err : stat_out(&va, st);
}
SYSCALL(5, fstat, sys_fstat);

static long sys_newfstatat(int dirfd, const char *path, struct linux_stat *st, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct vattr va;
	int err = stat_at(dirfd, path, flags, &va);
	return err ? err : stat_out(&va, st);
}
SYSCALL(262, newfstatat, sys_newfstatat);

/* ---- statx ---- */

struct statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct linux_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx");

#define STATX_BASIC_STATS	0x7ff	/* type, mode, nlink, uid, gid, times, ino, size, blocks */
#define STATX__RESERVED		0x80000000u

static void statx_time(int64_t ns, struct statx_ts *ts)
{
	int64_t sec, nsec;
	ns_split(ns, &sec, &nsec);
	ts->sec = sec;
	ts->nsec = (uint32_t)nsec;
}

/* glibc's decoding of a 64-bit dev_t; for small numbers major << 8 | minor. */
static uint32_t dev_major(uint64_t d)
{
	return (uint32_t)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffULL));
}

static uint32_t dev_minor(uint64_t d)
{
	return (uint32_t)((d & 0xff) | ((d >> 12) & ~0xffULL));
}

static int statx_out(const struct vattr *va, struct linux_statx *usx)
{
	struct linux_statx sx = {
		.mask = STATX_BASIC_STATS, .blksize = va->blksize ? va->blksize : 4096,
		.nlink = va->nlink, .uid = va->uid, .gid = va->gid,
		.mode = (uint16_t)va->mode, .ino = va->ino, .size = (uint64_t)va->size,
		.blocks = va->blocks,
		.rdev_major = dev_major(va->rdev), .rdev_minor = dev_minor(va->rdev),
		.dev_major = dev_major(va->dev), .dev_minor = dev_minor(va->dev),
	};
	statx_time(va->atime, &sx.atime);
	statx_time(va->mtime, &sx.mtime);
	statx_time(va->ctime, &sx.ctime);
	return copy_to_user(usx, &sx, sizeof(sx));
}

static long sys_statx(int dirfd, const char *path, int flags, unsigned mask,
		      struct linux_statx *sx)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
		return -EINVAL;
	struct vattr va;
	int err;
	if (!path && (flags & AT_EMPTY_PATH))	/* Linux 6.11: NULL means "" */
		err = fstat_fd(dirfd, &va);
	else
		err = stat_at(dirfd, path, flags, &va);
	return err ? err : statx_out(&va, sx);
}
SYSCALL(332, statx, sys_statx);

/* ---- statfs ---- */

struct linux_statfs {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "x86-64 struct statfs");

#define ST_VALID	0x20	/* f_flags is filled */

static int statfs_out(const struct vfs_statfs *s, struct linux_statfs *ust)
{
	struct linux_statfs st = {
		.type = (int64_t)s->type, .bsize = (int64_t)s->bsize,
		.blocks = s->blocks, .bfree = s->bfree, .bavail = s->bavail,
		.files = s->files, .ffree = s->ffree,
		.fsid = { (int32_t)s->fsid, (int32_t)(s->fsid >> 32) },
		.namelen = (int64_t)s->namelen,
		.frsize = (int64_t)(s->frsize ? s->frsize : s->bsize),
		.flags = (int64_t)(s->flags | ST_VALID),
	};
	return copy_to_user(ust, &st, sizeof(st));
}

static long sys_statfs(const char *upath, struct linux_statfs *buf)
{
	char *path;
	int err = path_get(upath, &path);
	if (err)
		return err;
	struct vfs_statfs s;
	err = vfs_statfsat(NULL, path, &s);
	path_put(path);
	return err ? err : statfs_out(&s, buf);
}
SYSCALL(137, statfs, sys_statfs);

static long sys_fstatfs(int fd, struct linux_statfs *buf)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	struct vfs_statfs s;
	err = vfs_fstatfs(f, &s);
	file_rele(f);
	return err ? err : statfs_out(&s, buf);
}
SYSCALL(138, fstatfs, sys_fstatfs);

/* ---- access ---- */

static long do_faccessat(int dirfd, const char *upath, int mode, int flags)
{
	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	flags &= AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;	/* one user: real == effective */
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, flags, &dir, &path);
	if (err)
		return err;
	err = vfs_accessat(dir, path, mode, flags);
	/* Root may execute only what has an x bit (or search a directory). */
	struct vattr va;
	if (!err && (mode & X_OK) && !vfs_statat(dir, path, &va, flags) &&
	    (va.mode & S_IFMT) != S_IFDIR && !(va.mode & 0111))
		err = -EACCES;
	at_put(dir, path);
	return err;
}

static long sys_access(const char *path, int mode)
{
	return do_faccessat(AT_FDCWD, path, mode, 0);
}
SYSCALL(21, access, sys_access);

static long sys_faccessat(int dirfd, const char *path, int mode)
{
	return do_faccessat(dirfd, path, mode, 0);
}
SYSCALL(269, faccessat, sys_faccessat);

static long sys_faccessat2(int dirfd, const char *path, int mode, int flags)
{
	return do_faccessat(dirfd, path, mode, flags);
}
SYSCALL(439, faccessat2, sys_faccessat2);

/* ---- chmod, chown ---- */

static long do_fchmodat(int dirfd, const char *upath, uint32_t mode, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, flags, &dir, &path);
	if (err)
		return err;
	err = vfs_chmodat(dir, path, mode & S_IALLUGO, flags);
	at_put(dir, path);
	return err;
}

static long sys_chmod(const char *path, uint32_t mode)
{
	return do_fchmodat(AT_FDCWD, path, mode, 0);
}
SYSCALL(90, chmod, sys_chmod);

static long sys_fchmodat(int dirfd, const char *path, uint32_t mode)
{
	return do_fchmodat(dirfd, path, mode, 0);
}
SYSCALL(268, fchmodat, sys_fchmodat);

static long sys_fchmodat2(int dirfd, const char *path, uint32_t mode, int flags)
{
	return do_fchmodat(dirfd, path, mode, flags);
}
SYSCALL(452, fchmodat2, sys_fchmodat2);

static long sys_fchmod(int fd, uint32_t mode)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	err = vfs_fchmod(f, mode & S_IALLUGO);
	file_rele(f);
	return err;
}
SYSCALL(91, fchmod, sys_fchmod);

static long do_fchownat(int dirfd, const char *upath, uint32_t uid, uint32_t gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, flags, &dir, &path);
	if (err)
		return err;
	err = vfs_chownat(dir, path, uid, gid, flags);
	at_put(dir, path);
	return err;
}

static long sys_chown(const char *path, uint32_t uid, uint32_t gid)
{
	return do_fchownat(AT_FDCWD, path, uid, gid, 0);
}
SYSCALL(92, chown, sys_chown);

static long sys_lchown(const char *path, uint32_t uid, uint32_t gid)
{
	return do_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}
SYSCALL(94, lchown, sys_lchown);

static long sys_fchownat(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
{
	return do_fchownat(dirfd, path, uid, gid, flags);
}
SYSCALL(260, fchownat, sys_fchownat);

static long sys_fchown(int fd, uint32_t uid, uint32_t gid)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	err = vfs_fchown(f, uid, gid);
	file_rele(f);
	return err;
}
SYSCALL(93, fchown, sys_fchown);

static long sys_umask(uint32_t mask)
{
	return __atomic_exchange_n(&this_proc()->umask, mask & 0777, __ATOMIC_RELAXED);
}
SYSCALL(95, umask, sys_umask);

/* ---- file times ---- */

struct linux_timespec {
	int64_t sec, nsec;
};

struct linux_timeval {
	int64_t sec, usec;
};

/* sec, nsec -> ns since 1970, saturated far beyond any real date. */
static int64_t to_ns(int64_t sec, int64_t nsec)
{
	const int64_t lim = INT64_MAX / NSEC - 1;
	if (sec > lim)
		sec = lim;
	if (sec < -lim)
		sec = -lim;
	return sec * NSEC + nsec;
}

/* The program's timespec pair (NULL: both now) as vfs times. Returns 1
 * when both are UTIME_OMIT: nothing to do. */
static int times_from_ts(const struct linux_timespec *uts, int64_t times[2])
{
	if (!uts) {
		times[0] = times[1] = UTIME_NOW;
		return 0;
	}
	struct linux_timespec ts[2];
	if (copy_from_user(ts, uts, sizeof(ts)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		int64_t ns = ts[i].nsec;
		if (ns == UTIME_NOW || ns == UTIME_OMIT)
			times[i] = ns;
		else if (ns < 0 || ns >= NSEC)
			return -EINVAL;
		else
			times[i] = to_ns(ts[i].sec, ns);
	}
	return times[0] == UTIME_OMIT && times[1] == UTIME_OMIT;
}

static int times_from_tv(const struct linux_timeval *utv, int64_t times[2])
{
	if (!utv) {
		times[0] = times[1] = UTIME_NOW;
		return 0;
	}
	struct linux_timeval tv[2];
	if (copy_from_user(tv, utv, sizeof(tv)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].usec < 0 || tv[i].usec >= 1000000)
			return -EINVAL;
		times[i] = to_ns(tv[i].sec, tv[i].usec * 1000);
	}
	return 0;
}

/* A NULL path (utimensat only) means the file dirfd itself: futimens. */
static long do_utimes(int dirfd, const char *upath, const int64_t times[2], int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!upath) {
		if (dirfd == AT_FDCWD)
			return -EFAULT;
		if (flags & AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		struct file *f;
		int err = fget(dirfd, &f);
		if (err)
			return err;
		err = vfs_futimens(f, times);
		file_rele(f);
		return err;
	}
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, flags, &dir, &path);
	if (err)
		return err;
	err = vfs_utimensat(dir, path, times, flags);
	at_put(dir, path);
	return err;
}

static long sys_utimensat(int dirfd, const char *path, const struct linux_timespec *ts,
			  int flags)
{
	int64_t times[2];
	int err = times_from_ts(ts, times);
	if (err)
		return err < 0 ? err : 0;
	return do_utimes(dirfd, path, times, flags);
}
SYSCALL(280, utimensat, sys_utimensat);

static long sys_futimesat(int dirfd, const char *path, const struct linux_timeval *tv)
{
	int64_t times[2];
	int err = times_from_tv(tv, times);
	return err ? err : do_utimes(dirfd, path, times, 0);
}
SYSCALL(261, futimesat, sys_futimesat);

static long sys_utimes(const char *path, const struct linux_timeval *tv)
{
	int64_t times[2];
	int err = times_from_tv(tv, times);
	return err ? err : do_utimes(AT_FDCWD, path, times, 0);
}
SYSCALL(235, utimes, sys_utimes);

/* struct utimbuf: actime, modtime in whole seconds. */
static long sys_utime(const char *path, const int64_t *ubuf)
{
	int64_t times[2] = { UTIME_NOW, UTIME_NOW };
	int64_t secs[2];
	if (ubuf) {
		if (copy_from_user(secs, ubuf, sizeof(secs)))
			return -EFAULT;
		times[0] = to_ns(secs[0], 0);
		times[1] = to_ns(secs[1], 0);
	}
	return do_utimes(AT_FDCWD, path, times, 0);
}
SYSCALL(132, utime, sys_utime);
