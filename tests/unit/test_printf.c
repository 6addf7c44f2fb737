/* kernel/lib/printf.c against the host's C library on the same formats. */
#define vsnprintf k_vsnprintf
#define snprintf k_snprintf
#include "../../kernel/lib/printf.c"
#undef vsnprintf
#undef snprintf
#include <stdio.h>
#include "check.h"

#define SAME(...) do { \
	char a[128], b[128]; \
	int na = k_snprintf(a, sizeof(a), __VA_ARGS__); \
	int nb = snprintf(b, sizeof(b), __VA_ARGS__); \
	if (na != nb || strcmp(a, b)) { \
		fprintf(stderr, "  format %s: got '%s' (%d), libc '%s' (%d)\n", #__VA_ARGS__, a, na, b, nb); \
		case_failed = 1; \
	} \
} while (0)

static void integers(void)
{
	SAME("%d %i %u", 0, -5, 42u);
	SAME("%ld %lu %lld %llu", -1L, 1UL << 63, -9223372036854775807LL - 1, ~0ULL);
	SAME("%x %X %#x %#X %o %#o", 0xabcu, 0xabcu, 255u, 255u, 8u, 8u);
	SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
	SAME("%.3d|%8.3d|%-8.3d|%.0d", 7, 7, 7, 0);
	SAME("%#018lx %#lx", 0xffffffff80100000UL, 0UL);
	SAME("%zu %zd %hhu %hd", (size_t)123, (ssize_t)-3, 300, 70000);
	SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
}

static void strings(void)
{
	SAME("%s|%10s|%-10s|%.2s|%c|%%", "abc", "abc", "abc", "abc", 'x');
	SAME("%p", (void *)0x1234);
	SAME("%s", "");
}

static void truncation(void)
{
	char buf[8];
	int n = k_snprintf(buf, sizeof(buf), "%s", "0123456789");
	CHECK_EQ(n, 10);
	CHECK(!strcmp(buf, "0123456"));
	n = k_snprintf(buf, 1, "abc");
	CHECK_EQ(n, 3);
	CHECK_EQ(buf[0], 0);
	n = k_snprintf(NULL, 0, "%d", 12345);
	CHECK_EQ(n, 5);
}

int main(void)
{
	RUN(integers);
	RUN(strings);
	RUN(truncation);
	return CHECK_DONE();
}
