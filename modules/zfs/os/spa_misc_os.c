/*
 * The platform part of spa_misc.c and mmp.c: what history records say
 * about where a change was made, and the setters of tunables whose new
 * value must reach pools already open.
 *
 * The setters run when --zfs.NAME=VALUE is applied at load
 * (spl/spl_param.c), before any pool exists, and would run again from a
 * future runtime interface. As Linux module parameter setters they return
 * 0 or a negative errno.
 */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/spa_impl.h>
#include <sys/mmp.h>

/*
 * Each pool history record carries the "zone" the change came from next
 * to the host name; `zpool history -l` prints them as [... on HOST:ZONE].
 * illumos puts the zone's name there and Linux its own name, "linux".
 * Osprey has no zones either, and since pools move between Linux and
 * Osprey, saying "osprey" tells the reader of a pool's history which
 * system made each change; nothing reads the field back to decide
 * anything.
 */
const char *
spa_history_zone(void)
{
	return ("osprey");
}

/*
 * zfs_deadman_failmode: "wait", "continue" or "panic". The value stored
 * is one of these literals rather than the string given, which need not
 * outlive the call; a trailing newline (as a write to a Linux parameter
 * file has) is allowed.
 */
int
param_set_deadman_failmode(const char *val, zfs_kernel_param_t *kp)
{
	static const char *const modes[] = { "wait", "continue", "panic" };
	char given[16];
	char *nl;
	int error;

	if (val == NULL || strlen(val) >= sizeof (given))
		return (-SET_ERROR(EINVAL));
	strlcpy(given, val, sizeof (given));
	if ((nl = strchr(given, '\n')) != NULL)
		*nl = '\0';

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(given, modes[i]) != 0)
			continue;
		/* Checks it again and applies it to every open pool. */
		error = param_set_deadman_failmode_common(modes[i]);
		if (error != 0)
			return (-error);
		zfs_deadman_failmode = (char *)modes[i];
		return (0);
	}
	return (-SET_ERROR(EINVAL));
}

/* Milliseconds; open pools get the new limit at once, in nanoseconds. */
static int
set_deadman_ms(const char *val, zfs_kernel_param_t *kp, void (*apply)(hrtime_t))
{
	int error = param_set_ulong(val, kp);

	if (error == 0)
		apply(MSEC2NSEC(*(unsigned long *)kp->arg));
	return (error);
}

int
param_set_deadman_ziotime(const char *val, zfs_kernel_param_t *kp)
{
	return (set_deadman_ms(val, kp, spa_set_deadman_ziotime));
}

int
param_set_deadman_synctime(const char *val, zfs_kernel_param_t *kp)
{
	return (set_deadman_ms(val, kp, spa_set_deadman_synctime));
}

/*
 * spa_slop_shift: the pool keeps 1/2^shift of its space in reserve, so
 * the shift must leave a reserve (at least 1) and fit an int shift of a
 * 32-bit quantity (at most 31), as on Linux. Nothing needs telling: the
 * reserve is computed from it on every use.
 */
int
param_set_slop_shift(const char *buf, zfs_kernel_param_t *kp)
{
	u_longlong_t val;
	char *end;

	if (buf == NULL || ddi_strtoull(buf, &end, 0, &val) != 0 ||
	    *end != '\0' || val < 1 || val > 31)
		return (-SET_ERROR(EINVAL));
	return (param_set_int(buf, kp));
}

/*
 * zfs_multihost_interval: milliseconds between MMP writes. Running MMP
 * threads sleep for the old interval; waking them makes them use the new
 * one now. spa_namespace_lock exists only once spa_init has run, which
 * spa_mode_global tells.
 */
int
param_set_multihost_interval(const char *val, zfs_kernel_param_t *kp)
{
	int error = param_set_ulong(val, kp);

	if (error != 0)
		return (error);
	if (spa_mode_global != SPA_MODE_UNINIT)
		mmp_signal_all_threads();
	return (0);
}
