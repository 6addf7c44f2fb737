/* Kernel heap: slabs of fixed size classes for small objects, whole pages
 * for large ones. A pointer's page_info word says which it is, so kfree
 * needs no header in front of the object. With --heap-debug, freed objects
 * are poisoned and checked on reuse, catching use-after-free and double
 * frees. */
#include "mm/mm.h"
#include "mm/page_info.h"
#include "sched/spinlock.h"
#include "dev/console.h"
#include "sched/sched.h"
#include "panic.h"
#include <string.h>

#define POISON 0x6b

struct slab {
	struct slab *next, *prev;	/* in the class's partial list */
	void *freelist;
	uint16_t inuse, total;
	uint8_t cls;
	uint8_t order;			/* its size: 2^order pages */
};

struct size_class {
	uint32_t size;
	uint8_t order;			/* slab size: 2^order pages, if RAM has them */
	struct slab partial;		/* list head: slabs with free objects */
	struct slab *empty;		/* one cached empty slab */
};

static struct size_class classes[] = {
	{ .size = 16, .order = 0 }, { .size = 32, .order = 0 }, { .size = 48, .order = 0 }, { .size = 64, .order = 0 }, { .size = 96, .order = 0 }, { .size = 128, .order = 0 },
	{ .size = 192, .order = 0 }, { .size = 256, .order = 0 }, { .size = 384, .order = 0 }, { .size = 512, .order = 0 }, { .size = 768, .order = 2 },
	{ .size = 1024, .order = 2 }, { .size = 1536, .order = 2 }, { .size = 2048, .order = 2 },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))
_Static_assert(KMALLOC_SLAB_MAX == 2048, "the largest size class is mm.h's KMALLOC_SLAB_MAX");
#define SLAB_HEADER 64
_Static_assert(KMALLOC_SLAB_MAX + SLAB_HEADER <= PAGE_SIZE, "a one-page slab holds an object of each class");

bool heap_debug;		/* set once at boot from the command line */
static spinlock_t heap_lock = SPINLOCK_INIT("heap");
static uint64_t heap_bytes;

void heap_init(void)
{
	for (unsigned i = 0; i < NCLASSES; i++)
		classes[i].partial.next = classes[i].partial.prev = &classes[i].partial;
}

static void slab_link(struct size_class *c, struct slab *s)
{
	s->next = c->partial.next;
	s->prev = &c->partial;
	c->partial.next->prev = s;
	c->partial.next = s;
}

