/* The kernel is out of a program's reach: a program that reads, writes or
 * jumps to kernel addresses (the kernel image and the direct map of RAM),
 * runs privileged instructions, or asks rt_sigreturn for kernel selectors,
 * a non-canonical rip or IOPL 3 gets the signal Linux gives it, with
 * Linux's si_code, si_addr and sigcontext trapno/err, and goes on; in
 * threads too, many at once. Also: the selectors a handler sees are
 * Linux's, int3/ud2/division by zero, and the %gs base of arch_prctl
 * (ARCH_SET_GS/ARCH_GET_GS), kept per thread across system calls, sleeps
 * and signal handlers.
 *
 * The kernel addresses are Osprey's (its image at 0xffffffff80100000, RAM
 * mapped from 0xffff800000000000); on a Linux host they are kernel
 * addresses too, and the program passes there the same way. */
#include "check.h"
/* Handlers and thread functions have fixed signatures. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define KERNEL_TEXT	0xffffffff80100000UL	/* Osprey's image: KERNEL_VMA + 1 MiB */
#define DIRECT_MAP	0xffff800000100000UL	/* the same page through the map of RAM */
#define NON_CANONICAL	0x8000000000000000UL

#define ARCH_SET_GS	0x1001
#define ARCH_GET_GS	0x1004

#define TRAP_GP		13
#define TRAP_PF		14
#define PF_PROT		1
#define PF_WRITE	2
#define PF_USER		4
#define PF_INSN		16
#define UC_STRICT_RESTORE_SS 4

#define LINUX_USER_CS	0x33
#define LINUX_USER_DS	0x2b
#define LINUX_KERNEL_CS	0x10
#define LINUX_KERNEL_DS	0x18

/* Instructions a program may not run, each the first of its function, so
 * the fault's rip is the function's address. */
#define INSN_FN(name, body) \
	__asm__(".text\n.globl " #name "\n.type " #name ", @function\n" #name ":\n\t" \
	    body "\n\tret\n.size " #name ", . - " #name "\n")
INSN_FN(isol_cli, "cli");
INSN_FN(isol_sti, "sti");
INSN_FN(isol_hlt, "hlt");
INSN_FN(isol_inb, "inb $0x80, %al");
INSN_FN(isol_outb, "outb %al, $0x80");
INSN_FN(isol_rdmsr, "rdmsr");
INSN_FN(isol_wrmsr, "wrmsr");
INSN_FN(isol_read_cr3, "movq %cr3, %rax");
INSN_FN(isol_write_cr4, "movq %rax, %cr4");
INSN_FN(isol_lidt, "lidt (%rsp)");
INSN_FN(isol_invlpg, "invlpg (%rsp)");
INSN_FN(isol_swapgs, "swapgs");
INSN_FN(isol_sysret, "sysretq");
INSN_FN(isol_wbinvd, "wbinvd");
INSN_FN(isol_int40, "int $0x40");
INSN_FN(isol_int3, "int3");
INSN_FN(isol_ud2, "ud2");
INSN_FN(isol_div0, "xorl %ecx, %ecx\n.globl isol_div0_insn\nisol_div0_insn:\n\tdivl %ecx");
INSN_FN(isol_read_noncanon, "movabsq $0x8000000000000000, %rax\n\tmovb (%rax), %al");
extern void isol_cli(void), isol_sti(void), isol_hlt(void), isol_inb(void), isol_outb(void);
extern void isol_rdmsr(void), isol_wrmsr(void), isol_read_cr3(void), isol_write_cr4(void);
extern void isol_lidt(void), isol_invlpg(void), isol_swapgs(void), isol_sysret(void);
extern void isol_wbinvd(void), isol_int40(void), isol_int3(void), isol_ud2(void);
extern void isol_div0(void), isol_read_noncanon(void);
extern char isol_div0_insn[];

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* ---- catching a fault ---- */

struct caught {
	int sig, code, count;
	uintptr_t addr, rip;
	long trapno, err;
	pid_t tid;
};

static __thread sigjmp_buf *jump_back;
static __thread struct caught last;

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	last.sig = sig;
	last.code = si->si_code;
	last.addr = (uintptr_t)si->si_addr;
	last.rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	last.trapno = (long)uc->uc_mcontext.gregs[REG_TRAPNO];
	last.err = (long)uc->uc_mcontext.gregs[REG_ERR];
	last.tid = gettid_();
	last.count++;
	if (jump_back)
		siglongjmp(*jump_back, 1);
	_exit(99);	/* a fault outside attempt(): nothing to go back to */
}

