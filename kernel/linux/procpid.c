/* What /proc/PID says about a process, in Linux's formats (fs/proc/array.c,
 * base.c, task_mmu.c): stat, status, statm, cmdline, comm, maps, limits,
 * fdinfo, and the links exe, cwd, root and fd/N. fs/procfs/pid.c makes the
 * directories and asks here through struct procfs_pid_ops.
 *
 * Each text is a snapshot made at open: what it needs is copied under
 * proc_lock (process_with), then each process's own locks in their order
 * (limits_lock, the fd table's, mm_lock, sig.lock with nothing allocated
 * under it); files are held and named after every lock is dropped, since
 * naming one may read directories. cmdline is the copy of argv execve
 * keeps (CMDLINE_MAX bytes), not the program's memory. Times are in
 * clock ticks of 100 Hz (AT_CLKTCK); all CPU time counts as user time,
 * as getrusage reports it. Fields nothing here tracks are 0. */
#include "linux/linux.h"
#include "fs/procfs/procfs.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define TICK_NS		10000000ULL	/* 100 Hz */
#define RLIM_NLIMITS	16
#define RLIMIT_RSS	5
#define RLIMIT_SIGPENDING 11
#define RLIM_INFINITY	(~0ULL)
#define SIG_IGN		1
#define O_CLOEXEC_BIT	02000000
#define CAPS_ALL	0x000001ffffffffffUL	/* root's, Linux 6.1's 41 capabilities */

struct thread_snap {
	int tid, nice;
	char state;			/* R, S, D, T */
	char name[16];
	uint64_t cpu_ns, pending, blocked;
};

/* The VMAs of a process as maps shows them (files held). */
struct vma_snap {
	uintptr_t start, end;
	int prot, kind;
	bool shared;
	struct file *file;
	int64_t file_off;
};

struct proc_snap {
	int pid, ppid, pgid, sid, exit_signal, exit_code;
	bool zombie;
	char comm[16];
	uint32_t umask;
	uint64_t start_ns, cpu_ns, child_cpu_ns;
	uint64_t shared_pending, ignored, caught;
	int nqueued;
	struct rlimit_k rlim[RLIM_NLIMITS];
	int fd_size;
	/* Memory, in bytes but rss (pages); none for a zombie. */
	bool has_mm;
	uint64_t vsize, rss, rss_peak, data, stack, text, lib;
	uintptr_t start_code, end_code, start_data, end_data, start_brk;
	int nthreads;
	struct thread_snap *threads;	/* kmalloc'd */
	int nvmas;
	struct vma_snap *vmas;		/* only when asked for (maps) */
};

/* ---- taking the snapshot ---- */

static char thread_state(struct thread *t)
{
	if (!t || t->state == T_RUNNING || t->state == T_RUNNABLE)
		return 'R';
	return t->intr_sleep ? 'S' : 'D';
}

/* Threads and signals, under sig.lock: only copies, into room made first. */
static void snap_threads(struct process *p, struct proc_snap *s, int room)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	s->cpu_ns = p->cpu_ended_ns;
	s->shared_pending = p->sig.pending.set;
	s->nqueued = p->sig.nqueued;
	for (int sig = 1; sig <= NSIG; sig++) {
		uint64_t h = p->sig.actions[sig].handler;
		if (h == SIG_IGN)
			s->ignored |= SIGBIT(sig);
		else if (h)
			s->caught |= SIGBIT(sig);
	}
	for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next) {
		struct thread *t = lt->sig.thread;
		uint64_t ns = t ? thread_cpu_ns(t) : 0;
		s->cpu_ns += ns;
		if (s->nthreads == room)
			continue;
		struct thread_snap *ts = &s->threads[s->nthreads++];
		*ts = (struct thread_snap){ .tid = lt->tid,
		    .state = lt->sig.parked ? 'T' : thread_state(t),
		    .cpu_ns = ns, .pending = lt->sig.pending.set, .blocked = lt->sig.mask,
		    .nice = t ? t->nice : 0 };
		memcpy(ts->name, t ? t->name : p->comm, sizeof(ts->name) - 1);
		ts->name[sizeof(ts->name) - 1] = 0;
	}
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

static int vma_key(const struct avl_node *n, const void *key)
{
	const struct vma *v = (const struct vma *)n;
	uintptr_t a = *(const uintptr_t *)key;

	return v->end <= a ? -1 : v->start > a ? 1 : 0;
}

