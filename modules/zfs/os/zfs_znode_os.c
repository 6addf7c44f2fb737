/*
 * The ZPL's on-disk skeleton of a new filesystem, and the two znode
 * helpers the common SA code calls.
 *
 * zfs_create_fs runs when a pool is created (its root dataset) and when a
 * filesystem dataset is created. It must leave exactly what Linux's
 * OpenZFS leaves, so that a pool made here is the same pool to Linux:
 *
 *   object 1 (MASTER_NODE_OBJ)  ZAP "ZFS master node": the zplprops
 *                               (normalization, utf8only, casesensitivity,
 *                               ...), VERSION, SA_ATTRS, DELETE_QUEUE, ROOT
 *   SA master node              ZAP naming the SA registry and layouts
 *                               objects (which the SA code creates itself
 *                               when the first layout is registered)
 *   unlinked set                empty ZAP "ZFS delete queue"
 *   root directory              ZAP "ZFS directory" with an SA bonus
 *
 * Linux 2.1.11 makes no SHARES directory here (only zfs_set_version does,
 * on an upgrade), so neither do we.
 *
 * Linux builds the root through a throwaway znode and zfs_mknode; nothing
 * here needs a znode afterwards, so the root's attributes are written
 * straight onto an SA handle, in zfs_mknode's order (the order fixes the
 * SA layout that gets registered, and so the bytes on disk).
 */
#include <sys/zfs_context.h>
#include <sys/zap.h>
#include <sys/sa.h>
#include <sys/dmu.h>
#include <sys/dmu_objset.h>
#include <sys/dmu_tx.h>
#include <sys/dnode.h>
#include <sys/spa.h>
#include <sys/nvpair.h>
#include <sys/fs/zfs.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_acl.h>
#include <sys/zfs_sa.h>
#include <sys/zfs_vfsops.h>
#include <sys/u8_textprep.h>
#include <sys/acl.h>
#include <zfs_comutil.h>
#include <zfs_prop.h>

/* The ZPL stores a time as two uint64s: seconds, then nanoseconds. */
static void
ztime_encode(const inode_timespec_t *ts, uint64_t t[2])
{
	t[0] = (uint64_t)ts->tv_sec;
	t[1] = (uint64_t)ts->tv_nsec;
}

/*
 * The access masks of a trivial NFSv4 ACL for a directory mode, as
 * OpenZFS derives them (acl_trivial_access_masks): owner@ always may
 * change attributes, owner and ACL; everyone may read attributes and the
 * ACL; rwx add the data rights, and w on a directory also delete-child.
 */
static uint32_t
trivial_dir_mask(uint64_t mode, unsigned shift, boolean_t owner)
{
	uint32_t m = ACE_READ_ACL | ACE_READ_ATTRIBUTES |
	    ACE_READ_NAMED_ATTRS | ACE_SYNCHRONIZE;

	if (owner)
		m |= ACE_WRITE_ATTRIBUTES | ACE_WRITE_OWNER | ACE_WRITE_ACL |
		    ACE_WRITE_NAMED_ATTRS;
	if (mode & (S_IROTH << shift))
		m |= ACE_READ_DATA;
	if (mode & (S_IWOTH << shift))
		m |= ACE_WRITE_DATA | ACE_APPEND_DATA | ACE_DELETE_CHILD;
	if (mode & (S_IXOTH << shift))
		m |= ACE_EXECUTE;
	return (m);
}

/*
 * Create the root directory; returns its object number.
 *
 * What Linux's zfs_acl_ids_create + zfs_mknode give the root (IS_ROOT_NODE,
 * vattr mode S_IFDIR|0755, uid/gid from cr, the creating zfsvfs zeroed so
 * aclmode is "discard" and nothing is trimmed):
 * - a new ACL of the FUID version holding only what zfs_acl_chmod adds for
 *   0755: owner@, group@ and everyone@ ALLOW entries in the compact 8-byte
 *   zfs_ace_hdr_t form. No DENY entries: those appear only when a class has
 *   a right the class before it lacks, which 0755 never does.
 * - hints ZFS_ACL_TRIVIAL (fresh ACL) | ZFS_ACL_AUTO_INHERIT (directory),
 *   masked into the pflags.
 * - zfs_mode_compute on that ACL gives back 0755 and sets
 *   ZFS_NO_EXECS_DENIED, since every class is granted execute.
 */
