/* Result reporting shared by the test programs: each check prints
 * "ok NAME" or "not ok NAME: why" on stdout at once, and the program
 * exits 0 only when every check held (return done()). */
#ifndef APPS_TESTS_CHECK_H
#define APPS_TESTS_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

/* Records one result; on failure the printf-style detail says why. */
__attribute__((format(printf, 3, 4), unused))
static int check(const char *name, int ok, const char *fmt, ...)
{
	char why[256] = "";
	va_list ap;

	__atomic_add_fetch(&check_count, 1, __ATOMIC_RELAXED);
	if (ok) {
		printf("ok %s\n", name);
	} else {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		printf("not ok %s: %s\n", name, why);
		__atomic_add_fetch(&check_failures, 1, __ATOMIC_RELAXED);
	}
	fflush(stdout);
	return ok;
}

/* A system call result check: ok when ret is not -1; otherwise names errno. */
#define CHECK_SYS(name, ret) \
	check(name, (ret) != -1, "%s failed: %s (errno %d)", #ret, strerror(errno), errno)

/* Stops at once: for failures that make the rest meaningless. */
__attribute__((noreturn, unused))
static void bail(const char *prog, const char *why)
{
	printf("not ok %s: %s (errno %d %s); stopping\n", prog, why, errno, strerror(errno));
	printf("%s: FAILED (%d checks so far)\n", prog, check_count);
	fflush(stdout);
	exit(1);
}

__attribute__((unused))
static int done(const char *prog)
{
	if (check_failures)
		printf("%s: FAILED %d of %d checks\n", prog, check_failures, check_count);
	else
		printf("%s: all %d checks passed\n", prog, check_count);
	fflush(stdout);
	return check_failures ? 1 : 0;
}

#endif
