/* Signals, delivered as Linux delivers them on x86-64.
 *
 * A signal is queued for a thread (tkill, tgkill, SIGPIPE, a timer with
 * SIGEV_THREAD_ID) or for the process (kill, alarm, timers), and the
 * thread that should take it is interrupted (sched.h): an interruptible
 * sleep ends with -EINTR, and the arch code calls signal_user_return()
 * before that thread next enters the program. There the signal is taken
 * out of the queues and acted on: its default action (end the program,
 * or nothing), or the handler, for which a frame like Linux's rt_sigframe
 * is written below the program's stack pointer (or on the alternate
 * stack): the return address (sa_restorer, which calls rt_sigreturn), a
 * ucontext_t with every register and the signal mask, the siginfo_t, and
 * the FPU state in fxsave format, 64-byte aligned above them. A system
 * call the signal interrupted is restarted (SA_RESTART, or no handler ran)
 * or fails with EINTR. Faults of the program come here synchronously from
 * the fault handler (signal_fault).
 *
 * Everything lives in the process (actions, process-directed queue,
 * timers) and its threads (mask, own queue, alternate stack); a new
 * program gets a zeroed process, so nothing carries over between the
 * programs of one command line. */
#include "linux/linux.h"
#include "linux/uaccess.h"
#include "dev/console.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define SIG_DFL		0
#define SIG_IGN		1
#define SA_NOCLDSTOP	0x00000001
#define SA_NOCLDWAIT	0x00000002
#define SA_SIGINFO	0x00000004
#define SA_RESTORER	0x04000000
#define SA_ONSTACK	0x08000000
#define SA_RESTART	0x10000000
#define SA_NODEFER	0x40000000
#define SA_RESETHAND	0x80000000

#define SIG_BLOCK	0
#define SIG_UNBLOCK	1
#define SIG_SETMASK	2

#define SS_ONSTACK	1
#define SS_DISABLE	2
#define SS_AUTODISARM	(1U << 31)
#define MINSIGSTKSZ	2048

#define UNBLOCKABLE	(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define MAX_QUEUED	1024		/* kmalloc'd signals per process, as RLIMIT_SIGPENDING */
#define RED_ZONE	128

#define UC_SIGCONTEXT_SS	2
#define UC_STRICT_RESTORE_SS	4

#define RFLAGS_CF	0x00001
#define RFLAGS_TF	0x00100
#define RFLAGS_DF	0x00400
#define RFLAGS_RF	0x10000
#define RFLAGS_USER	0x40cd5	/* what rt_sigreturn may set: CF PF AF ZF SF DF OF AC */

/* Linux's stack_t. */
struct stack_k {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

/* Linux's struct sigcontext on x86-64; the registers are in the order of
 * glibc's gregs (REG_R8 = 0 ... REG_CR2 = 22). */
struct sigcontext_k {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, rflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;		/* the fxsave image, 0 if none */
	uint64_t reserved[8];
};

/* The kernel's ucontext: its sigmask is 8 bytes (glibc's sigset_t is
 * larger and simply runs on into the siginfo). */
struct ucontext_k {
	uint64_t flags, link;
	struct stack_k stack;
	struct sigcontext_k mcontext;
	uint64_t sigmask;
};

/* What the handler finds at its stack pointer (Linux's rt_sigframe). */
struct sigframe {
	uint64_t restorer;
	struct ucontext_k uc;
	struct siginfo_k info;
};

_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo_t is 128 bytes");
_Static_assert(sizeof(struct sigcontext_k) == 256, "struct sigcontext is 256 bytes");
_Static_assert(offsetof(struct sigframe, info) == 312, "rt_sigframe layout");

struct ptimer {
	struct ptimer *next;
	struct process *proc;
	int id, clock, notify;
	struct linux_thread *target;	/* SIGEV_THREAD_ID; NULL once it left */
	struct timer timer;
	uint64_t deadline, interval;	/* clock_ns(); deadline 0: disarmed */
	int overrun, last_overrun;
	struct sigqueued q;		/* info is the template of each expiry */
};

/* What a fault adds to the signal frame's sigcontext. */
struct fault_regs {
	uint64_t trapno, err, cr2;
};

static struct linux_thread *self(void)
{
	return thread_current()->os_priv;
}

static bool dying(struct process *p)
{
	return __atomic_load_n(&p->dying, __ATOMIC_ACQUIRE);
}

/* ---- default actions and names ---- */

/* SIGCONT's continuing is done when it is sent (job_control_sent); as
 * a signal to take, it is ignored by default like SIGCHLD, SIGURG and
 * SIGWINCH. */
static bool ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

/* Signals whose default action stops the process. */
static bool stops_by_default(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

#define STOP_SIGNALS	(SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

static bool ignored(const struct sigaction_k *a, int sig)
{
	return a->handler == SIG_IGN || (a->handler == SIG_DFL && ignored_by_default(sig));
}

static const char *const sig_names[SIGRTMIN] = {
	NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
	"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
	"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
	"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
	"SIGIO", "SIGPWR", "SIGSYS",
};

/* The default action of a terminating signal: the status a shell shows. */
/* Only the first process's end is told on the console: a child's is its
 * parent's to learn (wait), as a shell reports it. */
static _Noreturn void die(struct process *p, int sig)
{
	if (p->pid != 1)
		;
	else if (sig < SIGRTMIN)
		printk("osprey: %s: killed by signal %d (%s)\n", p->name, sig, sig_names[sig]);
	else
		printk("osprey: %s: killed by signal %d (SIGRTMIN+%d)\n", p->name, sig, sig - SIGRTMIN);
	linux_exit_signal(sig);
}

/* ---- queues (sig.lock held) ---- */

static void pending_add(struct sigpending *pd, struct sigqueued *q)
{
	struct sigqueued **pp = &pd->head;

	while (*pp)
		pp = &(*pp)->next;
	q->next = NULL;
	q->queued = true;
	*pp = q;
	pd->set |= SIGBIT(q->info.signo);
}

/* Unlinks q (queued in pd); the bit goes when no other entry has its signal. */
static void pending_unlink(struct sigpending *pd, struct sigqueued *q)
{
	int sig = q->info.signo;
	bool more = false;

	for (struct sigqueued **pp = &pd->head; *pp;) {
		if (*pp == q) {
			*pp = q->next;
			continue;
		}
		more |= (*pp)->info.signo == sig;
		pp = &(*pp)->next;
	}
	q->next = NULL;
	q->queued = false;
	if (!more)
		pd->set &= ~SIGBIT(sig);
}

static bool pending_has(const struct sigpending *pd, const struct sigqueued *q)
{
	const struct sigqueued *e = pd->head;

	while (e && e != q)
		e = e->next;
	return e;
}

static struct sigqueued *pending_first(struct sigpending *pd, int sig)
{
	struct sigqueued *q = pd->head;

	while (q && q->info.signo != sig)
		q = q->next;
	return q;
}

static void entry_free(struct process *p, struct sigqueued *q)
{
	if (!q->owned) {
		p->sig.nqueued--;
		kfree(q);	/* the heap's spinlock nests inside ours */
	}
}

/* Drops every queued sig (sig 0: every signal). */
static void pending_drop(struct process *p, struct sigpending *pd, int sig)
{
	struct sigqueued *q = pd->head;

	while (q) {
		struct sigqueued *next = q->next;
		if (!sig || q->info.signo == sig) {
			pending_unlink(pd, q);
			entry_free(p, q);
		}
		q = next;
	}
}

static uint64_t deliverable(struct process *p, struct linux_thread *lt)
{
	return (lt->sig.pending.set | p->sig.pending.set) & ~lt->sig.mask;
}

static int stop_signal(struct process *p)
{
	return __atomic_load_n(&p->sig.stop_sig, __ATOMIC_ACQUIRE);
}

/* Sets lt's interruption mark when it has something to do; clears the
 * calling thread's own when it has not (another thread's stays until it
 * looks itself, so no mark is lost to a race). */
static void recalc(struct process *p, struct linux_thread *lt)
{
	struct thread *t = lt->sig.thread;

	if (!t)
		return;		/* not started: it looks when it starts */
	if (deliverable(p, lt) || dying(p) || p->sig.stop_sig)
		thread_interrupt(t);
	else if (t == thread_current())
		thread_uninterrupt(t);
}

/* A process-directed sig wakes one thread that does not block it, the
 * first (main) thread first, as Linux prefers. */
static void wake_taker(struct process *p, int sig)
{
	for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next) {
		if (lt->sig.thread && !(lt->sig.mask & SIGBIT(sig))) {
			thread_interrupt(lt->sig.thread);
			return;
		}
	}
}

static bool blocked_by(struct process *p, struct linux_thread *lt, int sig)
{
	if (lt)
		return lt->sig.mask & SIGBIT(sig);
	for (lt = p->sig.threads; lt; lt = lt->sig.next)
		if (lt->sig.mask & SIGBIT(sig))
			return true;
	return false;
}

/* Parked threads look again: the stop ended, SIGKILL came, or the
 * process is ending. sig.lock held. */
static void wake_parked(struct process *p)
{
	spin_lock_raw(&p->sig.stop_wq.lock);
	waitq_wake_all_locked(&p->sig.stop_wq);
	spin_unlock_raw(&p->sig.stop_wq.lock);
}

/* Drops every pending signal of set, the process's and each thread's. */
static void drop_everywhere(struct process *p, uint64_t set)
{
	for (int sig = 1; sig <= NSIG; sig++) {
		if (!(set & SIGBIT(sig)))
			continue;
		pending_drop(p, &p->sig.pending, sig);
		for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next)
			pending_drop(p, &lt->sig.pending, sig);
	}
}

