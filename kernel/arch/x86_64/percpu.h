/* Per-CPU data, reached through %gs. Offsets are used by entry.S. */
#ifndef ARCH_X86_64_PERCPU_H
#define ARCH_X86_64_PERCPU_H

#define PERCPU_SELF		0
#define PERCPU_CURRENT		8
#define PERCPU_KSTACK_LO	16
#define PERCPU_KSTACK_HI	24
#define PERCPU_SCRATCH		32

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

struct thread;
struct pagemap;
struct tss;

/* One per CPU. Only its own CPU writes it, with interrupts off, except
 * where a field says otherwise. */
struct percpu {
	struct percpu *self;
	struct thread *current;
	uintptr_t kstack_lo, kstack_hi;	/* the running thread's kernel stack (hi: TSS rsp0) */
	uint64_t scratch;		/* the program's %rsp while syscall_entry switches stacks */
	int irq_depth;
	int preempt_pending;		/* also set by other CPUs (atomically) before a kick */
	int id;				/* 0: the boot CPU; cpus[] index */
	uint32_t apic_id;
	struct thread *idle;		/* runs when the run queue has nothing for this CPU */
	struct pagemap *loaded;		/* the tables in CR3 (NULL: the kernel's); paging_lock */
	struct tss *tss;
	void *timers;			/* sched/timer.c's per-CPU state */
	bool claimed;			/* sent a thread, not yet switched: sched_lock */
};

#define CPU_MAX 64
extern struct percpu *cpus[CPU_MAX];	/* set once as each CPU starts, never cleared */
extern int ncpus_online;		/* CPUs that run threads */

/* Interrupts off (or preemption otherwise excluded): else the thread may
 * move to another CPU between reading %gs and using the pointer. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* The running thread, in one instruction: no move to another CPU can
 * come between finding the per-CPU data and reading it. */
static inline struct thread *this_cpu_current(void)
{
	struct thread *t;
	__asm__ volatile("movq %%gs:8, %0" : "=r"(t));
	return t;
}
#endif
#endif
