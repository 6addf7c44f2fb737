/* strlcpy as the kernel's lib/string.c has it, for host tests (older
 * glibc has none); see kshim/string.h. */
#include <string.h>

size_t kshim_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
