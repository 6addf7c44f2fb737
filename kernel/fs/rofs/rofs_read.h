/*
 * ROFS v3 image reader: pure code shared by the kernel driver, the host
 * tools, the unit tests and the fuzzer. It never allocates: image bytes
 * come through a read callback and decoded data clusters go to caller
 * buffers, so a cluster cache can sit between rofs_cluster_locate() and
 * rofs_cluster_load(). Metadata blocks are cached inside struct rofs_fs.
 *
 * One struct rofs_fs must not be used by two threads at once (the metadata
 * cache is inside it); the kernel serializes calls with a lock. Every
 * function returns 0 (or a length) on success and a negative errno on
 * failure: -EIO for a corrupt image (after calling the error hook with a
 * ROFS_E_* code and the inode and cluster concerned), -ENOENT, -ENOTDIR,
 * -EINVAL, ... for ordinary failures, or what the read callback returned.
 */
#ifndef OSPREY_ROFS_READ_H
#define OSPREY_ROFS_READ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fs/rofs/rofs_format.h"

#define ROFS_META_SLOTS		4
#define ROFS_META_MAX		(1u << ROFS_META_SHIFT_MAX)
#define ROFS_NO_INO		UINT64_MAX	/* "no inode" in error reports */
#define ROFS_NO_CLUSTER		UINT64_MAX

/* Reads len image bytes at off into buf; returns 0 or a negative errno. */
typedef int (*rofs_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);
/* Reports corruption: a ROFS_E_* code, the inode and cluster (or ROFS_NO_*). */
typedef void (*rofs_error_fn)(void *ctx, int code, uint64_t ino, uint64_t cluster);

enum {
	ROFS_E_SUPER = 1,	/* bad superblock */
	ROFS_E_META,		/* bad metadata block or table entry */
	ROFS_E_INODE,		/* bad inode record */
	ROFS_E_DIR,		/* bad directory entry */
	ROFS_E_INDEX,		/* bad cluster index entry */
	ROFS_E_CLUSTER,		/* data cluster does not decode */
	ROFS_E_FRAG,		/* bad fragment table entry or tail */
	ROFS_E_SYMLINK,		/* bad symlink target */
	ROFS_E_CRC,		/* checksum mismatch */
	ROFS_E_READ,		/* read callback failed */
	ROFS_E_VERSION,		/* format version this reader does not know */
};

struct rofs_super {
	uint32_t incompat, compat;
	uint8_t cluster_shift, meta_shift;
	uint64_t image_size, root_ino, inode_count, meta_len;
	uint64_t meta_table_off, frag_table_off, data_end;
	uint32_t meta_count, frag_count;
	int64_t mtime_base;
	uint32_t data_crc, meta_crc;
	uint64_t bytes_in;
};

struct rofs_fs {
	rofs_read_fn read;
	rofs_error_fn error;
	void *ctx;
	struct rofs_super sb;
	uint32_t cluster_size;
	uint32_t meta_bsize;
	/* LRU of decoded metadata blocks. */
	struct {
		uint64_t blk;
		uint32_t len;
		uint32_t used;	/* clock value of the last use; 0 = empty */
	} mslot[ROFS_META_SLOTS];
	uint32_t mclock;
	uint8_t mbuf[ROFS_META_SLOTS][ROFS_META_MAX];
	uint8_t mstage[ROFS_META_MAX];	/* compressed block being decoded */
};

struct rofs_inode {
	uint64_t ino;
	uint16_t mode;
	uint8_t flags;
	uint32_t uid, gid;
	int64_t mtime;
	uint32_t mtime_nsec;
	uint32_t nlink;
	uint64_t size;		/* file bytes, dir entries area, symlink length */
	uint64_t rdev;
	/* Regular files. */
	uint64_t nfull;		/* full clusters; the tail, if any, is one more */
	uint64_t data_start;
	uint64_t index_pos;	/* stream offset of the cluster index */
	uint64_t crc_pos;	/* stream offset of the nfull cluster CRCs */
	uint32_t frag, frag_off;
	/* Directories. */
	uint32_t count;
	uint64_t offs_pos;	/* stream offset of offs[]; entries follow */
	/* Symlinks. */
	uint64_t target_pos;
};

struct rofs_dirent {
	uint64_t ino;
	uint8_t type;		/* S_IFMT >> 12, like DT_* */
	uint8_t name_len;
	char name[ROFS_NAME_MAX + 1];	/* NUL-terminated */
};

/* Where cluster k of a file is stored: the unit a cache keeps. */
struct rofs_extent {
	uint64_t key;		/* cache key: image offset of the stored cluster */
	uint64_t off;		/* image offset */
	uint32_t stored;	/* stored length */
	uint32_t ulen;		/* decoded length of the whole cluster */
	bool raw;
	uint32_t crc;		/* CRC32C of the ulen decoded bytes */
	uint32_t data_off;	/* this file's bytes start here in the decoded cluster */
	uint32_t data_len;	/* and are this long */
	uint64_t ino, cluster;	/* for error reports */
};

int rofs_mount(struct rofs_fs *fs, rofs_read_fn read, rofs_error_fn error, void *ctx);
int rofs_verify_crc(struct rofs_fs *fs, void *buf, size_t len);
const char *rofs_strerror(int code);

int rofs_inode_get(struct rofs_fs *fs, uint64_t ino, struct rofs_inode *out);
static inline uint64_t rofs_root_ino(const struct rofs_fs *fs) { return fs->sb.root_ino; }

int rofs_dir_lookup(struct rofs_fs *fs, const struct rofs_inode *dir,
    const char *name, size_t len, uint64_t *ino);
int rofs_dir_entry(struct rofs_fs *fs, const struct rofs_inode *dir, uint32_t idx,
    struct rofs_dirent *de);
int rofs_dir_iter(struct rofs_fs *fs, const struct rofs_inode *dir, uint64_t *pos,
    struct rofs_dirent *de);
int rofs_path_lookup(struct rofs_fs *fs, const char *path, uint64_t *ino);

int rofs_readlink(struct rofs_fs *fs, const struct rofs_inode *ino, char *buf, size_t cap);

uint64_t rofs_cluster_count(const struct rofs_fs *fs, const struct rofs_inode *ino);
int rofs_cluster_locate(struct rofs_fs *fs, const struct rofs_inode *ino, uint64_t k,
    struct rofs_extent *ext);
int rofs_cluster_load(struct rofs_fs *fs, const struct rofs_extent *ext, void *dst,
    void *scratch);
int rofs_cluster_decode(struct rofs_fs *fs, const struct rofs_extent *ext,
    const void *src, void *dst);
long long rofs_file_read(struct rofs_fs *fs, const struct rofs_inode *ino, uint64_t off,
    void *buf, size_t len, void *cbuf, void *scratch);

#endif
