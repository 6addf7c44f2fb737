#ifndef OSPREY_CMDLINE_H
#define OSPREY_CMDLINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX 4096
#define CMDLINE_MAX_ARGS 256
#define CMDLINE_MAX_DEVICES 32
#define CMDLINE_MAX_MODULE_OPTS 32
#define CMDLINE_MAX_DNS 3

/* What the kernel command line asked for. Written once by cmdline_parse()
 * during single-threaded boot, read-only afterwards: no lock needed. */
struct boot_options {
	bool bootchart;
	bool verbose;
	bool nomount;
	bool heap_debug;
	bool no_smap;			/* --no-smap: leave SMAP off (to tell a kernel bug) */
	const char *test;		/* --test=NAME */
	const char *rootfs;		/* --rootfs=rofs|ramfs */
	uint64_t rofs_cache;		/* --rofs-cache=SIZE, bytes */
	int argc;			/* the program and its arguments */
	char *argv[CMDLINE_MAX_ARGS + 1];
	int ndevices;			/* virtio_mmio.device= entries (QEMU microvm) */
	char *devices[CMDLINE_MAX_DEVICES];
	/* --ip=ADDR/PREFIX --gw=ADDR --dns=ADDR (repeatable): IPv4 addresses
	 * in network byte order; net_ip 0: DHCP. */
	uint32_t net_ip, net_gw;
	int net_prefix;
	int net_ndns;
	uint32_t net_dns[CMDLINE_MAX_DNS];
	int nmodule_opts;		/* --MODULE.KEY[=VALUE], for modules */
	char *module_opts[CMDLINE_MAX_MODULE_OPTS];
};

extern struct boot_options boot_opts;

/* Splits `line` in place (it must stay alive) and fills `o`. Returns the
 * number of problems reported through `warn`. */
int cmdline_parse(char *line, struct boot_options *o,
    void (*warn)(const char *what, const char *word));
int parse_size(const char *s, uint64_t *out);
/* A dotted-quad IPv4 address ("10.0.2.15") in network byte order; with
 * prefix non-NULL a "/N" suffix (0..32) is required and read too. */
int parse_ipv4(const char *s, uint32_t *addr, int *prefix);

/* A module's option from the command line: `--zfs.arc_max=64M` is found as
 * ("zfs.arc_max"). Returns false when absent; *value is NULL for a bare
 * `--name`. The last one given wins. */
bool module_option(const struct boot_options *o, const char *name, const char **value);
bool boot_module_option(const char *name, const char **value);	/* in boot_opts */

#endif
