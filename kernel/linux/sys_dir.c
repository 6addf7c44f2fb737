/* Directory system calls: getdents, the current directory, and the calls
 * that make and remove names (mkdir, mknod, link, symlink, unlink, rmdir,
 * rename, readlink), each in its plain and *at form. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include "lib/printf.h"
#include <errno.h>
#include <string.h>

#define RENAME_EXCHANGE	2
#define RENAME_WHITEOUT	4

/* ---- getdents ---- */

/* Records are built in a kernel buffer, which is copied to the program's
 * after the walk: the filesystem calls emit with the directory locked, when
 * a fault on the program's buffer must not happen. A record's d_off is the
 * cookie of the entry after it, known only when that entry is offered (or
 * the walk ends), so the previous record is patched then. */
struct dirent_out {
	struct dir_ctx ctx;
	char *buf;
	size_t len, used;
	char *last;		/* the previous record */
	int64_t start;		/* the first record's cookie: where to go back to */
	bool old;		/* struct linux_dirent, not linux_dirent64 */
	bool full;		/* an entry did not fit */
};

#define DIRENT_CHUNK	(64 * 1024)	/* the kernel buffer, at most */

#define D_OFF		8	/* d_off's offset in both layouts */
#define D_RECLEN	16
#define D64_TYPE	18
#define D64_NAME	19
#define D_NAME		18	/* old layout: d_type is the record's last byte */

/* The buffer may be unaligned: store fields bytewise. */
static void put(char *rec, size_t off, const void *val, size_t size)
{
	memcpy(rec + off, val, size);
}

static void patch_last(struct dirent_out *d)
{
	if (d->last) {
		int64_t off = d->ctx.pos;
		put(d->last, D_OFF, &off, sizeof(off));
	}
}

static int emit_dirent(struct dir_ctx *ctx, const char *name, size_t len,
		       uint64_t ino, unsigned dtype)
{
	struct dirent_out *d = container_of(ctx, struct dirent_out, ctx);
	size_t reclen = ((d->old ? D_NAME + len + 2 : D64_NAME + len + 1) + 7) & ~(size_t)7;
	if (reclen > d->len - d->used) {
		d->full = true;
		return 1;
	}
	if (!d->last)
		d->start = ctx->pos;
	patch_last(d);
	char *rec = d->buf + d->used;
	uint16_t rl = (uint16_t)reclen;
	uint8_t type = (uint8_t)dtype;
	int64_t off = 0;
	memset(rec, 0, reclen);
	put(rec, 0, &ino, sizeof(ino));
	put(rec, D_OFF, &off, sizeof(off));
	put(rec, D_RECLEN, &rl, sizeof(rl));
	if (d->old) {
		memcpy(rec + D_NAME, name, len);
		rec[reclen - 1] = (char)type;
	} else {
		put(rec, D64_TYPE, &type, 1);
		memcpy(rec + D64_NAME, name, len);
	}
	d->last = rec;
	d->used += reclen;
	return 0;
}

/* The next records that fit in d's buffer, copied to ubuf: their bytes,
 * 0 at the end of the directory or when not even one fits (d->full), or a
 * negative errno. When the copy faults the directory goes back to the
 * first record, none of them having reached the program. */
static long getdents_chunk(struct file *f, struct dirent_out *d, char *ubuf)
{
	long ret = vfs_getdents(f, &d->ctx);
	patch_last(d);
	if (!d->used)
		return ret;
	if (copy_to_user(ubuf, d->buf, d->used)) {
		vfs_lseek(f, d->start, SEEK_SET);
		return -EFAULT;
	}
	return (long)d->used;
}

/* Chunk after chunk until the program's buffer is full or the directory
 * ends; a fault after some records returns those, as Linux. */
static long do_getdents(int fd, void *ubuf, unsigned count, bool old)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	size_t chunk = count < DIRENT_CHUNK ? count : DIRENT_CHUNK, total = 0;
	char *kbuf = NULL;
	long ret = -EFAULT;
	if (user_ok(ubuf, count, true) && !(kbuf = kmalloc(chunk)))
		ret = -ENOMEM;
	while (kbuf && total < count) {
		size_t room = count - total;
		struct dirent_out d = {
			.ctx = { .emit = emit_dirent }, .buf = kbuf,
			.len = room < chunk ? room : chunk, .old = old,
		};
		ret = getdents_chunk(f, &d, (char *)ubuf + total);
		if (!ret && d.full && !total)
			ret = -EINVAL;	/* not even one entry fits */
		if (ret <= 0)
			break;
		total += (size_t)ret;
		if (!d.full)
			break;		/* the end, or an error after some records */
	}
	kfree(kbuf);
	file_rele(f);
	return total ? (long)total : ret;
}

static long sys_getdents(int fd, void *buf, unsigned count)
{
	return do_getdents(fd, buf, count, true);
}
SYSCALL(78, getdents, sys_getdents);

