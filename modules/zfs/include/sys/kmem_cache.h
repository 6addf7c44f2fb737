/* kmem caches (our implementation: spl/spl_kmem_cache.c). */
#ifndef OSPREY_SPL_SYS_KMEM_CACHE_H
#define OSPREY_SPL_SYS_KMEM_CACHE_H
#include <sys/types.h>
#include <sys/debug.h>

typedef struct kmem_cache kmem_cache_t;

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
#define kmem_cache_set_move(c, move)	((void)(c))
uint64_t spl_kmem_cache_inuse(kmem_cache_t *c);
int spl_kmem_cache_kept(kmem_cache_t *c);

#endif
