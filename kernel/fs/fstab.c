/* fstab(5) parser: see fstab.h. Decoding only ever shortens a field, so
 * everything happens inside the caller's line. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fs/fstab.h"

#define MAX_NUM		1000000		/* dump and pass: small numbers */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

static bool
is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Cuts the next blank-separated field off *p; NULL if there is none. */
static char *
next_field(char **p)
{
	char *s = *p, *start;

	while (is_blank(*s))
		s++;
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	start = s;
	while (*s != '\0' && !is_blank(*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return start;
}

/* Decodes \ooo escapes in place. A backslash not followed by three octal
 * digits stays as it is; \000 (which would cut the field) is refused. */
static int
unescape(char *s, const char **reason)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && is_octal(s[1]) && is_octal(s[2]) && is_octal(s[3])) {
			int v = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');

			if (v == 0 || v > 0xff) {
				*reason = "bad octal escape (\\000 or above \\377)";
				return -EINVAL;
			}
			*out++ = (char)v;
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return 0;
}

static int
parse_num(const char *s, int *v, const char **reason, const char *what)
{
	long n = 0;

	if (*s == '\0') {
		*reason = what;
		return -EINVAL;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > MAX_NUM) {
			*reason = what;
			return -EINVAL;
		}
		n = n * 10 + (*s - '0');
	}
	if (n > MAX_NUM) {
		*reason = what;
		return -EINVAL;
	}
	*v = (int)n;
	return 0;
}

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
parse_device(struct fstab_entry *e, const char **reason)
{
	static const struct {
		const char *key;
		enum fstab_dev kind;
	} keys[] = {
		{ "PARTLABEL=", FSTAB_DEV_PARTLABEL },
		{ "PARTUUID=", FSTAB_DEV_PARTUUID },
		{ "LABEL=", FSTAB_DEV_LABEL },
		{ "UUID=", FSTAB_DEV_UUID },
	};
	size_t n;

	e->dev_kind = e->device[0] == '/' ? FSTAB_DEV_PATH : FSTAB_DEV_NAME;
	e->dev_value = e->device;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!has_prefix(e->device, keys[i].key))
			continue;
		e->dev_kind = keys[i].kind;
		e->dev_value = e->device + strlen(keys[i].key);
		/* util-linux allows LABEL="x"; the quotes are not the name */
		n = strlen(e->dev_value);
		if (n >= 2 && e->dev_value[0] == '"' && e->dev_value[n - 1] == '"') {
			e->dev_value[n - 1] = '\0';
			e->dev_value++;
		}
		if (e->dev_value[0] == '\0') {
			*reason = "empty value after the device's KEY=";
			return -EINVAL;
		}
		break;
	}
	return 0;
}

/* x-* and comment= are notes for userspace tools (fstab(5)), dropped here;
 * but x-systemd.makefs and x-zfs.* are for the filesystem itself (make it
 * on a blank device, pool properties), so they stay in its data. */
static bool
is_note(const char *opt, size_t len)
{
	static const char makefs[] = "x-systemd.makefs";

	if (len == sizeof(makefs) - 1 && strncmp(opt, makefs, len) == 0)
		return false;
	if (has_prefix(opt, "x-zfs."))
		return false;
	return has_prefix(opt, "x-") || has_prefix(opt, "comment=");
}

/* Sets e->flags from the generic options and compacts the rest, in
 * order, into the same string: that is e->data. */
static void
parse_options(struct fstab_entry *e, char *opts)
{
	static const struct {
		const char *name;
		unsigned set, clear;
	} generic[] = {
		{ "defaults", 0, 0 },
		{ "ro", FSTAB_RO, 0 },
		{ "rw", 0, FSTAB_RO },
		{ "auto", 0, FSTAB_NOAUTO },
		{ "noauto", FSTAB_NOAUTO, 0 },
		{ "nofail", FSTAB_NOFAIL, 0 },
		{ "sync", FSTAB_SYNC, 0 },
		{ "async", 0, FSTAB_SYNC },
	};
	char *out = opts, *opt = opts, *end;
	bool known;

	e->flags = 0;
	e->data = opts;
	while (*opt != '\0') {
		end = strchr(opt, ',');
		if (end == NULL)
			end = opt + strlen(opt);
		known = end == opt;	/* empty: ",," */
		for (size_t i = 0; !known && i < sizeof(generic) / sizeof(generic[0]); i++) {
			size_t n = strlen(generic[i].name);

			if ((size_t)(end - opt) == n && strncmp(opt, generic[i].name, n) == 0) {
				e->flags = (e->flags | generic[i].set) & ~generic[i].clear;
				known = true;
			}
		}
		if (is_note(opt, (size_t)(end - opt)))
			known = true;
		if (!known) {
			if (out != opts)
				*out++ = ',';
			memmove(out, opt, end - opt);
			out += end - opt;
		}
		opt = *end ? end + 1 : end;
	}
	*out = '\0';
}

int
fstab_parse_line(char *line, struct fstab_entry *e, const char **reason)
{
	char *p = line, *f[7];
	int n = 0, rc;

	memset(e, 0, sizeof(*e));
	while (is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	while (n < 7 && (f[n] = next_field(&p)) != NULL)
		n++;
	if (n < 3) {
		*reason = n == 1 ? "missing mount point and filesystem type" :
		    "missing filesystem type";
		return -EINVAL;
	}
	if (n > 6) {
		*reason = "more than 6 fields (a space in a name must be \\040)";
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		if ((rc = unescape(f[i], reason)) < 0)
			return rc;
	e->device = f[0];
	e->dir = f[1];
	e->type = f[2];
	if (e->device[0] == '\0' || e->dir[0] == '\0' || e->type[0] == '\0') {
		*reason = "empty field";
		return -EINVAL;
	}
	if ((rc = parse_device(e, reason)) < 0)
		return rc;
	if (e->dir[0] != '/' && strcmp(e->type, "swap") != 0) {
		*reason = "mount point is not an absolute path";
		return -EINVAL;
	}
	parse_options(e, n > 3 ? f[3] : f[2] + strlen(f[2]));
	if (n > 4 && (rc = parse_num(f[4], &e->dump, reason,
	    "dump field (5th) is not a small number")) < 0)
		return rc;
	if (n > 5 && (rc = parse_num(f[5], &e->pass, reason,
	    "pass field (6th) is not a small number")) < 0)
		return rc;
	return 1;
}

void
fstab_iter_init(struct fstab_iter *it, char *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->off = 0;
	it->lineno = 0;
}

char *
fstab_next_line(struct fstab_iter *it, unsigned *lineno)
{
	char *line, *nl;

	if (it->off >= it->len)
		return NULL;
	line = it->buf + it->off;
	nl = memchr(line, '\n', it->len - it->off);
	if (nl == NULL)
		nl = it->buf + it->len;		/* buf[len] is ours to write */
	*nl = '\0';
	it->off = nl - it->buf + 1;
	*lineno = ++it->lineno;
	return line;
}
