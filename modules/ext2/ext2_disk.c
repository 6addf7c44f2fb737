/*
 * ext2 reader (read-only). Pure: compiled into the ext2 module and into the
 * host unit test alike, so it trusts nothing it reads: every block number,
 * length and count from the image is checked before use, and a corrupt
 * image gives -EIO plus a call of the error hook naming the inode/block.
 *
 * Walks always end on a hostile image: block maps are at most three levels
 * deep, directories are scanned within their (32-bit) size, and every
 * directory record must advance by at least 12 bytes inside its block.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include "ext2_disk.h"
#include "lib/endian.h"

#define SB_OFFSET		1024
#define SB_SIZE			1024
#define DESC_SIZE		32
#define GOOD_OLD_INODE_SIZE	128
#define GOOD_OLD_FIRST_INO	11
#define NDIR			12		/* direct block pointers */
#define IND			12
#define DIND			13
#define TIND			14
#define DIRENT_MIN		12		/* header + a 1..4 byte name */
#define FAST_LINK_MAX		60		/* bytes of i_block */

/* Inode flags this reader cares about. */
#define FL_HUGE_FILE		0x00040000	/* i_blocks counts fs blocks */
#define FL_EXTENTS		0x00080000
#define FL_INLINE_DATA		0x10000000

/* File types (S_IFMT >> 12) and directory-entry types. */
#define T_FIFO	1
#define T_CHR	2
#define T_DIR	4
#define T_BLK	6
#define T_REG	8
#define T_LNK	10
#define T_SOCK	12

static int corrupt(struct ext2_fs *fs, const char *what, uint32_t ino, uint64_t blk)
{
	if (fs->error)
		fs->error(fs->ctx, what, ino, blk);
	return -EIO;
}

/* ---- refusal reasons (no snprintf: this file is freestanding) ---- */
static void reason_add(struct ext2_fs *fs, const char *s)
{
	size_t n = strlen(fs->reason_buf);

	while (*s && n + 1 < sizeof(fs->reason_buf))
		fs->reason_buf[n++] = *s++;
	fs->reason_buf[n] = 0;
	fs->reason = fs->reason_buf;
}

static void reason_num(struct ext2_fs *fs, uint64_t v)
{
	char d[21];
	int i = sizeof(d) - 1;

	d[i] = 0;
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	reason_add(fs, d + i);
}

static int refuse(struct ext2_fs *fs, const char *what, uint64_t num, const char *tail)
{
	reason_add(fs, what);
	if (tail) {
		reason_num(fs, num);
		reason_add(fs, tail);
	}
	return -EINVAL;
}

static const struct {
	uint32_t bit;
	const char *name;
} incompat_names[] = {
	{ EXT2_INCOMPAT_COMPRESSION, "compression" },
	{ EXT2_INCOMPAT_RECOVER, "needs_recovery" },
	{ EXT2_INCOMPAT_JOURNAL_DEV, "journal_dev" },
	{ EXT2_INCOMPAT_META_BG, "meta_bg" },
	{ EXT2_INCOMPAT_EXTENTS, "extents" },
	{ EXT2_INCOMPAT_64BIT, "64bit" },
	{ EXT2_INCOMPAT_MMP, "mmp" },
	{ EXT2_INCOMPAT_EA_INODE, "ea_inode" },
	{ EXT2_INCOMPAT_DIRDATA, "dirdata" },
	{ EXT2_INCOMPAT_CSUM_SEED, "metadata_csum_seed" },
	{ EXT2_INCOMPAT_LARGEDIR, "large_dir" },
	{ EXT2_INCOMPAT_INLINE_DATA, "inline_data" },
	{ EXT2_INCOMPAT_ENCRYPT, "encrypt" },
	{ EXT2_INCOMPAT_CASEFOLD, "casefold" },
};

static int refuse_features(struct ext2_fs *fs, uint32_t bits)
{
	reason_add(fs, "unsupported incompatible features:");
	for (size_t i = 0; i < sizeof(incompat_names) / sizeof(incompat_names[0]); i++) {
		if (bits & incompat_names[i].bit) {
			reason_add(fs, " ");
			reason_add(fs, incompat_names[i].name);
			bits &= ~incompat_names[i].bit;
		}
	}
	if (bits) {
		reason_add(fs, " unknown(0x");
		for (int sh = 28; sh >= 0; sh -= 4) {
			char c[2] = { "0123456789abcdef"[(bits >> sh) & 15], 0 };
			reason_add(fs, c);
		}
		reason_add(fs, ")");
	}
	return -EINVAL;
}

