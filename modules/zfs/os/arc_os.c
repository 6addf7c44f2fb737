/* The ARC on Osprey: what module/zfs/arc.c asks of the OS. Memory facts
 * come from the page allocator (mem_stats); memory pressure arrives as a
 * reclaimer (mm/reclaim.c) that runs in the thread whose allocation failed
 * and asks the ARC to shrink; `--zfs.arc_max=SIZE` bounds the cache
 * (through param_set_arc_max, as every tunable is set: spl/spl_param.c).
 *
 * The ARC also watches memory by itself: its reap thread checks
 * arc_available_memory() every second and shrinks when free memory falls
 * under arc_sys_free. The reclaimer is for the moments that is too slow. */
/* The kernel's headers first: they and the SPL's sys/param.h both define
 * PAGE_SIZE and PAGE_SHIFT (same values, different spelling). */
#include "mm/mm.h"
#include "cmdline.h"
#undef PAGE_SIZE
#undef PAGE_SHIFT
#include <sys/spa.h>
#include <sys/spa_impl.h>
#include <sys/zfs_context.h>
#include <sys/zfs_refcount.h>
#include <sys/aggsum.h>
#include <sys/abd.h>
#include <sys/dmu_tx.h>
#include <sys/arc.h>
#include <sys/arc_impl.h>

/* A reclaim asks the ARC for at least this many pages (1 MiB), so that a
 * run of small failing allocations does not evict one buffer at a time. */
#define ARC_RECLAIM_BATCH	256
/* The longest a failing allocation waits for the ARC to evict. The wait
 * is bounded because the failing thread may hold a lock eviction needs,
 * and because no other allocation can reclaim meanwhile (mm_reclaim runs
 * one reclaim at a time). */
#define ARC_RECLAIM_WAIT_MS	100

/* Set by arc_lowmem_init and cleared by arc_lowmem_fini, which arc_init
 * and arc_fini run single-threaded; the tunable setters read it to know
 * whether there is an ARC to retune yet. */
static boolean_t arc_os_running;

static uint64_t arc_os_total_pages(void)
{
	struct mem_stats s;

	mem_stats(&s);
	return (s.total_pages);
}

static uint64_t arc_os_free_pages(void)
{
	struct mem_stats s;

	mem_stats(&s);
	return (s.free_pages);
}

uint64_t arc_all_memory(void)
{
	return (ptob(arc_os_total_pages()));
}

/* Only the page allocator's free pages: memory that caches keep for reuse
 * comes back when they are reaped, which the ARC does when this is low. */
uint64_t arc_free_memory(void)
{
	return (ptob(arc_os_free_pages()));
}

/* Negative: how much the ARC should give back to keep arc_sys_free free. */
int64_t arc_available_memory(void)
{
	return ((int64_t)arc_free_memory() - (int64_t)arc_sys_free);
}

/* Half of memory, as on Linux: the rest is for programs and the kernel. */
uint64_t arc_default_max(uint64_t min, uint64_t allmem)
{
	return (MAX(allmem / 2, min));
}

/* Osprey has no pageout daemon to wait for, so the only throttle is this:
 * while free memory is short, each txg may reserve only a share of what
 * is left; past that, writers wait for the txg to sync (ERESTART makes
 * dmu_tx_assign wait), which writes dirty data out and frees it. */
int arc_memory_throttle(spa_t *spa, uint64_t reserve, uint64_t txg)
{
	uint64_t free_memory = arc_free_memory();

	if (free_memory > arc_all_memory() / 100 * arc_lotsfree_percent)
		return (0);
	if (txg > spa->spa_lowmem_last_txg) {
		spa->spa_lowmem_last_txg = txg;
		spa->spa_lowmem_page_load = 0;
	}
	if (arc_reclaim_needed() && spa->spa_lowmem_page_load > free_memory / 4) {
		ARCSTAT_INCR(arcstat_memory_throttle_count, 1);
		DMU_TX_STAT_BUMP(dmu_tx_memory_reclaim);
		return (SET_ERROR(ERESTART));
	}
	/* reserve is a worst case, several times what will be written */
	atomic_add_64(&spa->spa_lowmem_page_load, reserve / 8);
	return (0);
}

