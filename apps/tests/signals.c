/* Signals as programs use them: handlers for faults that recover with
 * siglongjmp or by returning, the ucontext a handler sees and changes,
 * signals between threads, interval timers, alarm, SA_RESTART against
 * EINTR, the alternate stack, sigsuspend, sigtimedwait, queued real-time
 * signals, SA_RESETHAND/SA_NODEFER/sa_mask, SIGPIPE, POSIX timers aimed at
 * a thread. Arguments name the groups to run (default: all; see groups[]).
 * Every wait is bounded, so a kernel that does not deliver makes
 * checks fail rather than hang. */
#include "check.h"
/* Handlers and thread functions have fixed signatures. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define ALT_SIZE (64 * 1024)
#define FUTEX_WAIT_PRIVATE_ 128		/* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE_ 129

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = { 0 };
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		bail("signals", "sigaction");
}

static void block(int sig, int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(how, &s, NULL);
}

static int is_blocked(int sig)
{
	sigset_t s;
	pthread_sigmask(SIG_BLOCK, NULL, &s);
	return sigismember(&s, sig);
}

/* Waits (bounded) until *flag is non-zero. */
static int wait_flag(volatile int *flag, double secs)
{
	double end = now() + secs;
	while (!*flag && now() < end)
		msleep(1);
	return *flag;
}

/* ---- SIGSEGV handled by siglongjmp and by returning ---- */

static sigjmp_buf jb;
static volatile int seen_sig, seen_code, seen_count;
static void *volatile seen_addr;
static char *volatile fix_page;

static void segv_jump(int sig, siginfo_t *si, void *uc)
{
	seen_sig = sig;
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	seen_count++;
	siglongjmp(jb, 1);
}

static void segv_fix(int sig, siginfo_t *si, void *uc)
{
	seen_sig = sig;
	seen_addr = si->si_addr;
	seen_count++;
	mprotect(fix_page, 4096, PROT_READ | PROT_WRITE);	/* the write is run again */
}

static void test_segv(void)
{
	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	struct { const char *name; char *addr; int write, code; } cases[] = {
		{ "segv.longjmp.write_prot_none", none, 1, SEGV_ACCERR },
		{ "segv.longjmp.read_prot_none", none + 100, 0, SEGV_ACCERR },
		{ "segv.longjmp.read_unmapped", gone + 8, 0, SEGV_MAPERR },
		{ "segv.longjmp.null", NULL, 0, SEGV_MAPERR },
	};
	set_handler(SIGSEGV, segv_jump, 0);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		volatile char *volatile at = cases[i].addr;	/* not a known null to the compiler */
		seen_sig = seen_code = seen_count = 0;
		seen_addr = (void *)1;
		if (!sigsetjmp(jb, 1)) {
			if (cases[i].write)
				*at = 1;
			else
				(void)*at;
			check(cases[i].name, 0, "the access did not fault");
			continue;
		}
		check(cases[i].name, seen_sig == SIGSEGV && seen_count == 1 &&
		    seen_addr == cases[i].addr && seen_code == cases[i].code,
		    "signal %d, %d times, si_addr %p (want %p), si_code %d (want %d)",
		    seen_sig, seen_count, seen_addr, (void *)cases[i].addr, seen_code, cases[i].code);
	}
	check("segv.longjmp.mask_restored", !is_blocked(SIGSEGV), "SIGSEGV still blocked after siglongjmp");

	fix_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	set_handler(SIGSEGV, segv_fix, 0);
	seen_count = 0;
	fix_page[10] = 42;
	check("segv.return_reruns", seen_count == 1 && fix_page[10] == 42 && seen_addr == fix_page + 10,
	    "handler ran %d times, byte %d, si_addr %p", seen_count, fix_page[10], seen_addr);
	signal(SIGSEGV, SIG_DFL);
	munmap(none, 4096);
	munmap(fix_page, 4096);
}

/* ---- SIGILL: the handler reads and rewrites the interrupted context ---- */

static struct {
	int sig, code;
	void *addr;
	uint64_t rip, r12;
	unsigned saved_mxcsr, handler_mxcsr;
} ill;

