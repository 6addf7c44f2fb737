/* Importing the pool on one device (see zfs_import.h). Linux's zpool
 * reads the labels and builds the configuration in userland; Osprey has
 * no userland tool for it, so the module does the same here. */
#include "dev/blk.h"	/* first: names struct bio before OpenZFS's abd.h mentions it */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/vdev_impl.h>
#include <sys/fs/zfs.h>
#include <zfs_prop.h>
#include <sys/zfs_file.h>
#include <sys/fcntl.h>
#include "zfs_import.h"
#include "dev/console.h"

/* A label counts when it names a vdev, a pool state up to exported and
 * the txg it was written in. */
static bool label_usable(nvlist_t *cfg, uint64_t *txg)
{
	uint64_t guid = 0, state = ~0ULL;

	return nvlist_lookup_uint64(cfg, ZPOOL_CONFIG_GUID, &guid) == 0 && guid != 0 &&
	    nvlist_lookup_uint64(cfg, ZPOOL_CONFIG_POOL_STATE, &state) == 0 &&
	    state <= POOL_STATE_EXPORTED &&
	    nvlist_lookup_uint64(cfg, ZPOOL_CONFIG_POOL_TXG, txg) == 0 && *txg != 0;
}

/* The best label of a vdev of `size` bytes read through `read`. */
static nvlist_t *best_label(uint64_t size, long (*read)(void *src, void *buf, size_t len,
    uint64_t off), void *src, int *valid)
{
	uint64_t psize = P2ALIGN_TYPED(size, sizeof (vdev_label_t), uint64_t);
	vdev_phys_t *vp = vmem_alloc(sizeof (*vp), KM_SLEEP);
	nvlist_t *best = NULL;
	uint64_t best_txg = 0;

	*valid = 0;
	for (int l = 0; l < VDEV_LABELS; l++) {
		uint64_t off = vdev_label_offset(psize, l, offsetof(vdev_label_t, vl_vdev_phys));
		uint64_t txg = 0;
		nvlist_t *cfg;
		if (read(src, vp, sizeof (*vp), off) != (long)sizeof (*vp) ||
		    nvlist_unpack(vp->vp_nvlist, sizeof (vp->vp_nvlist), &cfg, KM_SLEEP) != 0)
			continue;
		if (!label_usable(cfg, &txg)) {
			nvlist_free(cfg);
			continue;
		}
		++*valid;
		if (txg > best_txg) {
			nvlist_free(best);
			best = cfg;
			best_txg = txg;
		} else {
			nvlist_free(cfg);
		}
	}
	vmem_free(vp, sizeof (*vp));
	return best;
}

static long read_device(void *dev, void *buf, size_t len, uint64_t off)
{
	return blk_pread(dev, buf, len, off);
}

static long read_file(void *fp, void *buf, size_t len, uint64_t off)
{
	ssize_t resid;

	return zfs_file_pread(fp, buf, len, off, &resid) ? -EIO : (long)(len - resid);
}

nvlist_t *zfs_device_label(struct blkdev *dev, int *valid)
{
	return best_label(dev->nsectors * SECTOR_SIZE, read_device, dev, valid);
}

/* A file vdev's label; NULL (and *valid 0) if the file cannot be read. */
static nvlist_t *file_label(const char *path, int *valid)
{
	zfs_file_t *fp;
	zfs_file_attr_t attr;
	nvlist_t *label = NULL;

	*valid = 0;
	if (zfs_file_open(path, O_RDONLY, 0, &fp) != 0)
		return NULL;
	if (zfs_file_getattr(fp, &attr) == 0)
		label = best_label(attr.zfa_size, read_file, fp, valid);
	zfs_file_close(fp);
	return label;
}

/* The configuration `zpool import` hands the kernel for a pool of one
 * disk: the label's pool-wide values and a root vdev whose only child is
 * the label's top-level vdev, with the path where the disk is now. The
 * kernel checks it against the copy in the pool (the MOS config) and
 * trusts that one. */