static bool is_exe(const struct vma *v, const struct process *p)
{
	return v->file && p->exe && v->file->vn == p->exe->vn;
}

static void count_vma(struct proc_snap *s, const struct vma *v, const struct process *p)
{
	uint64_t size = v->end - v->start;

	s->vsize += size;
	if (v->kind == VMA_STACK)
		s->stack += size;
	else if ((v->prot & PROT_WRITE) && !v->shared)
		s->data += size;
	if ((v->prot & PROT_EXEC) && v->file && !is_exe(v, p)) {
		s->lib += size;
	} else if ((v->prot & PROT_EXEC) && is_exe(v, p)) {
		s->text += size;
		s->start_code = s->start_code ? s->start_code : v->start;
		s->end_code = v->end;
	}
	if (is_exe(v, p) && (v->prot & PROT_WRITE) && !s->start_data) {
		s->start_data = v->start;
		s->end_data = v->end;
	}
}

/* Memory, under mm_lock (it keeps the tree still; faults only read it). */
static int snap_memory(struct process *p, struct proc_snap *s, bool want_vmas)
{
	struct mm *mm = p->mm;
	int room = 0, err = 0;

	if (!mm)
		return 0;
	s->has_mm = true;
	mutex_lock(&mm->mm_lock);
	s->rss = mm->user_pages;
	s->rss_peak = mm->user_pages_max;
	s->start_brk = mm->brk_start;
	uintptr_t at = 0;
	for (struct vma *v; (v = (struct vma *)avl_ceil(mm->vmas, &at, vma_key)); at = v->end) {
		count_vma(s, v, p);
		if (!want_vmas)
			continue;
		if (s->nvmas == room) {
			room = room ? room * 2 : 32;
			struct vma_snap *more = krealloc(s->vmas, room * sizeof(*more));
			if (!more) {
				err = -ENOMEM;
				break;
			}
			s->vmas = more;
		}
		s->vmas[s->nvmas++] = (struct vma_snap){ .start = v->start, .end = v->end,
		    .prot = v->prot, .kind = v->kind, .shared = v->shared, .file = v->file,
		    .file_off = v->file_off };
		if (v->file)
			file_hold(v->file);
	}
	mutex_unlock(&mm->mm_lock);
	return err;
}

struct snap_req {
	struct proc_snap *s;
	bool want_vmas;
};

/* proc_lock held (process_with). */
static int take_snap(struct process *p, void *arg)
{
	struct snap_req *r = arg;
	struct proc_snap *s = r->s;
	int room = __atomic_load_n(&p->nthreads, __ATOMIC_RELAXED) + 4;

	s->pid = p->pid;
	s->ppid = p->parent ? p->parent->pid : 0;
	s->pgid = p->pgid;
	s->sid = p->sid;
	s->zombie = p->zombie;
	s->exit_signal = p->exit_signal;
	s->exit_code = !p->zombie ? 0 : p->term_signal ? p->term_signal :
	    (p->exit_status & 0xff) << 8;
	memcpy(s->comm, p->comm, sizeof(s->comm));
	s->umask = p->umask;
	s->start_ns = p->start_ns;
	s->child_cpu_ns = p->child_cpu_ns;
	mutex_lock(&p->limits_lock);
	memcpy(s->rlim, p->rlim, sizeof(s->rlim));
	mutex_unlock(&p->limits_lock);
	mutex_lock(&p->fds.lock);
	s->fd_size = p->fds.size;
	mutex_unlock(&p->fds.lock);
	if (!(s->threads = kmalloc(room * sizeof(*s->threads))))
		return -ENOMEM;
	snap_threads(p, s, room);
	return snap_memory(p, s, r->want_vmas);
}

static void snap_free(struct proc_snap *s)
{
	for (int i = 0; i < s->nvmas; i++)
		if (s->vmas[i].file)
			file_rele(s->vmas[i].file);
	kfree(s->vmas);
	kfree(s->threads);
}

static int snap(int pid, struct proc_snap *s, bool want_vmas)
{
	struct snap_req r = { s, want_vmas };

	memset(s, 0, sizeof(*s));
	int err = process_with(pid, take_snap, &r);
	if (err)
		snap_free(s);
	return err;
}

/* The thread tid's (0: the process's leader, or its first thread). */
static const struct thread_snap *thread_of(const struct proc_snap *s, int tid)
{
	for (int i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == (tid ? tid : s->pid))
			return &s->threads[i];
	return !tid && s->nthreads ? &s->threads[0] : NULL;
}

