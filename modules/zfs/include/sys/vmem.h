#ifndef OSPREY_SPL_SYS_VMEM_H
#define OSPREY_SPL_SYS_VMEM_H
#include <sys/kmem.h>

#define vmem_alloc(size, flags)		kmem_alloc(size, flags)
#define vmem_zalloc(size, flags)	kmem_zalloc(size, flags)
#define vmem_free(p, size)		kmem_free(p, size)

#endif
