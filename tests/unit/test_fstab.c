/* fstab parser (kernel/fs/fstab.c): the fields of fstab(5), optional
 * trailing fields, device kinds, generic vs filesystem options (order
 * kept), octal escapes, comments and blank lines, every kind of error
 * with its reason, and the line walker; then random lines through the
 * fuzz harness. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fs/fstab.h"
#include "../fuzz/fuzz_fstab.c"

/* Parses a copy of s. */
static int
parse(const char *s, struct fstab_entry *e, const char **reason)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s", s);
	*reason = NULL;
	return fstab_parse_line(buf, e, reason);
}

static bool
eq(const char *a, const char *b)
{
	if (a == NULL || strcmp(a, b) != 0) {
		fprintf(stderr, "  got '%s', expected '%s'\n", a ? a : "(null)", b);
		return false;
	}
	return true;
}

static void
test_full_line(void)
{
	struct fstab_entry e;
	const char *r;

	CHECK_EQ(parse("/dev/vblk0.2  /data\trofs  ro,nofail  1 2\n", &e, &r), 1);
	CHECK(eq(e.device, "/dev/vblk0.2"));
	CHECK_EQ(e.dev_kind, FSTAB_DEV_PATH);
	CHECK(eq(e.dev_value, "/dev/vblk0.2"));
	CHECK(eq(e.dir, "/data"));
	CHECK(eq(e.type, "rofs"));
	CHECK_EQ(e.flags, FSTAB_RO | FSTAB_NOFAIL);
	CHECK(eq(e.data, ""));
	CHECK_EQ(e.dump, 1);
	CHECK_EQ(e.pass, 2);

	CHECK_EQ(parse("  PARTLABEL=tank /tank zfs arc_max=64M,ro,compression=lz4,sync 0 0\r\n",
	    &e, &r), 1);
	CHECK_EQ(e.dev_kind, FSTAB_DEV_PARTLABEL);
	CHECK(eq(e.device, "PARTLABEL=tank"));
	CHECK(eq(e.dev_value, "tank"));
	CHECK(eq(e.data, "arc_max=64M,compression=lz4"));
	CHECK_EQ(e.flags, FSTAB_RO | FSTAB_SYNC);
}

static void
test_optional_fields(void)
{
	struct fstab_entry e;
	const char *r;

	CHECK_EQ(parse("tank/home /home zfs", &e, &r), 1);
	CHECK_EQ(e.dev_kind, FSTAB_DEV_NAME);
	CHECK(eq(e.data, ""));
	CHECK_EQ(e.flags, 0);
	CHECK_EQ(e.dump, 0);
	CHECK_EQ(e.pass, 0);
	CHECK(eq(e.type, "zfs"));

	CHECK_EQ(parse("/dev/vblk1 / rofs defaults", &e, &r), 1);
	CHECK_EQ(e.flags, 0);
	CHECK(eq(e.dir, "/"));

	CHECK_EQ(parse("/dev/vblk1 /mnt rofs defaults 0", &e, &r), 1);
	CHECK_EQ(e.dump, 0);
	CHECK_EQ(e.pass, 0);
}

static void
test_device_kinds(void)
{
	static const struct {
		const char *line, *value;
		enum fstab_dev kind;
	} cases[] = {
		{ "LABEL=root / rofs", "root", FSTAB_DEV_LABEL },
		{ "LABEL=\"my\\040disk\" / rofs", "my disk", FSTAB_DEV_LABEL },
		{ "UUID=1234-ABCD / rofs", "1234-ABCD", FSTAB_DEV_UUID },
		{ "PARTUUID=0fc63daf-8483 / rofs", "0fc63daf-8483", FSTAB_DEV_PARTUUID },
		{ "PARTLABEL=data / rofs", "data", FSTAB_DEV_PARTLABEL },
		{ "none /tmp ramfs", "none", FSTAB_DEV_NAME },
		{ "/dev/vblk0 /x rofs", "/dev/vblk0", FSTAB_DEV_PATH },
		{ "label=x /x rofs", "label=x", FSTAB_DEV_NAME },	/* keys are upper case */
	};
	struct fstab_entry e;
	const char *r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(parse(cases[i].line, &e, &r), 1);
		CHECK_EQ(e.dev_kind, cases[i].kind);
		CHECK(eq(e.dev_value, cases[i].value));
	}
}

static void
test_options(void)
{
	static const struct {
		const char *opts, *data;
		unsigned flags;
	} cases[] = {
		{ "ro,rw", "", 0 },
		{ "rw,ro", "", FSTAB_RO },
		{ "noauto,auto", "", 0 },
		{ "noauto", "", FSTAB_NOAUTO },
		{ "sync,async", "", 0 },
		{ "defaults,nofail", "", FSTAB_NOFAIL },
		{ "a=1,,b=2,", "a=1,b=2", 0 },
		{ ",ro,", "", FSTAB_RO },
		{ "x-systemd.automount,noatime,comment=foo,ro", "noatime", FSTAB_RO },
		/* the notes a filesystem acts on stay, in order */
		{ "x-zfs.recordsize=16K,ro,x-systemd.makefs,x-foo,compression=lz4",
		    "x-zfs.recordsize=16K,x-systemd.makefs,compression=lz4", FSTAB_RO },
		{ "x-systemd.makefsx,x-systemd.makefs=1,x-zfsrecordsize=1,x-zfs.",
		    "x-zfs.", 0 },
		{ "nofail,x-zfs.a=1,x-zfs.b=2,comment=x-zfs.c", "x-zfs.a=1,x-zfs.b=2",
		    FSTAB_NOFAIL },
		{ "x-systemd.makefs", "x-systemd.makefs", 0 },
		{ "rofoo,ro=1,nofailx", "rofoo,ro=1,nofailx", 0 },
		{ "z=\\054y", "z=,y", 0 },	/* decoded before splitting, as util-linux does */
	};
	struct fstab_entry e;
	const char *r;
	char line[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "d /m fs %s 0 0", cases[i].opts);
		CHECK_EQ(parse(line, &e, &r), 1);
		CHECK(eq(e.data, cases[i].data));
		CHECK_EQ(e.flags, cases[i].flags);
	}
}

