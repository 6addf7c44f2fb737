/* The virtual filesystem: vnodes, mounts, path lookup, open files and the
 * file-descriptor table. Filesystems (ramfs, rofs, devfs, the ZFS module)
 * implement struct vnode_ops and register a struct fs_type; the Linux
 * syscall layer calls the vfs_* functions below. Lock rules and the
 * contract of every op: kernel/fs/README.md.
 *
 * Errors are negative Linux errno values. Sizes and offsets are bytes,
 * times are nanoseconds since 1970. Constants carry Linux's numbers so the
 * syscall layer passes user flags straight through. There are no
 * permission checks: the single application runs as root. */
#ifndef FS_VFS_H
#define FS_VFS_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "lib/list.h"
#include "sched/sync.h"

#define NAME_MAX	255		/* bytes in one path component */
#define PATH_MAX	4096		/* bytes in a path, NUL included */
#define SYMLOOP_MAX	40		/* symlinks followed in one lookup */
#define FD_LIMIT	1024		/* default fds per table */

/* ---- constants (Linux x86-64 values; guarded for host unit tests) ---- */
#ifndef S_IFMT
#define S_IFMT		0170000
#define S_IFSOCK	0140000
#define S_IFLNK		0120000
#define S_IFREG		0100000
#define S_IFBLK		0060000
#define S_IFDIR		0040000
#define S_IFCHR		0020000
#define S_IFIFO		0010000
#define S_ISUID		04000
#define S_ISGID		02000
#define S_ISVTX		01000
#endif
#define S_IALLUGO	07777		/* permission and set-id/sticky bits */

#ifndef O_ACCMODE
#define O_ACCMODE	00000003
#define O_RDONLY	00000000
#define O_WRONLY	00000001
#define O_RDWR		00000002
#define O_CREAT		00000100
#define O_EXCL		00000200
#define O_NOCTTY	00000400
#define O_TRUNC		00001000
#define O_APPEND	00002000
#define O_NONBLOCK	00004000
#define O_DSYNC		00010000
#define O_DIRECT	00040000
#define O_DIRECTORY	00200000
#define O_NOFOLLOW	00400000
#define O_NOATIME	01000000
#define O_CLOEXEC	02000000
#define O_SYNC		04010000
#define O_PATH		010000000
#endif

#ifndef AT_FDCWD
#define AT_FDCWD		-100
#define AT_SYMLINK_NOFOLLOW	0x100
#define AT_REMOVEDIR		0x200
#define AT_SYMLINK_FOLLOW	0x400
#define AT_EMPTY_PATH		0x1000
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	1
#endif

#ifndef SEEK_SET
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#endif
#ifndef SEEK_DATA
#define SEEK_DATA	3
#define SEEK_HOLE	4
#endif

#ifndef MS_RDONLY
#define MS_RDONLY	1
#define MS_NOSUID	2
#define MS_NODEV	4
#define MS_NOEXEC	8
#define MS_SYNCHRONOUS	16
#define MS_REMOUNT	32
#define MS_NOATIME	1024
#endif
#ifndef MNT_FORCE
#define MNT_FORCE	1
#define MNT_DETACH	2
#endif

#ifndef UTIME_NOW
#define UTIME_NOW	((1L << 30) - 1L)
#define UTIME_OMIT	((1L << 30) - 2L)
#endif

#ifndef FD_CLOEXEC
#define FD_CLOEXEC	1
#endif

#ifndef DT_UNKNOWN
#define DT_UNKNOWN	0
#define DT_FIFO		1
#define DT_CHR		2
#define DT_DIR		4
#define DT_BLK		6
#define DT_REG		8
#define DT_LNK		10
#define DT_SOCK		12
#endif

#ifndef POLLIN
#define POLLIN		0x001
#define POLLPRI		0x002
#define POLLOUT		0x004
#define POLLERR		0x008
#define POLLHUP		0x010
#define POLLNVAL	0x020
#endif

/* ---- vnodes ---- */
enum vtype { VNON, VREG, VDIR, VLNK, VCHR, VBLK, VFIFO, VSOCK };

struct vnode;
struct mount;
struct file;

/* File attributes (what stat(2) reports). */
struct vattr {
	uint64_t ino;
	uint64_t dev;			/* filled by the VFS: the mount's st_dev */
	uint32_t mode;			/* S_IF* type bits | permission bits */
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t rdev;			/* device number of a VCHR/VBLK node */
	int64_t size;
	uint32_t blksize;		/* preferred I/O size */
	uint64_t blocks;		/* 512-byte units allocated */
	int64_t atime, mtime, ctime;	/* ns since 1970 */
};

