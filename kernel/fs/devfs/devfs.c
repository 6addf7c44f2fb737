/* devfs, mounted at /dev: the console, null, zero, full, random, urandom,
 * every block device and partition (vblk0, vblk0.1, ...), and the nodes
 * drivers add and remove: character devices (ZFS's /dev/zfs), block
 * devices (ZFS volumes, /dev/zdN), symbolic links (/dev/zvol/POOL/NAME)
 * and the directories these paths name. The entries are a fixed table,
 * the block layer's list and the added nodes' list. */
#include "arch.h"
#include "fs/vfs.h"
#include "fs/devfs/devfs.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "dev/random.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define DEVFS_MAGIC	0x1373
#define ROOT_INO	1
/* Inode numbers, which are also the readdir cookies of the root. */
#define CHAR_INO	2	/* chardevs[i] has ino CHAR_INO + i */
#define BLK_INO		100	/* the i-th block device has ino BLK_INO + i */
#define DYN_INO		(1ULL << 32)	/* the nodes drivers add, from here up */
#define BLK_MAJOR	254

#define makedev(ma, mi) DEVFS_MKDEV(ma, mi)

/* ---- character devices ---- */
static long null_read(struct file *f, void *buf, size_t len, int64_t *pos) { return 0; }
static long sink_write(struct file *f, const void *buf, size_t len, int64_t *pos) { return (long)len; }
static long full_write(struct file *f, const void *buf, size_t len, int64_t *pos) { return -ENOSPC; }

/* buf may be a program's: the uaccess forms, -EFAULT if it went away. */
static long zero_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	return uaccess_clear(buf, len) ? -EFAULT : (long)len;
}

static long random_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	return random_bytes_out(buf, len) ? -EFAULT : (long)len;
}

static int64_t null_llseek(struct file *f, int64_t off, int whence) { return 0; }

static unsigned always_ready(struct file *f, unsigned events, struct poll_table *pt)
{
	return events & (POLLIN | POLLOUT);
}

/* Devices without a poll op never block (vfs_poll says they are ready)
 * and epoll refuses them with EPERM, as Linux does for these; of the
 * character devices only random and the console have one there. */
static const struct file_ops null_fops = { .read = null_read, .write = sink_write,
	.llseek = null_llseek };
static const struct file_ops zero_fops = { .read = zero_read, .write = sink_write,
	.llseek = null_llseek };
static const struct file_ops full_fops = { .read = zero_read, .write = full_write,
	.llseek = null_llseek };
static const struct file_ops random_fops = { .read = random_read, .write = sink_write,
	.llseek = null_llseek, .poll = always_ready };
static const struct file_ops urandom_fops = { .read = random_read, .write = sink_write,
	.llseek = null_llseek };

static long cons_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	return console_read(buf, len, f->flags & O_NONBLOCK);
}

static long cons_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	return console_write(buf, len);	/* the count, or -EFAULT */
}

/* Registers whatever was asked and whatever is ready: epoll registers
 * once, at EPOLL_CTL_ADD, and must hear of input that comes later. */
static unsigned cons_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	struct waitq *wq;
	unsigned ready = POLLOUT;

	if (console_input_ready(&wq))
		ready |= POLLIN;
	if (pt)
		pt->add(pt, wq);
	return ready & events;
}

/* Linux's struct termios as TCGETS returns it, and struct winsize. */
struct linux_termios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line, cc[19];
};

#define TCGETS		0x5401
#define TCSETS		0x5402
#define TCSETSW		0x5403
#define TCSETSF		0x5404
#define TIOCGWINSZ	0x5413
#define TIOCSWINSZ	0x5414
#define TIOCGPGRP	0x540f
#define TIOCSPGRP	0x5410

/* The console's foreground process group, as a shell with job control
 * sets it (atomic: no lock needed for one int). Nothing is stopped for
 * reading from the background: the console has no job control signals. */
static int cons_pgrp = 1;

/* An ioctl's answer into the program's memory (the Linux layer checked
 * that arg is the program's; it may be unmapped meanwhile): 0 or -EFAULT. */
static int ioctl_out(unsigned long arg, const void *v, size_t n)
{
	return uaccess_copy((void *)arg, v, n) ? -EFAULT : 0;
}

