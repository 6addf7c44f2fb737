/* Threads and the scheduler: strict priorities with round robin inside a
 * priority, preemption by the timer at the end of a time slice, and an idle
 * thread that halts. sched_lock protects the run queues and every thread's
 * state; it is held across switch_context, and the thread that resumes
 * releases it (as in xv6). Lock order: wait queue locks, then sched_lock,
 * then timer_lock. */
#include "sched/sched.h"
#include "sched/sync.h"
#include "arch/x86_64/percpu.h"
#include "mm/mm.h"
#include "dev/console.h"
#include "panic.h"
#include <errno.h>
#include <string.h>

void switch_context(uintptr_t *save_sp, uintptr_t new_sp);
void thread_trampoline(void);
extern char boot_stack_hi[], boot_stack_hi_top[];

static spinlock_t sched_lock = SPINLOCK_INIT("sched");
static struct list runq[NPRIO];
static uint32_t runq_mask;
static struct list all_threads = LIST_INIT(all_threads);
static struct list zombies = LIST_INIT(zombies);	/* detached and dead */
static int nthreads;
static uint64_t next_id;
static struct thread boot_thread, *idle_thread;
static void (*tsd_dtors[TSD_MAX])(void *);
static bool tsd_used[TSD_MAX];

struct thread *thread_current(void)
{
	return this_cpu()->current;
}

static void runq_add(struct thread *t)
{
	t->state = T_RUNNABLE;
	list_add_tail(&runq[t->prio], &t->rq_node);
	runq_mask |= 1u << t->prio;
}

static struct thread *runq_pop(void)
{
	if (!runq_mask)
		return idle_thread;
	int p = 31 - __builtin_clz(runq_mask);
	struct list *n = list_pop(&runq[p]);
	if (list_empty(&runq[p]))
		runq_mask &= ~(1u << p);
	return list_entry(n, struct thread, rq_node);
}

/* Switches to the best runnable thread. sched_lock held, interrupts off. */
static void sched_switch(void)
{
	struct percpu *cpu = this_cpu();
	struct thread *prev = cpu->current;

	if (prev->state == T_RUNNING && prev != idle_thread)
		runq_add(prev);
	struct thread *next = runq_pop();
	if (next == prev) {
		prev->state = T_RUNNING;
		return;
	}
	uint64_t now = clock_ns();
	prev->cpu_ns += now - prev->switched_in;
	next->switched_in = now;
	next->slice_end = now + thread_slice_ns(next);
	next->state = T_RUNNING;
	cpu->current = next;
	arch_set_kernel_stack(next->kstack_top - next->kstack_size, next->kstack_top);
	arch_switch_aspace(next->aspace);
	fpu_save(prev->fpu);
	fpu_restore(next->fpu);
	if (next->fs_base != prev->fs_base)
		arch_set_fs_base(next->fs_base);
	if (next->gs_base != prev->gs_base)
		arch_set_gs_base(next->gs_base);
	sched_timer_update(runq_mask != 0, next->slice_end);
	switch_context(&prev->sp, next->sp);
}

void thread_yield(void)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	sched_switch();
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* From the timer interrupt, after EOI: the slice ran out. */
void sched_preempt(void)
{
	thread_yield();
}

/* Called by the timer code with interrupts off: does the running thread
 * have to give way? */
bool sched_should_preempt(uint64_t now)
{
	struct thread *cur = thread_current();
	bool preempt = false;

	spin_lock_raw(&sched_lock);
	if (cur == idle_thread)
		preempt = runq_mask != 0;
	else if (runq_mask >> cur->prio)
		preempt = now >= cur->slice_end || (runq_mask >> (cur->prio + 1));
	spin_unlock_raw(&sched_lock);
	return preempt;
}

unsigned long sched_block_prepare(void)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	thread_current()->state = T_BLOCKED;
	return flags;
}

unsigned long sched_block_prepare_intr(void)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	struct thread *t = thread_current();

	t->intr_sleep = true;
	if (!t->intr_pending)
		t->state = T_BLOCKED;
	return flags;
}

int sched_block(unsigned long flags)
{
	struct thread *t = thread_current();
	int err = 0;

	if (t->state == T_BLOCKED)
		sched_switch();
	if (t->intr_sleep) {
		t->intr_sleep = false;
		if (t->intr_pending) {
			t->intr_woke = true;
			err = -EINTR;
		}
	}
	spin_unlock_irqrestore(&sched_lock, flags);
	return err;
}

/* Gives way to a better thread made runnable meanwhile, when allowed:
 * not inside an interrupt handler and not with interrupts off (a lock). */
void sched_preempt_check(void)
{
	struct percpu *cpu = this_cpu();

	if (cpu->preempt_pending && cpu->irq_depth == 0 && irqs_enabled()) {
		cpu->preempt_pending = 0;
		thread_yield();
	}
}