static int import_config(nvlist_t *label, const char *devpath, nvlist_t **configp,
    char *why, size_t whylen)
{
	uint64_t version, pool_guid, state, children = 0, id = ~0ULL, hostid;
	char *name, *type, *hostname;
	nvlist_t *top;

	if (nvlist_lookup_uint64(label, ZPOOL_CONFIG_VERSION, &version) ||
	    nvlist_lookup_uint64(label, ZPOOL_CONFIG_POOL_GUID, &pool_guid) ||
	    nvlist_lookup_string(label, ZPOOL_CONFIG_POOL_NAME, &name) ||
	    nvlist_lookup_uint64(label, ZPOOL_CONFIG_POOL_STATE, &state) ||
	    nvlist_lookup_nvlist(label, ZPOOL_CONFIG_VDEV_TREE, &top) ||
	    nvlist_lookup_string(top, ZPOOL_CONFIG_TYPE, &type)) {
		snprintf(why, whylen, "%s: the label lacks the pool's name, guid, state or vdev tree",
		    devpath);
		return (EINVAL);
	}
	(void) nvlist_lookup_uint64(label, ZPOOL_CONFIG_VDEV_CHILDREN, &children);
	(void) nvlist_lookup_uint64(top, ZPOOL_CONFIG_ID, &id);
	if (children != 1 || id != 0 || (strcmp(type, VDEV_TYPE_DISK) != 0 &&
	    strcmp(type, VDEV_TYPE_FILE) != 0)) {
		snprintf(why, whylen, "pool '%s' on %s is not one disk or file (%llu top-level vdevs, a %s)",
		    name, devpath, (u_longlong_t)children, type);
		return (ENOTSUP);
	}
	top = fnvlist_dup(top);
	fnvlist_add_string(top, ZPOOL_CONFIG_PATH, devpath);
	nvlist_t *root = fnvlist_alloc();
	fnvlist_add_string(root, ZPOOL_CONFIG_TYPE, VDEV_TYPE_ROOT);
	fnvlist_add_uint64(root, ZPOOL_CONFIG_ID, 0);
	fnvlist_add_uint64(root, ZPOOL_CONFIG_GUID, pool_guid);
	fnvlist_add_nvlist_array(root, ZPOOL_CONFIG_CHILDREN, &top, 1);
	nvlist_t *config = fnvlist_alloc();
	fnvlist_add_uint64(config, ZPOOL_CONFIG_VERSION, version);
	fnvlist_add_uint64(config, ZPOOL_CONFIG_POOL_GUID, pool_guid);
	fnvlist_add_string(config, ZPOOL_CONFIG_POOL_NAME, name);
	fnvlist_add_uint64(config, ZPOOL_CONFIG_POOL_STATE, state);
	if (!nvlist_lookup_uint64(label, ZPOOL_CONFIG_HOSTID, &hostid) &&
	    !nvlist_lookup_string(label, ZPOOL_CONFIG_HOSTNAME, &hostname)) {
		fnvlist_add_uint64(config, ZPOOL_CONFIG_HOSTID, hostid);
		fnvlist_add_string(config, ZPOOL_CONFIG_HOSTNAME, hostname);
	}
	fnvlist_add_nvlist(config, ZPOOL_CONFIG_VDEV_TREE, root);
	fnvlist_free(root);
	fnvlist_free(top);
	*configp = config;
	return (0);
}

/* spa_import's errno does not say that a device was cut short: the
 * label's top-level vdev being larger than the device does. */
static void note_short_device(nvlist_t *label, struct blkdev *dev, char *why, size_t whylen)
{
	uint64_t asize, have = dev->nsectors * SECTOR_SIZE;
	nvlist_t *top;
	size_t len = strlen(why);

	if (nvlist_lookup_nvlist(label, ZPOOL_CONFIG_VDEV_TREE, &top) == 0 &&
	    nvlist_lookup_uint64(top, ZPOOL_CONFIG_ASIZE, &asize) == 0 && asize > have)
		snprintf(why + len, whylen - len, ": the pool's vdev needs %llu MiB, the device "
		    "has %llu MiB", (u_longlong_t)(asize >> 20), (u_longlong_t)(have >> 20));
}

