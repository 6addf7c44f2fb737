/* The vDSO: clock_gettime, gettimeofday and time as Linux's x86-64 vDSO
 * exports them (version LINUX_2.6), run in the program without entering
 * the kernel. glibc and musl find them through AT_SYSINFO_EHDR. The page
 * before the image is the kernel's clock page (vdso_clock.h; vdso.lds
 * puts `vdso_clock` there). Clocks this code does not keep (CPU time,
 * an unfilled page) take the system call, so every answer is the kernel's.
 *
 * Built as a position-independent shared object with no relocations (the
 * loaders do not relocate a vDSO), never linked into kernel.elf. */
#include <stdint.h>
#include <stddef.h>
#include "vdso_clock.h"

#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_MONOTONIC_RAW	4
#define CLOCK_REALTIME_COARSE	5
#define CLOCK_MONOTONIC_COARSE	6
#define CLOCK_BOOTTIME		7

#define NR_gettimeofday		96
#define NR_time			201
#define NR_clock_gettime	228

struct timespec_v {
	int64_t tv_sec, tv_nsec;
};

struct timeval_v {
	int64_t tv_sec, tv_usec;
};

/* Not const: the kernel changes it, and a const object's loads could be
 * hoisted out of the retry loop. */
extern struct vdso_clock vdso_clock __attribute__((visibility("hidden")));

static long syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

/* Nanoseconds since boot, and the wall clock's offset read with it;
 * false when the kernel has not filled the page. */
static int read_clock(uint64_t *since_boot, uint64_t *boot_unix)
{
	const struct vdso_clock *c = &vdso_clock;
	uint32_t seq;

	do {
		while ((seq = c->seq) & 1)
			;
		__asm__ volatile("" ::: "memory");
		if (c->version != VDSO_CLOCK_VERSION)
			return 0;
		uint64_t tsc = __builtin_ia32_rdtsc();
		*since_boot = (uint64_t)(((unsigned __int128)(tsc - c->tsc_base) * c->ns_mult) >> 32);
		*boot_unix = c->boot_unix_ns;
		__asm__ volatile("" ::: "memory");
	} while (c->seq != seq);
	return 1;
}

static int realtime_ns(uint64_t *ns)
{
	uint64_t t, base;

	if (!read_clock(&t, &base))
		return 0;
	*ns = base + t;
	return 1;
}

__attribute__((visibility("default")))
int __vdso_clock_gettime(int clk, struct timespec_v *ts)
{
	uint64_t t, base;

	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		if (!read_clock(&t, &base))
			break;
		if (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE)
			t += base;
		ts->tv_sec = (int64_t)(t / 1000000000);
		ts->tv_nsec = (int64_t)(t % 1000000000);
		return 0;
	}
	return (int)syscall2(NR_clock_gettime, clk, (long)ts);
}

__attribute__((visibility("default")))
int __vdso_gettimeofday(struct timeval_v *tv, void *tz)
{
	uint64_t ns;

	if (tz || !realtime_ns(&ns))
		return (int)syscall2(NR_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		tv->tv_sec = (int64_t)(ns / 1000000000);
		tv->tv_usec = (int64_t)(ns / 1000 % 1000000);
	}
	return 0;
}

__attribute__((visibility("default")))
int64_t __vdso_time(int64_t *t)
{
	uint64_t ns;

	if (!realtime_ns(&ns))
		return syscall2(NR_time, (long)t, 0);
	int64_t now = (int64_t)(ns / 1000000000);
	if (t)
		*t = now;
	return now;
}

int clock_gettime(int, struct timespec_v *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_v *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
