#ifndef OSPREY_SPL_SYS_TIME_H
#define OSPREY_SPL_SYS_TIME_H
#include <sys/types.h>

#define NANOSEC		1000000000LL
#define MICROSEC	1000000LL
#define MILLISEC	1000LL

uint64_t clock_ns(void);
static inline hrtime_t gethrtime(void) { return (hrtime_t)clock_ns(); }

#endif