/* ---- the texts ---- */

static uint64_t ticks(uint64_t ns)
{
	return ns / TICK_NS;
}

static const char *state_name(char state)
{
	return state == 'R' ? "R (running)" : state == 'S' ? "S (sleeping)" :
	    state == 'D' ? "D (disk sleep)" : state == 'T' ? "T (stopped)" : "Z (zombie)";
}

static void show_stat(struct procfs_text *t, const struct proc_snap *s,
    const struct thread_snap *th, int tid)
{
	uint64_t cpu = tid ? th->cpu_ns : s->cpu_ns;
	int nice = th ? th->nice : 0;
	uint64_t rsslim = s->rlim[RLIMIT_RSS].cur;

	procfs_printf(t, "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 %lu 0 %lu 0 %d %d %d 0 %lu ",
	    tid ? tid : s->pid, th ? th->name : s->comm, s->zombie ? 'Z' : th ? th->state : 'R',
	    s->ppid, s->pgid, s->sid, ticks(cpu), ticks(s->child_cpu_ns), 20 + nice, nice,
	    s->nthreads, ticks(s->start_ns));
	procfs_printf(t, "%lu %lu %lu %lu %lu 0 0 0 %lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0 ",
	    s->vsize, s->rss, rsslim, (unsigned long)s->start_code, (unsigned long)s->end_code,
	    th ? th->pending & 0x7fffffff : 0, th ? th->blocked & 0x7fffffff : 0,
	    s->ignored & 0x7fffffff, s->caught & 0x7fffffff, s->exit_signal);
	procfs_printf(t, "%lu %lu %lu 0 0 0 0 %d\n", (unsigned long)s->start_data,
	    (unsigned long)s->end_data, (unsigned long)s->start_brk, s->exit_code);
}

static void show_kb(struct procfs_text *t, const char *name, uint64_t bytes)
{
	procfs_printf(t, "%s:\t%8lu kB\n", name, bytes / 1024);
}

static void show_status_memory(struct procfs_text *t, const struct proc_snap *s)
{
	if (!s->has_mm)
		return;
	show_kb(t, "VmPeak", 0);	/* the largest size is not kept */
	show_kb(t, "VmSize", s->vsize);
	show_kb(t, "VmLck", 0);
	show_kb(t, "VmPin", 0);
	show_kb(t, "VmHWM", s->rss_peak * PAGE_SIZE);
	show_kb(t, "VmRSS", s->rss * PAGE_SIZE);
	show_kb(t, "VmData", s->data);
	show_kb(t, "VmStk", s->stack);
	show_kb(t, "VmExe", s->text);
	show_kb(t, "VmLib", s->lib);
	show_kb(t, "VmSwap", 0);
}

static void show_status(struct procfs_text *t, const struct proc_snap *s,
    const struct thread_snap *th, int tid)
{
	procfs_printf(t, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
	    "PPid:\t%d\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\n"
	    "Groups:\t\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
	    th ? th->name : s->comm, s->umask, state_name(s->zombie ? 'Z' : th ? th->state : 'R'),
	    s->pid, tid ? tid : s->pid, s->ppid, s->fd_size, s->pid, tid ? tid : s->pid,
	    s->pgid, s->sid);
	show_status_memory(t, s);
	procfs_printf(t, "Threads:\t%d\nSigQ:\t%d/%lu\n", s->nthreads, s->nqueued,
	    s->rlim[RLIMIT_SIGPENDING].cur);
	procfs_printf(t, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\n"
	    "SigCgt:\t%016lx\n", th ? th->pending : 0, s->shared_pending, th ? th->blocked : 0,
	    s->ignored, s->caught);
	procfs_printf(t, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\n"
	    "CapAmb:\t%016lx\nNoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed:\t1\n"
	    "Cpus_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
	    0UL, CAPS_ALL, CAPS_ALL, CAPS_ALL, 0UL);
}

/* size resident shared text lib data dt, in pages. */
static void show_statm(struct procfs_text *t, const struct proc_snap *s)
{
	procfs_printf(t, "%lu %lu 0 %lu 0 %lu 0\n", s->vsize / PAGE_SIZE, s->rss,
	    s->text / PAGE_SIZE, (s->data + s->stack) / PAGE_SIZE);
}

