/* The "zfs" filesystem type (zfs_mount.c): datasets mounted from fstab
 * and mount(2), pools imported and created for them. */
#ifndef OSPREY_ZFS_MOUNT_H
#define OSPREY_ZFS_MOUNT_H

/* Registers the type and the export of every pool at the orderly stop;
 * once, from module_init. (zfs_init, sys/zfs_vfsops_os.h, sets up the
 * POSIX layer before that.) */
int zfs_mount_init(void);

#endif
