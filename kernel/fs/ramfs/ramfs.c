/* ramfs: a read-write filesystem in memory. Each vnode carries its node
 * (vnode_new's private area) and lives while it has a name or a user:
 * inactive keeps it while nlink > 0. File data sits in whole pages under a
 * radix tree that grows in height on demand, so holes cost nothing and
 * read as zeros. Directories index names in a hash table and keep entries
 * in creation order for readdir, whose cookies are per-directory sequence
 * numbers. The VFS serializes access through the vnode locks (README.md);
 * the per-filesystem counters are atomics. */
#include "arch.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define RAMFS_MAGIC	0x858458f6	/* Linux's, for statfs f_type */
#define FANOUT_SHIFT	9
#define FANOUT		(1u << FANOUT_SHIFT)	/* pointers in one table page */
#define MAX_HEIGHT	5
#define RAMFS_MAX_SIZE	((int64_t)PAGE_SIZE << (FANOUT_SHIFT * MAX_HEIGHT))

struct ramfs_sb {
	uint64_t next_ino;		/* atomic */
	long pages;			/* atomic: data and table pages */
	long nodes;			/* atomic */
};

struct rdirent {
	struct rdirent *hnext;		/* hash chain */
	struct list order;		/* by cookie */
	uint64_t cookie;
	struct vnode *vn;		/* not held: the name is what keeps it */
	uint32_t hash;
	uint16_t len;
	char name[];
};

struct ramfs_node {
	uint32_t mode, nlink, uid, gid;
	uint64_t rdev;
	int64_t size;
	int64_t atime, mtime, ctime;
	/* VREG: a radix tree of height h covers FANOUT^h pages. */
	void *data;
	unsigned height;
	uint64_t npages;
	/* VDIR */
	struct rdirent **buckets;
	uint32_t nbuckets, count;
	struct list entries;
	uint64_t next_cookie;
	struct vnode *parent;		/* not held; NULL once removed */
	/* VLNK */
	char *target;
};

static const struct vnode_ops ramfs_ops;

static struct ramfs_node *node_of(struct vnode *vn) { return vn->priv; }
static struct ramfs_sb *sb_of(struct vnode *vn) { return vn->mount->priv; }
static int64_t now(void) { return (int64_t)clock_realtime_ns(); }

static void count(long *counter, long delta)
{
	__atomic_add_fetch(counter, delta, __ATOMIC_RELAXED);
}

/* ---- pages of regular files ---- */

static uint64_t capacity(unsigned height)
{
	return 1ULL << (FANOUT_SHIFT * height);
}

static void *zeroed_page(struct ramfs_sb *sb)
{
	void *p = pages_alloc(1);
	if (p) {
		memset(p, 0, PAGE_SIZE);
		count(&sb->pages, 1);
	}
	return p;
}

static void free_page(struct ramfs_sb *sb, void *p)
{
	pages_free(p, 1);
	count(&sb->pages, -1);
}

/* Adds levels on top until the tree covers page idx. */
static int grow_tree(struct ramfs_sb *sb, struct ramfs_node *n, uint64_t idx)
{
	while (idx >= capacity(n->height)) {
		if (n->data) {
			void **table = zeroed_page(sb);
			if (!table)
				return -ENOMEM;
			table[0] = n->data;
			n->data = table;
		}
		n->height++;
	}
	return 0;
}

/* The slot holding page idx; with create, missing tables are added.
 * NULL: absent (or -ENOMEM when creating). */
static void **page_slot(struct ramfs_sb *sb, struct ramfs_node *n, uint64_t idx, bool create)
{
	if (idx >= capacity(n->height) && (!create || grow_tree(sb, n, idx)))
		return NULL;
	void **slot = &n->data;
	for (unsigned h = n->height; h > 0; h--) {
		if (!*slot && (!create || !(*slot = zeroed_page(sb))))
			return NULL;
		void **table = *slot;
		slot = &table[(idx >> (FANOUT_SHIFT * (h - 1))) & (FANOUT - 1)];
	}
	return slot;
}