/* Attribute changes: set the VA_* bits of the fields to change. The VFS
 * resolves UTIME_NOW to the current time before calling setattr, and sets
 * VA_CTIME itself on every change. */
#define VA_MODE		0x01		/* permission bits only */
#define VA_UID		0x02
#define VA_GID		0x04
#define VA_SIZE		0x08
#define VA_ATIME	0x10
#define VA_MTIME	0x20
#define VA_CTIME	0x40
struct vattr_set {
	unsigned mask;
	uint32_t mode, uid, gid;
	int64_t size;
	int64_t atime, mtime, ctime;
};

/* readdir: the filesystem calls ctx->emit() for each entry starting at the
 * cookie ctx->pos; emit returns 0 to continue or non-zero when the caller's
 * buffer is full (that entry is then not consumed: the filesystem stops and
 * leaves ctx->pos at it). After each consumed entry the filesystem sets
 * ctx->pos to the cookie of the entry after it. Cookies are opaque values
 * >= 2 chosen by the filesystem, stable while the directory changes; the
 * VFS emits "." (pos 0) and ".." (pos 1) itself. */
struct dir_ctx {
	int (*emit)(struct dir_ctx *ctx, const char *name, size_t len,
		    uint64_t ino, unsigned dtype);
	int64_t pos;
	void *arg;			/* for the caller of vfs_getdents */
};

/* Vnode operations. Unless said otherwise the VFS calls them with the
 * vnode's lock held: shared for lookup/readdir/readlink/read/getattr,
 * exclusive for anything that changes it. A directory op that removes or
 * renames also holds the victims' locks (parents before children).
 * Names are NUL-terminated components, never "." (handled by the VFS),
 * ".." only for lookup. Any op may be NULL: the VFS answers -ENOTSUP (or
 * -EPERM/-ENOTDIR where POSIX says so). Returned vnodes are held. */
struct vnode_ops {
	/* Directories. lookup must handle "..", returning the directory itself
	 * for the filesystem's root. -ENOENT when absent. */
	int (*lookup)(struct vnode *dir, const char *name, struct vnode **out);
	/* Regular files and, by va->mode's type bits, device nodes, fifos and
	 * sockets (mknod). The VFS has checked the name does not exist. */
	int (*create)(struct vnode *dir, const char *name, const struct vattr *va,
		      struct vnode **out);
	int (*mkdir)(struct vnode *dir, const char *name, const struct vattr *va,
		     struct vnode **out);
	int (*symlink)(struct vnode *dir, const char *name, const char *target,
		       const struct vattr *va, struct vnode **out);
	/* Hard link: vn (locked exclusive, not a directory) gets a new name. */
	int (*link)(struct vnode *dir, const char *name, struct vnode *vn);
	/* vn is the entry's vnode, locked exclusive; rmdir: -ENOTEMPTY unless
	 * empty. The filesystem drops nlink; storage goes in inactive. */
	int (*unlink)(struct vnode *dir, const char *name, struct vnode *vn);
	int (*rmdir)(struct vnode *dir, const char *name, struct vnode *vn);
	/* Both parents locked exclusive (once if the same), vn and the replaced
	 * target tvn (NULL if none) too. The VFS has checked every POSIX rule
	 * except that a replaced directory must be empty (-ENOTEMPTY). A moved
	 * directory's ".." must point at tdir afterwards. */
	int (*rename)(struct vnode *sdir, const char *sname, struct vnode *vn,
		      struct vnode *tdir, const char *tname, struct vnode *tvn);
	int (*readdir)(struct vnode *dir, struct dir_ctx *ctx);
	/* Copies at most len bytes of the target (no NUL); returns the count. */
	int (*readlink)(struct vnode *vn, char *buf, size_t len);

	/* Regular files. read returns 0 at or past the end; write extends the
	 * file. Both return the byte count or a negative errno. */
	long (*read)(struct vnode *vn, void *buf, size_t len, int64_t off);
	long (*write)(struct vnode *vn, const void *buf, size_t len, int64_t off);
	/* SEEK_DATA/SEEK_HOLE (optional: without it the file is all data). */
	int64_t (*seek_hole)(struct vnode *vn, int64_t off, int whence);
	int (*fsync)(struct vnode *vn, bool datasync);
	/* fallocate mode 0 (optional: NULL answers -EOPNOTSUPP): make
	 * [off, off + len) allocated, so writes there cannot fail for space
	 * (-ENOSPC if it cannot be), and extend the size to off + len if it
	 * is smaller. The VFS has checked off >= 0, len > 0, no overflow. */
	int (*allocate)(struct vnode *vn, int64_t off, int64_t len);

