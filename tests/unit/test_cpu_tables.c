/* The firmware's processor tables: ACPI (RSDT and XSDT, RSDP given, found
 * in 0xe0000-0xfffff and in the EBDA), MADT entries of every kind the
 * parser reads, the MP table in each place it may be, every check failing
 * in turn, the fallback from a broken ACPI to the MP table, and the tables
 * QEMU 7.2 really gives (the seeds in tests/fuzz/corpus/cpu_tables/). The
 * tables are built in a fake physical memory. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "arch/x86_64/cpu_tables.h"

#define HIGH_PA		0x7fe0000ull		/* where q35 puts ACPI, more or less */
#define HUGE_PA		0x100000000ull		/* above 4 GiB: only an XSDT reaches it */
#define LAPIC		0xfee00000u
#define CORPUS		"tests/fuzz/corpus/cpu_tables/"

/* ---- a fake physical memory ---- */

struct region {
	uint64_t pa;
	size_t len;
	uint8_t *bytes;
};

struct mem {
	struct region r[32];
	int n;
	int maps;
};

static const void *
mem_map(void *ctx, uint64_t pa, size_t len)
{
	struct mem *m = ctx;

	m->maps++;
	for (int i = 0; i < m->n; i++)
		if (pa >= m->r[i].pa && pa - m->r[i].pa <= m->r[i].len &&
		    len <= m->r[i].len - (pa - m->r[i].pa))
			return m->r[i].bytes + (pa - m->r[i].pa);
	return NULL;
}

static uint8_t *
mem_add(struct mem *m, uint64_t pa, size_t len)
{
	m->r[m->n] = (struct region){ pa, len, calloc(1, len) };
	return m->r[m->n++].bytes;
}

/* Low memory (the first MiB), 64 KiB at HIGH_PA and 4 KiB at HUGE_PA. */
static void
mem_init(struct mem *m)
{
	memset(m, 0, sizeof(*m));
	mem_add(m, 0, 0x100000);
	mem_add(m, HIGH_PA, 0x10000);
	mem_add(m, HUGE_PA, 0x1000);
}

static void
mem_free(struct mem *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->r[i].bytes);
	m->n = 0;
}

static uint8_t *
at(struct mem *m, uint64_t pa)
{
	for (int i = 0; i < m->n; i++)
		if (pa >= m->r[i].pa && pa - m->r[i].pa < m->r[i].len)
			return m->r[i].bytes + (pa - m->r[i].pa);
	abort();
}

/* Loads a seed of the fuzz harness's format (tests/fuzz/fuzz_cpu_tables.c)
 * into an empty memory. Returns the first chunk's address. */
static uint64_t
mem_load(struct mem *m, const char *name)
{
	char path[256];
	uint8_t buf[16384], *p;
	size_t size, off = 1, len;
	uint64_t first = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), CORPUS "%s", name);
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	size = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (size - off >= 10) {
		len = buf[off + 8] | buf[off + 9] << 8;
		if (len > size - off - 10)
			break;
		p = mem_add(m, 0, len);
		memcpy(&m->r[m->n - 1].pa, buf + off, 8);
		memcpy(p, buf + off + 10, len);
		if (m->n == 1)
			first = m->r[0].pa;
		off += 10 + len;
	}
	return first;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
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

/* ---- table builders ---- */

static void
put_rsdp(struct mem *m, uint64_t pa, int rev, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *p = at(m, pa);

	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "OSPREY", 6);
	p[15] = rev;
	put32(p + 16, rsdt);
	if (rev >= 2) {
		put32(p + 20, 36);
		put64(p + 24, xsdt);
		fix_sum(p, 36, 32);
	}
	fix_sum(p, 20, 8);
	if (rev >= 2)
		fix_sum(p, 36, 32);
}

