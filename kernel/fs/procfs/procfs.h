/* Files drivers outside the core (modules) add to /proc and /sys, and
 * the interface through which the layer that runs programs
 * (kernel/linux/procpid.c) fills /proc/PID. */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H
#include <stddef.h>
#include <stdbool.h>

/* Makes the text of one read-only file, at each open, into buf (size
 * bytes, at most 4096); returns its length as snprintf does (a longer text
 * is cut at size - 1 bytes). */
typedef int (*procfs_show_fn)(char *buf, size_t size, void *arg);

/* Adds the file path, under /proc or /sys ("/sys/module/zfs/version"),
 * creating the directories above it. Files stay until the kernel stops.
 * 0, -EINVAL (not under /proc or /sys, an empty or over-long component),
 * -EEXIST (taken, or a file where a directory is needed), -ENOMEM. */
int procfs_add_file(const char *path, procfs_show_fn show, void *arg);

/* ---- /proc/PID ---- */

/* The text of a file, made at open (a snapshot), growing as it is
 * written (kmalloc: never call these under a spinlock). */
struct procfs_text;
void procfs_printf(struct procfs_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void procfs_put(struct procfs_text *t, const void *bytes, size_t len);

/* What a file of /proc/PID (or /proc/PID/task/TID) is. */
enum procfs_pid_file {
	PROC_STAT, PROC_STATUS, PROC_STATM, PROC_CMDLINE, PROC_COMM, PROC_MAPS,
	PROC_LIMITS, PROC_FDINFO,		/* texts */
	PROC_EXE, PROC_CWD, PROC_ROOT, PROC_FD,	/* symbolic links */
};

/* The process side, registered once at boot. Process and thread ids are
 * > 0; a call about a process that has gone is -ENOENT (or 0 / -1 for
 * the next_* calls: nothing more). */
struct procfs_pid_ops {
	/* The calling thread's process id and thread id, or 0 (a kernel
	 * thread, which has no /proc/self). */
	int (*self)(int *tid);
	/* The smallest process id above after (zombies included), or 0. */
	int (*next_pid)(int after);
	/* The smallest thread id of pid above after, or 0. */
	int (*next_tid)(int pid, int after);
	/* The lowest open descriptor of pid >= from, or -1. */
	int (*next_fd)(int pid, int from);
	/* The text of what (a text kind) for pid, or for its thread tid
	 * (0: the process as a whole); fd for PROC_FDINFO. 0 or -errno. */
	int (*show)(int pid, int tid, int fd, enum procfs_pid_file what,
		    struct procfs_text *t);
	/* The target of a link (PROC_EXE, PROC_CWD, PROC_ROOT, PROC_FD with
	 * fd) into buf, NUL-terminated: its length or -errno. */
	int (*link)(int pid, enum procfs_pid_file what, int fd, char *buf, size_t len);
};
void procfs_set_pid_ops(const struct procfs_pid_ops *ops);

#endif
