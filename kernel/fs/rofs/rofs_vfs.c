/* The kernel side of ROFS: the pure reader (rofs_read.c) behind the VFS,
 * with a cache of decoded clusters bounded by --rofs-cache (LRU). One mutex
 * per mount serializes the reader and the cache: the reader keeps its
 * metadata cache inside struct rofs_fs, and decoding is the work anyway. */
#include "fs/vfs.h"
#include "fs/rofs/rofs_read.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "cmdline.h"
#include "lib/avl.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define ROFS_FS_MAGIC		0x524f4653	/* "ROFS" */
#define DEFAULT_CACHE		(4u << 20)

struct cached_cluster {
	struct list lru;		/* most recently used first */
	struct list hash;		/* in its key's bucket once loaded */
	uint64_t key;
	uint32_t len;			/* decoded bytes */
	uint8_t *data;
};

struct rofs_mount {
	struct rofs_fs fs;
	struct blkdev *dev;
	struct mutex lock;		/* everything below and fs */
	struct list lru;
	struct list *buckets;		/* loaded clusters by key: 2^(64 - shift) */
	unsigned bucket_shift;
	unsigned ncached, max_cached;
	struct cached_cluster *spare;	/* dropped, its buffer kept for the next miss */
	uint8_t *scratch;		/* compressed cluster being decoded */
	uint64_t hits, misses;
	struct reclaimer pressure;	/* gives clusters back when memory runs short */
	/* The parent of every directory a lookup has reached (the image
	 * does not store them): a directory's vnode may be gone by the time
	 * ".." of its child asks for it, and with it the parent it knew. */
	struct avl_node *parents;
};

struct dir_parent {
	struct avl_node node;
	uint64_t ino, parent;
};

struct rofs_node {
	struct rofs_inode in;
	uint64_t parent;		/* for "..": directories have one parent */
};

static const struct vnode_ops rofs_vops;

static int image_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct rofs_mount *rm = ctx;
	long n = blk_pread(rm->dev, buf, len, off);

	return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

static void image_error(void *ctx, int code, uint64_t ino, uint64_t cluster)
{
	struct rofs_mount *rm = ctx;

	if (cluster != ROFS_NO_CLUSTER)
		pr_err("rofs: %s: %s (inode %lu, cluster %lu)\n", rm->dev->name,
		    rofs_strerror(code), ino, cluster);
	else if (ino != ROFS_NO_INO)
		pr_err("rofs: %s: %s (inode %lu)\n", rm->dev->name, rofs_strerror(code), ino);
	else
		pr_err("rofs: %s: %s\n", rm->dev->name, rofs_strerror(code));
}

/* ---- the cluster cache (lock held) ---- */
/* Lookups hash (Fibonacci hashing on the image offset) so a large
 * --rofs-cache costs no more per read than a small one. */
static struct list *bucket_of(struct rofs_mount *rm, uint64_t key)
{
	return &rm->buckets[(key * 0x9e3779b97f4a7c15ULL) >> rm->bucket_shift];
}

static struct cached_cluster *cache_find(struct rofs_mount *rm, uint64_t key)
{
	struct list *pos;

	list_for_each(pos, bucket_of(rm, key)) {
		struct cached_cluster *c = list_entry(pos, struct cached_cluster, hash);
		if (c->key == key)
			return c;
	}
	return NULL;
}

static struct cached_cluster *cache_lookup(struct rofs_mount *rm, uint64_t key)
{
	struct cached_cluster *c = cache_find(rm, key);

	if (c) {
		list_del(&c->lru);
		list_add_head(&rm->lru, &c->lru);
		rm->hits++;
	}
	return c;
}

/* The cache grows only while this many clusters' worth of pages would
 * still be free: short of memory, it reuses its least recently used
 * cluster rather than take the last pages programs fault in. */
#define GROW_FREE_CLUSTERS 4

static bool may_grow(struct rofs_mount *rm)
{
	struct mem_stats st;

	if (rm->ncached >= rm->max_cached)
		return false;
	if (rm->ncached == 0)
		return true;
	mem_stats(&st);
	return st.free_pages * PAGE_SIZE >= (uint64_t)(GROW_FREE_CLUSTERS + 1) * rm->fs.cluster_size;
}

