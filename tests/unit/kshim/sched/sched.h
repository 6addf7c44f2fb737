/* Host shim of kernel/sched/sched.h: time from the host clock. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <time.h>
#include "lib/list.h"

static inline uint64_t clock_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
