/* The program loader: maps an x86-64 ELF executable, static (ET_EXEC),
 * static-pie or PIE (ET_DYN), and the interpreter a dynamically linked one
 * names (PT_INTERP: ld.so, which then loads the shared libraries itself),
 * builds the initial stack (argv, envp, auxv) and starts the program as the
 * first thread of the process. The header checks are elf_exec.c's. */
#include "linux/linux.h"
#include "linux/elf_exec.h"
#include "linux/uaccess.h"
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
	AT_NULL = 0, AT_IGNORE = 1, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6,
	AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12,
	AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17,
	AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31,
	AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51,
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
static int load_segment(struct mm *mm, struct file *f, const struct elf_phdr *ph,
    uintptr_t bias)
{
	uintptr_t start = (ph->vaddr + bias) & ~(PAGE_SIZE - 1);
	uintptr_t end = PAGE_ALIGN(ph->vaddr + bias + ph->memsz);
	int64_t off = (int64_t)ph->offset - (int64_t)(ph->vaddr + bias - start);

	return vm_add_file(mm, start, end, prot_of(ph->flags), f, off,
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

static int map_image(struct mm *mm, struct image *im, const struct elf_phdr *ph,
    const char **why)
{
	int err = 0;

	for (int i = 0; i < im->x.phnum && !err; i++)
		if (ph[i].type == PT_LOAD && ph[i].memsz)
			err = load_segment(mm, im->file, &ph[i], im->bias);
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
 * (if report), naming both files; returns 0 or a negative errno. */
static int load_interp(struct mm *mm, const char *prog, const char *path,
    const struct image *main, struct image *in, struct elf_phdr *ph, bool report)
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
		err = map_image(mm, in, ph, &why);
	if (err && report)
		printk("osprey: %s: interpreter %s: %s\n", prog, path, why ? why :
		    err == -ENOENT ? "not found" : err == -ENOMEM ? "out of memory" : "cannot load it");
	if (err && in->file) {
		file_rele(in->file);
		in->file = NULL;
	}
	return err;
}

/* Loads the program into mm and, if it names one, its interpreter.
 * Errors are reported (if report); returns 0 or a negative errno. */
static int load_program(struct mm *mm, const char *path, struct image *im, struct image *in,
    bool report)
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
		err = map_image(mm, im, ph, &why);
	if (err) {
		if (report)
			printk("osprey: %s: %s\n", path, why ? why : err == -ENOENT ? "not found" :
			    err == -ENOMEM ? "out of memory" : "cannot load it");
		kfree(interp);
		kfree(ph);
		if (im->file)
			file_rele(im->file);
		im->file = NULL;
		return err;
	}
	err = interp ? load_interp(mm, path, interp, im, in, ph, report) : 0;
	kfree(interp);
	kfree(ph);
	if (err) {
		file_rele(im->file);
		im->file = NULL;
	}
	return err;
}

/* ---- argv and envp ---- */

/* What a new image is given, copied into the kernel before the old one
 * goes: the strings one after another, argv's first. */
#define ARGS_MAX	(1 << 20)	/* bytes of strings; Linux allows 2 MiB */
#define ARG_STRLEN	(128 * 1024)	/* one string, as Linux's MAX_ARG_STRLEN */
#define SCRIPT_DEPTH	4		/* #! interpreters that are scripts in turn */

struct exec_args {
	char *buf;
	size_t len, cap;
	size_t *off;			/* of each string in buf */
	int n, ncap;
	int argc;			/* the first argc strings are argv, then envp */
};

static void args_free(struct exec_args *a)
{
	kfree(a->buf);
	kfree(a->off);
	*a = (struct exec_args){ 0 };
}

/* Room in a for one more string of len bytes and its NUL. */
static int args_reserve(struct exec_args *a, size_t len)
{
	if (a->len + len + 1 > ARGS_MAX)
		return -E2BIG;
	if (a->len + len + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 4096;
		while (cap < a->len + len + 1)
			cap *= 2;
		char *buf = krealloc(a->buf, cap);
		if (!buf)
			return -ENOMEM;
		a->buf = buf;
		a->cap = cap;
	}
	if (a->n == a->ncap) {
		int ncap = a->ncap ? a->ncap * 2 : 32;
		size_t *off = krealloc(a->off, ncap * sizeof(*off));
		if (!off)
			return -ENOMEM;
		a->off = off;
		a->ncap = ncap;
	}
	return 0;
}

/* The string of len bytes at a->buf + a->len, NUL included, is the next. */
static void args_commit(struct exec_args *a, size_t len)
{
	a->buf[a->len + len] = 0;
	a->off[a->n++] = a->len;
	a->len += len + 1;
}

static int args_add(struct exec_args *a, const char *s, size_t len)
{
	int err = args_reserve(a, len);

	if (err)
		return err;
	memcpy(a->buf + a->len, s, len);
	args_commit(a, len);
	return 0;
}

static const char *arg(const struct exec_args *a, int i)
{
	return a->buf + a->off[i];
}

/* A string of the program's: copied straight into a's buffer, which grows
 * until the string fits (each try copies it again, whole). Longer than
 * Linux's MAX_ARG_STRLEN (NUL included) or than the space left: E2BIG. */
static int args_add_user_str(struct exec_args *a, const char *us)
{
	for (size_t want = 0;; want = a->cap - a->len) {
		int err = args_reserve(a, want);
		if (err)
			return err;
		size_t room = a->cap - a->len;
		room = room < ARG_STRLEN ? room : ARG_STRLEN;
		room = room < ARGS_MAX - a->len ? room : ARGS_MAX - a->len;
		long n = strncpy_from_user(a->buf + a->len, us, room);
		if (n >= 0) {
			args_commit(a, (size_t)n);
			return 0;
		}
		if (n != -ENAMETOOLONG)
			return (int)n;
		if (room == ARG_STRLEN || room == ARGS_MAX - a->len)
			return -E2BIG;
	}
}

/* A NULL-terminated array of strings in the program's memory (NULL: an
 * empty one, as Linux takes it). */
static int args_add_user(struct exec_args *a, char *const *uv)
{
	for (int i = 0; uv; i++) {
		const char *s;
		int err = get_user(s, &uv[i]);
		if (err || !s)
			return err;
		err = args_add_user_str(a, s);
		if (err)
			return err;
	}
	return 0;
}

static int args_add_kernel(struct exec_args *a, int n, const char *const *v)
{
	int err = 0;

	for (int i = 0; i < n && !err; i++)
		err = args_add(a, v[i], strlen(v[i]));
	return err;
}

/* ---- #! scripts ---- */

#define SCRIPT_LINE 256		/* Linux's BINPRM_BUF_SIZE */

/* If path is a script (#!), its interpreter and optional argument, as
 * Linux parses the line: the interpreter is the first word, the rest of
 * the line (trimmed) one argument. 1: a script; 0: not; <0: errno. */
static int read_shebang(const char *path, char *line, char **interp, char **optarg)
{
	struct file *f;
	int err = vfs_open(path, O_RDONLY, 0, &f);

	if (err)
		return err == -EISDIR ? 0 : err;
	long got = vfs_pread(f, line, SCRIPT_LINE - 1, 0);
	file_rele(f);
	if (got < 2 || line[0] != '#' || line[1] != '!')
		return got < 0 && got != -EISDIR ? (int)got : 0;	/* the loader says why */
	line[got] = 0;
	char *end = strchr(line, '\n');
	if (!end && got == SCRIPT_LINE - 1)
		return -ENOEXEC;	/* the interpreter's name may be cut */
	if (end)
		*end = 0;
	char *s = line + 2;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return -ENOEXEC;
	*interp = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	*optarg = NULL;
	if (*s) {
		*s++ = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		char *e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		if (*s)
			*optarg = s;
	}
	return 1;
}

/* Replaces argv[0] by the interpreter, its argument and the script's
 * path, keeping argv[1..] and envp: "interp [arg] path args...". */
static int args_for_script(struct exec_args *a, const char *interp, const char *optarg,
    const char *path)
{
	struct exec_args b = { 0 };
	int err = args_add(&b, interp, strlen(interp));

	if (!err && optarg)
		err = args_add(&b, optarg, strlen(optarg));
	if (!err)
		err = args_add(&b, path, strlen(path));
	for (int i = 1; i < a->n && !err; i++)
		err = args_add(&b, arg(a, i), strlen(arg(a, i)));
	if (err) {
		args_free(&b);
		return err;
	}
	b.argc = (optarg ? 3 : 2) + a->argc - 1;	/* argv[0] is never missing here */
	args_free(a);
	*a = b;
	return 0;
}

/* ---- the new image ---- */

/* Pushes bytes onto the new stack (the running address space's),
 * returning their address; a store that fails sets *err. */
static uintptr_t push_bytes(uintptr_t *sp, const void *data, size_t len, int *err)
{
	*sp -= len;
	if (!*err)
		*err = copy_to_user((void *)*sp, data, len);
	return *sp;
}

/* Words stored upward from at, through a kernel buffer: the table of
 * pointers may be far larger than a kernel stack. */
struct word_writer {
	uint64_t buf[64];
	int n;
	uintptr_t at;
	int err;
};

static void words_flush(struct word_writer *w)
{
	if (!w->err)
		w->err = copy_to_user((void *)w->at, w->buf, w->n * sizeof(*w->buf));
	w->at += w->n * sizeof(*w->buf);
	w->n = 0;
}

static void words_put(struct word_writer *w, uint64_t v)
{
	if (w->n == (int)(sizeof(w->buf) / sizeof(*w->buf)))
		words_flush(w);
	w->buf[w->n++] = v;
}

/* The System V x86-64 initial stack: argc, argv[], NULL, envp[], NULL,
 * auxv pairs, with the strings and random bytes above them. With an
 * interpreter, AT_BASE is where it is and the rest describes the program.
 * The new image's tables are loaded: the stores go to its pages, and one
 * that cannot be made (no memory for a page) is an error. */
static int build_stack(const struct image *im, const struct image *in,
    const struct exec_args *a, const char *execfn_s, uintptr_t *spp)
{
	uintptr_t sp = STACK_TOP;
	uint8_t rnd[16];
	int err = 0;

	random_bytes(rnd, sizeof(rnd));
	uintptr_t at_random = push_bytes(&sp, rnd, sizeof(rnd), &err);
	uintptr_t platform = push_bytes(&sp, "x86_64", 7, &err);
	uintptr_t execfn = push_bytes(&sp, execfn_s, strlen(execfn_s) + 1, &err);
	uintptr_t strings = push_bytes(&sp, a->buf, a->len, &err);
	uint64_t auxv[] = {
		AT_PHDR, im->x.phdr ? im->x.phdr + im->bias : 0,
		AT_PHENT, sizeof(struct elf_phdr), AT_PHNUM, im->x.phnum,
		AT_PAGESZ, PAGE_SIZE, AT_BASE, in->file ? in->x.lo + in->bias : 0,
		AT_FLAGS, 0, AT_ENTRY, im->x.entry + im->bias,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0,
		AT_HWCAP, arch_hwcap(), AT_HWCAP2, 0, AT_CLKTCK, 100, AT_RANDOM, at_random,
		AT_PLATFORM, platform, AT_EXECFN, execfn, AT_MINSIGSTKSZ, MINSIGSTKSZ,
		vdso_base() ? AT_SYSINFO_EHDR : AT_IGNORE, vdso_base(),
		AT_NULL, 0,
	};
	int envc = a->n - a->argc;
	size_t words = 1 + a->argc + 1 + envc + 1 + sizeof(auxv) / 8;
	sp = (sp - words * 8) & ~15UL;
	struct word_writer w = { .at = sp, .err = err };
	words_put(&w, a->argc);
	for (int i = 0; i < a->n; i++) {
		if (i == a->argc)
			words_put(&w, 0);
		words_put(&w, strings + a->off[i]);
	}
	if (a->n == a->argc)
		words_put(&w, 0);
	words_put(&w, 0);
	for (size_t i = 0; i < sizeof(auxv) / 8; i++)
		words_put(&w, auxv[i]);
	words_flush(&w);
	*spp = sp;
	return w.err;
}

/* A program loaded, not yet the process's. */
struct loaded {
	struct mm *mm;
	struct image im, in;
	char *path;			/* kmalloc'd: the file loaded (a script's interpreter) */
};

static void loaded_free(struct loaded *l)
{
	if (l->mm)
		mm_destroy(l->mm);
	if (l->im.file)
		file_rele(l->im.file);
	if (l->in.file)
		file_rele(l->in.file);
	kfree(l->path);
	*l = (struct loaded){ 0 };
}

static char *kstrdup(const char *s)
{
	char *d = kmalloc(strlen(s) + 1);

	if (d)
		memcpy(d, s, strlen(s) + 1);
	return d;
}

/* Loads path (or the interpreter of the script it is, whose arguments a
 * gets) into a new address space. Nothing of the caller's changes. */
static int exec_load(const char *path, struct exec_args *a, bool report, struct loaded *l)
{
	char *line = kmalloc(SCRIPT_LINE), *interp = NULL, *optarg = NULL;
	int err = line ? 0 : -ENOMEM;

	*l = (struct loaded){ 0 };
	l->path = err ? NULL : kstrdup(path);
	for (int depth = 0; !err && l->path; depth++) {
		int script = read_shebang(l->path, line, &interp, &optarg);
		if (script <= 0) {
			err = script;
			break;
		}
		if (depth == SCRIPT_DEPTH)
			err = -ELOOP;
		if (!err)
			err = args_for_script(a, interp, optarg, l->path);
		kfree(l->path);
		l->path = err ? NULL : kstrdup(interp);
	}
	kfree(line);
	if (!err && !l->path)
		err = -ENOMEM;
	if (!err && !(l->mm = mm_new()))
		err = -ENOMEM;
	bool told = false;
	if (!err) {
		err = load_program(l->mm, l->path, &l->im, &l->in, report);
		told = err != 0;
	}
	if (!err)
		err = vm_add(l->mm, STACK_TOP - STACK_MAX, STACK_TOP, PROT_READ | PROT_WRITE,
		    VMA_STACK);
	if (!err)
		err = vdso_map(l->mm);
	if (err && report && !told)
		printk("osprey: %s: %s\n", path, err == -ENOENT || err == -ENOTDIR ? "not found" :
		    err == -ELOOP ? "too many levels of #! interpreters" :
		    err == -ENOEXEC ? "a bad #! line" : err == -ENOMEM ? "out of memory" :
		    "cannot run it");
	if (err)
		loaded_free(l);
	return err;
}

/* The loaded program becomes p's (its old memory goes), started at tf by
 * the calling thread, which is p's or works for it. An initial stack that
 * cannot be written (-EFAULT: no memory) leaves p without a usable image:
 * the caller ends it, as Linux's exec past its point of no return. */
static int exec_commit(struct process *p, struct loaded *l, const struct exec_args *a,
    const char *path, struct trapframe *tf)
{
	struct thread *self = thread_current();
	struct mm *mm = l->mm;

	process_set_mm(p, mm);
	self->aspace = mm->pm;
	arch_switch_aspace(mm->pm);
	/* The files held for the images' pages; argv and name for /proc. */
	process_set_image(p, l->im.file, l->in.file, a->buf,
	    a->argc < a->n ? a->off[a->argc] : a->len, path);
	kfree(p->name);
	p->name = l->path;
	mm->brk_start = mm->brk = PAGE_ALIGN(l->im.x.hi + l->im.bias);
	const struct image *first = l->in.file ? &l->in : &l->im;
	uintptr_t sp;
	int err = build_stack(&l->im, &l->in, a, l->path, &sp);
	*tf = (struct trapframe){
		.rip = first->x.entry + first->bias, .cs = USER_CS, .rflags = USER_RFLAGS,
		.rsp = sp, .ss = USER_SS,
	};
	*l = (struct loaded){ 0 };
	return err;
}

/* ---- program threads ---- */

struct thread_start {
	struct trapframe tf;
	struct linux_thread *lt;
	uint64_t fs_base, gs_base;
};

/* First code of a program thread: adopt its Linux state and its process's
 * page tables, enter the program (ring 3) with iretq. */
static void enter_program(void *arg)
{
	struct thread_start st = *(struct thread_start *)arg;
	struct thread *self = thread_current();

	kfree(arg);
	self->os_priv = st.lt;
	self->os_proc = st.lt->proc;
	self->aspace = st.lt->proc->mm->pm;
	arch_switch_aspace(self->aspace);
	self->fs_base = st.fs_base;
	self->gs_base = st.gs_base;
	arch_set_fs_base(st.fs_base);
	arch_set_gs_base(st.gs_base);
	int *tidp = st.lt->set_child_tid;
	if (tidp)	/* CLONE_CHILD_SETTID: in the child's memory; a fault is ignored, as on Linux */
		(void)put_user(st.lt->tid, tidp);
	trap_return(&st.tf);
}

struct thread *linux_thread_start(const struct trapframe *tf, struct linux_thread *lt,
    uint64_t fs_base, uint64_t gs_base)
{
	struct thread_start *st = kmalloc(sizeof(*st));
	struct process *p = lt->proc;

	if (!st)
		return NULL;
	*st = (struct thread_start){ *tf, lt, fs_base, gs_base };
	__atomic_add_fetch(&p->nthreads, 1, __ATOMIC_SEQ_CST);
	/* Named as its creator (Linux's comm), the first one as its program. */
	struct thread *me = thread_current();
	struct thread *t = thread_create(me->os_priv ? me->name : p->comm, enter_program, st,
	    PRIO_DEFAULT, PROGRAM_STACK);
	if (!t) {
		__atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_SEQ_CST);
		kfree(st);
		return NULL;
	}
	thread_detach(t);
	return t;
}

