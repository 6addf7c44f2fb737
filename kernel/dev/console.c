/* The kernel log: formats into a small buffer and writes to the serial
 * console under a lock, so lines from different threads do not interleave.
 * The console file's reads and writes go through the same lock, the
 * program's bytes copied in and out of local chunks outside it. */
#include "dev/console.h"
#include "lib/printf.h"
#include "sched/spinlock.h"
#include "arch.h"
#include "sched/sync.h"
#include <errno.h>

int console_level = LOG_WARN;	/* set once by the command-line parser */
static spinlock_t console_lock = SPINLOCK_INIT("console");

/* Kernel memory only: printk's lines. */
static void serial_out(const char *s, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);
	serial_write(s, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

#define TX_CHUNK 512	/* bytes copied in per trip through the lock */

/* buf is the program's (checked by write(2)) or the kernel's: it goes
 * through a local chunk, copied before the lock is taken, since the copy
 * may fault. Writes of more than a chunk may interleave with others' at
 * chunk boundaries. */
long console_write(const void *buf, size_t len)
{
	char chunk[TX_CHUNK];
	size_t done = 0;

	while (done < len) {
		size_t k = len - done < TX_CHUNK ? len - done : TX_CHUNK;
		if (uaccess_copy(chunk, (const char *)buf + done, k))
			return done ? (long)done : -EFAULT;
		serial_out(chunk, k);
		done += k;
	}
	return (long)done;
}

static void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	serial_out(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
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

#define RX_CHUNK 128	/* bytes taken out per trip through the lock */

/* Takes up to len bytes, a line at most, out of the ring into dst; *eol
 * when a newline ended them. rx.wq.lock held. */
static size_t rx_take(char *dst, size_t len, bool *eol)
{
	size_t n = 0;

	*eol = false;
	while (n < len && rx.head != rx.tail) {
		char c = rx.buf[rx.tail++ % RX_SIZE];
		dst[n++] = c;
		if (c == '\n') {
			*eol = true;	/* a line at a time, like a cooked tty */
			break;
		}
	}
	return n;
}

/* buf is the program's (checked by read(2)) or the kernel's: bytes go
 * through a local chunk, so the copy, which may fault, runs with the lock
 * dropped and interrupts on. Bytes whose copy faults are lost. */
long console_read(void *buf, size_t len, bool nonblock)
{
	char chunk[RX_CHUNK];
	size_t n = 0;
	bool eol = false;
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
	while (n < len && !eol && rx.head != rx.tail) {
		size_t k = rx_take(chunk, len - n < RX_CHUNK ? len - n : RX_CHUNK, &eol);
		spin_unlock_irqrestore(&rx.wq.lock, flags);
		if (uaccess_copy((char *)buf + n, chunk, k))
			return n ? (long)n : -EFAULT;
		n += k;
		flags = spin_lock_irqsave(&rx.wq.lock);
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