/* An ACPI table: the 36-byte header, then body. */
static void
put_sdt(struct mem *m, uint64_t pa, const char *sig, const void *body, size_t len)
{
	uint8_t *p = at(m, pa);

	memcpy(p, sig, 4);
	put32(p + 4, 36 + len);
	p[8] = 1;
	memcpy(p + 10, "OSPREY", 6);
	memcpy(p + 36, body, len);
	fix_sum(p, 36 + len, 9);
}

/* An RSDT (esize 4) or XSDT (8) listing n tables. */
static void
put_root(struct mem *m, uint64_t pa, int esize, const uint64_t *tables, int n)
{
	uint8_t body[64];

	for (int i = 0; i < n; i++) {
		if (esize == 8)
			put64(body + 8 * i, tables[i]);
		else
			put32(body + 4 * i, tables[i]);
	}
	put_sdt(m, pa, esize == 8 ? "XSDT" : "RSDT", body, (size_t)esize * n);
}

/* A MADT's body, entry by entry. */
struct madt {
	uint8_t b[4096];
	size_t len;
};

static void
madt_init(struct madt *t)
{
	memset(t, 0, sizeof(*t));
	put32(t->b, LAPIC);
	put32(t->b + 4, 1);	/* PC-AT compatible */
	t->len = 8;
}

static void
madt_lapic(struct madt *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = t->b + t->len;

	e[0] = 0;
	e[1] = 8;
	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
	t->len += 8;
}

static void
madt_x2apic(struct madt *t, uint32_t id, uint32_t flags)
{
	uint8_t *e = t->b + t->len;

	e[0] = 9;
	e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, id);
	t->len += 16;
}

static void
madt_ioapic(struct madt *t)
{
	uint8_t *e = t->b + t->len;

	e[0] = 1;
	e[1] = 12;
	put32(e + 4, 0xfec00000);
	t->len += 12;
}

static void
madt_override(struct madt *t, uint64_t pa)
{
	uint8_t *e = t->b + t->len;

	e[0] = 5;
	e[1] = 12;
	put64(e + 4, pa);
	t->len += 12;
}

/* The usual ACPI layout: RSDP at rsdp (0xe0000-0xfffff), RSDT at
 * HIGH_PA listing a FACP and the MADT. */
static void
put_acpi(struct mem *m, uint64_t rsdp, const struct madt *t)
{
	uint64_t tables[2] = { HIGH_PA + 0x100, HIGH_PA + 0x200 };
	uint8_t facp[80] = { 0 };

	put_rsdp(m, rsdp, 0, HIGH_PA, 0);
	put_root(m, HIGH_PA, 4, tables, 2);
	put_sdt(m, tables[0], "FACP", facp, sizeof(facp));
	put_sdt(m, tables[1], "APIC", t->b, t->len);
}

/* An MP configuration table's entries. */
struct mpc {
	uint8_t b[1024];
	size_t len;
};

static void
mpc_cpu(struct mpc *c, uint8_t id, uint8_t flags)
{
	uint8_t *e = c->b + c->len;

	e[0] = 0;
	e[1] = id;
	e[2] = 0x14;
	e[3] = flags;
	put32(e + 4, 0x0f61);
	c->len += 20;
}

static void
mpc_other(struct mpc *c, uint8_t type)
{
	c->b[c->len] = type;
	c->len += 8;
}

/* The floating pointer at fp, its table at cfg. */
static void
put_mp(struct mem *m, uint64_t fp, uint32_t cfg, const struct mpc *c)
{
	uint8_t *p = at(m, fp), *t = at(m, cfg);

	memcpy(p, "_MP_", 4);
	put32(p + 4, cfg);
	p[8] = 1;
	p[9] = 4;
	fix_sum(p, 16, 10);
	memcpy(t, "PCMP", 4);
	put16(t + 4, 44 + c->len);
	t[6] = 4;
	memcpy(t + 8, "OSPREY  ", 8);
	put16(t + 34, 0);	/* as qboot does: the count is not used */
	put32(t + 36, LAPIC);
	memcpy(t + 44, c->b, c->len);
	fix_sum(t, 44 + c->len, 7);
}

