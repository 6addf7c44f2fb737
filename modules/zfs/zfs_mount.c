/*
 * The "zfs" filesystem type: mounting a dataset named in /etc/fstab.
 *
 * Sources, as Linux's fstab takes them:
 *   /dev/vblk1.2 (or PARTLABEL=data, which the kernel resolves to one):
 *     the pool on that device, whatever its name; its root dataset.
 *   tank/db (a dataset name): pool "tank", found by scanning every block
 *     device and partition for its labels as `zpool import` does.
 * Options: x-systemd.makefs creates what is missing: the pool, on a
 * device that carries no signature at all (named after the partition,
 * ashift 12, compression lz4), or the dataset; x-zfs.PROP=VALUE sets
 * properties on what it creates. A device with any signature is never
 * written.
 *
 * mount(2) from libzfs (zfs mount, zfs create, zpool import) names a
 * dataset and passes Linux's ZPL options (zfsutil, mntpoint=...).
 *
 * The module imports pools itself (no cache file) when a mount needs one;
 * pools stay imported until `zpool export` or the orderly stop, which
 * exports every pool still imported, so a clean stop leaves nothing for
 * the next import to repair and Linux imports it without -f.
 */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/spa_impl.h>
#include <sys/dmu_objset.h>
#include <sys/dsl_dir.h>
#include <sys/dsl_prop.h>
#include <sys/txg.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_vfsops.h>
#include <sys/zfs_quota.h>
#include <sys/zpl.h>
#include <sys/fs/zfs.h>
#include <sys/vdev_impl.h>
#include <zfs_prop.h>
#include <zfs_namecheck.h>
#include "zfs_import.h"
#include "zfs_mount.h"
#include "os/zpl_osprey.h"
#include "os/osprey_vfs.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "fs/boot.h"
#include <errno.h>
#include <string.h>

#define MAKEFS_OPT	"x-systemd.makefs"
#define PROP_OPT	"x-zfs."
#define WHY_LEN		256

/* The options of one mount line. */
struct zmount_opts {
	boolean_t makefs;
	nvlist_t *props;		/* x-zfs.PROP=VALUE, as strings */
};

/*
 * Serialises the mounts' imports and creations, so two mounts of one
 * pool never import it twice. A pool stays imported until `zpool export`
 * or the orderly stop, when every pool still imported is exported
 * (zfs_export_all), so the next boot or Linux imports it without -f.
 */
static kmutex_t zpools_lock;

/* What the mount keeps: Linux's view of it. */
struct zmount {
	struct super_block sb;
	char dataset[ZFS_MAX_DATASET_NAME_LEN];
};

/* ---- options ---- */

/*
 * The options libzfs and mount(8) give a ZFS mount besides ours: Linux's
 * ZPL tokens (zfs_vfsops.c), the generic ones mount(2)'s flags already
 * carry, zfsutil (the call comes from libzfs) and SELinux contexts, which
 * Osprey has none of. They ask for what the dataset's properties say
 * (libzfs builds them from the properties), so the mount follows the
 * properties and these change nothing; one that differs (`zfs mount -o
 * noatime`) is not applied as a temporary property.
 */
static const char *const zpl_options[] = {
	"defaults", "ro", "rw", "suid", "nosuid", "setuid", "nosetuid", "exec",
	"noexec", "dev", "nodev", "devices", "nodevices", "dirxattr", "saxattr",
	"xattr", "noxattr", "atime", "noatime", "relatime", "norelatime",
	"strictatime", "nostrictatime", "lazytime", "nolazytime", "nbmand",
	"nonbmand", "mand", "nomand", "sync", "async", "dirsync", "iversion",
	"noiversion", "remount", "zfsutil",
};
static const char *const zpl_value_options[] = {
	"mntpoint=", "context=", "fscontext=", "defcontext=", "rootcontext=",
};

