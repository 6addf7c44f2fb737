#ifndef OSPREY_CMDLINE_H
#define OSPREY_CMDLINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX 4096
#define CMDLINE_MAX_ARGS 256
#define CMDLINE_MAX_DEVICES 32

/* What the kernel command line asked for. Written once by cmdline_parse()
 * during single-threaded boot, read-only afterwards: no lock needed. */
struct boot_options {
	bool bootchart;
	bool verbose;
	bool nomount;
	bool heap_debug;
	const char *test;		/* --test=NAME */
	const char *rootfs;		/* --rootfs=rofs|ramfs */
	uint64_t rofs_cache;		/* --rofs-cache=SIZE, bytes */
	int argc;			/* the program and its arguments */
	char *argv[CMDLINE_MAX_ARGS + 1];
	int ndevices;			/* virtio_mmio.device= entries (QEMU microvm) */
	char *devices[CMDLINE_MAX_DEVICES];
};

extern struct boot_options boot_opts;

/* Splits `line` in place (it must stay alive) and fills `o`. Returns the
 * number of problems reported through `warn`. */
int cmdline_parse(char *line, struct boot_options *o,
    void (*warn)(const char *what, const char *word));
int parse_size(const char *s, uint64_t *out);

#endif
