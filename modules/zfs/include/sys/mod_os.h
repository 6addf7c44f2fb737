/* Module glue for OpenZFS sources: each part's init and fini functions are
 * collected in sections that libzfs.so's own module_init runs in order;
 * EXPORT_SYMBOL is Linux's and means nothing inside one module.
 *
 * Tunables (ZFS_MODULE_PARAM) are collected in a section too, so that
 * `--zfs.NAME=VALUE` on the kernel command line sets them at load, before
 * any init function runs (spl/spl_param.c). NAME is the Linux module
 * parameter's name, with or without its "zfs_" prefix. */
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
#define MODULE_PARM_DESC(n, d)
#define module_init(fn) \
	static const spl_initcall_t spl_init_##fn \
	__attribute__((used, section("spl_initcalls"))) = fn
#define module_init_early(fn)	module_init(fn)
#define module_exit(fn) \
	static const spl_exitcall_t spl_exit_##fn \
	__attribute__((used, section("spl_exitcalls"))) = fn

#define ZMOD_RW	0644
#define ZMOD_RD	0444

enum spl_param_type { SPL_PARAM_INT, SPL_PARAM_UINT, SPL_PARAM_LONG, SPL_PARAM_ULONG,
	SPL_PARAM_STRING, SPL_PARAM_CALL };

typedef struct zfs_kernel_param {
	const char *name;
	void *arg;
	enum spl_param_type type;
	int (*set)(const char *val, struct zfs_kernel_param *kp);
	int (*get)(char *buf, struct zfs_kernel_param *kp);	/* PAGESIZE buf */
} zfs_kernel_param_t;

#define ZFS_MODULE_PARAM_ARGS	const char *buf, zfs_kernel_param_t *kp

#define SPL_PARAM_ENTRY(id, pname, parg, ptype, pset, pget) \
	static zfs_kernel_param_t spl_param_##id \
	__attribute__((used, section("spl_params"), aligned(8))) = \
	{ .name = pname, .arg = parg, .type = ptype, .set = pset, .get = pget }

#define ZFS_MODULE_PARAM(scope, prefix, name, type, perm, desc) \
	SPL_PARAM_ENTRY(prefix##name, #prefix #name, &prefix##name, SPL_PARAM_##type, NULL, NULL)
#define ZFS_MODULE_PARAM_CALL(scope, prefix, name, setfunc, getfunc, perm, desc) \
	SPL_PARAM_ENTRY(prefix##name, #prefix #name, &prefix##name, SPL_PARAM_CALL, setfunc, getfunc)
#define ZFS_MODULE_VIRTUAL_PARAM_CALL(scope, prefix, name, setfunc, getfunc, perm, desc) \
	SPL_PARAM_ENTRY(prefix##name, #prefix #name, NULL, SPL_PARAM_CALL, setfunc, getfunc)

#define SPL_PARAM_int	SPL_PARAM_INT
#define SPL_PARAM_uint	SPL_PARAM_UINT
#define SPL_PARAM_long	SPL_PARAM_LONG
#define SPL_PARAM_ulong	SPL_PARAM_ULONG
#define SPL_PARAM_charp	SPL_PARAM_STRING
#define module_param(name, type, perm) \
	SPL_PARAM_ENTRY(name, #name, &name, SPL_PARAM_##type, NULL, NULL)
#define module_param_named(name, var, type, perm) \
	SPL_PARAM_ENTRY(name, #name, &var, SPL_PARAM_##type, NULL, NULL)
#define module_param_call(name, setfn, getfn, arg, perm) \
	SPL_PARAM_ENTRY(name, #name, arg, SPL_PARAM_CALL, setfn, getfn)

/* Linux's generic setters, for ZFS_MODULE_PARAM_CALL's own setters. */
int param_set_int(const char *val, zfs_kernel_param_t *kp);
int param_set_uint(const char *val, zfs_kernel_param_t *kp);
int param_set_long(const char *val, zfs_kernel_param_t *kp);
int param_set_ulong(const char *val, zfs_kernel_param_t *kp);
int param_get_int(char *buf, zfs_kernel_param_t *kp);
int param_get_uint(char *buf, zfs_kernel_param_t *kp);
int param_get_long(char *buf, zfs_kernel_param_t *kp);
int param_get_ulong(char *buf, zfs_kernel_param_t *kp);
int param_get_charp(char *buf, zfs_kernel_param_t *kp);
/* Linux getters write into a page; ours do too (spl_param.c). */
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Applies every --zfs.NAME=VALUE of the command line; 0 or an errno. */
int spl_params_apply(void);
/* Shows every tunable in /sys/module/zfs/parameters (with /dev/zfs). */
void spl_params_publish(void);

#endif
