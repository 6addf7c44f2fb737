/* x86-64 4-level page tables: the kernel image mapped with per-section
 * rights, RAM in the direct map with 2 MiB pages where alignment allows,
 * and 4 KiB mappings on demand (stacks, MMIO).
 *
 * Each process has its own tables (a pagemap): its own lower half, and
 * the kernel's upper half, whose top-level entries are copied into every
 * pagemap (an upper-half entry made later is copied into each then), so
 * the kernel looks the same from every process. Kernel threads run on
 * whatever tables are loaded (their memory is all in the upper half).
 *
 * The lower half belongs to the program and the kernel maps nothing of
 * its own there, so the address decides the user bit: every entry of the
 * lower half has PTE_U (the tables on the way too, since the CPU wants it
 * at every level), no entry of the upper half ever has it, and a program
 * in ring 3 can touch no kernel page. */
#include "arch/x86_64/paging.h"
#include "arch/x86_64/cpu.h"
#include "mm/mm.h"
#include "arch/x86_64/smp.h"
#include "sched/spinlock.h"
#include <errno.h>
#include <string.h>

#define PTE_P	(1UL << 0)
#define PTE_W	(1UL << 1)
#define PTE_U	(1UL << 2)
#define PTE_PWT	(1UL << 3)
#define PTE_PCD	(1UL << 4)
#define PTE_A	(1UL << 5)
#define PTE_D	(1UL << 6)
#define PTE_PS	(1UL << 7)
#define PTE_NX	(1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL
#define HUGE	(2UL << 20)
#define LOWER_HALF 0x0000800000000000UL

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_end[];

struct pagemap {
	uint64_t *pml4;
	struct pagemap *next;		/* every pagemap, for new kernel entries */
};

static uint64_t *pml4;			/* the kernel's */
/* Guards every page table, the list of pagemaps and each CPU's `loaded`
 * (percpu.h: the tables in its CR3, NULL for the kernel's). An entry that
 * loses rights or goes is shot down on the other CPUs that have its tables
 * loaded (smp_tlb_shootdown) before the lock is let go, and before the
 * page it mapped is handed back (range_op's batch). */
static spinlock_t paging_lock = SPINLOCK_INIT("paging");
static struct pagemap *pagemaps;

/* The tables an address is found in: the program's lower half, else the
 * kernel's (shared by all). */
static uint64_t *root_of(struct pagemap *pm, uintptr_t va)
{
	return pm && va < LOWER_HALF ? pm->pml4 : pml4;
}

static uint64_t *table_at(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static uint64_t user_bit(uintptr_t va)
{
	return va < LOWER_HALF ? PTE_U : 0;
}

/* Returns the entry for va at `level` (4: PML4 ... 1: PT), creating
 * intermediate tables when `create`; NULL if absent or out of memory. */
static uint64_t *walk(struct pagemap *pm, uintptr_t va, int level, bool create)
{
	uint64_t *t = root_of(pm, va);

	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa = page_alloc(0);
			if (!pa)
				return NULL;
			memset(phys_to_virt(pa), 0, PAGE_SIZE);
			*e = pa | PTE_P | PTE_W | user_bit(va);
			if (l == 4 && va >= LOWER_HALF)
				for (struct pagemap *m = pagemaps; m; m = m->next)
					m->pml4[e - pml4] = *e;
		} else if (*e & PTE_PS) {
			return NULL;	/* inside a large page */
		}
		t = table_at(*e);
	}
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

/* Entries are made accessed: a page is mapped because it is being used,
 * and paging_reclaim_cold must not take it before it has been. */
static uint64_t pte_flags(uintptr_t va, int vm_flags)
{
	uint64_t f = PTE_P | PTE_A | user_bit(va);

	if (vm_flags & VM_WRITE)
		f |= PTE_W;
	if (!(vm_flags & VM_EXEC))
		f |= PTE_NX;
	if (vm_flags & VM_UNCACHED)
		f |= PTE_PCD | PTE_PWT;
	return f;
}

/* The tables other CPUs must forget an address of: the kernel's half is
 * everyone's. */
static struct pagemap *shoot_pm(struct pagemap *pm, uintptr_t va)
{
	return va < LOWER_HALF ? pm : NULL;
}

