/* A minimal /proc for the programs that read it: meminfo (free), mounts
 * (df, mount), uptime, version, cpuinfo, filesystems. Each file's text is
 * made when it is opened, so a reader sees one consistent snapshot. */
#include "fs/vfs.h"
#include "dev/console.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define PROC_MAGIC	0x9fa0
#define ROOT_INO	1
#define TEXT_MAX	4096

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

static int mount_line(struct mount *mp, void *arg)
{
	add(arg, "%s %s %s %s 0 0\n", mp->source[0] ? mp->source : "none",
	    mp->path[0] ? mp->path : "/", mp->type->name, mp->flags & MS_RDONLY ? "ro" : "rw");
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
	static const char *const names[] = { "ramfs", "devfs", "rofs", "proc" };

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
	memcpy(buf, t->buf + *pos, n);
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

static int proc_open(struct vnode *vn, struct file *f)
{
	if (vn->ino == ROOT_INO)
		return 0;
	struct text *t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	files[vn->ino - 2].gen(t);
	f->ops = &text_fops;
	f->priv = t;
	return 0;
}

static int proc_getattr(struct vnode *vn, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->ino = vn->ino;
	va->mode = vn->ino == ROOT_INO ? S_IFDIR | 0555 : S_IFREG | 0444;
	va->nlink = 1;
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

static struct vnode *proc_vnode(struct mount *mp, uint64_t ino)
{
	struct vnode *vn = vnode_cache_find(mp, ino);

	if (vn)
		return vn;
	vn = vnode_new(mp, ino == ROOT_INO ? VDIR : VREG, &proc_vops, 0);
	if (!vn)
		return NULL;
	vn->ino = ino;
	return vnode_cache_add(vn);
}

static int proc_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	uint64_t ino = !strcmp(name, "..") ? ROOT_INO : 0;

	for (unsigned i = 0; i < NFILES && !ino; i++)
		if (!strcmp(name, files[i].name))
			ino = 2 + i;
	if (!ino)
		return -ENOENT;
	*out = proc_vnode(dir->mount, ino);
	return *out ? 0 : -ENOMEM;
}

static int proc_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	for (; ctx->pos - 2 < (int64_t)NFILES; ctx->pos++) {
		const char *n = files[ctx->pos - 2].name;
		if (ctx->emit(ctx, n, strlen(n), ctx->pos, DT_REG))
			break;
	}
	return 0;
}

static int proc_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = proc_vnode(mp, ROOT_INO);
	return mp->root ? 0 : -ENOMEM;
}

static int proc_statfs(struct mount *mp, struct vfs_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->type = PROC_MAGIC;
	st->bsize = st->frsize = 4096;
	st->namelen = NAME_MAX;
	return 0;
}

static const struct fs_type proc_type = {
	.name = "proc", .mount = proc_mount, .statfs = proc_statfs,
};

int procfs_init(void)
{
	return vfs_register_fs(&proc_type);
}
