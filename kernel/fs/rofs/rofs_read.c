/*
 * ROFS v3 reader (see docs/rofs.md). Pure: compiled into the kernel and
 * into host tools, tests and fuzzers alike, so it trusts nothing it reads:
 * every offset, length and count from the image is checked before use, and
 * a corrupt image gives -EIO plus a call of the error hook.
 *
 * Directory entries must point to inodes with smaller numbers than their
 * directory; that is how the writer lays them out, and checking it makes
 * cycles impossible, so walks of a hostile image always end.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include "lib/lz4.h"
#include "lib/crc32.h"
#include "fs/rofs/rofs_read.h"

static int corrupt(struct rofs_fs *fs, int code, uint64_t ino, uint64_t cluster)
{
	if (fs->error)
		fs->error(fs->ctx, code, ino, cluster);
	return -EIO;
}

const char *rofs_strerror(int code)
{
	switch (code) {
	case ROFS_E_SUPER:	return "bad superblock";
	case ROFS_E_META:	return "bad metadata block";
	case ROFS_E_INODE:	return "bad inode";
	case ROFS_E_DIR:	return "bad directory entry";
	case ROFS_E_INDEX:	return "bad cluster index";
	case ROFS_E_CLUSTER:	return "cluster does not decode";
	case ROFS_E_FRAG:	return "bad fragment";
	case ROFS_E_SYMLINK:	return "bad symlink";
	case ROFS_E_CRC:	return "checksum mismatch";
	case ROFS_E_READ:	return "read error";
	case ROFS_E_VERSION:	return "unsupported format version (not 3)";
	}
	return "unknown error";
}

/* Reads image bytes [off, off+len), which the caller checked lie inside. */
static int img_read(struct rofs_fs *fs, uint64_t off, void *buf, size_t len)
{
	int r = fs->read(fs->ctx, off, buf, len);

	if (r < 0) {
		if (fs->error)
			fs->error(fs->ctx, ROFS_E_READ, ROFS_NO_INO, ROFS_NO_CLUSTER);
		return r;
	}
	return 0;
}

/* True if [off, off+len) lies inside [lo, hi), without overflow. */
static bool inside(uint64_t off, uint64_t len, uint64_t lo, uint64_t hi)
{
	return off >= lo && off <= hi && len <= hi - off;
}

