/* zlib (gzip compression): Osprey has no zlib, so these fail with
 * Z_ERRNO; OpenZFS then stores blocks uncompressed, and reading a block
 * that Linux wrote gzip-compressed gives EIO with a message. */
#ifndef OSPREY_SPL_SYS_ZMOD_H
#define OSPREY_SPL_SYS_ZMOD_H
#include <sys/types.h>

#define Z_OK		0
#define Z_ERRNO		(-1)
#define Z_BUF_ERROR	(-5)

int z_compress_level(void *dst, size_t *dstlen, const void *src, size_t srclen, int level);
int z_uncompress(void *dst, size_t *dstlen, const void *src, size_t srclen);

#endif
