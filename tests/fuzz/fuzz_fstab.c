/* libFuzzer harness for the fstab parser (kernel/fs/fstab.c): the input
 * is an fstab file. Every line is parsed; entries must keep their promises
 * (fields inside the line, non-empty, mount point absolute
 * unless swap, numbers small, no x-* note but x-systemd.makefs and
 * x-zfs.* in the data), errors must say why. test_fstab.c includes
 * this file to reuse the harness. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fstab.h"

static void
fz_field(const char *f, const char *line, size_t linelen, bool may_be_empty)
{
	if (f == NULL || f < line || f > line + linelen ||
	    (!may_be_empty && f[0] == '\0'))
		abort();
	/* No character test: \ooo escapes may decode to blanks, even '\n'. */
}

/* data holds no note for userspace tools: x-* other than
 * x-systemd.makefs and x-zfs.*, or comment=. */
static void
fz_data(const char *data)
{
	const char *opt = data, *end;
	size_t n;

	while (*opt != '\0') {
		end = strchr(opt, ',');
		n = end ? (size_t)(end - opt) : strlen(opt);
		if (strncmp(opt, "comment=", 8) == 0 && n >= 8)
			abort();
		if (n >= 2 && strncmp(opt, "x-", 2) == 0 && strncmp(opt, "x-zfs.", 6) != 0 &&
		    !(n == 16 && strncmp(opt, "x-systemd.makefs", 16) == 0))
			abort();
		opt += n + (end != NULL);
	}
}

static void
fz_entry(const struct fstab_entry *e, const char *line, size_t linelen)
{
	fz_field(e->device, line, linelen, false);
	fz_field(e->dev_value, line, linelen, false);
	fz_field(e->dir, line, linelen, false);
	fz_field(e->type, line, linelen, false);
	fz_field(e->data, line, linelen, true);
	if (e->dir[0] != '/' && strcmp(e->type, "swap") != 0)
		abort();
	if (e->dump < 0 || e->dump > 1000000 || e->pass < 0 || e->pass > 1000000)
		abort();
	if (e->data[0] == ',' || strstr(e->data, ",,") != NULL ||
	    (e->data[0] && e->data[strlen(e->data) - 1] == ','))
		abort();
	if (e->flags & ~0xfu)
		abort();
	fz_data(e->data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *line;
	struct fstab_iter it;
	struct fstab_entry e;
	const char *reason;
	unsigned lineno, lines = 0;
	size_t len;
	int rc;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	fstab_iter_init(&it, buf, size);
	while ((line = fstab_next_line(&it, &lineno)) != NULL) {
		if (lineno != ++lines)
			abort();
		len = strlen(line);
		reason = NULL;
		rc = fstab_parse_line(line, &e, &reason);
		if (rc == 1)
			fz_entry(&e, line, len);
		else if (rc != 0 && (rc != -EINVAL || reason == NULL))
			abort();
	}
	free(buf);
	return 0;
}
