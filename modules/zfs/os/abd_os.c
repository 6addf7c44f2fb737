/* ABDs on Osprey: the OS half of OpenZFS's ABD layer (module/zfs/abd.c is
 * the common half). A scatter ABD is an array of page-sized chunks from a
 * kmem cache (sys/abd_os.h gives the layout); linear ABDs are single
 * buffers from zio_buf_alloc. All memory is in the one direct map, so
 * "mapping" a chunk is pointer arithmetic and nothing is ever unmapped.
 *
 * Every ABD that abd_alloc makes is linear here, whatever its size
 * (Linux's zfs_abd_scatter_enabled knob does not exist on Osprey); the
 * one scatter ABD left is abd_zero_scatter, the shared zeros. Linux makes
 * large ABDs scatter so that the ARC needs no large physically contiguous
 * blocks; Osprey's large kmem buffers are single pages mapped together,
 * which need none either. And linear ones are cheaper to use: the ARC
 * lends a linear block to the DMU without a copy (arc_buf_alloc_impl
 * shares only linear ABDs; with scatter ones, every buffer the dbuf layer
 * makes again, e.g. for a 4 KiB read of a 128 KiB record that fell out of
 * the dbuf cache, copies the whole record), and a disk vdev hands a
 * linear ABD to the device as it is (abd_borrow_buf copies a scatter
 * one). Measured under TCG: cold reads and random 4 KiB reads of a file
 * in the ARC twice as fast. */
#include <sys/abd_impl.h>
#include <sys/abd_os.h>
#include <sys/param.h>
#include <sys/zio.h>
#include <sys/arc.h>
#include <sys/zfs_context.h>

/* The abdstats kstat. The sums are updated without a lock (wmsum);
 * abd_kstat_update copies them into the named values when it is read. */
static struct {
	wmsum_t abdstat_struct_size;
	wmsum_t abdstat_linear_cnt;
	wmsum_t abdstat_linear_data_size;
	wmsum_t abdstat_scatter_cnt;
	wmsum_t abdstat_scatter_data_size;
	wmsum_t abdstat_scatter_chunk_waste;
} abd_sums;

enum {
	ABDSTAT_STRUCT_SIZE,
	ABDSTAT_LINEAR_CNT,
	ABDSTAT_LINEAR_DATA_SIZE,
	ABDSTAT_SCATTER_CNT,
	ABDSTAT_SCATTER_DATA_SIZE,
	ABDSTAT_SCATTER_CHUNK_WASTE,
	ABDSTAT_COUNT
};

static const char *const abd_stat_names[ABDSTAT_COUNT] = {
	"struct_size", "linear_cnt", "linear_data_size",
	"scatter_cnt", "scatter_data_size", "scatter_chunk_waste",
};

/* Set up by abd_init and torn down by abd_fini, which OpenZFS runs once,
 * alone; read-only in between, so they need no lock. */
static kstat_named_t abd_stats[ABDSTAT_COUNT];
static kstat_t *abd_ksp;
static kmem_cache_t *abd_struct_cache;		/* abd_t */
static kmem_cache_t *abd_chunk_cache;		/* ABD_CHUNK_SIZE chunks */
static void *abd_zero_chunk;			/* every chunk of abd_zero_scatter */
abd_t *abd_zero_scatter;

abd_t *abd_alloc_struct_impl(size_t size)
{
	/* The chunk array is separate (abd_alloc_chunks), so size is unused.
	 * KM_SLEEP allocations wait for memory rather than fail. */
	abd_t *abd = kmem_cache_alloc(abd_struct_cache, KM_SLEEP);

	ABDSTAT_INCR(abdstat_struct_size, sizeof (abd_t));
	return (abd);
}

void abd_free_struct_impl(abd_t *abd)
{
	kmem_cache_free(abd_struct_cache, abd);
	ABDSTAT_INCR(abdstat_struct_size, -(int64_t)sizeof (abd_t));
}

/* Linear, every size: see the top of this file. */
boolean_t abd_size_alloc_linear(size_t size)
{
	(void) size;
	return (B_TRUE);
}

void abd_alloc_chunks(abd_t *abd, size_t size)
{
	uint_t n = abd_chunkcnt(0, size);
	struct scatterlist *sgl = kmem_alloc(n * sizeof (*sgl), KM_SLEEP);

	for (uint_t i = 0; i < n; i++) {
		sgl[i].sg_chunk = kmem_cache_alloc(abd_chunk_cache, KM_SLEEP);
		ASSERT(IS_P2ALIGNED(sgl[i].sg_chunk, ABD_CHUNK_SIZE));
	}
	ABD_SCATTER(abd).abd_sgl = sgl;
	ABD_SCATTER(abd).abd_nents = n;
}