/* ---- the metadata block cache ---- */
static bool block_valid(const struct ext2_fs *fs, uint64_t blk)
{
	return blk >= fs->sb.first_data_block && blk < fs->sb.blocks_count;
}

/* A metadata block, from the cache or read now; valid until the next call.
 * ino names the inode the block belongs to, for error reports. */
static int block_get(struct ext2_fs *fs, uint64_t blk, uint32_t ino, const uint8_t **out)
{
	unsigned victim = 0;

	if (!block_valid(fs, blk))
		return corrupt(fs, "block number out of range", ino, blk);
	if (++fs->clock == 0) {		/* wrapped: start the ages over */
		for (unsigned i = 0; i < EXT2_CACHE_SLOTS; i++)
			fs->slot[i].used = 0;
		fs->clock = 1;
	}
	for (unsigned i = 0; i < EXT2_CACHE_SLOTS; i++) {
		if (fs->slot[i].used && fs->slot[i].blk == blk) {
			fs->slot[i].used = fs->clock;
			*out = fs->cache[i];
			return 0;
		}
		if (fs->slot[i].used < fs->slot[victim].used)
			victim = i;
	}
	fs->slot[victim].used = 0;	/* empty until the read succeeds */
	int err = fs->read(fs->ctx, blk * fs->block_size, fs->cache[victim], fs->block_size);
	if (err) {
		corrupt(fs, "cannot read block", ino, blk);
		return err;
	}
	fs->slot[victim].blk = blk;
	fs->slot[victim].used = fs->clock;
	*out = fs->cache[victim];
	return 0;
}

/* ---- superblock ---- */
static void parse_super(struct ext2_super *sb, const uint8_t *p)
{
	sb->inodes_count = le32(p + 0);
	sb->blocks_count = le32(p + 4);
	sb->r_blocks_count = le32(p + 8);
	sb->free_blocks = le32(p + 12);
	sb->free_inodes = le32(p + 16);
	sb->first_data_block = le32(p + 20);
	sb->log_block_size = le32(p + 24);
	sb->blocks_per_group = le32(p + 32);
	sb->inodes_per_group = le32(p + 40);
	sb->state = le16(p + 58);
	sb->errors = le16(p + 60);
	sb->creator_os = le32(p + 72);
	sb->rev_level = le32(p + 76);
	if (sb->rev_level >= 1) {
		sb->first_ino = le32(p + 84);
		sb->inode_size = le16(p + 88);
		sb->compat = le32(p + 92);
		sb->incompat = le32(p + 96);
		sb->ro_compat = le32(p + 100);
		memcpy(sb->uuid, p + 104, 16);
		memcpy(sb->volume_name, p + 120, 16);
	} else {	/* revision 0: fixed inode size, no feature flags */
		sb->first_ino = GOOD_OLD_FIRST_INO;
		sb->inode_size = GOOD_OLD_INODE_SIZE;
	}
	sb->volume_name[16] = 0;
}

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Geometry checks: everything later code divides by or indexes with. */
static int check_geometry(struct ext2_fs *fs, uint64_t dev_size)
{
	const struct ext2_super *sb = &fs->sb;
	uint32_t bs = fs->block_size;

	if (sb->inode_size < GOOD_OLD_INODE_SIZE || sb->inode_size > bs ||
	    (sb->inode_size & (sb->inode_size - 1)))
		return refuse(fs, "bad superblock: inode size ", sb->inode_size, "");
	if (sb->first_data_block != (bs == 1024 ? 1u : 0u))
		return refuse(fs, "bad superblock: first data block ", sb->first_data_block, "");
	if (sb->blocks_count <= sb->first_data_block + 1)
		return refuse(fs, "bad superblock: ", sb->blocks_count, " blocks");
	if (!sb->blocks_per_group || sb->blocks_per_group > 8 * bs)
		return refuse(fs, "bad superblock: ", sb->blocks_per_group, " blocks per group");
	if (!sb->inodes_per_group || sb->inodes_per_group > 8 * bs)
		return refuse(fs, "bad superblock: ", sb->inodes_per_group, " inodes per group");
	fs->groups = (uint32_t)div_up(sb->blocks_count - sb->first_data_block, sb->blocks_per_group);
	if (sb->inodes_count < EXT2_ROOT_INO ||
	    sb->inodes_count > (uint64_t)fs->groups * sb->inodes_per_group)
		return refuse(fs, "bad superblock: ", sb->inodes_count, " inodes");
	if (sb->first_ino < GOOD_OLD_FIRST_INO && sb->rev_level >= 1)
		return refuse(fs, "bad superblock: first inode ", sb->first_ino, "");
	uint64_t gdt_blocks = div_up((uint64_t)fs->groups * DESC_SIZE, bs);
	if (sb->first_data_block + 1 + gdt_blocks > sb->blocks_count)
		return refuse(fs, "bad superblock: group descriptors past the end", 0, NULL);
	if (dev_size && (uint64_t)sb->blocks_count * bs > dev_size)
		return refuse(fs, "filesystem of ", (uint64_t)sb->blocks_count * bs,
		    " bytes is larger than its device");
	return 0;
}

