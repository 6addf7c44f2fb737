/* Signals of the Linux ABI (signal.c): the process's actions and pending
 * set, each thread's mask, pending set and alternate stack, delivery on
 * the way back to the program (arch's user_return_hook), faults turned
 * into signals, and the timers that send them (alarm, setitimer, POSIX
 * timers). Included by linux.h, whose process and thread embed the state
 * below (zeroed: every action SIG_DFL, nothing pending or blocked). */
#ifndef LINUX_SIGNAL_H
#define LINUX_SIGNAL_H
#include <stdint.h>
#include <stdbool.h>
#include "arch.h"
#include "sched/sched.h"
#include "sched/sync.h"

#define NSIG		64
#define SIGBIT(s)	(1ULL << ((s) - 1))

#define SIGHUP		1
#define SIGINT		2
#define SIGQUIT		3
#define SIGILL		4
#define SIGTRAP		5
#define SIGABRT		6
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGPIPE		13
#define SIGALRM		14
#define SIGTERM		15
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19
#define SIGTSTP		20
#define SIGTTIN		21
#define SIGTTOU		22
#define SIGURG		23
#define SIGWINCH	28
#define SIGRTMIN	32

/* si_code values (Linux's). */
#define SI_USER		0
#define SI_KERNEL	0x80
#define SI_QUEUE	(-1)
#define SI_TIMER	(-2)
#define SI_TKILL	(-6)
#define CLD_EXITED	1
#define CLD_KILLED	2
#define CLD_STOPPED	5
#define CLD_CONTINUED	6

/* Linux's siginfo_t: 128 bytes, the union at offset 16. */
struct siginfo_k {
	int32_t signo, errno_, code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			uint64_t value;		/* sigqueue */
		} kill;
		struct {
			int32_t tid, overrun;
			uint64_t value;
		} timer;
		struct {
			uint64_t addr;
		} fault;
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status;
			int32_t pad;
			int64_t utime, stime;
		} chld;
		uint8_t raw[112];
	};
};

struct sigaction_k {
	uint64_t handler, flags, restorer, mask;
};

/* A queued signal with its siginfo. Timers own theirs (queued from an
 * interrupt, which must not allocate); kill and friends kmalloc one. */
struct ptimer;
struct sigqueued {
	struct sigqueued *next;
	struct siginfo_k info;
	struct ptimer *timer;		/* the owner, for si_overrun */
	bool queued, owned;		/* owned: not kmalloc'd, never freed here */
};

struct sigpending {
	uint64_t set;
	struct sigqueued *head;		/* in order of arrival */
};

struct linux_thread;

/* Per thread, under the process's sig.lock (mask: written by the thread
 * itself, read by senders choosing a target). */
struct sigthread {
	struct linux_thread *next;	/* the process's threads */
	struct thread *thread;		/* NULL until the thread first runs */
	bool listed;
	uint64_t mask;
	uint64_t saved_mask;		/* to restore after sigsuspend/ppoll/pselect6 */
	bool restore_mask;
	struct sigpending pending;
	uint64_t alt_sp, alt_size;	/* sigaltstack; size 0: none */
	uint32_t alt_flags;		/* SS_AUTODISARM */
	bool parked;			/* in a stop of its process ('T'); SIGCONT clears it */
};

/* Per process. lock is taken with interrupts off (timers send from an
 * interrupt); order: sig.lock, then sched_lock, then timer_lock. */
struct sigproc {
	spinlock_t lock;
	struct sigaction_k actions[NSIG + 1];	/* by signal number: 1..NSIG */
	struct sigpending pending;	/* process-directed */
	struct linux_thread *threads;
	int nqueued;			/* kmalloc'd entries, bounded */
	struct timer alarm;		/* ITIMER_REAL */
	uint64_t alarm_deadline, alarm_interval;
	struct sigqueued alarm_q;
	struct ptimer *timers;
	int next_timer_id;
	struct waitq fd_wq;		/* signalfd: woken when a signal is queued */
	/* Job control. stop_sig: the signal of a stop under way or done (0:
	 * none; read unlocked at every return to the program); stopped: every
	 * thread is parked on stop_wq; wait_code/wait_status: the stop
	 * (CLD_STOPPED) or continue (CLD_CONTINUED) a wait of the parent has
	 * not yet reported; tell_continued: the next thread to run tells the
	 * parent of a continue (SIGCONT is sent where no lock may be slept
	 * on); conts counts SIGCONTs, so a stop dequeued before one is not
	 * begun after it. */
	int stop_sig;
	bool stopped, tell_continued;
	int wait_code, wait_status;
	uint32_t conts;
	struct waitq stop_wq;
};

/* The arch's user_return_hook: delivers what is pending, restarts or fails
 * an interrupted call (SA_RESTART), ends the thread of a process that is
 * ending. */
void signal_user_return(struct trapframe *tf, int how);

/* A fault of the program at addr (err: vm_fault's answer, 0 if none
 * applies): runs the program's handler (returns) or ends the program with
 * Linux's status and a message naming the fault (does not return). */
void signal_fault(struct trapframe *tf, uint64_t addr, int err);

/* Sends info to process p (tid 0) or its thread tid: 0 or -errno. */
struct process;
int signal_send_process(struct process *p, int tid, const struct siginfo_k *info);
/* fork, execve: actions inherited; handlers reset (and what else Linux
 * resets at exec). */
void signal_fork(struct process *child, struct process *parent);
void signal_exec(struct linux_thread *lt);
bool signal_child_autoreap(struct process *p);

/* Sends sig to one thread (SIGPIPE from a write): 0 or -errno. */
int signal_send_thread(struct linux_thread *lt, int sig, int code);

/* A new thread of the process (clone): inherits parent's mask, is listed
 * as a target of signals. */
void signal_thread_init(struct linux_thread *child, struct linux_thread *parent);
/* The thread leaves: unlisted, its pending signals dropped. */
void signal_thread_detach(struct linux_thread *lt);
/* Every other thread of the process is interrupted (it is ending). */
void signal_interrupt_others(struct linux_thread *self);
/* The last thread left: timers stopped, pending signals freed. */
void signal_process_end(struct process *p);

/* For wait4/waitid (proc_lock held): the stop (CLD_STOPPED, if stops)
 * or continue (CLD_CONTINUED, if continues) of p that no wait has
 * reported, with the signal in *sig; taken unless keep (WNOWAIT). 0:
 * none. */
int signal_wait_event(struct process *p, bool stops, bool continues, bool keep, int *sig);
/* Is p stopped (every thread parked)? */
bool signal_stopped(struct process *p);
/* A child's stop or continue (info: SIGCHLD, CLD_STOPPED or
 * CLD_CONTINUED) to parent, unless its SIGCHLD has SA_NOCLDSTOP. */
void signal_send_cldstop(struct process *parent, const struct siginfo_k *info);

/* For signalfd (signalfd.c), on the calling thread: the signals of mask
 * pending for it (its own and the process's); the lowest of them taken
 * out of its queue with its siginfo (0: none); a wait until one is
 * pending (0, or -EINTR when a signal interrupts the thread). */
uint64_t signal_pending_in(uint64_t mask);
int signal_take(uint64_t mask, struct siginfo_k *info);
int signal_wait_for(uint64_t mask);

/* ppoll and pselect6: a mask for the duration of the call, restored on
 * return unless the call was interrupted (then after the handler's frame
 * holds it, as Linux does). */
int signal_temp_mask(const uint64_t *umask, size_t size);
void signal_temp_mask_done(long ret);

#endif