void abd_free_chunks(abd_t *abd)
{
	struct scatterlist *sgl = ABD_SCATTER(abd).abd_sgl;
	uint_t n = ABD_SCATTER(abd).abd_nents;

	ASSERT0(ABD_SCATTER(abd).abd_offset);
	for (uint_t i = 0; i < n; i++)
		kmem_cache_free(abd_chunk_cache, sgl[i].sg_chunk);
	kmem_free(sgl, n * sizeof (*sgl));
	ABD_SCATTER(abd).abd_sgl = NULL;
	ABD_SCATTER(abd).abd_nents = 0;
}

void abd_update_scatter_stats(abd_t *abd, abd_stats_op_t op)
{
	int64_t sign = op == ABDSTAT_INCR ? 1 : -1;
	uint64_t waste = P2ROUNDUP(abd->abd_size, ABD_CHUNK_SIZE) - abd->abd_size;

	ASSERT(op == ABDSTAT_INCR || op == ABDSTAT_DECR);
	ABDSTAT_INCR(abdstat_scatter_cnt, sign);
	ABDSTAT_INCR(abdstat_scatter_data_size, sign * abd->abd_size);
	ABDSTAT_INCR(abdstat_scatter_chunk_waste, sign * (int64_t)waste);
	/* The ARC counts the unused tail of the last chunk as its memory. */
	if (op == ABDSTAT_INCR)
		arc_space_consume(waste, ARC_SPACE_ABD_CHUNK_WASTE);
	else
		arc_space_return(waste, ARC_SPACE_ABD_CHUNK_WASTE);
}

void abd_update_linear_stats(abd_t *abd, abd_stats_op_t op)
{
	int64_t sign = op == ABDSTAT_INCR ? 1 : -1;

	ASSERT(op == ABDSTAT_INCR || op == ABDSTAT_DECR);
	ABDSTAT_INCR(abdstat_linear_cnt, sign);
	ABDSTAT_INCR(abdstat_linear_data_size, sign * abd->abd_size);
}

void abd_verify_scatter(abd_t *abd)
{
	struct abd_scatter *s = &ABD_SCATTER(abd);

	ASSERT3U(s->abd_offset, <, ABD_CHUNK_SIZE);
	ASSERT3U(s->abd_nents, >, 0);
	ASSERT3U(abd_chunkcnt(s->abd_offset, abd->abd_size), <=, s->abd_nents);
	for (uint_t i = 0; i < s->abd_nents; i++)
		ASSERT3P(s->abd_sgl[i].sg_chunk, !=, NULL);
}

/* Osprey never makes ABD_FLAG_LINEAR_PAGE ABDs (one-chunk buffers stay
 * scatter), so abd.c never has a reason to call this. */
void abd_free_linear_page(abd_t *abd)
{
	VERIFY(!abd_is_linear_page(abd));
}

/* Scatter and linear ABDs both suit our block layer equally well (a
 * request per chunk run, or a borrowed buffer), and scatter ones need no
 * large contiguous memory: same as abd_alloc. */
abd_t *abd_alloc_for_io(size_t size, boolean_t is_metadata)
{
	return (abd_alloc(size, is_metadata));
}

/* A view of `size` bytes at `off` in scatter ABD sabd, sharing its chunks:
 * it starts at the chunk holding `off` and spans only the chunks it needs. */
abd_t *abd_get_offset_scatter(abd_t *abd, abd_t *sabd, size_t off, size_t size)
{
	size_t pos = ABD_SCATTER(sabd).abd_offset + off;
	uint_t first = pos >> ABD_CHUNK_SHIFT;

	abd_verify(sabd);
	ASSERT3U(off + size, <=, sabd->abd_size);
	if (abd == NULL)
		abd = abd_alloc_struct(0);
	/* Not ABD_FLAG_META: that is tracked only by owners of the data. */
	ABD_SCATTER(abd).abd_sgl = ABD_SCATTER(sabd).abd_sgl + first;
	ABD_SCATTER(abd).abd_offset = P2PHASE(pos, ABD_CHUNK_SIZE);
	ABD_SCATTER(abd).abd_nents = abd_chunkcnt(ABD_SCATTER(abd).abd_offset, size);
	ASSERT3U(first + ABD_SCATTER(abd).abd_nents, <=, ABD_SCATTER(sabd).abd_nents);
	return (abd);
}