/* What Linux does as sig is sent, whatever the mask and the action: a
 * SIGCONT ends a stop (its threads go on; the parent is told, by the
 * first of them to run, if the stop was complete) and discards pending
 * stop signals; a stop signal discards a pending SIGCONT; SIGKILL wakes
 * parked threads, to end. May run in an interrupt (a timer's signal):
 * only queues change and threads are woken. sig.lock held. */
static void job_control_sent(struct process *p, int sig)
{
	if (stops_by_default(sig)) {
		drop_everywhere(p, SIGBIT(SIGCONT));
	} else if (sig == SIGKILL) {
		wake_parked(p);
	} else if (sig == SIGCONT) {
		drop_everywhere(p, STOP_SIGNALS);
		p->sig.conts++;
		if (!p->sig.stop_sig)
			return;
		if (p->sig.stopped) {
			p->sig.wait_code = CLD_CONTINUED;
			p->sig.wait_status = SIGCONT;
			__atomic_store_n(&p->sig.tell_continued, true, __ATOMIC_RELEASE);
		}
		p->sig.stopped = false;
		__atomic_store_n(&p->sig.stop_sig, 0, __ATOMIC_RELEASE);
		for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next)
			lt->sig.parked = false;
		wake_parked(p);
	}
}

/* Queues info for lt (NULL: the process) in q, an entry owned by a timer
 * or kmalloc'd by the caller (NULL if that failed). As Linux: an ignored
 * signal nobody blocks is dropped, and so is a standard signal already
 * pending (they do not queue). 1: q was used; 0: dropped; -EAGAIN: no
 * room. */
static int queue(struct process *p, struct linux_thread *lt, const struct siginfo_k *info,
    struct sigqueued *q)
{
	int sig = info->signo;
	struct sigpending *pd = lt ? &lt->sig.pending : &p->sig.pending;

	job_control_sent(p, sig);
	if (ignored(&p->sig.actions[sig], sig) && !blocked_by(p, lt, sig))
		return 0;
	if (sig < SIGRTMIN && (pd->set & SIGBIT(sig)))
		return 0;
	if (!q || (!q->owned && p->sig.nqueued >= MAX_QUEUED))
		return -EAGAIN;
	if (!q->owned) {
		p->sig.nqueued++;
		q->timer = NULL;
	}
	q->info = *info;
	pending_add(pd, q);
	spin_lock_raw(&p->sig.fd_wq.lock);
	waitq_wake_all_locked(&p->sig.fd_wq);
	spin_unlock_raw(&p->sig.fd_wq.lock);
	if (!lt)
		wake_taker(p, sig);
	else if (!(lt->sig.mask & SIGBIT(sig)))
		recalc(p, lt);
	return 1;
}

/* The lowest-numbered pending signal in allowed, the thread's own before
 * the process's, taken out of its queue with its siginfo; 0 if none. */
static int dequeue(struct process *p, struct linux_thread *lt, uint64_t allowed,
    struct siginfo_k *info)
{
	uint64_t ready = (lt->sig.pending.set | p->sig.pending.set) & allowed;

	if (!ready)
		return 0;
	/* SIGKILL first: nothing may run before it (a stopped process's
	 * other pending signals wait for SIGCONT). */
	int sig = ready & SIGBIT(SIGKILL) ? SIGKILL : __builtin_ctzll(ready) + 1;
	struct sigpending *pd = lt->sig.pending.set & SIGBIT(sig) ? &lt->sig.pending :
	    &p->sig.pending;
	struct sigqueued *q = pending_first(pd, sig);
	pending_unlink(pd, q);
	*info = q->info;
	if (q->timer) {
		info->timer.overrun = q->timer->last_overrun = q->timer->overrun;
		q->timer->overrun = 0;
	}
	entry_free(p, q);
	return sig;
}

struct linux_thread *linux_find_thread(struct process *p, int tid)
{
	struct linux_thread *lt = p->sig.threads;

	while (lt && lt->tid != tid)
		lt = lt->sig.next;
	return lt;
}

/* Sends sig with info to p's thread tid (0: the process). */
static long send_to(struct process *p, int tid, const struct siginfo_k *info)
{
	struct sigqueued *q = info->signo ? kmalloc(sizeof(*q)) : NULL;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	struct linux_thread *lt = tid ? linux_find_thread(p, tid) : NULL;
	long ret = tid && !lt ? -ESRCH : 0;

	if (q)
		q->owned = false;
	if (!ret && info->signo)
		ret = queue(p, lt, info, q);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	if (ret != 1)
		kfree(q);
	sched_preempt_check();
	return ret < 0 ? ret : 0;
}

static long send(int tid, const struct siginfo_k *info)
{
	return send_to(this_proc(), tid, info);
}

int signal_send_process(struct process *p, int tid, const struct siginfo_k *info)
{
	return (int)send_to(p, tid, info);
}

static struct siginfo_k kill_info(int sig, int code)
{
	return (struct siginfo_k){ .signo = sig, .code = code, .kill.pid = this_proc()->pid };
}

int signal_send_thread(struct linux_thread *lt, int sig, int code)
{
	struct siginfo_k info = kill_info(sig, code);

	return lt ? (int)send(lt->tid, &info) : -ESRCH;
}

/* ---- job control: stops ---- */

/* A stop under way is complete when every thread is parked: the stop
 * is recorded for the parent's wait; the caller tells the parent
 * (process_job_changed) once sig.lock is dropped. The signal, or 0 when
 * it is not complete (or was already). sig.lock held. */
static int stop_complete(struct process *p)
{
	if (!p->sig.stop_sig || p->sig.stopped)
		return 0;
	for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next)
		if (!lt->sig.parked)
			return 0;
	p->sig.stopped = true;
	p->sig.wait_code = CLD_STOPPED;
	p->sig.wait_status = p->sig.stop_sig;
	return p->sig.stop_sig;
}

/* The process stops for sig, which lt took when SIGCONT had been sent
 * conts times: every other thread is interrupted, to park at its next
 * return to the program. Nothing happens when a SIGCONT came since (it
 * ended this stop before it began, as Linux has it) or the process is
 * stopping already. sig.lock held. */
static void begin_stop(struct process *p, struct linux_thread *lt, int sig, uint32_t conts)
{
	if (p->sig.conts != conts || p->sig.stop_sig)
		return;
	__atomic_store_n(&p->sig.stop_sig, sig, __ATOMIC_RELEASE);
	p->sig.stopped = false;
	for (struct linux_thread *o = p->sig.threads; o; o = o->sig.next)
		if (o != lt && o->sig.thread)
			thread_interrupt(o->sig.thread);
}

