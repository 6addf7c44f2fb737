/*
 * Volumes (zvols) as block devices. Osprey has no way yet for a module to
 * add a block device, so a volume is a dataset like any other: it can be
 * created, written by zfs receive, snapshotted and destroyed, but no
 * device node ever names it.
 *
 * On Linux these calls create, rename and remove the /dev/zdN devices of
 * volumes (common zvol.c, not built here, over zvol_os.c). With no device
 * support, creating none is the truthful behaviour: every call below
 * leaves nothing behind, and removing or renaming finds nothing to act
 * on. The first request is noted once in the debug log, so that a missing
 * volume device can be traced to this.
 */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/zvol.h>

static uint32_t zvol_noted;

static void
zvol_note_unsupported(const char *name)
{
	if (atomic_cas_32(&zvol_noted, 0, 1) == 0)
		zfs_dbgmsg("zvol: no volume devices on Osprey; "
		    "none made for %s or any later volume", name);
}

void
zvol_create_minor(const char *name)
{
	zvol_note_unsupported(name);
}

/*
 * Called for every pool import and key load with the pool or dataset
 * name, whether or not it holds volumes; so noted as well, once.
 */
void
zvol_create_minors_recursive(const char *name)
{
	zvol_note_unsupported(name);
}

/* No device was made, so none is left to remove. */
void
zvol_remove_minors(spa_t *spa, const char *name, boolean_t async)
{
}

void
zvol_rename_minors(spa_t *spa, const char *oldname, const char *newname,
    boolean_t async)
{
}

/*
 * vdev.c asks whether a vdev path names a volume, to avoid opening a pool
 * on its own volume in the same thread; no path names one here. The path
 * may be NULL (interior vdevs have none).
 */
boolean_t
zvol_is_zvol(const char *path)
{
	return (B_FALSE);
}
