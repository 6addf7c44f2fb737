/* kmem caches: objects of one size whose constructed state is kept across
 * free and alloc, as Solaris does: the constructor runs when an object is
 * made, the destructor when the cache lets it go (over its keep limit, at
 * reap, at destroy). Reclaim callbacks run at kmem_cache_reap_now, which
 * the kernel calls when memory runs short (each cache is a reclaimer). */
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/vmsystm.h>
#include "mm/mm.h"
#include "lib/list.h"
#include <errno.h>
#include <string.h>

/* Constructed objects a cache keeps for reuse: up to KEEP_BYTES of them
 * (at least KEEP_MIN, at most KEEP_MAX), so caches of large buffers do not
 * sit on megabytes; memory pressure takes the rest back anyway.
 *
 * Objects of mapped pages (spl_kmem_raw_alloc's large path: ZFS's 128 KiB
 * I/O and compression buffers) are dear to make and to give back: pages,
 * a mapping, zeroing, and a TLB shootdown per page when freed. Their
 * caches may keep up to KEEP_BIG_BYTES each, within one budget for all of
 * them of 1/KEEP_BIG_SHARE of RAM (kept_big, atomic), so a pool's steady
 * stream of such buffers reuses the same few. */
#define KEEP_MAX	256
#define KEEP_MIN	2
#define KEEP_BYTES	(128 * 1024)
#define KEEP_BIG_BYTES	(2 * 1024 * 1024)
#define KEEP_BIG_SHARE	64

static uint64_t kept_big;	/* bytes kept by caches of mapped objects */

struct kmem_cache {
	char name[32];
	size_t size, align;
	int (*ctor)(void *obj, void *priv, int flags);
	void (*dtor)(void *obj, void *priv);
	void (*reclaim)(void *priv);
	void *priv;
	kmutex_t lock;
	void **kept;		/* constructed, free objects */
	int nkept, keep_max;
	bool big;		/* mapped objects: kept within kept_big */
	uint64_t allocated;	/* objects out */
	struct reclaimer pressure;
	struct list all;	/* on all_caches */
};

/* Every cache, for --zfs.memstats. */
static struct list all_caches = LIST_INIT(all_caches);
static kmutex_t all_caches_lock = { MUTEX_INIT(all_caches_lock.m) };

/* Objects of a page or more are page-aligned as allocated (the heap's
 * page allocations and mapped pages both are); smaller over-aligned ones
 * remember where their allocation starts. */
static bool needs_padding(kmem_cache_t *c)
{
	return c->align > 16 && !(c->size >= PAGE_SIZE && c->align <= PAGE_SIZE);
}

static size_t raw_size(kmem_cache_t *c)
{
	return needs_padding(c) ? c->size + c->align + sizeof(void *) : c->size;
}

static void *raw_alloc(kmem_cache_t *c)
{
	uint8_t *raw = spl_kmem_raw_alloc(raw_size(c), false);

	if (!raw || !needs_padding(c))
		return raw;
	uintptr_t obj = ((uintptr_t)raw + sizeof(void *) + c->align - 1) & ~(c->align - 1);
	((void **)obj)[-1] = raw;
	return (void *)obj;
}

static void raw_free(kmem_cache_t *c, void *obj)
{
	spl_kmem_raw_free(needs_padding(c) ? ((void **)obj)[-1] : obj, raw_size(c));
}

/* Room in the shared budget for one more kept object of c: taken here,
 * given back by unkeep. */
static bool keep_big(kmem_cache_t *c)
{
	uint64_t each = spl_kmem_footprint(raw_size(c));
	uint64_t cap = spl_physmem_pages() * PAGE_SIZE / KEEP_BIG_SHARE;

	if (__atomic_add_fetch(&kept_big, each, __ATOMIC_RELAXED) <= cap)
		return true;
	__atomic_sub_fetch(&kept_big, each, __ATOMIC_RELAXED);
	return false;
}

static void unkeep(kmem_cache_t *c)
{
	if (c->big)
		__atomic_sub_fetch(&kept_big, spl_kmem_footprint(raw_size(c)), __ATOMIC_RELAXED);
}

static size_t reclaim_pages(void *arg, size_t pages)
{
	kmem_cache_t *c = arg;
	size_t kept = (size_t)c->nkept;	/* a hint: reap takes the lock */

	kmem_cache_reap_now(c);
	/* Objects under a page come from the heap's slabs, which keep their
	 * pages: claim only what surely went back, so the kernel goes on to
	 * ask the other reclaimers. */
	return c->size >= PAGE_SIZE ? kept * (c->size / PAGE_SIZE) : 0;
}

