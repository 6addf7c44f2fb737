/* Failed assertions and cmn_err() of the Solaris Porting Layer, on the
 * kernel's panic and printk. */
#include <sys/debug.h>
#include <sys/cmn_err.h>
#include "dev/console.h"
#include "lib/printf.h"
#include "panic.h"

void spl_assert_failed(const char *expr, const char *file, int line)
{
	panic("zfs: VERIFY(%s) failed at %s:%d", expr, file, line);
}

void spl_assert3_failed(const char *expr, uint64_t a, uint64_t b, const char *file, int line)
{
	panic("zfs: VERIFY3(%s) failed (%#lx vs %#lx) at %s:%d", expr, a, b, file, line);
}

void cmn_err(int level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (level == CE_PANIC)
		panic("zfs: %s", buf);
	printk_level(level == CE_WARN ? LOG_WARN : LOG_INFO, "zfs: %s\n", buf);
}