/* What the ARC could give back now: its clean, evictable buffers, but not
 * below arc_c_min, which eviction never goes under. Before arc_init has
 * finished there are no buffers and this is 0; it reads nothing that
 * needs arc_init (the refcounts and the aggsum bound are plain loads). */
static uint64_t arc_os_reclaimable(void)
{
	uint64_t clean =
	    zfs_refcount_count(&arc_mru->arcs_esize[ARC_BUFC_DATA]) +
	    zfs_refcount_count(&arc_mru->arcs_esize[ARC_BUFC_METADATA]) +
	    zfs_refcount_count(&arc_mfu->arcs_esize[ARC_BUFC_DATA]) +
	    zfs_refcount_count(&arc_mfu->arcs_esize[ARC_BUFC_METADATA]);
	int64_t over_min;

	if (clean == 0)
		return (0);
	over_min = aggsum_upper_bound(&arc_sums.arcstat_size) - (int64_t)arc_c_min;
	return (over_min > 0 ? MIN(clean, (uint64_t)over_min) : 0);
}

/* Waits, at most ARC_RECLAIM_WAIT_MS, for the ARC to shrink to `goal`
 * bytes: arc_reduce_target_size has woken the eviction thread. We poll
 * rather than use arc_wait_for_eviction, whose wait has no bound and
 * would never end if this thread were the eviction thread itself. */
static void arc_os_wait_for_size(uint64_t goal)
{
	clock_t end = ddi_get_lbolt() + MSEC_TO_TICK(ARC_RECLAIM_WAIT_MS);

	while (aggsum_compare(&arc_sums.arcstat_size, goal) > 0 &&
	    ddi_get_lbolt() < end)
		delay(1);
}

/* The reclaimer: an allocation somewhere failed and wants `pages` pages.
 * Lowering the ARC's target is safe from any thread: it takes only locks
 * under which nothing allocates (arc_evict_lock, the eviction thread's).
 * Waiting is not: a thread inside ZFS (spl_fstrans_mark: the eviction
 * thread, txg sync, the zio pipeline) may hold what eviction needs, so
 * only other threads wait, briefly, and then hand the freed chunks back
 * to the page allocator. Returns the pages that became free meanwhile. */
static size_t arc_os_reclaim(void *arg, size_t pages)
{
	uint64_t want = MIN(arc_os_reclaimable(), ptob(MAX(pages, ARC_RECLAIM_BATCH)));
	uint64_t free_before, free_after, size;

	if (want == 0)
		return (0);
	/* The ARC grew into a shortage: hold it back for a while. */
	arc_no_grow = B_TRUE;
	arc_warm = B_TRUE;
	arc_growtime = gethrtime() + (hrtime_t)arc_grow_retry * NANOSEC;
	if (spl_fstrans_check()) {
		ARCSTAT_BUMP(arcstat_memory_indirect_count);
		arc_reduce_target_size(want);
		return (0);
	}
	ARCSTAT_BUMP(arcstat_memory_direct_count);
	free_before = arc_os_free_pages();
	size = aggsum_value(&arc_sums.arcstat_size);
	arc_reduce_target_size(want);
	arc_os_wait_for_size(size > want ? size - want : 0);
	abd_cache_reap_now();
	free_after = arc_os_free_pages();
	return (free_after > free_before ? free_after - free_before : 0);
}

/* On the kernel's list of reclaimers, which its reclaim lock protects. */
static struct reclaimer arc_os_reclaimer = { .reclaim = arc_os_reclaim };

/* The ARC leaves this much memory free for everything else. With no
 * watermarks to derive it from (Linux's arc_sys_free follows the page
 * allocator's), take 1/32 of memory, at least 4 MiB: enough for programs
 * and the kernel to allocate between two checks of the reap thread. */
static void arc_os_set_sys_free(uint64_t allmem)
{
	arc_sys_free = MAX(allmem / 32, 4ULL << 20);
}

/* arc_init calls this first, before it sizes the ARC from zfs_arc_max and
 * arc_sys_free. The reclaimer may run from here on; it finds nothing to
 * reclaim until the ARC holds buffers, i.e. after arc_init. */
