/* GUID Partition Table reader and writer (UEFI spec, chapter 5).
 *
 * Pure code: compiled into the kernel (partition probe) and on the host
 * (image builder, tests, fuzzers). No allocation and no printing: the disk
 * is read through a callback into a caller-supplied buffer, diagnostics go
 * to an optional callback, and failures come back as a negative errno plus
 * a static reason string in struct gpt_table.
 *
 * GUIDs are kept as the 16 raw bytes found on disk (the first three fields
 * little-endian); gpt_guid_format()/gpt_guid_parse() convert to and from
 * the usual 8-4-4-4-12 text. */
#ifndef OSPREY_DEV_GPT_H
#define OSPREY_DEV_GPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPT_GUID_LEN		16
#define GPT_GUID_STRLEN		37	/* "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" + NUL */
#define GPT_NAME_UNITS		36	/* UTF-16 code units in an entry's name */
#define GPT_NAME_SIZE		109	/* 36 units as UTF-8 (<= 3 bytes each) + NUL */
#define GPT_MAX_ENTRIES		1024	/* entry arrays larger than this are refused */
#define GPT_MAX_ENTRY_SIZE	1024	/* spec: 128 * 2^n; we read only the first 128 */
#define GPT_DEFAULT_ENTRIES	128	/* 16 KiB array, the spec's minimum */

/* Partition type GUIDs, text form and raw on-disk bytes. */

/* Osprey ROFS v2 (read-only root filesystem). Made up for Osprey: a random
 * (version 4) GUID generated once; never change it, images carry it. */
#define GPT_TYPE_OSPREY_ROFS_STR	"8CD11EB6-AA01-44F1-9CD2-F3A5DD5D1AF7"
/* Linux filesystem data. */
#define GPT_TYPE_LINUX_FS_STR		"0FC63DAF-8483-4772-8E79-3D69D8477DE4"
/* Solaris /usr, which ZFS on Linux (zpool create on a whole disk) uses. */
#define GPT_TYPE_ZFS_STR		"6A898CC3-1DD2-11B2-99A6-080020736631"

extern const uint8_t gpt_type_osprey_rofs[GPT_GUID_LEN];
extern const uint8_t gpt_type_linux_fs[GPT_GUID_LEN];
extern const uint8_t gpt_type_zfs[GPT_GUID_LEN];

/* One used partition entry. */
struct gpt_part {
	uint32_t index;			/* GPT entry number, 1-based */
	uint8_t type[GPT_GUID_LEN];
	uint8_t uuid[GPT_GUID_LEN];	/* unique partition GUID */
	uint64_t start;			/* first LBA */
	uint64_t count;			/* length in sectors, >= 1 */
	uint64_t attrs;
	char name[GPT_NAME_SIZE];	/* UTF-8, NUL-terminated */
};

/* Reads count sectors starting at lba into buf; returns 0 or -errno. */
typedef int gpt_read_fn(void *ctx, uint64_t lba, uint32_t count, void *buf);

/* A diagnostic that does not stop parsing: a missing protective MBR, a bad
 * copy of the table, a rejected entry. where is "protective MBR",
 * "primary GPT" or "backup GPT"; entry is the 1-based entry number the
 * reason is about, or 0. E.g. the kernel prints
 *     gpt: vblk0: primary GPT: bad header CRC
 *     gpt: vblk0: primary GPT entry 3: first LBA after last LBA */
typedef void gpt_note_fn(void *ctx, const char *where, uint32_t entry,
    const char *reason);

struct gpt_disk {
	gpt_read_fn *read;
	gpt_note_fn *note;		/* may be NULL */
	void *ctx;			/* passed to read and note */
	uint32_t sector_size;		/* 512 or 4096 */
	uint64_t nsectors;		/* disk size */
	void *buf;			/* scratch for reads; at least one sector, */
	size_t buf_size;		/* larger means fewer read calls */
};

/* The table as a whole. On failure only reason and entry are meaningful. */
struct gpt_table {
	uint8_t disk_guid[GPT_GUID_LEN];
	uint64_t first_usable, last_usable;
	uint32_t nentries, entry_size;	/* the entry array */
	bool from_backup;		/* the primary was bad */
	size_t nparts;			/* partitions stored in the caller's array */
	uint32_t nrejected;		/* used entries rejected (each was noted) */
	uint32_t nomitted;		/* valid entries that did not fit */
	const char *reason;		/* why it failed, or NULL */
	uint32_t entry;			/* entry the reason is about, or 0 */
};

/* Reads the GPT of a disk into parts[0..max_parts), in entry order.
 * Returns 0; -ENOENT when the disk has no GPT at all (no signature in
 * either header and no protective MBR): use the whole disk silently;
 * -EBADMSG when there is a GPT but no valid copy of it (t->reason says
 * why); -EINVAL for a bad gpt_disk; or the read callback's error. */
int gpt_read(const struct gpt_disk *d, struct gpt_table *t,
    struct gpt_part *parts, size_t max_parts);

/* ---- writer, for the image builder ---- */

struct gpt_layout {
	uint32_t sector_size;		/* 512 or 4096 */
	uint64_t nsectors;		/* disk size */
	uint32_t nentries;		/* entry array slots; 0 means 128 */
	uint64_t align;			/* auto placement, sectors; 0 means 1 MiB */
	uint8_t disk_guid[GPT_GUID_LEN];
};

struct gpt_part_spec {
	const uint8_t *type;		/* 16 raw bytes */
	const uint8_t *uuid;		/* NULL: derived from the disk GUID */
	uint64_t start;			/* first LBA; 0: next aligned free LBA */
	uint64_t count;			/* sectors; 0: up to the last usable LBA */
	uint64_t attrs;
	const char *name;		/* UTF-8, <= 36 UTF-16 units; NULL = "" */
};

/* Sizes of the two regions gpt_write() fills: the head (protective MBR,
 * primary header and entries) starts at LBA 0, the tail (backup entries
 * and backup header) ends at the last LBA, i.e. starts at
 * nsectors - gpt_tail_sectors(). */
uint64_t gpt_head_sectors(const struct gpt_layout *l);
uint64_t gpt_tail_sectors(const struct gpt_layout *l);

/* Writes a GPT with the partitions specs[0..n) (entry numbers 1..n) into
 * head and tail, which the caller places on the disk as described above.
 * Fills t and, if parts is not NULL, parts[0..n) with what was written,
 * i.e. where auto-placed partitions landed. Returns 0, or -EINVAL/-ENOSPC
 * with t->reason (and t->entry for a bad spec). Deterministic: the same
 * arguments give the same bytes. */
int gpt_write(const struct gpt_layout *l, const struct gpt_part_spec *specs,
    size_t n, void *head, void *tail, struct gpt_table *t,
    struct gpt_part *parts);

/* ---- GUID text ---- */

/* Writes the upper-case 8-4-4-4-12 form and a NUL into out. */
void gpt_guid_format(const uint8_t guid[GPT_GUID_LEN],
    char out[GPT_GUID_STRLEN]);
/* Parses that form (either case, exactly 36 characters); 0 or -EINVAL. */
int gpt_guid_parse(const char *s, uint8_t guid[GPT_GUID_LEN]);

#endif
