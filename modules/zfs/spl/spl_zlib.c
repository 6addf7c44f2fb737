/* zlib under OpenZFS's gzip compression (sys/zmod.h), as Linux's SPL
 * provides it: one zlib stream per block, compressed or decompressed in
 * one call.
 *
 * Memory: zlib takes its memory through the zalloc/zfree callbacks of its
 * stream (it is built with Z_SOLO: no malloc of its own). Each call takes
 * one workspace from a kmem cache and zlib's few allocations are carved
 * out of it in order; nothing is freed piece by piece, the workspace goes
 * back whole when the call ends. A deflate workspace is 268 KiB, an
 * inflate one 44 KiB, both mapped pages (spl_kmem_raw_alloc's large path),
 * dear to make: the caches keep a few for reuse within the shared budget
 * of kept mapped objects and give them back under memory pressure.
 *
 * Concurrency bounds what is out at once: a deflate runs in a write ZIO's
 * issue stage, whose task queue has one thread per pool here (one CPU), so
 * one deflate workspace per pool writing; an inflate runs in each thread
 * that reads a gzip block (into the ARC, or out of the compressed ARC), 44
 * KiB each for as long as the call lasts. KM_SLEEP as everywhere in the
 * I/O path: a workspace waits for memory rather than failing the block. */
#include <sys/zfs_context.h>
#include <sys/zmod.h>
#include <sys/mod_os.h>
#include <sys/random.h>
#include "dev/console.h"
#include <errno.h>

/* The stream Linux's OpenZFS writes (its SPL's z_compress_level): zlib
 * format, a 32 KiB window, memLevel 8, the default strategy. */
#define ZLIB_WINDOW_BITS	MAX_WBITS
#define ZLIB_MEM_LEVEL		8

/* What zconf.h says zlib needs with those parameters: for deflate the
 * window, its hash chains, the hash heads and the pending buffer, (1 <<
 * (windowBits + 2)) + (1 << (memLevel + 9)) bytes; for inflate the window,
 * 1 << windowBits (taken only when a stream does not end within one call:
 * a destination too small). Both "plus a few kilobytes for small objects":
 * the stream state (5952 and 7160 bytes in 1.2.13), the workspace's header
 * and 16-byte alignment of each piece fit in 12 KiB. Should zlib ask for
 * more, the call fails with Z_MEM_ERROR and says so, rather than overrun. */
#define ZLIB_SMALL_OBJECTS	(12 * 1024)
#define DEFLATE_WORKSPACE	((1 << (ZLIB_WINDOW_BITS + 2)) + (1 << (ZLIB_MEM_LEVEL + 9)) + \
				ZLIB_SMALL_OBJECTS)
#define INFLATE_WORKSPACE	((1 << ZLIB_WINDOW_BITS) + ZLIB_SMALL_OBJECTS)
#define ZLIB_ALIGN		16

struct zlib_workspace {
	size_t room, used;	/* bytes in bytes[], bytes handed out */
	unsigned char bytes[] __attribute__((aligned(ZLIB_ALIGN)));
};

/* Made at load (spl_zlib_init) before any pool exists, never replaced. */
static kmem_cache_t *deflate_cache, *inflate_cache;

static voidpf workspace_alloc(voidpf opaque, uInt items, uInt size)
{
	struct zlib_workspace *ws = opaque;
	size_t want = P2ROUNDUP((size_t)items * size, ZLIB_ALIGN);	/* no overflow: 32 x 32 bits */
	static bool said;	/* a benign race: at worst the line twice */

	if (want > ws->room - ws->used) {
		if (!said) {
			said = true;
			cmn_err(CE_WARN, "zlib: %zu bytes wanted, %zu left in a %zu-byte workspace",
			    want, ws->room - ws->used, ws->room);
		}
		return Z_NULL;
	}
	void *p = ws->bytes + ws->used;
	ws->used += want;
	return p;
}

static void workspace_free(voidpf opaque, voidpf p)
{
	/* Nothing: the workspace goes back whole at the end of the call. */
}

static struct zlib_workspace *workspace_get(kmem_cache_t *cache, size_t size)
{
	struct zlib_workspace *ws = kmem_cache_alloc(cache, KM_SLEEP);

	ws->room = size - offsetof(struct zlib_workspace, bytes);
	ws->used = 0;
	return ws;
}

static void stream_init(z_stream *zs, struct zlib_workspace *ws, const void *src, size_t srclen,
    void *dst, size_t dstlen)
{
	memset(zs, 0, sizeof(*zs));
	zs->next_in = (z_const Bytef *)src;
	zs->avail_in = (uInt)srclen;
	zs->next_out = dst;
	zs->avail_out = (uInt)dstlen;
	zs->zalloc = workspace_alloc;
	zs->zfree = workspace_free;
	zs->opaque = ws;
}

