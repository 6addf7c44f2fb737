/* GUID Partition Table: reader (kernel partition probe) and writer (image
 * builder). Layouts are from the UEFI specification, chapter 5: protective
 * MBR in LBA 0, header in LBA 1 with its entry array after it, and a
 * backup array and header at the end of the disk. All on-disk integers are
 * little-endian; every field read from the disk is checked before use. */
#include <errno.h>
#include <string.h>

#include "dev/gpt.h"
#include "lib/crc32.h"
#include "lib/endian.h"

/* Header fields (byte offsets). */
#define H_SIG		0
#define H_REV		8
#define H_SIZE		12
#define H_CRC		16
#define H_MY		24
#define H_ALT		32
#define H_FIRST		40
#define H_LAST		48
#define H_GUID		56
#define H_ELBA		72
#define H_NENT		80
#define H_ESIZE		84
#define H_ECRC		88
#define HDR_LEN		92
#define GPT_REVISION	0x00010000u

/* Entry fields. */
#define E_TYPE		0
#define E_UUID		16
#define E_FIRST		32
#define E_LAST		40
#define E_ATTR		48
#define E_NAME		56
#define ENT_LEN		128

/* Protective MBR. */
#define MBR_PART	446
#define MBR_SIG		510
#define MBR_TYPE_GPT	0xEE

static const char gpt_sig[8] = { 'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T' };

const uint8_t gpt_type_osprey_rofs[GPT_GUID_LEN] = {
	0xB6, 0x1E, 0xD1, 0x8C, 0x01, 0xAA, 0xF1, 0x44,
	0x9C, 0xD2, 0xF3, 0xA5, 0xDD, 0x5D, 0x1A, 0xF7,
};
const uint8_t gpt_type_linux_fs[GPT_GUID_LEN] = {
	0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
	0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4,
};
const uint8_t gpt_type_zfs[GPT_GUID_LEN] = {
	0xC3, 0x8C, 0x89, 0x6A, 0xD2, 0x1D, 0xB2, 0x11,
	0x99, 0xA6, 0x08, 0x00, 0x20, 0x73, 0x66, 0x31,
};

/* A header after decoding and checking. */
struct hdr {
	uint64_t my, alt, first, last, elba;
	uint32_t nent, esize, ecrc;
	uint8_t guid[GPT_GUID_LEN];
};

/* Why a copy of the table is unusable. */
struct bad {
	const char *reason;
	uint32_t entry;
	bool absent;		/* no signature: maybe not a GPT at all */
};

/* Reader state: which sectors d->buf holds. */
struct rd {
	const struct gpt_disk *d;
	uint64_t lba;
	uint64_t n;
};

static bool
guid_is_zero(const uint8_t *g)
{
	for (int i = 0; i < GPT_GUID_LEN; i++)
		if (g[i] != 0)
			return false;
	return true;
}

static uint64_t
array_sectors(uint32_t nent, uint32_t esize, uint32_t ss)
{
	return ((uint64_t)nent * esize + ss - 1) / ss;
}

/* ---- UTF-16LE <-> UTF-8 for entry names ---- */

static size_t
put_utf8(char *out, uint32_t u)
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xC0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xE0 | u >> 12);
		out[1] = (char)(0x80 | (u >> 6 & 0x3F));
		out[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | u >> 18);
	out[1] = (char)(0x80 | (u >> 12 & 0x3F));
	out[2] = (char)(0x80 | (u >> 6 & 0x3F));
	out[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

/* Unpaired surrogates become U+FFFD. A pair gives 4 bytes for 2 units and
 * any other unit at most 3, so GPT_NAME_SIZE always suffices. */
static void
name_to_utf8(const uint8_t *p, char *out)
{
	size_t o = 0;

	for (int i = 0; i < GPT_NAME_UNITS; i++) {
		uint32_t u = le16(p + 2 * i);
		if (u == 0)
			break;
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < GPT_NAME_UNITS &&
		    le16(p + 2 * i + 2) >= 0xDC00 && le16(p + 2 * i + 2) <= 0xDFFF) {
			u = 0x10000 + ((u - 0xD800) << 10) +
			    (le16(p + 2 * i + 2) - 0xDC00u);
			i++;
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = 0xFFFD;
		}
		o += put_utf8(out + o, u);
	}
	out[o] = '\0';
}

