/* Processes: the kernel is one process, p0. */
#ifndef OSPREY_SPL_SYS_PROC_H
#define OSPREY_SPL_SYS_PROC_H
#include <sys/types.h>

typedef struct proc {
	int p_pid;
} proc_t;

extern proc_t p0;
#define curproc		(&p0)
#define getpid()	(p0.p_pid)
#define proc_pageout	NULL
/* Whether t is the calling process (a send stream's owner): there is one. */
#define zfs_proc_is_caller(t)	((t) == curproc)
#define JUSTLOOKING	0
#define FORREAL		1

#endif
