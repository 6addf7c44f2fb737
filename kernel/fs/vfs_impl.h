/* Internal interfaces between the VFS's own files (not for filesystems). */
#ifndef FS_VFS_IMPL_H
#define FS_VFS_IMPL_H
#include "fs/vfs.h"

extern struct rwlock mount_lock;
int mount_statfs(struct mount *mp, struct vfs_statfs *st);
bool mount_readonly(struct mount *mp);
/* Serializes renames, so directories keep their parents while one checks
 * ancestry (README.md). */
extern struct mutex rename_lock;
/* The vnode a *at call names (held): AT_EMPTY_PATH with "" is dir itself;
 * a final symlink is followed if follow_default, or by AT_SYMLINK_*. */
int lookup_at(struct vnode *dir, const char *path, int at_flags, bool follow_default,
	      struct vnode **out);
/* utimensat's times (NULL: now) as setattr fields. */
void utimens_to_vs(const int64_t times[2], struct vattr_set *vs);

enum last_type { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

/* State of one path walk. */
struct nameidata {
	struct vnode *root;		/* held: where "/" and ".." stop */
	struct vnode *dir;		/* held: the directory being walked */
	char *path;			/* PATH_MAX: what is left to walk */
	char *scratch;			/* PATH_MAX: for building symlink paths */
	const char *cursor;		/* next component in path */
	char last[NAME_MAX + 1];	/* the final component */
	enum last_type last_type;
	bool trailing_slash;
	int links;			/* symlinks followed */
};

/* Starts a walk of path relative to dir (NULL: cwd). */
int nd_init(struct nameidata *nd, struct vnode *dir, const char *path);
void nd_done(struct nameidata *nd);
/* Walks every component but the last, following symlinks on the way:
 * nd->dir is then a directory and nd->last its entry's name. */
int nd_walk_parent(struct nameidata *nd);
/* After nd_walk_parent: resolves the last component into *out (held),
 * following a final symlink if follow (always with a trailing slash);
 * -ENOTDIR if a trailing slash or want_dir names a non-directory. */
int nd_lookup_last(struct nameidata *nd, bool follow, bool want_dir, struct vnode **out);
/* Restarts the walk at the target of symlink vn (found in nd->dir),
 * followed by what is left of the path. */
int nd_follow(struct nameidata *nd, struct vnode *vn);
/* dir->ops->lookup of one name, dir locked by the caller. */
int lookup_locked(struct vnode *dir, const char *name, struct vnode **out);
/* Replaces *vn by the root of the mounts stacked on it, automounting
 * first (VN_AUTOMOUNT). On an error *vn is released. */
int cross_mounts(struct vnode **vn);
/* Is anc an ancestor of (or equal to) vn, within vn's mount? */
bool vn_is_ancestor(struct vnode *anc, struct vnode *vn);

#endif
