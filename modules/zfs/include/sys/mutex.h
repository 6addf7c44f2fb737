/* kmutex_t on the kernel's sleeping mutex (which tracks its owner). */
#ifndef OSPREY_SPL_SYS_MUTEX_H
#define OSPREY_SPL_SYS_MUTEX_H
#include <sys/types.h>
#include "sched/sync.h"

typedef struct kmutex {
	struct mutex m;
} kmutex_t;

typedef enum { MUTEX_DEFAULT = 0, MUTEX_SPIN = 1, MUTEX_ADAPTIVE = 2, MUTEX_NOLOCKDEP = 3 } kmutex_type_t;

/* Solaris names over the kernel's functions; (f)(...) calls the kernel's
 * function where a macro of the same name stands in for OpenZFS. */
#define mutex_init(mp, name, type, ibc)	(mutex_init)(&(mp)->m)
#define mutex_destroy(mp)		((void)(mp))
#define mutex_enter(mp)			mutex_lock(&(mp)->m)
#define mutex_enter_nested(mp, c)	mutex_lock(&(mp)->m)
#define mutex_tryenter(mp)		mutex_trylock(&(mp)->m)
#define mutex_exit(mp)			mutex_unlock(&(mp)->m)
#define MUTEX_HELD(mp)			mutex_held(&(mp)->m)
#define MUTEX_NOT_HELD(mp)		(!MUTEX_HELD(mp))
#define mutex_owned(mp)			MUTEX_HELD(mp)

#endif
