/* The program loader: maps an x86-64 ELF executable, static (ET_EXEC),
 * static-pie or PIE (ET_DYN), and the interpreter a dynamically linked one
 * names (PT_INTERP: ld.so, which then loads the shared libraries itself),
 * builds the initial stack (argv, envp, auxv) and starts the program as the
 * first thread of the process. The header checks are elf_exec.c's. */
#include "linux/linux.h"
#include "linux/elf_exec.h"
#include "dev/console.h"
#include "dev/random.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "cmdline.h"
#include <errno.h>
#include <string.h>

#define PROGRAM_STACK	(32 * 1024)	/* kernel stack of a program thread */

/* The interpreter (ld.so) is mapped above the mmap area, which grows down
 * from MMAP_TOP, and below the stack; a program sits in the lower part. */
#define INTERP_BASE	MMAP_TOP
#define IMAGE_FLOOR	0x10000UL	/* nothing is mapped at address 0 and near it */

enum {
	AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6,
	AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12,
	AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17,
	AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31,
	AT_MINSIGSTKSZ = 51,
};

/* The smallest stack a signal handler needs: the frame Linux's x86-64
 * delivery pushes (return address, ucontext, siginfo: 440 bytes), the FPU
 * state in fxsave form with its 64-byte alignment, rounded to 16. */
#define MINSIGSTKSZ	((440 + FPU_STATE_SIZE + 64 + 15) & ~15)

/* An ELF file mapped into the program's address space. */
struct image {
	struct file *file;
	struct elf_exec x;
	uintptr_t bias;		/* load address minus link address */
};

