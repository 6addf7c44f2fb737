/* The processors the firmware lists: the ACPI MADT (ACPI 6.5, sections
 * 5.2.5-5.2.8 and 5.2.12) or the Intel MultiProcessor table (MP spec 1.4,
 * chapter 4). Everything here comes from outside: a length, offset or
 * address is checked before it is used, every range is mapped before it is
 * read, and every loop moves forward through a range fixed before it
 * starts, so no table can make the parser read astray or run forever. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "arch/x86_64/cpu_tables.h"

enum kind { RSDP, MP_POINTER, RSDT, XSDT, MADT, PCMP };

/* Each table's name (in out->why and out->source), signature, and the
 * shortest length it may have. */
static const struct table_kind {
	char what[20];
	char sig[8];
	uint8_t min;
} kinds[] = {
	[RSDP] = { "ACPI RSDP", "RSD PTR ", 16 },
	[MP_POINTER] = { "MP floating pointer", "_MP_", 16 },
	[RSDT] = { "ACPI RSDT", "RSDT", 36 },
	[XSDT] = { "ACPI XSDT", "XSDT", 36 },
	[MADT] = { "ACPI MADT", "APIC", 44 },
	[PCMP] = { "MP table", "PCMP", 44 },
};

#define HDR_LEN		44	/* MADT and PCMP: entries start here */
#define LAPIC_OFF	36	/* MADT and PCMP: local APIC address */

struct walk {
	phys_map_fn map;
	void *ctx;
	struct cpu_tables *out;
	char *why;		/* where bad() writes: out->why or scratch */
};

static uint32_t
le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t
le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static uint64_t
le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static const uint8_t *
map(const struct walk *w, uint64_t pa, size_t len)
{
	return w->map(w->ctx, pa, len);
}

/* Whether p starts with the signature of kind k (8 bytes for an RSDP). */
static bool
signed_as(const uint8_t *p, enum kind k)
{
	return le32(p) == le32((const uint8_t *)kinds[k].sig) &&
	    (k != RSDP || le32(p + 4) == le32((const uint8_t *)kinds[k].sig + 4));
}

/* Whether the bytes of p sum to zero, and (for an RSDP) the first 20 too. */
static bool
sums_to_zero(const uint8_t *p, size_t len, bool rsdp)
{
	uint8_t sum = 0, sum20 = 0;

	for (size_t i = 0; i < len; i++) {
		sum += p[i];
		if (i == 19)
			sum20 = sum;
	}
	return sum == 0 && (!rsdp || sum20 == 0);
}

/* Sets the why to "table: msg", the n-th '#' of msg replaced by the n-th
 * number in decimal, a '&' likewise in hex (after a "0x" in msg). */
static int
bad(const struct walk *w, enum kind k, const char *msg, uint64_t a,
    uint64_t b, uint64_t c)
{
	char *s = w->why, *end = s + sizeof(w->out->why) - 1;
	char digits[24], *d;
	const char *what = kinds[k].what;
	unsigned base;

	while (*what != '\0')
		*s++ = *what++;		/* names are short */
	*s++ = ':';
	*s++ = ' ';
	for (; *msg != '\0' && s < end; msg++) {
		if (*msg != '#' && *msg != '&') {
			*s++ = *msg;
			continue;
		}
		base = *msg == '#' ? 10 : 16;
		d = digits + sizeof(digits) - 1;
		*d = '\0';
		do
			*--d = "0123456789abcdef"[a % base];
		while ((a /= base) != 0);
		while (*d != '\0' && s < end)
			*s++ = *d++;
		a = b;
		b = c;
	}
	*s = '\0';
	return -EINVAL;
}

/* Maps the table of kind k at pa whole after checking its signature, that
 * its length is at least the kind's shortest, and its checksum (an RSDP's
 * first 20 bytes as well). NULL, with the why set, when it is not good. */
