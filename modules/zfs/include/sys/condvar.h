/* kcondvar_t on the kernel's condition variable, with Solaris timeouts:
 * cv_timedwait takes an absolute lbolt, cv_timedwait_hires nanoseconds
 * (absolute with CALLOUT_FLAG_ABSOLUTE); both return -1 on timeout and a
 * positive value when signalled. */
#ifndef OSPREY_SPL_SYS_CONDVAR_H
#define OSPREY_SPL_SYS_CONDVAR_H
#include <sys/mutex.h>
#include <sys/timer.h>

typedef struct kcondvar {
	struct cond c;
} kcondvar_t;

typedef enum { CV_DEFAULT = 0, CV_DRIVER = 1 } kcv_type_t;

#define CALLOUT_FLAG_ABSOLUTE	0x2

#define cv_init(cvp, name, type, arg)	cond_init(&(cvp)->c)
#define cv_destroy(cvp)			((void)(cvp))
#define cv_wait(cvp, mp)		cond_wait(&(cvp)->c, &(mp)->m)
#define cv_wait_io(cvp, mp)		cv_wait(cvp, mp)
#define cv_wait_idle(cvp, mp)		cv_wait(cvp, mp)
/* No signals reach kernel threads: a wait ends only when signalled. */
static inline int spl_cv_wait_sig(kcondvar_t *cvp, kmutex_t *mp) { cv_wait(cvp, mp); return 1; }
#define cv_wait_sig(cvp, mp)		spl_cv_wait_sig(cvp, mp)
#define cv_wait_io_sig(cvp, mp)		cv_wait_sig(cvp, mp)
#define cv_signal(cvp)			cond_signal(&(cvp)->c)
#define cv_broadcast(cvp)		cond_broadcast(&(cvp)->c)

int spl_cv_timedwait(kcondvar_t *cvp, kmutex_t *mp, clock_t abstime);
int spl_cv_timedwait_hires(kcondvar_t *cvp, kmutex_t *mp, hrtime_t tim, hrtime_t res, int flag);

#define cv_timedwait(cvp, mp, t)		spl_cv_timedwait(cvp, mp, t)
#define cv_timedwait_io(cvp, mp, t)		spl_cv_timedwait(cvp, mp, t)
#define cv_timedwait_idle(cvp, mp, t)		spl_cv_timedwait(cvp, mp, t)
#define cv_timedwait_sig(cvp, mp, t)		spl_cv_timedwait(cvp, mp, t)
#define cv_timedwait_hires(cvp, mp, t, r, f)	spl_cv_timedwait_hires(cvp, mp, t, r, f)
#define cv_timedwait_sig_hires(cvp, mp, t, r, f) spl_cv_timedwait_hires(cvp, mp, t, r, f)
#define cv_timedwait_idle_hires(cvp, mp, t, r, f) spl_cv_timedwait_hires(cvp, mp, t, r, f)

#endif
