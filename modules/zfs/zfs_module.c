/* libzfs.so: OpenZFS on Osprey. module_init brings OpenZFS up as Linux's
 * zfs_kmod_init does and registers the "zfs" filesystem type
 * (zfs_mount.c); with --zfs.selftest it first checks the porting layer,
 * and the pool self-tests run when asked on the command line. */
#include <sys/avl.h>
#include <sys/nvpair.h>
#include <sys/kmem.h>
#include <sys/condvar.h>
#include <sys/rwlock.h>
#include <sys/taskq.h>
#include <sys/thread.h>
#include <sys/kstat.h>
#include <sys/debug.h>
#include <sys/spl_init.h>
#include <sys/spa.h>
#include <sys/arc_impl.h>
#include <sys/rrwlock.h>
#include <sys/zfs_quota.h>
#include <sys/procfs_list.h>
#include <sys/sunddi.h>
#include <sys/zfs_ioctl.h>
#include <sys/zfs_vfsops.h>
#include <sys/zfs_ioctl_impl.h>
#include <sys/zmod.h>
#include "zfs_selftest.h"
#include "zfs_import.h"
#include "zfs_mount.h"
#include "zfs_memstats.h"
#include "dev/console.h"
#include "dev/blk.h"
#include "fs/vfs.h"
#undef EXPORT_SYMBOL	/* OpenZFS's (empty); the kernel's follows */
#include "module/module.h"
#include "mm/mm.h"
#include "dev/random.h"
#include "lib/printf.h"
#include "cmdline.h"
#include <errno.h>
#include <string.h>

/* OpenZFS's module_init() macro (sys/mod_os.h) is not our entry point. */
#undef module_init

__attribute__((visibility("default"))) const uint32_t osprey_module_api = OSPREY_MODULE_API;

extern const spl_initcall_t __start_spl_initcalls[], __stop_spl_initcalls[];

struct test_node {
	avl_node_t link;
	uint64_t key;
};

