#ifndef OSPREY_SPL_SYS_TIME_H
#define OSPREY_SPL_SYS_TIME_H
#include <sys/types.h>

#define NANOSEC		1000000000LL
#define MICROSEC	1000000LL
#define MILLISEC	1000LL

#define MSEC2NSEC(m)	((hrtime_t)(m) * (NANOSEC / MILLISEC))
#define NSEC2MSEC(n)	((n) / (NANOSEC / MILLISEC))
#define USEC2NSEC(u)	((hrtime_t)(u) * (NANOSEC / MICROSEC))
#define NSEC2USEC(n)	((n) / (NANOSEC / MICROSEC))
#define NSEC2SEC(n)	((n) / NANOSEC)
#define SEC2NSEC(s)	((hrtime_t)(s) * NANOSEC)
#define SEC2MS(s)	((s) * MILLISEC)

uint64_t clock_ns(void);
uint64_t clock_realtime_ns(void);
static inline hrtime_t gethrtime(void) { return (hrtime_t)clock_ns(); }

static inline void gethrestime(inode_timespec_t *ts)
{
	uint64_t ns = clock_realtime_ns();

	ts->tv_sec = ns / NANOSEC;
	ts->tv_nsec = ns % NANOSEC;
}

static inline time_t gethrestime_sec(void) { return clock_realtime_ns() / NANOSEC; }

#define ddi_time_before(a, b)		((long)((a) - (b)) < 0)
#define ddi_time_after(a, b)		ddi_time_before(b, a)
#define ddi_time_before64(a, b)		((int64_t)((a) - (b)) < 0)
#define ddi_time_after64(a, b)		ddi_time_before64(b, a)
#define ddi_time_after_eq64(a, b)	(!ddi_time_before64(a, b))

int thread_sleep_ns(uint64_t ns);
#define usleep_range(min, max)	((void)thread_sleep_ns((uint64_t)(min) * 1000))

#endif
