/* lz4bench: Osprey's LZ4 block decoder (kernel/lib/lz4.c) against liblz4's
 * LZ4_decompress_safe on real data, for tools/bench.py.
 *
 *   lz4bench [-b BLOCK] [-r ROUNDS] [-l LEVEL] LISTFILE
 *
 * LISTFILE names one input file per line. The files are concatenated and cut
 * into BLOCK-byte blocks (default 65536, ROFS's default cluster size), each
 * compressed once with LZ4_compress_HC at LEVEL (default 12, as mkrofs).
 * Every round decodes all blocks with each decoder (ours first) and prints
 *   round R: osprey MB/s liblz4 MB/s
 * (MB = 10^6 bytes of decoded output). The first round checks every block
 * decodes to the original bytes with both. Build without sanitizers, -O2. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <lz4.h>
#include <lz4hc.h>
#include "lib/lz4.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t bs = 65536;
	int rounds = 5, level = 12, c;
	while ((c = getopt(argc, argv, "b:r:l:")) != -1) {
		if (c == 'b')
			bs = strtoul(optarg, NULL, 0);
		else if (c == 'r')
			rounds = atoi(optarg);
		else if (c == 'l')
			level = atoi(optarg);
		else
			return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: lz4bench [-b BLOCK] [-r ROUNDS] [-l LEVEL] LISTFILE\n");
		return 2;
	}
	FILE *list = fopen(argv[optind], "r");
	if (!list) {
		perror(argv[optind]);
		return 1;
	}
	size_t total = 0, cap = 1 << 20, files = 0;
	uint8_t *raw = malloc(cap);
	char path[4096];
	while (fgets(path, sizeof path, list)) {
		path[strcspn(path, "\n")] = 0;
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		for (;;) {
			if (total + 65536 > cap)
				raw = realloc(raw, cap *= 2);
			size_t n = fread(raw + total, 1, cap - total, f);
			if (n == 0)
				break;
			total += n;
		}
		fclose(f);
		files++;
	}
	fclose(list);
	if (!total) {
		fprintf(stderr, "lz4bench: no input\n");
		return 1;
	}
	size_t nblk = (total + bs - 1) / bs, ctotal = 0;
	char **cb = calloc(nblk, sizeof *cb);
	int *cl = calloc(nblk, sizeof *cl);
	int bound = LZ4_compressBound((int)bs);
	for (size_t k = 0; k < nblk; k++) {
		size_t len = total - k * bs < bs ? total - k * bs : bs;
		cb[k] = malloc(bound);
		cl[k] = LZ4_compress_HC((char *)raw + k * bs, cb[k], (int)len, bound, level);
		if (cl[k] <= 0)
			return 1;
		ctotal += cl[k];
	}
	printf("input: %zu files, %zu bytes, %zu blocks of %zu, LZ4HC level %d: %zu bytes (%.1f%%)\n",
	    files, total, nblk, bs, level, ctotal, 100.0 * ctotal / total);
	uint8_t *out = malloc(bs);
	for (int r = 1; r <= rounds; r++) {
		double mbs[2];
		for (int which = 0; which < 2; which++) {
			double t0 = now();
			for (size_t k = 0; k < nblk; k++) {
				size_t len = total - k * bs < bs ? total - k * bs : bs;
				int n = which ? LZ4_decompress_safe(cb[k], (char *)out, cl[k], (int)bs)
					      : lz4_decompress(cb[k], cl[k], out, bs);
				if (n != (int)len || (r == 1 && memcmp(out, raw + k * bs, len))) {
					fprintf(stderr, "lz4bench: block %zu decoded wrong by %s\n", k,
					    which ? "liblz4" : "osprey");
					return 1;
				}
			}
			mbs[which] = total / (now() - t0) / 1e6;
		}
		printf("round %d: osprey %.1f MB/s liblz4 %.1f MB/s\n", r, mbs[0], mbs[1]);
		fflush(stdout);
	}
	return 0;
}