static void ill_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned mx;
	uint64_t x = 0x5eed5eed5eedULL;

	__asm__ volatile("stmxcsr %0" : "=m"(mx));
	ill.sig = sig;
	ill.code = si->si_code;
	ill.addr = si->si_addr;
	ill.rip = uc->uc_mcontext.gregs[REG_RIP];
	ill.r12 = uc->uc_mcontext.gregs[REG_R12];
	ill.saved_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
	ill.handler_mxcsr = mx;
	uc->uc_mcontext.gregs[REG_R12] = 0x99;
	uc->uc_mcontext.gregs[REG_RIP] += 2;			/* past ud2 */
	memcpy(&uc->uc_mcontext.fpregs->_xmm[0], &x, sizeof(x));
}

static void test_sigill_context(void)
{
	uint64_t r12, xmm0, in = 0x1122334455667788ULL, seed = 7;
	unsigned mx = 0x1f80 | 0x6000, mx_after, saved = 0x1f80;	/* rounding: toward zero */

	set_handler(SIGILL, ill_handler, 0);
	__asm__ volatile(
	    "stmxcsr %[saved]\n\t"
	    "movq %[seed], %%xmm0\n\t"
	    "ldmxcsr %[mx]\n\t"
	    "movq %[in], %%r12\n\t"
	    "ud2\n\t"
	    "movq %%r12, %[r12]\n\t"
	    "movq %%xmm0, %[xmm0]\n\t"
	    "stmxcsr %[mxa]\n\t"
	    "ldmxcsr %[saved]\n\t"
	    : [r12] "=&r"(r12), [xmm0] "=&r"(xmm0), [mxa] "=m"(mx_after), [saved] "+m"(saved)
	    : [in] "r"(in), [mx] "m"(mx), [seed] "r"(seed)
	    : "r12", "xmm0", "memory");
	signal(SIGILL, SIG_DFL);
	check("sigill.siginfo", ill.sig == SIGILL && ill.code == ILL_ILLOPN &&
	    (uint64_t)ill.addr == ill.rip, "signal %d code %d si_addr %p rip %#lx",
	    ill.sig, ill.code, ill.addr, (unsigned long)ill.rip);
	check("sigill.ucontext_registers", ill.r12 == in, "gregs[REG_R12] %#lx", (unsigned long)ill.r12);
	check("sigill.ucontext_fpstate", (ill.saved_mxcsr & 0x6000) == 0x6000,
	    "fpregs->mxcsr %#x", ill.saved_mxcsr);
	check("sigill.handler_fresh_fpu", ill.handler_mxcsr == 0x1f80,
	    "mxcsr in the handler %#x", ill.handler_mxcsr);
	check("sigill.sigreturn_restores_changes", r12 == 0x99 && xmm0 == 0x5eed5eed5eedULL &&
	    (mx_after & 0x6000) == 0x6000, "r12 %#lx, xmm0 %#lx, mxcsr %#x",
	    (unsigned long)r12, (unsigned long)xmm0, mx_after);
}

/* ---- SIGFPE ---- */

static void test_sigfpe(void)
{
	volatile int zero = 0, seven = 7, r = 0;	/* 1 / x compiles to no division */

	set_handler(SIGFPE, segv_jump, 0);
	seen_sig = seen_count = 0;
	if (!sigsetjmp(jb, 1)) {
		r = seven / zero;
		check("sigfpe.intdiv", 0, "7/0 gave %d", r);
	} else {
		check("sigfpe.intdiv", seen_sig == SIGFPE && seen_code == FPE_INTDIV && seen_count == 1,
		    "signal %d code %d", seen_sig, seen_code);
	}
	signal(SIGFPE, SIG_DFL);
}

/* ---- signals between threads ---- */

static volatile int usr1_tid, usr1_count, thread_ready;
static volatile pid_t other_tid;
static volatile int other_ret, other_errno;

static void usr1_handler(int sig, siginfo_t *si, void *uc)
{
	usr1_tid = tid();
	usr1_count++;
}

static void *suspender(void *arg)
{
	sigset_t empty;

	sigemptyset(&empty);
	other_tid = tid();
	thread_ready = 1;
	other_ret = sigsuspend(&empty);		/* SIGUSR1 is blocked until here */
	other_errno = errno;
	return NULL;
}

