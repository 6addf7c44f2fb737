/* System call dispatch: a table indexed by Linux's numbers, filled at boot
 * from the SYSCALL() registrations each file makes. A call without an
 * implementation returns -ENOSYS and is logged once with its name. */
#include "linux/linux.h"
#include "dev/console.h"
#include "sched/sched.h"
#include "cmdline.h"
#include <errno.h>

#define NR_MAX 512

extern const struct syscall_def __syscalls_start[], __syscalls_end[];

/* Filled once by syscall_init() before the program starts. */
static syscall_fn table[NR_MAX];
static uint8_t logged[NR_MAX / 8];	/* racy bit set: at worst a second log line */

void syscall_init(void)
{
	for (const struct syscall_def *d = __syscalls_start; d < __syscalls_end; d++)
		if (d->nr >= 0 && d->nr < NR_MAX)
			table[d->nr] = (syscall_fn)d->fn;
}

static long unimplemented(long nr)
{
	if (nr >= 0 && nr < NR_MAX && !(logged[nr / 8] & (1 << nr % 8))) {
		logged[nr / 8] |= 1 << nr % 8;
		pr_warn("linux: system call %s (%ld) is not implemented\n", syscall_name(nr), nr);
	}
	return -ENOSYS;
}

/* --bootchart: when the program made its first call, i.e. is starting up. */
static void first_call(long nr)
{
	static bool seen;	/* one program, one first call */

	if (seen)
		return;
	seen = true;
	if (boot_opts.bootchart) {
		uint64_t ns = clock_ns();
		printk("bootchart: program's first system call (%s) at %lu.%03lu ms\n",
		    syscall_name(nr), ns / 1000000, ns / 1000 % 1000);
	}
}

void syscall_dispatch(struct trapframe *tf)
{
	long nr = (long)tf->vector;
	struct linux_thread *lt = thread_current()->os_priv;
	syscall_fn fn = nr >= 0 && nr < NR_MAX ? table[nr] : NULL;

	if (lt && lt->proc->exiting)
		thread_exit(0);		/* left over from a program that ended */
	if (lt)
		lt->frame = tf;
	first_call(nr);
	if (!fn) {
		tf->rax = unimplemented(nr);
		return;
	}
	tf->rax = fn(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
}
