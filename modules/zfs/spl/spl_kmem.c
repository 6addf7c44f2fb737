/* kmem_alloc and friends on the kernel heap. KM_SLEEP may not fail (the
 * OpenZFS code does not check), so a failed KM_SLEEP allocation waits for
 * memory and tries again; the kernel has already asked its reclaimers
 * (the ARC, the kmem caches) before failing it. */
#include <sys/kmem.h>
#include <sys/thread.h>
#include <sys/time.h>
#include <sys/cmn_err.h>
#include "mm/mm.h"

/* One warning per stretch of waiting, so a stuck system says why. */
void spl_kmem_wait(size_t size, unsigned attempt)
{
	if (attempt == 1)
		cmn_err(CE_WARN, "no memory for %zu bytes; waiting for some to be freed", size);
	thread_sleep_ns(attempt < 10 ? 1000000 : 10000000);
}

/* Large buffers (ZFS's 128 KiB and 1 MiB blocks) come from single pages
 * mapped together: the buddy allocator may have no big block left once
 * memory is fragmented. The size decides, so free finds the same path
 * (Solaris callers always pass the size they allocated). */
#define SPL_VMALLOC_MIN	(32 * 1024 + 1)

bool spl_kmem_is_mapped(size_t size)
{
	return size >= SPL_VMALLOC_MIN;
}

void *spl_kmem_raw_alloc(size_t size, bool zero)
{
	if (size >= SPL_VMALLOC_MIN)
		return vmalloc(size);	/* zeroed */
	return zero ? kzalloc(size) : kmalloc(size);
}

void spl_kmem_raw_free(void *p, size_t size)
{
	if (size >= SPL_VMALLOC_MIN)
		vfree(p, size);
	else
		kfree(p);
}

/* What kmem_alloc's callers hold, for --zfs.memstats: the bytes asked
 * for, mapped ones rounded to pages (the heap's own rounding is not seen). */
static uint64_t kmem_held;

size_t spl_kmem_footprint(size_t size)
{
	return size >= SPL_VMALLOC_MIN ? PAGE_ALIGN(size) : size;
}

void *spl_kmem_alloc(size_t size, int flags)
{
	for (unsigned attempt = 1;; attempt++) {
		void *p = spl_kmem_raw_alloc(size, flags & KM_ZERO);
		if (p)
			__atomic_add_fetch(&kmem_held, spl_kmem_footprint(size), __ATOMIC_RELAXED);
		if (p || (flags & KM_NOSLEEP) || size == 0)
			return p;
		spl_kmem_wait(size, attempt);
	}
}

void spl_kmem_free(const void *p, size_t size)
{
	if (p)
		__atomic_sub_fetch(&kmem_held, spl_kmem_footprint(size), __ATOMIC_RELAXED);
	spl_kmem_raw_free((void *)p, size);
}

uint64_t spl_kmem_held(void)
{
	return __atomic_load_n(&kmem_held, __ATOMIC_RELAXED);
}

char *kmem_vasprintf(const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	int len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	char *s = kmem_alloc(len + 1, KM_SLEEP);
	vsnprintf(s, len + 1, fmt, ap);
	return s;
}

char *kmem_asprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *s = kmem_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *kmem_strdup(const char *str)
{
	size_t len = strlen(str) + 1;
	char *s = kmem_alloc(len, KM_SLEEP);

	memcpy(s, str, len);
	return s;
}

void kmem_strfree(char *str)
{
	kmem_free(str, strlen(str) + 1);
}

/* snprintf that returns what it wrote, not what it wanted to. */
int kmem_scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (size == 0)
		return 0;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < (int)size ? n : (int)size - 1;
}

/* The mark is a thread-specific counter: marks nest, and the ARC's
 * reclaimer leaves a marked thread's allocations to fail over rather than
 * evicting from inside ZFS. */
static uint_t fstrans_key;	/* set once at load (spl_kmem_init), read after */

int spl_kmem_init(void)
{
	return tsd_create(&fstrans_key, NULL);
}

fstrans_cookie_t spl_fstrans_mark(void)
{
	uintptr_t depth = (uintptr_t)tsd_get(fstrans_key);

	tsd_set(fstrans_key, (void *)(depth + 1));
	return (fstrans_cookie_t)depth;
}

void spl_fstrans_unmark(fstrans_cookie_t cookie)
{
	tsd_set(fstrans_key, (void *)(uintptr_t)cookie);
}

int spl_fstrans_check(void)
{
	return fstrans_key && tsd_get(fstrans_key) != NULL;
}

int __spl_pf_fstrans_check(void)
{
	return spl_fstrans_check();
}