static boolean_t
zpl_option(const char *opt)
{
	for (int i = 0; i < ARRAY_SIZE(zpl_options); i++)
		if (strcmp(opt, zpl_options[i]) == 0)
			return (B_TRUE);
	for (int i = 0; i < ARRAY_SIZE(zpl_value_options); i++)
		if (strncmp(opt, zpl_value_options[i],
		    strlen(zpl_value_options[i])) == 0)
			return (B_TRUE);
	return (B_FALSE);
}

static int
parse_options(const char *data, struct zmount_opts *o, char *why)
{
	char buf[1024], *opt, *next;

	o->makefs = B_FALSE;
	o->props = fnvlist_alloc();
	if (data == NULL || *data == '\0')
		return (0);
	if (strlcpy(buf, data, sizeof (buf)) >= sizeof (buf)) {
		snprintf(why, WHY_LEN, "mount options longer than %zu bytes",
		    sizeof (buf) - 1);
		return (EINVAL);
	}
	for (opt = buf; opt != NULL; opt = next) {
		if ((next = strchr(opt, ',')) != NULL)
			*next++ = '\0';
		if (*opt == '\0')
			continue;
		if (strcmp(opt, MAKEFS_OPT) == 0) {
			o->makefs = B_TRUE;
			continue;
		}
		if (zpl_option(opt))
			continue;
		char *eq = strchr(opt, '=');
		if (strncmp(opt, PROP_OPT, strlen(PROP_OPT)) == 0 && eq != NULL) {
			*eq = '\0';
			fnvlist_add_string(o->props, opt + strlen(PROP_OPT),
			    eq + 1);
			continue;
		}
		snprintf(why, WHY_LEN, "unknown mount option '%s'", opt);
		return (EINVAL);
	}
	return (0);
}

/* "16K", "1M", "4096": a size with an optional binary suffix. */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	u_longlong_t v;
	int shift = 0;

	if (ddi_strtoull(s, &end, 10, &v) != 0 || end == s)
		return (EINVAL);
	switch (*end) {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	case '\0': break;
	default: return (EINVAL);
	}
	if (*end != '\0' && end[1] != '\0' && strcmp(end + 1, "B") != 0)
		return (EINVAL);
	*out = (uint64_t)v << shift;
	return (0);
}

/* Sets one "x-zfs." property on a dataset that was just created. */
static int
set_prop(const char *dsname, const char *name, const char *value, char *why)
{
	zfs_prop_t prop = zfs_name_to_prop(name);
	uint64_t num;
	int err;

	if (prop == ZPROP_INVAL || zfs_prop_readonly(prop) ||
	    !zfs_prop_valid_for_type(prop, ZFS_TYPE_FILESYSTEM, B_FALSE)) {
		snprintf(why, WHY_LEN, "x-zfs.%s: not a settable filesystem "
		    "property", name);
		return (EINVAL);
	}
	switch (zfs_prop_get_type(prop)) {
	case PROP_TYPE_STRING:
		return (dsl_prop_set_string(dsname, name, ZPROP_SRC_LOCAL,
		    value));
	case PROP_TYPE_INDEX:
		if (zfs_prop_string_to_index(prop, value, &num) != 0) {
			snprintf(why, WHY_LEN, "x-zfs.%s: bad value '%s'", name,
			    value);
			return (EINVAL);
		}
		break;
	default:
		if (parse_size(value, &num) != 0) {
			snprintf(why, WHY_LEN, "x-zfs.%s: '%s' is not a number",
			    name, value);
			return (EINVAL);
		}
		if (prop == ZFS_PROP_RECORDSIZE && (!ISP2(num) ||
		    num < SPA_MINBLOCKSIZE || num > SPA_OLD_MAXBLOCKSIZE)) {
			snprintf(why, WHY_LEN, "x-zfs.recordsize: %s is not a "
			    "power of two from 512 to 128K", value);
			return (EINVAL);
		}
		break;
	}
	err = dsl_prop_set_int(dsname, name, ZPROP_SRC_LOCAL, num);
	if (err != 0)
		snprintf(why, WHY_LEN, "x-zfs.%s=%s: error %d", name, value, err);
	return (err);
}

