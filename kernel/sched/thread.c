/* Threads and the scheduler: strict priorities with round robin inside a
 * priority, preemption by the timer at the end of a time slice, and an idle
 * thread per CPU that halts. One run queue serves every CPU: sched_lock
 * protects it and every thread's state; it is held across switch_context,
 * and the thread that resumes releases it (as in xv6), so no CPU can take
 * a thread off the queue before the CPU leaving it has saved it. A thread
 * made runnable goes to an idle CPU (a reschedule IPI wakes it), or
 * preempts a lower priority. Lock order: wait queue locks, then
 * sched_lock, then timer_lock. */
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
static struct thread boot_thread;
static void (*tsd_dtors[TSD_MAX])(void *);
static bool tsd_used[TSD_MAX];

struct thread *thread_current(void)
{
	return this_cpu_current();
}

static bool may_run_on(const struct thread *t, int cpu)
{
	return !t->affinity || (t->affinity >> cpu & 1);
}

static void runq_add(struct thread *t)
{
	t->state = T_RUNNABLE;
	list_add_tail(&runq[t->prio], &t->rq_node);
	runq_mask |= 1u << t->prio;
}

static void runq_del(struct thread *t)
{
	list_del(&t->rq_node);
	if (list_empty(&runq[t->prio]))
		runq_mask &= ~(1u << t->prio);
}

/* The first thread of the best priority that may run on cpu, or NULL. */
static struct thread *runq_first(int cpu, int above)
{
	for (uint32_t m = runq_mask; m; ) {
		int p = 31 - __builtin_clz(m);
		if (p <= above)
			break;
		struct list *n;
		list_for_each(n, &runq[p]) {
			struct thread *t = list_entry(n, struct thread, rq_node);
			if (may_run_on(t, cpu))
				return t;
		}
		m &= ~(1u << p);
	}
	return NULL;
}

static struct thread *runq_pop(struct percpu *cpu)
{
	struct thread *t = runq_first(cpu->id, -1);

	if (!t)
		return cpu->idle;
	runq_del(t);
	return t;
}

static int cpu_for(struct thread *t);

/* A running thread gives way; one its affinity moved off this CPU is
 * handed to one it may run on. */
static void requeue(struct thread *t, struct percpu *cpu)
{
	runq_add(t);
	if (may_run_on(t, cpu->id))
		return;
	int other = cpu_for(t);
	if (other >= 0) {
		cpus[other]->claimed = true;
		arch_cpu_kick(other);
	}
}