/* Decodes one UTF-8 sequence at *s; returns the code point or -1. */
static int32_t
get_utf8(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t u, min;
	int more;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	} else if ((p[0] & 0xE0) == 0xC0) {
		u = p[0] & 0x1F, more = 1, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		u = p[0] & 0x0F, more = 2, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		u = p[0] & 0x07, more = 3, min = 0x10000;
	} else {
		return -1;
	}
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		u = u << 6 | (p[i] & 0x3F);
	}
	if (u < min || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
		return -1;
	*s = p + 1 + more;
	return (int32_t)u;
}

static const char *
name_to_utf16(const char *name, uint8_t *out)
{
	const unsigned char *s = (const unsigned char *)name;
	int n = 0;

	while (*s != '\0') {
		int32_t u = get_utf8(&s);
		if (u < 0)
			return "name is not valid UTF-8";
		if (n + (u >= 0x10000 ? 2 : 1) > GPT_NAME_UNITS)
			return "name longer than 36 UTF-16 units";
		if (u >= 0x10000) {
			u -= 0x10000;
			put_le16(out + 2 * n++, (uint16_t)(0xD800 + (u >> 10)));
			put_le16(out + 2 * n++, (uint16_t)(0xDC00 + (u & 0x3FF)));
		} else {
			put_le16(out + 2 * n++, (uint16_t)u);
		}
	}
	return NULL;
}

/* ---- GUID text ---- */

/* Raw byte shown at each text position: the first three fields are stored
 * little-endian, the last two as a plain byte string. */
static const uint8_t guid_order[GPT_GUID_LEN] = {
	3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15,
};

void
gpt_guid_format(const uint8_t guid[GPT_GUID_LEN], char out[GPT_GUID_STRLEN])
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = out;

	for (int i = 0; i < GPT_GUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[guid[guid_order[i]] >> 4];
		*o++ = hex[guid[guid_order[i]] & 0xF];
	}
	*o = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
gpt_guid_parse(const char *s, uint8_t guid[GPT_GUID_LEN])
{
	uint8_t g[GPT_GUID_LEN];

	for (int i = 0; i < GPT_GUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*s++ != '-')
				return -EINVAL;
		}
		int hi = hexval(s[0]);
		int lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0)
			return -EINVAL;
		g[guid_order[i]] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s != '\0')
		return -EINVAL;
	memcpy(guid, g, sizeof(g));
	return 0;
}

/* ---- reader ---- */

static void
note(const struct gpt_disk *d, const char *where, uint32_t entry,
    const char *reason)
{
	if (d->note != NULL)
		d->note(d->ctx, where, entry, reason);
}

/* Makes sector lba available in d->buf, reading ahead up to (not
 * including) end as far as the buffer allows. Returns a pointer to it. */
static int
rd_load(struct rd *r, uint64_t lba, uint64_t end, const uint8_t **p)
{
	const struct gpt_disk *d = r->d;
	uint64_t cap = d->buf_size / d->sector_size, n = end - lba;
	int err;

	if (r->n == 0 || lba < r->lba || lba - r->lba >= r->n) {
		if (cap > 0x10000)
			cap = 0x10000;
		if (n > cap)
			n = cap;
		r->n = 0;
		err = d->read(d->ctx, lba, (uint32_t)n, d->buf);
		if (err != 0)
			return err < 0 ? err : -EIO;
		r->lba = lba;
		r->n = n;
	}
	*p = (const uint8_t *)d->buf + (lba - r->lba) * d->sector_size;
	return 0;
}