static const uint8_t *
load(const struct walk *w, uint64_t pa, enum kind k, uint32_t *lenp)
{
	const uint8_t *t = map(w, pa, 16);	/* no table is shorter */
	uint32_t len;

	if (t == NULL || !signed_as(t, k)) {
		bad(w, k, "none at 0x&", pa, 0, 0);
		return NULL;
	}
	if (k == RSDP)
		len = t[15] >= 2 ? 36 : 20;	/* revision 2 added 16 bytes */
	else if (k == MP_POINTER)
		len = 16 * t[8];
	else
		len = k == PCMP ? le16(t + 4) : le32(t + 4);
	if (len < kinds[k].min)
		bad(w, k, "length # at 0x& is less than #", len, pa, kinds[k].min);
	else if ((t = map(w, pa, len)) == NULL)
		bad(w, k, "# bytes at 0x& are not readable", len, pa, 0);
	else if (!sums_to_zero(t, len, k == RSDP))
		bad(w, k, "bad checksum at 0x&", pa, 0, 0);
	else {
		*lenp = len;
		return t;
	}
	return NULL;
}

/* Looks for a good RSDP or MP floating pointer (kind k) on the 16-byte
 * boundaries of [pa, end). */
static const uint8_t *
scan(const struct walk *w, enum kind k, uint64_t pa, uint64_t end, int *rc)
{
	const uint8_t *p;
	uint32_t len;

	for (; pa < end; pa += 16) {
		p = map(w, pa, 16);
		if (p == NULL || !signed_as(p, k))
			continue;
		if ((p = load(w, pa, k, &len)) != NULL) {
			w->why[0] = '\0';	/* forget a bad one before */
			return p;
		}
		*rc = -EINVAL;
	}
	return NULL;
}

/* The RSDP or MP floating pointer (kind k): the one at pa, or when pa is 0
 * the first good one in the places the specifications name. -ENOENT when
 * no signature is there; the error of the last bad one when none is good. */
static int
find_pointer(const struct walk *w, enum kind k, uint64_t pa, const uint8_t **ptr)
{
	const uint8_t *p;
	uint32_t len, kib;
	int rc = -ENOENT;

	if (pa != 0)
		return (*ptr = load(w, pa, k, &len)) != NULL ? 0 : -EINVAL;
	/* The first KiB of the EBDA, whose segment the BIOS data area gives. */
	if ((p = map(w, 0x40e, 2)) != NULL && (pa = (uint64_t)le16(p) << 4) != 0 &&
	    (*ptr = scan(w, k, pa, pa + 1024, &rc)) != NULL)
		return 0;
	if (k == MP_POINTER) {
		/* The last KiB of base memory; outside 64-640 KiB, it is no PC's. */
		kib = (p = map(w, 0x413, 2)) != NULL ? le16(p) : 0;
		if (kib < 64 || kib > 640)
			kib = 640;
		if ((*ptr = scan(w, k, (kib - 1) * 1024, kib * 1024, &rc)) != NULL)
			return 0;
	}
	if ((*ptr = scan(w, k, k == RSDP ? 0xe0000 : 0xf0000, 0x100000, &rc)) != NULL)
		return 0;
	return rc;
}

/* The entries of a MADT or MP configuration table (kind k) t of len bytes:
 * processors (MADT types 0 and 9, MP type 0) and the MADT's local APIC
 * address override (type 5). A MADT entry says its length; an MP entry's
 * length follows from its type. */
