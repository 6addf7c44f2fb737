/*
 * The ZPL on Osprey's VFS: vnode operations that call OpenZFS's own
 * zfs_* entry points (os/linux/zfs/zfs_vnops_os.c and zfs/zfs_vnops.c,
 * compiled unmodified), and the inode life cycle those expect
 * (sys/zpl.h).
 *
 * Each Osprey vnode of a ZFS file holds one reference on its znode's
 * inode; the vnode cache of the mount keeps one vnode per object. When
 * the last vnode reference goes, the VFS reclaims the vnode and the
 * inode reference is dropped: at zero the inode is evicted
 * (zfs_inactive: an unlinked file is freed here) and destroyed. The
 * VFS holds the mount's vnode lock while it reclaims; eviction only
 * touches znodes, never another vnode, so that is safe.
 *
 * Errors: OpenZFS returns positive errno values, the VFS wants negative
 * ones. A checksum error (ECKSUM) reaches programs as EIO, as on Linux,
 * with a message naming the object.
 */
#include <sys/zfs_context.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_vnops.h>
#include <sys/zfs_vfsops.h>
#include <sys/zfs_dir.h>
#include <sys/zfs_ctldir.h>
#include <sys/dmu_objset.h>
#include <sys/zpl.h>
#include "zpl_osprey.h"
#include "osprey_vfs.h"
#include "dev/console.h"
#include "lib/printf.h"
#include <errno.h>
#include <string.h>

/* Headroom fallocate wants beyond the bytes asked for, in percent (0:
 * fallocate is refused, as Linux's "legacy mode"). */
unsigned int zfs_fallocate_reserve_percent = 110;
ZFS_MODULE_PARAM(zfs, zfs_, fallocate_reserve_percent, UINT, ZMOD_RW,
	"Percentage of length to use for the available capacity check");

/* Identities for zfs_inode_set_ops: Osprey dispatches on the vnode type. */
const struct inode_operations zpl_inode_operations = { 1 };
const struct inode_operations zpl_dir_inode_operations = { 2 };
const struct inode_operations zpl_symlink_inode_operations = { 3 };
const struct inode_operations zpl_special_inode_operations = { 4 };
const struct address_space_operations zpl_address_space_operations = { 1 };
const struct file_operations zpl_file_operations = { 1 };
const struct file_operations zpl_dir_file_operations = { 2 };

void
zpl_no_page_cache(const char *op)
{
	panic("zfs: %s on a page: Osprey shares no page cache with ZFS", op);
}

/* ---- the inode life cycle ---- */

struct inode *
new_inode(struct super_block *sb)
{
	struct inode *ip;

	VERIFY0(zfs_inode_alloc(sb, &ip));
	ip->i_sb = sb;
	ip->i_state = 0;
	ip->i_flags = 0;
	ip->i_rdev = 0;
	ip->i_mapping = &ip->i_data;
	ip->i_data.nrpages = 0;
	atomic_set(&ip->i_count, 1);
	return (ip);
}

/* A new reference, unless eviction has begun (then zfs_zget retries). */
struct inode *
igrab(struct inode *ip)
{
	return (atomic_add_unless(&ip->i_count, 1, 0) ? ip : NULL);
}

void
iput(struct inode *ip)
{
	if (!atomic_dec_and_test(&ip->i_count))
		return;
	zfs_inactive(ip);
	zfs_inode_destroy(ip);
}

/* .zfs is Osprey's vnodes (os/zfs_ctldir_os.c): zpl_lookup finds it
 * before OpenZFS's lookup would ask for an inode here. */
struct inode *
zfsctl_root(znode_t *zp)
{
	panic("zfs: object %llu: an OpenZFS lookup of .zfs, which only "
	    "zpl_lookup may answer", (u_longlong_t)zp->z_id);
}

int
zfsctl_root_lookup(struct inode *dip, const char *name, struct inode **ipp,
    int flags, cred_t *cr, int *direntflags, pathname_t *realpnp)
{
	(void) dip, (void) name, (void) flags, (void) cr;
	(void) direntflags, (void) realpnp;
	*ipp = NULL;
	return (SET_ERROR(ENOENT));
}

int
zfsctl_fid(struct inode *ip, fid_t *fidp)
{
	(void) ip, (void) fidp;
	return (SET_ERROR(ENOENT));
}

/* ---- vnodes ---- */

static const struct vnode_ops zpl_vnode_ops;

static inline znode_t *
VTOZ(struct vnode *vn)
{
	return (vn->priv);
}

/* An OpenZFS result as the VFS wants it. */
static int
zpl_err(znode_t *zp, int error)
{
	if (error == ECKSUM) {
		zfsvfs_t *zfsvfs = ZTOZSB(zp);
		char name[ZFS_MAX_DATASET_NAME_LEN];

		dmu_objset_name(zfsvfs->z_os, name);
		pr_err("zfs: %s: object %llu: checksum error in its data "
		    "(read returns EIO)\n", name, (u_longlong_t)zp->z_id);
		error = EIO;
	}
	return (-error);
}

