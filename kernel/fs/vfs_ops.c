/* Path operations: open/create, mkdir, mknod, symlink, link, unlink,
 * rmdir, rename, stat, truncate and attribute changes. A change to a
 * directory locks it exclusive, then the entry's vnode (parent before
 * child); rename first takes rename_lock (README.md). */
#include "fs/vfs.h"
#include "fs/vfs_impl.h"
#include "sched/sched.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

static bool is_name(const struct nameidata *nd)
{
	return nd->last_type == LAST_NORM;
}

/* Walks to path's parent and locks it exclusive for a new entry nd->last,
 * which must not exist. On success the caller owns nd and the lock. */
static int lock_for_create(struct nameidata *nd, struct vnode *dir, const char *path,
			   bool trailing_slash_ok)
{
	int err = nd_init(nd, dir, path);
	if (!err)
		err = nd_walk_parent(nd);
	if (!err && !is_name(nd))
		err = -EEXIST;
	if (!err && nd->trailing_slash && !trailing_slash_ok)
		err = -ENOENT;
	if (err)
		return err;
	/* An existing name is EEXIST even on a read-only mount, as in Linux
	 * (mkdir -p relies on it). */
	struct vnode *vn;
	vn_lock(nd->dir);
	err = lookup_locked(nd->dir, nd->last, &vn);
	if (!err) {
		vn_rele(vn);
		err = -EEXIST;
	} else if (err == -ENOENT) {
		if (!mount_readonly(nd->dir->mount))
			return 0;
		err = -EROFS;
	}
	vn_unlock(nd->dir);
	return err;
}

static void init_vattr(struct vattr *va, uint32_t mode)
{
	memset(va, 0, sizeof(*va));
	va->mode = mode;
	va->nlink = 1;
	va->atime = va->mtime = va->ctime = (int64_t)clock_realtime_ns();
}

int vfs_mkdirat(struct vnode *dir, const char *path, uint32_t mode)
{
	struct nameidata nd;
	int err = lock_for_create(&nd, dir, path, true);
	if (!err) {
		struct vattr va;
		struct vnode *vn;
		init_vattr(&va, S_IFDIR | (mode & S_IALLUGO));
		err = nd.dir->ops->mkdir ? nd.dir->ops->mkdir(nd.dir, nd.last, &va, &vn) : -EPERM;
		vn_unlock(nd.dir);
		if (!err)
			vn_rele(vn);
	}
	nd_done(&nd);
	return err;
}

int vfs_mknodat(struct vnode *dir, const char *path, uint32_t mode, uint64_t rdev)
{
	return vfs_mknodat_vnode(dir, path, mode, rdev, NULL);
}

int vfs_mknodat_vnode(struct vnode *dir, const char *path, uint32_t mode, uint64_t rdev,
		      struct vnode **out)
{
	if (!(mode & S_IFMT))
		mode |= S_IFREG;
	enum vtype type = mode_to_vtype(mode);
	if (type == VDIR)
		return -EPERM;
	if (type == VNON || type == VLNK)
		return -EINVAL;
	struct nameidata nd;
	int err = lock_for_create(&nd, dir, path, false);
	if (!err) {
		struct vattr va;
		struct vnode *vn;
		init_vattr(&va, (mode & S_IFMT) | (mode & S_IALLUGO));
		va.rdev = rdev;
		err = nd.dir->ops->create ? nd.dir->ops->create(nd.dir, nd.last, &va, &vn) : -EPERM;
		vn_unlock(nd.dir);
		if (!err && out)
			*out = vn;
		else if (!err)
			vn_rele(vn);
	}
	nd_done(&nd);
	return err;
}

int vfs_symlinkat(const char *target, struct vnode *dir, const char *path)
{
	size_t len = strnlen(target, PATH_MAX);
	if (len == 0)
		return -ENOENT;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	struct nameidata nd;
	int err = lock_for_create(&nd, dir, path, false);
	if (!err) {
		struct vattr va;
		struct vnode *vn;
		init_vattr(&va, S_IFLNK | 0777);
		va.size = (int64_t)len;
		err = nd.dir->ops->symlink ?
			nd.dir->ops->symlink(nd.dir, nd.last, target, &va, &vn) : -EPERM;
		vn_unlock(nd.dir);
		if (!err)
			vn_rele(vn);
	}
	nd_done(&nd);
	return err;
}

