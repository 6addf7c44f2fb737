/* The kernel command-line parser, compiled for the host. */
#include "cmdline.h"
#include <string.h>
#include "check.h"

static int warnings;
static char last_warning[256];

static void warn(const char *what, const char *word)
{
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%s: %s", what, word);
}

static int parse(const char *text, struct boot_options *o)
{
	static char buf[1024];
	memset(o, 0, sizeof(*o));
	warnings = 0;
	strcpy(buf, text);
	return cmdline_parse(buf, o, warn);
}

static void options_then_program(void)
{
	struct boot_options o;
	CHECK_EQ(parse("--bootchart --verbose --rofs-cache=256K /bin/ls -l /", &o), 0);
	CHECK(o.bootchart && o.verbose);
	CHECK_EQ(o.rofs_cache, 256 * 1024);
	CHECK_EQ(o.argc, 3);
	CHECK(!strcmp(o.argv[0], "/bin/ls") && !strcmp(o.argv[1], "-l") && !strcmp(o.argv[2], "/"));
	CHECK(o.argv[3] == NULL);
}

static void program_options_are_not_ours(void)
{
	struct boot_options o;
	CHECK_EQ(parse("/prog --verbose", &o), 0);
	CHECK(!o.verbose);
	CHECK_EQ(o.argc, 2);
}

static void quotes(void)
{
	struct boot_options o;
	CHECK_EQ(parse("/bin/sh -c 'echo hello world' \"a b\"", &o), 0);
	CHECK_EQ(o.argc, 4);
	CHECK(!strcmp(o.argv[2], "echo hello world"));
	CHECK(!strcmp(o.argv[3], "a b"));
}

static void virtio_devices_anywhere(void)
{
	struct boot_options o;
	CHECK_EQ(parse("--test=all /prog x virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:13", &o), 0);
	CHECK_EQ(o.ndevices, 2);
	CHECK(!strcmp(o.devices[0], "512@0xfeb00e00:12"));
	CHECK_EQ(o.argc, 2);
	CHECK(!strcmp(o.test, "all"));
}

static void bad_options_are_named(void)
{
	struct boot_options o;
	CHECK_EQ(parse("--bogus --rofs-cache=12Q --rootfs=ext9 --verbose=1 /p", &o), 4);
	CHECK_EQ(warnings, 4);
	CHECK(strstr(last_warning, "--verbose=1") != NULL);
	CHECK_EQ(o.argc, 1);
}

static void module_options_are_kept_for_modules(void)
{
	struct boot_options o;
	const char *v = "unset";
	CHECK_EQ(parse("--zfs.arc_max=64M --zfs.selftest --zfs.arc_max=32M /p --ext2.x=1", &o), 0);
	CHECK_EQ(o.nmodule_opts, 3);
	CHECK(module_option(&o, "zfs.arc_max", &v) && !strcmp(v, "32M"));	/* last wins */
	CHECK(module_option(&o, "zfs.selftest", &v) && v == NULL);
	CHECK(!module_option(&o, "zfs.arc", &v));	/* no prefix matches */
	CHECK(!module_option(&o, "ext2.x", &v));	/* after the program: its argument */
	CHECK_EQ(o.argc, 2);
	CHECK_EQ(parse("--.x --zfs. --zfs.a.b --zfs.a-b=1 /p", &o), 4);
	CHECK_EQ(o.nmodule_opts, 0);
}

static void sizes(void)
{
	uint64_t v;
	CHECK(parse_size("4096", &v) == 0 && v == 4096);
	CHECK(parse_size("4k", &v) == 0 && v == 4096);
	CHECK(parse_size("2MiB", &v) == 0 && v == 2u << 20);
	CHECK(parse_size("1G", &v) == 0 && v == 1u << 30);
	CHECK(parse_size("", &v) < 0);
	CHECK(parse_size("K", &v) < 0);
	CHECK(parse_size("99999999999999999999", &v) < 0);
	CHECK(parse_size("17179869184G", &v) < 0);
}

int main(void)
{
	RUN(options_then_program);
	RUN(program_options_are_not_ours);
	RUN(quotes);
	RUN(virtio_devices_anywhere);
	RUN(bad_options_are_named);
	RUN(module_options_are_kept_for_modules);
	RUN(sizes);
	return CHECK_DONE();
}
