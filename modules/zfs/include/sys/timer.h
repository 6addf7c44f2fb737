/* Ticks ("lbolt") of 1 ms, from the kernel's nanosecond clock. */
#ifndef OSPREY_SPL_SYS_TIMER_H
#define OSPREY_SPL_SYS_TIMER_H
#include <sys/time.h>

#define hz			1000
#define HZ			hz
typedef long clock_t;

#define ddi_get_lbolt()		((clock_t)(gethrtime() / (NANOSEC / hz)))
#define ddi_get_lbolt64()	((int64_t)(gethrtime() / (NANOSEC / hz)))
#define MSEC_TO_TICK(ms)	((clock_t)(ms) * hz / 1000)
#define SEC_TO_TICK(sec)	((clock_t)(sec) * hz)
#define USEC_TO_TICK(us)	((clock_t)(us) * hz / 1000000)
#define NSEC_TO_TICK(ns)	((clock_t)(ns) / (NANOSEC / hz))
#define TICK_TO_NSEC(t)		((hrtime_t)(t) * (NANOSEC / hz))

int thread_sleep_ns(uint64_t ns);
#define delay(ticks)		((void)thread_sleep_ns(TICK_TO_NSEC(ticks)))

#endif
