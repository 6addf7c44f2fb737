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

static uint32_t quad(int a, int b, int c, int d)
{
	uint8_t x[4] = { (uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d };
	uint32_t v;
	memcpy(&v, x, 4);
	return v;
}

static void network_options(void)
{
	struct boot_options o;
	CHECK_EQ(parse("--ip=10.0.2.15/24 --gw=10.0.2.2 --dns=10.0.2.3 --dns=1.1.1.1 /p", &o), 0);
	CHECK(o.net_ip == quad(10, 0, 2, 15) && o.net_prefix == 24);
	CHECK(o.net_gw == quad(10, 0, 2, 2));
	CHECK(o.net_ndns == 2 && o.net_dns[0] == quad(10, 0, 2, 3) && o.net_dns[1] == quad(1, 1, 1, 1));
	CHECK_EQ(o.argc, 1);
	/* Each malformed one is named and ignored. */
	const char *bad[] = { "--ip=10.0.2.15", "--ip=10.0.2/24", "--ip=10.0.2.256/24",
	    "--ip=10.0.2.15/33", "--ip=10.0.2.15/24x", "--ip=0.0.0.0/0", "--gw=1.2.3",
	    "--dns=1.2.3.4.5", "--dns=", "--ip=1111.0.0.1/8" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "%s /p", bad[i]);
		CHECK_EQ(parse(line, &o), 1);
		CHECK(strstr(last_warning, bad[i]) != NULL);
		CHECK(o.net_ip == 0 && o.net_gw == 0 && o.net_ndns == 0);
	}
	CHECK_EQ(parse("--dns=1.1.1.1 --dns=1.1.1.2 --dns=1.1.1.3 --dns=1.1.1.4 /p", &o), 1);
	CHECK_EQ(o.net_ndns, 3);
	uint32_t a;
	int prefix;
	CHECK(parse_ipv4("192.168.1.1/0", &a, &prefix) == 0 && prefix == 0 && a == quad(192, 168, 1, 1));
	CHECK(parse_ipv4("1.2.3.4/", &a, &prefix) < 0);
	CHECK(parse_ipv4("01.2.3.4", &a, NULL) == 0 && a == quad(1, 2, 3, 4));
}

int main(void)
{
	RUN(network_options);
	RUN(options_then_program);
	RUN(program_options_are_not_ours);
	RUN(quotes);
	RUN(virtio_devices_anywhere);
	RUN(bad_options_are_named);
	RUN(module_options_are_kept_for_modules);
	RUN(sizes);
	return CHECK_DONE();
}
