/* SIMD: the kernel runs with general registers only (-mgeneral-regs-only),
 * so every OpenZFS implementation choice falls back to its generic C. */
#ifndef OSPREY_SPL_SYS_SIMD_H
#define OSPREY_SPL_SYS_SIMD_H
#include <sys/types.h>

#define kfpu_allowed()		0
#define kfpu_begin()		((void)0)
#define kfpu_end()		((void)0)
#define kfpu_init()		0
#define kfpu_fini()		((void)0)
#define zfs_sse_available()	B_FALSE
#define zfs_sse2_available()	B_FALSE
#define zfs_sse3_available()	B_FALSE
#define zfs_ssse3_available()	B_FALSE
#define zfs_sse4_1_available()	B_FALSE
#define zfs_sse4_2_available()	B_FALSE
#define zfs_avx_available()	B_FALSE
#define zfs_avx2_available()	B_FALSE
#define zfs_avx512f_available()	B_FALSE
#define zfs_avx512bw_available() B_FALSE
#define zfs_aes_available()	B_FALSE
#define zfs_pclmulqdq_available() B_FALSE
#define zfs_movbe_available()	B_FALSE
#define zfs_shani_available()	B_FALSE

#endif
