/* crc32_ieee / crc32c: published check values, chaining at every split,
 * agreement with a bit-at-a-time reference, and first use from several
 * threads at once (the lock-free table build). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "lib/crc32.h"

static uint8_t data[4096 + 8];

static uint32_t
ref(uint32_t crc, const uint8_t *p, size_t n, uint32_t poly)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ poly : crc >> 1;
	}
	return ~crc;
}

static void
fill(void)
{
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(data); i++) {
		x = x * 1103515245 + 12345;
		data[i] = x >> 16;
	}
}

/* Runs first, before anything else has touched the tables. */
static void *
racer(void *arg)
{
	uint32_t *out = arg;

	for (int i = 0; i < 200; i++) {
		out[0] |= crc32_ieee(0, "123456789", 9) ^ 0xCBF43926;
		out[0] |= crc32c(0, data, 1000) ^ ref(0, data, 1000, 0x82F63B78);
	}
	return NULL;
}

static void
test_first_use_threads(void)
{
	pthread_t th[8];
	uint32_t bad[8] = { 0 };

	for (int i = 0; i < 8; i++)
		CHECK(pthread_create(&th[i], NULL, racer, &bad[i]) == 0);
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(bad[i], 0);
	}
}

static void
test_check_values(void)
{
	CHECK_EQ(crc32_ieee(0, "123456789", 9), 0xCBF43926u);
	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32_ieee(0, "", 0), 0);
	CHECK_EQ(crc32c(0, "", 0), 0);
	CHECK_EQ(crc32_ieee(0x1234, NULL, 0), 0x1234);
}

/* RFC 3720 (iSCSI) appendix B.4 vectors for CRC-32C. */
static void
test_crc32c_rfc3720(void)
{
	uint8_t b[32];

	memset(b, 0, sizeof(b));
	CHECK_EQ(crc32c(0, b, 32), 0x8A9136AAu);
	memset(b, 0xff, sizeof(b));
	CHECK_EQ(crc32c(0, b, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		b[i] = i;
	CHECK_EQ(crc32c(0, b, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		b[i] = 31 - i;
	CHECK_EQ(crc32c(0, b, 32), 0x113FDB5Cu);
}

static void
test_against_reference(void)
{
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n < 300; n++) {
			CHECK_EQ(crc32_ieee(0, data + off, n),
			    ref(0, data + off, n, 0xEDB88320));
			CHECK_EQ(crc32c(0, data + off, n),
			    ref(0, data + off, n, 0x82F63B78));
		}
	CHECK_EQ(crc32c(0, data, 4096), ref(0, data, 4096, 0x82F63B78));
}

static void
test_chaining(void)
{
	const size_t n = 257;
	uint32_t whole_i = crc32_ieee(0, data, n), whole_c = crc32c(0, data, n);

	for (size_t k = 0; k <= n; k++) {
		CHECK_EQ(crc32_ieee(crc32_ieee(0, data, k), data + k, n - k),
		    whole_i);
		CHECK_EQ(crc32c(crc32c(0, data, k), data + k, n - k), whole_c);
	}
}

int
main(void)
{
	fill();
	RUN(test_first_use_threads);
	RUN(test_check_values);
	RUN(test_crc32c_rfc3720);
	RUN(test_against_reference);
	RUN(test_chaining);
	return CHECK_DONE();
}
