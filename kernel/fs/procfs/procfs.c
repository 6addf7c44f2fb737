/* A minimal /proc for the programs that read it: meminfo (free), mounts
 * and self/mounts (df, mount, libzfs), uptime, version, cpuinfo,
 * filesystems; and /sys ("sysfs"), which holds only what drivers add.
 * Drivers add read-only files to either tree (procfs_add_file: ZFS's
 * /sys/module/zfs/version). Each file's text is made when it is opened,
 * so a reader sees one consistent snapshot. */
#include "fs/vfs.h"
#include "fs/procfs/procfs.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define PROC_MAGIC	0x9fa0
#define SYSFS_MAGIC	0x62656572
#define ROOT_INO	1
#define NODE_INO	1000	/* added files and directories from here on */
#define TEXT_MAX	4096
#define NODE_NAME_MAX	64

struct text {
	size_t len;
	char buf[TEXT_MAX];
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (t->len < TEXT_MAX) {
		int n = vsnprintf(t->buf + t->len, TEXT_MAX - t->len, fmt, ap);
		t->len = n < 0 ? t->len : t->len + n < TEXT_MAX ? t->len + n : TEXT_MAX - 1;
	}
	va_end(ap);
}

static void gen_meminfo(struct text *t)
{
	struct mem_stats st;

	mem_stats(&st);
	add(t, "MemTotal:       %8lu kB\n", st.total_pages * 4);
	add(t, "MemFree:        %8lu kB\n", st.free_pages * 4);
	add(t, "MemAvailable:   %8lu kB\n", st.free_pages * 4);
	add(t, "Buffers:        %8u kB\nCached:         %8u kB\n", 0, 0);
	add(t, "SwapTotal:      %8u kB\nSwapFree:       %8u kB\n", 0, 0);
	add(t, "Slab:           %8lu kB\n", st.heap_bytes / 1024);
}

/* A field of a mounts line, with space, tab, newline and backslash as
 * octal escapes (getmntent undoes them). */
static void add_field(struct text *t, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			add(t, "\\%03o", (unsigned char)*s);
		else
			add(t, "%c", *s);
	}
}

