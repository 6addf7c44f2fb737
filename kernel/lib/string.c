/* Byte and string helpers for the freestanding kernel.
 *
 * The bulk moves are plain C over 8-byte words, 64 bytes a loop: under
 * QEMU's TCG every iteration of a "rep movs"/"rep stos" is a translated
 * block of its own (rep movsb copies ~12 MB/s there, this loop ~1 GB/s),
 * and on hardware the compiler's loop is within a small factor of them.
 * The kernel has no SSE, so words are the widest registers. GCC must not
 * turn these loops back into calls to themselves. */
#define OSPREY_STRING_FUNCS	/* the functions, not string.h's inline forms */
#include <string.h>
#include <stdint.h>

/* Unaligned, aliasing-safe 8-byte access (x86 allows unaligned loads). */
typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) word_u;

#define NO_LIBCALL __attribute__((__optimize__("no-tree-loop-distribute-patterns")))

NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= 64; n -= 64, d += 64, s += 64) {
		word_u *wd = (word_u *)d;
		const word_u *ws = (const word_u *)s;
		uint64_t a = ws[0], b = ws[1], c = ws[2], e = ws[3];
		uint64_t f = ws[4], g = ws[5], h = ws[6], k = ws[7];

		wd[0] = a; wd[1] = b; wd[2] = c; wd[3] = e;
		wd[4] = f; wd[5] = g; wd[6] = h; wd[7] = k;
	}
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(word_u *)d = *(const word_u *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

/* Overlapping with dst above src: copy from the end, words then bytes. */
NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n) {
		/* Forward is safe even when they overlap with d < s: each
		 * word is loaded before the store that could reach it. */
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(word_u *)d = *(const word_u *)s;
		while (n--)
			*d++ = *s++;
		return dst;
	}
	for (; n >= 8; n -= 8)
		*(word_u *)(d + n - 8) = *(const word_u *)(s + n - 8);
	while (n--)
		d[n] = s[n];
	return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t w = 0x0101010101010101ull * (unsigned char)c;

	for (; n >= 64; n -= 64, d += 64) {
		word_u *wd = (word_u *)d;

		wd[0] = w; wd[1] = w; wd[2] = w; wd[3] = w;
		wd[4] = w; wd[5] = w; wd[6] = w; wd[7] = w;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(word_u *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	/* Skip equal words; the first differing byte is found below. */
	for (; n >= 8 && *(const word_u *)x == *(const word_u *)y; n -= 8, x += 8, y += 8)
		;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	return *(const unsigned char *)a - *(const unsigned char *)b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n && *a && *a == *b; n--, a++, b++)
		;
	return n ? *(const unsigned char *)a - *(const unsigned char *)b : 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}
