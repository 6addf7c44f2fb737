/* The kernel's accesses to a program's memory.
 *
 * A system call checks a program's pointer when it starts, but another
 * thread of the program may unmap or protect the memory before the call
 * touches it, and a file page behind it may fail to read. So the kernel
 * touches program memory only through these routines: a page fault in
 * [uaccess_begin, uaccess_fault) that the fault handler cannot serve
 * resumes at uaccess_fault (arch_uaccess_fixup), which returns -EFAULT to
 * the routine's caller. That is right from any point of any routine
 * because each is a leaf that neither pushes nor moves %rsp: the return
 * address is on top of the stack throughout.
 *
 * SMAP_OPEN/SMAP_CLOSE are 3-byte no-ops that arch_cpu_init turns into
 * stac/clac where the CPU has SMAP: then these are the only instructions
 * of the kernel that may touch a program's page.
 *
 * Copies go by 8-byte words, not rep movsb, which TCG runs byte by byte.
 */
#define EFAULT 14

	.macro SMAP_SITE table
990:	.byte 0x0f, 0x1f, 0x00		/* nopl (%rax) */
	.pushsection \table, "a"
	.quad 990b
	.popsection
	.endm
	.macro SMAP_OPEN
	SMAP_SITE .smap_open
	.endm
	.macro SMAP_CLOSE
	SMAP_SITE .smap_close
	.endm

	.text
	.p2align 4
	.globl uaccess_begin
uaccess_begin:

/* long uaccess_copy(void *dst, const void *src, size_t n): 0 or -EFAULT. */
	.globl uaccess_copy
	.type uaccess_copy, @function
uaccess_copy:
	SMAP_OPEN
	mov	%rdx, %rcx
	shr	$5, %rcx
	jz	2f
1:	mov	(%rsi), %rax
	mov	8(%rsi), %r8
	mov	16(%rsi), %r9
	mov	24(%rsi), %r10
	mov	%rax, (%rdi)
	mov	%r8, 8(%rdi)
	mov	%r9, 16(%rdi)
	mov	%r10, 24(%rdi)
	add	$32, %rsi
	add	$32, %rdi
	dec	%rcx
	jnz	1b
2:	and	$31, %edx
	mov	%edx, %ecx
	shr	$3, %ecx
	jz	4f
3:	mov	(%rsi), %rax
	mov	%rax, (%rdi)
	add	$8, %rsi
	add	$8, %rdi
	dec	%ecx
	jnz	3b
4:	and	$7, %edx
	jz	6f
5:	movb	(%rsi), %al
	movb	%al, (%rdi)
	inc	%rsi
	inc	%rdi
	dec	%edx
	jnz	5b
6:	SMAP_CLOSE
	xor	%eax, %eax
	ret
	.size uaccess_copy, . - uaccess_copy

/* long uaccess_clear(void *dst, size_t n): 0 or -EFAULT. */
	.globl uaccess_clear
	.type uaccess_clear, @function
uaccess_clear:
	SMAP_OPEN
	xor	%eax, %eax
	mov	%rsi, %rcx
	shr	$3, %rcx
	jz	2f
1:	mov	%rax, (%rdi)
	add	$8, %rdi
	dec	%rcx
	jnz	1b
2:	and	$7, %esi
	jz	4f
3:	movb	%al, (%rdi)
	inc	%rdi
	dec	%esi
	jnz	3b
4:	SMAP_CLOSE
	ret
	.size uaccess_clear, . - uaccess_clear

/* long uaccess_strncpy(char *dst, const char *src, size_t size): copies
 * up to size bytes, the NUL included; the string's length when a NUL came
 * within size bytes, else size (dst then unterminated), or -EFAULT. */
	.globl uaccess_strncpy
	.type uaccess_strncpy, @function
uaccess_strncpy:
	SMAP_OPEN
	xor	%eax, %eax
1:	cmp	%rdx, %rax
	je	2f
	movb	(%rsi,%rax), %cl
	movb	%cl, (%rdi,%rax)
	test	%cl, %cl
	jz	2f
	inc	%rax
	jmp	1b
2:	SMAP_CLOSE
	ret
	.size uaccess_strncpy, . - uaccess_strncpy

/* long uaccess_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new): one
 * atomic compare-and-exchange; the value found at p (the exchange was made
 * when it equals old), or -EFAULT. */
	.globl uaccess_cmpxchg32
	.type uaccess_cmpxchg32, @function
uaccess_cmpxchg32:
	SMAP_OPEN
	mov	%esi, %eax
	lock cmpxchg %edx, (%rdi)
	SMAP_CLOSE
	ret
	.size uaccess_cmpxchg32, . - uaccess_cmpxchg32

/* Where a fault in the routines above resumes. */
	.globl uaccess_fault
uaccess_fault:
	SMAP_CLOSE
	mov	$-EFAULT, %rax
	ret
	.globl uaccess_end
uaccess_end:

/* long uaccess_call(long (*fn)(void *), void *arg, uintptr_t *frame):
 * fn(arg), for code that is not a leaf (a decoder, lwIP's pbuf copies)
 * touching program memory: a fault on a program address that cannot be
 * served anywhere inside fn abandons fn there, and uaccess_call returns
 * -EFAULT. fn must hold no lock and own no memory while it touches
 * program memory, as nothing of its frame is unwound. *frame is the
 * running thread's (thread->uaccess_frame: a fault may sleep and another
 * thread run meanwhile); its old value is kept, so calls nest. */
	.globl uaccess_call
	.type uaccess_call, @function
uaccess_call:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx			/* frame */
	push	(%rdx)			/* its old value */
	sub	$8, %rsp		/* the call below on a 16-byte boundary */
	mov	%rsp, (%rdx)
	mov	%rdi, %rax
	mov	%rsi, %rdi
	SMAP_OPEN
	call	*%rax
1:	SMAP_CLOSE
	add	$8, %rsp
	pop	%rcx
	pop	%rdx
	mov	%rcx, (%rdx)
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size uaccess_call, . - uaccess_call

/* Where arch_uaccess_fixup sends a fault inside uaccess_call's fn, with
 * %rsp set back to the frame. */
	.globl uaccess_call_abort
uaccess_call_abort:
	mov	$-EFAULT, %rax
	jmp	1b
