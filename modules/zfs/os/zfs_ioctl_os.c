/*
 * /dev/zfs, the control device of Debian's zpool and zfs (libzfs): the
 * Linux ioctl interface over OpenZFS's common dispatcher (zfs_ioctl.c,
 * zfsdev_ioctl_common), as Linux's module/os/linux/zfs/zfs_ioctl_os.c
 * offers it.
 *
 * - The device is a character device (misc major 10, minor 249, as on
 *   Linux) that devfs holds for the module, added when the module starts
 *   (zfsdev_attach, from zfs_kmod_init), with /sys/module/zfs/version
 *   (libzfs checks that /sys/module/zfs exists before it opens /dev/zfs),
 *   /sys/module/zfs/parameters (the tunables) and
 *   /proc/sys/kernel/spl/hostid.
 * - Every open gets its own minor and state (its event cursor and on-exit
 *   callbacks) in zfsdev_state_list; the file's priv points at it, which
 *   is how zfsdev_getminor finds it from a descriptor an ioctl names.
 * - An ioctl copies the program's zfs_cmd_t in (checked: a bad pointer is
 *   EFAULT), runs the dispatcher and copies the command back whatever the
 *   result, since libzfs reads the sizes it says it needs after ENOMEM.
 *   The dispatcher runs on a kernel thread with a 256 KiB stack, which
 *   this thread waits for: creating or importing a pool needs far more
 *   than a program thread's 32 KiB kernel stack. The dispatcher keeps the
 *   pool name a successful command may log (zfs_allow_log_key) in its
 *   thread's TSD for the ZFS_IOC_LOG_HISTORY that follows; that value is
 *   handed to each worker from the program thread's TSD and back, so it
 *   lives as long as on Linux: with the calling thread.
 */
#include <sys/zfs_context.h>
#include <sys/zfs_ioctl.h>
#include <sys/zfs_vfsops.h>
#include <sys/zfs_ioctl_impl.h>
#include <sys/zfs_onexit.h>
#include <sys/zpl.h>
#include <sys/fm/util.h>
#include <sys/fs/zfs.h>
#include "fs/vfs.h"
#include "fs/devfs/devfs.h"
#include "fs/procfs/procfs.h"
#include "lib/printf.h"
#include "dev/console.h"
#include <errno.h>
#include <string.h>

#define ZFSDEV_MAJOR		10	/* Linux's misc devices */
#define ZFSDEV_MINOR		249	/* ZFS_DEVICE_MINOR */
#define IOCTL_STACK		(256 * 1024)

void linux_adopt(struct thread *program_thread);	/* linux/linux.h */
void zvol_os_settle(const char *name);			/* os/zvol_os.c */

extern uint_t zfs_allow_log_key;

/* ---- a mounted filesystem's zfsvfs, held by an ioctl ---- */

/*
 * A zfsvfs stands for a mount while its super_block has active
 * references: the mount's own, and one per ioctl that holds it
 * (zfs_vfs_ref, under the objset's os_user_ptr_lock, like Linux's
 * s_active). The mount's release waits for the others to go before it
 * tears the zfsvfs down (zpl_sb_deactivate in zpl_super.c).
 */
boolean_t
zfs_vfs_held(zfsvfs_t *zfsvfs)
{
	return (zfsvfs->z_sb != NULL);
}

int
zfs_vfs_ref(zfsvfs_t **zfvp)
{
	if (*zfvp == NULL || (*zfvp)->z_sb == NULL ||
	    !zpl_sb_get((*zfvp)->z_sb))
		return (SET_ERROR(ESRCH));
	return (0);
}

void
zfs_vfs_rele(zfsvfs_t *zfsvfs)
{
	zpl_sb_put(zfsvfs->z_sb);
}

/* ---- the device ---- */

static int
zfsdev_open(struct file *f)
{
	zfsdev_state_t *zs, *zsprev = NULL;
	boolean_t newzs = B_FALSE;
	minor_t minor;

	mutex_enter(&zfsdev_state_lock);
	if ((minor = zfsdev_minor_alloc()) == 0) {
		mutex_exit(&zfsdev_state_lock);
		return (-ENXIO);
	}
	for (zs = zfsdev_state_list; zs != NULL; zs = zs->zs_next) {
		if (zs->zs_minor == -1)
			break;
		zsprev = zs;
	}
	if (zs == NULL) {
		zs = kmem_zalloc(sizeof (zfsdev_state_t), KM_SLEEP);
		newzs = B_TRUE;
	}
	zfs_onexit_init((zfs_onexit_t **)&zs->zs_onexit);
	zfs_zevent_init((zfs_zevent_t **)&zs->zs_zevent);
	/*
	 * zfsdev_get_state reads the list without the lock: an entry is
	 * complete before it is linked, and its minor is set last.
	 */
	membar_producer();
	if (newzs) {
		zs->zs_minor = minor;
		membar_producer();
		zsprev->zs_next = zs;
	} else {
		zs->zs_minor = minor;
	}
	mutex_exit(&zfsdev_state_lock);
	f->priv = zs;
	return (0);
}