/* Returns NULL if the header sector s, read from lba, is a valid header
 * for this disk, else the reason. */
static const char *
check_hdr(const uint8_t *s, const struct gpt_disk *d, uint64_t lba,
    struct hdr *h, bool *absent)
{
	static const uint8_t zero4[4];
	uint64_t nsec = d->nsectors, asec;
	uint32_t hsize, c;

	*absent = memcmp(s + H_SIG, gpt_sig, sizeof(gpt_sig)) != 0;
	if (*absent)
		return "no GPT signature";
	if ((le32(s + H_REV) & 0xFFFF0000u) != GPT_REVISION)
		return "unsupported revision";
	hsize = le32(s + H_SIZE);
	if (hsize < HDR_LEN || hsize > d->sector_size)
		return "bad header size";
	/* The CRC covers the header with its own CRC field taken as zero. */
	c = crc32_ieee(0, s, H_CRC);
	c = crc32_ieee(c, zero4, sizeof(zero4));
	c = crc32_ieee(c, s + H_CRC + 4, hsize - H_CRC - 4);
	if (c != le32(s + H_CRC))
		return "bad header CRC";
	h->my = le64(s + H_MY);
	h->alt = le64(s + H_ALT);
	h->first = le64(s + H_FIRST);
	h->last = le64(s + H_LAST);
	h->elba = le64(s + H_ELBA);
	h->nent = le32(s + H_NENT);
	h->esize = le32(s + H_ESIZE);
	h->ecrc = le32(s + H_ECRC);
	memcpy(h->guid, s + H_GUID, GPT_GUID_LEN);
	if (h->my != lba)
		return "header LBA does not match its location";
	if (h->first > h->last)
		return "first usable LBA after last usable LBA";
	/* Usable space lies strictly between the two header sectors. */
	if (h->first < 2 || h->last >= nsec - 1)
		return "usable LBA range outside the disk";
	if (h->esize < ENT_LEN || h->esize % 8 != 0 ||
	    h->esize > GPT_MAX_ENTRY_SIZE)
		return "bad partition entry size";
	if (h->nent > GPT_MAX_ENTRIES)
		return "too many partition entries";
	asec = array_sectors(h->nent, h->esize, d->sector_size);
	if (h->elba < 2 || asec > nsec - 1 || h->elba > nsec - 1 - asec)
		return "partition entry array outside the disk";
	if (asec > 0 && h->elba + asec > h->first && h->elba <= h->last)
		return "partition entry array overlaps usable space";
	return NULL;
}

/* Copies the first ENT_LEN bytes of entry i into ent, folding all of its
 * bytes into *crc when crc is not NULL. */
static int
read_entry(struct rd *r, const struct hdr *h, uint32_t i, uint8_t *ent,
    uint32_t *crc)
{
	uint32_t ss = r->d->sector_size;
	uint64_t off = (uint64_t)i * h->esize;
	uint64_t end = h->elba + array_sectors(h->nent, h->esize, ss);
	size_t pos = 0;

	while (pos < h->esize) {
		uint64_t o = off + pos, lba = h->elba + o / ss;
		const uint8_t *p;
		int err = rd_load(r, lba, end, &p);
		if (err < 0)
			return err;
		size_t k = (size_t)((r->lba + r->n - lba) * ss - o % ss);
		p += o % ss;
		if (k > h->esize - pos)
			k = h->esize - pos;
		if (pos < ENT_LEN)
			memcpy(ent + pos, p, k < ENT_LEN - pos ? k : ENT_LEN - pos);
		if (crc != NULL)
			*crc = crc32_ieee(*crc, p, k);
		pos += k;
	}
	return 0;
}

/* Checks the entry array's CRC and that no used entry runs off the disk
 * (a table for a bigger disk: safer to use none of it). Returns 1 with
 * *why filled if the copy is unusable. */
