/* The processors the firmware describes: the ACPI MADT, or without one the
 * Intel MultiProcessor table.
 *
 * Pure code: compiled into the kernel and on the host (tests/unit and
 * tests/fuzz). Physical memory is reached only through the caller's map
 * callback, and every byte the tables give (addresses, lengths, counts) is
 * checked before it is used. */
#ifndef OSPREY_ARCH_CPU_TABLES_H
#define OSPREY_ARCH_CPU_TABLES_H
#include <stddef.h>
#include <stdint.h>

#define CPU_TABLES_MAX 64

struct cpu_tables {
	int ncpus;			/* enabled processors, boot CPU included */
	uint32_t apic_id[CPU_TABLES_MAX];	/* in table order */
	uint64_t lapic_pa;		/* local APIC address the table gives (0: none given) */
	const char *source;		/* "ACPI MADT" or "MP table" */
	char why[96];			/* on error: which table and what is wrong with it */
};

/* Returns a pointer to len readable bytes of physical memory at pa, or NULL
 * when that range is not memory the caller can read. The parser holds
 * several such pointers at once: each must stay valid until
 * cpu_tables_find returns. len comes from the tables (an ACPI table may
 * claim up to 4 GiB): refusing a range it will not map is map's part. */
typedef const void *(*phys_map_fn)(void *ctx, uint64_t pa, size_t len);

/* The processors the firmware describes. ACPI first: the RSDP at rsdp_pa
 * (PVH start_info's rsdp_paddr; 0: search for "RSD PTR " on 16-byte
 * boundaries in the first KiB of the EBDA, whose segment is the 16-bit word
 * at physical 0x40e, and in 0xe0000-0xfffff), then RSDT or XSDT (XSDT when
 * revision >= 2 and its address is non-zero), then the "APIC" table.
 * Without a usable ACPI MADT: the Intel MP table ("_MP_" floating pointer,
 * 16 bytes, on 16-byte boundaries in the first KiB of the EBDA, the last KiB
 * of base memory (the word at 0x413 is base memory in KiB; if it is
 * implausible use 639 KiB), and 0xf0000-0xfffff), then its "PCMP"
 * configuration table. Returns 0 with *out filled, -ENOENT when the firmware
 * has neither table, or another negative errno (-EINVAL for a malformed
 * table) with out->why naming the table and the problem. When both tables
 * are there and broken, the ACPI error is the one returned. Past
 * CPU_TABLES_MAX processors the rest are dropped (and a duplicate APIC ID
 * among them goes unseen). */
int cpu_tables_find(uint64_t rsdp_pa, phys_map_fn map, void *ctx, struct cpu_tables *out);

#endif