static void test_pthread_kill(void)
{
	pthread_t t;

	set_handler(SIGUSR1, usr1_handler, 0);
	block(SIGUSR1, SIG_BLOCK);		/* inherited by the thread */
	usr1_count = usr1_tid = thread_ready = 0;
	pthread_create(&t, NULL, suspender, NULL);
	wait_flag(&thread_ready, 5);
	pthread_kill(t, SIGUSR1);
	wait_flag(&usr1_count, 5);
	msleep(10);
	check("thread.pthread_kill_reaches_handler", usr1_count == 1 && usr1_tid == other_tid &&
	    usr1_tid != tid(), "handler ran %d times in tid %d (target %d, main %d)",
	    usr1_count, usr1_tid, other_tid, tid());
	if (usr1_count) {
		pthread_join(t, NULL);
		check("thread.sigsuspend_eintr", other_ret == -1 && other_errno == EINTR,
		    "sigsuspend returned %d errno %d", other_ret, other_errno);
	} else {
		pthread_detach(t);	/* stuck in sigsuspend: left behind */
	}
	block(SIGUSR1, SIG_UNBLOCK);
}

/* kill() to the process while the main thread waits and the only other
 * thread blocks the signal: the main thread takes it. */
static volatile int killer_done;

static void *killer(void *arg)
{
	block(SIGUSR1, SIG_BLOCK);
	msleep(20);
	kill(getpid(), SIGUSR1);
	killer_done = 1;
	return NULL;
}

static void suspend_until(volatile int *count, int want, double secs);

static void test_kill_process(void)
{
	pthread_t t;

	set_handler(SIGUSR1, usr1_handler, 0);
	block(SIGUSR1, SIG_BLOCK);
	usr1_count = usr1_tid = killer_done = 0;
	pthread_create(&t, NULL, killer, NULL);
	suspend_until(&usr1_count, 1, 5);
	pthread_join(t, NULL);
	check("thread.kill_process_to_unblocking_thread", usr1_count == 1 && usr1_tid == tid(),
	    "handler ran %d times in tid %d (main %d)", usr1_count, usr1_tid, tid());
	block(SIGUSR1, SIG_UNBLOCK);
}

static int cancel_pipe[2];
static volatile int cleaned_up;

static void on_cancel(void *arg)
{
	cleaned_up = 1;
}

static void *reader(void *arg)
{
	char c;

	pthread_cleanup_push(on_cancel, NULL);
	thread_ready = 1;
	read(cancel_pipe[0], &c, 1);		/* a cancellation point; blocks */
	pthread_cleanup_pop(0);
	return (void *)1;
}

static void test_pthread_cancel(void)
{
	pthread_t t;
	void *ret = NULL;

	pipe(cancel_pipe);
	thread_ready = cleaned_up = 0;
	pthread_create(&t, NULL, reader, NULL);
	wait_flag(&thread_ready, 5);
	msleep(20);
	pthread_cancel(t);
	/* A kernel that does not interrupt the read would leave it blocked. */
	int cancelled = wait_flag(&cleaned_up, 5);
	if (!cancelled)
		write(cancel_pipe[1], "x", 1);
	pthread_join(t, &ret);
	check("thread.pthread_cancel_blocked_read", ret == PTHREAD_CANCELED && cancelled,
	    "join gave %p, cleanup handler ran: %d", ret, cancelled);
	close(cancel_pipe[0]);
	close(cancel_pipe[1]);
}

/* ---- timers ---- */

static volatile int alrm_count;

static void alrm_handler(int sig, siginfo_t *si, void *uc)
{
	alrm_count++;
}

