/* Block layer: a registry of disks and partitions, request checking and
 * partition translation, and synchronous helpers built on bios. */
#include "arch.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "sched/sync.h"
#include <errno.h>
#include <string.h>

#define MAX_PARTS 128

/* Devices are added during boot and never removed; the list lock makes
 * adding safe against concurrent lookups anyway. */
static struct blkdev *devices, **devices_tail = &devices;
static spinlock_t devices_lock = SPINLOCK_INIT("blkdevs");
static int ndisks;

static void add_device(struct blkdev *d)
{
	unsigned long flags = spin_lock_irqsave(&devices_lock);
	d->next = NULL;
	*devices_tail = d;
	devices_tail = &d->next;
	spin_unlock_irqrestore(&devices_lock, flags);
}

struct blkdev *blk_first(void)
{
	return devices;
}

struct blkdev *blk_find(const char *name)
{
	for (struct blkdev *d = devices; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

struct blkdev *blk_find_path(const char *path)
{
	if (!path)
		return NULL;
	if (!strncmp(path, "/dev/", 5))
		path += 5;
	return blk_find(path);
}

struct blkdev *blk_find_partlabel(const char *label)
{
	for (struct blkdev *d = devices; d; d = d->next)
		if (d->parent && !strcmp(d->part_label, label))
			return d;
	return NULL;
}

struct blkdev *blk_find_parttype(const uint8_t type[GPT_GUID_LEN])
{
	for (struct blkdev *d = devices; d; d = d->next)
		if (d->parent && !memcmp(d->part_type, type, GPT_GUID_LEN))
			return d;
	return NULL;
}

int blk_submit(struct blkdev *d, struct bio *b)
{
	if (b->op != BIO_FLUSH) {
		uint64_t n = b->len / SECTOR_SIZE;
		if (b->len % SECTOR_SIZE || !n || b->len > d->max_transfer ||
		    b->sector >= d->nsectors || n > d->nsectors - b->sector)
			return -EINVAL;
		if (b->op == BIO_WRITE && d->readonly)
			return -EROFS;
	}
	if (d->parent) {
		b->sector += d->start;
		d = d->parent;
	}
	return d->ops->submit(d, b);
}

struct sync_bio {
	struct bio bio;
	struct semaphore done;
};

static void sync_done(struct bio *b)
{
	sem_up(&((struct sync_bio *)b)->done);
}

static int sync_io(struct blkdev *d, enum bio_op op, uint64_t off, void *buf, size_t len)
{
	struct sync_bio s;

	if (off % SECTOR_SIZE || len % SECTOR_SIZE)
		return -EINVAL;
	sem_init(&s.done, 0);
	do {
		size_t n = len < d->max_transfer ? len : d->max_transfer;
		s.bio = (struct bio){ .op = op, .sector = off / SECTOR_SIZE, .buf = buf,
		    .len = n, .done = sync_done };
		int err = blk_submit(d, &s.bio);
		if (err)
			return err;
		sem_down(&s.done, 0);
		if (s.bio.error)
			return s.bio.error;
		off += n;
		buf = (char *)buf + n;
		len -= n;
	} while (len);
	return 0;
}

int blk_read(struct blkdev *d, uint64_t off, void *buf, size_t len)
{
	return sync_io(d, BIO_READ, off, buf, len);
}

int blk_write(struct blkdev *d, uint64_t off, const void *buf, size_t len)
{
	return sync_io(d, BIO_WRITE, off, (void *)buf, len);
}

int blk_flush(struct blkdev *d)
{
	if (!(d->parent ? d->parent : d)->can_flush)
		return 0;	/* no volatile cache to flush */
	return sync_io(d, BIO_FLUSH, 0, NULL, 0);
}

/* A partial sector at the start or end of a byte range: read it whole,
 * patch it for a write. */
static int edge_io(struct blkdev *d, uint8_t *p, size_t n, uint64_t pos, bool write)
{
	uint8_t sector[SECTOR_SIZE];
	uint64_t base = pos & ~(uint64_t)(SECTOR_SIZE - 1);
	int err = blk_read(d, base, sector, SECTOR_SIZE);

	if (err)
		return err;
	if (!write)
		return uaccess_copy(p, sector + (pos - base), n) ? -EFAULT : 0;
	if (uaccess_copy(sector + (pos - base), p, n))
		return -EFAULT;
	return blk_write(d, base, sector, SECTOR_SIZE);
}

/* The aligned middle of a transfer, through a bounce buffer: for memory
 * outside the direct map, whose pages may not even be present yet (a
 * program's buffer), and which a device must never be pointed at. The
 * copies are checked: the program's buffer may go away meanwhile. */
static int middle_bounced(struct blkdev *d, uint8_t *p, size_t len, uint64_t pos, bool write)
{
	enum { CHUNK = 16384 };	/* small: a fragmented heap still has it */
	uint8_t *bounce = kmalloc(len < CHUNK ? len : CHUNK);
	int err = bounce ? 0 : -ENOMEM;

	for (size_t off = 0; !err && off < len; off += CHUNK) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		if (write) {
			err = uaccess_copy(bounce, p + off, n) ? -EFAULT :
			    blk_write(d, pos + off, bounce, n);
		} else if (!(err = blk_read(d, pos + off, bounce, n)) &&
		    uaccess_copy(p + off, bounce, n)) {
			err = -EFAULT;
		}
	}
	kfree(bounce);
	return err;
}

static bool in_direct_map(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	return a >= DIRECT_MAP_BASE && a + len <= VMAP_BASE && a + len >= a;
}

/* Byte-granular I/O: the sector-aligned middle goes straight to or from
 * a kernel buffer; partial sectors at the edges take a detour. Returns the
 * bytes done (short at the device's end). */
static long byte_io(struct blkdev *d, uint8_t *p, size_t len, uint64_t pos, bool write)
{
	uint64_t size = d->nsectors * SECTOR_SIZE;

	if (pos >= size)
		return write && len ? -ENOSPC : 0;
	if (len > size - pos)
		len = size - pos;
	size_t done = 0;
	int err = 0;
	size_t head = pos % SECTOR_SIZE ? SECTOR_SIZE - pos % SECTOR_SIZE : 0;
	if (head > len)
		head = len;
	if (head)
		err = edge_io(d, p, head, pos, write);
	done = err ? 0 : head;
	size_t middle = (len - done) & ~(size_t)(SECTOR_SIZE - 1);
	if (!err && middle && !in_direct_map(p + done, middle)) {
		err = middle_bounced(d, p + done, middle, pos + done, write);
		if (!err)
			done += middle;
	} else if (!err && middle) {
		err = write ? blk_write(d, pos + done, p + done, middle) :
		    blk_read(d, pos + done, p + done, middle);
		if (!err)
			done += middle;
	}
	if (!err && done < len) {
		err = edge_io(d, p + done, len - done, pos + done, write);
		if (!err)
			done = len;
	}
	return done ? (long)done : err;
}

long blk_pread(struct blkdev *d, void *buf, size_t len, uint64_t pos)
{
	return byte_io(d, buf, len, pos, false);
}

long blk_pwrite(struct blkdev *d, const void *buf, size_t len, uint64_t pos)
{
	return byte_io(d, (void *)buf, len, pos, true);
}

/* The GPT lives in the first and last 34 sectors. Each request is a round
 * trip to the host, so both ends are read once, whole, and the parser's
 * reads are served from them. */
#define GPT_END_SECTORS 34

struct gpt_reader {
	struct blkdev *disk;
	uint8_t *head, *tail;		/* first and last GPT_END_SECTORS sectors */
	uint64_t tail_lba;
};

static int gpt_read_cb(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct gpt_reader *r = ctx;

	if (lba + count <= GPT_END_SECTORS && r->head) {
		memcpy(buf, r->head + lba * SECTOR_SIZE, (size_t)count * SECTOR_SIZE);
		return 0;
	}
	if (lba >= r->tail_lba && r->tail) {
		uint64_t end = r->tail_lba + GPT_END_SECTORS;
		if (lba + count <= end) {
			memcpy(buf, r->tail + (lba - r->tail_lba) * SECTOR_SIZE,
			    (size_t)count * SECTOR_SIZE);
			return 0;
		}
	}
	return blk_read(r->disk, lba * SECTOR_SIZE, buf, (size_t)count * SECTOR_SIZE);
}

static void gpt_reader_init(struct gpt_reader *r, struct blkdev *disk)
{
	size_t len = GPT_END_SECTORS * SECTOR_SIZE;

	r->disk = disk;
	r->head = r->tail = NULL;
	if (disk->nsectors < 2 * GPT_END_SECTORS)
		return;
	r->tail_lba = disk->nsectors - GPT_END_SECTORS;
	r->head = kmalloc(len);
	r->tail = kmalloc(len);
	if (r->head && blk_read(disk, 0, r->head, len)) {
		kfree(r->head);
		r->head = NULL;
	}
	if (r->tail && blk_read(disk, r->tail_lba * SECTOR_SIZE, r->tail, len)) {
		kfree(r->tail);
		r->tail = NULL;
	}
}

static void gpt_note_cb(void *ctx, const char *where, uint32_t entry, const char *reason)
{
	struct blkdev *d = ((struct gpt_reader *)ctx)->disk;

	if (entry)
		pr_warn("gpt: %s: %s entry %u: %s\n", d->name, where, entry, reason);
	else
		pr_warn("gpt: %s: %s: %s\n", d->name, where, reason);
}

static void add_partition(struct blkdev *disk, const struct gpt_part *p)
{
	struct blkdev *d = kzalloc(sizeof(*d));

	if (!d)
		return;
	snprintf(d->name, sizeof(d->name), "%s.%u", disk->name, p->index);
	d->nsectors = p->count;
	d->start = p->start;
	d->parent = disk;
	d->block_size = disk->block_size;
	d->max_transfer = disk->max_transfer;
	d->readonly = disk->readonly;
	d->can_flush = disk->can_flush;
	d->part_index = p->index;
	memcpy(d->part_type, p->type, GPT_GUID_LEN);
	strlcpy(d->part_label, p->name, sizeof(d->part_label));
	add_device(d);
	pr_info("blk: %s: %lu sectors at %lu, label '%s'\n", d->name, d->nsectors,
	    d->start, d->part_label);
}

static void probe_partitions(struct blkdev *disk)
{
	struct gpt_part *parts = kmalloc(sizeof(*parts) * MAX_PARTS);
	void *buf = kmalloc(16384);
	struct gpt_table t;
	struct gpt_reader reader = { 0 };

	if (!parts || !buf)
		goto out;
	gpt_reader_init(&reader, disk);
	struct gpt_disk gd = {
		.read = gpt_read_cb, .note = gpt_note_cb, .ctx = &reader,
		.sector_size = SECTOR_SIZE, .nsectors = disk->nsectors,
		.buf = buf, .buf_size = 16384,
	};
	int err = gpt_read(&gd, &t, parts, MAX_PARTS);
	if (err == -EBADMSG) {
		pr_err("gpt: %s: partition table rejected: %s%s; the whole disk stays usable\n",
		    disk->name, t.reason, t.entry ? " (in an entry)" : "");
	} else if (err < 0 && err != -ENOENT) {
		pr_err("gpt: %s: cannot read the partition table (error %d)\n", disk->name, err);
	} else if (!err) {
		if (t.from_backup)
			pr_warn("gpt: %s: using the backup partition table\n", disk->name);
		for (size_t i = 0; i < t.nparts; i++)
			add_partition(disk, &parts[i]);
	}
out:
	kfree(reader.head);
	kfree(reader.tail);
	kfree(parts);
	kfree(buf);
}

int blk_register_disk(struct blkdev *d)
{
	unsigned long flags = spin_lock_irqsave(&devices_lock);
	int n = ndisks++;
	spin_unlock_irqrestore(&devices_lock, flags);
	snprintf(d->name, sizeof(d->name), "vblk%d", n);
	add_device(d);
	pr_info("blk: %s: %lu MiB%s%s\n", d->name, d->nsectors >> 11,
	    d->readonly ? ", read-only" : "", d->can_flush ? ", write cache" : "");
	probe_partitions(d);
	return 0;
}