/* Iterators. For a scatter ABD, iter_sg is the chunk holding iter_pos and
 * iter_offset the position in it; for a linear one iter_offset is iter_pos.
 * At the end, iter_sg may point just past the chunks; it is not used. */
void abd_iter_init(struct abd_iter *aiter, abd_t *abd)
{
	ASSERT(!abd_is_gang(abd));
	abd_verify(abd);
	aiter->iter_abd = abd;
	aiter->iter_mapaddr = NULL;
	aiter->iter_mapsize = 0;
	aiter->iter_pos = 0;
	if (abd_is_linear(abd)) {
		aiter->iter_offset = 0;
		aiter->iter_sg = NULL;
	} else {
		aiter->iter_offset = ABD_SCATTER(abd).abd_offset;
		aiter->iter_sg = ABD_SCATTER(abd).abd_sgl;
	}
}

boolean_t abd_iter_at_end(struct abd_iter *aiter)
{
	return (aiter->iter_pos == aiter->iter_abd->abd_size);
}

void abd_iter_advance(struct abd_iter *aiter, size_t amount)
{
	ASSERT3P(aiter->iter_mapaddr, ==, NULL);
	ASSERT0(aiter->iter_mapsize);
	if (abd_iter_at_end(aiter))
		return;
	ASSERT3U(aiter->iter_pos + amount, <=, aiter->iter_abd->abd_size);
	aiter->iter_pos += amount;
	aiter->iter_offset += amount;
	if (!abd_is_linear(aiter->iter_abd)) {
		aiter->iter_sg += aiter->iter_offset >> ABD_CHUNK_SHIFT;
		aiter->iter_offset = P2PHASE(aiter->iter_offset, ABD_CHUNK_SIZE);
	}
}

void abd_iter_map(struct abd_iter *aiter)
{
	abd_t *abd = aiter->iter_abd;
	size_t left = abd->abd_size - aiter->iter_pos;

	ASSERT3P(aiter->iter_mapaddr, ==, NULL);
	ASSERT0(aiter->iter_mapsize);
	if (abd_iter_at_end(aiter))
		return;
	if (abd_is_linear(abd)) {
		aiter->iter_mapaddr = (char *)ABD_LINEAR_BUF(abd) + aiter->iter_offset;
		aiter->iter_mapsize = left;
	} else {
		aiter->iter_mapaddr = (char *)aiter->iter_sg->sg_chunk + aiter->iter_offset;
		aiter->iter_mapsize = MIN(ABD_CHUNK_SIZE - aiter->iter_offset, left);
	}
}

void abd_iter_unmap(struct abd_iter *aiter)
{
	if (abd_iter_at_end(aiter))
		return;
	ASSERT3P(aiter->iter_mapaddr, !=, NULL);
	ASSERT3U(aiter->iter_mapsize, >, 0);
	aiter->iter_mapaddr = NULL;
	aiter->iter_mapsize = 0;
}

/* Called by the ARC's reaper under memory pressure: give back the chunks
 * and structs the caches keep for reuse. */
void abd_cache_reap_now(void)
{
	kmem_cache_reap_now(abd_chunk_cache);
	kmem_cache_reap_now(abd_struct_cache);
}

/* abd_get_zeros() hands out views of this SPA_MAXBLOCKSIZE ABD whose
 * chunks are all one zeroed chunk: zeros for any size at the cost of a
 * page and the chunk array. Nothing may write to it. */
static void abd_alloc_zero_scatter(void)
{
	uint_t n = abd_chunkcnt(0, SPA_MAXBLOCKSIZE);
	struct scatterlist *sgl = kmem_alloc(n * sizeof (*sgl), KM_SLEEP);

	abd_zero_chunk = kmem_cache_alloc(abd_chunk_cache, KM_SLEEP);
	memset(abd_zero_chunk, 0, ABD_CHUNK_SIZE);
	for (uint_t i = 0; i < n; i++)
		sgl[i].sg_chunk = abd_zero_chunk;

	abd_zero_scatter = abd_alloc_struct(SPA_MAXBLOCKSIZE);
	abd_zero_scatter->abd_flags |= ABD_FLAG_OWNER | ABD_FLAG_ZEROS;
	abd_zero_scatter->abd_size = SPA_MAXBLOCKSIZE;
	ABD_SCATTER(abd_zero_scatter).abd_offset = 0;
	ABD_SCATTER(abd_zero_scatter).abd_sgl = sgl;
	ABD_SCATTER(abd_zero_scatter).abd_nents = n;
}

