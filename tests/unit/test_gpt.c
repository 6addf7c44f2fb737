/* GPT reader and writer: disks made by sgdisk, disks made by gpt_write and
 * checked by `sgdisk -v`, each copy corrupted in turn, entries out of
 * range, odd geometry (4 KiB sectors, entry sizes that straddle sectors,
 * tiny scratch buffers), read errors, and random damage. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dev/gpt.h"
#include "lib/crc32.h"
#include "lib/endian.h"

#define MIB	(1024 * 1024)

/* ---- an in-memory disk ---- */

struct mem {
	uint8_t *p;
	uint32_t ss;
	uint64_t nsec;
	int64_t fail_lba;	/* a read covering it fails; -1: none */
	int reads;
	char notes[16][160];
	int nnotes;
};

static int
mem_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct mem *m = ctx;

	m->reads++;
	if (count == 0 || lba >= m->nsec || count > m->nsec - lba) {
		fprintf(stderr, "  read out of range: lba %llu count %u\n",
		    (unsigned long long)lba, count);
		case_failed = 1;
		return -EIO;
	}
	if (m->fail_lba >= 0 && (uint64_t)m->fail_lba >= lba &&
	    (uint64_t)m->fail_lba < lba + count)
		return -EIO;
	memcpy(buf, m->p + lba * m->ss, (size_t)count * m->ss);
	return 0;
}

static void
mem_note(void *ctx, const char *where, uint32_t entry, const char *reason)
{
	struct mem *m = ctx;

	if (m->nnotes < 16)
		snprintf(m->notes[m->nnotes++], sizeof(m->notes[0]), "%s %u: %s",
		    where, entry, reason);
}

static bool
has_note(const struct mem *m, const char *s)
{
	for (int i = 0; i < m->nnotes; i++)
		if (strcmp(m->notes[i], s) == 0)
			return true;
	return false;
}

static void
dump_notes(const struct mem *m)
{
	for (int i = 0; i < m->nnotes; i++)
		fprintf(stderr, "  note: %s\n", m->notes[i]);
}

static uint8_t scratch[64 * 1024];

/* Parses m with a scratch buffer of buf_size bytes. */
static int
parse(struct mem *m, size_t buf_size, struct gpt_table *t,
    struct gpt_part *parts, size_t max)
{
	struct gpt_disk d = {
		.read = mem_read, .note = mem_note, .ctx = m,
		.sector_size = m->ss, .nsectors = m->nsec,
		.buf = scratch, .buf_size = buf_size,
	};

	m->nnotes = 0;
	m->reads = 0;
	return gpt_read(&d, t, parts, max);
}

static void
mem_init(struct mem *m, uint32_t ss, uint64_t nsec)
{
	memset(m, 0, sizeof(*m));
	m->ss = ss;
	m->nsec = nsec;
	m->fail_lba = -1;
	m->p = calloc(nsec, ss);
}

/* ---- a disk made by gpt_write ---- */

static const uint8_t disk_guid[16] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
};

static const struct gpt_part_spec std_specs[] = {
	{ .type = gpt_type_osprey_rofs, .count = 1000, .name = "root" },
	{ .type = gpt_type_linux_fs, .count = 700, .attrs = 1ull << 60,
	  .name = "données ☃ 😀" },
	{ .type = gpt_type_zfs, .name = "tank" },
};

static int
make_disk(struct mem *m, uint32_t ss, uint64_t nsec,
    const struct gpt_part_spec *specs, size_t n, struct gpt_table *t,
    struct gpt_part *parts)
{
	struct gpt_layout l = { .sector_size = ss, .nsectors = nsec };

	memcpy(l.disk_guid, disk_guid, 16);
	mem_init(m, ss, nsec);
	return gpt_write(&l, specs, n, m->p,
	    m->p + (nsec - gpt_tail_sectors(&l)) * ss, t, parts);
}

/* Header and array fields, for damaging disks on purpose. */
static uint8_t *
hdr_at(struct mem *m, uint64_t lba)
{
	return m->p + lba * m->ss;
}

/* Recomputes the array and header CRCs of the copy at lba, so a test can
 * change fields and still get past the checksums. */
