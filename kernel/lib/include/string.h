/* Freestanding subset of <string.h>: pure code includes <string.h> and gets
 * this in the kernel and the host's in tools and tests. */
#ifndef OSPREY_STRING_H
#define OSPREY_STRING_H
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * -ffreestanding stops GCC from expanding these itself, so even an 8-byte
 * memcpy is a call (and under TCG a return costs a lookup of its target).
 * Copies of a few constant bytes are asked of the compiler again, which
 * emits moves; sizes above these bounds would become "rep movs/stos",
 * which are slow under TCG, so those, and every variable size, still call
 * the functions. lib/string.c defines OSPREY_STRING_FUNCS to define them.
 */
#ifndef OSPREY_STRING_FUNCS
#define OSPREY_SMALL(n, max)	(__builtin_constant_p(n) && (n) <= (max))
#define memcpy(d, s, n)	(OSPREY_SMALL(n, 128) ? __builtin_memcpy(d, s, n) : (memcpy)(d, s, n))
#define memmove(d, s, n) (OSPREY_SMALL(n, 16) ? __builtin_memmove(d, s, n) : (memmove)(d, s, n))
#define memset(d, c, n)	(OSPREY_SMALL(n, 32) ? __builtin_memset(d, c, n) : (memset)(d, c, n))
#define memcmp(a, b, n)	(OSPREY_SMALL(n, 16) ? __builtin_memcmp(a, b, n) : (memcmp)(a, b, n))
#endif

#endif
