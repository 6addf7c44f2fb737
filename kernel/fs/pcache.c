/* The page cache (see pcache.h): per file, an AVL tree of pages by index.
 * Pages nobody maps and nobody dirtied go back under memory pressure. */
#include "arch.h"
#include "fs/pcache.h"
#include "fs/vfs.h"
#include "lib/avl.h"
#include "lib/list.h"
#include "mm/mm.h"
#include "sched/spinlock.h"
#include "dev/console.h"
#include <errno.h>
#include <string.h>

struct cpage {
	struct avl_node node;
	uint64_t index;
	uint64_t pa;
	int maps;		/* page-table entries that map it */
	int pins;		/* writebacks copying from it */
	bool dirty;
};

struct pcache {
	spinlock_t lock;	/* pages, their counts, gen, error */
	struct avl_node *pages;
	uint64_t gen;		/* bumped by each write() and truncate */
	int error;		/* a writeback failed; fsync reports it once */
	struct list node;	/* in all_caches */
};

/* Every cache, for the reclaimer. Lock order: caches_lock, then pc->lock. */
static struct list all_caches = LIST_INIT(all_caches);
static spinlock_t caches_lock = SPINLOCK_INIT("pcache list");

static size_t reclaim(void *arg, size_t want);
static struct reclaimer reclaimer = { .reclaim = reclaim };

static int page_cmp(const struct avl_node *a, const struct avl_node *b)
{
	uint64_t x = ((const struct cpage *)a)->index, y = ((const struct cpage *)b)->index;
	return (x > y) - (x < y);
}

static int page_key(const struct avl_node *n, const void *key)
{
	uint64_t x = ((const struct cpage *)n)->index, y = *(const uint64_t *)key;
	return (x > y) - (x < y);
}

static struct cpage *find(struct pcache *pc, uint64_t index)
{
	struct avl_node *n = avl_floor(pc->pages, &index, page_key);
	struct cpage *p = (struct cpage *)n;

	return p && p->index == index ? p : NULL;
}

/* The first page at or after index. */
static struct cpage *from(struct pcache *pc, uint64_t index)
{
	return (struct cpage *)avl_ceil(pc->pages, &index, page_key);
}

static void drop(struct pcache *pc, struct cpage *p)
{
	avl_remove(&pc->pages, &p->node, page_cmp);
	page_free(p->pa, 0);
	kfree(p);	/* the heap's lock nests inside spinlocks */
}

static struct pcache *cache_of(struct vnode *vn)
{
	struct pcache *pc = __atomic_load_n(&vn->pages, __ATOMIC_ACQUIRE);

	if (pc)
		return pc;
	pc = kzalloc(sizeof(*pc));
	if (!pc)
		return NULL;
	spin_init(&pc->lock, "pcache");
	struct pcache *none = NULL;
	if (!__atomic_compare_exchange_n(&vn->pages, &none, pc, false, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE)) {
		kfree(pc);
		return none;
	}
	unsigned long f = spin_lock_irqsave(&caches_lock);
	static bool registered;	/* under caches_lock */
	list_add_tail(&all_caches, &pc->node);
	bool first = !registered;
	registered = true;
	spin_unlock_irqrestore(&caches_lock, f);
	if (first)
		mm_register_reclaimer(&reclaimer);
	return pc;
}

/* Reads page index into a new page; -ENXIO at or past the end. */
static int fill(struct vnode *vn, uint64_t index, uint64_t *pa)
{
	struct vattr va;
	int64_t off = (int64_t)(index << PAGE_SHIFT);
	uint64_t page = page_alloc(0);

	if (!page && mm_reclaim(64))	/* other caches give way to mapped files */
		page = page_alloc(0);
	if (!page)
		return -ENOMEM;
	char *buf = phys_to_virt(page);
	memset(buf, 0, PAGE_SIZE);
	vn_lock_shared(vn);
	long n = vn->ops->getattr(vn, &va);
	if (!n)
		n = off >= va.size ? -ENXIO : vn->ops->read(vn, buf, PAGE_SIZE, off);
	vn_unlock(vn);
	if (n < 0) {
		page_free(page, 0);
		return (int)n;
	}
	*pa = page;
	return 0;
}