static int
set_props(const char *dsname, nvlist_t *props, char *why)
{
	for (nvpair_t *p = nvlist_next_nvpair(props, NULL); p != NULL;
	    p = nvlist_next_nvpair(props, p)) {
		int err = set_prop(dsname, nvpair_name(p),
		    fnvpair_value_string(p), why);
		if (err != 0)
			return (err);
	}
	return (0);
}

/* ---- finding, importing and creating pools ---- */

static boolean_t
spa_lookup_exists(const char *name)
{
	mutex_enter(&spa_namespace_lock);
	boolean_t found = spa_lookup(name) != NULL;
	mutex_exit(&spa_namespace_lock);
	return (found);
}

/* Whether the device carries anything at all: a ZFS label, a GPT or MBR,
 * ROFS, ext2/3/4. Unreadable counts as carrying something. */
static boolean_t
device_has_signature(struct blkdev *dev)
{
	uint8_t *buf = kmem_alloc(4096, KM_SLEEP);
	boolean_t found = B_TRUE;
	nvlist_t *label;
	int valid;

	if ((label = zfs_device_label(dev, &valid)) != NULL) {
		nvlist_free(label);
		goto out;
	}
	if (blk_pread(dev, buf, 4096, 0) != 4096)
		goto out;
	found = (buf[510] == 0x55 && buf[511] == 0xaa) ||	/* MBR */
	    memcmp(buf + 512, "EFI PART", 8) == 0 ||		/* GPT */
	    memcmp(buf, "ROFS", 4) == 0 ||
	    (buf[1080] == 0x53 && buf[1081] == 0xef);		/* ext2 */
	/* A few bytes of anything else count too: only zeros are empty. */
	for (int i = 0; !found && i < 4096; i++)
		found = buf[i] != 0;
out:
	kmem_free(buf, 4096);
	return (found);
}

/* The zplprops `zpool create` gives the root filesystem. */
static nvlist_t *
root_zplprops(void)
{
	nvlist_t *z = fnvlist_alloc();

	fnvlist_add_uint64(z, zfs_prop_to_name(ZFS_PROP_VERSION), ZPL_VERSION);
	fnvlist_add_uint64(z, zfs_prop_to_name(ZFS_PROP_NORMALIZE), 0);
	fnvlist_add_uint64(z, zfs_prop_to_name(ZFS_PROP_UTF8ONLY), 0);
	fnvlist_add_uint64(z, zfs_prop_to_name(ZFS_PROP_CASE),
	    ZFS_CASE_SENSITIVE);
	return (z);
}

/* `zpool create -o ashift=12 -O compression=lz4 NAME DEV`, every feature
 * enabled, no cache file. */
static int
create_pool(const char *name, const char *devpath, struct zmount_opts *o,
    char *why)
{
	nvlist_t *disk = fnvlist_alloc(), *root = fnvlist_alloc();
	nvlist_t *props = fnvlist_alloc(), *zpl = root_zplprops();
	char fname[64];
	int err;

	fnvlist_add_string(disk, ZPOOL_CONFIG_TYPE, VDEV_TYPE_DISK);
	fnvlist_add_string(disk, ZPOOL_CONFIG_PATH, devpath);
	fnvlist_add_uint64(disk, ZPOOL_CONFIG_ASHIFT, 12);
	fnvlist_add_uint64(disk, ZPOOL_CONFIG_IS_LOG, 0);
	fnvlist_add_string(root, ZPOOL_CONFIG_TYPE, VDEV_TYPE_ROOT);
	fnvlist_add_nvlist_array(root, ZPOOL_CONFIG_CHILDREN, &disk, 1);
	fnvlist_add_string(props, zpool_prop_to_name(ZPOOL_PROP_CACHEFILE),
	    "none");
	for (int f = 0; f < SPA_FEATURES; f++) {
		snprintf(fname, sizeof (fname), "feature@%s",
		    spa_feature_table[f].fi_uname);
		fnvlist_add_uint64(props, fname, 0);
	}
	err = spa_create(name, root, props, zpl, NULL);
	if (err != 0)
		snprintf(why, WHY_LEN, "cannot create pool '%s' on %s "
		    "(error %d)", name, devpath, err);
	else
		err = dsl_prop_set_int(name,
		    zfs_prop_to_name(ZFS_PROP_COMPRESSION), ZPROP_SRC_LOCAL,
		    ZIO_COMPRESS_LZ4);
	if (err == 0 && (err = set_props(name, o->props, why)) != 0)
		(void) spa_destroy(name);
	if (err == 0)
		printk("zfs: created pool '%s' on %s (ashift 12, lz4)\n", name,
		    devpath);
	fnvlist_free(zpl);
	fnvlist_free(props);
	fnvlist_free(root);
	fnvlist_free(disk);
	return (err);
}

