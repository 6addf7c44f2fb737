#ifndef OSPREY_SPL_SYS_STRINGS_H
#define OSPREY_SPL_SYS_STRINGS_H
#include <string.h>

#define bzero(p, n)		memset(p, 0, n)
#define bcopy(src, dst, n)	memmove(dst, src, n)
#define bcmp(a, b, n)		memcmp(a, b, n)

#endif
