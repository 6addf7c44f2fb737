/* Panics: say why, show the registers and a symbolized backtrace, then end
 * the VM with a non-zero status. Symbols come from the table that the
 * second link pass embeds (tools/ksyms.py). */
#include "panic.h"
#include "arch.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "sched/sched.h"
#include <stdarg.h>

extern const uint64_t __ksyms_count;
extern const uint64_t __ksyms_addrs[];
extern const uint32_t __ksyms_names[];
extern const char __ksyms_strings[];
extern char __text_start[], __text_end[];

/* Set once when the module loader starts; read by panics. */
const char *(*module_sym_lookup)(uintptr_t addr, uintptr_t *offset,
    const char **module);

static volatile int panicking;	/* atomic flag: a nested panic stops at once */

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	uint64_t lo = 0, hi = __ksyms_count;

	if (addr < (uintptr_t)__text_start || addr >= (uintptr_t)__text_end || !hi)
		return NULL;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (__ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (__ksyms_addrs[lo] > addr)
		return NULL;
	*offset = addr - __ksyms_addrs[lo];
	return __ksyms_strings + __ksyms_names[lo];
}

uintptr_t ksym_address(const char *name)
{
	for (uint64_t i = 0; i < __ksyms_count; i++) {
		const char *s = __ksyms_strings + __ksyms_names[i];
		const char *n = name;
		while (*s && *s == *n)
			s++, n++;
		if (!*s && !*n)
			return __ksyms_addrs[i];
	}
	return 0;
}

static void print_frame(int depth, uintptr_t pc)
{
	uintptr_t off;
	const char *mod = NULL;
	const char *name = ksym_lookup(pc, &off);

	if (!name && module_sym_lookup)
		name = module_sym_lookup(pc, &off, &mod);
	if (name && mod)
		printk("  #%-2d %#018lx %s+%#lx [%s]\n", depth, pc, name, off, mod);
	else if (name)
		printk("  #%-2d %#018lx %s+%#lx\n", depth, pc, name, off);
	else
		printk("  #%-2d %#018lx ?\n", depth, pc);
}

/* Walks %rbp frames. Frames must lie in the higher half and move up the
 * stack, so a corrupt chain ends the walk instead of faulting. */
/* Whether a frame pointer may be followed: inside the running thread's
 * kernel stack when it has one. The walk ends at the system call or trap
 * entry, where rbp is whatever the program kept in it (glibc uses it as a
 * general register: it may look like a kernel address and be unmapped). */
static bool frame_ok(uintptr_t rbp)
{
	struct thread *t = thread_current();

	if (rbp < 0xffff800000000000UL || (rbp & 7))
		return false;
	if (!t || !t->kstack_size)
		return true;
	return rbp >= t->kstack_top - t->kstack_size && rbp + 16 <= t->kstack_top;
}

void backtrace_print(uintptr_t rip, uintptr_t rbp)
{
	printk("backtrace:\n");
	print_frame(0, rip);
	for (int depth = 1; depth < 32; depth++) {
		if (!frame_ok(rbp))
			break;
		uintptr_t *frame = (uintptr_t *)rbp;
		uintptr_t next = frame[0], ret = frame[1];
		if (!ret)
			break;
		print_frame(depth, ret - 1);
		if (next <= rbp)
			break;
		rbp = next;
	}
}

static void dump_regs(const struct trapframe *tf)
{
	printk("RIP %#018lx CS %#06lx RFLAGS %#010lx\n", tf->rip, tf->cs, tf->rflags);
	printk("RSP %#018lx SS %#06lx ERR %#lx VEC %lu\n", tf->rsp, tf->ss, tf->error, tf->vector);
	printk("RAX %#018lx RBX %#018lx RCX %#018lx\n", tf->rax, tf->rbx, tf->rcx);
	printk("RDX %#018lx RSI %#018lx RDI %#018lx\n", tf->rdx, tf->rsi, tf->rdi);
	printk("RBP %#018lx R8  %#018lx R9  %#018lx\n", tf->rbp, tf->r8, tf->r9);
	printk("R10 %#018lx R11 %#018lx R12 %#018lx\n", tf->r10, tf->r11, tf->r12);
	printk("R13 %#018lx R14 %#018lx R15 %#018lx\n", tf->r13, tf->r14, tf->r15);
}

static void panic_begin(const char *fmt, va_list ap)
{
	char buf[256];

	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		static const char msg[] = "\nnested panic\n";
		serial_write(msg, sizeof(msg) - 1);
		arch_exit(PANIC_EXIT_STATUS);
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	printk("\nPANIC: %s\n", buf);
}

static _Noreturn void panic_end(void)
{
	printk("osprey: exit status %d\n", PANIC_EXIT_STATUS);
	arch_exit(PANIC_EXIT_STATUS);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	uintptr_t rbp = read_frame_pointer();

	va_start(ap, fmt);
	panic_begin(fmt, ap);
	va_end(ap);
	backtrace_print((uintptr_t)__builtin_return_address(0), ((uintptr_t *)rbp)[0]);
	panic_end();
}

void panic_trap(struct trapframe *tf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_begin(fmt, ap);
	va_end(ap);
	dump_regs(tf);
	backtrace_print(tf->rip, tf->rbp);
	panic_end();
}