static void
test_escapes(void)
{
	struct fstab_entry e;
	const char *r;

	CHECK_EQ(parse("/dev/vblk1 /mnt/My\\040Files\\011x rofs ro", &e, &r), 1);
	CHECK(eq(e.dir, "/mnt/My Files\tx"));
	CHECK_EQ(parse("a\\\\b /m\\12 fs", &e, &r), 1);	/* not 3 octal digits */
	CHECK(eq(e.device, "a\\\\b"));
	CHECK(eq(e.dir, "/m\\12"));
	CHECK_EQ(parse("a /m\\0401 fs", &e, &r), 1);
	CHECK(eq(e.dir, "/m 1"));
	CHECK_EQ(parse("a /m\\000 fs", &e, &r), -EINVAL);
	CHECK(r != NULL && strstr(r, "octal") != NULL);
	CHECK_EQ(parse("a /m\\400 fs", &e, &r), -EINVAL);
}

static void
test_skipped(void)
{
	static const char *const lines[] = {
		"", "\n", "   \t  ", "# comment", "   # indented /dev/x / rofs", "#",
	};
	struct fstab_entry e;
	const char *r;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK_EQ(parse(lines[i], &e, &r), 0);
	/* '#' later in a line is not a comment (fstab(5)). */
	CHECK_EQ(parse("/dev/x /y#z rofs", &e, &r), 1);
	CHECK(eq(e.dir, "/y#z"));
}

static void
test_errors(void)
{
	static const struct {
		const char *line, *reason;
	} cases[] = {
		{ "/dev/vblk1", "missing mount point" },
		{ "/dev/vblk1 /mnt", "missing filesystem type" },
		{ "/dev/vblk1 mnt rofs", "absolute" },
		{ "/dev/vblk1 /mnt rofs ro 0 0 extra", "more than 6" },
		{ "/dev/vblk1 /mnt rofs ro x", "dump" },
		{ "/dev/vblk1 /mnt rofs ro 0 -1", "pass" },
		{ "/dev/vblk1 /mnt rofs ro 0 99999999999", "pass" },
		{ "/dev/vblk1 /mnt rofs ro 1a", "dump" },
		{ "LABEL= /mnt rofs", "empty value" },
		{ "PARTLABEL=\"\" /mnt rofs", "empty value" },
	};
	struct fstab_entry e;
	const char *r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(parse(cases[i].line, &e, &r), -EINVAL);
		if (r == NULL || strstr(r, cases[i].reason) == NULL) {
			fprintf(stderr, "  '%s': reason '%s'\n", cases[i].line, r ? r : "(null)");
			case_failed = 1;
		}
	}
	/* swap entries have no mount point */
	CHECK_EQ(parse("/dev/vblk2 none swap sw 0 0", &e, &r), 1);
	CHECK(eq(e.data, "sw"));
}

static void
test_next_line(void)
{
	char buf[] = "# fstab\n/dev/vblk1 /a rofs ro\n\n  \nnone /b ramfs\r\nbad line\n/dev/x /c zfs";
	struct fstab_iter it;
	struct fstab_entry e;
	const char *r;
	char *line;
	unsigned n, entries = 0, errline = 0, last = 0;
	int rc;

	fstab_iter_init(&it, buf, sizeof(buf) - 1);	/* buf[len] is the NUL */
	while ((line = fstab_next_line(&it, &n)) != NULL) {
		rc = fstab_parse_line(line, &e, &r);
		if (rc == 1) {
			entries++;
			if (n == 5)
				CHECK(eq(e.dir, "/b"));
			if (n == 7)
				CHECK(eq(e.type, "zfs"));
		} else if (rc < 0) {
			errline = n;
		}
		last = n;
	}
	CHECK_EQ(entries, 3);
	CHECK_EQ(errline, 6);
	CHECK_EQ(last, 7);
	CHECK(fstab_next_line(&it, &n) == NULL);

	/* A trailing newline makes no extra empty line; an empty buffer none. */
	{
		char b2[] = "a /b c\n";
		fstab_iter_init(&it, b2, sizeof(b2) - 1);
		CHECK(fstab_next_line(&it, &n) != NULL);
		CHECK(fstab_next_line(&it, &n) == NULL);
		fstab_iter_init(&it, b2, 0);
		CHECK(fstab_next_line(&it, &n) == NULL);
	}
}

static void
test_random(void)
{
	static const char alphabet[] = " \t\n#\\0147,=/\"abLUIDPRTE-swapronfix.zc";
	uint32_t seed = 99;
	uint8_t buf[200];

	for (int round = 0; round < 20000; round++) {
		size_t n = round % sizeof(buf);

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = round % 5 ? alphabet[(seed >> 8) % (sizeof(alphabet) - 1)]
			    : (uint8_t)(seed >> 16);
		}
		LLVMFuzzerTestOneInput(buf, n);
	}
}

int
main(void)
{
	RUN(test_full_line);
	RUN(test_optional_fields);
	RUN(test_device_kinds);
	RUN(test_options);
	RUN(test_escapes);
	RUN(test_skipped);
	RUN(test_errors);
	RUN(test_next_line);
	RUN(test_random);
	return CHECK_DONE();
}