int rofs_mount(struct rofs_fs *fs, rofs_read_fn read, rofs_error_fn error, void *ctx)
{
	uint8_t b[ROFS_SB_SIZE];
	struct rofs_super *sb = &fs->sb;
	int r;

	memset(fs, 0, sizeof(*fs));
	fs->read = read;
	fs->error = error;
	fs->ctx = ctx;
	if ((r = img_read(fs, 0, b, sizeof(b))) < 0)
		return r;
	if (memcmp(b + ROFS_SB_MAGIC, ROFS_MAGIC, 4) != 0)
		return -EINVAL;		/* not ROFS at all: no complaint */
	if (le16(b + ROFS_SB_SBSIZE) != ROFS_SB_SIZE ||
	    crc32c(0, b, ROFS_SB_CRC) != le32(b + ROFS_SB_CRC))
		return corrupt(fs, ROFS_E_SUPER, ROFS_NO_INO, ROFS_NO_CLUSTER);
	/* An intact superblock of another version: say so, not "corrupt". */
	if (le16(b + ROFS_SB_VERSION) != ROFS_VERSION) {
		if (fs->error)
			fs->error(fs->ctx, ROFS_E_VERSION, ROFS_NO_INO, ROFS_NO_CLUSTER);
		return -ENOTSUP;
	}
	sb->incompat = le32(b + ROFS_SB_INCOMPAT);
	sb->compat = le32(b + ROFS_SB_COMPAT);
	sb->cluster_shift = b[ROFS_SB_CLUSTER_SHIFT];
	sb->meta_shift = b[ROFS_SB_META_SHIFT];
	sb->image_size = le64(b + ROFS_SB_IMAGE_SIZE);
	sb->root_ino = le64(b + ROFS_SB_ROOT_INO);
	sb->inode_count = le64(b + ROFS_SB_INODE_COUNT);
	sb->meta_len = le64(b + ROFS_SB_META_LEN);
	sb->meta_table_off = le64(b + ROFS_SB_META_TABLE);
	sb->meta_count = le32(b + ROFS_SB_META_COUNT);
	sb->frag_count = le32(b + ROFS_SB_FRAG_COUNT);
	sb->frag_table_off = le64(b + ROFS_SB_FRAG_TABLE);
	sb->data_end = le64(b + ROFS_SB_DATA_END);
	sb->mtime_base = (int64_t)le64(b + ROFS_SB_MTIME_BASE);
	sb->data_crc = le32(b + ROFS_SB_DATA_CRC);
	sb->meta_crc = le32(b + ROFS_SB_META_CRC);
	sb->bytes_in = le64(b + ROFS_SB_BYTES_IN);
	if (sb->incompat & ~ROFS_INCOMPAT_KNOWN)
		return -ENOTSUP;
	if (sb->cluster_shift < ROFS_CLUSTER_SHIFT_MIN ||
	    sb->cluster_shift > ROFS_CLUSTER_SHIFT_MAX ||
	    sb->meta_shift < ROFS_META_SHIFT_MIN ||
	    sb->meta_shift > ROFS_META_SHIFT_MAX)
		return corrupt(fs, ROFS_E_SUPER, ROFS_NO_INO, ROFS_NO_CLUSTER);
	fs->cluster_size = 1u << sb->cluster_shift;
	fs->meta_bsize = 1u << sb->meta_shift;
	/* Areas in order: sb, data, meta blocks, meta table, frag table. */
	uint64_t nblk = (sb->meta_len >> sb->meta_shift) +
	    ((sb->meta_len & (fs->meta_bsize - 1)) != 0);
	if (sb->data_end < ROFS_SB_SIZE || sb->data_end > sb->image_size ||
	    nblk != sb->meta_count || sb->meta_len == 0 ||
	    sb->meta_table_off < sb->data_end ||
	    !inside(sb->meta_table_off, (uint64_t)sb->meta_count * ROFS_TENT_SIZE,
	    sb->data_end, sb->image_size) ||
	    !inside(sb->frag_table_off, (uint64_t)sb->frag_count * ROFS_FTENT_SIZE,
	    sb->meta_table_off, sb->image_size) ||
	    sb->root_ino >= sb->meta_len)
		return corrupt(fs, ROFS_E_SUPER, ROFS_NO_INO, ROFS_NO_CLUSTER);
	return 0;
}

/*
 * Checks data_crc and meta_crc by reading the whole image through buf
 * (any size). Slow on purpose: for fsck, or a kernel asked to be careful.
 */
int rofs_verify_crc(struct rofs_fs *fs, void *buf, size_t len)
{
	uint64_t lo[2] = { ROFS_SB_SIZE, fs->sb.data_end };
	uint64_t hi[2] = { fs->sb.data_end, fs->sb.image_size };
	uint32_t want[2] = { fs->sb.data_crc, fs->sb.meta_crc };
	int bad = 0;

	if (len == 0)
		return -EINVAL;
	for (int a = 0; a < 2; a++) {
		uint32_t crc = 0;

		for (uint64_t off = lo[a]; off < hi[a];) {
			size_t n = hi[a] - off < len ? (size_t)(hi[a] - off) : len;
			int r = img_read(fs, off, buf, n);

			if (r < 0)
				return r;
			crc = crc32c(crc, buf, n);
			off += n;
		}
		if (crc != want[a])
			bad = corrupt(fs, ROFS_E_CRC, ROFS_NO_INO, (uint64_t)a);
	}
	return bad;
}

/* ---- metadata stream ---- */

/*
 * Reads and checks one block table entry of esize bytes: ROFS_TENT_SIZE
 * (metadata blocks) or ROFS_FTENT_SIZE (fragments, which add a CRC).
 */