static void slab_unlink(struct slab *s)
{
	s->prev->next = s->next;
	s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

/* A slab of the class's size, or of one page when free memory is in
 * pieces too small for it (every class fits a page). */
static struct slab *slab_new(unsigned cls)
{
	struct size_class *c = &classes[cls];
	unsigned order = c->order;
	uint8_t *mem = pages_alloc(1UL << order);

	if (!mem && order) {
		order = 0;
		mem = pages_alloc(1);
	}
	if (!mem)
		return NULL;
	size_t npages = 1UL << order;
	uint64_t pfn = virt_to_phys(mem) >> PAGE_SHIFT;
	for (size_t i = 0; i < npages; i++)
		page_info[pfn + i] = PI_SLAB | cls | (uint64_t)i << 8;
	struct slab *s = (struct slab *)mem;
	s->cls = cls;
	s->order = order;
	s->inuse = 0;
	s->total = (npages * PAGE_SIZE - SLAB_HEADER) / c->size;
	s->freelist = NULL;
	for (int i = s->total - 1; i >= 0; i--) {
		void **obj = (void **)(mem + SLAB_HEADER + (size_t)i * c->size);
		if (heap_debug)
			memset(obj, POISON, c->size);
		*obj = s->freelist;
		s->freelist = obj;
	}
	return s;
}

static void check_poison(void *obj, size_t size)
{
	uint8_t *p = obj;

	for (size_t i = sizeof(void *); i < size; i++)
		if (p[i] != POISON)
			panic("heap: object %p (size %lu) modified after free at byte %lu",
			    obj, size, i);
}

static void *slab_alloc(unsigned cls)
{
	struct size_class *c = &classes[cls];
	struct slab *s = c->partial.next;

	if (s == &c->partial) {
		s = c->empty;
		c->empty = NULL;
		if (!s)
			s = slab_new(cls);
		if (!s)
			return NULL;
		slab_link(c, s);
	}
	void **obj = s->freelist;
	s->freelist = *obj;
	if (++s->inuse == s->total)
		slab_unlink(s);
	if (heap_debug)
		check_poison(obj, c->size);
	heap_bytes += c->size;
	return obj;
}

static void slab_free(struct slab *s, void *obj)
{
	struct size_class *c = &classes[s->cls];
	uintptr_t off = (uintptr_t)obj - (uintptr_t)s - SLAB_HEADER;

	if (off % c->size || off / c->size >= s->total)
		panic("kfree: %p is not an object of its %u-byte slab", obj, c->size);
	if (heap_debug) {
		uint8_t *p = obj;
		bool poisoned = true;
		for (size_t i = sizeof(void *); i < c->size && poisoned; i++)
			poisoned = p[i] == POISON;
		if (poisoned && c->size > 2 * sizeof(void *))
			panic("kfree: double free of %p (size %u)", obj, c->size);
		memset(obj, POISON, c->size);
	}
	if (s->inuse-- == s->total)
		slab_link(c, s);
	*(void **)obj = s->freelist;
	s->freelist = obj;
	heap_bytes -= c->size;
	if (s->inuse == 0) {
		slab_unlink(s);
		if (!c->empty) {
			c->empty = s;
		} else {
			pages_free(s, 1UL << s->order);
		}
	}
}

static void *slab_alloc_locked(unsigned cls)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	void *p = slab_alloc(cls);

	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

/* One line a second at most: a caller that waits for memory and retries
 * (the ZFS module's KM_SLEEP) would otherwise flood the console, and each
 * byte of it costs a VM exit. */
static void report_failure(size_t size)
{
	static uint64_t last_ns, suppressed;	/* racy by design: it only paces a message */
	uint64_t now = clock_ns();

	if (last_ns && now - last_ns < 1000000000ULL) {
		suppressed++;
		return;
	}
	pr_warn("kmalloc: out of memory allocating %lu bytes (%lu more failures not shown)\n",
	    size, suppressed);
	last_ns = now;
	suppressed = 0;
}

void *kmalloc(size_t size)
{
	void *p = NULL;

	if (size <= classes[NCLASSES - 1].size) {
		unsigned cls = 0;
		while (classes[cls].size < size)
			cls++;
		p = slab_alloc_locked(cls);
		if (!p && mm_reclaim(1))
			p = slab_alloc_locked(cls);
	} else if (size < (1UL << 40)) {
		size_t npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
		p = pages_alloc(npages);
		if (p) {
			unsigned long flags = spin_lock_irqsave(&heap_lock);
			page_info[virt_to_phys(p) >> PAGE_SHIFT] = PI_LARGE | npages;
			heap_bytes += npages * PAGE_SIZE;
			spin_unlock_irqrestore(&heap_lock, flags);
		}
	}
	if (!p)
		report_failure(size);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static uint64_t info_of(const void *p)
{
	uintptr_t a = (uintptr_t)p;

	if (a < DIRECT_MAP_BASE || a >= VMAP_BASE ||
	    ((a - DIRECT_MAP_BASE) >> PAGE_SHIFT) >= max_pfn)
		panic("heap: %p is not a heap pointer", p);
	return page_info[(a - DIRECT_MAP_BASE) >> PAGE_SHIFT];
}

size_t ksize(const void *p)
{
	uint64_t info = info_of(p);

	if ((info & PI_TYPE_MASK) == PI_SLAB)
		return classes[info & 0xff].size;
	return (size_t)(info & ~PI_TYPE_MASK) * PAGE_SIZE;
}

void kfree(void *p)
{
	if (!p)
		return;
	uintptr_t a = (uintptr_t)p;
	uint64_t info = info_of(p);
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	if ((info & PI_TYPE_MASK) == PI_SLAB) {
		uintptr_t page = a & ~(PAGE_SIZE - 1);
		slab_free((struct slab *)(page - ((info >> 8) & 0xff) * PAGE_SIZE), p);
	} else if ((info & PI_TYPE_MASK) == PI_LARGE && !(a & (PAGE_SIZE - 1))) {
		size_t npages = info & ~PI_TYPE_MASK;
		heap_bytes -= npages * PAGE_SIZE;
		spin_unlock_irqrestore(&heap_lock, flags);
		pages_free(p, npages);
		return;
	} else {
		panic("kfree: %p was not allocated by kmalloc (page word %#lx)", p, info);
	}
	spin_unlock_irqrestore(&heap_lock, flags);
}

void *krealloc(void *p, size_t size)
{
	if (!p)
		return kmalloc(size);
	size_t old = ksize(p);
	if (size <= old && size > old / 2)
		return p;
	void *n = kmalloc(size);
	if (!n)
		return NULL;
	memcpy(n, p, old < size ? old : size);
	kfree(p);
	return n;
}

void heap_stats(uint64_t *bytes)
{
	*bytes = heap_bytes;
}