/* sched_lock held: t joins a run queue; preempt or start the slice timer. */
static void make_runnable(struct thread *t)
{
	struct thread *cur = thread_current();

	runq_add(t);
	if (cur == idle_thread || t->prio > cur->prio)
		this_cpu()->preempt_pending = 1;
	else
		sched_timer_update(true, cur->slice_end);
}

void thread_wake(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	if (t->state == T_BLOCKED)
		make_runnable(t);
	spin_unlock_irqrestore(&sched_lock, flags);
	sched_preempt_check();
}

void thread_interrupt(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	t->intr_pending = true;
	if (t->state == T_BLOCKED && t->intr_sleep)
		make_runnable(t);
	spin_unlock_irqrestore(&sched_lock, flags);
	sched_preempt_check();
}

void thread_uninterrupt(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	t->intr_pending = false;
	spin_unlock_irqrestore(&sched_lock, flags);
}

bool thread_interrupted(void)
{
	struct thread *t = thread_current();
	bool was = t->intr_woke;

	t->intr_woke = false;
	return was;
}

void thread_start(void (*fn)(void *), void *arg)
{
	spin_unlock_raw(&sched_lock);	/* taken by the thread that switched to us */
	irq_enable();
	fn(arg);
	thread_exit(0);
}

static void reap_zombies(void)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&sched_lock);
		struct list *n = list_pop(&zombies);
		spin_unlock_irqrestore(&sched_lock, flags);
		if (!n)
			return;
		struct thread *t = list_entry(n, struct thread, all_node);
		vunmap_stack((void *)t->kstack_top, t->kstack_size);
		kfree(t);
	}
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg,
    int prio, size_t stack)
{
	reap_zombies();
	if (prio < PRIO_MIN || prio > PRIO_MAX)
		prio = PRIO_DEFAULT;
	stack = PAGE_ALIGN(stack ? stack : STACK_DEFAULT);
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	void *top = vmap_stack(stack);
	if (!top) {
		kfree(t);
		pr_warn("thread: no memory for a %lu KiB stack for '%s'\n", stack >> 10, name);
		return NULL;
	}
	strlcpy(t->name, name, sizeof(t->name));
	t->prio = prio;
	t->nice = this_cpu()->current ? this_cpu()->current->nice : 0;	/* inherited, as on Linux */
	t->kstack_top = (uintptr_t)top;
	t->kstack_size = stack;
	fpu_init_state(t->fpu);
	/* Frame popped by switch_context: r15 r14 r13 r12 rbx rbp rflags ret. */
	uint64_t *sp = (uint64_t *)top;
	*--sp = 0;				/* alignment: entry sees rsp % 16 == 8 */
	*--sp = (uintptr_t)thread_trampoline;
	*--sp = 0x2;				/* rflags: interrupts off */
	*--sp = 0;				/* rbp */
	*--sp = 0;				/* rbx */
	*--sp = (uintptr_t)fn;			/* r12 */
	*--sp = (uintptr_t)arg;			/* r13 */
	*--sp = 0;				/* r14 */
	*--sp = 0;				/* r15 */
	t->sp = (uintptr_t)sp;

	unsigned long flags = spin_lock_irqsave(&sched_lock);
	t->id = ++next_id;
	list_add_tail(&all_threads, &t->all_node);
	nthreads++;
	t->state = T_BLOCKED;
	if (idle_thread)
		make_runnable(t);
	spin_unlock_irqrestore(&sched_lock, flags);
	sched_preempt_check();
	return t;
}

static void tsd_run_dtors(struct thread *t)
{
	for (int i = 0; i < TSD_MAX; i++) {
		void *v = t->tsd[i];
		t->tsd[i] = NULL;
		if (v && tsd_dtors[i])
			tsd_dtors[i](v);
	}
}

void thread_exit(int code)
{
	struct thread *t = thread_current();

	if (t == &boot_thread)
		panic("thread_exit: the boot thread cannot exit");
	tsd_run_dtors(t);
	irq_disable();
	spin_lock_raw(&sched_lock);
	t->exit_code = code;
	t->state = T_DEAD;
	list_del(&t->all_node);
	nthreads--;
	if (t->detached)
		list_add_tail(&zombies, &t->all_node);
	if (t->joiner && t->joiner->state == T_BLOCKED)
		make_runnable(t->joiner);
	sched_switch();
	panic("thread_exit: a dead thread ran again");
}

int thread_join(struct thread *t, int *code)
{
	struct thread *self = thread_current();
	unsigned long flags = spin_lock_irqsave(&sched_lock);

	if (t == self || t->detached || t->joiner) {
		spin_unlock_irqrestore(&sched_lock, flags);
		return -EINVAL;
	}
	t->joiner = self;
	while (t->state != T_DEAD) {
		self->state = T_BLOCKED;
		sched_switch();
	}
	spin_unlock_irqrestore(&sched_lock, flags);
	if (code)
		*code = t->exit_code;
	vunmap_stack((void *)t->kstack_top, t->kstack_size);
	kfree(t);
	return 0;
}

