/* SHA-256 (FIPS 180-4), for the ZFS test programs: treesum prints file
 * hashes in sha256sum's format, fsyncwriter checksums its records. */
#ifndef APPS_ZFS_SHA256_H
#define APPS_ZFS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;		/* message length so far */
	uint8_t buf[64];	/* a partial block */
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST_LEN]);
/* One call for a whole buffer. */
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN]);
/* 64 lowercase hex digits and a NUL into hex[65]. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char hex[65]);

#endif