static void *page_get(struct vnode *vn, uint64_t idx)
{
	void **slot = page_slot(sb_of(vn), node_of(vn), idx, false);
	return slot ? *slot : NULL;
}

static void *page_get_or_add(struct vnode *vn, uint64_t idx)
{
	struct ramfs_node *n = node_of(vn);
	void **slot = page_slot(sb_of(vn), n, idx, true);
	if (slot && !*slot && (*slot = zeroed_page(sb_of(vn))))
		n->npages++;
	return slot ? *slot : NULL;
}

/* Frees pages >= from in the subtree *slot of height h starting at page
 * base; true if the subtree is empty afterwards. */
static bool free_from(struct ramfs_sb *sb, struct ramfs_node *n, void **slot,
		      unsigned h, uint64_t base, uint64_t from)
{
	if (!*slot)
		return true;
	if (base + capacity(h) <= from)
		return false;
	if (h == 0) {
		free_page(sb, *slot);
		n->npages--;
		*slot = NULL;
		return true;
	}
	void **table = *slot;
	bool empty = true;
	for (unsigned i = 0; i < FANOUT; i++)
		if (!free_from(sb, n, &table[i], h - 1, base + i * capacity(h - 1), from))
			empty = false;
	if (empty) {
		free_page(sb, table);
		*slot = NULL;
	}
	return empty;
}

static void truncate_pages(struct ramfs_sb *sb, struct ramfs_node *n, uint64_t from)
{
	free_from(sb, n, &n->data, n->height, 0, from);
	if (!n->data)
		n->height = 0;
}

/* Shrinking keeps bytes past the end of the last page zero, so growing
 * later reads zeros there. */
static void set_size(struct vnode *vn, int64_t size)
{
	struct ramfs_node *n = node_of(vn);
	if (size < n->size) {
		truncate_pages(sb_of(vn), n, (uint64_t)(size + PAGE_SIZE - 1) / PAGE_SIZE);
		size_t in_page = (size_t)(size % PAGE_SIZE);
		char *last = in_page ? page_get(vn, (uint64_t)size / PAGE_SIZE) : NULL;
		if (last)
			memset(last + in_page, 0, PAGE_SIZE - in_page);
	}
	n->size = size;
}

/* The part of [pos, pos + left) inside pos's page: its offset there and
 * length. Returns pos, for the caller's page index. */
static uint64_t page_span(uint64_t pos, size_t left, size_t *in_page, size_t *chunk)
{
	*in_page = pos % PAGE_SIZE;
	*chunk = PAGE_SIZE - *in_page < left ? PAGE_SIZE - *in_page : left;
	return pos;
}

static long ramfs_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	struct ramfs_node *n = node_of(vn);
	if (off < 0)
		return -EINVAL;
	if (off >= n->size)
		return 0;
	if ((uint64_t)len > (uint64_t)(n->size - off))
		len = (size_t)(n->size - off);
	size_t done = 0, in_page, chunk;
	for (; done < len; done += chunk) {
		uint64_t pos = page_span((uint64_t)off + done, len - done, &in_page, &chunk);
		const char *page = page_get(vn, pos / PAGE_SIZE);
		/* buf may be a program's, and go away meanwhile */
		long err = page ? uaccess_copy((char *)buf + done, page + in_page, chunk) :
		    uaccess_clear((char *)buf + done, chunk);
		if (err)
			return done ? (long)done : -EFAULT;
	}
	return (long)done;
}

