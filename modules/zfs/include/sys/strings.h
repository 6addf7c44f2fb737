#ifndef OSPREY_SPL_SYS_STRINGS_H
#define OSPREY_SPL_SYS_STRINGS_H
#include <string.h>
#include <stdarg.h>

#define bzero(p, n)		memset(p, 0, n)
#define bcopy(src, dst, n)	memmove(dst, src, n)
#define bcmp(a, b, n)		memcmp(a, b, n)

/* String helpers the kernel's library lacks (spl/spl_string.c). */
char *strpbrk(const char *s, const char *accept);
char *strstr(const char *haystack, const char *needle);
char *strncpy(char *dst, const char *src, size_t n);
char *strcpy(char *dst, const char *src);
char *strcat(char *dst, const char *src);
char *strncat(char *dst, const char *src, size_t n);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
size_t strlcat(char *dst, const char *src, size_t size);
char *strsep(char **sp, const char *delim);

int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Integers and %n only: the conversions OpenZFS's callers use. */
int sscanf(const char *str, const char *fmt, ...);

#endif
