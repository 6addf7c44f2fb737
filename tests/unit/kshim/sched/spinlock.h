/* Host shim of kernel/sched/spinlock.h: a test-and-set lock; the "irq
 * flags" are unused. */
#ifndef SCHED_SPINLOCK_H
#define SCHED_SPINLOCK_H

typedef struct {
	int locked;
	const char *name;
} spinlock_t;

#define SPINLOCK_INIT(n) { 0, n }

static inline void spin_lock_raw(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		;
}

static inline void spin_unlock_raw(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	spin_lock_raw(l);
	return 0;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	(void)flags;
	spin_unlock_raw(l);
}

static inline void spin_init(spinlock_t *l, const char *name)
{
	l->locked = 0;
	l->name = name;
}

#endif