static bool kill_pending(struct process *p, struct linux_thread *lt)
{
	return (p->sig.pending.set | lt->sig.pending.set) & SIGBIT(SIGKILL);
}

/* The calling thread sleeps while its process is stopped, until SIGCONT,
 * a SIGKILL for it, or the process's end; the last to park tells the
 * parent. Called and returns with sig.lock held (irqsave *flags). */
static void park(struct process *p, struct linux_thread *lt, unsigned long *flags)
{
	while (p->sig.stop_sig && !kill_pending(p, lt) && !dying(p)) {
		lt->sig.parked = true;
		int stopped_by = stop_complete(p);
		if (stopped_by) {
			spin_unlock_irqrestore(&p->sig.lock, *flags);
			process_job_changed(p, CLD_STOPPED, stopped_by);
			*flags = spin_lock_irqsave(&p->sig.lock);
			continue;
		}
		/* job_control_sent wakes stop_wq under sig.lock, and this
		 * thread is on it before sig.lock is dropped. */
		spin_lock_raw(&p->sig.stop_wq.lock);
		spin_unlock_raw(&p->sig.lock);
		waitq_wait_locked(&p->sig.stop_wq, flags, 0);
		spin_unlock_raw(&p->sig.stop_wq.lock);
		spin_lock_raw(&p->sig.lock);
	}
	lt->sig.parked = false;
}

/* At a return to the program: parks while the process is stopped, then
 * tells the parent of a continue if no thread has yet. A SIGKILL that
 * woke the thread is its end at once: no thread of a stopped process
 * runs the program again before it ends. */
static void job_control(struct process *p, struct linux_thread *lt)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	park(p, lt, &flags);
	bool killed = kill_pending(p, lt);
	bool tell = p->sig.tell_continued && !killed;
	if (tell)
		__atomic_store_n(&p->sig.tell_continued, false, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	if (killed)
		die(p, SIGKILL);
	if (tell)
		process_job_changed(p, CLD_CONTINUED, SIGCONT);
}

/* May the default action of sig stop p? Not the first process, which
 * nothing could continue (Linux's init is not stopped either), and, for
 * all but SIGSTOP, not a process of an orphaned group (POSIX: there the
 * signal is discarded). */
static bool may_stop(struct process *p, int sig)
{
	static bool told;	/* a racy flag: at worst a second message */

	if (p->pid == 1) {
		if (!told) {
			told = true;
			printk("osprey: %s: %s does not stop the first process (nothing could "
			    "continue it)\n", p->name, sig_names[sig]);
		}
		return false;
	}
	return sig == SIGSTOP || !process_group_orphaned(p);
}

/* Takes sig's default action of stopping, which lt dequeued when
 * SIGCONT had been sent conts times. */
static void default_stop(struct process *p, struct linux_thread *lt, int sig, uint32_t conts)
{
	if (!may_stop(p, sig))
		return;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	begin_stop(p, lt, sig, conts);
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

/* ---- job control: what a wait sees ---- */

int signal_wait_event(struct process *p, bool stops, bool continues, bool keep, int *sig)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	int code = p->sig.wait_code;

	if ((code == CLD_STOPPED && !stops) || (code == CLD_CONTINUED && !continues))
		code = 0;
	if (code) {
		*sig = p->sig.wait_status;
		if (!keep)
			p->sig.wait_code = 0;	/* each is reported once */
	}
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return code;
}

bool signal_stopped(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	bool stopped = p->sig.stopped;

	spin_unlock_irqrestore(&p->sig.lock, flags);
	return stopped;
}

void signal_send_cldstop(struct process *parent, const struct siginfo_k *info)
{
	struct sigqueued *q = kmalloc(sizeof(*q));
	unsigned long flags = spin_lock_irqsave(&parent->sig.lock);
	int used = 0;

	if (q)
		q->owned = false;
	if (!(parent->sig.actions[SIGCHLD].flags & SA_NOCLDSTOP))
		used = queue(parent, NULL, info, q);
	spin_unlock_irqrestore(&parent->sig.lock, flags);
	if (used != 1)
		kfree(q);
	sched_preempt_check();
}

/* ---- threads ---- */

static void list_thread(struct process *p, struct linux_thread *lt)
{
	struct linux_thread **pp = &p->sig.threads;

	if (lt->sig.listed)
		return;
	while (*pp)
		pp = &(*pp)->sig.next;
	lt->sig.next = NULL;
	lt->sig.listed = true;
	*pp = lt;
}

void signal_thread_init(struct linux_thread *child, struct linux_thread *parent)
{
	struct process *p = child->proc;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	child->sig.mask = parent->sig.mask;
	list_thread(p, child);
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

/* The first time a thread runs: it becomes reachable for interruption. */
static void attach(struct process *p, struct linux_thread *lt)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	lt->sig.thread = thread_current();
	list_thread(p, lt);
	recalc(p, lt);
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

void signal_thread_detach(struct linux_thread *lt)
{
	struct process *p = lt->proc;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	for (struct linux_thread **pp = &p->sig.threads; *pp; pp = &(*pp)->sig.next) {
		if (*pp == lt) {
			*pp = lt->sig.next;
			break;
		}
	}
	lt->sig.listed = false;
	if (lt->sig.thread)	/* its CPU time stays the process's */
		p->cpu_ended_ns += thread_cpu_ns(lt->sig.thread);
	pending_drop(p, &lt->sig.pending, 0);
	for (int sig = 1; sig <= NSIG; sig++)	/* it may have been their taker */
		if (p->sig.pending.set & SIGBIT(sig))
			wake_taker(p, sig);
	for (struct ptimer *pt = p->sig.timers; pt; pt = pt->next)
		if (pt->target == lt)
			pt->target = NULL;
	int stopped_by = p->sig.threads && !dying(p) ? stop_complete(p) : 0;
	spin_unlock_irqrestore(&p->sig.lock, flags);
	if (stopped_by)		/* the others were parked already */
		process_job_changed(p, CLD_STOPPED, stopped_by);
}

void signal_interrupt_others(struct linux_thread *me)
{
	struct process *p = me->proc;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next)
		if (lt != me && lt->sig.thread)
			thread_interrupt(lt->sig.thread);
	wake_parked(p);		/* a stopped thread leaves too */
	spin_unlock_irqrestore(&p->sig.lock, flags);
	sched_preempt_check();
}

/* The POSIX timers, stopped and off their queues, taken from p to be
 * freed outside the lock. sig.lock held. */
static struct ptimer *take_timers(struct process *p)
{
	for (struct ptimer *pt = p->sig.timers; pt; pt = pt->next) {
		timer_cancel(&pt->timer);
		if (pt->q.queued)
			pending_unlink(pt->target && pending_has(&pt->target->sig.pending, &pt->q) ?
			    &pt->target->sig.pending : &p->sig.pending, &pt->q);
	}
	struct ptimer *timers = p->sig.timers;
	p->sig.timers = NULL;
	return timers;
}

static void free_timers(struct ptimer *timers)
{
	while (timers) {
		struct ptimer *next = timers->next;
		timer_cancel_sync(&timers->timer);
		kfree(timers);
		timers = next;
	}
}

void signal_process_end(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	timer_cancel(&p->sig.alarm);
	p->sig.alarm_deadline = 0;
	struct ptimer *timers = take_timers(p);
	pending_drop(p, &p->sig.pending, 0);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	timer_cancel_sync(&p->sig.alarm);
	free_timers(timers);
}

/* fork: the child's actions are the parent's. */
void signal_fork(struct process *child, struct process *parent)
{
	unsigned long flags = spin_lock_irqsave(&parent->sig.lock);

	memcpy(child->sig.actions, parent->sig.actions, sizeof(child->sig.actions));
	spin_unlock_irqrestore(&parent->sig.lock, flags);
}

/* execve: handlers go back to SIG_DFL (the code they were in is gone);
 * ignored signals stay ignored, the mask and pending signals stay, the
 * alternate stack and the POSIX timers go (the alarm stays), as Linux. */
