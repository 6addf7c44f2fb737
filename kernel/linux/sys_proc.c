/* Thread, exit, time and identity system calls. A process's threads
 * are kernel threads that enter the program (ring 3) with iretq; the
 * process tree, fork and wait are process.c's, signals signal.c's. */
#include "linux/linux.h"
#include "linux/uaccess.h"
#include "dev/console.h"
#include "dev/random.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "lib/printf.h"
#include <errno.h>
#include <string.h>

#define CLONE_VM		0x00000100
#define CLONE_FS		0x00000200
#define CLONE_FILES		0x00000400
#define CLONE_SIGHAND		0x00000800
#define CLONE_THREAD		0x00010000
#define CLONE_SETTLS		0x00080000
#define CLONE_PARENT_SETTID	0x00100000
#define CLONE_CHILD_CLEARTID	0x00200000
#define CLONE_CHILD_SETTID	0x01000000

static struct linux_thread *lthread(void)
{
	return thread_current()->os_priv;
}

int linux_tid(void)
{
	struct linux_thread *lt = lthread();
	return lt ? lt->tid : 0;
}

/* ---- exit ----
 * A program ends when its last thread leaves. exit_group (or a fatal
 * signal) makes every other thread leave first: each is interrupted, so it
 * wakes from any interruptible wait, and leaves on its way back to the
 * program (signal_user_return); the caller waits until they are gone, so
 * none can run again once the boot thread reuses the address space. */

/* Threads stuck in an uninterruptible wait (on a lock whose holder died
 * of a fault in the kernel) are given this long, then abandoned. */
#define EXIT_WAIT_NS (30 * 1000000000ULL)

static _Noreturn void thread_leave(struct linux_thread *lt, int status)
{
	struct process *p = lt->proc;

	signal_thread_detach(lt);
	mutex_lock(&p->exit_lock);
	bool last = __atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_SEQ_CST) == 0;
	if (last && !p->dying)
		p->exit_status = status & 0xff;
	if (last)
		__atomic_store_n(&p->dying, true, __ATOMIC_RELEASE);
	cond_broadcast(&p->exited);
	mutex_unlock(&p->exit_lock);
	thread_current()->os_priv = NULL;
	kfree(lt);
	if (last) {
		signal_process_end(p);
		mutex_lock(&p->exit_lock);
		p->exiting = true;
		cond_broadcast(&p->exited);
		mutex_unlock(&p->exit_lock);
		process_exit(p);	/* p may be gone after this */
	}
	thread_current()->os_proc = NULL;
	thread_exit(status);
}

void linux_thread_leave(void)
{
	thread_leave(lthread(), 0);
}

/* Every other thread of the process is interrupted and leaves on its way
 * back to the program; returns when they are gone (or abandoned). The
 * process is dying meanwhile, so none starts anything new. */
static void stop_others(struct linux_thread *self)
{
	struct process *p = self->proc;

	signal_interrupt_others(self);
	uint64_t give_up = clock_ns() + EXIT_WAIT_NS;
	mutex_lock(&p->exit_lock);
	while (p->nthreads > 1 && cond_timedwait(&p->exited, &p->exit_lock, give_up) != -ETIMEDOUT)
		;
	if (p->nthreads > 1) {
		printk("osprey: %s: %d threads did not stop (blocked in the kernel); "
		    "abandoning them\n", p->name, p->nthreads - 1);
		__atomic_store_n(&p->nthreads, 1, __ATOMIC_SEQ_CST);
		process_abandon(p);
	}
	mutex_unlock(&p->exit_lock);
}

static _Noreturn void exit_group(int status, int sig)
{
	struct linux_thread *self = lthread();
	struct process *p = self->proc;

	mutex_lock(&p->exit_lock);
	if (p->dying) {			/* another thread ends the program */
		mutex_unlock(&p->exit_lock);
		thread_leave(self, status);
	}
	p->exit_status = status & 0xff;
	p->term_signal = sig;
	__atomic_store_n(&p->dying, true, __ATOMIC_RELEASE);
	mutex_unlock(&p->exit_lock);
	stop_others(self);
	thread_leave(self, status);
}