/* Linux's /proc/mounts line: source, mount point, type, options, 0 0. */
static int mount_line(struct mount *mp, void *arg)
{
	static const struct { unsigned long flag; const char *name; } opts[] = {
		{ MS_NOSUID, ",nosuid" }, { MS_NODEV, ",nodev" }, { MS_NOEXEC, ",noexec" },
		{ MS_SYNCHRONOUS, ",sync" }, { MS_NOATIME, ",noatime" },
	};
	struct text *t = arg;

	add_field(t, mp->source[0] ? mp->source : "none");
	add(t, " ");
	add_field(t, mp->path[0] ? mp->path : "/");
	add(t, " %s %s", mp->type->name, mp->flags & MS_RDONLY ? "ro" : "rw");
	for (unsigned i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (mp->flags & opts[i].flag)
			add(t, "%s", opts[i].name);
	add(t, " 0 0\n");
	return 0;
}

static void gen_mounts(struct text *t)
{
	vfs_for_each_mount(mount_line, t);
}

static void gen_uptime(struct text *t)
{
	uint64_t ns = clock_ns();
	add(t, "%lu.%02lu 0.00\n", ns / 1000000000, ns / 10000000 % 100);
}

static void gen_version(struct text *t)
{
	add(t, "Linux version 6.1.0-osprey (Osprey unikernel)\n");
}

static void gen_cpuinfo(struct text *t)
{
	add(t, "processor\t: 0\nvendor_id\t: unknown\nmodel name\t: x86-64 CPU\n"
	    "cpu MHz\t\t: %lu.000\n\n", tsc_hz / 1000000);
}

static void gen_filesystems(struct text *t)
{
	static const char *const names[] = { "ramfs", "devfs", "rofs", "proc", "sysfs" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (vfs_find_fs(names[i]))
			add(t, "%s%s\n", strcmp(names[i], "rofs") ? "nodev\t" : "\t", names[i]);
}

static const struct proc_file {
	const char *name;
	void (*gen)(struct text *t);
} files[] = {
	{ "cpuinfo", gen_cpuinfo },
	{ "filesystems", gen_filesystems },
	{ "meminfo", gen_meminfo },
	{ "mounts", gen_mounts },
	{ "uptime", gen_uptime },
	{ "version", gen_version },
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static long text_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct text *t = f->priv;

	if (*pos < 0)
		return -EINVAL;
	if ((size_t)*pos >= t->len)
		return 0;
	size_t n = t->len - *pos < len ? t->len - *pos : len;
	if (uaccess_copy(buf, t->buf + *pos, n))	/* buf may be a program's */
		return -EFAULT;
	*pos += n;
	return (long)n;
}

static int64_t text_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->pos : -1;

	if (base < 0 || base + off < 0)
		return -EINVAL;
	return f->pos = base + off;
}

static void text_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops text_fops = {
	.read = text_read, .llseek = text_llseek, .release = text_release,
};

/* ---- files and directories added at run time ---- */

static const struct fs_type proc_type, sys_type;

/* A node of one tree (/proc's or /sys's). Nodes are never removed, so a
 * vnode keeps a plain pointer to its node; the list only grows, under
 * nodes_lock, and is read under it. */
struct pnode {
	struct pnode *next;		/* in nodes, oldest (lowest ino) first */
	struct pnode *parent;		/* NULL: at the top of its tree */
	const struct fs_type *tree;
	uint64_t ino;
	void (*gen)(struct text *t);	/* the kernel's own files */
	procfs_show_fn show;		/* drivers' files */
	void *arg;
	bool dir;
	char name[NODE_NAME_MAX];
};

static struct pnode *nodes, **nodes_tail = &nodes;
static uint64_t next_ino = NODE_INO;
static struct mutex nodes_lock = MUTEX_INIT(nodes_lock);

static struct pnode *find_node(const struct fs_type *tree, struct pnode *parent,
    const char *name, size_t len)
{
	for (struct pnode *n = nodes; n; n = n->next)
		if (n->tree == tree && n->parent == parent && strlen(n->name) == len &&
		    !memcmp(n->name, name, len))
			return n;
	return NULL;
}

static struct pnode *new_node(const struct fs_type *tree, struct pnode *parent,
    const char *name, size_t len, bool dir)
{
	struct pnode *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	n->tree = tree;
	n->parent = parent;
	n->dir = dir;
	n->ino = next_ino++;
	memcpy(n->name, name, len);
	*nodes_tail = n;
	nodes_tail = &n->next;
	return n;
}

static bool is_builtin(const struct fs_type *tree, const char *name, size_t len);

/* Adds path (its directories as needed) with gen or show; nodes_lock held. */
static int add_node(const char *path, void (*gen)(struct text *t), procfs_show_fn show,
    void *arg)
{
	const struct fs_type *tree;
	const char *p;

	if (!strncmp(path, "/proc/", 6))
		tree = &proc_type, p = path + 6;
	else if (!strncmp(path, "/sys/", 5))
		tree = &sys_type, p = path + 5;
	else
		return -EINVAL;
	struct pnode *parent = NULL;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (!len || len >= NODE_NAME_MAX || (len <= 2 && !strncmp(p, "..", len)))
			return -EINVAL;
		struct pnode *n = find_node(tree, parent, p, len);
		if (!slash) {
			if (n || (!parent && is_builtin(tree, p, len)))
				return -EEXIST;
			if (!(n = new_node(tree, parent, p, len, false)))
				return -ENOMEM;
			n->gen = gen;
			n->show = show;
			n->arg = arg;
			return 0;
		}
		if (!n && !parent && is_builtin(tree, p, len))
			return -EEXIST;
		if (n && !n->dir)
			return -EEXIST;
		if (!n && !(n = new_node(tree, parent, p, len, true)))
			return -ENOMEM;
		parent = n;
		p = slash + 1;
	}
}