static uint64_t
zfs_create_root_dir(objset_t *os, sa_attr_type_t *tab, int norm,
    cred_t *cr, dmu_tx_t *tx)
{
	uint64_t mode = S_IFDIR | 0755;
	uint64_t size = 2;		/* "." and ".." */
	uint64_t links = 2;
	uint64_t gen = dmu_tx_get_txg(tx);
	uint64_t uid = crgetuid(cr), gid = crgetgid(cr);
	uint64_t projid = ZFS_DEFAULT_PROJID;
	uint64_t pflags = ZFS_ARCHIVE | ZFS_AV_MODIFIED;
	uint64_t crtime[2], atime[2], mtime[2], ctime[2];
	uint64_t parent, obj, acl_count = 3;
	zfs_ace_hdr_t aces[3];
	inode_timespec_t now;
	sa_bulk_attr_t *attrs;
	sa_handle_t *hdl;
	dmu_buf_t *db;
	int dnodesize, bonuslen, cnt = 0;

	gethrestime(&now);
	ztime_encode(&now, crtime);
	ztime_encode(&now, atime);
	ztime_encode(&now, mtime);
	ztime_encode(&now, ctime);

	/* The dataset's dnodesize property; "legacy" (0) means 512. */
	dnodesize = dmu_objset_dnodesize(os);
	if (dnodesize == 0)
		dnodesize = DNODE_MIN_SIZE;
	bonuslen = DN_BONUS_SIZE(dnodesize);

	/* A directory's own object is its ZAP of entries. */
	obj = zap_create_norm_dnsize(os, norm, DMU_OT_DIRECTORY_CONTENTS,
	    DMU_OT_SA, bonuslen, dnodesize, tx);
	parent = obj;			/* the root is its own parent */

	/* Directories record a project ID when project quotas are on. */
	if (dmu_objset_projectquota_enabled(os))
		pflags |= ZFS_PROJID;

	aces[0].z_type = ACE_ACCESS_ALLOWED_ACE_TYPE;
	aces[0].z_flags = ACE_OWNER;
	aces[0].z_access_mask = trivial_dir_mask(mode, 6, B_TRUE);
	aces[1].z_type = ACE_ACCESS_ALLOWED_ACE_TYPE;
	aces[1].z_flags = ACE_GROUP | ACE_IDENTIFIER_GROUP;	/* group@ */
	aces[1].z_access_mask = trivial_dir_mask(mode, 3, B_FALSE);
	aces[2].z_type = ACE_ACCESS_ALLOWED_ACE_TYPE;
	aces[2].z_flags = ACE_EVERYONE;
	aces[2].z_access_mask = trivial_dir_mask(mode, 0, B_FALSE);

	pflags |= ZFS_ACL_TRIVIAL | ZFS_ACL_AUTO_INHERIT;
	if ((mode & (S_IXUSR | S_IXGRP | S_IXOTH)) ==
	    (S_IXUSR | S_IXGRP | S_IXOTH))
		pflags |= ZFS_NO_EXECS_DENIED;

	/*
	 * zfs_mknode's order for an SA znode; it becomes the layout. Off the
	 * stack: this runs deep in the pool's sync path.
	 */
	attrs = kmem_alloc(sizeof (sa_bulk_attr_t) * ZPL_END, KM_SLEEP);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_MODE], NULL, &mode, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_SIZE], NULL, &size, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_GEN], NULL, &gen, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_UID], NULL, &uid, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_GID], NULL, &gid, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_PARENT], NULL, &parent, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_FLAGS], NULL, &pflags, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_ATIME], NULL, atime, 16);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_MTIME], NULL, mtime, 16);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_CTIME], NULL, ctime, 16);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_CRTIME], NULL, crtime, 16);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_LINKS], NULL, &links, 8);
	if (pflags & ZFS_PROJID)
		SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_PROJID], NULL, &projid, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_DACL_COUNT], NULL, &acl_count, 8);
	SA_ADD_BULK_ATTR(attrs, cnt, tab[ZPL_DACL_ACES], NULL, aces,
	    sizeof (aces));

	/* sa_handle_destroy drops the bonus hold, taken with no tag. */
	VERIFY0(sa_buf_hold(os, obj, NULL, &db));
	VERIFY0(sa_handle_get_from_db(os, db, NULL, SA_HDL_PRIVATE, &hdl));
	VERIFY0(sa_replace_all_by_template(hdl, attrs, cnt, tx));
	sa_handle_destroy(hdl);
	kmem_free(attrs, sizeof (sa_bulk_attr_t) * ZPL_END);
	return (obj);
}

