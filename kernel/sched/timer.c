/* The clock and one-shot timers. clock_ns() scales the TSC; timers sit on
 * a sorted list of the CPU that armed them, whose LAPIC timer is programmed
 * for the earliest of them or, when other threads wait to run, for the end
 * of the time slice.
 * Without either the kernel takes no timer interrupts at all. */
#include "sched/sched.h"
#include "arch/x86_64/percpu.h"
#include "dev/console.h"

static spinlock_t timer_lock = SPINLOCK_INIT("timer");
static struct list timers = LIST_INIT(timers);
static uint64_t tsc_base;	/* set once by clock_init() before threads */
static uint64_t ns_mult;	/* ns per TSC tick, 32.32 fixed point */

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

/* Each CPU has its own list (a timer fires on the CPU that armed it) and
 * programs its own LAPIC; timer_lock guards them all. */
struct timer_cpu {
	struct list timers;
	uint64_t programmed;	/* deadline the LAPIC is set for; 0: none */
	uint64_t slice_deadline;	/* 0: no other thread waits to run */
	struct timer *running;	/* whose fn runs now */
};
static struct timer_cpu timer_cpus[CPU_MAX];

static struct timer_cpu *here(void)
{
	struct timer_cpu *tc = &timer_cpus[this_cpu()->id];

	if (!tc->timers.next)
		list_init(&tc->timers);
	return tc;
}

/* timer_lock held. */
static void reprogram(struct timer_cpu *tc, uint64_t now)
{
	uint64_t next = 0;

	if (!list_empty(&tc->timers))
		next = list_entry(tc->timers.next, struct timer, node)->deadline;
	if (tc->slice_deadline && (!next || tc->slice_deadline < next))
		next = tc->slice_deadline;
	if (next == tc->programmed)
		return;
	tc->programmed = next;
	if (next)
		lapic_timer_oneshot(next > now ? next - now : 1000);
}

/* timer_lock held: the timer, armed, leaves the list it is on. */
static void unlink(struct timer *t)
{
	list_del(&t->node);
	t->armed = false;
}

void timer_arm(struct timer *t, uint64_t deadline, void (*fn)(void *), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&timer_lock);
	struct timer_cpu *tc = here();
	struct list *pos;

	if (t->armed)
		unlink(t);
	t->deadline = deadline;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	t->cpu = this_cpu()->id;
	list_for_each(pos, &tc->timers)
		if (list_entry(pos, struct timer, node)->deadline > deadline)
			break;
	list_insert(&t->node, pos->prev, pos);
	if (tc->timers.next == &t->node)
		reprogram(tc, clock_ns());
	spin_unlock_irqrestore(&timer_lock, flags);
}

bool timer_cancel(struct timer *t)
{
	unsigned long flags = spin_lock_irqsave(&timer_lock);
	bool was = t->armed;

	if (was)
		unlink(t);
	spin_unlock_irqrestore(&timer_lock, flags);
	return was;
}

/* Also waits for a run of fn on another CPU to end, so t (and what fn
 * reaches) may be reused or freed after. The caller holds nothing fn takes. */
bool timer_cancel_sync(struct timer *t)
{
	unsigned long flags = spin_lock_irqsave(&timer_lock);
	bool was = t->armed;

	if (was)
		unlink(t);
	while (timer_cpus[t->cpu].running == t && t->cpu != this_cpu()->id) {
		spin_unlock_raw(&timer_lock);
		cpu_relax();
		arch_cpu_poll();	/* fn's CPU may be waiting for a shootdown */
		spin_lock_raw(&timer_lock);
	}
	spin_unlock_irqrestore(&timer_lock, flags);
	return was;
}

/* From the scheduler on each switch (sched_lock held, interrupts off). */
void sched_timer_update(bool others_runnable, uint64_t slice_end)
{
	spin_lock_raw(&timer_lock);
	struct timer_cpu *tc = here();
	tc->slice_deadline = others_runnable ? slice_end : 0;
	if (tc->slice_deadline && (!tc->programmed || tc->programmed > tc->slice_deadline))
		reprogram(tc, clock_ns());
	spin_unlock_raw(&timer_lock);
}

/* LAPIC timer interrupt: run what expired here, then decide on preemption. */
void timer_interrupt(void)
{
	uint64_t now = clock_ns();

	spin_lock_raw(&timer_lock);
	struct timer_cpu *tc = here();
	tc->programmed = 0;
	while (!list_empty(&tc->timers)) {
		struct timer *t = list_entry(tc->timers.next, struct timer, node);
		if (t->deadline > now)
			break;
		unlink(t);
		tc->running = t;
		spin_unlock_raw(&timer_lock);
		t->fn(t->arg);
		spin_lock_raw(&timer_lock);
		tc->running = NULL;
	}
	if (tc->slice_deadline && tc->slice_deadline <= now)
		tc->slice_deadline = 0;
	reprogram(tc, now);
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
	timer_cancel_sync(&self->timer);
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
		timer_cancel_sync(&self->timer);
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
