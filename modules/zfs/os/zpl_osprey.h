/* The POSIX layer's Osprey side (os/zpl_vnops.c, os/zpl_super.c), for
 * zfs_mount.c. Errors are positive errno values with the reason in why. */
#ifndef OSPREY_ZFS_ZPL_OSPREY_H
#define OSPREY_ZFS_ZPL_OSPREY_H
#include <sys/zfs_vfsops.h>
#include <sys/zpl.h>

struct mount;

/* Mounts filesystem dataset on mp (sets mp->root); sb is the caller's,
 * zeroed, and lives as long as the mount. ENOENT: no such dataset. */
int zpl_mount(struct mount *mp, struct super_block *sb, const char *dataset,
    boolean_t readonly, char *why, size_t whylen);
/* Takes the filesystem out of service once every vnode is gone. */
void zpl_unmount(struct super_block *sb);

/* zpl_xattr.c: extended attributes as the VFS's xattr ops define them
 * (negative errno; val NULL removes). */
struct znode;
long zpl_getxattr(struct znode *zp, const char *name, void *buf, size_t len);
int zpl_setxattr(struct znode *zp, const char *name, const void *val,
    size_t len, int flags);
long zpl_listxattr(struct znode *zp, char *buf, size_t len);

/* zfs_ctldir_os.c: the held .zfs node of the mount of dir (the root). */
struct vnode;
int zfsctl_osprey_root(struct vnode *dir, struct vnode **out);

/* zfs_uio.c */
void zfs_uio_init_buf(zfs_uio_t *uio, struct iovec *iov, void *buf,
    size_t len, int64_t off, zfs_uio_seg_t seg);

/* zfs_vfsops_os.c */
int zfsvfs_setup(zfsvfs_t *zfsvfs);
void zfsvfs_teardown(zfsvfs_t *zfsvfs);
int zfs_statvfs_osprey(zfsvfs_t *zfsvfs, uint64_t *bsize, uint64_t *blocks,
    uint64_t *bfree, uint64_t *files, uint64_t *ffree, uint64_t *fsid);

#endif