static void
reseal(struct mem *m, uint64_t lba)
{
	uint8_t *h = hdr_at(m, lba);
	uint64_t elba = le64(h + 72);
	uint32_t nent = le32(h + 80), esize = le32(h + 84);

	if (elba < m->nsec && (uint64_t)nent * esize <= (m->nsec - elba) * m->ss)
		put_le32(h + 88, crc32_ieee(0, m->p + elba * m->ss,
		    (size_t)nent * esize));
	put_le32(h + 16, 0);
	if (le32(h + 12) <= m->ss)
		put_le32(h + 16, crc32_ieee(0, h, le32(h + 12)));
}

/* Applies f to entry i (0-based) of both copies and reseals them. */
static void
edit_entry(struct mem *m, uint32_t i, void (*f)(uint8_t *ent, void *arg),
    void *arg)
{
	uint64_t lbas[2] = { 1, m->nsec - 1 };

	for (int k = 0; k < 2; k++) {
		uint8_t *h = hdr_at(m, lbas[k]);
		f(m->p + le64(h + 72) * m->ss + (size_t)i * le32(h + 84), arg);
		reseal(m, lbas[k]);
	}
}

static void
set_range(uint8_t *ent, void *arg)
{
	uint64_t *r = arg;

	put_le64(ent + 32, r[0]);
	put_le64(ent + 40, r[1]);
}

/* ---- sgdisk ---- */

static bool
have_sgdisk(void)
{
	return system("command -v sgdisk >/dev/null 2>&1") == 0;
}

static char tmpdir[64];