/* zlib counts in uInt (32 bits); ZFS blocks are at most 16 MiB. */
static bool fits_uint(size_t n)
{
	return n <= UINT32_MAX;
}

static int compress_in(struct zlib_workspace *ws, void *dst, size_t *dstlen, const void *src,
    size_t srclen, int level)
{
	z_stream zs;

	stream_init(&zs, ws, src, srclen, dst, *dstlen);
	int err = deflateInit2(&zs, level, Z_DEFLATED, ZLIB_WINDOW_BITS, ZLIB_MEM_LEVEL,
	    Z_DEFAULT_STRATEGY);
	if (err != Z_OK)
		return err;
	err = deflate(&zs, Z_FINISH);
	if (err == Z_STREAM_END) {
		*dstlen = zs.total_out;
		err = Z_OK;
	} else if (err == Z_OK) {
		err = Z_BUF_ERROR;	/* dst filled before the end */
	}
	deflateEnd(&zs);
	return err;
}

static int uncompress_in(struct zlib_workspace *ws, void *dst, size_t *dstlen, const void *src,
    size_t srclen)
{
	z_stream zs;

	stream_init(&zs, ws, src, srclen, dst, *dstlen);
	int err = inflateInit2(&zs, ZLIB_WINDOW_BITS);
	if (err != Z_OK)
		return err;
	err = inflate(&zs, Z_FINISH);
	if (err == Z_STREAM_END) {
		*dstlen = zs.total_out;
		err = Z_OK;
	} else if (err == Z_NEED_DICT || (err == Z_BUF_ERROR && zs.avail_in == 0)) {
		/* No block has a preset dictionary; input used up before
		 * the end is a stream cut short. */
		err = Z_DATA_ERROR;
	} else if (err == Z_OK) {
		err = Z_BUF_ERROR;	/* more data than dst holds */
	}
	inflateEnd(&zs);
	return err;
}

int z_compress_level(void *dst, size_t *dstlen, const void *src, size_t srclen, int level)
{
	if (!fits_uint(srclen) || !fits_uint(*dstlen))
		return Z_BUF_ERROR;
	struct zlib_workspace *ws = workspace_get(deflate_cache, DEFLATE_WORKSPACE);
	int err = compress_in(ws, dst, dstlen, src, srclen, level);
	kmem_cache_free(deflate_cache, ws);
	return err;
}

int z_uncompress(void *dst, size_t *dstlen, const void *src, size_t srclen)
{
	if (!fits_uint(srclen) || !fits_uint(*dstlen))
		return Z_BUF_ERROR;
	struct zlib_workspace *ws = workspace_get(inflate_cache, INFLATE_WORKSPACE);
	int err = uncompress_in(ws, dst, dstlen, src, srclen);
	kmem_cache_free(inflate_cache, ws);
	return err;
}

/* For --zfs.selftest: what gzip.c relies on, through the calls it makes.
 * A 128 KiB record of text at every level shrinks and comes back byte for
 * byte; random data does not fit in 7/8 of its size (as zio_compress_data
 * asks) and fails with Z_BUF_ERROR; zeros after the stream (a block's
 * padding to its sector) are ignored; a damaged header, a damaged body
 * and a stream cut short are refused, and so is a record bigger than its
 * destination. Also measures how much of each workspace zlib uses. */
#define SELFTEST_RECORD	(128 * 1024)

static void selftest_text(unsigned char *buf, size_t len)
{
	static const char *const words[] = { "block ", "pool ", "record ", "checksum ",
	    "window ", "deflate ", "inflate ", "dataset ", "txg ", "arc\n", "zio ", "gzip " };
	uint64_t x = 0x9e3779b97f4a7c15ULL;	/* xorshift64: the same text each run */

	for (size_t i = 0; i < len;) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (const char *w = words[x % ARRAY_SIZE(words)]; *w && i < len; w++)
			buf[i++] = *w;
	}
}

struct zlib_selftest {
	unsigned char *text, *noise, *packed, *out;
	size_t smallest, largest;	/* compressed sizes over the levels */
	size_t deflate_used, inflate_used;
};

