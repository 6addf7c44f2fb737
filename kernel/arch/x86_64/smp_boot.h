/* The AP start-up trampoline's place and the layout of its data
 * (smp_boot.S, smp.c). Below 1 MiB: a startup IPI names a 4 KiB page there. */
#ifndef ARCH_X86_64_SMP_BOOT_H
#define ARCH_X86_64_SMP_BOOT_H

#define AP_BOOT_PA	0x8000
#define AP_BOOT_PAGES	4	/* code and data, PML4, PDPT, PD */

#define AP_DATA_EFER	0
#define AP_DATA_STACK	8
#define AP_DATA_ARG	16
#define AP_DATA_ENTRY	24
#define AP_DATA_SIZE	32

#endif