static int
check_array(struct rd *r, const struct hdr *h, struct bad *why)
{
	uint8_t ent[ENT_LEN];
	uint32_t crc = 0, past = 0;
	int err;

	for (uint32_t i = 0; i < h->nent; i++) {
		if ((err = read_entry(r, h, i, ent, &crc)) < 0)
			return err;
		if (past == 0 && !guid_is_zero(ent + E_TYPE) &&
		    (le64(ent + E_LAST) >= r->d->nsectors ||
		    le64(ent + E_FIRST) >= r->d->nsectors))
			past = i + 1;
	}
	if (crc != h->ecrc) {
		why->reason = "bad partition entry array CRC";
		return 1;
	}
	if (past != 0) {
		why->reason = "partition extends past the end of the disk";
		why->entry = past;
		return 1;
	}
	return 0;
}

static bool
overlaps(const struct gpt_part *parts, size_t n, uint64_t first,
    uint64_t last)
{
	for (size_t i = 0; i < n; i++)
		if (first < parts[i].start + parts[i].count &&
		    parts[i].start <= last)
			return true;
	return false;
}

/* Fills *p from an entry already checked. Zeroing first makes the result
 * byte-for-byte reproducible, padding and name tail included. */
static void
export_part(const uint8_t *ent, uint32_t index, struct gpt_part *p)
{
	memset(p, 0, sizeof(*p));
	p->index = index;
	memcpy(p->type, ent + E_TYPE, GPT_GUID_LEN);
	memcpy(p->uuid, ent + E_UUID, GPT_GUID_LEN);
	p->start = le64(ent + E_FIRST);
	p->count = le64(ent + E_LAST) - p->start + 1;
	p->attrs = le64(ent + E_ATTR);
	name_to_utf8(ent + E_NAME, p->name);
}

/* Returns NULL if entry ent may be used, else why it is rejected. */
static const char *
check_entry(const uint8_t *ent, const struct gpt_table *t,
    const struct gpt_part *parts)
{
	uint64_t first = le64(ent + E_FIRST), last = le64(ent + E_LAST);

	if (first > last)
		return "first LBA after last LBA";
	if (first < t->first_usable || last > t->last_usable)
		return "outside the usable LBA range";
	if (overlaps(parts, t->nparts, first, last))
		return "overlaps another partition";
	return NULL;
}

static int
collect(struct rd *r, const struct hdr *h, const char *where,
    struct gpt_table *t, struct gpt_part *parts, size_t max_parts)
{
	uint8_t ent[ENT_LEN];
	const char *why;
	int err;

	for (uint32_t i = 0; i < h->nent; i++) {
		if ((err = read_entry(r, h, i, ent, NULL)) < 0)
			return err;
		if (guid_is_zero(ent + E_TYPE))
			continue;
		if ((why = check_entry(ent, t, parts)) != NULL) {
			note(r->d, where, i + 1, why);
			t->nrejected++;
			continue;
		}
		if (t->nparts == max_parts) {
			note(r->d, where, i + 1, "too many partitions, ignored");
			t->nomitted++;
			continue;
		}
		export_part(ent, i + 1, &parts[t->nparts++]);
	}
	return 0;
}

/* Validates the header at lba and its entry array. Returns 0 with *h
 * filled, 1 with *why filled, or a read error. */
static int
load_copy(struct rd *r, uint64_t lba, struct hdr *h, struct bad *why)
{
	const uint8_t *s;
	int err;

	memset(why, 0, sizeof(*why));
	if ((err = rd_load(r, lba, lba + 1, &s)) < 0)
		return err;
	why->reason = check_hdr(s, r->d, lba, h, &why->absent);
	if (why->reason != NULL)
		return 1;
	return check_array(r, h, why);
}

