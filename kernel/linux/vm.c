/* The program's address space: a sorted list of mappings (VMAs) and pages
 * allocated when first touched. The page-fault handler calls vm_fault()
 * with interrupts off, so vm_lock is a spinlock and nothing under it
 * sleeps. */
#include "linux/linux.h"
#include "arch/x86_64/paging.h"
#include "mm/mm.h"
#include "dev/console.h"
#include "panic.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

/* Pages the kernel keeps for itself: past this the program's faults fail
 * (and the program ends) instead of starving the kernel. */
#define KERNEL_RESERVE_PAGES 64

struct process *proc;

static int vm_flags_of(int prot)
{
	return (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

static struct vma *find(struct process *p, uintptr_t addr)
{
	for (struct vma *v = p->vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

static bool same_kind(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot && a->kind == b->kind &&
	    !a->file && !b->file;
}

/* Inserts n in address order, merging it with neighbours of the same kind
 * and rights (long runs of mmap churn stay a short list). Returns the node
 * to free if n was absorbed, else NULL. */
static struct vma *insert(struct process *p, struct vma *n)
{
	struct vma **pp = &p->vmas, *prev = NULL;

	while (*pp && (*pp)->start < n->start) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	n->next = *pp;
	*pp = n;
	if (n->next && same_kind(n, n->next)) {
		struct vma *next = n->next;
		n->end = next->end;
		n->next = next->next;
		next->next = NULL;
		if (prev && same_kind(prev, n)) {
			prev->end = n->end;
			prev->next = n->next;
			n->next = next;		/* both to be freed */
			return n;
		}
		return next;
	}
	if (prev && same_kind(prev, n)) {
		prev->end = n->end;
		prev->next = n->next;
		n->next = NULL;
		return n;
	}
	return NULL;
}

/* Frees the pages mapped in [start, end). vm_lock held. */
static void unmap_pages(struct process *p, uintptr_t start, uintptr_t end)
{
	for (uintptr_t a = start; a < end; a += PAGE_SIZE) {
		uint64_t pa = paging_translate(a);
		if (pa == (uint64_t)-1)
			continue;
		paging_unmap(a, PAGE_SIZE);
		page_free(pa & ~(PAGE_SIZE - 1), 0);
		p->user_pages--;
	}
}

int vm_add(struct process *p, uintptr_t start, uintptr_t end, int prot, int kind)
{
	struct vma *n = kmalloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	*n = (struct vma){ .start = start, .end = end, .prot = prot, .kind = kind };
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	struct vma *unused = insert(p, n);
	spin_unlock_irqrestore(&p->vm_lock, flags);
	while (unused) {
		struct vma *next = unused->next;
		kfree(unused);
		unused = next;
	}
	return 0;
}

/* A mapping of a program's image whose pages are read from file when
 * first touched: bytes [start, file_end) come from the file at file_off,
 * the rest are zeros. The file must outlive the mapping (the process holds
 * its executable). */
int vm_add_file(struct process *p, uintptr_t start, uintptr_t end, int prot,
    struct file *file, int64_t file_off, uintptr_t file_end)
{
	struct vma *n = kmalloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	*n = (struct vma){ .start = start, .end = end, .prot = prot, .kind = VMA_IMAGE,
	    .file = file, .file_off = file_off, .file_end = file_end };
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	insert(p, n);	/* never merged: same_kind() sees the file */
	spin_unlock_irqrestore(&p->vm_lock, flags);
	return 0;
}

/* Is [start, end) mapped without a gap? The rights of its first VMA go to
 * *prot (if not NULL). */
bool vm_covered(struct process *p, uintptr_t start, uintptr_t end, int *prot)
{
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	uintptr_t a = start;
	struct vma *v = find(p, a);

	if (v && prot)
		*prot = v->prot;
	while (v && a < end) {
		a = v->end;
		v = a < end ? find(p, a) : v;
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	return a >= end;
}

/* Cuts v in two at addr; the upper part, in a node allocated beforehand
 * (outside the lock), follows it in the list. */
static void split(struct vma *v, uintptr_t addr, struct vma *spare)
{
	*spare = *v;
	spare->start = addr;
	spare->file_off = v->file_off + (int64_t)(addr - v->start);
	v->end = addr;
	v->next = spare;
}

/* Makes [start, end) a boundary of VMAs, then applies fn to each VMA
 * inside. Returns -ENOMEM if a split needed memory it could not get. */
static int carve(struct process *p, uintptr_t start, uintptr_t end,
    void (*fn)(struct process *, struct vma **, void *), void *arg)
{
	struct vma *spare[2] = { kmalloc(sizeof(struct vma)), kmalloc(sizeof(struct vma)) };
	if (!spare[0] || !spare[1]) {
		kfree(spare[0]);
		kfree(spare[1]);
		return -ENOMEM;
	}
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	int used = 0;
	for (struct vma *v = p->vmas; v; v = v->next) {
		if (v->start < start && v->end > start)
			split(v, start, spare[used++]);
		else if (v->start < end && v->end > end)
			split(v, end, spare[used++]);
	}
	for (struct vma **pp = &p->vmas; *pp;) {
		struct vma *v = *pp;
		if (v->start >= start && v->end <= end)
			fn(p, pp, arg);
		if (*pp == v)
			pp = &v->next;
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	for (int i = used; i < 2; i++)
		kfree(spare[i]);
	return 0;
}

static void remove_one(struct process *p, struct vma **pp, void *arg)
{
	struct vma *v = *pp;

	unmap_pages(p, v->start, v->end);
	*pp = v->next;
	kfree(v);	/* heap spinlock nests inside vm_lock */
}

int vm_remove(struct process *p, uintptr_t start, uintptr_t end)
{
	return carve(p, start, end, remove_one, NULL);
}

static void protect_one(struct process *p, struct vma **pp, void *arg)
{
	struct vma *v = *pp;

	v->prot = *(int *)arg;
	paging_protect(v->start, v->end - v->start, vm_flags_of(v->prot));
}

int vm_protect(struct process *p, uintptr_t start, uintptr_t end, int prot)
{
	if (!vm_covered(p, start, end, NULL))
		return -ENOMEM;		/* as Linux: part of the range is unmapped */
	return carve(p, start, end, protect_one, &prot);
}

/* A zeroed page for the program, unless the kernel's reserve would go. */
static uint64_t user_page_alloc(void)
{
	struct mem_stats st;

	mem_stats(&st);
	uint64_t pa = st.free_pages > KERNEL_RESERVE_PAGES ? page_alloc(0) : 0;
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Maps pa at page unless someone mapped it meanwhile. vm_lock held. */
static int install(struct process *p, uintptr_t page, uint64_t pa, int prot)
{
	if (paging_translate(page) != (uint64_t)-1) {
		page_free(pa, 0);
		return 0;
	}
	int err = paging_map(page, pa, PAGE_SIZE, vm_flags_of(prot));
	if (err)
		page_free(pa, 0);
	else
		p->user_pages++;
	return err;
}

/* The VMA at addr, checked for the access; its copy in *out. */
static int fault_target(struct process *p, uintptr_t page, bool write, struct vma *out)
{
	struct vma *v = find(p, page);

	if (!v || !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EFAULT;
	if (write && !(v->prot & PROT_WRITE))
		return -EACCES;
	if (paging_translate(page) != (uint64_t)-1)
		return -EACCES;		/* present: a protection fault */
	*out = *v;
	return 0;
}

/* A page of the program's image, read from its file: may sleep, so it is
 * read with no lock held and installed after a second look. */
static int fault_from_file(struct process *p, uintptr_t page, const struct vma *v)
{
	uint64_t pa = user_page_alloc();

	if (!pa)
		return -ENOMEM;
	if (page < v->file_end) {
		size_t n = v->file_end - page < PAGE_SIZE ? v->file_end - page : PAGE_SIZE;
		long got = vfs_pread(v->file, phys_to_virt(pa), n, v->file_off + (page - v->start));
		if (got != (long)n) {
			page_free(pa, 0);
			return got < 0 ? (int)got : -EIO;
		}
	}
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	struct vma *now = find(p, page);
	int err = now && now->file == v->file ? install(p, page, pa, now->prot) : -EFAULT;
	if (err == -EFAULT)
		page_free(pa, 0);	/* unmapped while we read */
	spin_unlock_irqrestore(&p->vm_lock, flags);
	return err;
}

/* Image pages around a fault come in with it, as Linux's fault-around
 * does: their cluster is decoded anyway, and each fault costs far more
 * than a page copy. A VM short of memory maps only what is touched. */
#define FAULT_AROUND_PAGES 16

#define FAULT_AROUND_MIN_FREE 2048	/* pages: below 8 MiB free, only what is touched */

static void fault_around(struct process *p, uintptr_t page, const struct vma *v)
{
	uintptr_t size = FAULT_AROUND_PAGES * PAGE_SIZE;
	struct mem_stats st;

	mem_stats(&st);
	if (st.free_pages < FAULT_AROUND_MIN_FREE)
		return;
	uintptr_t lo = page & ~(size - 1), hi = lo + size;

	if (lo < v->start)
		lo = v->start;
	if (hi > v->end)
		hi = v->end;
	if (hi > PAGE_ALIGN(v->file_end))
		hi = PAGE_ALIGN(v->file_end);
	for (uintptr_t a = lo; a < hi; a += PAGE_SIZE)
		if (a != page && paging_translate(a) == (uint64_t)-1 &&
		    fault_from_file(p, a, v) < 0)
			break;
}

int vm_fault(uintptr_t addr, bool write)
{
	struct process *p = proc;
	uintptr_t page = addr & ~(PAGE_SIZE - 1);
	struct vma v;

	if (!p)
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	int err = fault_target(p, page, write, &v);
	if (!err && !v.file) {
		uint64_t pa = user_page_alloc();
		err = pa ? install(p, page, pa, v.prot) : -ENOMEM;
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	if (!err && v.file) {
		err = fault_from_file(p, page, &v);
		if (!err)
			fault_around(p, page, &v);
	}
	return err;
}

/* Checks a program buffer. Pages of the program's image in it are brought
 * in now: reading them needs I/O, which must not happen in a fault while
 * the kernel holds a lock (e.g. the filesystem's own, when a read() lands
 * in the image). Anonymous pages fault in as the kernel touches them. */
#define MAX_FILE_RANGES 4

bool user_ok(const void *addr, size_t len, bool write)
{
	uintptr_t a = (uintptr_t)addr, end = a + len;
	uintptr_t lo[MAX_FILE_RANGES], hi[MAX_FILE_RANGES];
	int nfile = 0;
	bool ok = true;

	if (!proc || end < a || end > USER_TOP)
		return false;
	unsigned long flags = spin_lock_irqsave(&proc->vm_lock);
	while (ok && a < end) {
		struct vma *v = find(proc, a);
		ok = v && (v->prot & (write ? PROT_WRITE : PROT_READ));
		if (ok && v->file && nfile < MAX_FILE_RANGES) {
			lo[nfile] = a;
			hi[nfile++] = v->end < end ? v->end : end;
		}
		if (ok)
			a = v->end;
	}
	spin_unlock_irqrestore(&proc->vm_lock, flags);
	for (int i = 0; ok && i < nfile; i++)
		for (uintptr_t pg = lo[i] & ~(PAGE_SIZE - 1); ok && pg < hi[i]; pg += PAGE_SIZE)
			if (paging_translate(pg) == (uint64_t)-1)
				ok = vm_fault(pg, write) == 0;
	return ok;
}

bool user_str_ok(const char *s, size_t max)
{
	/* Check page by page: the string may end before an unmapped page. */
	uintptr_t a = (uintptr_t)s;

	for (size_t n = 0; n < max;) {
		size_t chunk = PAGE_SIZE - ((a + n) & (PAGE_SIZE - 1));
		if (!user_ok(s + n, chunk, false))
			return false;
		if (memchr(s + n, 0, chunk))
			return true;
		n += chunk;
	}
	return false;
}

/* A free range of len bytes below the mmap hint, searching downwards.
 * vm_lock held by the caller. */
uintptr_t vm_find_free(struct process *p, size_t len)
{
	uintptr_t top = p->mmap_hint;

	for (int tries = 0; tries < 1024; tries++) {
		if (top < len + (1UL << 30))
			return 0;
		uintptr_t start = top - len;
		struct vma *clash = NULL;
		for (struct vma *v = p->vmas; v; v = v->next)
			if (v->start < top && v->end > start && (!clash || v->start < clash->start))
				clash = v;
		if (!clash)
			return start;
		top = clash->start;
	}
	return 0;
}

/* Faults of the program, or of the kernel on the program's addresses:
 * a page to map on demand, or a signal (signal_fault: the program's
 * handler, or its end with the status a Linux shell would show). */
/* A thread of a program that has ended (a program may leave threads
 * behind when it exits) must not touch the address space, which may hold
 * the next program by now: it just ends. */
static void stop_if_orphan(void)
{
	struct linux_thread *lt = thread_current()->os_priv;

	if (lt && (lt->proc != proc || proc->exiting)) {
		irq_enable();
		thread_exit(0);
	}
}

static void program_fault(struct trapframe *tf, uint64_t cr2)
{
	int err = -EFAULT;

	stop_if_orphan();

	if (tf->vector == 14 && cr2 < USER_TOP)
		err = vm_fault(cr2, tf->error & 2);
	if (!err)
		return;
	if (err == -ENOMEM) {
		printk("osprey: %s: out of memory (fault at %#lx)\n", proc->name, cr2);
		linux_exit_group(128 + 9);
	}
	if (tf->rip >= USER_TOP && err != -EIO)
		panic_trap(tf, "kernel fault on the program's address %#lx", cr2);
	signal_fault(tf, cr2, err);	/* the program's handler, or its end */
}

void vm_init_faults(void)
{
	user_fault_hook = program_fault;
	user_return_hook = signal_user_return;
}

/* Writes the present pages of MAP_SHARED file mappings in [start, end)
 * back to their files; with drop, forgets the mappings fully inside. */
void shared_sync(struct process *p, uintptr_t start, uintptr_t end, bool drop)
{
	mutex_lock(&p->shared_lock);
	for (struct shared_map **pp = &p->shared; *pp;) {
		struct shared_map *m = *pp;
		uintptr_t s = m->start > start ? m->start : start;
		uintptr_t e = m->end < end ? m->end : end;
		for (uintptr_t a = s; a < e; a += PAGE_SIZE)
			if (paging_translate(a) != (uint64_t)-1)
				vfs_pwrite(m->file, (void *)a, PAGE_SIZE, m->off + (a - m->start));
		if (drop && m->start >= start && m->end <= end) {
			*pp = m->next;
			file_rele(m->file);
			kfree(m);
		} else {
			pp = &m->next;
		}
	}
	mutex_unlock(&p->shared_lock);
}
