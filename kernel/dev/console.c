/* The kernel log: formats into a small buffer and writes to the serial
 * console under a lock, so lines from different threads do not interleave. */
#include "dev/console.h"
#include "lib/printf.h"
#include "sched/spinlock.h"
#include "arch.h"
#include "sched/sync.h"
#include <errno.h>

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

/* Console input: bytes from the serial interrupt wait in a ring until a
 * reader takes them. Carriage returns become newlines and are echoed, as a
 * terminal in cooked mode would. */
#define RX_SIZE 1024

static struct {
	struct waitq wq;
	char buf[RX_SIZE];
	unsigned head, tail;		/* under wq.lock */
} rx = { .wq = WAITQ_INIT(rx.wq) };

static void console_rx(int c)
{
	if (c == '\r')
		c = '\n';
	spin_lock_raw(&rx.wq.lock);
	if (rx.head - rx.tail < RX_SIZE)
		rx.buf[rx.head++ % RX_SIZE] = (char)c;
	waitq_wake_all_locked(&rx.wq);
	spin_unlock_raw(&rx.wq.lock);
	char ch = (char)c;
	serial_write(&ch, 1);
}

void console_input_init(void)
{
	if (serial_enable_rx(console_rx) < 0)
		pr_warn("console: no input interrupt; reads will see end of file\n");
}

long console_read(void *buf, size_t len, bool nonblock)
{
	char *out = buf;
	size_t n = 0;
	unsigned long flags = spin_lock_irqsave(&rx.wq.lock);

	while (rx.head == rx.tail) {
		if (nonblock) {
			spin_unlock_irqrestore(&rx.wq.lock, flags);
			return -EAGAIN;
		}
		if (waitq_wait_intr_locked(&rx.wq, &flags, 0) == -EINTR) {
			spin_unlock_irqrestore(&rx.wq.lock, flags);
			return -EINTR;	/* a signal to the reading thread */
		}
	}
	while (n < len && rx.head != rx.tail) {
		char c = rx.buf[rx.tail++ % RX_SIZE];
		out[n++] = c;
		if (c == '\n')
			break;	/* a line at a time, like a cooked tty */
	}
	spin_unlock_irqrestore(&rx.wq.lock, flags);
	return (long)n;
}

bool console_input_ready(struct waitq **wq)
{
	if (wq)
		*wq = &rx.wq;
	return rx.head != rx.tail;
}
