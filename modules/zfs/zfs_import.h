/* Importing the pool on one device, as `zpool import` does from userland
 * on Linux: read the device's vdev labels, build the pool configuration
 * from the best one, hand it to spa_import. Used by the self-tests; the
 * POSIX layer's mounts will use it too. */
#ifndef OSPREY_ZFS_IMPORT_H
#define OSPREY_ZFS_IMPORT_H
#include <sys/nvpair.h>

struct blkdev;

/* The label with the highest txg of the device's four, or NULL; *valid
 * gets how many were readable and consistent. */
nvlist_t *zfs_device_label(struct blkdev *dev, int *valid);

/* Imports the one-disk pool on devpath (under its own name when want_name
 * is NULL, else only if it has that name), read-only if asked, without a
 * cache file. Its name goes to name. Returns 0 or a positive errno with
 * the reason in why. */
int zfs_import_device(const char *devpath, const char *want_name, boolean_t readonly,
    char *name, size_t namelen, char *why, size_t whylen);

/* The same for a pool on one file (a file vdev), read and written through
 * zfs_file_* on the VFS. */
int zfs_import_file(const char *path, const char *want_name, char *name, size_t namelen,
    char *why, size_t whylen);

#endif
