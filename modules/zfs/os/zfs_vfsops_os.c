/*
 * The ZPL's per-filesystem state (zfsvfs_t, ours: sys/zfs_vfsops_os.h)
 * as far as the pool code needs it, and the mount questions the pool
 * code asks.
 *
 * Nothing is mounted through ZFS yet (mounting is the POSIX layer, part 2
 * of the port), so a zfsvfs here is only ever the unmounted kind that
 * channel programs build to read user/group/project space figures
 * (zcp_get.c), and no objset carries a zfsvfs as its user pointer. The
 * answers below are written for the general case all the same (they look
 * at the objset's user pointer, as Linux does), so they stay right once
 * mounts exist.
 */
#include <sys/zfs_context.h>
#include <sys/zap.h>
#include <sys/sa.h>
#include <sys/dmu.h>
#include <sys/dmu_objset.h>
#include <sys/dsl_dataset.h>
#include <sys/spa.h>
#include <sys/fs/zfs.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_sa.h>
#include <sys/zfs_fuid.h>
#include <sys/zfs_ioctl.h>
#include <sys/zfs_vfsops.h>
#include <sys/u8_textprep.h>
#include <zfs_comutil.h>
#include <zfs_prop.h>

/*
 * A ZPL property kept in the master node (object 1): the version under
 * its own key, the others under their property names. A property never
 * written there has its documented default; the four the objset caches
 * are answered from, and stored into, that cache.
 */
int
zfs_get_zplprop(objset_t *os, zfs_prop_t prop, uint64_t *value)
{
	uint64_t *cached = NULL;
	int error = ENOENT;

	if (os != NULL) {
		switch (prop) {
		case ZFS_PROP_VERSION:
			cached = &os->os_version;
			break;
		case ZFS_PROP_NORMALIZE:
			cached = &os->os_normalization;
			break;
		case ZFS_PROP_UTF8ONLY:
			cached = &os->os_utf8only;
			break;
		case ZFS_PROP_CASE:
			cached = &os->os_casesensitivity;
			break;
		default:
			break;
		}
	}
	if (cached != NULL && *cached != OBJSET_PROP_UNINITIALIZED) {
		*value = *cached;
		return (0);
	}

	if (os != NULL) {
		ASSERT3U(os->os_phys->os_type, ==, DMU_OST_ZFS);
		error = zap_lookup(os, MASTER_NODE_OBJ,
		    prop == ZFS_PROP_VERSION ? ZPL_VERSION_STR :
		    zfs_prop_to_name(prop), 8, 1, value);
	}
	if (error == ENOENT) {
		switch (prop) {
		case ZFS_PROP_VERSION:
			*value = ZPL_VERSION;
			break;
		case ZFS_PROP_NORMALIZE:
		case ZFS_PROP_UTF8ONLY:
			*value = 0;
			break;
		case ZFS_PROP_CASE:
			*value = ZFS_CASE_SENSITIVE;
			break;
		case ZFS_PROP_ACLTYPE:
			*value = ZFS_ACLTYPE_OFF;
			break;
		default:
			return (error);
		}
		error = 0;
	}
	if (error == 0 && cached != NULL)
		*cached = *value;
	return (error);
}

/* An optional master-node object number: 0 when the entry is absent. */
static int
zfsvfs_lookup_obj(objset_t *os, const char *name, uint64_t *obj)
{
	int error = zap_lookup(os, MASTER_NODE_OBJ, name, 8, 1, obj);

	if (error == ENOENT) {
		*obj = 0;
		error = 0;
	}
	return (error);
}

/* Read the filesystem's on-disk state into zfsvfs (Linux: zfsvfs_init). */
/* Where each kind of quota keeps its ZAP's object number. */
static const struct {
	zfs_userquota_prop_t prop;
	size_t offset;
} quota_objs[] = {
	{ ZFS_PROP_USERQUOTA, offsetof(zfsvfs_t, z_userquota_obj) },
	{ ZFS_PROP_GROUPQUOTA, offsetof(zfsvfs_t, z_groupquota_obj) },
	{ ZFS_PROP_PROJECTQUOTA, offsetof(zfsvfs_t, z_projectquota_obj) },
	{ ZFS_PROP_USEROBJQUOTA, offsetof(zfsvfs_t, z_userobjquota_obj) },
	{ ZFS_PROP_GROUPOBJQUOTA, offsetof(zfsvfs_t, z_groupobjquota_obj) },
	{ ZFS_PROP_PROJECTOBJQUOTA, offsetof(zfsvfs_t, z_projectobjquota_obj) },
};

