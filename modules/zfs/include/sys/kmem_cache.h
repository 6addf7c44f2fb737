/* kmem caches (our implementation: spl/spl_kmem_cache.c). */
#ifndef OSPREY_SPL_SYS_KMEM_CACHE_H
#define OSPREY_SPL_SYS_KMEM_CACHE_H
#include <sys/types.h>
#include <sys/debug.h>

typedef struct kmem_cache kmem_cache_t;

typedef enum kmem_cbrc {
	KMEM_CBRC_YES, KMEM_CBRC_NO, KMEM_CBRC_LATER, KMEM_CBRC_DONT_NEED, KMEM_CBRC_DONT_KNOW
} kmem_cbrc_t;

#define KMC_NOTOUCH	0x0001
#define KMC_NODEBUG	0x0002
#define KMC_NOMAGAZINE	0x0004
#define KMC_NOHASH	0x0008
#define KMC_QCACHE	0x0010
#define KMC_KVMEM	0x0100
#define KMC_SLAB	0x0200
#define KMC_VMEM	0x0400
#define KMC_RECLAIMABLE	0x0800

kmem_cache_t *kmem_cache_create(const char *name, size_t size, size_t align,
    int (*ctor)(void *, void *, int), void (*dtor)(void *, void *),
    void (*reclaim)(void *), void *priv, void *vmp, int flags);
void kmem_cache_destroy(kmem_cache_t *c);
void *kmem_cache_alloc(kmem_cache_t *c, int flags);
void kmem_cache_free(kmem_cache_t *c, void *obj);
void kmem_cache_reap_now(kmem_cache_t *c);
/* Objects are never moved (no defragmentation). */
#define kmem_cache_set_move(c, move)	((void)(c))
#define kmem_cache_reap_active()	0
#define kmem_cache_reap_soon(c)		kmem_cache_reap_now(c)
#define kmem_reap()			((void)0)
uint64_t spl_kmem_cache_inuse(kmem_cache_t *c);
uint64_t spl_kmem_cache_entry_size(kmem_cache_t *c);
/* Objects never move, so no pointer to one is ever invalidated. */
#define POINTER_IS_VALID(p)	0
#define POINTER_INVALIDATE(pp)	((void)0)
int spl_kmem_cache_kept(kmem_cache_t *c);

/* For --zfs.memstats: what all caches hold, objects in use and kept, and
 * the few that hold most. */
#define SPL_KMEM_CACHE_TOP	6
struct spl_kmem_cache_usage {
	int ncaches;
	uint64_t inuse_bytes, kept_bytes;
	struct {
		char name[32];
		uint64_t bytes;
	} top[SPL_KMEM_CACHE_TOP];
};
void spl_kmem_cache_usage(struct spl_kmem_cache_usage *u);

#endif
