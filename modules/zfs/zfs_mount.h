/* The "zfs" filesystem type (zfs_mount.c): datasets mounted from fstab,
 * pools imported, created and exported for them. */
#ifndef OSPREY_ZFS_MOUNT_H
#define OSPREY_ZFS_MOUNT_H

/* Sets up the POSIX layer (before any pool is created: the root
 * filesystem of a new pool is made with znodes). Once, at load. */
void zfs_posix_init(void);
/* Registers the type; once, from module_init. */
int zfs_mount_init(void);

#endif
