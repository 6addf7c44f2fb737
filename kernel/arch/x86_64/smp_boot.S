/* Where an application processor starts: the startup IPI sends it to
 * AP_BOOT_PA in real mode. smp.c copies this code there, with the page
 * tables it needs in the three pages after it (the first 2 MiB identity
 * mapped, the kernel's half as in every pagemap), fills ap_boot_data, and
 * starts one processor at a time. The code runs at AP_BOOT_PA, not where
 * it was linked: every address in it is made with AT(). */
#include "arch/x86_64/smp_boot.h"

#define AT(x) (AP_BOOT_PA + (x) - ap_boot_start)

	.section .rodata.ap_boot, "a"
	.globl ap_boot_start, ap_boot_end, ap_boot_data
	.code16
ap_boot_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl AT(ap_gdtr)
	movl %cr0, %eax
	orl $1, %eax		/* PE */
	movl %eax, %cr0
	ljmpl $0x08, $AT(ap_pm32)

	.code32
ap_pm32:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax	/* PAE */
	movl %eax, %cr4
	movl $(AP_BOOT_PA + 0x1000), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx	/* EFER: LME and NXE (the kernel's tables use NX) */
	rdmsr
	orl AT(ap_boot_data + AP_DATA_EFER), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	movl %eax, %cr0
	ljmp $0x18, $AT(ap_lm64)

	.code64
ap_lm64:
	movq AT(ap_boot_data + AP_DATA_STACK), %rsp
	movq AT(ap_boot_data + AP_DATA_ARG), %rdi
	movq AT(ap_boot_data + AP_DATA_ENTRY), %rax
	xorl %ebp, %ebp
	pushq $0		/* as if called: the ABI's alignment, a backtrace's end */
	jmp *%rax

	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
ap_gdtr:
	.word ap_gdtr - ap_gdt - 1
	.long AT(ap_gdt)
	.balign 8
ap_boot_data:
	.fill AP_DATA_SIZE, 1, 0
ap_boot_end:

	.section .note.GNU-stack, "", @progbits
