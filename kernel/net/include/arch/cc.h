/* lwIP's compiler and platform definitions for the kernel (and for the
 * host build of the fuzzer, HOST_TEST, which has a C library). */
#ifndef OSPREY_LWIP_CC_H
#define OSPREY_LWIP_CC_H
#include <stdint.h>
#include <stddef.h>

#define BYTE_ORDER		LITTLE_ENDIAN
#define LWIP_NO_INTTYPES_H	1
#define LWIP_NO_CTYPE_H		1
#ifndef HOST_TEST
#define LWIP_NO_LIMITS_H	1	/* gcc's limits.h wants a C library's */
#endif
#define X8_F			"02x"
#define U16_F			"u"
#define S16_F			"d"
#define X16_F			"x"
#define U32_F			"u"
#define S32_F			"d"
#define X32_F			"x"
#define SZT_F			"zu"
#define lwip_htons(x)		__builtin_bswap16(x)
#define lwip_htonl(x)		__builtin_bswap32(x)

#ifdef HOST_TEST
#include <stdio.h>
#include <stdlib.h>
#define LWIP_PLATFORM_DIAG(x)	do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)	do { fprintf(stderr, "lwip: %s (%s:%d)\n", x, __FILE__, __LINE__); abort(); } while (0)
#else
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define LWIP_PLATFORM_DIAG(x)	do { printk x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)	panic("lwip: %s (%s:%d)", x, __FILE__, __LINE__)
#endif

#endif
