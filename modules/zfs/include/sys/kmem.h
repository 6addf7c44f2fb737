/* kmem: the kernel heap under Solaris names (spl/spl_kmem.c).
 * KM_SLEEP allocations do not fail, as OpenZFS assumes: they wait for
 * memory (the kernel's reclaimers, the ARC among them, give some back)
 * and retry. KM_NOSLEEP ones may return NULL. */
#ifndef OSPREY_SPL_SYS_KMEM_H
#define OSPREY_SPL_SYS_KMEM_H
#include <sys/types.h>
#include <sys/param.h>

#define KM_SLEEP	0x0000
#define KM_NOSLEEP	0x0001
#define KM_PUSHPAGE	0x0004
#define KM_ZERO		0x1000
#define KM_VMEM		0x2000
#define KM_VMFLAGS	0x00ff
#define KM_PUBLIC_MASK	(KM_SLEEP | KM_NOSLEEP | KM_PUSHPAGE)

void *spl_kmem_alloc(size_t size, int flags);
void spl_kmem_free(const void *p, size_t size);
void spl_kmem_wait(size_t size, unsigned attempt);
/* One allocation, no waiting; large sizes are mapped pages (page-aligned). */
void *spl_kmem_raw_alloc(size_t size, bool zero);
bool spl_kmem_is_mapped(size_t size);	/* whether size takes the large path */
void spl_kmem_raw_free(void *p, size_t size);	/* before retry number attempt */
int spl_kmem_init(void);
/* For --zfs.memstats: the bytes kmem_alloc's callers hold now, and what
 * one allocation of size takes (mapped ones round up to pages). */
uint64_t spl_kmem_held(void);
size_t spl_kmem_footprint(size_t size);
#define kmem_alloc(size, flags)		spl_kmem_alloc(size, flags)
#define kmem_zalloc(size, flags)	spl_kmem_alloc(size, (flags) | KM_ZERO)
#define kmem_free(p, size)		spl_kmem_free(p, size)

char *kmem_vasprintf(const char *fmt, va_list ap);
char *kmem_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *kmem_strdup(const char *str);
void kmem_strfree(char *str);
int kmem_scnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define kmem_debugging()	0

/* Marks a section of a thread in which its own allocations must not call
 * back into the filesystem to reclaim memory (the ARC's reclaimer checks
 * spl_fstrans_check()). Marks nest. */
typedef int fstrans_cookie_t;
fstrans_cookie_t spl_fstrans_mark(void);
void spl_fstrans_unmark(fstrans_cookie_t cookie);
int spl_fstrans_check(void);
int __spl_pf_fstrans_check(void);

#include <sys/kmem_cache.h>

#endif