static long sys_getdents64(int fd, void *buf, unsigned count)
{
	return do_getdents(fd, buf, count, false);
}
SYSCALL(217, getdents64, sys_getdents64);

/* ---- the current directory ---- */

/* Returns the length with the NUL, as the system call (not libc) does. */
static long sys_getcwd(char *buf, size_t size)
{
	char *k = kmalloc(PATH_MAX);
	if (!k)
		return -ENOMEM;
	long ret = vfs_getcwd(k, PATH_MAX);
	if (!ret) {
		size_t len = strlen(k) + 1;
		if (len > size)
			ret = -ERANGE;
		else
			ret = copy_to_user(buf, k, len) ? -EFAULT : (long)len;
	}
	kfree(k);
	return ret;
}
SYSCALL(79, getcwd, sys_getcwd);

static long sys_chdir(const char *upath)
{
	char *path;
	int err = path_get(upath, &path);
	if (err)
		return err;
	err = vfs_chdir(path);
	path_put(path);
	return err;
}
SYSCALL(80, chdir, sys_chdir);

static long sys_fchdir(int fd)
{
	struct file *f;
	int err = fget(fd, &f);
	if (err)
		return err;
	err = f->vn ? vfs_fchdir(f->vn) : -ENOTDIR;
	file_rele(f);
	return err;
}
SYSCALL(81, fchdir, sys_fchdir);

/* ---- making names ---- */

static long do_mkdirat(int dirfd, const char *upath, uint32_t mode)
{
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, 0, &dir, &path);
	if (err)
		return err;
	err = vfs_mkdirat(dir, path, mode & (0777 | S_ISVTX) & ~this_proc()->umask);
	at_put(dir, path);
	return err;
}

static long sys_mkdir(const char *path, uint32_t mode)
{
	return do_mkdirat(AT_FDCWD, path, mode);
}
SYSCALL(83, mkdir, sys_mkdir);

static long sys_mkdirat(int dirfd, const char *path, uint32_t mode)
{
	return do_mkdirat(dirfd, path, mode);
}
SYSCALL(258, mkdirat, sys_mkdirat);

/* dev is the program's encoding (major << 8 | minor for small numbers),
 * which is also what stat reports back as st_rdev. */
static long do_mknodat(int dirfd, const char *upath, uint32_t mode, unsigned dev)
{
	uint32_t type = mode & S_IFMT;
	switch (type) {
	case 0:
		type = S_IFREG;
		break;
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, 0, &dir, &path);
	if (err)
		return err;
	err = vfs_mknodat(dir, path, type | (mode & S_IALLUGO & ~this_proc()->umask), dev);
	at_put(dir, path);
	return err;
}

static long sys_mknod(const char *path, uint32_t mode, unsigned dev)
{
	return do_mknodat(AT_FDCWD, path, mode, dev);
}
SYSCALL(133, mknod, sys_mknod);

static long sys_mknodat(int dirfd, const char *path, uint32_t mode, unsigned dev)
{
	return do_mknodat(dirfd, path, mode, dev);
}
SYSCALL(259, mknodat, sys_mknodat);

static long do_symlinkat(const char *utarget, int dirfd, const char *upath)
{
	char *target;
	int err = path_get(utarget, &target);
	if (err)
		return err;
	struct vnode *dir;
	char *path;
	err = at_get(dirfd, upath, 0, &dir, &path);
	if (!err) {
		err = vfs_symlinkat(target, dir, path);
		at_put(dir, path);
	}
	path_put(target);
	return err;
}

static long sys_symlink(const char *target, const char *path)
{
	return do_symlinkat(target, AT_FDCWD, path);
}
SYSCALL(88, symlink, sys_symlink);

static long sys_symlinkat(const char *target, int dirfd, const char *path)
{
	return do_symlinkat(target, dirfd, path);
}
SYSCALL(266, symlinkat, sys_symlinkat);

static long do_linkat(int odirfd, const char *uopath, int ndirfd, const char *unpath,
		      int flags)
{
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vnode *odir, *ndir;
	char *opath, *npath;
	int err = at_get(odirfd, uopath, flags, &odir, &opath);
	if (err)
		return err;
	err = at_get(ndirfd, unpath, 0, &ndir, &npath);
	if (!err) {
		err = vfs_linkat(odir, opath, ndir, npath, flags);
		at_put(ndir, npath);
	}
	at_put(odir, opath);
	return err;
}

static long sys_link(const char *opath, const char *npath)
{
	return do_linkat(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}
SYSCALL(86, link, sys_link);

static long sys_linkat(int odirfd, const char *opath, int ndirfd, const char *npath, int flags)
{
	return do_linkat(odirfd, opath, ndirfd, npath, flags);
}
SYSCALL(265, linkat, sys_linkat);

/* ---- removing and renaming ---- */

static long do_unlinkat(int dirfd, const char *upath, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, 0, &dir, &path);
	if (err)
		return err;
	err = vfs_unlinkat(dir, path, flags);
	at_put(dir, path);
	return err;
}

