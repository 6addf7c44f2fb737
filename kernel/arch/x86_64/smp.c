/* Application processors. The firmware's tables (cpu_tables.c: the ACPI
 * MADT or the MP table) name them; each is started with INIT and startup
 * IPIs through the real-mode trampoline of smp_boot.S, one at a time, and
 * gets its own descriptor tables, per-CPU data, local APIC and idle
 * thread before it joins the scheduler. Then the CPUs talk through two
 * IPIs: a reschedule kick and the TLB shootdown. */
#include "arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_tables.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/smp_boot.h"
#include "dev/console.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define AP_STACK	(16 * 1024)
#define ICR_INIT	0x4500		/* INIT, level assert */
#define ICR_STARTUP	0x4600
#define FLUSH_ALL_PAGES	32		/* more pages than this: reload CR3 */
#define TABLE_MAP_MAX	(1 << 20)

extern char ap_boot_start[], ap_boot_end[], ap_boot_data[];

void irq_set_handler(int vector, irq_handler_t fn, void *arg);
static void on_call(void *arg);

/* ---- finding the CPUs ---- */

/* Firmware tables: in the direct map when they sit in RAM, else mapped
 * for the purpose (they live in ROM or reserved ranges). Boot only; the
 * few windows are never given back. */
static const void *map_firmware(void *ctx, uint64_t pa, size_t len)
{
	if (!len || len > TABLE_MAP_MAX || pa + len < pa)
		return NULL;
	void *va = phys_to_virt(pa);
	if (paging_translate(NULL, (uintptr_t)va) != (uint64_t)-1 &&
	    paging_translate(NULL, (uintptr_t)va + len - 1) != (uint64_t)-1)
		return va;
	return ioremap(pa, len);
}

/* ---- starting one ---- */

struct ap_start {
	struct percpu *cpu;
	struct cpu_desc *desc;
	void *stack_top;
	struct thread *idle;
	volatile int alive;
};

/* The AP's first C code, on its own stack, still on the trampoline's
 * tables; it signals the boot CPU once it no longer needs them. */
static _Noreturn void ap_main(struct ap_start *st)
{
	paging_activate();
	arch_cpu_tables_load(st->cpu, st->desc, (uintptr_t)st->stack_top - AP_STACK,
	    (uintptr_t)st->stack_top);
	arch_cpu_features_enable();
	arch_syscall_init();
	fpu_reset();
	lapic_cpu_init();
	struct thread *idle = st->idle;
	__atomic_add_fetch(&ncpus_online, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&st->alive, 1, __ATOMIC_RELEASE);
	sched_cpu_start(idle);
}

static void trampoline_install(void)
{
	uint8_t *base = phys_to_virt(AP_BOOT_PA);
	uint64_t *pml4 = (uint64_t *)(base + 0x1000), *pdpt = pml4 + 512, *pd = pdpt + 512;

	memcpy(base, ap_boot_start, ap_boot_end - ap_boot_start);
	memset(pml4, 0, 3 * PAGE_SIZE);
	pml4[0] = (AP_BOOT_PA + 0x2000) | 3;
	pdpt[0] = (AP_BOOT_PA + 0x3000) | 3;
	pd[0] = 0x83;				/* 2 MiB at 0, identity */
	paging_copy_kernel_half(pml4);
}

static void trampoline_set(struct ap_start *st)
{
	uint64_t *d = phys_to_virt(AP_BOOT_PA + (ap_boot_data - ap_boot_start));

	d[AP_DATA_EFER / 8] = rdmsr(MSR_EFER) & ((1 << 8) | (1 << 11));
	d[AP_DATA_STACK / 8] = (uintptr_t)st->stack_top;
	d[AP_DATA_ARG / 8] = (uintptr_t)st;
	d[AP_DATA_ENTRY / 8] = (uintptr_t)ap_main;
}

static bool wait_alive(struct ap_start *st, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (!__atomic_load_n(&st->alive, __ATOMIC_ACQUIRE))
		if (clock_ns() > end)
			return false;
	return true;
}

/* INIT, then startup IPIs (a second one if the first was missed, as the
 * MP specification has it). QEMU and KVM need none of the old delays. */