/* ---- execve ---- */

/* path is the kernel's copy; argv and envp are in the program's memory. */
static long do_execve(const char *path, char *const *uargv, char *const *uenvp)
{
	struct linux_thread *lt = thread_current()->os_priv;
	struct process *p = lt->proc;
	struct exec_args a = { 0 };
	struct loaded l;
	int err = args_add_user(&a, uargv);

	if (!err && !a.n)
		err = args_add(&a, "", 0);	/* an empty argv gets "", as Linux 6 */
	a.argc = a.n;
	if (!err)
		err = args_add_user(&a, uenvp);
	if (!err)
		err = exec_load(path, &a, false, &l);
	if (err) {
		args_free(&a);
		return err;
	}
	linux_stop_others(lt);		/* the point of no return */
	int stack_err = exec_commit(p, &l, &a, path, lt->frame);
	thread_set_name(thread_current(), p->comm);	/* as Linux names it */
	args_free(&a);
	fdtable_close_on_exec(&p->fds);
	signal_exec(lt);
	struct thread *self = thread_current();
	self->fs_base = self->gs_base = 0;
	arch_set_fs_base(0);
	arch_set_gs_base(0);
	fpu_reset();
	lt->clear_child_tid = NULL;
	lt->robust_list = NULL;
	process_exec_done(p);
	if (stack_err) {
		printk("osprey: %s: no memory for its initial stack\n", p->name);
		linux_exit_signal(SIGSEGV);
	}
	return 0;
}