/* The last reference to the open file: its state slot is free again. */
static void
zfsdev_release(struct file *f)
{
	zfsdev_state_t *zs = f->priv;

	mutex_enter(&zfsdev_state_lock);
	zs->zs_minor = -1;
	zfs_onexit_destroy(zs->zs_onexit);
	zfs_zevent_destroy(zs->zs_zevent);
	zs->zs_onexit = NULL;
	zs->zs_zevent = NULL;
	mutex_exit(&zfsdev_state_lock);
	f->priv = NULL;
}

struct ioctl_call {
	uint_t vecnum;
	zfs_cmd_t *zc;
	void *allow_log;	/* zfs_allow_log_key's value, in and out */
	long error;
	struct thread *caller;	/* the program thread whose memory it reaches */
};

static void
ioctl_worker(void *arg)
{
	struct ioctl_call *c = arg;

	linux_adopt(c->caller);
	(void) tsd_set(zfs_allow_log_key, c->allow_log);
	c->error = zfsdev_ioctl_common(c->vecnum, c->zc, 0);
	c->allow_log = tsd_get(zfs_allow_log_key);
	(void) tsd_set(zfs_allow_log_key, NULL);	/* not freed at exit */
	(thread_exit)(0);
}

static int
zfsdev_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct ioctl_call c = { .vecnum = cmd - ZFS_IOC_FIRST,
	    .caller = (thread_current)() };
	int error;

	if ((cmd & ~0xffUL) != ZFS_IOC_FIRST)
		return (-ENOTTY);	/* not a ZFS command (e.g. isatty's) */
	c.zc = kmem_zalloc(sizeof (zfs_cmd_t), KM_SLEEP);
	if (ddi_copyin((void *)arg, c.zc, sizeof (zfs_cmd_t), 0) != 0) {
		error = -SET_ERROR(EFAULT);
		goto out;
	}
	c.allow_log = tsd_get(zfs_allow_log_key);
	(void) tsd_set(zfs_allow_log_key, NULL);
	struct thread *t = (thread_create)("zfs-ioctl", ioctl_worker, &c,
	    PRIO_DEFAULT, IOCTL_STACK);
	if (t == NULL) {
		(void) tsd_set(zfs_allow_log_key, c.allow_log);
		error = -SET_ERROR(ENOMEM);
		goto out;
	}
	(thread_join)(t, NULL);
	(void) tsd_set(zfs_allow_log_key, c.allow_log);
	/* the volume devices the command changed, as udevadm settle */
	zvol_os_settle(c.zc->zc_name);
	error = (int)-c.error;
	if (ddi_copyout(c.zc, (void *)arg, sizeof (zfs_cmd_t), 0) != 0 &&
	    error == 0)
		error = -SET_ERROR(EFAULT);
out:
	kmem_free(c.zc, sizeof (zfs_cmd_t));
	return (error);
}

static const struct file_ops zfsdev_fops = {
	.ioctl = zfsdev_ioctl,
	.release = zfsdev_release,
};

/*
 * A pool's nvlists may be large (a big pool's config, a long property
 * list); Linux allows a quarter of memory up to 128 MiB.
 */
uint64_t
zfs_max_nvlist_src_size_os(void)
{
	if (zfs_max_nvlist_src_size != 0)
		return (zfs_max_nvlist_src_size);
	return (MIN(ptob(zfs_totalram_pages) / 4, 128 * 1024 * 1024));
}

/* Linux keeps no cache of mount points to update; neither does Osprey. */
void
zfs_ioctl_update_mount_cache(const char *dsname)
{
}

/* No Osprey-only ioctls (FreeBSD registers its jail ones here). */
void
zfs_ioctl_init_os(void)
{
}

/* ---- what libzfs reads besides ioctls ---- */

static int
show_version(char *buf, size_t size, void *arg)
{
	return (snprintf(buf, size, "%s-%s\n", ZFS_META_VERSION,
	    ZFS_META_RELEASE));
}

/* The host id the pool code writes in labels (spl_hostid: 0, none). */
static int
show_hostid(char *buf, size_t size, void *arg)
{
	return (snprintf(buf, size, "%lx\n",
	    (unsigned long)zone_get_hostid(NULL)));
}

/*
 * Once the device is added the module must not fail to load (devfs would
 * keep pointers into it): the files after it are reported if they cannot
 * be made, and libzfs then says the module is not loaded.
 */
int
zfsdev_attach(void)
{
	static const struct {
		const char *path;
		procfs_show_fn show;
	} files[] = {
		{ "/sys/module/zfs/version", show_version },
		{ "/proc/sys/kernel/spl/hostid", show_hostid },
	};
	int err = devfs_add_chardev(ZFS_DRIVER, ZFSDEV_MAJOR, ZFSDEV_MINOR,
	    0666, &zfsdev_fops, zfsdev_open);

	if (err != 0) {
		printk("zfs: cannot add /dev/zfs (error %d)\n", err);
		return (-err);
	}
	for (int i = 0; i < ARRAY_SIZE(files); i++)
		if ((err = procfs_add_file(files[i].path, files[i].show,
		    NULL)) != 0)
			printk("zfs: cannot add %s (error %d)\n",
			    files[i].path, err);
	spl_params_publish();
	return (0);
}

/* Modules are never unloaded: the device stays with the kernel. */
void
zfsdev_detach(void)
{
}