/* c joins the cache, most recently used, not yet in the hash. */
static struct cached_cluster *cache_take(struct rofs_mount *rm, struct cached_cluster *c)
{
	list_init(&c->hash);
	rm->ncached++;
	list_add_head(&rm->lru, &c->lru);
	return c;
}

/* A slot for a new cluster: a fresh one while under the bound and memory
 * is not short, else the least recently used. */
static struct cached_cluster *cache_slot(struct rofs_mount *rm)
{
	struct cached_cluster *c = rm->spare;

	if (c) {
		rm->spare = NULL;
		return cache_take(rm, c);
	}
	if (may_grow(rm)) {
		c = kzalloc(sizeof(*c));
		uint8_t *data = c ? vmalloc(rm->fs.cluster_size) : NULL;
		if (data) {
			c->data = data;
			return cache_take(rm, c);
		}
		kfree(c);
		if (list_empty(&rm->lru))
			return NULL;
	}
	c = list_entry(rm->lru.prev, struct cached_cluster, lru);
	list_del(&c->lru);
	list_del(&c->hash);
	list_add_head(&rm->lru, &c->lru);
	return c;
}

static int cluster_get(struct rofs_mount *rm, const struct rofs_extent *ext,
    struct cached_cluster **out)
{
	struct cached_cluster *c = cache_lookup(rm, ext->key);

	if (!c) {
		rm->misses++;
		c = cache_slot(rm);
		if (!c)
			return -ENOMEM;
		int n = rofs_cluster_load(&rm->fs, ext, c->data, rm->scratch);
		if (n < 0)
			return n;	/* c stays out of the hash: never found */
		c->key = ext->key;
		c->len = ext->ulen;
		list_add_head(bucket_of(rm, c->key), &c->hash);
	}
	*out = c;
	return 0;
}

/* Memory pressure: drop the least recently used clusters. The buffer of
 * one is kept as the spare the next miss decodes into, so that a read
 * (a program's page fault among them) never needs memory to make
 * progress. An allocation failing under our own lock finds it taken and
 * drops nothing. */
static size_t cache_reclaim(void *arg, size_t pages)
{
	struct rofs_mount *rm = arg;
	size_t per_cluster = rm->fs.cluster_size / PAGE_SIZE, freed = 0;
	unsigned dropped = 0;

	if (!mutex_trylock(&rm->lock))
		return 0;
	while (freed < pages && !list_empty(&rm->lru)) {
		struct cached_cluster *c = list_entry(rm->lru.prev, struct cached_cluster, lru);
		list_del(&c->lru);
		list_del(&c->hash);
		rm->ncached--;
		dropped++;
		if (!rm->spare) {
			rm->spare = c;
			continue;
		}
		vfree(c->data, rm->fs.cluster_size);
		kfree(c);
		freed += per_cluster;
	}
	mutex_unlock(&rm->lock);
	if (dropped)
		pr_info("rofs: %s: memory low, dropped %u cached clusters\n", rm->dev->name, dropped);
	return freed;
}

/* ---- vnodes ---- */
static struct rofs_mount *RM(struct vnode *vn) { return vn->mount->priv; }
static struct rofs_node *RN(struct vnode *vn) { return vn->priv; }

static enum vtype type_of(uint16_t mode)
{
	return mode_to_vtype(mode);
}

static int parent_cmp(const struct avl_node *a, const struct avl_node *b)
{
	uint64_t x = ((const struct dir_parent *)a)->ino, y = ((const struct dir_parent *)b)->ino;
	return (x > y) - (x < y);
}

static int parent_key(const struct avl_node *n, const void *key)
{
	uint64_t x = ((const struct dir_parent *)n)->ino, y = *(const uint64_t *)key;
	return (x > y) - (x < y);
}

static struct dir_parent *find_parent(struct rofs_mount *rm, uint64_t ino)
{
	struct dir_parent *d = (struct dir_parent *)avl_floor(rm->parents, &ino, parent_key);
	return d && d->ino == ino ? d : NULL;
}

/* Notes the parent of directory ino (once: a directory has one). Lock held. */
static int note_parent(struct rofs_mount *rm, uint64_t ino, uint64_t parent)
{
	if (find_parent(rm, ino))
		return 0;
	struct dir_parent *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	*d = (struct dir_parent){ .ino = ino, .parent = parent };
	avl_insert(&rm->parents, &d->node, parent_cmp);
	return 0;
}