static int table_entry(struct rofs_fs *fs, uint64_t table, uint64_t i, size_t esize,
    uint64_t lo, uint64_t hi, uint32_t max_ulen, struct rofs_extent *e)
{
	uint8_t b[ROFS_FTENT_SIZE];
	int r;

	if ((r = img_read(fs, table + i * esize, b, esize)) < 0)
		return r;
	uint32_t st = le32(b + 8);
	e->off = le64(b);
	e->key = e->off;
	e->raw = (st & ROFS_TENT_RAW) != 0;
	e->stored = st & ~ROFS_TENT_RAW;
	e->ulen = le32(b + 12);
	e->crc = esize == ROFS_FTENT_SIZE ? le32(b + ROFS_TENT_SIZE) : 0;
	if (e->ulen == 0 || e->ulen > max_ulen || e->stored == 0 ||
	    (e->raw ? e->stored != e->ulen : e->stored >= e->ulen) ||
	    !inside(e->off, e->stored, lo, hi))
		return -EIO;
	return 0;
}

/* Reads a stored block and decodes it into dst (room for e->ulen bytes). */
static int block_decode(struct rofs_fs *fs, const struct rofs_extent *e,
    void *dst, void *stage)
{
	int r;

	if (e->raw)
		return img_read(fs, e->off, dst, e->ulen);
	if ((r = img_read(fs, e->off, stage, e->stored)) < 0)
		return r;
	r = lz4_decompress(stage, e->stored, dst, e->ulen);
	return r == (int)e->ulen ? 0 : -EIO;
}

/* Returns the decoded metadata block blk through the LRU, or NULL. */
static const uint8_t *meta_block(struct rofs_fs *fs, uint64_t blk, int *err)
{
	struct rofs_extent e;
	int slot = 0, r;

	for (int i = 0; i < ROFS_META_SLOTS; i++) {
		if (fs->mslot[i].used && fs->mslot[i].blk == blk) {
			fs->mslot[i].used = ++fs->mclock;
			return fs->mbuf[i];
		}
		if (fs->mslot[i].used < fs->mslot[slot].used)
			slot = i;
	}
	uint64_t start = blk << fs->sb.meta_shift;
	uint64_t left = fs->sb.meta_len - start;
	uint32_t ulen = left < fs->meta_bsize ? (uint32_t)left : fs->meta_bsize;
	fs->mslot[slot].used = 0;	/* the buffer is about to change */
	r = table_entry(fs, fs->sb.meta_table_off, blk, ROFS_TENT_SIZE,
	    fs->sb.data_end, fs->sb.meta_table_off, fs->meta_bsize, &e);
	if (r == 0 && e.ulen != ulen)
		r = -EIO;
	if (r == 0)
		r = block_decode(fs, &e, fs->mbuf[slot], fs->mstage);
	if (r < 0) {
		*err = r == -EIO ? corrupt(fs, ROFS_E_META, ROFS_NO_INO, blk) : r;
		return NULL;
	}
	if (fs->mclock == UINT32_MAX) {
		/* Clock wrap: forget the others rather than mis-order them. */
		for (int i = 0; i < ROFS_META_SLOTS; i++)
			fs->mslot[i].used = 0;
		fs->mclock = 0;
	}
	fs->mslot[slot].blk = blk;
	fs->mslot[slot].len = ulen;
	fs->mslot[slot].used = ++fs->mclock;
	return fs->mbuf[slot];
}

/*
 * Copies metadata stream bytes [pos, pos+len) to buf. Returns 0, -EIO if
 * the range is outside the stream (the caller reports which inode), or
 * the block's error.
 */
static int meta_read(struct rofs_fs *fs, uint64_t pos, void *buf, size_t len)
{
	uint8_t *out = buf;
	int err = -EIO;

	if (!inside(pos, len, 0, fs->sb.meta_len))
		return -EIO;
	while (len > 0) {
		uint64_t blk = pos >> fs->sb.meta_shift;
		uint32_t in = (uint32_t)(pos & (fs->meta_bsize - 1));
		const uint8_t *p = meta_block(fs, blk, &err);

		if (!p)
			return err;
		size_t n = fs->meta_bsize - in;
		if (n > len)
			n = len;
		memcpy(out, p + in, n);
		out += n;
		pos += n;
		len -= n;
	}
	return 0;
}

/* A read position in the metadata stream. */
struct cur {
	struct rofs_fs *fs;
	uint64_t pos;
	int err;	/* first error; later reads then fail too */
};

