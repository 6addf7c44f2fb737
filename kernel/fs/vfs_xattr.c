/* Extended attributes: the checks Linux's VFS makes before a filesystem
 * sees a request (vfs.h lists them), the vnode lock, and the path and
 * open-file forms. The attributes themselves are the filesystem's. */
#include "fs/vfs.h"
#include "fs/vfs_impl.h"
#include <errno.h>
#include <string.h>

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The namespaces Linux knows; the rest of a name is the filesystem's. */
static int name_check(const char *name)
{
	static const char *const spaces[] = { "user.", "trusted.", "security.", "system." };
	size_t len = strnlen(name, XATTR_NAME_MAX + 1);

	if (len == 0 || len > XATTR_NAME_MAX)
		return -ERANGE;
	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++)
		if (has_prefix(name, spaces[i]))
			return name[strlen(spaces[i])] ? 0 : -EINVAL;
	return -EOPNOTSUPP;
}

/* user.* belongs to files and directories only (Linux: xattr(7)). */
static bool user_ns_refused(struct vnode *vn, const char *name)
{
	return has_prefix(name, "user.") && vn->type != VREG && vn->type != VDIR;
}

/* Checks before a change (set, remove); then op is called if 0. */
static int change_check(struct vnode *vn, const char *name, bool has_op)
{
	if (mount_readonly(vn->mount))
		return -EROFS;
	if (user_ns_refused(vn, name))
		return -EPERM;
	return has_op ? name_check(name) : -EOPNOTSUPP;
}

long vfs_getxattr(struct vnode *vn, const char *name, void *buf, size_t len)
{
	if (user_ns_refused(vn, name))
		return -ENODATA;
	if (!vn->ops->getxattr)
		return -EOPNOTSUPP;
	long err = name_check(name);
	if (err)
		return err;
	vn_lock_shared(vn);
	err = vn->ops->getxattr(vn, name, buf, len);
	vn_unlock(vn);
	return err;
}

int vfs_setxattr(struct vnode *vn, const char *name, const void *val, size_t len, int flags)
{
	int err = change_check(vn, name, vn->ops->setxattr);
	if (!err && (flags & ~(XATTR_CREATE | XATTR_REPLACE)))
		err = -EINVAL;
	if (!err && len > XATTR_SIZE_MAX)
		err = -E2BIG;
	if (err)
		return err;
	vn_lock(vn);
	err = vn->ops->setxattr(vn, name, val, len, flags);
	vn_unlock(vn);
	return err;
}

long vfs_listxattr(struct vnode *vn, char *buf, size_t len)
{
	if (!vn->ops->listxattr)
		return 0;
	vn_lock_shared(vn);
	long n = vn->ops->listxattr(vn, buf, len);
	vn_unlock(vn);
	return n;
}

int vfs_removexattr(struct vnode *vn, const char *name)
{
	int err = change_check(vn, name, vn->ops->removexattr);
	if (err)
		return err;
	vn_lock(vn);
	err = vn->ops->removexattr(vn, name);
	vn_unlock(vn);
	return err;
}

/* ---- path forms ---- */

long vfs_getxattrat(struct vnode *dir, const char *path, int at_flags, const char *name,
		    void *buf, size_t len)
{
	struct vnode *vn;
	long err = lookup_at(dir, path, at_flags, true, &vn);
	if (err)
		return err;
	err = vfs_getxattr(vn, name, buf, len);
	vn_rele(vn);
	return err;
}

int vfs_setxattrat(struct vnode *dir, const char *path, int at_flags, const char *name,
		   const void *val, size_t len, int flags)
{
	struct vnode *vn;
	int err = lookup_at(dir, path, at_flags, true, &vn);
	if (err)
		return err;
	err = vfs_setxattr(vn, name, val, len, flags);
	vn_rele(vn);
	return err;
}

long vfs_listxattrat(struct vnode *dir, const char *path, int at_flags, char *buf, size_t len)
{
	struct vnode *vn;
	long err = lookup_at(dir, path, at_flags, true, &vn);
	if (err)
		return err;
	err = vfs_listxattr(vn, buf, len);
	vn_rele(vn);
	return err;
}

int vfs_removexattrat(struct vnode *dir, const char *path, int at_flags, const char *name)
{
	struct vnode *vn;
	int err = lookup_at(dir, path, at_flags, true, &vn);
	if (err)
		return err;
	err = vfs_removexattr(vn, name);
	vn_rele(vn);
	return err;
}

/* ---- open-file forms ---- */

/* A file without a vnode is a pipe or a socket, which Linux gives no
 * attributes: user.* is refused as for any non-file, the rest is
 * EOPNOTSUPP, the list empty. An O_PATH file (no ops) is EBADF. */
static int no_vnode(struct file *f, const char *name, int user_err)
{
	if (!f->ops)
		return -EBADF;
	return name && has_prefix(name, "user.") ? user_err : -EOPNOTSUPP;
}

long vfs_fgetxattr(struct file *f, const char *name, void *buf, size_t len)
{
	if (!f->ops || !f->vn)
		return no_vnode(f, name, -ENODATA);
	return vfs_getxattr(f->vn, name, buf, len);
}

int vfs_fsetxattr(struct file *f, const char *name, const void *val, size_t len, int flags)
{
	if (!f->ops || !f->vn)
		return no_vnode(f, name, -EPERM);
	return vfs_setxattr(f->vn, name, val, len, flags);
}

long vfs_flistxattr(struct file *f, char *buf, size_t len)
{
	if (!f->ops)
		return -EBADF;
	return f->vn ? vfs_listxattr(f->vn, buf, len) : 0;
}

int vfs_fremovexattr(struct file *f, const char *name)
{
	if (!f->ops || !f->vn)
		return no_vnode(f, name, -EPERM);
	return vfs_removexattr(f->vn, name);
}
