/* Block layer self-test: many requests in flight on the last disk, a flush,
 * and a read-back. tests/boot checks the same bytes in the host's file. */
#include "test/tests.h"
#include "dev/blk.h"
#include "mm/mm.h"
#include "sched/sync.h"
#include "fs/vfs.h"
#include "lib/printf.h"
#include <errno.h>
#include <string.h>

#define TEST_OFFSET	(4u << 20)
#define CHUNK		16384
#define NCHUNKS		64

struct inflight {
	struct semaphore done;
	int errors;
};

static void chunk_done(struct bio *b)
{
	struct inflight *f = b->priv;

	if (b->error)
		__atomic_add_fetch(&f->errors, 1, __ATOMIC_SEQ_CST);
	sem_up(&f->done);
}

/* The pattern the boot test expects: each 16-byte line names its offset. */
static void fill_pattern(uint8_t *buf, size_t len, uint64_t base)
{
	for (size_t i = 0; i < len; i += 16) {
		uint64_t off = base + i;
		memcpy(buf + i, "osprey:", 7);
		for (int k = 0; k < 8; k++)
			buf[i + 7 + k] = "0123456789abcdef"[(off >> (28 - 4 * k)) & 15];
		buf[i + 15] = '\n';
	}
}

int test_blk(void)
{
	struct blkdev *disk = NULL;

	for (struct blkdev *d = blk_first(); d; d = d->next)
		if (!d->parent)
			disk = d;
	EXPECT(disk);
	EXPECT(disk->nsectors * SECTOR_SIZE >= TEST_OFFSET + NCHUNKS * CHUNK);
	printk("  blk: writing %d KiB to %s in %d requests at once\n",
	    NCHUNKS * CHUNK / 1024, disk->name, NCHUNKS);
	uint8_t *buf = kmalloc(NCHUNKS * CHUNK);
	struct bio *bios = kzalloc(sizeof(*bios) * NCHUNKS);
	EXPECT(buf && bios);
	fill_pattern(buf, NCHUNKS * CHUNK, TEST_OFFSET);
	struct inflight f = { .errors = 0 };
	sem_init(&f.done, 0);
	for (int i = 0; i < NCHUNKS; i++) {
		bios[i] = (struct bio){ .op = BIO_WRITE, .sector = (TEST_OFFSET + i * CHUNK) / SECTOR_SIZE,
		    .buf = buf + i * CHUNK, .len = CHUNK, .done = chunk_done, .priv = &f };
		EXPECT(blk_submit(disk, &bios[i]) == 0);
	}
	for (int i = 0; i < NCHUNKS; i++)
		EXPECT(sem_down(&f.done, clock_ns() + 30000000000ULL) == 0);
	EXPECT(f.errors == 0);
	EXPECT(blk_flush(disk) == 0);
	memset(buf, 0, NCHUNKS * CHUNK);
	EXPECT(blk_read(disk, TEST_OFFSET, buf, NCHUNKS * CHUNK) == 0);
	uint8_t line[16];
	for (int i = 0; i < NCHUNKS * CHUNK; i += 16) {
		fill_pattern(line, 16, TEST_OFFSET + i);
		EXPECT(memcmp(buf + i, line, 16) == 0);
	}
	/* Out-of-range and misaligned requests are refused, not sent. */
	EXPECT(blk_read(disk, disk->nsectors * SECTOR_SIZE, buf, SECTOR_SIZE) < 0);
	EXPECT(blk_read(disk, 100, buf, SECTOR_SIZE) < 0);
	kfree(buf);
	kfree(bios);
	return 0;
}

/* The last disk is read-only (QEMU readonly=on): writes are refused with
 * EROFS by the block layer and by its device file, reads still work. */
int test_blk_readonly(void)
{
	struct blkdev *disk = NULL;
	char buf[SECTOR_SIZE];

	for (struct blkdev *d = blk_first(); d; d = d->next)
		if (!d->parent)
			disk = d;
	EXPECT(disk && disk->readonly);
	EXPECT(blk_read(disk, 0, buf, sizeof(buf)) == 0);
	EXPECT(blk_write(disk, 0, buf, sizeof(buf)) == -EROFS);
	char path[32];
	snprintf(path, sizeof(path), "/dev/%s", disk->name);
	struct file *f;
	EXPECT(vfs_open(path, O_RDWR, 0, &f) == -EROFS);
	EXPECT(vfs_open(path, O_RDONLY, 0, &f) == 0);
	file_rele(f);
	return 0;
}
