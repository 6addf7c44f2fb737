/* lwIP's operating-system types (kernel/net/sys_arch.c): semaphores,
 * mutexes, mailboxes and threads of kernel/sched. */
#ifndef OSPREY_LWIP_SYS_ARCH_H
#define OSPREY_LWIP_SYS_ARCH_H

struct semaphore;
struct mutex;
struct thread;
struct net_mbox;

typedef struct semaphore *sys_sem_t;
typedef struct mutex *sys_mutex_t;
typedef struct net_mbox *sys_mbox_t;
typedef struct thread *sys_thread_t;
typedef unsigned long sys_prot_t;

#define sys_sem_valid(s)		(*(s) != NULL)
#define sys_sem_set_invalid(s)		(*(s) = NULL)
#define sys_mutex_valid(m)		(*(m) != NULL)
#define sys_mutex_set_invalid(m)	(*(m) = NULL)
#define sys_mbox_valid(mb)		(*(mb) != NULL)
#define sys_mbox_set_invalid(mb)	(*(mb) = NULL)
#define SYS_MBOX_NULL			NULL
#define SYS_SEM_NULL			NULL

#endif
