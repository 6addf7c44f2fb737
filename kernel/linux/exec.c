/* The program loader: maps a static (ET_EXEC) or static-pie (ET_DYN) x86-64
 * ELF executable, builds its initial stack (argv, envp, auxv) and starts it
 * as the first thread of the process. */
#include "linux/linux.h"
#include "dev/console.h"
#include "dev/random.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "cmdline.h"
#include <errno.h>
#include <string.h>

#define PROGRAM_STACK	(32 * 1024)	/* kernel stack of a program thread */

/* ELF64 as far as the loader needs it (the ELF specification, gABI). */
struct elf_header {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define MAX_PHDRS 64

enum {
	AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6,
	AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12,
	AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17,
	AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31,
};

struct image {
	uintptr_t entry, phdr, load_bias, brk;
	uint16_t phnum;
};

static int prot_of(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
	    (pflags & PF_X ? PROT_EXEC : 0);
}

static const char *check_header(const struct elf_header *h, long n)
{
	if (n < (long)sizeof(*h) || memcmp(h->ident, "\177ELF", 4))
		return "not an ELF file";
	if (h->ident[4] != 2 || h->ident[5] != 1 || h->machine != EM_X86_64)
		return "not an x86-64 (64-bit little-endian) ELF file";
	if (h->type != ET_EXEC && h->type != ET_DYN)
		return "not an executable (ELF type is neither EXEC nor DYN)";
	if (h->phentsize != sizeof(struct elf_phdr) || !h->phnum || h->phnum > MAX_PHDRS)
		return "bad program header table";
	return NULL;
}

/* Checks the segments; fills the span [lo, hi) of the loadable ones. */
static const char *check_segments(const struct elf_phdr *ph, int n, uint64_t fsize,
    uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < n; i++) {
		if (ph[i].type == PT_INTERP)
			return "dynamically linked (it names an interpreter); only static programs run";
		if (ph[i].type != PT_LOAD)
			continue;
		if (ph[i].filesz > ph[i].memsz || ph[i].offset > fsize ||
		    ph[i].filesz > fsize - ph[i].offset)
			return "a segment lies outside the file";
		if (ph[i].vaddr + ph[i].memsz < ph[i].vaddr || ph[i].vaddr + ph[i].memsz > (1UL << 46))
			return "a segment lies outside the program's address space";
		if ((ph[i].vaddr - ph[i].offset) % PAGE_SIZE)
			return "a segment is not page-aligned with its file offset";
		if (ph[i].vaddr < *lo)
			*lo = ph[i].vaddr;
		if (ph[i].vaddr + ph[i].memsz > *hi)
			*hi = ph[i].vaddr + ph[i].memsz;
	}
	return *hi ? NULL : "no loadable segment";
}

/* Maps one PT_LOAD segment. Its pages are read from the file when the
 * program first touches them: a program uses a fraction of its code, and
 * nothing is read before it starts. */
static int load_segment(struct file *f, const struct elf_phdr *ph, uintptr_t bias)
{
	uintptr_t start = (ph->vaddr + bias) & ~(PAGE_SIZE - 1);
	uintptr_t end = PAGE_ALIGN(ph->vaddr + bias + ph->memsz);
	int64_t off = (int64_t)ph->offset - (int64_t)(ph->vaddr + bias - start);

	return vm_add_file(proc, start, end, prot_of(ph->flags), f, off,
	    ph->vaddr + bias + ph->filesz);
}

