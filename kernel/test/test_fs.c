/* Walks the root filesystem and prints what it holds, so a boot test can
 * compare the guest's view of an initrd or ROFS root with the host's tree:
 *   file <crc32> <size> <mode> <path>   (crc32: zlib's CRC-32 of the bytes)
 *   dir <mode> <path>
 *   link <path> -> <target>                                              */
#include "test/tests.h"
#include "fs/vfs.h"
#include "fs/devfs/devfs.h"
#include "lib/crc32.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "dev/blk.h"
#include <errno.h>
#include <string.h>

#define MAX_DEPTH 40

struct names {
	char *buf;
	size_t used, cap;
	int count;
};

static int collect(struct dir_ctx *ctx, const char *name, size_t len, uint64_t ino,
    unsigned dtype)
{
	struct names *n = ctx->arg;

	if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2)))
		return 0;
	if (n->used + len + 1 > n->cap) {
		size_t cap = n->cap * 2 + len + 256;
		char *b = krealloc(n->buf, cap);
		if (!b)
			return 1;
		n->buf = b;
		n->cap = cap;
	}
	memcpy(n->buf + n->used, name, len);
	n->buf[n->used + len] = 0;
	n->used += len + 1;
	n->count++;
	return 0;
}

static int hash_file(const char *path, const struct vattr *va)
{
	struct file *f;
	int err = vfs_open(path, O_RDONLY, 0, &f);

	if (err) {
		printk("  cannot open %s: %d\n", path, err);
		return 1;
	}
	uint8_t *buf = kmalloc(65536);
	uint32_t crc = 0;
	int64_t total = 0;
	long n;
	while (buf && (n = vfs_read(f, buf, 65536)) > 0) {
		crc = crc32_ieee(crc, buf, n);
		total += n;
	}
	kfree(buf);
	file_rele(f);
	printk("file %08x %ld %o %s\n", crc, total, va->mode & 07777, path);
	return total == va->size ? 0 : 1;
}

static int walk(char *path, size_t plen, int depth)
{
	struct file *d;
	struct names n = { 0 };
	int bad = 0;

	if (depth > MAX_DEPTH || vfs_open(path, O_RDONLY | O_DIRECTORY, 0, &d))
		return 1;
	struct dir_ctx ctx = { .emit = collect, .arg = &n };
	vfs_getdents(d, &ctx);	/* collect never stops it early */
	file_rele(d);
	for (size_t off = 0; off < n.used; off += strlen(n.buf + off) + 1) {
		const char *name = n.buf + off;
		size_t len = strlen(name);
		if (plen + len + 2 >= PATH_MAX)
			continue;
		if (plen > 1)
			path[plen] = '/';
		memcpy(path + plen + (plen > 1), name, len + 1);
		size_t sub = plen + (plen > 1) + len;
		if (depth == 0 && (!strcmp(name, "dev") || !strcmp(name, "tmp") || !strcmp(name, "proc") ||
		    !strcmp(name, "sys")))
			goto next;
		struct vattr va;
		if (vfs_statat(NULL, path, &va, AT_SYMLINK_NOFOLLOW)) {
			bad++;
			goto next;
		}
		if ((va.mode & S_IFMT) == S_IFDIR) {
			printk("dir %o %s\n", va.mode & 07777, path);
			bad += walk(path, sub, depth + 1);
		} else if ((va.mode & S_IFMT) == S_IFLNK) {
			/* Heap, not stack: walk() recurses 20+ levels deep. */
			char *target = kmalloc(PATH_MAX);
			int tl = target ? vfs_readlinkat(NULL, path, target, PATH_MAX - 1) : -1;
			if (tl >= 0) {
				target[tl] = 0;
				printk("link %s -> %s\n", path, target);
			}
			kfree(target);
			bad += tl < 0;
		} else if ((va.mode & S_IFMT) == S_IFREG) {
			bad += hash_file(path, &va);
		}
next:
		path[plen] = 0;
	}
	kfree(n.buf);
	return bad;
}

int test_tree(void)
{
	char *path = kmalloc(PATH_MAX);

	EXPECT(path);
	strlcpy(path, "/", PATH_MAX);
	int bad = walk(path, 1, 0);
	kfree(path);
	EXPECT(bad == 0);
	return 0;
}

/* A device a driver adds: reads give 'z', its open hook counts. */
static int added_opens;

static long added_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	memset(buf, 'z', len);
	return (long)len;
}

static int added_open(struct file *f)
{
	added_opens++;
	f->priv = &added_opens;
	return 0;
}

static const struct file_ops added_fops = { .read = added_read };

/* Nodes drivers add and remove: the directories their paths name come
 * and go with them, a link is followed, bad paths and taken names or
 * numbers are refused, the fixed nodes cannot be removed. */