static int ap_start(int id, uint32_t apic_id)
{
	struct ap_start st = { 0 };

	st.cpu = kzalloc(sizeof(*st.cpu));
	st.desc = kzalloc(sizeof(*st.desc));
	st.idle = kzalloc(sizeof(*st.idle));
	st.stack_top = vmap_stack(AP_STACK);
	if (!st.cpu || !st.desc || !st.idle || !st.stack_top) {
		pr_warn("smp: no memory to start CPU %d\n", id);
		return -1;	/* the few bytes stay allocated: boot goes on without it */
	}
	st.cpu->id = id;
	st.cpu->apic_id = apic_id;
	sched_idle_init(st.idle, (uintptr_t)st.stack_top, AP_STACK);
	cpus[id] = st.cpu;
	trampoline_set(&st);
	unsigned long flags = irq_save();
	lapic_send(apic_id, ICR_INIT);
	lapic_send(apic_id, ICR_STARTUP | AP_BOOT_PA >> 12);
	irq_restore(flags);
	if (!wait_alive(&st, 10000000)) {
		flags = irq_save();
		lapic_send(apic_id, ICR_STARTUP | AP_BOOT_PA >> 12);
		irq_restore(flags);
		if (!wait_alive(&st, 1000000000)) {
			pr_warn("smp: CPU %d (APIC ID %u) did not start\n", id, apic_id);
			cpus[id] = NULL;
			return -1;
		}
	}
	return 0;
}

static void on_resched(void *arg)
{
	this_cpu()->preempt_pending = 1;
}

void arch_smp_init(uint64_t rsdp_pa)
{
	static struct cpu_tables t;	/* boot only, one thread */
	int err = cpu_tables_find(rsdp_pa, map_firmware, NULL, &t);

	irq_set_handler(RESCHED_VECTOR, on_resched, NULL);
	irq_set_handler(CALL_VECTOR, on_call, NULL);
	this_cpu()->apic_id = lapic_id();
	if (err == -ENOENT)
		return;		/* no tables: one CPU, as the firmware says nothing else */
	if (err < 0) {
		pr_warn("smp: %s; running on the boot CPU only\n", t.why);
		return;
	}
	if (t.ncpus < 2)
		return;
	trampoline_install();
	int id = 1;
	for (int i = 0; i < t.ncpus && id < CPU_MAX; i++)
		if (t.apic_id[i] != this_cpu()->apic_id && ap_start(id, t.apic_id[i]) == 0)
			id++;
	pr_info("smp: %d CPUs running (%s lists %d)\n", ncpus_online, t.source, t.ncpus);
}

/* ---- between CPUs ---- */

void arch_cpu_kick(int cpu)
{
	unsigned long flags = irq_save();
	lapic_send(cpus[cpu]->apic_id, RESCHED_VECTOR);
	irq_restore(flags);
}

/* One shootdown at a time (call_lock); its targets clear their bit in
 * call_pending when done. A target answers the IPI, or, when it spins on a
 * lock with interrupts off, arch_cpu_poll from the spin loop: so a CPU
 * waiting here never waits for one that waits for it. */
static spinlock_t call_lock = SPINLOCK_INIT("smp-call");
static struct {
	struct pagemap *pm;
	uintptr_t va;
	size_t size;
	bool away;
} call;				/* call_lock */
static uint64_t call_pending;	/* atomic: CPUs yet to do `call` */

void arch_cpu_poll(void)
{
	if (!__atomic_load_n(&call_pending, __ATOMIC_ACQUIRE))
		return;
	unsigned long flags = irq_save();
	uint64_t me = 1ULL << this_cpu()->id;
	if (!(__atomic_load_n(&call_pending, __ATOMIC_ACQUIRE) & me)) {
		irq_restore(flags);
		return;
	}
	if (call.away)
		paging_forget(call.pm);
	else if (call.size > FLUSH_ALL_PAGES * PAGE_SIZE)
		write_cr3(read_cr3());
	else
		for (uintptr_t va = call.va; va < call.va + call.size; va += PAGE_SIZE)
			invlpg(va);
	__atomic_and_fetch(&call_pending, ~me, __ATOMIC_RELEASE);
	irq_restore(flags);
}

static void on_call(void *arg)
{
	arch_cpu_poll();
}

void smp_tlb_shootdown(struct pagemap *pm, uintptr_t va, size_t size, bool away)
{
	int n = __atomic_load_n(&ncpus_online, __ATOMIC_ACQUIRE);
	struct percpu *self = this_cpu();
	uint64_t targets = 0;

	for (int i = 0; i < n; i++)
		if (cpus[i] && cpus[i] != self && (!pm || cpus[i]->loaded == pm))
			targets |= 1ULL << i;
	if (!targets)
		return;
	spin_lock_raw(&call_lock);
	call.pm = pm;
	call.va = va;
	call.size = size;
	call.away = away;
	__atomic_store_n(&call_pending, targets, __ATOMIC_RELEASE);
	for (int i = 0; i < n; i++)
		if (targets & 1ULL << i)
			lapic_send(cpus[i]->apic_id, CALL_VECTOR);
	while (__atomic_load_n(&call_pending, __ATOMIC_ACQUIRE))
		cpu_relax();
	spin_unlock_raw(&call_lock);
}

void arch_cpu_barrier(void)
{
	unsigned long flags = irq_save();
	smp_tlb_shootdown(NULL, 0, 0, false);	/* flushes nothing: each CPU just answers */
	irq_restore(flags);
}

int arch_cpu_id(void)
{
	return this_cpu()->id;
}
