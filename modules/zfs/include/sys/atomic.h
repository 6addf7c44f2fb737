/* Solaris atomics on the compiler's __atomic builtins (sequentially
 * consistent, as the Solaris ones are full barriers). */
#ifndef OSPREY_SPL_SYS_ATOMIC_H
#define OSPREY_SPL_SYS_ATOMIC_H
#include <sys/types.h>

#define SPL_ATOMIC_OPS(bits, type) \
static inline void atomic_inc_##bits(volatile type *p) { __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST); } \
static inline void atomic_dec_##bits(volatile type *p) { __atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST); } \
static inline void atomic_add_##bits(volatile type *p, long d) { __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST); } \
static inline void atomic_sub_##bits(volatile type *p, long d) { __atomic_sub_fetch(p, d, __ATOMIC_SEQ_CST); } \
static inline type atomic_inc_##bits##_nv(volatile type *p) { return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST); } \
static inline type atomic_dec_##bits##_nv(volatile type *p) { return __atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST); } \
static inline type atomic_add_##bits##_nv(volatile type *p, long d) { return __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST); } \
static inline type atomic_sub_##bits##_nv(volatile type *p, long d) { return __atomic_sub_fetch(p, d, __ATOMIC_SEQ_CST); } \
static inline type atomic_cas_##bits(volatile type *p, type old, type new) \
	{ __atomic_compare_exchange_n(p, &old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); return old; } \
static inline type atomic_swap_##bits(volatile type *p, type v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); } \
static inline type atomic_load_##bits(volatile type *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); } \
static inline void atomic_store_##bits(volatile type *p, type v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); } \
static inline void atomic_or_##bits(volatile type *p, type v) { __atomic_or_fetch(p, v, __ATOMIC_SEQ_CST); } \
static inline void atomic_and_##bits(volatile type *p, type v) { __atomic_and_fetch(p, v, __ATOMIC_SEQ_CST); } \
static inline type atomic_or_##bits##_nv(volatile type *p, type v) { return __atomic_or_fetch(p, v, __ATOMIC_SEQ_CST); } \
static inline type atomic_and_##bits##_nv(volatile type *p, type v) { return __atomic_and_fetch(p, v, __ATOMIC_SEQ_CST); }

SPL_ATOMIC_OPS(8, uint8_t)
SPL_ATOMIC_OPS(16, uint16_t)
SPL_ATOMIC_OPS(32, uint32_t)
SPL_ATOMIC_OPS(64, uint64_t)
SPL_ATOMIC_OPS(uint, uint_t)
SPL_ATOMIC_OPS(ulong, ulong_t)
#undef SPL_ATOMIC_OPS

static inline void *atomic_cas_ptr(volatile void *p, void *old, void *new)
{
	__atomic_compare_exchange_n((void *volatile *)p, &old, new, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

static inline void *atomic_swap_ptr(volatile void *p, void *v)
{
	return __atomic_exchange_n((void *volatile *)p, v, __ATOMIC_SEQ_CST);
}

#define membar_producer()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define membar_consumer()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define membar_sync()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Linux's atomic_t, which Linux-facing OpenZFS code uses (inode reference
 * counts, a volume's suspend count). */
typedef struct { int counter; } atomic_t;
static inline int atomic_read(const atomic_t *a)
{ return (__atomic_load_n(&a->counter, __ATOMIC_ACQUIRE)); }
static inline void atomic_set(atomic_t *a, int v)
{ __atomic_store_n(&a->counter, v, __ATOMIC_RELEASE); }
static inline void atomic_inc(atomic_t *a)
{ __atomic_add_fetch(&a->counter, 1, __ATOMIC_ACQ_REL); }
static inline void atomic_dec(atomic_t *a)
{ __atomic_sub_fetch(&a->counter, 1, __ATOMIC_ACQ_REL); }
static inline int atomic_dec_and_test(atomic_t *a)
{ return (__atomic_sub_fetch(&a->counter, 1, __ATOMIC_ACQ_REL) == 0); }

#endif