static const char *
tmp_path(const char *name)
{
	static char path[128];

	if (tmpdir[0] == '\0') {
		strcpy(tmpdir, "/tmp/test_gpt.XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(1);
		}
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static int
save(const struct mem *m, const char *path)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(m->p, m->ss, m->nsec, f) == m->nsec;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static int
load(struct mem *m, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	mem_init(m, 512, n / 512);
	n = fread(m->p, 512, m->nsec, f);
	fclose(f);
	return (uint64_t)n == m->nsec ? 0 : -1;
}

/* Runs `sgdisk -v` on m; true if it found no problems. quiet: a failure
 * is expected, do not show sgdisk's complaints. */
static bool
sgdisk_verify(const struct mem *m, bool quiet)
{
	char cmd[256], out[4096];
	const char *path = tmp_path("verify.img");
	size_t n;
	FILE *p;

	if (save(m, path) < 0)
		return false;
	snprintf(cmd, sizeof(cmd), "sgdisk -v %s 2>&1", path);
	p = popen(cmd, "r");
	if (p == NULL)
		return false;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	/* With no valid header at all sgdisk makes up an empty table and
	 * finds no problems with that: insist it used ours. */
	if (strstr(out, "No problems found") == NULL ||
	    strstr(out, "Creating new GPT") != NULL ||
	    strstr(out, "Warning") != NULL) {
		if (!quiet)
			fprintf(stderr, "  sgdisk -v says:\n%s", out);
		return false;
	}
	return true;
}

/* ---- tests ---- */

static void
test_guid_text(void)
{
	char s[GPT_GUID_STRLEN];
	uint8_t g[16];

	CHECK_EQ(gpt_guid_parse(GPT_TYPE_OSPREY_ROFS_STR, g), 0);
	CHECK(memcmp(g, gpt_type_osprey_rofs, 16) == 0);
	CHECK_EQ(gpt_guid_parse(GPT_TYPE_LINUX_FS_STR, g), 0);
	CHECK(memcmp(g, gpt_type_linux_fs, 16) == 0);
	CHECK_EQ(gpt_guid_parse(GPT_TYPE_ZFS_STR, g), 0);
	CHECK(memcmp(g, gpt_type_zfs, 16) == 0);
	gpt_guid_format(gpt_type_zfs, s);
	CHECK(strcmp(s, GPT_TYPE_ZFS_STR) == 0);
	CHECK_EQ(gpt_guid_parse("0fc63daf-8483-4772-8e79-3d69d8477de4", g), 0);
	CHECK(memcmp(g, gpt_type_linux_fs, 16) == 0);
	gpt_guid_format(gpt_type_osprey_rofs, s);
	CHECK(strcmp(s, GPT_TYPE_OSPREY_ROFS_STR) == 0);

	static const char *bad[] = {
		"", "0FC63DAF-8483-4772-8E79-3D69D8477DE", 
		"0FC63DAF-8483-4772-8E79-3D69D8477DE4X",
		"0FC63DAF+8483-4772-8E79-3D69D8477DE4",
		"0FC63DAF-8483-4772-8E793-D69D8477DE4",
		"0FC63DAG-8483-4772-8E79-3D69D8477DE4",
		"0FC63DAF84834772-8E79-3D69D8477DE4xx",
		"{0FC63DAF-8483-4772-8E79-3D69D8477DE4}",
	};
	memset(g, 0x5A, 16);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(gpt_guid_parse(bad[i], g), -EINVAL);
	CHECK_EQ(g[0], 0x5A);	/* untouched on failure */
}

static void
check_std_parts(const struct gpt_part *p, uint32_t ss)
{
	uint64_t mib = MIB / ss;

	CHECK_EQ(p[0].index, 1);
	CHECK(memcmp(p[0].type, gpt_type_osprey_rofs, 16) == 0);
	CHECK_EQ(p[0].start, mib);
	CHECK(strcmp(p[0].name, "root") == 0);
	CHECK_EQ(p[1].index, 2);
	CHECK(memcmp(p[1].type, gpt_type_linux_fs, 16) == 0);
	CHECK_EQ(p[1].start % mib, 0);
	CHECK_EQ(p[1].count, 700);
	CHECK_EQ(p[1].attrs, 1ull << 60);
	CHECK(strcmp(p[1].name, "données ☃ 😀") == 0);
	CHECK_EQ(p[2].index, 3);
	CHECK(memcmp(p[2].type, gpt_type_zfs, 16) == 0);
	CHECK_EQ(p[2].start % mib, 0);
	CHECK(strcmp(p[2].name, "tank") == 0);
	/* Derived unique GUIDs: distinct, version 4, not the disk GUID. */
	CHECK(memcmp(p[0].uuid, p[1].uuid, 16) != 0);
	CHECK(memcmp(p[1].uuid, p[2].uuid, 16) != 0);
	CHECK(memcmp(p[0].uuid, disk_guid, 16) != 0);
	CHECK_EQ(p[0].uuid[7] >> 4, 4);
	CHECK_EQ(p[0].uuid[8] >> 6, 2);
}

static void
roundtrip(uint32_t ss, uint64_t nsec)
{
	struct gpt_part w[3], r[8];
	struct gpt_table wt, t;
	struct mem m;

	CHECK_EQ(make_disk(&m, ss, nsec, std_specs, 3, &wt, w), 0);
	check_std_parts(w, ss);
	CHECK_EQ(w[2].start + w[2].count - 1, wt.last_usable);
	for (size_t bs = ss; bs <= sizeof(scratch); bs *= 4) {
		CHECK_EQ(parse(&m, bs, &t, r, 8), 0);
		dump_notes(&m);
		CHECK_EQ(m.nnotes, 0);
		CHECK_EQ(t.nparts, 3);
		CHECK(!t.from_backup);
		CHECK_EQ(t.first_usable, wt.first_usable);
		CHECK_EQ(t.last_usable, wt.last_usable);
		CHECK_EQ(t.nentries, 128);
		CHECK_EQ(t.entry_size, 128);
		CHECK(memcmp(t.disk_guid, disk_guid, 16) == 0);
		CHECK(memcmp(r, w, sizeof(w)) == 0);
	}
	free(m.p);
}

static void
test_roundtrip_512(void)
{
	roundtrip(512, 16 * MIB / 512);
}

static void
test_roundtrip_4096(void)
{
	roundtrip(4096, 16 * MIB / 4096);
}

static void
test_write_sgdisk_verify(void)
{
	struct gpt_table t;
	struct mem m;

	if (!have_sgdisk()) {
		printf("SKIP test_write_sgdisk_verify: sgdisk not found\n");
		return;
	}
	CHECK_EQ(make_disk(&m, 512, 16 * MIB / 512, std_specs, 3, &t, NULL), 0);
	CHECK(sgdisk_verify(&m, false));
	free(m.p);
	/* An empty table, and a full one with every slot used. */
	CHECK_EQ(make_disk(&m, 512, 4 * MIB / 512, NULL, 0, &t, NULL), 0);
	CHECK(sgdisk_verify(&m, false));
	free(m.p);
	struct gpt_part_spec many[128];
	for (int i = 0; i < 128; i++)
		many[i] = (struct gpt_part_spec){
			.type = gpt_type_linux_fs, .count = 8, .name = "p" };
	struct gpt_layout l = { .sector_size = 512, .nsectors = 4096,
	    .align = 8 };
	mem_init(&m, 512, 4096);
	CHECK_EQ(gpt_write(&l, many, 128, m.p,
	    m.p + (4096 - gpt_tail_sectors(&l)) * 512, &t, NULL), 0);
	CHECK(sgdisk_verify(&m, false));
	/* ...and sgdisk notices when we break it. */
	m.p[512 + 30] ^= 1;
	m.p[4095 * 512 + 30] ^= 1;
	CHECK(!sgdisk_verify(&m, true));
	free(m.p);
}

static void
test_read_sgdisk_disk(void)
{
	struct gpt_part p[8];
	struct gpt_table t;
	char cmd[1024], s[GPT_GUID_STRLEN];
	const char *path = tmp_path("sg.img");
	struct mem m;

	if (!have_sgdisk()) {
		printf("SKIP test_read_sgdisk_disk: sgdisk not found\n");
		return;
	}
	snprintf(cmd, sizeof(cmd),
	    "rm -f %s && truncate -s 8M %s && sgdisk -o "
	    "-U 01234567-89AB-CDEF-0123-456789ABCDEF "
	    "-n 1:2048:+1M -t 1:8300 -c 1:boot -A 1:set:2 "
	    "-n 2:0:+2M -t 2:" GPT_TYPE_OSPREY_ROFS_STR " -c 2:'rôfs ☃' "
	    "-u 2:11111111-2222-3333-4444-555555555555 "
	    "-n 3:0:0 -t 3:BF01 -c 3:tank "
	    "-n 5:40:1000 -c 5:'a name of exactly thirty-six chars!!' "
	    "%s >/dev/null 2>&1", path, path, path);
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(load(&m, path), 0);
	CHECK_EQ(parse(&m, 4096, &t, p, 8), 0);
	dump_notes(&m);
	CHECK_EQ(m.nnotes, 0);
	CHECK_EQ(t.nparts, 4);
	CHECK_EQ(t.first_usable, 34);
	CHECK_EQ(t.last_usable, 16384 - 34);
	gpt_guid_format(t.disk_guid, s);
	CHECK(strcmp(s, "01234567-89AB-CDEF-0123-456789ABCDEF") == 0);

	CHECK_EQ(p[0].index, 1);
	CHECK(memcmp(p[0].type, gpt_type_linux_fs, 16) == 0);
	CHECK_EQ(p[0].start, 2048);
	CHECK_EQ(p[0].count, 2048);
	CHECK_EQ(p[0].attrs, 4);
	CHECK(strcmp(p[0].name, "boot") == 0);

	CHECK_EQ(p[1].index, 2);
	CHECK(memcmp(p[1].type, gpt_type_osprey_rofs, 16) == 0);
	gpt_guid_format(p[1].uuid, s);
	CHECK(strcmp(s, "11111111-2222-3333-4444-555555555555") == 0);
	CHECK_EQ(p[1].start, 4096);
	CHECK_EQ(p[1].count, 4096);
	CHECK(strcmp(p[1].name, "rôfs ☃") == 0);

	CHECK_EQ(p[2].index, 3);
	CHECK(memcmp(p[2].type, gpt_type_zfs, 16) == 0);
	CHECK_EQ(p[2].start, 8192);
	CHECK_EQ(p[2].count, 16384 - 34 - 8192 + 1);
	CHECK(strcmp(p[2].name, "tank") == 0);

	CHECK_EQ(p[3].index, 5);
	CHECK_EQ(p[3].start, 40);
	CHECK_EQ(p[3].count, 961);
	CHECK(strcmp(p[3].name, "a name of exactly thirty-six chars!!") == 0);
	free(m.p);
}

static void
test_primary_bad_uses_backup(void)
{
	struct gpt_part p[8];
	struct gpt_table t;
	struct mem m;

	CHECK_EQ(make_disk(&m, 512, 8192, std_specs, 3, &t, NULL), 0);
	hdr_at(&m, 1)[60] ^= 0x40;	/* disk GUID byte: header CRC now wrong */
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK(t.from_backup);
	CHECK_EQ(t.nparts, 3);
	CHECK(has_note(&m, "primary GPT 0: bad header CRC"));
	CHECK(has_note(&m, "backup GPT 0: in use instead of the primary"));
	CHECK(strcmp(p[2].name, "tank") == 0);
	hdr_at(&m, 1)[60] ^= 0x40;

	/* A damaged primary entry array is caught by its CRC. */
	hdr_at(&m, 2)[200] ^= 1;
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK(t.from_backup);
	CHECK(has_note(&m, "primary GPT 0: bad partition entry array CRC"));
	hdr_at(&m, 2)[200] ^= 1;

	/* Primary wiped entirely. */
	memset(hdr_at(&m, 1), 0, 512);
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK(t.from_backup);
	CHECK(has_note(&m, "primary GPT 0: no GPT signature"));
	free(m.p);
}

static void
test_both_bad_rejected(void)
{
	struct gpt_part p[8];
	struct gpt_table t;
	struct mem m;

	CHECK_EQ(make_disk(&m, 512, 8192, std_specs, 3, &t, NULL), 0);
	hdr_at(&m, 1)[60] ^= 0x40;
	hdr_at(&m, 8191)[60] ^= 0x40;
	CHECK_EQ(parse(&m, 512, &t, p, 8), -EBADMSG);
	CHECK(strcmp(t.reason, "bad header CRC") == 0);
	CHECK_EQ(t.entry, 0);
	CHECK_EQ(t.nparts, 0);

	/* Backup bad while the primary is fine: used, but noted. */
	hdr_at(&m, 1)[60] ^= 0x40;
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK(!t.from_backup);
	CHECK(has_note(&m, "backup GPT 0: bad header CRC"));
	free(m.p);
}

static void
test_no_gpt(void)
{
	struct gpt_part p[4];
	struct gpt_table t;
	struct mem m;

	mem_init(&m, 512, 4096);
	CHECK_EQ(parse(&m, 512, &t, p, 4), -ENOENT);
	CHECK_EQ(m.nnotes, 0);
	/* An MBR-partitioned disk is not a GPT disk either. */
	m.p[510] = 0x55, m.p[511] = 0xAA, m.p[446 + 4] = 0x83;
	CHECK_EQ(parse(&m, 512, &t, p, 4), -ENOENT);
	/* A protective MBR without any GPT header is a broken GPT. */
	m.p[446 + 4] = 0xEE;
	CHECK_EQ(parse(&m, 512, &t, p, 4), -EBADMSG);
	CHECK(strcmp(t.reason, "protective MBR but no GPT header") == 0);
	free(m.p);
	mem_init(&m, 512, 2);
	CHECK_EQ(parse(&m, 512, &t, p, 4), -ENOENT);
	free(m.p);
}

static void
test_protective_mbr_missing(void)
{
	struct gpt_part p[4];
	struct gpt_table t;
	struct mem m;

	CHECK_EQ(make_disk(&m, 512, 8192, std_specs, 1, &t, NULL), 0);
	memset(m.p, 0, 512);
	CHECK_EQ(parse(&m, 512, &t, p, 4), 0);
	CHECK_EQ(t.nparts, 1);
	CHECK(has_note(&m, "protective MBR 0: missing"));
	free(m.p);
}

static void
test_entry_ranges(void)
{
	struct gpt_part p[8];
	struct gpt_table t, wt;
	struct mem m;
	uint64_t r[2];

	CHECK_EQ(make_disk(&m, 512, 8192, std_specs, 3, &wt, NULL), 0);

	r[0] = 5000, r[1] = 4999;	/* entry 2: first after last */
	edit_entry(&m, 1, set_range, r);
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK_EQ(t.nparts, 2);
	CHECK_EQ(t.nrejected, 1);
	CHECK(has_note(&m, "primary GPT 2: first LBA after last LBA"));
	CHECK_EQ(p[0].index, 1);
	CHECK_EQ(p[1].index, 3);

	r[0] = 10, r[1] = 20;		/* inside the primary entry array */
	edit_entry(&m, 1, set_range, r);
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK(has_note(&m, "primary GPT 2: outside the usable LBA range"));

	r[0] = 8100, r[1] = 8191;	/* over the backup array and header */
	edit_entry(&m, 1, set_range, r);
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK(has_note(&m, "primary GPT 2: outside the usable LBA range"));

	r[0] = 2048, r[1] = 2048;	/* inside partition 1 */
	edit_entry(&m, 1, set_range, r);
	CHECK_EQ(parse(&m, 512, &t, p, 8), 0);
	CHECK(has_note(&m, "primary GPT 2: overlaps another partition"));
	CHECK_EQ(t.nparts, 2);

	r[0] = 4000, r[1] = 8192;	/* past the end of the disk */
	edit_entry(&m, 1, set_range, r);
	CHECK_EQ(parse(&m, 512, &t, p, 8), -EBADMSG);
	CHECK(strcmp(t.reason, "partition extends past the end of the disk") == 0);
	CHECK_EQ(t.entry, 2);
	CHECK(has_note(&m, "primary GPT 2: partition extends past the end of the disk"));

	r[0] = UINT64_MAX, r[1] = UINT64_MAX;
	edit_entry(&m, 1, set_range, r);
	CHECK_EQ(parse(&m, 512, &t, p, 8), -EBADMSG);
	CHECK_EQ(t.entry, 2);

	/* Fewer slots than partitions: the rest are counted, not lost silently. */
	r[0] = 4000, r[1] = 4001;
	edit_entry(&m, 1, set_range, r);
	CHECK_EQ(parse(&m, 512, &t, p, 1), 0);
	CHECK_EQ(t.nparts, 1);
	CHECK_EQ(t.nomitted, 2);
	CHECK_EQ(parse(&m, 512, &t, NULL, 0), 0);
	CHECK_EQ(t.nomitted, 3);
	free(m.p);
}

/* Sets a header field in both copies and reseals them. */
static void
edit_hdr(struct mem *m, int off, int width, uint64_t v)
{
	uint64_t lbas[2] = { 1, m->nsec - 1 };

	for (int k = 0; k < 2; k++) {
		uint8_t *h = hdr_at(m, lbas[k]);
		if (width == 4)
			put_le32(h + off, v);
		else
			put_le64(h + off, v);
		reseal(m, lbas[k]);
	}
}

static void
test_header_fields(void)
{
	static const struct {
		int off, width;
		uint64_t v;
		const char *reason;
	} cases[] = {
		{ 8, 4, 0x00020000, "unsupported revision" },
		{ 12, 4, 91, "bad header size" },
		{ 12, 4, 513, "bad header size" },
		{ 24, 8, 7, "header LBA does not match its location" },
		{ 40, 8, 1, "usable LBA range outside the disk" },
		{ 48, 8, 8191, "usable LBA range outside the disk" },
		{ 40, 8, 5000000, "first usable LBA after last usable LBA" },
		{ 84, 4, 64, "bad partition entry size" },
		{ 84, 4, 132, "bad partition entry size" },
		{ 84, 4, 2048, "bad partition entry size" },
		{ 80, 4, 1025, "too many partition entries" },
		{ 80, 4, 0xFFFFFFFF, "too many partition entries" },
		{ 72, 8, 1, "partition entry array outside the disk" },
		{ 72, 8, 8180, "partition entry array outside the disk" },
		{ 72, 8, UINT64_MAX, "partition entry array outside the disk" },
		{ 72, 8, 4000, "partition entry array overlaps usable space" },
	};
	struct gpt_part p[8];
	struct gpt_table t;
	struct mem m, orig;

	CHECK_EQ(make_disk(&orig, 512, 8192, std_specs, 3, &t, NULL), 0);
	m = orig;
	m.p = malloc(8192 * 512);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(m.p, orig.p, 8192 * 512);
		edit_hdr(&m, cases[i].off, cases[i].width, cases[i].v);
		CHECK_EQ(parse(&m, 4096, &t, p, 8), -EBADMSG);
		if (t.reason == NULL || strcmp(t.reason, cases[i].reason) != 0) {
			fprintf(stderr, "  case %zu: got %s\n", i, t.reason);
			case_failed = 1;
		}
	}
	/* The disk shrank under its table. */
	memcpy(m.p, orig.p, 8192 * 512);
	m.nsec = 8000;
	CHECK_EQ(parse(&m, 4096, &t, p, 8), -EBADMSG);	/* now past the end */
	free(m.p);
	free(orig.p);
}

static void
test_disk_grew(void)
{
	struct gpt_part p[8];
	struct gpt_table t;
	struct mem m;

	CHECK_EQ(make_disk(&m, 512, 8192, std_specs, 3, &t, NULL), 0);
	m.p = realloc(m.p, 16384 * 512);
	memset(m.p + 8192 * 512, 0, 8192 * 512);
	m.nsec = 16384;
	CHECK_EQ(parse(&m, 4096, &t, p, 8), 0);
	CHECK_EQ(t.nparts, 3);
	CHECK(has_note(&m, "primary GPT 0: backup header is not at the last LBA"));
	CHECK_EQ(m.nnotes, 1);
	free(m.p);
}

/* Rebuilds both copies with a different entry size: 136 makes entries
 * straddle sector boundaries, 256 leaves a tail the parser must skip. */
static void
restride(struct mem *m, uint32_t esize, uint32_t nent)
{
	uint32_t ss = m->ss;
	uint64_t asec = ((uint64_t)nent * esize + ss - 1) / ss;
	uint64_t lbas[2] = { 1, m->nsec - 1 };
	uint64_t elbas[2] = { 2, m->nsec - 1 - asec };
	uint8_t old[128 * 128];

	memcpy(old, m->p + 2 * ss, sizeof(old));
	memset(m->p + ss, 0, (size_t)(m->nsec - 1) * ss);
	for (int k = 0; k < 2; k++) {
		uint8_t *h = hdr_at(m, lbas[k]), *a = m->p + elbas[k] * ss;
		memcpy(h, "EFI PART", 8);
		put_le32(h + 8, 0x10000);
		put_le32(h + 12, 92);
		put_le64(h + 24, lbas[k]);
		put_le64(h + 32, lbas[1 - k]);
		put_le64(h + 40, 2 + asec);
		put_le64(h + 48, m->nsec - 2 - asec);
		memcpy(h + 56, disk_guid, 16);
		put_le64(h + 72, elbas[k]);
		put_le32(h + 80, nent);
		put_le32(h + 84, esize);
		for (uint32_t i = 0; i < nent && i < 128; i++) {
			memcpy(a + (size_t)i * esize, old + i * 128, 128);
			memset(a + (size_t)i * esize + 128, 0xA5, esize - 128);
		}
		reseal(m, lbas[k]);
	}
}

static void
test_entry_sizes(void)
{
	static const uint32_t sizes[] = { 136, 256, 1024 };
	struct gpt_part_spec specs[3] = { std_specs[0], std_specs[1],
	    std_specs[2] };
	struct gpt_part w[3], p[8];
	struct gpt_table t;
	struct mem m;

	for (size_t i = 0; i < 3; i++)
		for (uint32_t ss = 512; ss <= 4096; ss *= 8) {
			specs[2].count = 100;	/* leave room for a bigger array */
			CHECK_EQ(make_disk(&m, ss, 32 * MIB / ss, specs, 3,
			    &t, w), 0);
			restride(&m, sizes[i], 77);
			for (size_t bs = ss; bs <= sizeof(scratch); bs *= 2) {
				CHECK_EQ(parse(&m, bs, &t, p, 8), 0);
				dump_notes(&m);
				CHECK_EQ(t.nparts, 3);
				CHECK_EQ(t.entry_size, sizes[i]);
				CHECK_EQ(m.nnotes, 0);
				CHECK(memcmp(p, w, sizeof(w)) == 0);
			}
			free(m.p);
		}
}

static void
test_read_errors(void)
{
	struct gpt_part p[8];
	struct gpt_table t;
	struct mem m;

	CHECK_EQ(make_disk(&m, 512, 8192, std_specs, 3, &t, NULL), 0);
	int64_t fails[] = { 0, 1, 2, 20, 33, 8191 };
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		m.fail_lba = fails[i];
		CHECK_EQ(parse(&m, 2048, &t, p, 8), -EIO);
		CHECK(t.reason != NULL && strcmp(t.reason, "read error") == 0);
	}
	/* The backup array is read only when the primary is bad. */
	m.fail_lba = 8191 - 32;
	CHECK_EQ(parse(&m, 2048, &t, p, 8), 0);
	hdr_at(&m, 1)[60] ^= 1;
	CHECK_EQ(parse(&m, 2048, &t, p, 8), -EIO);
	free(m.p);
}

