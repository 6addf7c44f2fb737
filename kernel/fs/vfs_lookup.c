/* Path lookup: walking components, ".." and mount crossing in both
 * directions, symlinks in the middle and at the end of paths, getcwd.
 * A walk holds a reference on the directory it stands in and locks it
 * (shared) only for the one lookup call: never two vnode locks at once. */
#include "fs/vfs.h"
#include "fs/vfs_impl.h"
#include "mm/mm.h"
#include "lib/printf.h"
#include <errno.h>
#include <string.h>

int lookup_locked(struct vnode *dir, const char *name, struct vnode **out)
{
	if (dir->type != VDIR)
		return -ENOTDIR;
	if (!dir->ops->lookup)
		return -ENOENT;
	return dir->ops->lookup(dir, name, out);
}

static int lookup_shared(struct vnode *dir, const char *name, struct vnode **out)
{
	if (dir->type != VDIR)
		return -ENOTDIR;
	vn_lock_shared(dir);
	int err = lookup_locked(dir, name, out);
	vn_unlock(dir);
	return err;
}

int cross_mounts(struct vnode **vnp)
{
	struct vnode *vn = *vnp;
	if ((vn->flags & VN_AUTOMOUNT) && vn->ops->automount &&
	    !__atomic_load_n(&vn->mounted_here, __ATOMIC_ACQUIRE)) {
		int err = vn->ops->automount(vn);
		if (err && err != -EBUSY) {
			vn_rele(vn);
			return err;
		}
	}
	if (!__atomic_load_n(&vn->mounted_here, __ATOMIC_ACQUIRE))
		return 0;
	struct vnode *covered = vn;
	rw_read_lock(&mount_lock);
	while (vn->mounted_here)
		vn = vn->mounted_here->root;
	vn_hold(vn);
	rw_unlock(&mount_lock);
	vn_rele(covered);
	*vnp = vn;
	return 0;
}

/* From the root of a mount to the directory it covers (stacked mounts
 * too), stopping at the walk's root. */
static struct vnode *climb_mounts(struct vnode *vn, struct vnode *root)
{
	struct vnode *start = vn;
	rw_read_lock(&mount_lock);
	while (vn != root && (vn->flags & VN_ROOT) && vn->mount->covered)
		vn = vn->mount->covered;
	vn_hold(vn);
	rw_unlock(&mount_lock);
	vn_rele(start);
	return vn;
}

/* One step from nd->dir to the entry name (neither "." nor empty). */
static int walk_one(struct nameidata *nd, const char *name, struct vnode **out)
{
	if (strcmp(name, "..") != 0) {
		int err = lookup_shared(nd->dir, name, out);
		return err ? err : cross_mounts(out);
	}
	vn_hold(nd->dir);
	struct vnode *d = climb_mounts(nd->dir, nd->root);
	if (d == nd->root) {
		*out = d;
		return 0;
	}
	int err = lookup_shared(d, "..", out);
	vn_rele(d);
	return err ? err : cross_mounts(out);
}

static void set_dir(struct nameidata *nd, struct vnode *vn)
{
	vn_rele(nd->dir);
	nd->dir = vn;
}

int nd_init(struct nameidata *nd, struct vnode *dir, const char *path)
{
	memset(nd, 0, sizeof(*nd));
	size_t len = strnlen(path, PATH_MAX);
	if (len == 0)
		return -ENOENT;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	nd->root = vfs_root();
	if (!nd->root)
		return -ENOENT;
	/* Two pages, not one block of two: a lookup must not fail because
	 * free memory is in single pages. */
	nd->path = kmalloc(PATH_MAX);
	nd->scratch = kmalloc(PATH_MAX);
	if (!nd->path || !nd->scratch) {
		kfree(nd->path);
		kfree(nd->scratch);
		nd->path = nd->scratch = NULL;
		vn_rele(nd->root);
		nd->root = NULL;
		return -ENOMEM;
	}
	memcpy(nd->path, path, len + 1);
	nd->cursor = nd->path;
	if (path[0] == '/') {
		vn_hold(nd->root);
		nd->dir = nd->root;
	} else if (dir) {
		vn_hold(dir);
		nd->dir = dir;
	} else {
		nd->dir = vfs_cwd();
	}
	return 0;
}

void nd_done(struct nameidata *nd)
{
	if (nd->dir)
		vn_rele(nd->dir);
	if (nd->root)
		vn_rele(nd->root);
	kfree(nd->path);
	kfree(nd->scratch);
	nd->dir = nd->root = NULL;
	nd->path = nd->scratch = NULL;
}

