/* /proc for the programs that read it: meminfo (free), mounts (df,
 * mount, libzfs), uptime, version, cpuinfo, filesystems, the links self
 * and thread-self, and a directory per process (pid.c); and /sys
 * ("sysfs"), which holds only what drivers add.
 * Drivers add read-only files to either tree (procfs_add_file: ZFS's
 * /sys/module/zfs/version). Each file's text is made when it is opened,
 * so a reader sees one consistent snapshot. */
#include "fs/vfs.h"
#include "fs/procfs/procfs_impl.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define PROC_MAGIC	0x9fa0
#define SYSFS_MAGIC	0x62656572
#define NODE_INO	1000	/* added files and directories from here on */
#define SHOW_MAX	4096	/* what a driver's show function is given */
#define TEXT_LIMIT	(4u << 20)	/* a text longer than this is cut */
#define NODE_NAME_MAX	64

/* Room for more bytes and a NUL; false when the text cannot grow. */
static bool text_room(struct procfs_text *t, size_t more)
{
	size_t want = t->len + more + 1, cap = t->cap ? t->cap : 1024;

	if (want <= t->cap)
		return true;
	if (want > TEXT_LIMIT)
		return false;
	while (cap < want)
		cap *= 2;
	char *buf = krealloc(t->buf, cap);
	if (!buf)
		return false;
	t->buf = buf;
	t->cap = cap;
	return true;
}

void procfs_put(struct procfs_text *t, const void *bytes, size_t len)
{
	if (!text_room(t, len))
		return;
	memcpy(t->buf + t->len, bytes, len);
	t->len += len;
}

