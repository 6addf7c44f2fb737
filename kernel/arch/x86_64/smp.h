/* Inside arch/x86_64: what traps.c, time.c, paging.c and smp.c share to
 * run several CPUs. */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "arch/x86_64/percpu.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* Only the fatal vectors have an IST stack (entry.S says why). */
#define IST_FATAL 1
#define CPU_GDT_ENTRIES 10

/* A CPU's own descriptor tables and fatal-vector stack. */
struct cpu_desc {
	uint64_t gdt[CPU_GDT_ENTRIES];
	struct tss tss;
	uint8_t ist_stack[16384] __attribute__((aligned(16)));
};

void arch_cpu_tables_load(struct percpu *cpu, struct cpu_desc *d, uintptr_t lo, uintptr_t hi);
void arch_cpu_features_enable(void);

/* Local APIC (time.c). */
#define RESCHED_VECTOR	0xf1
#define CALL_VECTOR	0xf2
uint32_t lapic_id(void);
void lapic_cpu_init(void);
/* Sends an ICR command (low word: vector, delivery mode, level) to apic_id. */
void lapic_send(uint32_t apic_id, uint32_t icr_lo);

/* TLB shootdown (smp.c), with paging_lock held: every other CPU that has
 * pm loaded (pm NULL: the kernel's half, every CPU) forgets its entries for
 * [va, va+size); with `away`, one that has pm loaded loads the kernel's
 * tables instead. Returns when all of them have. */
void smp_tlb_shootdown(struct pagemap *pm, uintptr_t va, size_t size, bool away);

/* paging.c: the kernel's upper half into a top-level table; the kernel's tables in CR3. */
void paging_copy_kernel_half(uint64_t *pml4_dst);
void paging_activate(void);
void paging_forget(struct pagemap *pm);

#endif
