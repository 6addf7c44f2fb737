/* The C library string and formatting functions OpenZFS calls that the
 * kernel's library does not have, and qsort. */
#include <sys/types.h>
#include <sys/strings.h>
#include <sys/sysmacros.h>
#include <sys/ctype.h>
#include <sys/param.h>

size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

char *strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s ? (char *)s : NULL;
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++)
		if (strncmp(haystack, needle, n) == 0)
			return (char *)haystack;
	return n == 0 ? (char *)haystack : NULL;
}

char *strncpy(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	memcpy(dst, src, len);
	memset(dst + len, 0, n - len);
	return dst;
}

char *strcpy(char *dst, const char *src)
{
	return memcpy(dst, src, strlen(src) + 1);
}

char *strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strncat(char *dst, const char *src, size_t n)
{
	char *end = dst + strlen(dst);
	size_t len = strnlen(src, n);

	memcpy(end, src, len);
	end[len] = '\0';
	return dst;
}

size_t strlcat(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(dst, size);

	if (len == size)
		return size + strlen(src);
	return len + strlcpy(dst + len, src, size - len);
}

char *strsep(char **sp, const char *delim)
{
	char *s = *sp;

	if (s == NULL)
		return NULL;
	char *end = s + strcspn(s, delim);
	*sp = *end ? end + 1 : NULL;
	*end = '\0';
	return s;
}

/* Linux's module-parameter getters write into a page; so does ours. */
int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, PAGESIZE, fmt, ap);
	va_end(ap);
	return n;
}

/* Reads an optionally signed integer in base 10, or 16 with 0x. */
static const char *scan_int(const char *s, int base, long long *v)
{
	const char *start;
	bool neg = false;
	unsigned long long n = 0;

	while (isspace(*s))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (start = s;; s++) {
		int d = isdigit(*s) ? *s - '0' : base == 16 && isxdigit(*s) ? tolower(*s) - 'a' + 10 : -1;
		if (d < 0)
			break;
		n = n * base + d;
	}
	*v = neg ? -(long long)n : (long long)n;
	return s == start ? NULL : s;
}

/* sscanf for integers (%d %u %x with h/l/ll), %n and literal characters:
 * what OpenZFS's callers use. Anything else ends the scan. */
int sscanf(const char *str, const char *fmt, ...)
{
	const char *s = str;
	int assigned = 0;
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (isspace(*fmt)) {
			while (isspace(*s))
				s++;
			continue;
		}
		if (*fmt != '%' || *++fmt == '%') {
			if (*s++ != *fmt)
				break;
			continue;
		}
		int lng = 0;
		for (; *fmt == 'l' || *fmt == 'h'; fmt++)
			lng += *fmt == 'l' ? 1 : -1;
		if (*fmt == 'n') {
			*va_arg(ap, int *) = (int)(s - str);
			continue;
		}
		if (!strchr("dux", *fmt))
			break;
		long long v;
		const char *end = scan_int(s, *fmt == 'x' ? 16 : 10, &v);
		if (end == NULL)
			break;
		s = end;
		if (lng >= 2)
			*va_arg(ap, long long *) = v;
		else if (lng == 1)
			*va_arg(ap, long *) = (long)v;
		else if (lng < 0)
			*va_arg(ap, short *) = (short)v;
		else
			*va_arg(ap, int *) = (int)v;
		assigned++;
	}
	va_end(ap);
	return assigned;
}

static void swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void sift_down(char *base, size_t root, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
	}
}

/* Heapsort: no recursion and no extra memory, O(n log n) always. */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;

	for (size_t i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp);
	for (size_t end = n; end-- > 1;) {
		swap_bytes(b, b + end * size, size);
		sift_down(b, 0, end, size, cmp);
	}
}