void signal_exec(struct linux_thread *lt)
{
	struct process *p = lt->proc;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	for (int sig = 1; sig <= NSIG; sig++) {
		struct sigaction_k *a = &p->sig.actions[sig];
		if (a->handler > SIG_IGN)
			a->handler = SIG_DFL;
		a->flags = 0;
		a->mask = 0;
		a->restorer = 0;
	}
	lt->sig.alt_sp = lt->sig.alt_size = 0;
	lt->sig.alt_flags = 0;
	struct ptimer *timers = take_timers(p);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	free_timers(timers);
}

/* Does p take SIGCHLD's end of a child by reaping it at once (SIGCHLD
 * ignored, or SA_NOCLDWAIT)? */
bool signal_child_autoreap(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	const struct sigaction_k *a = &p->sig.actions[SIGCHLD];
	bool reap = a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return reap;
}

/* ---- the alternate stack ---- */

static bool on_altstack(const struct sigthread *st, uint64_t sp)
{
	return st->alt_size && sp > st->alt_sp && sp - st->alt_sp <= st->alt_size;
}

/* As sigaltstack reports it for a thread whose stack pointer is sp. */
static struct stack_k altstack_of(const struct sigthread *st, uint64_t sp)
{
	int32_t flags = !st->alt_size ? SS_DISABLE : on_altstack(st, sp) ? SS_ONSTACK : 0;

	return (struct stack_k){ .sp = st->alt_sp, .size = st->alt_size,
	    .flags = flags | (int32_t)st->alt_flags };
}

static int set_altstack(struct sigthread *st, const struct stack_k *ss, uint64_t sp)
{
	uint32_t mode = (uint32_t)ss->flags & ~SS_AUTODISARM;

	if (on_altstack(st, sp))
		return -EPERM;
	if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		st->alt_sp = st->alt_size = 0;
		st->alt_flags = 0;
		return 0;
	}
	if (ss->size < MINSIGSTKSZ)
		return -ENOMEM;
	st->alt_sp = ss->sp;
	st->alt_size = ss->size;
	st->alt_flags = (uint32_t)ss->flags & SS_AUTODISARM;
	return 0;
}

static long sys_sigaltstack(const struct stack_k *ss, struct stack_k *old)
{
	struct linux_thread *lt = self();
	uint64_t sp = lt->frame->rsp;

	struct stack_k want = { 0 }, prev = altstack_of(&lt->sig, sp);

	if (ss && copy_from_user(&want, ss, sizeof(want)))
		return -EFAULT;
	if (old && !user_ok(old, sizeof(*old), true))
		return -EFAULT;		/* before the new stack is taken */
	if (ss) {
		int err = set_altstack(&lt->sig, &want, sp);
		if (err)
			return err;
	}
	return old ? copy_to_user(old, &prev, sizeof(prev)) : 0;
}
SYSCALL(131, sigaltstack, sys_sigaltstack);

static void set_mask(struct process *p, struct linux_thread *lt, uint64_t mask);

/* ---- handler frames ---- */

/* Writes the frame for sig's handler and points tf at the handler; false
 * if the frame cannot be written (no restorer, a bad stack: the caller
 * ends the program). The frame and the FPU state are built in the kernel
 * and copied out. */
static bool push_frame(struct trapframe *tf, struct linux_thread *lt, int sig,
    const struct siginfo_k *info, const struct sigaction_k *act, const struct fault_regs *fr)
{
	struct process *p = lt->proc;
	struct sigthread *st = &lt->sig;
	bool was_on_alt = on_altstack(st, tf->rsp);
	bool to_alt = (act->flags & SA_ONSTACK) && st->alt_size && !was_on_alt;
	uint64_t top = to_alt ? st->alt_sp + st->alt_size : tf->rsp - RED_ZONE;
	uint64_t fx = (top - FPU_STATE_SIZE) & ~63UL;
	uint64_t at = ((fx - sizeof(struct sigframe)) & ~15UL) - 8;	/* as after a call */

	uint8_t fpu[FPU_STATE_SIZE] __attribute__((aligned(64)));
	struct sigframe f = { 0 };

	if (!(act->flags & SA_RESTORER) || (was_on_alt && at <= st->alt_sp) ||
	    !user_ok((void *)at, top - at, true))
		return false;
	fpu_save(fpu);
	memset(fpu + 464, 0, FPU_STATE_SIZE - 464);	/* no xsave header */
	f.restorer = act->restorer;
	f.info = *info;
	f.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.stack = altstack_of(st, tf->rsp);
	struct sigcontext_k *mc = &f.uc.mcontext;
	*mc = (struct sigcontext_k){
		.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11,
		.r12 = tf->r12, .r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15,
		.rdi = tf->rdi, .rsi = tf->rsi, .rbp = tf->rbp, .rbx = tf->rbx,
		.rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx, .rsp = tf->rsp,
		.rip = tf->rip, .rflags = tf->rflags, .cs = tf->cs, .ss = tf->ss,
		.fpstate = fx,
	};
	if (fr) {
		mc->trapno = fr->trapno;
		mc->err = fr->err;
		mc->cr2 = fr->cr2;
	}

	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	uint64_t old = st->restore_mask ? st->saved_mask : st->mask;
	st->restore_mask = false;
	st->mask |= act->mask & ~UNBLOCKABLE;
	if (!(act->flags & SA_NODEFER))
		st->mask |= SIGBIT(sig);
	recalc(p, lt);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	f.uc.sigmask = mc->oldmask = old;
	if (copy_to_user((void *)fx, fpu, sizeof(fpu)) || copy_to_user((void *)at, &f, sizeof(f)))
		return false;	/* unmapped since the check: the mask no longer matters */
	if (to_alt && (st->alt_flags & SS_AUTODISARM))
		st->alt_sp = st->alt_size = st->alt_flags = 0;

	tf->rdi = sig;
	tf->rsi = at + offsetof(struct sigframe, info);
	tf->rdx = at + offsetof(struct sigframe, uc);
	tf->rax = 0;
	tf->rip = act->handler;
	tf->rsp = at;
	tf->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_TF | RFLAGS_RF);
	fpu_reset();		/* handlers start with a clean FPU, as on Linux */
	return true;
}

/* As Linux's force_sigsegv: a handler whose frame cannot be written. */
static _Noreturn void frame_failed(struct process *p, int sig, uint64_t sp)
{
	printk("osprey: %s: cannot write the frame for the handler of signal %d "
	    "(stack pointer %#lx; no SA_RESTORER or a bad stack)\n", p->name, sig, sp);
	die(p, SIGSEGV);
}

/* The selector the context asks for that a program may not have (the
 * CPL forced to 3, as Linux does), or 0. An SS Linux would replace (no
 * UC_STRICT_RESTORE_SS: a frame built by hand) is replaced here too. */
static uint16_t bad_selector(const struct sigcontext_k *mc, uint64_t uc_flags)
{
	uint16_t cs = mc->cs | 3, ss = mc->ss | 3;

	if (cs != USER_CS)
		return cs;
	return ss != USER_SS && (uc_flags & UC_STRICT_RESTORE_SS) ? ss : 0;
}

static void signal_fault_regs(struct trapframe *tf, uint64_t addr, int err,
    const struct fault_regs *fr);