/* Sets *found if LBA 0 holds a protective (or hybrid) MBR. */
static int
check_mbr(struct rd *r, bool *found)
{
	const uint8_t *s;
	int err;

	*found = false;
	if ((err = rd_load(r, 0, 1, &s)) < 0)
		return err;
	if (s[MBR_SIG] != 0x55 || s[MBR_SIG + 1] != 0xAA)
		return 0;
	for (int i = 0; i < 4; i++)
		if (s[MBR_PART + 16 * i + 4] == MBR_TYPE_GPT)
			*found = true;
	return 0;
}

/* The primary is in use: look at the backup header too, to warn early
 * about a disk that has lost its safety copy. */
static int
check_backup(struct rd *r, const struct hdr *h)
{
	const struct gpt_disk *d = r->d;
	const uint8_t *s;
	const char *why;
	struct hdr bh;
	bool absent;
	int err;

	if (h->alt != d->nsectors - 1)
		note(d, "primary GPT", 0, "backup header is not at the last LBA");
	if (h->alt < 2 || h->alt >= d->nsectors)
		return 0;
	if ((err = rd_load(r, h->alt, h->alt + 1, &s)) < 0)
		return err;
	if ((why = check_hdr(s, d, h->alt, &bh, &absent)) != NULL)
		note(d, "backup GPT", 0, why);
	return 0;
}

static int
fail(struct gpt_table *t, int err, const char *reason, uint32_t entry)
{
	t->reason = reason;
	t->entry = entry;
	return err;
}

static int
use_copy(struct rd *r, const struct hdr *h, const char *where,
    struct gpt_table *t, struct gpt_part *parts, size_t max_parts)
{
	memcpy(t->disk_guid, h->guid, GPT_GUID_LEN);
	t->first_usable = h->first;
	t->last_usable = h->last;
	t->nentries = h->nent;
	t->entry_size = h->esize;
	return collect(r, h, where, t, parts, max_parts);
}

int
gpt_read(const struct gpt_disk *d, struct gpt_table *t,
    struct gpt_part *parts, size_t max_parts)
{
	struct rd r = { .d = d };
	struct bad pbad, bbad;
	struct hdr h;
	bool pmbr;
	int err;

	memset(t, 0, sizeof(*t));
	if (d->read == NULL || d->buf == NULL ||
	    (d->sector_size != 512 && d->sector_size != 4096) ||
	    d->buf_size < d->sector_size || (parts == NULL && max_parts != 0))
		return fail(t, -EINVAL, "bad disk parameters", 0);
	if (d->nsectors < 3)
		return fail(t, -ENOENT, "disk too small for a GPT", 0);
	if ((err = check_mbr(&r, &pmbr)) < 0)
		return fail(t, err, "read error", 0);

	if ((err = load_copy(&r, 1, &h, &pbad)) < 0)
		return fail(t, err, "read error", 0);
	if (err == 0) {
		if (!pmbr)
			note(d, "protective MBR", 0, "missing");
		if ((err = check_backup(&r, &h)) < 0)
			return fail(t, err, "read error", 0);
		if ((err = use_copy(&r, &h, "primary GPT", t, parts, max_parts)) < 0)
			return fail(t, err, "read error", 0);
		return 0;
	}

	if ((err = load_copy(&r, d->nsectors - 1, &h, &bbad)) < 0)
		return fail(t, err, "read error", 0);
	if (pbad.absent && bbad.absent) {
		if (!pmbr)
			return fail(t, -ENOENT, "no GPT", 0);
		return fail(t, -EBADMSG, "protective MBR but no GPT header", 0);
	}
	if (!pmbr)
		note(d, "protective MBR", 0, "missing");
	note(d, "primary GPT", pbad.entry, pbad.reason);
	if (err == 0) {
		note(d, "backup GPT", 0, "in use instead of the primary");
		t->from_backup = true;
		if ((err = use_copy(&r, &h, "backup GPT", t, parts, max_parts)) < 0)
			return fail(t, err, "read error", 0);
		return 0;
	}
	note(d, "backup GPT", bbad.entry, bbad.reason);
	/* Report the primary's trouble unless there was no primary at all. */
	if (pbad.absent)
		return fail(t, -EBADMSG, bbad.reason, bbad.entry);
	return fail(t, -EBADMSG, pbad.reason, pbad.entry);
}