static void show_limits(struct procfs_text *t, const struct proc_snap *s)
{
	static const struct { const char *name, *unit; } names[RLIM_NLIMITS] = {
		{ "Max cpu time", "seconds" }, { "Max file size", "bytes" },
		{ "Max data size", "bytes" }, { "Max stack size", "bytes" },
		{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
		{ "Max processes", "processes" }, { "Max open files", "files" },
		{ "Max locked memory", "bytes" }, { "Max address space", "bytes" },
		{ "Max file locks", "locks" }, { "Max pending signals", "signals" },
		{ "Max msgqueue size", "bytes" }, { "Max nice priority", NULL },
		{ "Max realtime priority", NULL }, { "Max realtime timeout", "us" },
	};
	char cur[24], max[24];

	procfs_printf(t, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		const struct rlimit_k *r = &s->rlim[i];
		snprintf(cur, sizeof(cur), r->cur == RLIM_INFINITY ? "unlimited" : "%lu", r->cur);
		snprintf(max, sizeof(max), r->max == RLIM_INFINITY ? "unlimited" : "%lu", r->max);
		if (names[i].unit)
			procfs_printf(t, "%-25s %-20s %-20s %-10s\n", names[i].name, cur, max,
			    names[i].unit);
		else
			procfs_printf(t, "%-25s %-20s %-20s\n", names[i].name, cur, max);
	}
}

/* One line of maps: the name starts at column 73, as Linux pads it. */
static void show_vma(struct procfs_text *t, const struct vma_snap *v, const char *name)
{
	struct vattr va = { 0 };
	char line[96];

	if (v->file)
		vfs_fstat(v->file, &va);
	int n = snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ",
	    (unsigned long)v->start, (unsigned long)v->end, v->prot & PROT_READ ? 'r' : '-',
	    v->prot & PROT_WRITE ? 'w' : '-', v->prot & PROT_EXEC ? 'x' : '-',
	    v->shared ? 's' : 'p', v->file ? (unsigned long)v->file_off : 0UL,
	    (unsigned)((va.dev >> 8) & 0xfff), (unsigned)((va.dev & 0xff) | ((va.dev >> 12) & 0xfff00)),
	    (unsigned long)va.ino);
	procfs_put(t, line, n);
	if (name)
		procfs_printf(t, "%*s%s", n < 73 ? 73 - n : 0, "", name);
	procfs_put(t, "\n", 1);
}

/* The file names are found with no lock held; a run of mappings of one
 * file (an image's segments) is named once. */
static int show_maps(struct procfs_text *t, const struct proc_snap *s)
{
	char *path = kmalloc(PATH_MAX);
	struct file *named = NULL;

	if (!path)
		return -ENOMEM;
	for (int i = 0; i < s->nvmas; i++) {
		const struct vma_snap *v = &s->vmas[i];
		const char *name = v->kind == VMA_BRK ? "[heap]" : v->kind == VMA_STACK ? "[stack]" :
		    v->kind == VMA_VDSO ? (v->prot & PROT_EXEC ? "[vdso]" : "[vvar]") : NULL;
		if (v->file && v->file != named) {
			int n = vfs_file_path(v->file, path, PATH_MAX);
			named = v->file;
			if (n < 0)
				snprintf(path, PATH_MAX, "/?");
		}
		show_vma(t, v, v->file ? path : name);
	}
	kfree(path);
	return 0;
}

static int show_text(int pid, int tid, enum procfs_pid_file what, struct procfs_text *t)
{
	struct proc_snap s;
	int err = snap(pid, &s, what == PROC_MAPS);

	if (err)
		return err;
	const struct thread_snap *th = thread_of(&s, tid);
	if (tid && !th) {
		snap_free(&s);
		return -ENOENT;
	}
	switch (what) {
	case PROC_STAT:
		show_stat(t, &s, th, tid);
		break;
	case PROC_STATUS:
		show_status(t, &s, th, tid);
		break;
	case PROC_STATM:
		show_statm(t, &s);
		break;
	case PROC_COMM:
		procfs_printf(t, "%s\n", th ? th->name : s.comm);
		break;
	case PROC_LIMITS:
		show_limits(t, &s);
		break;
	case PROC_MAPS:
		err = show_maps(t, &s);
		break;
	default:
		err = -EINVAL;
	}
	snap_free(&s);
	return err;
}

/* ---- cmdline, descriptors, links ---- */

static int copy_cmdline(struct process *p, void *arg)
{
	if (p->mm && p->cmdline)	/* a zombie has no memory, so no argv */
		procfs_put(arg, p->cmdline, p->cmdline_len);
	return 0;
}

