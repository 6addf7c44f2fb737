/* The kernel log: formats into a small buffer and writes to the serial
 * console under a lock, so lines from different threads do not interleave. */
#include "dev/console.h"
#include "lib/printf.h"
#include "sched/spinlock.h"
#include "arch.h"

int console_level = LOG_WARN;	/* set once by the command-line parser */
static spinlock_t console_lock = SPINLOCK_INIT("console");

void console_write(const char *s, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);
	serial_write(s, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

static void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void printk_level(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > console_level)
		return;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