void thread_detach(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	t->detached = true;
	bool dead = t->state == T_DEAD;
	if (dead)
		list_add_tail(&zombies, &t->all_node);
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* 1024 * 1.25^-nice for nice -20..19, rounded: the slice relative to
 * nice 0's, in 1/1024ths. */
static const uint32_t nice_weight[40] = {
	88818, 71054, 56843, 45475, 36380, 29104, 23283, 18626, 14901, 11921,
	9537, 7629, 6104, 4883, 3906, 3125, 2500, 2000, 1600, 1280,
	1024, 819, 655, 524, 419, 336, 268, 215, 172, 137,
	110, 88, 70, 56, 45, 36, 29, 23, 18, 15,
};

uint64_t thread_slice_ns(const struct thread *t)
{
	return TIME_SLICE_NS * nice_weight[__atomic_load_n(&t->nice, __ATOMIC_RELAXED) + 20] / 1024;
}

uint64_t thread_cpu_ns(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	uint64_t ns = t->cpu_ns;
	if (t->state == T_RUNNING)
		ns += clock_ns() - t->switched_in;
	spin_unlock_irqrestore(&sched_lock, flags);
	return ns;
}

/* Names are read without the lock (messages, backtraces): a read racing
 * a rename may show a mix of the two, never an unterminated string. */
void thread_set_name(struct thread *t, const char *name)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	strlcpy(t->name, name, sizeof(t->name));
	spin_unlock_irqrestore(&sched_lock, flags);
}

void thread_get_name(struct thread *t, char *buf, size_t size)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	strlcpy(buf, t->name, size);
	spin_unlock_irqrestore(&sched_lock, flags);
}

void thread_set_nice(struct thread *t, int nice)
{
	__atomic_store_n(&t->nice, nice < -20 ? -20 : nice > 19 ? 19 : nice, __ATOMIC_RELAXED);
}

void thread_set_priority(struct thread *t, int prio)
{
	if (prio < PRIO_MIN || prio > PRIO_MAX)
		return;
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	if (t->state == T_RUNNABLE) {
		list_del(&t->rq_node);
		if (list_empty(&runq[t->prio]))
			runq_mask &= ~(1u << t->prio);
		t->prio = prio;
		runq_add(t);
	} else {
		t->prio = prio;
	}
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* The idle thread's state says nothing (it is never queued): it is
 * running exactly when it is the CPU's current thread. */
uint64_t sched_idle_ns(void)
{
	if (!idle_thread)
		return 0;
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	uint64_t ns = idle_thread->cpu_ns;
	if (this_cpu()->current == idle_thread)
		ns += clock_ns() - idle_thread->switched_in;
	spin_unlock_irqrestore(&sched_lock, flags);
	return ns;
}

int thread_count(void)
{
	return nthreads;
}

int tsd_key_create(void (*dtor)(void *))
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	int key = -EAGAIN;
	for (int i = 0; i < TSD_MAX; i++) {
		if (!tsd_used[i]) {
			tsd_used[i] = true;
			tsd_dtors[i] = dtor;
			key = i;
			break;
		}
	}
	spin_unlock_irqrestore(&sched_lock, flags);
	return key;
}

void tsd_key_delete(int key)
{
	if (key >= 0 && key < TSD_MAX) {
		tsd_dtors[key] = NULL;
		tsd_used[key] = false;
	}
}

void *tsd_get(int key)
{
	return key >= 0 && key < TSD_MAX ? thread_current()->tsd[key] : NULL;
}

void tsd_set(int key, void *value)
{
	if (key >= 0 && key < TSD_MAX)
		thread_current()->tsd[key] = value;
}

static void idle_loop(void *arg)
{
	for (;;) {
		reap_zombies();
		irq_disable();
		if (!runq_mask && !this_cpu()->preempt_pending)
			idle_wait();	/* sti; hlt: wakes on the next interrupt */
		irq_enable();
		thread_yield();
	}
}

/* The boot code becomes the first thread; then the idle thread exists. */
void sched_init(void)
{
	for (int i = 0; i < NPRIO; i++)
		list_init(&runq[i]);
	struct thread *b = &boot_thread;
	strlcpy(b->name, "main", sizeof(b->name));
	b->prio = PRIO_DEFAULT;
	b->state = T_RUNNING;
	b->kstack_top = (uintptr_t)boot_stack_hi_top;
	b->kstack_size = boot_stack_hi_top - boot_stack_hi;
	b->slice_end = clock_ns() + TIME_SLICE_NS;
	fpu_init_state(b->fpu);
	fpu_restore(b->fpu);
	list_add_tail(&all_threads, &b->all_node);
	nthreads = 1;
	this_cpu()->current = b;
	idle_thread = thread_create("idle", idle_loop, NULL, PRIO_MIN, 8192);
	if (!idle_thread)
		panic("sched: cannot create the idle thread");
	/* The idle thread never sits in a run queue: it runs when they are empty. */
	idle_thread->state = T_RUNNABLE;
	irq_enable();
}