void arc_lowmem_init(void)
{
	arc_os_set_sys_free(arc_all_memory());
	arc_os_running = B_TRUE;
	mm_register_reclaimer(&arc_os_reclaimer);
}

/* arc_fini calls this first; when it returns no reclaim is running. */
void arc_lowmem_fini(void)
{
	mm_unregister_reclaimer(&arc_os_reclaimer);
	arc_os_running = B_FALSE;
}

/* Osprey's memory does not change size while it runs. */
void arc_register_hotplug(void)
{
}

void arc_unregister_hotplug(void)
{
}

/* Runs one prune callback on the prune taskq, then drops the reference
 * arc_prune_async took for it (arc_remove_prune_callback waits for that). */
static void arc_prune_task(void *arg)
{
	arc_prune_t *ap = arg;
	arc_prune_func_t *func = ap->p_pfunc;

	if (func != NULL)
		func(ap->p_adjust, ap->p_private);
	zfs_refcount_remove(&ap->p_refcnt, func);
}

/* Asks every registered consumer (the ZPL's inode cache, for one) to drop
 * holds on `adjust` bytes of ARC buffers, in the background: the ARC calls
 * this from its own threads. A consumer whose previous prune is still
 * queued is skipped; the list itself holds one reference on each. */
void arc_prune_async(int64_t adjust)
{
	mutex_enter(&arc_prune_mtx);
	for (arc_prune_t *ap = list_head(&arc_prune_list); ap != NULL;
	    ap = list_next(&arc_prune_list, ap)) {
		if (zfs_refcount_count(&ap->p_refcnt) > 1)
			continue;
		zfs_refcount_add(&ap->p_refcnt, ap->p_pfunc);
		ap->p_adjust = adjust;
		if (taskq_dispatch(arc_prune_taskq, arc_prune_task, ap,
		    TQ_SLEEP) == TASKQID_INVALID) {
			zfs_refcount_remove(&ap->p_refcnt, ap->p_pfunc);
			continue;
		}
		ARCSTAT_BUMP(arcstat_prune);
	}
	mutex_exit(&arc_prune_mtx);
}

/* Setters of the ARC's tunables (ZFS_MODULE_PARAM_CALL in arc.c): store
 * the value, then let arc_tuning_update apply it if the ARC is running;
 * before arc_init, arc_init applies it. Byte counts take size suffixes. */
int param_set_arc_long(ZFS_MODULE_PARAM_ARGS)
{
	int error = param_set_ulong(buf, kp);

	if (error == 0 && arc_os_running)
		arc_tuning_update(B_TRUE);
	return (error);
}

int param_set_arc_min(ZFS_MODULE_PARAM_ARGS)
{
	return (param_set_arc_long(buf, kp));
}

/* `--zfs.arc_max=SIZE` comes here before arc_init sizes the ARC (0 means
 * the default, as on Linux). A value arc_init would silently drop
 * (outside MIN_ARC_MAX .. all memory) is refused with the reason. */
int param_set_arc_max(ZFS_MODULE_PARAM_ARGS)
{
	unsigned long v;
	zfs_kernel_param_t parsed = { .arg = &v };
	int error = param_set_ulong(buf, &parsed);
	uint64_t allmem = arc_all_memory();

	if (error != 0)
		return (error);
	if (v != 0 && (v < MIN_ARC_MAX || v >= allmem)) {
		cmn_err(CE_WARN, "zfs_arc_max=%s is outside %lluM..%lluM (the minimum, "
		    "and all memory)", buf, (u_longlong_t)(MIN_ARC_MAX >> 20),
		    (u_longlong_t)(allmem >> 20));
		return (-ERANGE);
	}
	return (param_set_arc_long(buf, kp));
}

int param_set_arc_int(ZFS_MODULE_PARAM_ARGS)
{
	int error = param_set_int(buf, kp);

	if (error != 0)
		return (SET_ERROR(error < 0 ? -error : error));
	if (arc_os_running)
		arc_tuning_update(B_TRUE);
	return (0);
}
