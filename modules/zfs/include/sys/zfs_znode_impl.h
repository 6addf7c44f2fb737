/* The platform part of a znode. The POSIX layer (ZPL) is part 2 of the
 * port; the pool code only needs the znode's shape, whose platform field
 * will tie a znode to its Osprey vnode. */
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

struct vnode;
/* Linux keeps owner and link count in the inode; a znode keeps them here. */
#define ZNODE_OS_FIELDS \
	zfsvfs_t *z_zfsvfs; struct vnode *z_vnode; uid_t z_uid; gid_t z_gid; uint64_t z_links
#define ZTOZSB(zp)		((zp)->z_zfsvfs)
#define ZTOTYPE(zp)		((zp)->z_mode)
#define ZTOUID(zp)		((zp)->z_uid)
#define ZTOGID(zp)		((zp)->z_gid)
#define ZTONLNK(zp)		((zp)->z_links)
#define Z_ISBLK(type)		S_ISBLK(type)
#define Z_ISCHR(type)		S_ISCHR(type)
#define Z_ISLNK(type)		S_ISLNK(type)
#define Z_ISDEV(type)		(S_ISCHR(type) || S_ISBLK(type) || S_ISFIFO(type))
#define Z_ISDIR(type)		S_ISDIR(type)

#endif