int procfs_add_file(const char *path, procfs_show_fn show, void *arg)
{
	mutex_lock(&nodes_lock);
	int err = add_node(path, NULL, show, arg);
	mutex_unlock(&nodes_lock);
	return err;
}

/* ---- the filesystems ---- */

static bool is_builtin(const struct fs_type *tree, const char *name, size_t len)
{
	for (unsigned i = 0; tree == &proc_type && i < NFILES; i++)
		if (strlen(files[i].name) == len && !memcmp(files[i].name, name, len))
			return true;
	return false;
}

static int proc_open(struct vnode *vn, struct file *f)
{
	struct pnode *n = vn->priv;

	if (vn->type == VDIR)
		return 0;
	struct text *t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (!n) {
		files[vn->ino - 2].gen(t);
	} else if (n->gen) {
		n->gen(t);
	} else {
		int len = n->show(t->buf, TEXT_MAX, n->arg);
		t->len = len < 0 ? 0 : len < TEXT_MAX ? (size_t)len : TEXT_MAX - 1;
	}
	f->ops = &text_fops;
	f->priv = t;
	return 0;
}

static int proc_getattr(struct vnode *vn, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->ino = vn->ino;
	va->mode = vn->type == VDIR ? S_IFDIR | 0555 : S_IFREG | 0444;
	va->nlink = vn->type == VDIR ? 2 : 1;
	va->blksize = 1024;
	va->mtime = va->atime = va->ctime = clock_realtime_ns();
	return 0;
}

static int proc_lookup(struct vnode *dir, const char *name, struct vnode **out);
static int proc_readdir(struct vnode *dir, struct dir_ctx *ctx);

static const struct vnode_ops proc_vops = {
	.lookup = proc_lookup, .readdir = proc_readdir, .getattr = proc_getattr,
	.open = proc_open,
};

/* The vnode of the root (n NULL, ino ROOT_INO), a built-in file (n NULL)
 * or a node. */
static struct vnode *proc_vnode(struct mount *mp, uint64_t ino, struct pnode *n)
{
	struct vnode *vn = vnode_cache_find(mp, ino);

	if (vn)
		return vn;
	bool dir = ino == ROOT_INO || (n && n->dir);
	vn = vnode_new(mp, dir ? VDIR : VREG, &proc_vops, 0);
	if (!vn)
		return NULL;
	vn->ino = ino;
	vn->priv = n;
	return vnode_cache_add(vn);
}

static int proc_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	const struct fs_type *tree = dir->mount->type;
	struct pnode *here = dir->priv, *n = NULL;
	uint64_t ino = 0;

	if (!strcmp(name, "..")) {
		n = here ? here->parent : NULL;
		ino = n ? n->ino : ROOT_INO;
	} else {
		for (unsigned i = 0; !here && tree == &proc_type && i < NFILES && !ino; i++)
			if (!strcmp(name, files[i].name))
				ino = 2 + i;
		if (!ino) {
			mutex_lock(&nodes_lock);
			n = find_node(tree, here, name, strlen(name));
			mutex_unlock(&nodes_lock);
			ino = n ? n->ino : 0;
		}
	}
	if (!ino)
		return -ENOENT;
	*out = proc_vnode(dir->mount, ino, n);
	return *out ? 0 : -ENOMEM;
}

/* Cookies: 2 + index over the built-in files (in /proc's root), then the
 * inode numbers of nodes, which only grow. */
static int proc_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	struct pnode *here = dir->priv;

	for (; !here && dir->mount->type == &proc_type && ctx->pos - 2 < (int64_t)NFILES;
	     ctx->pos++) {
		const char *n = files[ctx->pos - 2].name;
		if (ctx->emit(ctx, n, strlen(n), ctx->pos, DT_REG))
			return 0;
	}
	mutex_lock(&nodes_lock);
	for (struct pnode *n = nodes; n; n = n->next) {
		if (n->tree != dir->mount->type || n->parent != here ||
		    (int64_t)n->ino < ctx->pos)
			continue;
		if (ctx->emit(ctx, n->name, strlen(n->name), n->ino, n->dir ? DT_DIR : DT_REG))
			break;
		ctx->pos = n->ino + 1;
	}
	mutex_unlock(&nodes_lock);
	return 0;
}