	int (*getattr)(struct vnode *vn, struct vattr *va);
	int (*setattr)(struct vnode *vn, const struct vattr_set *vs);

	/* Extended attributes (optional: NULL answers -EOPNOTSUPP). get copies at most len bytes of the value and returns its full size (len 0: just the size; -ERANGE if len is too small, -ENODATA if absent); set flags are XATTR_CREATE 1 / XATTR_REPLACE 2 (-EEXIST / -ENODATA); list fills buf with NUL-terminated names and returns the byte count (len 0: the size needed; -ERANGE if too small); remove: -ENODATA if absent. Names are full ("user.foo"), at most 255 bytes; values at most 65536 bytes. */
	long (*getxattr)(struct vnode *vn, const char *name, void *buf, size_t len);
	int (*setxattr)(struct vnode *vn, const char *name, const void *val, size_t len, int flags);
	long (*listxattr)(struct vnode *vn, char *buf, size_t len);
	int (*removexattr)(struct vnode *vn, const char *name);

	/* Optional hook at open (lock not held): may refuse, or install its own
	 * file ops in f->ops (a filesystem's device nodes). */
	int (*open)(struct vnode *vn, struct file *f);

	/* The last reference went away. Called with the mount's vnode lock
	 * held, so it must not hold or release other vnodes of this mount.
	 * Return true to keep the vnode (refs 0, still reachable through the
	 * filesystem, e.g. nlink > 0), false to have it reclaimed now.
	 * NULL: reclaim. */
	bool (*inactive)(struct vnode *vn);
	/* Frees the filesystem's state of the vnode (not embedded private data:
	 * the VFS frees the vnode itself). Also called at unmount for vnodes
	 * still kept. */
	void (*reclaim)(struct vnode *vn);

	/* A VN_AUTOMOUNT directory a path walk enters with nothing mounted on
	 * it: mount what belongs there (vfs_mount_on with automount set), no
	 * lock held. -EBUSY (someone else mounted it first) counts as done;
	 * another error fails the walk. */
	int (*automount)(struct vnode *vn);
	/* A directory its parent's readdir may not list (ZFS's hidden .zfs):
	 * its name there, for getcwd and the mount table; -ENOENT: look in
	 * the parent's readdir. */
	int (*hidden_name)(struct vnode *vn, char name[NAME_MAX + 1]);
};

#define VN_ROOT		0x01		/* root of its mount */
#define VN_CACHED	0x02		/* in its mount's vnode cache */
#define VN_IDLE		0x04		/* unreferenced, kept for its pages (vfs.c) */
#define VN_AUTOMOUNT	0x08		/* entering it mounts something (ops->automount) */

struct vnode {
	enum vtype type;
	unsigned flags;			/* VN_* */
	int refs;			/* atomic; 0->1 and 1->0 under mount->vlock */
	uint64_t ino;
	uint64_t rdev;			/* VCHR/VBLK */
	struct mount *mount;
	const struct vnode_ops *ops;
	/* Device vnodes (devfs): the file ops an open gets. NULL for a device
	 * node on an ordinary filesystem: then the device opener registered
	 * with vfs_set_devopen() supplies them by rdev. */
	const struct file_ops *fops;
	void *priv;			/* the filesystem's */
	struct rwlock lock;
	struct mount *mounted_here;	/* a mount covering this directory */
	struct list mount_node;		/* in mount->vnodes */
	struct vnode *hash_next;	/* in the mount's vnode cache */
	struct pcache *pages;		/* mapped pages (fs/pcache.h); NULL until mapped */
	struct list idle_node;		/* VN_IDLE: in the VFS's list of idle vnodes */
};

/* A new vnode with one reference, in mount mp. priv_size > 0 allocates
 * that many zeroed bytes with it and points priv at them. NULL: -ENOMEM. */
struct vnode *vnode_new(struct mount *mp, enum vtype type,
			const struct vnode_ops *ops, size_t priv_size);