/* Runs fn(arg); true when it faulted, with what the handler saw in *c. */
static int attempt(void (*fn)(uintptr_t), uintptr_t arg, struct caught *c)
{
	sigjmp_buf jb;

	memset(&last, 0, sizeof(last));
	jump_back = &jb;
	if (!sigsetjmp(jb, 1)) {
		fn(arg);
		jump_back = NULL;
		*c = last;
		return 0;
	}
	jump_back = NULL;
	*c = last;
	return 1;
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		bail("isolation", "sigaction");
}

/* Expects signal sig with code and si_addr, trapno and (err >= 0) err. */
static int expect(const char *name, int faulted, const struct caught *c, int sig, int code,
    uintptr_t addr, long trapno, long err)
{
	if (!faulted)
		return check(name, 0, "no signal: the access or instruction went through");
	return check(name, c->sig == sig && c->count == 1 && c->code == code && c->addr == addr &&
	    c->trapno == trapno && (err < 0 || c->err == err),
	    "signal %d (want %d) x%d, si_code %#x (want %#x), si_addr %#lx (want %#lx), "
	    "trapno %ld (want %ld), err %#lx (want %#lx)", c->sig, sig, c->count, c->code, code,
	    (unsigned long)c->addr, (unsigned long)addr, c->trapno, trapno,
	    (unsigned long)c->err, (unsigned long)err);
}

/* ---- kernel addresses ---- */

static void read_at(uintptr_t a)
{
	(void)*(volatile char *)a;
}

static void write_at(uintptr_t a)
{
	*(volatile char *)a = 0x5a;
}

static void jump_at(uintptr_t a)
{
	((void (*)(void))a)();
}

static void call_insn(uintptr_t fn)
{
	((void (*)(void))fn)();
}

static void test_kernel_addresses(const char *prefix)
{
	static const struct { const char *name; uintptr_t addr; } where[] = {
		{ "kernel_text", KERNEL_TEXT }, { "kernel_text_end", KERNEL_TEXT + 0x7fff8 },
		{ "direct_map", DIRECT_MAP }, { "direct_map_high", DIRECT_MAP + (8UL << 20) },
	};
	char name[96];
	struct caught c;

	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		uintptr_t a = where[i].addr;
		int f;
		snprintf(name, sizeof(name), "%s.read_%s", prefix, where[i].name);
		f = attempt(read_at, a, &c);
		expect(name, f, &c, SIGSEGV, SEGV_MAPERR, a, TRAP_PF, PF_USER | PF_PROT);
		snprintf(name, sizeof(name), "%s.write_%s", prefix, where[i].name);
		f = attempt(write_at, a, &c);
		expect(name, f, &c, SIGSEGV, SEGV_MAPERR, a, TRAP_PF, PF_USER | PF_PROT | PF_WRITE);
		snprintf(name, sizeof(name), "%s.jump_%s", prefix, where[i].name);
		f = attempt(jump_at, a, &c);
		if (expect(name, f, &c, SIGSEGV, SEGV_MAPERR, a, TRAP_PF, PF_USER | PF_PROT | PF_INSN)) {
			strcat(name, "_rip");
			check(name, c.rip == a, "rip %#lx in the handler, want %#lx",
			    (unsigned long)c.rip, (unsigned long)a);
		}
	}
	snprintf(name, sizeof(name), "%s.read_non_canonical", prefix);
	int f = attempt(call_insn, (uintptr_t)isol_read_noncanon, &c);
	expect(name, f, &c, SIGSEGV, SI_KERNEL, 0, TRAP_GP, 0);
}

/* ---- privileged instructions ---- */

