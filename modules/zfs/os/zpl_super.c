/*
 * Mounting one ZFS filesystem on an Osprey mount (Linux: zfs_domount and
 * zfs_umount): own the dataset, bring its zfsvfs into service (intent
 * log replay included), and hand the VFS the root directory's vnode.
 */
#include <sys/zfs_context.h>
#include <sys/dmu_objset.h>
#include <sys/dsl_prop.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_vfsops.h>
#include <sys/zpl.h>
#include <zfs_prop.h>
#include "zpl_osprey.h"
#include "osprey_vfs.h"

int
zpl_mount(struct mount *mp, struct super_block *sb, const char *dataset,
    boolean_t readonly, char *why, size_t whylen)
{
	zfsvfs_t *zfsvfs;
	znode_t *rootzp;
	uint64_t recordsize;
	int err;

	if ((err = zfsvfs_create(dataset, readonly, &zfsvfs)) != 0) {
		snprintf(why, whylen, err == ENOENT ? "no dataset '%s'" :
		    err == EINVAL ? "'%s' is not a filesystem" :
		    "cannot open dataset '%s' (error %d)", dataset, err);
		return (err);
	}
	if ((err = dsl_prop_get_integer(dataset,
	    zfs_prop_to_name(ZFS_PROP_RECORDSIZE), &recordsize, NULL)) != 0) {
		snprintf(why, whylen, "cannot read the recordsize of '%s'",
		    dataset);
		goto fail;
	}
	zfsvfs->z_max_blksz = recordsize;
	zfsvfs->z_vfs = kmem_zalloc(sizeof (vfs_t), KM_SLEEP);
	zfsvfs->z_vfs->vfs_data = zfsvfs;
	zfsvfs->z_sb = sb;
	sb->s_fs_info = zfsvfs;
	sb->s_osprey = mp;
	sb->s_flags = readonly ? SB_RDONLY : 0;
	zfsvfs->z_use_fuids = USE_FUIDS(zfsvfs->z_version, zfsvfs->z_os);
	zfsvfs->z_use_sa = USE_SA(zfsvfs->z_version, zfsvfs->z_os);

	if ((err = zfsvfs_setup(zfsvfs)) != 0) {
		snprintf(why, whylen, "cannot set up '%s' (error %d)", dataset,
		    err);
		goto fail;
	}
	if ((err = zfs_zget(zfsvfs, zfsvfs->z_root, &rootzp)) != 0) {
		snprintf(why, whylen, "cannot read the root directory of '%s' "
		    "(error %d)", dataset, err);
		zfsvfs_teardown(zfsvfs);
		sb->s_fs_info = NULL;
		return (err);
	}
	if ((err = -zpl_vnode_get(ZTOI(rootzp), &mp->root)) != 0) {
		snprintf(why, whylen, "no memory for the root vnode");
		zfsvfs_teardown(zfsvfs);
		sb->s_fs_info = NULL;
		return (err);
	}
	/* A snapshot's getattr asks whether an inode is the root's. */
	sb->s_root_dentry.d_inode = ZTOI(rootzp);
	/* Marks that the root has .zfs (zfs_has_ctldir); never followed. */
	if (!zfsvfs->z_issnap)
		zfsvfs->z_ctldir = ZTOI(rootzp);
	sb->s_root = &sb->s_root_dentry;
	atomic_store_32(&sb->s_active, 1);
	return (0);
fail:
	dmu_objset_disown(zfsvfs->z_os, B_TRUE, zfsvfs);
	zfsvfs_free(zfsvfs);
	sb->s_fs_info = NULL;
	return (err);
}

boolean_t
zpl_sb_get(struct super_block *sb)
{
	uint32_t n = atomic_load_32(&sb->s_active);

	while (n != 0) {
		uint32_t seen = atomic_cas_32(&sb->s_active, n, n + 1);
		if (seen == n)
			return (B_TRUE);
		n = seen;
	}
	return (B_FALSE);
}

void
zpl_sb_put(struct super_block *sb)
{
	atomic_dec_32(&sb->s_active);
}

/*
 * The mount lets go of the filesystem; ioctls that still hold it (a
 * rollback, a receive) finish first. They are short, so polling is
 * enough; no new hold can start once the count is 0.
 */
void
zpl_unmount(struct super_block *sb)
{
	if (sb->s_fs_info == NULL)
		return;
	atomic_dec_32(&sb->s_active);
	while (atomic_load_32(&sb->s_active) != 0)
		delay(MAX(1, MSEC_TO_TICK(10)));
	zfsvfs_teardown(sb->s_fs_info);
	sb->s_fs_info = NULL;
	sb->s_root = NULL;
}
