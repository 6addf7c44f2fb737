/* PVH entry. QEMU (or any PVH loader) jumps here in 32-bit protected mode,
 * paging off, with %ebx holding the physical address of hvm_start_info.
 * We build a throw-away page table mapping the first 1 GiB three times
 * (identity, direct map at 0xffff800000000000, kernel at KERNEL_VMA), enter
 * long mode and jump to the high-half kernel. mm/ replaces these tables. */

#define KERNEL_VMA	0xffffffff80000000
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.pvh, "a"
	.balign 4
	.long 4			/* name size */
	.long 8			/* desc size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start32

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, %esi
	movl $boot_stack_top, %esp

	/* The boot page tables are NOLOAD: zero them here. */
	movl $boot_pml4, %edi
	movl $(4 * 4096 / 4), %ecx
	xorl %eax, %eax
	rep stosl
	movl $boot_pdpt_lo, %eax
	orl $3, %eax
	movl %eax, boot_pml4
	movl %eax, boot_pml4 + 256 * 8
	movl $boot_pdpt_hi, %eax
	orl $3, %eax
	movl %eax, boot_pml4 + 511 * 8
	movl $boot_pd, %eax
	orl $3, %eax
	movl %eax, boot_pdpt_lo
	movl %eax, boot_pdpt_hi + 510 * 8
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax		/* present, writable, 2 MiB page */
	movl %eax, boot_pd(, %ecx, 8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl %cr4, %eax
	orl $(1 << 5), %eax	/* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx	/* EFER */
	rdmsr
	orl $(1 << 8), %eax	/* LME */
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	movl %eax, %cr0
	lgdt boot_gdtr
	ljmp $0x08, $boot_start64

	.code64
boot_start64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $kernel_entry64, %rax
	jmp *%rax

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_lo:	.skip 4096
boot_pdpt_hi:	.skip 4096
boot_pd:	.skip 4096

	.section .boot.data, "aw"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdtr:
	.word boot_gdtr - boot_gdt - 1
	.long boot_gdt
	.balign 16
	.fill 64, 1, 0
boot_stack_top:

	.text
	.globl kernel_entry64
kernel_entry64:
	movabsq $boot_stack_hi_top, %rsp
	xorl %ebp, %ebp
	/* Clear .bss: a loader need not zero it. %rsi (start_info) survives. */
	movabsq $__bss_start, %rdi
	movabsq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	movq %rsi, %rdi
	call kmain
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.globl boot_stack_hi, boot_stack_hi_top
boot_stack_hi:
	.fill 16384, 1, 0
boot_stack_hi_top:

	.section .note.GNU-stack, "", @progbits
