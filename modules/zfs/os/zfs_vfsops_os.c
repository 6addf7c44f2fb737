/*
 * The ZPL's per-filesystem state (zfsvfs_t, ours: sys/zfs_vfsops_os.h):
 * reading a filesystem's on-disk settings, bringing it into service and
 * out of it, sync and space figures, and the mount questions the pool
 * code asks. The Osprey mount around it is os/zpl_vnops.c's.
 *
 * A zfsvfs is also built unmounted by channel programs reading space
 * figures (zcp_get.c); the mount questions look at the objset's user
 * pointer, as Linux's do, so they answer for both kinds.
 */
#include <sys/zfs_context.h>
#include <sys/zap.h>
#include <sys/sa.h>
#include <sys/dmu.h>
#include <sys/dmu_objset.h>
#include <sys/dsl_dataset.h>
#include <sys/dsl_prop.h>
#include <sys/dsl_dir.h>
#include <sys/txg.h>
#include <sys/zfs_dir.h>
#include <sys/zfs_vnops.h>
#include <sys/zil.h>
#include "zpl_osprey.h"
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

/* Set up zfsvfs (kmem_zalloc'd by the caller) for os and return it in
 * *zfvp. On failure zfsvfs is freed and *zfvp is NULL; os is left as it
 * came (zfsvfs_create disowns what it owned; zcp_get.c's caller releases
 * its own hold). */
int
zfsvfs_create_impl(zfsvfs_t **zfvp, zfsvfs_t *zfsvfs, objset_t *os)
{
	int error, size;

	zfsvfs->z_parent = zfsvfs;
	mutex_init(&zfsvfs->z_znodes_lock, NULL, MUTEX_DEFAULT, NULL);
	mutex_init(&zfsvfs->z_lock, NULL, MUTEX_DEFAULT, NULL);
	list_create(&zfsvfs->z_all_znodes, sizeof (znode_t),
	    offsetof(znode_t, z_link_node));
	ZFS_TEARDOWN_INIT(zfsvfs);
	rw_init(&zfsvfs->z_teardown_inactive_lock, NULL, RW_DEFAULT, NULL);
	rw_init(&zfsvfs->z_fuid_lock, NULL, RW_DEFAULT, NULL);

	/* Object hold locks, a power of two of them (zfs_znode.c). */
	size = MIN(1 << (highbit64(zfs_object_mutex_size) - 1),
	    ZFS_OBJ_MTX_MAX);
	zfsvfs->z_hold_size = size;
	zfsvfs->z_hold_trees = vmem_zalloc(sizeof (avl_tree_t) * size,
	    KM_SLEEP);
	zfsvfs->z_hold_locks = vmem_zalloc(sizeof (kmutex_t) * size, KM_SLEEP);
	for (int i = 0; i < size; i++) {
		avl_create(&zfsvfs->z_hold_trees[i], zfs_znode_hold_compare,
		    sizeof (znode_hold_t), offsetof(znode_hold_t, zh_node));
		mutex_init(&zfsvfs->z_hold_locks[i], NULL, MUTEX_DEFAULT, NULL);
	}
	zfsvfs->z_drain_task = TASKQID_INVALID;
	zfsvfs->z_draining = B_FALSE;
	zfsvfs->z_drain_cancel = B_TRUE;

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
	int size = zfsvfs->z_hold_size;

	zfs_fuid_destroy(zfsvfs);
	mutex_destroy(&zfsvfs->z_znodes_lock);
	mutex_destroy(&zfsvfs->z_lock);
	list_destroy(&zfsvfs->z_all_znodes);
	ZFS_TEARDOWN_DESTROY(zfsvfs);
	rw_destroy(&zfsvfs->z_teardown_inactive_lock);
	rw_destroy(&zfsvfs->z_fuid_lock);
	for (int i = 0; i < size; i++) {
		avl_destroy(&zfsvfs->z_hold_trees[i]);
		mutex_destroy(&zfsvfs->z_hold_locks[i]);
	}
	if (size > 0) {
		vmem_free(zfsvfs->z_hold_trees, sizeof (avl_tree_t) * size);
		vmem_free(zfsvfs->z_hold_locks, sizeof (kmutex_t) * size);
	}
	if (zfsvfs->z_vfs != NULL)
		kmem_free(zfsvfs->z_vfs, sizeof (vfs_t));
	dataset_kstats_destroy(&zfsvfs->z_kstat);
	kmem_free(zfsvfs, sizeof (zfsvfs_t));
}

