/* A test module: registers filesystem type "testfs", whose mount always
 * fails with a known error, so boot tests can see a module load, register
 * and be asked to mount. Built with MODCFLAGS; variants of it check the
 * loader's refusals (see testmods.mk). */
#include "fs/vfs.h"
#include "module/module.h"
#include "dev/console.h"
#include "panic.h"
#include <errno.h>

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

static int testfs_mount(struct mount *mp, const char *source, const char *data)
{
#ifdef MISSING_SYMBOL
	no_such_kernel_function();
	another_missing_symbol(1);
#endif
	printk("testfs: asked to mount %s with options '%s' (constructor ran: %d)\n",
	    source ? source : "-", data ? data : "", constructed);
	return -ENXIO;
}

static const struct fs_type testfs_type = {
	.name = "testfs",
	.mount = testfs_mount,
};

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