static int ioctl_out_int(unsigned long arg, int v)
{
	return ioctl_out(arg, &v, sizeof(v));
}

static int cons_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	switch (cmd) {
	case TCGETS: {
		struct linux_termios t = {
			.iflag = 0x500,		/* ICRNL | IXON */
			.oflag = 0x5,		/* OPOST | ONLCR */
			.cflag = 0xbf,		/* B38400 | CS8 | CREAD */
			.lflag = 0x8a3b,	/* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
			.cc = { 3, 28, 127, 21, 4, 0, 1 },
		};
		return ioctl_out(arg, &t, sizeof(t));
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return 0;	/* accepted; the console keeps its own mode */
	case TIOCGWINSZ: {
		uint16_t ws[4] = { 24, 80, 0, 0 };
		return ioctl_out(arg, ws, sizeof(ws));
	}
	case TIOCGPGRP:
		return ioctl_out_int(arg, __atomic_load_n(&cons_pgrp, __ATOMIC_RELAXED));
	case TIOCSPGRP: {
		int pgrp;
		if (uaccess_copy(&pgrp, (const void *)arg, sizeof(pgrp)))
			return -EFAULT;
		if (pgrp <= 0)
			return -EINVAL;
		__atomic_store_n(&cons_pgrp, pgrp, __ATOMIC_RELAXED);
		return 0;
	}
	}
	return -ENOTTY;
}

static const struct file_ops console_fops = { .read = cons_read, .write = cons_write,
	.ioctl = cons_ioctl, .poll = cons_poll };

struct chardev {
	const char *name;
	uint64_t rdev;
	uint32_t mode;
	const struct file_ops *fops;
	int (*open)(struct file *f);
};

static const struct chardev chardevs[] = {
	{ "console", makedev(5, 1), 0620, &console_fops, NULL },
	{ "null", makedev(1, 3), 0666, &null_fops, NULL },
	{ "zero", makedev(1, 5), 0666, &zero_fops, NULL },
	{ "full", makedev(1, 7), 0666, &full_fops, NULL },
	{ "random", makedev(1, 8), 0666, &random_fops, NULL },
	{ "urandom", makedev(1, 9), 0666, &urandom_fops, NULL },
	{ "tty", makedev(5, 0), 0666, &console_fops, NULL },
};
#define NCHARDEVS (sizeof(chardevs) / sizeof(chardevs[0]))

/* The character device with inode number ino among the fixed ones. */
static const struct chardev *chardev_of(uint64_t ino)
{
	if (ino >= CHAR_INO && ino < CHAR_INO + NCHARDEVS)
		return &chardevs[ino - CHAR_INO];
	return NULL;
}

static uint64_t chardev_ino_of_rdev(uint64_t rdev)
{
	for (unsigned i = 0; i < NCHARDEVS; i++)
		if (chardevs[i].rdev == rdev)
			return CHAR_INO + i;
	return 0;
}

static uint64_t chardev_ino_of_name(const char *name)
{
	for (unsigned i = 0; i < NCHARDEVS; i++)
		if (!strcmp(name, chardevs[i].name))
			return CHAR_INO + i;
	return 0;
}

/* ---- nodes drivers add (and remove): devices, symlinks, directories ----
 *
 * A list under nodes_lock, in the order of their inode numbers, which
 * are never reused: a vnode left over from a removed node can never be
 * taken for a newer one, and a directory's readdir cookies (the inode
 * numbers) stay stable while entries come and go. Directories are made
 * for the paths added and go with their last entry. */
struct devnode {
	struct devnode *next;
	uint64_t ino;
	uint64_t parent;		/* ROOT_INO or a directory node's ino */
	uint32_t mode;			/* S_IF* | permission bits */
	uint64_t rdev;
	const struct file_ops *fops;
	int (*open)(struct file *f);
	char *target;			/* symlinks */
	unsigned entries;		/* directories: nodes inside */
	bool permanent;			/* devfs_add_chardev's */
	char name[];
};

static struct mutex nodes_lock = MUTEX_INIT(nodes_lock);
static struct devnode *nodes, **nodes_tail = &nodes;
static unsigned nnodes;
static uint64_t next_node_ino = DYN_INO;

static struct devnode *node_by_ino(uint64_t ino)
{
	for (struct devnode *n = nodes; n; n = n->next)
		if (n->ino == ino)
			return n;
	return NULL;
}

static struct devnode *node_in(uint64_t parent, const char *name, size_t len)
{
	for (struct devnode *n = nodes; n; n = n->next)
		if (n->parent == parent && !strncmp(n->name, name, len) && !n->name[len])
			return n;
	return NULL;
}

/* A name the fixed part of the root directory has. */
static bool root_name_fixed(const char *name, size_t len)
{
	char buf[BLK_NAME_MAX + 1];

	for (unsigned i = 0; i < NCHARDEVS; i++)
		if (!strncmp(chardevs[i].name, name, len) && !chardevs[i].name[len])
			return true;
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, name, len);
	buf[len] = 0;
	return blk_find(buf) != NULL;
}

