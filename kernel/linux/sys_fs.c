/* File system calls on descriptors: open/close, read/write and their
 * vector and positioned forms, lseek, dup, fcntl, ioctl, sync and
 * truncate, sendfile/copy_file_range. Paths, iovecs and the other
 * structures a call reads or fills are copied here (uaccess.h); buffers of
 * file data are checked here and copied by the VFS. Directory and attribute calls are in
 * sys_dir.c and sys_stat.c, pipes in pipe.c, poll/select in poll.c. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define O_TMPFILE_BIT	020000000	/* O_TMPFILE without O_DIRECTORY */

/* ---- helpers shared by the file calls (sys_fs.h) ---- */

int path_get(const char *upath, char **out)
{
	char *p = kmalloc(PATH_MAX);
	if (!p)
		return -ENOMEM;
	long len = strncpy_from_user(p, upath, PATH_MAX);
	if (len < 0) {
		kfree(p);
		return (int)len;
	}
	*out = p;
	return 0;
}

void path_put(char *path)
{
	kfree(path);
}

int dirfd_get(int dirfd, bool any_file, struct vnode **out)
{
	*out = NULL;
	if (dirfd == AT_FDCWD)
		return 0;
	struct file *f;
	int err = fget(dirfd, &f);
	if (err)
		return err;
	struct vnode *vn = f->vn;
	if (!vn)
		err = any_file ? -EBADF : -ENOTDIR;	/* a pipe: no vnode to act on */
	else if (!any_file && vn->type != VDIR)
		err = -ENOTDIR;
	else
		vn_hold(vn);
	if (!err)
		*out = vn;
	file_rele(f);
	return err;
}

void dirfd_put(struct vnode *dir)
{
	if (dir)
		vn_rele(dir);
}

int at_get(int dirfd, const char *upath, int at_flags, struct vnode **dir, char **path)
{
	int err = path_get(upath, path);
	if (err)
		return err;
	err = dirfd_get(dirfd, (at_flags & AT_EMPTY_PATH) && !(*path)[0], dir);
	if (err)
		path_put(*path);
	return err;
}

void at_put(struct vnode *dir, char *path)
{
	dirfd_put(dir);
	path_put(path);
}

/* ---- open and close ---- */

static long do_open(int dirfd, const char *upath, int flags, uint32_t mode)
{
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, 0, &dir, &path);
	if (err)
		return err;
	struct file *f;
	bool tmpfile = flags & O_TMPFILE_BIT;
	mode = (flags & O_CREAT) || tmpfile ? mode & S_IALLUGO & ~this_proc()->umask : 0;
	err = tmpfile ? vfs_open_tmpfile(dir, path, flags & ~(O_TMPFILE_BIT | O_DIRECTORY), mode, &f) :
	    vfs_openat(dir, path, flags, mode, &f);
	at_put(dir, path);
	if (err)
		return err;
	int fd = fd_install(&this_proc()->fds, f, 0, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}

int fd_install_pair_user(int *ufds, struct file *files[2], int fdflags)
{
	struct fdtable *t = &this_proc()->fds;
	int fds[2] = { fd_reserve(t, 0), -1 };
	if (fds[0] >= 0)
		fds[1] = fd_reserve(t, 0);
	int err = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : copy_to_user(ufds, fds, sizeof(fds));
	for (int i = 0; i < 2; i++) {
		if (err) {
			if (fds[i] >= 0)
				fd_unreserve(t, fds[i]);
			file_rele(files[i]);
		} else {
			fd_fill(t, fds[i], files[i], fdflags);
		}
	}
	return err;
}

static long sys_open(const char *path, int flags, uint32_t mode)
{
	return do_open(AT_FDCWD, path, flags, mode);
}
SYSCALL(2, open, sys_open);

static long sys_openat(int dirfd, const char *path, int flags, uint32_t mode)
{
	return do_open(dirfd, path, flags, mode);
}
SYSCALL(257, openat, sys_openat);

static long sys_creat(const char *path, uint32_t mode)
{
	return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}
SYSCALL(85, creat, sys_creat);

static long sys_close(int fd)
{
	return fd_close(&this_proc()->fds, fd);
}
SYSCALL(3, close, sys_close);

#define CLOSE_RANGE_UNSHARE	2
#define CLOSE_RANGE_CLOEXEC	4