static int map_locked(struct pagemap *pm, uintptr_t va, uint64_t pa, size_t size, int vm_flags)
{
	uint64_t f = pte_flags(va, vm_flags);

	if (va < LOWER_HALF && (size > LOWER_HALF - va))
		return -EINVAL;		/* one half at a time */
	while (size) {
		bool huge = !(va & (HUGE - 1)) && !(pa & (HUGE - 1)) && size >= HUGE;
		uint64_t *e = walk(pm, va, huge ? 2 : 1, true);
		if (!e)
			return -ENOMEM;
		uint64_t old = *e;
		size_t step = huge ? HUGE : PAGE_SIZE;
		*e = pa | f | (huge ? PTE_PS : 0);
		invlpg(va);
		if (old & PTE_P)
			smp_tlb_shootdown(shoot_pm(pm, va), va, step, false);
		va += step;
		pa += step;
		size = size > step ? size - step : 0;
	}
	return 0;
}

int paging_map(struct pagemap *pm, uintptr_t va, uint64_t pa, size_t size, int vm_flags)
{
	unsigned long flags = spin_lock_irqsave(&paging_lock);
	int err = map_locked(pm, va, pa, size, vm_flags);
	spin_unlock_irqrestore(&paging_lock, flags);
	return err;
}

/* Calls visit on each present 4 KiB entry in [va, end), skipping absent
 * tables whole, so a sparse range of many GiB costs only what is mapped.
 * paging_lock held. */
typedef void (*pte_visit)(uint64_t *e, uintptr_t va, void *ctx);

static void each_pte(struct pagemap *pm, uintptr_t va, uintptr_t end, pte_visit visit, void *ctx)
{
	while (va < end) {
		uint64_t *t = root_of(pm, va);
		int l = 4;
		for (; l > 1; l--) {
			uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			t = table_at(e);
		}
		uintptr_t span = 1UL << (12 + 9 * (l > 1 ? l - 1 : 1));
		uintptr_t next = (va & ~(span - 1)) + span;
		if (next <= va)
			next = end;	/* the last table of the address space */
		if (l == 1)
			for (; va < end && va < next; va += PAGE_SIZE) {
				uint64_t *e = &t[(va >> 12) & 511];
				if (*e & PTE_P)
					visit(e, va, ctx);
			}
		va = next;
	}
}

static int vm_flags_of_pte(uint64_t e)
{
	return (e & PTE_W ? VM_WRITE : 0) | (e & PTE_NX ? 0 : VM_EXEC) |
	    (e & PTE_D ? VM_DIRTY : 0);
}

#define BATCH 16

struct range_op {
	paging_page_fn fn;
	void *arg;
	uint64_t flags;		/* protect: the new entry flags */
	intptr_t delta;		/* move: to - from */
	struct pagemap *pm;	/* move, copy: the tables written */
	struct pagemap *walked;	/* the tables each_pte visits */
	int err;
	/* Entries changed since the last shootdown, and the pages whose fn
	 * waits for it (a page must not be reused while a CPU can reach it). */
	uintptr_t lo, hi;
	int n;
	struct { uintptr_t va; uint64_t pa; int flags; } page[BATCH];
};

static void shoot(struct range_op *op)
{
	if (op->hi > op->lo)
		smp_tlb_shootdown(shoot_pm(op->walked, op->lo), op->lo, op->hi - op->lo, false);
	for (int i = 0; i < op->n; i++)
		op->fn(op->arg, op->page[i].va, op->page[i].pa, op->page[i].flags);
	op->lo = op->hi = 0;
	op->n = 0;
}

/* va's entry changed (each_pte visits in increasing order). */
static void changed(struct range_op *op, uintptr_t va)
{
	invlpg(va);
	if (op->hi == op->lo)
		op->lo = va;
	op->hi = va + PAGE_SIZE;
}

/* fn(va's page) once no CPU can reach it by the old entry. */
static void after_shootdown(struct range_op *op, uintptr_t va, uint64_t pte)
{
	op->page[op->n].va = va;
	op->page[op->n].pa = pte & PTE_ADDR;
	op->page[op->n].flags = vm_flags_of_pte(pte) | (pte & PTE_D ? VM_DIRTY : 0);
	if (++op->n == BATCH)
		shoot(op);
}

static void range_walk(struct pagemap *pm, uintptr_t va, size_t size, pte_visit visit,
    struct range_op *op)
{
	unsigned long flags = spin_lock_irqsave(&paging_lock);

	op->walked = pm;
	each_pte(pm, va, va + size, visit, op);
	shoot(op);
	spin_unlock_irqrestore(&paging_lock, flags);
}

static void unmap_one(uint64_t *e, uintptr_t va, void *ctx)
{
	struct range_op *op = ctx;
	uint64_t old = *e;

	*e = 0;
	changed(op, va);
	if (op->fn)
		after_shootdown(op, va, old);
}

void paging_unmap_range(struct pagemap *pm, uintptr_t va, size_t size, paging_page_fn fn, void *arg)
{
	struct range_op op = { .fn = fn, .arg = arg };

	range_walk(pm, va, size, unmap_one, &op);
}