int ext2_mount(struct ext2_fs *fs, ext2_read_fn read, ext2_error_fn error, void *ctx,
    uint64_t dev_size)
{
	memset(fs, 0, sizeof(*fs));
	fs->read = read;
	fs->error = error;
	fs->ctx = ctx;
	uint8_t *p = fs->cache[0];	/* scratch: the cache is still empty */
	int err = read(ctx, SB_OFFSET, p, SB_SIZE);
	if (err) {
		reason_add(fs, "cannot read the superblock");
		return err;
	}
	if (le16(p + 56) != EXT2_MAGIC)
		return refuse(fs, "not an ext2 filesystem (no magic number)", 0, NULL);
	parse_super(&fs->sb, p);
	struct ext2_super *sb = &fs->sb;
	if (sb->rev_level > 1)
		return refuse(fs, "unknown ext2 revision ", sb->rev_level, "");
	if (sb->log_block_size > EXT2_MAX_BLOCK_LOG - EXT2_MIN_BLOCK_LOG)
		return refuse(fs, "block size 2^", sb->log_block_size + EXT2_MIN_BLOCK_LOG,
		    " not supported (1, 2 and 4 KiB are)");
	if (sb->incompat & ~EXT2_INCOMPAT_SUPPORTED)
		return refuse_features(fs, sb->incompat & ~EXT2_INCOMPAT_SUPPORTED);
	fs->block_size = 1024u << sb->log_block_size;
	fs->ptrs = fs->block_size / 4;
	err = check_geometry(fs, dev_size);
	if (err)
		return err;

	struct ext2_inode root;
	err = ext2_inode_get(fs, EXT2_ROOT_INO, &root);
	if (!err && (root.mode & 0170000) != 0040000)
		err = corrupt(fs, "root is not a directory", EXT2_ROOT_INO, EXT2_NO_BLOCK);
	if (err)
		reason_add(fs, "cannot read the root directory");
	return err;
}

/* ---- inodes ---- */
static int64_t decode_time(const uint8_t *in, size_t extra_len, unsigned at, unsigned extra_at)
{
	int64_t sec = (int32_t)le32(in + at);
	uint32_t nsec = 0;

	/* The extra word: 2 epoch bits extending seconds past 2038, then ns. */
	if (extra_at + 4 <= GOOD_OLD_INODE_SIZE + extra_len) {
		uint32_t x = le32(in + extra_at);
		sec += (int64_t)(x & 3) << 32;
		nsec = x >> 2;
		if (nsec > 999999999)
			nsec = 0;
	}
	/* Nanoseconds in an int64_t end in 2262; the epoch bits reach 2446. */
	if (sec > INT64_MAX / 1000000000LL - 1) {
		sec = INT64_MAX / 1000000000LL - 1;
		nsec = 0;
	}
	return sec * 1000000000LL + nsec;
}

/* Bytes a block map can address: 12 + p + p^2 + p^3 blocks. */
static uint64_t map_limit(const struct ext2_fs *fs)
{
	uint64_t p = fs->ptrs;

	return (NDIR + p + p * p + p * p * p) * (uint64_t)fs->block_size;
}