static void
test_bad_params(void)
{
	struct gpt_disk d = { .read = mem_read, .sector_size = 1024,
	    .nsectors = 100, .buf = scratch, .buf_size = 4096 };
	struct gpt_table t;

	CHECK_EQ(gpt_read(&d, &t, NULL, 0), -EINVAL);
	d.sector_size = 4096;
	d.buf_size = 512;
	CHECK_EQ(gpt_read(&d, &t, NULL, 0), -EINVAL);
}

static void
test_writer_errors(void)
{
	struct gpt_layout l = { .sector_size = 512, .nsectors = 8192 };
	static uint8_t head[34 * 512], tail[33 * 512];
	struct gpt_part_spec s[3];
	struct gpt_table t;

#define W(n, err, ent, why) do { \
	CHECK_EQ(gpt_write(&l, s, n, head, tail, &t, NULL), err); \
	CHECK_EQ(t.entry, ent); \
	CHECK(t.reason != NULL && strcmp(t.reason, why) == 0); \
} while (0)
	memset(s, 0, sizeof(s));
	W(1, -EINVAL, 1, "missing partition type");
	s[0].type = gpt_type_zfs;
	s[0].name = "this name is longer than thirty-six u";
	W(1, -EINVAL, 1, "name longer than 36 UTF-16 units");
	s[0].name = "bad \xC3\x28 utf8";
	W(1, -EINVAL, 1, "name is not valid UTF-8");
	s[0].name = "overlong \xC0\xAF";
	W(1, -EINVAL, 1, "name is not valid UTF-8");
	s[0].name = "surrogate \xED\xA0\x80";
	W(1, -EINVAL, 1, "name is not valid UTF-8");
	s[0].name = "truncated \xE2\x98";
	W(1, -EINVAL, 1, "name is not valid UTF-8");
	s[0].name = "ok";
	s[0].count = 9000;
	W(1, -ENOSPC, 1, "does not fit on the disk");
	s[0].count = 100;
	s[1] = s[0];
	s[1].start = 2100;
	W(2, -EINVAL, 2, "overlaps another partition");
	s[1].start = 10;
	W(2, -EINVAL, 2, "start outside the usable LBA range");
	s[1].start = 0;
	s[1].count = 0;
	s[2] = s[0];
	W(3, -ENOSPC, 3, "no room left on the disk");
	CHECK_EQ(gpt_write(&l, s, 2, head, tail, &t, NULL), 0);
	l.nsectors = 67;
	W(0, -ENOSPC, 0, "disk too small for a GPT");
	l.nsectors = 68;
	CHECK_EQ(gpt_write(&l, s, 0, head, tail, &t, NULL), 0);
	l.sector_size = 520;
	W(0, -EINVAL, 0, "sector size must be 512 or 4096");
	l.sector_size = 512;
	l.nentries = 2;
	W(3, -ENOSPC, 0, "more partitions than entries");
	l.nentries = 2000;
	W(0, -EINVAL, 0, "too many partition entries");
