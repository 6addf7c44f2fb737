/* Memory system calls: brk, mmap and friends over the VMAs of vm.c.
 * Anonymous memory is demand-paged; a file mapping is read in whole at
 * mmap time (private copy; shared writable mappings are refused). */
#include "linux/linux.h"
#include "dev/console.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define MAP_SHARED	0x01
#define MAP_PRIVATE	0x02
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE	1
#define MREMAP_FIXED	2
#define MADV_DONTNEED	4

/* Accessible memory may not exceed what RAM could back: an honest ENOMEM
 * now beats a program killed on a page fault later. */
static bool fits_in_ram(size_t len, int prot)
{
	struct mem_stats st;

	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return true;	/* a reservation costs no RAM */
	mem_stats(&st);
	return len / PAGE_SIZE <= st.free_pages;
}

static long sys_brk(uintptr_t want)
{
	struct process *p = proc;
	uintptr_t old_end = PAGE_ALIGN(p->brk);

	if (want < p->brk_start)
		return p->brk;
	uintptr_t new_end = PAGE_ALIGN(want);
	if (new_end > old_end) {
		if (!fits_in_ram(new_end - old_end, PROT_WRITE) ||
		    vm_add(p, old_end, new_end, PROT_READ | PROT_WRITE, VMA_BRK) < 0)
			return p->brk;
	} else if (new_end < old_end) {
		vm_remove(p, new_end, old_end);
	}
	p->brk = want;
	return want;
}
SYSCALL(12, brk, sys_brk);

static bool range_ok(uintptr_t addr, size_t len)
{
	return !(addr & (PAGE_SIZE - 1)) && len && addr + len > addr && addr + len <= USER_TOP;
}

static bool range_free(struct process *p, uintptr_t start, uintptr_t end)
{
	for (struct vma *v = p->vmas; v; v = v->next)
		if (v->start < end && v->end > start)
			return false;
	return true;
}

static uintptr_t place(struct process *p, uintptr_t hint, size_t len, int flags)
{
	unsigned long f = spin_lock_irqsave(&p->vm_lock);
	uintptr_t at = 0;

	if (hint && range_ok(hint, len) && range_free(p, hint, hint + len))
		at = hint;
	else if (!(flags & MAP_FIXED_NOREPLACE))
		at = vm_find_free(p, len);
	if (at && at < p->mmap_hint)
		p->mmap_hint = at;
	spin_unlock_irqrestore(&p->vm_lock, f);
	return at;
}

static long map_file(uintptr_t at, size_t len, int prot, int flags, int fd, int64_t off)
{
	struct file *f;
	int err = fd_get(&proc->fds, fd, &f);

	if (err)
		return err;
	int acc = f->flags & O_ACCMODE;
	bool shared_write = (flags & MAP_SHARED) && (prot & PROT_WRITE);
	struct shared_map *sm = NULL;
	if (!f->vn || f->vn->type != VREG)
		err = -ENODEV;
	else if (acc == O_WRONLY || (shared_write && acc != O_RDWR))
		err = -EACCES;
	else if (off < 0 || (off & (PAGE_SIZE - 1)))
		err = -EINVAL;
	else if (shared_write && !(sm = kzalloc(sizeof(*sm))))
		err = -ENOMEM;
	if (!err)
		err = vm_add(proc, at, at + len, PROT_READ | PROT_WRITE, VMA_ANON);
	if (!err) {
		long n = vfs_pread(f, (void *)at, len, off);
		err = n < 0 ? (int)n : vm_protect(proc, at, at + len, prot);
		if (err)
			vm_remove(proc, at, at + len);
	}
	if (!err && sm) {
		*sm = (struct shared_map){ .start = at, .end = at + len, .file = f, .off = off };
		file_hold(f);
		mutex_lock(&proc->shared_lock);
		sm->next = proc->shared;
		proc->shared = sm;
		mutex_unlock(&proc->shared_lock);
	} else {
		kfree(sm);
	}
	file_rele(f);
	return err ? err : (long)at;
}