static int load_elf(const char *path, struct image *im, const char **why)
{
	struct file *f;
	struct vattr va;
	int err = vfs_open(path, O_RDONLY, 0, &f);

	*why = NULL;
	if (err)
		return err;
	err = vfs_fstat(f, &va);
	if (!err && (va.mode & S_IFMT) != S_IFREG)
		err = -EACCES, *why = "not a regular file";
	else if (!err && !(va.mode & 0111))
		err = -EACCES, *why = "not executable (no x permission)";
	struct elf_header h;
	struct elf_phdr *ph = kmalloc(MAX_PHDRS * sizeof(*ph));
	if (!err && !ph)
		err = -ENOMEM;
	if (!err && (*why = check_header(&h, vfs_pread(f, &h, sizeof(h), 0))))
		err = -ENOEXEC;
	if (!err && vfs_pread(f, ph, h.phnum * sizeof(*ph), h.phoff) != (long)(h.phnum * sizeof(*ph)))
		err = -ENOEXEC, *why = "truncated program header table";
	uint64_t lo, hi;
	if (!err && (*why = check_segments(ph, h.phnum, va.size, &lo, &hi)))
		err = -ENOEXEC;
	if (!err) {
		im->load_bias = h.type == ET_DYN ? PIE_BASE - (lo & ~(PAGE_SIZE - 1)) : 0;
		im->entry = h.entry + im->load_bias;
		im->phnum = h.phnum;
		im->phdr = 0;
		im->brk = PAGE_ALIGN(hi + im->load_bias);
		for (int i = 0; i < h.phnum && !err; i++) {
			if (ph[i].type == PT_LOAD) {
				err = load_segment(f, &ph[i], im->load_bias);
				if (!im->phdr && h.phoff >= ph[i].offset &&
				    h.phoff < ph[i].offset + ph[i].filesz)
					im->phdr = ph[i].vaddr + im->load_bias + h.phoff - ph[i].offset;
			} else if (ph[i].type == PT_PHDR) {
				im->phdr = ph[i].vaddr + im->load_bias;
			}
		}
		if (err && !*why)
			*why = err == -ENOMEM ? "not enough memory to load it" : "cannot map its segments";
	}
	kfree(ph);
	if (err)
		file_rele(f);
	else
		proc->exe = f;	/* held for the image's pages */
	return err;
}

/* Pushes bytes onto the new stack, returning their address. */
static uintptr_t push_bytes(uintptr_t *sp, const void *data, size_t len)
{
	*sp -= len;
	memcpy((void *)*sp, data, len);
	return *sp;
}

static const char *const default_env[] = {
	"HOME=/", "PATH=/bin:/usr/bin:/sbin:/usr/sbin", "TERM=vt100", NULL,
};

/* The System V x86-64 initial stack: argc, argv[], NULL, envp[], NULL,
 * auxv pairs, with the strings and random bytes above them. */
static uintptr_t build_stack(const struct image *im, int argc, char **argv)
{
	uintptr_t sp = STACK_TOP;
	uintptr_t argp[CMDLINE_MAX_ARGS], envp[8];
	int envc = 0;
	uint8_t rnd[16];

	random_bytes(rnd, sizeof(rnd));
	uintptr_t at_random = push_bytes(&sp, rnd, sizeof(rnd));
	uintptr_t platform = push_bytes(&sp, "x86_64", 7);
	for (int i = argc - 1; i >= 0; i--)
		argp[i] = push_bytes(&sp, argv[i], strlen(argv[i]) + 1);
	for (; default_env[envc]; envc++)
		envp[envc] = push_bytes(&sp, default_env[envc], strlen(default_env[envc]) + 1);
	uint64_t auxv[] = {
		AT_PHDR, im->phdr, AT_PHENT, sizeof(struct elf_phdr), AT_PHNUM, im->phnum,
		AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, im->entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0,
		AT_HWCAP, 0x178bfbff, AT_HWCAP2, 0, AT_CLKTCK, 100, AT_RANDOM, at_random,
		AT_PLATFORM, platform, AT_EXECFN, argp[0], AT_NULL, 0,
	};
	size_t words = 1 + argc + 1 + envc + 1 + sizeof(auxv) / 8;
	sp = (sp - words * 8) & ~15UL;
	uint64_t *w = (uint64_t *)sp;
	*w++ = argc;
	for (int i = 0; i < argc; i++)
		*w++ = argp[i];
	*w++ = 0;
	for (int i = 0; i < envc; i++)
		*w++ = envp[i];
	*w++ = 0;
	memcpy(w, auxv, sizeof(auxv));
	return sp;
}

struct thread_start {
	struct trapframe tf;
	struct linux_thread *lt;
	uint64_t fs_base;
};

/* First code of a program thread: adopt its Linux state, enter the program
 * with iretq. */
