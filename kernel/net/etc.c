/* /etc/resolv.conf and /etc/hosts at boot, for the resolvers of glibc and
 * musl, when the root has none. A writable /etc gets them in place. A
 * read-only one (a ROFS root) is covered by a ramfs holding a copy of the
 * image's /etc (files, symlinks and directories, so nothing it had is
 * hidden) plus the two files; the copy is what the program sees, and
 * changes to it last until power-off, as on any ramfs. */
#include "net/net_impl.h"
#include "fs/vfs.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define COPY_DEPTH	8

static const char hosts[] =
	"127.0.0.1\tlocalhost\n"
	"127.0.1.1\tosprey\n"
	"::1\tlocalhost ip6-localhost ip6-loopback\n";

static bool exists_at(struct vnode *dir, const char *name)
{
	struct vattr va;

	return vfs_statat(dir, name, &va, AT_SYMLINK_NOFOLLOW) != -ENOENT;
}

static int write_new(struct vnode *dir, const char *name, const char *text, size_t len,
    uint32_t mode)
{
	struct file *f;
	int err = vfs_openat(dir, name, O_WRONLY | O_CREAT | O_EXCL, mode, &f);

	if (err)
		return err;
	long n = vfs_write(f, text, len);
	file_rele(f);
	return n == (long)len ? 0 : n < 0 ? (int)n : -EIO;
}

/* ---- copying a tree ---- */

struct names {
	struct dir_ctx ctx;
	char *buf;
	size_t used, cap;
	bool nomem;
};

static int collect(struct dir_ctx *ctx, const char *name, size_t len, uint64_t ino,
    unsigned dtype)
{
	struct names *n = container_of(ctx, struct names, ctx);

	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (n->used + len + 1 > n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 512;
		while (cap < n->used + len + 1)
			cap *= 2;
		char *b = krealloc(n->buf, cap);
		if (!b) {
			n->nomem = true;
			return 1;
		}
		n->buf = b;
		n->cap = cap;
	}
	memcpy(n->buf + n->used, name, len);
	n->buf[n->used + len] = 0;
	n->used += len + 1;
	return 0;
}

static int copy_tree(struct vnode *from, struct vnode *to, int depth);

static int copy_file(struct vnode *from, struct vnode *to, const char *name, uint32_t mode)
{
	struct file *in, *out;
	int err = vfs_openat(from, name, O_RDONLY, 0, &in);

	if (err)
		return err;
	err = vfs_openat(to, name, O_WRONLY | O_CREAT | O_EXCL, mode, &out);
	if (err) {
		file_rele(in);
		return err;
	}
	char *buf = kmalloc(PAGE_SIZE);
	long n = buf ? 0 : -ENOMEM;
	while (buf && (n = vfs_read(in, buf, PAGE_SIZE)) > 0)
		if (vfs_write(out, buf, (size_t)n) != n) {
			n = -EIO;
			break;
		}
	kfree(buf);
	file_rele(in);
	file_rele(out);
	return (int)n;
}

static int copy_one(struct vnode *from, struct vnode *to, const char *name, int depth)
{
	struct vattr va;
	int err = vfs_statat(from, name, &va, AT_SYMLINK_NOFOLLOW);

	if (err)
		return err;
	switch (va.mode & S_IFMT) {
	case S_IFREG:
		return copy_file(from, to, name, va.mode & 07777);
	case S_IFLNK: {
		char target[256];
		int n = vfs_readlinkat(from, name, target, sizeof(target) - 1);
		if (n < 0)
			return n;
		target[n] = 0;
		return vfs_symlinkat(target, to, name);
	}
	case S_IFDIR: {
		struct vnode *sf, *st;
		if (depth >= COPY_DEPTH)
			return -ELOOP;
		if ((err = vfs_mkdirat(to, name, va.mode & 07777)))
			return err;
		if ((err = vfs_lookupat(from, name, LOOKUP_DIRECTORY, &sf)))
			return err;
		if (!(err = vfs_lookupat(to, name, LOOKUP_DIRECTORY, &st))) {
			err = copy_tree(sf, st, depth + 1);
			vn_rele(st);
		}
		vn_rele(sf);
		return err;
	}
	default:
		return 0;	/* devices and sockets do not belong in /etc */
	}
}

static int copy_tree(struct vnode *from, struct vnode *to, int depth)
{
	struct names n = { .ctx = { .emit = collect } };
	struct file *d;
	int err = vfs_open_vnode(from, O_RDONLY | O_DIRECTORY, &d);

	if (err)
		return err;
	err = vfs_getdents(d, &n.ctx);
	file_rele(d);
	if (!err && n.nomem)
		err = -ENOMEM;
	for (size_t off = 0; !err && off < n.used; off += strlen(n.buf + off) + 1)
		err = copy_one(from, to, n.buf + off, depth);
	kfree(n.buf);
	return err;
}

/* Covers the read-only /etc with a ramfs holding a copy of it. */
static int overlay_etc(void)
{
	struct vnode *old, *etc;
	int err = vfs_lookupat(NULL, "/etc", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &old);

	if (err)
		return err;
	err = vfs_mount("ramfs", "/etc", "ramfs", 0, NULL);
	if (!err && !(err = vfs_lookupat(NULL, "/etc", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &etc))) {
		err = copy_tree(old, etc, 0);
		vn_rele(etc);
	}
	vn_rele(old);
	return err;
}

void net_write_etc(const uint32_t *dns, int ndns)
{
	char resolv[160];
	size_t len = 0;
	bool need_resolv = ndns && !exists_at(NULL, "/etc/resolv.conf");
	bool need_hosts = !exists_at(NULL, "/etc/hosts");

	for (int i = 0; i < ndns; i++) {
		const uint8_t *b = (const uint8_t *)&dns[i];
		len += (size_t)snprintf(resolv + len, sizeof(resolv) - len, "nameserver %u.%u.%u.%u\n",
		    b[0], b[1], b[2], b[3]);
	}
	if (!need_resolv && !need_hosts)
		return;
	/* A root without /etc (a bare initrd) gets one if it is writable. */
	if (!exists_at(NULL, "/etc") && vfs_mkdirat(NULL, "/etc", 0755) < 0)
		return;
	int err = 0;
	for (int pass = 0; pass < 2; pass++) {
		err = 0;
		if (need_resolv && (err = write_new(NULL, "/etc/resolv.conf", resolv, len, 0644)) == 0)
			need_resolv = false;
		if (!err && need_hosts &&
		    (err = write_new(NULL, "/etc/hosts", hosts, sizeof(hosts) - 1, 0644)) == 0)
			need_hosts = false;
		if (err != -EROFS || pass)
			break;
		if ((err = overlay_etc()))
			break;
		pr_info("net: /etc is read-only: a ramfs copy of it covers it\n");
	}
	if (err)
		pr_warn("net: cannot write /etc/%s (error %d)\n",
		    need_resolv ? "resolv.conf" : "hosts", err);
}