static long sys_close_range(unsigned first, unsigned last, unsigned flags)
{
	if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) || first > last)
		return -EINVAL;
	/* Slots past the table's size are free already. */
	unsigned size = (unsigned)this_proc()->fds.size;
	for (unsigned fd = first; fd <= last && fd < size; fd++) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_flags(&this_proc()->fds, (int)fd, FD_CLOEXEC);
		else
			fd_close(&this_proc()->fds, (int)fd);
	}
	return 0;
}
SYSCALL(436, close_range, sys_close_range);

/* ---- reading and writing ---- */

/* read, write, pread64 and pwrite64: off < 0 means at the file position. */
static long do_rw(int fd, void *buf, size_t count, int64_t off, bool write)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	long n = -EFAULT;
	if (user_ok(buf, count, !write)) {
		if (off < 0)
			n = write ? vfs_write(f, buf, count) : vfs_read(f, buf, count);
		else
			n = write ? vfs_pwrite(f, buf, count, off) : vfs_pread(f, buf, count, off);
	}
	file_rele(f);
	return n;
}

static long sys_read(int fd, void *buf, size_t count)
{
	return do_rw(fd, buf, count, -1, false);
}
SYSCALL(0, read, sys_read);

static long sys_write(int fd, const void *buf, size_t count)
{
	return do_rw(fd, (void *)buf, count, -1, true);
}
SYSCALL(1, write, sys_write);

/* A negative offset is EINVAL here, not "the file position". */
static long sys_pread64(int fd, void *buf, size_t count, int64_t off)
{
	return off < 0 ? -EINVAL : do_rw(fd, buf, count, off, false);
}
SYSCALL(17, pread64, sys_pread64);

static long sys_pwrite64(int fd, const void *buf, size_t count, int64_t off)
{
	return off < 0 ? -EINVAL : do_rw(fd, (void *)buf, count, off, true);
}
SYSCALL(18, pwrite64, sys_pwrite64);

int iov_get(const struct kiovec *uiov, int cnt, bool to_user,
	    struct kiovec *small, struct kiovec **out)
{
	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	struct kiovec *iov = cnt <= IOV_SMALL ? small : kmalloc((size_t)cnt * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	size_t total = 0;
	int err = copy_from_user(iov, uiov, (size_t)cnt * sizeof(*iov));
	for (int i = 0; i < cnt && !err; i++) {
		if ((int64_t)iov[i].len < 0)
			err = -EINVAL;
		else if (iov[i].len > MAX_RW_COUNT - total)
			iov[i].len = MAX_RW_COUNT - total;
		if (!err && !user_ok(iov[i].base, iov[i].len, to_user))
			err = -EFAULT;
		total += iov[i].len;
	}
	if (err && iov != small)
		kfree(iov);
	if (!err)
		*out = iov;
	return err;
}

/* off < 0: at the file position; rwf: preadv2/pwritev2's RWF_* flags. */
static long rw_vec(int fd, const struct kiovec *uiov, int cnt, int64_t off, bool write, int rwf)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	struct kiovec small[IOV_SMALL], *iov;
	long n = iov_get(uiov, cnt, !write, small, &iov);
	if (!n) {
		n = write ? vfs_writev2(f, iov, cnt, off, rwf) : vfs_readv2(f, iov, cnt, off, rwf);
		if (iov != small)
			kfree(iov);
	}
	file_rele(f);
	return n;
}

static long sys_readv(int fd, const struct kiovec *iov, int cnt)
{
	return rw_vec(fd, iov, cnt, -1, false, 0);
}
SYSCALL(19, readv, sys_readv);

static long sys_writev(int fd, const struct kiovec *iov, int cnt)
{
	return rw_vec(fd, iov, cnt, -1, true, 0);
}
SYSCALL(20, writev, sys_writev);

/* On x86-64 the whole offset is in pos_l; pos_h is for 32-bit ABIs. */
static long sys_preadv(int fd, const struct kiovec *iov, int cnt, int64_t pos_l, long pos_h)
{
	return pos_l < 0 ? -EINVAL : rw_vec(fd, iov, cnt, pos_l, false, 0);
}
SYSCALL(295, preadv, sys_preadv);

static long sys_pwritev(int fd, const struct kiovec *iov, int cnt, int64_t pos_l, long pos_h)
{
	return pos_l < 0 ? -EINVAL : rw_vec(fd, iov, cnt, pos_l, true, 0);
}
SYSCALL(296, pwritev, sys_pwritev);

