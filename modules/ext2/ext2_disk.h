/*
 * ext2 on-disk reader: pure code shared by the ext2 module (ext2_vfs.c) and
 * the host unit test. It never allocates and never prints: image bytes come
 * through a read callback, corruption is reported through an error hook, and
 * a small LRU of metadata blocks (superblock-sized structures, inode tables,
 * directories, indirect blocks) lives inside struct ext2_fs.
 *
 * One struct ext2_fs must not be used by two threads at once (the block
 * cache is inside it); the module serializes calls with a mutex per mount.
 * Functions return 0 (or a count) on success and a negative errno on
 * failure: -EIO for a corrupt image (after calling the error hook with what
 * was wrong and the inode and block concerned), -EINVAL/-EOPNOTSUPP when
 * mounting an image we refuse (fs->reason says why), -ENOENT, -ENOTDIR,
 * -EINVAL for ordinary failures, or what the read callback returned.
 */
#ifndef OSPREY_EXT2_DISK_H
#define OSPREY_EXT2_DISK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXT2_MAGIC		0xEF53
#define EXT2_ROOT_INO		2
#define EXT2_NAME_MAX		255
#define EXT2_MIN_BLOCK_LOG	10		/* 1 KiB */
#define EXT2_MAX_BLOCK_LOG	12		/* 4 KiB, Linux's limit on x86 */
#define EXT2_MAX_BLOCK		(1u << EXT2_MAX_BLOCK_LOG)
#define EXT2_CACHE_SLOTS	8
#define EXT2_NO_INO		0		/* "no inode" in error reports */
#define EXT2_NO_BLOCK		UINT64_MAX

/* Incompatible features (a reader must understand every one set). */
#define EXT2_INCOMPAT_COMPRESSION	0x0001
#define EXT2_INCOMPAT_FILETYPE		0x0002
#define EXT2_INCOMPAT_RECOVER		0x0004
#define EXT2_INCOMPAT_JOURNAL_DEV	0x0008
#define EXT2_INCOMPAT_META_BG		0x0010
#define EXT2_INCOMPAT_EXTENTS		0x0040
#define EXT2_INCOMPAT_64BIT		0x0080
#define EXT2_INCOMPAT_MMP		0x0100
#define EXT2_INCOMPAT_FLEX_BG		0x0200
#define EXT2_INCOMPAT_EA_INODE		0x0400
#define EXT2_INCOMPAT_DIRDATA		0x1000
#define EXT2_INCOMPAT_CSUM_SEED		0x2000
#define EXT2_INCOMPAT_LARGEDIR		0x4000
#define EXT2_INCOMPAT_INLINE_DATA	0x8000
#define EXT2_INCOMPAT_ENCRYPT		0x10000
#define EXT2_INCOMPAT_CASEFOLD		0x20000
/* What this reader handles: file types in entries, and flex_bg (which only
 * moves bitmaps and inode tables; the descriptors still say where). */
#define EXT2_INCOMPAT_SUPPORTED	(EXT2_INCOMPAT_FILETYPE | EXT2_INCOMPAT_FLEX_BG)

#define EXT2_RO_COMPAT_LARGE_FILE	0x0002
#define EXT2_RO_COMPAT_HUGE_FILE	0x0008

/* Reads len image bytes at off into buf; returns 0 or a negative errno. */
typedef int (*ext2_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);
/* Reports corruption: what is wrong, the inode (or EXT2_NO_INO) and the
 * block (or EXT2_NO_BLOCK) concerned. */
typedef void (*ext2_error_fn)(void *ctx, const char *what, uint32_t ino, uint64_t blk);

struct ext2_super {
	uint32_t inodes_count, blocks_count, r_blocks_count;
	uint32_t free_blocks, free_inodes;
	uint32_t first_data_block, log_block_size;
	uint32_t blocks_per_group, inodes_per_group;
	uint16_t state, errors;
	uint32_t creator_os, rev_level;
	uint32_t first_ino;
	uint16_t inode_size;
	uint32_t compat, incompat, ro_compat;
	uint8_t uuid[16];
	char volume_name[17];		/* NUL-terminated */
};

struct ext2_fs {
	ext2_read_fn read;
	ext2_error_fn error;
	void *ctx;
	struct ext2_super sb;
	uint32_t block_size;
	uint32_t groups;
	uint32_t ptrs;			/* block numbers per indirect block */
	const char *reason;		/* why ext2_mount refused, or NULL */
	char reason_buf[160];
	/* LRU of metadata blocks. */
	struct {
		uint64_t blk;
		uint32_t used;		/* clock of the last use; 0 = empty */
	} slot[EXT2_CACHE_SLOTS];
	uint32_t clock;
	uint8_t cache[EXT2_CACHE_SLOTS][EXT2_MAX_BLOCK];
};

struct ext2_inode {
	uint32_t ino;
	uint16_t mode;			/* S_IF* | permissions, as on disk */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;
	int64_t atime, mtime, ctime;	/* ns since 1970 */
	uint64_t blocks;		/* 512-byte units */
	uint32_t flags;
	uint64_t rdev;			/* Linux dev_t of a device node */
	uint32_t block[15];		/* the block map (or a fast symlink) */
	bool fast_symlink;
};

struct ext2_dirent {
	uint32_t ino;
	uint8_t type;			/* DT_*, DT_UNKNOWN without the filetype feature */
	uint8_t name_len;
	char name[EXT2_NAME_MAX + 1];	/* NUL-terminated */
};

/* Reads and checks the superblock. Refusals (not ext2, unsupported
 * features or block size) set fs->reason; dev_size (bytes, 0 if unknown)
 * bounds the filesystem. */
int ext2_mount(struct ext2_fs *fs, ext2_read_fn read, ext2_error_fn error, void *ctx,
    uint64_t dev_size);

int ext2_inode_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);

/* Directories. lookup finds name (len bytes; ".." works too). iter reads
 * the entry at or after the byte offset *pos, skipping free slots, "." and
 * "..", and sets *pos past it: 1 with *de filled, 0 at the end. */
int ext2_dir_lookup(struct ext2_fs *fs, const struct ext2_inode *dir,
    const char *name, size_t len, uint32_t *ino);
int ext2_dir_iter(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *pos,
    struct ext2_dirent *de);

/* Copies at most cap bytes of a symlink's target; returns the count. */
int ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *in, char *buf, size_t cap);

/* Reads file bytes (holes read as zeros); returns the count, 0 at the end. */
long ext2_file_read(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t off,
    void *buf, size_t len);

/* Physical block of logical block lblk of a file: 0 for a hole. */
int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t lblk,
    uint64_t *pblk);

#endif
