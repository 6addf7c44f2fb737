/* GDT, TSS, IDT, and the C side of interrupt and exception entry. */
#include "arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "cmdline.h"
#include "dev/console.h"
#include "panic.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "arch/x86_64/smp.h"
#include <string.h>

struct idt_entry {
	uint16_t off_lo, selector;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));


/* Linux's layout (entry.h): 0x08 and 0x20 stay empty (Linux's 32-bit
 * kernel and user code), so no program can enter compatibility mode: with
 * no 32-bit code segment, and no LDT, CSTAR's entry is never used. */
static const uint64_t gdt_template[CPU_GDT_ENTRIES] = {
	[KERNEL_CS >> 3] = 0x00af9a000000ffff,	/* 64-bit code, DPL 0 */
	[KERNEL_DS >> 3] = 0x00cf92000000ffff,	/* data, DPL 0 */
	[USER_DS >> 3] = 0x00cff2000000ffff,	/* data, DPL 3 */
	[USER_CS >> 3] = 0x00affa000000ffff,	/* 64-bit code, DPL 3 */
	/* TSS_SEL: filled by gdt_load, two slots */
};
static struct cpu_desc boot_desc;
static struct idt_entry idt[256];
static struct percpu boot_cpu;

struct percpu *cpus[CPU_MAX] = { &boot_cpu };
int ncpus_online = 1;

extern char trap_stubs[];
extern char boot_stack_hi[], boot_stack_hi_top[];

static struct {
	irq_handler_t fn;
	void *arg;
} irq_table[256];
static spinlock_t irq_table_lock = SPINLOCK_INIT("irq_table");
static int next_vector = 0x30;

/* The entry stubs and the Linux layer agree on the frame's layout. */
_Static_assert(offsetof(struct trapframe, r11) == TF_R11, "trapframe r11");
_Static_assert(offsetof(struct trapframe, rcx) == TF_RCX, "trapframe rcx");
_Static_assert(offsetof(struct trapframe, vector) == TF_VECTOR, "trapframe vector");
_Static_assert(offsetof(struct trapframe, rip) == TF_RIP, "trapframe rip");
_Static_assert(offsetof(struct trapframe, cs) == TF_CS, "trapframe cs");
_Static_assert(offsetof(struct trapframe, rflags) == TF_RFLAGS, "trapframe rflags");
_Static_assert(offsetof(struct trapframe, rsp) == TF_RSP, "trapframe rsp");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe size");

/* Each CPU has its own GDT (its TSS descriptor's busy bit is its own) and
 * TSS (its rsp0 and fatal stack). The data segment registers are null:
 * 64-bit code ignores them, and an iretq to ring 3 would null any holding
 * a DPL 0 selector anyway. Loading %gs clears its base, so this runs
 * before the per-CPU data is set. */
static void gdt_load(struct cpu_desc *d)
{
	uintptr_t t = (uintptr_t)&d->tss;

	memcpy(d->gdt, gdt_template, sizeof(d->gdt));
	d->tss.ist[IST_FATAL - 1] = (uintptr_t)d->ist_stack + sizeof(d->ist_stack);
	d->tss.iomap_base = sizeof(d->tss);	/* no I/O bitmap: every port is refused in ring 3 */
	d->gdt[TSS_SEL >> 3] = (sizeof(d->tss) - 1) | (t & 0xffffff) << 16 | 0x89ULL << 40 |
	    ((t >> 24) & 0xff) << 56;
	d->gdt[(TSS_SEL >> 3) + 1] = t >> 32;

	struct desc_ptr gp = { sizeof(d->gdt) - 1, (uintptr_t)d->gdt };
	__asm__ volatile(
	    "lgdt %0\n\t"
	    "pushq %1\n\t"
	    "leaq 1f(%%rip), %%rax\n\t"
	    "pushq %%rax\n\t"
	    "lretq\n"
	    "1: xorl %%eax, %%eax\n\t"
	    "movl %%eax, %%ds\n\t"
	    "movl %%eax, %%es\n\t"
	    "movl %%eax, %%fs\n\t"
	    "movl %%eax, %%gs\n\t"
	    "movl %2, %%eax\n\t"
	    "movl %%eax, %%ss\n\t"
	    "movw %3, %%ax\n\t"
	    "ltr %%ax"
	    : : "m"(gp), "i"(KERNEL_CS), "i"(KERNEL_DS), "i"(TSS_SEL) : "rax", "memory");
}

/* int3 and into may be used by programs (DPL 3); any other `int N` from
 * ring 3 is a general protection fault, as on Linux. One IDT serves
 * every CPU. */