int nd_follow(struct nameidata *nd, struct vnode *vn)
{
	if (++nd->links > SYMLOOP_MAX)
		return -ELOOP;
	if (!vn->ops->readlink)
		return -EINVAL;
	vn_lock_shared(vn);
	int n = vn->ops->readlink(vn, nd->scratch, PATH_MAX - 1);
	vn_unlock(vn);
	if (n <= 0)
		return n ? n : -ENOENT;
	size_t rest = strlen(nd->cursor);
	const char *sep = rest ? "/" : (nd->trailing_slash ? "/" : "");
	if ((size_t)n + 1 + rest >= PATH_MAX)
		return -ENAMETOOLONG;
	nd->scratch[n] = '\0';
	strlcpy(nd->scratch + n, sep, PATH_MAX - n);
	strlcpy(nd->scratch + n + strlen(sep), nd->cursor, PATH_MAX - n - strlen(sep));
	char *old = nd->path;
	nd->path = nd->scratch;
	nd->scratch = old;
	nd->cursor = nd->path;
	nd->trailing_slash = false;
	if (nd->path[0] == '/') {
		vn_hold(nd->root);
		set_dir(nd, nd->root);
	}
	return 0;
}

/* Takes one intermediate component: ".", "..", a directory or a symlink. */
static int step(struct nameidata *nd, const char *name)
{
	if (nd->dir->type != VDIR)
		return -ENOTDIR;
	if (!strcmp(name, "."))
		return 0;
	struct vnode *child;
	int err = walk_one(nd, name, &child);
	if (err)
		return err;
	if (child->type == VLNK) {
		err = nd_follow(nd, child);
		vn_rele(child);
		return err;
	}
	set_dir(nd, child);
	return 0;
}

static enum last_type classify(const char *name)
{
	if (!strcmp(name, "."))
		return LAST_DOT;
	if (!strcmp(name, ".."))
		return LAST_DOTDOT;
	return LAST_NORM;
}

int nd_walk_parent(struct nameidata *nd)
{
	nd->trailing_slash = false;
	for (;;) {
		const char *p = nd->cursor;
		while (*p == '/')
			p++;
		if (!*p) {	/* "/" or a symlink to "/" */
			nd->last_type = LAST_ROOT;
			nd->cursor = p;
			return nd->dir->type == VDIR ? 0 : -ENOTDIR;
		}
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(nd->last, p, len);
		nd->last[len] = '\0';
		const char *next = p + len;
		while (*next == '/')
			next++;
		nd->cursor = next;
		if (!*next) {
			nd->last_type = classify(nd->last);
			nd->trailing_slash = next != p + len;
			return nd->dir->type == VDIR ? 0 : -ENOTDIR;
		}
		int err = step(nd, nd->last);
		if (err)
			return err;
	}
}

int nd_lookup_last(struct nameidata *nd, bool follow, bool want_dir, struct vnode **out)
{
	for (;;) {
		struct vnode *vn;
		int err = 0;
		if (nd->last_type == LAST_ROOT || nd->last_type == LAST_DOT) {
			vn_hold(nd->dir);
			vn = nd->dir;
		} else {
			err = walk_one(nd, nd->last, &vn);
		}
		if (err)
			return err;
		if (vn->type == VLNK && (follow || nd->trailing_slash)) {
			err = nd_follow(nd, vn);
			vn_rele(vn);
			if (!err)
				err = nd_walk_parent(nd);
			if (err)
				return err;
			continue;
		}
		if ((want_dir || nd->trailing_slash) && vn->type != VDIR) {
			vn_rele(vn);
			return -ENOTDIR;
		}
		*out = vn;
		return 0;
	}
}

int vfs_lookupat(struct vnode *dir, const char *path, int lookup_flags,
		 struct vnode **out)
{
	struct nameidata nd;
	int err = nd_init(&nd, dir, path);
	if (!err)
		err = nd_walk_parent(&nd);
	if (!err)
		err = nd_lookup_last(&nd, lookup_flags & LOOKUP_FOLLOW,
				     lookup_flags & LOOKUP_DIRECTORY, out);
	nd_done(&nd);
	return err;
}

bool vn_is_ancestor(struct vnode *anc, struct vnode *vn)
{
	vn_hold(vn);
	struct vnode *cur = vn;
	bool found = false;
	for (;;) {
		if (cur == anc) {
			found = true;
			break;
		}
		struct vnode *parent;
		if ((cur->flags & VN_ROOT) || lookup_shared(cur, "..", &parent))
			break;
		bool top = parent == cur;	/* a root whose ".." is itself */
		vn_rele(cur);
		cur = parent;
		if (top)
			break;
	}
	vn_rele(cur);
	return found;
}

