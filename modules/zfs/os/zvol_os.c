/*
 * Volumes (zvols): the platform part under OpenZFS's common zvol.c.
 * Osprey has no way yet for a module to add a block device, so a volume
 * is a dataset like any other: `zfs create -V` makes it (zvol_create_cb),
 * its volsize and volblocksize are checked and set, zfs receive writes
 * it, it can be snapshotted, sent and destroyed; but no device node ever
 * names it.
 *
 * On Linux the callbacks below make, rename and remove the /dev/zdN
 * devices of volumes. Making none is the truthful behaviour here: common
 * code asks for a device (zv_create_minor) at every import and volume
 * creation, and gets ENOTSUP, noted once in the debug log so that a
 * missing volume device can be traced to this. Since no device is ever
 * made, no volume state (zvol_state_t) exists, and the callbacks that act
 * on one are never reached; they say so if they are.
 */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/dataset_kstats.h>
#include <sys/zfs_rlock.h>
#include <sys/zil.h>
#include <sys/zvol.h>
#include <sys/zvol_impl.h>

static uint32_t zvol_noted;

static int
zvol_os_create_minor(const char *name)
{
	if (atomic_cas_32(&zvol_noted, 0, 1) == 0)
		zfs_dbgmsg("zvol: no volume devices on Osprey; "
		    "none made for %s or any later volume", name);
	return (SET_ERROR(ENOTSUP));
}

/* No state was made, so none can reach these. */
static void
zvol_os_unreachable(zvol_state_t *zv, const char *what)
{
	cmn_err(CE_WARN, "zvol: %s of '%s', which has no device state on "
	    "Osprey", what, zv->zv_name);
}

static void
zvol_os_free(zvol_state_t *zv)
{
	zvol_os_unreachable(zv, "free");
}

static void
zvol_os_rename_minor(zvol_state_t *zv, const char *newname)
{
	zvol_os_unreachable(zv, "rename");
}

static int
zvol_os_update_volsize(zvol_state_t *zv, uint64_t volsize)
{
	zvol_os_unreachable(zv, "resize");
	return (SET_ERROR(ENOTSUP));
}

static void
zvol_os_clear_private(zvol_state_t *zv)
{
	zvol_os_unreachable(zv, "removal");
}

static void
zvol_os_set_disk_ro(zvol_state_t *zv, int flags)
{
	zvol_os_unreachable(zv, "read-only change");
}

static void
zvol_os_set_capacity(zvol_state_t *zv, uint64_t capacity)
{
	zvol_os_unreachable(zv, "capacity change");
}

/*
 * vdev.c asks whether a vdev path names a volume, to avoid opening a pool
 * on its own volume in the same thread; no path names one here. The path
 * may be NULL (interior vdevs have none).
 */
static boolean_t
zvol_os_is_zvol(const char *path)
{
	return (B_FALSE);
}

/* Common code waits here for a volume's device to be closed: never open. */
void
zvol_wait_close(zvol_state_t *zv)
{
}

static const zvol_platform_ops_t zvol_osprey_ops = {
	.zv_free = zvol_os_free,
	.zv_rename_minor = zvol_os_rename_minor,
	.zv_create_minor = zvol_os_create_minor,
	.zv_update_volsize = zvol_os_update_volsize,
	.zv_is_zvol = zvol_os_is_zvol,
	.zv_clear_private = zvol_os_clear_private,
	.zv_set_disk_ro = zvol_os_set_disk_ro,
	.zv_set_capacity = zvol_os_set_capacity,
};

int
zvol_init(void)
{
	int error = zvol_init_impl();

	if (error == 0)
		zvol_register_ops(&zvol_osprey_ops);
	return (error);
}

void
zvol_fini(void)
{
	zvol_fini_impl();
}