void linux_exit_group(int status)
{
	exit_group(status, 0);
}

void linux_exit_signal(int sig)
{
	exit_group(128 + sig, sig);
}

/* execve: the other threads go, the process does not; if another thread
 * is ending the process already, the caller leaves too. */
void linux_stop_others(struct linux_thread *self)
{
	struct process *p = self->proc;

	mutex_lock(&p->exit_lock);
	bool ending = p->dying;
	if (!ending && p->nthreads > 1)
		__atomic_store_n(&p->dying, true, __ATOMIC_RELEASE);
	bool others = !ending && p->nthreads > 1;
	mutex_unlock(&p->exit_lock);
	if (ending)
		thread_leave(self, 0);
	if (!others)
		return;
	stop_others(self);
	__atomic_store_n(&p->dying, false, __ATOMIC_RELEASE);
}

struct futex_key {
	const void *space;	/* the mm; NULL: addr is physical (a shared page) */
	uintptr_t addr;
};

static struct futex_key futex_key(uint32_t *addr, bool private);
static int futex_wake(struct futex_key k, int n, uint32_t bitset);

static long sys_exit(int status)
{
	struct linux_thread *lt = lthread();

	/* A word that cannot be written (unmapped by now) is left, as Linux */
	if (lt->clear_child_tid && put_user(0, lt->clear_child_tid) == 0)
		futex_wake(futex_key((uint32_t *)lt->clear_child_tid, false), 1, ~0u);
	thread_leave(lt, status);
}
SYSCALL(60, exit, sys_exit);

static long sys_exit_group(int status)
{
	linux_exit_group(status);
}
SYSCALL(231, exit_group, sys_exit_group);

/* ---- threads ---- */
/* A thread (CLONE_THREAD) or a process (process_fork). */
static long do_clone(uint64_t flags, uintptr_t stack, int *ptid, int *ctid, uint64_t tls)
{
	const uint64_t needed = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
	struct linux_thread *self = lthread();

	if (!(flags & CLONE_THREAD)) {
		if (flags & CLONE_SIGHAND)
			return -EINVAL;	/* shared actions, not a thread: not supported */
		return process_fork(flags & ~0xffUL, stack, ptid, ctid, tls, (int)(flags & 0xff));
	}
	if ((flags & needed) != needed)
		return -EINVAL;		/* as Linux: a thread shares memory and actions */
	/* Checked before the thread exists; a store that fails after (the
	 * word unmapped meanwhile) is ignored, as Linux ignores it. */
	if ((flags & CLONE_PARENT_SETTID && !user_ok(ptid, 4, true)) ||
	    (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) && !user_ok(ctid, 4, true)))
		return -EFAULT;
	struct linux_thread *lt = kzalloc(sizeof(*lt));
	if (!lt)
		return -ENOMEM;
	lt->tid = linux_new_id();
	lt->proc = this_proc();
	if (flags & CLONE_CHILD_CLEARTID)
		lt->clear_child_tid = ctid;
	if (flags & CLONE_CHILD_SETTID)
		(void)put_user(lt->tid, ctid);
	if (flags & CLONE_PARENT_SETTID)
		(void)put_user(lt->tid, ptid);
	struct trapframe tf = *self->frame;
	tf.rax = 0;
	if (stack)
		tf.rsp = stack;
	uint64_t fs = flags & CLONE_SETTLS ? tls : thread_current()->fs_base;
	signal_thread_init(lt, self);	/* a target of signals, even before it runs */
	if (!linux_thread_start(&tf, lt, fs, thread_current()->gs_base)) {
		signal_thread_detach(lt);
		kfree(lt);
		return -EAGAIN;
	}
	return lt->tid;
}

static long sys_clone(uint64_t flags, uintptr_t stack, int *ptid, int *ctid, uint64_t tls)
{
	return do_clone(flags, stack, ptid, ctid, tls);
}
SYSCALL(56, clone, sys_clone);

struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static long sys_clone3(struct clone_args *ca, size_t size)
{
	struct clone_args a = { 0 };

	if (size < 64 || size > 4096)
		return -EINVAL;
	if (copy_from_user(&a, ca, size < sizeof(a) ? size : sizeof(a)))
		return -EFAULT;
	uintptr_t sp = a.stack ? a.stack + a.stack_size : 0;
	if ((a.flags & 0xff) || a.exit_signal > NSIG)
		return -EINVAL;		/* the signal is exit_signal's to say */
	return do_clone(a.flags | a.exit_signal, sp, (int *)a.parent_tid, (int *)a.child_tid,
	    a.tls);
}
SYSCALL(435, clone3, sys_clone3);

static long sys_fork(void)
{
	return process_fork(0, 0, NULL, NULL, 0, SIGCHLD);
}
SYSCALL(57, fork, sys_fork);

#define CLONE_VFORK	0x00004000

static long sys_vfork(void)
{
	return process_fork(CLONE_VM | CLONE_VFORK, 0, NULL, NULL, 0, SIGCHLD);
}
SYSCALL(58, vfork, sys_vfork);

static long sys_set_tid_address(int *tidptr)
{
	lthread()->clear_child_tid = tidptr;
	return linux_tid();
}
SYSCALL(218, set_tid_address, sys_set_tid_address);

static long sys_set_robust_list(void *head, size_t len)
{
	lthread()->robust_list = head;
	return 0;
}
SYSCALL(273, set_robust_list, sys_set_robust_list);

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static long sys_arch_prctl(int code, uint64_t addr)
{
	struct thread *t = thread_current();

	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_TOP)
			return -EPERM;
		t->fs_base = addr;
		arch_set_fs_base(addr);
		return 0;
	case ARCH_GET_FS:
		return put_user(t->fs_base, (uint64_t *)addr);
	case ARCH_SET_GS:	/* the kernel's own %gs is swapped in on entry */
		if (addr >= USER_TOP)
			return -EPERM;
		t->gs_base = addr;
		arch_set_gs_base(addr);
		return 0;
	case ARCH_GET_GS:
		return put_user(t->gs_base, (uint64_t *)addr);
	default:
		return -EINVAL;
	}
}
SYSCALL(158, arch_prctl, sys_arch_prctl);

/* ---- futex ---- */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE		128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_BUCKETS		64

struct futex_waiter {
	struct list node;
	struct futex_key key;
	uint32_t bitset;
	struct thread *thread;
	bool woken;
};

/* Each bucket's lock guards its list; a waiter checks the futex word under
 * it, so a wake between the check and the sleep cannot be lost. */
static struct futex_bucket {
	spinlock_t lock;
	struct list waiters;
} buckets[FUTEX_BUCKETS];
static bool buckets_ready;

/* A private futex (or one in private memory) is its address in its
 * process's memory; one in a shared mapping is the page's physical
 * address, so processes mapping it anywhere meet. */
static struct futex_key futex_key(uint32_t *addr, bool private)
{
	struct mm *mm = this_proc()->mm;
	uint64_t pa;

	if (!private && vm_shared_page(mm, (uintptr_t)addr, &pa))
		return (struct futex_key){ NULL, pa + ((uintptr_t)addr & (PAGE_SIZE - 1)) };
	return (struct futex_key){ mm, (uintptr_t)addr };
}

static bool same_key(struct futex_key a, struct futex_key b)
{
	return a.space == b.space && a.addr == b.addr;
}

static struct futex_bucket *bucket_of(struct futex_key k)
{
	if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE)) {
		static spinlock_t init_lock = SPINLOCK_INIT("futex_init");
		unsigned long f = spin_lock_irqsave(&init_lock);
		if (!buckets_ready) {
			for (int i = 0; i < FUTEX_BUCKETS; i++) {
				spin_init(&buckets[i].lock, "futex");
				list_init(&buckets[i].waiters);
			}
			__atomic_store_n(&buckets_ready, true, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&init_lock, f);
	}
	return &buckets[((k.addr >> 2) ^ ((uintptr_t)k.space >> 6)) % FUTEX_BUCKETS];
}

