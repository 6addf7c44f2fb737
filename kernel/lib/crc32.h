/* CRC-32 checksums (pure: compiled into the kernel and on the host).
 *
 * crc32_ieee: the zlib/PNG/GPT CRC (reflected polynomial 0xEDB88320).
 * crc32c:     Castagnoli (reflected polynomial 0x82F63B78), used by ROFS.
 *
 * Both follow the zlib convention: start with crc = 0, feed the running
 * value back in to continue, e.g. crc32c(crc32c(0, a, n), b, m) is the
 * CRC of a followed by b. The pre/post inversion happens inside. */
#ifndef OSPREY_LIB_CRC32_H
#define OSPREY_LIB_CRC32_H
#include <stddef.h>
#include <stdint.h>

uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
