/* The Linux ABI: one process running an unmodified x86-64 Linux (static or
 * dynamically linked) program in ring 3, its threads, memory and files. Everything here is reached
 * through the `syscall` instruction (arch/x86_64/entry.S). */
#ifndef LINUX_LINUX_H
#define LINUX_LINUX_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "arch.h"
#include "fs/vfs.h"
#include "lib/avl.h"
#include "sched/sync.h"
#include "lib/list.h"
#include "linux/signal.h"

#define USER_TOP	0x0000800000000000UL	/* end of the lower half */
#define STACK_TOP	0x00007ffffffff000UL
#define STACK_MAX	(8UL << 20)
#define MMAP_TOP	0x00007f0000000000UL
#define PIE_BASE	0x0000555555554000UL
/* The vDSO (vdso.c): its clock page, then its image, below the stack. */
#define VDSO_BASE	(STACK_TOP - STACK_MAX - 0x10000)

#define PROT_READ	1
#define PROT_WRITE	2
#define PROT_EXEC	4

/* A range of the program's address space. Pages come when first touched:
 * zeros, or the file's pages from the page cache (fs/pcache.h), mapped
 * read-only until a write makes a private copy (MAP_PRIVATE) or marks the
 * page written (MAP_SHARED: the dirty bit, harvested at write-back). */
struct vma {
	struct avl_node node;		/* in process->vmas, by start */
	uintptr_t start, end;
	int prot;
	int kind;			/* VMA_* */
	bool shared;			/* MAP_SHARED of a file */
	struct file *file;		/* held; NULL: anonymous */
	int64_t file_off;		/* file offset of start */
	uintptr_t file_end;		/* an image segment's: zeros from here on */
	struct vma *dead_next;		/* removed, to be released outside the lock */
};
#define VMA_ANON	0
#define VMA_STACK	1
#define VMA_BRK		2
#define VMA_IMAGE	3
#define VMA_FILE	4
#define VMA_VDSO	5	/* file_off: the offset in vdso.c's pages */

struct rlimit_k {
	uint64_t cur, max;
};

/* An address space: the VMAs and page tables of one process, or of
 * several (a vfork child borrows its parent's until it execs or exits;
 * clone with CLONE_VM and without CLONE_THREAD shares it for good).
 * mm_lock (a mutex) is held by every change to the set of VMAs and
 * through write-back; vm_lock (a spinlock, as faults need) guards the
 * tree and the page tables below USER_TOP against faults. */
struct pagemap;
struct mm {
	struct mutex mm_lock;
	spinlock_t vm_lock;
	struct avl_node *vmas;
	struct pagemap *pm;		/* its page tables */
	uintptr_t brk_start, brk;
	uintptr_t mmap_hint;		/* where the top-down search starts */
	uint64_t user_pages;		/* pages mapped for the program */
	uint64_t user_pages_max;	/* the most there were (ru_maxrss) */
	uintptr_t evict_hand;		/* where the reclaim clock goes on; vm_lock */
	struct list all;		/* in vm.c's all_mms */
	int refs;			/* processes using it; proc_lock */
};

struct process {
	struct fdtable fds;
	struct mm *mm;
	uint32_t umask;
	int nthreads;			/* program threads alive */
	struct mutex exit_lock;
	struct cond exited;		/* a thread left; exiting became true */
	bool dying;			/* exit_group: the threads are being stopped */
	bool exiting;			/* every thread is gone */
	int exit_status;		/* 0-255; 128 + signal for a signal's end */
	int term_signal;		/* the signal it ended by, or 0 */
	struct sigproc sig;
	char *name;			/* argv[0] (kmalloc'd), for messages */
	struct file *exe;		/* the program's file, for its image pages */
	struct file *interp;		/* its interpreter's (ld.so), or NULL */
	struct vnode *cwd;		/* held; under the VFS's cwd lock */
	bool membarrier_private;	/* MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED done */
	struct mutex limits_lock;	/* rlim, and the fd table's limit with it */
	struct rlimit_k rlim[16];	/* RLIMIT_*: sys_sched.c */
	uint64_t cpu_ended_ns;		/* CPU time of its threads that ended; sig.lock */
	/* The process tree (process.c), under proc_lock. */
	int pid, pgid, sid;
	struct process *parent;		/* NULL for the first process */
	int ppid;			/* parent's pid, 0 without; also read unlocked (getppid) */
	struct list children, sibling, all;
	bool zombie;			/* ended, its status not yet collected */
	bool vforked;			/* a vfork child that has not exec'd or ended */
	bool abandoned;			/* threads of it were left blocked: kept for them */
	bool subreaper;			/* PR_SET_CHILD_SUBREAPER: adopts its orphaned descendants */
	bool execed;			/* has run execve (a parent's setpgid is then EACCES) */
	int exit_signal;		/* sent to the parent at the end (SIGCHLD) */
	uint64_t child_cpu_ns;		/* CPU time of the children it reaped */
	/* What /proc/PID shows (procpid.c). comm, cmdline, exe and interp
	 * change under proc_lock (process_set_image), so procfs may read them. */
	uint64_t start_ns;		/* clock_ns() when it was made */
	char comm[16];			/* the program's base name, 15 bytes: new threads' */
	char *cmdline;			/* argv at exec, each ends in NUL; kmalloc'd or NULL */
	size_t cmdline_len;		/* at most CMDLINE_MAX */
};
#define CMDLINE_MAX	4096		/* bytes of argv /proc/PID/cmdline keeps */