kmem_cache_t *kmem_cache_create(const char *name, size_t size, size_t align,
    int (*ctor)(void *, void *, int), void (*dtor)(void *, void *),
    void (*reclaim)(void *), void *priv, void *vmp, int flags)
{
	kmem_cache_t *c = kzalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->kept = kzalloc(KEEP_MAX * sizeof(void *));
	if (!c->kept) {
		kfree(c);
		return NULL;
	}
	strlcpy(c->name, name, sizeof(c->name));
	c->size = size ? size : 1;
	c->align = align && (align & (align - 1)) == 0 ? align : 8;
	c->big = spl_kmem_is_mapped(raw_size(c));
	c->keep_max = (c->big ? KEEP_BIG_BYTES : KEEP_BYTES) / c->size;
	c->keep_max = c->keep_max < KEEP_MIN ? KEEP_MIN : c->keep_max > KEEP_MAX ? KEEP_MAX : c->keep_max;
	c->ctor = ctor;
	c->dtor = dtor;
	c->reclaim = reclaim;
	c->priv = priv;
	mutex_init(&c->lock, NULL, MUTEX_DEFAULT, NULL);
	c->pressure.reclaim = reclaim_pages;
	c->pressure.arg = c;
	mm_register_reclaimer(&c->pressure);
	mutex_enter(&all_caches_lock);
	list_add_tail(&all_caches, &c->all);
	mutex_exit(&all_caches_lock);
	return c;
}

void *kmem_cache_alloc(kmem_cache_t *c, int flags)
{
	void *obj = NULL;

	mutex_enter(&c->lock);
	if (c->nkept)
		obj = c->kept[--c->nkept];
	if (obj)
		c->allocated++;
	mutex_exit(&c->lock);
	if (obj) {
		unkeep(c);
		return obj;
	}
	for (unsigned attempt = 1; !(obj = raw_alloc(c)); attempt++) {
		if (flags & KM_NOSLEEP)
			return NULL;
		spl_kmem_wait(c->size, attempt);
	}
	if (c->ctor && c->ctor(obj, c->priv, flags) != 0) {
		raw_free(c, obj);
		return NULL;
	}
	mutex_enter(&c->lock);
	c->allocated++;
	mutex_exit(&c->lock);
	return obj;
}

void kmem_cache_free(kmem_cache_t *c, void *obj)
{
	mutex_enter(&c->lock);
	c->allocated--;
	if (c->nkept < c->keep_max && (!c->big || keep_big(c))) {
		c->kept[c->nkept++] = obj;
		obj = NULL;
	}
	mutex_exit(&c->lock);
	if (obj) {
		if (c->dtor)
			c->dtor(obj, c->priv);
		raw_free(c, obj);
	}
}

/* Gives back every kept object (after the owner's reclaim callback, which
 * may free more of them). */
void kmem_cache_reap_now(kmem_cache_t *c)
{
	if (c->reclaim)
		c->reclaim(c->priv);
	for (;;) {
		mutex_enter(&c->lock);
		void *obj = c->nkept ? c->kept[--c->nkept] : NULL;
		mutex_exit(&c->lock);
		if (!obj)
			return;
		unkeep(c);
		if (c->dtor)
			c->dtor(obj, c->priv);
		raw_free(c, obj);
	}
}

void kmem_cache_destroy(kmem_cache_t *c)
{
	VERIFY3U(c->allocated, ==, 0);	/* objects still out: a leak in the caller */
	mutex_enter(&all_caches_lock);
	list_del(&c->all);
	mutex_exit(&all_caches_lock);
	mm_unregister_reclaimer(&c->pressure);
	kmem_cache_reap_now(c);
	kfree(c->kept);
	kfree(c);
}

uint64_t spl_kmem_cache_inuse(kmem_cache_t *c)
{
	return c->allocated;
}

uint64_t spl_kmem_cache_entry_size(kmem_cache_t *c)
{
	return c->size;
}

int spl_kmem_cache_kept(kmem_cache_t *c)
{
	return c->nkept;
}

/* Sizes are those of the allocations, padding included; the heap's own
 * rounding of small ones is not seen. */
void spl_kmem_cache_usage(struct spl_kmem_cache_usage *u)
{
	struct list *pos;

	memset(u, 0, sizeof(*u));
	mutex_enter(&all_caches_lock);
	list_for_each(pos, &all_caches) {
		kmem_cache_t *c = list_entry(pos, kmem_cache_t, all);
		size_t each = spl_kmem_footprint(raw_size(c));
		uint64_t inuse = c->allocated * each, kept = (uint64_t)c->nkept * each;
		u->ncaches++;
		u->inuse_bytes += inuse;
		u->kept_bytes += kept;
		/* Insertion into the few biggest, largest first. */
		int i = SPL_KMEM_CACHE_TOP;
		while (i > 0 && u->top[i - 1].bytes < inuse + kept) {
			if (i < SPL_KMEM_CACHE_TOP)
				u->top[i] = u->top[i - 1];
			i--;
		}
		if (i < SPL_KMEM_CACHE_TOP) {
			strlcpy(u->top[i].name, c->name, sizeof(u->top[i].name));
			u->top[i].bytes = inuse + kept;
		}
	}
	mutex_exit(&all_caches_lock);
}