static void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uintptr_t a = (uintptr_t)trap_stubs + 16 * v;
		int ist = v == 2 || v == 8 || v == 18 ? IST_FATAL : 0;
		int dpl = v == 3 || v == 4 ? 3 : 0;
		idt[v] = (struct idt_entry){
			.off_lo = a, .selector = KERNEL_CS, .ist = ist,
			.type = 0x8e | dpl << 5,	/* present, interrupt gate: IF cleared */
			.off_mid = a >> 16, .off_hi = a >> 32,
		};
	}
}

static void idt_load(void)
{
	struct desc_ptr ip = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(ip));
}

/* The scheduler calls this with interrupts off, on the CPU it switches. */
void arch_set_kernel_stack(uintptr_t lo, uintptr_t hi)
{
	struct percpu *cpu = this_cpu();

	cpu->kstack_lo = lo;
	cpu->kstack_hi = hi;
	cpu->tss->rsp[0] = hi;
}

/* A CPU's descriptor tables and per-CPU data, on the stack [lo, hi). */
void arch_cpu_tables_load(struct percpu *cpu, struct cpu_desc *d, uintptr_t lo, uintptr_t hi)
{
	gdt_load(d);
	cpu->self = cpu;
	cpu->tss = &d->tss;
	wrmsr(MSR_GS_BASE, (uintptr_t)cpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	arch_set_kernel_stack(lo, hi);
	idt_load();
}

void arch_traps_init(void)
{
	idt_init();
	arch_cpu_tables_load(&boot_cpu, &boot_desc, (uintptr_t)boot_stack_hi,
	    (uintptr_t)boot_stack_hi_top);
	arch_syscall_init();	/* here: later, the thread asking may run on any CPU */
}

int irq_alloc_vector(irq_handler_t fn, void *arg)
{
	unsigned long flags = spin_lock_irqsave(&irq_table_lock);
	int v = next_vector < 0xf0 ? next_vector++ : -1;
	if (v >= 0) {
		irq_table[v].fn = fn;
		irq_table[v].arg = arg;
	}
	spin_unlock_irqrestore(&irq_table_lock, flags);
	return v;
}

/* Fixed vectors (timer, spurious) are installed by arch code directly. */
void irq_set_handler(int vector, irq_handler_t fn, void *arg)
{
	irq_table[vector].fn = fn;
	irq_table[vector].arg = arg;
}

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range exceeded", "invalid opcode", "device not available",
	"double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved", "x87 floating-point error", "alignment check",
	"machine check", "SIMD floating-point error", "virtualization exception",
	"control protection exception",
};

const char *exception_name(uint64_t vector)
{
	return vector < 32 && exception_names[vector] ? exception_names[vector] : "exception";
}

#define LOWER_HALF 0x0000800000000000UL
#define UPPER_HALF 0xffff800000000000UL

/* Set once at boot by arch_cpu_init, before any other thread: SMAP is on. */
static bool smap_on;
#define RFLAGS_AC (1UL << 18)

/* Set once by the Linux layer: handles faults of the program (and page
 * faults on its addresses). Returns when the program may go on (the
 * access retried, or a signal handler's frame set up in tf). */
void (*user_fault_hook)(struct trapframe *tf, uint64_t cr2);
/* Set once by the Linux layer (arch.h). */
void (*user_return_hook)(struct trapframe *tf, int how);

static bool canonical(uint64_t a)
{
	return a < LOWER_HALF || a >= UPPER_HALF;
}

/* Called with interrupts off on every way back to a program; returns with
 * them off. Work that comes in while the hook runs (an interrupt sending a
 * signal) is seen by the loop, so none waits for the next kernel entry.
 *
 * The return to a non-canonical rip (rt_sigreturn or a handler may ask for
 * one) would fault in ring 0 on the iretq itself, with the program's %gs
 * already loaded. The program gets the general protection fault it gets
 * on Linux instead, at that rip: its handler, or its end. */
void trap_user_return(struct trapframe *tf, int how)
{
	if (!user_return_hook)
		return;
	struct thread *t = this_cpu()->current;
	for (;;) {
		while (how != USER_RET_IRQ || t->intr_pending) {
			irq_enable();
			user_return_hook(tf, how);
			irq_disable();
			how = USER_RET_IRQ;
		}
		if (canonical(tf->rip))
			return;
		tf->vector = 13;
		tf->error = 0;
		irq_enable();
		user_fault_hook(tf, 0);
		irq_disable();
	}
}

/* A new program thread: the hook, then the program. */
void trap_resume(struct trapframe *tf);

void trap_return(struct trapframe *tf)
{
	irq_disable();
	trap_user_return(tf, USER_RET_START);
	trap_resume(tf);
	__builtin_unreachable();
}

/* Faults. A program's (ring 3) go to the Linux layer whatever their
 * address: a privileged instruction or a kernel address is a signal like
 * any other. The kernel's own are fatal, except page faults on program
 * addresses (a system call touching a page not yet mapped). */
