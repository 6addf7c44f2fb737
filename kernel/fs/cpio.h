/* Reader for "newc" cpio archives (cpio(5): the SVR4 portable format with
 * magic 070701, or 070702 with a data checksum), e.g. an initrd made by
 * `find . | cpio -o -H newc`.
 *
 * Pure code: the archive sits in memory and entries point into it; nothing
 * is copied or allocated. Every header field is checked; a malformed
 * archive stops the walk with a reason string, the entry number and, when
 * it could be read, the entry's name, so the caller can print e.g.
 *     initrd: entry 3 'etc/passwd': data extends past the end
 * Hard links: newc stores every link as its own entry with the same
 * dev/ino and nlink > 1; GNU cpio puts the data on the last of them only,
 * the others have size 0. Matching them up is the caller's business. */
#ifndef OSPREY_FS_CPIO_H
#define OSPREY_FS_CPIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* File types in the mode field (the values every Unix uses). */
#define CPIO_S_IFMT	0170000
#define CPIO_S_IFSOCK	0140000
#define CPIO_S_IFLNK	0120000
#define CPIO_S_IFREG	0100000
#define CPIO_S_IFBLK	0060000
#define CPIO_S_IFDIR	0040000
#define CPIO_S_IFCHR	0020000
#define CPIO_S_IFIFO	0010000

#define CPIO_NAME_MAX	4096	/* longest name, NUL included (PATH_MAX) */
#define CPIO_LINK_MAX	4095	/* longest symlink target */

struct cpio_entry {
	/* NUL-terminated, inside the archive. Leading "./" and "/" are
	 * removed: "./etc/x" and "/etc/x" give "etc/x"; the archive's root
	 * ("." or "./") is ".". */
	const char *name;
	size_t namelen;
	uint32_t mode;			/* type and permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t mtime;			/* seconds since 1970 */
	uint32_t ino;
	uint32_t dev_major, dev_minor;	/* device holding the file */
	uint32_t rdev_major, rdev_minor;	/* for CPIO_S_IFCHR/IFBLK */
	/* The file's contents; for a symlink its target (no NUL). */
	const void *data;
	size_t size;
};

struct cpio_iter {
	const uint8_t *buf;
	size_t len;
	size_t off;			/* of the next header */
	uint32_t index;			/* number of the next entry, from 0 */
	bool done;			/* trailer seen */
	/* After an error (sticky): why, and the bad entry's name if it
	 * could be read (not NUL-terminated: print namelen bytes). */
	const char *reason;
	const char *name;
	size_t namelen;
};

void cpio_init(struct cpio_iter *it, const void *buf, size_t len);

/* Reads the next entry. Returns 1 with *e filled, 0 once the trailer
 * ("TRAILER!!!") is reached, or -EBADMSG with it->reason set; the entry
 * number is then it->index. Bytes after the trailer are ignored. */
int cpio_next(struct cpio_iter *it, struct cpio_entry *e);

#endif
