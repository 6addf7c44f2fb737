/* The "zfs" filesystem type (zfs_mount.c): datasets mounted from fstab,
 * pools imported, created and exported for them. */
#ifndef OSPREY_ZFS_MOUNT_H
#define OSPREY_ZFS_MOUNT_H

/* Sets up the POSIX layer and registers the type; once, from module_init. */
int zfs_mount_init(void);

#endif
