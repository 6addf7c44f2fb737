/* libFuzzer harness for the firmware's processor tables (ACPI MADT, MP
 * table). The input describes a fake physical memory:
 *   1 byte    flags: bit 0 recomputes the checksum of every chunk that
 *             starts with a table the parser knows, so that mutations get
 *             past the checksums to the checks behind them
 *   chunks    8-byte address, 2-byte length, that many bytes (little-endian;
 *             a chunk cut short by the input's end is dropped)
 * Each chunk gets its own exact-size copy, so ASan sees a read past its end.
 * cpu_tables_find runs twice: with no RSDP address (the scans) and with the
 * first chunk's address as the RSDP's. Its results must be consistent. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu_tables.h"

#define MAX_CHUNKS 64

struct chunk {
	uint64_t pa;
	size_t len;
	uint8_t *bytes;
};

struct memory {
	struct chunk c[MAX_CHUNKS];
	int n;
	/* Which 4 KiB pages of the first MiB some chunk touches: the scans
	 * ask for thousands of ranges there, nearly all of them absent. */
	bool low_page[256];
};

static const void *
memory_map(void *ctx, uint64_t pa, size_t len)
{
	const struct memory *m = ctx;

	if (len == 0)
		abort();	/* the parser has no reason to map nothing */
	if (pa < 0x100000 && !m->low_page[pa >> 12])
		return NULL;
	for (int i = 0; i < m->n; i++)
		if (pa >= m->c[i].pa && pa - m->c[i].pa <= m->c[i].len &&
		    len <= m->c[i].len - (pa - m->c[i].pa))
			return m->c[i].bytes + (pa - m->c[i].pa);
	return NULL;
}

static void
fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = -sum;
}

/* Makes the checksum of a table at the start of the chunk right. */
static void
reseal(uint8_t *p, size_t len)
{
	size_t n;

	if (len >= 36 && memcmp(p, "RSD PTR ", 8) == 0) {
		fix_sum(p, 20, 8);
		fix_sum(p, 36, 32);
	} else if (len >= 20 && memcmp(p, "RSD PTR ", 8) == 0) {
		fix_sum(p, 20, 8);
	} else if (len >= 16 && memcmp(p, "_MP_", 4) == 0) {
		if ((n = 16 * (size_t)p[8]) != 0 && n <= len)
			fix_sum(p, n, 10);
	} else if (len >= 8 && memcmp(p, "PCMP", 4) == 0) {
		if ((n = p[4] | p[5] << 8) >= 8 && n <= len)
			fix_sum(p, n, 7);
	} else if (len >= 10) {
		n = p[4] | p[5] << 8 | p[6] << 16 | (size_t)p[7] << 24;
		if (n >= 10 && n <= len)
			fix_sum(p, n, 9);	/* an ACPI table header */
	}
}

static void
check(int rc, const struct cpu_tables *t)
{
	if (strnlen(t->why, sizeof(t->why)) == sizeof(t->why))
		abort();
	if (rc != 0) {
		if ((rc != -ENOENT && (rc != -EINVAL || t->why[0] == '\0')) ||
		    t->source != NULL)
			abort();
		return;
	}
	if (t->ncpus < 1 || t->ncpus > CPU_TABLES_MAX || t->why[0] != '\0' ||
	    t->source == NULL || (strcmp(t->source, "ACPI MADT") != 0 &&
	    strcmp(t->source, "MP table") != 0))
		abort();
	for (int i = 0; i < t->ncpus; i++)
		for (int j = 0; j < i; j++)
			if (t->apic_id[i] == t->apic_id[j])
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memory m = { .n = 0 };
	struct cpu_tables t;
	size_t off = 1, len;

	if (size < 1)
		return 0;
	while (m.n < MAX_CHUNKS && size - off >= 10) {
		len = data[off + 8] | data[off + 9] << 8;
		if (len > size - off - 10)
			break;
		memcpy(&m.c[m.n].pa, data + off, 8);
		m.c[m.n].len = len;
		m.c[m.n].bytes = malloc(len ? len : 1);
		memcpy(m.c[m.n].bytes, data + off + 10, len);
		if (data[0] & 1)
			reseal(m.c[m.n].bytes, len);
		for (uint64_t pa = m.c[m.n].pa & ~0xfffull;
		    pa < 0x100000 && pa < m.c[m.n].pa + len + 1; pa += 0x1000)
			m.low_page[pa >> 12] = true;
		m.n++;
		off += 10 + len;
	}
	check(cpu_tables_find(0, memory_map, &m, &t), &t);
	if (m.n > 0)
		check(cpu_tables_find(m.c[0].pa, memory_map, &m, &t), &t);
	for (int i = 0; i < m.n; i++)
		free(m.c[i].bytes);
	return 0;
}