static void
standard_mp(struct mem *m, uint64_t fp, uint32_t cfg)
{
	struct mpc c = { .len = 0 };

	mpc_cpu(&c, 0, 3);
	mpc_cpu(&c, 1, 1);
	mpc_cpu(&c, 2, 0);	/* disabled */
	mpc_cpu(&c, 3, 1);
	mpc_other(&c, 1);
	mpc_other(&c, 2);
	mpc_other(&c, 3);
	mpc_other(&c, 4);
	put_mp(m, fp, cfg, &c);
}

static void
standard_madt(struct madt *t)
{
	madt_init(t);
	madt_lapic(t, 0, 0, 1);
	madt_lapic(t, 1, 2, 1);
	madt_ioapic(t);
	madt_lapic(t, 2, 4, 1);
}

static int
find(struct mem *m, uint64_t rsdp, struct cpu_tables *t)
{
	int rc = cpu_tables_find(rsdp, mem_map, m, t);

	if (rc != 0 && rc != -ENOENT && t->why[0] == '\0') {
		fprintf(stderr, "  error %d without a why\n", rc);
		case_failed = 1;
	}
	return rc;
}

#define CHECK_STR(a, b) do { \
	if ((a) == NULL || strcmp((a), (b)) != 0) { \
		fprintf(stderr, "  %s:%d: \"%s\", expected \"%s\"\n", __FILE__, \
		    __LINE__, (a) ? (a) : "(null)", (b)); \
		case_failed = 1; \
	} \
} while (0)

#define CHECK_IDS(t, ...) do { \
	uint32_t _ids[] = { __VA_ARGS__ }; \
	int _n = sizeof(_ids) / sizeof(_ids[0]); \
	CHECK_EQ((t)->ncpus, _n); \
	for (int _i = 0; _i < _n && _i < (t)->ncpus; _i++) \
		CHECK_EQ((t)->apic_id[_i], _ids[_i]); \
} while (0)

/* ---- ACPI ---- */

static void
acpi_rsdt_by_scan(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	mem_init(&m);
	standard_madt(&d);
	put_acpi(&m, 0xf5a00, &d);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 2, 4);
	CHECK_STR(t.source, "ACPI MADT");
	CHECK_EQ(t.lapic_pa, LAPIC);
	CHECK_STR(t.why, "");
	/* The same RSDP given by address. */
	CHECK_EQ(find(&m, 0xf5a00, &t), 0);
	CHECK_IDS(&t, 0, 2, 4);
	mem_free(&m);
}

static void
acpi_scan_limits(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	mem_init(&m);
	standard_madt(&d);
	put_acpi(&m, 0xe0000, &d);	/* the first place looked at */
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_EQ(t.ncpus, 3);
	mem_free(&m);

	mem_init(&m);
	put_acpi(&m, 0xfffe0, &d);	/* the last that fits */
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_EQ(t.ncpus, 3);
	mem_free(&m);

	/* Not on a 16-byte boundary, or outside the places looked at. */
	mem_init(&m);
	put_acpi(&m, 0xe0008, &d);
	CHECK_EQ(find(&m, 0, &t), -ENOENT);
	mem_free(&m);
	mem_init(&m);
	put_acpi(&m, 0xd0000, &d);
	CHECK_EQ(find(&m, 0, &t), -ENOENT);
	CHECK_STR(t.why, "");
	mem_free(&m);
}

static void
acpi_rsdp_in_ebda(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	mem_init(&m);
	standard_madt(&d);
	put16(at(&m, 0x40e), 0x9fc0);
	put_acpi(&m, 0x9fc00 + 0x3f0, &d);	/* the EBDA's first KiB */
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 2, 4);
	mem_free(&m);

	mem_init(&m);
	put16(at(&m, 0x40e), 0x9fc0);
	put_acpi(&m, 0x9fc00 + 0x400, &d);	/* past it */
	CHECK_EQ(find(&m, 0, &t), -ENOENT);
	mem_free(&m);
}