static int futex_wake(struct futex_key k, int n, uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(k);
	struct list *pos, *tmp;
	int woken = 0;
	unsigned long flags = spin_lock_irqsave(&b->lock);

	list_for_each_safe(pos, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, node);
		if (woken >= n)
			break;
		if (same_key(w->key, k) && (w->bitset & bitset)) {
			list_del(&w->node);
			w->woken = true;
			thread_wake(w->thread);
			woken++;
		}
	}
	spin_unlock_irqrestore(&b->lock, flags);
	sched_preempt_check();
	return woken;
}

/* The waiter goes on the bucket's list before the futex word is read (the
 * read may fault and sleep, so not under the lock): a wake from a thread
 * that changed the word after the read finds it there, and one before the
 * read is seen in the value. Woken meanwhile: 0, as for any wake. */
static int futex_wait(uint32_t *addr, struct futex_key k, uint32_t val, uint64_t deadline,
    uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(k);
	struct thread *self = thread_current();
	struct futex_waiter w = { .key = k, .bitset = bitset, .thread = self };
	unsigned long flags = spin_lock_irqsave(&b->lock);
	uint32_t cur;

	list_add_tail(&b->waiters, &w.node);
	spin_unlock_irqrestore(&b->lock, flags);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the list store before the read */
	int err = get_user(cur, addr);
	if (!err && cur != val)
		err = -EAGAIN;
	flags = spin_lock_irqsave(&b->lock);
	if (err || w.woken) {
		if (!w.woken)
			list_del(&w.node);
		spin_unlock_irqrestore(&b->lock, flags);
		return w.woken ? 0 : err;
	}
	unsigned long f = sched_block_prepare_intr();
	if (deadline)
		thread_arm_wait_timer(self, deadline);
	spin_unlock_raw(&b->lock);
	sched_block(f);
	if (deadline)
		timer_cancel_sync(&self->timer);
	spin_lock_raw(&b->lock);
	if (!w.woken) {
		list_del(&w.node);
		err = deadline && clock_ns() >= deadline ? -ETIMEDOUT : -EINTR;
	}
	spin_unlock_irqrestore(&b->lock, flags);
	return err;
}

struct timespec_k {
	int64_t sec, nsec;
};

/* Times past 2^62 ns (146 years) are taken as that: never, in practice. */
#define NS_MAX_SECS ((1ULL << 62) / 1000000000)

int timespec_ns(const void *uts, uint64_t *ns)
{
	struct timespec_k ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	uint64_t sec = (uint64_t)ts.sec < NS_MAX_SECS ? (uint64_t)ts.sec : NS_MAX_SECS;
	*ns = sec * 1000000000ULL + (uint64_t)ts.nsec;
	return 0;
}

static long sys_futex(uint32_t *addr, int op, uint32_t val, const struct timespec_k *ts,
    uint32_t *addr2, uint32_t val3)
{
	int cmd = op & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
	uint64_t deadline = 0, ns;

	if (!user_range(addr, 4) || ((uintptr_t)addr & 3))
		return -EFAULT;
	struct futex_key k = futex_key(addr, op & FUTEX_PRIVATE);
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (ts) {
			int err = timespec_ns(ts, &ns);
			if (err)
				return err;
			if (cmd == FUTEX_WAIT)
				deadline = clock_ns() + ns;
			else if (op & FUTEX_CLOCK_REALTIME)	/* absolute, wall clock */
				deadline = clock_ns() + (ns > clock_realtime_ns() ? ns - clock_realtime_ns() : 0);
			else
				deadline = ns;
			if (!deadline)
				deadline = 1;
		}
		return futex_wait(addr, k, val, deadline, cmd == FUTEX_WAIT ? ~0u : val3);
	case FUTEX_WAKE:
		return futex_wake(k, (int)val, ~0u);
	case FUTEX_WAKE_BITSET:
		return futex_wake(k, (int)val, val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* Waking everyone instead of requeueing is correct, if slower. */
		if (cmd == FUTEX_CMP_REQUEUE) {
			uint32_t cur;
			if (get_user(cur, addr))
				return -EFAULT;
			if (cur != val3)
				return -EAGAIN;
		}
		return futex_wake(k, 0x7fffffff, ~0u);
	}
	return -ENOSYS;
}
SYSCALL(202, futex, sys_futex);