static struct devnode *node_new(uint64_t parent, const char *name, size_t len, uint32_t mode)
{
	if (nnodes == DEVFS_MAX_NODES)
		return NULL;
	struct devnode *n = kzalloc(sizeof(*n) + len + 1);
	if (!n)
		return NULL;
	memcpy(n->name, name, len);
	n->ino = next_node_ino++;
	n->parent = parent;
	n->mode = mode;
	*nodes_tail = n;
	nodes_tail = &n->next;
	nnodes++;
	if (parent != ROOT_INO)
		node_by_ino(parent)->entries++;
	return n;
}

/* Unlinks n, then every directory above it left empty. */
static void node_free(struct devnode *n)
{
	while (n) {
		struct devnode **pp = &nodes, *prev = NULL;
		while (*pp != n) {
			prev = *pp;
			pp = &(*pp)->next;
		}
		*pp = n->next;
		if (nodes_tail == &n->next)
			nodes_tail = prev ? &prev->next : &nodes;
		nnodes--;
		struct devnode *dir = n->parent == ROOT_INO ? NULL : node_by_ino(n->parent);
		kfree(n->target);
		kfree(n);
		n = dir && --dir->entries == 0 ? dir : NULL;
	}
}

/* Walks path's components: *last and *len name the last one, *parent
 * gets the directory it is in (made if make_dirs) or, on a failure, the
 * deepest one reached. */
static int node_walk(const char *path, bool make_dirs, uint64_t *parent,
    const char **last, size_t *len)
{
	*parent = ROOT_INO;
	if (!path || !*path)
		return -EINVAL;
	if (strnlen(path, PATH_MAX) == PATH_MAX)
		return -ENAMETOOLONG;
	for (;;) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		if (n == 0 || (n == 1 && path[0] == '.') || (n == 2 && !strncmp(path, "..", 2)))
			return -EINVAL;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (!slash) {
			*last = path;
			*len = n;
			return 0;
		}
		struct devnode *d = node_in(*parent, path, n);
		if (d && (d->mode & S_IFMT) != S_IFDIR)
			return -ENOTDIR;
		if (!d && *parent == ROOT_INO && root_name_fixed(path, n))
			return -ENOTDIR;
		if (!d && !make_dirs)
			return -ENOENT;
		if (!d && !(d = node_new(*parent, path, n, S_IFDIR | 0755)))
			return nnodes == DEVFS_MAX_NODES ? -ENOSPC : -ENOMEM;
		*parent = d->ino;
		path = slash + 1;
	}
}