static int
zfsvfs_init(zfsvfs_t *zfsvfs, objset_t *os)
{
	uint64_t val, sa_obj = 0;
	int error;

	zfsvfs->z_max_blksz = SPA_OLD_MAXBLOCKSIZE;
	zfsvfs->z_os = os;

	error = zfs_get_zplprop(os, ZFS_PROP_VERSION, &zfsvfs->z_version);
	if (error != 0)
		return (error);
	/* A filesystem newer than its pool allows was not made by OpenZFS. */
	if (zfsvfs->z_version >
	    (uint64_t)zfs_zpl_version_map(spa_version(dmu_objset_spa(os)))) {
		cmn_err(CE_WARN, "zfs: a version %llu filesystem cannot be "
		    "used on a version %llu pool",
		    (unsigned long long)zfsvfs->z_version,
		    (unsigned long long)spa_version(dmu_objset_spa(os)));
		return (SET_ERROR(ENOTSUP));
	}
	if ((error = zfs_get_zplprop(os, ZFS_PROP_NORMALIZE, &val)) != 0)
		return (error);
	zfsvfs->z_norm = (int)val;
	if ((error = zfs_get_zplprop(os, ZFS_PROP_UTF8ONLY, &val)) != 0)
		return (error);
	zfsvfs->z_utf8 = (val != 0);
	if ((error = zfs_get_zplprop(os, ZFS_PROP_CASE, &val)) != 0)
		return (error);
	zfsvfs->z_case = (zfs_case_t)val;
	if ((error = zfs_get_zplprop(os, ZFS_PROP_ACLTYPE, &val)) != 0)
		return (error);
	zfsvfs->z_acl_type = (uint_t)val;

	/* Names are looked up case-folded unless strictly case-sensitive. */
	if (zfsvfs->z_case == ZFS_CASE_INSENSITIVE ||
	    zfsvfs->z_case == ZFS_CASE_MIXED)
		zfsvfs->z_norm |= U8_TEXTPREP_TOUPPER;

	zfsvfs->z_use_fuids = USE_FUIDS(zfsvfs->z_version, os);
	zfsvfs->z_use_sa = USE_SA(zfsvfs->z_version, os);

	if (zfsvfs->z_use_sa) {
		/* An SA filesystem always has its SA master node. */
		error = zap_lookup(os, MASTER_NODE_OBJ, ZFS_SA_ATTRS, 8, 1,
		    &sa_obj);
		if (error != 0)
			return (error);
		error = zfs_get_zplprop(os, ZFS_PROP_XATTR, &val);
		if (error == 0 && val == ZFS_XATTR_SA)
			zfsvfs->z_xattr_sa = B_TRUE;
	}

	error = zap_lookup(os, MASTER_NODE_OBJ, ZFS_ROOT_OBJ, 8, 1,
	    &zfsvfs->z_root);
	if (error != 0)
		return (error);
	ASSERT(zfsvfs->z_root != 0);
	error = zap_lookup(os, MASTER_NODE_OBJ, ZFS_UNLINKED_SET, 8, 1,
	    &zfsvfs->z_unlinkedobj);
	if (error != 0)
		return (error);

	/* Quota ZAPs exist once a quota of their kind has been set. */
	for (size_t q = 0; q < ARRAY_SIZE(quota_objs); q++) {
		uint64_t *obj = (uint64_t *)((char *)zfsvfs + quota_objs[q].offset);
		error = zfsvfs_lookup_obj(os,
		    zfs_userquota_prop_prefixes[quota_objs[q].prop], obj);
		if (error != 0)
			return (error);
	}
	/* The FUID table appears with the first non-POSIX identity. */
	if ((error = zfsvfs_lookup_obj(os, ZFS_FUID_TABLES,
	    &zfsvfs->z_fuid_obj)) != 0)
		return (error);
	if ((error = zfsvfs_lookup_obj(os, ZFS_SHARES_DIR,
	    &zfsvfs->z_shares_dir)) != 0)
		return (error);

	/* The SA table is the objset's, shared by every zfsvfs of it. */
	error = sa_setup(os, sa_obj, zfs_attr_table, ZPL_END,
	    &zfsvfs->z_attr_table);
	if (error != 0)
		return (error);
	/* Old-format znodes become SA znodes when next written. */
	if (zfsvfs->z_version >= ZPL_VERSION_SA)
		sa_register_update_callback(os, zfs_sa_upgrade);
	return (0);
}

/*
 * Set up zfsvfs (kmem_zalloc'd by the caller) for os and return it in
 * *zfvp. On failure zfsvfs is freed and *zfvp is NULL.
 *
 * Linux's version also disowns os on failure, for its zfsvfs_create,
 * which owned it. The only caller here (zcp_get.c) merely has os from a
 * dataset hold and releases that itself, so os is left as it came: the
 * caller's hold or ownership is the caller's to drop either way.
 *
 * No per-object hold table (z_hold_*): it serialises znode creation and
 * lookup, and znodes belong to the POSIX layer, which will set it up.
 */
