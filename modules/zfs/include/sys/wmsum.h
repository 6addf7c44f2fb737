/* Write-mostly sums: one 64-bit counter updated atomically (a unikernel
 * with few CPUs gains little from per-CPU counters). */
#ifndef OSPREY_SPL_SYS_WMSUM_H
#define OSPREY_SPL_SYS_WMSUM_H
#include <sys/atomic.h>

typedef struct wmsum {
	uint64_t value;
} wmsum_t;

static inline void wmsum_init(wmsum_t *ws, uint64_t value) { ws->value = value; }
static inline void wmsum_fini(wmsum_t *ws) { (void)ws; }
static inline uint64_t wmsum_value(wmsum_t *ws) { return atomic_load_64(&ws->value); }
static inline void wmsum_add(wmsum_t *ws, int64_t delta) { atomic_add_64(&ws->value, delta); }

#endif