static int compare(const void *a, const void *b)
{
	const struct test_node *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* OpenZFS's AVL code through its public API: random inserts, an in-order
 * walk, lookups and removals, against what a sorted key set must give. */
static int avl_selftest(unsigned n)
{
	struct test_node *nodes = kzalloc(n * sizeof(*nodes));
	avl_tree_t tree;
	int bad = 0;

	if (!nodes)
		return -ENOMEM;
	avl_create(&tree, compare, sizeof(struct test_node), offsetof(struct test_node, link));
	for (unsigned i = 0; i < n; i++) {
		random_bytes(&nodes[i].key, sizeof(nodes[i].key));
		nodes[i].key = (nodes[i].key & ~0xfffULL) | i;	/* distinct */
		avl_add(&tree, &nodes[i]);
	}
	uint64_t prev = 0, count = 0;
	for (struct test_node *t = avl_first(&tree); t; t = AVL_NEXT(&tree, t), count++) {
		bad += count && t->key <= prev;
		prev = t->key;
	}
	bad += count != n || avl_numnodes(&tree) != n;
	for (unsigned i = 0; i < n; i += 2)
		avl_remove(&tree, &nodes[i]);
	for (unsigned i = 0; i < n; i++) {
		struct test_node probe = { .key = nodes[i].key };
		bad += (avl_find(&tree, &probe, NULL) != NULL) != (i % 2 == 1);
	}
	void *cookie = NULL;
	while (avl_destroy_nodes(&tree, &cookie))
		;
	avl_destroy(&tree);
	kfree(nodes);
	return bad ? -EIO : 0;
}

static const uint64_t vdev_guids[5] = { 1, 2, 3, 0x1234567890abcdefULL, ~0ULL };

/* The properties of a list as packed and unpacked again. */
static bool nvlist_matches(nvlist_t *nvl)
{
	char *pool;
	uint64_t guid, *arr;
	uint_t n;
	nvlist_t *props;
	boolean_t ro;

	return !nvlist_lookup_string(nvl, "pool", &pool) && !strcmp(pool, "tank") &&
	    !nvlist_lookup_uint64(nvl, "guid", &guid) && guid == 0xfeedfacecafebeefULL &&
	    !nvlist_lookup_uint64_array(nvl, "vdevs", &arr, &n) && n == 5 &&
	    !memcmp(arr, vdev_guids, sizeof(vdev_guids)) &&
	    !nvlist_lookup_nvlist(nvl, "props", &props) &&
	    !nvlist_lookup_boolean_value(props, "readonly", &ro) && ro == B_TRUE;
}

/* OpenZFS's nvlists (the currency of pool configurations and labels):
 * build one, pack it natively and as XDR (the on-disk label encoding),
 * unpack and compare; a truncated buffer must be refused, not crash. */
static int nvlist_selftest(void)
{
	nvlist_t *nvl, *props, *back;
	int bad = 0;

	if (nvlist_alloc(&nvl, NV_UNIQUE_NAME, KM_SLEEP) ||
	    nvlist_alloc(&props, NV_UNIQUE_NAME, KM_SLEEP))
		return -ENOMEM;
	bad += nvlist_add_string(nvl, "pool", "tank") != 0;
	bad += nvlist_add_uint64(nvl, "guid", 0xfeedfacecafebeefULL) != 0;
	bad += nvlist_add_uint64_array(nvl, "vdevs", (uint64_t *)vdev_guids, 5) != 0;
	bad += nvlist_add_boolean_value(props, "readonly", B_TRUE) != 0;
	bad += nvlist_add_nvlist(nvl, "props", props) != 0;
	const int encodings[2] = { NV_ENCODE_NATIVE, NV_ENCODE_XDR };
	for (int e = 0; e < 2 && !bad; e++) {
		char *buf = NULL;
		size_t len = 0;
		if (nvlist_pack(nvl, &buf, &len, encodings[e], KM_SLEEP)) {
			bad++;
			break;
		}
		bad += nvlist_unpack(buf, len / 2, &back, KM_SLEEP) == 0;	/* truncated */
		if (nvlist_unpack(buf, len, &back, KM_SLEEP) == 0) {
			bad += !nvlist_matches(back);
			nvlist_free(back);
		} else {
			bad++;
		}
		kmem_free(buf, len);
	}
	nvlist_free(props);
	nvlist_free(nvl);
	return bad ? -EIO : 0;
}

/* The SPL's locks as OpenZFS uses them: owner-tracking mutexes, a condition
 * variable signalled by another thread within a nanosecond deadline, one
 * that times out on an lbolt deadline, and rwlock upgrade/downgrade. */
struct sync_test {
	kmutex_t lock;
	kcondvar_t cv;
	int ready;
};

static void signal_soon(void *arg)
{
	struct sync_test *t = arg;

	thread_sleep_ns(2000000);
	mutex_enter(&t->lock);
	t->ready = 1;
	cv_signal(&t->cv);
	mutex_exit(&t->lock);
}

static int sync_selftest(void)
{
	struct sync_test t = { .ready = 0 };
	krwlock_t rw;
	int bad = 0;

	mutex_init(&t.lock, NULL, MUTEX_DEFAULT, NULL);
	cv_init(&t.cv, NULL, CV_DEFAULT, NULL);
	/* The kernel's own thread_create, not the Solaris macro. */
	struct thread *th = (thread_create)("spl-test", signal_soon, &t, PRIO_DEFAULT, 0);
	if (!th)
		return -ENOMEM;
	mutex_enter(&t.lock);
	bad += !MUTEX_HELD(&t.lock);
	hrtime_t deadline = gethrtime() + 5 * NANOSEC;
	while (!t.ready && bad < 1000)
		bad += cv_timedwait_hires(&t.cv, &t.lock, deadline, 0, CALLOUT_FLAG_ABSOLUTE) < 0;
	clock_t start = ddi_get_lbolt();
	bad += cv_timedwait(&t.cv, &t.lock, start + MSEC_TO_TICK(3)) != -1;	/* nobody signals */
	bad += ddi_get_lbolt() < start + MSEC_TO_TICK(3);
	mutex_exit(&t.lock);
	bad += MUTEX_HELD(&t.lock);
	(thread_join)(th, NULL);
	rw_init(&rw, NULL, RW_DEFAULT, NULL);
	rw_enter(&rw, RW_READER);
	bad += !RW_READ_HELD(&rw) || RW_WRITE_HELD(&rw) || !rw_tryupgrade(&rw);
	bad += !RW_WRITE_HELD(&rw);
	rw_downgrade(&rw);
	bad += !RW_READ_HELD(&rw) || rw_tryenter(&rw, RW_WRITER);
	rw_exit(&rw);
	bad += RW_LOCK_HELD(&rw);
	rw_destroy(&rw);
	cv_destroy(&t.cv);
	mutex_destroy(&t.lock);
	return bad ? -EIO : 0;
}

/* Solaris threads and TSD: a detached thread made the OpenZFS way sets a
 * TSD value, reads it back, and its destructor runs when it exits. */
struct thr_test {
	kmutex_t lock;
	kcondvar_t cv;
	uint_t key;
	int phase, dtor_ran;
};

static struct thr_test *thr_current;	/* one self-test at a time, at load */

static void thr_dtor(void *value)
{
	mutex_enter(&thr_current->lock);
	thr_current->dtor_ran = value == (void *)thr_current;
	cv_broadcast(&thr_current->cv);
	mutex_exit(&thr_current->lock);
}

static void thr_body(void *arg)
{
	struct thr_test *t = arg;
	int ok = tsd_set(t->key, t) == 0 && tsd_get(t->key) == t;

	mutex_enter(&t->lock);
	t->phase = ok ? 1 : -1;
	cv_broadcast(&t->cv);
	mutex_exit(&t->lock);
	thread_exit();
}

static int thread_selftest(void)
{
	static struct thr_test t;
	int bad = 0;

	thr_current = &t;
	mutex_init(&t.lock, NULL, MUTEX_DEFAULT, NULL);
	cv_init(&t.cv, NULL, CV_DEFAULT, NULL);
	if (tsd_create(&t.key, thr_dtor) || !t.key)
		return -ENOMEM;
	bad += tsd_get(t.key) != NULL;
	if (!thread_create(NULL, 0, thr_body, &t, 0, NULL, TS_RUN, defclsyspri))
		return -ENOMEM;
	hrtime_t deadline = gethrtime() + 5 * NANOSEC;
	mutex_enter(&t.lock);
	while ((!t.phase || !t.dtor_ran) && cv_timedwait_hires(&t.cv, &t.lock, deadline, 0,
	    CALLOUT_FLAG_ABSOLUTE) > 0)
		;
	bad += t.phase != 1 || !t.dtor_ran;
	mutex_exit(&t.lock);
	tsd_destroy(&t.key);
	return bad ? -EIO : 0;
}

/* kmem caches: constructed objects are reused without a second
 * constructor call, alignment holds, reap hands every kept object to the
 * destructor after the reclaim callback. */
struct kc_test {
	int ctors, dtors, reclaims;
};

static int kc_ctor(void *obj, void *priv, int flags)
{
	((struct kc_test *)priv)->ctors++;
	memset(obj, 0x5a, 200);
	return 0;
}

static void kc_dtor(void *obj, void *priv)
{
	((struct kc_test *)priv)->dtors++;
}

static void kc_reclaim(void *priv)
{
	((struct kc_test *)priv)->reclaims++;
}

static int kmem_cache_selftest(void)
{
	struct kc_test t = { 0 };
	void *objs[100];
	int bad = 0;
	kmem_cache_t *c = kmem_cache_create("zfs_selftest", 200, 64, kc_ctor, kc_dtor,
	    kc_reclaim, &t, NULL, 0);

	if (!c)
		return -ENOMEM;
	for (int i = 0; i < 100; i++) {
		objs[i] = kmem_cache_alloc(c, KM_SLEEP);
		bad += !objs[i] || ((uintptr_t)objs[i] & 63);
	}
	for (int i = 0; i < 100; i++)
		kmem_cache_free(c, objs[i]);
	for (int i = 0; i < 100; i++)
		bad += (objs[i] = kmem_cache_alloc(c, KM_SLEEP)) == NULL;
	bad += t.ctors != 100 || spl_kmem_cache_inuse(c) != 100;
	for (int i = 0; i < 100; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_reap_now(c);
	bad += t.reclaims != 1 || t.dtors != 100 || spl_kmem_cache_kept(c) != 0;
	kmem_cache_destroy(c);
	return bad ? -EIO : 0;
}


/* Memory pressure reaches the caches: with 16 constructed page-sized
 * objects kept (within a cache's keep limit), take every free page; the allocation that finds none makes
 * the kernel reap the cache (owner callback, destructors), and its pages
 * are then handed out too. Everything is given back afterwards. */
static int memory_pressure_selftest(void)
{
	struct kc_test t = { 0 };
	void *objs[16], *taken = NULL;
	size_t ntaken = 0;
	int bad = 0;
	kmem_cache_t *c = kmem_cache_create("zfs_pressure", PAGE_SIZE, 0, kc_ctor, kc_dtor,
	    kc_reclaim, &t, NULL, 0);

	if (!c)
		return -ENOMEM;
	for (int i = 0; i < 16; i++)
		bad += (objs[i] = kmem_cache_alloc(c, KM_SLEEP)) == NULL;
	for (int i = 0; i < 16; i++)	/* all back, or destroy would find a leak */
		if (objs[i])
			kmem_cache_free(c, objs[i]);
	bad += spl_kmem_cache_kept(c) != 16;
	for (void **page; !bad && (page = kmalloc(PAGE_SIZE)); ntaken++) {
		*page = taken;
		taken = page;
	}
	/* Every failed allocation reaps again (finding nothing), so count >= 1. */
	bad += t.reclaims < 1 || t.dtors != 16 || spl_kmem_cache_kept(c) != 0;
	int reaps = t.reclaims;
	while (taken) {
		void *next = *(void **)taken;
		kfree(taken);
		taken = next;
	}
	kmem_cache_destroy(c);
	printk("zfs: memory pressure self-test: %zu pages taken, cache reaped %d times%s\n",
	    ntaken, reaps, bad ? "" : ": passed");
	return bad ? -EIO : 0;
}

/* Task queues: 1000 tasks over 4 workers all run once, an embedded entry
 * runs and reads back as empty, a delayed task waits its time, a pending
 * one can be cancelled, a running one is waited for by its canceller, and
 * the workers know their queue. */
struct tq_test {
	taskq_t *tq;
	int count;
	int member_bad;
	hrtime_t ran_at;
};

static void count_task(void *arg)
{
	struct tq_test *t = arg;

	if (taskq_of_curthread() != t->tq || !taskq_member(t->tq, thread_current()))
		__atomic_add_fetch(&t->member_bad, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&t->count, 1, __ATOMIC_SEQ_CST);
}

static void stamp_task(void *arg)
{
	((struct tq_test *)arg)->ran_at = gethrtime();
}

/* Says it started, then runs 20 ms more before it stamps its end. */
static void slow_task(void *arg)
{
	struct tq_test *t = arg;

	__atomic_store_n(&t->count, -1, __ATOMIC_SEQ_CST);
	thread_sleep_ns(20000000);
	stamp_task(t);
}

static int taskq_selftest(void)
{
	struct tq_test t = { 0 };
	taskq_ent_t ent;
	int bad = 0;

	t.tq = taskq_create("zfs-selftest", 4, 16, 0, 0, 0);
	if (!t.tq)
		return -ENOMEM;
	for (int i = 0; i < 1000; i++)
		bad += taskq_dispatch(t.tq, count_task, &t, TQ_SLEEP) == TASKQID_INVALID;
	taskq_init_ent(&ent);
	taskq_dispatch_ent(t.tq, count_task, &t, TQ_SLEEP, &ent);
	taskq_wait(t.tq);
	bad += t.count != 1001 || t.member_bad || !taskq_empty_ent(&ent);
	hrtime_t start = gethrtime();
	taskqid_t id = taskq_dispatch_delay(t.tq, stamp_task, &t, TQ_SLEEP,
	    ddi_get_lbolt() + MSEC_TO_TICK(5));
	taskqid_t later = taskq_dispatch_delay(t.tq, count_task, &t, TQ_SLEEP,
	    ddi_get_lbolt() + SEC_TO_TICK(60));
	bad += taskq_cancel_id(t.tq, later) != 0;
	taskq_wait_id(t.tq, id);
	bad += t.ran_at < start + 4 * 1000000 || t.count != 1001;
	/* Cancelling a running task waits for it (its caller frees what it
	 * uses next); a finished one is unknown. */
	t.ran_at = 0;
	id = taskq_dispatch(t.tq, slow_task, &t, TQ_SLEEP);
	while (__atomic_load_n(&t.count, __ATOMIC_SEQ_CST) != -1)
		thread_sleep_ns(100000);
	bad += taskq_cancel_id(t.tq, id) != EBUSY || t.ran_at == 0;
	bad += taskq_cancel_id(t.tq, id) != ENOENT;
	taskq_destroy(t.tq);
	return bad ? -EIO : 0;
}

/* kstats as OpenZFS providers use them: a named set refreshed by its update
 * callback, a virtual I/O record owned by the provider, and a raw table
 * printed record by record; each read back as text, then deleted. */
struct kstat_test_stats {
	kstat_named_t reads;
	kstat_named_t state;
};

static int kstat_test_update(kstat_t *ksp, int rw)
{
	struct kstat_test_stats *st = ksp->ks_data;

	if (rw == KSTAT_WRITE)
		return EACCES;
	st->reads.value.ui64 += 1000;
	kstat_named_setstr(&st->state, "ONLINE");
	return 0;
}

static const uint64_t raw_rows[3] = { 11, 22, 33 };

static void *raw_addr(kstat_t *ksp, loff_t n)
{
	return n < 3 ? (void *)&raw_rows[n] : NULL;
}

static int raw_data(char *buf, size_t size, void *rec)
{
	return snprintf(buf, size, "row %llu\n", (unsigned long long)*(uint64_t *)rec) >= (int)size ?
	    ENOMEM : 0;
}

static bool contains(const char *text, const char *part)
{
	for (size_t n = strlen(part); *text; text++)
		if (!strncmp(text, part, n))
			return true;
	return false;
}

static int kstat_selftest(void)
{
	char *text = kmalloc(4096);
	kstat_io_t io = { .nread = 4096, .reads = 2 };
	int bad = 0;

	kstat_t *named = kstat_create("zfs", 0, "selftest", "misc", KSTAT_TYPE_NAMED,
	    sizeof(struct kstat_test_stats) / sizeof(kstat_named_t), 0);
	kstat_t *virt = kstat_create("zfs/tank", 0, "io", "disk", KSTAT_TYPE_IO, 1,
	    KSTAT_FLAG_VIRTUAL);
	kstat_t *raw = kstat_create("zfs", 0, "rows", "misc", KSTAT_TYPE_RAW, 0,
	    KSTAT_FLAG_VIRTUAL | KSTAT_FLAG_NO_HEADERS);
	if (!text || !named || !virt || !raw) {
		kstat_t *made[3] = { named, virt, raw };
		for (int i = 0; i < 3; i++)
			if (made[i])
				kstat_delete(made[i]);
		kfree(text);
		return -ENOMEM;
	}
	struct kstat_test_stats *st = named->ks_data;
	kstat_named_init(&st->reads, "reads", KSTAT_DATA_UINT64);
	kstat_named_init(&st->state, "state", KSTAT_DATA_STRING);
	named->ks_update = kstat_test_update;
	virt->ks_data = &io;
	kstat_set_raw_ops(raw, NULL, raw_data, raw_addr);
	bad += spl_kstat_read("zfs", "selftest", text, 4096) != -ENOENT;	/* not installed */
	kstat_install(named);
	kstat_install(virt);
	kstat_install(raw);
	spl_kstat_read("zfs", "selftest", text, 4096);
	char reads[64], state[64];
	snprintf(reads, sizeof(reads), "\n%-31s %-4d 2000\n", "reads", KSTAT_DATA_UINT64);
	snprintf(state, sizeof(state), "\n%-31s %-4d ONLINE\n", "state", KSTAT_DATA_STRING);
	bad += spl_kstat_read("zfs", "selftest", text, 4096) <= 0 ||
	    !contains(text, reads) || !contains(text, state);
	io.writes = 7;
	bad += spl_kstat_read("zfs/tank", "io", text, 4096) <= 0 ||
	    !contains(text, "\n4096     0        2        7  ");
	bad += spl_kstat_read("zfs", "rows", text, 4096) <= 0 ||
	    strcmp(text, "row 11\nrow 22\nrow 33\n");
	bad += spl_kstat_read("zfs", "selftest", text, 16) != -ENOSPC;
	kstat_delete(named);
	kstat_delete(virt);
	kstat_delete(raw);
	bad += spl_kstat_read("zfs", "rows", text, 4096) != -ENOENT;
	kfree(text);
	return bad ? -EIO : 0;
}

/* The porting layer's own state, then OpenZFS's tunables from the command
 * line, then every OpenZFS part's init (AVL, nvpair, zcommon, Lua, ICP,
 * unicode, zstd: their module_init()s). The pool layer comes after the
 * porting layer's self-tests (openzfs_kmod_init). */
/* Below this much RAM (as the kernel counts it: -m 16M gives 15 MiB) the
 * pool layer starves instead of failing: the module's image (3.3 MiB),
 * the ARC's floor (1/8 of memory, patch 0002) and a pool at work (its
 * threads, metaslabs, dirty data and I/O buffers: 8-9 MiB) must fit.
 * Measured with --zfs.selftest_small: passes at -m 14M and up, waits for
 * memory forever at -m 12M. Refusing to load says so. */
#define ZFS_MIN_RAM_MIB	15

static int openzfs_init(void)
{
	struct mem_stats ms;
	int err;

	mem_stats(&ms);
	if ((ms.total_pages * PAGE_SIZE) >> 20 < ZFS_MIN_RAM_MIB) {
		printk("zfs: needs %d MiB of memory or more (the module, the ARC's floor and a "
		    "pool at work); this machine has %lu MiB\n", ZFS_MIN_RAM_MIB,
		    (ulong_t)((ms.total_pages * PAGE_SIZE) >> 20));
		return ENOMEM;
	}

	if ((err = spl_kmem_init()) || (err = spl_taskq_init()))
		return err;
	spl_procfs_list_init();
	spl_params_apply();	/* a bad value is named and left at its default */
	uint64_t t_parts = gethrtime();
	for (const spl_initcall_t *fn = __start_spl_initcalls; fn < __stop_spl_initcalls; fn++)
		if ((err = (*fn)()) != 0)
			return err;
	printk_level(LOG_INFO, "zfs: OpenZFS parts' init %lu us\n", (gethrtime() - t_parts) / 1000);
	return 0;
}

/* The pool layer, the POSIX layer's init and /dev/zfs, as Linux's
 * module start does (zfs_kmod_init in zfs_ioctl.c, with our zfs_init,
 * zvol_init and zfsdev_attach). Once /dev/zfs is added the module must
 * not fail to load: devfs keeps pointers into it. */
static int openzfs_kmod_init(void)
{
	uint64_t t0 = gethrtime();
	int err = zfs_kmod_init();

	printk_level(LOG_INFO, "zfs: zfs_kmod_init %lu us\n", (gethrtime() - t0) / 1000);
	return err;
}

static int avl_selftest_1000(void)
{
	return avl_selftest(1000);
}

/* In order: later checks use what earlier ones proved. The memory
 * pressure one takes every free page for a moment. */
static const struct {
	int (*run)(void);
	const char *what;
} spl_checks[] = {
	{ avl_selftest_1000, "AVL" },
	{ nvlist_selftest, "nvlist" },
	{ sync_selftest, "SPL lock" },
	{ thread_selftest, "SPL thread/TSD" },
	{ kmem_cache_selftest, "SPL kmem cache" },
	{ memory_pressure_selftest, "memory pressure" },
	{ taskq_selftest, "SPL task queue" },
	{ kstat_selftest, "SPL kstat" },
	{ spl_zlib_selftest, "zlib" },
};

static int spl_selftests(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(spl_checks); i++) {
		int err = spl_checks[i].run();
		if (err) {
			printk("zfs: %s self-test failed (%d)\n", spl_checks[i].what, err);
			return err < 0 ? err : -err;
		}
	}
	printk("zfs: porting layer up; OpenZFS AVL self-test passed (1000 nodes); "
	    "nvlist pack/unpack passed (native, XDR); SPL mutex/condvar/rwlock/taskq/kmem_cache/thread/tsd/kstat passed\n");
	return 0;
}

struct pool_selftest_args {
	const char *dev;
	int nthreads;
	bool verify_only, small;
};

/* The pool code's depth in its caller's stack goes into --zfs.memstats. */
static _Noreturn void deep_exit(int status)
{
	spl_stack_note(thread_current());
	(thread_exit)(status);
}

static void pool_selftest_thread(void *arg)
{
	struct pool_selftest_args *a = arg;
	deep_exit(zfs_pool_selftest(a->dev, a->nthreads, a->verify_only, a->small));
}

static void pool_scrub_thread(void *arg)
{
	deep_exit(zfs_pool_scrub(arg));
}

static void file_pool_thread(void *arg)
{
	deep_exit(zfs_file_pool_selftest(arg));
}

/* Runs fn(arg) in a thread with a stack as deep as the pool code needs
 * (the ZIO pipeline runs in its caller), and waits for it. */
static void run_deep(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = (thread_create)(name, fn, arg, PRIO_DEFAULT, 256 * 1024);

	if (t == NULL) {
		printk("%s: FAIL start: no memory for its thread\n", name);
		return;
	}
	(thread_join)(t, NULL);
}

/* --zfs.selftest_pool=DEV [--zfs.selftest_verify] [--zfs.selftest_threads=N]
 * [--zfs.selftest_small]
 * --zfs.scrub=DEV and --zfs.selftest_file=PATH. */
static void pool_selftest(void)
{
	struct pool_selftest_args a = { .nthreads = 8 };
	const char *threads, *unused;

	const char *scrub, *file;
	if (boot_module_option("zfs.scrub", &scrub) && scrub)
		run_deep("zfs-scrub", pool_scrub_thread, (void *)scrub);
	if (boot_module_option("zfs.selftest_file", &file) && file)
		run_deep("zfs-file-pool", file_pool_thread, (void *)file);
	if (!boot_module_option("zfs.selftest_pool", &a.dev))
		return;
	if (boot_module_option("zfs.selftest_threads", &threads) && threads) {
		long v;
		if (ddi_strtol(threads, NULL, 10, &v) == 0)
			a.nthreads = (int)v;
	}
	a.dev = a.dev ? a.dev : "";
	a.verify_only = boot_module_option("zfs.selftest_verify", &unused);
	a.small = boot_module_option("zfs.selftest_small", &unused);
	run_deep("zfs-selftest", pool_selftest_thread, &a);
}

__attribute__((visibility("default"))) int module_init(void)
{
	uint64_t t0 = gethrtime();
	int err = openzfs_init();

	if (err) {
		printk("zfs: OpenZFS init failed (error %d)\n", err);
		return err > 0 ? -err : err;
	}
	/* The porting layer's checks cost ~50 ms under TCG: only when asked. */
	const char *unused;
	if (boot_module_option("zfs.selftest", &unused) && (err = spl_selftests()))
		return err;
	if ((err = openzfs_kmod_init())) {
		printk("zfs: OpenZFS init failed (error %d)\n", err);
		return -err;
	}
	printk("zfs: OpenZFS 2.1.11 loaded (init %lu us, ARC %lu..%lu MiB)\n",
	    (gethrtime() - t0) / 1000, (ulong_t)(arc_c_min >> 20), (ulong_t)(arc_c_max >> 20));
	bool memstats = boot_module_option("zfs.memstats", &unused);
	if (memstats)
		zfs_memstats("after init");
	pool_selftest();
	if (memstats)
		zfs_memstats("after the pool self-test");
	return zfs_mount_init();
}