void trap_exception(struct trapframe *tf)
{
	const char *name = exception_names[tf->vector];
	bool program = trap_from_user(tf);
	uint64_t cr2 = read_cr2();

	/* With SMAP, a kernel access to a present program page faults unless
	 * uaccess.S opened the way (AC set): a kernel bug, never to retry. */
	if (smap_on && !program && tf->vector == 14 && cr2 < LOWER_HALF && (tf->error & 1) &&
	    !(tf->rflags & RFLAGS_AC))
		panic_trap(tf, "SMAP: the kernel touched the program's address %#lx outside "
		    "the uaccess routines (%s)", cr2, tf->error & 2 ? "write" : "read");
	if (user_fault_hook && (program || (tf->vector == 14 && cr2 < LOWER_HALF))) {
		/* The hook may sleep; let interrupts in if the faulting code had
		 * them (a kernel page fault on a program address, or the program). */
		if ((tf->vector == 14 || program) && (tf->rflags & (1 << 9)))
			irq_enable();
		user_fault_hook(tf, cr2);
		irq_disable();
		if (program)
			trap_user_return(tf, USER_RET_IRQ);
		return;
	}

	if (!name)
		name = "reserved exception";
	if (tf->vector == 14)
		panic_trap(tf, "%s at address %#lx (%s %s, %s mode)", name, cr2,
		    tf->error & 1 ? "protection violation on" : "not-present page on",
		    tf->error & 16 ? "instruction fetch" : tf->error & 2 ? "write" : "read",
		    tf->error & 4 ? "user" : "kernel");
	panic_trap(tf, "%s (error code %#lx)", name, tf->error);
}

/* #DF, NMI, #MC, on their IST stack. A kernel stack overflow shows as a
 * double fault: the page fault on the guard page could not push its frame
 * there (CR2 holds the address of the push). */
_Noreturn void trap_fatal(struct trapframe *tf)
{
	struct percpu *cpu = this_cpu();
	uint64_t cr2 = read_cr2();
	uintptr_t guard = cpu->kstack_lo - 4096;

	if (tf->vector == 8 && ((cr2 >= guard && cr2 < cpu->kstack_lo) ||
	    (tf->rsp >= guard && tf->rsp < cpu->kstack_lo)))
		panic_trap(tf, "kernel stack overflow in thread '%s': fault at %#lx in the guard page below its %lu KiB stack",
		    cpu->current ? cpu->current->name : "boot", cr2,
		    (cpu->kstack_hi - cpu->kstack_lo) >> 10);
	panic_trap(tf, "%s (error code %#lx) in %s mode", exception_name(tf->vector), tf->error,
	    trap_from_user(tf) ? "user" : "kernel");
}

void trap_irq(struct trapframe *tf)
{
	struct percpu *cpu = this_cpu();
	irq_handler_t fn = irq_table[tf->vector].fn;

	cpu->irq_depth++;
	if (fn)
		fn(irq_table[tf->vector].arg);
	else if (tf->vector != 0xff)
		pr_warn("irq: unexpected interrupt on vector %lu\n", tf->vector);
	if (tf->vector != 0xff)
		lapic_eoi();
	cpu->irq_depth--;
	bool outermost = cpu->irq_depth == 0;
	if (cpu->preempt_pending && outermost) {
		cpu->preempt_pending = 0;
		sched_preempt();	/* may resume on another CPU: cpu is stale after */
	}
	if (trap_from_user(tf) && outermost)
		trap_user_return(tf, USER_RET_IRQ);
}

#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)

/* A fault in uaccess.S's routines that could not be served: they return
 * -EFAULT to their caller. */
extern const char uaccess_begin[], uaccess_fault[], uaccess_call_abort[];

bool arch_uaccess_fixup(struct trapframe *tf, uintptr_t call_frame)
{
	if (tf->rip >= (uintptr_t)uaccess_begin && tf->rip < (uintptr_t)uaccess_fault) {
		tf->rip = (uintptr_t)uaccess_fault;
		return true;
	}
	if (!call_frame)
		return false;
	tf->rsp = call_frame;
	tf->rip = (uintptr_t)uaccess_call_abort;
	return true;
}

/* uaccess.S's SMAP_OPEN/SMAP_CLOSE sites, 3-byte no-ops until SMAP is on. */
extern const uint64_t __smap_open_start[], __smap_open_end[];
extern const uint64_t __smap_close_start[], __smap_close_end[];

