/* The platform part of a znode, in the shape of Linux's: a znode embeds
 * its inode (sys/zpl.h), which keeps mode, owner, link count and times,
 * so OpenZFS's Linux POSIX-layer files compile unmodified against it. */
#ifndef OSPREY_SPL_SYS_ZFS_ZNODE_IMPL_H
#define OSPREY_SPL_SYS_ZFS_ZNODE_IMPL_H
#include <sys/isa_defs.h>
#include <sys/types32.h>
#include <sys/list.h>
#include <sys/dmu.h>
#include <sys/sa.h>
#include <sys/time.h>
#include <sys/zfs_vfsops.h>
#include <sys/rrwlock.h>
#include <sys/zfs_sa.h>
#include <sys/zfs_stat.h>
#include <sys/zfs_rlock.h>
#include <sys/zpl.h>

#define ZNODE_OS_FIELDS \
	inode_timespec_t z_btime;	/* birth time, cached */ \
	struct inode z_inode

#define ZTOI(zp)		(&(zp)->z_inode)
#define ITOZ(ip)		(container_of((ip), znode_t, z_inode))
#define ZTOZSB(zp)		((zfsvfs_t *)(ZTOI(zp)->i_sb->s_fs_info))
#define ITOZSB(ip)		((zfsvfs_t *)((ip)->i_sb->s_fs_info))
#define ZTOTYPE(zp)		(ZTOI(zp)->i_mode)
#define ZTOUID(zp)		(ZTOI(zp)->i_uid)
#define ZTOGID(zp)		(ZTOI(zp)->i_gid)
#define ZTONLNK(zp)		(ZTOI(zp)->i_nlink)
#define Z_ISBLK(type)		S_ISBLK(type)
#define Z_ISCHR(type)		S_ISCHR(type)
#define Z_ISLNK(type)		S_ISLNK(type)
#define Z_ISDEV(type)		(S_ISCHR(type) || S_ISBLK(type) || S_ISFIFO(type))
#define Z_ISDIR(type)		S_ISDIR(type)

/* No page cache shares a ZFS file's data (sys/zpl.h). */
#define zn_has_cached_data(zp)		((zp)->z_is_mapped)
#define zn_flush_cached_data(zp, sync)	write_inode_now(ZTOI(zp), sync)
#define zn_rlimit_fsize(zp, uio)	(0)

#define zhold(zp)	VERIFY3P(igrab(ZTOI((zp))), !=, NULL)
#define zrele(zp)	iput(ZTOI((zp)))

/* Each ZPL entry point runs inside the teardown lock and fails with EIO
 * once the filesystem is unmounted or its znode's SA handle is gone. */
#define ZFS_ENTER_ERROR(zfsvfs, error) do {				\
	ZFS_TEARDOWN_ENTER_READ(zfsvfs, FTAG);				\
	if (unlikely((zfsvfs)->z_unmounted)) {				\
		ZFS_TEARDOWN_EXIT_READ(zfsvfs, FTAG);			\
		return (error);						\
	}								\
} while (0)
#define ZFS_ENTER(zfsvfs)	ZFS_ENTER_ERROR(zfsvfs, EIO)
#define ZPL_ENTER(zfsvfs)	ZFS_ENTER_ERROR(zfsvfs, -EIO)
#define ZFS_EXIT(zfsvfs) do {						\
	zfs_exit_fs(zfsvfs);						\
	ZFS_TEARDOWN_EXIT_READ(zfsvfs, FTAG);				\
} while (0)
#define ZPL_EXIT(zfsvfs)	rrm_exit(&(zfsvfs)->z_teardown_lock, FTAG)
#define ZFS_VERIFY_ZP_ERROR(zp, error) do {				\
	if (unlikely((zp)->z_sa_hdl == NULL)) {				\
		ZFS_EXIT(ZTOZSB(zp));					\
		return (error);						\
	}								\
} while (0)
#define ZFS_VERIFY_ZP(zp)	ZFS_VERIFY_ZP_ERROR(zp, EIO)
#define ZPL_VERIFY_ZP(zp)	ZFS_VERIFY_ZP_ERROR(zp, -EIO)

/* Per-object hold locks: z_hold_size of them, a power of two. */
#define ZFS_OBJ_MTX_SZ		64
#define ZFS_OBJ_MTX_MAX		(1024 * 1024)
#define ZFS_OBJ_HASH(zfsvfs, obj)	((obj) & ((zfsvfs->z_hold_size) - 1))
extern unsigned int zfs_object_mutex_size;

#define ZFS_TIME_ENCODE(tp, stmp) do {					\
	(stmp)[0] = (uint64_t)(tp)->tv_sec;				\
	(stmp)[1] = (uint64_t)(tp)->tv_nsec;				\
} while (0)
#define ZFS_TIME_DECODE(tp, stmp) do {					\
	(tp)->tv_sec = (time_t)(stmp)[0];				\
	(tp)->tv_nsec = (long)(stmp)[1];				\
} while (0)
#define ZFS_ACCESSTIME_STAMP(zfsvfs, zp)

struct znode;
int zfs_inode_alloc(struct super_block *sb, struct inode **ip);
void zfs_inode_destroy(struct inode *ip);
void zfs_mark_inode_dirty(struct inode *ip);
boolean_t zfs_relatime_need_update(const struct inode *ip);

extern zil_replay_func_t *zfs_replay_vector[TX_MAX_TYPE];
extern int zfsfstype;

#endif
