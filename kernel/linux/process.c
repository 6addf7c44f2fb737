/* Processes: the tree of them (parent, children, process groups and
 * sessions), fork and vfork, the end of a process (zombie, SIGCHLD,
 * orphans given to the first process), wait4 and waitid, kill to a pid,
 * a group or everyone.
 *
 * The first process of a run (linux_run) is pid 1 and has no parent; when
 * it ends, the run ends: every process left is killed and reaped before
 * the next program on the command line starts, so none can outlive it.
 *
 * Locks: proc_lock (a mutex) guards the tree, every process's place in
 * it (pid, pgid, sid, parent, zombie, vforked), each mm's refs and the
 * list of all processes; proc_changed is broadcast whenever a process
 * becomes a zombie or a vfork child lets its parent go. It is taken
 * before a process's sig.lock, never inside it. */
#include "linux/linux.h"
#include "linux/uaccess.h"
#include "arch/x86_64/paging.h"
#include "dev/console.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define WNOHANG		1
#define WUNTRACED	2
#define WEXITED		4
#define WCONTINUED	8
#define WNOWAIT		0x01000000
#define P_ALL		0
#define P_PID		1
#define P_PGID		2
#define RLIMIT_NPROC	6

/* A run's processes stuck in the kernel are given this long to end when
 * the first process has ended, then abandoned with a message. */
#define END_WAIT_NS (30 * 1000000000ULL)

static struct mutex proc_lock = MUTEX_INIT(proc_lock);
static struct cond proc_changed = COND_INIT(proc_changed);
static struct list all_procs = LIST_INIT(all_procs);
static int nprocs;			/* on all_procs: proc_lock */
static int next_id = 1;			/* pids and tids, one sequence (atomic) */

int linux_new_id(void)
{
	return __atomic_add_fetch(&next_id, 1, __ATOMIC_SEQ_CST);
}

static struct vnode **cwd_of_current(void)
{
	struct process *p = this_proc();

	return p ? &p->cwd : NULL;
}

/* ---- creation and freeing ---- */

/* A process with nothing in it yet (no mm, no descriptors, no threads),
 * not in the tree; parent's limits, umask, actions and place in the
 * process groups, or the defaults for the first process. */
static struct process *process_alloc(struct process *parent, int pid)
{
	struct process *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	mutex_init(&p->limits_lock);
	mutex_init(&p->exit_lock);
	cond_init(&p->exited);
	spin_init(&p->sig.lock, "sig");
	waitq_init(&p->sig.fd_wq);
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->all);		/* empty until it is in the tree */
	p->pid = pid;
	p->exit_signal = SIGCHLD;
	p->start_ns = clock_ns();
	if (!parent) {
		limits_init(p);
		fdtable_init(&p->fds, FD_LIMIT);
		p->umask = 022;
		p->pgid = p->sid = pid;
		return p;
	}
	mutex_lock(&parent->limits_lock);
	memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	mutex_unlock(&parent->limits_lock);
	p->umask = parent->umask;
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	signal_fork(p, parent);
	return p;
}

/* Drops a process's use of mm: the last user's end frees it. A vfork
 * child's parent may go on once the child has its own memory. */
static void mm_put(struct process *p)
{
	struct mm *mm = p->mm;

	if (!mm)
		return;
	mutex_lock(&proc_lock);
	p->mm = NULL;
	bool last = --mm->refs == 0;
	if (p->vforked) {
		p->vforked = false;
		cond_broadcast(&proc_changed);
	}
	mutex_unlock(&proc_lock);
	if (thread_current()->aspace == mm->pm)
		thread_current()->aspace = NULL;	/* paging_destroy loads the kernel's */
	if (last)
		mm_destroy(mm);
}

/* What a process holds besides its memory: descriptors, directory,
 * files of its images. */