/* Own the dataset osname (a filesystem) and set up its zfsvfs. */
int
zfsvfs_create(const char *osname, boolean_t readonly, zfsvfs_t **zfvp)
{
	zfsvfs_t *zfsvfs = kmem_zalloc(sizeof (zfsvfs_t), KM_SLEEP);
	boolean_t ro = readonly || strchr(osname, '@') != NULL;
	objset_t *os;
	int error;

	error = dmu_objset_own(osname, DMU_OST_ZFS, ro, B_TRUE, zfsvfs, &os);
	if (error != 0) {
		kmem_free(zfsvfs, sizeof (zfsvfs_t));
		return (error);
	}
	error = zfsvfs_create_impl(zfvp, zfsvfs, os);
	if (error != 0)
		dmu_objset_disown(os, B_TRUE, zfsvfs);
	return (error);
}

boolean_t
zfs_is_readonly(zfsvfs_t *zfsvfs)
{
	return (zfsvfs->z_sb != NULL && (zfsvfs->z_sb->s_flags & SB_RDONLY));
}

/* Snapshots are not mounted here, so nothing is due on leaving one. */
void
zfs_exit_fs(zfsvfs_t *zfsvfs)
{
	(void) zfsvfs;
}

/* ---- property callbacks: the mount follows its dataset's properties ---- */

static void
relatime_changed_cb(void *arg, uint64_t newval)
{
	((zfsvfs_t *)arg)->z_relatime = newval;
}

static void
xattr_changed_cb(void *arg, uint64_t newval)
{
	zfsvfs_t *zfsvfs = arg;

	if (newval == ZFS_XATTR_OFF) {
		zfsvfs->z_flags &= ~ZSB_XATTR;
		return;
	}
	zfsvfs->z_flags |= ZSB_XATTR;
	zfsvfs->z_xattr_sa = (newval == ZFS_XATTR_SA);
}

/* POSIX ACLs are not enforced here (one application, as root), so any
 * acltype behaves as "off" for permission checks, as Linux without
 * CONFIG_FS_POSIX_ACL does; the property itself is kept on disk. */
static void
acltype_changed_cb(void *arg, uint64_t newval)
{
	(void) newval;
	((zfsvfs_t *)arg)->z_acl_type = ZFS_ACLTYPE_OFF;
}

static void
blksz_changed_cb(void *arg, uint64_t newval)
{
	((zfsvfs_t *)arg)->z_max_blksz = newval;
}

static void
readonly_changed_cb(void *arg, uint64_t newval)
{
	zfsvfs_t *zfsvfs = arg;

	if (zfsvfs->z_sb == NULL)
		return;
	if (newval)
		zfsvfs->z_sb->s_flags |= SB_RDONLY;
	else
		zfsvfs->z_sb->s_flags &= ~SB_RDONLY;
}

static void
acl_mode_changed_cb(void *arg, uint64_t newval)
{
	((zfsvfs_t *)arg)->z_acl_mode = newval;
}

static void
acl_inherit_changed_cb(void *arg, uint64_t newval)
{
	((zfsvfs_t *)arg)->z_acl_inherit = newval;
}

/* snapdir=visible lists .zfs in the root (it is found by name anyway). */
static void
snapdir_changed_cb(void *arg, uint64_t newval)
{
	((zfsvfs_t *)arg)->z_show_ctldir = newval == ZFS_SNAPDIR_VISIBLE;
}