void paging_unmap(struct pagemap *pm, uintptr_t va, size_t size)
{
	paging_unmap_range(pm, va, size, NULL, NULL);
}

/* Keeps the dirty bit: it is how shared file pages are known written. */
static void protect_one(uint64_t *e, uintptr_t va, void *ctx)
{
	struct range_op *op = ctx;

	*e = (*e & (PTE_ADDR | PTE_D)) | op->flags;
	changed(op, va);
}

/* Changes the rights of the 4 KiB pages mapped in [va, va+size), a range
 * of one half (the program's, or the kernel's). */
void paging_protect(struct pagemap *pm, uintptr_t va, size_t size, int vm_flags)
{
	struct range_op op = { .flags = pte_flags(va, vm_flags) };

	range_walk(pm, va, size, protect_one, &op);
}

static void harvest_one(uint64_t *e, uintptr_t va, void *ctx)
{
	struct range_op *op = ctx;

	if (!(*e & PTE_D))
		return;
	uint64_t old = *e;
	*e &= ~PTE_D;
	changed(op, va);
	after_shootdown(op, va, old);	/* a write after it marks the page again */
}

void paging_harvest_dirty(struct pagemap *pm, uintptr_t va, size_t size, paging_page_fn fn, void *arg)
{
	struct range_op op = { .fn = fn, .arg = arg };

	range_walk(pm, va, size, harvest_one, &op);
}

struct reclaim_op {
	const struct paging_reclaim *r;
	struct pagemap *pm;
	uintptr_t next;		/* after the last page visited */
};

static void reclaim_one(uint64_t *e, uintptr_t va, void *ctx)
{
	struct reclaim_op *op = ctx;
	const struct paging_reclaim *r = op->r;

	if (*r->stop)
		return;
	op->next = va + PAGE_SIZE;
	if (*e & PTE_A) {
		*e &= ~PTE_A;
		invlpg(va);	/* the CPU sets it again only on a fresh walk */
		return;
	}
	uint64_t old = *e;
	if (!r->pick(r->arg, va, old & PTE_ADDR, vm_flags_of_pte(old)))
		return;
	*e = 0;
	invlpg(va);
	smp_tlb_shootdown(shoot_pm(op->pm, va), va, PAGE_SIZE, false);
	r->gone(r->arg, va, old & PTE_ADDR, vm_flags_of_pte(old));
}

uintptr_t paging_reclaim_cold(struct pagemap *pm, uintptr_t va, size_t size,
    const struct paging_reclaim *r)
{
	struct reclaim_op op = { .r = r, .pm = pm, .next = va + size };
	unsigned long flags = spin_lock_irqsave(&paging_lock);

	each_pte(pm, va, va + size, reclaim_one, &op);
	spin_unlock_irqrestore(&paging_lock, flags);
	return *r->stop ? op.next : va + size;
}

static void move_one(uint64_t *e, uintptr_t va, void *ctx)
{
	struct range_op *op = ctx;
	uintptr_t to = va + op->delta;
	uint64_t *dst = op->err ? NULL : walk(op->pm, to, 1, true);

	if (!dst) {
		op->err = -ENOMEM;
		return;
	}
	*dst = *e;
	invlpg(to);
	*e = 0;
	changed(op, va);
}

int paging_move(struct pagemap *pm, uintptr_t from, uintptr_t to, size_t size)
{
	struct range_op op = { .delta = (intptr_t)(to - from), .pm = pm };

	range_walk(pm, from, size, move_one, &op);
	return op.err;
}

uint64_t paging_lookup(struct pagemap *pm, uintptr_t va, int *vm_flags)
{
	uint64_t *e = walk(pm, va, 1, false);

	if (!e || !(*e & PTE_P))
		return (uint64_t)-1;
	*vm_flags = vm_flags_of_pte(*e);
	return *e & PTE_ADDR;
}

uint64_t paging_translate(struct pagemap *pm, uintptr_t va)
{
	uint64_t *e = walk(pm, va, 2, false);

	if (e && (*e & PTE_P) && (*e & PTE_PS))
		return (*e & PTE_ADDR & ~(HUGE - 1)) + (va & (HUGE - 1));
	e = walk(pm, va, 1, false);
	if (!e || !(*e & PTE_P))
		return (uint64_t)-1;
	return (*e & PTE_ADDR) + (va & (PAGE_SIZE - 1));
}

static int map_kernel_section(char *start, char *end, int vm_flags)
{
	uintptr_t s = (uintptr_t)start & ~(PAGE_SIZE - 1);
	uintptr_t e = PAGE_ALIGN((uintptr_t)end);

	return map_locked(NULL, s, s - KERNEL_VMA, e - s, vm_flags);
}

