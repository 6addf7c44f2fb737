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
#define ABS(a)			((a) < 0 ? -(a) : (a))
#define roundup(x, y)		((((x) + ((y) - 1)) / (y)) * (y))
#define howmany(x, y)		(((x) + ((y) - 1)) / (y))
#define P2CROSS(x, y, align)	(((x) ^ (y)) > (align) - 1)
#define P2NPHASE(x, align)	(-(x) & ((align) - 1))
#define P2BOUNDARY(off, len, align) \
	(((off) ^ ((off) + (len) - 1)) > (align) - 1)
#define P2ALIGN_TYPED(x, align, type)	((type)(x) & -(type)(align))
#define P2PHASE_TYPED(x, align, type)	((type)(x) & ((type)(align) - 1))
#define P2NPHASE_TYPED(x, align, type)	(-(type)(x) & ((type)(align) - 1))
#define P2ROUNDUP_TYPED(x, align, type)	((((type)(x) - 1) | ((type)(align) - 1)) + 1)
#define P2END_TYPED(x, align, type)	(-(~(type)(x) & -(type)(align)))
#define P2PHASEUP_TYPED(x, align, phase, type) \
	((type)(phase) - (((type)(phase) - (type)(x)) & -(type)(align)))
#define P2CROSS_TYPED(x, y, align, type) \
	(((type)(x) ^ (type)(y)) > (type)(align) - 1)
#define P2SAMEHIGHBIT_TYPED(x, y, type) \
	(((type)(x) ^ (type)(y)) < ((type)(x) & (type)(y)))
/* Errors pass through __set_error (zfs_debug.c), which logs them when
 * zfs_flags has ZFS_DEBUG_SET_ERROR. */
void __set_error(const char *file, const char *func, int line, int err);
#define SET_ERROR(err)		(__set_error(__FILE__, __func__, __LINE__, err), err)
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* Bit positions counted from 1; 0 for 0. */
static inline int highbit64(uint64_t i) { return i ? 64 - __builtin_clzll(i) : 0; }
static inline int lowbit64(uint64_t i) { return i ? __builtin_ctzll(i) + 1 : 0; }
#define highbit(x)		highbit64(x)
#define lowbit(x)		lowbit64(x)

int spl_ncpus(void);
int spl_cpuid(void);
#define max_ncpus		spl_ncpus()
#define boot_ncpus		spl_ncpus()
/* Dense CPU numbers 0..max_ncpus-1; every CPU starts before the module loads. */
#define CPU_SEQID		spl_cpuid()
#define CPU_SEQID_UNSTABLE	spl_cpuid()
#define is_system_labeled()	0
#define RLIM64_INFINITY		(~0ULL)
#define makedevice(maj, min)	(((dev_t)(maj) << 32) | (min))
#define getmajor(d)		((major_t)((d) >> 32))
#define getminor(d)		((minor_t)(d))

#endif