static long sys_rt_sigreturn(void)
{
	struct linux_thread *lt = self();
	struct process *p = lt->proc;
	struct trapframe *tf = lt->frame;
	const struct ucontext_k *uuc = (const void *)tf->rsp;	/* ret popped the restorer */
	uint8_t fx[FPU_STATE_SIZE] __attribute__((aligned(16)));
	struct ucontext_k uc;

	if (copy_from_user(&uc, uuc, sizeof(uc)))
		goto bad;
	struct sigcontext_k mc = uc.mcontext;
	struct stack_k ss = uc.stack;
	uint64_t mask = uc.sigmask;
	uint16_t bad_sel = bad_selector(&mc, uc.flags);
	if (mc.rsp >= USER_TOP)
		goto bad;
	if (mc.fpstate) {
		if ((mc.fpstate & 15) || copy_from_user(fx, (void *)mc.fpstate, FPU_STATE_SIZE))
			goto bad;
		fpu_sanitize(fx);
		fpu_restore(fx);
	} else {
		fpu_reset();
	}
	/* Whatever the context says, the program goes on in ring 3 with its
	 * own selectors, interrupts on, IOPL 0 and only the flags it may set. */
	*tf = (struct trapframe){
		.r8 = mc.r8, .r9 = mc.r9, .r10 = mc.r10, .r11 = mc.r11,
		.r12 = mc.r12, .r13 = mc.r13, .r14 = mc.r14, .r15 = mc.r15,
		.rdi = mc.rdi, .rsi = mc.rsi, .rbp = mc.rbp, .rbx = mc.rbx,
		.rdx = mc.rdx, .rax = mc.rax, .rcx = mc.rcx, .rsp = mc.rsp,
		.rip = mc.rip, .rflags = USER_RFLAGS | (mc.rflags & RFLAGS_USER),
		.cs = USER_CS, .ss = USER_SS, .vector = tf->vector,
	};
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	set_mask(p, lt, mask);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	set_altstack(&lt->sig, &ss, (uint64_t)uuc);	/* refused (as on Linux) while on it */
	if (bad_sel) {
		/* Linux would iretq into the selector and take the CPU's
		 * general protection fault: the program gets that signal. */
		struct fault_regs fr = { 13, bad_sel & 0xfffc, 0 };
		signal_fault_regs(tf, 0, -EFAULT, &fr);
	}
	return (long)tf->rax;
bad:
	printk("osprey: %s: bad signal frame at %#lx in rt_sigreturn\n", p->name, tf->rsp);
	die(p, SIGSEGV);
}
SYSCALL(15, rt_sigreturn, sys_rt_sigreturn);

/* ---- delivery ---- */

/* Calls that SA_RESTART does not restart (signal(7)): they fail with
 * EINTR after a handler, whatever its flags. */
static bool restartable(const struct trapframe *tf)
{
	switch (tf->vector) {
	case 7: case 23: case 34: case 35: case 128: case 130:	/* poll select pause nanosleep sigtimedwait sigsuspend */
	case 208: case 230: case 232: case 270: case 271: case 281: case 441:
		return false;
	case 202: {	/* futex: a wait with a timeout is not restarted */
		uint64_t cmd = tf->rsi & ~(uint64_t)(128 | 256);
		return !(cmd == 0 || cmd == 9) || !tf->r10;
	}
	}
	return true;
}

/* Runs the system call again: back to the `syscall` instruction with its
 * number, the arguments are still in their registers. */
static void restart(struct trapframe *tf)
{
	tf->rax = tf->vector;
	tf->rip -= 2;
}

void signal_user_return(struct trapframe *tf, int how)
{
	struct linux_thread *lt = self();

	if (!lt)
		return;
	struct process *p = lt->proc;
	if (how == USER_RET_START)
		attach(p, lt);
	/* An interruptible wait of this call ended with EINTR because of a
	 * signal: restarted unless a handler runs without SA_RESTART. */
	bool woke = how == USER_RET_SYSCALL && thread_interrupted();
	bool intr = woke && (long)tf->rax == -EINTR;

	/* Only a thread that was interrupted looks at the queues: the one a
	 * process-directed signal woke takes it, not whoever passes by. */
	for (;;) {
		if (dying(p))
			linux_thread_leave();
		if (stop_signal(p) || __atomic_load_n(&p->sig.tell_continued, __ATOMIC_ACQUIRE))
			job_control(p, lt);
		if (!thread_current()->intr_pending)
			break;
		struct siginfo_k info;
		struct sigaction_k act = { 0 };
		unsigned long flags = spin_lock_irqsave(&p->sig.lock);
		uint32_t conts = p->sig.conts;
		int sig = dequeue(p, lt, ~lt->sig.mask, &info);
		if (sig) {
			act = p->sig.actions[sig];
			if (act.handler > SIG_IGN && (act.flags & SA_RESETHAND))
				p->sig.actions[sig].handler = SIG_DFL;
		} else {
			recalc(p, lt);
		}
		spin_unlock_irqrestore(&p->sig.lock, flags);
		if (!sig)
			break;
		if (ignored(&act, sig))
			continue;
		if (act.handler == SIG_DFL && stops_by_default(sig)) {
			default_stop(p, lt, sig, conts);
			continue;	/* parks at the top of the loop */
		}
		if (act.handler == SIG_DFL)
			die(p, sig);
		if (intr) {
			intr = false;
			if ((act.flags & SA_RESTART) && restartable(tf))
				restart(tf);
		}
		if (!push_frame(tf, lt, sig, &info, &act, NULL))
			frame_failed(p, sig, tf->rsp);
	}
	if (intr)
		restart(tf);
	if (lt->sig.restore_mask) {
		unsigned long flags = spin_lock_irqsave(&p->sig.lock);
		lt->sig.mask = lt->sig.saved_mask;
		lt->sig.restore_mask = false;
		recalc(p, lt);
		spin_unlock_irqrestore(&p->sig.lock, flags);
	}
}

/* ---- faults ---- */

#define SEGV_MAPERR	1
#define SEGV_ACCERR	2
#define BUS_ADRALN	1
#define BUS_ADRERR	2
#define ILL_ILLOPN	2
#define FPE_INTDIV	1
#define FPE_FLTDIV	3
#define FPE_FLTOVF	4
#define FPE_FLTUND	5
#define FPE_FLTRES	6
#define FPE_FLTINV	7
#define TRAP_TRACE	2

/* si_code of an x87 (#MF) or SSE (#XM) exception: the unmasked flag. */
static int fp_code(int vector)
{
	uint8_t fx[FPU_STATE_SIZE] __attribute__((aligned(16)));
	uint32_t st;

	fpu_save(fx);
	if (vector == 16) {
		uint16_t cw, sw;
		memcpy(&cw, fx, 2);
		memcpy(&sw, fx + 2, 2);
		st = sw & ~cw;
	} else {
		uint32_t mxcsr;
		memcpy(&mxcsr, fx + 24, 4);
		st = mxcsr & ~(mxcsr >> 7);
	}
	return st & 0x01 ? FPE_FLTINV : st & 0x04 ? FPE_FLTDIV : st & 0x08 ? FPE_FLTOVF :
	    st & 0x12 ? FPE_FLTUND : st & 0x20 ? FPE_FLTRES : 0;
}

/* The signal for a fault, as Linux picks it. */
static int fault_signal(const struct trapframe *tf, uint64_t vector, uint64_t addr, int err,
    struct siginfo_k *info)
{
	int sig = SIGSEGV, code = SI_KERNEL;
	uint64_t at = 0;

	switch (vector) {
	case 0:
		sig = SIGFPE, code = FPE_INTDIV, at = tf->rip;
		break;
	case 1:
	case 3:
		sig = SIGTRAP, code = vector == 1 ? TRAP_TRACE : SI_KERNEL;
		break;
	case 6:
		sig = SIGILL, code = ILL_ILLOPN, at = tf->rip;
		break;
	case 11:
	case 12:
		sig = SIGBUS;
		break;
	case 14:
		at = addr;
		if (err == -EIO || err == -ENXIO)	/* unreadable, or past the file's end */
			sig = SIGBUS, code = BUS_ADRERR;
		else
			code = vm_covered(this_proc()->mm, addr & ~(PAGE_SIZE - 1), (addr & ~(PAGE_SIZE - 1)) + 1,
			    NULL) ? SEGV_ACCERR : SEGV_MAPERR;
		break;
	case 16:
	case 19:
		sig = SIGFPE, code = fp_code((int)vector), at = tf->rip;
		break;
	case 17:
		sig = SIGBUS, code = BUS_ADRALN;
		break;
	}
	*info = (struct siginfo_k){ .signo = sig, .code = code, .fault.addr = at };
	return sig;
}

static _Noreturn void fault_death(struct process *p, const struct trapframe *tf,
    uint64_t vector, int sig, uint64_t addr, int err)
{
	if (err == -EIO)
		printk("osprey: %s: cannot read the page at %#lx from its file (I/O error)\n",
		    p->name, addr);
	else if (err == -ENXIO)
		printk("osprey: %s: bus error: the page at %#lx is past the end of its file\n",
		    p->name, addr);
	else if (vector == 14)
		printk("osprey: %s: segmentation fault: %s %#lx at rip %#lx\n", p->name,
		    tf->error & 16 ? "executing" : tf->error & 2 ? "writing" : "reading",
		    addr, tf->rip);
	else
		printk("osprey: %s: %s at rip %#lx\n", p->name, exception_name(vector), tf->rip);
	linux_exit_signal(sig);
}