static void suspend_until(volatile int *count, int want, double secs)
{
	sigset_t empty;
	double end = now() + secs;

	sigemptyset(&empty);
	while (*count < want && now() < end) {
		struct timespec ts = { 0, 20000000 };	/* bounded, unlike sigsuspend */
		sigset_t old;
		pthread_sigmask(SIG_SETMASK, &empty, &old);
		nanosleep(&ts, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
}

static void test_setitimer(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, cur, off = { { 0, 0 }, { 0, 0 } };

	set_handler(SIGALRM, alrm_handler, SA_RESTART);
	alrm_count = 0;
	double t0 = now();
	setitimer(ITIMER_REAL, &it, NULL);
	suspend_until(&alrm_count, 5, 5);
	double took = now() - t0;
	getitimer(ITIMER_REAL, &cur);
	setitimer(ITIMER_REAL, &off, NULL);
	int count = alrm_count;
	check("timer.setitimer_repeats", count >= 5 && took >= 0.045,
	    "%d SIGALRMs in %.3f s", count, took);
	check("timer.getitimer", cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 10000 &&
	    cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 10000,
	    "interval %ld.%06ld value %ld.%06ld", (long)cur.it_interval.tv_sec,
	    (long)cur.it_interval.tv_usec, (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
	msleep(50);
	getitimer(ITIMER_REAL, &cur);
	check("timer.setitimer_disarmed", alrm_count == count && !cur.it_value.tv_sec &&
	    !cur.it_value.tv_usec, "%d more after disarming", alrm_count - count);
}

static void test_alarm(void)
{
	set_handler(SIGALRM, alrm_handler, 0);
	unsigned first = alarm(5);
	unsigned left = alarm(0);
	check("timer.alarm_remaining", first == 0 && left == 5, "alarm(5) = %u, then alarm(0) = %u",
	    first, left);
	alrm_count = 0;
	double t0 = now();
	alarm(1);
	suspend_until(&alrm_count, 1, 5);
	double took = now() - t0;
	check("timer.alarm_fires", alrm_count == 1 && took >= 0.99, "%d SIGALRMs after %.3f s",
	    alrm_count, took);
	alarm(0);
}

/* A timer aimed at one thread (SIGEV_THREAD_ID, as glibc's SIGEV_THREAD
 * uses underneath). */
static volatile int rt_count, rt_tid, rt_code, rt_value;

static void rt_handler(int sig, siginfo_t *si, void *uc)
{
	rt_count++;
	rt_tid = tid();
	rt_code = si->si_code;
	rt_value = si->si_value.sival_int;
}

static volatile int target_stop;

static void *timer_target(void *arg)
{
	sigset_t empty;

	sigemptyset(&empty);
	other_tid = tid();
	thread_ready = 1;
	while (!target_stop) {
		struct timespec ts = { 0, 5000000 };
		sigset_t old;
		pthread_sigmask(SIG_SETMASK, &empty, &old);
		nanosleep(&ts, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	return NULL;
}

static void test_timer_thread_id(void)
{
	int sig = SIGRTMIN + 2;
	pthread_t t;
	timer_t id;
	struct sigevent ev = { 0 };
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } }, cur;

	set_handler(sig, rt_handler, 0);
	block(sig, SIG_BLOCK);
	thread_ready = target_stop = rt_count = 0;
	pthread_create(&t, NULL, timer_target, NULL);
	wait_flag(&thread_ready, 5);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_int = 0x5151;
	ev.sigev_notify_thread_id = other_tid;
	int err = timer_create(CLOCK_MONOTONIC, &ev, &id);
	check("timer.create_thread_id", !err, "timer_create: %s", strerror(errno));
	if (err) {
		target_stop = 1;
		pthread_join(t, NULL);
		return;
	}
	timer_settime(id, 0, &its, NULL);
	double end = now() + 5;
	while (rt_count < 3 && now() < end)
		msleep(2);
	timer_gettime(id, &cur);
	int count = rt_count;
	check("timer.thread_id_reaches_thread", count >= 3 && rt_tid == other_tid &&
	    rt_code == SI_TIMER && rt_value == 0x5151,
	    "%d signals, last in tid %d (target %d), si_code %d, value %#x",
	    count, rt_tid, other_tid, rt_code, rt_value);
	check("timer.gettime", cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 10000000 &&
	    cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10000000,
	    "interval %ld.%09ld value %ld.%09ld", (long)cur.it_interval.tv_sec,
	    (long)cur.it_interval.tv_nsec, (long)cur.it_value.tv_sec, (long)cur.it_value.tv_nsec);
	check("timer.getoverrun", timer_getoverrun(id) >= 0, "timer_getoverrun: %s", strerror(errno));
	check("timer.delete", timer_delete(id) == 0 && timer_gettime(id, &cur) == -1 && errno == EINVAL,
	    "timer_delete/timer_gettime after it: %s", strerror(errno));
	target_stop = 1;
	pthread_join(t, NULL);
	block(sig, SIG_UNBLOCK);
	signal(sig, SIG_DFL);
}

static sem_t thread_fired;
static volatile int thread_value;

static void on_timer(union sigval v)
{
	thread_value = v.sival_int;
	sem_post(&thread_fired);
}

static void test_timer_sigev_thread(void)
{
	timer_t id;
	struct sigevent ev = { 0 };
	struct itimerspec its = { { 0, 0 }, { 0, 10000000 } };
	struct timespec until;

	sem_init(&thread_fired, 0, 0);
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_timer;
	ev.sigev_value.sival_int = 77;
	if (timer_create(CLOCK_REALTIME, &ev, &id)) {
		check("timer.sigev_thread", 0, "timer_create: %s", strerror(errno));
		return;
	}
	timer_settime(id, 0, &its, NULL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	int r;
	while ((r = sem_timedwait(&thread_fired, &until)) && errno == EINTR)
		;
	check("timer.sigev_thread", r == 0 && thread_value == 77, "sem_timedwait: %s, value %d",
	    r ? strerror(errno) : "ok", thread_value);
	timer_delete(id);
}

/* ---- SA_RESTART against EINTR on a pipe read ---- */

static int rpipe[2];
static volatile int read_done;

static void *late_writer(void *arg)
{
	block(SIGALRM, SIG_BLOCK);		/* SIGALRM goes to the reader */
	double end = now() + 5;
	while (alrm_count < 3 && !read_done && now() < end)
		msleep(2);
	write(rpipe[1], "data", 4);
	return NULL;
}

static void test_restart(int restart)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	const char *name = restart ? "restart.sa_restart_read_continues" : "restart.no_sa_restart_eintr";
	pthread_t t;
	char buf[8];

	pipe(rpipe);
	set_handler(SIGALRM, alrm_handler, restart ? SA_RESTART : 0);
	alrm_count = read_done = 0;
	pthread_create(&t, NULL, late_writer, NULL);	/* unblocks the read if nothing else does */
	setitimer(ITIMER_REAL, &it, NULL);
	ssize_t n = read(rpipe[0], buf, sizeof(buf));
	int e = errno;
	read_done = 1;
	setitimer(ITIMER_REAL, &off, NULL);
	pthread_join(t, NULL);
	if (restart)
		check(name, n == 4 && alrm_count >= 3, "read gave %zd (%s) after %d SIGALRMs",
		    n, n < 0 ? strerror(e) : "data", alrm_count);
	else
		check(name, n == -1 && e == EINTR && alrm_count >= 1, "read gave %zd (%s) after %d SIGALRMs",
		    n, n < 0 ? strerror(e) : "data", alrm_count);
	close(rpipe[0]);
	close(rpipe[1]);
}

static void test_restart_eintr(void)
{
	test_restart(0);
}

static void test_restart_sa(void)
{
	test_restart(1);
}

/* ---- other waits a signal interrupts: nanosleep, poll, futex, ppoll ---- */

static volatile uint32_t futex_word;
static volatile int woke_futex, futex_done;

/* Wakes the futex once arg SIGALRMs came (or after 5 s, so that a wait
 * nothing interrupts still ends), unless futex_done says not to. */
static void *futex_waker(void *arg)
{
	block(SIGALRM, SIG_BLOCK);
	double end = now() + 5;
	while (alrm_count < (int)(long)arg && !futex_done && now() < end)
		msleep(2);
	if (futex_done)
		return NULL;
	woke_futex = 1;
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE_, 1, NULL, NULL, 0);
	return NULL;
}

static void test_interrupt(void)
{
	struct itimerval once = { { 0, 0 }, { 0, 30000 } }, every = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	int p[2];

	set_handler(SIGALRM, alrm_handler, SA_RESTART);	/* none of these is restarted */
	struct timespec ten = { 10, 0 }, rem = { 0, 0 };
	alrm_count = 0;
	setitimer(ITIMER_REAL, &once, NULL);
	int r = nanosleep(&ten, &rem);
	check("interrupt.nanosleep", r == -1 && errno == EINTR && alrm_count == 1 && rem.tv_sec >= 5,
	    "returned %d (%s), %d SIGALRMs, %ld s left", r, strerror(errno), alrm_count,
	    (long)rem.tv_sec);

	pipe(p);
	struct pollfd pfd = { p[0], POLLIN, 0 };
	alrm_count = 0;
	setitimer(ITIMER_REAL, &once, NULL);
	r = poll(&pfd, 1, 10000);
	check("interrupt.poll", r == -1 && errno == EINTR && alrm_count == 1,
	    "returned %d (%s), %d SIGALRMs", r, strerror(errno), alrm_count);

	sigset_t usr1;
	sigemptyset(&usr1);
	set_handler(SIGUSR1, usr1_handler, 0);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);				/* pending until ppoll's mask lets it in */
	usr1_count = 0;
	struct timespec t10 = { 10, 0 };
	r = ppoll(&pfd, 1, &t10, &usr1);
	check("interrupt.ppoll_mask", r == -1 && errno == EINTR && usr1_count == 1 && is_blocked(SIGUSR1),
	    "returned %d (%s), handler %d times, blocked after: %d", r, strerror(errno), usr1_count,
	    is_blocked(SIGUSR1));
	block(SIGUSR1, SIG_UNBLOCK);
	close(p[0]);
	close(p[1]);

	pthread_t t;
	set_handler(SIGALRM, alrm_handler, 0);
	futex_word = 0;
	alrm_count = woke_futex = futex_done = 0;
	pthread_create(&t, NULL, futex_waker, (void *)1000L);
	setitimer(ITIMER_REAL, &once, NULL);
	r = (int)syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE_, 0, NULL, NULL, 0);
	int e = errno;
	futex_done = 1;
	pthread_join(t, NULL);
	check("interrupt.futex_eintr", r == -1 && e == EINTR && alrm_count == 1 && !woke_futex,
	    "FUTEX_WAIT returned %d (%s), %d SIGALRMs", r, strerror(e), alrm_count);

	set_handler(SIGALRM, alrm_handler, SA_RESTART);
	alrm_count = woke_futex = futex_done = 0;
	pthread_create(&t, NULL, futex_waker, (void *)3L);
	setitimer(ITIMER_REAL, &every, NULL);
	do
		r = (int)syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE_, 0, NULL, NULL, 0);
	while (r == 0 && !woke_futex);		/* a wake-up that was not the helper's */
	e = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	pthread_join(t, NULL);
	check("interrupt.futex_sa_restart", r == 0 && woke_futex && alrm_count >= 3,
	    "FUTEX_WAIT returned %d (%s) after %d SIGALRMs", r, r ? strerror(e) : "woken", alrm_count);
	signal(SIGALRM, SIG_DFL);
}