/* The vnode for an inode, from the mount's cache or read now. Lock held. */
static int get_vnode(struct mount *mp, uint64_t ino, uint64_t parent, struct vnode **out)
{
	struct rofs_mount *rm = mp->priv;
	struct vnode *vn = vnode_cache_find(mp, ino);

	if (vn) {
		*out = vn;
		return 0;
	}
	struct rofs_inode in;
	int err = rofs_inode_get(&rm->fs, ino, &in);
	if (!err && type_of(in.mode) == VDIR)
		err = note_parent(rm, ino, parent);
	if (err)
		return err;
	vn = vnode_new(mp, type_of(in.mode), &rofs_vops, sizeof(struct rofs_node));
	if (!vn)
		return -ENOMEM;
	vn->ino = ino;
	vn->rdev = in.rdev;
	RN(vn)->in = in;
	RN(vn)->parent = parent;
	*out = vnode_cache_add(vn);
	return 0;
}

static int rofs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct rofs_mount *rm = RM(dir);
	uint64_t ino;
	int err;

	mutex_lock(&rm->lock);
	if (!strcmp(name, "..")) {
		struct dir_parent *up = find_parent(rm, RN(dir)->parent);
		err = get_vnode(dir->mount, RN(dir)->parent, up ? up->parent : RN(dir)->parent, out);
	}
	else if (!(err = rofs_dir_lookup(&rm->fs, &RN(dir)->in, name, strlen(name), &ino)))
		err = get_vnode(dir->mount, ino, dir->ino, out);
	mutex_unlock(&rm->lock);
	return err;
}

/* Cookies are the reader's positions plus 2 (0 and 1 are "." and ".."). */
static int rofs_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	struct rofs_mount *rm = RM(dir);
	struct rofs_dirent de;
	int err = 0;

	mutex_lock(&rm->lock);
	for (;;) {
		uint64_t pos = ctx->pos - 2, next = pos;
		err = rofs_dir_iter(&rm->fs, &RN(dir)->in, &next, &de);
		if (err <= 0)
			break;
		if (ctx->emit(ctx, de.name, de.name_len, de.ino, de.type))
			break;
		ctx->pos = next + 2;
	}
	mutex_unlock(&rm->lock);
	return err < 0 ? err : 0;
}

static int rofs_readlink_op(struct vnode *vn, char *buf, size_t len)
{
	struct rofs_mount *rm = RM(vn);

	mutex_lock(&rm->lock);
	int n = rofs_readlink(&rm->fs, &RN(vn)->in, buf, len);
	mutex_unlock(&rm->lock);
	return n;
}

/* A whole cluster the read wants all of, and that no one has cached. */
static bool direct_ok(struct rofs_mount *rm, const struct rofs_extent *e, size_t want)
{
	return e->data_off == 0 && e->data_len == e->ulen && want >= e->ulen &&
	    !cache_find(rm, e->key);
}

/*
 * Large reads skip the cache: up to DIRECT_RUN whole clusters from cluster
 * k on, stored end to end in the image and all wanted whole, are read
 * with one device request and decoded straight into dst (each checked
 * against its CRC as always). A program reading a big file, or the module
 * loader reading libzfs.so, then costs one request per run, not one per
 * cluster, and neither a copy out of the cache nor evicting what the
 * cache held. first is cluster k, located, and direct_ok. Returns the
 * bytes read (whole clusters) or -errno.
 */
#define DIRECT_RUN	8

struct decode_args {
	struct rofs_fs *fs;
	const struct rofs_extent *ext;
	const void *src;
	void *dst;
};

static long decode_one(void *arg)
{
	struct decode_args *a = arg;

	return rofs_cluster_decode(a->fs, a->ext, a->src, a->dst);
}

/* rofs_cluster_decode into dst, which may be a program's buffer and go
 * away meanwhile (-EFAULT): the decoder takes no lock and owns nothing. */
static int decode_out(struct rofs_fs *fs, const struct rofs_extent *ext, const void *src,
    void *dst)
{
	struct decode_args a = { fs, ext, src, dst };

	return (int)uaccess_call(decode_one, &a, &thread_current()->uaccess_frame);
}