static int
entries(const struct walk *w, enum kind k, const uint8_t *t, uint32_t len)
{
	struct cpu_tables *o = w->out;
	uint32_t off, elen, need, left, id;
	const uint8_t *e;
	bool x2apic;

	o->ncpus = 0;
	o->lapic_pa = le32(t + LAPIC_OFF);
	for (off = HDR_LEN; off < len; off += elen) {
		e = t + off;
		left = len - off;
		if (k == MADT) {
			/* A 1-byte tail is the start of a 2-byte entry header. */
			elen = left < 2 ? 2 : e[1];
			need = e[0] == 0 ? 8 : e[0] == 5 ? 12 : e[0] == 9 ? 16 : 2;
		} else if (e[0] > 4) {
			return bad(w, k, "entry at offset # has unknown type #",
			    off, e[0], 0);
		} else {
			elen = need = e[0] == 0 ? 20 : 8;
		}
		if (elen > left)
			return bad(w, k,
			    "entry at offset # runs past the table's end (length #, # bytes left)",
			    off, elen, left);
		if (elen < need)
			return bad(w, k, "entry at offset # (type #) is too short (length #)",
			    off, e[0], elen);
		if (k == MADT && e[0] == 5)
			o->lapic_pa = le64(e + 4);
		x2apic = k == MADT && e[0] == 9;
		/* Bit 0 of the flags is "enabled" in both tables; a processor
		 * with only ACPI's "online capable" bit is not running. */
		if ((e[0] != 0 && !x2apic) ||
		    (e[x2apic ? 8 : k == MADT ? 4 : 3] & 1) == 0)
			continue;
		id = x2apic ? le32(e + 4) : e[k == MADT ? 3 : 1];
		for (int i = 0; i < o->ncpus; i++)
			if (o->apic_id[i] == id)
				return bad(w, k, "APIC ID # is listed twice", id, 0, 0);
		if (o->ncpus < CPU_TABLES_MAX)
			o->apic_id[o->ncpus++] = id;
	}
	if (o->ncpus == 0)
		return bad(w, k, "no enabled processor", 0, 0, 0);
	o->source = kinds[k].what;
	return 0;
}

/* RSDP, then the XSDT (revision 2 or more, with an address) or the RSDT,
 * then the table among its entries whose signature is "APIC". */
static int
acpi(const struct walk *w, uint64_t pa)
{
	enum kind root = RSDT;
	const uint8_t *t, *h;
	uint32_t len, esize = 4;
	uint64_t entry;
	int rc;

	if ((rc = find_pointer(w, RSDP, pa, &t)) != 0)
		return rc;
	pa = le32(t + 16);
	if (t[15] >= 2 && le64(t + 24) != 0) {
		pa = le64(t + 24);
		root = XSDT;
		esize = 8;
	}
	if ((t = load(w, pa, root, &len)) == NULL)
		return -EINVAL;
	for (uint32_t off = 36; len - off >= esize; off += esize) {
		entry = esize == 8 ? le64(t + off) : le32(t + off);
		if ((h = map(w, entry, 4)) == NULL)
			return bad(w, root, "entry at offset # (0x&) is not readable",
			    off, entry, 0);
		if (!signed_as(h, MADT))
			continue;
		if ((t = load(w, entry, MADT, &len)) == NULL)
			return -EINVAL;
		return entries(w, MADT, t, len);
	}
	return -ENOENT;
}

/* The MP floating pointer, then its configuration table. The entries are
 * walked by the table's length, not by its entry count: qboot (QEMU's
 * microvm firmware) leaves the count 0. */
static int
mp(const struct walk *w)
{
	const uint8_t *t;
	uint32_t len, pa;
	int rc;

	if ((rc = find_pointer(w, MP_POINTER, 0, &t)) != 0)
		return rc;
	if ((pa = le32(t + 4)) == 0)
		return bad(w, PCMP, "default configuration # is not supported",
		    t[11], 0, 0);
	if ((t = load(w, pa, PCMP, &len)) == NULL)
		return -EINVAL;
	return entries(w, PCMP, t, len);
}

int
cpu_tables_find(uint64_t rsdp_pa, phys_map_fn map, void *ctx, struct cpu_tables *out)
{
	struct walk w = { map, ctx, out, out->why };
	char mp_why[sizeof(out->why)];
	int rc, mp_rc;

	memset(out, 0, sizeof(*out));
	if ((rc = acpi(&w, rsdp_pa)) == 0)
		return 0;
	if (rc != -ENOENT)
		w.why = mp_why;		/* keep the ACPI complaint */
	if ((mp_rc = mp(&w)) == 0) {
		out->why[0] = '\0';
		return 0;
	}
	return rc != -ENOENT ? rc : mp_rc;
}