/* ---- identity ---- */
static long sys_zero(void) { return 0; }
static long sys_gettid(void) { return linux_tid(); }
SYSCALL(186, gettid, sys_gettid);
SYSCALL(102, getuid, sys_zero);
SYSCALL(104, getgid, sys_zero);
SYSCALL(107, geteuid, sys_zero);
SYSCALL(108, getegid, sys_zero);
SYSCALL(105, setuid, sys_zero);
SYSCALL(106, setgid, sys_zero);
SYSCALL(116, setgroups, sys_zero);
SYSCALL(117, setresuid, sys_zero);
SYSCALL(119, setresgid, sys_zero);

static long sys_getresid(uint32_t *a, uint32_t *b, uint32_t *c)
{
	if (put_user(0u, a) || put_user(0u, b) || put_user(0u, c))
		return -EFAULT;
	return 0;
}
SYSCALL(118, getresuid, sys_getresid);
SYSCALL(120, getresgid, sys_getresid);

static long sys_getgroups(int size, uint32_t *list)
{
	return 0;
}
SYSCALL(115, getgroups, sys_getgroups);

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65];
};

/* Programs see a Linux kernel: that is the ABI they were built for. */
static long sys_uname(struct utsname *u)
{
	static const struct utsname uts = {
		"Linux", "osprey", "6.1.0-osprey", "#1 Osprey unikernel", "x86_64", "(none)",
	};

	return copy_to_user(u, &uts, sizeof(uts));
}
SYSCALL(63, uname, sys_uname);

struct sysinfo_k {
	int64_t uptime;
	uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

static long sys_sysinfo(struct sysinfo_k *si)
{
	struct mem_stats st;

	mem_stats(&st);
	struct sysinfo_k k = {
		.uptime = clock_ns() / 1000000000, .totalram = st.total_pages * PAGE_SIZE,
		.freeram = st.free_pages * PAGE_SIZE, .procs = process_count(), .mem_unit = 1,
	};
	return copy_to_user(si, &k, sizeof(k));
}
SYSCALL(99, sysinfo, sys_sysinfo);



/* rseq is an optimization glibc probes for; without it glibc works as
 * before, so the answer is a quiet ENOSYS. */
static long sys_rseq(void)
{
	return -ENOSYS;
}
SYSCALL(334, rseq, sys_rseq);

/* membarrier: an interrupt to every other CPU, each of which answers
 * (an interrupt is a full barrier there), so every thread running
 * anywhere has passed one when the call returns; threads not running
 * passed one when they were switched out. Registration is kept, as the
 * private commands are refused without it (EPERM). */
#define MEMBARRIER_CMD_QUERY			0
#define MEMBARRIER_CMD_GLOBAL			1
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED		2
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED 4
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED	8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#define MEMBARRIER_SUPPORTED	(MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | \
	MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED | \
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)

static long sys_membarrier(int cmd, unsigned flags, int cpu_id)
{
	if (flags)
		return -EINVAL;
	switch (cmd) {
	case MEMBARRIER_CMD_QUERY:
		return MEMBARRIER_SUPPORTED;
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
		__atomic_store_n(&this_proc()->membarrier_private, true, __ATOMIC_SEQ_CST);
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
		if (!__atomic_load_n(&this_proc()->membarrier_private, __ATOMIC_SEQ_CST))
			return -EPERM;
		/* fall through */
	case MEMBARRIER_CMD_GLOBAL:
	case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
	case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		arch_cpu_barrier();
		return 0;
	default:
		return -EINVAL;
	}
}
SYSCALL(324, membarrier, sys_membarrier);



/* ---- time ---- */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

static int clock_read(int clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = proc_cpu_ns(this_proc());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = thread_cpu_ns(thread_current());
		return 0;
	}
	return -EINVAL;
}

