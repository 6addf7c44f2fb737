/* Constants shared by entry.S and C: GDT selectors and trapframe offsets.
 *
 * The GDT has Linux's layout: SYSCALL loads the kernel's CS and SS from
 * STAR[47:32] (CS, and SS 8 above it) and SYSRET the program's from
 * STAR[63:48] (SS 8 above it, CS 16 above), and the selectors programs
 * see in their registers and signal frames are Linux's. */
#ifndef ARCH_X86_64_ENTRY_H
#define ARCH_X86_64_ENTRY_H

#define KERNEL_CS	0x10
#define KERNEL_DS	0x18
#define USER32_CS	0x23	/* STAR's base for SYSRET; no such segment here */
#define USER_DS		0x2b
#define USER_CS		0x33
#define TSS_SEL		0x40
#define USER_SS		USER_DS

/* struct trapframe (arch.h), checked in traps.c. */
#define TF_R11		32
#define TF_RCX		96
#define TF_VECTOR	120
#define TF_RIP		136
#define TF_CS		144
#define TF_RFLAGS	152
#define TF_RSP		160
#define TF_SIZE		176

#endif