/* Adds a leaf node; on failure, directories made for it go again. */
static int node_add(const char *path, uint32_t mode, uint64_t rdev,
    const struct file_ops *fops, int (*open)(struct file *f), const char *target,
    bool permanent)
{
	uint64_t parent;
	const char *name;
	size_t len;
	char *copy = NULL;
	struct devnode *n = NULL;

	if (target && !(copy = kmalloc(strlen(target) + 1)))
		return -ENOMEM;
	if (copy)
		strlcpy(copy, target, strlen(target) + 1);
	mutex_lock(&nodes_lock);
	int err = node_walk(path, true, &parent, &name, &len);
	if (!err && (node_in(parent, name, len) ||
	    (parent == ROOT_INO && root_name_fixed(name, len))))
		err = -EEXIST;
	for (struct devnode *o = nodes; !err && rdev && o; o = o->next)
		if ((o->mode & S_IFMT) == (mode & S_IFMT) && o->rdev == rdev)
			err = -EEXIST;
	if (!err && (mode & S_IFMT) == S_IFCHR && chardev_ino_of_rdev(rdev))
		err = -EEXIST;
	if (!err && !(n = node_new(parent, name, len, mode)))
		err = nnodes == DEVFS_MAX_NODES ? -ENOSPC : -ENOMEM;
	if (n) {
		n->rdev = rdev;
		n->fops = fops;
		n->open = open;
		n->target = copy;
		n->permanent = permanent;
		copy = NULL;
	} else if (parent != ROOT_INO) {
		/* Directories exist only with entries: one left empty was
		 * made for this node, and goes with those above it. */
		struct devnode *d = node_by_ino(parent);
		if (d && d->entries == 0)
			node_free(d);
	}
	mutex_unlock(&nodes_lock);
	kfree(copy);
	return err;
}

int devfs_add_chardev(const char *name, unsigned major, unsigned minor, uint32_t mode,
    const struct file_ops *fops, int (*open)(struct file *f))
{
	if (strlen(name) > DEVFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (strchr(name, '/'))
		return -EINVAL;
	return node_add(name, S_IFCHR | (mode & 07777), devfs_makedev(major, minor), fops,
	    open, NULL, true);
}

int devfs_add_device(const char *path, uint32_t mode, uint64_t rdev,
    const struct file_ops *fops, int (*open)(struct file *f))
{
	uint32_t type = mode & S_IFMT;

	if ((type != S_IFCHR && type != S_IFBLK) || (mode & ~(S_IFMT | 07777)) || !fops)
		return -EINVAL;
	return node_add(path, mode, rdev, fops, open, NULL, false);
}

int devfs_add_symlink(const char *path, const char *target)
{
	if (!target || !*target)
		return -EINVAL;
	if (strnlen(target, PATH_MAX) == PATH_MAX)
		return -ENAMETOOLONG;
	return node_add(path, S_IFLNK | 0777, 0, NULL, NULL, target, false);
}

int devfs_remove(const char *path)
{
	uint64_t parent;
	const char *name;
	size_t len;

	mutex_lock(&nodes_lock);
	int err = node_walk(path, false, &parent, &name, &len);
	struct devnode *n = err ? NULL : node_in(parent, name, len);
	if (!err && !n)
		err = parent == ROOT_INO && root_name_fixed(name, len) ? -EPERM : -ENOENT;
	else if (n && (n->mode & S_IFMT) == S_IFDIR)
		err = -EISDIR;
	else if (n && n->permanent)
		err = -EPERM;
	if (!err)
		node_free(n);
	mutex_unlock(&nodes_lock);
	return err;
}

/* ---- block devices: byte-addressed files over the block layer ---- */
static struct blkdev *blk_by_index(unsigned i)
{
	struct blkdev *d = blk_first();

	while (d && i--)
		d = d->next;
	return d;
}

static long blkf_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	long n = *pos < 0 ? -EINVAL : blk_pread(f->priv, buf, len, *pos);
	if (n > 0)
		*pos += n;
	return n;
}

static long blkf_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	long n = *pos < 0 ? -EINVAL : blk_pwrite(f->priv, buf, len, *pos);
	if (n > 0)
		*pos += n;
	return n;
}