struct fd_req {
	int fd;
	struct file *file;
	int fdflags;
};

static int hold_fd(struct process *p, void *arg)
{
	struct fd_req *r = arg;
	int err = fd_get(&p->fds, r->fd, &r->file);

	r->fdflags = err ? 0 : fd_get_flags(&p->fds, r->fd);
	return err == -EBADF ? -ENOENT : err;
}

static int show_fdinfo(int pid, int fd, struct procfs_text *t)
{
	struct fd_req r = { .fd = fd };
	struct vattr va = { 0 };
	int err = process_with(pid, hold_fd, &r);

	if (err)
		return err;
	vfs_fstat(r.file, &va);
	procfs_printf(t, "pos:\t%ld\nflags:\t0%o\nmnt_id:\t0\nino:\t%lu\n", (long)r.file->pos,
	    (unsigned)r.file->flags | (r.fdflags > 0 && (r.fdflags & FD_CLOEXEC) ? O_CLOEXEC_BIT : 0),
	    (unsigned long)va.ino);
	file_rele(r.file);
	return 0;
}

static int pid_show(int pid, int tid, int fd, enum procfs_pid_file what, struct procfs_text *t)
{
	if (what == PROC_CMDLINE)
		return process_with(pid, copy_cmdline, t);
	if (what == PROC_FDINFO)
		return show_fdinfo(pid, fd, t);
	return show_text(pid, tid, what, t);
}

struct link_req {
	enum procfs_pid_file what;
	struct file *file;
	struct vnode *dir;
};

static int hold_link(struct process *p, void *arg)
{
	struct link_req *r = arg;

	if (r->what == PROC_EXE && p->exe)
		file_hold(r->file = p->exe);
	else if (r->what == PROC_CWD && !(r->dir = vfs_cwd_of(&p->cwd)) && p->mm)
		r->dir = vfs_root();	/* it never left the root */
	else if (r->what == PROC_ROOT && !p->zombie)
		r->dir = vfs_root();	/* no chroot: every process's root is / */
	return r->file || r->dir ? 0 : -ENOENT;
}

static int pid_link(int pid, enum procfs_pid_file what, int fd, char *buf, size_t len)
{
	struct link_req r = { .what = what };
	int err;

	if (what == PROC_FD) {
		struct fd_req f = { .fd = fd };
		if ((err = process_with(pid, hold_fd, &f)))
			return err;
		r.file = f.file;
	} else if ((err = process_with(pid, hold_link, &r))) {
		return err;
	}
	if (r.dir)
		return (err = vfs_dir_path(r.dir, buf, len)) ? err : (int)strlen(buf);
	err = vfs_file_path(r.file, buf, len);
	file_rele(r.file);
	return err;
}

/* ---- which processes, threads and descriptors there are ---- */

struct next_req {
	int after, best;
};

static void lowest_above(struct process *p, void *arg)
{
	struct next_req *r = arg;

	if (p->pid > r->after && (!r->best || p->pid < r->best))
		r->best = p->pid;
}

static int pid_next(int after)
{
	struct next_req r = { after, 0 };

	process_for_each(lowest_above, &r);
	return r.best;
}

static int lowest_tid_above(struct process *p, void *arg)
{
	struct next_req *r = arg;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next)
		if (lt->tid > r->after && (!r->best || lt->tid < r->best))
			r->best = lt->tid;
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return 0;
}

static int pid_next_tid(int pid, int after)
{
	struct next_req r = { after, 0 };

	return process_with(pid, lowest_tid_above, &r) ? 0 : r.best;
}

static int lowest_fd_from(struct process *p, void *arg)
{
	struct next_req *r = arg;

	r->best = fd_next(&p->fds, r->after);
	return 0;
}

static int pid_next_fd(int pid, int from)
{
	struct next_req r = { from, -1 };

	return process_with(pid, lowest_fd_from, &r) ? -1 : r.best;
}

static int pid_self(int *tid)
{
	struct linux_thread *lt = thread_current()->os_priv;

	if (!lt)
		return 0;
	*tid = lt->tid;
	return lt->proc->pid;
}

static const struct procfs_pid_ops pid_ops = {
	.self = pid_self, .next_pid = pid_next, .next_tid = pid_next_tid,
	.next_fd = pid_next_fd, .show = pid_show, .link = pid_link,
};

void procpid_init(void)
{
	procfs_set_pid_ops(&pid_ops);
}