/* ---- the alternate stack ---- */

static char *alt;
static volatile uintptr_t handler_local;
static volatile int handler_ss_flags;

static void where_handler(int sig, siginfo_t *si, void *uc)
{
	volatile char here;
	stack_t ss;

	handler_local = (uintptr_t)&here;
	sigaltstack(NULL, &ss);
	handler_ss_flags = ss.ss_flags;
}

static void test_altstack(void)
{
	stack_t ss = { .ss_sp = NULL, .ss_size = ALT_SIZE, .ss_flags = 0 }, cur;

	alt = malloc(ALT_SIZE);
	ss.ss_sp = alt;
	check("altstack.set", sigaltstack(&ss, NULL) == 0, "sigaltstack: %s", strerror(errno));
	sigaltstack(NULL, &cur);
	check("altstack.query_outside", cur.ss_sp == alt && cur.ss_size == ALT_SIZE && cur.ss_flags == 0,
	    "sp %p size %zu flags %d", cur.ss_sp, cur.ss_size, cur.ss_flags);
	set_handler(SIGUSR2, where_handler, SA_ONSTACK);
	handler_local = 0;
	raise(SIGUSR2);
	check("altstack.sa_onstack_runs_there", handler_local >= (uintptr_t)alt &&
	    handler_local < (uintptr_t)alt + ALT_SIZE && (handler_ss_flags & SS_ONSTACK),
	    "handler local at %#lx, alt stack %p+%d, flags %d", (unsigned long)handler_local,
	    (void *)alt, ALT_SIZE, handler_ss_flags);
	set_handler(SIGUSR2, where_handler, 0);
	handler_local = 0;
	raise(SIGUSR2);
	check("altstack.without_sa_onstack_not_there", handler_local &&
	    (handler_local < (uintptr_t)alt || handler_local >= (uintptr_t)alt + ALT_SIZE) &&
	    !(handler_ss_flags & SS_ONSTACK), "handler local at %#lx, flags %d",
	    (unsigned long)handler_local, handler_ss_flags);
	stack_t small = { .ss_sp = alt, .ss_size = 1024, .ss_flags = 0 };
	check("altstack.too_small", sigaltstack(&small, NULL) == -1 && errno == ENOMEM,
	    "a 1 KiB stack: %s", strerror(errno));
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	sigaltstack(NULL, &cur);
	check("altstack.disable", cur.ss_flags == SS_DISABLE, "flags %d", cur.ss_flags);
	signal(SIGUSR2, SIG_DFL);
}

