/* Solaris types for OpenZFS, on Osprey's freestanding C. */
#ifndef OSPREY_SPL_SYS_TYPES_H
#define OSPREY_SPL_SYS_TYPES_H
/* The compiler's own integer types: zstd's wrapper headers take the names
 * <stdint.h> and <stddef.h> in its files, so they cannot be included. */
#include <stdint-gcc.h>
#include <stdbool.h>
#include <stdarg.h>
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#ifndef NULL
#define NULL ((void *)0)
#endif
#ifndef offsetof
#define offsetof(t, m) __builtin_offsetof(t, m)
#endif

#define _LP64 1
#define _LITTLE_ENDIAN 1

typedef enum { B_FALSE = 0, B_TRUE = 1 } boolean_t;
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif
typedef unsigned char uchar_t;
typedef unsigned short ushort_t;
typedef unsigned int uint_t;
typedef unsigned long ulong_t;
typedef unsigned long long u_longlong_t;
typedef long long longlong_t;
typedef long ssize_t;
typedef int64_t offset_t;
typedef int64_t loff_t;
typedef int64_t hrtime_t;
typedef int64_t time_t;
typedef char *caddr_t;
typedef uint32_t uid_t;
typedef uint32_t gid_t;
typedef uint32_t mode_t;
typedef int32_t pid_t;
typedef uint64_t dev_t;
typedef uint64_t rlim64_t;
typedef uint32_t major_t;
typedef uint32_t minor_t;
typedef uint_t zoneid_t;
typedef struct { int32_t val[2]; } fsid_t;

typedef struct timespec {
	time_t tv_sec;
	long tv_nsec;
} timespec_t;
typedef struct timespec inode_timespec_t;
typedef struct timeval {
	time_t tv_sec;
	long tv_usec;
} timeval_t;
typedef uint64_t u_offset_t;
typedef short index_t;
typedef uint64_t ino_t;
typedef uint64_t blkcnt_t;
typedef uint32_t nlink_t;
typedef int64_t diskaddr_t;
typedef uint16_t umode_t;
typedef int processorid_t;
typedef unsigned short sa_family_t;
typedef uint64_t pgcnt_t;
typedef long spgcnt_t;
typedef int projid_t;
typedef int64_t off_t;
typedef unsigned char u_char;
typedef unsigned int u_int;
typedef unsigned long u_long;
typedef unsigned short u_short;
typedef uint8_t u_int8_t;
typedef uint16_t u_int16_t;
typedef uint32_t u_int32_t;
typedef uint64_t u_int64_t;

#define INT_MAX		__INT_MAX__
#define INT_MIN		(-INT_MAX - 1)
#define UINT_MAX	(INT_MAX * 2U + 1U)
#define LONG_MAX	__LONG_MAX__
#define LONG_MIN	(-LONG_MAX - 1L)
#define ULONG_MAX	(LONG_MAX * 2UL + 1UL)
#define LLONG_MAX	__LONG_LONG_MAX__
#define LLONG_MIN	(-LLONG_MAX - 1LL)
#define ULLONG_MAX	(LLONG_MAX * 2ULL + 1ULL)
#define CHAR_BIT	8
#define UINT8_MIN	0
#define UINT16_MIN	0
#define UINT32_MIN	0
#define UINT64_MIN	0
#define MAXOFFSET_T	LLONG_MAX
#define SHRT_MAX	0x7fff
#define SHRT_MIN	(-SHRT_MAX - 1)
#define USHRT_MAX	0xffff
#define UCHAR_MAX	0xff
#define SCHAR_MAX	0x7f
#define SCHAR_MIN	(-0x80)

/* The compiler's attributes under the names OpenZFS uses. */
#define __maybe_unused		__attribute__((unused))
#define __unused		__attribute__((unused))
#define __printflike(f, a)	__attribute__((format(printf, f, a)))
#define __packed		__attribute__((packed))
#define __aligned(n)		__attribute__((aligned(n)))
#ifndef __always_inline	/* glibc's cdefs.h has one (host unit tests) */
#define __always_inline		inline __attribute__((always_inline))
#endif
#define noinline		__attribute__((noinline))
#define __noinline		__attribute__((noinline))
#define __cold			__attribute__((cold))
#define __must_check		__attribute__((warn_unused_result))
#ifndef fallthrough
#define fallthrough		__attribute__((__fallthrough__))
#endif
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define ____cacheline_aligned	__attribute__((aligned(64)))
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/* Every OpenZFS file sees the module glue and the platform, as the Linux
 * SPL's types.h brings in linux/module.h. */
#include <sys/isa_defs.h>
#include <sys/mod_os.h>
#include <sys/errno.h>
#include <sys/strings.h>

#endif