static long sys_execve(const char *upath, char *const *argv, char *const *envp)
{
	char *path = kmalloc(PATH_MAX);
	long err = path ? strncpy_from_user(path, upath, PATH_MAX) : -ENOMEM;

	if (err == 0)
		err = -ENOENT;
	if (err > 0)
		err = do_execve(path, argv, envp);
	kfree(path);
	return err;
}
SYSCALL(59, execve, sys_execve);

#define AT_EMPTY_PATH	0x1000

/* The path execveat names: name (the program's, copied) as it is, or
 * after the path of the directory dirfd names. */
static long execveat_path(int dirfd, const char *name, char *path)
{
	struct file *f;
	long err;

	if (name[0] == '/' || dirfd == AT_FDCWD) {
		strlcpy(path, name, PATH_MAX);
		return 0;
	}
	if ((err = fd_get(&this_proc()->fds, dirfd, &f)))
		return err;
	err = f->vn && f->vn->type == VDIR ? 0 : -ENOTDIR;
	if (!err) {
		vn_hold(f->vn);
		err = vfs_dir_path(f->vn, path, PATH_MAX);
	}
	file_rele(f);
	size_t n = err ? 0 : strlen(path);
	if (!err && n + 1 + strlen(name) >= PATH_MAX)
		err = -ENAMETOOLONG;
	if (!err && strcmp(path, "/"))
		path[n++] = '/';
	if (!err)
		strlcpy(path + n, name, PATH_MAX - n);
	return err;
}

