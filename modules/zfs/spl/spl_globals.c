/* The Solaris kernel's global facts, as Osprey has them: one process
 * (p0), root credentials, no host id (0, as a Linux host without
 * /etc/hostid), one CPU, the page allocator's memory. */
#include <sys/zfs_context.h>
#include "arch.h"
#include "mm/mm.h"

proc_t p0 = { .p_pid = 1 };
static cred_t root_cred = { 0, 0 };
cred_t *spl_kcred = &root_cred;	/* never changed */
unsigned long spl_hostid;	/* 0: no host id, so multihost protection is off */
struct utsname spl_utsname = {
	.sysname = "Osprey", .nodename = "osprey", .release = "2.1.11",
	.version = "OpenZFS", .machine = "x86_64",
};

/* Every CPU has started before a module loads (arch_smp_init at boot). */
int spl_ncpus(void)
{
	return ncpus_online;
}

/* A hint: the caller may move to another CPU right after. */
int spl_cpuid(void)
{
	unsigned long flags = irq_save();
	int id = arch_cpu_id();
	irq_restore(flags);
	return id;
}

uint64_t spl_physmem_pages(void)
{
	struct mem_stats s;

	mem_stats(&s);
	return s.total_pages;
}

uint64_t spl_freemem_pages(void)
{
	struct mem_stats s;

	mem_stats(&s);
	return s.free_pages;
}

void vcmn_err(int level, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof (buf), fmt, ap);
	cmn_err(level, "%s", buf);
}
