/* Module parameters (OpenZFS tunables): the ZFS_MODULE_PARAM entries of
 * every OpenZFS file sit in the "spl_params" section; at load each one
 * that the command line names as --zfs.NAME=VALUE is set, NAME being the
 * Linux parameter name with or without its "zfs_" prefix (so
 * --zfs.arc_max=1G sets zfs_arc_max). */
#include <sys/types.h>
#include <sys/sunddi.h>
#include <sys/cmn_err.h>
#include <sys/mod_os.h>
#include "cmdline.h"
#include "fs/procfs/procfs.h"

extern zfs_kernel_param_t __start_spl_params[], __stop_spl_params[];

/* Sizes may carry a K, M, G or T suffix (powers of 1024), as tunables
 * like zfs_arc_max are written by hand. */
static int parse_u64(const char *val, u_longlong_t *out)
{
	char *end;
	u_longlong_t v;
	int shift = 0;

	if (val == NULL || ddi_strtoull(val, &end, 0, &v) != 0)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end != '\0' || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static int parse_signed(const char *val, long long lo, long long hi, long long *out)
{
	u_longlong_t v;
	bool neg = val && *val == '-';
	int err = parse_u64(neg ? val + 1 : val, &v);

	if (err)
		return err;
	long long s = neg ? -(long long)v : (long long)v;
	if ((neg && v > (u_longlong_t)LLONG_MAX + 1) || (!neg && v > LLONG_MAX) || s < lo || s > hi)
		return -ERANGE;
	*out = s;
	return 0;
}

int param_set_int(const char *val, zfs_kernel_param_t *kp)
{
	long long v;
	int err = parse_signed(val, INT_MIN, INT_MAX, &v);

	if (!err)
		*(int *)kp->arg = (int)v;
	return err;
}

int param_set_uint(const char *val, zfs_kernel_param_t *kp)
{
	long long v;
	int err = parse_signed(val, 0, UINT_MAX, &v);

	if (!err)
		*(uint_t *)kp->arg = (uint_t)v;
	return err;
}

int param_set_long(const char *val, zfs_kernel_param_t *kp)
{
	long long v;
	int err = parse_signed(val, LONG_MIN, LONG_MAX, &v);

	if (!err)
		*(long *)kp->arg = (long)v;
	return err;
}

int param_set_ulong(const char *val, zfs_kernel_param_t *kp)
{
	u_longlong_t v;
	int err = parse_u64(val, &v);

	if (!err)
		*(ulong_t *)kp->arg = (ulong_t)v;
	return err;
}

int param_get_int(char *buf, zfs_kernel_param_t *kp) { return sprintf(buf, "%d\n", *(int *)kp->arg); }
int param_get_uint(char *buf, zfs_kernel_param_t *kp) { return sprintf(buf, "%u\n", *(uint_t *)kp->arg); }
int param_get_long(char *buf, zfs_kernel_param_t *kp) { return sprintf(buf, "%ld\n", *(long *)kp->arg); }
int param_get_ulong(char *buf, zfs_kernel_param_t *kp) { return sprintf(buf, "%lu\n", *(ulong_t *)kp->arg); }
int param_get_charp(char *buf, zfs_kernel_param_t *kp)
{
	return sprintf(buf, "%s\n", *(const char **)kp->arg ? *(const char **)kp->arg : "");
}

/* Strings given on the command line live as long as the kernel's copy of
 * it, which is for good. */
static int set_string(const char *val, zfs_kernel_param_t *kp)
{
	if (val == NULL)
		return -EINVAL;
	*(const char **)kp->arg = val;
	return 0;
}

static int set_param(zfs_kernel_param_t *kp, const char *val)
{
	switch (kp->type) {
	case SPL_PARAM_INT: return param_set_int(val, kp);
	case SPL_PARAM_UINT: return param_set_uint(val, kp);
	case SPL_PARAM_LONG: return param_set_long(val, kp);
	case SPL_PARAM_ULONG: return param_set_ulong(val, kp);
	case SPL_PARAM_STRING: return set_string(val, kp);
	case SPL_PARAM_CALL: return kp->set ? kp->set(val, kp) : -EPERM;
	}
	return -EINVAL;
}

static bool find_option(const char *name, const char **val)
{
	char key[96];

	snprintf(key, sizeof (key), "zfs.%s", name);
	if (boot_module_option(key, val))
		return true;
	if (strncmp(name, "zfs_", 4) != 0)
		return false;
	snprintf(key, sizeof (key), "zfs.%s", name + 4);
	return boot_module_option(key, val);
}

int spl_params_apply(void)
{
	int bad = 0;

	for (zfs_kernel_param_t *kp = __start_spl_params; kp < __stop_spl_params; kp++) {
		const char *val;
		if (!find_option(kp->name, &val))
			continue;
		int err = set_param(kp, val);
		err = err < 0 ? -err : err;	/* Linux setters say -errno, some OpenZFS ones errno */
		if (err) {
			cmn_err(CE_WARN, "--zfs.%s=%s: not a valid value (error %d); default kept",
			    kp->name, val ? val : "", err);
			bad++;
		} else {
			cmn_err(CE_NOTE, "tunable %s set to %s", kp->name, val);
		}
	}
	return bad ? EINVAL : 0;
}

/* One tunable's value as Linux shows it (its getter writes into a page,
 * which the procfs buffer is). */
static int show_param(char *buf, size_t size, void *arg)
{
	zfs_kernel_param_t *kp = arg;

	switch (kp->type) {
	case SPL_PARAM_INT: return param_get_int(buf, kp);
	case SPL_PARAM_UINT: return param_get_uint(buf, kp);
	case SPL_PARAM_LONG: return param_get_long(buf, kp);
	case SPL_PARAM_ULONG: return param_get_ulong(buf, kp);
	case SPL_PARAM_STRING: return param_get_charp(buf, kp);
	case SPL_PARAM_CALL: return kp->get(buf, kp);
	}
	return 0;
}

/*
 * /sys/module/zfs/parameters/NAME for every tunable that has a value to
 * show (Linux's module parameters; read-only here: they are set with
 * --zfs.NAME=VALUE). Linux spreads them over its modules (zfs, icp,
 * zzstd...); this one module has them all.
 */
void spl_params_publish(void)
{
	char path[128];
	int err = 0;

	for (zfs_kernel_param_t *kp = __start_spl_params; kp < __stop_spl_params && !err; kp++) {
		if (kp->type == SPL_PARAM_CALL && kp->get == NULL)
			continue;
		snprintf(path, sizeof (path), "/sys/module/zfs/parameters/%s", kp->name);
		err = procfs_add_file(path, show_param, kp);
	}
	if (err)
		cmn_err(CE_WARN, "zfs: /sys/module/zfs/parameters is incomplete (error %d)", -err);
}