/* Properties Osprey does not act on (atime updates, devices, setuid,
 * exec, vscan, nbmand) are not registered. */
static const struct {
	zfs_prop_t prop;
	dsl_prop_changed_cb_t *cb;
} zpl_prop_cbs[] = {
	{ ZFS_PROP_RELATIME, relatime_changed_cb },
	{ ZFS_PROP_XATTR, xattr_changed_cb },
	{ ZFS_PROP_RECORDSIZE, blksz_changed_cb },
	{ ZFS_PROP_READONLY, readonly_changed_cb },
	{ ZFS_PROP_ACLTYPE, acltype_changed_cb },
	{ ZFS_PROP_ACLMODE, acl_mode_changed_cb },
	{ ZFS_PROP_ACLINHERIT, acl_inherit_changed_cb },
	{ ZFS_PROP_SNAPDIR, snapdir_changed_cb },
};

/* Each callback runs once now with the current value, then on changes.
 * A read-only mount (or pool) stays read-only whatever the property. */
static int
zfs_register_callbacks(zfsvfs_t *zfsvfs)
{
	objset_t *os = zfsvfs->z_os;
	dsl_dataset_t *ds = dmu_objset_ds(os);
	boolean_t force_ro = zfs_is_readonly(zfsvfs) ||
	    !spa_writeable(dmu_objset_spa(os));
	int error = 0;

	dsl_pool_config_enter(dmu_objset_pool(os), FTAG);
	for (size_t i = 0; i < ARRAY_SIZE(zpl_prop_cbs) && error == 0; i++)
		error = dsl_prop_register(ds,
		    zfs_prop_to_name(zpl_prop_cbs[i].prop), zpl_prop_cbs[i].cb,
		    zfsvfs);
	dsl_pool_config_exit(dmu_objset_pool(os), FTAG);
	if (error != 0) {
		dsl_prop_unregister_all(ds, zfsvfs);
		return (error);
	}
	if (force_ro)
		readonly_changed_cb(zfsvfs, B_TRUE);
	return (0);
}

/*
 * Bring a freshly created zfsvfs into service (Linux: zfsvfs_setup with
 * mounting set): property callbacks, the intent log, the files unlinked
 * while open before a crash, then the log's replay. The drain must come
 * before the replay (a replayed create may reuse an object the unlinked
 * set still names).
 */
/*
 * A snapshot (Linux: zfs_domount's snapshot case): never written, so no
 * property callbacks, no log and no drain; the few properties that shape
 * the ZPL are read once.
 */
static int
zfsvfs_setup_snapshot(zfsvfs_t *zfsvfs)
{
	char osname[ZFS_MAX_DATASET_NAME_LEN];
	uint64_t pval;
	int error;

	dmu_objset_name(zfsvfs->z_os, osname);
	readonly_changed_cb(zfsvfs, B_TRUE);
	if ((error = dsl_prop_get_integer(osname, "xattr", &pval, NULL)) != 0)
		return (error);
	xattr_changed_cb(zfsvfs, pval);
	if ((error = dsl_prop_get_integer(osname, "acltype", &pval,
	    NULL)) != 0)
		return (error);
	acltype_changed_cb(zfsvfs, pval);
	zfsvfs->z_issnap = B_TRUE;
	zfsvfs->z_os->os_sync = ZFS_SYNC_DISABLED;
	mutex_enter(&zfsvfs->z_os->os_user_ptr_lock);
	dmu_objset_set_user(zfsvfs->z_os, zfsvfs);
	mutex_exit(&zfsvfs->z_os->os_user_ptr_lock);
	return (0);
}