static int check_inode(struct ext2_fs *fs, struct ext2_inode *in, uint32_t file_acl)
{
	uint32_t ino = in->ino;
	unsigned t = in->mode >> 12;

	if (!in->nlink)
		return corrupt(fs, "inode is not in use", ino, EXT2_NO_BLOCK);
	if (t != T_FIFO && t != T_CHR && t != T_DIR && t != T_BLK && t != T_REG &&
	    t != T_LNK && t != T_SOCK)
		return corrupt(fs, "bad file type in inode mode", ino, EXT2_NO_BLOCK);
	if (in->flags & (FL_EXTENTS | FL_INLINE_DATA))
		return corrupt(fs, "inode uses extents or inline data", ino, EXT2_NO_BLOCK);
	if (in->size > map_limit(fs))
		return corrupt(fs, "size beyond what the block map addresses", ino, EXT2_NO_BLOCK);
	if (t == T_DIR && (!in->size || in->size % fs->block_size))
		return corrupt(fs, "directory size not a whole number of blocks", ino,
		    EXT2_NO_BLOCK);
	if (t == T_LNK) {
		uint64_t ea = file_acl ? fs->block_size / 512 : 0;
		if (!in->size || in->size >= fs->block_size)
			return corrupt(fs, "bad symlink length", ino, EXT2_NO_BLOCK);
		in->fast_symlink = in->size < FAST_LINK_MAX && in->blocks == ea;
	}
	return 0;
}

static void parse_inode(struct ext2_fs *fs, struct ext2_inode *in, const uint8_t *p)
{
	size_t extra = 0;

	if (fs->sb.inode_size > GOOD_OLD_INODE_SIZE) {
		extra = le16(p + GOOD_OLD_INODE_SIZE);
		if (extra > (size_t)fs->sb.inode_size - GOOD_OLD_INODE_SIZE)
			extra = 0;	/* nonsense: ignore the extra fields */
	}
	in->mode = le16(p + 0);
	in->uid = le16(p + 2) | (uint32_t)le16(p + 120) << 16;
	in->gid = le16(p + 24) | (uint32_t)le16(p + 122) << 16;
	in->size = le32(p + 4);
	if ((in->mode >> 12) == T_REG)
		in->size |= (uint64_t)le32(p + 108) << 32;
	in->atime = decode_time(p, extra, 8, 140);
	in->ctime = decode_time(p, extra, 12, 132);
	in->mtime = decode_time(p, extra, 16, 136);
	in->nlink = le16(p + 26);
	in->flags = le32(p + 32);
	in->blocks = le32(p + 28);
	if (fs->sb.ro_compat & EXT2_RO_COMPAT_HUGE_FILE) {
		in->blocks |= (uint64_t)le16(p + 116) << 32;
		if (in->flags & FL_HUGE_FILE)
			in->blocks *= fs->block_size / 512;
	}
	for (int i = 0; i < 15; i++)
		in->block[i] = le32(p + 40 + 4 * i);
	/* Device numbers: old 8:8 encoding in block[0], else the new one in
	 * block[1] (which is Linux's dev_t layout for 32 bits). */
	unsigned t = in->mode >> 12;
	if (t == T_CHR || t == T_BLK)
		in->rdev = in->block[0] ? (in->block[0] & 0xffff) : in->block[1];
}

/* Where inode ino's record is: its block and the offset inside. */
static int inode_location(struct ext2_fs *fs, uint32_t ino, uint64_t *blk, uint32_t *within)
{
	const struct ext2_super *sb = &fs->sb;
	uint32_t group = (ino - 1) / sb->inodes_per_group;
	uint32_t index = (ino - 1) % sb->inodes_per_group;
	uint32_t per_block = fs->block_size / DESC_SIZE;
	uint64_t dblk = sb->first_data_block + 1 + group / per_block;
	const uint8_t *d;

	int err = block_get(fs, dblk, ino, &d);
	if (err)
		return err;
	uint64_t table = le32(d + (group % per_block) * DESC_SIZE + 8);
	uint64_t table_blocks = div_up((uint64_t)sb->inodes_per_group * sb->inode_size,
	    fs->block_size);
	if (!block_valid(fs, table) || table + table_blocks > sb->blocks_count)
		return corrupt(fs, "group descriptor: inode table out of range", ino, dblk);
	uint64_t off = (uint64_t)index * sb->inode_size;
	*blk = table + off / fs->block_size;
	*within = (uint32_t)(off % fs->block_size);
	return 0;
}

int ext2_inode_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
	uint64_t blk;
	uint32_t within;
	const uint8_t *p;

	if (ino < 1 || ino > fs->sb.inodes_count)
		return corrupt(fs, "inode number out of range", ino, EXT2_NO_BLOCK);
	int err = inode_location(fs, ino, &blk, &within);
	if (!err)
		err = block_get(fs, blk, ino, &p);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->ino = ino;
	parse_inode(fs, out, p + within);
	return check_inode(fs, out, le32(p + within + 104));
}

