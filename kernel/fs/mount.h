#ifndef FS_MOUNT_H
#define FS_MOUNT_H

/* Makes filesystem type `type` available, loading its module if needed. */
int fs_type_ensure(const char *type);
/* Mounts what /etc/fstab lists (boot step 6). */
void fstab_mount_all(void);

#endif
