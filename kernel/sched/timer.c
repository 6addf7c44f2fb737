/* The clock and one-shot timers. clock_ns() scales the TSC; timers sit on
 * a sorted list and the LAPIC timer is programmed for the earliest of them
 * or, when other threads wait to run, for the end of the time slice.
 * Without either the kernel takes no timer interrupts at all. */
#include "sched/sched.h"
#include "arch/x86_64/percpu.h"
#include "dev/console.h"

static spinlock_t timer_lock = SPINLOCK_INIT("timer");
static struct list timers = LIST_INIT(timers);
static uint64_t tsc_base;	/* set once by clock_init() before threads */
static uint64_t ns_mult;	/* ns per TSC tick, 32.32 fixed point */
static uint64_t programmed;	/* deadline the LAPIC is set for; 0: none */
static uint64_t slice_deadline;	/* 0: no other thread waits to run */

static uint64_t boot_unix_ns;	/* wall-clock time at clock_init() */

/* clock_ns() counts from `t0`, the TSC reading at kernel entry, so times
 * that programs read are times since the VM started running us. */
void clock_init(uint64_t t0)
{
	tsc_base = t0;
	ns_mult = (1000000000ULL << 32) / tsc_hz;
	boot_unix_ns = rtc_read_unix() * 1000000000ULL;
}

uint64_t clock_realtime_ns(void)
{
	return boot_unix_ns + clock_ns();
}

void clock_set_realtime_ns(uint64_t ns)
{
	boot_unix_ns = ns - clock_ns();
}

void clock_params(uint64_t *tsc_base_out, uint64_t *ns_mult_out, uint64_t *boot_unix_ns_out)
{
	*tsc_base_out = tsc_base;
	*ns_mult_out = ns_mult;
	*boot_unix_ns_out = boot_unix_ns;
}

uint64_t tsc_to_ns(uint64_t delta)
{
	return (uint64_t)(((unsigned __int128)delta * ns_mult) >> 32);
}

uint64_t clock_ns(void)
{
	return ns_mult ? tsc_to_ns(rdtsc() - tsc_base) : 0;
}

/* timer_lock held. */
static void reprogram(uint64_t now)
{
	uint64_t next = 0;

	if (!list_empty(&timers))
		next = list_entry(timers.next, struct timer, node)->deadline;
	if (slice_deadline && (!next || slice_deadline < next))
		next = slice_deadline;
	if (next == programmed)
		return;
	programmed = next;
	if (next)
		lapic_timer_oneshot(next > now ? next - now : 1000);
}

void timer_arm(struct timer *t, uint64_t deadline, void (*fn)(void *), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&timer_lock);
	struct list *pos;

	if (t->armed)
		list_del(&t->node);
	t->deadline = deadline;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	list_for_each(pos, &timers)
		if (list_entry(pos, struct timer, node)->deadline > deadline)
			break;
	list_insert(&t->node, pos->prev, pos);
	if (timers.next == &t->node)
		reprogram(clock_ns());
	spin_unlock_irqrestore(&timer_lock, flags);
}

bool timer_cancel(struct timer *t)
{
	unsigned long flags = spin_lock_irqsave(&timer_lock);
	bool was = t->armed;

	if (was) {
		list_del(&t->node);
		t->armed = false;
	}
	spin_unlock_irqrestore(&timer_lock, flags);
	return was;
}

/* From the scheduler on each switch (sched_lock held, interrupts off). */
void sched_timer_update(bool others_runnable, uint64_t slice_end)
{
	spin_lock_raw(&timer_lock);
	slice_deadline = others_runnable ? slice_end : 0;
	if (slice_deadline && (!programmed || programmed > slice_deadline))
		reprogram(clock_ns());
	spin_unlock_raw(&timer_lock);
}

/* LAPIC timer interrupt: run what expired, then decide on preemption. */
void timer_interrupt(void)
{
	uint64_t now = clock_ns();

	spin_lock_raw(&timer_lock);
	programmed = 0;
	while (!list_empty(&timers)) {
		struct timer *t = list_entry(timers.next, struct timer, node);
		if (t->deadline > now)
			break;
		list_del(&t->node);
		t->armed = false;
		spin_unlock_raw(&timer_lock);
		t->fn(t->arg);
		spin_lock_raw(&timer_lock);
	}
	if (slice_deadline && slice_deadline <= now)
		slice_deadline = 0;
	reprogram(now);
	spin_unlock_raw(&timer_lock);
	if (sched_should_preempt(now))
		this_cpu()->preempt_pending = 1;
}

static void wake_thread(void *arg)
{
	thread_wake(arg);
}

int thread_sleep_until(uint64_t deadline)
{
	struct thread *self = thread_current();

	if (deadline <= clock_ns())
		return 0;
	unsigned long flags = sched_block_prepare();
	timer_arm(&self->timer, deadline, wake_thread, self);
	sched_block(flags);
	timer_cancel(&self->timer);
	return 0;
}

int thread_sleep_until_intr(uint64_t deadline)
{
	struct thread *self = thread_current();

	if (deadline && deadline <= clock_ns())
		return 0;
	unsigned long flags = sched_block_prepare_intr();
	if (deadline)
		timer_arm(&self->timer, deadline, wake_thread, self);
	int err = sched_block(flags);
	if (deadline)
		timer_cancel(&self->timer);
	return err;
}

int thread_sleep_ns(uint64_t ns)
{
	return thread_sleep_until(clock_ns() + ns);
}

void thread_arm_wait_timer(struct thread *t, uint64_t deadline)
{
	timer_arm(&t->timer, deadline, wake_thread, t);
}