static void test_privileged(const char *prefix)
{
	static const struct { const char *name; void (*fn)(void); } insns[] = {
		{ "cli", isol_cli }, { "sti", isol_sti }, { "hlt", isol_hlt },
		{ "inb", isol_inb }, { "outb", isol_outb }, { "rdmsr", isol_rdmsr },
		{ "wrmsr", isol_wrmsr }, { "read_cr3", isol_read_cr3 },
		{ "write_cr4", isol_write_cr4 }, { "lidt", isol_lidt },
		{ "invlpg", isol_invlpg }, { "swapgs", isol_swapgs },
		{ "sysretq", isol_sysret }, { "wbinvd", isol_wbinvd },
	};
	char name[96];
	struct caught c;

	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		snprintf(name, sizeof(name), "%s.%s", prefix, insns[i].name);
		int f = attempt(call_insn, (uintptr_t)insns[i].fn, &c);
		if (expect(name, f, &c, SIGSEGV, SI_KERNEL, 0, TRAP_GP, 0)) {
			strcat(name, "_rip");
			check(name, c.rip == (uintptr_t)insns[i].fn, "rip %#lx, want %#lx",
			    (unsigned long)c.rip, (unsigned long)(uintptr_t)insns[i].fn);
		}
	}
	/* A vector programs may not raise: the error code points into the IDT
	 * (0x40 << 3 | 2 on hardware; QEMU's TCG gives the 16-byte entry's
	 * offset, 0x40 << 4 | 2). */
	snprintf(name, sizeof(name), "%s.int_0x40", prefix);
	int f = attempt(call_insn, (uintptr_t)isol_int40, &c);
	if (expect(name, f, &c, SIGSEGV, SI_KERNEL, 0, TRAP_GP, -1) && strcat(name, "_err"))
		check(name, c.err == (0x40 << 3 | 2) || c.err == (0x40 << 4 | 2),
		    "err %#lx, want the IDT entry of vector 0x40", (unsigned long)c.err);
}

/* int3, ud2 and a division by zero, as before programs left ring 0. */
static void test_traps(void)
{
	struct caught c;
	int f;

	f = attempt(call_insn, (uintptr_t)isol_int3, &c);
	if (expect("traps.int3", f, &c, SIGTRAP, SI_KERNEL, 0, 3, 0))
		check("traps.int3_rip", c.rip == (uintptr_t)isol_int3 + 1, "rip %#lx, want %#lx",
		    (unsigned long)c.rip, (unsigned long)(uintptr_t)isol_int3 + 1);
	f = attempt(call_insn, (uintptr_t)isol_ud2, &c);
	expect("traps.ud2", f, &c, SIGILL, ILL_ILLOPN, (uintptr_t)isol_ud2, 6, 0);
	f = attempt(call_insn, (uintptr_t)isol_div0, &c);
	expect("traps.div_by_zero", f, &c, SIGFPE, FPE_INTDIV, (uintptr_t)isol_div0_insn, 0, 0);
}

/* ---- what rt_sigreturn may restore ---- */

static volatile uint16_t tamper_cs, tamper_ss, seen_cs, seen_ss;
static volatile int tamper_strict_off, tamper_flags;
static volatile uintptr_t tamper_rip;

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uint64_t v = (uint64_t)uc->uc_mcontext.gregs[REG_CSGSFS];

	seen_cs = v & 0xffff;
	seen_ss = v >> 48;
	if (tamper_cs)
		v = (v & ~0xffffULL) | tamper_cs;
	if (tamper_ss)
		v = (v & 0x0000ffffffffffffULL) | (uint64_t)tamper_ss << 48;
	uc->uc_mcontext.gregs[REG_CSGSFS] = (long long)v;
	if (tamper_strict_off)
		uc->uc_flags &= ~UC_STRICT_RESTORE_SS;
	if (tamper_rip)
		uc->uc_mcontext.gregs[REG_RIP] = (long long)tamper_rip;
	if (tamper_flags)	/* IOPL 3, NT, IF off */
		uc->uc_mcontext.gregs[REG_EFL] = (uc->uc_mcontext.gregs[REG_EFL] | 0x3000 | 0x4000) &
		    ~0x200LL;
}

static void send_usr1(uintptr_t unused)
{
	syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1);
}

static void reset_tamper(void)
{
	tamper_cs = tamper_ss = 0;
	tamper_strict_off = tamper_flags = 0;
	tamper_rip = 0;
}

