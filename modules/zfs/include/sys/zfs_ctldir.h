/* The .zfs control directory (snapshots, shares) is not built on Osprey
 * yet: no filesystem shows one, so no inode is a control node and the
 * entry points below answer that there is none. */
#ifndef OSPREY_SPL_SYS_ZFS_CTLDIR_H
#define OSPREY_SPL_SYS_ZFS_CTLDIR_H
#include <sys/zfs_vfsops.h>
#include <sys/zfs_znode.h>

#define ZFS_CTLDIR_NAME		".zfs"
#define ZFS_SNAPDIR_NAME	"snapshot"
#define ZFS_SHAREDIR_NAME	"shares"
/* Inode numbers Linux gives the control nodes (above any object). */
#define ZFSCTL_INO_ROOT		0x0000FFFFFFFFFFFFULL
#define ZFSCTL_INO_SHARES	0x0000FFFFFFFFFFFEULL
#define ZFSCTL_INO_SNAPDIR	0x0000FFFFFFFFFFFDULL
#define ZFSCTL_INO_SNAPDIRS	0x0000FFFFFFFFFFFCULL

#define zfs_has_ctldir(zdp) \
	((zdp)->z_id == ZTOZSB(zdp)->z_root && ZTOZSB(zdp)->z_ctldir != NULL)
#define zfs_show_ctldir(zdp) \
	(zfs_has_ctldir(zdp) && ZTOZSB(zdp)->z_show_ctldir)
#define zfsctl_is_node(ip)	(ITOZ(ip)->z_is_ctldir)
#define zfsctl_is_snapdir(ip)	(B_FALSE)

struct inode *zfsctl_root(znode_t *zp);
int zfsctl_root_lookup(struct inode *dip, const char *name, struct inode **ipp,
    int flags, cred_t *cr, int *direntflags, pathname_t *realpnp);
int zfsctl_fid(struct inode *ip, fid_t *fidp);

/* Snapshots are mounted under .zfs only, so none is ever mounted: an
 * unmount before a destroy or rename finds nothing to do. */
#define MNT_FORCE	0x1
#define zfsctl_snapshot_unmount(snapname, flags)	(0)

#endif