static void abd_free_zero_scatter(void)
{
	struct abd_scatter *s = &ABD_SCATTER(abd_zero_scatter);

	kmem_free(s->abd_sgl, s->abd_nents * sizeof (*s->abd_sgl));
	abd_free_struct(abd_zero_scatter);
	abd_zero_scatter = NULL;
	kmem_cache_free(abd_chunk_cache, abd_zero_chunk);
	abd_zero_chunk = NULL;
}

static int abd_kstat_update(kstat_t *ksp, int rw)
{
	if (rw == KSTAT_WRITE)
		return (EACCES);
	abd_stats[ABDSTAT_STRUCT_SIZE].value.ui64 = wmsum_value(&abd_sums.abdstat_struct_size);
	abd_stats[ABDSTAT_LINEAR_CNT].value.ui64 = wmsum_value(&abd_sums.abdstat_linear_cnt);
	abd_stats[ABDSTAT_LINEAR_DATA_SIZE].value.ui64 =
	    wmsum_value(&abd_sums.abdstat_linear_data_size);
	abd_stats[ABDSTAT_SCATTER_CNT].value.ui64 = wmsum_value(&abd_sums.abdstat_scatter_cnt);
	abd_stats[ABDSTAT_SCATTER_DATA_SIZE].value.ui64 =
	    wmsum_value(&abd_sums.abdstat_scatter_data_size);
	abd_stats[ABDSTAT_SCATTER_CHUNK_WASTE].value.ui64 =
	    wmsum_value(&abd_sums.abdstat_scatter_chunk_waste);
	return (0);
}

static void abd_kstat_init(void)
{
	wmsum_init(&abd_sums.abdstat_struct_size, 0);
	wmsum_init(&abd_sums.abdstat_linear_cnt, 0);
	wmsum_init(&abd_sums.abdstat_linear_data_size, 0);
	wmsum_init(&abd_sums.abdstat_scatter_cnt, 0);
	wmsum_init(&abd_sums.abdstat_scatter_data_size, 0);
	wmsum_init(&abd_sums.abdstat_scatter_chunk_waste, 0);
	for (int i = 0; i < ABDSTAT_COUNT; i++)
		kstat_named_init(&abd_stats[i], abd_stat_names[i], KSTAT_DATA_UINT64);

	abd_ksp = kstat_create("zfs", 0, "abdstats", "misc", KSTAT_TYPE_NAMED,
	    ABDSTAT_COUNT, KSTAT_FLAG_VIRTUAL);
	if (abd_ksp != NULL) {	/* the stats are a convenience: go on without */
		abd_ksp->ks_data = abd_stats;
		abd_ksp->ks_update = abd_kstat_update;
		kstat_install(abd_ksp);
	}
}

static void abd_kstat_fini(void)
{
	if (abd_ksp != NULL) {
		kstat_delete(abd_ksp);
		abd_ksp = NULL;
	}
	wmsum_fini(&abd_sums.abdstat_struct_size);
	wmsum_fini(&abd_sums.abdstat_linear_cnt);
	wmsum_fini(&abd_sums.abdstat_linear_data_size);
	wmsum_fini(&abd_sums.abdstat_scatter_cnt);
	wmsum_fini(&abd_sums.abdstat_scatter_data_size);
	wmsum_fini(&abd_sums.abdstat_scatter_chunk_waste);
}

void abd_init(void)
{
	abd_struct_cache = kmem_cache_create("abd_t", sizeof (abd_t), 0,
	    NULL, NULL, NULL, NULL, NULL, 0);
	/* Alignment 0: the heap already aligns page-sized blocks to a page,
	 * and asking the cache for more would make it pad every chunk. */
	abd_chunk_cache = kmem_cache_create("abd_chunk", ABD_CHUNK_SIZE, 0,
	    NULL, NULL, NULL, NULL, NULL, 0);
	VERIFY3P(abd_struct_cache, !=, NULL);
	VERIFY3P(abd_chunk_cache, !=, NULL);
	abd_kstat_init();
	abd_alloc_zero_scatter();
}

void abd_fini(void)
{
	abd_free_zero_scatter();
	abd_kstat_fini();
	kmem_cache_destroy(abd_chunk_cache);
	abd_chunk_cache = NULL;
	kmem_cache_destroy(abd_struct_cache);
	abd_struct_cache = NULL;
}
