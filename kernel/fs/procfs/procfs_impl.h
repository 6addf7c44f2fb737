/* Between procfs.c (the filesystem, its root and the nodes drivers add)
 * and pid.c (/proc/PID, self, thread-self). */
#ifndef FS_PROCFS_IMPL_H
#define FS_PROCFS_IMPL_H
#include "fs/vfs.h"
#include "fs/procfs/procfs.h"

#define ROOT_INO	1

struct procfs_text {
	char *buf;
	size_t len, cap;
};

/* procfs.c */
extern const struct vnode_ops proc_vops;
/* The vnode of ino in mp (held), made with type and priv if not cached. */
struct vnode *proc_vnode(struct mount *mp, uint64_t ino, enum vtype type, void *priv);
/* Makes f read the text fill writes now (0 or fill's error). */
int proc_open_text(struct file *f, int (*fill)(struct procfs_text *t, void *arg), void *arg);
void gen_mounts(struct procfs_text *t);

/* pid.c: the vnodes whose inode number has PID_INO set. */
#define PID_INO		(1ULL << 63)
static inline bool pid_is(const struct vnode *vn)
{
	return vn->ino & PID_INO;
}
int pid_root_lookup(struct vnode *root, const char *name, struct vnode **out);
int pid_root_readdir(struct vnode *root, struct dir_ctx *ctx);
int pid_lookup(struct vnode *dir, const char *name, struct vnode **out);
int pid_readdir(struct vnode *dir, struct dir_ctx *ctx);
int pid_open(struct vnode *vn, struct file *f);
void pid_getattr(struct vnode *vn, struct vattr *va);
int pid_readlink(struct vnode *vn, char *buf, size_t len);
/* /proc/self ("PID") and /proc/thread-self ("PID/task/TID"). */
int self_readlink(bool thread, char *buf, size_t len);

#endif