/* The pool on devpath, imported (or created with makefs); its name. */
static int
pool_from_device(const char *devpath, struct zmount_opts *o, boolean_t ro,
    char *name, char *why)
{
	struct blkdev *dev = blk_find_path(devpath);
	nvlist_t *label;
	int valid;

	if (dev == NULL) {
		snprintf(why, WHY_LEN, "%s: no such block device", devpath);
		return (ENODEV);
	}
	if ((label = zfs_device_label(dev, &valid)) != NULL) {
		char *lname;
		int err = nvlist_lookup_string(label, ZPOOL_CONFIG_POOL_NAME,
		    &lname);
		if (err == 0)
			strlcpy(name, lname, ZFS_MAX_DATASET_NAME_LEN);
		nvlist_free(label);
		if (err != 0) {
			snprintf(why, WHY_LEN, "%s: label names no pool", devpath);
			return (EINVAL);
		}
		if (spa_lookup_exists(name))
			return (0);
		return (zfs_import_device(devpath, name, ro, name,
		    ZFS_MAX_DATASET_NAME_LEN, why, WHY_LEN));
	}
	if (!o->makefs) {
		snprintf(why, WHY_LEN, "%s: no ZFS pool there (add "
		    MAKEFS_OPT " to create one)", devpath);
		return (ENOENT);
	}
	if (ro || dev->readonly) {
		snprintf(why, WHY_LEN, "%s: cannot create a pool on a read-only "
		    "device or mount", devpath);
		return (EROFS);
	}
	if (dev->part_label[0] == '\0') {
		snprintf(why, WHY_LEN, "%s: no partition name to call the new "
		    "pool after", devpath);
		return (EINVAL);
	}
	if (device_has_signature(dev)) {
		snprintf(why, WHY_LEN, "%s: carries data that is not a ZFS pool; "
		    "not overwriting it", devpath);
		return (EEXIST);
	}
	strlcpy(name, dev->part_label, ZFS_MAX_DATASET_NAME_LEN);
	if (pool_namecheck(name, NULL, NULL) != 0) {
		snprintf(why, WHY_LEN, "partition name '%s' is not a valid pool "
		    "name", name);
		return (EINVAL);
	}
	return (create_pool(name, devpath, o, why));
}

/* Pool `name`, imported from whichever device holds it. */
static int
pool_by_scan(const char *name, boolean_t ro, char *why)
{
	char path[BLK_NAME_MAX + 8], pname[ZFS_MAX_DATASET_NAME_LEN];
	int err = ENOENT;

	if (spa_lookup_exists(name))
		return (0);
	for (struct blkdev *d = blk_first(); d != NULL; d = d->next) {
		nvlist_t *label;
		char *lname;
		int valid;

		if ((label = zfs_device_label(d, &valid)) == NULL)
			continue;
		boolean_t match = nvlist_lookup_string(label,
		    ZPOOL_CONFIG_POOL_NAME, &lname) == 0 &&
		    strcmp(lname, name) == 0;
		nvlist_free(label);
		if (!match)
			continue;
		snprintf(path, sizeof (path), "/dev/%s", d->name);
		return (zfs_import_device(path, name, ro, pname, sizeof (pname),
		    why, WHY_LEN));
	}
	snprintf(why, WHY_LEN, "no device holds a pool named '%s'", name);
	return (err);
}

