/*
 * .zfs, the control directory of a mounted dataset (Linux: zfs_ctldir.c
 * and zpl_ctldir.c; written here for Osprey's VFS). .zfs/snapshot lists
 * the dataset's snapshots and entering one mounts it there, read-only
 * (the VFS's automount, VN_AUTOMOUNT); such a mount goes before the
 * dataset's own unmount, and before a destroy or rename of its snapshot
 * (zfsctl_snapshot_unmount). mkdir and rmdir in .zfs/snapshot create and
 * destroy snapshots, as on Linux. .zfs/shares is empty: Osprey shares
 * nothing over NFS or SMB. As on Linux, .zfs is found by name in the
 * dataset's root but listed there only with snapdir=visible.
 *
 * The nodes are vnodes of the dataset's own mount, numbered as Linux
 * numbers their inodes (above every object: sys/zfs_ctldir.h); a
 * snapshot's node is ZFSCTL_INO_SNAPDIRS minus its objset id, the number
 * its mounted root reports too. They hold nothing of ZFS: each call finds
 * the dataset through the mount's root.
 */
#include <sys/zfs_context.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_vfsops.h>
#include <sys/zfs_dir.h>
#include <sys/zfs_ctldir.h>
#include <sys/dmu_objset.h>
#include <sys/dsl_dataset.h>
#include <sys/dsl_destroy.h>
#include <zfs_namecheck.h>
#include <sys/zpl.h>
#include "zpl_osprey.h"
#include "osprey_vfs.h"
#include "fs/mount.h"
#include <errno.h>
#include <string.h>

static const struct vnode_ops ctl_ops;

static zfsvfs_t *
ctl_zfsvfs(struct vnode *vn)
{
	return (ZTOZSB((znode_t *)vn->mount->root->priv));
}

static boolean_t
ctl_is_snapshot(uint64_t ino)
{
	return (ino <= ZFSCTL_INO_SNAPDIRS);
}

/* The held node ino of mount mp, made on first use. */
static int
ctl_get(struct mount *mp, uint64_t ino, struct vnode **out)
{
	struct vnode *vn = vnode_cache_find(mp, ino);

	if (vn == NULL) {
		if ((vn = vnode_new(mp, VDIR, &ctl_ops, 0)) == NULL)
			return (-ENOMEM);
		vn->ino = ino;
		if (ctl_is_snapshot(ino))
			vn->flags |= VN_AUTOMOUNT;
		vn = vnode_cache_add(vn);
	}
	*out = vn;
	return (0);
}

int
zfsctl_osprey_root(struct vnode *dir, struct vnode **out)
{
	return (ctl_get(dir->mount, ZFSCTL_INO_ROOT, out));
}

/* The full name (pool/fs@snap) of snapshot short name snap. */
static int
ctl_snapshot_name(zfsvfs_t *zfsvfs, const char *snap, char *full)
{
	dmu_objset_name(zfsvfs->z_os, full);
	if (strlen(full) + 1 + strlen(snap) >= ZFS_MAX_DATASET_NAME_LEN)
		return (ENAMETOOLONG);
	strcat(full, "@");
	strcat(full, snap);
	return (0);
}

static int
ctl_snapshot_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	zfsvfs_t *zfsvfs = ctl_zfsvfs(dir);
	uint64_t id;
	int error;

	ZPL_ENTER(zfsvfs);
	dsl_pool_config_enter(dmu_objset_pool(zfsvfs->z_os), FTAG);
	error = dmu_snapshot_lookup(zfsvfs->z_os, name, &id);
	dsl_pool_config_exit(dmu_objset_pool(zfsvfs->z_os), FTAG);
	ZPL_EXIT(zfsvfs);
	if (error != 0)
		return (-error);
	return (ctl_get(dir->mount, ZFSCTL_INO_SNAPDIRS - id, out));
}

