/* The vDSO: a small shared object (arch/x86_64/vdso/) that every program
 * finds through AT_SYSINFO_EHDR, whose clock_gettime, gettimeofday and
 * time read the TSC and the clock page below instead of entering the
 * kernel (Debian's redis calls gettimeofday twice a command: 94% of its
 * system calls were those). The image is copied into pages once; the
 * clock page (vdso_clock.h) is filled from sched/timer.c's parameters and
 * rewritten when the wall clock is set. Each process maps the same pages
 * (VMA_VDSO, vm.c), read-only: one clock for all. */
#include "linux/linux.h"
#include "arch/x86_64/vdso/vdso_clock.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "dev/console.h"
#include <string.h>
#include <errno.h>

#define VDSO_MAX_PAGES 4

/* The image as built (stripped), linked in by objcopy. */
extern const uint8_t _binary_vdso_so_start[], _binary_vdso_so_end[];

/* Set once by vdso_init() before any program runs, then only read. */
static uint64_t clock_pa;
static uint64_t image_pa[VDSO_MAX_PAGES];
static size_t image_pages;
/* Serializes writers of the clock page (readers use its seq). */
static spinlock_t clock_lock = SPINLOCK_INIT("vdso");

static void clock_fill(struct vdso_clock *c)
{
	uint64_t tsc_base, ns_mult, boot_unix_ns;

	clock_params(&tsc_base, &ns_mult, &boot_unix_ns);
	unsigned long flags = spin_lock_irqsave(&clock_lock);
	c->seq++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	c->tsc_base = tsc_base;
	c->ns_mult = ns_mult;
	c->boot_unix_ns = boot_unix_ns;
	c->version = ns_mult ? VDSO_CLOCK_VERSION : 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	c->seq++;
	spin_unlock_irqrestore(&clock_lock, flags);
}

void vdso_init(void)
{
	if (image_pages)
		return;		/* made for an earlier program of the command line */
	size_t size = (size_t)(_binary_vdso_so_end - _binary_vdso_so_start);
	size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (pages > VDSO_MAX_PAGES) {
		pr_warn("vdso: image of %zu bytes is too big; programs use system calls\n", size);
		return;
	}
	uint64_t pa[VDSO_MAX_PAGES + 1] = { 0 };
	for (size_t i = 0; i <= pages; i++) {
		if (!(pa[i] = page_alloc(0))) {
			while (i--)
				page_free(pa[i], 0);
			pr_warn("vdso: no memory; programs use system calls\n");
			return;
		}
		memset(phys_to_virt(pa[i]), 0, PAGE_SIZE);
	}
	for (size_t i = 0; i < pages; i++) {
		size_t n = size - i * PAGE_SIZE < PAGE_SIZE ? size - i * PAGE_SIZE : PAGE_SIZE;
		memcpy(phys_to_virt(pa[i + 1]), _binary_vdso_so_start + i * PAGE_SIZE, n);
		image_pa[i] = pa[i + 1];
	}
	clock_fill(phys_to_virt(pa[0]));
	clock_pa = pa[0];
	image_pages = pages;
}

uintptr_t vdso_base(void)
{
	return image_pages ? VDSO_BASE : 0;
}

int vdso_map(struct mm *p)
{
	if (!image_pages)
		return 0;
	int err = vm_add_vdso(p, VDSO_BASE - PAGE_SIZE, VDSO_BASE, PROT_READ, 0);
	if (!err)
		err = vm_add_vdso(p, VDSO_BASE, VDSO_BASE + image_pages * PAGE_SIZE,
		    PROT_READ | PROT_EXEC, PAGE_SIZE);
	return err;
}

uint64_t vdso_page(int64_t off)
{
	if (off < 0 || (uint64_t)off >= (image_pages + 1) * PAGE_SIZE)
		return (uint64_t)-1;
	size_t i = (size_t)off / PAGE_SIZE;
	return i == 0 ? clock_pa : image_pa[i - 1];
}

void vdso_clock_changed(void)
{
	if (clock_pa)
		clock_fill(phys_to_virt(clock_pa));
}
