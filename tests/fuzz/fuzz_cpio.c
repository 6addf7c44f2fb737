/* libFuzzer harness for the newc cpio reader: walks the whole archive and
 * checks what every entry promises (data inside the input, names
 * normalized and terminated, errors explained). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/cpio.h"

static void
check_entry(const struct cpio_entry *e, const uint8_t *data, size_t size)
{
	const uint8_t *d = e->data;

	if (d < data || e->size > size || d + e->size > data + size)
		abort();
	if (e->namelen == 0 || strlen(e->name) != e->namelen ||
	    e->name[0] == '/' || strncmp(e->name, "./", 2) == 0 ||
	    strcmp(e->name, "..") == 0 || strncmp(e->name, "../", 3) == 0 ||
	    strstr(e->name, "/../") != NULL)
		abort();
	if ((e->mode & CPIO_S_IFMT) == CPIO_S_IFLNK &&
	    (e->size == 0 || memchr(d, '\0', e->size) != NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpio_iter it;
	struct cpio_entry e;
	uint32_t n = 0;
	int rc;

	cpio_init(&it, data, size);
	while ((rc = cpio_next(&it, &e)) == 1) {
		check_entry(&e, data, size);
		n++;
	}
	if (it.index != n)
		abort();
	if (rc == 0) {
		if (it.reason != NULL || cpio_next(&it, &e) != 0)
			abort();
	} else {
		if (rc != -EBADMSG || it.reason == NULL ||
		    cpio_next(&it, &e) != -EBADMSG)
			abort();
		/* The bad entry's name, if given, lies inside the input. */
		if (it.name != NULL && ((const uint8_t *)it.name < data ||
		    it.namelen > size ||
		    (const uint8_t *)it.name + it.namelen > data + size))
			abort();
	}
	return 0;
}