/* Switches to the best runnable thread. sched_lock held, interrupts off. */
static void sched_switch(void)
{
	struct percpu *cpu = this_cpu();
	struct thread *prev = cpu->current;

	cpu->claimed = false;
	if (prev->state == T_RUNNING && prev != cpu->idle)
		requeue(prev, cpu);
	struct thread *next = runq_pop(cpu);
	if (next == prev) {
		prev->state = T_RUNNING;
		return;
	}
	uint64_t now = clock_ns();
	prev->cpu_ns += now - prev->switched_in;
	next->switched_in = now;
	next->slice_end = now + thread_slice_ns(next);
	next->state = T_RUNNING;
	next->cpu = cpu->id;
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
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;
	bool preempt = false;

	spin_lock_raw(&sched_lock);
	if (cur == cpu->idle)
		preempt = runq_first(cpu->id, -1) != NULL;
	else if (runq_first(cpu->id, cur->prio - 1))
		preempt = now >= cur->slice_end || runq_first(cpu->id, cur->prio);
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

/* After sched_block_prepare*(): the wait is not needed after all. */
void sched_block_cancel(unsigned long flags)
{
	struct thread *t = thread_current();

	t->state = T_RUNNING;
	t->intr_sleep = false;
	spin_unlock_irqrestore(&sched_lock, flags);
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
	if (!irqs_enabled())
		return;
	irq_disable();
	struct percpu *cpu = this_cpu();
	bool yield = cpu->preempt_pending && cpu->irq_depth == 0;
	if (yield)
		cpu->preempt_pending = 0;
	irq_enable();
	if (yield)
		thread_yield();
}

/* An idle CPU already sent a thread is not idle for the next one. */
static bool idle_unclaimed(struct percpu *cpu)
{
	return cpu->current == cpu->idle && !cpu->claimed;
}

/* sched_lock held: a CPU for runnable t, best an idle one (the one it ran
 * on last first), else one running a lower priority (the lowest); -1 if
 * none. */
static int cpu_for(struct thread *t)
{
	int n = __atomic_load_n(&ncpus_online, __ATOMIC_ACQUIRE), best = -1, best_prio = t->prio;

	if (t->cpu < n && idle_unclaimed(cpus[t->cpu]) && may_run_on(t, t->cpu))
		return t->cpu;
	for (int i = 0; i < n; i++) {
		struct thread *cur = cpus[i]->current;
		if (!may_run_on(t, i) || cpus[i]->claimed)
			continue;
		if (cur == cpus[i]->idle)
			return i;
		if (cur->prio < best_prio)
			best = i, best_prio = cur->prio;
	}
	return best;
}

/* sched_lock held: t joins the run queue; a CPU is told to take it, or
 * this one starts its slice timer so that t gets its turn. */
static void make_runnable(struct thread *t)
{
	struct percpu *self = this_cpu();
	int cpu = cpu_for(t);

	runq_add(t);
	if (cpu >= 0)
		cpus[cpu]->claimed = true;
	if (cpu == self->id)
		self->preempt_pending = 1;
	else if (cpu >= 0)
		arch_cpu_kick(cpu);
	else if (may_run_on(t, self->id))
		sched_timer_update(true, self->current->slice_end);
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
	else if (t->state == T_RUNNING && t != this_cpu()->current)
		arch_cpu_kick(t->cpu);	/* into the kernel, to see the mark */
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
	struct thread *parent = thread_current();
	t->nice = parent ? parent->nice : 0;	/* inherited, as on Linux */
	t->affinity = parent ? parent->affinity : 0;
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
	if (cpus[0]->idle)
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
		runq_del(t);
		t->prio = prio;
		runq_add(t);
	} else {
		t->prio = prio;
	}
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* An idle thread's state says nothing (it is never queued): it is
 * running exactly when it is its CPU's current thread. */
uint64_t sched_cpu_idle_ns(int cpu)
{
	if (cpu < 0 || cpu >= ncpus_online || !cpus[cpu]->idle)
		return 0;
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	struct thread *idle = cpus[cpu]->idle;
	uint64_t ns = idle->cpu_ns;
	if (cpus[cpu]->current == idle)
		ns += clock_ns() - idle->switched_in;
	spin_unlock_irqrestore(&sched_lock, flags);
	return ns;
}

uint64_t sched_idle_ns(void)
{
	uint64_t ns = 0;

	for (int i = 0; i < ncpus_online; i++)
		ns += sched_cpu_idle_ns(i);
	return ns;
}

/* Affinity: the CPUs t may run on (0: every one). One that excludes the
 * CPU t runs on takes effect at its next switch, which this asks for. */
int thread_set_affinity(struct thread *t, uint64_t mask)
{
	uint64_t online = ncpus_online >= 64 ? ~0ULL : (1ULL << ncpus_online) - 1;

	if (!(mask & online))
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	t->affinity = (mask & online) == online ? 0 : mask & online;
	bool moved = t->state == T_RUNNING && !may_run_on(t, t->cpu);
	if (moved && t->cpu == this_cpu()->id)
		this_cpu()->preempt_pending = 1;
	else if (moved)
		arch_cpu_kick(t->cpu);
	spin_unlock_irqrestore(&sched_lock, flags);
	sched_preempt_check();
	return 0;
}

uint64_t thread_affinity(struct thread *t)
{
	uint64_t online = ncpus_online >= 64 ? ~0ULL : (1ULL << ncpus_online) - 1;
	uint64_t m = __atomic_load_n(&t->affinity, __ATOMIC_RELAXED);

	return m ? m & online : online;
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

/* Halts until there is work for this CPU: a thread made runnable for it
 * comes with a reschedule IPI (make_runnable), which ends the hlt. */
static void idle_loop(void *arg)
{
	for (;;) {
		reap_zombies();
		irq_disable();
		struct percpu *cpu = this_cpu();
		spin_lock_raw(&sched_lock);
		bool work = runq_first(cpu->id, -1) != NULL;
		spin_unlock_raw(&sched_lock);
		if (!work && !cpu->preempt_pending)
			idle_wait();	/* sti; hlt: wakes on the next interrupt */
		irq_enable();
		thread_yield();
	}
}

/* An application processor's idle thread: the context it starts in, on
 * the stack [top - size, top). */
void sched_idle_init(struct thread *t, uintptr_t top, size_t size)
{
	strlcpy(t->name, "idle", sizeof(t->name));
	t->prio = PRIO_MIN;
	t->state = T_RUNNING;
	t->kstack_top = top;
	t->kstack_size = size;
	fpu_init_state(t->fpu);
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	t->id = ++next_id;
	list_add_tail(&all_threads, &t->all_node);
	nthreads++;
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* An application processor joins: its first context becomes its idle thread. */
_Noreturn void sched_cpu_start(struct thread *idle)
{
	struct percpu *cpu = this_cpu();

	idle->cpu = cpu->id;
	idle->switched_in = clock_ns();
	fpu_restore(idle->fpu);
	cpu->idle = idle;
	cpu->current = idle;
	irq_enable();
	idle_loop(NULL);
	__builtin_unreachable();
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
	struct thread *idle = thread_create("idle", idle_loop, NULL, PRIO_MIN, 8192);
	if (!idle)
		panic("sched: cannot create the idle thread");
	/* An idle thread never sits in the run queue: it runs when that has
	 * nothing for its CPU. */
	idle->state = T_RUNNABLE;
	this_cpu()->idle = idle;
	witness_start();
	irq_enable();
}