/* preadv2/pwritev2: offset -1 means the file position. The VFS acts on
 * the flags (RWF_DSYNC/RWF_SYNC sync this write, RWF_APPEND appends it)
 * or refuses them (RWF_NOWAIT, unknown bits: -EOPNOTSUPP). */
static long sys_preadv2(int fd, const struct kiovec *iov, int cnt, int64_t pos_l,
			long pos_h, int flags)
{
	return pos_l < -1 ? -EINVAL : rw_vec(fd, iov, cnt, pos_l, false, flags);
}
SYSCALL(327, preadv2, sys_preadv2);

static long sys_pwritev2(int fd, const struct kiovec *iov, int cnt, int64_t pos_l,
			 long pos_h, int flags)
{
	return pos_l < -1 ? -EINVAL : rw_vec(fd, iov, cnt, pos_l, true, flags);
}
SYSCALL(328, pwritev2, sys_pwritev2);

static long sys_lseek(int fd, int64_t off, int whence)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	int64_t pos = vfs_lseek(f, off, whence);
	file_rele(f);
	return pos;
}
SYSCALL(8, lseek, sys_lseek);

/* ---- descriptors ---- */

static long sys_dup(int fd)
{
	return fd_dup(&this_proc()->fds, fd, 0, 0);
}
SYSCALL(32, dup, sys_dup);

static long sys_dup2(int fd, int newfd)
{
	return fd_dup2(&this_proc()->fds, fd, newfd);
}
SYSCALL(33, dup2, sys_dup2);

static long sys_dup3(int fd, int newfd, int flags)
{
	return fd_dup3(&this_proc()->fds, fd, newfd, flags);
}
SYSCALL(292, dup3, sys_dup3);

#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_GETLK		5
#define F_SETLK		6
#define F_SETLKW	7
#define F_SETOWN	8
#define F_GETOWN	9
#define F_SETSIG	10
#define F_GETSIG	11
#define F_OFD_GETLK	36
#define F_OFD_SETLK	37
#define F_OFD_SETLKW	38
#define F_DUPFD_CLOEXEC	1030
#define F_SETPIPE_SZ	1031
#define F_GETPIPE_SZ	1032
#define F_UNLCK		2

/* struct flock: l_type and l_whence (shorts), l_start, l_len, l_pid. */
struct linux_flock {
	int16_t type, whence;
	int64_t start, len;
	int32_t pid;
};

/* One process owns every lock, so no lock ever conflicts: setting one
 * succeeds and asking finds the range free (the struct comes back with
 * F_UNLCK, as Linux copies it back whole). */
static long fcntl_lock(int cmd, struct linux_flock *ufl)
{
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	struct linux_flock fl;
	if (copy_from_user(&fl, ufl, sizeof(fl)))
		return -EFAULT;
	if (fl.type < 0 || fl.type > F_UNLCK)
		return -EINVAL;
	if (!get)
		return 0;
	fl.type = F_UNLCK;
	return copy_to_user(ufl, &fl, sizeof(fl));
}

/* As on Linux, F_SETFL leaves O_SYNC and O_DSYNC as open set them. */
#define SETFL_MASK	(O_APPEND | O_NONBLOCK)