static void enter_program(void *arg)
{
	struct thread_start st = *(struct thread_start *)arg;
	struct thread *self = thread_current();

	kfree(arg);
	self->os_priv = st.lt;
	self->fs_base = st.fs_base;
	arch_set_fs_base(st.fs_base);
	trap_return(&st.tf);
}

/* Starts a program thread at tf; returns its thread or NULL. */
struct thread *linux_thread_start(const struct trapframe *tf, struct linux_thread *lt,
    uint64_t fs_base)
{
	struct thread_start *st = kmalloc(sizeof(*st));

	if (!st)
		return NULL;
	*st = (struct thread_start){ *tf, lt, fs_base };
	__atomic_add_fetch(&proc->nthreads, 1, __ATOMIC_SEQ_CST);
	struct thread *t = thread_create(proc->name, enter_program, st, PRIO_DEFAULT,
	    PROGRAM_STACK);
	if (!t) {
		__atomic_sub_fetch(&proc->nthreads, 1, __ATOMIC_SEQ_CST);
		kfree(st);
		return NULL;
	}
	thread_detach(t);
	return t;
}

static int open_console(void)
{
	struct file *f;
	int err = vfs_open("/dev/console", O_RDWR, 0, &f);

	if (err)
		return err;
	for (int fd = 0; fd < 3; fd++) {
		file_hold(f);
		if (fd_install(&proc->fds, f, fd, 0) != fd)
			file_rele(f);
	}
	file_rele(f);
	return 0;
}

/* Frees what the program held, so another can run after it. Threads it
 * left blocked stay blocked (the process structure is kept for them);
 * any that run again end at their next system call. */
static void process_end(struct process *p)
{
	vm_remove(p, 0, USER_TOP);	/* shared pages written go back to their files */
	fdtable_destroy(&p->fds);
	if (p->exe)
		file_rele(p->exe);
	p->exe = NULL;
}

static int exit_code_for(int err)
{
	return err == -ENOENT || err == -ENOTDIR ? 127 : 126;
}

int linux_run(int argc, char **argv)
{
	struct image im;
	const char *why;

	proc = kzalloc(sizeof(*proc));
	struct linux_thread *lt = kzalloc(sizeof(*lt));
	if (!proc || !lt)
		return 126;
	fdtable_init(&proc->fds, FD_LIMIT);
	spin_init(&proc->vm_lock, "vm");
	mutex_init(&proc->exit_lock);
	mutex_init(&proc->mm_lock);
	cond_init(&proc->exited);
	proc->mmap_hint = MMAP_TOP;
	proc->umask = 022;
	proc->name = argv[0];
	syscall_init();
	vm_init_faults();
	if (open_console() < 0)
		pr_warn("osprey: no /dev/console for the program's stdin/stdout/stderr\n");
	uint64_t t0 = clock_ns();
	int err = load_elf(argv[0], &im, &why);
	if (boot_opts.bootchart)
		printk("bootchart: %s loaded in %lu us (at %lu us)\n", argv[0],
		    (clock_ns() - t0) / 1000, clock_ns() / 1000);
	if (err) {
		printk("osprey: %s: %s\n", argv[0], why ? why : err == -ENOENT ? "not found" :
		    err == -ENOMEM ? "out of memory" : "cannot load it");
		return exit_code_for(err);
	}
	proc->brk_start = proc->brk = im.brk;
	if (vm_add(proc, STACK_TOP - STACK_MAX, STACK_TOP, PROT_READ | PROT_WRITE, VMA_STACK)) {
		printk("osprey: %s: out of memory\n", argv[0]);
		return 126;
	}
	struct trapframe tf = {
		.rip = im.entry, .cs = USER_CS, .rflags = USER_RFLAGS,
		.rsp = build_stack(&im, argc, argv), .ss = USER_SS,
	};
	lt->tid = 1;
	lt->proc = proc;
	mutex_lock(&proc->exit_lock);
	if (!linux_thread_start(&tf, lt, 0)) {
		mutex_unlock(&proc->exit_lock);
		printk("osprey: %s: no memory for its first thread\n", argv[0]);
		return 126;
	}
	while (!proc->exiting)
		cond_wait(&proc->exited, &proc->exit_lock);
	mutex_unlock(&proc->exit_lock);
	int status = proc->exit_status;
	process_end(proc);
	return status;
}
