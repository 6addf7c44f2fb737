/* ChaCha20 block function, from RFC 8439. Pure. */
#include "lib/chacha20.h"

static inline uint32_t rotl(uint32_t v, int n)
{
	return v << n | v >> (32 - n);
}

#define QR(a, b, c, d) do { \
	a += b; d ^= a; d = rotl(d, 16); \
	c += d; b ^= c; b = rotl(b, 12); \
	a += b; d ^= a; d = rotl(d, 8); \
	c += d; b ^= c; b = rotl(b, 7); \
} while (0)

void chacha20_block(const uint32_t key[8], uint32_t counter,
    const uint32_t nonce[3], uint8_t out[64])
{
	uint32_t s[16] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
		key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
		counter, nonce[0], nonce[1], nonce[2],
	};
	uint32_t x[16];

	for (int i = 0; i < 16; i++)
		x[i] = s[i];
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = x[i] + s[i];
		out[4 * i + 0] = v;
		out[4 * i + 1] = v >> 8;
		out[4 * i + 2] = v >> 16;
		out[4 * i + 3] = v >> 24;
	}
}