static long sys_clock_gettime(int clk, struct timespec_k *ts)
{
	uint64_t ns;
	int err = clock_read(clk, &ns);

	if (err)
		return err;
	struct timespec_k k = { ns / 1000000000, ns % 1000000000 };
	return copy_to_user(ts, &k, sizeof(k));
}
SYSCALL(228, clock_gettime, sys_clock_gettime);

static long sys_clock_getres(int clk, struct timespec_k *ts)
{
	uint64_t ns;

	if (clock_read(clk, &ns))
		return -EINVAL;
	struct timespec_k res = { 0, 1 };
	return ts ? copy_to_user(ts, &res, sizeof(res)) : 0;
}
SYSCALL(229, clock_getres, sys_clock_getres);

static long sys_clock_settime(int clk, const struct timespec_k *ts)
{
	uint64_t ns;
	int err = timespec_ns(ts, &ns);

	if (err)
		return err;
	if (clk != CLOCK_REALTIME)
		return -EINVAL;
	clock_set_realtime_ns(ns);
	vdso_clock_changed();
	timerfd_clock_was_set();
	return 0;
}
SYSCALL(227, clock_settime, sys_clock_settime);

struct timeval_k {
	int64_t sec, usec;
};

static long sys_gettimeofday(struct timeval_k *tv, void *tz)
{
	uint64_t ns = clock_realtime_ns();
	struct timeval_k k = { ns / 1000000000, ns / 1000 % 1000000 };

	return tv ? copy_to_user(tv, &k, sizeof(k)) : 0;
}
SYSCALL(96, gettimeofday, sys_gettimeofday);

static long sys_time(int64_t *t)
{
	int64_t now = clock_realtime_ns() / 1000000000;

	return t && put_user(now, t) ? -EFAULT : now;
}
SYSCALL(201, time, sys_time);

/* A signal ends the sleep with EINTR and the time left in *rem (EFAULT if
 * it cannot be written, as Linux); a sleep that ran out leaves rem alone. */
static long sleep_until(uint64_t deadline, struct timespec_k *rem)
{
	int err = thread_sleep_until_intr(deadline);
	uint64_t now = clock_ns(), left = deadline > now ? deadline - now : 0;
	struct timespec_k k = { left / 1000000000, left % 1000000000 };

	if (err && rem && copy_to_user(rem, &k, sizeof(k)))
		return -EFAULT;
	return err;
}

static long sys_nanosleep(const struct timespec_k *req, struct timespec_k *rem)
{
	uint64_t ns;
	int err = timespec_ns(req, &ns);

	return err ? err : sleep_until(clock_ns() + ns, rem);
}
SYSCALL(35, nanosleep, sys_nanosleep);

#define TIMER_ABSTIME 1

static long sys_clock_nanosleep(int clk, int flags, const struct timespec_k *req,
    struct timespec_k *rem)
{
	uint64_t ns, now;
	int err = timespec_ns(req, &ns);

	if (!err)
		err = clock_read(clk, &now);
	if (err)
		return err;
	if (!(flags & TIMER_ABSTIME))
		return sleep_until(clock_ns() + ns, rem);
	return sleep_until(clock_ns() + (ns > now ? ns - now : 0), NULL);
}
SYSCALL(230, clock_nanosleep, sys_clock_nanosleep);

struct tms_k {
	int64_t utime, stime, cutime, cstime;
};

static long sys_times(struct tms_k *t)
{
	int64_t ticks = clock_ns() / 10000000;

	struct tms_k k = { .utime = (int64_t)(proc_cpu_ns(this_proc()) / 10000000) };

	return t && copy_to_user(t, &k, sizeof(k)) ? -EFAULT : ticks;
}
SYSCALL(100, times, sys_times);


static long sys_getrandom(void *buf, size_t len, unsigned flags)
{
	if (!user_ok(buf, len, true))
		return -EFAULT;		/* at once, not after a part was written */
	int err = random_bytes_out(buf, len);
	return err ? err : (long)len;
}
SYSCALL(318, getrandom, sys_getrandom);