static void release_files(struct process *p)
{
	fdtable_destroy(&p->fds);
	struct vnode *cwd = vfs_cwd_take(&p->cwd);
	if (cwd)
		vn_rele(cwd);
	process_set_image(p, NULL, NULL, NULL, 0, NULL);
}

/* Swapped under proc_lock, released after it: /proc/PID reads them. */
void process_set_image(struct process *p, struct file *exe, struct file *interp,
    const char *argv, size_t len, const char *path)
{
	char *cmdline = len ? kmalloc(len < CMDLINE_MAX ? len : CMDLINE_MAX) : NULL;
	const char *base = path ? strrchr(path, '/') : NULL;

	len = cmdline ? (len < CMDLINE_MAX ? len : CMDLINE_MAX) : 0;
	if (cmdline)
		memcpy(cmdline, argv, len);
	mutex_lock(&proc_lock);
	struct file *old_exe = p->exe, *old_interp = p->interp;
	char *old_cmdline = p->cmdline;
	p->exe = exe;
	p->interp = interp;
	if (argv) {
		p->cmdline = cmdline;
		p->cmdline_len = len;
	}
	if (path)
		strlcpy(p->comm, base ? base + 1 : path, sizeof(p->comm));
	mutex_unlock(&proc_lock);
	if (old_exe)
		file_rele(old_exe);
	if (old_interp)
		file_rele(old_interp);
	if (argv)
		kfree(old_cmdline);
}

/* A process some of whose threads were abandoned (blocked in the
 * kernel for good) is never freed, nor its memory: if one ever runs, it
 * finds them, and ends at its next system call or fault. */
static void process_free(struct process *p)
{
	if (p->abandoned)
		return;
	kfree(p->name);
	kfree(p->cmdline);
	kfree(p);
}

void process_abandon(struct process *p)
{
	mutex_lock(&proc_lock);
	if (!p->abandoned && p->mm)
		p->mm->refs++;
	p->abandoned = true;
	mutex_unlock(&proc_lock);
}

/* Takes p off the tree and the list of all; proc_lock held. */
static void unlink_process(struct process *p)
{
	if (p->parent)
		list_del(&p->sibling);
	list_del(&p->all);
	nprocs--;
}

/* A zombie's status collected: its CPU time becomes its parent's
 * children's, and it goes. proc_lock held. */
static void reap(struct process *p)
{
	if (p->parent)
		p->parent->child_cpu_ns += p->cpu_ended_ns + p->child_cpu_ns;
	unlink_process(p);
	process_free(p);
}

/* ---- the first process ---- */

struct process *process_new_first(void)
{
	struct process *p = process_alloc(NULL, 1);

	if (!p)
		return NULL;
	vfs_set_cwd_hook(cwd_of_current);
	procpid_init();
	mutex_lock(&proc_lock);
	list_add_tail(&all_procs, &p->all);
	nprocs++;
	mutex_unlock(&proc_lock);
	return p;
}

/* Kills every process but first and waits until each has ended (they are
 * orphans: their ends reap them). proc_lock held. */
static void end_the_rest(struct process *first)
{
	struct siginfo_k info = { .signo = SIGKILL, .code = SI_KERNEL };
	uint64_t give_up = clock_ns() + END_WAIT_NS;

	while (nprocs > 1) {
		struct list *pos;
		list_for_each(pos, &all_procs) {
			struct process *q = list_entry(pos, struct process, all);
			if (q != first && !q->zombie && !q->exiting)
				signal_send_process(q, 0, &info);
		}
		if (cond_timedwait(&proc_changed, &proc_lock, give_up) == -ETIMEDOUT)
			break;
	}
	if (nprocs > 1)
		printk("osprey: %d processes did not end (blocked in the kernel); abandoning them\n",
		    nprocs - 1);
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &all_procs) {
		struct process *q = list_entry(pos, struct process, all);
		if (q != first && q->zombie)
			reap(q);
	}
}