/* As Linux forces a fault's signal: a blocked or ignored one ends the
 * program; a handler that returns runs the instruction again. fr says
 * what the frame's sigcontext reports (trapno, err, cr2). */
static void signal_fault_regs(struct trapframe *tf, uint64_t addr, int err,
    const struct fault_regs *fr)
{
	struct linux_thread *lt = self();
	struct process *p = lt->proc;
	struct siginfo_k info;
	int sig = fault_signal(tf, fr->trapno, addr, err, &info);

	if (!trap_from_user(tf))
		fault_death(p, tf, fr->trapno, sig, addr, err);	/* the kernel, on the program's behalf */
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	struct sigaction_k act = p->sig.actions[sig];
	bool handled = act.handler > SIG_IGN && !(lt->sig.mask & SIGBIT(sig));
	if (handled && (act.flags & SA_RESETHAND))
		p->sig.actions[sig].handler = SIG_DFL;
	spin_unlock_irqrestore(&p->sig.lock, flags);
	if (!handled)
		fault_death(p, tf, fr->trapno, sig, addr, err);
	if (!push_frame(tf, lt, sig, &info, &act, fr))
		frame_failed(p, sig, tf->rsp);
}

void signal_fault(struct trapframe *tf, uint64_t addr, int err)
{
	struct fault_regs fr = { tf->vector, tf->error, 0 };

	/* Linux reports a page fault's error code as a user-mode access, and
	 * one on a kernel address as a protection violation. */
	if (tf->vector == 14) {
		fr.err |= 4 | (addr >= USER_TOP ? 1 : 0);
		fr.cr2 = addr;
	}
	signal_fault_regs(tf, addr, err, &fr);
}

/* ---- actions and masks ---- */