static int64_t blkf_llseek(struct file *f, int64_t off, int whence)
{
	struct blkdev *d = f->priv;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->pos :
	    whence == SEEK_END ? (int64_t)(d->nsectors * SECTOR_SIZE) : -1;

	if (base < 0 || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

static int blkf_fsync(struct file *f, bool datasync)
{
	return blk_flush(f->priv);
}

/* Linux's block-device ioctls that probing tools (libblkid, zpool, mkfs)
 * make; answers through ioctl_out. */
#define BLKROGET	0x125e
#define BLKRRPART	0x125f
#define BLKGETSIZE	0x1260
#define BLKFLSBUF	0x1261
#define BLKSSZGET	0x1268
#define BLKIOMIN	0x1278
#define BLKIOOPT	0x1279
#define BLKALIGNOFF	0x127a
#define BLKPBSZGET	0x127b
#define BLKDISCARDZEROES 0x127c
#define BLKGETSIZE64	0x80081272

static unsigned physical_block(struct blkdev *d)
{
	return d->block_size > SECTOR_SIZE ? d->block_size : SECTOR_SIZE;
}

static int blkf_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct blkdev *d = f->priv;

	switch (cmd) {
	case BLKGETSIZE64: {
		uint64_t bytes = d->nsectors * SECTOR_SIZE;
		return ioctl_out(arg, &bytes, sizeof(bytes));
	}
	case BLKGETSIZE: {	/* in 512-byte sectors */
		unsigned long n = d->nsectors;
		return ioctl_out(arg, &n, sizeof(n));
	}
	case BLKSSZGET:		/* the logical sector: every request is in 512s */
		return ioctl_out_int(arg, SECTOR_SIZE);
	case BLKPBSZGET:
	case BLKIOMIN:
		return ioctl_out_int(arg, (int)physical_block(d));
	case BLKIOOPT:		/* no optimal transfer size reported: 0, as Linux */
	case BLKDISCARDZEROES:
	case BLKALIGNOFF:
		return ioctl_out_int(arg, 0);
	case BLKROGET:
		return ioctl_out_int(arg, d->readonly);
	case BLKFLSBUF:		/* no buffer cache below devfs: write-back is the disk's */
		return blk_flush(d);
	case BLKRRPART:		/* partitions are read once, at boot */
		return d->parent ? -EINVAL : -EBUSY;
	}
	return -ENOTTY;
}

static const struct file_ops blk_fops = { .read = blkf_read, .write = blkf_write,
	.llseek = blkf_llseek, .ioctl = blkf_ioctl, .fsync = blkf_fsync };

/* ---- the filesystem ---- */

/* What a vnode of an added node keeps: its node may go while it lives. */
struct dyn_vnode {
	uint32_t mode;
};

static bool is_dyn(uint64_t ino)
{
	return ino >= DYN_INO;
}

static int dev_getattr(struct vnode *vn, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->ino = vn->ino;
	va->nlink = 1;
	va->blksize = 4096;
	/* Devices appeared when the kernel started. */
	va->atime = va->mtime = va->ctime = (int64_t)(clock_realtime_ns() - clock_ns());
	va->rdev = vn->rdev;
	if (vn->ino == ROOT_INO) {
		va->mode = S_IFDIR | 0755;
		va->nlink = 2;
	} else if (is_dyn(vn->ino)) {
		/* Linux's stat of a device node has no size; a link's is
		 * its target's length. A node removed has no links left. */
		va->mode = ((struct dyn_vnode *)vn->priv)->mode;
		mutex_lock(&nodes_lock);
		struct devnode *n = node_by_ino(vn->ino);
		if (!n)
			va->nlink = 0;
		else if ((n->mode & S_IFMT) == S_IFDIR)
			va->nlink = 2;
		else if (n->target)
			va->size = (int64_t)strlen(n->target);
		mutex_unlock(&nodes_lock);
	} else if (vn->ino >= BLK_INO) {
		struct blkdev *d = blk_by_index(vn->ino - BLK_INO);
		va->mode = S_IFBLK | 0660;
		va->size = d ? (int64_t)(d->nsectors * SECTOR_SIZE) : 0;
	} else {
		va->mode = S_IFCHR | chardev_of(vn->ino)->mode;
	}
	return 0;
}

static int dyn_open(struct vnode *vn, struct file *f)
{
	mutex_lock(&nodes_lock);
	struct devnode *n = node_by_ino(vn->ino);
	int (*open)(struct file *) = n ? n->open : NULL;
	mutex_unlock(&nodes_lock);
	if (!n)
		return -ENXIO;
	return open ? open(f) : 0;
}

static int dev_open(struct vnode *vn, struct file *f)
{
	if (is_dyn(vn->ino))
		return vn->type == VCHR || vn->type == VBLK ? dyn_open(vn, f) : 0;
	if (vn->type == VCHR) {
		const struct chardev *c = chardev_of(vn->ino);
		return c->open ? c->open(f) : 0;
	}
	if (vn->ino >= BLK_INO) {
		struct blkdev *d = blk_by_index(vn->ino - BLK_INO);
		if (!d)
			return -ENXIO;
		if ((f->flags & O_ACCMODE) != O_RDONLY && d->readonly)
			return -EROFS;
		f->priv = d;
	}
	return 0;
}

static int dev_readlink(struct vnode *vn, char *buf, size_t len)
{
	mutex_lock(&nodes_lock);
	struct devnode *n = node_by_ino(vn->ino);
	int err = -ENOENT;
	if (n && n->target) {
		size_t tlen = strlen(n->target);
		err = (int)(tlen < len ? tlen : len);
		memcpy(buf, n->target, (size_t)err);
	}
	mutex_unlock(&nodes_lock);
	return err;
}

static int dev_lookup(struct vnode *dir, const char *name, struct vnode **out);
static int dev_readdir(struct vnode *dir, struct dir_ctx *ctx);

static const struct vnode_ops devfs_ops = {
	.lookup = dev_lookup,
	.readdir = dev_readdir,
	.readlink = dev_readlink,
	.getattr = dev_getattr,
	.open = dev_open,
};

/* The vnode of an added node, made from what the node is now; NULL if it
 * went meanwhile (*err -ENOENT) or memory ran out. */
static struct vnode *dyn_vnode(struct mount *mp, uint64_t ino, int *err)
{
	mutex_lock(&nodes_lock);
	struct devnode *n = node_by_ino(ino);
	struct devnode copy = n ? *n : (struct devnode){ 0 };
	mutex_unlock(&nodes_lock);
	if (!n) {
		*err = -ENOENT;
		return NULL;
	}
	struct vnode *vn = vnode_new(mp, mode_to_vtype(copy.mode), &devfs_ops,
	    sizeof(struct dyn_vnode));
	if (!vn)
		return NULL;
	vn->ino = ino;
	vn->rdev = copy.rdev;
	vn->fops = copy.fops;
	((struct dyn_vnode *)vn->priv)->mode = copy.mode;
	return vnode_cache_add(vn);
}

static struct vnode *dev_vnode(struct mount *mp, uint64_t ino, int *err)
{
	struct vnode *vn = vnode_cache_find(mp, ino);

	*err = -ENOMEM;
	if (vn)
		return vn;
	if (is_dyn(ino))
		return dyn_vnode(mp, ino, err);
	enum vtype type = ino == ROOT_INO ? VDIR : ino >= BLK_INO ? VBLK : VCHR;
	vn = vnode_new(mp, type, &devfs_ops, 0);
	if (!vn)
		return NULL;
	vn->ino = ino;
	if (type == VCHR) {
		vn->rdev = chardev_of(ino)->rdev;
		vn->fops = chardev_of(ino)->fops;
	} else if (type == VBLK) {
		vn->rdev = makedev(BLK_MAJOR, ino - BLK_INO);
		vn->fops = &blk_fops;
	}
	return vnode_cache_add(vn);
}

/* The inode number of name in the root's fixed part, or 0. */
static uint64_t root_fixed_ino(const char *name)
{
	uint64_t ino = chardev_ino_of_name(name);
	unsigned i = 0;

	for (struct blkdev *d = blk_first(); d && !ino; d = d->next, i++)
		if (!strcmp(name, d->name))
			ino = BLK_INO + i;
	return ino;
}

static int dev_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	uint64_t ino = 0;
	int err;

	if (dir->ino == ROOT_INO && (ino = !strcmp(name, "..") ? ROOT_INO : root_fixed_ino(name)))
		goto found;
	mutex_lock(&nodes_lock);
	if (!strcmp(name, "..")) {
		struct devnode *d = node_by_ino(dir->ino);
		ino = d ? d->parent : 0;
	} else {
		struct devnode *n = node_in(dir->ino, name, strlen(name));
		ino = n ? n->ino : 0;
	}
	mutex_unlock(&nodes_lock);
	if (!ino)
		return -ENOENT;
found:
	*out = dev_vnode(dir->mount, ino, &err);
	return *out ? 0 : err;
}

