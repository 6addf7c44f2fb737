/* ASSERT and VERIFY: VERIFY always checks; ASSERT checks in ZFS_DEBUG
 * builds. A failure panics the kernel with the condition and the values. */
#ifndef OSPREY_SPL_SYS_DEBUG_H
#define OSPREY_SPL_SYS_DEBUG_H
#include <sys/types.h>

_Noreturn void spl_assert_failed(const char *expr, const char *file, int line);
_Noreturn void spl_assert3_failed(const char *expr, uint64_t a, uint64_t b,
    const char *file, int line);

#define VERIFY(cond) ((cond) ? (void)0 : spl_assert_failed(#cond, __FILE__, __LINE__))
#define VERIFY3_IMPL(a, op, b, type) do { \
	type _a = (type)(a), _b = (type)(b); \
	if (!(_a op _b)) \
		spl_assert3_failed(#a " " #op " " #b, (uint64_t)(uintptr_t)_a, \
		    (uint64_t)(uintptr_t)_b, __FILE__, __LINE__); \
} while (0)
#define VERIFY3S(a, op, b) VERIFY3_IMPL(a, op, b, int64_t)
#define VERIFY3U(a, op, b) VERIFY3_IMPL(a, op, b, uint64_t)
#define VERIFY3P(a, op, b) VERIFY3_IMPL(a, op, b, uintptr_t)
#define VERIFY3B(a, op, b) VERIFY3_IMPL(a, op, b, boolean_t)
#define VERIFY0(a) VERIFY3_IMPL(a, ==, 0, int64_t)

#ifdef ZFS_DEBUG
#define ASSERT(c)		VERIFY(c)
#define ASSERT3S(a, op, b)	VERIFY3S(a, op, b)
#define ASSERT3U(a, op, b)	VERIFY3U(a, op, b)
#define ASSERT3P(a, op, b)	VERIFY3P(a, op, b)
#define ASSERT3B(a, op, b)	VERIFY3B(a, op, b)
#define ASSERT0(a)		VERIFY0(a)
#define IMPLY(a, b)		VERIFY(!(a) || (b))
#define EQUIV(a, b)		VERIFY(!!(a) == !!(b))
#else
/* As OpenZFS's release builds: gone, arguments unparsed (some name
 * functions that exist only in debug builds). */
#define ASSERT(c)		((void)0)
#define ASSERT3S(a, op, b)	((void)0)
#define ASSERT3U(a, op, b)	((void)0)
#define ASSERT3P(a, op, b)	((void)0)
#define ASSERT3B(a, op, b)	((void)0)
#define ASSERT0(a)		((void)0)
#define IMPLY(a, b)		((void)0)
#define EQUIV(a, b)		((void)0)
#endif
#define CTASSERT(x)		_Static_assert(x, #x)
#define CTASSERT_GLOBAL(x)	_Static_assert(x, #x)

#endif
