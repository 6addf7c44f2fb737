/*
 * The Linux VFS objects that OpenZFS's Linux POSIX-layer files use, as
 * far as they use them: the inode embedded in every znode, the
 * super_block of a mounted filesystem, the page cache of a file.
 *
 * OpenZFS's Linux ZPL (os/linux/zfs: zfs_znode.c, zfs_dir.c, zfs_acl.c,
 * zfs_vnops_os.c) is compiled unmodified against this model, so the
 * on-disk behaviour (znodes, directories, ACLs, the intent log) is
 * exactly Linux's. Osprey's own VFS sits above it: os/zpl_vnops.c turns
 * vnode ops into the zfs_* calls, and each Osprey vnode of a ZFS file
 * holds one inode reference (i_count). The inode's life follows Linux's:
 * the last iput() evicts it (zfs_inactive, then zfs_inode_destroy).
 *
 * Page cache: Osprey maps no ZFS file through pages shared with ZFS
 * (mmap copies; see kernel/linux/vm.c), so every address_space is empty:
 * nrpages is 0, find_lock_page() finds nothing, and the znode is never
 * "mapped" (z_is_mapped stays false), so zfs_read/zfs_write never take
 * the page-synchronising paths. The page type exists for the prototypes.
 */
#ifndef OSPREY_SPL_SYS_ZPL_H
#define OSPREY_SPL_SYS_ZPL_H
#include <sys/types.h>
#include <sys/atomic.h>
#include <sys/mutex.h>
#include <sys/vfs.h>
#include <sys/mntent.h>

struct inode;
struct page;
struct dentry;
struct user_namespace;

/* Operation tables Linux hangs on inodes: only their identity matters
 * here (zfs_inode_set_ops picks one by file type). */
struct inode_operations { int kind; };
struct file_operations { int kind; };
struct address_space_operations { int kind; };
extern const struct inode_operations zpl_inode_operations;
extern const struct inode_operations zpl_dir_inode_operations;
extern const struct inode_operations zpl_symlink_inode_operations;
extern const struct inode_operations zpl_special_inode_operations;
extern const struct address_space_operations zpl_address_space_operations;
extern const struct file_operations zpl_file_operations;
extern const struct file_operations zpl_dir_file_operations;

struct address_space {
	unsigned long nrpages;		/* always 0: see above */
	const struct address_space_operations *a_ops;
};

struct dentry {
	struct inode *d_inode;
};

struct super_block {
	void *s_fs_info;		/* the zfsvfs */
	unsigned long s_flags;		/* SB_RDONLY... */
	struct dentry *s_root;		/* &s_root_dentry once mounted */
	struct dentry s_root_dentry;	/* the root directory's inode */
	struct mount *s_osprey;		/* the Osprey mount */
	uint32_t s_active;		/* the mount's reference and ioctls' */
};

/* An ioctl's hold on a mounted filesystem (Linux's s_active): get fails
 * once the mount has let go of it; zpl_unmount waits for the last put. */
boolean_t zpl_sb_get(struct super_block *sb);
void zpl_sb_put(struct super_block *sb);

/* i_flags */
#define S_IMMUTABLE	0x08
#define S_APPEND	0x04
/* i_state */
#define I_LINKABLE	0x400
#define SB_RDONLY	1

struct inode {
	umode_t i_mode;
	uid_t i_uid;
	gid_t i_gid;
	unsigned int i_nlink;
	unsigned int i_flags;
	unsigned long i_state;
	uint64_t i_ino;
	dev_t i_rdev;
	loff_t i_size;
	uint64_t i_blocks;		/* 512-byte units */
	unsigned int i_blkbits;
	uint32_t i_generation;
	inode_timespec_t i_atime, i_mtime, i_ctime;
	atomic_t i_count;
	kmutex_t i_lock;		/* i_size, i_blocks (Linux: a spinlock) */
	struct super_block *i_sb;
	const struct inode_operations *i_op;
	const struct file_operations *i_fop;
	struct address_space *i_mapping;
	struct address_space i_data;
};

struct kstat {
	uint64_t ino;
	dev_t dev;
	umode_t mode;
	unsigned int nlink;
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	loff_t size;
	inode_timespec_t atime, mtime, ctime, btime;
	uint32_t blksize;
	uint64_t blocks;
};

