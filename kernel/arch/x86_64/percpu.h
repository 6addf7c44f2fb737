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

struct thread;

struct percpu {
	struct percpu *self;
	struct thread *current;
	uintptr_t kstack_lo, kstack_hi;	/* the running thread's kernel stack (hi: TSS rsp0) */
	uint64_t scratch;		/* the program's %rsp while syscall_entry switches stacks */
	int irq_depth;
	int preempt_pending;
};

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}
#endif
#endif