/*
 * A refused import says why in the load info spa_import adds to the
 * config, as Linux's zpool import reports it: the features this OpenZFS
 * does not know, found in the label's features_for_read (needed to read
 * the MOS) or in the MOS's feature lists, and whether read-only would
 * do. false when the load info names no feature.
 */
static bool note_unsupported(nvlist_t *config, const char *name, char *why, size_t whylen)
{
	nvlist_t *info, *unsup;
	size_t len;

	if (nvlist_lookup_nvlist(config, ZPOOL_CONFIG_LOAD_INFO, &info) != 0 ||
	    nvlist_lookup_nvlist(info, ZPOOL_CONFIG_UNSUP_FEAT, &unsup) != 0 ||
	    nvlist_empty(unsup))
		return false;
	snprintf(why, whylen, "pool '%s' uses features this OpenZFS (2.1.11) does not support%s:",
	    name, nvlist_exists(info, ZPOOL_CONFIG_CAN_RDONLY) ? " for writing (mount it ro)" : "");
	for (nvpair_t *p = nvlist_next_nvpair(unsup, NULL); p; p = nvlist_next_nvpair(unsup, p)) {
		len = strlen(why);
		snprintf(why + len, whylen - len, " %s", nvpair_name(p));
	}
	return true;
}

/* Imports the pool whose best label is `label`, found on path. */
static int import_label(nvlist_t *label, const char *path, const char *want_name,
    boolean_t readonly, char *name, size_t namelen, char *why, size_t whylen,
    struct blkdev *dev)
{
	nvlist_t *config = NULL;
	char *label_name;
	int err;

	if ((err = import_config(label, path, &config, why, whylen)) != 0)
		return (err);
	label_name = fnvlist_lookup_string(config, ZPOOL_CONFIG_POOL_NAME);
	if (want_name != NULL && strcmp(label_name, want_name) != 0) {
		snprintf(why, whylen, "the pool on %s is '%s', not '%s'", path, label_name,
		    want_name);
		nvlist_free(config);
		return (EINVAL);
	}
	strlcpy(name, label_name, namelen);
	nvlist_t *props = fnvlist_alloc();
	fnvlist_add_string(props, zpool_prop_to_name(ZPOOL_PROP_CACHEFILE), "none");
	if (readonly)
		fnvlist_add_uint64(props, zpool_prop_to_name(ZPOOL_PROP_READONLY), 1);
	if ((err = spa_import(name, config, props, ZFS_IMPORT_NORMAL)) != 0 &&
	    !note_unsupported(config, name, why, whylen)) {
		snprintf(why, whylen, "spa_import of '%s' from %s%s", name, path,
		    err == ENOTSUP ? " (it needs a feature or version this OpenZFS lacks)" : "");
		if (dev != NULL)
			note_short_device(label, dev, why, whylen);
	}
	fnvlist_free(props);
	nvlist_free(config);
	return (err);
}

int zfs_import_device(const char *devpath, const char *want_name, boolean_t readonly,
    char *name, size_t namelen, char *why, size_t whylen)
{
	struct blkdev *dev = blk_find_path(devpath);
	nvlist_t *label;
	int valid;

	if (dev == NULL) {
		snprintf(why, whylen, "%s: no such block device", devpath);
		return (ENODEV);
	}
	if ((label = zfs_device_label(dev, &valid)) == NULL) {
		snprintf(why, whylen, "%s: no valid ZFS label", devpath);
		return (EINVAL);
	}
	if (valid < VDEV_LABELS)
		printk("zfs: %s: %d of %d labels valid\n", devpath, valid, VDEV_LABELS);
	int err = import_label(label, devpath, want_name, readonly, name, namelen, why, whylen, dev);
	nvlist_free(label);
	return (err);
}

int zfs_import_file(const char *path, const char *want_name, char *name, size_t namelen,
    char *why, size_t whylen)
{
	int valid;
	nvlist_t *label = file_label(path, &valid);

	if (label == NULL) {
		snprintf(why, whylen, "%s: no readable file with a valid ZFS label", path);
		return (EINVAL);
	}
	int err = import_label(label, path, want_name, B_FALSE, name, namelen, why, whylen, NULL);
	nvlist_free(label);
	return (err);
}
