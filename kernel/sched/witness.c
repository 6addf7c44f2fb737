/* The lock-order checker of a debug kernel (`make witness`: built with
 * OSPREY_WITNESS), after FreeBSD's witness. A class is a spinlock's name;
 * when a CPU takes a lock of class B while holding one of class A, the
 * order A before B is recorded with the stack that first showed it; taking
 * them the other way round later is an inversion, reported once with both
 * stacks (two CPUs doing the two orders at once deadlock). Spinlocks keep
 * interrupts off, so the locks a CPU holds are that CPU's, not a thread's.
 * The release kernel compiles none of this. */
#ifdef OSPREY_WITNESS
#include "sched/spinlock.h"
#include "arch/x86_64/percpu.h"
#include "dev/console.h"
#include "panic.h"
#include <string.h>

#define W_CLASSES	64
#define W_HELD		16
#define W_EDGES		512
#define W_DEPTH		8

struct edge {
	uint8_t first, then;
	uintptr_t pcs[W_DEPTH];
};

/* All under w_lock, a bare word (a spinlock would check itself). */
static volatile int w_lock;
static const char *classes[W_CLASSES];
static uint64_t order[W_CLASSES];	/* bit b of order[a]: a was held when b was taken */
static uint64_t reported[W_CLASSES];
static struct edge edges[W_EDGES];
static int nclasses, nedges;
static bool full_said;
/* Per CPU, changed only by that CPU with interrupts off. */
static uint8_t held[CPU_MAX][W_HELD];
static int nheld[CPU_MAX];
static bool inside[CPU_MAX];		/* witness's own printing takes locks */

/* Set once the boot CPU has its per-CPU data (sched_init). */
static bool ready;

void witness_start(void)
{
	ready = true;
	pr_info("witness: checking the order of spinlocks\n");
}

static int class_of(const char *name)
{
	for (int i = 0; i < nclasses; i++)
		if (classes[i] == name || !strcmp(classes[i], name))
			return i;
	if (nclasses == W_CLASSES)
		return -1;
	classes[nclasses] = name;
	return nclasses++;
}

/* The frame chain, inside the running thread's kernel stack only: the
 * frame below a system call's holds the program's %rbp, anything at all. */
static void capture(uintptr_t *pcs)
{
	uintptr_t *fp = __builtin_frame_address(0);
	uintptr_t lo = this_cpu()->kstack_lo, hi = this_cpu()->kstack_hi;

	for (int i = 0; i < W_DEPTH; i++) {
		uintptr_t a = (uintptr_t)fp;
		bool ok = a >= lo && a + 16 <= hi && !(a & 7);
		pcs[i] = ok ? fp[1] : 0;
		fp = ok ? (uintptr_t *)fp[0] : NULL;
	}
}

static void print_stack(const uintptr_t *pcs)
{
	for (int i = 0; i < W_DEPTH && pcs[i]; i++) {
		uintptr_t off;
		const char *name = ksym_lookup(pcs[i], &off);
		printk("    %s+%#lx\n", name ? name : "?", off);
	}
}

static struct edge *find_edge(int first, int then)
{
	for (int i = 0; i < nedges; i++)
		if (edges[i].first == first && edges[i].then == then)
			return &edges[i];
	return NULL;
}

/* w_lock held: class b taken while a is held. Returns the edge b-then-a
 * it contradicts, or NULL. */
static struct edge *record(int a, int b, const uintptr_t *pcs)
{
	if (order[b] >> a & 1) {
		if (reported[a] >> b & 1)
			return NULL;
		reported[a] |= 1ULL << b;
		return find_edge(b, a);
	}
	if (order[a] >> b & 1)
		return NULL;
	order[a] |= 1ULL << b;
	if (nedges < W_EDGES) {
		edges[nedges].first = a;
		edges[nedges].then = b;
		for (int i = 0; i < W_DEPTH; i++)
			edges[nedges].pcs[i] = pcs[i];
		nedges++;
	}
	return NULL;
}

static void report(int a, int b, const uintptr_t *now, const struct edge *before)
{
	printk("witness: lock order reversal: '%s' then '%s' here:\n", classes[a], classes[b]);
	print_stack(now);
	printk("witness: but '%s' then '%s' before:\n", classes[b], classes[a]);
	if (before)
		print_stack(before->pcs);
	else
		printk("    (stack not kept: more than %d orders)\n", W_EDGES);
}

void witness_acquire(spinlock_t *l)
{
	if (!ready || !l->name)
		return;
	int cpu = this_cpu()->id;
	if (inside[cpu])
		return;
	uintptr_t pcs[W_DEPTH];
	capture(pcs);
	while (__atomic_exchange_n(&w_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	int b = class_of(l->name), bad = -1;
	struct edge *before = NULL;
	for (int i = 0; b >= 0 && i < nheld[cpu] && bad < 0; i++)
		if (held[cpu][i] != b && (before = record(held[cpu][i], b, pcs)) != NULL)
			bad = held[cpu][i];
	bool say_full = (b < 0 || nheld[cpu] == W_HELD) && !full_said;
	full_said |= say_full;
	if (b >= 0 && nheld[cpu] < W_HELD)
		held[cpu][nheld[cpu]++] = b;
	__atomic_store_n(&w_lock, 0, __ATOMIC_RELEASE);
	inside[cpu] = true;
	if (bad >= 0)
		report(bad, b, pcs, before);
	if (say_full)
		printk("witness: out of room (%d classes, %d held): some orders are not checked\n",
		    W_CLASSES, W_HELD);
	inside[cpu] = false;
}

/* Locks may go in any order (lwIP's nested critical sections do). */
void witness_release(spinlock_t *l)
{
	if (!ready || !l->name)
		return;
	int cpu = this_cpu()->id;
	if (inside[cpu])
		return;
	while (__atomic_exchange_n(&w_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	int c = class_of(l->name);
	__atomic_store_n(&w_lock, 0, __ATOMIC_RELEASE);
	for (int i = nheld[cpu] - 1; i >= 0; i--)
		if (held[cpu][i] == c) {
			for (int j = i; j < nheld[cpu] - 1; j++)
				held[cpu][j] = held[cpu][j + 1];
			nheld[cpu]--;
			break;
		}
}

/* The self-test: two locks taken in both orders, one after the other (no
 * deadlock: one CPU); the boot test looks for the report and both stacks. */
int test_witness(void)
{
	static spinlock_t a = SPINLOCK_INIT("witness-test-a"), b = SPINLOCK_INIT("witness-test-b");
	unsigned long flags = spin_lock_irqsave(&a);

	spin_lock_raw(&b);
	spin_unlock_raw(&b);
	spin_unlock_irqrestore(&a, flags);
	flags = spin_lock_irqsave(&b);
	spin_lock_raw(&a);
	spin_unlock_raw(&a);
	spin_unlock_irqrestore(&b, flags);
	return 0;
}
#endif