void vn_hold(struct vnode *vn);
void vn_rele(struct vnode *vn);
static inline void vn_lock_shared(struct vnode *vn) { rw_read_lock(&vn->lock); }
static inline void vn_lock(struct vnode *vn) { rw_write_lock(&vn->lock); }
static inline void vn_unlock(struct vnode *vn) { rw_unlock(&vn->lock); }

/* Optional per-mount cache by inode number, for filesystems whose vnodes
 * are not permanent (rofs, zfs): it keeps one vnode per inode while used.
 * find returns the vnode held or NULL. add inserts vn (VN_CACHED) unless
 * another vnode has that number already: then it releases vn and returns
 * that one held; else returns vn. Cached vnodes leave the cache when
 * reclaimed. */
struct vnode *vnode_cache_find(struct mount *mp, uint64_t ino);
struct vnode *vnode_cache_add(struct vnode *vn);

unsigned vtype_to_dt(enum vtype t);
enum vtype mode_to_vtype(uint32_t mode);
uint32_t vtype_to_mode(enum vtype t);
/* Live vnodes in the whole system (for leak tests). */
long vnode_count(void);

/* ---- open files ---- */
struct poll_table {
	/* The poller registers each wait queue a file may be woken through. */
	void (*add)(struct poll_table *pt, struct waitq *wq);
};

struct kiovec {
	void *base;
	size_t len;
};

/* How an open file is read and written. Vnode-backed files get the VFS's
 * own ops; devices, pipes and sockets bring theirs. *pos is the position to
 * use and advance (the file's, under its position lock, or pread's). */