/* readdir's cursor: Linux's dir_context, with Osprey's emit behind it. */
typedef struct zpl_dir_context {
	void *dirent;			/* the Osprey struct dir_ctx */
	boolean_t (*actor)(void *dirent, const char *name, int namelen,
	    loff_t pos, uint64_t ino, unsigned type);
	loff_t pos;
} zpl_dir_context_t;

static inline boolean_t
zpl_dir_emit(zpl_dir_context_t *ctx, const char *name, int namelen,
    uint64_t ino, unsigned type)
{
	return (ctx->actor(ctx->dirent, name, namelen, ctx->pos, ino, type));
}

/* Directory entry types, as Linux's DT_* (zfs_readdir reports them). */
#ifndef DT_UNKNOWN
#define DT_UNKNOWN	0
#define DT_DIR		4
#endif

/* ---- inode helpers (Linux's include/linux/fs.h, in our words) ---- */
struct inode *new_inode(struct super_block *sb);
struct inode *igrab(struct inode *ip);
void iput(struct inode *ip);
static inline void ihold(struct inode *ip) { atomic_inc(&ip->i_count); }

static inline loff_t i_size_read(const struct inode *ip) { return (ip->i_size); }
static inline void i_size_write(struct inode *ip, loff_t sz) { ip->i_size = sz; }
static inline void set_nlink(struct inode *ip, unsigned int n) { ip->i_nlink = n; }
static inline void inc_nlink(struct inode *ip) { ip->i_nlink++; }
static inline void drop_nlink(struct inode *ip) { ip->i_nlink--; }
static inline void clear_nlink(struct inode *ip) { ip->i_nlink = 0; }
static inline uid_t zfs_uid_read(struct inode *ip) { return (ip->i_uid); }
static inline gid_t zfs_gid_read(struct inode *ip) { return (ip->i_gid); }
static inline void zfs_uid_write(struct inode *ip, uid_t uid) { ip->i_uid = uid; }
static inline void zfs_gid_write(struct inode *ip, gid_t gid) { ip->i_gid = gid; }

/* There is no inode hash: Osprey's per-mount vnode cache keeps one
 * vnode per object, and OpenZFS's znode hold locks one znode. */
static inline int insert_inode_locked(struct inode *ip) { (void) ip; return (0); }
static inline void unlock_new_inode(struct inode *ip) { (void) ip; }
static inline void remove_inode_hash(struct inode *ip) { (void) ip; }
/* Nothing of a ZFS inode lives only in memory: the attributes go to
 * disk in the same transaction as their change. */
static inline void mark_inode_dirty(struct inode *ip) { (void) ip; }
static inline int write_inode_now(struct inode *ip, int sync)
{ (void) ip, (void) sync; return (0); }

static inline void
init_special_inode(struct inode *ip, umode_t mode, dev_t rdev)
{
	ip->i_mode = mode;
	ip->i_rdev = rdev;
}

static inline void
inode_set_flags(struct inode *ip, unsigned flags, unsigned mask)
{
	ip->i_flags = (ip->i_flags & ~mask) | flags;
}

/* Times are kept to the nanosecond, as Linux's s_time_gran of 1 does. */
static inline inode_timespec_t
zpl_inode_timestamp_truncate(inode_timespec_t ts, struct inode *ip)
{
	(void) ip;
	return (ts);
}

static inline void
zpl_generic_fillattr(struct user_namespace *ns, struct inode *ip,
    struct kstat *sp)
{
	(void) ns;
	sp->ino = ip->i_ino;
	sp->mode = ip->i_mode;
	sp->nlink = ip->i_nlink;
	sp->uid = ip->i_uid;
	sp->gid = ip->i_gid;
	sp->rdev = ip->i_rdev;
	sp->size = ip->i_size;
	sp->atime = ip->i_atime;
	sp->mtime = ip->i_mtime;
	sp->ctime = ip->i_ctime;
	sp->blksize = 1U << ip->i_blkbits;
	sp->blocks = ip->i_blocks;
}

/* Linux keeps per-task I/O counters (/proc/PID/io); Osprey has none. */
#define task_io_account_read(bytes)	((void)(bytes))
#define task_io_account_write(bytes)	((void)(bytes))

/* i_lock guards i_size and i_blocks together. */
#define spin_lock(lock)		mutex_enter(lock)
#define spin_unlock(lock)	mutex_exit(lock)