static long read_direct(struct rofs_mount *rm, const struct rofs_inode *in, uint64_t k,
    const struct rofs_extent *first, uint8_t *dst, size_t want)
{
	struct rofs_extent ext[DIRECT_RUN];
	uint64_t stored = first->stored;
	int n = 1, err = 0;

	ext[0] = *first;
	while (n < DIRECT_RUN && want - (size_t)n * ext[0].ulen >= ext[0].ulen &&
	    k + n < rofs_cluster_count(&rm->fs, in) &&
	    rofs_cluster_locate(&rm->fs, in, k + n, &ext[n]) == 0 &&
	    ext[n].off == ext[n - 1].off + ext[n - 1].stored &&
	    ext[n].ulen == ext[0].ulen && direct_ok(rm, &ext[n], want - (size_t)n * ext[0].ulen)) {
		stored += ext[n].stored;
		n++;
	}
	uint8_t *stage = n > 1 ? kmalloc(stored) : NULL;
	if (!stage) {
		n = 1;
		stored = first->stored;
		stage = rm->scratch;
	}
	if ((err = image_read(rm, ext[0].off, stage, stored)) < 0)
		goto out;
	for (int i = 0, at = 0; i < n; at += ext[i].stored, i++) {
		if ((err = decode_out(&rm->fs, &ext[i], stage + at,
		    dst + (size_t)i * ext[0].ulen)) < 0)
			goto out;
		rm->misses++;
	}
out:
	if (stage != rm->scratch)
		kfree(stage);
	return err < 0 ? err : (long)n * ext[0].ulen;
}

static long rofs_read_op(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	struct rofs_mount *rm = RM(vn);
	const struct rofs_inode *in = &RN(vn)->in;
	uint32_t cs = rm->fs.cluster_size;
	size_t done = 0;
	int err = 0;

	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= in->size)
		return 0;
	if (len > in->size - off)
		len = in->size - off;
	mutex_lock(&rm->lock);
	while (done < len) {
		uint64_t at = off + done;
		struct rofs_extent ext;
		struct cached_cluster *c;
		uint32_t within = at % cs;
		err = rofs_cluster_locate(&rm->fs, in, at / cs, &ext);
		if (err >= 0 && within == 0 && direct_ok(rm, &ext, len - done)) {
			long n = read_direct(rm, in, at / cs, &ext, (uint8_t *)buf + done,
			    len - done);
			if (n < 0) {
				err = (int)n;
				break;
			}
			done += n;
			continue;
		}
		if (err >= 0)
			err = cluster_get(rm, &ext, &c);
		if (err < 0)
			break;
		if (within >= ext.data_len) {
			err = -EIO;
			break;
		}
		size_t n = ext.data_len - within < len - done ? ext.data_len - within : len - done;
		if (uaccess_copy((char *)buf + done, c->data + ext.data_off + within, n)) {
			err = -EFAULT;	/* buf is a program's, and went away */
			break;
		}
		done += n;
	}
	mutex_unlock(&rm->lock);
	return done ? (long)done : err < 0 ? err : 0;
}

static int rofs_getattr(struct vnode *vn, struct vattr *va)
{
	const struct rofs_inode *in = &RN(vn)->in;

	memset(va, 0, sizeof(*va));
	va->ino = vn->ino;
	va->mode = in->mode;
	va->nlink = in->nlink;
	va->uid = in->uid;
	va->gid = in->gid;
	va->rdev = in->rdev;
	va->size = (int64_t)in->size;
	va->blksize = RM(vn)->fs.cluster_size;
	va->blocks = (in->size + 511) / 512;
	va->mtime = va->atime = va->ctime = in->mtime * 1000000000LL + in->mtime_nsec;
	return 0;
}

static const struct vnode_ops rofs_vops = {
	.lookup = rofs_lookup,
	.readdir = rofs_readdir,
	.readlink = rofs_readlink_op,
	.read = rofs_read_op,
	.getattr = rofs_getattr,
};

/* ---- mounting ---- */
static void free_mount(struct rofs_mount *rm)
{
	struct list *pos, *tmp;

	if (rm->pressure.reclaim)
		mm_unregister_reclaimer(&rm->pressure);

	list_for_each_safe(pos, tmp, &rm->lru) {
		struct cached_cluster *c = list_entry(pos, struct cached_cluster, lru);
		vfree(c->data, rm->fs.cluster_size);
		kfree(c);
	}
	if (rm->spare) {
		vfree(rm->spare->data, rm->fs.cluster_size);
		kfree(rm->spare);
	}
	for (struct avl_node *n; (n = avl_first(rm->parents));) {
		avl_remove(&rm->parents, n, parent_cmp);
		kfree(n);
	}
	kfree(rm->buckets);
	kfree(rm->scratch);
	kfree(rm);
}