int process_wait_first(struct process *p)
{
	mutex_lock(&proc_lock);
	while (!p->zombie)
		cond_wait(&proc_changed, &proc_lock);
	end_the_rest(p);
	int status = p->exit_status;
	unlink_process(p);
	if (nprocs)			/* abandoned ones: the list starts afresh */
		list_init(&all_procs), nprocs = 0;
	mutex_unlock(&proc_lock);
	process_free(p);
	return status;
}

void process_discard(struct process *p)
{
	mm_put(p);
	release_files(p);
	mutex_lock(&proc_lock);
	if (!list_empty(&p->all))
		unlink_process(p);
	mutex_unlock(&proc_lock);
	process_free(p);
}

/* ---- the end of a process ---- */

/* Who adopts p's orphans: the nearest ancestor that is a subreaper,
 * else the first process (p itself when p is the first). */
static struct process *adopter_of(struct process *p)
{
	for (struct process *a = p->parent; a; a = a->parent)
		if ((a->subreaper || !a->parent) && !a->zombie)
			return a;	/* one ending will give them on in turn */
	return NULL;		/* the run is ending */
}

void process_set_subreaper(bool on)
{
	mutex_lock(&proc_lock);
	this_proc()->subreaper = on;
	mutex_unlock(&proc_lock);
}

static void tell_parent(struct process *p)
{
	struct siginfo_k info = {
		.signo = p->exit_signal, .code = p->term_signal ? CLD_KILLED : CLD_EXITED,
		.chld = { .pid = p->pid, .status = p->term_signal ? p->term_signal : p->exit_status,
		    .utime = (int64_t)(p->cpu_ended_ns / 10000000) },
	};

	if (p->exit_signal > 0 && p->exit_signal <= NSIG && !p->parent->exiting)
		signal_send_process(p->parent, 0, &info);
}

/* Children of p go to the nearest subreaper above it, else the first
 * process (pid 1), or, when p is the first one, nowhere: the run is
 * ending and they will be killed. proc_lock. */
static void give_away_children(struct process *p)
{
	struct process *init = adopter_of(p);
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		list_del(&c->sibling);
		if (!init) {
			c->parent = NULL;
			if (c->zombie)
				reap(c);
			continue;
		}
		c->parent = init;
		list_add_tail(&init->children, &c->sibling);
		if (c->zombie)
			tell_parent(c);
	}
}

/* The last thread of p has left (its linux_thread is gone): everything p
 * holds goes, and p becomes a zombie for its parent to reap; the calling
 * thread ends right after. */
void process_exit(struct process *p)
{
	struct thread *self = thread_current();

	mm_put(p);
	release_files(p);
	self->os_priv = NULL;
	self->os_proc = NULL;
	mutex_lock(&proc_lock);
	give_away_children(p);
	p->zombie = true;
	if (p->parent && signal_child_autoreap(p->parent)) {
		reap(p);
	} else if (p->parent) {
		tell_parent(p);
	} else if (p->pid != 1) {
		reap(p);	/* an orphan of a run that ended */
	}
	cond_broadcast(&proc_changed);
	mutex_unlock(&proc_lock);
}

/* ---- fork and vfork ---- */

#define CLONE_VM		0x00000100
#define CLONE_FS		0x00000200
#define CLONE_FILES		0x00000400
#define CLONE_VFORK		0x00004000
#define CLONE_PARENT		0x00008000
#define CLONE_SETTLS		0x00080000
#define CLONE_PARENT_SETTID	0x00100000
#define CLONE_CHILD_CLEARTID	0x00200000
#define CLONE_CHILD_SETTID	0x01000000

/* The child's memory: its parent's, shared (CLONE_VM: vfork), or a
 * copy-on-write copy. */
static int child_memory(struct process *c, struct process *p, uint64_t flags)
{
	if (!(flags & CLONE_VM)) {
		c->mm = mm_fork(p->mm);
		return c->mm ? 0 : -ENOMEM;
	}
	mutex_lock(&proc_lock);
	c->mm = p->mm;
	c->mm->refs++;
	mutex_unlock(&proc_lock);
	return 0;
}

