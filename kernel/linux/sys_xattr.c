/* Extended attributes: setxattr, getxattr, listxattr, removexattr and
 * their l* (the link itself) and f* (a descriptor) forms. Names and
 * values are copied between the program and kernel buffers here, with
 * Linux's argument errors; the VFS and the filesystem do the rest. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include <errno.h>

/* Which object a call names: a path (following a final symlink or not)
 * or a descriptor. */
struct xtarget {
	const char *upath;
	int at_flags;
	int fd;			/* upath NULL: this descriptor */
};

/* A name into kname: -ERANGE if empty or longer than XATTR_NAME_MAX. */
static int name_get(const char *uname, char kname[XATTR_NAME_MAX + 1])
{
	long len = strncpy_from_user(kname, uname, XATTR_NAME_MAX + 1);
	if (len == -EFAULT)
		return -EFAULT;
	return len <= 0 ? -ERANGE : 0;
}

/* The four operations, on a path or a file. */
enum xop { X_GET, X_SET, X_LIST, X_REMOVE };

struct xcall {
	enum xop op;
	const char *name;	/* kernel copy */
	void *buf;		/* kernel buffer */
	size_t len;
	int flags;
};

static long on_path(struct vnode *dir, const char *path, int at, const struct xcall *c)
{
	switch (c->op) {
	case X_GET:
		return vfs_getxattrat(dir, path, at, c->name, c->buf, c->len);
	case X_SET:
		return vfs_setxattrat(dir, path, at, c->name, c->buf, c->len, c->flags);
	case X_LIST:
		return vfs_listxattrat(dir, path, at, c->buf, c->len);
	default:
		return vfs_removexattrat(dir, path, at, c->name);
	}
}

static long on_file(struct file *f, const struct xcall *c)
{
	switch (c->op) {
	case X_GET:
		return vfs_fgetxattr(f, c->name, c->buf, c->len);
	case X_SET:
		return vfs_fsetxattr(f, c->name, c->buf, c->len, c->flags);
	case X_LIST:
		return vfs_flistxattr(f, c->buf, c->len);
	default:
		return vfs_fremovexattr(f, c->name);
	}
}

static long run(const struct xtarget *t, const struct xcall *c)
{
	if (!t->upath) {
		struct file *f;
		long err = fget(t->fd, &f);
		if (err)
			return err;
		err = on_file(f, c);
		file_rele(f);
		return err;
	}
	char *path;
	long err = path_get(t->upath, &path);
	if (err)
		return err;
	err = on_path(NULL, path, t->at_flags, c);
	path_put(path);
	return err;
}

static long do_set(const struct xtarget *t, const char *uname, const void *uval, size_t size,
		   int flags)
{
	char name[XATTR_NAME_MAX + 1];
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	long err = name_get(uname, name);
	if (err)
		return err;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	void *val = size ? kmalloc(size) : NULL;
	if (size && !val)
		return -ENOMEM;
	if (size && copy_from_user(val, uval, size)) {
		kfree(val);
		return -EFAULT;
	}
	struct xcall c = { X_SET, name, val, size, flags };
	err = run(t, &c);
	kfree(val);
	return err;
}

/* get and list: into a kernel buffer of at most max bytes, then out. A
 * request of max bytes or more that is still too small can only mean a
 * value the ABI cannot carry: E2BIG, as Linux. */
static long do_fetch(const struct xtarget *t, enum xop op, const char *uname, void *ubuf,
		     size_t size, size_t max)
{
	char name[XATTR_NAME_MAX + 1];
	long n = op == X_GET ? name_get(uname, name) : 0;
	if (n)
		return n;
	size_t len = size < max ? size : max;
	void *buf = len ? kmalloc(len) : NULL;
	if (len && !buf)
		return -ENOMEM;
	struct xcall c = { op, name, buf, len, 0 };
	n = run(t, &c);
	if (n > 0 && len) {
		if ((size_t)n > len)
			n = -ERANGE;
		else if (copy_to_user(ubuf, buf, (size_t)n))
			n = -EFAULT;
	}
	if (n == -ERANGE && size >= max)
		n = -E2BIG;
	kfree(buf);
	return n;
}

static long do_remove(const struct xtarget *t, const char *uname)
{
	char name[XATTR_NAME_MAX + 1];
	long err = name_get(uname, name);
	if (err)
		return err;
	struct xcall c = { X_REMOVE, name, NULL, 0, 0 };
	return run(t, &c);
}

#define PATH_T(p)	(&(struct xtarget){ (p), 0, -1 })
#define LINK_T(p)	(&(struct xtarget){ (p), AT_SYMLINK_NOFOLLOW, -1 })
#define FD_T(fd)	(&(struct xtarget){ NULL, 0, (fd) })

static long sys_setxattr(const char *path, const char *name, const void *val, size_t size,
			 int flags)
{
	return do_set(PATH_T(path), name, val, size, flags);
}
SYSCALL(188, setxattr, sys_setxattr);

static long sys_lsetxattr(const char *path, const char *name, const void *val, size_t size,
			  int flags)
{
	return do_set(LINK_T(path), name, val, size, flags);
}
SYSCALL(189, lsetxattr, sys_lsetxattr);

static long sys_fsetxattr(int fd, const char *name, const void *val, size_t size, int flags)
{
	return do_set(FD_T(fd), name, val, size, flags);
}
SYSCALL(190, fsetxattr, sys_fsetxattr);

static long sys_getxattr(const char *path, const char *name, void *val, size_t size)
{
	return do_fetch(PATH_T(path), X_GET, name, val, size, XATTR_SIZE_MAX);
}
SYSCALL(191, getxattr, sys_getxattr);

static long sys_lgetxattr(const char *path, const char *name, void *val, size_t size)
{
	return do_fetch(LINK_T(path), X_GET, name, val, size, XATTR_SIZE_MAX);
}
SYSCALL(192, lgetxattr, sys_lgetxattr);

static long sys_fgetxattr(int fd, const char *name, void *val, size_t size)
{
	return do_fetch(FD_T(fd), X_GET, name, val, size, XATTR_SIZE_MAX);
}
SYSCALL(193, fgetxattr, sys_fgetxattr);

static long sys_listxattr(const char *path, char *list, size_t size)
{
	return do_fetch(PATH_T(path), X_LIST, NULL, list, size, XATTR_LIST_MAX);
}
SYSCALL(194, listxattr, sys_listxattr);

static long sys_llistxattr(const char *path, char *list, size_t size)
{
	return do_fetch(LINK_T(path), X_LIST, NULL, list, size, XATTR_LIST_MAX);
}
SYSCALL(195, llistxattr, sys_llistxattr);

static long sys_flistxattr(int fd, char *list, size_t size)
{
	return do_fetch(FD_T(fd), X_LIST, NULL, list, size, XATTR_LIST_MAX);
}
SYSCALL(196, flistxattr, sys_flistxattr);

static long sys_removexattr(const char *path, const char *name)
{
	return do_remove(PATH_T(path), name);
}
SYSCALL(197, removexattr, sys_removexattr);

static long sys_lremovexattr(const char *path, const char *name)
{
	return do_remove(LINK_T(path), name);
}
SYSCALL(198, lremovexattr, sys_lremovexattr);

static long sys_fremovexattr(int fd, const char *name)
{
	return do_remove(FD_T(fd), name);
}
SYSCALL(199, fremovexattr, sys_fremovexattr);