static void
acpi_xsdt(void)
{
	struct mem m;
	struct madt d, other;
	struct cpu_tables t;
	uint64_t tables[1] = { HUGE_PA + 0x40 };
	uint64_t rsdt_tables[1] = { HIGH_PA + 0x800 };

	mem_init(&m);
	madt_init(&d);
	madt_lapic(&d, 0, 7, 1);
	madt_lapic(&d, 1, 9, 1);
	put_sdt(&m, tables[0], "APIC", d.b, d.len);
	put_root(&m, HUGE_PA + 0x400, 8, tables, 1);
	/* The RSDT lists another MADT, which must not be used. */
	standard_madt(&other);
	put_sdt(&m, rsdt_tables[0], "APIC", other.b, other.len);
	put_root(&m, HIGH_PA, 4, rsdt_tables, 1);
	put_rsdp(&m, 0xf0000, 2, HIGH_PA, HUGE_PA + 0x400);
	CHECK_EQ(find(&m, 0xf0000, &t), 0);
	CHECK_IDS(&t, 7, 9);
	/* Revision 2 without an XSDT address: the RSDT. */
	put_rsdp(&m, 0xf0000, 2, HIGH_PA, 0);
	CHECK_EQ(find(&m, 0xf0000, &t), 0);
	CHECK_IDS(&t, 0, 2, 4);
	/* Revision 0: the XSDT field is not there, even if bytes are. */
	put_rsdp(&m, 0xf0000, 2, HIGH_PA, HUGE_PA + 0x400);
	at(&m, 0xf0000)[15] = 0;
	fix_sum(at(&m, 0xf0000), 20, 8);
	CHECK_EQ(find(&m, 0xf0000, &t), 0);
	CHECK_IDS(&t, 0, 2, 4);
	mem_free(&m);
}

static void
madt_flags(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	mem_init(&m);
	madt_init(&d);
	madt_lapic(&d, 0, 0, 1);
	madt_lapic(&d, 1, 1, 0);	/* disabled */
	madt_lapic(&d, 2, 2, 2);	/* online capable: not running */
	madt_lapic(&d, 3, 3, 3);	/* enabled (and online capable) */
	madt_lapic(&d, 4, 1, 0);	/* a disabled duplicate is no duplicate */
	madt_x2apic(&d, 5, 2);
	madt_x2apic(&d, 6, 0);
	put_acpi(&m, 0xf5a00, &d);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 3);
	mem_free(&m);
}

static void
madt_x2apic_and_override(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	mem_init(&m);
	madt_init(&d);
	madt_lapic(&d, 0, 0, 1);
	madt_x2apic(&d, 300, 1);
	madt_override(&d, 0x123456000ull);
	madt_x2apic(&d, 0x10000, 1);
	madt_x2apic(&d, 0xfffffffe, 1);
	put_acpi(&m, 0xf5a00, &d);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 300, 0x10000, 0xfffffffe);
	CHECK_EQ(t.lapic_pa, 0x123456000ull);
	mem_free(&m);
}

static void
madt_more_than_max(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;
	int i;

	mem_init(&m);
	madt_init(&d);
	for (i = 0; i < 70; i++)
		madt_x2apic(&d, 1000 + i, 1);
	/* A duplicate of one not kept cannot be seen; of one kept, can. */
	madt_x2apic(&d, 1069, 1);
	put_acpi(&m, 0xf5a00, &d);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_EQ(t.ncpus, CPU_TABLES_MAX);
	for (i = 0; i < CPU_TABLES_MAX; i++)
		CHECK_EQ(t.apic_id[i], 1000 + i);
	madt_x2apic(&d, 1063, 1);
	put_acpi(&m, 0xf5a00, &d);
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "ACPI MADT: APIC ID 1063 is listed twice");
	mem_free(&m);
}