static long ramfs_write(struct vnode *vn, const void *buf, size_t len, int64_t off)
{
	struct ramfs_node *n = node_of(vn);
	if (off < 0)
		return -EINVAL;
	if (off >= RAMFS_MAX_SIZE)
		return len ? -EFBIG : 0;
	if ((uint64_t)len > (uint64_t)(RAMFS_MAX_SIZE - off))
		len = (size_t)(RAMFS_MAX_SIZE - off);
	size_t done = 0, in_page, chunk;
	bool fault = false;
	for (; done < len; done += chunk) {
		uint64_t pos = page_span((uint64_t)off + done, len - done, &in_page, &chunk);
		char *page = page_get_or_add(vn, pos / PAGE_SIZE);
		if (!page)
			break;
		if (uaccess_copy(page + in_page, (const char *)buf + done, chunk)) {
			fault = true;
			break;
		}
	}
	if (done == 0 && len)
		return fault ? -EFAULT : -ENOMEM;
	if (off + (int64_t)done > n->size)
		n->size = off + (int64_t)done;
	n->mtime = n->ctime = now();
	return (long)done;
}

/* Pages for the whole range now, so writes there cannot run out; what
 * was added past the old end goes again if memory runs out first. */
static int ramfs_allocate(struct vnode *vn, int64_t off, int64_t len)
{
	struct ramfs_node *n = node_of(vn);
	struct mem_stats ms;
	if (off > RAMFS_MAX_SIZE - len)
		return -EFBIG;
	uint64_t first = (uint64_t)off / PAGE_SIZE;
	uint64_t end = ((uint64_t)off + (uint64_t)len + PAGE_SIZE - 1) / PAGE_SIZE;
	mem_stats(&ms);
	if (end - first > ms.free_pages + n->npages)
		return -ENOSPC;		/* cannot fit: do not drain memory trying */
	for (uint64_t idx = first; idx < end; idx++)
		if (!page_get_or_add(vn, idx)) {
			truncate_pages(sb_of(vn), n, (uint64_t)(n->size + PAGE_SIZE - 1) / PAGE_SIZE);
			return -ENOSPC;
		}
	if (off + len > n->size) {
		n->size = off + len;
		n->mtime = n->ctime = now();
	}
	return 0;
}

static int64_t ramfs_seek_hole(struct vnode *vn, int64_t off, int whence)
{
	struct ramfs_node *n = node_of(vn);
	uint64_t last = (uint64_t)(n->size + PAGE_SIZE - 1) / PAGE_SIZE;
	for (uint64_t idx = (uint64_t)off / PAGE_SIZE; idx < last; idx++) {
		bool data = page_get(vn, idx) != NULL;
		if (data == (whence == SEEK_DATA)) {
			int64_t at = (int64_t)(idx * PAGE_SIZE);
			return at > off ? at : off;
		}
	}
	return whence == SEEK_DATA ? -ENXIO : n->size;
}

/* ---- directory entries ---- */

static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

