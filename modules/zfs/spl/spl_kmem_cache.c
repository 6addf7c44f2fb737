/* kmem caches: objects of one size whose constructed state is kept across
 * free and alloc, as Solaris does: the constructor runs when an object is
 * made, the destructor when the cache lets it go (over its keep limit, at
 * reap, at destroy). Reclaim callbacks run at kmem_cache_reap_now, which
 * the kernel calls when memory runs short (each cache is a reclaimer). */
#include <sys/kmem_cache.h>
#include <sys/mutex.h>
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define KEEP_MAX 256	/* constructed objects a cache keeps for reuse */

struct kmem_cache {
	char name[32];
	size_t size, align;
	int (*ctor)(void *obj, void *priv, int flags);
	void (*dtor)(void *obj, void *priv);
	void (*reclaim)(void *priv);
	void *priv;
	kmutex_t lock;
	void **kept;		/* constructed, free objects */
	int nkept;
	uint64_t allocated;	/* objects out */
	struct reclaimer pressure;
};

/* Over-aligned objects remember where their allocation starts. */
static void *raw_alloc(kmem_cache_t *c)
{
	if (c->align <= 16)
		return kmalloc(c->size);
	uint8_t *raw = kmalloc(c->size + c->align + sizeof(void *));
	if (!raw)
		return NULL;
	uintptr_t obj = ((uintptr_t)raw + sizeof(void *) + c->align - 1) & ~(c->align - 1);
	((void **)obj)[-1] = raw;
	return (void *)obj;
}

static void raw_free(kmem_cache_t *c, void *obj)
{
	kfree(c->align <= 16 ? obj : ((void **)obj)[-1]);
}

static size_t reclaim_pages(void *arg, size_t pages)
{
	kmem_cache_t *c = arg;
	size_t kept = (size_t)c->nkept;	/* a hint: reap takes the lock */

	kmem_cache_reap_now(c);
	return (kept * c->size + PAGE_SIZE - 1) / PAGE_SIZE;
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
	c->ctor = ctor;
	c->dtor = dtor;
	c->reclaim = reclaim;
	c->priv = priv;
	mutex_init(&c->lock, NULL, MUTEX_DEFAULT, NULL);
	c->pressure.reclaim = reclaim_pages;
	c->pressure.arg = c;
	mm_register_reclaimer(&c->pressure);
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
	if (obj)
		return obj;
	obj = raw_alloc(c);
	if (!obj)
		return NULL;
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
	if (c->nkept < KEEP_MAX) {
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
		if (c->dtor)
			c->dtor(obj, c->priv);
		raw_free(c, obj);
	}
}

void kmem_cache_destroy(kmem_cache_t *c)
{
	VERIFY3U(c->allocated, ==, 0);	/* objects still out: a leak in the caller */
	mm_unregister_reclaimer(&c->pressure);
	kmem_cache_reap_now(c);
	kfree(c->kept);
	kfree(c);
}

uint64_t spl_kmem_cache_inuse(kmem_cache_t *c)
{
	return c->allocated;
}

int spl_kmem_cache_kept(kmem_cache_t *c)
{
	return c->nkept;
}
