/* 16550 UART on COM1, polled. Usable before memory or interrupts exist. */
#include "arch.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3f8

void serial_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);	/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0xc7);	/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

#define FIFO_SIZE 16

/* Waits until the transmit FIFO is empty. Bounded: a missing UART must
 * not hang the kernel. */
static void wait_fifo_empty(void)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		cpu_relax();
}

/* Once the FIFO is empty it takes 16 bytes without another look: every
 * port access is a VM exit under a hypervisor, so this halves them. */
void serial_write(const char *s, size_t n)
{
	int room = 0;

	for (size_t i = 0; i < n; i++) {
		for (int k = s[i] == '\n' ? 2 : 1; k > 0; k--) {
			if (!room) {
				wait_fifo_empty();
				room = FIFO_SIZE;
			}
			outb(COM1, k == 2 ? '\r' : s[i]);
			room--;
		}
	}
}

int serial_getc(void)
{
	if (!(inb(COM1 + 5) & 0x01))
		return -1;
	return inb(COM1);
}

static void (*rx_handler)(int c);

static void serial_irq(void *arg)
{
	int c;

	while ((c = serial_getc()) >= 0)
		if (rx_handler)
			rx_handler(c);
}

/* Input by interrupt (ISA IRQ 4, which is GSI 4 on QEMU's machines). */
int serial_enable_rx(void (*handler)(int c))
{
	int vec = irq_alloc_vector(serial_irq, NULL);

	if (vec < 0)
		return vec;
	rx_handler = handler;
	int err = ioapic_route(4, vec, IRQ_EDGE);
	if (err)
		return err;
	outb(COM1 + 1, 0x01);	/* interrupt when data is available */
	return 0;
}