int
zfsvfs_create_impl(zfsvfs_t **zfvp, zfsvfs_t *zfsvfs, objset_t *os)
{
	int error;

	zfsvfs->z_mount = NULL;
	zfsvfs->z_parent = zfsvfs;
	mutex_init(&zfsvfs->z_znodes_lock, NULL, MUTEX_DEFAULT, NULL);
	mutex_init(&zfsvfs->z_lock, NULL, MUTEX_DEFAULT, NULL);
	list_create(&zfsvfs->z_all_znodes, sizeof (znode_t),
	    offsetof(znode_t, z_link_node));
	rrm_init(&zfsvfs->z_teardown_lock, B_FALSE);
	rw_init(&zfsvfs->z_teardown_inactive_lock, NULL, RW_DEFAULT, NULL);
	rw_init(&zfsvfs->z_fuid_lock, NULL, RW_DEFAULT, NULL);

	error = zfsvfs_init(zfsvfs, os);
	if (error != 0) {
		*zfvp = NULL;
		zfsvfs_free(zfsvfs);
		return (error);
	}
	*zfvp = zfsvfs;
	return (0);
}

void
zfsvfs_free(zfsvfs_t *zfsvfs)
{
	/* The FUID tables, if something loaded them. */
	zfs_fuid_destroy(zfsvfs);

	mutex_destroy(&zfsvfs->z_znodes_lock);
	mutex_destroy(&zfsvfs->z_lock);
	list_destroy(&zfsvfs->z_all_znodes);
	rrm_destroy(&zfsvfs->z_teardown_lock);
	rw_destroy(&zfsvfs->z_teardown_inactive_lock);
	rw_destroy(&zfsvfs->z_fuid_lock);
	/* No kstats: those are made when a filesystem is mounted. */
	kmem_free(zfsvfs, sizeof (zfsvfs_t));
}

/*
 * A dataset was renamed. Linux has nothing to do either: a mount shows
 * its dataset's current name whenever asked.
 */
void
zfsvfs_update_fromname(const char *oldname, const char *newname)
{
	(void) oldname, (void) newname;
}

/*
 * A mount may override some properties for its lifetime ("temporary"
 * values, from mount options). As Linux: ESRCH when the filesystem is not
 * mounted; for a mount-option property, 0 with *val left alone when the
 * mount does not override it; ENOENT for any other property. Osprey's
 * mounts take no such options, so a mounted filesystem never overrides.
 */
int
zfs_get_temporary_prop(dsl_dataset_t *ds, zfs_prop_t zfs_prop, uint64_t *val,
    char *setpoint)
{
	objset_t *os;
	zfsvfs_t *zfsvfs;
	int error;

	(void) val, (void) setpoint;
	if ((error = dmu_objset_from_ds(ds, &os)) != 0)
		return (error);
	if (dmu_objset_type(os) != DMU_OST_ZFS)
		return (EINVAL);
	mutex_enter(&os->os_user_ptr_lock);
	zfsvfs = dmu_objset_get_user(os);
	mutex_exit(&os->os_user_ptr_lock);
	if (zfsvfs == NULL)
		return (ESRCH);

	switch (zfs_prop) {
	case ZFS_PROP_ATIME:
	case ZFS_PROP_RELATIME:
	case ZFS_PROP_DEVICES:
	case ZFS_PROP_EXEC:
	case ZFS_PROP_SETUID:
	case ZFS_PROP_READONLY:
	case ZFS_PROP_XATTR:
	case ZFS_PROP_NBMAND:
		return (0);
	default:
		return (ENOENT);
	}
}

/*
 * Whether the filesystem on os is being unmounted (its zfsvfs, the
 * objset's user pointer, says so). With no zfsvfs attached it is not.
 */
boolean_t
zfs_get_vfs_flag_unmounted(objset_t *os)
{
	zfsvfs_t *zfsvfs;
	boolean_t unmounted = B_FALSE;

	ASSERT(dmu_objset_type(os) == DMU_OST_ZFS);
	mutex_enter(&os->os_user_ptr_lock);
	zfsvfs = dmu_objset_get_user(os);
	if (zfsvfs != NULL && zfsvfs->z_unmounted)
		unmounted = B_TRUE;
	mutex_exit(&os->os_user_ptr_lock);
	return (unmounted);
}

/*
 * Unmount a snapshot before it is destroyed or its hold released (Linux
 * unmounts the automount under .zfs/snapshot). Osprey mounts no
 * snapshots, so there is never one to unmount. Best effort by contract:
 * callers cope with a snapshot that stays mounted.
 */
void
zfs_unmount_snap(const char *snapname)
{
	(void) snapname;
}

/*
 * Destroying a clone may destroy its origin snapshot (if marked for
 * deferred destroy), which must then be unmounted: that is
 * zfs_unmount_snap of the origin, which has nothing to do here, so
 * neither has this.
 */
void
zfs_destroy_unmount_origin(const char *fsname)
{
	(void) fsname;
}
