#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H
#include <stdarg.h>
#include <stddef.h>

/* C99 semantics for the subset the kernel uses: flags "-0+ #", width and
 * precision (also '*'), length hh h l ll z t j, conversions d i u x X o p s c %.
 * Returns the length the full output would have had. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