/* ---- sigsuspend, sigpending, sigtimedwait, queued signals ---- */

static void test_sigsuspend(void)
{
	sigset_t pend, empty;

	set_handler(SIGUSR1, usr1_handler, 0);
	block(SIGUSR1, SIG_BLOCK);
	usr1_count = 0;
	raise(SIGUSR1);
	sigpending(&pend);
	check("wait.blocked_stays_pending", usr1_count == 0 && sigismember(&pend, SIGUSR1),
	    "ran %d times, pending %d", usr1_count, sigismember(&pend, SIGUSR1));
	sigemptyset(&empty);
	int r = sigsuspend(&empty);
	int e = errno;
	sigpending(&pend);
	check("wait.sigsuspend", r == -1 && e == EINTR && usr1_count == 1 &&
	    is_blocked(SIGUSR1) && !sigismember(&pend, SIGUSR1),
	    "returned %d (%s), handler %d times, blocked after %d", r, strerror(e), usr1_count,
	    is_blocked(SIGUSR1));
	block(SIGUSR1, SIG_UNBLOCK);
}

static void *usr2_sender(void *arg)
{
	msleep(30);
	kill(getpid(), SIGUSR2);
	return NULL;
}

static void test_sigtimedwait(void)
{
	sigset_t s;
	siginfo_t si;
	struct timespec t50 = { 0, 50000000 }, zero = { 0, 0 }, t5 = { 5, 0 };
	pthread_t t;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	block(SIGUSR2, SIG_BLOCK);
	double t0 = now();
	int r = sigtimedwait(&s, &si, &t50);
	double took = now() - t0;
	check("wait.sigtimedwait_timeout", r == -1 && errno == EAGAIN && took >= 0.049,
	    "returned %d (%s) after %.3f s", r, strerror(errno), took);
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR2);		/* standard signals do not queue */
	r = sigtimedwait(&s, &si, &zero);
	check("wait.sigtimedwait_pending", r == SIGUSR2 && si.si_signo == SIGUSR2 &&
	    si.si_code == SI_USER && si.si_pid == getpid(),
	    "returned %d, si_signo %d si_code %d si_pid %d", r, si.si_signo, si.si_code, (int)si.si_pid);
	r = sigtimedwait(&s, &si, &zero);
	check("wait.standard_signals_do_not_queue", r == -1 && errno == EAGAIN, "second wait gave %d", r);
	pthread_create(&t, NULL, usr2_sender, NULL);
	r = sigtimedwait(&s, &si, &t5);
	pthread_join(t, NULL);
	check("wait.sigtimedwait_woken", r == SIGUSR2, "returned %d (%s)", r, strerror(errno));
	block(SIGUSR2, SIG_UNBLOCK);

	int rt = SIGRTMIN + 1;
	sigemptyset(&s);
	sigaddset(&s, rt);
	block(rt, SIG_BLOCK);
	for (int i = 0; i < 3; i++)
		sigqueue(getpid(), rt, (union sigval){ .sival_int = 7 + i });
	int got[3] = { 0 }, codes_ok = 1;
	for (int i = 0; i < 3; i++) {
		got[i] = sigtimedwait(&s, &si, &zero) == rt ? si.si_value.sival_int : -1;
		codes_ok &= si.si_code == SI_QUEUE;
	}
	check("wait.realtime_signals_queue_in_order", got[0] == 7 && got[1] == 8 && got[2] == 9 && codes_ok,
	    "values %d %d %d", got[0], got[1], got[2]);
	block(rt, SIG_UNBLOCK);
}