/* ---- writer ---- */

static uint32_t
layout_entries(const struct gpt_layout *l)
{
	return l->nentries != 0 ? l->nentries : GPT_DEFAULT_ENTRIES;
}

uint64_t
gpt_head_sectors(const struct gpt_layout *l)
{
	return 2 + array_sectors(layout_entries(l), ENT_LEN, l->sector_size);
}

uint64_t
gpt_tail_sectors(const struct gpt_layout *l)
{
	return 1 + array_sectors(layout_entries(l), ENT_LEN, l->sector_size);
}

/* A unique GUID the caller did not give: the disk GUID with bits mixed
 * in from the entry number, marked as a version 4 (random) GUID. Distinct
 * disk GUIDs give distinct partition GUIDs, and the image stays
 * reproducible. */
static void
derive_uuid(const uint8_t *disk, uint32_t index, uint8_t *out)
{
	uint8_t idx[4];

	put_le32(idx, index);
	memcpy(out, disk, GPT_GUID_LEN);
	put_le32(out, le32(out) ^ crc32c(crc32c(0, disk, GPT_GUID_LEN), idx, 4));
	put_le32(out + 12, le32(out + 12) ^ crc32c(crc32c(1, idx, 4), disk, 16));
	out[7] = (uint8_t)((out[7] & 0x0F) | 0x40);
	out[8] = (uint8_t)((out[8] & 0x3F) | 0x80);
}

static void
write_mbr(uint8_t *s, uint64_t nsec)
{
	uint8_t *pe = s + MBR_PART;

	/* One partition of type 0xEE covering the disk from LBA 1; CHS
	 * values are the conventional "start 0/0/2, end out of range". */
	pe[1] = 0x00;
	pe[2] = 0x02;
	pe[3] = 0x00;
	pe[4] = MBR_TYPE_GPT;
	pe[5] = pe[6] = pe[7] = 0xFF;
	put_le32(pe + 8, 1);
	put_le32(pe + 12, nsec - 1 > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)(nsec - 1));
	s[MBR_SIG] = 0x55;
	s[MBR_SIG + 1] = 0xAA;
}

static void
write_hdr(uint8_t *s, const struct gpt_layout *l, const struct gpt_table *t,
    uint64_t my, uint64_t alt, uint64_t elba, uint32_t ecrc)
{
	memcpy(s + H_SIG, gpt_sig, sizeof(gpt_sig));
	put_le32(s + H_REV, GPT_REVISION);
	put_le32(s + H_SIZE, HDR_LEN);
	put_le64(s + H_MY, my);
	put_le64(s + H_ALT, alt);
	put_le64(s + H_FIRST, t->first_usable);
	put_le64(s + H_LAST, t->last_usable);
	memcpy(s + H_GUID, l->disk_guid, GPT_GUID_LEN);
	put_le64(s + H_ELBA, elba);
	put_le32(s + H_NENT, t->nentries);
	put_le32(s + H_ESIZE, ENT_LEN);
	put_le32(s + H_ECRC, ecrc);
	put_le32(s + H_CRC, crc32_ieee(0, s, HDR_LEN));
}

/* Places spec i (entry i + 1) and encodes it into ent. *next is the first
 * LBA after the previous partition. Returns 0, or -errno with *why set. */