/* One thing broken in the standard ACPI tables, and the complaint. */
enum damage {
	RSDP_SUM, RSDT_SUM, MADT_SUM, RSDT_SIG, RSDT_SHORT, MADT_SHORT,
	MADT_LONG, RSDT_ENTRY, TRUNCATED, ZERO_LEN, LAPIC_SHORT, X2APIC_SHORT,
	TAIL, DUP, DUP_X2, NO_CPU,
};

static const struct {
	enum damage damage;
	const char *why;
} acpi_cases[] = {
	{ RSDP_SUM, "ACPI RSDP: bad checksum at 0xf5a00" },
	{ RSDT_SUM, "ACPI RSDT: bad checksum at 0x7fe0000" },
	{ MADT_SUM, "ACPI MADT: bad checksum at 0x7fe0200" },
	{ RSDT_SIG, "ACPI RSDT: none at 0x7fe0000" },
	{ RSDT_SHORT, "ACPI RSDT: length 35 at 0x7fe0000 is less than 36" },
	{ MADT_SHORT, "ACPI MADT: length 43 at 0x7fe0200 is less than 44" },
	{ MADT_LONG, "ACPI MADT: 65536 bytes at 0x7fe0200 are not readable" },
	{ RSDT_ENTRY, "ACPI RSDT: entry at offset 36 (0xc0000000) is not readable" },
	{ TRUNCATED, "ACPI MADT: entry at offset 44 runs past the table's end "
	    "(length 8, 4 bytes left)" },
	{ ZERO_LEN, "ACPI MADT: entry at offset 80 (type 0) is too short (length 0)" },
	{ LAPIC_SHORT, "ACPI MADT: entry at offset 80 (type 0) is too short (length 6)" },
	{ X2APIC_SHORT, "ACPI MADT: entry at offset 80 (type 9) is too short (length 12)" },
	{ TAIL, "ACPI MADT: entry at offset 80 runs past the table's end "
	    "(length 2, 1 bytes left)" },
	{ DUP, "ACPI MADT: APIC ID 2 is listed twice" },
	{ DUP_X2, "ACPI MADT: APIC ID 4 is listed twice" },
	{ NO_CPU, "ACPI MADT: no enabled processor" },
};

/* Damage done to the MADT's body before the tables are written. */
static void
break_madt(struct madt *d, enum damage damage)
{
	switch (damage) {
	case MADT_SHORT:
		d->len = 7;
		break;
	case TRUNCATED:
		madt_init(d);
		madt_lapic(d, 0, 0, 1);
		d->len -= 4;
		break;
	case ZERO_LEN:
		madt_lapic(d, 3, 6, 1);
		d->b[d->len - 7] = 0;
		break;
	case LAPIC_SHORT:
		madt_lapic(d, 3, 6, 1);
		d->b[d->len - 7] = 6;
		d->len -= 2;
		break;
	case X2APIC_SHORT:
		madt_x2apic(d, 6, 1);
		d->b[d->len - 15] = 12;
		d->len -= 4;
		break;
	case TAIL:
		d->len++;
		break;
	case DUP:
		madt_lapic(d, 9, 2, 1);
		break;
	case DUP_X2:
		madt_x2apic(d, 4, 1);
		break;
	case NO_CPU:
		madt_init(d);
		madt_lapic(d, 0, 0, 0);
		madt_ioapic(d);
		break;
	default:
		break;
	}
}

/* Damage done to the tables once written (see put_acpi for the layout). */
static void
break_memory(struct mem *m, enum damage damage)
{
	switch (damage) {
	case RSDP_SUM:
		at(m, 0xf5a00)[8]++;
		break;
	case RSDT_SUM:
		at(m, HIGH_PA)[20]++;
		break;
	case MADT_SUM:
		at(m, HIGH_PA + 0x200)[40]++;
		break;
	case RSDT_SIG:
		at(m, HIGH_PA)[0] = 'X';
		break;
	case RSDT_SHORT:
		put32(at(m, HIGH_PA + 4), 35);
		fix_sum(at(m, HIGH_PA), 35, 9);
		break;
	case MADT_LONG:		/* longer than the memory there */
		put32(at(m, HIGH_PA + 0x200 + 4), 0x10000);
		break;
	case RSDT_ENTRY:
		put32(at(m, HIGH_PA + 36), 0xc0000000);
		fix_sum(at(m, HIGH_PA), 44, 9);
		break;
	default:
		break;
	}
}

