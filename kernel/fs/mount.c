/* Mounting by name: /etc/fstab at boot and mount(2) at run time. A type
 * the kernel does not have is loaded first from /usr/lib/fs/lib<type>.so.
 * Every failure names the fstab line, the device, the mount point and the
 * reason. A line that fails without nofail ends the boot (fstab_walk
 * says why the walk stops there); with nofail it is reported at info
 * level and the boot goes on without that mount. Module loading, mount
 * and unmount run on a deep stack (fs_run_deep). Before fstab, the modules
 * /etc/modules names are loaded. */
#include "fs/mount.h"
#include "fs/fstab.h"
#include "fs/vfs.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "module/module.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define FSTAB_MAX (64 * 1024)
#define DEEP_STACK (256 * 1024)

struct deep_call {
	int (*fn)(void *arg);
	void *arg;
	int ret;
};

static void deep_entry(void *p)
{
	struct deep_call *c = p;
	c->ret = c->fn(c->arg);
}

/* A program thread's kernel stack is 32 KiB and the boot stack 16 KiB;
 * loading a module (its constructors, module_init) and a filesystem's
 * mount and unmount (ZFS imports and exports pools) need far more. */
int fs_run_deep(const char *name, int (*fn)(void *arg), void *arg)
{
	struct deep_call c = { fn, arg, 0 };
	struct thread *t = thread_create(name, deep_entry, &c, PRIO_DEFAULT, DEEP_STACK);
	if (!t) {
		pr_err("%s: no memory for a %d KiB stack\n", name, DEEP_STACK / 1024);
		return -ENOMEM;
	}
	thread_join(t, NULL);
	return c.ret;
}

/* The deep thread is the kernel's, not the caller's: a relative target
 * is looked up from the caller's directory, which the request carries. */