static void cur_bytes(struct cur *c, void *buf, size_t len)
{
	if (c->err)
		return;
	c->err = meta_read(c->fs, c->pos, buf, len);
	c->pos += len;
}

static uint8_t cur_u8(struct cur *c)
{
	uint8_t b = 0;

	cur_bytes(c, &b, 1);
	return c->err ? 0 : b;
}

static uint64_t cur_varint(struct cur *c)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b = cur_u8(c);

		if (c->err)
			return 0;
		if (shift == 63 && b > 1)
			break;		/* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->err = -EIO;
	return 0;
}

/* Reads a varint that must fit in a uint32_t. */
static uint32_t cur_varint32(struct cur *c)
{
	uint64_t v = cur_varint(c);

	if (v > UINT32_MAX && !c->err)
		c->err = -EIO;
	return (uint32_t)v;
}

/* ---- inodes ---- */

static int inode_tail(struct cur *c, struct rofs_fs *fs, struct rofs_inode *in)
{
	uint64_t w = (in->flags & ROFS_IF_WIDE) ? 8 : 4;

	switch (in->mode & ROFS_S_IFMT) {
	case ROFS_S_IFREG:
		in->size = cur_varint(c);
		in->nfull = in->size >> fs->sb.cluster_shift;
		if (in->nfull > 0) {
			in->data_start = cur_varint(c);
			in->index_pos = c->pos;
			in->crc_pos = c->pos + in->nfull * w;
			/* nfull < 2^52, so nfull * (w + 4) cannot overflow. */
			if (!inside(c->pos, in->nfull * (w + ROFS_CRC_SIZE), 0, fs->sb.meta_len) ||
			    !inside(in->data_start, 0, ROFS_SB_SIZE, fs->sb.data_end))
				return -EIO;
			c->pos += in->nfull * (w + ROFS_CRC_SIZE);
		}
		if (in->size & (fs->cluster_size - 1)) {
			in->frag = cur_varint32(c);
			in->frag_off = cur_varint32(c);
			if (!c->err && in->frag >= fs->sb.frag_count)
				return -EIO;
		}
		break;
	case ROFS_S_IFDIR: {
		uint64_t ow = (in->flags & ROFS_IF_DIR32) ? 4 : 2;

		in->count = cur_varint32(c);
		in->size = cur_varint(c);
		in->offs_pos = c->pos;
		/* An entry takes at least 3 bytes; u16 offsets need size < 64K. */
		if (!c->err && (in->size > fs->sb.meta_len ||
		    (uint64_t)in->count * 3 > in->size ||
		    (ow == 2 && in->size > 65535) ||
		    !inside(c->pos, in->count * ow + in->size, 0, fs->sb.meta_len)))
			return -EIO;
		break;
	}
	case ROFS_S_IFLNK:
		in->size = cur_varint(c);
		in->target_pos = c->pos;
		if (!c->err && (in->size == 0 || in->size > ROFS_SYMLINK_MAX ||
		    !inside(c->pos, in->size, 0, fs->sb.meta_len)))
			return -EIO;
		break;
	case ROFS_S_IFCHR:
	case ROFS_S_IFBLK:
		in->rdev = cur_varint(c);
		break;
	case ROFS_S_IFIFO:
	case ROFS_S_IFSOCK:
		break;
	default:
		return -EIO;
	}
	return c->err;
}

int rofs_inode_get(struct rofs_fs *fs, uint64_t ino, struct rofs_inode *in)
{
	struct cur c = { fs, ino, 0 };
	uint8_t hdr[3];
	int r;

	memset(in, 0, sizeof(*in));
	in->ino = ino;
	cur_bytes(&c, hdr, sizeof(hdr));
	in->mode = le16(hdr);
	in->flags = hdr[2];
	in->uid = cur_varint32(&c);
	in->gid = cur_varint32(&c);
	uint64_t dt = cur_varint(&c);
	in->mtime = (int64_t)((uint64_t)fs->sb.mtime_base + (uint64_t)rofs_unzigzag(dt));
	in->mtime_nsec = cur_varint32(&c);
	in->nlink = cur_varint32(&c);
	if (c.err == 0 && ((in->flags & ~ROFS_IF_KNOWN) ||
	    in->mtime_nsec >= 1000000000u || in->nlink == 0))
		c.err = -EIO;
	r = c.err ? c.err : inode_tail(&c, fs, in);
	if (r == -EIO)
		return corrupt(fs, ROFS_E_INODE, ino, ROFS_NO_CLUSTER);
	return r;
}