static int proc_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = proc_vnode(mp, ROOT_INO, NULL);
	return mp->root ? 0 : -ENOMEM;
}

static int proc_statfs(struct mount *mp, struct vfs_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->type = mp->type == &sys_type ? SYSFS_MAGIC : PROC_MAGIC;
	st->bsize = st->frsize = 4096;
	st->namelen = NAME_MAX;
	return 0;
}

static const struct fs_type proc_type = {
	.name = "proc", .mount = proc_mount, .statfs = proc_statfs,
};

static const struct fs_type sys_type = {
	.name = "sysfs", .mount = proc_mount, .statfs = proc_statfs,
};

/* ---- /sys/block: what libblkid (zpool, mount, blkid) reads ---- */

#define BLK_MAJOR	254	/* devfs's */

static unsigned blk_index(struct blkdev *d)
{
	unsigned i = 0;

	for (struct blkdev *b = blk_first(); b && b != d; b = b->next)
		i++;
	return i;
}

static int show_dev(char *buf, size_t size, void *d)
{
	return snprintf(buf, size, "%u:%u\n", BLK_MAJOR, blk_index(d));
}

static int show_size(char *buf, size_t size, void *d)	/* 512-byte sectors */
{
	return snprintf(buf, size, "%lu\n", (unsigned long)((struct blkdev *)d)->nsectors);
}

static int show_zero(char *buf, size_t size, void *d)	/* removable, ext_range */
{
	return snprintf(buf, size, "0\n");
}

static int show_ro(char *buf, size_t size, void *d)
{
	return snprintf(buf, size, "%d\n", ((struct blkdev *)d)->readonly);
}

static int show_partition(char *buf, size_t size, void *d)
{
	return snprintf(buf, size, "%u\n", ((struct blkdev *)d)->part_index);
}

static int show_start(char *buf, size_t size, void *d)
{
	return snprintf(buf, size, "%lu\n", (unsigned long)((struct blkdev *)d)->start);
}

/*
 * Each block device's attributes, in /sys/block/NAME and
 * /sys/dev/block/MAJOR:MINOR (a directory here, Linux's is a link to the
 * first): dev, size, removable, ro, and a partition's number and start.
 * Partitions are listed in /sys/block beside the disks, not inside their
 * disk's directory as on Linux: libblkid recognises a partition there
 * only by a <disk><digit> or <disk>p<digit> name, which vblk0.1 is not.
 * The devices are all known before the root is mounted and never change.
 */
static int add_block_devices(void)
{
	static const struct { const char *name; procfs_show_fn show; bool part; } attrs[] = {
		{ "dev", show_dev, false }, { "size", show_size, false },
		{ "removable", show_zero, false }, { "ext_range", show_zero, false },
		{ "ro", show_ro, false }, { "partition", show_partition, true },
		{ "start", show_start, true },
	};
	char path[96];
	int err = 0;

	for (struct blkdev *d = blk_first(); d && !err; d = d->next) {
		for (unsigned i = 0; i < sizeof(attrs) / sizeof(attrs[0]) && !err; i++) {
			if (attrs[i].part && !d->parent)
				continue;
			snprintf(path, sizeof(path), "/sys/block/%s/%s", d->name, attrs[i].name);
			err = add_node(path, NULL, attrs[i].show, d);
			snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", BLK_MAJOR,
			    blk_index(d), attrs[i].name);
			if (!err)
				err = add_node(path, NULL, attrs[i].show, d);
		}
	}
	return err;
}

int procfs_init(void)
{
	mutex_lock(&nodes_lock);
	int err = add_node("/proc/self/mounts", gen_mounts, NULL, NULL);
	if (!err)
		err = add_block_devices();
	mutex_unlock(&nodes_lock);
	if (!err)
		err = vfs_register_fs(&proc_type);
	return err ? err : vfs_register_fs(&sys_type);
}
