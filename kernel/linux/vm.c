/* The program's address space: VMAs in an AVL tree by address (found in
 * O(log n), however many a runtime makes) and pages mapped when first
 * touched. Anonymous pages are zeros; file pages come from the page cache
 * (fs/pcache.h), so a mapping, read() and write() see the same bytes.
 *
 * Locks: p->mm_lock (a mutex) serializes changes to the set of VMAs and
 * is held through write-back; p->vm_lock (a spinlock: the page-fault
 * handler may run with interrupts off) guards the tree and the page
 * tables against faults, which only read the tree. Nothing sleeps under
 * vm_lock: file pages are read without it and installed after a second
 * look. Order: mm_lock, vm_lock, the paging lock, a cache's lock, the
 * page allocator. */
#include "linux/linux.h"
#include "arch/x86_64/paging.h"
#include "fs/pcache.h"
#include "mm/mm.h"
#include "dev/console.h"
#include "panic.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

/* Pages the kernel keeps for itself: past this the program's faults fail
 * (and the program ends) instead of starving the kernel. */
#define KERNEL_RESERVE_PAGES 64


static int vm_flags_of(int prot)
{
	return (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* A file page is mapped read-only until written: the write fault makes
 * the private copy, or lets the shared page's dirty bit record it. */
static int rights_of(const struct vma *v, bool write)
{
	int f = vm_flags_of(v->prot);

	return v->file && !write ? f & ~VM_WRITE : f;
}

static uint64_t file_index(const struct vma *v, uintptr_t va)
{
	return (uint64_t)(v->file_off + (int64_t)(va - v->start)) >> PAGE_SHIFT;
}

static int vma_cmp(const struct avl_node *a, const struct avl_node *b)
{
	uintptr_t x = ((const struct vma *)a)->start, y = ((const struct vma *)b)->start;
	return (x > y) - (x < y);
}

/* VMAs never overlap, so "before, at or after an address" is an order. */
static int vma_key(const struct avl_node *n, const void *key)
{
	const struct vma *v = (const struct vma *)n;
	uintptr_t a = *(const uintptr_t *)key;

	return v->end <= a ? -1 : v->start > a ? 1 : 0;
}

static struct vma *find(struct mm *p, uintptr_t addr)
{
	struct vma *v = (struct vma *)avl_floor(p->vmas, &addr, vma_key);

	return v && v->start <= addr && addr < v->end ? v : NULL;
}

/* The first VMA that ends after addr (holding it, or above it). */
static struct vma *first_from(struct mm *p, uintptr_t addr)
{
	return (struct vma *)avl_ceil(p->vmas, &addr, vma_key);
}

/* The last VMA starting below addr. */
static struct vma *last_below(struct mm *p, uintptr_t addr)
{
	uintptr_t a = addr - 1;

	return addr ? (struct vma *)avl_floor(p->vmas, &a, vma_key) : NULL;
}

static bool same_kind(const struct vma *a, const struct vma *b)
{
	return a && b && a->end == b->start && a->prot == b->prot && a->kind == b->kind &&
	    !a->file && !b->file && a->kind != VMA_VDSO;
}

/* Nodes unlinked under vm_lock, released after it (a file's release may
 * sleep; a shared file's written pages go back to it first). */
static void release(struct vma *dead)
{
	for (struct vma *next; dead; dead = next) {
		next = dead->dead_next;
		if (dead->file) {
			if (dead->shared)
				pcache_writeback(dead->file->vn);
			file_rele(dead->file);
		}
		kfree(dead);
	}
}

static void unlink_vma(struct mm *p, struct vma *v, struct vma **dead)
{
	avl_remove(&p->vmas, &v->node, vma_cmp);
	v->dead_next = *dead;
	*dead = v;
}

/* Inserts n, merging it with anonymous neighbours of the same kind and
 * rights (brk growth and malloc churn stay few nodes). vm_lock held. */
static void insert(struct mm *p, struct vma *n, struct vma **dead)
{
	avl_insert(&p->vmas, &n->node, vma_cmp);
	struct vma *next = find(p, n->end), *prev = n->start ? find(p, n->start - 1) : NULL;
	if (same_kind(n, next)) {
		n->end = next->end;
		unlink_vma(p, next, dead);
	}
	if (same_kind(prev, n)) {
		prev->end = n->end;
		unlink_vma(p, n, dead);
	}
}

bool vm_range_free(struct mm *p, uintptr_t start, uintptr_t end)
{
	struct vma *v = first_from(p, start);

	return !v || v->start >= end;
}

/* -EEXIST if the range is taken (another thread's mmap came first). */
static int add(struct mm *p, struct vma *n)
{
	struct vma *dead = NULL;

	mutex_lock(&p->mm_lock);
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	bool free = vm_range_free(p, n->start, n->end);
	if (free) {
		insert(p, n, &dead);
	} else {
		n->dead_next = NULL;
		dead = n;
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	release(dead);
	mutex_unlock(&p->mm_lock);
	return free ? 0 : -EEXIST;
}

int vm_add(struct mm *p, uintptr_t start, uintptr_t end, int prot, int kind)
{
	struct vma *n = kmalloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	*n = (struct vma){ .start = start, .end = end, .prot = prot, .kind = kind };
	return add(p, n);
}

int vm_add_vdso(struct mm *p, uintptr_t start, uintptr_t end, int prot, int64_t off)
{
	struct vma *n = kmalloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	*n = (struct vma){ .start = start, .end = end, .prot = prot, .kind = VMA_VDSO,
	    .file_off = off };
	return add(p, n);
}

static int add_file(struct mm *p, uintptr_t start, uintptr_t end, int prot,
    struct file *file, int64_t file_off, uintptr_t file_end, bool shared)
{
	struct vma *n = kmalloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	file_hold(file);
	*n = (struct vma){ .start = start, .end = end, .prot = prot, .file = file,
	    .kind = file_end < USER_TOP ? VMA_IMAGE : VMA_FILE, .shared = shared,
	    .file_off = file_off, .file_end = file_end };
	return add(p, n);
}

int vm_add_file(struct mm *p, uintptr_t start, uintptr_t end, int prot,
    struct file *file, int64_t file_off, uintptr_t file_end)
{
	return add_file(p, start, end, prot, file, file_off, file_end, false);
}

int vm_add_shared(struct mm *p, uintptr_t start, uintptr_t end, int prot,
    struct file *file, int64_t file_off)
{
	return add_file(p, start, end, prot, file, file_off, USER_TOP, true);
}

/* Is [start, end) mapped without a gap? The rights of its first VMA go to
 * *prot (if not NULL). */
bool vm_covered(struct mm *p, uintptr_t start, uintptr_t end, int *prot)
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

struct unmap_ctx {
	struct mm *p;
	const struct vma *v;
};

/* A page left the page tables: a cache page loses a mapping (and learns
 * whether it was written), any other is freed. */
static void page_gone(void *arg, uintptr_t va, uint64_t pa, int vm_flags)
{
	struct unmap_ctx *c = arg;
	const struct vma *v = c->v;

	c->p->user_pages--;
	if (v->file && pcache_unmapped(v->file->vn, file_index(v, va), pa, vm_flags & VM_DIRTY))
		return;
	page_free(pa, 0);
}

/* vm_lock held. */
static void unmap_pages(struct mm *p, const struct vma *v, uintptr_t start, uintptr_t end)
{
	struct unmap_ctx c = { p, v };

	paging_unmap_range(p->pm, start, end - start, page_gone, &c);
}

/* Cuts v in two at addr; the upper part goes in spare. vm_lock held. */
static void split(struct mm *p, struct vma *v, uintptr_t addr, struct vma *spare)
{
	*spare = *v;
	spare->start = addr;
	spare->file_off = v->file_off + (int64_t)(addr - v->start);
	if (spare->file)
		file_hold(spare->file);
	v->end = addr;
	avl_insert(&p->vmas, &spare->node, vma_cmp);
}

/* Makes start and end boundaries of VMAs, with nodes allocated before
 * the lock was taken. vm_lock held. */
static void isolate(struct mm *p, uintptr_t start, uintptr_t end, struct vma *spare[2])
{
	int used = 0;
	struct vma *v = find(p, start);

	if (v && v->start < start)
		split(p, v, start, spare[used++]);
	v = find(p, end - 1);
	if (v && v->end > end)
		split(p, v, end, spare[used++]);
	for (int i = 0; i < used; i++)
		spare[i] = NULL;
}

typedef void (*vma_fn)(struct mm *p, struct vma *v, void *arg, struct vma **dead);

/* Applies fn to each VMA inside [start, end) once the range's ends are
 * VMA boundaries; mm_lock held. -ENOMEM if a split needed memory. */
static int carve(struct mm *p, uintptr_t start, uintptr_t end, vma_fn fn, void *arg)
{
	struct vma *spare[2] = { kmalloc(sizeof(struct vma)), kmalloc(sizeof(struct vma)) };
	struct vma *dead = NULL;

	if (!spare[0] || !spare[1]) {
		kfree(spare[0]);
		kfree(spare[1]);
		return -ENOMEM;
	}
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	isolate(p, start, end, spare);
	for (struct vma *v = first_from(p, start), *next; v && v->start < end; v = next) {
		next = first_from(p, v->end);
		fn(p, v, arg, &dead);
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	kfree(spare[0]);
	kfree(spare[1]);
	release(dead);
	return 0;
}

static void remove_one(struct mm *p, struct vma *v, void *arg, struct vma **dead)
{
	unmap_pages(p, v, v->start, v->end);
	unlink_vma(p, v, dead);
	/* Freed space is found again: the top-down search starts above it. */
	if (v->end > p->mmap_hint)
		p->mmap_hint = v->end < MMAP_TOP ? v->end : MMAP_TOP;
}

int vm_remove(struct mm *p, uintptr_t start, uintptr_t end)
{
	mutex_lock(&p->mm_lock);
	int err = carve(p, start, end, remove_one, NULL);
	mutex_unlock(&p->mm_lock);
	return err;
}

static void protect_one(struct mm *p, struct vma *v, void *arg, struct vma **dead)
{
	v->prot = *(int *)arg;
	paging_protect(p->pm, v->start, v->end - v->start, rights_of(v, false));
}

int vm_protect(struct mm *p, uintptr_t start, uintptr_t end, int prot)
{
	if (!vm_covered(p, start, end, NULL))
		return -ENOMEM;		/* as Linux: part of the range is unmapped */
	mutex_lock(&p->mm_lock);
	int err = carve(p, start, end, protect_one, &prot);
	mutex_unlock(&p->mm_lock);
	return err;
}

static void drop_one(struct mm *p, struct vma *v, void *arg, struct vma **dead)
{
	unmap_pages(p, v, v->start, v->end);
}

int vm_drop_pages(struct mm *p, uintptr_t start, uintptr_t end)
{
	mutex_lock(&p->mm_lock);
	int err = carve(p, start, end, drop_one, NULL);
	mutex_unlock(&p->mm_lock);
	return err;
}

int vm_move(struct mm *p, uintptr_t old, size_t old_len, uintptr_t new, size_t new_len)
{
	struct vma *spare[2] = { kmalloc(sizeof(struct vma)), kmalloc(sizeof(struct vma)) };
	int err = spare[0] && spare[1] ? 0 : -ENOMEM;

	mutex_lock(&p->mm_lock);
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	struct vma *v = find(p, old);
	if (!err && (!v || v->end < old + old_len))
		err = -EFAULT;		/* as Linux: the range must be one mapping */
	if (!err) {
		isolate(p, old, old + old_len, spare);
		v = find(p, old);
		err = paging_move(p->pm, old, new, old_len);
	}
	if (!err) {
		avl_remove(&p->vmas, &v->node, vma_cmp);
		v->start = new;
		v->end = new + new_len;
		avl_insert(&p->vmas, &v->node, vma_cmp);
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	mutex_unlock(&p->mm_lock);
	kfree(spare[0]);
	kfree(spare[1]);
	return err;
}

int vm_grow(struct mm *p, uintptr_t end, size_t len)
{
	mutex_lock(&p->mm_lock);
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	struct vma *v = find(p, end - 1), *next = first_from(p, end);
	int err = v && v->end == end && (!next || next->start >= end + len) ? 0 : -ENOMEM;
	if (!err)
		v->end += len;
	spin_unlock_irqrestore(&p->vm_lock, flags);
	mutex_unlock(&p->mm_lock);
	return err;
}

/* The dirty bits of a shared mapping's pages, moved to the cache. */
static void page_written(void *arg, uintptr_t va, uint64_t pa, int vm_flags)
{
	const struct vma *v = arg;

	pcache_dirtied(v->file->vn, file_index(v, va), pa);
}

static void harvest(struct mm *p, const struct vma *v, uintptr_t start, uintptr_t end)
{
	uintptr_t lo = start > v->start ? start : v->start, hi = end < v->end ? end : v->end;

	paging_harvest_dirty(p->pm, lo, hi - lo, page_written, (void *)v);
}

/* mm_lock keeps the tree still: faults only read it. */
int vm_sync(struct mm *p, uintptr_t start, uintptr_t end, bool durable)
{
	int err = 0;

	mutex_lock(&p->mm_lock);
	for (struct vma *v = first_from(p, start); v && v->start < end; v = first_from(p, v->end)) {
		if (!v->shared)
			continue;
		harvest(p, v, start, end);
		int e = durable ? vfs_fsync(v->file, false) : pcache_writeback(v->file->vn);
		err = err ? err : e;
	}
	mutex_unlock(&p->mm_lock);
	return err;
}

void vm_mark_written(struct mm *p, struct vnode *vn)
{
	if (!p || !vn->pages)
		return;
	mutex_lock(&p->mm_lock);
	for (struct vma *v = first_from(p, 0); v; v = first_from(p, v->end))
		if (v->shared && v->file->vn == vn)
			harvest(p, v, v->start, v->end);
	mutex_unlock(&p->mm_lock);
}

/* Pages asked of the caches at a time when the program reaches the
 * kernel's reserve: a batch, so that reclaim is not run per fault. */
#define RECLAIM_BATCH 256
/* Mapped pages taken at a time: they fault back in when used again. */
#define EVICT_BATCH 32

/* ---- taking back mapped file pages ----
 * When the caches have nothing left, the page-cache pages that programs
 * map privately (code, read-only data, file data not yet written to) go,
 * picked by a clock over each address space: a page used since the hand
 * last passed it keeps its place once more. One taken faults back in
 * from its file when touched. Shared mappings keep theirs (their dirty
 * bits are the file's), and private copies are the program's own data.
 * Only the fault path asks for this, where no lock is held: a fault
 * that reads a file in while the kernel holds a filesystem's lock (a
 * copy from a program's buffer) could otherwise wait on itself. */

/* Every address space, for the reclaim. Lock order: all_mms_lock, then
 * an mm's vm_lock. */
static struct list all_mms = LIST_INIT(all_mms);
static spinlock_t all_mms_lock = SPINLOCK_INIT("mms");

struct evict_ctx {
	struct mm *p;
	const struct vma *v;
	size_t want, freed;
	bool stop;
};

static bool evict_pick(void *arg, uintptr_t va, uint64_t pa, int vm_flags)
{
	struct evict_ctx *c = arg;

	return !(vm_flags & VM_DIRTY) && pcache_holds(c->v->file->vn, file_index(c->v, va), pa);
}

static void evict_gone(void *arg, uintptr_t va, uint64_t pa, int vm_flags)
{
	struct evict_ctx *c = arg;

	c->p->user_pages--;
	if (pcache_release(c->v->file->vn, file_index(c->v, va), pa))
		c->freed++;
	c->stop = c->freed >= c->want;
}

/* The hand goes once round p's private file mappings, from where it
 * stopped last. vm_lock held. */
static void evict_sweep(struct mm *p, struct evict_ctx *c)
{
	struct paging_reclaim r = { .pick = evict_pick, .gone = evict_gone, .arg = c, .stop = &c->stop };
	uintptr_t hand = p->evict_hand;

	for (int lap = 0; lap < 2 && !c->stop; lap++) {
		uintptr_t lo = lap ? 0 : hand, hi = lap ? hand : USER_TOP;
		for (struct vma *v = first_from(p, lo); v && v->start < hi && !c->stop;
		    v = first_from(p, v->end)) {
			if (!v->file || v->shared)
				continue;
			uintptr_t a = v->start > lo ? v->start : lo, b = v->end < hi ? v->end : hi;
			c->v = v;
			uintptr_t stopped = paging_reclaim_cold(p->pm, a, b - a, &r);
			if (c->stop)
				p->evict_hand = stopped;
		}
	}
}

/* Frees up to want pages mapped from files; how many it freed. The first
 * round takes pages unused since the last one; the second, if that was
 * not enough, those the first found used (it cleared their bits). */
static size_t evict_mapped(size_t want)
{
	struct evict_ctx c = { .want = want };
	unsigned long flags = spin_lock_irqsave(&all_mms_lock);

	for (int round = 0; round < 2 && !c.stop; round++) {
		struct list *pos;
		list_for_each(pos, &all_mms) {
			struct mm *p = list_entry(pos, struct mm, all);
			spin_lock_raw(&p->vm_lock);
			c.p = p;
			evict_sweep(p, &c);
			spin_unlock_raw(&p->vm_lock);
			if (c.stop)
				break;
		}
	}
	spin_unlock_irqrestore(&all_mms_lock, flags);
	return c.freed;
}

/* A zeroed page for the program, unless the kernel's reserve would go;
 * where sleeping is allowed (no lock held: the caller says, and
 * mm_reclaim checks interrupts are on), the caches (ROFS's, the ARC, the
 * page cache) give memory back first. */
/* Pages given back for the program: the caches' first, then, if free
 * memory is still short, mapped ones. How many. No lock held. */
static size_t reclaim_for_program(void)
{
	struct mem_stats st;
	size_t got = mm_reclaim(RECLAIM_BATCH);

	mem_stats(&st);
	if (st.free_pages <= KERNEL_RESERVE_PAGES + EVICT_BATCH)
		got += evict_mapped(EVICT_BATCH);
	return got;
}

static uint64_t user_page_alloc(bool may_reclaim)
{
	struct mem_stats st;

	for (int tries = 0;; tries++) {
		mem_stats(&st);
		uint64_t pa = st.free_pages > KERNEL_RESERVE_PAGES ? page_alloc(0) : 0;
		if (pa) {
			memset(phys_to_virt(pa), 0, PAGE_SIZE);
			return pa;
		}
		if (!may_reclaim || tries || !reclaim_for_program())
			return 0;
	}
}

/* A file fault reads its page into the page cache, which takes it from
 * free memory and can refill that from unmapped pages only: at the
 * kernel's reserve, room is made first as for any page of the program.
 * No lock held. */
static void make_room_for_file_page(void)
{
	struct mem_stats st;

	mem_stats(&st);
	if (st.free_pages <= KERNEL_RESERVE_PAGES)
		reclaim_for_program();
}

#define NEEDS_FILE 1
#define NEEDS_PAGE 2

/* The page the slow path got, else one had without sleeping. */
static uint64_t take_page(uint64_t *spare)
{
	uint64_t pa = *spare;

	*spare = 0;
	return pa ? pa : user_page_alloc(false);
}

/* Maps a new anonymous page. vm_lock held. */
static int install(struct mm *p, uintptr_t page, uint64_t pa, int vm_flags)
{
	int err = paging_map(p->pm, page, pa, PAGE_SIZE, vm_flags);

	if (err)
		page_free(pa, 0);
	else
		if (++p->user_pages > p->user_pages_max)
			p->user_pages_max = p->user_pages;
	return err;
}

/* A private page another process also has (since a fork): the writer
 * gets its own copy and gives up its share of the old one. vm_lock held. */
static int copy_on_write(struct mm *p, const struct vma *v, uintptr_t page, uint64_t pa,
    uint64_t *spare)
{
	uint64_t copy = take_page(spare);

	if (!copy)
		return NEEDS_PAGE;
	memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
	int err = paging_map(p->pm, page, copy, PAGE_SIZE, vm_flags_of(v->prot));
	page_free(err ? copy : pa, 0);
	return err;
}

/* A write to a present read-only page of a writable mapping: a private
 * mapping's cache page is copied; anything else just becomes writable
 * (a shared page's dirty bit then records the store). vm_lock held. */
static int write_fault(struct mm *p, const struct vma *v, uintptr_t page, uint64_t pa,
    uint64_t *spare)
{
	if (v->file && !v->shared && pcache_holds(v->file->vn, file_index(v, page), pa)) {
		uint64_t copy = take_page(spare);
		if (!copy)
			return NEEDS_PAGE;
		memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
		int err = paging_map(p->pm, page, copy, PAGE_SIZE, vm_flags_of(v->prot));
		if (err) {
			page_free(copy, 0);
			return err;
		}
		pcache_unmapped(v->file->vn, file_index(v, page), pa, false);
		return 0;
	}
	if (!v->shared && page_is_shared(pa))
		return copy_on_write(p, v, page, pa, spare);
	paging_protect(p->pm, page, PAGE_SIZE, vm_flags_of(v->prot));
	return 0;
}

/* A vDSO page: every process maps the one page (a share of it each),
 * read-only whatever mprotect said, since the clock page must stay the
 * kernel's; a write is refused (SIGSEGV, or EFAULT in a system call).
 * vm_lock held. */
static int vdso_fault(struct mm *p, const struct vma *v, uintptr_t page, bool write,
    uint64_t present)
{
	if (write)
		return -EACCES;
	if (present != (uint64_t)-1)
		return -EACCES;		/* present and read: a protection fault */
	uint64_t pa = vdso_page(v->file_off + (int64_t)(page - v->start));
	if (pa == (uint64_t)-1)
		return -EFAULT;		/* grown past the image by mremap */
	page_share(pa);
	return install(p, page, pa, vm_flags_of(v->prot & ~PROT_WRITE));
}

/* The part of a fault that needs no I/O and no sleep; NEEDS_FILE if a
 * file page must be read, NEEDS_PAGE if memory must be reclaimed first
 * (the retry brings it in *spare). vm_lock held. */
static int fault_locked(struct mm *p, struct vma *v, uintptr_t page, bool write,
    uint64_t *spare)
{
	int rights;
	uint64_t pa = paging_lookup(p->pm, page, &rights);

	if (!v || !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EFAULT;
	if (v->kind == VMA_VDSO)
		return vdso_fault(p, v, page, write, pa);
	if (write && !(v->prot & PROT_WRITE))
		return -EACCES;
	if (pa != (uint64_t)-1) {
		if (!write)
			return 0;	/* another thread (CPU) mapped it meanwhile: retry */
		return rights & VM_WRITE ? 0 : write_fault(p, v, page, pa, spare);
	}
	if (v->file)
		return NEEDS_FILE;
	pa = take_page(spare);
	return pa ? install(p, page, pa, vm_flags_of(v->prot)) : NEEDS_PAGE;
}

/* The last page of an image segment (or one past it): a private page,
 * the file's bytes then zeros. */
static int image_tail_page(const struct vma *v, uintptr_t page, uint64_t *pa)
{
	*pa = user_page_alloc(true);
	if (!*pa)
		return -ENOMEM;
	if (page >= v->file_end)
		return 0;
	size_t n = v->file_end - page;
	long got = vfs_pread(v->file, phys_to_virt(*pa), n, v->file_off + (int64_t)(page - v->start));
	if (got == (long)n)
		return 0;
	page_free(*pa, 0);
	return got < 0 ? (int)got : -EIO;
}

/* The file page for a fault; *cached says if it is the cache's own. */
static int file_page(const struct vma *v, uintptr_t page, bool write, uint64_t *pa, bool *cached)
{
	struct vnode *vn = v->file->vn;
	uint64_t index = file_index(v, page);

	*cached = false;
	if (page + PAGE_SIZE > v->file_end)
		return image_tail_page(v, page, pa);
	int err = pcache_get(vn, index, pa);
	if (err || !write || v->shared) {
		*cached = !err;
		return err;
	}
	uint64_t copy = user_page_alloc(true);
	if (copy)
		memcpy(phys_to_virt(copy), phys_to_virt(*pa), PAGE_SIZE);
	pcache_unmapped(vn, index, *pa, false);
	*pa = copy;
	return copy ? 0 : -ENOMEM;
}

/* Reads the page with no lock held, then maps it if the mapping is still
 * there and the page still absent. */
static int fault_from_file(struct mm *p, uintptr_t page, const struct vma *v, bool write)
{
	uint64_t pa;
	bool cached;

	make_room_for_file_page();
	int err = file_page(v, page, write, &pa, &cached);

	if (err)
		return err;
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	struct vma *now = find(p, page);
	bool same = now && now->file == v->file && file_index(now, page) == file_index(v, page) &&
	    paging_translate(p->pm, page) == (uint64_t)-1;
	if (same)
		err = paging_map(p->pm, page, pa, PAGE_SIZE, cached ? rights_of(now, write) : vm_flags_of(now->prot));
	if (same && !err)
		if (++p->user_pages > p->user_pages_max)
			p->user_pages_max = p->user_pages;
	spin_unlock_irqrestore(&p->vm_lock, flags);
	if (!same || err) {
		if (!cached || !pcache_unmapped(v->file->vn, file_index(v, page), pa, false))
			page_free(pa, 0);
	}
	return same ? err : 0;	/* changed meanwhile: the access is retried */
}

/* File pages around a read fault come in with it, as Linux's fault-around
 * does: their cluster is decoded anyway, and each fault costs far more
 * than a page copy. A VM short of memory maps only what is touched. */
#define FAULT_AROUND_PAGES 16

#define FAULT_AROUND_MIN_FREE 2048	/* pages: below 8 MiB free, only what is touched */

static void fault_around(struct mm *p, uintptr_t page, const struct vma *v)
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
		if (a != page && paging_translate(p->pm, a) == (uint64_t)-1 &&
		    fault_from_file(p, a, v, false) < 0)
			break;
}

int vm_fault(uintptr_t addr, bool write)
{
	struct process *proc = this_proc();
	struct mm *p = proc ? proc->mm : NULL;
	uintptr_t page = addr & ~(PAGE_SIZE - 1);
	struct vma v;

	uint64_t spare = 0;
	int err;

	if (!p)
		return -EFAULT;
	for (int tries = 0;; tries++) {
		unsigned long flags = spin_lock_irqsave(&p->vm_lock);
		struct vma *found = find(p, page);
		err = fault_locked(p, found, page, write, &spare);
		if (err == NEEDS_FILE) {
			v = *found;
			file_hold(v.file);	/* the VMA may go while the page is read */
		}
		spin_unlock_irqrestore(&p->vm_lock, flags);
		if (err != NEEDS_PAGE || tries)
			break;
		if (!(spare = user_page_alloc(true)))
			return -ENOMEM;
	}
	if (spare)
		page_free(spare, 0);	/* the fault was resolved meanwhile */
	if (err == NEEDS_PAGE)
		return -ENOMEM;
	if (err != NEEDS_FILE)
		return err;
	err = fault_from_file(p, page, &v, write);
	if (!err && !write)
		fault_around(p, page, &v);
	file_rele(v.file);
	return err;
}

/* Checks a program buffer. Pages of the program's image in it are brought
 * in now: reading them needs I/O, which must not happen in a fault while
 * the kernel holds a lock (e.g. the filesystem's own, when a read() lands
 * in the image). Anonymous pages fault in as the kernel touches them. */
#define MAX_FILE_RANGES 4

static bool page_ready(struct mm *p, uintptr_t page, bool write)
{
	int rights;

	return paging_lookup(p->pm, page, &rights) != (uint64_t)-1 && (!write || (rights & VM_WRITE));
}

bool user_ok(const void *addr, size_t len, bool write)
{
	uintptr_t a = (uintptr_t)addr, end = a + len;
	uintptr_t lo[MAX_FILE_RANGES], hi[MAX_FILE_RANGES];
	int nfile = 0;
	bool ok = true;

	struct process *proc = this_proc();
	struct mm *p = proc ? proc->mm : NULL;

	if (!p || end < a || end > USER_TOP)
		return false;
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	while (ok && a < end) {
		struct vma *v = find(p, a);
		ok = v && (v->prot & (write ? PROT_WRITE : PROT_READ));
		if (ok && v->file && nfile < MAX_FILE_RANGES) {
			lo[nfile] = a;
			hi[nfile++] = v->end < end ? v->end : end;
		}
		if (ok)
			a = v->end;
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	for (int i = 0; ok && i < nfile; i++)
		for (uintptr_t pg = lo[i] & ~(PAGE_SIZE - 1); ok && pg < hi[i]; pg += PAGE_SIZE)
			if (!page_ready(p, pg, write))
				ok = vm_fault(pg, write) == 0;
	return ok;
}

bool user_str_ok(const char *s, size_t max)
{
	/* Page by page: the string may end before an unmapped page. Its
	 * bytes are looked at through a copy (uaccess_strncpy), never in place. */
	uintptr_t a = (uintptr_t)s;
	char seen[128];

	for (size_t n = 0; n < max;) {
		size_t chunk = PAGE_SIZE - ((a + n) & (PAGE_SIZE - 1));
		if (!user_ok(s + n, chunk, false))
			return false;
		for (size_t end = n + chunk; n < end;) {
			size_t part = end - n < sizeof(seen) ? end - n : sizeof(seen);
			long len = uaccess_strncpy(seen, s + n, part);
			if (len < 0)
				return false;
			if ((size_t)len < part)
				return true;
			n += part;
		}
	}
	return false;
}

/* A free range of len bytes below the search start, top-down: each step
 * skips the mapping in the way. vm_lock held by the caller. */
uintptr_t vm_find_free(struct mm *p, size_t len)
{
	uintptr_t top = p->mmap_hint;

	for (;;) {
		if (top < len + (1UL << 30))
			return 0;
		struct vma *v = last_below(p, top);
		if (!v || v->end <= top - len)
			return top - len;
		top = v->start;
	}
}

bool vm_shared_page(struct mm *p, uintptr_t addr, uint64_t *pa)
{
	uint8_t touch;

	if (uaccess_copy(&touch, (const void *)addr, 1))	/* brings the page in */
		return false;	/* not there: the caller's own access fails */
	unsigned long flags = spin_lock_irqsave(&p->vm_lock);
	struct vma *v = find(p, addr);
	bool shared = v && v->shared;
	if (shared)
		*pa = paging_translate(p->pm, addr & ~(PAGE_SIZE - 1));
	spin_unlock_irqrestore(&p->vm_lock, flags);
	return shared && *pa != (uint64_t)-1;
}

/* ---- address spaces ---- */

struct mm *mm_new(void)
{
	struct mm *p = kzalloc(sizeof(*p));

	if (!p || !(p->pm = paging_new())) {
		kfree(p);
		return NULL;
	}
	mutex_init(&p->mm_lock);
	spin_init(&p->vm_lock, "vm");
	p->mmap_hint = MMAP_TOP;
	p->refs = 1;
	unsigned long flags = spin_lock_irqsave(&all_mms_lock);
	list_add_tail(&all_mms, &p->all);
	spin_unlock_irqrestore(&all_mms_lock, flags);
	return p;
}

/* Unlike vm_remove, needs no memory: the whole tree goes. */
void mm_destroy(struct mm *p)
{
	struct vma *dead = NULL;
	unsigned long flags = spin_lock_irqsave(&all_mms_lock);

	list_del(&p->all);
	spin_unlock_irqrestore(&all_mms_lock, flags);
	mutex_lock(&p->mm_lock);
	flags = spin_lock_irqsave(&p->vm_lock);
	for (struct vma *v; (v = first_from(p, 0));) {
		unmap_pages(p, v, v->start, v->end);
		unlink_vma(p, v, &dead);
	}
	spin_unlock_irqrestore(&p->vm_lock, flags);
	release(dead);		/* shared pages written go back to their files */
	mutex_unlock(&p->mm_lock);
	paging_destroy(p->pm);
	kfree(p);
}

struct fork_ctx {
	struct mm *child;
	const struct vma *v;
};

/* The child maps a page the parent maps: a cache page counts one more
 * mapping, any other one more owner (copy-on-write, or a shared page). */
static void page_copied(void *arg, uintptr_t va, uint64_t pa, int vm_flags)
{
	struct fork_ctx *c = arg;
	const struct vma *v = c->v;

	if (++c->child->user_pages > c->child->user_pages_max)
		c->child->user_pages_max = c->child->user_pages;
	if (v->file && pcache_mapped_again(v->file->vn, file_index(v, va), pa))
		return;
	page_share(pa);
}

/* mm_lock of the parent keeps its set of VMAs still; its other threads
 * may fault meanwhile, so each VMA's pages are copied under vm_lock. */
static int fork_vma(struct mm *parent, struct mm *child, const struct vma *v)
{
	struct vma *n = kmalloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	*n = *v;
	if (n->file)
		file_hold(n->file);
	/* The child's lock too: the reclaim's clock may visit it already. */
	unsigned long flags = spin_lock_irqsave(&child->vm_lock);
	avl_insert(&child->vmas, &n->node, vma_cmp);	/* as the parent's, unmerged */
	struct fork_ctx c = { child, n };
	spin_lock_raw(&parent->vm_lock);
	int err = paging_copy_range(child->pm, parent->pm, v->start, v->end - v->start,
	    !v->shared, page_copied, &c);
	spin_unlock_raw(&parent->vm_lock);
	spin_unlock_irqrestore(&child->vm_lock, flags);
	return err;
}

struct mm *mm_fork(struct mm *parent)
{
	struct mm *child = mm_new();
	int err = child ? 0 : -ENOMEM;

	mutex_lock(&parent->mm_lock);
	for (struct vma *v = first_from(parent, 0); v && !err; v = first_from(parent, v->end))
		err = fork_vma(parent, child, v);
	if (child) {
		child->brk_start = parent->brk_start;
		child->brk = parent->brk;
		child->mmap_hint = parent->mmap_hint;
	}
	mutex_unlock(&parent->mm_lock);
	if (err && child) {
		mm_destroy(child);
		child = NULL;
	}
	return child;
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

	if (lt && lt->proc->exiting) {
		irq_enable();
		thread_exit(0);
	}
}

static void program_fault(struct trapframe *tf, uint64_t cr2)
{
	int err = -EFAULT;
	bool program = trap_from_user(tf);

	/* The kernel's own accesses (uaccess.S) fail with -EFAULT instead:
	 * a call in progress returns, and its locks with it. */
	if (program)
		stop_if_orphan();
	else if (this_proc() && this_proc()->exiting &&
	    arch_uaccess_fixup(tf, thread_current()->uaccess_frame))
		return;

	if (tf->vector == 14 && cr2 < USER_TOP)
		err = vm_fault(cr2, tf->error & 2);
	if (!err || (!program && arch_uaccess_fixup(tf, thread_current()->uaccess_frame)))
		return;
	if (err == -ENOMEM) {
		printk("osprey: %s: out of memory (fault at %#lx)\n", this_proc()->name, cr2);
		linux_exit_group(128 + 9);
	}
	if (!program && err != -EIO && err != -ENXIO)
		panic_trap(tf, "kernel fault on the program's address %#lx", cr2);
	signal_fault(tf, cr2, err);	/* the program's handler, or its end */
}

void vm_init_faults(void)
{
	user_fault_hook = program_fault;
	user_return_hook = signal_user_return;
}
