/* Tiny assertion kit for host unit tests. Each test binary prints one
 * "PASS name" or "FAIL name" line per case and exits non-zero on failure. */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static int check_failures;	/* one test binary, one thread: no lock needed */
static int case_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		case_failed = 1; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
			__FILE__, __LINE__, #a, _a, #b, _b); \
		case_failed = 1; \
	} \
} while (0)

#define RUN(fn) do { \
	case_failed = 0; \
	fn(); \
	printf("%s %s\n", case_failed ? "FAIL" : "PASS", #fn); \
	check_failures += case_failed; \
} while (0)

#define CHECK_DONE() (check_failures ? 1 : 0)

#endif