/*
 * Finds (imports, or creates) the pool of the dataset the fstab line or
 * mount(2) names. dsname gets the dataset's name.
 */
static int
resolve(const char *source, struct zmount_opts *o, boolean_t ro,
    char *dsname, char *why)
{
	char pool[ZFS_MAX_DATASET_NAME_LEN];
	int err;

	if (source == NULL || *source == '\0') {
		snprintf(why, WHY_LEN, "no device or dataset named");
		return (EINVAL);
	}
	if (source[0] == '/') {
		if ((err = pool_from_device(source, o, ro, pool, why)) != 0)
			return (err);
		strlcpy(dsname, pool, ZFS_MAX_DATASET_NAME_LEN);
	} else {
		const char *at = strchr(source, '@');
		boolean_t bad = at != NULL ? snapshot_namecheck(source, NULL,
		    NULL) != 0 : dataset_namecheck(source, NULL, NULL) != 0;
		if (bad) {
			snprintf(why, WHY_LEN, "'%s' is not a filesystem or "
			    "snapshot name", source);
			return (EINVAL);
		}
		strlcpy(dsname, source, ZFS_MAX_DATASET_NAME_LEN);
		strlcpy(pool, source, sizeof (pool));
		pool[strcspn(pool, "/@")] = '\0';
		if ((err = pool_by_scan(pool, ro, why)) != 0)
			return (err);
	}
	return (0);
}

/* A new filesystem's ZPL skeleton (as Linux's zfs_create_cb). Its
 * zplprops are the defaults a root filesystem gets: a child made here
 * does not inherit a parent's normalization or case rules. */
static void
create_fs_cb(objset_t *os, void *arg, cred_t *cr, dmu_tx_t *tx)
{
	zfs_create_fs(os, cr, arg, tx);
}

/* Creates dataset dsname (x-systemd.makefs) with its x-zfs properties. */
static int
create_dataset(const char *dsname, struct zmount_opts *o, char *why)
{
	nvlist_t *zpl = root_zplprops();
	int err = dmu_objset_create(dsname, DMU_OST_ZFS, 0, NULL,
	    create_fs_cb, zpl);

	fnvlist_free(zpl);
	if (err != 0) {
		snprintf(why, WHY_LEN, "cannot create dataset '%s' (error %d)",
		    dsname, err);
		return (err);
	}
	printk("zfs: created dataset '%s'\n", dsname);
	return (set_props(dsname, o->props, why));
}

/* ---- the filesystem type ---- */

static int
zfs_mount_fs(struct mount *mp, const char *source, const char *data)
{
	hrtime_t t0 = gethrtime(), t1 = t0;
	boolean_t ro = (mp->flags & MS_RDONLY) != 0;
	struct zmount_opts o;
	struct zmount *zm;
	char why[WHY_LEN] = "";
	int err;

	zm = kmem_zalloc(sizeof (*zm), KM_SLEEP);
	if ((err = parse_options(data, &o, why)) != 0)
		goto out;
	/* A snapshot mounts read-only whatever was asked, as on Linux. */
	if (source != NULL && source[0] != '/' && strchr(source, '@')) {
		mp->flags |= MS_RDONLY;
		ro = B_TRUE;
	}
	mutex_enter(&zpools_lock);
	err = resolve(source, &o, ro, zm->dataset, why);
	t1 = gethrtime();
	if (err == 0) {
		err = zpl_mount(mp, &zm->sb, zm->dataset, ro, why, WHY_LEN);
		if (err == ENOENT && o.makefs && !ro &&
		    create_dataset(zm->dataset, &o, why) == 0)
			err = zpl_mount(mp, &zm->sb, zm->dataset, ro, why,
			    WHY_LEN);
	}
	mutex_exit(&zpools_lock);
out:
	fnvlist_free(o.props);
	if (err != 0) {
		printk("zfs: cannot mount %s: %s\n", source ? source : "(none)",
		    why[0] ? why : "error");
		kmem_free(zm, sizeof (*zm));
		return (-err);
	}
	mp->priv = zm;
	/* The mount table names the dataset, as Linux's does: libzfs finds
	 * a dataset's mounts in /proc/self/mounts by it. */
	strlcpy(mp->source, zm->dataset, sizeof (mp->source));
	pr_info("zfs: mounted %s (from %s): pool %llu us, mount %llu us\n",
	    zm->dataset, source, (u_longlong_t)(t1 - t0) / 1000,
	    (u_longlong_t)(gethrtime() - t1) / 1000);
	return (0);
}

