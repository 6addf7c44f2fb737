/* Table-driven CRC-32 (IEEE) and CRC-32C, slicing by 4 bytes.
 *
 * The tables (4 KiB per polynomial) are computed on first use rather than
 * written out as 2048 literals. No lock is needed: the first caller claims
 * the build with a compare-and-swap and publishes the tables with a release
 * store; anyone who arrives while they are being built (another CPU, or an
 * interrupt handler on this one) does not wait but computes bit by bit,
 * which gives the same result. So no reader ever sees a half-built table,
 * nobody spins, and the path works in any context. */
#include "lib/crc32.h"
#include "lib/endian.h"
#include <stdbool.h>

#define POLY_IEEE	0xEDB88320u	/* 0x04C11DB7 bit-reversed */
#define POLY_C		0x82F63B78u	/* 0x1EDC6F41 bit-reversed */

struct crc_tables {
	uint32_t t[4][256];
};

enum { TAB_NONE, TAB_BUILDING, TAB_READY };

static struct crc_tables tab_ieee, tab_c;
static int tab_state;

static uint32_t
crc_bitwise(uint32_t c, const uint8_t *p, size_t len, uint32_t poly)
{
	while (len-- > 0) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (poly & -(c & 1));
	}
	return c;
}

/* t[0][b] is the CRC register after shifting in byte b; t[k][b] is the
 * same byte followed by k zero bytes, so four bytes can be folded with
 * four independent lookups. */
static void
build(struct crc_tables *tb, uint32_t poly)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint8_t b = (uint8_t)i;
		tb->t[0][i] = crc_bitwise(0, &b, 1, poly);
	}
	for (int k = 1; k < 4; k++)
		for (int i = 0; i < 256; i++) {
			uint32_t prev = tb->t[k - 1][i];
			tb->t[k][i] = (prev >> 8) ^ tb->t[0][prev & 0xff];
		}
}

static bool
tables_ready(void)
{
	int expect = TAB_NONE;

	if (__atomic_load_n(&tab_state, __ATOMIC_ACQUIRE) == TAB_READY)
		return true;
	if (!__atomic_compare_exchange_n(&tab_state, &expect, TAB_BUILDING,
	    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	build(&tab_ieee, POLY_IEEE);
	build(&tab_c, POLY_C);
	__atomic_store_n(&tab_state, TAB_READY, __ATOMIC_RELEASE);
	return true;
}

static uint32_t
crc_sliced(uint32_t c, const uint8_t *p, size_t len,
    const struct crc_tables *tb)
{
	/* le32 assembles bytes: no alignment or endianness assumptions, and
	 * compilers turn it into a single load on x86. */
	while (len >= 4) {
		c ^= le32(p);
		c = tb->t[3][c & 0xff] ^ tb->t[2][(c >> 8) & 0xff] ^
		    tb->t[1][(c >> 16) & 0xff] ^ tb->t[0][c >> 24];
		p += 4;
		len -= 4;
	}
	while (len-- > 0)
		c = (c >> 8) ^ tb->t[0][(c ^ *p++) & 0xff];
	return c;
}

static uint32_t
crc_run(uint32_t crc, const void *buf, size_t len,
    const struct crc_tables *tb, uint32_t poly)
{
	uint32_t c = ~crc;

	if (tables_ready())
		c = crc_sliced(c, buf, len, tb);
	else
		c = crc_bitwise(c, buf, len, poly);
	return ~c;
}

uint32_t
crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
	return crc_run(crc, buf, len, &tab_ieee, POLY_IEEE);
}

uint32_t
crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc_run(crc, buf, len, &tab_c, POLY_C);
}
