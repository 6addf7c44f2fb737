/* Memory pressure: owners of memory they can give back (caches) register a
 * reclaimer; an allocation that fails asks them for pages and tries once
 * more. Reclaimers may sleep, so they run only where the caller could:
 * interrupts on (no spinlock held, not in a handler). One reclaim runs at a
 * time; an allocation failing meanwhile, or inside a reclaimer, just fails. */
#include "mm/mm.h"
#include "sched/sync.h"
#include "arch.h"

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

size_t mm_reclaim(size_t pages)
{
	size_t freed = 0;

	/* The unlocked peek only skips work when nobody registered. */
	if (!reclaimers || !irqs_enabled() || !mutex_trylock(&reclaim_lock))
		return 0;
	for (struct reclaimer *r = reclaimers; r && freed < pages; r = r->next)
		freed += r->reclaim(r->arg, pages - freed);
	mutex_unlock(&reclaim_lock);
	return freed;
}