/*
 * The held vnode of inode ip, whose reference the vnode takes over (or
 * drops, when the object already has a vnode).
 */
int
zpl_vnode_get(struct inode *ip, struct vnode **out)
{
	zfsvfs_t *zfsvfs = ITOZSB(ip);
	struct mount *mp = zfsvfs->z_sb->s_osprey;
	struct vnode *vn;

	if ((vn = vnode_cache_find(mp, ip->i_ino)) != NULL) {
		iput(ip);
		*out = vn;
		return (0);
	}
	vn = vnode_new(mp, mode_to_vtype(ip->i_mode), &zpl_vnode_ops, 0);
	if (vn == NULL) {
		iput(ip);
		return (-ENOMEM);
	}
	vn->ino = ip->i_ino;
	vn->rdev = ip->i_rdev;
	vn->priv = ITOZ(ip);
	*out = vnode_cache_add(vn);	/* releases vn if it lost a race */
	return (0);
}

/* The vnode of zp, which a directory op on dzp returned with error. */
static int
zpl_vnode_of(znode_t *dzp, znode_t *zp, int error, struct vnode **out)
{
	if (error != 0)
		return (zpl_err(dzp, error));
	return (zpl_vnode_get(ZTOI(zp), out));
}

static void
zpl_reclaim(struct vnode *vn)
{
	if (vn->priv != NULL)
		iput(ZTOI(VTOZ(vn)));
	vn->priv = NULL;
}

/* What a new object gets (Linux's zpl_vap_init): the caller's owner, and
 * a set-group-ID directory's group, which a new directory also inherits
 * the bit from. */
static void
zpl_vap_init(vattr_t *vap, znode_t *dzp, uint32_t mode,
    const struct osprey_vattr *va)
{
	struct inode *dir = ZTOI(dzp);

	memset(vap, 0, sizeof (*vap));
	vap->va_mask = ATTR_MODE;
	vap->va_mode = mode;
	vap->va_uid = va->uid;
	vap->va_gid = va->gid;
	if (dir->i_mode & S_ISGID) {
		vap->va_gid = dir->i_gid;
		if (S_ISDIR(mode))
			vap->va_mode |= S_ISGID;
	}
}

/* Names arrive const; OpenZFS's prototypes take char * but never write. */
#define NAME(n)	((char *)(uintptr_t)(n))

static int
zpl_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	znode_t *zp = NULL;
	int error;

	if (zfs_has_ctldir(VTOZ(dir)) && strcmp(name, ZFS_CTLDIR_NAME) == 0)
		return (zfsctl_osprey_root(dir, out));
	error = zfs_lookup(VTOZ(dir), NAME(name), &zp, 0, CRED(), NULL, NULL);

	return (zpl_vnode_of(VTOZ(dir), zp, error, out));
}

static int
zpl_create(struct vnode *dir, const char *name, const struct osprey_vattr *va,
    struct vnode **out)
{
	vattr_t vap;
	znode_t *zp = NULL;
	int error;

	zpl_vap_init(&vap, VTOZ(dir), va->mode, va);
	vap.va_rdev = va->rdev;
	error = zfs_create(VTOZ(dir), NAME(name), &vap, 0, va->mode & 07777,
	    &zp, CRED(), 0, NULL);
	return (zpl_vnode_of(VTOZ(dir), zp, error, out));
}

static int
zpl_mkdir(struct vnode *dir, const char *name, const struct osprey_vattr *va,
    struct vnode **out)
{
	vattr_t vap;
	znode_t *zp = NULL;
	int error;

	zpl_vap_init(&vap, VTOZ(dir), S_IFDIR | (va->mode & 07777), va);
	error = zfs_mkdir(VTOZ(dir), NAME(name), &vap, &zp, CRED(), 0, NULL);
	return (zpl_vnode_of(VTOZ(dir), zp, error, out));
}

static int
zpl_symlink(struct vnode *dir, const char *name, const char *target,
    const struct osprey_vattr *va, struct vnode **out)
{
	vattr_t vap;
	znode_t *zp = NULL;
	int error;

	zpl_vap_init(&vap, VTOZ(dir), S_IFLNK | 0777, va);
	error = zfs_symlink(VTOZ(dir), NAME(name), &vap, NAME(target), &zp,
	    CRED(), 0);
	return (zpl_vnode_of(VTOZ(dir), zp, error, out));
}

static int
zpl_link(struct vnode *dir, const char *name, struct vnode *vn)
{
	return (zpl_err(VTOZ(dir), zfs_link(VTOZ(dir), VTOZ(vn), NAME(name),
	    CRED(), 0)));
}