static int
ctl_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct mount *mp = dir->mount;
	boolean_t dotdot = strcmp(name, "..") == 0;

	switch (dir->ino) {
	case ZFSCTL_INO_ROOT:
		if (dotdot) {
			vn_hold(mp->root);
			*out = mp->root;
			return (0);
		}
		if (strcmp(name, ZFS_SNAPDIR_NAME) == 0)
			return (ctl_get(mp, ZFSCTL_INO_SNAPDIR, out));
		if (strcmp(name, ZFS_SHAREDIR_NAME) == 0)
			return (ctl_get(mp, ZFSCTL_INO_SHARES, out));
		return (-ENOENT);
	case ZFSCTL_INO_SNAPDIR:
		if (dotdot)
			return (ctl_get(mp, ZFSCTL_INO_ROOT, out));
		return (ctl_snapshot_lookup(dir, name, out));
	case ZFSCTL_INO_SHARES:
		return (dotdot ? ctl_get(mp, ZFSCTL_INO_ROOT, out) : -ENOENT);
	default:	/* a snapshot's node with nothing mounted on it */
		return (dotdot ? ctl_get(mp, ZFSCTL_INO_SNAPDIR, out) :
		    -ENOENT);
	}
}

static int
ctl_snapshot_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	zfsvfs_t *zfsvfs = ctl_zfsvfs(dir);
	char name[ZFS_MAX_DATASET_NAME_LEN];
	uint64_t id, pos = ctx->pos == 2 ? 0 : (uint64_t)ctx->pos;
	int error = 0;

	ZPL_ENTER(zfsvfs);
	while (error == 0) {
		dsl_pool_config_enter(dmu_objset_pool(zfsvfs->z_os), FTAG);
		error = dmu_snapshot_list_next(zfsvfs->z_os, sizeof (name),
		    name, &id, &pos, NULL);
		dsl_pool_config_exit(dmu_objset_pool(zfsvfs->z_os), FTAG);
		if (error != 0 || ctx->emit(ctx, name, strlen(name),
		    ZFSCTL_INO_SNAPDIRS - id, DT_DIR) != 0)
			break;
		ctx->pos = (int64_t)pos;
	}
	ZPL_EXIT(zfsvfs);
	return (error == ENOENT ? 0 : -error);
}

static int
ctl_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	static const struct { const char *name; uint64_t ino; } root[] = {
		{ ZFS_SNAPDIR_NAME, ZFSCTL_INO_SNAPDIR },
		{ ZFS_SHAREDIR_NAME, ZFSCTL_INO_SHARES },
	};

	if (dir->ino == ZFSCTL_INO_SNAPDIR)
		return (ctl_snapshot_readdir(dir, ctx));
	if (dir->ino != ZFSCTL_INO_ROOT)
		return (0);	/* shares, and an unmounted snapshot: empty */
	for (; ctx->pos >= 2 && ctx->pos - 2 < (int64_t)ARRAY_SIZE(root);
	    ctx->pos++) {
		const char *n = root[ctx->pos - 2].name;
		if (ctx->emit(ctx, n, strlen(n), root[ctx->pos - 2].ino,
		    DT_DIR) != 0)
			break;
	}
	return (0);
}

/* Linux's: directories open to all, owned by root, stamped with the
 * dataset's last snapshot change. */
static int
ctl_getattr(struct vnode *vn, struct osprey_vattr *va)
{
	zfsvfs_t *zfsvfs = ctl_zfsvfs(vn);
	inode_timespec_t t;

	ZPL_ENTER(zfsvfs);
	t = dmu_objset_snap_cmtime(zfsvfs->z_os);
	ZPL_EXIT(zfsvfs);
	memset(va, 0, sizeof (*va));
	va->ino = vn->ino;
	va->mode = S_IFDIR | 0777;
	va->nlink = vn->ino == ZFSCTL_INO_ROOT ? 4 : 2;
	va->blksize = 512;
	va->atime = va->mtime = va->ctime =
	    (int64_t)t.tv_sec * NANOSEC + t.tv_nsec;
	return (0);
}

/* ---- snapshots: mounting, creating and destroying ---- */

struct automount {
	struct vnode *vn;
	char name[ZFS_MAX_DATASET_NAME_LEN];
};

