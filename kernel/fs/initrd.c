/* Unpacks a newc cpio archive (QEMU's -initrd, a PVH module) into the root
 * ramfs. A malformed archive stops the unpacking with a message naming the
 * bad entry; what was unpacked before it stays. */
#include "fs/initrd.h"
#include "fs/cpio.h"
#include "fs/vfs.h"
#include "dev/console.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define MAX_LINKS 256

/* Hard links: newc repeats the inode for every name; the first name seen
 * is created, the others are linked to it. */
struct link_seen {
	uint32_t dev_major, dev_minor, ino;
	const char *name;
};

static struct link_seen *find_link(struct link_seen *seen, int n, const struct cpio_entry *e)
{
	for (int i = 0; i < n; i++)
		if (seen[i].ino == e->ino && seen[i].dev_major == e->dev_major &&
		    seen[i].dev_minor == e->dev_minor)
			return &seen[i];
	return NULL;
}

static int write_file(const struct cpio_entry *e, int oflags)
{
	struct file *f;
	int err = vfs_open(e->name, O_WRONLY | oflags, e->mode & S_IALLUGO, &f);

	if (err)
		return err;
	long n = e->size ? vfs_write(f, e->data, e->size) : 0;
	file_rele(f);
	if (n < 0)
		return (int)n;
	return (size_t)n == e->size ? 0 : -EIO;
}

static int make_entry(const struct cpio_entry *e, struct link_seen *seen, int *nseen)
{
	uint32_t type = e->mode & CPIO_S_IFMT;
	int err;

	if (type == CPIO_S_IFREG && e->nlink > 1) {
		struct link_seen *l = find_link(seen, *nseen, e);
		if (l) {
			err = vfs_linkat(NULL, l->name, NULL, e->name, 0);
			return err ? err : e->size ? write_file(e, O_TRUNC) : 0;
		}
		if (*nseen < MAX_LINKS)
			seen[(*nseen)++] = (struct link_seen){ e->dev_major, e->dev_minor, e->ino, e->name };
	}
	switch (type) {
	case CPIO_S_IFDIR:
		err = vfs_mkdirat(NULL, e->name, e->mode & S_IALLUGO);
		if (err == -EEXIST)
			err = vfs_chmodat(NULL, e->name, e->mode & S_IALLUGO, 0);
		return err;
	case CPIO_S_IFREG:
		return write_file(e, O_CREAT | O_TRUNC);
	case CPIO_S_IFLNK: {
		char target[CPIO_LINK_MAX + 1];
		if (e->size > CPIO_LINK_MAX)
			return -ENAMETOOLONG;
		memcpy(target, e->data, e->size);
		target[e->size] = 0;
		return vfs_symlinkat(target, NULL, e->name);
	}
	case CPIO_S_IFCHR:
	case CPIO_S_IFBLK:
	case CPIO_S_IFIFO:
		return vfs_mknodat(NULL, e->name, e->mode,
		    (uint64_t)e->rdev_major << 8 | e->rdev_minor);
	default:
		return -EINVAL;
	}
}

static void set_owner_and_time(const struct cpio_entry *e)
{
	int64_t times[2] = { (int64_t)e->mtime * 1000000000, (int64_t)e->mtime * 1000000000 };

	vfs_chownat(NULL, e->name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
	vfs_utimensat(NULL, e->name, times, AT_SYMLINK_NOFOLLOW);
}

int initrd_unpack(const void *archive, size_t len)
{
	struct cpio_iter it;
	struct cpio_entry e;
	struct link_seen *seen = kmalloc(sizeof(*seen) * MAX_LINKS);
	int nseen = 0, count = 0, rc;

	if (!seen)
		return -ENOMEM;
	cpio_init(&it, archive, len);
	while ((rc = cpio_next(&it, &e)) == 1) {
		if (!strcmp(e.name, "."))
			continue;
		int err = make_entry(&e, seen, &nseen);
		if (err) {
			pr_err("initrd: entry %u '%s': cannot create it (error %d)\n",
			    it.index - 1, e.name, err);
			continue;
		}
		set_owner_and_time(&e);
		count++;
	}
	kfree(seen);
	if (rc < 0) {
		pr_err("initrd: entry %u '%.*s': %s; unpacking stopped after %d entries\n",
		    it.index, (int)it.namelen, it.name ? it.name : "?", it.reason, count);
		return rc;
	}
	pr_info("initrd: %d entries unpacked\n", count);
	return count;
}
