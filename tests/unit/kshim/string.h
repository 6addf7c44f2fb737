/* Host shim: the C library's <string.h> plus strlcpy, which the kernel's
 * lib/string.c has and older glibc lacks (defined in kshim/string.c). */
#ifndef KSHIM_STRING_H
#define KSHIM_STRING_H
#include_next <string.h>

size_t kshim_strlcpy(char *dst, const char *src, size_t size);
#define strlcpy kshim_strlcpy

#endif