/* ---- action flags ---- */

static volatile int inside_usr1_blocked, inside_usr2_blocked;

static void mask_handler(int sig, siginfo_t *si, void *uc)
{
	inside_usr1_blocked = is_blocked(SIGUSR1);
	inside_usr2_blocked = is_blocked(SIGUSR2);
	usr1_count++;
}

static void test_flags(void)
{
	struct sigaction sa = { 0 }, now_sa;

	sa.sa_sigaction = mask_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	usr1_count = 0;
	raise(SIGUSR1);
	check("flags.mask_in_handler", usr1_count == 1 && inside_usr1_blocked && inside_usr2_blocked &&
	    !is_blocked(SIGUSR1) && !is_blocked(SIGUSR2),
	    "ran %d, inside: USR1 %d USR2 %d, after: %d %d", usr1_count, inside_usr1_blocked,
	    inside_usr2_blocked, is_blocked(SIGUSR1), is_blocked(SIGUSR2));
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	check("flags.sa_nodefer", usr1_count == 2 && !inside_usr1_blocked, "inside: USR1 blocked %d",
	    inside_usr1_blocked);
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &now_sa);
	check("flags.sa_resethand", usr1_count == 3 && now_sa.sa_handler == SIG_DFL,
	    "ran %d, handler afterwards %p", usr1_count, (void *)now_sa.sa_handler);

	/* Ignored by default or by SIG_IGN: nothing happens; a pending one is
	 * discarded when its action becomes SIG_IGN. */
	raise(SIGCHLD);
	raise(SIGURG);
	raise(SIGWINCH);
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	signal(SIGUSR1, SIG_DFL);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	sigset_t pend;
	sigpending(&pend);
	block(SIGUSR1, SIG_UNBLOCK);
	check("flags.ignored", !sigismember(&pend, SIGUSR1), "a pending SIGUSR1 survived SIG_IGN");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	check("flags.sigkill_not_catchable", signal(SIGKILL, SIG_IGN) == SIG_ERR && errno == EINVAL,
	    "signal(SIGKILL, SIG_IGN) accepted");
}