/* The first added node in dir with an inode number >= from: its number
 * (0 if none), name (into buf) and type. */
static uint64_t dyn_next(uint64_t dir, uint64_t from, char *buf, unsigned *dtype)
{
	uint64_t ino = 0;

	mutex_lock(&nodes_lock);
	for (struct devnode *n = nodes; n; n = n->next) {
		if (n->parent == dir && n->ino >= from) {
			ino = n->ino;
			strlcpy(buf, n->name, NAME_MAX + 1);
			*dtype = vtype_to_dt(mode_to_vtype(n->mode));
			break;
		}
	}
	mutex_unlock(&nodes_lock);
	return ino;
}

/* Cookies are inode numbers: in the root the fixed character devices,
 * then the block devices, then the added nodes; in an added directory,
 * its nodes. An entry that comes or goes moves no other's. */
static int dev_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	char name[NAME_MAX + 1];

	for (;;) {
		uint64_t pos = (uint64_t)ctx->pos, ino = 0;
		unsigned dtype = DT_UNKNOWN;
		if (dir->ino == ROOT_INO && pos < CHAR_INO + NCHARDEVS) {
			ino = pos < CHAR_INO ? CHAR_INO : pos;
			strlcpy(name, chardevs[ino - CHAR_INO].name, sizeof(name));
			dtype = DT_CHR;
		} else if (dir->ino == ROOT_INO && pos < DYN_INO) {
			ino = pos < BLK_INO ? BLK_INO : pos;
			struct blkdev *d = blk_by_index(ino - BLK_INO);
			if (d) {
				strlcpy(name, d->name, sizeof(name));
				dtype = DT_BLK;
			} else {
				ino = 0;
				ctx->pos = DYN_INO;
				continue;
			}
		} else if (!(ino = dyn_next(dir->ino, pos, name, &dtype))) {
			return 0;
		}
		if (ctx->emit(ctx, name, strlen(name), ino, dtype))
			return 0;
		ctx->pos = (int64_t)(ino + 1);
	}
}

