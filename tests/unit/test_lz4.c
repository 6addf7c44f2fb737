/* LZ4 decoder: cross-checked against Debian's liblz4 on random, repetitive
 * and real data, and fed malformed blocks that must fail without touching
 * memory outside the buffers (ASan watches). `test_lz4 --bench FILE...`
 * prints decode speed against LZ4_decompress_safe (build without ASan). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>
#include <lz4.h>
#include <lz4hc.h>
#include "check.h"
#include "lib/lz4.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Compresses with liblz4 (fast or HC), decodes with ours into an exactly
 * sized heap buffer, and checks the bytes; also that one byte less fails. */
static void roundtrip(const uint8_t *in, size_t n, int hc)
{
	int cap = LZ4_compressBound((int)n);
	char *c = malloc(cap);
	int clen = hc ? LZ4_compress_HC((const char *)in, c, (int)n, cap, hc)
		      : LZ4_compress_default((const char *)in, c, (int)n, cap);
	CHECK(clen > 0);
	/* Copy to an exact-size buffer so any overread is caught. */
	uint8_t *src = malloc(clen);
	memcpy(src, c, clen);
	uint8_t *out = malloc(n ? n : 1);
	int r = lz4_decompress(src, clen, out, n);
	CHECK_EQ(r, n);
	CHECK(r < 0 || memcmp(out, in, n) == 0);
	if (n > 0) {
		r = lz4_decompress(src, clen, out, n - 1);
		CHECK(r < 0);
	}
	free(out);
	free(src);
	free(c);
}

static void test_random(void)
{
	for (int i = 0; i < 50; i++) {
		size_t n = rnd() % 70000;
		uint8_t *b = malloc(n + 1);
		for (size_t j = 0; j < n; j++)
			b[j] = rnd();
		roundtrip(b, n, i & 1 ? 9 : 0);
		free(b);
	}
}

static void test_repetitive(void)
{
	static const size_t sizes[] = { 0, 1, 4, 5, 12, 13, 15, 16, 17, 19, 64, 255, 270, 4096, 65536, 300000 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		uint8_t *b = malloc(n + 1);
		for (unsigned period = 1; period <= 17; period += 2) {
			for (size_t j = 0; j < n; j++)
				b[j] = (j % period) * 37 + (j / 5000);
			roundtrip(b, n, 0);
			roundtrip(b, n, 12);
		}
		/* Mixed: runs of zeros, short patterns and noise. */
		for (size_t j = 0; j < n; j++) {
			unsigned k = (j / 97) % 4;
			b[j] = k == 0 ? 0 : k == 1 ? (uint8_t)(j % 3) : k == 2 ? (uint8_t)rnd() : 'x';
		}
		roundtrip(b, n, 0);
		roundtrip(b, n, 9);
		free(b);
	}
}

static uint8_t *slurp(const char *path, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *b = malloc(max);
	*len = fread(b, 1, max, f);
	fclose(f);
	return b;
}

static void test_real(void)
{
	DIR *d = opendir("/usr/bin");
	struct dirent *e;
	int done = 0;
	CHECK(d != NULL);
	while (d && (e = readdir(d)) && done < 40) {
		char p[512];
		struct stat st;
		snprintf(p, sizeof p, "/usr/bin/%s", e->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 1000)
			continue;
		size_t n;
		uint8_t *b = slurp(p, &n, 1 << 20);
		if (!b)
			continue;
		roundtrip(b, n, done & 1 ? 12 : 0);
		free(b);
		done++;
	}
	if (d)
		closedir(d);
	CHECK(done > 10);
}

/* Hand-made blocks: each must be rejected. */
static void test_malformed_handmade(void)
{
	uint8_t out[64];
	/* Empty input. */
	CHECK_EQ(lz4_decompress("", 0, out, sizeof out), -EINVAL);
	/* One literal then a match reaching before the output start. */
	static const uint8_t before[] = { 0x10, 'a', 0x02, 0x00, 0x00 };
	CHECK_EQ(lz4_decompress(before, sizeof before, out, sizeof out), -EINVAL);
	/* Offset zero. */
	static const uint8_t zero[] = { 0x10, 'a', 0x00, 0x00, 0x00 };
	CHECK_EQ(lz4_decompress(zero, sizeof zero, out, sizeof out), -EINVAL);
	/* Literal length says 5, only 2 present. */
	static const uint8_t shortlit[] = { 0x50, 'a', 'b' };
	CHECK_EQ(lz4_decompress(shortlit, sizeof shortlit, out, sizeof out), -EINVAL);
	/* Length continuation runs off the end. */
	static const uint8_t cont[] = { 0xf0, 255, 255 };
	CHECK_EQ(lz4_decompress(cont, sizeof cont, out, sizeof out), -EINVAL);
	/* Ends on a match (no final literal sequence). */
	static const uint8_t endmatch[] = { 0x10, 'a', 0x01, 0x00 };
	CHECK_EQ(lz4_decompress(endmatch, sizeof endmatch, out, sizeof out), -EINVAL);
	/* Offset truncated. */
	static const uint8_t halfoff[] = { 0x10, 'a', 0x01 };
	CHECK_EQ(lz4_decompress(halfoff, sizeof halfoff, out, sizeof out), -EINVAL);
	/* Valid: 'a' then 19 more 'a' by overlapping match, then 1 literal. */
	static const uint8_t ok[] = { 0x1f, 'a', 0x01, 0x00, 0x00, 0x10, 'b' };
	CHECK_EQ(lz4_decompress(ok, sizeof ok, out, sizeof out), 21);
	CHECK(out[0] == 'a' && out[19] == 'a' && out[20] == 'b');
	/* The same does not fit in 20 bytes. */
	CHECK(lz4_decompress(ok, sizeof ok, out, 20) < 0);
	/* Huge match length must not wrap. */
	uint8_t huge[64];
	size_t k = 0;
	huge[k++] = 0x1f;
	huge[k++] = 'a';
	huge[k++] = 1;
	huge[k++] = 0;
	while (k < 60)
		huge[k++] = 255;
	huge[k++] = 0;
	huge[k++] = 0x10;
	huge[k++] = 'b';
	CHECK(lz4_decompress(huge, k, out, sizeof out) < 0);
}