/* ---- getcwd ---- */

struct find_name {
	struct dir_ctx ctx;
	uint64_t ino;
	char name[NAME_MAX + 1];
	bool found;
};

static int match_ino(struct dir_ctx *ctx, const char *name, size_t len,
		     uint64_t ino, unsigned dtype)
{
	struct find_name *fn = (struct find_name *)ctx;
	if (ino != fn->ino || len > NAME_MAX || (name[0] == '.' && (len == 1 ||
	    (len == 2 && name[1] == '.'))))
		return 0;
	memcpy(fn->name, name, len);
	fn->name[len] = '\0';
	fn->found = true;
	return 1;
}

/* The name under which dir lists the inode ino. */
static int name_in_dir(struct vnode *dir, uint64_t ino, char *name)
{
	struct find_name fn = { .ctx = { .emit = match_ino, .pos = 2 }, .ino = ino };
	if (!dir->ops->readdir)
		return -ENOENT;
	vn_lock_shared(dir);
	int err = dir->ops->readdir(dir, &fn.ctx);
	vn_unlock(dir);
	if (err)
		return err;
	if (!fn.found)
		return -ENOENT;
	strlcpy(name, fn.name, NAME_MAX + 1);
	return 0;
}

/* Prepends "/name" to the string ending at buf + len, starting at *start. */
static int prepend(char *buf, size_t *start, const char *name)
{
	size_t n = strlen(name);
	if (*start < n + 1)
		return -ERANGE;
	*start -= n + 1;
	buf[*start] = '/';
	memcpy(buf + *start + 1, name, n);
	return 0;
}

int vfs_getcwd(char *buf, size_t len)
{
	return vfs_dir_path(vfs_cwd(), buf, len);
}

int vfs_dir_path(struct vnode *cur, char *buf, size_t len)
{
	struct vnode *root = vfs_root();
	if (len == 0 || !root) {
		vn_rele(cur);
		if (root)
			vn_rele(root);
		return len ? -ENOENT : -ERANGE;
	}
	char name[NAME_MAX + 1];
	size_t start = len - 1;
	int err = 0;
	buf[start] = '\0';
	while (!err) {
		cur = climb_mounts(cur, root);
		if (cur == root)
			break;
		struct vnode *parent;
		err = lookup_shared(cur, "..", &parent);
		if (!err)
			err = cross_mounts(&parent);
		if (err)
			break;
		if (!cur->ops->hidden_name || (err = cur->ops->hidden_name(cur, name)) == -ENOENT)
			err = name_in_dir(parent, cur->ino, name);
		if (!err)
			err = prepend(buf, &start, name);
		vn_rele(cur);
		cur = parent;
	}
	vn_rele(cur);
	vn_rele(root);
	if (err)
		return err;
	if (start == len - 1 && (err = prepend(buf, &start, "")))
		return err;
	memmove(buf, buf + start, len - start);
	return 0;
}

/* ---- the path of an open file ---- */

/* A file without a vnode: by the type getattr gives, or its anon_name. */
static int nameless_path(struct file *f, char *buf, size_t len)
{
	struct vattr va = { 0 };
	int err = f->ops && f->ops->getattr ? f->ops->getattr(f, &va) : -ENOENT;
	uint32_t type = va.mode & S_IFMT;
	int n;

	if (err)
		return err;
	if (type == S_IFIFO || type == S_IFSOCK)
		n = snprintf(buf, len, "%s:[%lu]", type == S_IFIFO ? "pipe" : "socket",
		    (unsigned long)va.ino);
	else if (f->ops->anon_name)
		n = snprintf(buf, len, "anon_inode:%s", f->ops->anon_name);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ERANGE : n;
}

int vfs_file_path(struct file *f, char *buf, size_t len)
{
	struct vattr va;
	int err;

	if (!f->vn)
		return nameless_path(f, buf, len);
	if (f->vn->type == VDIR) {
		vn_hold(f->vn);
		err = vfs_dir_path(f->vn, buf, len);
		return err ? err : (int)strlen(buf);
	}
	if (!f->dir || !f->name)
		return -ENOENT;
	vn_hold(f->dir);
	if ((err = vfs_dir_path(f->dir, buf, len)))
		return err;
	size_t n = strlen(buf);
	bool deleted = !vfs_getattr(f->vn, &va) && va.nlink == 0;
	int m = snprintf(buf + n, len - n, "%s%s%s", n > 1 ? "/" : "", f->name,
	    deleted ? " (deleted)" : "");
	return m < 0 || (size_t)m >= len - n ? -ERANGE : (int)(n + m);
}
