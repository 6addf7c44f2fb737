/* Spinlocks that also disable interrupts on the local CPU, so a lock taken
 * in thread context can be taken by an interrupt handler too. SMP-correct:
 * the lock word is taken with an atomic exchange; a CPU spinning with
 * interrupts off still answers other CPUs' TLB shootdowns (arch_cpu_poll). */
#ifndef SCHED_SPINLOCK_H
#define SCHED_SPINLOCK_H
#include "arch.h"

typedef struct spinlock {
	volatile int locked;
	const char *name;
} spinlock_t;

#define SPINLOCK_INIT(n) { 0, n }

/* The lock-order checker of a debug kernel (sched/witness.c). */
#ifdef OSPREY_WITNESS
void witness_acquire(spinlock_t *l);
void witness_release(spinlock_t *l);
void witness_start(void);
#else
static inline void witness_start(void) { }
static inline void witness_acquire(spinlock_t *l) { (void)l; }
static inline void witness_release(spinlock_t *l) { (void)l; }
#endif

static inline void spin_lock_raw(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			cpu_relax();
			arch_cpu_poll();
		}
	witness_acquire(l);
}

static inline void spin_unlock_raw(spinlock_t *l)
{
	witness_release(l);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = irq_save();
	spin_lock_raw(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock_raw(l);
	irq_restore(flags);
}

static inline void spin_init(spinlock_t *l, const char *name)
{
	l->locked = 0;
	l->name = name;
}

#endif