static long fcntl_file(struct file *f, int cmd, unsigned long arg)
{
	switch (cmd) {
	case F_GETFL:
		return f->flags;
	case F_SETFL: {
		int old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED), new;
		do
			new = (old & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
		while (!__atomic_compare_exchange_n(&f->flags, &old, new, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
		return 0;
	}
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return fcntl_lock(cmd, (struct linux_flock *)arg);
	case F_SETOWN:
	case F_SETSIG:
	case F_GETOWN:
	case F_GETSIG:
		return 0;	/* no signals are delivered for I/O: no owner */
	case F_SETPIPE_SZ:
		return pipe_set_size(f, arg);
	case F_GETPIPE_SZ:
		return pipe_get_size(f);
	}
	return -EINVAL;
}

static long sys_fcntl(int fd, int cmd, unsigned long arg)
{
	switch (cmd) {
	case F_DUPFD:
		return fd_dup(&this_proc()->fds, fd, (int)arg, 0);
	case F_DUPFD_CLOEXEC:
		return fd_dup(&this_proc()->fds, fd, (int)arg, FD_CLOEXEC);
	case F_GETFD:
		return fd_get_flags(&this_proc()->fds, fd);
	case F_SETFD:
		return fd_set_flags(&this_proc()->fds, fd, (int)arg);
	}
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	long ret = fcntl_file(f, cmd, arg);
	file_rele(f);
	return ret;
}
SYSCALL(72, fcntl, sys_fcntl);

#define LOCK_SH	1
#define LOCK_EX	2
#define LOCK_NB	4
#define LOCK_UN	8

static long sys_flock(int fd, int op)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	file_rele(f);
	op &= ~LOCK_NB;
	return op == LOCK_SH || op == LOCK_EX || op == LOCK_UN ? 0 : -EINVAL;
}
SYSCALL(73, flock, sys_flock);

/* ---- ioctl ---- */

int linux_fget(int fd, struct file **out)
{
	return this_proc() ? fget(fd, out) : -EBADF;
}

#define TCGETS		0x5401
#define TCSETS		0x5402
#define TCSETSW		0x5403
#define TCSETSF		0x5404
#define TIOCSCTTY	0x540e
#define TIOCGPGRP	0x540f
#define TIOCSPGRP	0x5410
#define TIOCOUTQ	0x5411
#define TIOCGWINSZ	0x5413
#define TIOCSWINSZ	0x5414
#define TIOCMGET	0x5415
#define TIOCMSET	0x5418
#define FIONREAD	0x541b
#define FIONBIO		0x5421
#define TIOCGSID	0x5429
#define FIONCLEX	0x5450
#define FIOCLEX		0x5451
#define FIOASYNC	0x5452
#define TERMIOS_SIZE	36	/* Linux's struct termios (NCCS 19) */
#define BLKROGET	0x125e
#define BLKGETSIZE	0x1260
#define BLKSSZGET	0x1268
#define BLKIOMIN	0x1278
#define BLKIOOPT	0x1279
#define BLKALIGNOFF	0x127a
#define BLKPBSZGET	0x127b
#define BLKDISCARDZEROES 0x127c

/* The user memory of ioctls that predate the size-encoding _IOC numbers:
 * the drivers below trust their argument, so it is checked here. */
static const struct { unsigned cmd; uint16_t size; bool to_user; } old_ioctls[] = {
	{ TCGETS, TERMIOS_SIZE, true }, { TCSETS, TERMIOS_SIZE, false },
	{ TCSETSW, TERMIOS_SIZE, false }, { TCSETSF, TERMIOS_SIZE, false },
	{ TIOCGPGRP, 4, true }, { TIOCSPGRP, 4, false }, { TIOCOUTQ, 4, true },
	{ TIOCGWINSZ, 8, true }, { TIOCSWINSZ, 8, false }, { TIOCMGET, 4, true },
	{ TIOCMSET, 4, false }, { FIONREAD, 4, true }, { TIOCGSID, 4, true },
	{ BLKROGET, 4, true }, { BLKGETSIZE, 8, true }, { BLKSSZGET, 4, true },
	{ BLKIOMIN, 4, true }, { BLKIOOPT, 4, true }, { BLKALIGNOFF, 4, true },
	{ BLKPBSZGET, 4, true }, { BLKDISCARDZEROES, 4, true },
};

static bool ioctl_arg_ok(unsigned cmd, unsigned long arg)
{
	for (size_t i = 0; i < sizeof(old_ioctls) / sizeof(old_ioctls[0]); i++)
		if (old_ioctls[i].cmd == cmd)
			return user_ok((void *)arg, old_ioctls[i].size, old_ioctls[i].to_user);
	unsigned dir = cmd >> 30, size = (cmd >> 16) & 0x3fff;
	if (dir && size)	/* _IOC_WRITE 1: from the user, _IOC_READ 2: to it */
		return user_ok((void *)arg, size, dir & 2);
	return true;
}

static long ioctl_file(int fd, struct file *f, unsigned cmd, unsigned long arg)
{
	int on;

	switch (cmd) {
	case FIONBIO:
		if (get_user(on, (int *)arg))
			return -EFAULT;
		return fcntl_file(f, F_SETFL, (f->flags & ~O_NONBLOCK) | (on ? O_NONBLOCK : 0));
	case FIOASYNC:
		return get_user(on, (int *)arg);	/* accepted: no SIGIO */
	case FIOCLEX:
		return fd_set_flags(&this_proc()->fds, fd, FD_CLOEXEC);
	case FIONCLEX:
		return fd_set_flags(&this_proc()->fds, fd, 0);
	case FIONREAD:
		if (f->vn && f->vn->type == VREG) {
			struct vattr va;
			int err = vfs_fstat(f, &va);
			if (err)
				return err;
			int64_t left = va.size > f->pos ? va.size - f->pos : 0;
			return put_user(left > INT32_MAX ? INT32_MAX : (int)left, (int *)arg);
		}
		break;
	}
	return vfs_ioctl(f, cmd, arg);
}

static long sys_ioctl(int fd, unsigned cmd, unsigned long arg)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	long ret = ioctl_arg_ok(cmd, arg) ? ioctl_file(fd, f, cmd, arg) : -EFAULT;
	file_rele(f);
	return ret;
}
SYSCALL(16, ioctl, sys_ioctl);

