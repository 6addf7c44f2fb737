/*
 * ROFS v3 on-disk constants and little-endian helpers, shared by the
 * reader (kernel and host) and mkrofs. docs/rofs.md is the specification.
 */
#ifndef OSPREY_ROFS_FORMAT_H
#define OSPREY_ROFS_FORMAT_H
#include <stdint.h>
#include <stddef.h>
#include "lib/endian.h"

#define ROFS_MAGIC		"ROFS"
#define ROFS_VERSION		3
#define ROFS_SB_SIZE		128

#define ROFS_INCOMPAT_LZ4	0x1u
#define ROFS_INCOMPAT_KNOWN	ROFS_INCOMPAT_LZ4

#define ROFS_CLUSTER_SHIFT_MIN	12
#define ROFS_CLUSTER_SHIFT_MAX	20
#define ROFS_CLUSTER_SHIFT_DEF	16
#define ROFS_META_SHIFT_MIN	12
#define ROFS_META_SHIFT_MAX	14
#define ROFS_META_SHIFT_DEF	14

/* Superblock field offsets. */
#define ROFS_SB_MAGIC		0
#define ROFS_SB_VERSION		4
#define ROFS_SB_SBSIZE		6
#define ROFS_SB_INCOMPAT	8
#define ROFS_SB_COMPAT		12
#define ROFS_SB_CLUSTER_SHIFT	16
#define ROFS_SB_META_SHIFT	17
#define ROFS_SB_IMAGE_SIZE	24
#define ROFS_SB_ROOT_INO	32
#define ROFS_SB_INODE_COUNT	40
#define ROFS_SB_META_LEN	48
#define ROFS_SB_META_TABLE	56
#define ROFS_SB_META_COUNT	64
#define ROFS_SB_FRAG_COUNT	68
#define ROFS_SB_FRAG_TABLE	72
#define ROFS_SB_DATA_END	80
#define ROFS_SB_MTIME_BASE	88
#define ROFS_SB_DATA_CRC	96
#define ROFS_SB_META_CRC	100
#define ROFS_SB_BYTES_IN	104
#define ROFS_SB_CRC		124

/*
 * Block table entries: 16 bytes for metadata blocks; fragment entries add
 * the CRC32C of the decoded fragment at offset 16, so 20 bytes.
 */
#define ROFS_TENT_SIZE		16
#define ROFS_FTENT_SIZE		20
#define ROFS_TENT_RAW		0x80000000u	/* in the u32 at offset 8 */
#define ROFS_CRC_SIZE		4	/* a per-cluster CRC32C */

/* Inode flags. */
#define ROFS_IF_WIDE		0x01	/* cluster index entries are u64 */
#define ROFS_IF_DIR32		0x02	/* directory offsets are u32 */
#define ROFS_IF_KNOWN		0x03

#define ROFS_NAME_MAX		255
#define ROFS_SYMLINK_MAX	4095
#define ROFS_VARINT_MAX		10

/* POSIX file type bits as stored in mode (the same as Linux's). */
#define ROFS_S_IFMT		0170000
#define ROFS_S_IFSOCK		0140000
#define ROFS_S_IFLNK		0120000
#define ROFS_S_IFREG		0100000
#define ROFS_S_IFBLK		0060000
#define ROFS_S_IFDIR		0040000
#define ROFS_S_IFCHR		0020000
#define ROFS_S_IFIFO		0010000

/* Writes v as LEB128 into p (room for ROFS_VARINT_MAX); returns bytes. */
static inline size_t rofs_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static inline uint64_t rofs_zigzag(int64_t s)
{
	return ((uint64_t)s << 1) ^ (uint64_t)(s >> 63);
}

static inline int64_t rofs_unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

#endif