static int
ctl_mount_deep(void *arg)
{
	struct automount *am = arg;

	return (vfs_mount_on(am->vn, am->name, "zfs", MS_RDONLY, NULL, true));
}

/* Mounts the snapshot whose node vn is, by its objset id (a rename since
 * the lookup is seen). ZFS's mount needs a deep stack. */
static int
ctl_automount(struct vnode *vn)
{
	zfsvfs_t *zfsvfs = ctl_zfsvfs(vn);
	struct automount *am = kmem_zalloc(sizeof (*am), KM_SLEEP);
	dsl_pool_t *dp;
	dsl_dataset_t *ds;
	int error;

	ZPL_ENTER(zfsvfs);
	dp = dmu_objset_pool(zfsvfs->z_os);
	dsl_pool_config_enter(dp, FTAG);
	error = dsl_dataset_hold_obj(dp, ZFSCTL_INO_SNAPDIRS - vn->ino, FTAG,
	    &ds);
	if (error == 0) {
		dsl_dataset_name(ds, am->name);
		dsl_dataset_rele(ds, FTAG);
	}
	dsl_pool_config_exit(dp, FTAG);
	ZPL_EXIT(zfsvfs);
	am->vn = vn;
	error = error != 0 ? -error : fs_run_deep("zfs-automount",
	    ctl_mount_deep, am);
	kmem_free(am, sizeof (*am));
	return (error);
}

/* A snapshot made or destroyed by name, on a deep stack (the sync
 * task's checks run in the caller's thread). */
struct snap_op {
	boolean_t create;
	char full[ZFS_MAX_DATASET_NAME_LEN];
};

static int
ctl_snap_op_deep(void *arg)
{
	struct snap_op *op = arg;
	char *at = strchr(op->full, '@');
	int error;

	if (op->create) {
		*at = '\0';
		error = dmu_objset_snapshot_one(op->full, at + 1);
		*at = '@';
	} else {
		error = -vfs_umount_automounted(op->full);
		if (error == 0)
			error = dsl_destroy_snapshot(op->full, B_FALSE);
	}
	return (-error);
}

static int
ctl_snap_op(struct vnode *dir, const char *name, boolean_t create)
{
	struct snap_op *op;
	int error;

	if (dir->ino != ZFSCTL_INO_SNAPDIR)
		return (-EACCES);
	if (zfs_component_namecheck(name, NULL, NULL) != 0)
		return (create ? -EILSEQ : -ENOENT);
	op = kmem_zalloc(sizeof (*op), KM_SLEEP);
	op->create = create;
	error = -ctl_snapshot_name(ctl_zfsvfs(dir), name, op->full);
	if (error == 0)
		error = fs_run_deep("zfs-snapdir", ctl_snap_op_deep, op);
	kmem_free(op, sizeof (*op));
	return (error);
}

static int
ctl_mkdir(struct vnode *dir, const char *name, const struct osprey_vattr *va,
    struct vnode **out)
{
	int error = ctl_snap_op(dir, name, B_TRUE);

	(void) va;
	return (error != 0 ? error : ctl_snapshot_lookup(dir, name, out));
}

static int
ctl_rmdir(struct vnode *dir, const char *name, struct vnode *vn)
{
	(void) vn;
	return (ctl_snap_op(dir, name, B_FALSE));
}

int
zfsctl_snapshot_unmount(const char *snapname, int flags)
{
	(void) flags;
	return (-vfs_umount_automounted(snapname));
}

/* .zfs is not listed in the root unless snapdir=visible. */
static int
ctl_hidden_name(struct vnode *vn, char name[NAME_MAX + 1])
{
	if (vn->ino != ZFSCTL_INO_ROOT)
		return (-ENOENT);
	strlcpy(name, ZFS_CTLDIR_NAME, NAME_MAX + 1);
	return (0);
}

static const struct vnode_ops ctl_ops = {
	.hidden_name = ctl_hidden_name,
	.lookup = ctl_lookup,
	.readdir = ctl_readdir,
	.getattr = ctl_getattr,
	.mkdir = ctl_mkdir,
	.rmdir = ctl_rmdir,
	.automount = ctl_automount,
};