int
zfsvfs_setup(zfsvfs_t *zfsvfs)
{
	boolean_t readonly = zfs_is_readonly(zfsvfs);
	int error;

	if (dmu_objset_is_snapshot(zfsvfs->z_os))
		return (zfsvfs_setup_snapshot(zfsvfs));
	if ((error = zfs_register_callbacks(zfsvfs)) != 0)
		return (error);
	readonly = zfs_is_readonly(zfsvfs);
	zfsvfs->z_log = zil_open(zfsvfs->z_os, zfs_get_data);
	dataset_kstats_create(&zfsvfs->z_kstat, zfsvfs->z_os);

	/* Replay writes, so a read-only mount lifts the flag meanwhile. */
	if (readonly)
		readonly_changed_cb(zfsvfs, B_FALSE);
	else {
		zfs_unlinked_drain(zfsvfs);
		zfsvfs->z_os->os_dsl_dataset->ds_dir->dd_activity_cancelled =
		    B_FALSE;
	}
	if (spa_writeable(dmu_objset_spa(zfsvfs->z_os))) {
		if (zil_replay_disable) {
			zil_destroy(zfsvfs->z_log, B_FALSE);
		} else {
			zfsvfs->z_replay = B_TRUE;
			zil_replay(zfsvfs->z_os, zfsvfs, zfs_replay_vector);
			zfsvfs->z_replay = B_FALSE;
		}
	}
	if (readonly)
		readonly_changed_cb(zfsvfs, B_TRUE);

	mutex_enter(&zfsvfs->z_os->os_user_ptr_lock);
	dmu_objset_set_user(zfsvfs->z_os, zfsvfs);
	mutex_exit(&zfsvfs->z_os->os_user_ptr_lock);
	return (0);
}

/*
 * What unmounting and suspending share: the releases queued by
 * zfs_zrele_async are waited for (all of them when unmounting: freeing
 * must not free live znodes; a few rounds otherwise), then the ZPL is
 * shut out (teardown lock for writing), the log closed and inactive
 * processing blocked. Returns with both locks held, or ENOENT (and the
 * locks not taken) when znodes would leak.
 */
static int
zfsvfs_quiesce(zfsvfs_t *zfsvfs, boolean_t unmounting)
{
	objset_t *os = zfsvfs->z_os;

	zfs_unlinked_drain_stop_wait(zfsvfs);
	for (int round = 0; zfsvfs->z_nr_znodes > 0; round++) {
		taskq_wait_outstanding(dsl_pool_zrele_taskq(
		    dmu_objset_pool(os)), 0);
		if (!unmounting && round >= 1)
			break;
		if (zfsvfs->z_nr_znodes > 0 && round >= 100) {
			/* A leak: freeing now would free live znodes. */
			cmn_err(CE_WARN, "zfs: %llu znodes still in use at "
			    "unmount; the dataset stays open",
			    (u_longlong_t)zfsvfs->z_nr_znodes);
			return (SET_ERROR(ENOENT));
		}
		if (zfsvfs->z_nr_znodes > 0)
			delay(MSEC_TO_TICK(10));
	}
	ZFS_TEARDOWN_ENTER_WRITE(zfsvfs, FTAG);
	if (zfsvfs->z_log != NULL) {
		zil_close(zfsvfs->z_log);
		zfsvfs->z_log = NULL;
	}
	rw_enter(&zfsvfs->z_teardown_inactive_lock, RW_WRITER);
	return (0);
}

/* Properties off, dirty data written, cached buffers dropped: the
 * dataset can be disowned or changed under the zfsvfs. */
static void
zfsvfs_release_os(zfsvfs_t *zfsvfs)
{
	objset_t *os = zfsvfs->z_os;

	if (!dmu_objset_is_snapshot(os))
		dsl_prop_unregister_all(dmu_objset_ds(os), zfsvfs);
	for (int t = 0; t < TXG_SIZE; t++) {
		if (dmu_objset_is_dirty(os, t) && !zfs_is_readonly(zfsvfs)) {
			txg_wait_synced(dmu_objset_pool(os), 0);
			break;
		}
	}
	dmu_objset_evict_dbufs(os);
	dsl_dir_cancel_waiters(os->os_dsl_dataset->ds_dir);
}

