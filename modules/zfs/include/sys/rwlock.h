/* krwlock_t on the kernel's writer-preferring rwlock. */
#ifndef OSPREY_SPL_SYS_RWLOCK_H
#define OSPREY_SPL_SYS_RWLOCK_H
#include <sys/types.h>
#include "sched/sync.h"

typedef struct krwlock {
	struct rwlock rw;
} krwlock_t;

typedef enum { RW_DRIVER = 2, RW_DEFAULT = 4, RW_NOLOCKDEP = 5 } krw_type_t;
typedef enum { RW_NONE = 0, RW_WRITER = 1, RW_READER = 2 } krw_t;

#define rw_init(rwp, name, type, arg)	rwlock_init(&(rwp)->rw)
#define rw_destroy(rwp)			((void)(rwp))
#define rw_enter(rwp, who) \
	((who) == RW_WRITER ? rw_write_lock(&(rwp)->rw) : rw_read_lock(&(rwp)->rw))
#define rw_tryenter(rwp, who) \
	((who) == RW_WRITER ? rw_try_write_lock(&(rwp)->rw) : rw_try_read_lock(&(rwp)->rw))
#define rw_exit(rwp)			rw_unlock(&(rwp)->rw)
#define rw_downgrade(rwp)		(rw_downgrade)(&(rwp)->rw)
#define rw_tryupgrade(rwp)		rw_try_upgrade(&(rwp)->rw)
#define RW_WRITE_HELD(rwp)		rw_write_held(&(rwp)->rw)
#define RW_READ_HELD(rwp)		rw_read_held(&(rwp)->rw)
#define RW_LOCK_HELD(rwp)		(RW_WRITE_HELD(rwp) || RW_READ_HELD(rwp))

#endif
