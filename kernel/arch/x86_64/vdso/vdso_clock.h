/* The clock page the kernel shares read-only with every program, read by
 * the vDSO (vdso.c) and written by kernel/linux/vdso.c. It describes the
 * kernel's clock_ns() (sched/timer.c): nanoseconds since boot are
 * ((tsc - tsc_base) * ns_mult) >> 32, the wall clock adds boot_unix_ns.
 * A writer makes seq odd, changes the fields, makes it even again; a
 * reader retries while it is odd or changed under it. Pure: no kernel
 * headers, the vDSO is built for user space. */
#ifndef VDSO_CLOCK_H
#define VDSO_CLOCK_H
#include <stdint.h>

#define VDSO_CLOCK_VERSION 1

struct vdso_clock {
	volatile uint32_t seq;
	uint32_t version;	/* VDSO_CLOCK_VERSION once filled; 0: use the system calls */
	uint64_t tsc_base;
	uint64_t ns_mult;	/* ns per TSC tick, 32.32 fixed point */
	uint64_t boot_unix_ns;
};

#endif
