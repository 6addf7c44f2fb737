/* What a process may ask about its scheduling, limits and usage, told
 * truthfully: one CPU (affinity masks must name CPU 0), nice values that
 * scale the threads' time slices (sched/thread.c), SCHED_OTHER/BATCH/IDLE
 * only (the real-time policies would promise what the scheduler cannot
 * keep: EPERM), resource limits kept per process with RLIMIT_NOFILE
 * bounding the fd table, CPU time summed over the process's threads
 * (those that ended included), and thread names (prctl). */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define PRIO_PROCESS	0
#define PRIO_PGRP	1
#define PRIO_USER	2
#define SCHED_OTHER	0
#define SCHED_FIFO	1
#define SCHED_RR	2
#define SCHED_BATCH	3
#define SCHED_IDLE	5
#define SCHED_RESET_ON_FORK 0x40000000
#define RLIMIT_STACK	3
#define RLIMIT_NOFILE	7
#define RLIM_NLIMITS	16
#define RLIM_INFINITY	(~0ULL)
#define NR_OPEN		1048576		/* Linux's fs.nr_open: the highest RLIMIT_NOFILE */
#define RUSAGE_SELF	0
#define RUSAGE_CHILDREN	(-1)
#define RUSAGE_THREAD	1
#define PR_SET_NAME	15
#define PR_GET_NAME	16
#define PR_SET_CHILD_SUBREAPER	36
#define PR_GET_CHILD_SUBREAPER	37
#define NSEC		1000000000ULL

/* ---- CPU time ---- */

uint64_t proc_cpu_ns(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&p->sig.lock);
	uint64_t ns = p->cpu_ended_ns;

	for (struct linux_thread *lt = p->sig.threads; lt; lt = lt->sig.next)
		if (lt->sig.thread)
			ns += thread_cpu_ns(lt->sig.thread);
	spin_unlock_irqrestore(&p->sig.lock, flags);
	return ns;
}

struct timeval_k {
	int64_t sec, usec;
};

struct rusage_k {
	struct timeval_k utime, stime;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock;
	int64_t msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};

/* All the time is user time: the kernel does not split it (a system
 * call's time counts as the program's, as if it ran in user mode). */
static long sys_getrusage(int who, struct rusage_k *ru)
{
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	struct rusage_k r = { 0 };
	uint64_t ns = who == RUSAGE_SELF ? proc_cpu_ns(this_proc()) :
	    who == RUSAGE_CHILDREN ? this_proc()->child_cpu_ns : thread_cpu_ns(thread_current());
	r.utime.sec = (int64_t)(ns / NSEC);
	r.utime.usec = (int64_t)(ns / 1000 % 1000000);
	if (who != RUSAGE_CHILDREN)	/* KiB */
		r.maxrss = (int64_t)(this_proc()->mm->user_pages_max * 4);
	return copy_to_user(ru, &r, sizeof(r));
}
SYSCALL(98, getrusage, sys_getrusage);

/* ---- limits ---- */

void limits_init(struct process *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlim[i] = (struct rlimit_k){ RLIM_INFINITY, RLIM_INFINITY };
	p->rlim[RLIMIT_STACK] = (struct rlimit_k){ STACK_MAX, RLIM_INFINITY };
	p->rlim[RLIMIT_NOFILE] = (struct rlimit_k){ FD_LIMIT, NR_OPEN };
}

/* Takes new (checked) as the limit res; only RLIMIT_NOFILE acts at once:
 * the others are kept and reported (the stack's size was fixed when the
 * program started). */
static int set_limit(struct process *p, int res, const struct rlimit_k *new)
{
	if (new->cur > new->max)
		return -EINVAL;
	if (res == RLIMIT_NOFILE && new->max > NR_OPEN)
		return -EPERM;
	int err = 0;
	mutex_lock(&p->limits_lock);
	if (res == RLIMIT_NOFILE)
		err = fdtable_set_limit(&p->fds, (int)new->cur);
	if (!err)
		p->rlim[res] = (struct rlimit_k){ new->cur, new->max };
	mutex_unlock(&p->limits_lock);
	return err;
}

static long sys_prlimit64(int pid, int res, const struct rlimit_k *unew, struct rlimit_k *uold)
{
	struct rlimit_k new;

	if (pid != 0 && pid != this_proc()->pid)
		return -ESRCH;
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	if (unew && copy_from_user(&new, unew, sizeof(new)))
		return -EFAULT;
	if (uold && !user_ok(uold, sizeof(*uold), true))
		return -EFAULT;		/* before the new limit is taken */
	mutex_lock(&this_proc()->limits_lock);
	struct rlimit_k old = { this_proc()->rlim[res].cur, this_proc()->rlim[res].max };
	mutex_unlock(&this_proc()->limits_lock);
	int err = unew ? set_limit(this_proc(), res, &new) : 0;
	if (!err && uold)
		err = copy_to_user(uold, &old, sizeof(old));
	return err;
}
SYSCALL(302, prlimit64, sys_prlimit64);

