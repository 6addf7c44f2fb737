/* The .zfs control directory (snapshots, shares): Osprey builds it of
 * vnodes of its own (os/zfs_ctldir_os.c), not inodes, so no inode is a
 * control node; z_ctldir is only a mark that a dataset has one, and
 * OpenZFS's lookups never reach zfsctl_root (zpl_lookup finds .zfs
 * first). */
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

/* A snapshot mounted under .zfs goes before its destroy or rename: 0,
 * also when it was not mounted, or EBUSY while it is in use. */
#define MNT_FORCE	0x1
int zfsctl_snapshot_unmount(const char *snapname, int flags);

#endif