int pcache_get(struct vnode *vn, uint64_t index, uint64_t *pa)
{
	struct pcache *pc = cache_of(vn);

	if (!pc)
		return -ENOMEM;
	for (;;) {
		unsigned long f = spin_lock_irqsave(&pc->lock);
		struct cpage *p = find(pc, index);
		uint64_t gen = pc->gen;
		if (p) {
			p->maps++;
			*pa = p->pa;
		}
		spin_unlock_irqrestore(&pc->lock, f);
		if (p)
			return 0;
		struct cpage *n = kzalloc(sizeof(*n));
		int err = n ? fill(vn, index, &n->pa) : -ENOMEM;
		if (err) {
			kfree(n);
			return err;
		}
		n->index = index;
		n->maps = 1;
		f = spin_lock_irqsave(&pc->lock);
		bool fresh = pc->gen == gen && !find(pc, index);
		if (fresh)
			avl_insert(&pc->pages, &n->node, page_cmp);
		spin_unlock_irqrestore(&pc->lock, f);
		if (fresh) {
			*pa = n->pa;
			return 0;
		}
		page_free(n->pa, 0);	/* a write or another fill came between */
		kfree(n);
	}
}

bool pcache_unmapped(struct vnode *vn, uint64_t index, uint64_t pa, bool dirty)
{
	struct pcache *pc = vn->pages;
	bool ours = false;

	if (!pc)
		return false;
	unsigned long f = spin_lock_irqsave(&pc->lock);
	struct cpage *p = find(pc, index);
	if (p && p->pa == pa) {
		ours = true;
		p->maps--;
		p->dirty |= dirty;
	}
	spin_unlock_irqrestore(&pc->lock, f);
	return ours;
}

bool pcache_release(struct vnode *vn, uint64_t index, uint64_t pa)
{
	struct pcache *pc = vn->pages;
	bool freed = false;

	if (!pc)
		return false;
	unsigned long f = spin_lock_irqsave(&pc->lock);
	struct cpage *p = find(pc, index);
	if (p && p->pa == pa && --p->maps == 0 && !p->pins && !p->dirty) {
		drop(pc, p);
		freed = true;
	}
	spin_unlock_irqrestore(&pc->lock, f);
	return freed;
}

/* Is pa the cache page at index? If so it gains maps more mappings. */
static bool holds_mapping(struct vnode *vn, uint64_t index, uint64_t pa, int maps)
{
	struct pcache *pc = vn->pages;

	if (!pc)
		return false;
	unsigned long f = spin_lock_irqsave(&pc->lock);
	struct cpage *p = find(pc, index);
	bool ours = p && p->pa == pa;
	if (ours)
		p->maps += maps;
	spin_unlock_irqrestore(&pc->lock, f);
	return ours;
}

bool pcache_mapped_again(struct vnode *vn, uint64_t index, uint64_t pa)
{
	return holds_mapping(vn, index, pa, 1);
}

bool pcache_holds(struct vnode *vn, uint64_t index, uint64_t pa)
{
	return holds_mapping(vn, index, pa, 0);
}

void pcache_dirtied(struct vnode *vn, uint64_t index, uint64_t pa)
{
	struct pcache *pc = vn->pages;

	if (!pc)
		return;
	unsigned long f = spin_lock_irqsave(&pc->lock);
	struct cpage *p = find(pc, index);
	if (p && p->pa == pa)
		p->dirty = true;
	spin_unlock_irqrestore(&pc->lock, f);
}

/* The next dirty page at or after *index, pinned and marked clean (a
 * store after this marks it dirty again through its dirty bit). */
static struct cpage *next_dirty(struct pcache *pc, uint64_t *index)
{
	unsigned long f = spin_lock_irqsave(&pc->lock);
	struct cpage *p = from(pc, *index);

	while (p && !p->dirty)
		p = from(pc, p->index + 1);
	if (p) {
		p->dirty = false;
		p->pins++;
		*index = p->index + 1;
	}
	spin_unlock_irqrestore(&pc->lock, f);
	return p;
}

static void unpin(struct pcache *pc, struct cpage *p, int err)
{
	unsigned long f = spin_lock_irqsave(&pc->lock);
	p->pins--;
	if (err && !pc->error)
		pc->error = err;
	spin_unlock_irqrestore(&pc->lock, f);
}

int pcache_writeback(struct vnode *vn)
{
	struct pcache *pc = vn->pages;
	struct vattr va;
	uint64_t index = 0;

	if (!pc)
		return 0;
	vn_lock(vn);
	int err = vn->ops->getattr(vn, &va);
	for (struct cpage *p; !err && (p = next_dirty(pc, &index));) {
		int64_t off = (int64_t)(p->index << PAGE_SHIFT);
		int64_t left = va.size > off ? va.size - off : 0;	/* a page past the end: none */
		size_t n = left < (int64_t)PAGE_SIZE ? (size_t)left : PAGE_SIZE;
		long w = n ? vn->ops->write(vn, phys_to_virt(p->pa), n, off) : 0;
		if (w >= 0 && (size_t)w != n)
			w = -EIO;
		unpin(pc, p, w < 0 ? (int)w : 0);
	}
	vn_unlock(vn);
	unsigned long f = spin_lock_irqsave(&pc->lock);
	if (!err)
		err = pc->error;
	pc->error = 0;
	spin_unlock_irqrestore(&pc->lock, f);
	if (err)
		printk("pcache: writing back mapped pages of inode %lu failed (error %d)\n",
		    (unsigned long)vn->ino, -err);
	return err;
}