static long sys_getrlimit(int res, struct rlimit_k *r)
{
	return sys_prlimit64(0, res, NULL, r);
}
SYSCALL(97, getrlimit, sys_getrlimit);

static long sys_setrlimit(int res, const struct rlimit_k *r)
{
	return sys_prlimit64(0, res, r, NULL);
}
SYSCALL(160, setrlimit, sys_setrlimit);

/* ---- CPUs and policies ---- */

static void get_affinity(struct thread *t, void *arg)
{
	*(uint64_t *)arg = thread_affinity(t);
}

static bool on_thread(int tid, void (*fn)(struct thread *, void *), void *arg);

/* Masks are of 64 CPUs (CPU_MAX): the size Linux returns is the kernel's. */
static long sys_sched_getaffinity(int pid, size_t len, uint8_t *mask)
{
	uint64_t cpus = 0;

	if (pid < 0 || !on_thread(pid, get_affinity, &cpus))
		return -ESRCH;
	if (len < 8 || (len & 7))
		return -EINVAL;
	if (copy_to_user(mask, &cpus, sizeof(cpus)) || clear_user(mask + 8, len - 8))
		return -EFAULT;
	return 8;
}
SYSCALL(204, sched_getaffinity, sys_sched_getaffinity);

/* Whether the thread a pid argument names (tid 0: the caller) is there;
 * fn, if any, runs on it with the process's signal lock held, so the
 * thread cannot end and be freed meanwhile. */
static bool on_thread(int tid, void (*fn)(struct thread *, void *), void *arg)
{
	if (tid == 0) {
		if (fn)
			fn(thread_current(), arg);
		return true;
	}
	unsigned long flags = spin_lock_irqsave(&this_proc()->sig.lock);
	struct linux_thread *lt = linux_find_thread(this_proc(), tid);
	struct thread *t = lt ? lt->sig.thread : NULL;
	if (t && fn)
		fn(t, arg);
	spin_unlock_irqrestore(&this_proc()->sig.lock, flags);
	return t != NULL;
}

struct affinity_set {
	uint64_t mask;
	int err;
};

static void set_affinity(struct thread *t, void *arg)
{
	struct affinity_set *a = arg;
	a->err = thread_set_affinity(t, a->mask);
}

/* A mask naming no online CPU is EINVAL, as on Linux. Of a longer mask,
 * as on Linux, only the bits of the CPUs it may have are read. */
static long sys_sched_setaffinity(int pid, size_t len, const uint8_t *mask)
{
	struct affinity_set a = { 0, -ESRCH };

	if (pid < 0)
		return -ESRCH;
	if (copy_from_user(&a.mask, mask, len < sizeof(a.mask) ? len : sizeof(a.mask)))
		return -EFAULT;
	if (!on_thread(pid, set_affinity, &a))
		return -ESRCH;
	sched_preempt_check();	/* off a CPU the mask no longer has, now */
	return a.err;
}
SYSCALL(203, sched_setaffinity, sys_sched_setaffinity);

static long sys_sched_yield(void)
{
	thread_yield();
	return 0;
}
SYSCALL(24, sched_yield, sys_sched_yield);

static long sys_getcpu(unsigned *cpu, unsigned *node)
{
	unsigned long flags = irq_save();
	unsigned id = (unsigned)arch_cpu_id();
	irq_restore(flags);
	if ((cpu && put_user(id, cpu)) || (node && put_user(0u, node)))
		return -EFAULT;
	return 0;
}
SYSCALL(309, getcpu, sys_getcpu);

static bool policy_ok(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE;
}

static long sys_sched_getscheduler(int pid)
{
	return pid < 0 ? -EINVAL : on_thread(pid, NULL, NULL) ? SCHED_OTHER : -ESRCH;
}
SYSCALL(145, sched_getscheduler, sys_sched_getscheduler);

/* The checks the calls with a sched_param share; then the program's
 * sched_param is read (write false) or written (the only priority there
 * is, 0). The priority read, or a negative errno. */
static int param_call(int pid, int *param, bool write)
{
	int prio = 0;

	if (pid < 0 || !param)
		return -EINVAL;
	if (!on_thread(pid, NULL, NULL))
		return -ESRCH;
	int err = write ? put_user(prio, param) : get_user(prio, param);
	return err ? err : prio;
}

