/* Importing the pool on one device (see zfs_import.h). Linux's zpool
 * reads the labels and builds the configuration in userland; Osprey has
 * no userland tool for it, so the module does the same here. */
#include "dev/blk.h"	/* first: names struct bio before OpenZFS's abd.h mentions it */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/vdev_impl.h>
#include <sys/fs/zfs.h>
#include <zfs_prop.h>
#include "zfs_import.h"

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

nvlist_t *zfs_device_label(struct blkdev *dev, int *valid)
{
	uint64_t psize = P2ALIGN_TYPED(dev->nsectors * SECTOR_SIZE, sizeof (vdev_label_t), uint64_t);
	vdev_phys_t *vp = vmem_alloc(sizeof (*vp), KM_SLEEP);
	nvlist_t *best = NULL;
	uint64_t best_txg = 0;

	*valid = 0;
	for (int l = 0; l < VDEV_LABELS; l++) {
		uint64_t off = vdev_label_offset(psize, l, offsetof(vdev_label_t, vl_vdev_phys));
		uint64_t txg = 0;
		nvlist_t *cfg;
		if (blk_pread(dev, vp, sizeof (*vp), off) != (long)sizeof (*vp) ||
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
	if (children != 1 || id != 0 || strcmp(type, VDEV_TYPE_DISK) != 0) {
		snprintf(why, whylen, "pool '%s' on %s is not one disk (%llu top-level vdevs, a %s)",
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

int zfs_import_device(const char *devpath, const char *want_name, boolean_t readonly,
    char *name, size_t namelen, char *why, size_t whylen)
{
	struct blkdev *dev = blk_find_path(devpath);
	nvlist_t *label, *config = NULL;
	char *label_name;
	int valid, err;

	if (dev == NULL) {
		snprintf(why, whylen, "%s: no such block device", devpath);
		return (ENODEV);
	}
	if ((label = zfs_device_label(dev, &valid)) == NULL) {
		snprintf(why, whylen, "%s: no valid ZFS label", devpath);
		return (EINVAL);
	}
	if ((err = import_config(label, devpath, &config, why, whylen)) != 0)
		goto out;
	label_name = fnvlist_lookup_string(config, ZPOOL_CONFIG_POOL_NAME);
	if (want_name != NULL && strcmp(label_name, want_name) != 0) {
		snprintf(why, whylen, "the pool on %s is '%s', not '%s'", devpath, label_name,
		    want_name);
		err = EINVAL;
		goto out;
	}
	strlcpy(name, label_name, namelen);
	nvlist_t *props = fnvlist_alloc();
	fnvlist_add_string(props, zpool_prop_to_name(ZPOOL_PROP_CACHEFILE), "none");
	if (readonly)
		fnvlist_add_uint64(props, zpool_prop_to_name(ZPOOL_PROP_READONLY), 1);
	if ((err = spa_import(name, config, props, ZFS_IMPORT_NORMAL)) != 0) {
		snprintf(why, whylen, "spa_import of '%s' from %s", name, devpath);
		note_short_device(label, dev, why, whylen);
	}
	fnvlist_free(props);
out:
	nvlist_free(config);
	nvlist_free(label);
	return (err);
}