static int prot_of(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
	    (pflags & PF_X ? PROT_EXEC : 0);
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

/* Opens path and checks it is an executable ELF file; its program headers
 * go to ph. On failure *why says what is wrong (NULL: just err). */
static int open_elf(const char *path, struct image *im, struct elf_phdr *ph, const char **why)
{
	struct vattr va;
	struct elf_ehdr h;
	int err = vfs_open(path, O_RDONLY, 0, &im->file);

	*why = NULL;
	if (err)
		return err;
	err = vfs_fstat(im->file, &va);
	if (!err && (va.mode & S_IFMT) != S_IFREG)
		err = -EACCES, *why = "not a regular file";
	else if (!err && !(va.mode & 0111))
		err = -EACCES, *why = "not executable (no x permission)";
	long got = err ? 0 : vfs_pread(im->file, &h, sizeof(h), 0);
	if (got < 0)
		err = (int)got;
	else if (!err && (*why = elf_exec_header(&im->x, &h, (size_t)got)))
		err = -ENOEXEC;
	size_t table = im->x.phnum * sizeof(*ph);
	if (!err && vfs_pread(im->file, ph, table, im->x.phoff) != (long)table)
		err = -ENOEXEC, *why = "truncated program header table";
	if (!err && (*why = elf_exec_phdrs(&im->x, ph, va.size)))
		err = -ENOEXEC;
	if (err) {
		file_rele(im->file);
		im->file = NULL;
	}
	return err;
}

/* Places the image: an ET_DYN one at base, an ET_EXEC one where it was
 * linked; either must fit in [floor, ceil). */
static const char *place_image(struct image *im, uintptr_t base, uintptr_t floor, uintptr_t ceil)
{
	im->bias = im->x.type == ET_DYN ? base - im->x.lo : 0;
	if (im->x.type == ET_DYN && im->x.hi - im->x.lo > ceil - base)
		return "too big for its place in the address space";
	if (im->x.type == ET_EXEC && (im->x.lo < floor || im->x.hi > ceil))
		return "linked at addresses that are taken or out of reach";
	return NULL;
}

static int map_image(struct image *im, const struct elf_phdr *ph, const char **why)
{
	int err = 0;

	for (int i = 0; i < im->x.phnum && !err; i++)
		if (ph[i].type == PT_LOAD && ph[i].memsz)
			err = load_segment(im->file, &ph[i], im->bias);
	if (err)
		*why = err == -ENOMEM ? "not enough memory to load it" : "cannot map its segments";
	return err;
}

/* Reads the interpreter's path named by the program into a kmalloc'd
 * string; NULL with *why set if it is malformed or cannot be read. */
static char *read_interp(const struct image *im, const char **why)
{
	char *path = kmalloc(im->x.interp_len);

	*why = "not enough memory to load it";
	if (!path)
		return NULL;
	if (vfs_pread(im->file, path, im->x.interp_len, im->x.interp_off) != (long)im->x.interp_len)
		*why = "cannot read the interpreter's name";
	else if (!(*why = elf_exec_interp(path, im->x.interp_len)))
		return path;
	kfree(path);
	return NULL;
}

/* Loads the interpreter the program names beside it. Errors are reported
 * here, naming both files; returns the exit status, 0 on success. */
static int load_interp(const char *prog, const char *path, const struct image *main,
    struct image *in, struct elf_phdr *ph)
{
	const char *why;
	int err = open_elf(path, in, ph, &why);

	if (!err && in->x.interp_len)
		err = -ENOEXEC, why = "it names an interpreter itself";
	if (!err && in->x.type == ET_EXEC &&
	    in->x.lo < main->x.hi + main->bias && in->x.hi > main->x.lo + main->bias)
		err = -ENOEXEC, why = "it is linked at the program's addresses";
	if (!err && (why = place_image(in, INTERP_BASE, IMAGE_FLOOR, STACK_TOP - STACK_MAX)))
		err = -ENOEXEC;
	if (!err)
		err = map_image(in, ph, &why);
	if (!err)
		return 0;
	printk("osprey: %s: interpreter %s: %s\n", prog, path, why ? why :
	    err == -ENOENT ? "not found" : err == -ENOMEM ? "out of memory" : "cannot load it");
	return err == -ENOENT || err == -ENOTDIR ? 127 : 126;
}

/* Loads the program and, if it names one, its interpreter. Errors are
 * reported here; returns the exit status, 0 on success. */
static int load_program(const char *path, struct image *im, struct image *in)
{
	struct elf_phdr *ph = kmalloc(ELF_MAX_PHDRS * sizeof(*ph));
	const char *why = "not enough memory to load it";
	char *interp = NULL;
	int err = ph ? open_elf(path, im, ph, &why) : -ENOMEM;

	if (!err && (why = place_image(im, PIE_BASE, IMAGE_FLOOR, INTERP_BASE)))
		err = -ENOEXEC;
	if (!err && im->x.interp_len && !(interp = read_interp(im, &why)))
		err = -ENOEXEC;
	if (!err)
		err = map_image(im, ph, &why);
	if (err) {
		printk("osprey: %s: %s\n", path, why ? why : err == -ENOENT ? "not found" :
		    err == -ENOMEM ? "out of memory" : "cannot load it");
		kfree(ph);
		return err == -ENOENT || err == -ENOTDIR ? 127 : 126;
	}
	int status = interp ? load_interp(path, interp, im, in, ph) : 0;
	kfree(interp);
	kfree(ph);
	return status;
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
 * auxv pairs, with the strings and random bytes above them. With an
 * interpreter, AT_BASE is where it is and the rest describes the program. */
static uintptr_t build_stack(const struct image *im, const struct image *in,
    int argc, char **argv)
{
	uintptr_t sp = STACK_TOP;
	uintptr_t argp[CMDLINE_MAX_ARGS], envp[8];
	int envc = 0;
	uint8_t rnd[16];

	random_bytes(rnd, sizeof(rnd));
	uintptr_t at_random = push_bytes(&sp, rnd, sizeof(rnd));
	uintptr_t platform = push_bytes(&sp, "x86_64", 7);
	uintptr_t execfn = push_bytes(&sp, argv[0], strlen(argv[0]) + 1);
	for (int i = argc - 1; i >= 0; i--)
		argp[i] = push_bytes(&sp, argv[i], strlen(argv[i]) + 1);
	for (; default_env[envc]; envc++)
		envp[envc] = push_bytes(&sp, default_env[envc], strlen(default_env[envc]) + 1);
	uint64_t auxv[] = {
		AT_PHDR, im->x.phdr ? im->x.phdr + im->bias : 0,
		AT_PHENT, sizeof(struct elf_phdr), AT_PHNUM, im->x.phnum,
		AT_PAGESZ, PAGE_SIZE, AT_BASE, in->file ? in->x.lo + in->bias : 0,
		AT_FLAGS, 0, AT_ENTRY, im->x.entry + im->bias,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0,
		AT_HWCAP, arch_hwcap(), AT_HWCAP2, 0, AT_CLKTCK, 100, AT_RANDOM, at_random,
		AT_PLATFORM, platform, AT_EXECFN, execfn, AT_MINSIGSTKSZ, MINSIGSTKSZ,
		AT_NULL, 0,
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
	uint64_t fs_base, gs_base;
};

/* First code of a program thread: adopt its Linux state, enter the program
 * (ring 3) with iretq. */
static void enter_program(void *arg)
{
	struct thread_start st = *(struct thread_start *)arg;
	struct thread *self = thread_current();

	kfree(arg);
	self->os_priv = st.lt;
	self->fs_base = st.fs_base;
	self->gs_base = st.gs_base;
	arch_set_fs_base(st.fs_base);
	arch_set_gs_base(st.gs_base);
	trap_return(&st.tf);
}

/* Starts a program thread at tf; returns its thread or NULL. */
struct thread *linux_thread_start(const struct trapframe *tf, struct linux_thread *lt,
    uint64_t fs_base, uint64_t gs_base)
{
	struct thread_start *st = kmalloc(sizeof(*st));

	if (!st)
		return NULL;
	*st = (struct thread_start){ *tf, lt, fs_base, gs_base };
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

/* The program's descriptors 0, 1 and 2: the console, or the files io
 * names for its input and output (created 0644, truncated or appended
 * to), as a shell's < and > would. A file that cannot be opened is
 * reported and the program does not run (-1); no console only warns. */
static int open_stdio(const struct linux_stdio *io)
{
	struct file *con = NULL, *in = NULL, *out = NULL;
	int err;

	if (vfs_open("/dev/console", O_RDWR, 0, &con) < 0)
		pr_warn("osprey: no /dev/console for the program's stdin/stdout/stderr\n");
	if (io && io->in && (err = vfs_open(io->in, O_RDONLY, 0, &in)) < 0) {
		printk("osprey: %s: cannot open it for input (error %d)\n", io->in, -err);
		goto fail;
	}
	int oflags = O_WRONLY | O_CREAT | (io && io->append ? O_APPEND : O_TRUNC);
	if (io && io->out && (err = vfs_open(io->out, oflags, 0644, &out)) < 0) {
		printk("osprey: %s: cannot open it for output (error %d)\n", io->out, -err);
		goto fail;
	}
	struct file *files[3] = { in ? in : con, out ? out : con, con };
	for (int fd = 0; fd < 3; fd++) {
		if (!files[fd])
			continue;
		file_hold(files[fd]);
		if (fd_install(&proc->fds, files[fd], fd, 0) != fd)
			file_rele(files[fd]);
	}
	err = 0;
fail:
	if (in)
		file_rele(in);
	if (out)
		file_rele(out);
	if (con)
		file_rele(con);
	return err ? -1 : 0;
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
	if (p->interp)
		file_rele(p->interp);
	p->exe = p->interp = NULL;
}

/* A program that did not start: its mappings and files go, as at exit. */
static int not_started(struct linux_thread *lt, int status)
{
	process_end(proc);
	kfree(lt);
	return status;
}

int linux_run(int argc, char **argv, const struct linux_stdio *io)
{
	struct image im = { 0 }, in = { 0 };

	proc = kzalloc(sizeof(*proc));
	struct linux_thread *lt = kzalloc(sizeof(*lt));
	if (!proc || !lt)
		return 126;
	fdtable_init(&proc->fds, FD_LIMIT);
	mutex_init(&proc->limits_lock);
	limits_init(proc);
	spin_init(&proc->vm_lock, "vm");
	mutex_init(&proc->exit_lock);
	mutex_init(&proc->mm_lock);
	cond_init(&proc->exited);
	waitq_init(&proc->sig.fd_wq);
	proc->mmap_hint = MMAP_TOP;
	proc->umask = 022;
	proc->name = argv[0];
	syscall_init();
	vm_init_faults();
	if (open_stdio(io) < 0)
		return not_started(lt, 1);
	uint64_t t0 = clock_ns();
	int status = load_program(argv[0], &im, &in);
	proc->exe = im.file;	/* held for the images' pages */
	proc->interp = in.file;
	if (boot_opts.bootchart)
		printk("bootchart: %s loaded in %lu us (at %lu us)\n", argv[0],
		    (clock_ns() - t0) / 1000, clock_ns() / 1000);
	if (status)
		return not_started(lt, status);
	proc->brk_start = proc->brk = PAGE_ALIGN(im.x.hi + im.bias);
	if (vm_add(proc, STACK_TOP - STACK_MAX, STACK_TOP, PROT_READ | PROT_WRITE, VMA_STACK)) {
		printk("osprey: %s: out of memory\n", argv[0]);
		return not_started(lt, 126);
	}
	const struct image *first = in.file ? &in : &im;
	struct trapframe tf = {
		.rip = first->x.entry + first->bias, .cs = USER_CS, .rflags = USER_RFLAGS,
		.rsp = build_stack(&im, &in, argc, argv), .ss = USER_SS,
	};
	lt->tid = 1;
	lt->proc = proc;
	mutex_lock(&proc->exit_lock);
	if (!linux_thread_start(&tf, lt, 0, 0)) {
		mutex_unlock(&proc->exit_lock);
		printk("osprey: %s: no memory for its first thread\n", argv[0]);
		return not_started(lt, 126);
	}
	while (!proc->exiting)
		cond_wait(&proc->exited, &proc->exit_lock);
	mutex_unlock(&proc->exit_lock);
	status = proc->exit_status;
	process_end(proc);
	return status;
}