static int
zpl_unlink(struct vnode *dir, const char *name, struct vnode *vn)
{
	(void) vn;
	return (zpl_err(VTOZ(dir), zfs_remove(VTOZ(dir), NAME(name), CRED(),
	    0)));
}

static int
zpl_rmdir(struct vnode *dir, const char *name, struct vnode *vn)
{
	(void) vn;
	return (zpl_err(VTOZ(dir), zfs_rmdir(VTOZ(dir), NAME(name), NULL,
	    CRED(), 0)));
}

static int
zpl_rename(struct vnode *sdir, const char *sname, struct vnode *vn,
    struct vnode *tdir, const char *tname, struct vnode *tvn)
{
	(void) vn, (void) tvn;
	return (zpl_err(VTOZ(sdir), zfs_rename(VTOZ(sdir), NAME(sname),
	    VTOZ(tdir), NAME(tname), CRED(), 0)));
}

/* zfs_readdir's emit: true to go on. */
static boolean_t
zpl_dir_actor(void *dirent, const char *name, int namelen, loff_t pos,
    uint64_t ino, unsigned type)
{
	struct dir_ctx *ctx = dirent;

	(void) pos;
	return (ctx->emit(ctx, name, namelen, ino, type) == 0);
}

static int
zpl_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	zpl_dir_context_t zctx = {
		.dirent = ctx, .actor = zpl_dir_actor, .pos = ctx->pos,
	};
	int error;

	/* zfs_readdir moves zctx.pos past each entry emitted. */
	error = zfs_readdir(ZTOI(VTOZ(dir)), &zctx, CRED());
	ctx->pos = zctx.pos;
	return (zpl_err(VTOZ(dir), error));
}

static int
zpl_readlink(struct vnode *vn, char *buf, size_t len)
{
	struct iovec iov;
	zfs_uio_t uio;
	int error;

	zfs_uio_init_buf(&uio, &iov, buf, len, 0, UIO_SYSSPACE);
	error = zfs_readlink(ZTOI(VTOZ(vn)), &uio, CRED());
	return (error ? zpl_err(VTOZ(vn), error) : (int)(len - uio.uio_resid));
}

static long
zpl_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	struct iovec iov;
	zfs_uio_t uio;
	int error;

	zfs_uio_init_buf(&uio, &iov, buf, len, off, UIO_SYSSPACE);
	error = zfs_read(VTOZ(vn), &uio, 0, CRED());
	/* A short read is a read: the error shows on the next call. */
	if (error != 0 && (size_t)uio.uio_resid == len)
		return (zpl_err(VTOZ(vn), error));
	return ((long)(len - uio.uio_resid));
}

static long
zpl_write(struct vnode *vn, const void *buf, size_t len, int64_t off)
{
	struct iovec iov;
	zfs_uio_t uio;
	int error;

	zfs_uio_init_buf(&uio, &iov, (void *)(uintptr_t)buf, len, off, UIO_SYSSPACE);
	error = zfs_write(VTOZ(vn), &uio, 0, CRED());
	if (error != 0 && (size_t)uio.uio_resid == len)
		return (zpl_err(VTOZ(vn), error));
	return ((long)(len - uio.uio_resid));
}

static int64_t
zpl_seek_hole(struct vnode *vn, int64_t off, int whence)
{
	loff_t pos = off;
	int error = zfs_holey(VTOZ(vn), whence, &pos);

	return (error ? zpl_err(VTOZ(vn), error) : pos);
}

/* fsync and fdatasync both commit the file's intent-log records (ZFS
 * logs data and metadata together). */
static int
zpl_fsync(struct vnode *vn, bool datasync)
{
	return (zpl_err(VTOZ(vn), zfs_fsync(VTOZ(vn), datasync, CRED())));
}

static int64_t
ts_to_ns(const inode_timespec_t *ts)
{
	return ((int64_t)ts->tv_sec * NANOSEC + ts->tv_nsec);
}

static void
ns_to_ts(int64_t ns, inode_timespec_t *ts)
{
	ts->tv_sec = ns / NANOSEC;
	ts->tv_nsec = ns % NANOSEC;
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += NANOSEC;
	}
}

static int
zpl_getattr(struct vnode *vn, struct osprey_vattr *va)
{
	struct kstat ks = { 0 };
	int error = zfs_getattr_fast(NULL, ZTOI(VTOZ(vn)), &ks);

	if (error != 0)
		return (zpl_err(VTOZ(vn), error));
	va->ino = ks.ino;
	va->mode = ks.mode;
	va->nlink = ks.nlink;
	va->uid = ks.uid;
	va->gid = ks.gid;
	va->rdev = ks.rdev;
	va->size = ks.size;
	va->blksize = ks.blksize;
	va->blocks = ks.blocks;
	va->atime = ts_to_ns(&ks.atime);
	va->mtime = ts_to_ns(&ks.mtime);
	va->ctime = ts_to_ns(&ks.ctime);
	return (0);
}