void
zfs_create_fs(objset_t *os, cred_t *cr, nvlist_t *zplprops, dmu_tx_t *tx)
{
	const char *version_name = zfs_prop_to_name(ZFS_PROP_VERSION);
	uint64_t version, sa_obj, unlinked_obj, root_obj;
	uint64_t sense = ZFS_CASE_SENSITIVE, norm = 0;
	sa_attr_type_t *tab;
	nvpair_t *elem;

	/*
	 * The ZPL version: the newest the pool's version allows, or the
	 * "version" zplprop if that asks for an older one. Worked out before
	 * anything is written, so that an unsupported one stops us early.
	 */
	version = zfs_zpl_version_map(spa_version(dmu_objset_spa(os)));
	for (elem = nvlist_next_nvpair(zplprops, NULL); elem != NULL;
	    elem = nvlist_next_nvpair(zplprops, elem)) {
		uint64_t val;

		VERIFY3U(nvpair_type(elem), ==, DATA_TYPE_UINT64);
		VERIFY0(nvpair_value_uint64(elem, &val));
		if (strcmp(nvpair_name(elem), version_name) == 0 &&
		    val < version)
			version = val;
	}
	VERIFY3U(version, !=, 0);
	/*
	 * Older ZPL versions keep a znode_phys_t bonus with an embedded or
	 * external ACL instead of system attributes; writing those is not
	 * done yet, and this function cannot fail, so stop rather than write
	 * a filesystem Linux would read differently.
	 */
	if (!USE_SA(version, os))
		panic("zfs_create_fs: ZPL version %llu (pool version %llu) "
		    "predates system attributes; only ZPL version >= %llu "
		    "filesystems can be created",
		    (unsigned long long)version,
		    (unsigned long long)spa_version(dmu_objset_spa(os)),
		    (unsigned long long)ZPL_VERSION_SA);

	/* An empty objset has nothing to read, so these cannot fail. */
	VERIFY0(zap_create_claim(os, MASTER_NODE_OBJ, DMU_OT_MASTER_NODE,
	    DMU_OT_NONE, 0, tx));

	/*
	 * The zplprops go into the master node under their own names (in the
	 * nvlist's order, as Linux adds them), except the version, which is
	 * stored once as VERSION.
	 */
	for (elem = nvlist_next_nvpair(zplprops, NULL); elem != NULL;
	    elem = nvlist_next_nvpair(zplprops, elem)) {
		const char *name = nvpair_name(elem);
		uint64_t val;

		VERIFY0(nvpair_value_uint64(elem, &val));
		if (strcmp(name, version_name) != 0)
			VERIFY0(zap_update(os, MASTER_NODE_OBJ, name, 8, 1,
			    &val, tx));
		if (strcmp(name, zfs_prop_to_name(ZFS_PROP_NORMALIZE)) == 0)
			norm = val;
		else if (strcmp(name, zfs_prop_to_name(ZFS_PROP_CASE)) == 0)
			sense = val;
	}
	VERIFY0(zap_update(os, MASTER_NODE_OBJ, ZPL_VERSION_STR, 8, 1,
	    &version, tx));

	/* Where the SA code registers attributes and layouts. */
	sa_obj = zap_create(os, DMU_OT_SA_MASTER_NODE, DMU_OT_NONE, 0, tx);
	VERIFY0(zap_add(os, MASTER_NODE_OBJ, ZFS_SA_ATTRS, 8, 1, &sa_obj, tx));

	/* Files unlinked while still open wait here to be freed. */
	unlinked_obj = zap_create(os, DMU_OT_UNLINKED_SET, DMU_OT_NONE, 0, tx);
	VERIFY0(zap_add(os, MASTER_NODE_OBJ, ZFS_UNLINKED_SET, 8, 1,
	    &unlinked_obj, tx));

	/*
	 * The attribute table belongs to the objset from here on (torn down
	 * with it), as it does for Linux's throwaway zfsvfs.
	 */
	VERIFY0(sa_setup(os, sa_obj, zfs_attr_table, ZPL_END, &tab));

	/* Case-insensitive and mixed filesystems fold names to upper case. */
	if (sense == ZFS_CASE_INSENSITIVE || sense == ZFS_CASE_MIXED)
		norm |= U8_TEXTPREP_TOUPPER;

	root_obj = zfs_create_root_dir(os, tab, (int)norm, cr, tx);
	VERIFY0(zap_add(os, MASTER_NODE_OBJ, ZFS_ROOT_OBJ, 8, 1, &root_obj,
	    tx));
}

/*
 * Prepare new time stamps for an update the caller writes with
 * sa_bulk_update. A znode here caches no times (Linux copies them into
 * its inode), so only the sequence number and the DOS-style archive
 * flags the ZPL keeps with FUIDs change in the znode.
 */
void
zfs_tstamp_update_setup(znode_t *zp, uint_t flag, uint64_t mtime[2],
    uint64_t ctime[2])
{
	inode_timespec_t now;

	gethrestime(&now);
	zp->z_seq++;
	if (flag & ATTR_MTIME) {
		ztime_encode(&now, mtime);
		if (ZTOZSB(zp)->z_use_fuids)
			zp->z_pflags |= ZFS_ARCHIVE | ZFS_AV_MODIFIED;
	}
	if (flag & ATTR_CTIME) {
		ztime_encode(&now, ctime);
		if (ZTOZSB(zp)->z_use_fuids)
			zp->z_pflags |= ZFS_ARCHIVE;
	}
}

/*
 * Grow a file's block size to size (the caller holds the znode's range
 * lock for writing). Only a file of at most one block can change its
 * block size; the DMU may pick another size or refuse (ENOTSUP, e.g.
 * above the dataset's recordsize limit), so the result is read back.
 */
void
zfs_grow_blocksize(znode_t *zp, uint64_t size, dmu_tx_t *tx)
{
	u_longlong_t nblocks;
	int error;

	if (size <= zp->z_blksz)
		return;
	if (zp->z_blksz != 0 && zp->z_size > zp->z_blksz)
		return;

	error = dmu_object_set_blocksize(ZTOZSB(zp)->z_os, zp->z_id, size, 0,
	    tx);
	if (error == ENOTSUP)
		return;
	VERIFY0(error);
	dmu_object_size_from_db(sa_get_db(zp->z_sa_hdl), &zp->z_blksz,
	    &nblocks);
}
