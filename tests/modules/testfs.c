/* A test module: registers filesystem type "testfs", whose mount always
 * fails with a known error, so boot tests can see a module load, register
 * and be asked to mount. Built with MODCFLAGS; variants of it check the
 * loader's refusals (see testmods.mk), and one (STUCK) is a filesystem
 * that cannot be unmounted. */
#include "fs/vfs.h"
#include "module/module.h"
#include "dev/console.h"
#include "panic.h"
#include <errno.h>
#include <string.h>

__attribute__((visibility("default"))) const uint32_t osprey_module_api =
#ifdef WRONG_API
    OSPREY_MODULE_API + 100;
#else
    OSPREY_MODULE_API;
#endif

#ifdef MISSING_SYMBOL
void no_such_kernel_function(void);
void another_missing_symbol(int);
#endif

static int constructed;

__attribute__((constructor)) static void early(void)
{
	constructed = 1;
}

static __attribute__((unused)) int testfs_mount(struct mount *mp, const char *source,
    const char *data)
{
#ifdef MISSING_SYMBOL
	no_such_kernel_function();
	another_missing_symbol(1);
#endif
	printk("testfs: asked to mount %s with options '%s' (constructor ran: %d)\n",
	    source ? source : "-", data ? data : "", constructed);
	return -ENXIO;
}

#ifdef STUCK
/* stuckfs: mounts, but cannot be unmounted: with data "busy" it keeps a
 * second vnode referenced (so the VFS finds it busy), otherwise its
 * unmount fails with EIO. For the shutdown's messages. */
static const struct vnode_ops stuck_ops;

static int stuck_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	if (strcmp(name, ".."))
		return -ENOENT;
	vn_hold(dir);
	*out = dir;
	return 0;
}

static int stuck_getattr(struct vnode *vn, struct vattr *va)
{
	va->mode = vtype_to_mode(vn->type) | 0755;
	va->nlink = 1;
	return 0;
}

static const struct vnode_ops stuck_ops = {
	.lookup = stuck_lookup,
	.getattr = stuck_getattr,
};

static int stuck_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = vnode_new(mp, VDIR, &stuck_ops, 0);
	if (!mp->root)
		return -ENOMEM;
	mp->root->ino = 1;
	if (data && !strcmp(data, "busy") && !vnode_new(mp, VREG, &stuck_ops, 0))
		return -ENOMEM;
	return 0;
}

static int stuck_unmount(struct mount *mp, int flags)
{
	return -EIO;
}

static const struct fs_type testfs_type = {
	.name = "stuckfs",
	.mount = stuck_mount,
	.unmount = stuck_unmount,
};
#else
static const struct fs_type testfs_type = {
	.name = "testfs",
	.mount = testfs_mount,
};
#endif

#ifdef PANIC_IN_INIT
/* Static, so only .symtab names it: the backtrace must still show it. */
static __attribute__((noinline)) void deep_inside_the_module(void)
{
	panic("testfs: deliberate panic inside a module");
}
#endif

__attribute__((visibility("default"))) int module_init(void)
{
#ifdef PANIC_IN_INIT
	deep_inside_the_module();
#endif
	return vfs_register_fs(&testfs_type);
}
