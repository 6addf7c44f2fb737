#ifndef LIB_CHACHA20_H
#define LIB_CHACHA20_H
#include <stdint.h>

/* One ChaCha20 block (RFC 8439, 2.3): 64 bytes of keystream for a 256-bit
 * key, a 32-bit block counter and a 96-bit nonce. */
void chacha20_block(const uint32_t key[8], uint32_t counter,
    const uint32_t nonce[3], uint8_t out[64]);

#endif
