/* Host shim of kernel/arch.h for the VFS tests: what kernel/fs uses of
 * it. A program's buffer is just memory here, so a copy cannot fault. */
#ifndef SHIM_ARCH_H
#define SHIM_ARCH_H
#include <stddef.h>
#include <string.h>

static inline long uaccess_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

static inline long uaccess_clear(void *dst, size_t n)
{
	memset(dst, 0, n);
	return 0;
}
#endif