/* Writes out what is dirty, so an unmount that fails says so. */
static int
zfs_unmount_fs(struct mount *mp, int flags)
{
	struct zmount *zm = mp->priv;

	(void) flags;
	return (-zfs_sync(&zm->sb, 1, CRED()));
}

/* Every vnode is gone: the filesystem leaves service (its pool stays). */
static void
zfs_release_fs(struct mount *mp)
{
	struct zmount *zm = mp->priv;

	if (zm == NULL)
		return;
	zpl_unmount(&zm->sb);
	kmem_free(zm, sizeof (*zm));
	mp->priv = NULL;
}

static int
zfs_statfs_fs(struct mount *mp, struct vfs_statfs *st)
{
	struct zmount *zm = mp->priv;
	uint64_t bsize, blocks, bfree, files, ffree, fsid;
	int err = zfs_statvfs_osprey(zm->sb.s_fs_info, &bsize, &blocks, &bfree,
	    &files, &ffree, &fsid);

	if (err != 0)
		return (-err);
	st->type = ZFS_SUPER_MAGIC;
	st->bsize = st->frsize = bsize;
	st->blocks = blocks;
	st->bfree = st->bavail = bfree;
	st->files = files;
	st->ffree = ffree;
	st->namelen = MAXNAMELEN - 1;
	return (0);
}

/*
 * sync(2) and syncfs: what Linux's sync gives (every acknowledged write
 * in the intent log on disk), and then the pool's open transaction group
 * written out, as `zpool sync` does: frees then show in statfs and their
 * space can be allocated again, and the next import has no log to replay.
 */
static int
zfs_sync_fs(struct mount *mp)
{
	struct zmount *zm = mp->priv;
	zfsvfs_t *zfsvfs = zm->sb.s_fs_info;
	int err = zfs_sync(&zm->sb, 1, CRED());

	if (err == 0 && spa_writeable(dmu_objset_spa(zfsvfs->z_os)))
		txg_wait_synced(dmu_objset_pool(zfsvfs->z_os), 0);
	return (-err);
}

/* The descendants of one dataset that belong below its mount. */
struct submounts {
	const char *parent;
	char **names;
	int count, cap;
};

/* Filesystems with canmount=on whose mountpoint is inherited (not set on
 * them, not legacy or none) are mounted under their parent's mount. */
