/* Random bytes from the kernel's generator (ChaCha20, seeded at boot). */
#ifndef OSPREY_SPL_SYS_RANDOM_H
#define OSPREY_SPL_SYS_RANDOM_H
#include <sys/types.h>

void random_bytes(void *buf, size_t len);

static inline int random_get_bytes(uint8_t *p, size_t len)
{
	random_bytes(p, len);
	return 0;
}

static inline int random_get_pseudo_bytes(uint8_t *p, size_t len)
{
	random_bytes(p, len);
	return 0;
}

static inline uint32_t random_in_range(uint32_t range)
{
	uint32_t r;

	if (range <= 1)
		return 0;
	random_bytes(&r, sizeof (r));
	return r % range;
}

#endif