static int selftest_levels(struct zlib_selftest *t)
{
	for (int level = 1; level <= 9; level++) {
		struct zlib_workspace *ws = workspace_get(deflate_cache, DEFLATE_WORKSPACE);
		size_t plen = SELFTEST_RECORD - SELFTEST_RECORD / 8, olen = SELFTEST_RECORD;
		int err = compress_in(ws, t->packed, &plen, t->text, SELFTEST_RECORD, level);
		t->deflate_used = MAX(t->deflate_used, ws->used);
		kmem_cache_free(deflate_cache, ws);
		if (err != Z_OK)
			return -EIO;
		ws = workspace_get(inflate_cache, INFLATE_WORKSPACE);
		err = uncompress_in(ws, t->out, &olen, t->packed, plen);
		t->inflate_used = MAX(t->inflate_used, ws->used);
		kmem_cache_free(inflate_cache, ws);
		if (err != Z_OK || olen != SELFTEST_RECORD || memcmp(t->out, t->text, olen))
			return -EIO;
		t->smallest = level == 1 ? plen : MIN(t->smallest, plen);
		t->largest = MAX(t->largest, plen);
	}
	return 0;
}

/* The refusals, around a level-9 stream of the text. */
static int selftest_refusals(struct zlib_selftest *t)
{
	size_t plen = SELFTEST_RECORD - SELFTEST_RECORD / 8, olen;
	int bad = 0;

	bad += z_compress_level(t->packed, &plen, t->noise, SELFTEST_RECORD, 6) != Z_BUF_ERROR;
	plen = SELFTEST_RECORD;
	bad += z_compress_level(t->packed, &plen, t->text, SELFTEST_RECORD, 9) != Z_OK;
	memset(t->packed + plen, 0, 512);	/* the padding a block carries */
	olen = SELFTEST_RECORD;
	bad += z_uncompress(t->out, &olen, t->packed, plen + 512) != Z_OK || olen != SELFTEST_RECORD;
	olen = SELFTEST_RECORD - 1;
	bad += z_uncompress(t->out, &olen, t->packed, plen) != Z_BUF_ERROR;
	olen = SELFTEST_RECORD;
	bad += z_uncompress(t->out, &olen, t->packed, plen / 2) != Z_DATA_ERROR;
	t->packed[plen / 2] ^= 0x10;	/* the body: a bad code or a bad Adler-32 */
	bad += z_uncompress(t->out, &olen, t->packed, plen) == Z_OK;
	t->packed[plen / 2] ^= 0x10;
	t->packed[1] ^= 0x01;		/* the header's check bits */
	bad += z_uncompress(t->out, &olen, t->packed, plen) != Z_DATA_ERROR;
	return bad ? -EIO : 0;
}

int spl_zlib_selftest(void)
{
	struct zlib_selftest t = { 0 };
	int err = 0;

	t.text = kmem_alloc(SELFTEST_RECORD, KM_SLEEP);
	t.noise = kmem_alloc(SELFTEST_RECORD, KM_SLEEP);
	t.packed = kmem_alloc(SELFTEST_RECORD + 512, KM_SLEEP);
	t.out = kmem_alloc(SELFTEST_RECORD, KM_SLEEP);
	selftest_text(t.text, SELFTEST_RECORD);
	random_get_pseudo_bytes(t.noise, SELFTEST_RECORD);
	err = selftest_levels(&t);
	if (!err)
		err = selftest_refusals(&t);
	if (!err && (spl_kmem_cache_inuse(deflate_cache) || spl_kmem_cache_inuse(inflate_cache)))
		err = -EIO;	/* a workspace not given back */
	printk("zfs: zlib self-test: 128 KiB of text to %zu-%zu bytes at levels 9-1 and back, "
	    "refusals right; workspaces used %zu of %d (deflate), %zu of %d (inflate)%s\n",
	    t.smallest, t.largest, t.deflate_used, DEFLATE_WORKSPACE, t.inflate_used,
	    INFLATE_WORKSPACE, err ? ": FAILED" : ": passed");
	kmem_free(t.text, SELFTEST_RECORD);
	kmem_free(t.noise, SELFTEST_RECORD);
	kmem_free(t.packed, SELFTEST_RECORD + 512);
	kmem_free(t.out, SELFTEST_RECORD);
	return err;
}

static int spl_zlib_init(void)
{
	deflate_cache = kmem_cache_create("zlib_deflate_ws", DEFLATE_WORKSPACE, ZLIB_ALIGN,
	    NULL, NULL, NULL, NULL, NULL, 0);
	inflate_cache = kmem_cache_create("zlib_inflate_ws", INFLATE_WORKSPACE, ZLIB_ALIGN,
	    NULL, NULL, NULL, NULL, NULL, 0);
	if (!deflate_cache || !inflate_cache) {
		if (deflate_cache)
			kmem_cache_destroy(deflate_cache);
		if (inflate_cache)
			kmem_cache_destroy(inflate_cache);
		deflate_cache = inflate_cache = NULL;
		return ENOMEM;
	}
	return 0;
}
module_init(spl_zlib_init);

static void spl_zlib_fini(void)
{
	kmem_cache_destroy(deflate_cache);
	kmem_cache_destroy(inflate_cache);
}
module_exit(spl_zlib_fini);
