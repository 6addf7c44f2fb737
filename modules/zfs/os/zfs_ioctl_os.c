/*
 * The /dev/zfs control device's per-open state. On Linux every open of
 * /dev/zfs gets a minor number, and state for it (its event stream, its
 * on-exit callbacks) that ioctls taking a cleanup descriptor look up.
 *
 * Osprey has no /dev/zfs yet, so no descriptor is ever a ZFS control
 * file and no minor has state. The callers (zfs_zevent_fd_hold in fm.c,
 * zfs_onexit_fd_hold and zfs_onexit_minor_to_state in zfs_onexit.c) treat
 * an error from zfsdev_getminor and a NULL state as "not a ZFS
 * descriptor" and fail with EBADF or NULL. (zfs_file_get returns NULL for
 * every descriptor too, so they stop even earlier today.)
 *
 * Common zfs_ioctl.c defines both functions over its zfsdev_state_list;
 * when that file is built, these go.
 */
#include <sys/zfs_context.h>
#include <sys/zfs_file.h>
#include <sys/zfs_ioctl.h>

int
zfsdev_getminor(zfs_file_t *fp, minor_t *minorp)
{
	return (SET_ERROR(EBADF));
}

void *
zfsdev_get_state(minor_t minor, enum zfsdev_state_type which)
{
	return (NULL);
}