static struct rdirent *dir_find(struct ramfs_node *d, const char *name)
{
	size_t len = strlen(name);
	uint32_t h = name_hash(name, len);
	if (!d->nbuckets)
		return NULL;
	for (struct rdirent *e = d->buckets[h & (d->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->len == len && !memcmp(e->name, name, len))
			return e;
	return NULL;
}

/* Doubles the bucket array; on no memory the chains just get longer. */
static void dir_rehash(struct ramfs_node *d)
{
	uint32_t nb = d->nbuckets ? d->nbuckets * 2 : 8;
	struct rdirent **b = kzalloc(nb * sizeof(*b));
	if (!b)
		return;
	struct list *pos;
	list_for_each(pos, &d->entries) {
		struct rdirent *e = list_entry(pos, struct rdirent, order);
		e->hnext = b[e->hash & (nb - 1)];
		b[e->hash & (nb - 1)] = e;
	}
	kfree(d->buckets);
	d->buckets = b;
	d->nbuckets = nb;
}

static struct rdirent *dirent_new(const char *name, struct vnode *vn)
{
	size_t len = strlen(name);
	struct rdirent *e = kmalloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memcpy(e->name, name, len + 1);
	e->len = (uint16_t)len;
	e->hash = name_hash(name, len);
	e->vn = vn;
	return e;
}

/* Adds e (from dirent_new) to directory dir. */
static int dir_insert(struct vnode *dir, struct rdirent *e)
{
	struct ramfs_node *d = node_of(dir);
	if (d->nlink == 0)
		return -ENOENT;	/* removed while someone stood in it */
	if (d->count >= 2 * d->nbuckets)
		dir_rehash(d);
	if (!d->nbuckets)
		return -ENOMEM;
	e->cookie = d->next_cookie++;
	list_add_tail(&d->entries, &e->order);
	e->hnext = d->buckets[e->hash & (d->nbuckets - 1)];
	d->buckets[e->hash & (d->nbuckets - 1)] = e;
	d->count++;
	d->mtime = d->ctime = now();
	return 0;
}

static void dir_remove(struct vnode *dir, struct rdirent *e)
{
	struct ramfs_node *d = node_of(dir);
	struct rdirent **pp = &d->buckets[e->hash & (d->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	list_del(&e->order);
	d->count--;
	d->mtime = d->ctime = now();
	kfree(e);
}

/* ---- nodes ---- */

static struct vnode *node_new(struct mount *mp, const struct vattr *va)
{
	struct ramfs_sb *sb = mp->priv;
	enum vtype type = mode_to_vtype(va->mode);
	struct vnode *vn = vnode_new(mp, type, &ramfs_ops, sizeof(struct ramfs_node));
	if (!vn)
		return NULL;
	struct ramfs_node *n = node_of(vn);
	vn->ino = __atomic_add_fetch(&sb->next_ino, 1, __ATOMIC_RELAXED);
	vn->rdev = va->rdev;
	n->mode = va->mode;
	n->uid = va->uid;
	n->gid = va->gid;
	n->rdev = va->rdev;
	n->nlink = type == VDIR ? 2 : 1;
	n->atime = n->mtime = n->ctime = now();
	list_init(&n->entries);
	n->next_cookie = 2;
	count(&sb->nodes, 1);
	return vn;
}

/* Creates a node and links it into dir under name. */
static int add_node(struct vnode *dir, const char *name, const struct vattr *va,
		    struct vnode **out)
{
	if (node_of(dir)->nlink == 0)
		return -ENOENT;
	struct vnode *vn = node_new(dir->mount, va);
	struct rdirent *e = vn ? dirent_new(name, vn) : NULL;
	int err = e ? dir_insert(dir, e) : -ENOMEM;
	if (err) {
		kfree(e);
		if (vn) {
			node_of(vn)->nlink = 0;
			vn_rele(vn);
		}
		return err;
	}
	*out = vn;
	return 0;
}

static int ramfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct ramfs_node *d = node_of(dir);
	struct vnode *vn;
	if (!strcmp(name, "..")) {
		vn = d->parent;
	} else {
		struct rdirent *e = dir_find(d, name);
		vn = e ? e->vn : NULL;
	}
	if (!vn)
		return -ENOENT;
	vn_hold(vn);
	*out = vn;
	return 0;
}

static int ramfs_create(struct vnode *dir, const char *name, const struct vattr *va,
			struct vnode **out)
{
	return add_node(dir, name, va, out);
}

static int ramfs_mkdir(struct vnode *dir, const char *name, const struct vattr *va,
		       struct vnode **out)
{
	int err = add_node(dir, name, va, out);
	if (!err) {
		node_of(*out)->parent = dir;
		node_of(dir)->nlink++;
	}
	return err;
}

static int ramfs_symlink(struct vnode *dir, const char *name, const char *target,
			 const struct vattr *va, struct vnode **out)
{
	size_t len = strlen(target);
	char *copy = kmalloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, target, len + 1);
	int err = add_node(dir, name, va, out);
	if (err) {
		kfree(copy);
		return err;
	}
	node_of(*out)->target = copy;
	node_of(*out)->size = (int64_t)len;
	return 0;
}

static int ramfs_link(struct vnode *dir, const char *name, struct vnode *vn)
{
	struct ramfs_node *n = node_of(vn);
	if (n->nlink == 0)
		return -ENOENT;
	if (n->nlink == UINT32_MAX)
		return -EMLINK;
	struct rdirent *e = dirent_new(name, vn);
	int err = e ? dir_insert(dir, e) : -ENOMEM;
	if (err) {
		kfree(e);
		return err;
	}
	n->nlink++;
	n->ctime = now();
	return 0;
}

/* Drops the name's link; the node goes when its last user does. */
static void drop_link(struct vnode *dir, struct vnode *vn)
{
	struct ramfs_node *n = node_of(vn);
	if (vn->type == VDIR) {
		n->nlink = 0;
		n->parent = NULL;
		node_of(dir)->nlink--;
	} else {
		n->nlink--;
	}
	n->ctime = now();
}

static int ramfs_unlink(struct vnode *dir, const char *name, struct vnode *vn)
{
	struct rdirent *e = dir_find(node_of(dir), name);
	if (!e || e->vn != vn)
		return -ENOENT;
	dir_remove(dir, e);
	drop_link(dir, vn);
	return 0;
}

static int ramfs_rmdir(struct vnode *dir, const char *name, struct vnode *vn)
{
	if (node_of(vn)->count)
		return -ENOTEMPTY;
	return ramfs_unlink(dir, name, vn);
}

static int ramfs_rename(struct vnode *sdir, const char *sname, struct vnode *vn,
			struct vnode *tdir, const char *tname, struct vnode *tvn)
{
	struct rdirent *old = dir_find(node_of(sdir), sname);
	if (!old || old->vn != vn)
		return -ENOENT;
	if (tvn && tvn->type == VDIR && node_of(tvn)->count)
		return -ENOTEMPTY;
	struct ramfs_node *td = node_of(tdir);
	if (td->nlink == 0)
		return -ENOENT;
	if (!td->nbuckets)
		dir_rehash(td);
	struct rdirent *e = td->nbuckets ? dirent_new(tname, vn) : NULL;
	if (!e)
		return -ENOMEM;
	if (tvn)
		ramfs_unlink(tdir, tname, tvn);
	dir_remove(sdir, old);
	dir_insert(tdir, e);	/* cannot fail: tdir has buckets */
	if (vn->type == VDIR && sdir != tdir) {
		node_of(sdir)->nlink--;
		node_of(tdir)->nlink++;
		node_of(vn)->parent = tdir;
	}
	node_of(vn)->ctime = now();
	return 0;
}

static int ramfs_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	struct ramfs_node *d = node_of(dir);
	struct list *pos;
	list_for_each(pos, &d->entries) {
		struct rdirent *e = list_entry(pos, struct rdirent, order);
		if ((int64_t)e->cookie < ctx->pos)
			continue;
		if (ctx->emit(ctx, e->name, e->len, e->vn->ino, vtype_to_dt(e->vn->type)))
			return 0;
		ctx->pos = (int64_t)e->cookie + 1;
	}
	return 0;
}

static int ramfs_readlink(struct vnode *vn, char *buf, size_t len)
{
	struct ramfs_node *n = node_of(vn);
	size_t size = (size_t)n->size;
	if (len > size)
		len = size;
	memcpy(buf, n->target, len);
	return (int)len;
}

static int ramfs_getattr(struct vnode *vn, struct vattr *va)
{
	struct ramfs_node *n = node_of(vn);
	va->ino = vn->ino;
	va->mode = n->mode;
	va->nlink = n->nlink;
	va->uid = n->uid;
	va->gid = n->gid;
	va->rdev = n->rdev;
	/* A directory's size as tmpfs reports it: 20 per entry, "." and ".."
	 * included, so even an empty one is not empty to `test -s`. */
	va->size = vn->type == VDIR ? ((int64_t)n->count + 2) * 20 : n->size;
	va->blksize = PAGE_SIZE;
	va->blocks = n->npages * (PAGE_SIZE / 512);
	va->atime = n->atime;
	va->mtime = n->mtime;
	va->ctime = n->ctime;
	return 0;
}

static int ramfs_setattr(struct vnode *vn, const struct vattr_set *vs)
{
	struct ramfs_node *n = node_of(vn);
	if ((vs->mask & VA_SIZE) && vs->size > RAMFS_MAX_SIZE)
		return -EFBIG;
	if (vs->mask & VA_SIZE)
		set_size(vn, vs->size);
	if (vs->mask & VA_MODE)
		n->mode = (n->mode & S_IFMT) | (vs->mode & S_IALLUGO);
	if (vs->mask & VA_UID)
		n->uid = vs->uid;
	if (vs->mask & VA_GID)
		n->gid = vs->gid;
	if (vs->mask & VA_ATIME)
		n->atime = vs->atime;
	if (vs->mask & VA_MTIME)
		n->mtime = vs->mtime;
	if (vs->mask & VA_CTIME)
		n->ctime = vs->ctime;
	return 0;
}

static bool ramfs_inactive(struct vnode *vn)
{
	return node_of(vn)->nlink > 0;
}

static void ramfs_reclaim(struct vnode *vn)
{
	struct ramfs_node *n = node_of(vn);
	struct ramfs_sb *sb = sb_of(vn);
	truncate_pages(sb, n, 0);
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &n->entries)
		kfree(list_entry(pos, struct rdirent, order));
	kfree(n->buckets);
	kfree(n->target);
	count(&sb->nodes, -1);
}