/*
 * Take zfsvfs out of service for unmounting: stop the unlinked drain,
 * wait for asynchronous releases, close the log, then fail every later
 * ZPL call with EIO; finally write out what is dirty and drop the
 * dataset's cached buffers. Every znode has been released by then (the
 * Osprey VFS reclaims all vnodes before calling unmount's release).
 */
void
zfsvfs_teardown(zfsvfs_t *zfsvfs)
{
	objset_t *os = zfsvfs->z_os;

	if (os == NULL) {
		/* A resume that failed left the dataset disowned already. */
		zfsvfs_free(zfsvfs);
		return;
	}
	if (zfsvfs_quiesce(zfsvfs, B_TRUE) != 0)
		return;
	zfsvfs->z_unmounted = B_TRUE;
	rw_exit(&zfsvfs->z_teardown_inactive_lock);
	ZFS_TEARDOWN_EXIT(zfsvfs, FTAG);

	zfsvfs_release_os(zfsvfs);
	mutex_enter(&os->os_user_ptr_lock);
	dmu_objset_set_user(os, NULL);
	mutex_exit(&os->os_user_ptr_lock);
	dmu_objset_disown(os, B_TRUE, zfsvfs);
	zfsvfs_free(zfsvfs);
}

/*
 * An online rollback or receive changes the dataset under a mounted
 * filesystem (Linux: zfsvfs_teardown without unmounting). Every ZPL call
 * waits until zfs_resume_fs (or zfs_end_fs) releases the locks this
 * returns holding; the znodes in use let go of their buffers and are
 * held (z_suspended) so none is freed meanwhile. EIO when the filesystem
 * is being unmounted.
 */
int
zfs_suspend_fs(zfsvfs_t *zfsvfs)
{
	int error = zfsvfs_quiesce(zfsvfs, B_FALSE);

	if (error != 0)
		return (error);
	if (zfsvfs->z_unmounted || zfsvfs->z_os == NULL) {
		rw_exit(&zfsvfs->z_teardown_inactive_lock);
		ZFS_TEARDOWN_EXIT(zfsvfs, FTAG);
		return (SET_ERROR(EIO));
	}
	mutex_enter(&zfsvfs->z_znodes_lock);
	for (znode_t *zp = list_head(&zfsvfs->z_all_znodes); zp != NULL;
	    zp = list_next(&zfsvfs->z_all_znodes, zp)) {
		if (zp->z_sa_hdl != NULL)
			zfs_znode_dmu_fini(zp);
		if (igrab(ZTOI(zp)) != NULL)
			zp->z_suspended = B_TRUE;
	}
	mutex_exit(&zfsvfs->z_znodes_lock);
	zfsvfs_release_os(zfsvfs);
	return (0);
}

/* What the ZPL version allows (Linux's zfs_set_fuid_feature). */
static void
zfsvfs_set_features(zfsvfs_t *zfsvfs)
{
	zfsvfs->z_use_fuids = USE_FUIDS(zfsvfs->z_version, zfsvfs->z_os);
	zfsvfs->z_use_sa = USE_SA(zfsvfs->z_version, zfsvfs->z_os);
}

/* The objset of ds, which zfsvfs owns: a receive or rollback may have
 * evicted the one it had. */
static objset_t *
zfsvfs_owned_os(zfsvfs_t *zfsvfs, dsl_dataset_t *ds)
{
	dsl_pool_t *dp = spa_get_dsl(dsl_dataset_get_spa(ds));
	objset_t *os;

	VERIFY3P(ds->ds_owner, ==, zfsvfs);
	VERIFY(dsl_dataset_long_held(ds));
	dsl_pool_config_enter(dp, FTAG);
	VERIFY0(dmu_objset_from_ds(ds, &os));
	dsl_pool_config_exit(dp, FTAG);
	return (os);
}