static inline void
inode_init_once(struct inode *ip)
{
	memset(ip, 0, sizeof (*ip));
	mutex_init(&ip->i_lock, NULL, MUTEX_DEFAULT, NULL);
	ip->i_mapping = &ip->i_data;
}

static inline int
timespec_compare(const inode_timespec_t *a, const inode_timespec_t *b)
{
	if (a->tv_sec != b->tv_sec)
		return (a->tv_sec < b->tv_sec ? -1 : 1);
	return (a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec);
}

/* ---- the (empty) page cache ---- */
struct page { struct address_space *mapping; };
/* Operations on a page: there never is one (find_lock_page finds none,
 * and nothing here hands ZFS a page), so reaching any of these is a bug
 * that must stop the machine rather than pretend. */
void zpl_no_page_cache(const char *op) __attribute__((noreturn));
#define kmap(pp)			(zpl_no_page_cache("kmap"), (void *)0)
#define kunmap(pp)			zpl_no_page_cache("kunmap")
#define flush_dcache_page(pp)		zpl_no_page_cache("flush_dcache_page")
#define mark_page_accessed(pp)		zpl_no_page_cache("mark_page_accessed")
#define SetPageUptodate(pp)		zpl_no_page_cache("SetPageUptodate")
#define ClearPageError(pp)		zpl_no_page_cache("ClearPageError")
#define PageUptodate(pp)		(zpl_no_page_cache("PageUptodate"), 0)
#define unlock_page(pp)			zpl_no_page_cache("unlock_page")
#define lock_page(pp)			zpl_no_page_cache("lock_page")
#define put_page(pp)			zpl_no_page_cache("put_page")
#define page_offset(pp)			(zpl_no_page_cache("page_offset"), (loff_t)0)
#define PageDirty(pp)			(zpl_no_page_cache("PageDirty"), 0)
#define PageWriteback(pp)		(zpl_no_page_cache("PageWriteback"), 0)
#define wait_on_page_bit(pp, bit)	zpl_no_page_cache("wait_on_page_bit")
#define clear_page_dirty_for_io(pp)	(zpl_no_page_cache("clear_page_dirty_for_io"), 0)
#define set_page_writeback(pp)		zpl_no_page_cache("set_page_writeback")
#define end_page_writeback(pp)		zpl_no_page_cache("end_page_writeback")
#define __set_page_dirty_nobuffers(pp)	zpl_no_page_cache("set_page_dirty")
#define redirty_page_for_writepage(wbc, pp) zpl_no_page_cache("redirty_page_for_writepage")
#define PG_writeback			0

/* Mapping rights (zfs_map checks them against the file's flags). */
#define VM_READ		0x1
#define VM_WRITE	0x2
#define VM_EXEC		0x4

/* How a file is open (zfs_open's mode). */
#define FMODE_READ	0x1
#define FMODE_WRITE	0x2

/* Times are 64-bit seconds, so none overflows. */
#define TIMESPEC_OVERFLOW(ts)	((void)(ts), 0)

/* Adds a unless the count is u; whether it added. */
static inline boolean_t
atomic_add_unless(atomic_t *v, int a, int u)
{
	int c = atomic_read(v);

	while (c != u) {
		if (__atomic_compare_exchange_n(&v->counter, &c, c + a, B_FALSE,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return (B_TRUE);
	}
	return (B_FALSE);
}
struct writeback_control { long nr_to_write, pages_skipped; int sync_mode; };
#define WB_SYNC_NONE	0
#define WB_SYNC_ALL	1

static inline struct page *
find_lock_page(struct address_space *mp, unsigned long index)
{
	(void) mp, (void) index;
	return (NULL);
}
static inline boolean_t mapping_writably_mapped(struct address_space *mp)
{ (void) mp; return (B_FALSE); }
static inline void truncate_setsize(struct inode *ip, loff_t size)
{ i_size_write(ip, size); }
static inline void truncate_inode_pages_range(struct address_space *mp,
    loff_t start, loff_t end)
{ (void) mp, (void) start, (void) end; }

/* ---- the Osprey side (os/zpl_vnops.c) ---- */
struct zfsvfs;
/* The Osprey vnode for a znode's inode, held; creates it if needed. */
int zpl_vnode_get(struct inode *ip, struct vnode **out);

#endif