/* Everything but the thread: memory, descriptors, directory, images. */
static int child_state(struct process *c, struct process *p, uint64_t flags)
{
	int err = child_memory(c, p, flags);

	if (!err)
		err = fdtable_copy(&c->fds, &p->fds);
	else
		fdtable_init(&c->fds, FD_LIMIT);
	if (err)
		return err;
	c->cwd = vfs_cwd();
	if (p->exe)
		file_hold(c->exe = p->exe);
	if (p->interp)
		file_hold(c->interp = p->interp);
	c->name = kmalloc(strlen(p->name) + 1);
	if (!c->name)
		return -ENOMEM;
	memcpy(c->name, p->name, strlen(p->name) + 1);
	memcpy(c->comm, p->comm, sizeof(c->comm));
	if (p->cmdline && (c->cmdline = kmalloc(p->cmdline_len))) {	/* the same argv */
		memcpy(c->cmdline, p->cmdline, p->cmdline_len);
		c->cmdline_len = p->cmdline_len;
	}
	return 0;
}

static bool over_nproc(struct process *p)
{
	mutex_lock(&p->limits_lock);
	uint64_t max = p->rlim[RLIMIT_NPROC].cur;
	mutex_unlock(&p->limits_lock);
	return (uint64_t)__atomic_load_n(&nprocs, __ATOMIC_RELAXED) >= max;
}

long process_fork(uint64_t flags, uintptr_t stack, int *ptid, int *ctid, uint64_t tls,
    int exit_signal)
{
	struct linux_thread *self = thread_current()->os_priv;
	struct process *p = self->proc;

	if (flags & (CLONE_FS | CLONE_FILES | CLONE_PARENT)) {
		pr_warn("linux: clone of a process sharing its parent's files, directory or "
		    "parent is not supported (flags %#lx)\n", flags);
		return -EINVAL;
	}
	if ((flags & CLONE_PARENT_SETTID && !user_ok(ptid, 4, true)) ||
	    (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) && !user_ok(ctid, 4, true)))
		return -EFAULT;
	if (over_nproc(p))
		return -EAGAIN;
	int pid = linux_new_id();
	struct process *c = process_alloc(p, pid);
	struct linux_thread *lt = c ? kzalloc(sizeof(*lt)) : NULL;
	int err = lt ? child_state(c, p, flags) : -ENOMEM;
	if (err) {
		kfree(lt);
		if (c)
			process_discard(c);
		return err == -ENOMEM ? -ENOMEM : -EAGAIN;
	}
	c->exit_signal = exit_signal;
	c->vforked = flags & CLONE_VFORK;
	lt->tid = pid;
	lt->proc = c;
	if (flags & CLONE_CHILD_CLEARTID)
		lt->clear_child_tid = ctid;
	if (flags & CLONE_CHILD_SETTID)
		lt->set_child_tid = ctid;	/* in the child's memory, by the child */
	if (flags & CLONE_PARENT_SETTID)	/* checked above; a fault since is ignored, as Linux */
		(void)put_user(pid, ptid);
	struct trapframe tf = *self->frame;
	tf.rax = 0;
	if (stack)
		tf.rsp = stack;
	uint64_t fs = flags & CLONE_SETTLS ? tls : thread_current()->fs_base;
	signal_thread_init(lt, self);
	mutex_lock(&proc_lock);
	c->parent = p;
	list_add_tail(&p->children, &c->sibling);
	list_add_tail(&all_procs, &c->all);
	nprocs++;
	mutex_unlock(&proc_lock);
	if (!linux_thread_start(&tf, lt, fs, thread_current()->gs_base)) {
		signal_thread_detach(lt);
		kfree(lt);
		process_discard(c);
		return -EAGAIN;
	}
	if (flags & CLONE_VFORK) {	/* until the child execs or ends */
		mutex_lock(&proc_lock);
		while (c->vforked)
			cond_wait(&proc_changed, &proc_lock);
		mutex_unlock(&proc_lock);
	}
	return pid;
}

