/* Virtual ranges outside the direct map: thread stacks with an unmapped
 * guard page below them (an overflow faults instead of corrupting memory),
 * and uncached MMIO windows. Freed ranges are kept on a first-fit list. */
#include "mm/mm.h"
#include "arch/x86_64/paging.h"
#include "sched/spinlock.h"
#include "dev/console.h"
#include <string.h>

struct vrange {
	struct vrange *next;
	uintptr_t start;
	size_t size;
};

static spinlock_t vmap_lock = SPINLOCK_INIT("vmap");
static uintptr_t vmap_next = VMAP_BASE;
static struct vrange *vmap_free;

static uintptr_t vrange_alloc(size_t size)
{
	uintptr_t va = 0;
	unsigned long flags = spin_lock_irqsave(&vmap_lock);

	for (struct vrange **pp = &vmap_free; *pp; pp = &(*pp)->next) {
		struct vrange *r = *pp;
		if (r->size < size)
			continue;
		va = r->start;
		r->start += size;
		r->size -= size;
		if (!r->size) {
			*pp = r->next;
			spin_unlock_irqrestore(&vmap_lock, flags);
			kfree(r);
			return va;
		}
		break;
	}
	if (!va && vmap_next + size <= VMAP_BASE + VMAP_SIZE) {
		va = vmap_next;
		vmap_next += size;
	}
	spin_unlock_irqrestore(&vmap_lock, flags);
	return va;
}

static void vrange_free(uintptr_t va, size_t size)
{
	struct vrange *r = kmalloc(sizeof(*r));

	if (!r)
		return;		/* the range leaks; address space is plentiful */
	r->start = va;
	r->size = size;
	unsigned long flags = spin_lock_irqsave(&vmap_lock);
	r->next = vmap_free;
	vmap_free = r;
	spin_unlock_irqrestore(&vmap_lock, flags);
}

void *vmap_stack(size_t size)
{
	size = PAGE_ALIGN(size);
	uintptr_t va = vrange_alloc(size + PAGE_SIZE);
	if (!va)
		return NULL;
	va += PAGE_SIZE;		/* the guard page stays unmapped */
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t pa = page_alloc(0);
		if (!pa || paging_map(NULL, va + off, pa, PAGE_SIZE, VM_WRITE) < 0) {
			if (pa)
				page_free(pa, 0);
			vunmap_stack((void *)(va + off), off);
			return NULL;
		}
	}
	/* Zeroed: no stale data, and (measured) under TCG a stack on pages that
	 * held a program's code stays slow unless written through its own
	 * mapping first. */
	memset((void *)va, 0, size);
	return (void *)(va + size);
}

static void free_unmapped(void *arg, uintptr_t va, uint64_t pa, int flags)
{
	page_free(pa, 0);
}

/* Frees a stack given its top and the size mapped below it: each page once
 * no CPU can reach it any more (paging_unmap_range's shootdown). */
void vunmap_stack(void *top, size_t size)
{
	uintptr_t va = (uintptr_t)top - size;

	paging_unmap_range(NULL, va, size, free_unmapped, NULL);
	vrange_free(va - PAGE_SIZE, size + PAGE_SIZE);
}

void *ioremap(uint64_t pa, size_t size)
{
	uint64_t base = pa & ~(PAGE_SIZE - 1);
	size_t len = PAGE_ALIGN(pa + size) - base;
	uintptr_t va = vrange_alloc(len);

	if (!va || paging_map(NULL, va, base, len, VM_WRITE | VM_UNCACHED) < 0) {
		pr_err("ioremap: cannot map %#lx+%#lx\n", pa, size);
		return NULL;
	}
	return (void *)(va + (pa - base));
}

/* Kernel modules live in their own window close to the kernel image, so
 * 32-bit PC-relative references between them and the kernel always fit.
 * Modules are not unloaded (only a failed load gives its region back), so
 * a bump pointer suffices; the lock orders concurrent loads. */
#define MODULE_BASE	0xffffffffa0000000UL
#define MODULE_END	0xffffffffe0000000UL

static uintptr_t module_next = MODULE_BASE;

void *vmap_module(size_t size, size_t align)
{
	unsigned long flags = spin_lock_irqsave(&vmap_lock);
	uintptr_t va = (module_next + align - 1) & ~(align - 1);
	size = PAGE_ALIGN(size);
	if (va + size > MODULE_END || va + size < va) {
		spin_unlock_irqrestore(&vmap_lock, flags);
		return NULL;
	}
	module_next = va + size;
	spin_unlock_irqrestore(&vmap_lock, flags);
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t pa = page_alloc(0);
		if (!pa || paging_map(NULL, va + off, pa, PAGE_SIZE, VM_WRITE) < 0) {
			if (pa)
				page_free(pa, 0);
			vunmap_module((void *)va, off);
			return NULL;
		}
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	}
	return (void *)va;
}

void vunmap_module(void *base, size_t size)
{
	uintptr_t va = (uintptr_t)base;

	paging_unmap_range(NULL, va, size, free_unmapped, NULL);
	unsigned long flags = spin_lock_irqsave(&vmap_lock);
	if (module_next == va + PAGE_ALIGN(size))
		module_next = va;
	spin_unlock_irqrestore(&vmap_lock, flags);
}

void vmap_protect(void *va, size_t size, int vm_flags)
{
	paging_protect(NULL, (uintptr_t)va, size, vm_flags);
}

/* Virtually contiguous memory from single pages, for large buffers (a
 * fragmented buddy may have no big block left). Devices may read them:
 * virtio cuts requests into physically contiguous runs. Zeroed. */
void *vmalloc(size_t size)
{
	void *top = vmap_stack(size);

	return top ? (char *)top - PAGE_ALIGN(size) : NULL;
}

void vfree(void *p, size_t size)
{
	if (p)
		vunmap_stack((char *)p + PAGE_ALIGN(size), PAGE_ALIGN(size));
}