static const struct vnode_ops ramfs_ops = {
	.lookup = ramfs_lookup,
	.create = ramfs_create,
	.mkdir = ramfs_mkdir,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
	.readdir = ramfs_readdir,
	.readlink = ramfs_readlink,
	.read = ramfs_read,
	.write = ramfs_write,
	.seek_hole = ramfs_seek_hole,
	.allocate = ramfs_allocate,
	.getattr = ramfs_getattr,
	.setattr = ramfs_setattr,
	.inactive = ramfs_inactive,
	.reclaim = ramfs_reclaim,
};

/* ---- the filesystem ---- */

static int ramfs_mount(struct mount *mp, const char *source, const char *data)
{
	struct ramfs_sb *sb = kzalloc(sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	mp->priv = sb;
	struct vattr va = { .mode = S_IFDIR | 0755 };
	struct vnode *root = node_new(mp, &va);
	if (!root)
		return -ENOMEM;
	node_of(root)->parent = root;
	mp->root = root;
	return 0;
}

static void ramfs_release(struct mount *mp)
{
	kfree(mp->priv);
	mp->priv = NULL;
}

static int ramfs_statfs(struct mount *mp, struct vfs_statfs *st)
{
	struct ramfs_sb *sb = mp->priv;
	struct mem_stats ms;
	mem_stats(&ms);
	st->type = RAMFS_MAGIC;
	st->bsize = st->frsize = PAGE_SIZE;
	long used = __atomic_load_n(&sb->pages, __ATOMIC_RELAXED);
	st->blocks = (uint64_t)used + ms.free_pages;
	st->bfree = st->bavail = ms.free_pages;
	st->files = (uint64_t)__atomic_load_n(&sb->nodes, __ATOMIC_RELAXED) + ms.free_pages;
	st->ffree = ms.free_pages;
	return 0;
}

static const struct fs_type ramfs_type = {
	.name = "ramfs",
	.mount = ramfs_mount,
	.release = ramfs_release,
	.statfs = ramfs_statfs,
};

int ramfs_init(void)
{
	return vfs_register_fs(&ramfs_type);
}