void procfs_printf(struct procfs_text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0 || !text_room(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += n;
}

#define add procfs_printf

static void gen_meminfo(struct procfs_text *t)
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
static void add_field(struct procfs_text *t, const char *s)
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
	struct procfs_text *t = arg;

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

void gen_mounts(struct procfs_text *t)
{
	vfs_for_each_mount(mount_line, t);
}

static void gen_uptime(struct procfs_text *t)
{
	uint64_t ns = clock_ns(), idle = sched_idle_ns();
	add(t, "%lu.%02lu %lu.%02lu\n", ns / 1000000000, ns / 10000000 % 100,
	    idle / 1000000000, idle / 10000000 % 100);
}

/* Busy time (everything but the idle threads') as user time, in ticks of
 * 100 Hz, in all and per CPU; interrupts and switches are not counted (0). */
static void gen_stat(struct procfs_text *t)
{
	uint64_t up = clock_ns(), idle = sched_idle_ns();
	uint64_t all = up * ncpus_online, busy = all > idle ? all - idle : 0;

	add(t, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", busy / 10000000, idle / 10000000);
	for (int i = 0; i < ncpus_online; i++) {
		idle = sched_cpu_idle_ns(i);
		busy = up > idle ? up - idle : 0;
		add(t, "cpu%d %lu 0 0 %lu 0 0 0 0 0 0\n", i, busy / 10000000, idle / 10000000);
	}
	add(t, "intr 0\nctxt 0\nbtime %lu\n", (clock_realtime_ns() - up) / 1000000000);
}

static void gen_version(struct procfs_text *t)
{
	add(t, "Linux version 6.1.0-osprey (Osprey unikernel)\n");
}

static void gen_cpuinfo(struct procfs_text *t)
{
	for (int i = 0; i < ncpus_online; i++)
		add(t, "processor\t: %d\nvendor_id\t: unknown\nmodel name\t: x86-64 CPU\n"
		    "cpu MHz\t\t: %lu.000\n\n", i, tsc_hz / 1000000);
}

static void gen_filesystems(struct procfs_text *t)
{
	static const char *const names[] = { "ramfs", "devfs", "rofs", "proc", "sysfs" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (vfs_find_fs(names[i]))
			add(t, "%s%s\n", strcmp(names[i], "rofs") ? "nodev\t" : "\t", names[i]);
}

/* The files of /proc's root; gen NULL: a link, read by readlink. */
static const struct proc_file {
	const char *name;
	void (*gen)(struct procfs_text *t);
} files[] = {
	{ "cpuinfo", gen_cpuinfo },
	{ "filesystems", gen_filesystems },
	{ "meminfo", gen_meminfo },
	{ "mounts", gen_mounts },
	{ "self", NULL },
	{ "stat", gen_stat },
	{ "thread-self", NULL },
	{ "uptime", gen_uptime },
	{ "version", gen_version },
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static long text_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct procfs_text *t = f->priv;

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

static void text_free(struct procfs_text *t)
{
	if (t)
		kfree(t->buf);
	kfree(t);
}

static void text_release(struct file *f)
{
	text_free(f->priv);
}

static const struct file_ops text_fops = {
	.read = text_read, .llseek = text_llseek, .release = text_release,
};

int proc_open_text(struct file *f, int (*fill)(struct procfs_text *t, void *arg), void *arg)
{
	struct procfs_text *t = kzalloc(sizeof(*t));
	int err = t ? fill(t, arg) : -ENOMEM;

	if (err) {
		text_free(t);
		return err;
	}
	f->ops = &text_fops;
	f->priv = t;
	return 0;
}

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
	void (*gen)(struct procfs_text *t);	/* the kernel's own files */
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
static int add_node(const char *path, void (*gen)(struct procfs_text *t), procfs_show_fn show,
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

/* A file's text: a built-in file's (n NULL), a node's own or a driver's. */
static int fill_node(struct procfs_text *t, void *arg)
{
	struct vnode *vn = arg;
	struct pnode *n = vn->priv;

	if (!n) {
		files[vn->ino - 2].gen(t);
	} else if (n->gen) {
		n->gen(t);
	} else if (text_room(t, SHOW_MAX)) {
		int len = n->show(t->buf, SHOW_MAX, n->arg);
		t->len = len < 0 ? 0 : len < SHOW_MAX ? (size_t)len : SHOW_MAX - 1;
	}
	return 0;
}

static int proc_open(struct vnode *vn, struct file *f)
{
	if (pid_is(vn))
		return pid_open(vn, f);
	if (vn->type == VDIR)
		return 0;
	return proc_open_text(f, fill_node, vn);
}

static int proc_getattr(struct vnode *vn, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->ino = vn->ino;
	va->mode = vn->type == VDIR ? S_IFDIR | 0555 : vn->type == VLNK ? S_IFLNK | 0777 :
	    S_IFREG | 0444;
	va->nlink = vn->type == VDIR ? 2 : 1;
	va->blksize = 1024;
	va->mtime = va->atime = va->ctime = clock_realtime_ns();
	if (pid_is(vn))
		pid_getattr(vn, va);
	return 0;
}

static int proc_readlink(struct vnode *vn, char *buf, size_t len)
{
	if (pid_is(vn))
		return pid_readlink(vn, buf, len);
	return self_readlink(!strcmp(files[vn->ino - 2].name, "thread-self"), buf, len);
}

static int proc_lookup(struct vnode *dir, const char *name, struct vnode **out);
static int proc_readdir(struct vnode *dir, struct dir_ctx *ctx);

const struct vnode_ops proc_vops = {
	.lookup = proc_lookup, .readdir = proc_readdir, .getattr = proc_getattr,
	.open = proc_open, .readlink = proc_readlink,
};

struct vnode *proc_vnode(struct mount *mp, uint64_t ino, enum vtype type, void *priv)
{
	struct vnode *vn = vnode_cache_find(mp, ino);

	if (vn)
		return vn;
	vn = vnode_new(mp, type, &proc_vops, 0);
	if (!vn)
		return NULL;
	vn->ino = ino;
	vn->priv = priv;
	return vnode_cache_add(vn);
}

/* The vnode of the root (n NULL, ino ROOT_INO), a built-in file (n NULL)
 * or a node. */
static struct vnode *node_vnode(struct mount *mp, uint64_t ino, struct pnode *n)
{
	bool dir = ino == ROOT_INO || (n && n->dir);
	bool link = !n && ino != ROOT_INO && !files[ino - 2].gen;

	return proc_vnode(mp, ino, dir ? VDIR : link ? VLNK : VREG, n);
}

static int proc_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	const struct fs_type *tree = dir->mount->type;
	struct pnode *here = dir->priv, *n = NULL;
	uint64_t ino = 0;

	if (pid_is(dir))
		return pid_lookup(dir, name, out);
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
	if (!ino && !here && tree == &proc_type)
		return pid_root_lookup(dir, name, out);
	if (!ino)
		return -ENOENT;
	*out = node_vnode(dir->mount, ino, n);
	return *out ? 0 : -ENOMEM;
}

/* Cookies: 2 + index over the built-in files (in /proc's root), then the
 * inode numbers of nodes, which only grow, then the processes (pid.c). */
static int proc_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	struct pnode *here = dir->priv;
	bool top = !here && dir->mount->type == &proc_type;
	bool full = false;

	if (pid_is(dir))
		return pid_readdir(dir, ctx);
	for (; top && ctx->pos - 2 < (int64_t)NFILES; ctx->pos++) {
		const char *n = files[ctx->pos - 2].name;
		if (ctx->emit(ctx, n, strlen(n), ctx->pos, files[ctx->pos - 2].gen ? DT_REG : DT_LNK))
			return 0;
	}
	mutex_lock(&nodes_lock);
	for (struct pnode *n = nodes; n && !full; n = n->next) {
		if (n->tree != dir->mount->type || n->parent != here ||
		    (int64_t)n->ino < ctx->pos)
			continue;
		full = ctx->emit(ctx, n->name, strlen(n->name), n->ino, n->dir ? DT_DIR : DT_REG);
		if (!full)
			ctx->pos = n->ino + 1;
	}
	mutex_unlock(&nodes_lock);
	return top && !full ? pid_root_readdir(dir, ctx) : 0;
}

static int proc_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = node_vnode(mp, ROOT_INO, NULL);
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

/* "0" or "0-N": every CPU started at boot runs threads, and none comes later. */
static int show_cpus(char *buf, size_t size, void *arg)
{
	return ncpus_online > 1 ? snprintf(buf, size, "0-%d\n", ncpus_online - 1) :
	    snprintf(buf, size, "0\n");
}

static int add_cpus(void)
{
	static const char *const names[] = { "online", "possible", "present" };
	char path[48];
	int err = 0;

	for (unsigned i = 0; i < 3 && !err; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s", names[i]);
		err = add_node(path, NULL, show_cpus, NULL);
	}
	return err;
}

int procfs_init(void)
{
	mutex_lock(&nodes_lock);
	int err = add_block_devices();
	if (!err)
		err = add_cpus();
	mutex_unlock(&nodes_lock);
	if (!err)
		err = vfs_register_fs(&proc_type);
	return err ? err : vfs_register_fs(&sys_type);
}