static long sys_unlink(const char *path)
{
	return do_unlinkat(AT_FDCWD, path, 0);
}
SYSCALL(87, unlink, sys_unlink);

static long sys_rmdir(const char *path)
{
	return do_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}
SYSCALL(84, rmdir, sys_rmdir);

static long sys_unlinkat(int dirfd, const char *path, int flags)
{
	return do_unlinkat(dirfd, path, flags);
}
SYSCALL(263, unlinkat, sys_unlinkat);

/* RENAME_EXCHANGE as three renames through a temporary name next to the
 * new path: not atomic (another thread may see the names half swapped),
 * but each failure is undone. The VFS has no exchange of its own yet. */
static int rename_exchange(struct vnode *odir, const char *opath, struct vnode *ndir,
			   const char *npath)
{
	static unsigned long seq;
	struct vattr va;
	int err = vfs_statat(odir, opath, &va, AT_SYMLINK_NOFOLLOW);
	if (!err)
		err = vfs_statat(ndir, npath, &va, AT_SYMLINK_NOFOLLOW);
	if (err)
		return err;
	char *tmp = kmalloc(PATH_MAX);
	if (!tmp)
		return -ENOMEM;
	size_t len = strlen(npath);
	while (len > 1 && npath[len - 1] == '/')
		len--;
	unsigned long n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	if (len + 32 >= PATH_MAX) {
		err = -ENAMETOOLONG;
	} else {
		memcpy(tmp, npath, len);
		snprintf(tmp + len, 32, ".~xchg%lu~", n);
		err = vfs_renameat(ndir, npath, ndir, tmp, RENAME_NOREPLACE);
	}
	if (!err) {
		err = vfs_renameat(odir, opath, ndir, npath, RENAME_NOREPLACE);
		if (err) {
			vfs_renameat(ndir, tmp, ndir, npath, 0);
		} else if ((err = vfs_renameat(ndir, tmp, odir, opath, RENAME_NOREPLACE))) {
			vfs_renameat(ndir, npath, odir, opath, 0);
			vfs_renameat(ndir, tmp, ndir, npath, 0);
		}
	}
	kfree(tmp);
	return err;
}

/* RENAME_WHITEOUT: -EINVAL, as Linux answers for a filesystem without it. */
static long do_renameat(int odirfd, const char *uopath, int ndirfd, const char *unpath,
			unsigned flags)
{
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_WHITEOUT) ||
	    (flags & (RENAME_EXCHANGE | RENAME_NOREPLACE)) == (RENAME_EXCHANGE | RENAME_NOREPLACE))
		return -EINVAL;
	struct vnode *odir, *ndir;
	char *opath, *npath;
	int err = at_get(odirfd, uopath, 0, &odir, &opath);
	if (err)
		return err;
	err = at_get(ndirfd, unpath, 0, &ndir, &npath);
	if (!err) {
		if (flags & RENAME_EXCHANGE)
			err = rename_exchange(odir, opath, ndir, npath);
		else
			err = vfs_renameat(odir, opath, ndir, npath, flags);
		at_put(ndir, npath);
	}
	at_put(odir, opath);
	return err;
}

static long sys_rename(const char *opath, const char *npath)
{
	return do_renameat(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}
SYSCALL(82, rename, sys_rename);

static long sys_renameat(int odirfd, const char *opath, int ndirfd, const char *npath)
{
	return do_renameat(odirfd, opath, ndirfd, npath, 0);
}
SYSCALL(264, renameat, sys_renameat);

static long sys_renameat2(int odirfd, const char *opath, int ndirfd, const char *npath,
			  unsigned flags)
{
	return do_renameat(odirfd, opath, ndirfd, npath, flags);
}
SYSCALL(316, renameat2, sys_renameat2);

/* ---- symlink targets ---- */

/* An empty path reads the symlink dirfd itself (opened O_PATH|O_NOFOLLOW). */
static long do_readlinkat(int dirfd, const char *upath, char *buf, int size)
{
	if (size <= 0)
		return -EINVAL;
	struct vnode *dir;
	char *path;
	int err = at_get(dirfd, upath, AT_EMPTY_PATH, &dir, &path);
	if (err)
		return err;
	size_t len = size < PATH_MAX ? (size_t)size : PATH_MAX;
	char *k = kmalloc(len);
	long ret = k ? vfs_readlinkat(dir, path, k, len) : -ENOMEM;
	at_put(dir, path);
	if (ret > 0 && copy_to_user(buf, k, (size_t)ret))
		ret = -EFAULT;
	kfree(k);
	return ret;
}

static long sys_readlink(const char *path, char *buf, int size)
{
	return do_readlinkat(AT_FDCWD, path, buf, size);
}
SYSCALL(89, readlink, sys_readlink);

static long sys_readlinkat(int dirfd, const char *path, char *buf, int size)
{
	return do_readlinkat(dirfd, path, buf, size);
}
SYSCALL(267, readlinkat, sys_readlinkat);
