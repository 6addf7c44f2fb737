/* A test module: registers filesystem type "testfs", whose mount always
 * fails with a known error, so boot tests can see a module load, register
 * and be asked to mount. Built with MODCFLAGS; variants of it check the
 * loader's refusals (see testmods.mk), one (STUCK) is a filesystem that
 * cannot be unmounted, one (DEEP) needs a deep stack. */
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

#if defined(STUCK) || defined(DEEP)
/* A filesystem of one empty directory. */
static int mini_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	if (strcmp(name, ".."))
		return -ENOENT;
	vn_hold(dir);
	*out = dir;
	return 0;
}

static int mini_getattr(struct vnode *vn, struct vattr *va)
{
	va->mode = vtype_to_mode(vn->type) | 0755;
	va->nlink = 1;
	return 0;
}

static const struct vnode_ops mini_ops = {
	.lookup = mini_lookup,
	.getattr = mini_getattr,
};

static int mini_root(struct mount *mp)
{
	mp->root = vnode_new(mp, VDIR, &mini_ops, 0);
	if (!mp->root)
		return -ENOMEM;
	mp->root->ino = 1;
	return 0;
}
#endif

#ifdef DEEP
/* deepfs: its init, mount and unmount each use 160 KiB of stack, as
 * OpenZFS's can; a program thread's 32 KiB or the boot stack would
 * overflow (a panic). The VFS must call them on a deep stack. */
#define DEEP_USE (160 * 1024)

static __attribute__((noinline)) int use_stack(const char *what)
{
	volatile char buf[DEEP_USE];

	for (size_t i = 0; i < sizeof(buf); i += 512)
		buf[i] = (char)i;
	printk("deepfs: %s used %d KiB of stack\n", what, DEEP_USE / 1024);
	return buf[512] == (char)512 ? 0 : -EIO;
}

static int deep_mount(struct mount *mp, const char *source, const char *data)
{
	int err = use_stack("mount");
	return err ? err : mini_root(mp);
}

static int deep_unmount(struct mount *mp, int flags)
{
	return use_stack("unmount");
}

static const struct fs_type testfs_type = {
	.name = "deepfs",
	.mount = deep_mount,
	.unmount = deep_unmount,
};
#elif defined(STUCK)
/* stuckfs: mounts, but cannot be unmounted: with data "busy" it keeps a
 * second vnode referenced (so the VFS finds it busy), otherwise its
 * unmount fails with EIO. For the shutdown's messages. */
static int stuck_mount(struct mount *mp, const char *source, const char *data)
{
	int err = mini_root(mp);
	if (!err && data && !strcmp(data, "busy") && !vnode_new(mp, VREG, &mini_ops, 0))
		err = -ENOMEM;
	return err;
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
#ifdef DEEP
	if (use_stack("init"))
		return -EIO;
#endif
	return vfs_register_fs(&testfs_type);
}