/* Each damage in turn, found by scan and by address; there is no MP table
 * to fall back to, so the ACPI complaint is what comes back. */
static void
acpi_errors(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	for (size_t i = 0; i < sizeof(acpi_cases) / sizeof(acpi_cases[0]); i++) {
		for (int by_address = 0; by_address < 2; by_address++) {
			mem_init(&m);
			standard_madt(&d);
			break_madt(&d, acpi_cases[i].damage);
			put_acpi(&m, 0xf5a00, &d);
			break_memory(&m, acpi_cases[i].damage);
			CHECK_EQ(find(&m, by_address ? 0xf5a00 : 0, &t), -EINVAL);
			CHECK_STR(t.why, acpi_cases[i].why);
			CHECK(t.source == NULL);
			mem_free(&m);
		}
	}
}

static void
acpi_rsdp_errors(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	/* An extended checksum that is wrong (the first 20 bytes are right). */
	mem_init(&m);
	standard_madt(&d);
	put_acpi(&m, 0xf5a00, &d);
	put_rsdp(&m, 0xf5a00, 2, HIGH_PA, 0);
	at(&m, 0xf5a00)[32]++;
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "ACPI RSDP: bad checksum at 0xf5a00");
	/* A bad candidate before a good one is passed over. */
	put_rsdp(&m, 0xf5b00, 0, HIGH_PA, 0);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_EQ(t.ncpus, 3);
	CHECK_STR(t.why, "");
	/* An address given that holds no RSDP, or no memory. */
	CHECK_EQ(find(&m, 0xf5a10, &t), -EINVAL);
	CHECK_STR(t.why, "ACPI RSDP: none at 0xf5a10");
	CHECK_EQ(find(&m, 0x40000000, &t), -EINVAL);
	CHECK_STR(t.why, "ACPI RSDP: none at 0x40000000");
	/* A revision 2 RSDP whose last 16 bytes are past the memory. */
	memcpy(at(&m, 0xffff0), "RSD PTR ", 8);
	at(&m, 0xffff0)[15] = 2;
	CHECK_EQ(find(&m, 0xffff0, &t), -EINVAL);
	CHECK_STR(t.why, "ACPI RSDP: 36 bytes at 0xffff0 are not readable");
	mem_free(&m);
}

static void
acpi_without_madt(void)
{
	struct mem m;
	struct cpu_tables t;
	uint64_t tables[1] = { HIGH_PA + 0x100 };
	uint8_t facp[80] = { 0 };

	mem_init(&m);
	put_rsdp(&m, 0xf5a00, 0, HIGH_PA, 0);
	put_root(&m, HIGH_PA, 4, tables, 1);
	put_sdt(&m, tables[0], "FACP", facp, sizeof(facp));
	CHECK_EQ(find(&m, 0, &t), -ENOENT);
	standard_mp(&m, 0xf0010, 0xf0100);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_STR(t.source, "MP table");
	mem_free(&m);
}

/* ---- MP table ---- */