/* Per-thread state of a program thread (thread->os_priv). */
struct linux_thread {
	struct process *proc;
	int tid;
	int *clear_child_tid;		/* set_tid_address / CLONE_CHILD_CLEARTID */
	int *set_child_tid;		/* CLONE_CHILD_SETTID: written when it first runs */
	void *robust_list;
	struct trapframe *frame;	/* the system call being served */
	struct sigthread sig;
};

/* The process whose memory the running thread reaches: a program
 * thread's own, or the one a kernel thread works for (linux_adopt); NULL
 * for other kernel threads. */
static inline struct process *this_proc(void)
{
	return thread_current()->os_proc;
}
/* A kernel thread doing work for a program thread (ZFS's ioctl worker):
 * it reaches that thread's process's memory until it ends. */
void linux_adopt(struct thread *program_thread);

/* Where a program's standard input and output come from: the files named
 * (output created or truncated, or appended to), NULL for the console. */
struct linux_stdio {
	const char *in, *out;
	bool append;
};

/* Runs argv[0] as the program and waits for it to end; returns its exit
 * status (127: not found, 126: not executable, 1: a file of io cannot be
 * opened). io may be NULL (the console). Programs may be run one after
 * another. */
int linux_run(int argc, char **argv, const struct linux_stdio *io);

/* Memory (vm.c). */
int vm_add(struct mm *p, uintptr_t start, uintptr_t end, int prot, int kind);
int vm_remove(struct mm *p, uintptr_t start, uintptr_t end);
/* A file mapping (the file is held for it); an image segment has
 * file_end, past which its pages are zeros; others pass USER_TOP. */
int vm_add_file(struct mm *p, uintptr_t start, uintptr_t end, int prot,
    struct file *file, int64_t file_off, uintptr_t file_end);
int vm_add_shared(struct mm *p, uintptr_t start, uintptr_t end, int prot,
    struct file *file, int64_t file_off);
int vm_protect(struct mm *p, uintptr_t start, uintptr_t end, int prot);
/* Pages of the vDSO (VMA_VDSO), from byte off of vdso.c's pages on;
 * faulted in read-only, shared by every process, never written. */
int vm_add_vdso(struct mm *p, uintptr_t start, uintptr_t end, int prot, int64_t off);
/* Is [addr, addr+len) inside the current process's mappings (write:
 * writable)? */
bool user_ok(const void *addr, size_t len, bool write);
bool user_str_ok(const char *s, size_t max);
/* Called by the page-fault handler for addresses below USER_TOP: 0 when a
 * page was mapped and the access can be retried. */
int vm_fault(uintptr_t addr, bool write);
uintptr_t vm_find_free(struct mm *p, size_t len);
/* Does no mapping meet [start, end)? vm_lock held. */
bool vm_range_free(struct mm *p, uintptr_t start, uintptr_t end);
void vm_init_faults(void);

/* The vDSO (vdso.c): vdso_init() once at boot makes its pages;
 * vdso_map() maps them into a new address space (0, or -ENOMEM; with no
 * vDSO, nothing) and vdso_base() says where (0: none, so no
 * AT_SYSINFO_EHDR); vdso_page() is the page at byte off, or -1;
 * vdso_clock_changed() follows clock_set_realtime_ns(). */
void vdso_init(void);
int vdso_map(struct mm *p);
uintptr_t vdso_base(void);
uint64_t vdso_page(int64_t off);
void vdso_clock_changed(void);
/* A new, empty address space (refs 1), and its end: every page unmapped
 * (shared file pages written back) and the tables freed. */
struct mm *mm_new(void);

void mm_destroy(struct mm *p);
/* fork: a copy of p, private pages copy-on-write, shared ones shared. */
struct mm *mm_fork(struct mm *p);
/* Is addr (checked readable) in a shared mapping? Its page's physical
 * address then (futexes shared between processes). */
bool vm_shared_page(struct mm *p, uintptr_t addr, uint64_t *pa);
bool vm_covered(struct mm *p, uintptr_t start, uintptr_t end, int *prot);
/* msync: writes the shared file pages written in [start, end) back to
 * their files; durable: and to disk (fsync). */