/* ---- flushing and sizes ---- */

static long do_fsync(int fd, bool datasync)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	/* Stores through any process's shared mappings of the file count:
	 * vfs_fsync writes the pages they dirtied back before the fsync. */
	if (f->vn)
		process_mark_written(f->vn);
	err = vfs_fsync(f, datasync);
	file_rele(f);
	return err;
}

static long sys_fsync(int fd)
{
	return do_fsync(fd, false);
}
SYSCALL(74, fsync, sys_fsync);

static long sys_fdatasync(int fd)
{
	return do_fsync(fd, true);
}
SYSCALL(75, fdatasync, sys_fdatasync);

static long sys_sync(void)
{
	vm_sync(this_proc()->mm, 0, USER_TOP, false);
	vfs_sync();
	return 0;
}
SYSCALL(162, sync, sys_sync);

/* Only fd's filesystem; a pipe or socket has none to flush. */
static long sys_syncfs(int fd)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	if (f->ops && f->vn)
		vm_sync(this_proc()->mm, 0, USER_TOP, false);
	err = !f->ops ? -EBADF : f->vn ? vfs_sync_mount(f->vn->mount) : 0;
	file_rele(f);
	return err;
}
SYSCALL(306, syncfs, sys_syncfs);

static long sys_truncate(const char *upath, int64_t len)
{
	if (len < 0)
		return -EINVAL;
	char *path;
	int err = path_get(upath, &path);
	if (err)
		return err;
	err = vfs_truncateat(NULL, path, len);
	path_put(path);
	return err;
}
SYSCALL(76, truncate, sys_truncate);

/* Linux's checks before the VFS's: -EINVAL for a negative size or a file
 * not open for writing (ftruncate), -EBADF only for O_PATH. */
static long file_truncate(struct file *f, int64_t len)
{
	if (len < 0)
		return -EINVAL;
	if (!f->ops)
		return -EBADF;
	if ((f->flags & O_ACCMODE) == O_RDONLY || !f->vn || f->vn->type != VREG)
		return f->vn && f->vn->type == VDIR ? -EISDIR : -EINVAL;
	return vfs_ftruncate(f, len);
}

static long sys_ftruncate(int fd, int64_t len)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	err = file_truncate(f, len);
	file_rele(f);
	return err;
}
SYSCALL(77, ftruncate, sys_ftruncate);

/* Mode 0 only: the filesystem's allocate op reserves the space (ramfs
 * has one); elsewhere -EOPNOTSUPP, on which glibc's posix_fallocate
 * writes zeros instead. */
static long sys_fallocate(int fd, int mode, int64_t off, int64_t len)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	err = vfs_fallocate(f, mode, off, len);
	file_rele(f);
	return err;
}
SYSCALL(285, fallocate, sys_fallocate);

/* Hints: only the descriptor is checked. */
static long sys_readahead(int fd, int64_t off, size_t count)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	err = f->vn && f->vn->type == VREG ? 0 : -EINVAL;
	file_rele(f);
	return err;
}
SYSCALL(187, readahead, sys_readahead);

static long sys_fadvise64(int fd, int64_t off, int64_t len, int advice)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	if (!f->vn)
		err = -ESPIPE;
	else if (advice < 0 || advice > 5 || len < 0)
		err = -EINVAL;
	file_rele(f);
	return err;
}
SYSCALL(221, fadvise64, sys_fadvise64);

/* ---- copying between files ---- */

#define XFER_CHUNK	(64 * 1024)

/* Copies up to count bytes from in to out through a kernel buffer. An
 * offset pointer (kernel copy) reads or writes there instead of at the file
 * position, and is advanced. Stops at a short read (end of file, or a pipe
 * that had less) so it never blocks twice; what was read but could not be
 * written is given back to a seekable input. */