/* execveat: a path relative to a directory descriptor becomes the
 * directory's path and the name. A descriptor alone (AT_EMPTY_PATH, as
 * fexecve makes it) has no path to give: ENOSYS, logged. */
static long sys_execveat(int dirfd, const char *upath, char *const *argv, char *const *envp,
    int flags)
{
	char *path = kmalloc(PATH_MAX), *name = kmalloc(PATH_MAX);
	long err = path && name ? strncpy_from_user(name, upath, PATH_MAX) : -ENOMEM;

	if (err == 0 && (flags & AT_EMPTY_PATH)) {
		pr_warn("linux: execveat of a descriptor (fexecve) is not supported\n");
		err = -ENOSYS;
	} else if (err == 0) {
		err = -ENOENT;
	}
	if (err > 0)
		err = execveat_path(dirfd, name, path);
	if (!err)
		err = do_execve(path, argv, envp);
	kfree(name);
	kfree(path);
	return err;
}
SYSCALL(322, execveat, sys_execveat);

/* ---- the first process ---- */

static const char *const default_env[] = {
	"HOME=/", "PATH=/bin:/usr/bin:/sbin:/usr/sbin", "TERM=vt100",
};

/* The program's descriptors 0, 1 and 2: the console, or the files io
 * names for its input and output (created 0644, truncated or appended
 * to), as a shell's < and > would. A file that cannot be opened is
 * reported and the program does not run (-1); no console only warns. */