int vm_sync(struct mm *p, uintptr_t start, uintptr_t end, bool durable);
/* fsync's part: marks the cache pages of vn written through any shared
 * mapping dirty (their dirty bits), for the fsync's write-back. */
void vm_mark_written(struct mm *p, struct vnode *vn);
/* MADV_DONTNEED: drops the pages, keeps the mappings. */
int vm_drop_pages(struct mm *p, uintptr_t start, uintptr_t end);
/* Moves [old, old+old_len) to new (nothing there), growing it to new_len. */
int vm_move(struct mm *p, uintptr_t old, size_t old_len, uintptr_t new, size_t new_len);
/* Grows the mapping ending at end by len in place (the space is free). */
int vm_grow(struct mm *p, uintptr_t end, size_t len);


/* Program threads. */
struct thread *linux_thread_start(const struct trapframe *tf, struct linux_thread *lt,
    uint64_t fs_base, uint64_t gs_base);
_Noreturn void linux_exit_group(int status);
_Noreturn void linux_exit_signal(int sig);	/* the end a signal's default action gives */
/* execve: the calling thread is left alone in its process. */
void linux_stop_others(struct linux_thread *self);
_Noreturn void linux_thread_leave(void);	/* of a process that is ending */
int linux_tid(void);
/* The program's struct timespec at uts in nanoseconds (saturated at 2^62):
 * 0, -EFAULT or -EINVAL. */
int timespec_ns(const void *uts, uint64_t *ns);
/* Limits and CPU time (sys_sched.c). */
void limits_init(struct process *p);
uint64_t proc_cpu_ns(struct process *p);
/* The thread of id tid in p, or NULL; p->sig.lock held. */
struct linux_thread *linux_find_thread(struct process *p, int tid);

/* Processes (process.c). */
int linux_new_id(void);			/* a pid or tid never used before */
struct process *process_new_first(void);	/* pid 1, no parent */
/* Waits for the first process to end; every other process is then
 * killed and reaped; returns the first one's exit status. */
int process_wait_first(struct process *p);
/* A process that never ran a thread goes. */
void process_discard(struct process *p);
/* The last thread left: p's memory and files go, it becomes a zombie. */
void process_exit(struct process *p);
long process_fork(uint64_t flags, uintptr_t stack, int *ptid, int *ctid, uint64_t tls,
    int exit_signal);
void process_set_mm(struct process *p, struct mm *mm);	/* execve's new memory */
/* execve's new program files (held for it), argv (the first len bytes
 * of the strings at argv, each NUL-terminated) and name (path's base). */
void process_set_image(struct process *p, struct file *exe, struct file *interp,
    const char *argv, size_t len, const char *path);
/* /proc/PID (procpid.c): fn runs on the process pid under proc_lock, as
 * process_for_each's do; -ENOENT when there is none, else fn's result. */
int process_with(int pid, int (*fn)(struct process *p, void *arg), void *arg);
void procpid_init(void);
void process_exec_done(struct process *p);		/* a vfork parent may go on */
long process_kill(int pid, const struct siginfo_k *info);	/* kill's pid convention */
long process_kill_thread(int tgid, int tid, const struct siginfo_k *info);	/* tgid 0: any */
int process_count(void);
void process_set_subreaper(bool on);
/* Job control (signal.c calls these with no lock held): p stopped
 * (CLD_STOPPED) or went on (CLD_CONTINUED) by sig: a wait of its
 * parent may see it, and the parent gets SIGCHLD. Is p's process group
 * orphaned (no member has a parent in another group of its session)? */
void process_job_changed(struct process *p, int code, int sig);
bool process_group_orphaned(struct process *p);
/* fn runs on each process (zombies too) under proc_lock: it must not
 * sleep for long, and must not call the process calls above. */
void process_for_each(void (*fn)(struct process *p, void *arg), void *arg);
/* fsync: the stores of every process's shared mappings of vn count. */
void process_mark_written(struct vnode *vn);
void process_abandon(struct process *p);	/* threads were left blocked in the kernel */

/* clock_settime moved the wall clock: absolute CLOCK_REALTIME timer
 * files follow it or are cancelled (timerfd.c). */
void timerfd_clock_was_set(void);

/* System call table: each file registers its calls with SYSCALL(). */
typedef long (*syscall_fn)(long, long, long, long, long, long);
struct syscall_def {
	int nr;
	const char *name;
	void (*fn)(void);
};
#define SYSCALL(nr_, name_, fn_) \
	static const struct syscall_def syscall_def_##name_ \
	__attribute__((used, section(".syscalls"), aligned(8))) = \
	{ nr_, #name_, (void (*)(void))(fn_) }

void syscall_init(void);
const char *syscall_name(int nr);

#endif
