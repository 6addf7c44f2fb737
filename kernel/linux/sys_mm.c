/* Memory system calls: brk, mmap and friends over the VMAs of vm.c.
 * Anonymous memory and file mappings are both demand-paged; file pages
 * come from the page cache, shared with read() and write(). */
#include "linux/linux.h"
#include "linux/uaccess.h"
#include "arch/x86_64/paging.h"
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
#define MREMAP_DONTUNMAP 4
#define MADV_DONTNEED	4
#define MS_ASYNC	1
#define MS_INVALIDATE	2
#define MS_SYNC		4

/* One mapping may not exceed what RAM could ever back: an honest ENOMEM
 * now beats a program killed on a page fault later. Free memory is not
 * the bound: the caches (ROFS's, the ARC, the page cache) give memory
 * back to page faults, as Linux's heuristic overcommit counts them. A
 * private mapping of a file that cannot be written needs none of its own
 * (sys_mmap): its pages are the page cache's, which memory pressure takes
 * back from mappings too (vm.c), so it may be larger than RAM. */
static bool fits_in_ram(size_t len, int prot)
{
	struct mem_stats st;

	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return true;	/* a reservation costs no RAM */
	mem_stats(&st);
	return len / PAGE_SIZE <= st.total_pages;
}

static long sys_brk(uintptr_t want)
{
	struct mm *p = this_proc()->mm;
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

static uintptr_t place(struct mm *p, uintptr_t hint, size_t len, int flags)
{
	unsigned long f = spin_lock_irqsave(&p->vm_lock);
	uintptr_t at = 0;

	if (hint && range_ok(hint, len) && vm_range_free(p, hint, hint + len))
		at = hint;
	else if (!(flags & MAP_FIXED_NOREPLACE))
		at = vm_find_free(p, len);
	if (at && at < p->mmap_hint)
		p->mmap_hint = at;
	spin_unlock_irqrestore(&p->vm_lock, f);
	return at;
}

static int file_checks(struct file *f, int prot, int flags, int64_t off)
{
	int acc = f->flags & O_ACCMODE;

	if (!f->vn || f->vn->type != VREG)
		return -ENODEV;
	if (acc == O_WRONLY || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && acc != O_RDWR))
		return -EACCES;
	if (off < 0 || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	return 0;
}

/* Adds the mapping at a place found (or given, MAP_FIXED, whose old
 * contents are removed). Another thread may take the place first: then
 * look again. */
static long map(uintptr_t addr, size_t len, int prot, int flags, struct file *f, int64_t off)
{
	for (int tries = 0; tries < 64; tries++) {
		uintptr_t at = addr;
		if (flags & MAP_FIXED)
			vm_remove(this_proc()->mm, addr, addr + len);
		else if (!(at = place(this_proc()->mm, addr, len, flags)))
			return flags & MAP_FIXED_NOREPLACE ? -EEXIST : -ENOMEM;
		int err = !f ? vm_add(this_proc()->mm, at, at + len, prot, VMA_ANON) :
		    flags & MAP_SHARED ? vm_add_shared(this_proc()->mm, at, at + len, prot, f, off) :
		    vm_add_file(this_proc()->mm, at, at + len, prot, f, off, USER_TOP);
		if (err != -EEXIST)
			return err ? err : (long)at;
		if (flags & MAP_FIXED_NOREPLACE)
			return -EEXIST;
	}
	return -ENOMEM;
}

/* MAP_SHARED|MAP_ANONYMOUS: pages a fork's parent and child both see,
 * so they are a file's (an unnamed one in /tmp, memory, gone with the
 * last mapping), as Linux backs them with shmem. */
static int shared_memory(size_t len, struct file **f)
{
	int err = vfs_open_tmpfile(NULL, "/tmp", O_RDWR, 0600, f);

	if (!err && (err = vfs_ftruncate(*f, (int64_t)len))) {
		file_rele(*f);
		*f = NULL;
	}
	return err;
}

static long sys_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t off)
{
	struct file *f = NULL;

	len = PAGE_ALIGN(len);
	if (!len || len > USER_TOP / 2)
		return -EINVAL;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if ((flags & MAP_FIXED) && !range_ok(addr, len))
		return -EINVAL;
	bool cache_pages = !(flags & MAP_ANONYMOUS) && (flags & MAP_PRIVATE) && !(prot & PROT_WRITE);
	if (!cache_pages && !fits_in_ram(len, prot))
		return -ENOMEM;
	if (!(flags & MAP_ANONYMOUS)) {
		int err = fd_get(&this_proc()->fds, fd, &f);
		if (!err)
			err = file_checks(f, prot, flags, off);
		if (err) {
			if (f)
				file_rele(f);
			return err;
		}
	}
	if ((flags & (MAP_ANONYMOUS | MAP_SHARED)) == (MAP_ANONYMOUS | MAP_SHARED)) {
		int err = shared_memory(len, &f);
		if (err)
			return err;
		off = 0;
	}
	long ret = map(addr, len, prot, flags, f, off);
	if (f)
		file_rele(f);
	return ret;
}
SYSCALL(9, mmap, sys_mmap);

static long sys_munmap(uintptr_t addr, size_t len)
{
	if (!range_ok(addr, PAGE_ALIGN(len)))
		return -EINVAL;
	return vm_remove(this_proc()->mm, addr, addr + PAGE_ALIGN(len));
}
SYSCALL(11, munmap, sys_munmap);