static int devfs_mount(struct mount *mp, const char *source, const char *data)
{
	int err;

	mp->root = dev_vnode(mp, ROOT_INO, &err);
	return mp->root ? 0 : -ENOMEM;
}

static int devfs_statfs(struct mount *mp, struct vfs_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->type = DEVFS_MAGIC;
	st->bsize = st->frsize = 4096;
	st->namelen = NAME_MAX;
	return 0;
}

static const struct fs_type devfs_type = {
	.name = "devfs",
	.mount = devfs_mount,
	.statfs = devfs_statfs,
};

/* Device nodes made with mknod elsewhere (e.g. in an initrd) open here. */
static int devopen(struct vnode *vn, struct file *f)
{
	uint64_t ino = vn->type == VCHR ? chardev_ino_of_rdev(vn->rdev) : 0;
	if (ino) {
		const struct chardev *c = chardev_of(ino);
		f->ops = c->fops;
		return c->open ? c->open(f) : 0;
	}
	if (vn->type == VBLK && (vn->rdev >> 8) == BLK_MAJOR) {
		struct blkdev *d = blk_by_index(vn->rdev & 0xff);
		if (d) {
			f->ops = &blk_fops;
			f->priv = d;
			return 0;
		}
	}
	uint32_t type = vn->type == VCHR ? S_IFCHR : vn->type == VBLK ? S_IFBLK : 0;
	const struct file_ops *fops = NULL;
	int (*open)(struct file *) = NULL;
	mutex_lock(&nodes_lock);
	for (struct devnode *n = nodes; n && type && !fops; n = n->next)
		if ((n->mode & S_IFMT) == type && n->rdev == vn->rdev) {
			fops = n->fops;
			open = n->open;
		}
	mutex_unlock(&nodes_lock);
	if (!fops)
		return -ENXIO;
	f->ops = fops;
	return open ? open(f) : 0;
}

int devfs_init(void)
{
	vfs_set_devopen(devopen);
	return vfs_register_fs(&devfs_type);
}
