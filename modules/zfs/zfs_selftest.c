/* The pool self-test: OpenZFS's pool layer (SPA, DSL, DMU, ZAP, ZIO, ARC)
 * exercised through its kernel API on a scratch disk, the way ztest does in
 * userland, with every byte checked after the pool went to disk and came
 * back. The host then checks the same disk with Linux's zdb
 * (tests/boot/test_zfs_pool.py), so "our pool code writes pools that Linux
 * accepts" is tested from both sides.
 *
 * What it does (zfs_pool_selftest; one printk line per step):
 *  - creates pool "osprey" on the whole device with every feature enabled,
 *    as `zpool create` does by default, and datasets with compression=lz4,
 *    compression=zstd, recordsize=1M, and compression=off;
 *  - writes objects through the DMU from several threads at once over many
 *    transaction groups: incompressible and compressible data, sparse
 *    objects, large blocks; then frees whole objects, punches ranges and
 *    rewrites objects;
 *  - records what every object must hold in a ZAP in each dataset (the
 *    manifest), so a later boot can verify without knowing this run;
 *  - verifies, exports, imports from the device's own label (as `zpool
 *    import` does), verifies every byte again from disk, exports.
 * With --zfs.selftest_small the same steps run on what a database does on a
 * machine of a few tens of MiB (datasets_small: ~5 MiB of 16 KiB pages).
 * Contents come from a seeded generator (mix64), so any byte of any object
 * can be recomputed from the manifest alone.
 *
 * One object in the compression=off dataset starts with a 16-byte marker
 * so that the host can find a data block on the raw disk, corrupt it, and
 * boot again with verify_only: the read must then fail with ECKSUM and be
 * reported, not panic. */
#include "dev/blk.h"	/* first: names struct bio before OpenZFS's abd.h mentions it */
#include <sys/zfs_context.h>
#include <sys/spa.h>
#include <sys/dmu.h>
#include <sys/dmu_tx.h>
#include <sys/dmu_objset.h>
#include <sys/dsl_dataset.h>
#include <sys/dsl_prop.h>
#include <sys/dsl_pool.h>
#include <sys/dsl_scan.h>
#include <sys/spa_impl.h>
#include <sys/arc_impl.h>
#include "mm/mm.h"
#include <sys/zap.h>
#include <sys/txg.h>
#include <sys/vdev.h>
#include <sys/vdev_impl.h>
#include <sys/zfeature.h>
#include <sys/zfs_file.h>
#include <sys/fcntl.h>
#include <sys/zio_compress.h>
#include <sys/fs/zfs.h>
#include <zfeature_common.h>
#include <zfs_prop.h>
#include "dev/console.h"
#include "lib/printf.h"
#include "zfs_selftest.h"
#include "zfs_import.h"
#include "zfs_memstats.h"
#include "cmdline.h"

#define POOL		"osprey"
#define CACHEFILE	"/tmp/zpool.cache"
#define MANIFEST_OBJ	1ULL		/* claimed in each new dataset, before any data object */
#define MARKER		"OSPREY:ZFS:MARK!"	/* 16 bytes; tests/boot/test_zfs_pool.py looks for it */
#define MARKER_LEN	16
#define MAX_THREADS	64
#define RUN_SEED	0x6f73707265790001ULL
#define WRITE_CHUNK	(256 << 10)	/* bytes per transaction (a block, if larger) */
#define IO_BUF		(1 << 20)	/* verification reads at most this much at once */
#define IO_BUF_SMALL	(128 << 10)	/* the same, with --zfs.selftest_small */
#define FAR_OFFSET	(1ULL << 30)	/* sparse objects: the second extent starts past 1 GiB */
#define HOLE_MARGIN	(64 << 10)	/* zeros checked around each written extent */
#define KiB(x)		((unsigned long long)(x) >> 10)

/* What an object holds; it decides how its bytes are made and what is done
 * to it after the first writes. */
enum kind {
	K_RANDOM,		/* incompressible */
	K_COMPRESSIBLE,		/* one word repeated over each 4 KiB */
	K_SPARSE,		/* a little at 0, a little past FAR_OFFSET, a hole between */
	K_FREED,		/* written, then freed with dmu_object_free */
	K_PUNCHED,		/* written, then a middle range freed with dmu_free_range */
	K_REWRITTEN,		/* written, then overwritten with other contents */
	K_MARKER,		/* starts with MARKER; only in the compression=off dataset */
	NKINDS = K_MARKER	/* kinds cycled through; the marker is placed by hand */
};

/* One manifest entry (a uint64 array in the ZAP, keyed by the object
 * number in decimal): enough to recompute every byte of the object. */
struct obj_rec {
	uint64_t object, kind, seed, blocksize;
	uint64_t len;			/* written from offset 0 */
	uint64_t far_off, far_len;	/* a second extent past a hole */
	uint64_t hole_off, hole_len;	/* freed with dmu_free_range: reads as zeros */
	uint64_t freed;			/* the object was freed and must be gone */
};
#define REC_WORDS	(sizeof(struct obj_rec) / sizeof(uint64_t))

struct ds_spec {
	const char *name;
	uint64_t compress;	/* ZIO_COMPRESS_* */
	uint64_t recordsize;	/* 0: the default (128 KiB) */
	int nobjects;
	bool marker;		/* its first object is the marker one */
};

struct plan {
	const struct ds_spec *ds;
	unsigned nds;
	const char *what;	/* the datasets step says it */
	size_t io_buf;		/* verification reads at most this much at once */
	bool big;		/* large_blocks and zstd_compress become active */
};

#define MAX_DS		4

static const struct ds_spec datasets_full[] = {
	{ POOL "/lz4", ZIO_COMPRESS_LZ4, 0, 30, false },
	{ POOL "/zstd", ZIO_COMPRESS_ZSTD, 0, 30, false },
	{ POOL "/big", ZIO_COMPRESS_LZ4, 1 << 20, 12, false },	/* large blocks */
	{ POOL "/plain", ZIO_COMPRESS_OFF, 0, 6, true },
};

/* --zfs.selftest_small: what a database at /data does on a small machine,
 * ~5 MiB in all: pages of 16 KiB, lz4, updated in place (the rewrites,
 * punches and frees of the second phase); no zstd (its workspace alone is
 * megabytes) and no 1 MiB blocks. */
static const struct ds_spec datasets_small[] = {
	{ POOL "/db", ZIO_COMPRESS_LZ4, 16 << 10, 20, false },
	{ POOL "/plain", ZIO_COMPRESS_OFF, 0, 4, true },
};

