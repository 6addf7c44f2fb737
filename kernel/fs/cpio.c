/* newc cpio reader. An entry is a 110-byte header of ASCII fields (6-byte
 * magic, then thirteen 8-digit hex numbers), the name with its NUL, zero
 * padding to a multiple of 4 (counted from the header's start), the data,
 * and padding to 4 again. The archive ends with an entry named
 * "TRAILER!!!"; cpio(1) pads what follows to a 512-byte block. */
#include <errno.h>
#include <string.h>

#include "fs/cpio.h"

#define HDR_LEN		110
#define FIELD_LEN	8

/* Header fields, in order, after the magic. */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
	NFIELDS
};

static const char *const bad_digit[NFIELDS] = {
	"non-hex digit in c_ino", "non-hex digit in c_mode",
	"non-hex digit in c_uid", "non-hex digit in c_gid",
	"non-hex digit in c_nlink", "non-hex digit in c_mtime",
	"non-hex digit in c_filesize", "non-hex digit in c_devmajor",
	"non-hex digit in c_devminor", "non-hex digit in c_rdevmajor",
	"non-hex digit in c_rdevminor", "non-hex digit in c_namesize",
	"non-hex digit in c_check",
};

static const char trailer[] = "TRAILER!!!";

void
cpio_init(struct cpio_iter *it, const void *buf, size_t len)
{
	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->len = len;
}

static int
fail(struct cpio_iter *it, const char *reason)
{
	it->reason = reason;
	return -EBADMSG;
}

/* Parses field i of header h; -1 if it is not 8 hex digits. */
static int
field(const uint8_t *h, int i, uint32_t *v)
{
	const uint8_t *p = h + 6 + FIELD_LEN * i;
	uint32_t x = 0;

	for (int k = 0; k < FIELD_LEN; k++) {
		uint8_t c = p[k];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		x = x << 4 | c;
	}
	*v = x;
	return 0;
}

static size_t
align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

/* Checks the name that follows header h (left bytes remain from h on).
 * Sets it->name as soon as any of it is readable, for error messages. */
static int
check_name(struct cpio_iter *it, const uint8_t *h, size_t left,
    uint32_t namesize)
{
	const char *name = (const char *)h + HDR_LEN;
	size_t avail = left - HDR_LEN;

	if (namesize == 0)
		return fail(it, "name size is zero");
	if (namesize > CPIO_NAME_MAX)
		return fail(it, "name too long");
	it->name = name;
	if (namesize > avail) {
		it->namelen = strnlen(name, avail);
		return fail(it, "truncated name");
	}
	it->namelen = strnlen(name, namesize);
	if (name[namesize - 1] != '\0')
		return fail(it, "name not NUL-terminated");
	if (it->namelen != namesize - 1)
		return fail(it, "NUL inside name");
	if (it->namelen == 0)
		return fail(it, "empty name");
	return 0;
}

/* Drops leading "./" and "/" so "./etc/x", "/etc/x" and "etc/x" agree;
 * the root itself becomes ".". */
static const char *
normalize(const char *s)
{
	for (;;) {
		if (s[0] == '/')
			s++;
		else if (s[0] == '.' && s[1] == '/')
			s += 2;
		else
			break;
	}
	return s[0] == '\0' ? "." : s;
}

/* A ".." component would let an archive reach outside the tree it is
 * unpacked into; nothing legitimate needs one. */
static bool
has_dotdot(const char *s)
{
	for (;;) {
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			return true;
		s = strchr(s, '/');
		if (s == NULL)
			return false;
		s++;
	}
}

static const char *
check_type(uint32_t mode, const uint8_t *data, size_t size)
{
	switch (mode & CPIO_S_IFMT) {
	case CPIO_S_IFREG:
		return NULL;
	case CPIO_S_IFLNK:
		if (size == 0)
			return "empty symlink target";
		if (size > CPIO_LINK_MAX)
			return "symlink target too long";
		if (memchr(data, '\0', size) != NULL)
			return "NUL inside symlink target";
		return NULL;
	case CPIO_S_IFDIR:
	case CPIO_S_IFCHR:
	case CPIO_S_IFBLK:
	case CPIO_S_IFIFO:
	case CPIO_S_IFSOCK:
		return size == 0 ? NULL : "data on a file that is not regular";
	default:
		return "unknown file type";
	}
}

/* The 070702 variant stores the byte sum of a file's data in c_check. */
static uint32_t
byte_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	while (n-- > 0)
		sum += *p++;
	return sum;
}

int
cpio_next(struct cpio_iter *it, struct cpio_entry *e)
{
	const uint8_t *h = it->buf + it->off;
	size_t left = it->len - it->off, data_off, next;
	uint32_t f[NFIELDS];
	const char *why;
	int err;

	if (it->reason != NULL)
		return -EBADMSG;
	if (it->done)
		return 0;
	if (left == 0)
		return fail(it, "archive ends without TRAILER!!!");
	if (left < HDR_LEN)
		return fail(it, "truncated header");
	if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
		return fail(it, "bad magic");
	/* The name first, so that later complaints can name the entry. */
	if (field(h, F_NAMESIZE, &f[F_NAMESIZE]) < 0)
		return fail(it, bad_digit[F_NAMESIZE]);
	if ((err = check_name(it, h, left, f[F_NAMESIZE])) < 0)
		return err;
	for (int i = 0; i < NFIELDS; i++)
		if (field(h, i, &f[i]) < 0)
			return fail(it, bad_digit[i]);
	if (strcmp(it->name, trailer) == 0) {
		it->done = true;
		it->name = NULL;
		it->namelen = 0;
		return 0;
	}

	data_off = align4(it->off + HDR_LEN + f[F_NAMESIZE]);
	if (data_off > it->len || f[F_FILESIZE] > it->len - data_off)
		return fail(it, "data extends past the end");
	const uint8_t *data = it->buf + data_off;
	if ((why = check_type(f[F_MODE], data, f[F_FILESIZE])) != NULL)
		return fail(it, why);
	/* GNU cpio sums regular files only; a symlink's c_check is 0. */
	if (h[5] == '2' && (f[F_MODE] & CPIO_S_IFMT) == CPIO_S_IFREG &&
	    byte_sum(data, f[F_FILESIZE]) != f[F_CHECK])
		return fail(it, "data checksum mismatch");
	if (has_dotdot(it->name))
		return fail(it, "name has a '..' component");

	e->name = normalize(it->name);
	e->namelen = strlen(e->name);
	e->ino = f[F_INO];
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
	e->dev_major = f[F_DEVMAJOR];
	e->dev_minor = f[F_DEVMINOR];
	e->rdev_major = f[F_RDEVMAJOR];
	e->rdev_minor = f[F_RDEVMINOR];
	e->data = data;
	e->size = f[F_FILESIZE];

	/* Padding after the last entry may be missing; the next call then
	 * reports the missing trailer. */
	next = align4(data_off + f[F_FILESIZE]);
	it->off = next < it->len ? next : it->len;
	it->index++;
	it->name = NULL;
	it->namelen = 0;
	return 1;
}