/* Without --rofs-cache: 4 MiB, or a sixteenth of free RAM if that is less,
 * so a small VM keeps its memory for the program. */
static uint64_t default_cache_bytes(void)
{
	struct mem_stats st;

	mem_stats(&st);
	uint64_t share = st.free_pages * PAGE_SIZE / 16;
	return share < DEFAULT_CACHE ? share : DEFAULT_CACHE;
}

/* As many buckets as the cache has clusters (a power of two; past 2^24,
 * from an absurd --rofs-cache, chains just grow). */
static int alloc_buckets(struct rofs_mount *rm)
{
	unsigned bits = 1;

	while (bits < 24 && (1u << bits) < rm->max_cached)
		bits++;
	rm->buckets = kmalloc(sizeof(struct list) << bits);
	if (!rm->buckets)
		return -ENOMEM;
	for (unsigned i = 0; i < 1u << bits; i++)
		list_init(&rm->buckets[i]);
	rm->bucket_shift = 64 - bits;
	return 0;
}

static int rofs_mount_op(struct mount *mp, const char *source, const char *data)
{
	struct blkdev *dev = blk_find_path(source);
	if (!dev) {
		pr_err("rofs: no block device '%s'\n", source ? source : "(none)");
		return -ENODEV;
	}
	struct rofs_mount *rm = kzalloc(sizeof(*rm));
	if (!rm)
		return -ENOMEM;
	rm->dev = dev;
	mutex_init(&rm->lock);
	list_init(&rm->lru);
	int err = rofs_mount(&rm->fs, image_read, image_error, rm);
	/* Contiguous, so compressed clusters are read into it directly. */
	if (!err && !(rm->scratch = kmalloc(rm->fs.cluster_size)))
		err = -ENOMEM;
	if (err) {
		pr_err("rofs: %s: not a usable ROFS image (error %d)\n", dev->name, err);
		free_mount(rm);
		return err;
	}
	uint64_t bytes = boot_opts.rofs_cache ? boot_opts.rofs_cache : default_cache_bytes();
	rm->max_cached = bytes / rm->fs.cluster_size;
	if (rm->max_cached < 2)
		rm->max_cached = 2;
	if ((err = alloc_buckets(rm))) {
		pr_err("rofs: %s: no memory for the index of a %u-cluster cache\n", dev->name,
		    rm->max_cached);
		free_mount(rm);
		return err;
	}
	mp->priv = rm;
	mutex_lock(&rm->lock);
	err = get_vnode(mp, rofs_root_ino(&rm->fs), rofs_root_ino(&rm->fs), &mp->root);
	mutex_unlock(&rm->lock);
	if (err) {
		free_mount(rm);
		return err;
	}
	rm->pressure.reclaim = cache_reclaim;
	rm->pressure.arg = rm;
	mm_register_reclaimer(&rm->pressure);
	pr_info("rofs: %s: %lu inodes, %u KiB clusters, cache of %u clusters\n", dev->name,
	    rm->fs.sb.inode_count, rm->fs.cluster_size >> 10, rm->max_cached);
	return 0;
}

/* No vnode op runs after this: the VFS only frees the vnodes left. */
static int rofs_unmount(struct mount *mp, int flags)
{
	free_mount(mp->priv);
	mp->priv = NULL;
	return 0;
}

static int rofs_statfs(struct mount *mp, struct vfs_statfs *st)
{
	struct rofs_mount *rm = mp->priv;

	memset(st, 0, sizeof(*st));
	st->type = ROFS_FS_MAGIC;
	st->bsize = st->frsize = rm->fs.cluster_size;
	st->blocks = (rm->fs.sb.image_size + rm->fs.cluster_size - 1) / rm->fs.cluster_size;
	st->files = rm->fs.sb.inode_count;
	st->namelen = ROFS_NAME_MAX;
	return 0;
}

static const struct fs_type rofs_type = {
	.name = "rofs",
	.mount = rofs_mount_op,
	.unmount = rofs_unmount,
	.statfs = rofs_statfs,
	.keep_idle_pages = true,	/* read-only: a program's pages stay good */
};

int rofs_init(void)
{
	return vfs_register_fs(&rofs_type);
}
