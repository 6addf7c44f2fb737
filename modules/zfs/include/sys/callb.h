/* CPR (checkpoint/resume) callbacks: Osprey never suspends, so a thread's
 * safe points need no bookkeeping beyond its lock. */
#ifndef OSPREY_SPL_SYS_CALLB_H
#define OSPREY_SPL_SYS_CALLB_H
#include <sys/mutex.h>

typedef struct callb_cpr {
	kmutex_t *cc_lockp;
} callb_cpr_t;

#define CALLB_CPR_ASSERT(cp)		ASSERT(MUTEX_HELD((cp)->cc_lockp))
#define CALLB_CPR_INIT(cp, lockp, func, name)	((cp)->cc_lockp = (lockp))
#define CALLB_CPR_SAFE_BEGIN(cp)	CALLB_CPR_ASSERT(cp)
#define CALLB_CPR_SAFE_END(cp, lockp)	CALLB_CPR_ASSERT(cp)
#define CALLB_CPR_EXIT(cp)		mutex_exit((cp)->cc_lockp)
#define callb_generic_cpr		NULL

#endif