/* ---- block maps ---- */
/* Follows one level of indirection: entry idx of indirect block blk. */
static int indirect(struct ext2_fs *fs, uint32_t ino, uint64_t blk, uint64_t idx, uint64_t *out)
{
	const uint8_t *p;

	if (!blk) {		/* a hole in the map covers everything below it */
		*out = 0;
		return 0;
	}
	int err = block_get(fs, blk, ino, &p);
	if (err)
		return err;
	*out = le32(p + 4 * idx);
	return 0;
}

int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t lblk, uint64_t *pblk)
{
	uint64_t p = fs->ptrs, b;
	int err = 0;

	if (lblk < NDIR) {
		b = in->block[lblk];
	} else if ((lblk -= NDIR) < p) {
		err = indirect(fs, in->ino, in->block[IND], lblk, &b);
	} else if ((lblk -= p) < p * p) {
		err = indirect(fs, in->ino, in->block[DIND], lblk / p, &b);
		if (!err)
			err = indirect(fs, in->ino, b, lblk % p, &b);
	} else if ((lblk -= p * p) < p * p * p) {
		err = indirect(fs, in->ino, in->block[TIND], lblk / (p * p), &b);
		if (!err)
			err = indirect(fs, in->ino, b, lblk / p % p, &b);
		if (!err)
			err = indirect(fs, in->ino, b, lblk % p, &b);
	} else {
		return corrupt(fs, "block beyond the block map", in->ino, EXT2_NO_BLOCK);
	}
	if (err)
		return err;
	if (b && !block_valid(fs, b))
		return corrupt(fs, "data block number out of range", in->ino, b);
	*pblk = b;
	return 0;
}

/* ---- file data ---- */
/* Reads a run of contiguous image bytes gathered by ext2_file_read. */
static int flush_run(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *dst, size_t len)
{
	if (!len)
		return 0;
	int err = fs->read(fs->ctx, off, dst, len);
	if (err)
		corrupt(fs, "cannot read file data", ino, off / fs->block_size);
	return err;
}

long ext2_file_read(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t off,
    void *buf, size_t len)
{
	uint8_t *dst = buf;
	uint32_t bs = fs->block_size;
	uint64_t run_off = 0;
	uint8_t *run_dst = NULL;
	size_t run_len = 0, done = 0;

	if (in->fast_symlink)
		return -EINVAL;
	if (off >= in->size)
		return 0;
	if (len > in->size - off)
		len = (size_t)(in->size - off);
	/* Physically contiguous blocks become one device read. */
	while (done < len) {
		uint64_t pos = off + done, pblk;
		uint32_t within = (uint32_t)(pos % bs);
		size_t n = bs - within < len - done ? bs - within : len - done;
		int err = ext2_bmap(fs, in, pos / bs, &pblk);
		if (err)
			return err;
		uint64_t at = pblk * bs + within;
		if (pblk && run_len && run_off + run_len == at) {
			run_len += n;
		} else {
			if ((err = flush_run(fs, in->ino, run_off, run_dst, run_len)))
				return err;
			run_len = 0;
			if (pblk) {
				run_off = at;
				run_dst = dst + done;
				run_len = n;
			} else {
				memset(dst + done, 0, n);
			}
		}
		done += n;
	}
	int err = flush_run(fs, in->ino, run_off, run_dst, run_len);
	return err ? err : (long)done;
}

/* ---- directories ---- */
struct raw_dirent {
	uint32_t ino;
	uint16_t rec_len;
	uint8_t name_len, type;
	const char *name;		/* in the cached block: not NUL-terminated */
};

static bool is_dot_or_dotdot(const struct raw_dirent *e)
{
	return e->name[0] == '.' && (e->name_len == 1 || (e->name_len == 2 && e->name[1] == '.'));
}

/* Decodes and checks the record at byte pos of directory dir. */
static int dir_record(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t pos,
    struct raw_dirent *e)
{
	uint32_t bs = fs->block_size, o = (uint32_t)(pos % bs);
	uint64_t pblk;
	const uint8_t *p;