/* ---- directories ---- */

static int dir_bad(struct rofs_fs *fs, const struct rofs_inode *dir)
{
	return corrupt(fs, ROFS_E_DIR, dir->ino, ROFS_NO_CLUSTER);
}

int rofs_dir_entry(struct rofs_fs *fs, const struct rofs_inode *dir, uint32_t idx,
    struct rofs_dirent *de)
{
	uint32_t ow = (dir->flags & ROFS_IF_DIR32) ? 4 : 2;
	uint8_t ob[4];
	struct cur c = { fs, dir->offs_pos + (uint64_t)idx * ow, 0 };

	if ((dir->mode & ROFS_S_IFMT) != ROFS_S_IFDIR)
		return -ENOTDIR;
	if (idx >= dir->count)
		return -ENOENT;
	cur_bytes(&c, ob, ow);
	uint64_t eoff = ow == 4 ? le32(ob) : le16(ob);
	uint64_t ents = dir->offs_pos + (uint64_t)dir->count * ow;
	c.pos = ents + eoff;
	de->name_len = cur_u8(&c);
	if (c.err || de->name_len == 0 || eoff >= dir->size ||
	    de->name_len + 1u > dir->size - eoff)
		return c.err && c.err != -EIO ? c.err : dir_bad(fs, dir);
	cur_bytes(&c, de->name, de->name_len);
	de->name[de->name_len] = '\0';
	uint64_t ref = cur_varint(&c);
	if (c.err)
		return c.err != -EIO ? c.err : dir_bad(fs, dir);
	uint64_t delta = ref >> 4;
	de->type = ref & 15;
	de->ino = dir->ino - delta;
	/* Children come before their directory: no cycles. */
	if (c.pos > ents + dir->size || delta == 0 || delta > dir->ino ||
	    memchr(de->name, '/', de->name_len) || memchr(de->name, 0, de->name_len) ||
	    (de->name[0] == '.' && (de->name_len == 1 ||
	    (de->name_len == 2 && de->name[1] == '.'))))
		return dir_bad(fs, dir);
	return 0;
}

/* Readdir: *pos starts at 0; returns 1 with an entry, 0 at the end. */
int rofs_dir_iter(struct rofs_fs *fs, const struct rofs_inode *dir, uint64_t *pos,
    struct rofs_dirent *de)
{
	int r;

