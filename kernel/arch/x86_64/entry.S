/* Interrupt, exception and system call entry.
 *
 * Programs run in ring 3. An interrupt or exception from a program makes
 * the CPU switch to the thread's kernel stack itself (TSS rsp0, set at
 * every context switch), so the trapframe lies at the top of that stack;
 * one from the kernel stays on the stack it interrupted (kernel code is
 * built without a red zone). Neither needs an IST stack: handlers may
 * sleep or switch threads. Only #DF, NMI and #MC run on their own IST
 * stack: they are fatal, and a kernel stack overflow reaches the #DF
 * handler (the page fault cannot push its frame on the guard page).
 *
 * %gs holds the kernel's per-CPU data (percpu.h) while in the kernel and
 * the program's own base while in the program: every entry from ring 3
 * (the saved CS has RPL 3) and every return to it swaps them (swapgs).
 *
 * Every way back to a program passes trap_user_return (traps.c), where the
 * Linux layer delivers signals.
 */
#include "arch/x86_64/entry.h"
#include "arch/x86_64/percpu.h"

#define MSR_GS_BASE	0xc0000101
#define RFLAGS_TF_RF	0x10100
#define USER_RET_SYSCALL 1

	.macro SAVE_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	.endm

	.macro RESTORE_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	.endm

	.text
/* The stub pushed vector and error code above the CPU's frame (rip at
 * 16(%rsp), cs at 24(%rsp)); %rdi then points at the trapframe. */
	.macro ENTER
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	SAVE_REGS
	movq %rsp, %rdi
	cld
	.endm

irq_common:
	ENTER
	call trap_irq
	jmp trap_exit

exc_common:
	ENTER
	call trap_exception
	jmp trap_exit

/* #DF, NMI, #MC: they may arrive anywhere, even between `syscall` and its
 * swapgs, so the GS base itself says whose it is: the kernel's lies in
 * the upper half, a program's never does. trap_fatal does not return. */
fatal_common:
	SAVE_REGS
	movl $MSR_GS_BASE, %ecx
	rdmsr
	testl %edx, %edx
	js 1f
	swapgs
1:	movq %rsp, %rdi
	cld
	call trap_fatal
	ud2

/* One stub per vector, 16 bytes apart so the IDT can be filled by index. */
	.balign 16
	.globl trap_stubs
trap_stubs:
	vec = 0
	.rept 256
	.balign 16
	.if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushq $0
	.endif
	pushq $vec
	.if vec == 2 || vec == 8 || vec == 18
	jmp fatal_common
	.elseif vec < 32
	jmp exc_common
	.else
	jmp irq_common
	.endif
	vec = vec + 1
	.endr

/* System calls, from ring 3 with interrupts off (FMASK). `syscall` does
 * not switch stacks: after swapgs, the thread's kernel stack is taken from
 * the per-CPU data and a trapframe built on it as an interrupt's would be
 * (the call number in the vector's place). The way back is sysretq when
 * it restores exactly the frame: the rip and rflags in %rcx and %r11 (as
 * after the call, unless a signal or rt_sigreturn changed the frame), the
 * rip in the lower half (sysretq to a non-canonical %rcx faults in ring 0
 * on the program's stack) and no TF or RF (sysretq cannot set RF). Else
 * iretq, which restores every register. */
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:PERCPU_SCRATCH
	movq %gs:PERCPU_KSTACK_HI, %rsp
	pushq $USER_SS			/* ss */
	pushq %gs:PERCPU_SCRATCH	/* rsp */
	pushq %r11			/* rflags */
	pushq $USER_CS			/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error: unused */
	pushq %rax			/* vector: the system call number */
	SAVE_REGS
	movq %rsp, %rdi
	sti
	call syscall_dispatch
	cli
	movq %rsp, %rdi
	movl $USER_RET_SYSCALL, %esi
	call trap_user_return
	movq TF_RIP(%rsp), %rcx
	cmpq TF_RCX(%rsp), %rcx
	jne trap_exit
	movq TF_RFLAGS(%rsp), %r11
	cmpq TF_R11(%rsp), %r11
	jne trap_exit
	testl $RFLAGS_TF_RF, %r11d
	jnz trap_exit
	shrq $47, %rcx
	jnz trap_exit
	RESTORE_REGS
	movq TF_RSP - TF_VECTOR(%rsp), %rsp
	swapgs
	sysretq

/* trap_resume(struct trapframe *tf): resume the context tf describes (a
 * new program thread, after trap_return in traps.c). */
	.globl trap_resume
trap_resume:
	movq %rdi, %rsp
/* Back to the context of the trapframe at %rsp; interrupts are off when
 * it is a program's. */
trap_exit:
	RESTORE_REGS
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	addq $16, %rsp
	iretq

/* switch_context(uintptr_t *save_sp, uintptr_t new_sp): saves the
 * callee-saved registers and flags on the current stack, stores %rsp in
 * *save_sp and resumes the thread whose stack pointer is new_sp. */
	.globl switch_context
switch_context:
	pushfq
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popfq
	ret

/* First code of a new thread: switch_context "returns" here with the
 * thread function in %r12 and its argument in %r13. */
	.globl thread_trampoline
thread_trampoline:
	movq %r12, %rdi
	movq %r13, %rsi
	call thread_start
	ud2

	.section .note.GNU-stack, "", @progbits