static void test_sigreturn(void)
{
	static const struct { const char *name; uint16_t cs, ss; } bad[] = {
		{ "sigreturn.kernel_ss", 0, LINUX_KERNEL_DS },
		{ "sigreturn.kernel_cs", LINUX_KERNEL_CS, 0 },
		{ "sigreturn.data_as_cs", LINUX_USER_DS, 0 },
		{ "sigreturn.code_as_ss", 0, LINUX_USER_CS },
		{ "sigreturn.null_ss", 0, 3 },
	};
	struct caught c;
	int f;

	set_handler(SIGUSR1, on_usr1);
	reset_tamper();
	f = attempt(send_usr1, 0, &c);
	check("sigreturn.plain", !f && seen_cs == LINUX_USER_CS && seen_ss == LINUX_USER_DS,
	    "faulted %d; handler saw cs %#x ss %#x (want %#x %#x)", f, seen_cs, seen_ss,
	    LINUX_USER_CS, LINUX_USER_DS);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset_tamper();
		tamper_cs = bad[i].cs;
		tamper_ss = bad[i].ss;
		f = attempt(send_usr1, 0, &c);
		expect(bad[i].name, f, &c, SIGSEGV, SI_KERNEL, 0, TRAP_GP, -1);
	}
	/* A frame without UC_STRICT_RESTORE_SS gets the user SS, as on Linux. */
	reset_tamper();
	tamper_ss = LINUX_KERNEL_DS;
	tamper_strict_off = 1;
	f = attempt(send_usr1, 0, &c);
	check("sigreturn.kernel_ss_not_strict", !f, "signal %d, si_code %#x", c.sig, c.code);

	reset_tamper();
	tamper_rip = KERNEL_TEXT;
	f = attempt(send_usr1, 0, &c);
	expect("sigreturn.kernel_rip", f, &c, SIGSEGV, SEGV_MAPERR, KERNEL_TEXT, TRAP_PF,
	    PF_USER | PF_PROT | PF_INSN);
	reset_tamper();
	tamper_rip = NON_CANONICAL;
	f = attempt(send_usr1, 0, &c);
	expect("sigreturn.non_canonical_rip", f, &c, SIGSEGV, SI_KERNEL, 0, TRAP_GP, 0);

	/* IOPL 3 and NT asked for, interrupts off: none of it is taken. */
	reset_tamper();
	tamper_flags = 1;
	f = attempt(send_usr1, 0, &c);
	unsigned long fl;
	__asm__ volatile("pushfq; popq %0" : "=r"(fl));
	check("sigreturn.rflags_sanitized", !f && (fl & 0x3000) == 0 && !(fl & 0x4000) && (fl & 0x200),
	    "faulted %d, rflags %#lx after the handler", f, fl);
	f = attempt(call_insn, (uintptr_t)isol_cli, &c);
	expect("sigreturn.cli_after_iopl3", f, &c, SIGSEGV, SI_KERNEL, 0, TRAP_GP, 0);
	reset_tamper();
}

/* ---- threads ---- */

#define STRESS_THREADS 4
#define STRESS_ROUNDS 150

static void *fault_thread(void *arg)
{
	struct caught c;
	pid_t me = gettid_();
	long ok = 0;

	for (int i = 0; i < STRESS_ROUNDS; i++) {
		int f1 = attempt(write_at, DIRECT_MAP + (uintptr_t)i * 4096, &c);
		ok += f1 && c.sig == SIGSEGV && c.tid == me && c.addr == DIRECT_MAP + (uintptr_t)i * 4096;
		int f2 = attempt(call_insn, (uintptr_t)isol_cli, &c);
		ok += f2 && c.sig == SIGSEGV && c.tid == me && c.code == SI_KERNEL;
		if (i % 16 == 0)
			sched_yield();
	}
	return (void *)ok;
}

static void *one_thread(void *arg)
{
	test_kernel_addresses("thread");
	test_privileged("thread.priv");
	return (void *)(uintptr_t)gettid_();
}

