/* Mounting at boot: the root, /dev, /proc, /sys and /tmp, then the
 * modules of /etc/modules and /etc/fstab. A root that
 * cannot be mounted leaves an empty ramfs root, so the system still comes
 * up and says why; an fstab line that fails without nofail ends the boot. */
#include "fs/boot.h"
#include "fs/initrd.h"
#include "fs/mount.h"
#include "fs/vfs.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "cmdline.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

static void mount_rofs_root(struct blkdev *part)
{
	char source[32] = "/dev/";
	strlcpy(source + 5, part->name, sizeof(source) - 5);
	int err = vfs_mount_root("rofs", source, MS_RDONLY, NULL);
	if (err)
		pr_err("boot: cannot mount the ROFS root from %s (error %d)\n", source, err);
	else
		pr_info("boot: root is ROFS on %s\n", source);
}

static void mount_ramfs_root(uint64_t initrd_pa, uint64_t initrd_size)
{
	int err = vfs_mount_root("ramfs", "none", 0, NULL);
	if (err) {
		pr_err("boot: cannot mount a ramfs root (error %d)\n", err);
		return;
	}
	if (!initrd_size)
		return;
	initrd_unpack(phys_to_virt(initrd_pa), initrd_size);
	mm_release_boot_range(initrd_pa, initrd_size);
}

/* Mount points on a read-only root must exist already (mkimage makes them). */
static void mount_at(const char *fstype, const char *path)
{
	int err = vfs_mkdirat(NULL, path, 0755);
	if (err && err != -EEXIST && err != -EROFS)
		pr_warn("boot: cannot create %s (error %d)\n", path, err);
	err = vfs_mount(fstype, path, fstype, 0, NULL);
	if (err)
		pr_warn("boot: cannot mount %s on %s (error %d)\n", fstype, path, err);
}

int fs_boot(uint64_t initrd_pa, uint64_t initrd_size)
{
	vfs_init();
	devfs_init();
	rofs_init();
	procfs_init();
	struct blkdev *rofs_part = blk_find_parttype(gpt_type_osprey_rofs);
	const char *want = boot_opts.rootfs;
	bool use_rofs = want ? !strcmp(want, "rofs") : rofs_part && vfs_find_fs("rofs");

	if (use_rofs && !rofs_part)
		pr_err("boot: --rootfs=rofs, but no disk has an Osprey ROFS partition\n");
	if (use_rofs && rofs_part)
		mount_rofs_root(rofs_part);
	struct vnode *root = vfs_root();
	if (root)
		vn_rele(root);
	else
		mount_ramfs_root(initrd_pa, initrd_size);
	mount_at("devfs", "/dev");
	mount_at("proc", "/proc");
	mount_at("sysfs", "/sys");
	mount_at("ramfs", "/tmp");
	return boot_opts.nomount ? 0 : fstab_mount_all();
}

/* Filled by modules as they load (under the module loader's lock, one at
 * a time) and read at the stop, when no module loads: no lock of its own. */
static void (*shutdown_hooks[FS_SHUTDOWN_HOOKS])(void);
static unsigned nshutdown_hooks;

int fs_on_shutdown(void (*fn)(void))
{
	if (nshutdown_hooks == FS_SHUTDOWN_HOOKS)
		return -ENOSPC;
	shutdown_hooks[nshutdown_hooks++] = fn;
	return 0;
}

/* The orderly end of a run (not of a panic). The current directory is a
 * held vnode, so it goes back to the root first; everything is synced,
 * then every mount is unmounted, the last first: a filesystem's unmount
 * is where it finishes its work, so the next boot or import finds it
 * clean. Then the modules' shutdown hooks (ZFS exports its pools). Last
 * the root, and whatever stayed mounted, is synced again. */
static int shutdown_deep(void *unused)
{
	int err = vfs_chdir("/");
	if (!err)
		err = vfs_sync();
	if (err)
		pr_err("fs: sync before unmounting failed (error %d)\n", -err);
	vfs_unmount_all();
	for (unsigned i = 0; i < nshutdown_hooks; i++)
		shutdown_hooks[i]();
	if ((err = vfs_sync()))
		pr_err("fs: sync of the root failed (error %d)\n", -err);
	return 0;
}

/* On a deep stack: unmounts, and ZFS's export of its pools. */
void fs_shutdown(void)
{
	struct vnode *root = vfs_root();
	if (!root)
		return;
	vn_rele(root);
	fs_run_deep("shutdown", shutdown_deep, NULL);
}