static long sys_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t off)
{
	len = PAGE_ALIGN(len);
	if (!len || len > USER_TOP / 2)
		return -EINVAL;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (!fits_in_ram(len, prot))
		return -ENOMEM;
	uintptr_t at;
	if (flags & MAP_FIXED) {
		if (!range_ok(addr, len))
			return -EINVAL;
		vm_remove(proc, addr, addr + len);
		at = addr;
	} else if (!(at = place(proc, addr, len, flags))) {
		return flags & MAP_FIXED_NOREPLACE ? -EEXIST : -ENOMEM;
	}
	if (!(flags & MAP_ANONYMOUS))
		return map_file(at, len, prot, flags, fd, off);
	int err = vm_add(proc, at, at + len, prot, VMA_ANON);
	return err ? err : (long)at;
}
SYSCALL(9, mmap, sys_mmap);

static long sys_munmap(uintptr_t addr, size_t len)
{
	if (!range_ok(addr, PAGE_ALIGN(len)))
		return -EINVAL;
	shared_sync(proc, addr, addr + PAGE_ALIGN(len), true);
	return vm_remove(proc, addr, addr + PAGE_ALIGN(len));
}
SYSCALL(11, munmap, sys_munmap);

static long sys_mprotect(uintptr_t addr, size_t len, int prot)
{
	if (!range_ok(addr, PAGE_ALIGN(len)))
		return -EINVAL;
	return vm_protect(proc, addr, addr + PAGE_ALIGN(len), prot);
}
SYSCALL(10, mprotect, sys_mprotect);

static bool mapped(uintptr_t addr, size_t len, int *prot)
{
	return vm_covered(proc, addr, addr + len, prot);
}

static long sys_mremap(uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr)
{
	int prot;

	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!range_ok(old, old_len) || !new_len || (flags & MREMAP_FIXED))
		return -EINVAL;
	if (!mapped(old, old_len, &prot))
		return -EFAULT;
	if (new_len <= old_len) {
		if (new_len < old_len)
			vm_remove(proc, old + new_len, old + old_len);
		return old;
	}
	if (!fits_in_ram(new_len - old_len, prot))
		return -ENOMEM;
	/* Grow in place when the space after is free. */
	if (place(proc, old + old_len, new_len - old_len, MAP_FIXED_NOREPLACE) == old + old_len) {
		int err = vm_add(proc, old + old_len, old + new_len, prot, VMA_ANON);
		return err ? err : (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uintptr_t at = place(proc, 0, new_len, 0);
	if (!at || vm_add(proc, at, at + new_len, prot | PROT_WRITE, VMA_ANON))
		return -ENOMEM;
	memcpy((void *)at, (void *)old, old_len);
	vm_remove(proc, old, old + old_len);
	if (!(prot & PROT_WRITE))
		vm_protect(proc, at, at + new_len, prot);
	return at;
}
SYSCALL(25, mremap, sys_mremap);

static long sys_madvise(uintptr_t addr, size_t len, int advice)
{
	int prot;

	if (advice != MADV_DONTNEED || !len)
		return 0;
	len = PAGE_ALIGN(len);
	if (!range_ok(addr, len) || !mapped(addr, len, &prot))
		return -EINVAL;
	/* Drop the pages; the mapping stays and reads back zeros. */
	vm_remove(proc, addr, addr + len);
	return vm_add(proc, addr, addr + len, prot, VMA_ANON);
}
SYSCALL(28, madvise, sys_madvise);

static long sys_msync(uintptr_t addr, size_t len, int flags)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!mapped(addr, PAGE_ALIGN(len), &(int){ 0 }))
		return -ENOMEM;
	shared_sync(proc, addr, addr + PAGE_ALIGN(len), false);
	return 0;
}
SYSCALL(26, msync, sys_msync);

static long sys_mzero(void)
{
	return 0;
}
SYSCALL(149, mlock, sys_mzero);
SYSCALL(150, munlock, sys_mzero);
SYSCALL(151, mlockall, sys_mzero);
SYSCALL(152, munlockall, sys_mzero);