static const struct plan plan_full = {
	datasets_full, ARRAY_SIZE(datasets_full), "lz4, zstd, recordsize=1M, compression=off",
	IO_BUF, true,
};
static const struct plan plan_small = {
	datasets_small, ARRAY_SIZE(datasets_small), "recordsize=16K lz4, compression=off",
	IO_BUF_SMALL, false,
};

struct job {
	int ds;
	struct obj_rec rec;	/* as planned, then as done */
};

enum phase { PHASE_WRITE, PHASE_MODIFY };

struct run {
	bool verify_only;		/* a second boot: the pool is there */
	const struct plan *plan;
	const struct ds_spec *datasets;	/* plan->ds */
	objset_t *os[MAX_DS];
	struct job *jobs;
	int njobs, jobs_alloc;
	int next_job;		/* taken atomically by the workers */
	enum phase phase;
	uint64_t bytes_written;	/* atomically added */
	kmutex_t lock;		/* guards err and why */
	int err;		/* the first failure, or 0 */
	char why[224];
	/* verification */
	uint8_t *got, *want;	/* plan->io_buf each */
	uint64_t bytes_read, objects_checked, objects_gone, objects_bad;
	uint64_t comp_logical[MAX_DS], comp_physical[MAX_DS];	/* compressible objects */
};

/* splitmix64's finaliser: a cheap, well-mixed function of a 64-bit value. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Records the first failure (workers run at once; later ones would only
 * be consequences) and returns err so callers can `return fail(...)`. */
static int __attribute__((format(printf, 3, 4))) fail(struct run *run, int err, const char *fmt, ...)
{
	va_list ap;

	mutex_enter(&run->lock);
	if (!run->err) {
		run->err = err ? err : EIO;
		va_start(ap, fmt);
		vsnprintf(run->why, sizeof(run->why), fmt, ap);
		va_end(ap);
	}
	mutex_exit(&run->lock);
	return err ? err : EIO;
}

/* Prints the step's line and clears the failure for the next step. */
static int report(struct run *run, const char *step, const char *detail)
{
	int err = run->err;

	if (err)
		printk("zfs-selftest: FAIL %s: %s (error %d)\n", step, run->why, err);
	else
		printk("zfs-selftest: PASS %s%s%s%s\n", step, detail ? " (" : "", detail ? detail : "",
		    detail ? ")" : "");
	run->err = 0;
	run->why[0] = '\0';
	return err;
}

/* ---- contents ---- */

/* The 8-byte word that belongs at the 8-aligned offset off. */
static uint64_t pattern_word(const struct obj_rec *r, uint64_t off)
{
	if (r->kind == K_COMPRESSIBLE)
		return mix64(r->seed ^ (off >> 12));
	return mix64(r->seed + (off >> 3));
}

/* The object's generated bytes for [off, off + len), ignoring holes. */
static void fill_pattern(const struct obj_rec *r, uint64_t off, uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t o = off + i, w = pattern_word(r, o & ~7ULL);
		for (unsigned b = o & 7; b < 8 && i < len; b++, i++)
			buf[i] = (uint8_t)(w >> (8 * b));
	}
	if (r->kind == K_MARKER)
		for (uint64_t o = off; o < MARKER_LEN && o < off + len; o++)
			buf[o - off] = (uint8_t)MARKER[o];
}

static void overlay(const struct obj_rec *r, uint64_t off, uint8_t *buf, size_t len,
    uint64_t ext_off, uint64_t ext_len)
{
	uint64_t a = MAX(off, ext_off), b = MIN(off + len, ext_off + ext_len);

	if (a < b)
		fill_pattern(r, a, buf + (a - off), b - a);
}

/* What reading [off, off + len) must give: the pattern where written and
 * not punched, zeros everywhere else. */
static void fill_expected(const struct obj_rec *r, uint64_t off, uint8_t *buf, size_t len)
{
	memset(buf, 0, len);
	overlay(r, off, buf, len, 0, r->len);
	if (r->far_len)
		overlay(r, off, buf, len, r->far_off, r->far_len);
	uint64_t a = MAX(off, r->hole_off), b = MIN(off + len, r->hole_off + r->hole_len);
	if (r->hole_len && a < b)
		memset(buf + (a - off), 0, b - a);
}

/* The plan of object idx of dataset ds: a function of (ds, idx) only. */
static void plan_object(const struct ds_spec *d, int ds, int idx, uint64_t blocksize,
    struct obj_rec *r)
{
	uint64_t s = mix64(RUN_SEED ^ ((uint64_t)ds << 32) ^ (uint64_t)idx);
	uint64_t scale = blocksize > SPA_OLD_MAXBLOCKSIZE ? 8 : 1;	/* several large blocks */

	memset(r, 0, sizeof(*r));
	r->seed = s;
	r->blocksize = blocksize;
	r->kind = d->marker && idx == 0 ? K_MARKER : (uint64_t)(idx % NKINDS);
	r->len = (4096 + s % (384 << 10)) * scale;	/* rarely a multiple of the block size */
	switch (r->kind) {
	case K_SPARSE:
		r->len = 1 + s % (64 << 10);
		r->far_off = FAR_OFFSET + (s >> 24) % 1000003;
		r->far_len = (1 + (s >> 44) % (100 << 10)) * scale;
		break;
	case K_PUNCHED:
		r->len = ((256 << 10) + s % (256 << 10)) * scale;
		break;
	case K_MARKER:
		r->len = blocksize;	/* exactly one block, stored as it is */
		break;
	}
}

/* ---- writing (worker threads) ---- */

static void rec_key(uint64_t object, char *key, size_t size)
{
	snprintf(key, size, "%llu", (unsigned long long)object);
}

/* Writes [off, off + len) of the job's object, a transaction per chunk;
 * with update, the last transaction also rewrites the manifest entry, so
 * the new contents and their description commit together. */
static int write_extent(struct run *run, struct job *jb, uint64_t off, uint64_t len, bool update)
{
	objset_t *os = run->os[jb->ds];
	struct obj_rec *r = &jb->rec;
	size_t chunk = MAX(r->blocksize, (uint64_t)WRITE_CHUNK);
	uint8_t *buf = vmem_alloc(chunk, KM_SLEEP);
	char key[24];
	int err = 0;

	rec_key(r->object, key, sizeof(key));
	while (len && !err) {
		size_t n = MIN(len, chunk - off % chunk);	/* whole blocks when aligned */
		bool last = n == len;
		fill_pattern(r, off, buf, n);
		dmu_tx_t *tx = dmu_tx_create(os);
		dmu_tx_hold_write(tx, r->object, off, (int)n);
		if (update && last)
			dmu_tx_hold_zap(tx, MANIFEST_OBJ, B_FALSE, key);
		err = dmu_tx_assign(tx, TXG_WAIT);
		if (err) {
			dmu_tx_abort(tx);
			fail(run, err, "%s object %llu: no transaction for writing at %llu",
			    run->datasets[jb->ds].name, (unsigned long long)r->object, (unsigned long long)off);
			break;
		}
		dmu_write(os, r->object, off, n, buf, tx);
		if (update && last)
			err = zap_update(os, MANIFEST_OBJ, key, 8, REC_WORDS, r, tx);
		dmu_tx_commit(tx);
		if (err)
			fail(run, err, "%s: manifest update for object %llu", run->datasets[jb->ds].name,
			    (unsigned long long)r->object);
		__atomic_add_fetch(&run->bytes_written, n, __ATOMIC_RELAXED);
		off += n;
		len -= n;
	}
	vmem_free(buf, chunk);
	return err;
}

