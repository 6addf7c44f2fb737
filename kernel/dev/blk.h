/* The block layer: disks and their GPT partitions by name (vblk0,
 * vblk0.1, ...), asynchronous requests with completion callbacks, and
 * synchronous helpers. Filesystems use this, never a driver. */
#ifndef DEV_BLK_H
#define DEV_BLK_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "dev/gpt.h"

#define SECTOR_SIZE	512
#define BLK_NAME_MAX	16

enum bio_op { BIO_READ, BIO_WRITE, BIO_FLUSH };

struct bio;
typedef void (*bio_done_fn)(struct bio *b);

/* One request. `sector` counts 512-byte units from the start of the device
 * it is submitted to (a partition translates it in place). `done` runs in
 * interrupt context and must not sleep. */
struct bio {
	enum bio_op op;
	uint64_t sector;
	void *buf;
	size_t len;		/* a multiple of 512, at most dev->max_transfer */
	bio_done_fn done;
	void *priv;
	int error;		/* 0 or -errno, set before done() */
};

struct blkdev;
struct blkdev_ops {
	int (*submit)(struct blkdev *d, struct bio *b);
};

struct blkdev {
	char name[BLK_NAME_MAX];
	uint64_t nsectors;		/* 512-byte sectors */
	uint32_t block_size;		/* the device's preferred I/O unit */
	uint32_t max_transfer;		/* bytes per bio */
	bool readonly, can_flush;
	struct blkdev *parent;		/* partitions: the whole disk */
	uint64_t start;			/* partitions: first sector on parent */
	uint32_t part_index;		/* GPT entry number, 0 for a disk */
	uint8_t part_type[GPT_GUID_LEN];
	char part_label[GPT_NAME_SIZE];
	const struct blkdev_ops *ops;	/* disks only */
	void *priv;
	struct blkdev *next;
};

/* Drivers: registers a disk (named by the block layer: vblkN) and probes
 * its GPT, registering the partitions found. */
int blk_register_disk(struct blkdev *d);

int blk_submit(struct blkdev *d, struct bio *b);
/* Synchronous I/O of any length (split as needed); offsets in bytes, which
 * must be multiples of 512. */
int blk_read(struct blkdev *d, uint64_t off, void *buf, size_t len);
int blk_write(struct blkdev *d, uint64_t off, const void *buf, size_t len);
int blk_flush(struct blkdev *d);
/* Any byte range; returns bytes done (short at the end) or -errno. */
long blk_pread(struct blkdev *d, void *buf, size_t len, uint64_t pos);
long blk_pwrite(struct blkdev *d, const void *buf, size_t len, uint64_t pos);

struct blkdev *blk_find(const char *name);		/* "vblk0", "vblk0.2" */
struct blkdev *blk_find_path(const char *path);	/* also "/dev/vblk0.2" */
struct blkdev *blk_find_partlabel(const char *label);
struct blkdev *blk_first(void);				/* then d->next */
/* The first partition with this GPT type, or NULL. */
struct blkdev *blk_find_parttype(const uint8_t type[GPT_GUID_LEN]);

#endif