struct mount_req {
	struct vnode *cwd;
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

static int mount_deep(void *p)
{
	struct mount_req *r = p;
	int err = r->type ? fs_type_ensure(r->type) : 0;
	return err ? err : vfs_mountat(r->cwd, r->source, r->target, r->type, r->flags, r->data);
}

static int umount_deep(void *p)
{
	struct mount_req *r = p;
	return vfs_umountat(r->cwd, r->target, (int)r->flags);
}

static int run_mount_req(const char *name, int (*fn)(void *arg), struct mount_req *r)
{
	r->cwd = vfs_cwd();
	int err = fs_run_deep(name, fn, r);
	if (r->cwd)
		vn_rele(r->cwd);
	return err;
}

int fs_mount(const char *source, const char *target, const char *type, unsigned long flags,
    const char *data)
{
	struct mount_req r = { NULL, source, target, type, flags, data };
	return run_mount_req("mount", mount_deep, &r);
}

int fs_umount(const char *target, int flags)
{
	struct mount_req r = { .target = target, .flags = (unsigned long)flags };
	return run_mount_req("umount", umount_deep, &r);
}

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

/* What a mount's error means, in mount(8)'s terms: the errors filesystems
 * return from mount, not every errno. */
static const char *mount_strerror(int err)
{
	switch (-err) {
	case ENOENT:	return "no such device or pool";
	case EIO:	return "I/O error";
	case ENXIO:	return "no such device or address";
	case ENOMEM:	return "out of memory";
	case ENOTBLK:	return "not a block device";
	case EBUSY:	return "busy (already mounted or in use)";
	case ENODEV:	return "no such device or filesystem type";
	case ENOTDIR:	return "the mount point is not a directory";
	case EINVAL:	return "wrong filesystem type, bad option or bad superblock";
	case ENOSPC:	return "no space left on device";
	case EROFS:	return "the device is read-only";
	case EOPNOTSUPP: return "not supported";
	case EEXIST:	return "already exists";
	default:	return "error";
	}
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

/* Reports a failed line: an error that ends the boot, or with nofail the
 * same words at info level. */
static void report(const struct fstab_entry *e, unsigned lineno, const char *why, int err)
{
	bool nofail = e->flags & FSTAB_NOFAIL;
	char code[24] = "";

	if (err)
		snprintf(code, sizeof(code), " (error %d)", -err);
	printk_level(nofail ? LOG_INFO : LOG_ERR, "fstab: line %u: %s on %s (%s): %s%s%s\n",
	    lineno, e->device, e->dir, e->type, why, code, nofail ? " (nofail)" : "");
}

/* Mounts source on dir, creating dir when it is missing; on failure
 * reports it against the fstab line and returns the error. */
static int mount_at(const struct fstab_entry *e, unsigned lineno, const char *source,
    const char *dir, const char *data)
{
	unsigned long flags = e->flags & FSTAB_RO ? MS_RDONLY : 0;
	char what[192];
	int r = vfs_mount(source, dir, e->type, flags, data);

	if (r == -ENOENT) {
		int m = vfs_mkdirat(NULL, dir, 0755);
		if (m && m != -EEXIST) {
			report(e, lineno, "cannot create the mount point", m);
			return m;
		}
		if (!m)
			r = vfs_mount(source, dir, e->type, flags, data);
	}
	if (r < 0) {
		if (dir == e->dir)
			snprintf(what, sizeof(what), "mount failed: %s", mount_strerror(r));
		else
			snprintf(what, sizeof(what), "mount of %s on %s failed: %s", source,
			    dir, mount_strerror(r));
		report(e, lineno, what, r);
		return r;
	}
	pr_info("fstab: mounted %s on %s (%s)\n", source, dir, e->type);
	return 0;
}

/* A filesystem's submount below the line's mount point: same type and
 * flags, none of the line's options (they were for what it names). */
struct submount_ctx {
	const struct fstab_entry *e;
	unsigned lineno;
};

static int mount_sub(void *p, const char *source, const char *relpath)
{
	struct submount_ctx *c = p;
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s/%s", c->e->dir, relpath) >= (int)sizeof(dir)) {
		report(c->e, c->lineno, "a submount's path is too long", -ENAMETOOLONG);
		return -ENAMETOOLONG;
	}
	return mount_at(c->e, c->lineno, source, dir, NULL);
}

/* What the filesystem just mounted on e->dir wants mounted below it. */
static int mount_submounts(const struct fstab_entry *e, unsigned lineno)
{
	struct submount_ctx c = { e, lineno };
	struct vnode *root;
	int r;

	if ((r = vfs_lookupat(NULL, e->dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &root)) < 0)
		return r;
	const struct fs_type *type = root->mount->type;
	r = type->submounts ? type->submounts(root->mount, mount_sub, &c) : 0;
	vn_rele(root);
	return r;
}

/* Mounts the entry; on failure reports it and returns the error. */
static int mount_entry(const struct fstab_entry *e, unsigned lineno)
{
	const char *why = NULL;
	char dev[96], what[96];
	int r;

	if ((r = resolve_device(e, dev, sizeof(dev), &why)) < 0) {
		report(e, lineno, why, 0);
		return r;
	}
	if ((r = fs_type_ensure(e->type)) < 0) {
		snprintf(what, sizeof(what), "cannot get filesystem type '%s'", e->type);
		report(e, lineno, what, r);
		return r;
	}
	if ((r = mount_at(e, lineno, dev, e->dir, e->data)) < 0)
		return r;
	return mount_submounts(e, lineno);
}

/* 0 when the line is mounted, blank, noauto or allowed to fail (nofail).
 * A line that cannot be parsed fails: whether it meant nofail is unknown,
 * and a typo must not quietly boot without a filesystem. */
static int mount_line(char *line, unsigned lineno)
{
	struct fstab_entry e;
	const char *why = NULL;
	int r = fstab_parse_line(line, &e, &why);

	if (r < 0) {
		pr_err("fstab: line %u: cannot parse it: %s\n", lineno, why);
		return r;
	}
	if (r == 0 || (e.flags & FSTAB_NOAUTO))
		return 0;
	r = mount_entry(&e, lineno);
	return e.flags & FSTAB_NOFAIL ? 0 : r;
}

/* A small configuration file's bytes, NUL-terminated, in *out (kfree);
 * -ENOENT when there is none, another error when it cannot be read. */
static long read_config(const char *path, char **out)
{
	struct file *f;
	struct vattr va;
	int err = vfs_open(path, O_RDONLY, 0, &f);

	if (err < 0)
		return err;
	char *buf = NULL;
	long n = -EFBIG;
	if (!vfs_fstat(f, &va) && va.size <= FSTAB_MAX && (buf = kmalloc(va.size + 1)))
		n = vfs_pread(f, buf, va.size, 0);
	file_rele(f);
	if (n < 0) {
		kfree(buf);
		return n;
	}
	buf[n] = 0;
	*out = buf;
	return n;
}

/* The walk stops at the first line that fails: later lines may mount
 * inside it (/data, then /data/db) and would land on the directory it
 * should have covered. */
static int fstab_walk(void *unused)
{
	char *buf;
	long n = read_config("/etc/fstab", &buf);

	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		pr_err("fstab: cannot read /etc/fstab (error %ld)\n", -n);
		return (int)n;
	}
	struct fstab_iter it;
	unsigned lineno;
	char *line;
	int err = 0;
	fstab_iter_init(&it, buf, (size_t)n);
	while (!err && (line = fstab_next_line(&it, &lineno)))
		if ((err = mount_line(line, lineno)) < 0)
			pr_err("fstab: line %u is needed (no nofail): the boot ends here\n", lineno);
	kfree(buf);
	return err;
}

/* /etc/modules, Debian's list of modules to load at boot: one name per
 * line, '#' comments. Each is /usr/lib/fs/lib<name>.so, for what a module
 * offers besides a filesystem type fstab would name (ZFS's /dev/zfs, for
 * the zpool and zfs programs). A module that fails is reported (by the
 * loader) and the boot goes on, as systemd-modules-load does. */
static int modules_walk(void *unused)
{
	char *buf, path[96];
	long n = read_config("/etc/modules", &buf);

	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		pr_err("modules: cannot read /etc/modules (error %ld)\n", -n);
		return 0;
	}
	for (char *line = buf, *next; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *name = line, *end;
		while (*name == ' ' || *name == '\t')
			name++;
		for (end = name; *end && *end != ' ' && *end != '\t' && *end != '\r'; end++)
			;
		*end = 0;
		if (!*name)
			continue;
		if (strchr(name, '/') || strlen(name) > 32) {
			pr_err("modules: '%s' is not a module name\n", name);
			continue;
		}
		snprintf(path, sizeof(path), "/usr/lib/fs/lib%s.so", name);
		module_load(path);	/* it says what went wrong */
	}
	kfree(buf);
	return 0;
}

/* On a deep stack, like mount(2): the lines load modules and mount. */
int fstab_mount_all(void)
{
	fs_run_deep("modules", modules_walk, NULL);
	return fs_run_deep("fstab", fstab_walk, NULL);
}
