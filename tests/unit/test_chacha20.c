/* ChaCha20 against the RFC 8439 test vector (section 2.3.2). */
#include "lib/chacha20.h"
#include <string.h>
#include "check.h"

static void rfc8439_block(void)
{
	uint32_t key[8], nonce[3] = { 0x09000000, 0x4a000000, 0x00000000 };
	uint8_t out[64];
	static const uint8_t expect[16] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15,
		0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
	};
	static const uint8_t expect_tail[4] = { 0xa2, 0x50, 0x3c, 0x4e };

	for (int i = 0; i < 8; i++)
		key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 |
		    (uint32_t)(4 * i + 2) << 16 | (uint32_t)(4 * i + 3) << 24;
	chacha20_block(key, 1, nonce, out);
	CHECK(!memcmp(out, expect, 16));
	CHECK(!memcmp(out + 60, expect_tail, 4));
}

int main(void)
{
	RUN(rfc8439_block);
	return CHECK_DONE();
}
