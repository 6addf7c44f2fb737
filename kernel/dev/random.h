#ifndef DEV_RANDOM_H
#define DEV_RANDOM_H
#include <stddef.h>

/* Cryptographically strong random bytes (ChaCha20 with fast key erasure,
 * seeded from RDSEED/RDRAND and the TSC). Never blocks. */
void random_bytes(void *buf, size_t len);
/* The same into a buffer that may be a program's (checked by the caller):
 * 0, or -EFAULT if a page of it went away meanwhile. */
int random_bytes_out(void *buf, size_t len);
void random_init(void);

#endif