static long sys_rt_sigaction(int sig, const struct sigaction_k *act, struct sigaction_k *old,
    size_t setsize)
{
	struct process *p = this_proc();
	struct sigaction_k want = { 0 }, prev;

	if (setsize != 8 || sig < 1 || sig > NSIG || (act && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	if (act && copy_from_user(&want, act, sizeof(want)))
		return -EFAULT;
	if (old && !user_ok(old, sizeof(*old), true))
		return -EFAULT;		/* before the new action is taken */
	want.mask &= ~UNBLOCKABLE;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	prev = p->sig.actions[sig];
	if (act) {
		p->sig.actions[sig] = want;
		if (ignored(&want, sig)) {	/* POSIX: pending ones are discarded */
			pending_drop(p, &p->sig.pending, sig);
			for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next)
				pending_drop(p, &lt->sig.pending, sig);
		}
	}
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return old ? copy_to_user(old, &prev, sizeof(prev)) : 0;
}
SYSCALL(13, rt_sigaction, sys_rt_sigaction);

/* Sets the calling thread's mask; process-directed signals it now blocks
 * go to a thread that can take them (Linux's retargeting). Lock held. */
static void set_mask(struct process *p, struct linux_thread *lt, uint64_t mask)
{
	uint64_t blocked = mask & ~lt->sig.mask & p->sig.pending.set;

	lt->sig.mask = mask & ~UNBLOCKABLE;
	for (int sig = 1; blocked; sig++, blocked >>= 1)
		if (blocked & 1)
			wake_taker(p, sig);
	recalc(p, lt);
}

static long sys_rt_sigprocmask(int how, const uint64_t *set, uint64_t *old, size_t setsize)
{
	struct process *p = this_proc();
	struct linux_thread *lt = self();
	uint64_t want = 0;

	if (setsize != 8 || (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK))
		return -EINVAL;
	if (set && get_user(want, set))
		return -EFAULT;
	if (old && !user_ok(old, 8, true))
		return -EFAULT;		/* before the new mask is taken */
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	uint64_t prev = lt->sig.mask;
	if (set)
		set_mask(p, lt, how == SIG_BLOCK ? prev | want : how == SIG_UNBLOCK ? prev & ~want : want);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	sched_preempt_check();
	return old ? put_user(prev, old) : 0;
}
SYSCALL(14, rt_sigprocmask, sys_rt_sigprocmask);

static long sys_rt_sigpending(uint64_t *set, size_t setsize)
{
	struct process *p = this_proc();
	struct linux_thread *lt = self();

	if (setsize > 8)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	uint64_t v = (lt->sig.pending.set | p->sig.pending.set) & lt->sig.mask;
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return copy_to_user(set, &v, setsize);
}
SYSCALL(127, rt_sigpending, sys_rt_sigpending);

int signal_temp_mask(const uint64_t *umask, size_t size)
{
	struct process *p = this_proc();
	struct linux_thread *lt = self();

	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	uint64_t mask;
	if (get_user(mask, umask))
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	if (!lt->sig.restore_mask)
		lt->sig.saved_mask = lt->sig.mask;
	lt->sig.restore_mask = true;
	set_mask(p, lt, mask);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return 0;
}

void signal_temp_mask_done(long ret)
{
	struct process *p = this_proc();
	struct linux_thread *lt = self();

	if (!lt->sig.restore_mask || ret == -EINTR)
		return;		/* EINTR: the return hook restores it */
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	lt->sig.restore_mask = false;
	set_mask(p, lt, lt->sig.saved_mask);
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

/* ---- signalfd's view ---- */

uint64_t signal_pending_in(uint64_t mask)
{
	struct process *p = this_proc();
	struct linux_thread *lt = self();
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	uint64_t set = (lt->sig.pending.set | p->sig.pending.set) & mask;

	spin_unlock_irqrestore(&p->sig.lock, flags);
	return set;
}

int signal_take(uint64_t mask, struct siginfo_k *info)
{
	struct process *p = this_proc();
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	int sig = dequeue(p, self(), mask, info);

	recalc(p, self());
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return sig;
}

/* queue() wakes fd_wq under sig.lock, and the check below is made under
 * it before the thread is on fd_wq: no signal can fall between. */
int signal_wait_for(uint64_t mask)
{
	struct process *p = this_proc();
	struct linux_thread *lt = self();
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	int err = 0;

	while (!err && !((lt->sig.pending.set | p->sig.pending.set) & mask)) {
		spin_lock_raw(&p->sig.fd_wq.lock);
		spin_unlock_raw(&p->sig.lock);
		err = waitq_wait_intr_locked(&p->sig.fd_wq, &flags, 0);
		spin_unlock_raw(&p->sig.fd_wq.lock);
		spin_lock_raw(&p->sig.lock);
	}
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return err;
}

/* ---- waiting for signals ---- */

static long sys_rt_sigsuspend(const uint64_t *umask, size_t size)
{
	int err = umask ? signal_temp_mask(umask, size) : -EFAULT;

	if (err)
		return err;
	while (thread_sleep_until_intr(0) != -EINTR)
		;
	return -EINTR;
}
SYSCALL(130, rt_sigsuspend, sys_rt_sigsuspend);

static long sys_pause(void)
{
	while (thread_sleep_until_intr(0) != -EINTR)
		;
	return -EINTR;
}
SYSCALL(34, pause, sys_pause);

struct timespec_s {
	int64_t sec, nsec;
};

/* Times past 2^62 ns (146 years) are taken as that: never, in practice. */
#define NS_MAX_SECS ((1ULL << 62) / 1000000000)

static int ts_ns(const struct timespec_s *ts, uint64_t *ns)
{
	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
		return -EINVAL;
	uint64_t sec = (uint64_t)ts->sec < NS_MAX_SECS ? (uint64_t)ts->sec : NS_MAX_SECS;
	*ns = sec * 1000000000ULL + (uint64_t)ts->nsec;
	return 0;
}

static struct timespec_s ns_ts(uint64_t ns)
{
	return (struct timespec_s){ (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
}

/* The signals of set are unblocked while waiting, so that their arrival
 * interrupts the thread; then they are taken here, not by a handler. */
static long sys_rt_sigtimedwait(const uint64_t *uset, struct siginfo_k *uinfo,
    const struct timespec_s *uts, size_t size)
{
	struct process *p = this_proc();
	struct linux_thread *lt = self();
	uint64_t deadline = 0, ns = 1;

	if (size != 8)
		return -EINVAL;
	uint64_t set;
	struct timespec_s ts = { 0 };
	if (get_user(set, uset) || (uts && copy_from_user(&ts, uts, sizeof(ts))))
		return -EFAULT;
	if (uinfo && !user_ok(uinfo, sizeof(*uinfo), true))
		return -EFAULT;		/* before a signal is taken */
	set &= ~UNBLOCKABLE;
	if (uts) {
		if (ts_ns(&ts, &ns))
			return -EINVAL;
		deadline = clock_ns() + ns;
	}
	for (;;) {
		struct siginfo_k info;
		unsigned long flags = spin_lock_irqsave(&p->sig.lock);
		int sig = dequeue(p, lt, set, &info);
		bool other = !sig && (deliverable(p, lt) || dying(p) || p->sig.stop_sig);
		bool wait = !sig && !other && ns && (!deadline || clock_ns() < deadline);
		uint64_t saved = lt->sig.mask;
		if (wait) {
			lt->sig.mask &= ~set;
			recalc(p, lt);
		}
		spin_unlock_irqrestore(&p->sig.lock, flags);
		if (sig)	/* a fault now loses the signal, as on Linux */
			return uinfo && copy_to_user(uinfo, &info, sizeof(info)) ? -EFAULT : sig;
		if (other)
			return -EINTR;
		if (!wait)
			return -EAGAIN;
		thread_sleep_until_intr(deadline);
		flags = spin_lock_irqsave(&p->sig.lock);
		lt->sig.mask = saved;
		recalc(p, lt);
		spin_unlock_irqrestore(&p->sig.lock, flags);
	}
}
SYSCALL(128, rt_sigtimedwait, sys_rt_sigtimedwait);

/* ---- sending ---- */

static long sys_kill(int pid, int sig)
{
	struct siginfo_k info = kill_info(sig, SI_USER);

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	return process_kill(pid, &info);
}
SYSCALL(62, kill, sys_kill);

static long sys_tgkill(int tgid, int tid, int sig)
{
	struct siginfo_k info = kill_info(sig, SI_TKILL);

	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	return process_kill_thread(tgid, tid, &info);
}
SYSCALL(234, tgkill, sys_tgkill);

static long sys_tkill(int tid, int sig)
{
	struct siginfo_k info = kill_info(sig, SI_TKILL);

	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	return process_kill_thread(0, tid, &info);
}
SYSCALL(200, tkill, sys_tkill);

/* sigqueue and pthread_sigqueue: the program's siginfo, its signal number
 * ours; tid 0: the process. */
static long sigqueueinfo(int tgid, int tid, int sig, const struct siginfo_k *uinfo)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct siginfo_k info;
	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	info.signo = sig;
	return tid ? process_kill_thread(tgid, tid, &info) : process_kill(tgid, &info);
}

static long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, const struct siginfo_k *uinfo)
{
	return tgid <= 0 || tid <= 0 ? -EINVAL : sigqueueinfo(tgid, tid, sig, uinfo);
}
SYSCALL(297, rt_tgsigqueueinfo, sys_rt_tgsigqueueinfo);

static long sys_rt_sigqueueinfo(int tgid, int sig, const struct siginfo_k *uinfo)
{
	return sigqueueinfo(tgid, 0, sig, uinfo);
}
SYSCALL(129, rt_sigqueueinfo, sys_rt_sigqueueinfo);

/* ---- timers ---- */

/* The expiry after deadline, past now; missed periods are added to *overrun. */
static uint64_t next_expiry(uint64_t deadline, uint64_t interval, uint64_t now, int *overrun)
{
	uint64_t next = deadline + interval;

	if (next <= now) {
		uint64_t missed = (now - next) / interval + 1;
		next += missed * interval;
		if (overrun)
			*overrun = missed > (uint64_t)(0x7fffffff - *overrun) ? 0x7fffffff :
			    *overrun + (int)missed;
	}
	return next;
}

static uint64_t remaining(uint64_t deadline)
{
	uint64_t now = clock_ns();

	if (!deadline)
		return 0;
	return deadline > now ? deadline - now : 1;	/* due: still armed */
}

/* ITIMER_REAL, from the timer interrupt. */
/* A firing whose timer was reset while it waited for the lock (on
 * another CPU) changes nothing: the deadline it had is gone. */
static bool stale_firing(struct timer *t, uint64_t deadline)
{
	return t->armed || !deadline || deadline > clock_ns();
}

static void alarm_fire(void *arg)
{
	struct process *p = arg;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	if (stale_firing(&p->sig.alarm, p->sig.alarm_deadline)) {
		spin_unlock_irqrestore(&p->sig.lock, flags);
		return;
	}
	if (p->sig.alarm_interval) {
		p->sig.alarm_deadline = next_expiry(p->sig.alarm_deadline, p->sig.alarm_interval,
		    clock_ns(), NULL);
		timer_arm(&p->sig.alarm, p->sig.alarm_deadline, alarm_fire, p);
	} else {
		p->sig.alarm_deadline = 0;
	}
	if (!p->sig.alarm_q.queued) {
		struct siginfo_k info = { .signo = SIGALRM, .code = SI_KERNEL };
		p->sig.alarm_q.owned = true;
		queue(p, NULL, &info, &p->sig.alarm_q);
	}
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

/* Sets ITIMER_REAL (value 0: disarmed); the previous setting in *old. */
static void alarm_set(struct process *p, uint64_t value, uint64_t interval, uint64_t old[2])
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	old[0] = remaining(p->sig.alarm_deadline);
	old[1] = p->sig.alarm_interval;
	timer_cancel(&p->sig.alarm);
	p->sig.alarm_interval = interval;
	p->sig.alarm_deadline = value ? clock_ns() + value : 0;
	if (value)
		timer_arm(&p->sig.alarm, p->sig.alarm_deadline, alarm_fire, p);
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

struct timeval_s {
	int64_t sec, usec;
};

struct itimerval_k {
	struct timeval_s interval, value;
};

#define ITIMER_REAL 0

static struct timeval_s ns_tv(uint64_t ns)
{
	return (struct timeval_s){ (int64_t)(ns / 1000000000), (int64_t)(ns / 1000 % 1000000) };
}

static int tv_ns(const struct timeval_s *tv, uint64_t *ns)
{
	struct timespec_s ts = { tv->sec, tv->usec * 1000 };

	if (tv->usec < 0 || tv->usec >= 1000000)
		return -EINVAL;
	return ts_ns(&ts, ns);
}

/* ITIMER_VIRTUAL and ITIMER_PROF count CPU time, which is not sampled
 * per process: refused, once with a message. */
static long itimer_which(int which)
{
	static bool told;	/* a racy flag: at worst a second message */

	if (which == ITIMER_REAL)
		return 0;
	if ((which == 1 || which == 2) && !told) {
		told = true;
		pr_warn("linux: setitimer/getitimer: only ITIMER_REAL is supported (asked for %s)\n",
		    which == 1 ? "ITIMER_VIRTUAL" : "ITIMER_PROF");
	}
	return -EINVAL;
}

static long sys_setitimer(int which, const struct itimerval_k *nv, struct itimerval_k *ov)
{
	uint64_t value = 0, interval = 0, old[2];
	long err = itimer_which(which);

	if (err)
		return err;
	struct itimerval_k v = { 0 };
	if (nv && copy_from_user(&v, nv, sizeof(v)))
		return -EFAULT;
	if (ov && !user_ok(ov, sizeof(*ov), true))
		return -EFAULT;		/* before the timer changes */
	if (nv && (tv_ns(&v.value, &value) || tv_ns(&v.interval, &interval)))
		return -EINVAL;
	alarm_set(this_proc(), value, interval, old);
	v = (struct itimerval_k){ ns_tv(old[1]), ns_tv(old[0]) };
	return ov ? copy_to_user(ov, &v, sizeof(v)) : 0;
}
SYSCALL(38, setitimer, sys_setitimer);

static long sys_getitimer(int which, struct itimerval_k *cur)
{
	struct process *p = this_proc();
	long err = itimer_which(which);

	if (err)
		return err;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	struct itimerval_k v = { ns_tv(p->sig.alarm_interval), ns_tv(remaining(p->sig.alarm_deadline)) };
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return copy_to_user(cur, &v, sizeof(v));
}
SYSCALL(36, getitimer, sys_getitimer);

/* Seconds left of the previous alarm, rounded as Linux rounds them. */
static long sys_alarm(unsigned secs)
{
	uint64_t old[2];

	alarm_set(this_proc(), secs * 1000000000ULL, 0, old);
	uint64_t left = old[0] / 1000000000, frac = old[0] % 1000000000;
	return (long)(left + ((!left && frac) || frac >= 500000000));
}
SYSCALL(37, alarm, sys_alarm);

#define CLOCK_REALTIME	0
#define CLOCK_MONOTONIC	1
#define CLOCK_BOOTTIME	7
#define SIGEV_SIGNAL	0
#define SIGEV_NONE	1
#define SIGEV_THREAD	2	/* the C library's; to the kernel, SIGEV_SIGNAL */
#define SIGEV_THREAD_ID	4
#define TIMER_ABSTIME	1

struct sigevent_k {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
};

struct itimerspec_k {
	struct timespec_s interval, value;
};

/* A POSIX timer's expiry, from the timer interrupt. */
static void ptimer_fire(void *arg)
{
	struct ptimer *pt = arg;
	struct process *p = pt->proc;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);

	if (stale_firing(&pt->timer, pt->deadline)) {
		spin_unlock_irqrestore(&p->sig.lock, flags);
		return;
	}
	if (pt->interval) {
		pt->deadline = next_expiry(pt->deadline, pt->interval, clock_ns(), &pt->overrun);
		timer_arm(&pt->timer, pt->deadline, ptimer_fire, pt);
	} else {
		pt->deadline = 0;
	}
	bool to_thread = pt->notify == SIGEV_THREAD_ID;
	if (pt->notify != SIGEV_NONE && (!to_thread || pt->target)) {
		if (pt->q.queued)
			pt->overrun += pt->overrun < 0x7fffffff;
		else
			queue(p, to_thread ? pt->target : NULL, &pt->q.info, &pt->q);
	}
	spin_unlock_irqrestore(&p->sig.lock, flags);
}

static struct ptimer *find_timer(struct process *p, int id)
{
	struct ptimer *pt = p->sig.timers;

	while (pt && pt->id != id)
		pt = pt->next;
	return pt;
}

static long sys_timer_delete(int id);

static long sys_timer_create(int clock, const struct sigevent_k *sev, int *idp)
{
	struct process *p = this_proc();
	struct sigevent_k ev = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
	static bool told;	/* a racy flag: at worst a second message */

	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME) {
		if (!told) {
			told = true;
			pr_warn("linux: timer_create: clock %d is not supported (only REALTIME, "
			    "MONOTONIC and BOOTTIME)\n", clock);
		}
		return -EINVAL;
	}
	if (sev && copy_from_user(&ev, sev, sizeof(ev)))
		return -EFAULT;
	if (!user_ok(idp, sizeof(*idp), true))
		return -EFAULT;		/* before the timer is made */
	int notify = ev.notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev.notify;
	if ((notify != SIGEV_NONE && notify != SIGEV_SIGNAL && notify != SIGEV_THREAD_ID) ||
	    (notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > NSIG)))
		return -EINVAL;
	struct ptimer *pt = kzalloc(sizeof(*pt));
	if (!pt)
		return -EAGAIN;
	pt->proc = p;
	pt->clock = clock;
	pt->notify = notify;
	pt->q.owned = true;
	pt->q.timer = pt;
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	pt->target = notify == SIGEV_THREAD_ID ? linux_find_thread(p, ev.tid) : NULL;
	if (notify == SIGEV_THREAD_ID && !pt->target) {
		spin_unlock_irqrestore(&p->sig.lock, flags);
		kfree(pt);
		return -EINVAL;
	}
	pt->id = p->sig.next_timer_id++;
	pt->q.info = (struct siginfo_k){ .signo = ev.signo, .code = SI_TIMER,
	    .timer = { .tid = pt->id, .value = sev ? ev.value : (uint64_t)pt->id } };
	pt->next = p->sig.timers;
	p->sig.timers = pt;
	int id = pt->id;
	spin_unlock_irqrestore(&p->sig.lock, flags);
	if (put_user(id, idp)) {	/* unmapped meanwhile: no timer, as on Linux */
		sys_timer_delete(id);
		return -EFAULT;
	}
	return 0;
}
SYSCALL(222, timer_create, sys_timer_create);