	int err = ext2_bmap(fs, dir, pos / bs, &pblk);
	if (err)
		return err;
	if (!pblk)
		return corrupt(fs, "hole in directory", dir->ino, EXT2_NO_BLOCK);
	if ((err = block_get(fs, pblk, dir->ino, &p)))
		return err;
	if (o % 4 || o + 8 > bs)
		return corrupt(fs, "misaligned directory entry", dir->ino, pblk);
	p += o;
	e->ino = le32(p);
	e->rec_len = le16(p + 4);
	e->name_len = p[6];
	e->type = p[7];
	e->name = (const char *)p + 8;
	if (e->rec_len < DIRENT_MIN || e->rec_len % 4 || e->rec_len > bs - o ||
	    8u + e->name_len > e->rec_len)
		return corrupt(fs, "bad directory entry length", dir->ino, pblk);
	if (!e->ino)
		return 0;		/* a free slot: nothing else matters */
	bool ftype = fs->sb.incompat & EXT2_INCOMPAT_FILETYPE;
	if (e->ino > fs->sb.inodes_count || !e->name_len || (ftype ? e->type > 7 : e->type))
		return corrupt(fs, "bad directory entry", dir->ino, pblk);
	if (memchr(e->name, 0, e->name_len) || memchr(e->name, '/', e->name_len))
		return corrupt(fs, "bad name in directory entry", dir->ino, pblk);
	if (!ftype)
		e->type = 0;
	return 0;
}

int ext2_dir_lookup(struct ext2_fs *fs, const struct ext2_inode *dir,
    const char *name, size_t len, uint32_t *ino)
{
	struct raw_dirent e;

	if ((dir->mode >> 12) != T_DIR)
		return -ENOTDIR;
	if (!len || len > EXT2_NAME_MAX)
		return len ? -ENAMETOOLONG : -ENOENT;
	for (uint64_t pos = 0; pos < dir->size; pos += e.rec_len) {
		int err = dir_record(fs, dir, pos, &e);
		if (err)
			return err;
		if (e.ino && e.name_len == len && !memcmp(e.name, name, len)) {
			*ino = e.ino;
			return 0;
		}
	}
	return -ENOENT;
}

static uint8_t dtype_of(uint8_t ft)
{
	static const uint8_t map[8] = { 0, T_REG, T_DIR, T_CHR, T_BLK, T_FIFO, T_SOCK, T_LNK };

	return map[ft & 7];
}

int ext2_dir_iter(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *pos,
    struct ext2_dirent *de)
{
	uint32_t bs = fs->block_size;
	struct raw_dirent e;

	if ((dir->mode >> 12) != T_DIR)
		return -ENOTDIR;
	while (*pos < dir->size) {
		/* *pos may be any offset (a seek): records start where the walk
		 * from the beginning of its block says they do. */
		uint64_t at = *pos / bs * bs, end = at + bs;
		for (;;) {
			int err = dir_record(fs, dir, at, &e);
			if (err)
				return err;
			if (at >= *pos)
				break;
			at += e.rec_len;
			if (at == end)
				break;
		}
		if (at == end) {
			*pos = end;
			continue;
		}
		*pos = at + e.rec_len;
		if (!e.ino || is_dot_or_dotdot(&e))
			continue;
		de->ino = e.ino;
		de->type = dtype_of(e.type);
		de->name_len = e.name_len;
		memcpy(de->name, e.name, e.name_len);
		de->name[e.name_len] = 0;
		return 1;
	}
	return 0;
}

/* ---- symlinks ---- */
/* The target lives in i_block (fast) or in the first data block (slow;
 * shorter than a block), read through the cache to keep it off the stack. */
int ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *in, char *buf, size_t cap)
{
	uint8_t fast[FAST_LINK_MAX];
	const uint8_t *target = fast;
	size_t n = (size_t)in->size;

	if ((in->mode >> 12) != T_LNK)
		return -EINVAL;
	if (in->fast_symlink) {
		for (size_t i = 0; i < n; i++)
			fast[i] = (uint8_t)(in->block[i / 4] >> (8 * (i % 4)));
	} else {
		uint64_t pblk;
		int err = ext2_bmap(fs, in, 0, &pblk);
		if (!err && !pblk)
			err = corrupt(fs, "symlink without a data block", in->ino, EXT2_NO_BLOCK);
		if (!err)
			err = block_get(fs, pblk, in->ino, &target);
		if (err)
			return err;
	}
	if (memchr(target, 0, n))
		return corrupt(fs, "NUL in symlink target", in->ino, EXT2_NO_BLOCK);
	if (n > cap)
		n = cap;
	memcpy(buf, target, n);
	return (int)n;
}