void process_exec_done(struct process *p)
{
	mutex_lock(&proc_lock);
	p->execed = true;
	if (p->vforked) {
		p->vforked = false;
		cond_broadcast(&proc_changed);
	}
	mutex_unlock(&proc_lock);
}

/* The process's new memory (execve): the old one is dropped, which lets
 * a vfork parent go on. */
void process_set_mm(struct process *p, struct mm *mm)
{
	mm_put(p);
	mutex_lock(&proc_lock);
	p->mm = mm;
	mutex_unlock(&proc_lock);
}

/* ---- wait ---- */

/* Does child c answer a wait for id (wait4's pid convention)? */
static bool wanted(const struct process *me, const struct process *c, int id)
{
	return id == -1 || (id > 0 && c->pid == id) || (id == 0 && c->pgid == me->pgid) ||
	    (id < -1 && c->pgid == -id);
}

static int wait_status(const struct process *c)
{
	return c->term_signal ? c->term_signal : (c->exit_status & 0xff) << 8;
}

/* Finds an ended child for id; *any says if any child matches at all.
 * proc_lock held. */
static struct process *ended_child(struct process *me, int id, bool *any)
{
	struct list *pos;

	*any = false;
	list_for_each(pos, &me->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		if (!wanted(me, c, id))
			continue;
		*any = true;
		if (c->zombie)
			return c;
	}
	return NULL;
}

struct rusage_k {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t rest[14];
};

/* Waits for an ended child for id; its status and siginfo are taken
 * (and it is reaped unless WNOWAIT) under proc_lock. 0 with WNOHANG when
 * none has ended; -ECHILD when none can. */
static int wait_child(int id, int options, int *status, struct siginfo_k *info,
    uint64_t *cpu_ns)
{
	struct process *me = this_proc();
	bool any;
	int err = 0;

	mutex_lock(&proc_lock);
	struct process *c;
	while (!(c = ended_child(me, id, &any)) && any && !(options & WNOHANG))
		if ((err = cond_wait_intr(&proc_changed, &proc_lock, 0)) == -EINTR)
			break;
	int pid = c ? c->pid : err ? err : any ? 0 : -ECHILD;
	if (c) {
		*status = wait_status(c);
		*cpu_ns = c->cpu_ended_ns + c->child_cpu_ns;
		if (info)
			*info = (struct siginfo_k){ .signo = SIGCHLD,
			    .code = c->term_signal ? CLD_KILLED : CLD_EXITED,
			    .chld = { .pid = c->pid,
			    .status = c->term_signal ? c->term_signal : c->exit_status } };
		if (!(options & WNOWAIT))
			reap(c);
	}
	mutex_unlock(&proc_lock);
	return pid;
}

/* The child's usage to the program's ru (if any): 0 or -EFAULT. */
static int put_rusage(struct rusage_k *ru, uint64_t cpu_ns)
{
	struct rusage_k r = {
		.utime_sec = (int64_t)(cpu_ns / 1000000000),
		.utime_usec = (int64_t)(cpu_ns / 1000 % 1000000),
	};

	return ru ? copy_to_user(ru, &r, sizeof(r)) : 0;
}

/* As on Linux, a status or usage that cannot be written is EFAULT once the
 * child has been reaped (wait4 and waitid alike). */
static long sys_wait4(int pid, int *ustatus, int options, struct rusage_k *ru)
{
	int status = 0;
	uint64_t cpu = 0;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | 0xe0000000))
		return -EINVAL;		/* __WNOTHREAD, __WALL, __WCLONE are taken */
	long ret = wait_child(pid == INT32_MIN ? 0 : pid, options, &status, NULL, &cpu);
	if (ret > 0 && ustatus && put_user(status, ustatus))
		return -EFAULT;
	if (ret > 0 && put_rusage(ru, cpu))
		return -EFAULT;
	return ret;
}
SYSCALL(61, wait4, sys_wait4);

