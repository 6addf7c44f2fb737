/* Threads, the scheduler, time and timers. Synchronization is in sync.h. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "lib/list.h"
#include "sched/spinlock.h"
#include "arch.h"

#define PRIO_MIN	0
#define PRIO_DEFAULT	16
#define PRIO_MAX	31
#define NPRIO		32
#define TSD_MAX		32
#define THREAD_NAME_MAX	24
#define STACK_DEFAULT	(16 * 1024)
#define TIME_SLICE_NS	10000000ULL

enum thread_state { T_RUNNABLE, T_RUNNING, T_BLOCKED, T_DEAD };

struct timer {
	struct list node;
	uint64_t deadline;		/* clock_ns() */
	void (*fn)(void *arg);		/* runs in interrupt context */
	void *arg;
	bool armed;
	int cpu;			/* whose list it is on, or was */
};

struct thread {
	uintptr_t sp;			/* saved by switch_context */
	uintptr_t kstack_top;
	size_t kstack_size;
	enum thread_state state;
	int prio;
	int nice;			/* -20..19: scales the time slice (thread_set_nice) */
	uint64_t id;
	char name[THREAD_NAME_MAX];
	struct list rq_node;		/* run queue */
	struct list all_node;		/* all threads */
	struct timer timer;		/* sleeps and timed waits */
	struct waiter *waiting;		/* the wait it is blocked in, if any */
	int exit_code;
	bool detached, joined;
	struct thread *joiner;
	uint64_t slice_end;
	uint64_t cpu_ns, switched_in;
	void *tsd[TSD_MAX];
	void *os_priv;			/* for the Linux layer: its thread */
	void *os_proc;			/* and the process whose memory it reaches */
	void *aspace;			/* the page tables it needs (arch_switch_aspace) */
	uintptr_t uaccess_frame;	/* inside uaccess_call(): where a fault ends it */
	bool intr_pending;		/* thread_interrupt(): work before it returns to a program */
	bool intr_sleep;		/* in an interruptible sleep */
	bool intr_woke;			/* the last such sleep ended because of intr_pending */
	uint64_t affinity;		/* CPUs it may run on, a bit each; 0: all */
	int cpu;			/* the CPU it runs or last ran on */
	uint64_t fs_base;		/* a program thread's TLS pointer */
	uint64_t gs_base;		/* and its %gs base (ARCH_SET_GS) */
	uint8_t fpu[FPU_STATE_SIZE] __attribute__((aligned(16)));
};

/* Threads. prio: PRIO_MIN..PRIO_MAX (higher runs first); stack 0: default. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg,
    int prio, size_t stack);
_Noreturn void thread_exit(int code);
int thread_join(struct thread *t, int *code);
void thread_detach(struct thread *t);
void thread_yield(void);
struct thread *thread_current(void);
void thread_set_priority(struct thread *t, int prio);
/* Among threads of one priority, a nicer thread gets shorter slices:
 * each step of nice is a factor of 1.25 in CPU time under contention,
 * as Linux's weights give (nice 0: TIME_SLICE_NS). */
void thread_set_nice(struct thread *t, int nice);
uint64_t thread_slice_ns(const struct thread *t);
/* CPU time the thread has run, up to now if it is running. */
uint64_t thread_cpu_ns(struct thread *t);
void thread_set_name(struct thread *t, const char *name);
void thread_get_name(struct thread *t, char *buf, size_t size);
int thread_count(void);
/* How long the CPUs have been idle (their idle threads' time, summed; or
 * one CPU's): /proc/stat, /proc/uptime. */
uint64_t sched_idle_ns(void);
uint64_t sched_cpu_idle_ns(int cpu);
/* The CPUs a thread may run on, a bit each (sched_setaffinity): -EINVAL
 * if mask names no online CPU. thread_affinity: never 0. */
int thread_set_affinity(struct thread *t, uint64_t mask);
uint64_t thread_affinity(struct thread *t);

/* Thread-specific data: keys shared by all threads, a destructor run at exit. */
int tsd_key_create(void (*dtor)(void *));
void tsd_key_delete(int key);
void *tsd_get(int key);
void tsd_set(int key, void *value);

/* Time: nanoseconds since kernel entry, monotonic, from the TSC. */
uint64_t clock_ns(void);
uint64_t tsc_to_ns(uint64_t tsc_delta);
/* Wall clock: nanoseconds since 1970, from the RTC at boot plus clock_ns(). */
uint64_t clock_realtime_ns(void);
void clock_set_realtime_ns(uint64_t ns);
/* What clock_ns() and clock_realtime_ns() compute from, for a reader
 * outside the kernel (the vDSO): ns = ((tsc - tsc_base) * ns_mult) >> 32,
 * wall clock = boot_unix_ns + ns. */
void clock_params(uint64_t *tsc_base, uint64_t *ns_mult, uint64_t *boot_unix_ns);
int thread_sleep_until(uint64_t deadline);
int thread_sleep_ns(uint64_t ns);

/* Interruption, for the Linux layer's signals: thread_interrupt() sets
 * t->intr_pending and wakes t from an interruptible sleep; sleeps begun
 * while it is set return -EINTR at once. It stays set until its owner
 * clears it with thread_uninterrupt() (the arch code runs the Linux layer's
 * return hook while it is set). thread_interrupted() says whether the
 * calling thread's last interruptible sleep ended that way, and forgets. */
void thread_interrupt(struct thread *t);
void thread_uninterrupt(struct thread *t);
bool thread_interrupted(void);
/* 0 at the deadline (0: none), -EINTR when interrupted first. */
int thread_sleep_until_intr(uint64_t deadline);

/* One-shot timers; fn runs with interrupts off and must not block. */
void timer_arm(struct timer *t, uint64_t deadline, void (*fn)(void *), void *arg);
bool timer_cancel(struct timer *t);	/* true if it was still pending */
/* Also waits until fn is not running on another CPU (then t and what fn
 * uses may go); the caller must hold no lock fn takes. A callback that
 * can lose that race to timer_cancel under its lock checks its own state. */
bool timer_cancel_sync(struct timer *t);

/* Internal interfaces between sched/ and arch/. */
void sched_init(void);
void sched_idle_init(struct thread *t, uintptr_t stack_top, size_t stack_size);
_Noreturn void sched_cpu_start(struct thread *idle);
void sched_preempt(void);
void timer_interrupt(void);
void thread_start(void (*fn)(void *), void *arg);
void clock_init(uint64_t tsc_at_entry);
bool sched_should_preempt(uint64_t now);
void sched_timer_update(bool others_runnable, uint64_t slice_end);
void thread_arm_wait_timer(struct thread *t, uint64_t deadline);

/* Blocking for sync.c: with sched_lock taken by sched_block_prepare(), the
 * caller releases its own lock and calls sched_block(). The _intr form
 * makes the sleep interruptible: it does not begin, or ends, when the
 * thread is interrupted, and sched_block() then returns -EINTR (else 0). */
unsigned long sched_block_prepare(void);
unsigned long sched_block_prepare_intr(void);
int sched_block(unsigned long flags);
void sched_block_cancel(unsigned long flags);
void thread_wake(struct thread *t);
void sched_preempt_check(void);

#endif