static void test_threads(void)
{
	pthread_t t[STRESS_THREADS];
	void *ret;

	if (!pthread_create(&t[0], NULL, one_thread, NULL)) {
		pthread_join(t[0], &ret);
		check("thread.returned", ret && (pid_t)(uintptr_t)ret != gettid_(),
		    "thread returned %p", ret);
	} else {
		check("thread.create", 0, "pthread_create failed");
	}
	int made = 0;
	for (; made < STRESS_THREADS; made++)
		if (pthread_create(&t[made], NULL, fault_thread, NULL))
			break;
	check("threads.create", made == STRESS_THREADS, "%d threads made", made);
	/* The main thread keeps making system calls meanwhile. */
	long calls = 0;
	for (int i = 0; i < 200; i++)
		calls += getppid() >= 0;
	long total = 0;
	for (int i = 0; i < made; i++) {
		pthread_join(t[i], &ret);
		total += (long)ret;
	}
	check("threads.faults_each_caught_by_their_thread", total == 2L * STRESS_ROUNDS * made && calls == 200,
	    "%ld of %ld faults seen right, %ld calls", total, 2L * STRESS_ROUNDS * made, calls);
}

/* ---- the %gs base ---- */

static uint64_t gs_area_main[2] = { 0x6d61696e6d61696eULL, 1 };
static uint64_t gs_area_thread[2] = { 0x7468726561647468ULL, 2 };

static uint64_t read_gs0(void)
{
	uint64_t v;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	return v;
}

static uint64_t get_gs(void)
{
	uint64_t v = 0;
	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &v))
		return (uint64_t)-1;
	return v;
}

static volatile uint64_t gs_in_handler;

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	gs_in_handler = read_gs0();
}

static void *gs_thread(void *arg)
{
	uint64_t inherited = get_gs();
	long r = syscall(SYS_arch_prctl, ARCH_SET_GS, gs_area_thread);
	struct timespec ts = { 0, 20 * 1000000 };
	nanosleep(&ts, NULL);
	int ok = inherited == (uintptr_t)gs_area_main && r == 0 && read_gs0() == gs_area_thread[0] &&
	    get_gs() == (uintptr_t)gs_area_thread;
	return (void *)(uintptr_t)ok;
}

static void test_gs(void)
{
	long r = syscall(SYS_arch_prctl, ARCH_SET_GS, gs_area_main);
	check("gs.set", r == 0, "ARCH_SET_GS: %ld errno %d", r, errno);
	check("gs.read", read_gs0() == gs_area_main[0], "%%gs:0 is %#lx", (unsigned long)read_gs0());
	check("gs.get", get_gs() == (uintptr_t)gs_area_main, "ARCH_GET_GS %#lx, want %p",
	    (unsigned long)get_gs(), (void *)gs_area_main);
	for (int i = 0; i < 100; i++)
		getppid();
	sched_yield();
	struct timespec ts = { 0, 30 * 1000000 };
	nanosleep(&ts, NULL);
	check("gs.kept_across_calls_and_sleep", read_gs0() == gs_area_main[0],
	    "%%gs:0 is %#lx", (unsigned long)read_gs0());
	set_handler(SIGUSR2, on_usr2);
	raise(SIGUSR2);
	check("gs.in_handler", gs_in_handler == gs_area_main[0], "%%gs:0 in the handler %#lx",
	    (unsigned long)gs_in_handler);
	pthread_t t;
	void *ret = NULL;
	if (!pthread_create(&t, NULL, gs_thread, NULL))
		pthread_join(t, &ret);
	check("gs.thread_inherits_and_sets_its_own", ret == (void *)1, "thread says %p", ret);
	check("gs.main_unchanged_by_thread", read_gs0() == gs_area_main[0] &&
	    get_gs() == (uintptr_t)gs_area_main, "%%gs:0 is %#lx", (unsigned long)read_gs0());
	errno = 0;
	r = syscall(SYS_arch_prctl, ARCH_SET_GS, KERNEL_TEXT);
	check("gs.kernel_address_refused", r == -1 && errno == EPERM, "ARCH_SET_GS(kernel): %ld errno %d",
	    r, errno);
	r = syscall(SYS_arch_prctl, ARCH_SET_GS, 0);
	check("gs.reset", r == 0 && get_gs() == 0, "ARCH_SET_GS(0): %ld, base %#lx", r,
	    (unsigned long)get_gs());
}

int main(void)
{
	set_handler(SIGSEGV, on_fault);
	set_handler(SIGILL, on_fault);
	set_handler(SIGTRAP, on_fault);
	set_handler(SIGFPE, on_fault);
	set_handler(SIGBUS, on_fault);
	test_kernel_addresses("kernel");
	test_privileged("priv");
	test_traps();
	test_sigreturn();
	test_threads();
	test_gs();
	return done("isolation");
}
