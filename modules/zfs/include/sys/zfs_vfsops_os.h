/* The state of a mounted ZFS filesystem (the ZPL's zfsvfs_t). The fields
 * are the ones OpenZFS's common code reads (FUID tables, quotas, the
 * intent log, SA attributes, ZPL version and properties); the Osprey
 * mount they belong to is the POSIX layer's, part 2 of the port. */
#ifndef OSPREY_SPL_SYS_ZFS_VFSOPS_OS_H
#define OSPREY_SPL_SYS_ZFS_VFSOPS_OS_H
#include <sys/isa_defs.h>
#include <sys/types32.h>
#include <sys/list.h>
#include <sys/vfs.h>
#include <sys/zil.h>
#include <sys/sa.h>
#include <sys/rrwlock.h>
#include <sys/dsl_dataset.h>
#include <sys/zfs_ioctl.h>
#include <sys/dataset_kstats.h>

typedef struct zfsvfs zfsvfs_t;
struct znode;
struct mount;

struct zfsvfs {
	struct mount *z_mount;		/* the Osprey mount, once mounted */
	struct zfsvfs *z_parent;
	objset_t *z_os;
	uint64_t z_flags;
	uint64_t z_root;		/* object number of the root znode */
	uint64_t z_unlinkedobj;
	uint64_t z_max_blksz;
	uint64_t z_fuid_obj, z_fuid_size;
	avl_tree_t z_fuid_idx, z_fuid_domain;
	krwlock_t z_fuid_lock;
	boolean_t z_fuid_loaded, z_fuid_dirty;
	struct zfs_fuid_info *z_fuid_replay;
	zilog_t *z_log;
	uint_t z_acl_mode, z_acl_inherit, z_acl_type;
	zfs_case_t z_case;
	boolean_t z_utf8;
	int z_norm;
	boolean_t z_relatime, z_unmounted;
	rrmlock_t z_teardown_lock;
	krwlock_t z_teardown_inactive_lock;
	list_t z_all_znodes;
	uint64_t z_nr_znodes;
	kmutex_t z_znodes_lock;
	boolean_t z_issnap, z_use_fuids, z_replay, z_use_sa, z_xattr_sa;
	uint64_t z_version;		/* ZPL version */
	uint64_t z_shares_dir;
	dataset_kstats_t z_kstat;
	kmutex_t z_lock;
	uint64_t z_userquota_obj, z_groupquota_obj;
	uint64_t z_userobjquota_obj, z_groupobjquota_obj;
	uint64_t z_projectquota_obj, z_projectobjquota_obj;
	uint64_t z_replay_eof;
	sa_attr_type_t *z_attr_table;
	uint64_t z_hold_size;
	avl_tree_t *z_hold_trees;
	kmutex_t *z_hold_locks;
};

int zfsvfs_create_impl(zfsvfs_t **zfvp, zfsvfs_t *zfsvfs, objset_t *os);
void zfsvfs_free(zfsvfs_t *zfsvfs);
/* Mount-time overrides of a property ("temporary" values); ENOENT when
 * the dataset is not mounted with one. */
int zfs_get_temporary_prop(struct dsl_dataset *ds, zfs_prop_t zfs_prop, uint64_t *val,
    char *setpoint);

#endif