/* Allocates the object and its manifest entry in one transaction, then
 * writes its extents. */
static int write_object(struct run *run, struct job *jb)
{
	objset_t *os = run->os[jb->ds];
	struct obj_rec *r = &jb->rec;
	char key[24];

	dmu_tx_t *tx = dmu_tx_create(os);
	dmu_tx_hold_bonus(tx, DMU_NEW_OBJECT);
	dmu_tx_hold_zap(tx, MANIFEST_OBJ, B_TRUE, NULL);
	int err = dmu_tx_assign(tx, TXG_WAIT);
	if (err) {
		dmu_tx_abort(tx);
		return fail(run, err, "%s: no transaction for allocating an object", run->datasets[jb->ds].name);
	}
	/* DMU_OT_PLAIN_OTHER is data, not metadata: one copy of each block, so
	 * one corrupted block is an unrecoverable checksum error. */
	r->object = dmu_object_alloc(os, DMU_OT_PLAIN_OTHER, (int)r->blocksize, DMU_OT_NONE, 0, tx);
	rec_key(r->object, key, sizeof(key));
	err = zap_add(os, MANIFEST_OBJ, key, 8, REC_WORDS, r, tx);
	dmu_tx_commit(tx);
	if (err)
		return fail(run, err, "%s: manifest entry for new object %llu", run->datasets[jb->ds].name,
		    (unsigned long long)r->object);
	err = write_extent(run, jb, 0, r->len, false);
	if (!err && r->far_len)
		err = write_extent(run, jb, r->far_off, r->far_len, false);
	return err;
}

/* The second pass: frees, punches and rewrites, each with its manifest
 * entry in the same transaction. */
static int modify_object(struct run *run, struct job *jb)
{
	objset_t *os = run->os[jb->ds];
	struct obj_rec *r = &jb->rec;
	char key[24];
	int err;

	switch (r->kind) {
	case K_FREED:
	case K_PUNCHED: {
		uint64_t off = 0, len = DMU_OBJECT_END;
		if (r->kind == K_PUNCHED) {
			/* Unaligned at both ends: partial blocks get zeroed, whole ones freed. */
			off = r->hole_off = r->len / 4 + 1000;
			len = r->hole_len = r->len / 3;
		} else {
			r->freed = 1;
		}
		rec_key(r->object, key, sizeof(key));
		dmu_tx_t *tx = dmu_tx_create(os);
		dmu_tx_hold_free(tx, r->object, off, len);
		dmu_tx_hold_zap(tx, MANIFEST_OBJ, B_FALSE, key);
		err = dmu_tx_assign(tx, TXG_WAIT);
		if (err) {
			dmu_tx_abort(tx);
			return fail(run, err, "%s object %llu: no transaction for freeing",
			    run->datasets[jb->ds].name, (unsigned long long)r->object);
		}
		err = r->freed ? dmu_object_free(os, r->object, tx) :
		    dmu_free_range(os, r->object, off, len, tx);
		if (!err)
			err = zap_update(os, MANIFEST_OBJ, key, 8, REC_WORDS, r, tx);
		dmu_tx_commit(tx);
		if (err)
			return fail(run, err, "%s object %llu: %s failed", run->datasets[jb->ds].name,
			    (unsigned long long)r->object, r->freed ? "dmu_object_free" : "dmu_free_range");
		return 0;
	}
	case K_REWRITTEN:
		r->seed = mix64(r->seed);
		return write_extent(run, jb, 0, r->len, true);
	default:
		return 0;
	}
}

/* A task queue worker: takes jobs until none are left or something failed,
 * waiting for a txg sync every few objects so the work spreads over many
 * transaction groups. */
static void worker(void *arg)
{
	struct run *run = arg;
	int done = 0;

	for (;;) {
		int j = __atomic_fetch_add(&run->next_job, 1, __ATOMIC_RELAXED);
		if (j >= run->njobs || __atomic_load_n(&run->err, __ATOMIC_RELAXED))
			break;
		struct job *jb = &run->jobs[j];
		if ((run->phase == PHASE_WRITE ? write_object(run, jb) : modify_object(run, jb)))
			break;
		if (++done % 3 == 0)
			txg_wait_synced(dmu_objset_pool(run->os[jb->ds]), 0);
	}
}

static int run_phase(struct run *run, enum phase phase, int nthreads)
{
	taskq_t *tq = taskq_create("zfs_selftest", nthreads, defclsyspri, nthreads, INT_MAX, 0);

	if (!tq)
		return fail(run, ENOMEM, "no task queue of %d threads", nthreads);
	run->phase = phase;
	run->next_job = 0;
	for (int i = 0; i < nthreads; i++)
		if (taskq_dispatch(tq, worker, run, TQ_SLEEP) == TASKQID_INVALID)
			fail(run, ENOMEM, "could not dispatch worker %d", i);
	taskq_wait(tq);
	taskq_destroy(tq);
	txg_wait_synced(dmu_objset_pool(run->os[0]), 0);
	return run->err;
}

/* ---- verification ---- */