static long sys_waitid(int idtype, int id, struct siginfo_k *uinfo, int options,
    struct rusage_k *ru)
{
	struct siginfo_k info = { 0 };
	int status;
	uint64_t cpu = 0;

	if (!(options & WEXITED) || (options & ~(WNOHANG | WEXITED | WUNTRACED | WCONTINUED |
	    WNOWAIT | 0xe0000000)))
		return -EINVAL;		/* only ends are reported: nothing stops */
	if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
		return -EINVAL;
	if ((idtype != P_ALL && id <= 0) && !(idtype == P_PGID && id == 0))
		return -EINVAL;
	int want = idtype == P_ALL ? -1 : idtype == P_PID ? id : id ? -id : 0;
	long ret = wait_child(want, options, &status, &info, &cpu);
	if (ret < 0)
		return ret;
	if (ret > 0 && put_rusage(ru, cpu))
		return -EFAULT;
	/* zeros when WNOHANG found none, as Linux */
	return uinfo ? copy_to_user(uinfo, &info, sizeof(info)) : 0;
}
SYSCALL(247, waitid, sys_waitid);

/* ---- signals to processes ---- */

/* Sends info to each live process for pid (kill's convention); -ESRCH
 * when none is there. proc_lock held. */
static int kill_each(struct process *me, int pid, const struct siginfo_k *info)
{
	struct list *pos;
	int found = 0, err = 0;

	list_for_each(pos, &all_procs) {
		struct process *q = list_entry(pos, struct process, all);
		bool match = pid > 0 ? q->pid == pid : pid == 0 ? q->pgid == me->pgid :
		    pid == -1 ? q != me && q->parent : q->pgid == -pid;
		if (!match)
			continue;
		found++;
		if (!q->zombie && !q->exiting && info->signo) {
			int e = signal_send_process(q, 0, info);
			err = err ? err : e;
		}
	}
	return found ? err : -ESRCH;
}

long process_kill(int pid, const struct siginfo_k *info)
{
	mutex_lock(&proc_lock);
	int err = kill_each(this_proc(), pid, info);
	mutex_unlock(&proc_lock);
	return err;
}

static struct process *find_process(int pid)
{
	struct list *pos;

	list_for_each(pos, &all_procs) {
		struct process *q = list_entry(pos, struct process, all);
		if (q->pid == pid)
			return q;
	}
	return NULL;
}

/* The process of a thread id: each thread's id is unique among all. */
static struct process *process_of_tid(int tid)
{
	struct list *pos;

	list_for_each(pos, &all_procs) {
		struct process *q = list_entry(pos, struct process, all);
		unsigned long flags = spin_lock_irqsave(&q->sig.lock);
		bool here = linux_find_thread(q, tid) != NULL;
		spin_unlock_irqrestore(&q->sig.lock, flags);
		if (here)
			return q;
	}
	return NULL;
}

long process_kill_thread(int tgid, int tid, const struct siginfo_k *info)
{
	mutex_lock(&proc_lock);
	struct process *q = tgid ? find_process(tgid) : process_of_tid(tid);
	int err = !q || q->zombie || q->exiting ? -ESRCH : signal_send_process(q, tid, info);
	mutex_unlock(&proc_lock);
	return err;
}

/* ---- identity ---- */

static long sys_getpid(void)
{
	return this_proc()->pid;
}
SYSCALL(39, getpid, sys_getpid);

static long sys_getppid(void)
{
	mutex_lock(&proc_lock);
	struct process *parent = this_proc()->parent;
	int pid = parent ? parent->pid : 0;
	mutex_unlock(&proc_lock);
	return pid;
}
SYSCALL(110, getppid, sys_getppid);