	if ((dir->mode & ROFS_S_IFMT) != ROFS_S_IFDIR)
		return -ENOTDIR;
	if (*pos >= dir->count)
		return 0;
	if ((r = rofs_dir_entry(fs, dir, (uint32_t)*pos, de)) < 0)
		return r;
	++*pos;
	return 1;
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Binary search: the entries are sorted by memcmp order. */
int rofs_dir_lookup(struct rofs_fs *fs, const struct rofs_inode *dir,
    const char *name, size_t len, uint64_t *ino)
{
	struct rofs_dirent de;
	uint32_t lo = 0, hi = dir->count;
	int r;

	if ((dir->mode & ROFS_S_IFMT) != ROFS_S_IFDIR)
		return -ENOTDIR;
	if (len == 0 || len > ROFS_NAME_MAX)
		return len ? -ENAMETOOLONG : -ENOENT;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if ((r = rofs_dir_entry(fs, dir, mid, &de)) < 0)
			return r;
		int c = name_cmp(name, len, de.name, de.name_len);
		if (c == 0) {
			*ino = de.ino;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

/*
 * Resolves an absolute or root-relative path without following symlinks
 * ("." and ".." are not supported: the VFS handles those).
 */
int rofs_path_lookup(struct rofs_fs *fs, const char *path, uint64_t *ino)
{
	struct rofs_inode in;
	uint64_t cur = fs->sb.root_ino;
	int r;

	for (;;) {
		while (*path == '/')
			path++;
		if (*path == '\0')
			break;
		size_t n = 0;
		while (path[n] && path[n] != '/')
			n++;
		if ((r = rofs_inode_get(fs, cur, &in)) < 0)
			return r;
		if ((r = rofs_dir_lookup(fs, &in, path, n, &cur)) < 0)
			return r;
		path += n;
	}
	*ino = cur;
	return 0;
}

int rofs_readlink(struct rofs_fs *fs, const struct rofs_inode *in, char *buf, size_t cap)
{
	int r;

	if ((in->mode & ROFS_S_IFMT) != ROFS_S_IFLNK)
		return -EINVAL;
	if (cap < in->size + 1)
		return -ENAMETOOLONG;
	if ((r = meta_read(fs, in->target_pos, buf, (size_t)in->size)) < 0)
		return r == -EIO ? corrupt(fs, ROFS_E_SYMLINK, in->ino, ROFS_NO_CLUSTER) : r;
	buf[in->size] = '\0';
	if (memchr(buf, 0, (size_t)in->size))
		return corrupt(fs, ROFS_E_SYMLINK, in->ino, ROFS_NO_CLUSTER);
	return (int)in->size;
}

/* ---- file data ---- */

uint64_t rofs_cluster_count(const struct rofs_fs *fs, const struct rofs_inode *in)
{
	return in->nfull + ((in->size & (fs->cluster_size - 1)) != 0);
}

/* Reads index entry k (k may be -1: end 0) as a cumulative end and raw bit. */
static int index_entry(struct rofs_fs *fs, const struct rofs_inode *in, uint64_t k,
    uint64_t *end, bool *raw)
{
	uint8_t b[8];
	int r;

	if (k == UINT64_MAX) {
		*end = 0;
		*raw = false;
		return 0;
	}
	if (in->flags & ROFS_IF_WIDE) {
		if ((r = meta_read(fs, in->index_pos + k * 8, b, 8)) < 0)
			return r;
		uint64_t v = le64(b);
		*raw = v >> 63;
		*end = v & ~(1ull << 63);
	} else {
		if ((r = meta_read(fs, in->index_pos + k * 4, b, 4)) < 0)
			return r;
		uint32_t v = le32(b);
		*raw = v >> 31;
		*end = v & 0x7fffffffu;
	}
	return 0;
}

/* Reads the stored CRC of full cluster k (after the index entries). */
static int index_crc(struct rofs_fs *fs, const struct rofs_inode *in, uint64_t k,
    uint32_t *crc)
{
	uint8_t b[ROFS_CRC_SIZE];
	int r;

	if ((r = meta_read(fs, in->crc_pos + k * ROFS_CRC_SIZE, b, sizeof(b))) < 0)
		return r;
	*crc = le32(b);
	return 0;
}

/*
 * Tells where cluster k of a regular file is stored, and the CRC of its
 * decoded bytes: full clusters from the file's index, the tail
 * (k == nfull) from the fragment table.
 */
int rofs_cluster_locate(struct rofs_fs *fs, const struct rofs_inode *in, uint64_t k,
    struct rofs_extent *ext)
{
	uint32_t cs = fs->cluster_size;
	int r;

	if ((in->mode & ROFS_S_IFMT) != ROFS_S_IFREG)
		return -EINVAL;
	if (k >= rofs_cluster_count(fs, in))
		return -EINVAL;
	memset(ext, 0, sizeof(*ext));
	ext->ino = in->ino;
	ext->cluster = k;
	if (k < in->nfull) {
		uint64_t start, end;
		bool raw0, raw;

		if ((r = index_entry(fs, in, k - 1, &start, &raw0)) < 0 ||
		    (r = index_entry(fs, in, k, &end, &raw)) < 0 ||
		    (r = index_crc(fs, in, k, &ext->crc)) < 0)
			return r == -EIO ? corrupt(fs, ROFS_E_INDEX, in->ino, k) : r;
		ext->off = in->data_start + start;
		ext->stored = (uint32_t)(end - start);
		ext->ulen = cs;
		ext->raw = raw;
		ext->data_len = cs;
		if (end <= start || end - start > cs ||
		    (raw ? end - start != cs : end - start == cs) ||
		    in->data_start + start < in->data_start ||
		    !inside(ext->off, end - start, ROFS_SB_SIZE, fs->sb.data_end))
			return corrupt(fs, ROFS_E_INDEX, in->ino, k);
		ext->key = ext->off;
		return 0;
	}
	r = table_entry(fs, fs->sb.frag_table_off, in->frag, ROFS_FTENT_SIZE,
	    ROFS_SB_SIZE, fs->sb.data_end, cs, ext);
	ext->ino = in->ino;
	ext->cluster = k;
	ext->data_off = in->frag_off;
	ext->data_len = (uint32_t)(in->size & (cs - 1));
	if (r == 0 && !inside(ext->data_off, ext->data_len, 0, ext->ulen))
		r = -EIO;
	if (r < 0)
		return r == -EIO ? corrupt(fs, ROFS_E_FRAG, in->ino, k) : r;
	return 0;
}

/* The decoded bytes of a cluster against its CRC: a damaged RAW cluster
 * decodes fine, so only the CRC catches it. Returns ext->ulen. */
static int cluster_check(struct rofs_fs *fs, const struct rofs_extent *ext, int r,
    const void *dst)
{
	if (r == -EIO)
		return corrupt(fs, ROFS_E_CLUSTER, ext->ino, ext->cluster);
	if (r < 0)
		return r;
	if (crc32c(0, dst, ext->ulen) != ext->crc)
		return corrupt(fs, ROFS_E_CRC, ext->ino, ext->cluster);
	return (int)ext->ulen;
}

/*
 * Decodes a located cluster into dst (cluster_size bytes), using scratch
 * (cluster_size bytes) for the compressed copy, and checks the decoded
 * bytes against the cluster's CRC. Returns ext->ulen.
 */
int rofs_cluster_load(struct rofs_fs *fs, const struct rofs_extent *ext, void *dst,
    void *scratch)
{
	if (ext->ulen > fs->cluster_size || ext->stored > fs->cluster_size)
		return -EINVAL;
	return cluster_check(fs, ext, block_decode(fs, ext, dst, scratch), dst);
}

/*
 * As rofs_cluster_load, from the ext->stored bytes at src that the caller
 * has already read from ext->off (one read may fetch several clusters
 * that lie end to end). Returns ext->ulen.
 */
int rofs_cluster_decode(struct rofs_fs *fs, const struct rofs_extent *ext,
    const void *src, void *dst)
{
	int r = 0;

	if (ext->ulen > fs->cluster_size || ext->stored > fs->cluster_size)
		return -EINVAL;
	if (ext->raw)
		memcpy(dst, src, ext->ulen);
	else if (lz4_decompress(src, ext->stored, dst, ext->ulen) != (int)ext->ulen)
		r = -EIO;
	return cluster_check(fs, ext, r, dst);
}

/*
 * Convenience read of [off, off+len) of a regular file, one cluster at a
 * time through cbuf and scratch (cluster_size bytes each). Returns bytes
 * read, short at end of file.
 */
long long rofs_file_read(struct rofs_fs *fs, const struct rofs_inode *in, uint64_t off,
    void *buf, size_t len, void *cbuf, void *scratch)
{
	struct rofs_extent ext;
	uint8_t *out = buf;
	size_t done = 0;
	int r;

	if ((in->mode & ROFS_S_IFMT) != ROFS_S_IFREG)
		return (in->mode & ROFS_S_IFMT) == ROFS_S_IFDIR ? -EISDIR : -EINVAL;
	if (off >= in->size)
		return 0;
	if (len > in->size - off)
		len = (size_t)(in->size - off);
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	while (done < len) {
		uint64_t k = off >> fs->sb.cluster_shift;
		uint32_t in_cl = (uint32_t)(off & (fs->cluster_size - 1));

		if ((r = rofs_cluster_locate(fs, in, k, &ext)) < 0 ||
		    (r = rofs_cluster_load(fs, &ext, cbuf, scratch)) < 0)
			return r;
		size_t n = ext.data_len - in_cl;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, (uint8_t *)cbuf + ext.data_off + in_cl, n);
		done += n;
		off += n;
	}
	return (long long)done;
}