static int
zpl_setattr(struct vnode *vn, const struct vattr_set *vs)
{
	struct inode *ip = ZTOI(VTOZ(vn));
	vattr_t vap = { 0 };

	if (vs->mask & VA_MODE) {
		vap.va_mask |= ATTR_MODE;
		vap.va_mode = (ip->i_mode & S_IFMT) | (vs->mode & 07777);
	}
	if (vs->mask & VA_UID) {
		vap.va_mask |= ATTR_UID;
		vap.va_uid = vs->uid;
	}
	if (vs->mask & VA_GID) {
		vap.va_mask |= ATTR_GID;
		vap.va_gid = vs->gid;
	}
	if (vs->mask & VA_SIZE) {
		vap.va_mask |= ATTR_SIZE;
		vap.va_size = vs->size;
	}
	if (vs->mask & VA_ATIME) {
		vap.va_mask |= ATTR_ATIME;
		ns_to_ts(vs->atime, &vap.va_atime);
	}
	if (vs->mask & VA_MTIME) {
		vap.va_mask |= ATTR_MTIME;
		ns_to_ts(vs->mtime, &vap.va_mtime);
	}
	if (vs->mask & VA_CTIME) {
		vap.va_mask |= ATTR_CTIME;
		ns_to_ts(vs->ctime, &vap.va_ctime);
	}
	return (zpl_err(VTOZ(vn), zfs_setattr(VTOZ(vn), &vap, 0, CRED())));
}

/*
 * fallocate mode 0, as Linux's OpenZFS does it: a copy-on-write pool can
 * reserve nothing ahead, so the call checks that the space is there now
 * (with zfs_fallocate_reserve_percent of headroom) and extends the file
 * (sparse) when the range ends past it.
 */
static int
zpl_allocate(struct vnode *vn, int64_t off, int64_t len)
{
	znode_t *zp = VTOZ(vn);
	zfsvfs_t *zfsvfs = ZTOZSB(zp);
	uint64_t bsize, blocks, bfree, files, ffree, fsid;
	int error;

	if (off < 0 || len <= 0)
		return (-EINVAL);
	if (zfs_fallocate_reserve_percent == 0)
		return (-EOPNOTSUPP);
	if ((error = zfs_statvfs_osprey(zfsvfs, &bsize, &blocks, &bfree,
	    &files, &ffree, &fsid)) != 0)
		return (-error);
	if ((uint64_t)len > bfree * (bsize * 100 / zfs_fallocate_reserve_percent))
		return (-ENOSPC);
	if (off + len <= ZTOI(zp)->i_size)
		return (0);
	return (zpl_err(zp, zfs_freesp(zp, off + len, 0, 0, B_FALSE)));
}

static long
zpl_vgetxattr(struct vnode *vn, const char *name, void *buf, size_t len)
{
	return (zpl_getxattr(VTOZ(vn), name, buf, len));
}

static int
zpl_vsetxattr(struct vnode *vn, const char *name, const void *val, size_t len,
    int flags)
{
	return (zpl_setxattr(VTOZ(vn), name, val, len, flags));
}

static long
zpl_vlistxattr(struct vnode *vn, char *buf, size_t len)
{
	return (zpl_listxattr(VTOZ(vn), buf, len));
}

/* XATTR_REPLACE: removing a name that is not there is ENODATA. */
static int
zpl_vremovexattr(struct vnode *vn, const char *name)
{
	return (zpl_setxattr(VTOZ(vn), name, NULL, 0, 2));
}

/* Eviction happens in reclaim, once the vnode is unused. */
static bool
zpl_inactive(struct vnode *vn)
{
	(void) vn;
	return (false);
}

static const struct vnode_ops zpl_vnode_ops = {
	.lookup = zpl_lookup,
	.create = zpl_create,
	.mkdir = zpl_mkdir,
	.symlink = zpl_symlink,
	.link = zpl_link,
	.unlink = zpl_unlink,
	.rmdir = zpl_rmdir,
	.rename = zpl_rename,
	.readdir = zpl_readdir,
	.readlink = zpl_readlink,
	.read = zpl_read,
	.write = zpl_write,
	.seek_hole = zpl_seek_hole,
	.fsync = zpl_fsync,
	.allocate = zpl_allocate,
	.getattr = zpl_getattr,
	.setattr = zpl_setattr,
	.getxattr = zpl_vgetxattr,
	.setxattr = zpl_vsetxattr,
	.listxattr = zpl_vlistxattr,
	.removexattr = zpl_vremovexattr,
	.inactive = zpl_inactive,
	.reclaim = zpl_reclaim,
};
