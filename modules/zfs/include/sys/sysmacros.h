#ifndef OSPREY_SPL_SYS_SYSMACROS_H
#define OSPREY_SPL_SYS_SYSMACROS_H
#include <sys/types.h>

#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b)	((a) < (b) ? (b) : (a))
#endif
#define ARRAY_SIZE(a)		(sizeof (a) / sizeof ((a)[0]))
#define P2ALIGN(x, align)	((x) & -(align))
#define P2ROUNDUP(x, align)	((((x) - 1) | ((align) - 1)) + 1)
#define P2PHASE(x, align)	((x) & ((align) - 1))
#define IS_P2ALIGNED(v, a)	((((uintptr_t)(v)) & ((uintptr_t)(a) - 1)) == 0)
#define ISP2(x)			(((x) & ((x) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#endif
