/* kmem: the kernel heap under Solaris names. KM_SLEEP allocations may
 * still fail when memory is exhausted; callers of OpenZFS check. */
#ifndef OSPREY_SPL_SYS_KMEM_H
#define OSPREY_SPL_SYS_KMEM_H
#include <sys/types.h>

#define KM_SLEEP	0x0000
#define KM_NOSLEEP	0x0001
#define KM_PUSHPAGE	0x0004
#define KM_ZERO		0x1000
#define KM_VMFLAGS	0x00ff
#define KM_PUBLIC_MASK	(KM_SLEEP | KM_NOSLEEP | KM_PUSHPAGE)

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

static inline void *kmem_alloc(size_t size, int flags)
{
	return flags & KM_ZERO ? kzalloc(size) : kmalloc(size);
}

static inline void *kmem_zalloc(size_t size, int flags)
{
	return kzalloc(size);
}

static inline void kmem_free(const void *p, size_t size)
{
	kfree((void *)p);
}

#include <sys/kmem_cache.h>

#endif