/*
 * Back into service on the changed dataset: its ZPL state read again,
 * callbacks and the log reopened, every znode in use bound to its object
 * again (one whose object is gone is left stale: its operations fail,
 * as a Linux inode unhashed here would), then the ZPL let in. A failure
 * leaves the filesystem unusable until it is unmounted (every call EIO).
 */
int
zfs_resume_fs(zfsvfs_t *zfsvfs, dsl_dataset_t *ds)
{
	objset_t *os = zfsvfs_owned_os(zfsvfs, ds);
	int err;

	ASSERT(ZFS_TEARDOWN_WRITE_HELD(zfsvfs));
	ASSERT(RW_WRITE_HELD(&zfsvfs->z_teardown_inactive_lock));
	err = zfsvfs_init(zfsvfs, os);
	if (err == 0)
		err = zfs_register_callbacks(zfsvfs);
	if (err == 0) {
		ds->ds_dir->dd_activity_cancelled = B_FALSE;
		zfsvfs->z_log = zil_open(os, zfs_get_data);
		mutex_enter(&os->os_user_ptr_lock);
		dmu_objset_set_user(os, zfsvfs);
		mutex_exit(&os->os_user_ptr_lock);
		zfsvfs_set_features(zfsvfs);
		zfsvfs->z_rollback_time = ddi_get_lbolt();
	}
	mutex_enter(&zfsvfs->z_znodes_lock);
	for (znode_t *zp = list_head(&zfsvfs->z_all_znodes); zp != NULL;
	    zp = list_next(&zfsvfs->z_all_znodes, zp)) {
		if (err == 0)
			(void) zfs_rezget(zp);
		if (zp->z_suspended) {
			zfs_zrele_async(zp);
			zp->z_suspended = B_FALSE;
		}
	}
	mutex_exit(&zfsvfs->z_znodes_lock);
	if (err == 0 && !zfs_is_readonly(zfsvfs) && !zfsvfs->z_unmounted)
		zfs_unlinked_drain(zfsvfs);	/* a suspend may have cut one short */
	if (err != 0)
		zfsvfs->z_unmounted = B_TRUE;
	rw_exit(&zfsvfs->z_teardown_inactive_lock);
	ZFS_TEARDOWN_EXIT(zfsvfs, FTAG);
	return (err);
}

/*
 * A receive that replaced the dataset cannot resume the filesystem on
 * it (Linux: zfs_end_fs): the objset is updated for the unmount, which
 * Linux forces and Osprey leaves to the program (libzfs unmounts and
 * remounts around a full receive); every ZPL call meanwhile fails.
 */
int
zfs_end_fs(zfsvfs_t *zfsvfs, dsl_dataset_t *ds)
{
	ASSERT(ZFS_TEARDOWN_WRITE_HELD(zfsvfs));
	ASSERT(RW_WRITE_HELD(&zfsvfs->z_teardown_inactive_lock));
	zfsvfs->z_os = zfsvfs_owned_os(zfsvfs, ds);
	zfsvfs->z_unmounted = B_TRUE;
	rw_exit(&zfsvfs->z_teardown_inactive_lock);
	ZFS_TEARDOWN_EXIT(zfsvfs, FTAG);
	return (0);
}

/*
 * `zfs upgrade` (the version property): the ZPL version in the master
 * node, and the SA master node a move to SA filesystems needs. Versions
 * only go up, and no higher than the pool allows.
 */