/* The process pid names for getpgid/getsid/setpgid: 0 is the caller. */
static struct process *named(int pid)
{
	return pid ? find_process(pid) : this_proc();
}

/* The group (or the session) of the process pid names. */
static long group_of(int pid, bool session)
{
	mutex_lock(&proc_lock);
	struct process *q = named(pid);
	long ret = !q ? -ESRCH : session ? q->sid : q->pgid;
	mutex_unlock(&proc_lock);
	return ret;
}

static long sys_getpgid(int pid)
{
	return group_of(pid, false);
}
SYSCALL(121, getpgid, sys_getpgid);

static long sys_getpgrp(void)
{
	return sys_getpgid(0);
}
SYSCALL(111, getpgrp, sys_getpgrp);

static long sys_getsid(int pid)
{
	return group_of(pid, true);
}
SYSCALL(124, getsid, sys_getsid);

/* Is there a group pgid in session sid? proc_lock held. */
static bool group_in_session(int pgid, int sid)
{
	struct list *pos;

	list_for_each(pos, &all_procs) {
		struct process *q = list_entry(pos, struct process, all);
		if (q->pgid == pgid && q->sid == sid)
			return true;
	}
	return false;
}

static long sys_setpgid(int pid, int pgid)
{
	struct process *me = this_proc();

	if (pgid < 0)
		return -EINVAL;
	mutex_lock(&proc_lock);
	struct process *q = named(pid);
	long err = 0;
	if (!q || (q != me && q->parent != me))
		err = -ESRCH;
	else if (q != me && q->execed)
		err = -EACCES;		/* a child that has exec'd is its own now */
	else if (q->sid != me->sid || q->sid == q->pid)
		err = -EPERM;		/* another session's, or a session leader */
	else if (pgid && pgid != q->pid && !group_in_session(pgid, me->sid))
		err = -EPERM;
	else
		q->pgid = pgid ? pgid : q->pid;
	mutex_unlock(&proc_lock);
	return err;
}
SYSCALL(109, setpgid, sys_setpgid);

static long sys_setsid(void)
{
	struct process *me = this_proc();
	long ret;

	mutex_lock(&proc_lock);
	if (me->pgid == me->pid || group_in_session(me->pid, me->sid)) {
		ret = -EPERM;		/* a group leader already */
	} else {
		me->sid = me->pgid = me->pid;
		ret = me->sid;
	}
	mutex_unlock(&proc_lock);
	return ret;
}
SYSCALL(112, setsid, sys_setsid);

/* How many processes there are (sysinfo's procs, RLIMIT_NPROC). */
int process_count(void)
{
	return __atomic_load_n(&nprocs, __ATOMIC_RELAXED);
}

void process_for_each(void (*fn)(struct process *p, void *arg), void *arg)
{
	struct list *pos;

	mutex_lock(&proc_lock);
	list_for_each(pos, &all_procs)
		fn(list_entry(pos, struct process, all), arg);
	mutex_unlock(&proc_lock);
}

int process_with(int pid, int (*fn)(struct process *p, void *arg), void *arg)
{
	mutex_lock(&proc_lock);
	struct process *p = find_process(pid);
	int ret = p ? fn(p, arg) : -ENOENT;
	mutex_unlock(&proc_lock);
	return ret;
}

static void mark_written(struct process *p, void *vn)
{
	if (p->mm)
		vm_mark_written(p->mm, vn);
}

void process_mark_written(struct vnode *vn)
{
	process_for_each(mark_written, vn);
}

/* ---- kernel threads working for a program ---- */

void linux_adopt(struct thread *program_thread)
{
	struct thread *self = thread_current();
	struct process *p = program_thread->os_proc;

	self->os_proc = p;
	self->aspace = program_thread->aspace;
	arch_switch_aspace(self->aspace);
}