/* Lookup for the *at calls: AT_EMPTY_PATH with "" means dir itself. */
int lookup_at(struct vnode *dir, const char *path, int at_flags, bool follow_default,
	      struct vnode **out)
{
	if (path[0] == '\0' && (at_flags & AT_EMPTY_PATH)) {
		struct vnode *vn = dir ? dir : vfs_cwd();
		if (!vn)
			return -ENOENT;
		if (dir)
			vn_hold(vn);
		*out = vn;
		return 0;
	}
	bool follow = follow_default;
	if (at_flags & AT_SYMLINK_NOFOLLOW)
		follow = false;
	if (at_flags & AT_SYMLINK_FOLLOW)
		follow = true;
	return vfs_lookupat(dir, path, follow ? LOOKUP_FOLLOW : 0, out);
}

int vfs_readlinkat(struct vnode *dir, const char *path, char *buf, size_t len)
{
	struct vnode *vn;
	int err = lookup_at(dir, path, AT_EMPTY_PATH, false, &vn);
	if (err)
		return err;
	if (vn->type != VLNK || !vn->ops->readlink) {
		err = -EINVAL;
	} else {
		vn_lock_shared(vn);
		err = vn->ops->readlink(vn, buf, len);
		vn_unlock(vn);
	}
	vn_rele(vn);
	return err;
}

int vfs_linkat(struct vnode *odir, const char *opath, struct vnode *ndir,
	       const char *npath, int at_flags)
{
	struct vnode *src;
	int err = lookup_at(odir, opath, at_flags & (AT_EMPTY_PATH | AT_SYMLINK_FOLLOW),
			    false, &src);
	if (err)
		return err;
	struct nameidata nd;
	if (src->type == VDIR) {
		vn_rele(src);
		return -EPERM;
	}
	err = lock_for_create(&nd, ndir, npath, false);
	if (!err) {
		if (nd.dir->mount != src->mount)
			err = -EXDEV;
		else if (!nd.dir->ops->link)
			err = -EPERM;
		else {
			vn_lock(src);	/* a non-directory: after any directory */
			err = nd.dir->ops->link(nd.dir, nd.last, src);
			vn_unlock(src);
		}
		vn_unlock(nd.dir);
	}
	nd_done(&nd);
	vn_rele(src);
	return err;
}

static int unlink_checks(const struct nameidata *nd, bool rmdir)
{
	if (rmdir && nd->last_type == LAST_DOT)
		return -EINVAL;
	if (rmdir && nd->last_type == LAST_DOTDOT)
		return -ENOTEMPTY;
	if (!is_name(nd))
		return rmdir ? -EBUSY : -EISDIR;
	return mount_readonly(nd->dir->mount) ? -EROFS : 0;
}

static int victim_checks(const struct nameidata *nd, struct vnode *vn, bool rmdir)
{
	if (vn->mounted_here || (vn->flags & VN_ROOT))
		return -EBUSY;
	if (rmdir)
		return vn->type == VDIR ? 0 : -ENOTDIR;
	if (vn->type == VDIR)
		return -EISDIR;
	return nd->trailing_slash ? -ENOTDIR : 0;
}

int vfs_unlinkat(struct vnode *dir, const char *path, int at_flags)
{
	bool rmdir = at_flags & AT_REMOVEDIR;
	struct nameidata nd;
	int err = nd_init(&nd, dir, path);
	if (!err)
		err = nd_walk_parent(&nd);
	if (!err)
		err = unlink_checks(&nd, rmdir);
	if (err) {
		nd_done(&nd);
		return err;
	}
	struct vnode *p = nd.dir, *vn = NULL;
	vn_lock(p);
	err = lookup_locked(p, nd.last, &vn);
	if (!err) {
		err = victim_checks(&nd, vn, rmdir);
		int (*op)(struct vnode *, const char *, struct vnode *) =
			rmdir ? p->ops->rmdir : p->ops->unlink;
		if (!err && !op)
			err = -EPERM;
		if (!err) {
			vn_lock(vn);
			err = op(p, nd.last, vn);
			vn_unlock(vn);
		}
	}
	vn_unlock(p);
	if (vn)
		vn_rele(vn);
	nd_done(&nd);
	return err;
}

/* ---- rename ---- */

struct rename_args {
	struct vnode *p1, *p2;		/* parents */
	const char *n1, *n2;
	struct vnode *src, *tgt;	/* tgt NULL if absent */
	bool slash;			/* a trailing slash on either path */
	unsigned flags;
};