static void patch_sites(const uint64_t *site, const uint64_t *end, uint8_t last)
{
	for (; site < end; site++) {
		/* Through the direct map: the kernel's text is mapped read-only. */
		uint8_t *code = phys_to_virt(*site - KERNEL_VMA);
		code[0] = 0x0f;
		code[1] = 0x01;
		code[2] = last;		/* stac 0f 01 cb, clac 0f 01 ca */
	}
}


/* Set once by arch_cpu_init on the boot CPU, read by the others as they start. */
static bool smep_on, nx_on;

/* The features arch_cpu_init chose, on the CPU this runs on. */
void arch_cpu_features_enable(void)
{
	write_cr0((read_cr0() & ~(1UL << 2)) | (1UL << 1));	/* EM off, MP on */
	write_cr4(read_cr4() | (1UL << 9) | (1UL << 10) |	/* OSFXSR, OSXMMEXCPT */
	    (smep_on ? CR4_SMEP : 0) | (smap_on ? CR4_SMAP : 0));
	if (nx_on)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | (1 << 11));
}

/* SSE for programs (the kernel itself is built without it); NX; SMEP where
 * the CPU has it, so the kernel can never run a program's page; SMAP where
 * it has it, so the kernel touches a program's page only inside uaccess.S's
 * routines (stac ... clac): anywhere else is a fault (trap_exception). Done
 * first at boot, before any other thread runs the code it patches. */
void arch_cpu_init(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 7) {
		cpuid(7, 0, r);
		smep_on = r[1] & (1U << 7);
		smap_on = (r[1] & (1U << 20)) && !boot_opts.no_smap;
	}
	if (smap_on) {
		patch_sites(__smap_open_start, __smap_open_end, 0xcb);
		patch_sites(__smap_close_start, __smap_close_end, 0xca);
	}
	cpuid(0x80000001, 0, r);
	nx_on = r[3] & (1U << 20);
	arch_cpu_features_enable();
	pr_info("cpu: SMEP %s, SMAP %s\n", smep_on ? "on" : "off (the CPU lacks it)",
	    smap_on ? "on" : boot_opts.no_smap ? "off (--no-smap)" : "off (the CPU lacks it)");
}

uint32_t arch_hwcap(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[3];
}

void fpu_init_state(void *area)
{
	memset(area, 0, FPU_STATE_SIZE);
	((uint16_t *)area)[0] = 0x37f;		/* FCW: all exceptions masked */
	((uint32_t *)area)[6] = 0x1f80;		/* MXCSR */
}

void fpu_save(void *area)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

void fpu_reset(void)
{
	uint32_t mxcsr = 0x1f80;

	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr) : "memory");
}

/* MXCSR_MASK as the CPU reports it in an fxsave image (0: the default). */
void fpu_sanitize(void *area)
{
	uint8_t own[FPU_STATE_SIZE] __attribute__((aligned(16)));
	uint32_t mask;

	fpu_save(own);
	memcpy(&mask, own + 28, 4);
	if (!mask)
		mask = 0xffbf;
	((uint32_t *)area)[6] &= mask;
}

static bool hw_random(uint64_t *v, bool seed)
{
	unsigned char ok;

	for (int tries = 0; tries < 10; tries++) {
		if (seed)
			__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		else
			__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

int arch_get_entropy(uint64_t *buf, int n)
{
	uint32_t r[4];
	int hw = 0;

	cpuid(7, 0, r);
	bool has_seed = r[1] & (1u << 18);
	cpuid(1, 0, r);
	bool has_rand = r[2] & (1u << 30);
	for (int i = 0; i < n; i++) {
		uint64_t v = 0;
		if ((has_seed && hw_random(&v, true)) || (has_rand && hw_random(&v, false)))
			hw++;
		/* TSC low bits jitter under any hypervisor; mixed in always. */
		buf[i] = v ^ (rdtsc() * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)i << 56);
	}
	return hw;
}

extern char syscall_entry[];

/* SYSCALL enters with KERNEL_CS/KERNEL_DS, SYSRET leaves with
 * USER_CS/USER_SS (entry.h). CSTAR (compatibility-mode `syscall`) stays
 * unset: no program can run 32-bit code (traps.c's GDT). */
void arch_syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);			/* SCE */
	wrmsr(MSR_STAR, (uint64_t)USER32_CS << 48 | (uint64_t)KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x47700);	/* IF, DF, TF, IOPL, AC, NT cleared on entry */
}

void arch_switch_aspace(void *pagemap)
{
	if (pagemap)
		paging_switch(pagemap);
}

void arch_set_fs_base(uint64_t base)
{
	wrmsr(MSR_FS_BASE, base);
}

/* In the kernel the program's %gs base waits in KERNEL_GS_BASE, where the
 * next swapgs on the way out takes it from. */
void arch_set_gs_base(uint64_t base)
{
	wrmsr(MSR_KERNEL_GS_BASE, base);
}
