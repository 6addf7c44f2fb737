/* Leaving the VM. QEMU's isa-debug-exit device (port 0xf4, added by
 * tools/run) ends QEMU with exit code (value << 1) | 1; since that cannot
 * express every status and collides with QEMU's own errors, the kernel also
 * prints "osprey: exit status N", which tools/run reads. */
#include "arch.h"
#include "arch/x86_64/cpu.h"

#define DEBUG_EXIT_PORT 0xf4

_Noreturn void arch_exit(int status)
{
	irq_disable();
	outl(DEBUG_EXIT_PORT, (uint32_t)status & 0xff);
	/* Still here: no debug-exit device. Nothing else can end the VM. */
	static const char msg[] = "osprey: no isa-debug-exit device; halted\n";
	serial_write(msg, sizeof(msg) - 1);
	for (;;)
		cpu_halt();
}