/* The POSIX rules, checked with rename_lock held and no vnode locked. */
static int rename_checks(struct rename_args *r)
{
	struct vnode *src = r->src, *tgt = r->tgt;
	if (src->mounted_here || (src->flags & VN_ROOT))
		return -EBUSY;
	if (tgt && (tgt->mounted_here || (tgt->flags & VN_ROOT)))
		return -EBUSY;
	if (tgt && (r->flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (src->type == VDIR) {
		if (tgt && tgt->type != VDIR)
			return -ENOTDIR;
		if (vn_is_ancestor(src, r->p2))
			return -EINVAL;
	} else {
		if (r->slash)
			return -ENOTDIR;
		if (tgt && tgt->type == VDIR)
			return -EISDIR;
	}
	if (tgt && tgt->type == VDIR && vn_is_ancestor(tgt, r->p1))
		return -ENOTEMPTY;
	return 0;
}

static void lock_two(struct vnode *a, struct vnode *b)
{
	if (!b || a == b) {
		vn_lock(a);
	} else if (!a) {
		vn_lock(b);
	} else {
		vn_lock(a);
		vn_lock(b);
	}
}

static void unlock_two(struct vnode *a, struct vnode *b)
{
	if (a)
		vn_unlock(a);
	if (b && b != a)
		vn_unlock(b);
}

/* Parents: an ancestor before its descendant, else by address. */
static void lock_parents(struct rename_args *r)
{
	struct vnode *a = r->p1, *b = r->p2;
	if (a != b && !vn_is_ancestor(a, b) &&
	    (vn_is_ancestor(b, a) || (uintptr_t)b < (uintptr_t)a)) {
		a = r->p2;
		b = r->p1;
	}
	lock_two(a, b);
}

/* Are the names still bound to src and tgt now that the parents are
 * locked? Someone may have changed them between lookup and lock. */
static bool still_valid(struct rename_args *r)
{
	struct vnode *vn;
	int err = lookup_locked(r->p1, r->n1, &vn);
	bool ok = !err && vn == r->src;
	if (!err)
		vn_rele(vn);
	err = lookup_locked(r->p2, r->n2, &vn);
	if (!err) {
		ok = ok && vn == r->tgt;
		vn_rele(vn);
	} else {
		ok = ok && err == -ENOENT && !r->tgt;
	}
	return ok;
}

static int lookup_pair(struct rename_args *r)
{
	vn_lock_shared(r->p1);
	int err = lookup_locked(r->p1, r->n1, &r->src);
	vn_unlock(r->p1);
	if (err)
		return err;
	vn_lock_shared(r->p2);
	err = lookup_locked(r->p2, r->n2, &r->tgt);
	vn_unlock(r->p2);
	if (err == -ENOENT) {
		r->tgt = NULL;
		err = 0;
	}
	if (err)
		vn_rele(r->src);
	return err;
}

static void release_pair(struct rename_args *r)
{
	vn_rele(r->src);
	if (r->tgt)
		vn_rele(r->tgt);
}

/* One attempt; -EAGAIN when the names changed under us. */
static int rename_once(struct rename_args *r)
{
	int err = lookup_pair(r);
	if (err)
		return err;
	if (r->src == r->tgt) {		/* two names of one file: nothing to do */
		release_pair(r);
		return 0;
	}
	err = rename_checks(r);
	if (!err) {
		lock_parents(r);
		if (!still_valid(r)) {
			err = -EAGAIN;
		} else {
			lock_two(r->src, r->tgt);
			err = r->p1->ops->rename(r->p1, r->n1, r->src, r->p2, r->n2, r->tgt);
			unlock_two(r->src, r->tgt);
		}
		unlock_two(r->p1, r->p2);
	}
	release_pair(r);
	return err;
}

static int rename_prepare(struct nameidata *a, struct nameidata *b)
{
	if (!is_name(a) || !is_name(b))
		return -EBUSY;
	if (a->dir->mount != b->dir->mount)
		return -EXDEV;
	if (mount_readonly(a->dir->mount))
		return -EROFS;
	if (!a->dir->ops->rename)
		return -EPERM;
	return 0;
}

int vfs_renameat(struct vnode *odir, const char *opath, struct vnode *ndir,
		 const char *npath, unsigned rename_flags)
{
	if (rename_flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	struct nameidata a, b;
	memset(&b, 0, sizeof(b));
	int err = nd_init(&a, odir, opath);
	if (!err)
		err = nd_walk_parent(&a);
	int err2 = err ? 0 : nd_init(&b, ndir, npath);
	if (!err && !err2)
		err2 = nd_walk_parent(&b);
	if (!err)
		err = err2;
	if (!err)
		err = rename_prepare(&a, &b);
	if (!err) {
		struct rename_args r = {
			.p1 = a.dir, .p2 = b.dir, .n1 = a.last, .n2 = b.last,
			.slash = a.trailing_slash || b.trailing_slash, .flags = rename_flags,
		};
		mutex_lock(&rename_lock);
		int tries = 0;
		do
			err = rename_once(&r);
		while (err == -EAGAIN && ++tries < 100);
		mutex_unlock(&rename_lock);
	}
	nd_done(&a);
	nd_done(&b);
	return err;
}

/* ---- open ---- */

/* O_CREAT's last step: the entry nd->last in nd->dir, created if absent.
 * Returns 1 with *out when it must follow the symlink *out first. */
static int open_create(struct nameidata *nd, int flags, uint32_t mode,
		       struct vnode **out, bool *created)
{
	struct vnode *dir = nd->dir;
	vn_lock(dir);
	int err = lookup_locked(dir, nd->last, out);
	if (err == -ENOENT) {
		struct vattr va;
		init_vattr(&va, S_IFREG | (mode & S_IALLUGO));
		if (mount_readonly(dir->mount))
			err = -EROFS;
		else
			err = dir->ops->create ? dir->ops->create(dir, nd->last, &va, out) : -EPERM;
		vn_unlock(dir);
		*created = !err;
		return err;
	}
	vn_unlock(dir);
	if (err)
		return err;
	if (flags & O_EXCL) {
		vn_rele(*out);
		return -EEXIST;
	}
	if ((*out)->type == VLNK && !(flags & O_NOFOLLOW))
		return 1;
	return cross_mounts(out);
}

static int open_last(struct nameidata *nd, int flags, uint32_t mode,
		     struct vnode **out, bool *created)
{
	if (!(flags & O_CREAT))
		return nd_lookup_last(nd, !(flags & O_NOFOLLOW), flags & O_DIRECTORY, out);
	for (;;) {
		if (!is_name(nd) || nd->trailing_slash)
			return -EISDIR;
		int err = open_create(nd, flags, mode, out, created);
		if (err <= 0)
			return err;
		err = nd_follow(nd, *out);
		vn_rele(*out);
		if (!err)
			err = nd_walk_parent(nd);
		if (err)
			return err;
	}
}

static int open_checks(struct vnode *vn, int flags)
{
	bool wr = (flags & O_ACCMODE) != O_RDONLY;
	if (vn->type == VLNK && !(flags & O_PATH))
		return -ELOOP;	/* O_NOFOLLOW on a symlink */
	if ((flags & O_DIRECTORY) && vn->type != VDIR)
		return -ENOTDIR;
	if ((flags & O_CREAT) && vn->type == VDIR)
		return -EISDIR;
	if (vn->type == VDIR && (wr || (flags & O_TRUNC)))
		return -EISDIR;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (wr && mount_readonly(vn->mount) && (vn->type == VREG || vn->type == VDIR))
		return -EROFS;
	return 0;
}

/* Where a non-directory was found, for its path in /proc/PID/fd and
 * maps (a directory's comes from walking its ".."). Without memory for
 * the name the file just has none. */
static void remember_name(struct file *f, const struct nameidata *nd)
{
	size_t n = strlen(nd->last) + 1;

	if (f->vn->type == VDIR || nd->last_type != LAST_NORM || !(f->name = kmalloc(n)))
		return;
	memcpy(f->name, nd->last, n);
	vn_hold(nd->dir);
	f->dir = nd->dir;
}

int vfs_openat(struct vnode *dir, const char *path, int flags, uint32_t mode,
	       struct file **out)
{
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	struct nameidata nd;
	struct vnode *vn = NULL;
	bool created = false;
	int err = nd_init(&nd, dir, path);
	if (!err)
		err = nd_walk_parent(&nd);
	if (!err)
		err = open_last(&nd, flags, mode, &vn, &created);
	if (err) {
		nd_done(&nd);
		return err;
	}
	err = open_checks(vn, flags);
	if (!err && (flags & O_TRUNC) && !created && vn->type == VREG &&
	    (flags & O_ACCMODE) != O_RDONLY) {
		struct vattr_set vs = { .mask = VA_SIZE, .size = 0 };
		err = vfs_setattr(vn, &vs);
	}
	if (!err)
		err = vfs_open_vnode(vn, flags, out);
	if (!err)
		remember_name(*out, &nd);
	nd_done(&nd);
	vn_rele(vn);
	return err;
}

int vfs_open(const char *path, int flags, uint32_t mode, struct file **out)
{
	return vfs_openat(NULL, path, flags, mode, out);
}

/* Creates the file under a name and unlinks it again while holding the
 * directory locked: no lookup or readdir, which lock it too, can see the
 * name in between. */
static int create_unnamed(struct vnode *dir, uint32_t mode, struct vnode **out)
{
	static unsigned long serial;	/* names only need to differ: atomic */
	struct vattr va;
	char name[40];
	int err = -EEXIST;

	init_vattr(&va, S_IFREG | (mode & S_IALLUGO));
	vn_lock(dir);
	for (int tries = 0; err == -EEXIST && tries < 8; tries++) {
		unsigned long n = __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED);
		char *p = name + sizeof(name) - 1;
		*p = 0;
		do
			*--p = (char)('0' + n % 10);
		while (n /= 10);
		p -= sizeof(".osprey-tmpfile.") - 1;
		memcpy(p, ".osprey-tmpfile.", sizeof(".osprey-tmpfile.") - 1);
		err = dir->ops->create(dir, p, &va, out);
		if (!err)
			memmove(name, p, strlen(p) + 1);
	}
	if (!err) {
		err = dir->ops->unlink(dir, name, *out);
		if (err)
			vn_rele(*out);
	}
	vn_unlock(dir);
	return err;
}

int vfs_open_tmpfile(struct vnode *at, const char *path, int flags, uint32_t mode,
    struct file **out)
{
	struct file *df;
	struct vnode *vn;

	if ((flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;		/* as Linux: it could never be written */
	int err = vfs_openat(at, path, O_RDONLY | O_DIRECTORY, 0, &df);
	if (err)
		return err;
	struct vnode *dir = df->vn;
	if (mount_readonly(dir->mount))
		err = -EROFS;
	else if (!dir->ops->create || !dir->ops->unlink)
		err = -EOPNOTSUPP;
	else
		err = create_unnamed(dir, mode, &vn);
	if (err) {
		file_rele(df);
		return err;
	}
	err = vfs_open_vnode(vn, flags & ~(O_CREAT | O_EXCL | O_TRUNC), out);
	if (!err && ((*out)->name = kmalloc(24))) {	/* Linux's name for it: #INO */
		snprintf((*out)->name, 24, "#%lu", (unsigned long)vn->ino);
		vn_hold(dir);
		(*out)->dir = dir;
	}
	vn_rele(vn);
	file_rele(df);
	return err;
}

/* ---- attributes ---- */

int vfs_statat(struct vnode *dir, const char *path, struct vattr *va, int at_flags)
{
	struct vnode *vn;
	int err = lookup_at(dir, path, at_flags, true, &vn);
	if (err)
		return err;
	err = vfs_getattr(vn, va);
	vn_rele(vn);
	return err;
}

static int setattr_at(struct vnode *dir, const char *path, int at_flags,
		      struct vattr_set *vs)
{
	struct vnode *vn;
	int err = lookup_at(dir, path, at_flags, true, &vn);
	if (err)
		return err;
	err = vfs_setattr(vn, vs);
	vn_rele(vn);
	return err;
}

int vfs_truncateat(struct vnode *dir, const char *path, int64_t size)
{
	struct vattr_set vs = { .mask = VA_SIZE, .size = size };
	return setattr_at(dir, path, 0, &vs);
}

int vfs_chmodat(struct vnode *dir, const char *path, uint32_t mode, int at_flags)
{
	struct vattr_set vs = { .mask = VA_MODE, .mode = mode };
	return setattr_at(dir, path, at_flags, &vs);
}

int vfs_chownat(struct vnode *dir, const char *path, uint32_t uid, uint32_t gid,
		int at_flags)
{
	struct vattr_set vs = { .mask = 0, .uid = uid, .gid = gid };
	vs.mask |= uid != (uint32_t)-1 ? VA_UID : 0;
	vs.mask |= gid != (uint32_t)-1 ? VA_GID : 0;
	return setattr_at(dir, path, at_flags, &vs);
}

int vfs_utimensat(struct vnode *dir, const char *path, const int64_t times[2],
		  int at_flags)
{
	struct vattr_set vs;
	utimens_to_vs(times, &vs);
	return setattr_at(dir, path, at_flags, &vs);
}

int vfs_statfsat(struct vnode *dir, const char *path, struct vfs_statfs *st)
{
	struct vnode *vn;
	int err = vfs_lookupat(dir, path, LOOKUP_FOLLOW, &vn);
	if (err)
		return err;
	err = mount_statfs(vn->mount, st);
	vn_rele(vn);
	return err;
}

int vfs_accessat(struct vnode *dir, const char *path, int amode, int at_flags)
{
	struct vnode *vn;
	int err = lookup_at(dir, path, at_flags, true, &vn);
	if (err)
		return err;
	if ((amode & 2) && mount_readonly(vn->mount) &&
	    (vn->type == VREG || vn->type == VDIR || vn->type == VLNK))
		err = -EROFS;
	vn_rele(vn);
	return err;
}
