/* Mounting by name: /etc/fstab at boot and mount(2) at run time. A type
 * the kernel does not have is loaded first from /usr/lib/fs/lib<type>.so.
 * Every failure names the fstab line, the device and the reason; boot goes
 * on without that mount (nofail only quiets a missing device). */
#include "fs/mount.h"
#include "fs/fstab.h"
#include "fs/vfs.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "module/module.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define FSTAB_MAX (64 * 1024)

int fs_type_ensure(const char *type)
{
	char path[96];

	if (vfs_find_fs(type))
		return 0;
	if (!*type || strchr(type, '/') || strlen(type) > 32)
		return -ENODEV;
	snprintf(path, sizeof(path), "/usr/lib/fs/lib%s.so", type);
	int err = module_load(path);
	if (err == -ENOENT)
		pr_err("mount: no filesystem '%s' in the kernel and no module %s\n", type, path);
	if (err)
		return err;
	if (vfs_find_fs(type))
		return 0;
	pr_err("mount: %s loaded but registered no filesystem '%s'\n", path, type);
	return -ENODEV;
}

/* The device path an fstab entry names, or an error with a reason. */
static int resolve_device(const struct fstab_entry *e, char *out, size_t len, const char **why)
{
	struct blkdev *d;

	switch (e->dev_kind) {
	case FSTAB_DEV_PATH:
		if (!strncmp(e->dev_value, "/dev/", 5) && !blk_find_path(e->dev_value) &&
		    strcmp(e->type, "zfs")) {
			*why = "no such block device";
			return -ENODEV;
		}
		strlcpy(out, e->dev_value, len);
		return 0;
	case FSTAB_DEV_PARTLABEL:
		if (!(d = blk_find_partlabel(e->dev_value))) {
			*why = "no GPT partition has that name";
			return -ENODEV;
		}
		snprintf(out, len, "/dev/%s", d->name);
		return 0;
	case FSTAB_DEV_NAME:
		strlcpy(out, e->dev_value, len);	/* "none", a pool name... */
		return 0;
	default:
		*why = "LABEL=, UUID= and PARTUUID= are not supported (use a path or PARTLABEL=)";
		return -EINVAL;
	}
}

static void mount_line(char *line, unsigned lineno)
{
	struct fstab_entry e;
	const char *why = NULL;
	char dev[96];
	int r = fstab_parse_line(line, &e, &why);

	if (r <= 0) {
		if (r < 0)
			pr_err("fstab: line %u: %s\n", lineno, why);
		return;
	}
	if (e.flags & FSTAB_NOAUTO)
		return;
	if ((r = resolve_device(&e, dev, sizeof(dev), &why)) < 0) {
		if (e.flags & FSTAB_NOFAIL)
			pr_info("fstab: line %u: %s: %s (nofail)\n", lineno, e.device, why);
		else
			pr_err("fstab: line %u: %s: %s\n", lineno, e.device, why);
		return;
	}
	if ((r = fs_type_ensure(e.type)) < 0) {
		pr_err("fstab: line %u: %s: cannot get filesystem type '%s' (error %d)\n",
		    lineno, e.device, e.type, r);
		return;
	}
	unsigned long flags = e.flags & FSTAB_RO ? MS_RDONLY : 0;
	r = vfs_mount(dev, e.dir, e.type, flags, e.data);
	if (r == -ENOENT && !vfs_mkdirat(NULL, e.dir, 0755))
		r = vfs_mount(dev, e.dir, e.type, flags, e.data);
	if (r < 0)
		pr_err("fstab: line %u: %s on %s (%s): mount failed (error %d)\n",
		    lineno, e.device, e.dir, e.type, r);
	else
		pr_info("fstab: mounted %s on %s (%s)\n", dev, e.dir, e.type);
}

void fstab_mount_all(void)
{
	struct file *f;
	struct vattr va;

	if (vfs_open("/etc/fstab", O_RDONLY, 0, &f) < 0)
		return;
	char *buf = NULL;
	long n = -EFBIG;
	if (!vfs_fstat(f, &va) && va.size <= FSTAB_MAX && (buf = kmalloc(va.size + 1)))
		n = vfs_pread(f, buf, va.size, 0);
	file_rele(f);
	if (n < 0) {
		pr_err("fstab: cannot read /etc/fstab (error %ld)\n", n);
		kfree(buf);
		return;
	}
	struct fstab_iter it;
	unsigned lineno;
	char *line;
	fstab_iter_init(&it, buf, (size_t)n);
	while ((line = fstab_next_line(&it, &lineno)))
		mount_line(line, lineno);
	kfree(buf);
}