/* ---- SIGPIPE with a handler and ignored ---- */

static volatile int pipe_sig, pipe_code;

static void pipe_handler(int sig, siginfo_t *si, void *uc)
{
	pipe_sig = sig;
	pipe_code = si->si_code;
}

static void test_sigpipe(void)
{
	int p[2];

	pipe(p);
	close(p[0]);
	set_handler(SIGPIPE, pipe_handler, 0);
	ssize_t n = write(p[1], "x", 1);
	check("sigpipe.handler", n == -1 && errno == EPIPE && pipe_sig == SIGPIPE && pipe_code == SI_USER,
	    "write gave %zd (%s), handler saw signal %d code %d", n, strerror(errno), pipe_sig, pipe_code);
	signal(SIGPIPE, SIG_IGN);
	n = write(p[1], "x", 1);
	check("sigpipe.ignored_epipe", n == -1 && errno == EPIPE, "write gave %zd (%s)", n, strerror(errno));
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

static const struct {
	const char *name;
	void (*fn)(void);
} groups[] = {
	{ "segv", test_segv }, { "sigill", test_sigill_context }, { "sigfpe", test_sigfpe },
	{ "pthread_kill", test_pthread_kill }, { "kill", test_kill_process },
	{ "cancel", test_pthread_cancel }, { "setitimer", test_setitimer }, { "alarm", test_alarm },
	{ "eintr", test_restart_eintr }, { "sa_restart", test_restart_sa },
	{ "interrupt", test_interrupt }, { "altstack", test_altstack },
	{ "sigsuspend", test_sigsuspend }, { "sigtimedwait", test_sigtimedwait }, { "flags", test_flags },
	{ "sigpipe", test_sigpipe }, { "timer_thread_id", test_timer_thread_id },
	{ "sigev_thread", test_timer_sigev_thread },
};

/* With arguments, only the groups they name run. */
int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		int run = argc == 1;
		for (int a = 1; a < argc; a++)
			run |= !strcmp(argv[a], groups[i].name);
		if (run)
			groups[i].fn();
	}
	return done("signals");
}