/* Decode with both; if liblz4 accepts, we must accept with the same bytes. */
static void cross(const uint8_t *src, size_t n, size_t cap)
{
	uint8_t *s = malloc(n ? n : 1);
	memcpy(s, src, n);
	uint8_t *a = malloc(cap ? cap : 1), *b = malloc(cap ? cap : 1);
	int ra = lz4_decompress(s, n, a, cap);
	int rb = LZ4_decompress_safe((const char *)s, (char *)b, (int)n, (int)cap);
	CHECK(ra <= (int)cap);
	if (rb >= 0) {
		CHECK_EQ(ra, rb);
		CHECK(ra < 0 || memcmp(a, b, ra) == 0);
	}
	free(a);
	free(b);
	free(s);
}

static void test_malformed_mutations(void)
{
	size_t n = 20000;
	uint8_t *in = malloc(n);
	for (size_t j = 0; j < n; j++)
		in[j] = (j % 200 < 100) ? (uint8_t)(j % 7) : (uint8_t)rnd() % 4;
	int cap = LZ4_compressBound((int)n);
	uint8_t *c = malloc(cap);
	int clen = LZ4_compress_HC((char *)in, (char *)c, (int)n, cap, 9);
	CHECK(clen > 0);
	/* Every truncation. */
	for (int t = 0; t < clen; t++)
		cross(c, t, n);
	/* Random byte flips. */
	uint8_t *m = malloc(clen);
	for (int i = 0; i < 3000; i++) {
		memcpy(m, c, clen);
		int flips = 1 + rnd() % 4;
		while (flips--)
			m[rnd() % clen] ^= 1 + rnd() % 255;
		cross(m, clen, n);
		cross(m, clen, n / 2);
	}
	/* Pure garbage of many lengths, into small and large buffers. */
	for (int i = 0; i < 3000; i++) {
		size_t gl = rnd() % 300;
		for (size_t j = 0; j < gl; j++)
			m[j] = rnd();
		cross(m, gl, rnd() % 2000);
	}
	free(m);
	free(c);
	free(in);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Compresses each file in 64 KiB blocks with LZ4HC and times both decoders. */
static int bench(int argc, char **argv)
{
	size_t bs = 65536, total = 0, cap = 0, nblk = 0;
	uint8_t *raw = NULL;
	for (int i = 0; i < argc; i++) {
		size_t n;
		uint8_t *b = slurp(argv[i], &n, 64 << 20);
		if (!b)
			continue;
		if (total + n > cap) {
			cap = (total + n) * 2;
			raw = realloc(raw, cap);
		}
		memcpy(raw + total, b, n);
		total += n;
		free(b);
	}
	nblk = (total + bs - 1) / bs;
	char **cb = calloc(nblk, sizeof *cb);
	int *cl = calloc(nblk, sizeof *cl);
	size_t ctotal = 0;
	for (size_t k = 0; k < nblk; k++) {
		size_t len = total - k * bs < bs ? total - k * bs : bs;
		cb[k] = malloc(LZ4_compressBound(bs));
		cl[k] = LZ4_compress_HC((char *)raw + k * bs, cb[k], (int)len, LZ4_compressBound(bs), 12);
		ctotal += cl[k];
	}
	uint8_t *out = malloc(bs);
	double best[2] = { 1e9, 1e9 };
	for (int rep = 0; rep < 5 + (int)(200000000 / total); rep++) {
		for (int which = 0; which < 2; which++) {
			double t0 = now();
			for (size_t k = 0; k < nblk; k++) {
				int r = which ? LZ4_decompress_safe(cb[k], (char *)out, cl[k], bs)
					      : lz4_decompress(cb[k], cl[k], out, bs);
				if (r < 0) {
					fprintf(stderr, "decode failed\n");
					return 1;
				}
			}
			double t = now() - t0;
			if (t < best[which])
				best[which] = t;
		}
	}
	printf("%zu bytes in, %zu compressed (%.1f%%), %zu blocks\n", total, ctotal, 100.0 * ctotal / total, nblk);
	printf("osprey lz4_decompress: %.0f MB/s\n", total / best[0] / 1e6);
	printf("liblz4 LZ4_decompress_safe: %.0f MB/s\n", total / best[1] / 1e6);
	printf("ratio: %.2fx\n", best[1] / best[0]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench(argc - 2, argv + 2);
	RUN(test_random);
	RUN(test_repetitive);
	RUN(test_real);
	RUN(test_malformed_handmade);
	RUN(test_malformed_mutations);
	return CHECK_DONE();
}