static long sys_mprotect(uintptr_t addr, size_t len, int prot)
{
	if (!range_ok(addr, PAGE_ALIGN(len)))
		return -EINVAL;
	return vm_protect(this_proc()->mm, addr, addr + PAGE_ALIGN(len), prot);
}
SYSCALL(10, mprotect, sys_mprotect);

static bool mapped(uintptr_t addr, size_t len, int *prot)
{
	return vm_covered(this_proc()->mm, addr, addr + len, prot);
}

/* Pages move with their page-table entries: nothing is copied, and a
 * file mapping stays one (its pages, private copies included, go along). */
static long sys_mremap(uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr)
{
	int prot;

	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!range_ok(old, old_len) || !new_len || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && (!(flags & MREMAP_MAYMOVE) || !range_ok(new_addr, new_len))))
		return -EINVAL;
	if (!mapped(old, old_len, &prot))
		return -EFAULT;
	if (!(flags & MREMAP_FIXED) && new_len <= old_len) {
		if (new_len < old_len)
			vm_remove(this_proc()->mm, old + new_len, old + old_len);
		return old;
	}
	if (!fits_in_ram(new_len > old_len ? new_len - old_len : 0, prot))
		return -ENOMEM;
	if (!(flags & MREMAP_FIXED) && vm_grow(this_proc()->mm, old + old_len, new_len - old_len) == 0)
		return old;	/* the space after was free */
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uintptr_t at = new_addr;
	if (flags & MREMAP_FIXED) {
		if (at < old + old_len && old < at + new_len)
			return -EINVAL;
		vm_remove(this_proc()->mm, at, at + new_len);
	} else if (!(at = place(this_proc()->mm, 0, new_len, 0))) {
		return -ENOMEM;
	}
	size_t keep = old_len < new_len ? old_len : new_len;
	if (keep < old_len)
		vm_remove(this_proc()->mm, old + keep, old + old_len);
	int err = vm_move(this_proc()->mm, old, keep, at, new_len);
	return err ? err : (long)at;
}
SYSCALL(25, mremap, sys_mremap);

static long sys_madvise(uintptr_t addr, size_t len, int advice)
{
	if (advice != MADV_DONTNEED || !len)
		return 0;
	len = PAGE_ALIGN(len);
	if (!range_ok(addr, len) || !mapped(addr, len, &(int){ 0 }))
		return -EINVAL;
	/* Anonymous pages read back as zeros, file pages as the file. */
	return vm_drop_pages(this_proc()->mm, addr, addr + len);
}
SYSCALL(28, madvise, sys_madvise);

/* MS_ASYNC writes back too: the data is in the file for read() at once
 * either way, and only MS_SYNC waits for the disk. */
static long sys_msync(uintptr_t addr, size_t len, int flags)
{
	if ((addr & (PAGE_SIZE - 1)) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
		return -EINVAL;
	if (!mapped(addr, PAGE_ALIGN(len), &(int){ 0 }))
		return -ENOMEM;
	return vm_sync(this_proc()->mm, addr, addr + PAGE_ALIGN(len), flags & MS_SYNC);
}
SYSCALL(26, msync, sys_msync);

/* One byte per page: 1 if it is in memory now. */
static long sys_mincore(uintptr_t addr, size_t len, unsigned char *vec)
{
	size_t pages = PAGE_ALIGN(len) / PAGE_SIZE;

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!len || !range_ok(addr, PAGE_ALIGN(len)))
		return len ? -ENOMEM : 0;
	if (!user_range(vec, pages))
		return -EFAULT;		/* Linux's access_ok: before the range is looked at */
	if (!mapped(addr, pages * PAGE_SIZE, NULL))
		return -ENOMEM;
	uint8_t part[256];
	for (size_t i = 0; i < pages; i += sizeof(part)) {
		size_t n = pages - i < sizeof(part) ? pages - i : sizeof(part);
		for (size_t j = 0; j < n; j++)
			part[j] = paging_translate(this_proc()->mm->pm,
			    addr + (i + j) * PAGE_SIZE) != (uint64_t)-1;
		if (copy_to_user(vec + i, part, n))
			return -EFAULT;
	}
	return 0;
}
SYSCALL(27, mincore, sys_mincore);

#define MFD_CLOEXEC		1
#define MFD_ALLOW_SEALING	2
#define MFD_NAME_MAX		249

/* A memory file: an unnamed file in /tmp (ramfs), so it is memory and
 * goes with its last descriptor. Sealing is accepted as a flag; the
 * F_ADD_SEALS that would follow is not supported (EINVAL, as a kernel
 * without sealing). */
static long sys_memfd_create(const char *uname, unsigned flags)
{
	char name[MFD_NAME_MAX + 1];
	struct file *f;

	/* The name is read, as Linux reads it, though a memory file shows none. */
	long len = strncpy_from_user(name, uname, sizeof(name));
	if (len == -EFAULT)
		return len;
	if (len < 0 || (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING)))
		return -EINVAL;
	int err = vfs_open_tmpfile(NULL, "/tmp", O_RDWR, 0777 & ~this_proc()->umask, &f);
	if (err)
		return err;
	int fd = fd_install(&this_proc()->fds, f, 0, flags & MFD_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}
SYSCALL(319, memfd_create, sys_memfd_create);

static long sys_mzero(void)
{
	return 0;
}
SYSCALL(149, mlock, sys_mzero);
SYSCALL(150, munlock, sys_mzero);
SYSCALL(151, mlockall, sys_mzero);
SYSCALL(152, munlockall, sys_mzero);
