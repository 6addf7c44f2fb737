/* Boot sequence (see docs/architecture.md, "Boot sequence"). */
#include "arch.h"
#include "cmdline.h"
#include "dev/console.h"
#include "mm/mm.h"
#include "panic.h"
#include "pvh.h"
#include "sched/sched.h"
#include "test/selftest.h"
#include "dev/virtio.h"
#include "dev/random.h"
#include "fs/boot.h"
#include "fs/mount.h"
#include "linux/linux.h"
#include "module/module.h"
#include "net/net.h"
#include <string.h>

#define MAX_STEPS 16

_Noreturn void kernel_exit(int status);

/* Boot-chart stamps; written during single-threaded boot. */
static struct {
	const char *name;
	uint64_t tsc;
} steps[MAX_STEPS];
static int nsteps;
static char cmdline_buf[CMDLINE_MAX];
static uint64_t initrd_pa, initrd_size;	/* the first PVH module */

static void boot_step(const char *name)
{
	if (nsteps < MAX_STEPS) {
		steps[nsteps].name = name;
		steps[nsteps].tsc = rdtsc();
		nsteps++;
	}
}

static void print_bootchart(void)
{
	uint64_t prev = steps[0].tsc;

	printk("bootchart (guest TSC, %lu kHz):\n", tsc_hz / 1000);
	for (int i = 0; i < nsteps; i++) {
		uint64_t at = tsc_to_ns(steps[i].tsc - steps[0].tsc);
		uint64_t d = tsc_to_ns(steps[i].tsc - prev);
		printk("  %-12s %4lu.%03lu ms  (+%lu.%03lu)\n", steps[i].name,
		    at / 1000000, at / 1000 % 1000, d / 1000000, d / 1000 % 1000);
		prev = steps[i].tsc;
	}
}

static void cmdline_warn(const char *what, const char *word)
{
	pr_warn("cmdline: %s: '%s'\n", what, word);
}

static void read_cmdline(const struct pvh_start_info *si)
{
	if (si->cmdline_paddr) {
		const char *src = phys_to_virt(si->cmdline_paddr);
		strlcpy(cmdline_buf, src, sizeof(cmdline_buf));
	}
	cmdline_parse(cmdline_buf, &boot_opts, cmdline_warn);
	if (boot_opts.verbose)
		console_level = LOG_INFO;
	heap_debug = boot_opts.heap_debug;
}

/* Below this much free RAM nothing useful can run: say so plainly. */
#define MIN_FREE_KIB 512

static void check_memory(void)
{
	struct mem_stats st;

	mem_stats(&st);
	uint64_t free_kib = st.free_pages * PAGE_SIZE / 1024;
	if (free_kib < MIN_FREE_KIB) {
		printk("osprey: not enough memory: %lu KiB free after loading the kernel, need at least %d KiB\n",
		    free_kib, MIN_FREE_KIB);
		kernel_exit(PANIC_EXIT_STATUS);
	}
	pr_info("osprey: %lu KiB RAM, %lu KiB free\n", st.total_pages * 4, free_kib);
}

/* --bootchart: when a program ended (its last thread gone), so a bench
 * can time a whole short-lived program from kernel entry on. */
static void print_program_end(const char *name, int status)
{
	uint64_t ns = clock_ns();

	printk("bootchart: program %s ended (status %d) at %lu.%03lu ms\n", name,
	    status, ns / 1000000, ns / 1000 % 1000);
}

/* Takes a step's "< FILE", "> FILE" and ">> FILE" words out of argv
 * (argc words) into io; returns the words left, or -1 when one of them
 * names no file. */
static int take_redirections(int argc, char **argv, struct linux_stdio *io)
{
	int n = 0;

	for (int i = 0; i < argc; i++) {
		bool in = !strcmp(argv[i], "<"), out = !strcmp(argv[i], ">");
		bool append = !strcmp(argv[i], ">>");
		if (!in && !out && !append) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 == argc) {
			printk("osprey: '%s' at the end of a command names no file\n", argv[i]);
			return -1;
		}
		if (in)
			io->in = argv[++i];
		else
			io->out = argv[++i], io->append = append;
	}
	argv[n] = NULL;
	return n;
}

/* "prog1 args ; prog2 args > file": programs run one after another, as
 * OSv's command line allows, each with its input and output redirected as
 * a shell would; the status is the last one's. */
static int run_programs(int argc, char **argv)
{
	int status = 0, start = 0;

	for (int i = 0; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], ";"))
			continue;
		argv[i] = NULL;
		struct linux_stdio io = { 0 };
		int n = take_redirections(i - start, argv + start, &io);
		if (n < 0) {
			status = 1;
		} else if (n > 0) {
			status = linux_run(n, argv + start, &io);
			if (boot_opts.bootchart)
				print_program_end(argv[start], status);
		}
		start = i + 1;
	}
	return status;
}

_Noreturn void kernel_exit(int status)
{
	printk("osprey: exit status %d\n", status);
	arch_exit(status);
}

void kmain(uint64_t start_info_pa)
{
	uint64_t t_entry = rdtsc();
	const struct pvh_start_info *si = phys_to_virt(start_info_pa);
	uint64_t rsdp_pa;

	serial_init();
	steps[0].name = "entry";
	steps[0].tsc = t_entry;
	nsteps = 1;
	if (si->magic != PVH_START_MAGIC) {
		printk("osprey: not started by a PVH loader (magic %#x)\n", si->magic);
		arch_exit(PANIC_EXIT_STATUS);
	}
	read_cmdline(si);
	rsdp_pa = si->rsdp_paddr;
	/* The loader's structures may sit outside RAM the direct map will cover. */
	if (si->nr_modules && si->modlist_paddr) {
		const struct pvh_module *m = phys_to_virt(si->modlist_paddr);
		initrd_pa = m->paddr;
		initrd_size = m->size;
	}
	pr_info("osprey: command line has %d virtio-mmio devices\n", boot_opts.ndevices);
	arch_cpu_init();
	arch_traps_init();
	if (mm_init(si) < 0)
		kernel_exit(PANIC_EXIT_STATUS);
	check_memory();
	boot_step("memory");
	arch_time_init();
	clock_init(t_entry);
	boot_step("interrupts");
	sched_init();
	boot_step("scheduler");
	arch_smp_init(rsdp_pa);
	boot_step("cpus");
	random_init();
	net_init();
	virtio_pci_probe();
	virtio_mmio_probe(boot_opts.devices, boot_opts.ndevices);
	boot_step("devices");
	console_input_init();
	module_init_registry();
	if (fs_boot(initrd_pa, initrd_size) < 0) {
		fs_shutdown();
		kernel_exit(MOUNT_FAILURE_STATUS);
	}
	boot_step("filesystems");
	net_configure();
	boot_step("network");
	boot_step("end of boot");
	if (boot_opts.verbose)
		module_list();
	if (boot_opts.bootchart)
		print_bootchart();

	int status = 0;
	if (boot_opts.test)
		status = selftest_run(boot_opts.test);
	else if (boot_opts.argc)
		status = run_programs(boot_opts.argc, boot_opts.argv);
	net_drain(2000000000ULL);
	fs_shutdown();
	kernel_exit(status);
}