static struct itimerspec_k timer_state(struct ptimer *pt)
{
	return (struct itimerspec_k){ ns_ts(pt->interval), ns_ts(remaining(pt->deadline)) };
}

static long sys_timer_settime(int id, int flags, const struct itimerspec_k *nv,
    struct itimerspec_k *ov)
{
	struct process *p = this_proc();
	uint64_t value, interval;

	struct itimerspec_k v;
	if (copy_from_user(&v, nv, sizeof(v)))
		return -EFAULT;
	if (ov && !user_ok(ov, sizeof(*ov), true))
		return -EFAULT;		/* before the timer changes */
	if (ts_ns(&v.value, &value) || ts_ns(&v.interval, &interval))
		return -EINVAL;
	unsigned long f = spin_lock_irqsave(&p->sig.lock);
	struct ptimer *pt = find_timer(p, id);
	if (!pt) {
		spin_unlock_irqrestore(&p->sig.lock, f);
		return -EINVAL;
	}
	struct itimerspec_k old = timer_state(pt);
	uint64_t now = clock_ns();
	timer_cancel(&pt->timer);
	pt->interval = interval;
	pt->overrun = 0;
	pt->deadline = 0;
	if (value && (flags & TIMER_ABSTIME) && pt->clock == CLOCK_REALTIME) {
		uint64_t wall = clock_realtime_ns();
		pt->deadline = value > wall ? now + (value - wall) : now;
	} else if (value) {
		pt->deadline = flags & TIMER_ABSTIME ? (value > now ? value : now) : now + value;
	}
	if (pt->deadline)
		timer_arm(&pt->timer, pt->deadline, ptimer_fire, pt);
	spin_unlock_irqrestore(&p->sig.lock, f);
	return ov ? copy_to_user(ov, &old, sizeof(old)) : 0;
}
SYSCALL(223, timer_settime, sys_timer_settime);

static long sys_timer_gettime(int id, struct itimerspec_k *cur)
{
	struct process *p = this_proc();

	unsigned long f = spin_lock_irqsave(&p->sig.lock);
	struct ptimer *pt = find_timer(p, id);
	struct itimerspec_k v = pt ? timer_state(pt) : (struct itimerspec_k){ 0 };
	spin_unlock_irqrestore(&p->sig.lock, f);
	if (!pt)
		return -EINVAL;
	return copy_to_user(cur, &v, sizeof(v));
}
SYSCALL(224, timer_gettime, sys_timer_gettime);

static long sys_timer_getoverrun(int id)
{
	struct process *p = this_proc();
	unsigned long f = spin_lock_irqsave(&p->sig.lock);
	struct ptimer *pt = find_timer(p, id);
	long n = pt ? pt->last_overrun : -EINVAL;

	spin_unlock_irqrestore(&p->sig.lock, f);
	return n;
}
SYSCALL(225, timer_getoverrun, sys_timer_getoverrun);

static long sys_timer_delete(int id)
{
	struct process *p = this_proc();
	unsigned long f = spin_lock_irqsave(&p->sig.lock);
	struct ptimer **pp = &p->sig.timers;

	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	struct ptimer *pt = *pp;
	if (pt) {
		*pp = pt->next;
		timer_cancel(&pt->timer);
		if (pt->q.queued)
			pending_unlink(pt->target && pending_has(&pt->target->sig.pending, &pt->q) ?
			    &pt->target->sig.pending : &p->sig.pending, &pt->q);
	}
	spin_unlock_irqrestore(&p->sig.lock, f);
	if (!pt)
		return -EINVAL;
	timer_cancel_sync(&pt->timer);
	kfree(pt);
	return 0;
}
SYSCALL(226, timer_delete, sys_timer_delete);
