/* The state of a mounted ZFS filesystem (the ZPL's zfsvfs_t). The fields
 * are the ones OpenZFS's common code reads (FUID tables, quotas, the
 * intent log, SA attributes, ZPL version and properties) and those of
 * Linux's version that its POSIX layer, compiled unmodified, uses. */
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
struct super_block;
struct inode;

/* Mount options that override dataset properties for one mount (vfs_do_X:
 * the option was given, vfs_X: its value); the ZPL reads them through
 * zfs_get_temporary_prop and its property callbacks. */
typedef struct vfs {
	struct zfsvfs *vfs_data;
	char *vfs_mntpoint;
	uint64_t vfs_xattr;
	boolean_t vfs_readonly, vfs_do_readonly;
	boolean_t vfs_setuid, vfs_do_setuid;
	boolean_t vfs_exec, vfs_do_exec;
	boolean_t vfs_devices, vfs_do_devices;
	boolean_t vfs_do_xattr;
	boolean_t vfs_atime, vfs_do_atime;
	boolean_t vfs_relatime, vfs_do_relatime;
	boolean_t vfs_nbmand, vfs_do_nbmand;
} vfs_t;

struct zfsvfs {
	vfs_t *z_vfs;			/* mount options (sys/vfs.h) */
	struct super_block *z_sb;	/* Linux's view (sys/zpl.h) */
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
	unsigned long z_rollback_time, z_snap_defer_time;
	kmutex_t z_znodes_lock;
	struct arc_prune *z_arc_prune;
	struct inode *z_ctldir;		/* always NULL: no .zfs directory */
	boolean_t z_show_ctldir;	/* always false */
	boolean_t z_vscan;
	boolean_t z_draining, z_drain_cancel;
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
	taskqid_t z_drain_task;
};

/* Every ZPL call runs inside the teardown lock (read), which unmount and
 * the online receive/rollback take for writing. */
#define ZFS_TEARDOWN_INIT(zfsvfs)	rrm_init(&(zfsvfs)->z_teardown_lock, B_FALSE)
#define ZFS_TEARDOWN_DESTROY(zfsvfs)	rrm_destroy(&(zfsvfs)->z_teardown_lock)
#define ZFS_TEARDOWN_ENTER_READ(zfsvfs, tag) \
	rrm_enter_read(&(zfsvfs)->z_teardown_lock, tag);
#define ZFS_TEARDOWN_EXIT_READ(zfsvfs, tag) rrm_exit(&(zfsvfs)->z_teardown_lock, tag)
#define ZFS_TEARDOWN_ENTER_WRITE(zfsvfs, tag) \
	rrm_enter(&(zfsvfs)->z_teardown_lock, RW_WRITER, tag)
#define ZFS_TEARDOWN_EXIT(zfsvfs, tag)	rrm_exit(&(zfsvfs)->z_teardown_lock, tag)
#define ZFS_TEARDOWN_READ_HELD(zfsvfs)	RRM_READ_HELD(&(zfsvfs)->z_teardown_lock)
#define ZFS_TEARDOWN_WRITE_HELD(zfsvfs)	RRM_WRITE_HELD(&(zfsvfs)->z_teardown_lock)
#define ZFS_TEARDOWN_HELD(zfsvfs)	RRM_LOCK_HELD(&(zfsvfs)->z_teardown_lock)

#define ZSB_XATTR	0x0001		/* z_flags: user xattrs enabled */
/* i_nlink is an unsigned int; 2^31 - 1 keeps it positive. */
#define ZFS_LINK_MAX	((1U << 31) - 1U)

/* File handles (NFS): 2 bytes of length, a 48-bit object number and a
 * 32-bit generation, little end first; snapshots add the objset. */
typedef struct zfid_short {
	uint16_t zf_len;
	uint8_t zf_object[6];
	uint8_t zf_gen[4];
} zfid_short_t;
typedef struct zfid_long {
	zfid_short_t z_fid;
	uint8_t zf_setid[6];
	uint8_t zf_setgen[4];
} zfid_long_t;
#define SHORT_FID_LEN	(sizeof (zfid_short_t) - sizeof (uint16_t))
#define LONG_FID_LEN	(sizeof (zfid_long_t) - sizeof (uint16_t))

struct kstatfs;
boolean_t zfs_is_readonly(zfsvfs_t *zfsvfs);
void zfs_exit_fs(zfsvfs_t *zfsvfs);
int zfs_sync(struct super_block *sb, int wait, cred_t *cr);
int zfs_suspend_fs(zfsvfs_t *zfsvfs);
int zfs_resume_fs(zfsvfs_t *zfsvfs, struct dsl_dataset *ds);
int zfs_end_fs(zfsvfs_t *zfsvfs, struct dsl_dataset *ds);
int zfs_set_version(zfsvfs_t *zfsvfs, uint64_t newvers);
int zfsvfs_create(const char *name, boolean_t readonly, zfsvfs_t **zfvp);
int zfsvfs_create_impl(zfsvfs_t **zfvp, zfsvfs_t *zfsvfs, objset_t *os);
void zfsvfs_free(zfsvfs_t *zfsvfs);
/* Mount-time overrides of a property ("temporary" values); ENOENT when
 * the dataset is not mounted with one. */
int zfs_get_temporary_prop(struct dsl_dataset *ds, zfs_prop_t zfs_prop, uint64_t *val,
    char *setpoint);
/* The POSIX layer's part of module start and stop (zfs_kmod_init). */
void zfs_init(void);
void zfs_fini(void);

#endif
