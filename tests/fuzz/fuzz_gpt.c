/* libFuzzer harness for the GPT reader, and a round trip through the
 * writer. The input is a disk image followed by one configuration byte:
 *   bit 0     sector size 4096 instead of 512
 *   bits 1-3  scratch buffer of 2^n sectors (fewer reads, other paths)
 *   bits 4-6  room for that many partitions
 *   bit 7     recompute both copies' CRCs first, so that mutated fields
 *             get past the checksums to the checks behind them
 * Whatever the reader accepts must be written back by gpt_write() (when
 * it fits the writer's own layout) and read again unchanged. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/gpt.h"
#include "lib/crc32.h"
#include "lib/endian.h"

struct disk {
	const uint8_t *p;
	uint32_t ss;
	uint64_t nsec;
};

static int
disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	const struct disk *d = ctx;

	/* The reader must never ask for sectors outside the disk. */
	if (count == 0 || lba >= d->nsec || count > d->nsec - lba)
		abort();
	memcpy(buf, d->p + lba * d->ss, (size_t)count * d->ss);
	return 0;
}

static void
disk_note(void *ctx, const char *where, uint32_t entry, const char *reason)
{
	if (where == NULL || reason == NULL || strlen(reason) == 0)
		abort();
}

static int
read_disk(const struct disk *dk, void *buf, size_t buf_size,
    struct gpt_table *t, struct gpt_part *parts, size_t max)
{
	struct gpt_disk d = {
		.read = disk_read, .note = disk_note, .ctx = (void *)dk,
		.sector_size = dk->ss, .nsectors = dk->nsec,
		.buf = buf, .buf_size = buf_size,
	};

	return gpt_read(&d, t, parts, max);
}

static void
check_parts(const struct disk *dk, const struct gpt_table *t,
    const struct gpt_part *parts)
{
	char s[GPT_GUID_STRLEN];
	uint8_t g[GPT_GUID_LEN];

	for (size_t i = 0; i < t->nparts; i++) {
		const struct gpt_part *p = &parts[i];
		if (p->index == 0 || p->index > t->nentries || p->count == 0 ||
		    p->start < t->first_usable ||
		    p->start + p->count - 1 > t->last_usable ||
		    t->last_usable >= dk->nsec ||
		    strnlen(p->name, GPT_NAME_SIZE) == GPT_NAME_SIZE)
			abort();
		gpt_guid_format(p->type, s);
		if (gpt_guid_parse(s, g) != 0 || memcmp(g, p->type, 16) != 0)
			abort();
	}
}

/* Writes what was read into a fresh disk of the same size and reads it
 * back: every field but the entry numbers (which the writer packs) must
 * survive. */
static void
round_trip(const struct disk *dk, const struct gpt_table *t,
    const struct gpt_part *parts, void *buf, size_t buf_size)
{
	struct gpt_part_spec specs[16];
	struct gpt_part again[16];
	struct gpt_layout l = { .sector_size = dk->ss, .nsectors = dk->nsec,
	    .nentries = 16 };
	struct gpt_table t2;
	struct disk d2 = *dk;
	uint8_t *img;

	memcpy(l.disk_guid, t->disk_guid, GPT_GUID_LEN);
	for (size_t i = 0; i < t->nparts; i++)
		specs[i] = (struct gpt_part_spec){
			.type = parts[i].type, .uuid = parts[i].uuid,
			.start = parts[i].start, .count = parts[i].count,
			.attrs = parts[i].attrs, .name = parts[i].name,
		};
	img = calloc(dk->nsec, dk->ss);
	if (gpt_write(&l, specs, t->nparts, img,
	    img + (dk->nsec - gpt_tail_sectors(&l)) * dk->ss, &t2, NULL) != 0) {
		if (t2.reason == NULL)
			abort();
		free(img);
		return;
	}
	d2.p = img;
	if (read_disk(&d2, buf, buf_size, &t2, again, 16) != 0 ||
	    t2.nparts != t->nparts || t2.from_backup ||
	    memcmp(t2.disk_guid, t->disk_guid, GPT_GUID_LEN) != 0)
		abort();
	for (size_t i = 0; i < t->nparts; i++) {
		again[i].index = parts[i].index;
		if (memcmp(&again[i], &parts[i], sizeof(again[i])) != 0)
			abort();
	}
	free(img);
}

/* Makes the header at lba (and its entry array, when it lies inside the
 * disk) carry correct CRCs, whatever else is wrong with it. */
static void
reseal(uint8_t *img, uint32_t ss, uint64_t nsec, uint64_t lba)
{
	uint8_t *h = img + lba * ss;
	uint64_t elba = le64(h + 72);
	uint64_t bytes = (uint64_t)le32(h + 80) * le32(h + 84);
	uint32_t hsize = le32(h + 12);

	if (elba < nsec && bytes <= (nsec - elba) * ss)
		put_le32(h + 88, crc32_ieee(0, img + elba * ss, (size_t)bytes));
	if (hsize >= 20 && hsize <= ss) {
		put_le32(h + 16, 0);
		put_le32(h + 16, crc32_ieee(0, h, hsize));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[128 * 4096];
	struct gpt_part parts[16];
	struct gpt_table t;
	struct disk dk;
	uint8_t cfg, *copy;
	size_t buf_size, max;
	int rc;

	if (size < 1)
		return 0;
	cfg = data[size - 1];
	dk.p = data;
	dk.ss = cfg & 1 ? 4096 : 512;
	dk.nsec = (size - 1) / dk.ss;
	buf_size = (size_t)dk.ss << (cfg >> 1 & 7);
	max = cfg >> 4 & 7;
	copy = NULL;
	if (cfg & 0x80 && dk.nsec >= 3) {
		/* An exact-size copy, so ASan still sees reads past the end. */
		copy = malloc(dk.nsec * dk.ss);
		memcpy(copy, data, dk.nsec * dk.ss);
		reseal(copy, dk.ss, dk.nsec, 1);
		reseal(copy, dk.ss, dk.nsec, dk.nsec - 1);
		dk.p = copy;
	}

	rc = read_disk(&dk, buf, buf_size, &t, parts, max);
	if (rc != 0) {
		if ((rc != -ENOENT && rc != -EBADMSG) || t.reason == NULL)
			abort();
	} else {
		if (t.nparts > max || t.reason != NULL)
			abort();
		check_parts(&dk, &t, parts);
		round_trip(&dk, &t, parts, buf, buf_size);
	}
	free(copy);
	return 0;
}