static int test_devfs_added(void)
{
	uint64_t rdev = devfs_makedev(240, 300);	/* a minor over 255 */
	static const struct { const char *path; uint32_t mode; int err; } bad[] = {
		{ "t/sub/dev", S_IFBLK, -EEXIST }, { "t/other", S_IFBLK, -EEXIST },
		{ "null/x", S_IFCHR, -ENOTDIR }, { "t/sub/dev/x", S_IFCHR, -ENOTDIR },
		{ "t/../x", S_IFCHR, -EINVAL }, { "t//x", S_IFCHR, -EINVAL },
		{ "t/x", S_IFREG, -EINVAL }, { "null", S_IFCHR, -EEXIST },
	};
	struct vattr va, la, via;
	struct file *f;
	char b[16];

	EXPECT(devfs_add_device("t/sub/dev", S_IFBLK | 0640, rdev, &added_fops, added_open) == 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = devfs_add_device(bad[i].path, bad[i].mode | 0600, i ? rdev : rdev + 1,
		    &added_fops, NULL);
		if (err != bad[i].err) {
			printk("  devfs: adding %s: %d, not %d\n", bad[i].path, err, bad[i].err);
			return 1;
		}
	}
	EXPECT(devfs_add_symlink("t/link", "sub/dev") == 0);
	EXPECT(!vfs_statat(NULL, "/dev/t/sub/dev", &va, 0) && va.mode == (S_IFBLK | 0640) &&
	    va.rdev == rdev);
	EXPECT(!vfs_statat(NULL, "/dev/t/link", &la, AT_SYMLINK_NOFOLLOW) &&
	    la.mode == (S_IFLNK | 0777) && la.size == 7);
	EXPECT(vfs_readlinkat(NULL, "/dev/t/link", b, sizeof(b)) == 7 && !memcmp(b, "sub/dev", 7));
	EXPECT(!vfs_statat(NULL, "/dev/t/sub/../link", &via, 0) && via.ino == va.ino);
	EXPECT(vfs_open("/dev/t/link", O_RDONLY, 0, &f) == 0);
	EXPECT(vfs_read(f, b, 4) == 4 && b[3] == 'z' && f->priv == &added_opens);
	file_rele(f);
	EXPECT(devfs_remove("t/sub") == -EISDIR && devfs_remove("null") == -EPERM);
	EXPECT(devfs_remove("t/sub/dev") == 0);
	/* The directory went with it; the link dangles. */
	EXPECT(vfs_statat(NULL, "/dev/t/sub", &va, 0) == -ENOENT &&
	    vfs_open("/dev/t/link", O_RDONLY, 0, &f) == -ENOENT);
	EXPECT(devfs_remove("t/link") == 0 && devfs_remove("t/link") == -ENOENT);
	EXPECT(vfs_statat(NULL, "/dev/t", &va, 0) == -ENOENT);
	/* The number is free again. */
	EXPECT(devfs_add_device("t2", S_IFCHR | 0600, rdev, &added_fops, NULL) == 0);
	EXPECT(devfs_remove("t2") == 0 && added_opens == 1);
	return 0;
}

/* /dev: the character devices behave, nodes come and go, and bytes
 * written through the last disk's device file then fsync'ed reach the
 * disk (the boot test reads the host's image file). */
int test_devfs(void)
{
	struct file *f;
	uint8_t buf[512];

	EXPECT(test_devfs_added() == 0);

	EXPECT(vfs_open("/dev/zero", O_RDONLY, 0, &f) == 0);
	memset(buf, 1, sizeof(buf));
	EXPECT(vfs_read(f, buf, sizeof(buf)) == sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		EXPECT(buf[i] == 0);
	file_rele(f);
	EXPECT(vfs_open("/dev/null", O_RDWR, 0, &f) == 0);
	EXPECT(vfs_write(f, buf, 100) == 100);
	EXPECT(vfs_read(f, buf, 100) == 0);
	file_rele(f);
	EXPECT(vfs_open("/dev/full", O_WRONLY, 0, &f) == 0);
	EXPECT(vfs_write(f, buf, 1) == -ENOSPC);
	file_rele(f);
	EXPECT(vfs_open("/dev/urandom", O_RDONLY, 0, &f) == 0);
	uint8_t r1[32], r2[32];
	EXPECT(vfs_read(f, r1, 32) == 32 && vfs_read(f, r2, 32) == 32);
	EXPECT(memcmp(r1, r2, 32) != 0);
	file_rele(f);

	/* The last whole disk, through its device file, at an odd offset. */
	char path[32] = "";
	for (struct blkdev *d = blk_first(); d; d = d->next)
		if (!d->parent)
			snprintf(path, sizeof(path), "/dev/%s", d->name);
	EXPECT(path[0]);
	EXPECT(vfs_open(path, O_RDWR, 0, &f) == 0);
	static const char msg[] = "written through devfs, then fsync'ed\n";
	EXPECT(vfs_lseek(f, (1 << 20) + 3, SEEK_SET) == (1 << 20) + 3);
	EXPECT(vfs_write(f, msg, sizeof(msg) - 1) == sizeof(msg) - 1);
	EXPECT(vfs_fsync(f, false) == 0);
	char back[sizeof(msg)] = "";
	EXPECT(vfs_pread(f, back, sizeof(msg) - 1, (1 << 20) + 3) == sizeof(msg) - 1);
	EXPECT(!memcmp(back, msg, sizeof(msg) - 1));
	struct vattr va;
	EXPECT(vfs_fstat(f, &va) == 0 && (va.mode & S_IFMT) == S_IFBLK);
	file_rele(f);
	printk("  devfs: wrote through %s\n", path);
	return 0;
}
