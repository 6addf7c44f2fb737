/* Byte order on a little-endian machine: the host is x86-64. */
#ifndef OSPREY_SPL_SYS_BYTEORDER_H
#define OSPREY_SPL_SYS_BYTEORDER_H
#include <sys/types.h>

#define BSWAP_8(x)	((x) & 0xff)
#define BSWAP_16(x)	((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define BSWAP_32(x)	((uint32_t)__builtin_bswap32((uint32_t)(x)))
#define BSWAP_64(x)	((uint64_t)__builtin_bswap64((uint64_t)(x)))

#define LE_16(x)	((uint16_t)(x))
#define LE_32(x)	((uint32_t)(x))
#define LE_64(x)	((uint64_t)(x))
#define BE_16(x)	BSWAP_16(x)
#define BE_32(x)	BSWAP_32(x)
#define BE_64(x)	BSWAP_64(x)
#define htonl(x)	BE_32(x)
#define ntohl(x)	BE_32(x)
#define htons(x)	BE_16(x)
#define ntohs(x)	BE_16(x)
#define htonll(x)	BE_64(x)
#define ntohll(x)	BE_64(x)

#define BE_IN8(xa)	(*((uint8_t *)(xa)))
#define BE_IN16(xa)	(((uint16_t)BE_IN8(xa) << 8) | BE_IN8((uint8_t *)(xa) + 1))
#define BE_IN32(xa)	(((uint32_t)BE_IN16(xa) << 16) | BE_IN16((uint8_t *)(xa) + 2))
#define BE_IN64(xa)	(((uint64_t)BE_IN32(xa) << 32) | BE_IN32((uint8_t *)(xa) + 4))

#endif