int
zfs_set_version(zfsvfs_t *zfsvfs, uint64_t newvers)
{
	objset_t *os = zfsvfs->z_os;
	boolean_t add_sa = newvers >= ZPL_VERSION_SA && !zfsvfs->z_use_sa;
	dmu_tx_t *tx;
	int error;

	if (newvers < ZPL_VERSION_INITIAL || newvers > ZPL_VERSION ||
	    newvers < zfsvfs->z_version)
		return (SET_ERROR(EINVAL));
	if (zfs_spa_version_map(newvers) > spa_version(dmu_objset_spa(os)))
		return (SET_ERROR(ENOTSUP));
	tx = dmu_tx_create(os);
	dmu_tx_hold_zap(tx, MASTER_NODE_OBJ, B_FALSE, ZPL_VERSION_STR);
	if (add_sa) {
		dmu_tx_hold_zap(tx, MASTER_NODE_OBJ, B_TRUE, ZFS_SA_ATTRS);
		dmu_tx_hold_zap(tx, DMU_NEW_OBJECT, FALSE, NULL);
	}
	if ((error = dmu_tx_assign(tx, TXG_WAIT)) != 0) {
		dmu_tx_abort(tx);
		return (error);
	}
	error = zap_update(os, MASTER_NODE_OBJ, ZPL_VERSION_STR, 8, 1,
	    &newvers, tx);
	if (error != 0) {
		dmu_tx_commit(tx);
		return (error);
	}
	if (add_sa) {
		uint64_t sa_obj = zap_create(os, DMU_OT_SA_MASTER_NODE,
		    DMU_OT_NONE, 0, tx);
		VERIFY0(zap_add(os, MASTER_NODE_OBJ, ZFS_SA_ATTRS, 8, 1,
		    &sa_obj, tx));
		VERIFY0(sa_set_sa_object(os, sa_obj));
		sa_register_update_callback(os, zfs_sa_upgrade);
	}
	spa_history_log_internal_ds(dmu_objset_ds(os), "upgrade", tx,
	    "from %llu to %llu", (u_longlong_t)zfsvfs->z_version,
	    (u_longlong_t)newvers);
	dmu_tx_commit(tx);
	zfsvfs->z_version = newvers;
	os->os_version = newvers;
	zfsvfs_set_features(zfsvfs);
	return (0);
}

/*
 * sync(2) on one filesystem: everything acknowledged so far reaches the
 * intent log on disk (what fsync does for one file); a sync of all pools
 * writes every dirty transaction group out, as Linux's sync(1) does.
 */
int
zfs_sync(struct super_block *sb, int wait, cred_t *cr)
{
	zfsvfs_t *zfsvfs = sb != NULL ? sb->s_fs_info : NULL;

	(void) cr;
	if (!wait)
		return (0);
	if (zfsvfs == NULL) {
		spa_sync_allpools();
		return (0);
	}
	ZFS_ENTER(zfsvfs);
	if (!spa_suspended(dmu_objset_spa(zfsvfs->z_os)) &&
	    zfsvfs->z_log != NULL)
		zil_commit(zfsvfs->z_log, 0);
	ZFS_EXIT(zfsvfs);
	return (0);
}

/*
 * Space figures as Linux's statfs reports them: blocks of the largest
 * record size, the dataset's referenced plus available space, and as
 * many free "inodes" as objects could still be made.
 */
int
zfs_statvfs_osprey(zfsvfs_t *zfsvfs, uint64_t *bsize, uint64_t *blocks,
    uint64_t *bfree, uint64_t *files, uint64_t *ffree, uint64_t *fsid)
{
	uint64_t refd, avail, usedobjs, availobjs;
	int shift;

	ZFS_ENTER(zfsvfs);
	dmu_objset_space(zfsvfs->z_os, &refd, &avail, &usedobjs, &availobjs);
	*fsid = dmu_objset_fsid_guid(zfsvfs->z_os);
	*bsize = zfsvfs->z_max_blksz;
	shift = highbit64(*bsize) - 1;
	refd = P2ROUNDUP(refd, *bsize);
	*blocks = (refd + avail) >> shift;
	*bfree = avail >> shift;
	*ffree = MIN(availobjs, avail >> DNODE_SHIFT);
	*files = *ffree + usedobjs;
	ZFS_EXIT(zfsvfs);
	return (0);
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