/* Copies between buf (which may be a program's) and each cached page
 * meeting [off, off+len): to the pages (a write) or from them (a read).
 * The copy may fault and sleep, so it runs with the page pinned (truncate
 * and the reclaimer leave pinned pages) and the lock dropped. 0, or
 * -EFAULT when a page of buf went away. */
static int each_in_range(struct pcache *pc, int64_t off, size_t len, char *buf,
    bool to_pages)
{
	int64_t end = off + (int64_t)len;
	uint64_t index = (uint64_t)off >> PAGE_SHIFT;
	int err = 0;
	unsigned long f;

	if (to_pages) {		/* a page being filled from the file is stale now */
		f = spin_lock_irqsave(&pc->lock);
		pc->gen++;
		spin_unlock_irqrestore(&pc->lock, f);
	}
	while (!err) {
		f = spin_lock_irqsave(&pc->lock);
		struct cpage *p = from(pc, index);
		int64_t start = p ? (int64_t)(p->index << PAGE_SHIFT) : end;
		if (start >= end) {
			spin_unlock_irqrestore(&pc->lock, f);
			break;
		}
		p->pins++;
		spin_unlock_irqrestore(&pc->lock, f);
		int64_t lo = start > off ? start : off;
		int64_t hi = start + (int64_t)PAGE_SIZE < end ? start + (int64_t)PAGE_SIZE : end;
		char *page = (char *)phys_to_virt(p->pa) + (lo - start);
		char *at = buf + (lo - off);
		size_t n = (size_t)(hi - lo);
		err = (int)(to_pages ? uaccess_copy(page, at, n) : uaccess_copy(at, page, n));
		index = p->index + 1;
		unpin(pc, p, 0);
	}
	return err;
}

void pcache_wrote(struct vnode *vn, const void *buf, size_t len, int64_t off)
{
	if (vn->pages && len)
		each_in_range(vn->pages, off, len, (char *)buf, true);
}

int pcache_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	return vn->pages && len ? each_in_range(vn->pages, off, len, buf, false) : 0;
}

/* Bytes past the new end read as zeros if the file grows again; pages
 * wholly past it go unless mapped (a mapping of them then reads zeros,
 * where Linux would raise SIGBUS). */
void pcache_truncated(struct vnode *vn, int64_t size)
{
	struct pcache *pc = vn->pages;

	if (!pc)
		return;
	uint64_t index = (uint64_t)size >> PAGE_SHIFT;
	unsigned long f = spin_lock_irqsave(&pc->lock);
	for (struct cpage *p = from(pc, index), *next; p; p = next) {
		next = from(pc, p->index + 1);
		int64_t start = (int64_t)(p->index << PAGE_SHIFT);
		size_t keep = size > start ? (size_t)(size - start) : 0;
		if (!keep && !p->maps && !p->pins)
			drop(pc, p);
		else
			memset((char *)phys_to_virt(p->pa) + keep, 0, PAGE_SIZE - keep);
	}
	pc->gen++;
	spin_unlock_irqrestore(&pc->lock, f);
}

void pcache_free(struct vnode *vn)
{
	struct pcache *pc = vn->pages;

	if (!pc)
		return;
	unsigned long f = spin_lock_irqsave(&caches_lock);
	list_del(&pc->node);
	spin_unlock_irqrestore(&caches_lock, f);
	for (struct cpage *p; (p = (struct cpage *)avl_first(pc->pages));) {
		if (p->dirty)
			printk("pcache: inode %lu: a written mapped page is lost at its release\n",
			    (unsigned long)vn->ino);
		drop(pc, p);
	}
	kfree(pc);
	vn->pages = NULL;
}

/* Frees clean pages that nothing maps, up to want. */
static size_t reclaim(void *arg, size_t want)
{
	size_t freed = 0;
	struct list *it;
	unsigned long f = spin_lock_irqsave(&caches_lock);

	list_for_each(it, &all_caches) {
		struct pcache *pc = (struct pcache *)((char *)it - offsetof(struct pcache, node));
		spin_lock_raw(&pc->lock);
		for (struct cpage *p = from(pc, 0), *next; p && freed < want; p = next) {
			next = from(pc, p->index + 1);
			if (!p->maps && !p->pins && !p->dirty) {
				drop(pc, p);
				freed++;
			}
		}
		spin_unlock_raw(&pc->lock);
		if (freed >= want)
			break;
	}
	spin_unlock_irqrestore(&caches_lock, f);
	return freed;
}