static int verify_range(struct run *run, int ds, objset_t *os, const struct obj_rec *r,
    uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = MIN(len, (uint64_t)run->plan->io_buf);
		int err = dmu_read(os, r->object, off, n, run->got, DMU_READ_PREFETCH);
		if (err == ECKSUM)
			return fail(run, err, "%s object %llu, %zu bytes at offset %llu: checksum error, ECKSUM",
			    run->datasets[ds].name, (unsigned long long)r->object, n, (unsigned long long)off);
		if (err)
			return fail(run, err, "%s object %llu, %zu bytes at offset %llu: read error",
			    run->datasets[ds].name, (unsigned long long)r->object, n, (unsigned long long)off);
		fill_expected(r, off, run->want, n);
		if (memcmp(run->got, run->want, n)) {
			size_t i = 0;
			while (run->got[i] == run->want[i])
				i++;
			return fail(run, EIO, "%s object %llu: byte at offset %llu is %#x, expected %#x",
			    run->datasets[ds].name, (unsigned long long)r->object,
			    (unsigned long long)(off + i), run->got[i], run->want[i]);
		}
		run->bytes_read += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int verify_object(struct run *run, int ds, objset_t *os, const struct obj_rec *r)
{
	dmu_object_info_t doi;
	int err = dmu_object_info(os, r->object, &doi);

	if (r->freed) {
		if (err == ENOENT) {
			run->objects_gone++;
			return 0;
		}
		return fail(run, err ? err : EEXIST, "%s object %llu was freed but %s", run->datasets[ds].name,
		    (unsigned long long)r->object, err ? "looking it up fails" : "still exists");
	}
	if (err)
		return fail(run, err, "%s object %llu: no such object", run->datasets[ds].name,
		    (unsigned long long)r->object);
	if (doi.doi_type != DMU_OT_PLAIN_OTHER || doi.doi_data_block_size != r->blocksize)
		return fail(run, EINVAL, "%s object %llu: type %d, block size %u; expected %d, %llu",
		    run->datasets[ds].name, (unsigned long long)r->object, doi.doi_type,
		    doi.doi_data_block_size, DMU_OT_PLAIN_OTHER, (unsigned long long)r->blocksize);
	/* The written extents and a margin of hole around them. */
	if ((err = verify_range(run, ds, os, r, 0, r->len + HOLE_MARGIN)))
		return err;
	if (r->far_len) {
		if ((err = verify_range(run, ds, os, r, r->far_off / 2, HOLE_MARGIN)) ||
		    (err = verify_range(run, ds, os, r, r->far_off - HOLE_MARGIN,
		    r->far_len + 2 * HOLE_MARGIN)))
			return err;
		/* The gigabyte between must be a hole, not allocated zeros. */
		if (doi.doi_physical_blocks_512 * 512 > 8 * (r->len + r->far_len) + (4 << 20))
			return fail(run, EFBIG, "%s object %llu: sparse object takes %llu KiB",
			    run->datasets[ds].name, (unsigned long long)r->object,
			    KiB(doi.doi_physical_blocks_512 * 512));
	}
	if (doi.doi_max_offset < (r->far_len ? r->far_off + r->far_len : r->len))
		return fail(run, EINVAL, "%s object %llu ends at %llu, before its data",
		    run->datasets[ds].name, (unsigned long long)r->object,
		    (unsigned long long)doi.doi_max_offset);
	if (r->kind == K_COMPRESSIBLE) {
		run->comp_logical[ds] += r->len;
		run->comp_physical[ds] += doi.doi_physical_blocks_512 * 512;
	}
	run->objects_checked++;
	return 0;
}

/* Every object the manifest names, then that no other object exists. Goes
 * on after a bad object (to count them) and keeps the first failure. */
static int verify_dataset(struct run *run, int ds, objset_t *os)
{
	zap_attribute_t *za = kmem_alloc(sizeof(*za), KM_SLEEP);
	zap_cursor_t zc;
	uint64_t entries = 0, live = 0;
	int err;

	for (zap_cursor_init(&zc, os, MANIFEST_OBJ);; zap_cursor_advance(&zc)) {
		struct obj_rec r;
		if ((err = zap_cursor_retrieve(&zc, za))) {
			if (err != ENOENT)
				fail(run, err, "%s: reading the manifest", run->datasets[ds].name);
			break;
		}
		entries++;
		if (za->za_integer_length != 8 || za->za_num_integers != REC_WORDS ||
		    (err = zap_lookup(os, MANIFEST_OBJ, za->za_name, 8, REC_WORDS, &r))) {
			fail(run, err ? err : EINVAL, "%s: manifest entry '%s' unreadable",
			    run->datasets[ds].name, za->za_name);
			run->objects_bad++;
			continue;
		}
		live += !r.freed;
		if (verify_object(run, ds, os, &r))
			run->objects_bad++;
	}
	zap_cursor_fini(&zc);
	kmem_free(za, sizeof(*za));
	if (entries != (uint64_t)run->datasets[ds].nobjects)
		fail(run, ENOENT, "%s: manifest has %llu entries, expected %d", run->datasets[ds].name,
		    (unsigned long long)entries, run->datasets[ds].nobjects);
	/* Allocated objects: the manifest and the live ones, nothing leaked. */
	uint64_t obj = 0, allocated = 0;
	while (dmu_object_next(os, &obj, B_FALSE, 0) == 0)
		allocated++;
	if (allocated != live + 1)
		fail(run, EEXIST, "%s: %llu objects allocated, expected %llu", run->datasets[ds].name,
		    (unsigned long long)allocated, (unsigned long long)live + 1);
	return run->err;
}

static int verify_all(struct run *run)
{
	run->bytes_read = run->objects_checked = run->objects_gone = run->objects_bad = 0;
	for (unsigned ds = 0; ds < run->plan->nds; ds++) {
		run->comp_logical[ds] = run->comp_physical[ds] = 0;
		verify_dataset(run, ds, run->os[ds]);
	}
	if (run->err && run->objects_bad) {
		size_t n = strlen(run->why);
		snprintf(run->why + n, sizeof(run->why) - n, "; bad objects: %llu",
		    (unsigned long long)run->objects_bad);
	}
	return run->err;
}

/* ---- pool and datasets ---- */

/* The cache file spa_create wrote names the pool: read back through the
 * same zfs_file_* calls, unpacked, looked up. */
static int check_cache_file(struct run *run, char *detail, size_t size)
{
	zfs_file_t *fp;
	zfs_file_attr_t attr;
	nvlist_t *nvl;
	ssize_t resid = 0;
	int err = zfs_file_open(CACHEFILE, O_RDONLY, 0, &fp);

	if (err)
		return fail(run, err, "%s was not written", CACHEFILE);
	if ((err = zfs_file_getattr(fp, &attr)) == 0) {
		char *buf = vmem_alloc(attr.zfa_size + 1, KM_SLEEP);
		if ((err = zfs_file_read(fp, buf, attr.zfa_size, &resid)) == 0 && resid != 0)
			err = EIO;	/* short: the size said more */
		if (err == 0 && (err = nvlist_unpack(buf, attr.zfa_size, &nvl, KM_SLEEP)) == 0) {
			nvlist_t *cfg;
			if (nvlist_lookup_nvlist(nvl, POOL, &cfg) != 0)
				err = ENOENT;
			nvlist_free(nvl);
		}
		vmem_free(buf, attr.zfa_size + 1);
	}
	zfs_file_close(fp);
	if (err)
		return fail(run, err, "%s does not hold pool '%s'", CACHEFILE, POOL);
	snprintf(detail, size, "%s, %lld bytes, names '%s'", CACHEFILE, (long long)attr.zfa_size, POOL);
	return 0;
}

static int create_pool(struct run *run, const char *devpath)
{
	nvlist_t *disk = fnvlist_alloc(), *root = fnvlist_alloc(), *props = fnvlist_alloc();
	char name[64];

	/* The whole device is the only (top-level) vdev: no GPT, no mirror. */
	fnvlist_add_string(disk, ZPOOL_CONFIG_TYPE, VDEV_TYPE_DISK);
	fnvlist_add_string(disk, ZPOOL_CONFIG_PATH, devpath);
	fnvlist_add_uint64(disk, ZPOOL_CONFIG_ASHIFT, 12);	/* 4 KiB, as Linux's pool in shared/data */
	fnvlist_add_uint64(disk, ZPOOL_CONFIG_IS_LOG, 0);
	fnvlist_add_string(root, ZPOOL_CONFIG_TYPE, VDEV_TYPE_ROOT);
	fnvlist_add_nvlist_array(root, ZPOOL_CONFIG_CHILDREN, &disk, 1);
	/* The cache file goes to /tmp (ramfs): OpenZFS writes it through
	 * zfs_file_* on the VFS, and the next step reads it back. */
	fnvlist_add_string(props, zpool_prop_to_name(ZPOOL_PROP_CACHEFILE), CACHEFILE);
	/* `zpool create` enables every feature unless told otherwise; enabling
	 * costs nothing until a feature is used. */
	for (int f = 0; f < SPA_FEATURES; f++) {
		snprintf(name, sizeof(name), "feature@%s", spa_feature_table[f].fi_uname);
		fnvlist_add_uint64(props, name, 0);
	}
	int err = spa_create(POOL, root, props, NULL, NULL);
	if (err)
		fail(run, err, "spa_create of '%s' on %s", POOL, devpath);
	fnvlist_free(props);
	fnvlist_free(root);
	fnvlist_free(disk);
	return err;
}

static int check_features(struct run *run, bool active, char *detail, size_t size)
{
	static const spa_feature_t needed[] = {
		SPA_FEATURE_LZ4_COMPRESS, SPA_FEATURE_LARGE_BLOCKS, SPA_FEATURE_ZSTD_COMPRESS,
	};
	unsigned nneeded = run->plan->big ? ARRAY_SIZE(needed) : 1;	/* lz4 only */
	spa_t *spa;
	int err = spa_open(POOL, &spa, FTAG);

	if (err)
		return fail(run, err, "spa_open of '%s'", POOL);
	int enabled = 0;
	for (int f = 0; f < SPA_FEATURES; f++)
		enabled += spa_feature_is_enabled(spa, f);
	for (unsigned i = 0; i < nneeded; i++) {
		spa_feature_t f = needed[i];
		if (!(active ? spa_feature_is_active(spa, f) : spa_feature_is_enabled(spa, f)))
			fail(run, ENOTSUP, "feature %s is not %s", spa_feature_table[f].fi_uname,
			    active ? "active" : "enabled");
	}
	snprintf(detail, size, "%d of %d enabled%s", enabled, SPA_FEATURES,
	    !active ? "" : run->plan->big ? "; lz4_compress, large_blocks, zstd_compress active" :
	    "; lz4_compress active");
	spa_close(spa, FTAG);
	return run->err;
}

static void claim_manifest(objset_t *os, void *arg, cred_t *cr, dmu_tx_t *tx)
{
	*(int *)arg = zap_create_claim(os, MANIFEST_OBJ, DMU_OT_ZAP_OTHER, DMU_OT_NONE, 0, tx);
}

static int create_datasets(struct run *run)
{
	for (unsigned ds = 0; ds < run->plan->nds; ds++) {
		const struct ds_spec *d = &run->datasets[ds];
		int claimed = EINVAL;
		int err = dmu_objset_create(d->name, DMU_OST_OTHER, 0, NULL, claim_manifest, &claimed);
		if (err)
			return fail(run, err, "dmu_objset_create of %s", d->name);
		if (claimed)
			return fail(run, claimed, "%s: claiming object %llu for the manifest", d->name,
			    MANIFEST_OBJ);
		/* As `zfs set compression=` does: zstd's feature is activated by a
		 * sync task first, then the property is stored. */
		if ((err = dsl_dataset_set_compression(d->name, ZPROP_SRC_LOCAL, d->compress)) ||
		    (err = dsl_prop_set_int(d->name, zfs_prop_to_name(ZFS_PROP_COMPRESSION),
		    ZPROP_SRC_LOCAL, d->compress)))
			return fail(run, err, "%s: setting compression", d->name);
		if (d->recordsize && (err = dsl_prop_set_int(d->name,
		    zfs_prop_to_name(ZFS_PROP_RECORDSIZE), ZPROP_SRC_LOCAL, d->recordsize)))
			return fail(run, err, "%s: setting recordsize", d->name);
	}
	return 0;
}

/* The properties as stored on disk, read back through the DSL. */
static int check_properties(struct run *run)
{
	for (unsigned ds = 0; ds < run->plan->nds; ds++) {
		const struct ds_spec *d = &run->datasets[ds];
		uint64_t comp = ~0ULL, rs = 0;
		int err = dsl_prop_get_integer(d->name, zfs_prop_to_name(ZFS_PROP_COMPRESSION), &comp, NULL);
		if (!err)
			err = dsl_prop_get_integer(d->name, zfs_prop_to_name(ZFS_PROP_RECORDSIZE), &rs, NULL);
		if (err)
			return fail(run, err, "%s: reading properties", d->name);
		if (ZIO_COMPRESS_ALGO(comp) != d->compress ||
		    rs != (d->recordsize ? d->recordsize : SPA_OLD_MAXBLOCKSIZE))
			return fail(run, EINVAL, "%s: compression %llu, recordsize %llu; expected %llu, %llu",
			    d->name, (unsigned long long)comp, (unsigned long long)rs,
			    (unsigned long long)d->compress,
			    (unsigned long long)(d->recordsize ? d->recordsize : SPA_OLD_MAXBLOCKSIZE));
	}
	return 0;
}

/* Compressible data must have shrunk where compression is on. */
static int check_compression(struct run *run, char *detail, size_t size)
{
	size_t n = 0;

	detail[0] = '\0';
	for (unsigned ds = 0; ds < run->plan->nds; ds++) {
		uint64_t l = run->comp_logical[ds], p = run->comp_physical[ds];
		if (!l)
			continue;
		n += snprintf(detail + n, n < size ? size - n : 0, "%s%s %llu KiB in %llu KiB",
		    n ? ", " : "", run->datasets[ds].name + sizeof(POOL), KiB(l), KiB(p));
		if (run->datasets[ds].compress != ZIO_COMPRESS_OFF && p * 2 > l)
			fail(run, EINVAL, "%s: compressible data takes %llu KiB for %llu KiB",
			    run->datasets[ds].name, KiB(p), KiB(l));
	}
	return run->err;
}

static int own_all(struct run *run, boolean_t readonly)
{
	for (unsigned ds = 0; ds < run->plan->nds; ds++) {
		int err = dmu_objset_own(run->datasets[ds].name, DMU_OST_OTHER, readonly, B_TRUE, run,
		    &run->os[ds]);
		if (err) {
			run->os[ds] = NULL;
			return fail(run, err, "dmu_objset_own of %s", run->datasets[ds].name);
		}
	}
	return 0;
}

static void disown_all(struct run *run)
{
	for (unsigned ds = 0; ds < run->plan->nds; ds++)
		if (run->os[ds]) {
			dmu_objset_disown(run->os[ds], B_TRUE, run);
			run->os[ds] = NULL;
		}
}

static int export_pool(struct run *run)
{
	int err = spa_export(POOL, NULL, B_FALSE, B_FALSE);

	/* A disowned dataset lets go of the pool from the dbu_evict task
	 * queue; on a read-only pool no txg sync waits for that, so the
	 * first export can still find the reference. Give it two seconds. */
	for (int i = 0; err == EBUSY && i < 20; i++) {
		delay(MSEC_TO_TICK(100));
		err = spa_export(POOL, NULL, B_FALSE, B_FALSE);
	}

	return err ? fail(run, err, "spa_export of '%s'", POOL) : 0;
}

/* ---- import from the device's label ---- */

static int import_pool(struct run *run, struct blkdev *dev, const char *devpath)
{
	char name[ZFS_MAX_DATASET_NAME_LEN], why[160];
	/* A read-only device (verify runs only) is imported read-only. */
	int err = zfs_import_device(devpath, POOL, dev->readonly, name, sizeof(name), why, sizeof(why));

	return err ? fail(run, err, "%s", why) : 0;
}

/* ---- the test ---- */

/* Verifies every dataset and reports it as one step. */
static int verify_step(struct run *run, const char *step)
{
	char detail[120];

	verify_all(run);
	snprintf(detail, sizeof(detail), "%llu objects, %llu KiB, %llu freed objects gone",
	    (unsigned long long)run->objects_checked, KiB(run->bytes_read),
	    (unsigned long long)run->objects_gone);
	return report(run, step, detail);
}


static uint64_t synced_txg(void)
{
	spa_t *spa;
	uint64_t txg = 0;

	if (!spa_open(POOL, &spa, FTAG)) {
		txg = spa_last_synced_txg(spa);
		spa_close(spa, FTAG);
	}
	return txg;
}

static int plan_jobs(struct run *run)
{
	int n = 0;

	for (unsigned ds = 0; ds < run->plan->nds; ds++)
		n += run->datasets[ds].nobjects;
	run->jobs = kmem_zalloc(n * sizeof(struct job), KM_SLEEP);
	run->jobs_alloc = n;
	for (unsigned ds = 0; ds < run->plan->nds; ds++) {
		uint64_t rs = 0;
		int err = dsl_prop_get_integer(run->datasets[ds].name, zfs_prop_to_name(ZFS_PROP_RECORDSIZE),
		    &rs, NULL);
		if (err)
			return fail(run, err, "%s: reading recordsize", run->datasets[ds].name);
		/* Interleave datasets so concurrent workers write to all of them. */
		for (int i = 0; i < run->datasets[ds].nobjects; i++) {
			struct job *jb = &run->jobs[run->njobs++];
			jb->ds = ds;
			plan_object(&run->datasets[ds], ds, i, rs, &jb->rec);
		}
	}
	/* Shuffle deterministically so each worker mixes datasets and kinds. */
	for (int i = run->njobs - 1; i > 0; i--) {
		int j = mix64(RUN_SEED + i) % (i + 1);
		struct job t = run->jobs[i];
		run->jobs[i] = run->jobs[j];
		run->jobs[j] = t;
	}
	return 0;
}

/* Creates the pool and fills it; leaves it exported. */
static int build_pool(struct run *run, const char *devpath, int nthreads, uint64_t *create_us)
{
	char detail[160];
	int err;

	hrtime_t t0 = gethrtime();
	err = create_pool(run, devpath);
	*create_us = (gethrtime() - t0) / 1000;
	if (report(run, "create pool " POOL, NULL))
		return err;

	check_cache_file(run, detail, sizeof(detail));
	if ((err = report(run, "cache file", detail)))
		goto export;
	check_features(run, false, detail, sizeof(detail));
	if ((err = report(run, "features", detail)))
		goto export;
	create_datasets(run);
	if ((err = report(run, "datasets", run->plan->what)))
		goto export;
	if (own_all(run, B_FALSE) || plan_jobs(run)) {
		err = report(run, "write", NULL);
		goto export;
	}

	uint64_t txg0 = synced_txg();
	run_phase(run, PHASE_WRITE, nthreads);
	snprintf(detail, sizeof(detail), "%d objects, %llu KiB by %d thread%s, txgs %llu..%llu",
	    run->njobs, KiB(run->bytes_written), nthreads, nthreads > 1 ? "s" : "",
	    (unsigned long long)txg0, (unsigned long long)synced_txg());
	if ((err = report(run, "write", detail)))
		goto export;

	uint64_t txg1 = synced_txg();
	run->bytes_written = 0;
	run_phase(run, PHASE_MODIFY, nthreads);
	snprintf(detail, sizeof(detail), "objects freed, ranges punched, %llu KiB rewritten, txgs %llu..%llu",
	    KiB(run->bytes_written), (unsigned long long)txg1, (unsigned long long)synced_txg());
	if ((err = report(run, "free and rewrite", detail)))
		goto export;
	const char *unused;
	if (boot_module_option("zfs.memstats", &unused))
		zfs_memstats("with the pool imported, after writing");

	err = verify_step(run, "verify before export");
export:
	disown_all(run);
	export_pool(run);
	int e = report(run, "export", NULL);
	return err ? err : e;
}

/* Memory pressure reaches the ARC: with the pool's data cached, take
 * every free page; the allocations that find none make the kernel ask its
 * reclaimers, the ARC's among them, which must shrink the cache and hand
 * the pages over. Eviction never goes under arc_c_min (32 MiB from 256 MiB
 * of RAM up, 1/8 of RAM below: often more than this pool's cached data),
 * so the floor is lowered for the test and put back after, with
 * everything taken. */
static int arc_pressure_step(struct run *run)
{
	uint64_t floor = arc_c_min, before = aggsum_value(&arc_sums.arcstat_size), after;
	void *taken = NULL;
	size_t ntaken = 0;
	char detail[120];

	arc_c_min = 2 << 20;
	/* A failure ends the taking only when the ARC has stopped shrinking:
	 * on a loaded host its eviction thread may lag the reclaim's wait. */
	for (int stalls = 0; stalls < 3; ) {
		void **page = kmalloc(PAGE_SIZE);
		if (page) {
			*page = taken;
			taken = page;
			ntaken++;
			continue;
		}
		uint64_t size = aggsum_value(&arc_sums.arcstat_size);
		delay(MSEC_TO_TICK(20));
		stalls = aggsum_value(&arc_sums.arcstat_size) < size ? 0 : stalls + 1;
	}
	after = aggsum_value(&arc_sums.arcstat_size);
	while (taken) {
		void *next = *(void **)taken;
		kfree(taken);
		taken = next;
	}
	arc_c_min = floor;
	snprintf(detail, sizeof(detail), "ARC %llu KiB -> %llu KiB, %zu pages taken",
	    KiB(before), KiB(after), ntaken);
	if (after >= before / 2)
		fail(run, ENOMEM, "the ARC did not shrink under memory pressure (%llu KiB -> %llu KiB)",
		    KiB(before), KiB(after));
	return report(run, "memory pressure", detail);
}

/* Imports the pool from the device, checks everything, exports it. */
static int check_pool(struct run *run, struct blkdev *dev, const char *devpath, uint64_t *import_us)
{
	char detail[200];
	int err;

	hrtime_t t0 = gethrtime();
	import_pool(run, dev, devpath);
	*import_us = (gethrtime() - t0) / 1000;
	if ((err = report(run, "import", dev->readonly ? "read-only" : NULL)))
		return err;

	if (own_all(run, B_TRUE)) {
		err = report(run, "verify", NULL);
		goto export;
	}
	err = verify_step(run, "verify");
	if (!run->verify_only) {
		int e = arc_pressure_step(run);
		err = err ? err : e;
	}

	check_compression(run, detail, sizeof(detail));
	int e = report(run, "compression", detail);
	err = err ? err : e;
	check_properties(run);
	e = report(run, "properties", NULL);
	err = err ? err : e;
	check_features(run, true, detail, sizeof(detail));
	e = report(run, "features active", detail);
	err = err ? err : e;
export:
	disown_all(run);
	export_pool(run);
	e = report(run, "export after verify", NULL);
	return err ? err : e;
}

int zfs_pool_selftest(const char *devpath, int nthreads, int verify_only, int small)
{
	struct run *run = kmem_zalloc(sizeof(*run), KM_SLEEP);
	uint64_t create_us = 0, import_us = 0;
	int err;

	mutex_init(&run->lock, NULL, MUTEX_DEFAULT, NULL);
	nthreads = MAX(1, MIN(nthreads, MAX_THREADS));
	run->verify_only = verify_only;
	run->plan = small ? &plan_small : &plan_full;
	run->datasets = run->plan->ds;
	struct blkdev *dev = devpath ? blk_find_path(devpath) : NULL;
	if (!dev) {
		fail(run, ENODEV, "%s: no such block device", devpath ? devpath : "(none)");
		err = report(run, "open", NULL);
		goto out;
	}
	uint64_t size = dev->nsectors * SECTOR_SIZE;
	char detail[64];
	snprintf(detail, sizeof(detail), "%s, %llu MiB%s%s", devpath, (unsigned long long)(size >> 20),
	    small ? ", small" : "", verify_only ? ", verify only" : "");
	if (size < SPA_MINDEVSIZE)
		fail(run, EOVERFLOW, "%s has %llu MiB; a pool needs %llu", devpath,
		    (unsigned long long)(size >> 20), (unsigned long long)(SPA_MINDEVSIZE >> 20));
	else if (dev->readonly && !verify_only)
		fail(run, EROFS, "%s is read-only", devpath);
	if ((err = report(run, "open", detail)))
		goto out;

	run->got = vmem_alloc(run->plan->io_buf, KM_SLEEP);
	run->want = vmem_alloc(run->plan->io_buf, KM_SLEEP);
	if (!verify_only && (err = build_pool(run, devpath, nthreads, &create_us)))
		goto out;
	err = check_pool(run, dev, devpath, &import_us);
	if (verify_only)
		printk("zfs-selftest: import %llu us\n", (unsigned long long)import_us);
	else
		printk("zfs-selftest: pool create %llu us, import %llu us\n",
		    (unsigned long long)create_us, (unsigned long long)import_us);
out:
	printk("zfs-selftest: %s\n", err ? "FAILED" : "all steps passed");
	if (run->got)
		vmem_free(run->got, run->plan->io_buf);
	if (run->want)
		vmem_free(run->want, run->plan->io_buf);
	if (run->jobs)
		kmem_free(run->jobs, run->jobs_alloc * sizeof(struct job));
	mutex_destroy(&run->lock);
	kmem_free(run, sizeof(*run));
	return err;
}

/* ---- scrub of a pool found on a device ---- */

/* Scrubs the pool on devpath, whatever made it (Linux's OpenZFS, say):
 * every block is read and its checksum checked. */
int zfs_pool_scrub(const char *devpath)
{
	char name[ZFS_MAX_DATASET_NAME_LEN], why[160];
	uint64_t t0 = gethrtime();
	spa_t *spa;
	int err = zfs_import_device(devpath, NULL, B_FALSE, name, sizeof(name), why, sizeof(why));

	if (err) {
		printk("zfs-scrub: FAIL import: %s (error %d)\n", why, err);
		return err;
	}
	printk("zfs-scrub: PASS import of pool '%s' from %s (%llu us)\n", name, devpath,
	    (u_longlong_t)(gethrtime() - t0) / 1000);
	if ((err = spa_open(name, &spa, FTAG)) == 0) {
		err = spa_scan(spa, POOL_SCAN_SCRUB);
		spa_close(spa, FTAG);
	}
	boolean_t waited;
	if (err == 0)
		err = spa_wait(name, ZPOOL_WAIT_SCRUB, &waited);
	if (err == 0 && (err = spa_open(name, &spa, FTAG)) == 0) {
		dsl_scan_phys_t *scn = &spa->spa_dsl_pool->dp_scan->scn_phys;
		uint64_t logged = spa_get_errlog_size(spa);
		bool clean = scn->scn_state == DSS_FINISHED && !scn->scn_errors && !logged;
		printk("zfs-scrub: %s scrub of '%s': %s, %llu KiB examined, %llu errors, "
		    "%llu in the error log\n", clean ? "PASS" : "FAIL", name,
		    scn->scn_state == DSS_FINISHED ? "finished" : "not finished",
		    (u_longlong_t)(scn->scn_examined >> 10), (u_longlong_t)scn->scn_errors,
		    (u_longlong_t)logged);
		if (!clean)
			err = ECKSUM;
		spa_close(spa, FTAG);
	} else {
		printk("zfs-scrub: FAIL scrub of '%s' (error %d)\n", name, err);
	}
	int e = spa_export(name, NULL, B_FALSE, B_FALSE);
	printk("zfs-scrub: %s export of '%s'%s\n", e ? "FAIL" : "PASS", name, e ? " failed" : "");
	return err ? err : e;
}

/* ---- a pool on a file (a file vdev on the VFS) ---- */

#define FILE_POOL	"ospreyfile"
#define FILE_POOL_SIZE	(SPA_MINDEVSIZE + (16ULL << 20))
#define FILE_DATA	(1U << 20)

static uint8_t file_pattern(size_t i)
{
	return (uint8_t)(((uint64_t)i * 2654435761u) >> 13);
}

/* A sparse file of `size` bytes: only its last byte is written. */
static int make_sparse_file(const char *path, uint64_t size)
{
	zfs_file_t *fp;
	ssize_t resid;
	int err = zfs_file_open(path, O_RDWR | O_CREAT | O_TRUNC, 0600, &fp);

	if (err)
		return err;
	err = zfs_file_pwrite(fp, "", 1, size - 1, &resid);
	if (err == 0 && resid != 0)
		err = ENOSPC;
	zfs_file_close(fp);
	return err;
}

static int file_pool_create(const char *path)
{
	nvlist_t *file = fnvlist_alloc(), *root = fnvlist_alloc(), *props = fnvlist_alloc();

	fnvlist_add_string(file, ZPOOL_CONFIG_TYPE, VDEV_TYPE_FILE);
	fnvlist_add_string(file, ZPOOL_CONFIG_PATH, path);
	fnvlist_add_uint64(file, ZPOOL_CONFIG_IS_LOG, 0);
	fnvlist_add_string(root, ZPOOL_CONFIG_TYPE, VDEV_TYPE_ROOT);
	fnvlist_add_nvlist_array(root, ZPOOL_CONFIG_CHILDREN, &file, 1);
	fnvlist_add_string(props, zpool_prop_to_name(ZPOOL_PROP_CACHEFILE), "none");
	int err = spa_create(FILE_POOL, root, props, NULL, NULL);
	fnvlist_free(props);
	fnvlist_free(root);
	fnvlist_free(file);
	return err;
}

/* One object of FILE_DATA known bytes in the pool's root dataset. */
static int file_pool_write(uint8_t *buf, uint64_t *objp)
{
	objset_t *os;
	int err = dmu_objset_own(FILE_POOL, DMU_OST_ZFS, B_FALSE, B_TRUE, FTAG, &os);

	if (err)
		return err;
	for (size_t i = 0; i < FILE_DATA; i++)
		buf[i] = file_pattern(i);
	dmu_tx_t *tx = dmu_tx_create(os);
	dmu_tx_hold_bonus(tx, DMU_NEW_OBJECT);
	dmu_tx_hold_write(tx, DMU_NEW_OBJECT, 0, FILE_DATA);
	if ((err = dmu_tx_assign(tx, TXG_WAIT)) == 0) {
		*objp = dmu_object_alloc(os, DMU_OT_UINT64_OTHER, 0, DMU_OT_NONE, 0, tx);
		dmu_write(os, *objp, 0, FILE_DATA, buf, tx);
		dmu_tx_commit(tx);
		txg_wait_synced(dmu_objset_pool(os), 0);
	} else {
		dmu_tx_abort(tx);
	}
	dmu_objset_disown(os, B_TRUE, FTAG);
	return err;
}

static int file_pool_verify(uint8_t *buf, uint64_t obj)
{
	objset_t *os;
	int err = dmu_objset_own(FILE_POOL, DMU_OST_ZFS, B_TRUE, B_TRUE, FTAG, &os);

	if (err)
		return err;
	memset(buf, 0, FILE_DATA);
	err = dmu_read(os, obj, 0, FILE_DATA, buf, DMU_READ_NO_PREFETCH);
	for (size_t i = 0; err == 0 && i < FILE_DATA; i++)
		if (buf[i] != file_pattern(i))
			err = EILSEQ;
	dmu_objset_disown(os, B_TRUE, FTAG);
	return err;
}

static int file_step(const char *step, int err, const char *why)
{
	if (err)
		printk("zfs-file-pool: FAIL %s: %s (error %d)\n", step, why, err);
	else
		printk("zfs-file-pool: PASS %s\n", step);
	return err;
}

/* --zfs.selftest_file=PATH: a pool on a file made at PATH; one object
 * written, the pool exported, imported from the file's labels, read back
 * and compared, exported; the file is removed. */
int zfs_file_pool_selftest(const char *path)
{
	uint8_t *buf = vmem_alloc(FILE_DATA, KM_SLEEP);
	char name[ZFS_MAX_DATASET_NAME_LEN], why[160] = "";
	uint64_t obj = 0;
	int err;

	if ((err = file_step("create file", make_sparse_file(path, FILE_POOL_SIZE), path)))
		goto out;
	if ((err = file_step("create pool " FILE_POOL, file_pool_create(path), path)))
		goto out;
	err = file_step("write", file_pool_write(buf, &obj), "one object in the root dataset");
	int e = file_step("export", spa_export(FILE_POOL, NULL, B_FALSE, B_FALSE), FILE_POOL);
	if (err || (err = e))
		goto out;
	e = zfs_import_file(path, FILE_POOL, name, sizeof(name), why, sizeof(why));
	if ((err = file_step("import", e, why)))
		goto out;
	err = file_step("verify", file_pool_verify(buf, obj), "the object read back differs");
	e = file_step("export after verify", spa_export(FILE_POOL, NULL, B_FALSE, B_FALSE), FILE_POOL);
	err = err ? err : e;
out:
	zfs_file_unlink(path);
	vmem_free(buf, FILE_DATA);
	printk("zfs-file-pool: %s\n", err ? "FAILED" : "all steps passed");
	return err;
}
