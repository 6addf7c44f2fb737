/*
 * LZ4 block decoder, written from the block format description: a block is
 * a list of sequences; each is a token byte (high nibble literal length,
 * low nibble match length - 4, 15 meaning "more bytes follow, each added,
 * until one is not 255"), the literals, a 16-bit little-endian match
 * offset and the extra match-length bytes. The last sequence has literals
 * only and ends exactly at the end of the input.
 *
 * Speed comes from copying in 8-byte words whenever the output has room
 * for the overshoot; the slow byte-wise paths handle the last bytes of the
 * buffer, so every access stays inside [src, src+src_len) and
 * [dst, dst+dst_cap).
 */
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include "lib/lz4.h"

static inline void copy8(uint8_t *d, const uint8_t *s)
{
	memcpy(d, s, 8);	/* one unaligned 64-bit load and store */
}

/* Reads a length continuation: bytes of 255 add up until a smaller one. */
static inline int read_len(const uint8_t **ipp, const uint8_t *iend, size_t *len)
{
	const uint8_t *ip = *ipp;
	size_t n = *len;
	unsigned b;

	do {
		if (ip >= iend)
			return -EINVAL;
		b = *ip++;
		n += b;
	} while (b == 255);
	/* A length beyond any buffer is malformed; also stops wrap-around. */
	if (n > ((size_t)1 << 40))
		return -EINVAL;
	*ipp = ip;
	*len = n;
	return 0;
}

/*
 * Copies a match of len bytes from op - off (off <= bytes already output,
 * op + len <= oend). 8-byte words are used while a whole word fits before
 * oend, so long matches that end near the end of the buffer (LZ4's last
 * match ends 5 bytes before it) still copy fast; bytes written past the
 * match are overwritten by the next sequence.
 */
static inline void copy_match(uint8_t *op, size_t off, size_t len, uint8_t *oend)
{
	const uint8_t *m = op - off;
	uint8_t *end = op + len;

	if (off < 8 && oend - op >= 8) {
		/*
		 * Short period: byte copies give the first 8 bytes; then
		 * copy from a distance step, a multiple of off that is >= 8,
		 * so each word read is already written. step < 8 + off, so
		 * op + 8 - step is not before the match source.
		 */
		size_t step = off;

		while (step < 8)
			step += off;
		for (int i = 0; i < 8; i++)
			op[i] = m[i];
		op += 8;
		m = op - step;
	} else if (off < 8) {
		while (op < end)
			*op++ = *m++;
		return;
	}
	while (op < end && oend - op >= 16) {
		copy8(op, m);
		copy8(op + 8, m + 8);
		op += 16;
		m += 16;
	}
	while (op < end && oend - op >= 8) {
		copy8(op, m);
		op += 8;
		m += 8;
	}
	while (op < end)
		*op++ = *m++;
}

int lz4_decompress(const void *src, size_t src_len, void *dst, size_t dst_cap)
{
	const uint8_t *ip = src;
	const uint8_t *iend = ip + src_len;
	uint8_t *op = dst;
	uint8_t *const ostart = dst;
	uint8_t *const oend = op + dst_cap;

	if (src_len == 0)
		return -EINVAL;
	for (;;) {
		unsigned token = *ip++;
		size_t lit = token >> 4;

		/*
		 * Hot path: short literals and a short match with room to
		 * spare on both sides, so fixed-size word copies need no
		 * further checks. Literals <= 14 with >= 18 input bytes left
		 * means an offset follows (this is not the last sequence).
		 */
		if (lit < 15 && (token & 15) != 15 &&
		    iend - ip >= 18 && oend - op >= 40) {
			copy8(op, ip);
			copy8(op + 8, ip + 8);
			op += lit;
			ip += lit;
			size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
			ip += 2;
			if (off == 0 || off > (size_t)(op - ostart))
				return -EINVAL;
			size_t mlen = (token & 15) + 4;
			if (off >= 8) {
				const uint8_t *m = op - off;
				copy8(op, m);
				copy8(op + 8, m + 8);
				copy8(op + 16, m + 16);
			} else {
				copy_match(op, off, mlen, oend);
			}
			op += mlen;
			if (ip >= iend)
				return -EINVAL;
			continue;
		}

		/* Literals. */
		if (lit == 15 && read_len(&ip, iend, &lit) < 0)
			return -EINVAL;
		if (lit > (size_t)(iend - ip))
			return -EINVAL;
		if (lit > (size_t)(oend - op))
			return -ENOSPC;
		if (lit <= 16 && iend - ip >= 16 && oend - op >= 16) {
			copy8(op, ip);
			copy8(op + 8, ip + 8);
		} else {
			memcpy(op, ip, lit);
		}
		op += lit;
		ip += lit;
		if (ip == iend)
			break;		/* the last sequence has no match */

		/* Match. */
		if (iend - ip < 2)
			return -EINVAL;
		size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		if (off == 0 || off > (size_t)(op - ostart))
			return -EINVAL;
		size_t mlen = token & 15;
		if (mlen == 15 && read_len(&ip, iend, &mlen) < 0)
			return -EINVAL;
		mlen += 4;
		if (mlen > (size_t)(oend - op))
			return -ENOSPC;
		copy_match(op, off, mlen, (uint8_t *)oend);
		op += mlen;
		if (ip >= iend)
			return -EINVAL;	/* ended on a match: truncated */
	}
	if (op - ostart > 0x7fffffff)
		return -EOVERFLOW;
	return (int)(op - ostart);
}