static void
mp_places(void)
{
	struct mem m;
	struct cpu_tables t;

	/* The last KiB of base memory as the BIOS data area gives it. */
	mem_init(&m);
	put16(at(&m, 0x413), 635);
	standard_mp(&m, 634 * 1024 + 0x3f0, 0x9f000);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 1, 3);
	CHECK_STR(t.source, "MP table");
	CHECK_EQ(t.lapic_pa, LAPIC);
	CHECK_STR(t.why, "");
	mem_free(&m);

	/* No BIOS data area (as on microvm): 639 KiB. */
	mem_init(&m);
	standard_mp(&m, 0x9fc00, 0x9fc10);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 1, 3);
	mem_free(&m);

	/* The EBDA. */
	mem_init(&m);
	put16(at(&m, 0x40e), 0x9000);
	standard_mp(&m, 0x90000 + 0x20, 0x90100);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_EQ(t.ncpus, 3);
	mem_free(&m);

	/* The BIOS ROM, the table far away. */
	mem_init(&m);
	standard_mp(&m, 0xffff0, HIGH_PA + 0x4000);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_EQ(t.ncpus, 3);
	mem_free(&m);

	/* Not in any of the places. */
	mem_init(&m);
	standard_mp(&m, 0xe0000, 0xe0100);
	CHECK_EQ(find(&m, 0, &t), -ENOENT);
	mem_free(&m);
}

static void
mp_errors(void)
{
	struct mem m;
	struct mpc c;
	struct cpu_tables t;

	mem_init(&m);
	standard_mp(&m, 0xf0010, 0xf0100);
	at(&m, 0xf0010)[10]++;
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP floating pointer: bad checksum at 0xf0010");
	at(&m, 0xf0010)[8] = 0;
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP floating pointer: length 0 at 0xf0010 is less than 16");
	mem_free(&m);

	mem_init(&m);
	standard_mp(&m, 0xf0010, 0xf0100);
	(*at(&m, 0xf0100 + 50))++;
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP table: bad checksum at 0xf0100");
	mem_free(&m);

	mem_init(&m);
	standard_mp(&m, 0xf0010, 0xf0100);
	put32(at(&m, 0xf0010) + 4, 0);
	at(&m, 0xf0010)[11] = 5;
	fix_sum(at(&m, 0xf0010), 16, 10);
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP table: default configuration 5 is not supported");
	mem_free(&m);

	mem_init(&m);
	c.len = 0;
	mpc_cpu(&c, 0, 1);
	mpc_other(&c, 5);
	put_mp(&m, 0xf0010, 0xf0100, &c);
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP table: entry at offset 64 has unknown type 5");
	mem_free(&m);

	mem_init(&m);
	c.len = 0;
	mpc_cpu(&c, 0, 1);
	mpc_cpu(&c, 1, 1);
	c.len -= 4;
	put_mp(&m, 0xf0010, 0xf0100, &c);
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why,
	    "MP table: entry at offset 64 runs past the table's end (length 20, 16 bytes left)");
	mem_free(&m);

	mem_init(&m);
	c.len = 0;
	mpc_cpu(&c, 5, 1);
	mpc_cpu(&c, 5, 1);
	put_mp(&m, 0xf0010, 0xf0100, &c);
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP table: APIC ID 5 is listed twice");
	mem_free(&m);

	mem_init(&m);
	c.len = 0;
	mpc_cpu(&c, 0, 0);
	mpc_other(&c, 1);
	put_mp(&m, 0xf0010, 0xf0100, &c);
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP table: no enabled processor");
	mem_free(&m);

	mem_init(&m);
	standard_mp(&m, 0xf0010, 0xf0100);
	memcpy(at(&m, 0xf0100), "PCMQ", 4);
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP table: none at 0xf0100");
	mem_free(&m);
}

