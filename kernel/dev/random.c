/* The kernel's random number generator: a ChaCha20 keystream whose key is
 * replaced after every request by keystream nobody saw (fast key erasure),
 * so a later compromise of the state does not reveal earlier output. */
#include "dev/random.h"
#include "lib/chacha20.h"
#include "sched/spinlock.h"
#include "dev/console.h"
#include "arch.h"
#include <errno.h>
#include <string.h>

static spinlock_t rng_lock = SPINLOCK_INIT("random");
static uint32_t rng_key[8];
static uint32_t rng_nonce[3];

void random_init(void)
{
	uint64_t seed[4];
	int hw = arch_get_entropy(seed, 4);

	memcpy(rng_key, seed, sizeof(rng_key));
	memset(seed, 0, sizeof(seed));
	if (!hw)
		pr_info("random: no RDSEED/RDRAND; seeded from the TSC only\n");
}

int random_bytes_out(void *buf, size_t len)
{
	uint8_t chunk[256];

	for (size_t done = 0, n; done < len; done += n) {
		n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		random_bytes(chunk, n);		/* under the generator's spinlock: no fault there */
		if (uaccess_copy((uint8_t *)buf + done, chunk, n))
			return -EFAULT;
	}
	return 0;
}

void random_bytes(void *buf, size_t len)
{
	uint8_t block[64];
	uint8_t *out = buf;
	unsigned long flags = spin_lock_irqsave(&rng_lock);
	uint32_t counter = 1;

	while (len) {
		chacha20_block(rng_key, counter++, rng_nonce, block);
		size_t n = len < 64 ? len : 64;
		memcpy(out, block, n);
		out += n;
		len -= n;
	}
	/* New key from block 0, which no caller saw. */
	chacha20_block(rng_key, 0, rng_nonce, block);
	memcpy(rng_key, block, sizeof(rng_key));
	if (++rng_nonce[0] == 0)
		rng_nonce[1]++;
	/* Stir in fresh TSC bits now and then at no cost. */
	rng_key[7] ^= (uint32_t)rdtsc();
	memset(block, 0, sizeof(block));
	spin_unlock_irqrestore(&rng_lock, flags);
}
