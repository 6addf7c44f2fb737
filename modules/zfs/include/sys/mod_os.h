/* Module glue for OpenZFS sources: each part's init and fini functions are
 * collected in sections that libzfs.so's own module_init runs in order;
 * EXPORT_SYMBOL is Linux's and means nothing inside one module. */
#ifndef OSPREY_SPL_SYS_MOD_OS_H
#define OSPREY_SPL_SYS_MOD_OS_H

#include <sys/spl_init.h>

#define __init
#define __exit
#define EXPORT_SYMBOL(x)
#define ZFS_MODULE_DESCRIPTION(s)
#define ZFS_MODULE_AUTHOR(s)
#define ZFS_MODULE_LICENSE(s)
#define ZFS_MODULE_VERSION(s)
#define module_init(fn) \
	static const spl_initcall_t spl_init_##fn \
	__attribute__((used, section("spl_initcalls"))) = fn
#define module_exit(fn) \
	static const spl_exitcall_t spl_exit_##fn \
	__attribute__((used, section("spl_exitcalls"))) = fn

#endif