static int open_stdio(struct process *p, const struct linux_stdio *io)
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
		if (fd_install(&p->fds, files[fd], fd, 0) != fd)
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

/* Loads argv[0] as the image of p, the first process, its first thread
 * ready at tf. Errors are reported; returns the exit status, 0 if it may
 * start. The boot thread works for p meanwhile (the stack is p's). */
static int first_image(struct process *p, int argc, char **argv, struct trapframe *tf)
{
	struct exec_args a = { 0 };
	struct loaded l;
	int err = args_add_kernel(&a, argc, (const char *const *)argv);

	a.argc = a.n;
	if (!err)
		err = args_add_kernel(&a, sizeof(default_env) / sizeof(*default_env), default_env);
	uint64_t t0 = clock_ns();
	if (!err)
		err = exec_load(argv[0], &a, true, &l);
	if (boot_opts.bootchart)
		printk("bootchart: %s loaded in %lu us (at %lu us)\n", argv[0],
		    (clock_ns() - t0) / 1000, clock_ns() / 1000);
	if (!err) {
		struct thread *self = thread_current();
		self->os_proc = p;
		err = exec_commit(p, &l, &a, argv[0], tf);
		if (err)
			printk("osprey: %s: no memory for its initial stack\n", argv[0]);
		self->os_proc = NULL;
		self->aspace = NULL;
	}
	args_free(&a);
	return !err ? 0 : err == -ENOENT || err == -ENOTDIR ? 127 : err == -EMFILE ? 1 : 126;
}

int linux_run(int argc, char **argv, const struct linux_stdio *io)
{
	struct trapframe tf;

	syscall_init();
	vm_init_faults();
	vdso_init();
	struct process *p = process_new_first();
	struct linux_thread *lt = kzalloc(sizeof(*lt));
	if (!p || !lt) {
		kfree(lt);
		if (p)
			process_discard(p);
		return 126;
	}
	int status = open_stdio(p, io) < 0 ? 1 : first_image(p, argc, argv, &tf);
	lt->tid = p->pid;
	lt->proc = p;
	if (!status && !linux_thread_start(&tf, lt, 0, 0)) {
		printk("osprey: %s: no memory for its first thread\n", argv[0]);
		status = 126;
	}
	if (status) {
		kfree(lt);
		process_discard(p);
		return status;
	}
	return process_wait_first(p);
}
