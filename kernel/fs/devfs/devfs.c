/* devfs, mounted at /dev: the console, null, zero, full, random, urandom,
 * the character devices modules add (ZFS's /dev/zfs), and every block
 * device and partition (vblk0, vblk0.1, ...). The entries are a fixed
 * table, the added devices and the block layer's list, so the filesystem
 * keeps no state of its own beyond cached vnodes. */
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
#define CHAR_INO	2	/* chardevs[i] has ino CHAR_INO + i */
#define ADDED_INO	50	/* added[i] has ino ADDED_INO + i */
#define BLK_INO		100	/* the i-th block device has ino BLK_INO + i */
#define BLK_MAJOR	254

#define makedev(ma, mi) ((uint64_t)(ma) << 8 | (mi))

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
	int (*open)(struct file *f);	/* added devices: runs on each new file */
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

/* Devices drivers add, in slots that are filled once and never change
 * again: nadded is published (release) after its slot is complete, so
 * readers take no lock; added_lock orders the adders. */
static struct chardev added[DEVFS_MAX_ADDED];
static char added_names[DEVFS_MAX_ADDED][DEVFS_NAME_MAX + 1];
static unsigned nadded;
static struct mutex added_lock = MUTEX_INIT(added_lock);

static unsigned added_count(void)
{
	return __atomic_load_n(&nadded, __ATOMIC_ACQUIRE);
}

/* The character device with inode number ino, or NULL. */
static const struct chardev *chardev_of(uint64_t ino)
{
	if (ino >= CHAR_INO && ino < CHAR_INO + NCHARDEVS)
		return &chardevs[ino - CHAR_INO];
	if (ino >= ADDED_INO && ino < ADDED_INO + added_count())
		return &added[ino - ADDED_INO];
	return NULL;
}

/* The inode number of the character device numbered rdev, or 0. */
static uint64_t chardev_ino_of_rdev(uint64_t rdev)
{
	for (unsigned i = 0; i < NCHARDEVS; i++)
		if (chardevs[i].rdev == rdev)
			return CHAR_INO + i;
	for (unsigned i = 0, n = added_count(); i < n; i++)
		if (added[i].rdev == rdev)
			return ADDED_INO + i;
	return 0;
}

static uint64_t chardev_ino_of_name(const char *name)
{
	for (unsigned i = 0; i < NCHARDEVS; i++)
		if (!strcmp(name, chardevs[i].name))
			return CHAR_INO + i;
	for (unsigned i = 0, n = added_count(); i < n; i++)
		if (!strcmp(name, added[i].name))
			return ADDED_INO + i;
	return 0;
}

int devfs_add_chardev(const char *name, unsigned major, unsigned minor, uint32_t mode,
    const struct file_ops *fops, int (*open)(struct file *f))
{
	uint64_t rdev = makedev(major, minor);
	int err = 0;

	if (strlen(name) > DEVFS_NAME_MAX)
		return -ENAMETOOLONG;
	mutex_lock(&added_lock);
	unsigned n = nadded;
	if (chardev_ino_of_name(name) || chardev_ino_of_rdev(rdev) || blk_find(name))
		err = -EEXIST;
	else if (n == DEVFS_MAX_ADDED)
		err = -ENOSPC;
	if (!err) {
		strlcpy(added_names[n], name, sizeof(added_names[n]));
		added[n] = (struct chardev){ added_names[n], rdev, mode & 07777, fops, open };
		__atomic_store_n(&nadded, n + 1, __ATOMIC_RELEASE);
	}
	mutex_unlock(&added_lock);
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
	} else if (vn->ino >= BLK_INO) {
		struct blkdev *d = blk_by_index(vn->ino - BLK_INO);
		va->mode = S_IFBLK | 0660;
		va->size = d ? (int64_t)(d->nsectors * SECTOR_SIZE) : 0;
	} else {
		va->mode = S_IFCHR | chardev_of(vn->ino)->mode;
	}
	return 0;
}

static int dev_open(struct vnode *vn, struct file *f)
{
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

static int dev_lookup(struct vnode *dir, const char *name, struct vnode **out);
static int dev_readdir(struct vnode *dir, struct dir_ctx *ctx);

static const struct vnode_ops devfs_ops = {
	.lookup = dev_lookup,
	.readdir = dev_readdir,
	.getattr = dev_getattr,
	.open = dev_open,
};

static struct vnode *dev_vnode(struct mount *mp, uint64_t ino)
{
	struct vnode *vn = vnode_cache_find(mp, ino);

	if (vn)
		return vn;
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

static int dev_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	uint64_t ino = 0;

	if (!strcmp(name, "..")) {
		ino = ROOT_INO;
	} else {
		ino = chardev_ino_of_name(name);
		unsigned i = 0;
		for (struct blkdev *d = blk_first(); d && !ino; d = d->next, i++)
			if (!strcmp(name, d->name))
				ino = BLK_INO + i;
	}
	if (!ino)
		return -ENOENT;
	*out = dev_vnode(dir->mount, ino);
	return *out ? 0 : -ENOMEM;
}

/* Cookies: 2 + index over the character devices, then over the slots of
 * added ones (all of them, so a device added later moves nothing), then
 * the block devices. */
static int dev_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	for (;;) {
		int64_t i = ctx->pos - 2;
		const struct chardev *c = NULL;
		uint64_t ino = 0;
		if (i < (int64_t)NCHARDEVS) {
			ino = CHAR_INO + i;
		} else if (i < (int64_t)(NCHARDEVS + DEVFS_MAX_ADDED)) {
			if (i - NCHARDEVS < added_count())
				ino = ADDED_INO + i - NCHARDEVS;
		} else {
			unsigned b = i - NCHARDEVS - DEVFS_MAX_ADDED;
			struct blkdev *d = blk_by_index(b);
			if (!d)
				return 0;
			if (ctx->emit(ctx, d->name, strlen(d->name), BLK_INO + b, DT_BLK))
				return 0;
		}
		if (ino && (c = chardev_of(ino)) && ctx->emit(ctx, c->name, strlen(c->name), ino, DT_CHR))
			return 0;
		ctx->pos++;
	}
}

static int devfs_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = dev_vnode(mp, ROOT_INO);
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
	return -ENXIO;
}

int devfs_init(void)
{
	vfs_set_devopen(devopen);
	return vfs_register_fs(&devfs_type);
}
