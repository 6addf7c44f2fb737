/* The portable face of kernel/arch/x86_64: what the rest of the kernel may
 * call. Nothing outside arch/ touches registers, ports or MSRs directly. */
#ifndef OSPREY_ARCH_H
#define OSPREY_ARCH_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "arch/x86_64/entry.h"

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void idle_wait(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline unsigned long irq_save(void)
{
	unsigned long flags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void irq_restore(unsigned long flags)
{
	if (flags & (1 << 9))
		irq_enable();
}

static inline bool irqs_enabled(void)
{
	unsigned long flags;
	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & (1 << 9);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Interrupt frame as built by the entry stubs (arch/x86_64/entry.S). */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Did the trap come from a program (ring 3)? */
static inline bool trap_from_user(const struct trapframe *tf)
{
	return (tf->cs & 3) == 3;
}

/* System calls and program threads. Programs run in ring 3 with USER_CS
 * and USER_SS (arch/x86_64/entry.h). */
void arch_syscall_init(void);	/* each CPU's, as it starts */
void arch_set_fs_base(uint64_t base);
/* The %gs base the running program thread sees (ARCH_SET_GS); the kernel's
 * own %gs (per-CPU data) is swapped in on every entry from the program. */
void arch_set_gs_base(uint64_t base);
/* The running thread's kernel stack [lo, hi): where the CPU enters the
 * kernel from the program (TSS rsp0) and where system calls build their
 * frame. The scheduler sets it at every switch. */
void arch_set_kernel_stack(uintptr_t lo, uintptr_t hi);
/* Loads a process's page tables (a struct pagemap of paging.h); NULL
 * keeps what is loaded (a kernel thread runs on any). */
void arch_switch_aspace(void *pagemap);
extern void (*user_fault_hook)(struct trapframe *tf, uint64_t cr2);
/* Runs, with interrupts on, before the kernel returns to a program: after
 * every system call, before a new thread's first instruction, and after an
 * interrupt or fault while the thread's intr_pending is set (sched.h). It
 * may rewrite tf (a signal handler's frame) and runs again as long as
 * intr_pending stays set. */
#define USER_RET_IRQ		0	/* an interrupt or a fault */
#define USER_RET_SYSCALL	1
#define USER_RET_START		2	/* a new thread */
extern void (*user_return_hook)(struct trapframe *tf, int how);
const char *exception_name(uint64_t vector);
_Noreturn void trap_return(struct trapframe *tf);
#define USER_RFLAGS 0x202	/* IF; IOPL 0 */

/* Early console: 16550 at COM1. */
void serial_init(void);
void serial_write(const char *s, size_t n);
int serial_getc(void);
int serial_enable_rx(void (*handler)(int c));

/* Power and exit. */
_Noreturn void arch_exit(int status);

/* Interrupts. */
typedef void (*irq_handler_t)(void *arg);
void arch_traps_init(void);
int irq_alloc_vector(irq_handler_t fn, void *arg);
#define IRQ_EDGE	0
#define IRQ_LEVEL	1	/* level-triggered */
#define IRQ_ACTIVE_LOW	2
int ioapic_route(unsigned gsi, int vector, int mode);
/* MSI message for a vector on the boot CPU. */
static inline uint64_t msi_address(void) { return 0xfee00000; }
static inline uint32_t msi_data(int vector) { return (uint32_t)vector; }

/* PCI configuration space (legacy port mechanism). */
uint32_t pci_cfg_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off);
void pci_cfg_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v);

/* Memory barriers for device rings: x86 keeps stores in order, so only the
 * compiler must be stopped, except before reading what a device wrote
 * after our stores (a full fence). */
#define dma_wmb() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define dma_rmb() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define dma_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
void lapic_eoi(void);
void lapic_timer_oneshot(uint64_t ns);
void arch_time_init(void);
extern uint64_t tsc_hz;
uint64_t rtc_read_unix(void);	/* seconds since 1970, 0 if no RTC */

/* Program memory (arch/x86_64/uaccess.S): the only way the kernel touches
 * it. A fault on a program address that cannot be served (unmapped by
 * another thread since the call checked it, a file page that fails to
 * read) ends the routine with -EFAULT instead of a kernel fault. They take
 * any address and check none: linux/uaccess.h has the checked forms. */
long uaccess_copy(void *dst, const void *src, size_t n);	/* 0 or -EFAULT */
long uaccess_clear(void *dst, size_t n);			/* 0 or -EFAULT */
/* Up to size bytes, NUL included: the length, size if no NUL came, or -EFAULT. */
long uaccess_strncpy(char *dst, const char *src, size_t size);
/* Atomic compare-and-exchange: the value found (exchanged when == old), or -EFAULT. */
long uaccess_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new);
/* fn(arg) where a fault on a program address that cannot be served
 * abandons fn and returns -EFAULT; fn holds no lock and owns no memory
 * while it touches program memory (uaccess.S). frame: the running
 * thread's uaccess_frame. */
long uaccess_call(long (*fn)(void *), void *arg, uintptr_t *frame);
/* For the page-fault handler: a fault inside those routines, or inside a
 * uaccess_call (call_frame: the thread's uaccess_frame), is sent to its
 * -EFAULT return (true); else false. */
bool arch_uaccess_fixup(struct trapframe *tf, uintptr_t call_frame);

/* Several CPUs (arch/x86_64/smp.c). arch_smp_init starts every CPU the
 * firmware lists (rsdp_pa: PVH's pointer to the ACPI tables, 0 if none);
 * each runs sched_cpu_start with its idle thread. */
void arch_smp_init(uint64_t rsdp_pa);
int arch_cpu_id(void);			/* interrupts off */
void arch_cpu_kick(int cpu);		/* a reschedule interrupt to that CPU */
/* Does what another CPU asked of this one (a TLB shootdown); spin loops
 * with interrupts off call it, so a CPU never waits for one waiting for it. */
void arch_cpu_poll(void);
/* Returns when every other CPU has taken an interrupt (membarrier). */
void arch_cpu_barrier(void);
extern int ncpus_online;

/* CPU features the rest of the kernel asks about. */
void arch_cpu_init(void);
/* The feature bits Linux reports to programs as AT_HWCAP (CPUID 1 EDX). */
uint32_t arch_hwcap(void);
/* Fills buf with n words of entropy from RDSEED/RDRAND where the CPU has
 * them, mixed with TSC readings; returns how many came from hardware. */
int arch_get_entropy(uint64_t *buf, int n);

/* FPU/SSE state of a thread (fxsave area). */
#define FPU_STATE_SIZE 512
void fpu_init_state(void *area);
void fpu_save(void *area);
void fpu_restore(const void *area);
void fpu_reset(void);		/* the state a new thread starts with */
/* A program's fxsave image made safe for fpu_restore (reserved MXCSR bits
 * cleared): an image it wrote itself must not fault in the kernel. */
void fpu_sanitize(void *area);

/* Stack walking for backtraces: frame pointers are kept (-fno-omit-frame-pointer). */
static inline uintptr_t read_frame_pointer(void)
{
	uintptr_t fp;
	__asm__ volatile("mov %%rbp, %0" : "=r"(fp));
	return fp;
}

#endif
