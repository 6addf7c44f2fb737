/* --zfs.memstats: where libzfs.so's memory goes, printed after OpenZFS's
 * init and after the pool self-tests. The parts: the module image (its
 * loaded segments), what the SPL's kmem_alloc callers hold, the kmem
 * caches (the ARC's buffers are ABD chunks from one of them), the ARC's
 * own account, and the threads (task queue workers and other SPL threads)
 * with their stacks. The deepest stack use seen per thread name is how
 * SPL_STACK_SIZE was chosen: a stack that overflows faults on its guard
 * page, and the kernel names the thread. */
#include <sys/zfs_context.h>
#include <sys/arc.h>
#include <sys/arc_impl.h>
#include <sys/aggsum.h>
#include "mm/mm.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "zfs_memstats.h"

/* The linker's marks around the loaded image: the ELF header starts the
 * first segment, _end ends the last (.bss). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char _end[] __attribute__((visibility("hidden")));

#define KB(x)	((unsigned long long)(x) >> 10)

void zfs_memstats(const char *when)
{
	struct mem_stats ms;
	struct spl_kmem_cache_usage cu;
	struct spl_stack_mark marks[6];
	int nqueues, nworkers, nthreads;
	uint64_t wstacks, tstacks;
	char line[320];
	size_t n = 0;

	mem_stats(&ms);
	spl_kmem_cache_usage(&cu);
	spl_taskq_usage(&nqueues, &nworkers, &wstacks);
	spl_thread_usage(&nthreads, &tstacks);
	printk("zfs: memory %s: RAM %llu KiB, %llu KiB free, kernel heap %llu KiB\n", when,
	    KB(ms.total_pages * PAGE_SIZE), KB(ms.free_pages * PAGE_SIZE), KB(ms.heap_bytes));
	for (int i = 0; i < SPL_KMEM_CACHE_TOP && cu.top[i].bytes; i++)
		n += snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, "%s%s %llu",
		    i ? ", " : "", cu.top[i].name, KB(cu.top[i].bytes));
	printk("zfs: memory %s: module image %llu KiB, kmem_alloc %llu KiB, %d kmem caches "
	    "%llu KiB in use + %llu KiB kept (most: %s)\n", when,
	    KB(PAGE_ALIGN((uintptr_t)_end - (uintptr_t)__ehdr_start)), KB(spl_kmem_held()),
	    cu.ncaches, KB(cu.inuse_bytes), KB(cu.kept_bytes), n ? line : "none");
	printk("zfs: memory %s: ARC %llu KiB (data %llu, metadata %llu, headers %llu, dbufs %llu, "
	    "dnodes %llu KiB); target %llu KiB, min %llu, max %llu\n", when,
	    KB(aggsum_value(&arc_sums.arcstat_size)), KB(wmsum_value(&arc_sums.arcstat_data_size)),
	    KB(wmsum_value(&arc_sums.arcstat_metadata_size)),
	    KB(wmsum_value(&arc_sums.arcstat_hdr_size)), KB(wmsum_value(&arc_sums.arcstat_dbuf_size)),
	    KB(aggsum_value(&arc_sums.arcstat_dnode_size)), KB(arc_c), KB(arc_c_min), KB(arc_c_max));
	int nm = spl_stack_marks(marks, 6);
	n = 0;
	for (int i = 0; i < nm; i++)
		n += snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, "%s%s %u/%u",
		    i ? ", " : "", marks[i].name, (marks[i].used + 1023) >> 10, marks[i].size >> 10);
	printk("zfs: memory %s: %d task queues, %d workers; %d other SPL threads; stacks %llu KiB "
	    "(deepest KiB used/size: %s)\n", when, nqueues, nworkers, nthreads,
	    KB(wstacks + tstacks), nm ? line : "none");
}