struct file_ops {
	long (*read)(struct file *f, void *buf, size_t len, int64_t *pos);
	long (*write)(struct file *f, const void *buf, size_t len, int64_t *pos);
	/* Optional, for files without a position (sockets): readv/writev
	 * as one transfer, so a datagram is one message and a stream read
	 * returns what is there. NULL: read/write once per element. */
	long (*readv)(struct file *f, const struct kiovec *iov, int cnt);
	long (*writev)(struct file *f, const struct kiovec *iov, int cnt);
	/* NULL: the file is a stream (-ESPIPE). */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	int (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	/* Returns the ready POLL* bits among events; pt NULL: just ask. */
	unsigned (*poll)(struct file *f, unsigned events, struct poll_table *pt);
	int (*fsync)(struct file *f, bool datasync);
	/* fstat of a file without a vnode (pipes: S_IFIFO). */
	int (*getattr)(struct file *f, struct vattr *va);
	/* Last reference dropped. */
	void (*release)(struct file *f);
	/* What a file with no vnode and no type of its own is called in
	 * /proc/PID/fd ("[eventpoll]": anon_inode:[eventpoll]); pipes and
	 * sockets are named from getattr's type and inode number. */
	const char *anon_name;
};

#define FILE_POS_LOCK	0x01		/* read/write/lseek serialize on pos */

struct file {
	const struct file_ops *ops;
	struct vnode *vn;		/* held; NULL for pipes etc. */
	int refs;			/* atomic */
	int flags;			/* O_* status flags (no O_CLOEXEC) */
	unsigned fflags;		/* FILE_* */
	int64_t pos;
	struct mutex pos_lock;
	void *priv;			/* for the file ops' owner */
	/* How it was opened, for its path (vfs_file_path): the directory
	 * the last component was found in (held) and that name; NULL for
	 * directories (they know their parent) and files with no name. */
	struct vnode *dir;
	char *name;
	/* Whoever watches the file without holding it (epoll's entries,
	 * under their owner's lock): when the last reference goes, the hook
	 * registered with vfs_set_unwatch() takes them off, before release. */
	struct list watchers;
};

/* A file with custom ops and no vnode (pipes, console, sockets); one ref. */
struct file *file_new(const struct file_ops *ops, int flags, void *priv);
void file_hold(struct file *f);
void file_rele(struct file *f);
/* Set once, by the first user of f->watchers (linux/epoll.c). */
void vfs_set_unwatch(void (*unwatch)(struct file *f));

/* Device opener: called to open a VCHR/VBLK vnode that has no fops (a
 * device node made with mknod on ramfs); sets f->ops and f->priv from
 * vn->rdev or fails with -ENXIO. Registered once by devfs. */
void vfs_set_devopen(int (*devopen)(struct vnode *vn, struct file *f));

/* ---- file-descriptor tables ---- */
struct fdtable {
	struct mutex lock;
	int size;			/* slots allocated */
	int limit;			/* fds must be < limit (RLIMIT_NOFILE) */
	struct file **files;
	uint8_t *fdflags;		/* FD_CLOEXEC */
};

void fdtable_init(struct fdtable *t, int limit);
/* RLIMIT_NOFILE: fds from now on must be below limit. */
int fdtable_set_limit(struct fdtable *t, int limit);
void fdtable_destroy(struct fdtable *t);	/* closes everything */
/* fork: dst (uninitialized) gets src's descriptors, each file held again
 * (so offsets and status flags are shared), with their FD_CLOEXEC. */
int fdtable_copy(struct fdtable *dst, struct fdtable *src);
/* Lowest free fd >= minfd; takes over the caller's reference on success. */
int fd_install(struct fdtable *t, struct file *f, int minfd, int fdflags);
/* For a call that must copy its fds out before they exist (pipe2,
 * socketpair): the lowest free fd >= minfd, held back from every other
 * use, then filled with its file (taking the caller's reference) or
 * given back. dup2 onto a reserved fd fails with -EBUSY. */
int fd_reserve(struct fdtable *t, int minfd);
void fd_fill(struct fdtable *t, int fd, struct file *f, int fdflags);
void fd_unreserve(struct fdtable *t, int fd);
/* The file behind fd, held (release with file_rele); -EBADF. */
int fd_get(struct fdtable *t, int fd, struct file **out);
int fd_close(struct fdtable *t, int fd);
int fd_dup(struct fdtable *t, int fd, int minfd, int fdflags);	/* dup, F_DUPFD */
int fd_dup2(struct fdtable *t, int fd, int newfd);
int fd_dup3(struct fdtable *t, int fd, int newfd, int o_flags);	/* O_CLOEXEC */
int fd_get_flags(struct fdtable *t, int fd);			/* F_GETFD */
/* The lowest open fd >= fd, or -1 (/proc/PID/fd lists them). */
int fd_next(struct fdtable *t, int fd);
int fd_set_flags(struct fdtable *t, int fd, int fdflags);	/* F_SETFD */
void fdtable_close_on_exec(struct fdtable *t);

/* ---- filesystem types and mounts ---- */
struct vfs_statfs {
	uint64_t type;			/* filesystem magic (f_type) */
	uint64_t bsize, frsize;
	uint64_t blocks, bfree, bavail;
	uint64_t files, ffree;
	uint64_t fsid;
	uint64_t namelen;
	uint64_t flags;			/* ST_RDONLY=1 ... (filled by the VFS) */
};

struct fs_type {
	const char *name;
	/* Sets mp->root (a held VDIR vnode, which the VFS marks VN_ROOT) and
	 * mp->priv. source and data may be NULL. */
	int (*mount)(struct mount *mp, const char *source, const char *data);
	/* Called once the VFS knows the mount is not busy (may fail, e.g. a
	 * flush error); afterwards the VFS releases the root and reclaims
	 * every vnode left, then calls release. */
	int (*unmount)(struct mount *mp, int flags);
	/* Frees mp->priv once no vnode is left; also after a failed mount. */
	void (*release)(struct mount *mp);
	int (*statfs)(struct mount *mp, struct vfs_statfs *st);
	int (*sync)(struct mount *mp);
	/* Its files never change (ROFS): a vnode whose last reference goes
	 * keeps its page cache for the next exec or mmap (vfs.c). */
	bool keep_idle_pages;
	/* Optional: MS_REMOUNT with new flags; NULL accepts any. */
	int (*remount)(struct mount *mp, unsigned long flags, const char *data);
	/* Optional, for fstab: what else belongs below this mount once it
	 * is attached (ZFS child datasets, as `zfs mount -a` finds them).
	 * Calls mount(ctx, source, relpath) for each, parents first, and
	 * returns the first failure. */
	int (*submounts)(struct mount *mp, int (*mount)(void *ctx, const char *source,
			 const char *relpath), void *ctx);
};

/* The longest mount source kept, with its NUL: a ZFS dataset name
 * (ZFS_MAX_DATASET_NAME_LEN) fits; a longer source is refused. */
#define MOUNT_SOURCE_MAX	256

struct mount {
	const struct fs_type *type;
	struct vnode *root;		/* held */
	struct vnode *covered;		/* held; NULL for the root mount */
	unsigned long flags;		/* MS_* */
	uint64_t dev;			/* st_dev of its files */
	void *priv;			/* the filesystem's */
	struct mutex vlock;		/* vnode 0<->1 refs, vnodes, cache */
	struct list vnodes;
	long active;			/* vnodes with refs > 0 */
	struct vnode **cache;		/* hash by ino, VNODE_CACHE_SIZE */
	struct list node;		/* in the mount table */
	bool automounted;		/* by ops->automount: unmounted with its parent */
	char source[MOUNT_SOURCE_MAX];	/* what was mounted, as /proc/mounts shows it */
	char path[];			/* where, from the root, when it was mounted */
};

int vfs_register_fs(const struct fs_type *type);	/* -EEXIST, -ENOMEM */
int vfs_unregister_fs(const struct fs_type *type);	/* -EBUSY while mounted */
const struct fs_type *vfs_find_fs(const char *name);

/* Mounts the root filesystem (once: -EBUSY after). */
int vfs_mount_root(const char *fstype, const char *source, unsigned long flags,
		   const char *data);
/* Mounts fstype on the directory target (-ENODEV for an unknown type),
 * a relative target from the directory at (NULL: the current one).
 * MS_REMOUNT changes the flags of the mount whose root target is. */
int vfs_mountat(struct vnode *at, const char *source, const char *target,
		const char *fstype, unsigned long flags, const char *data);
/* -EBUSY while files, directories or mounts inside are in use; -EINVAL if
 * target is not a mount's root. */
int vfs_umountat(struct vnode *at, const char *target, int flags);
/* Mounts fstype on the directory vn (held by the caller), for a
 * filesystem's automount (automount: the mount goes when the one holding
 * vn is unmounted, and before it). */
int vfs_mount_on(struct vnode *vn, const char *source, const char *fstype,
		 unsigned long flags, const char *data, bool automount);
/* Unmounts the automounted mount of source (a ZFS snapshot before it is
 * destroyed): 0 also when there is none, -EBUSY while it is in use. */
int vfs_umount_automounted(const char *source);
#define vfs_mount(source, target, fstype, flags, data) \
	vfs_mountat(NULL, source, target, fstype, flags, data)
#define vfs_umount(target, flags) vfs_umountat(NULL, target, flags)
/* The root directory, held, or NULL before vfs_mount_root. */
struct vnode *vfs_root(void);
/* Calls fn for each mount, in mount order, under the mount table lock
 * (fn must not mount or unmount). Stops at fn's first non-zero result. */
int vfs_for_each_mount(int (*fn)(struct mount *mp, void *arg), void *arg);
/* Syncs every mount; returns the first error. */
int vfs_sync(void);
/* Syncs one mount (syncfs); the caller keeps it mounted (holds a vnode). */
int vfs_sync_mount(struct mount *mp);
/* At shutdown: unmounts every mount but the root, the last mounted first.
 * One that is busy or whose filesystem refuses stays, with a message
 * naming it; the others go on. Returns 0 or the first error. */
int vfs_unmount_all(void);

/* ---- the current directory ---- */
/* The running thread's: its process's, where the Linux layer's hook says
 * where that is kept (a slot holding a vnode or NULL), else the system's
 * (kernel threads). NULL dir arguments below mean it. Before the first
 * chdir it is the root. Returned held. */
struct vnode *vfs_cwd(void);
void vfs_set_cwd_hook(struct vnode **(*slot)(void));
int vfs_chdir(const char *path);
int vfs_fchdir(struct vnode *dir);
/* Path of the current directory, by walking ".." (getcwd). */
int vfs_getcwd(char *buf, size_t len);
/* The same for the directory dir, whose reference it takes. */
int vfs_dir_path(struct vnode *dir, char *buf, size_t len);
/* The held current directory of a process whose slot (as the cwd hook
 * gives) is slot, or NULL if it has none (it ended): /proc/PID/cwd. */
struct vnode *vfs_cwd_of(struct vnode **slot);
/* The slot emptied (a process ends): its vnode, for the caller to release. */
struct vnode *vfs_cwd_take(struct vnode **slot);
/* What /proc/PID/fd/N reads for f, NUL-terminated in buf: its path as
 * opened (directories: walked up from the vnode), " (deleted)" after
 * it once unlinked; pipe:[INO], socket:[INO], anon_inode:NAME for
 * files without a vnode. The length, or -ERANGE, -ENOENT (no name). */
int vfs_file_path(struct file *f, char *buf, size_t len);

/* ---- path operations ---- */
/* Relative paths start at dir (held by the caller; NULL: the current
 * directory). *at flags take AT_SYMLINK_NOFOLLOW / AT_SYMLINK_FOLLOW /
 * AT_EMPTY_PATH / AT_REMOVEDIR as Linux does. */
#define LOOKUP_FOLLOW		0x1	/* follow a symlink in the last component */
#define LOOKUP_DIRECTORY	0x2	/* the result must be a directory */
int vfs_lookupat(struct vnode *dir, const char *path, int lookup_flags,
		 struct vnode **out);
int vfs_openat(struct vnode *dir, const char *path, int o_flags, uint32_t mode,
	       struct file **out);
int vfs_open(const char *path, int o_flags, uint32_t mode, struct file **out);
/* An open file on a held vnode (fdopendir-like helpers, devfs). */
int vfs_open_vnode(struct vnode *vn, int o_flags, struct file **out);
/* O_TMPFILE: a new regular file in the directory at path, with no name
 * (it goes when its last descriptor closes). */
int vfs_open_tmpfile(struct vnode *dir, const char *path, int o_flags, uint32_t mode,
    struct file **out);
int vfs_mkdirat(struct vnode *dir, const char *path, uint32_t mode);
int vfs_mknodat(struct vnode *dir, const char *path, uint32_t mode, uint64_t rdev);
/* The same, giving the new node held in *out (a bound AF_UNIX socket's). */
int vfs_mknodat_vnode(struct vnode *dir, const char *path, uint32_t mode, uint64_t rdev,
		      struct vnode **out);
int vfs_symlinkat(const char *target, struct vnode *dir, const char *path);
int vfs_readlinkat(struct vnode *dir, const char *path, char *buf, size_t len);
int vfs_linkat(struct vnode *odir, const char *opath, struct vnode *ndir,
	       const char *npath, int at_flags);
int vfs_unlinkat(struct vnode *dir, const char *path, int at_flags);
int vfs_renameat(struct vnode *odir, const char *opath, struct vnode *ndir,
		 const char *npath, unsigned rename_flags);
int vfs_statat(struct vnode *dir, const char *path, struct vattr *va, int at_flags);
int vfs_truncateat(struct vnode *dir, const char *path, int64_t size);
int vfs_chmodat(struct vnode *dir, const char *path, uint32_t mode, int at_flags);
int vfs_chownat(struct vnode *dir, const char *path, uint32_t uid, uint32_t gid,
		int at_flags);	/* (uint32_t)-1 leaves one unchanged */
/* times[0] atime, times[1] mtime in ns, or UTIME_NOW/UTIME_OMIT; NULL: now. */
int vfs_utimensat(struct vnode *dir, const char *path, const int64_t times[2],
		  int at_flags);
int vfs_statfsat(struct vnode *dir, const char *path, struct vfs_statfs *st);
/* F_OK/W_OK...: existence, and -EROFS for W_OK on a read-only mount. */
int vfs_accessat(struct vnode *dir, const char *path, int amode, int at_flags);

/* ---- open-file operations ---- */
long vfs_read(struct file *f, void *buf, size_t len);
long vfs_write(struct file *f, const void *buf, size_t len);
long vfs_pread(struct file *f, void *buf, size_t len, int64_t off);
long vfs_pwrite(struct file *f, const void *buf, size_t len, int64_t off);
/* off < 0: at (and advancing) the file position. A file opened O_SYNC
 * (O_DSYNC) is fsynced (fdatasynced) after every write that moved bytes;
 * an fsync error is then the write's result. */
long vfs_readv(struct file *f, const struct kiovec *iov, int cnt, int64_t off);
long vfs_writev(struct file *f, const struct kiovec *iov, int cnt, int64_t off);
/* preadv2/pwritev2: rwf is RWF_*. RWF_DSYNC/RWF_SYNC make this one write
 * synchronous, RWF_APPEND writes this one at the end of a file (off then
 * only says whether the file position moves), RWF_HIPRI is a hint;
 * RWF_NOWAIT and unknown bits are -EOPNOTSUPP. */
#ifndef RWF_HIPRI
#define RWF_HIPRI	0x01
#define RWF_DSYNC	0x02
#define RWF_SYNC	0x04
#define RWF_NOWAIT	0x08
#define RWF_APPEND	0x10
#endif
long vfs_readv2(struct file *f, const struct kiovec *iov, int cnt, int64_t off, int rwf);
long vfs_writev2(struct file *f, const struct kiovec *iov, int cnt, int64_t off, int rwf);
int64_t vfs_lseek(struct file *f, int64_t off, int whence);
/* getdents64: emits entries from the file position, which it advances.
 * Returns 0 (also at the end) or a negative errno. */
int vfs_getdents(struct file *f, struct dir_ctx *ctx);
int vfs_fstat(struct file *f, struct vattr *va);
int vfs_ftruncate(struct file *f, int64_t size);
/* fallocate(2) with Linux's checks and errors (EINVAL, EOPNOTSUPP for an
 * invalid mode, EBADF, ESPIPE, EISDIR, ENODEV, EFBIG); mode 0 calls the
 * vnode's allocate under its lock, any other mode is -EOPNOTSUPP. */
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#define FALLOC_FL_PUNCH_HOLE	0x02
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE	0x10
#define FALLOC_FL_INSERT_RANGE	0x20
#define FALLOC_FL_UNSHARE_RANGE	0x40
#endif
int vfs_fallocate(struct file *f, int mode, int64_t off, int64_t len);
int vfs_fsync(struct file *f, bool datasync);
int vfs_fchmod(struct file *f, uint32_t mode);
int vfs_fchown(struct file *f, uint32_t uid, uint32_t gid);
int vfs_futimens(struct file *f, const int64_t times[2]);
int vfs_fstatfs(struct file *f, struct vfs_statfs *st);
int vfs_ioctl(struct file *f, unsigned long cmd, unsigned long arg);
unsigned vfs_poll(struct file *f, unsigned events, struct poll_table *pt);

/* Vnode-level helpers for code holding a vnode (fchdir, devfs, loaders). */
int vfs_getattr(struct vnode *vn, struct vattr *va);
int vfs_setattr(struct vnode *vn, struct vattr_set *vs);

/* ---- extended attributes (vfs_xattr.c) ---- */
#ifndef XATTR_CREATE
#define XATTR_CREATE	1		/* set: -EEXIST if it exists */
#define XATTR_REPLACE	2		/* set: -ENODATA if it does not */
#endif
#define XATTR_NAME_MAX	255		/* bytes in a name, NUL excluded */
#define XATTR_SIZE_MAX	65536		/* bytes in a value */
#define XATTR_LIST_MAX	65536		/* bytes in a list of names */
/* The VFS checks what Linux's VFS does before the filesystem's op: EROFS
 * (set, remove on a read-only mount); "user." on what is neither a file
 * nor a directory (set, remove: EPERM; get: ENODATA); no op: EOPNOTSUPP;
 * a name of 0 or more than XATTR_NAME_MAX bytes: ERANGE; a namespace
 * other than user., trusted., security., system.: EOPNOTSUPP, and nothing
 * after it: EINVAL; bad set flags: EINVAL; a value over XATTR_SIZE_MAX:
 * E2BIG. get and list take the vnode lock shared, set and remove
 * exclusive. A filesystem without a listxattr op lists nothing (0), as
 * Linux answers for one without extended attributes. */
long vfs_getxattr(struct vnode *vn, const char *name, void *buf, size_t len);
int vfs_setxattr(struct vnode *vn, const char *name, const void *val, size_t len, int flags);
long vfs_listxattr(struct vnode *vn, char *buf, size_t len);
int vfs_removexattr(struct vnode *vn, const char *name);
/* Path forms: a symlink is followed unless at_flags has
 * AT_SYMLINK_NOFOLLOW (the l* calls); AT_EMPTY_PATH with "" means dir. */
long vfs_getxattrat(struct vnode *dir, const char *path, int at_flags, const char *name,
		    void *buf, size_t len);
int vfs_setxattrat(struct vnode *dir, const char *path, int at_flags, const char *name,
		   const void *val, size_t len, int flags);
long vfs_listxattrat(struct vnode *dir, const char *path, int at_flags, char *buf, size_t len);
int vfs_removexattrat(struct vnode *dir, const char *path, int at_flags, const char *name);
/* Open-file forms: -EBADF for an O_PATH file. A pipe or socket (no
 * vnode) has no attributes: user.* is refused as above, other names are
 * -EOPNOTSUPP, its list is empty. */
long vfs_fgetxattr(struct file *f, const char *name, void *buf, size_t len);
int vfs_fsetxattr(struct file *f, const char *name, const void *val, size_t len, int flags);
long vfs_flistxattr(struct file *f, char *buf, size_t len);
int vfs_fremovexattr(struct file *f, const char *name);

/* Initializes the VFS and registers the built-in filesystems (ramfs). */
void vfs_init(void);
int ramfs_init(void);		/* registers "ramfs" */

#endif