static long xfer(struct file *in, int64_t *in_off, struct file *out, int64_t *out_off,
		 size_t count)
{
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (!count)
		return 0;
	size_t chunk = count < XFER_CHUNK ? count : XFER_CHUNK;
	char *buf = kmalloc(chunk);
	if (!buf)
		return -ENOMEM;
	size_t total = 0;
	long err = 0;
	while (total < count) {
		size_t want = count - total < chunk ? count - total : chunk;
		long n = in_off ? vfs_pread(in, buf, want, *in_off) : vfs_read(in, buf, want);
		if (n <= 0) {
			err = n;
			break;
		}
		if (in_off)
			*in_off += n;
		long w = out_off ? vfs_pwrite(out, buf, n, *out_off) : vfs_write(out, buf, n);
		long done = w > 0 ? w : 0;
		total += done;
		if (out_off)
			*out_off += done;
		if (done < n) {
			if (in_off)
				*in_off -= n - done;
			else if (in->ops && in->ops->llseek)
				vfs_lseek(in, -(n - done), SEEK_CUR);
			err = w < 0 ? w : 0;
			break;
		}
		if ((size_t)n < want)
			break;
	}
	kfree(buf);
	return total ? (long)total : err;
}

/* Reads *uoff (NULL: none) into *off; a pointer that cannot be written
 * back is refused here, before any data moves. */
static int off_get(int64_t *uoff, int64_t *off)
{
	if (!uoff)
		return 0;
	if (!user_ok(uoff, sizeof(*uoff), true) || get_user(*off, uoff))
		return -EFAULT;
	return *off < 0 ? -EINVAL : 0;
}

static long sys_sendfile(int out_fd, int in_fd, int64_t *uoff, size_t count)
{
	int64_t off = 0;
	int err = off_get(uoff, &off);
	if (err)
		return err;
	struct file *in, *out;
	if ((err = fget(in_fd, &in)))
		return err;
	if ((err = fget(out_fd, &out))) {
		file_rele(in);
		return err;
	}
	long n = xfer(in, uoff ? &off : NULL, out, NULL, count);
	if (uoff && put_user(off, uoff))
		n = -EFAULT;	/* as Linux, even after bytes moved */
	file_rele(out);
	file_rele(in);
	return n;
}
SYSCALL(40, sendfile, sys_sendfile);

static long sys_copy_file_range(int fd_in, int64_t *uoff_in, int fd_out, int64_t *uoff_out,
				size_t len, unsigned flags)
{
	if (flags)
		return -EINVAL;
	int64_t off_in = 0, off_out = 0;
	int err = off_get(uoff_in, &off_in);
	if (!err)
		err = off_get(uoff_out, &off_out);
	if (err)
		return err;
	struct file *in, *out;
	if ((err = fget(fd_in, &in)))
		return err;
	if ((err = fget(fd_out, &out))) {
		file_rele(in);
		return err;
	}
	long n;
	if (!in->vn || !out->vn)
		n = -EINVAL;	/* regular files only, as Linux */
	else if (in->vn->type == VDIR || out->vn->type == VDIR)
		n = -EISDIR;
	else if (in->vn->type != VREG || out->vn->type != VREG)
		n = -EINVAL;
	else if (out->flags & O_APPEND)
		n = -EBADF;
	else
		n = xfer(in, uoff_in ? &off_in : NULL, out, uoff_out ? &off_out : NULL, len);
	if (n >= 0 && uoff_in && put_user(off_in, uoff_in))
		n = -EFAULT;
	if (n >= 0 && uoff_out && put_user(off_out, uoff_out))
		n = -EFAULT;
	file_rele(out);
	file_rele(in);
	return n;
}
SYSCALL(326, copy_file_range, sys_copy_file_range);

/* fstat of files without a vnode that have no times of their own: an
 * anonymous inode's (epoll, eventfd, timerfd, signalfd: no type bits, as
 * Linux) and a socket's; the inode number is the file's private pointer. */
static int noinode_getattr(struct file *f, struct vattr *va, uint32_t mode)
{
	va->ino = (uintptr_t)f->priv >> 4;
	va->mode = mode;
	va->nlink = 1;
	va->blksize = 4096;
	return 0;
}

int anon_file_getattr(struct file *f, struct vattr *va)
{
	return noinode_getattr(f, va, 0600);
}

int sock_file_getattr(struct file *f, struct vattr *va)
{
	return noinode_getattr(f, va, S_IFSOCK | 0777);
}