/* Builds the kernel's tables while the boot tables are live (their direct
 * map of the first 1 GiB reaches every page allocated so far). The caller
 * then maps RAM with paging_map_ram() and switches with paging_activate(). */
int paging_init(void)
{
	uint64_t root = page_alloc(0);
	if (!root)
		return -ENOMEM;
	pml4 = phys_to_virt(root);
	memset(pml4, 0, PAGE_SIZE);
	int err = map_kernel_section(__text_start, __text_end, VM_EXEC);
	if (!err)
		err = map_kernel_section(__rodata_start, __rodata_end, 0);
	if (!err)
		err = map_kernel_section(__data_start, __kernel_end, VM_WRITE);
	return err;
}

int paging_map_ram(uint64_t pa, uint64_t size)
{
	return paging_map(NULL, DIRECT_MAP_BASE + pa, pa, size, VM_WRITE);
}

void paging_activate(void)
{
	write_cr3(virt_to_phys(pml4));
}

void paging_copy_kernel_half(uint64_t *dst)
{
	unsigned long flags = spin_lock_irqsave(&paging_lock);
	memcpy(dst + 256, pml4 + 256, PAGE_SIZE / 2);
	spin_unlock_irqrestore(&paging_lock, flags);
}

/* ---- a process's tables ---- */

/* fork: the child's entry is the parent's; copy-on-write takes the write
 * right from both (the fault that follows decides who copies). */
static void copy_one(uint64_t *e, uintptr_t va, void *ctx)
{
	struct range_op *op = ctx;
	uint64_t *dst = op->err ? NULL : walk(op->pm, va, 1, true);

	if (!dst) {
		op->err = -ENOMEM;
		return;
	}
	if (op->flags) {
		*e &= ~PTE_W;
		changed(op, va);
	}
	*dst = *e & ~PTE_D;
	if (op->fn)
		op->fn(op->arg, va, *e & PTE_ADDR, vm_flags_of_pte(*e));
}

int paging_copy_range(struct pagemap *dst, struct pagemap *src, uintptr_t va, size_t size,
    bool cow, paging_page_fn fn, void *arg)
{
	struct range_op op = { .fn = fn, .arg = arg, .pm = dst, .flags = cow };

	range_walk(src, va, size, copy_one, &op);
	return op.err;
}

struct pagemap *paging_new(void)
{
	struct pagemap *pm = kmalloc(sizeof(*pm));
	uint64_t root = page_alloc(0);

	if (!pm || !root) {
		kfree(pm);
		if (root)
			page_free(root, 0);
		return NULL;
	}
	pm->pml4 = phys_to_virt(root);
	memset(pm->pml4, 0, PAGE_SIZE / 2);
	unsigned long flags = spin_lock_irqsave(&paging_lock);
	memcpy(pm->pml4 + 256, pml4 + 256, PAGE_SIZE / 2);
	pm->next = pagemaps;
	pagemaps = pm;
	spin_unlock_irqrestore(&paging_lock, flags);
	return pm;
}

/* The tables below a lower-half entry of `level` (4: PML4); the pages
 * they mapped were unmapped before. */
static void free_tables(uint64_t *t, int level)
{
	for (int i = 0; i < (level == 4 ? 256 : 512); i++) {
		if (!(t[i] & PTE_P) || (t[i] & PTE_PS))
			continue;
		if (level > 2)
			free_tables(table_at(t[i]), level - 1);
		page_free(t[i] & PTE_ADDR, 0);
	}
}

/* paging_lock held (or its holder waiting for this CPU): stop using pm. */
void paging_forget(struct pagemap *pm)
{
	if (this_cpu()->loaded == pm) {
		write_cr3(virt_to_phys(pml4));
		this_cpu()->loaded = NULL;
	}
}

void paging_destroy(struct pagemap *pm)
{
	unsigned long flags = spin_lock_irqsave(&paging_lock);
	paging_forget(pm);
	smp_tlb_shootdown(pm, 0, 0, true);
	for (struct pagemap **pp = &pagemaps; *pp; pp = &(*pp)->next)
		if (*pp == pm) {
			*pp = pm->next;
			break;
		}
	spin_unlock_irqrestore(&paging_lock, flags);
	free_tables(pm->pml4, 4);
	page_free(virt_to_phys(pm->pml4), 0);
	kfree(pm);
}

void paging_switch(struct pagemap *pm)
{
	unsigned long flags = spin_lock_irqsave(&paging_lock);
	if (pm != this_cpu()->loaded) {
		write_cr3(virt_to_phys(pm ? pm->pml4 : pml4));
		this_cpu()->loaded = pm;
	}
	spin_unlock_irqrestore(&paging_lock, flags);
}