static void
fallback(void)
{
	struct mem m;
	struct madt d;
	struct cpu_tables t;

	/* ACPI broken, MP table good: the MP table, no complaint left. */
	mem_init(&m);
	standard_madt(&d);
	break_madt(&d, DUP);
	put_acpi(&m, 0xf5a00, &d);
	standard_mp(&m, 0xf0010, 0xf0100);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 1, 3);
	CHECK_STR(t.source, "MP table");
	CHECK_STR(t.why, "");
	/* Both broken: ACPI's complaint. */
	(*at(&m, 0xf0100 + 50))++;
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "ACPI MADT: APIC ID 2 is listed twice");
	mem_free(&m);

	/* No ACPI, MP table broken: the MP table's complaint. */
	mem_init(&m);
	standard_mp(&m, 0xf0010, 0xf0100);
	(*at(&m, 0xf0100 + 50))++;
	CHECK_EQ(find(&m, 0, &t), -EINVAL);
	CHECK_STR(t.why, "MP table: bad checksum at 0xf0100");
	mem_free(&m);

	/* Both good: ACPI. */
	mem_init(&m);
	standard_madt(&d);
	put_acpi(&m, 0xf5a00, &d);
	standard_mp(&m, 0xf0010, 0xf0100);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_STR(t.source, "ACPI MADT");
	CHECK_IDS(&t, 0, 2, 4);
	mem_free(&m);

	/* Nothing at all, and no memory at all. */
	mem_init(&m);
	CHECK_EQ(find(&m, 0, &t), -ENOENT);
	CHECK_EQ(t.ncpus, 0);
	mem_free(&m);
	CHECK_EQ(find(&m, 0, &t), -ENOENT);
}

/* ---- what QEMU 7.2 gives (pmemsave dumps, see tests/fuzz/README.md) ---- */

static void
qemu_q35(void)
{
	struct mem m;
	struct cpu_tables t;
	uint64_t rsdp = mem_load(&m, "qemu-q35-smp2");

	CHECK_EQ(rsdp, 0xf59e0);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_STR(t.source, "ACPI MADT");
	CHECK_IDS(&t, 0, 1);
	CHECK_EQ(t.lapic_pa, LAPIC);
	CHECK_EQ(find(&m, rsdp, &t), 0);
	CHECK_IDS(&t, 0, 1);
	/* SeaBIOS's MP table alone: one entry per package, and -smp 2 is
	 * one package of two cores. */
	memset(at(&m, rsdp), 0, 8);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_STR(t.source, "MP table");
	CHECK_IDS(&t, 0);
	mem_free(&m);
}

static void
qemu_microvm(void)
{
	struct mem m;
	struct cpu_tables t;
	uint64_t rsdp = mem_load(&m, "qemu-microvm-acpi-on-smp4");

	/* acpi=on: an XSDT only (its RSDT address is 0). */
	CHECK_EQ(rsdp, 0xf3490);
	CHECK_EQ(at(&m, rsdp)[15], 2);
	CHECK_EQ(find(&m, rsdp, &t), 0);
	CHECK_STR(t.source, "ACPI MADT");
	CHECK_IDS(&t, 0, 1, 2, 3);
	CHECK_EQ(t.lapic_pa, LAPIC);
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_IDS(&t, 0, 1, 2, 3);
	mem_free(&m);

	/* acpi=off: qboot's MP table at 639 KiB, its entry count 0. */
	mem_load(&m, "qemu-microvm-acpi-off-smp4");
	CHECK_EQ(find(&m, 0, &t), 0);
	CHECK_STR(t.source, "MP table");
	CHECK_IDS(&t, 0, 1, 2, 3);
	CHECK_EQ(t.lapic_pa, LAPIC);
	CHECK_EQ(find(&m, 0x40e, &t), 0);	/* no RSDP there: the MP table */
	CHECK_STR(t.source, "MP table");
	mem_free(&m);
}

int
main(void)
{
	RUN(acpi_rsdt_by_scan);
	RUN(acpi_scan_limits);
	RUN(acpi_rsdp_in_ebda);
	RUN(acpi_xsdt);
	RUN(madt_flags);
	RUN(madt_x2apic_and_override);
	RUN(madt_more_than_max);
	RUN(acpi_errors);
	RUN(acpi_rsdp_errors);
	RUN(acpi_without_madt);
	RUN(mp_places);
	RUN(mp_errors);
	RUN(fallback);
	RUN(qemu_q35);
	RUN(qemu_microvm);
	return CHECK_DONE();
}