static long sys_sched_setscheduler(int pid, int policy, int *param)
{
	int prio = param_call(pid, param, false);

	if (prio < 0)
		return prio;
	policy &= ~SCHED_RESET_ON_FORK;
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		return -EPERM;		/* no real-time scheduling here */
	return policy_ok(policy) && prio == 0 ? 0 : -EINVAL;
}
SYSCALL(144, sched_setscheduler, sys_sched_setscheduler);

static long sys_sched_getparam(int pid, int *param)
{
	int err = param_call(pid, param, true);

	return err < 0 ? err : 0;
}
SYSCALL(143, sched_getparam, sys_sched_getparam);

static long sys_sched_setparam(int pid, int *param)
{
	int prio = param_call(pid, param, false);

	return prio < 0 ? prio : prio == 0 ? 0 : -EINVAL;
}
SYSCALL(142, sched_setparam, sys_sched_setparam);

static long sys_sched_get_priority_max(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : policy_ok(policy) ? 0 : -EINVAL;
}
SYSCALL(146, sched_get_priority_max, sys_sched_get_priority_max);

static long sys_sched_get_priority_min(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : policy_ok(policy) ? 0 : -EINVAL;
}
SYSCALL(147, sched_get_priority_min, sys_sched_get_priority_min);

static void slice_of(struct thread *t, void *arg)
{
	*(uint64_t *)arg = thread_slice_ns(t);
}

static long sys_sched_rr_get_interval(int pid, int64_t *ts)
{
	uint64_t ns;

	if (pid < 0)
		return -EINVAL;
	if (!on_thread(pid, slice_of, &ns))
		return -ESRCH;
	int64_t t[2] = { (int64_t)(ns / NSEC), (int64_t)(ns % NSEC) };
	return copy_to_user(ts, t, sizeof(t));
}
SYSCALL(148, sched_rr_get_interval, sys_sched_rr_get_interval);

/* ---- nice ---- */

/* The threads `which`/`who` names: PRIO_PROCESS a thread (0: the
 * caller; Linux takes a pid as the thread of that id), PRIO_PGRP and
 * PRIO_USER (0 or our group, root) every thread of the process. fn runs
 * on each with the process's signal lock held; returns how many. */
static int each_target(int which, int who, void (*fn)(struct thread *, void *), void *arg)
{
	if (which == PRIO_PROCESS)
		return on_thread(who, fn, arg);
	if ((which == PRIO_PGRP && who != 0 && who != this_proc()->pgid) || (which == PRIO_USER && who != 0))
		return 0;
	int n = 0;
	unsigned long flags = spin_lock_irqsave(&this_proc()->sig.lock);
	for (struct linux_thread *lt = this_proc()->sig.threads; lt; lt = lt->sig.next)
		if (lt->sig.thread) {
			fn(lt->sig.thread, arg);
			n++;
		}
	spin_unlock_irqrestore(&this_proc()->sig.lock, flags);
	return n;
}

static void least_nice(struct thread *t, void *arg)
{
	int *nice = arg;

	if (t->nice < *nice)
		*nice = t->nice;
}

static void set_nice(struct thread *t, void *arg)
{
	thread_set_nice(t, *(int *)arg);
}

/* The raw call returns 20 - nice (1..40); libc turns it back. */
static long sys_getpriority(int which, int who)
{
	int nice = 20;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	return each_target(which, who, least_nice, &nice) ? 20 - nice : -ESRCH;
}
SYSCALL(140, getpriority, sys_getpriority);

static long sys_setpriority(int which, int who, int nice)
{
	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
	return each_target(which, who, set_nice, &nice) ? 0 : -ESRCH;
}
SYSCALL(141, setpriority, sys_setpriority);

/* ---- names ---- */

static long sys_prctl(int op, unsigned long a2)
{
	char name[THREAD_NAME_MAX < 16 ? 16 : THREAD_NAME_MAX];

	if (op == PR_SET_NAME) {
		/* Linux reads (and keeps) at most 15 bytes */
		long n = strncpy_from_user(name, (const char *)a2, 15);
		if (n == -EFAULT)
			return n;
		name[15] = 0;
		thread_set_name(thread_current(), name);
		return 0;
	}
	if (op == PR_GET_NAME) {
		char comm[16] = { 0 };
		thread_get_name(thread_current(), name, sizeof(name));
		strlcpy(comm, name, sizeof(comm));
		return copy_to_user((char *)a2, comm, sizeof(comm));
	}
	if (op == PR_SET_CHILD_SUBREAPER) {
		process_set_subreaper(a2 != 0);
		return 0;
	}
	if (op == PR_GET_CHILD_SUBREAPER) {
		return put_user((int)this_proc()->subreaper, (int *)a2);
	}
	return -EINVAL;
}
SYSCALL(157, prctl, sys_prctl);
