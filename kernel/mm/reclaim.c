/* Memory pressure: owners of memory they can give back (caches) register a
 * reclaimer; an allocation that fails asks them for pages and tries once
 * more. Reclaimers may sleep, so they run only where the caller could:
 * interrupts on (no spinlock held, not in a handler). One reclaim runs at a
 * time; an allocation failing inside a reclaimer just fails, one failing
 * meanwhile on another thread waits for it (see reclaim_wait_other). */
#include "mm/mm.h"
#include "sched/sched.h"
#include "sched/sync.h"
#include "arch.h"

/* How long, and in what steps, an allocation that failed while another
 * thread reclaims waits for that reclaim to end. The ARC's reclaimer
 * alone waits up to 100 ms for its eviction thread. */
#define RECLAIM_WAIT_NS	(250 * 1000000ULL)
#define RECLAIM_POLL_NS	1000000ULL

/* The list and the reclaim in progress, under reclaim_lock. */
static struct mutex reclaim_lock = MUTEX_INIT(reclaim_lock);
static struct reclaimer *reclaimers;

void mm_register_reclaimer(struct reclaimer *r)
{
	mutex_lock(&reclaim_lock);
	r->next = reclaimers;
	reclaimers = r;
	mutex_unlock(&reclaim_lock);
}

void mm_unregister_reclaimer(struct reclaimer *r)
{
	mutex_lock(&reclaim_lock);
	for (struct reclaimer **p = &reclaimers; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	mutex_unlock(&reclaim_lock);
}

/* Failing at once would fail the allocation for want of the pages the
 * running reclaim is about to free: with several threads (or CPUs)
 * allocating under pressure, all but one would. The wait is bounded, not
 * a mutex_lock, since a reclaimer may wait for a lock this thread holds.
 * Returns 1 (try again) when the other reclaim ended. */
static size_t reclaim_wait_other(void)
{
	for (uint64_t waited = 0; waited < RECLAIM_WAIT_NS; waited += RECLAIM_POLL_NS) {
		thread_sleep_ns(RECLAIM_POLL_NS);
		if (mutex_trylock(&reclaim_lock)) {
			mutex_unlock(&reclaim_lock);
			return 1;
		}
	}
	return 0;
}

size_t mm_reclaim(size_t pages)
{
	size_t freed = 0;

	/* The unlocked peek only skips work when nobody registered. */
	if (!reclaimers || !irqs_enabled() || mutex_held(&reclaim_lock))
		return 0;
	if (!mutex_trylock(&reclaim_lock))
		return reclaim_wait_other();
	for (struct reclaimer *r = reclaimers; r && freed < pages; r = r->next)
		freed += r->reclaim(r->arg, pages - freed);
	mutex_unlock(&reclaim_lock);
	return freed;
}
