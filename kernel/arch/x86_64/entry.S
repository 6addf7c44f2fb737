/* Interrupt and exception entry.
 *
 * Programs run in ring 0 and may use the 128-byte red zone below their
 * stack pointer, which a same-ring interrupt would overwrite. So every
 * vector arrives on an IST stack and the stubs move the frame elsewhere:
 *  - device and timer interrupts (IST1) move it to the interrupted thread's
 *    kernel stack: below the interrupted %rsp if that was already on the
 *    kernel stack (kernel code has no red zone), else to its top. Handlers
 *    may then switch threads; the IST stays free for the next interrupt.
 *  - exceptions (IST2) and page faults (IST1) move the same way: a
 *    program's fault may become a signal handler's frame, and handling it
 *    may sleep. #DF, NMI and #MC (IST3) stay where they are: they are fatal.
 * Every way back to a program passes trap_user_return (traps.c), where the
 * Linux layer delivers signals.
 */
#include "arch/x86_64/percpu.h"

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
/* Moves the frame from the IST stack (vector, error, rip, cs, rflags, rsp,
 * ss) to the interrupted thread's kernel stack and saves the registers
 * there; %rdi then points at the trapframe. */
	.macro MOVE_TO_KSTACK
	pushq %rax
	pushq %rbx
	pushq %rcx
	movq 64(%rsp), %rax		/* interrupted %rsp */
	movq %rax, %rbx
	subq %gs:PERCPU_KSTACK_LO, %rbx
	movq %gs:PERCPU_KSTACK_HI, %rcx
	subq %gs:PERCPU_KSTACK_LO, %rcx
	cmpq %rcx, %rbx
	jb 1f
	movq %gs:PERCPU_KSTACK_HI, %rax
1:	andq $-16, %rax
	subq $80, %rax
	.irp off, 0, 8, 16, 24, 32, 40, 48, 56, 64, 72
	movq \off(%rsp), %rbx
	movq %rbx, \off(%rax)
	.endr
	movq %rax, %rsp
	popq %rcx
	popq %rbx
	popq %rax
	SAVE_REGS
	movq %rsp, %rdi
	cld
	.endm

irq_common:
	MOVE_TO_KSTACK
	call trap_irq
	jmp trap_return_here

/* Page faults may sleep (a program's page read from its file), and a
 * program's fault may run its signal handler, so faults too leave the IST
 * stack. A kernel stack overflow still works: its %rsp is off the stack,
 * so the frame goes to the stack's top. */
fault_common:
	MOVE_TO_KSTACK
	call trap_exception
	jmp trap_return_here

exc_common:
	SAVE_REGS
	movq %rsp, %rdi
	cld
	call trap_exception
	RESTORE_REGS
	addq $16, %rsp
	iretq

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
	jmp exc_common
	.elseif vec < 32
	jmp fault_common
	.else
	jmp irq_common
	.endif
	vec = vec + 1
	.endr

/* System calls. Programs run in ring 0, so `syscall` changes no privilege
 * and no stack: we move to the thread's kernel stack ourselves, build a
 * trapframe there (an iretq frame plus the registers) and return with
 * iretq, which restores the program's %rsp without writing below it (the
 * red zone). %rcx and %r11 hold the return address and flags, as the ABI
 * says they may. */
	.globl syscall_entry
syscall_entry:
	movq %rsp, %gs:PERCPU_SCRATCH
	movq %gs:PERCPU_KSTACK_HI, %rsp
	pushq $0x10			/* ss */
	pushq %gs:PERCPU_SCRATCH	/* rsp */
	pushq %r11			/* rflags */
	pushq $0x08			/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error: unused */
	pushq %rax			/* vector: the system call number */
	SAVE_REGS
	movq %rsp, %rdi
	sti
	cld
	call syscall_dispatch
	cli
	movq %rsp, %rdi
	movl $1, %esi			/* USER_RET_SYSCALL */
	call trap_user_return
	jmp trap_return_here

/* trap_resume(struct trapframe *tf): resume the context tf describes (a
 * new program thread, after trap_return in traps.c). */
	.globl trap_resume
trap_resume:
	movq %rdi, %rsp
trap_return_here:
	RESTORE_REGS
	addq $16, %rsp
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