#undef W
}

/* Random damage must give a clean answer (ASan/UBSan watch the rest). */
static void
test_random_damage(void)
{
	struct gpt_part p[8];
	struct gpt_table t;
	struct mem m, orig;
	uint32_t x = 1;

	CHECK_EQ(make_disk(&orig, 512, 300, std_specs, 0, &t, NULL), 0);
	struct gpt_part_spec s = { .type = gpt_type_zfs, .start = 100 };
	struct gpt_layout l = { .sector_size = 512, .nsectors = 300 };
	CHECK_EQ(gpt_write(&l, &s, 1, orig.p, orig.p + 267 * 512, &t, NULL), 0);
	m = orig;
	m.p = malloc(300 * 512);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(m.p, orig.p, 300 * 512);
		for (int k = 0; k < 1 + iter % 4; k++) {
			x = x * 1103515245 + 12345;
			uint32_t off = (x >> 8) % (300 * 512);
			if (iter % 2)	/* aim at the headers and first entries */
				off = off % 200 + (x & 1 ? 512 : 1024);
			m.p[off] ^= 1 << (x >> 28 & 7);
		}
		int rc = parse(&m, 512 * (1 + iter % 3), &t, p, 8);
		CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOENT);
		CHECK(rc == 0 || t.reason != NULL);
		CHECK(t.nparts <= 1);
	}
	free(m.p);
	free(orig.p);
}

int
main(void)
{
	RUN(test_guid_text);
	RUN(test_roundtrip_512);
	RUN(test_roundtrip_4096);
	RUN(test_write_sgdisk_verify);
	RUN(test_read_sgdisk_disk);
	RUN(test_primary_bad_uses_backup);
	RUN(test_both_bad_rejected);
	RUN(test_no_gpt);
	RUN(test_protective_mbr_missing);
	RUN(test_entry_ranges);
	RUN(test_header_fields);
	RUN(test_disk_grew);
	RUN(test_entry_sizes);
	RUN(test_read_errors);
	RUN(test_bad_params);
	RUN(test_writer_errors);
	RUN(test_random_damage);
	if (tmpdir[0] != '\0') {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return CHECK_DONE();
}