static int
write_entry(const struct gpt_layout *l, const struct gpt_part_spec *sp,
    uint32_t i, const struct gpt_table *t, uint64_t *next,
    const uint8_t *array, uint8_t *ent, const char **why)
{
	uint64_t align = l->align, start = sp->start, count = sp->count;

	if (align == 0)
		align = (1u << 20) / l->sector_size;
	*why = "missing partition type";
	if (sp->type == NULL || guid_is_zero(sp->type))
		return -EINVAL;
	if (start == 0)
		start = (*next + align - 1) / align * align;
	*why = "no room left on the disk";
	if (sp->start == 0 && start > t->last_usable)
		return -ENOSPC;
	*why = "start outside the usable LBA range";
	if (start < t->first_usable || start > t->last_usable)
		return -EINVAL;
	if (count == 0)
		count = t->last_usable - start + 1;
	*why = "does not fit on the disk";
	if (count > t->last_usable - start + 1)
		return -ENOSPC;
	*why = "overlaps another partition";
	for (uint32_t j = 0; j < i; j++) {
		const uint8_t *e = array + (size_t)j * ENT_LEN;
		if (start <= le64(e + E_LAST) &&
		    le64(e + E_FIRST) < start + count)
			return -EINVAL;
	}
	memcpy(ent + E_TYPE, sp->type, GPT_GUID_LEN);
	if (sp->uuid != NULL)
		memcpy(ent + E_UUID, sp->uuid, GPT_GUID_LEN);
	else
		derive_uuid(l->disk_guid, i + 1, ent + E_UUID);
	put_le64(ent + E_FIRST, start);
	put_le64(ent + E_LAST, start + count - 1);
	put_le64(ent + E_ATTR, sp->attrs);
	if (sp->name != NULL &&
	    (*why = name_to_utf16(sp->name, ent + E_NAME)) != NULL)
		return -EINVAL;
	*why = NULL;
	*next = start + count;
	return 0;
}

int
gpt_write(const struct gpt_layout *l, const struct gpt_part_spec *specs,
    size_t n, void *head, void *tail, struct gpt_table *t,
    struct gpt_part *parts)
{
	uint32_t ss = l->sector_size, nent = layout_entries(l);
	uint8_t *h = head, *tl = tail, *array;
	uint64_t asec, nsec = l->nsectors, next;
	const char *why;

	memset(t, 0, sizeof(*t));
	if (ss != 512 && ss != 4096)
		return fail(t, -EINVAL, "sector size must be 512 or 4096", 0);
	if (nent > GPT_MAX_ENTRIES)
		return fail(t, -EINVAL, "too many partition entries", 0);
	if (n > nent)
		return fail(t, -ENOSPC, "more partitions than entries", 0);
	asec = array_sectors(nent, ENT_LEN, ss);
	if (nsec < 2 * asec + 4)
		return fail(t, -ENOSPC, "disk too small for a GPT", 0);
	t->first_usable = 2 + asec;
	t->last_usable = nsec - 2 - asec;
	t->nentries = nent;
	t->entry_size = ENT_LEN;
	memcpy(t->disk_guid, l->disk_guid, GPT_GUID_LEN);

	memset(h, 0, (size_t)(2 + asec) * ss);
	memset(tl, 0, (size_t)(1 + asec) * ss);
	array = h + 2 * ss;
	next = t->first_usable;
	for (uint32_t i = 0; i < n; i++) {
		int err = write_entry(l, &specs[i], i, t, &next, array,
		    array + (size_t)i * ENT_LEN, &why);
		if (err < 0)
			return fail(t, err, why, i + 1);
		if (parts != NULL)
			export_part(array + (size_t)i * ENT_LEN, i + 1, &parts[i]);
	}
	t->nparts = n;

	uint32_t ecrc = crc32_ieee(0, array, (size_t)nent * ENT_LEN);
	memcpy(tl, array, (size_t)asec * ss);
	write_mbr(h, nsec);
	write_hdr(h + ss, l, t, 1, nsec - 1, 2, ecrc);
	write_hdr(tl + asec * ss, l, t, nsec - 1, 1, nsec - 1 - asec, ecrc);
	return 0;
}
