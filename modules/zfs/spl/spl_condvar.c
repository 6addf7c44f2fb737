/* Timed condition waits with Solaris return values. */
#include <sys/condvar.h>
#include <errno.h>

int spl_cv_timedwait_hires(kcondvar_t *cvp, kmutex_t *mp, hrtime_t tim, hrtime_t res, int flag)
{
	hrtime_t now = gethrtime();
	hrtime_t deadline = flag & CALLOUT_FLAG_ABSOLUTE ? tim : now + tim;

	if (res > 1)	/* round up to the requested resolution */
		deadline = ((deadline + res - 1) / res) * res;
	if (deadline <= now)
		return -1;
	int err = cond_timedwait(&cvp->c, &mp->m, (uint64_t)deadline);
	return err == -ETIMEDOUT ? -1 : 1;
}

int spl_cv_timedwait(kcondvar_t *cvp, kmutex_t *mp, clock_t abstime)
{
	return spl_cv_timedwait_hires(cvp, mp, TICK_TO_NSEC(abstime), 0, CALLOUT_FLAG_ABSOLUTE);
}