static int
collect_submount(const char *dsname, void *arg)
{
	struct submounts *sm = arg;
	char mp[MAXPATHLEN], setpoint[ZFS_MAX_DATASET_NAME_LEN];
	uint64_t canmount;

	if (strcmp(dsname, sm->parent) == 0 || strchr(dsname, '@') != NULL)
		return (0);
	if (dsl_prop_get_integer(dsname, zfs_prop_to_name(ZFS_PROP_CANMOUNT),
	    &canmount, NULL) != 0 || canmount != ZFS_CANMOUNT_ON)
		return (0);
	if (dsl_prop_get(dsname, zfs_prop_to_name(ZFS_PROP_MOUNTPOINT), 1,
	    sizeof (mp), mp, setpoint) != 0 || strcmp(setpoint, dsname) == 0 ||
	    strcmp(mp, "legacy") == 0 ||
	    strcmp(mp, "none") == 0)
		return (0);
	if (sm->count == sm->cap) {
		int cap = sm->cap ? 2 * sm->cap : 8;
		char **names = kmem_alloc(cap * sizeof (char *), KM_SLEEP);
		if (sm->count)
			memcpy(names, sm->names, sm->count * sizeof (char *));
		if (sm->cap)
			kmem_free(sm->names, sm->cap * sizeof (char *));
		sm->names = names;
		sm->cap = cap;
	}
	sm->names[sm->count++] = kmem_strdup(dsname);
	return (0);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Mounts what belongs below mp, as `zfs mount -a` would: each child
 * filesystem at the mount's path plus its name below the parent's, a
 * parent before its children (name order). fn does the mounting and
 * reports failures; the first one is returned.
 */
static int
zfs_submounts_fs(struct mount *mp, int (*fn)(void *ctx, const char *source,
    const char *relpath), void *ctx)
{
	struct zmount *zm = mp->priv;
	struct submounts sm = { .parent = zm->dataset };
	size_t plen = strlen(zm->dataset);
	int err = 0;

	(void) dmu_objset_find(zm->dataset, collect_submount, &sm,
	    DS_FIND_CHILDREN);
	if (sm.count > 1)
		qsort(sm.names, sm.count, sizeof (char *), name_cmp);
	for (int i = 0; i < sm.count; i++) {
		int e = fn(ctx, sm.names[i], sm.names[i] + plen + 1);
		err = err ? err : e;
		kmem_strfree(sm.names[i]);
	}
	if (sm.cap)
		kmem_free(sm.names, sm.cap * sizeof (char *));
	return (err);
}

static const struct fs_type zfs_fs_type = {
	.name = "zfs",
	.mount = zfs_mount_fs,
	.unmount = zfs_unmount_fs,
	.release = zfs_release_fs,
	.statfs = zfs_statfs_fs,
	.sync = zfs_sync_fs,
	.submounts = zfs_submounts_fs,
};

/*
 * The orderly stop, after every filesystem is unmounted: each pool still
 * imported is exported, so the next import (here or on Linux) finds it
 * clean. The filesystems' last holds on a pool (its dsl_dirs) go in
 * asynchronous dbuf evictions, and a read-only pool has no sync to wait
 * for them: EBUSY for a moment is normal.
 */
static void
zfs_export_all(void)
{
	char (*names)[ZFS_MAX_DATASET_NAME_LEN];
	int n = 0, cap = 0;
	spa_t *spa;

	mutex_enter(&spa_namespace_lock);
	for (spa = spa_next(NULL); spa != NULL; spa = spa_next(spa))
		cap++;
	names = cap ? kmem_alloc(cap * sizeof (*names), KM_SLEEP) : NULL;
	for (spa = spa_next(NULL); spa != NULL && n < cap; spa = spa_next(spa))
		strlcpy(names[n++], spa_name(spa), sizeof (*names));
	mutex_exit(&spa_namespace_lock);
	for (int i = 0; i < n; i++) {
		int err;
		for (int tries = 0; (err = spa_export(names[i], NULL, B_FALSE,
		    B_FALSE)) == EBUSY && tries < 200; tries++)
			delay(MAX(1, MSEC_TO_TICK(10)));
		if (err != 0)
			printk("zfs: pool '%s' could not be exported (error %d): "
			    "Linux will need zpool import -f\n", names[i], err);
		else
			pr_info("zfs: pool '%s' exported\n", names[i]);
	}
	if (cap)
		kmem_free(names, cap * sizeof (*names));
}

/* The POSIX layer's part of zfs_kmod_init, before any pool is created
 * (the root filesystem of a new pool is made with znodes). */
void
zfs_init(void)
{
	zfs_znode_init();
	dmu_objset_register_type(DMU_OST_ZFS, zpl_get_file_info);
	mutex_init(&zpools_lock, NULL, MUTEX_DEFAULT, NULL);
}

void
zfs_fini(void)
{
	mutex_destroy(&zpools_lock);
	zfs_znode_fini();
}

int
zfs_mount_init(void)
{
	int err = fs_on_shutdown(zfs_export_all);

	return (err != 0 ? err : vfs_register_fs(&zfs_fs_type));
}
