/* Open files and file-descriptor tables. A vnode-backed file reads and
 * writes through the vnode's ops under its lock; other files (devices,
 * pipes) bring their own struct file_ops. */
#include "fs/vfs.h"
#include "fs/pcache.h"
#include "fs/vfs_impl.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

/* Set once by devfs at boot, read afterwards. */
static int (*devopen_hook)(struct vnode *vn, struct file *f);
/* Set once by the first epoll, read afterwards. */
static void (*unwatch_hook)(struct file *f);

void vfs_set_unwatch(void (*unwatch)(struct file *f))
{
	__atomic_store_n(&unwatch_hook, unwatch, __ATOMIC_RELEASE);
}

void vfs_set_devopen(int (*devopen)(struct vnode *vn, struct file *f))
{
	__atomic_store_n(&devopen_hook, devopen, __ATOMIC_RELEASE);
}

/* ---- the file ops of vnode-backed files ---- */

static bool writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

static bool readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static long vnode_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct vnode *vn = f->vn;
	if (vn->type == VDIR)
		return -EISDIR;
	if (!vn->ops->read)
		return -EINVAL;
	vn_lock_shared(vn);
	long n = vn->ops->read(vn, buf, len, *pos);
	if (n > 0 && pcache_read(vn, buf, (size_t)n, *pos))
		n = -EFAULT;
	vn_unlock(vn);
	if (n > 0)
		*pos += n;
	return n;
}

static int64_t size_locked(struct vnode *vn)
{
	struct vattr va;
	int err = vn->ops->getattr ? vn->ops->getattr(vn, &va) : -EINVAL;
	return err ? err : va.size;
}

/* append: at the end (O_APPEND, or RWF_APPEND for one call). */
static long vnode_write_at(struct file *f, const void *buf, size_t len, int64_t *pos,
			   bool append)
{
	struct vnode *vn = f->vn;
	if (!vn->ops->write)
		return -EINVAL;
	if (mount_readonly(vn->mount))
		return -EROFS;
	vn_lock(vn);
	int64_t off = *pos;
	if (append)
		off = size_locked(vn);
	long n = off < 0 ? off : vn->ops->write(vn, buf, len, off);
	if (n > 0)
		pcache_wrote(vn, buf, (size_t)n, off);
	vn_unlock(vn);
	if (n > 0)
		*pos = off + n;
	return n;
}

static long vnode_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	return vnode_write_at(f, buf, len, pos, f->flags & O_APPEND);
}

static int64_t vnode_llseek(struct file *f, int64_t off, int whence)
{
	struct vnode *vn = f->vn;
	int64_t base, size = 0;
	if (whence == SEEK_END || whence == SEEK_DATA || whence == SEEK_HOLE) {
		vn_lock_shared(vn);
		size = size_locked(vn);
		vn_unlock(vn);
		if (size < 0)
			return size;
	}
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->pos; break;
	case SEEK_END: base = size; break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (vn->type != VREG || off < 0 || off >= size)
			return -ENXIO;
		if (!vn->ops->seek_hole)
			return whence == SEEK_DATA ? off : size;
		vn_lock_shared(vn);
		base = vn->ops->seek_hole(vn, off, whence);
		vn_unlock(vn);
		if (base >= 0)
			f->pos = base;
		return base;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

static int vnode_fsync(struct file *f, bool datasync)
{
	struct vnode *vn = f->vn;
	int err = pcache_writeback(vn);
	if (err || !vn->ops->fsync)
		return err;
	vn_lock(vn);
	err = vn->ops->fsync(vn, datasync);
	vn_unlock(vn);
	return err;
}

static const struct file_ops vnode_file_ops = {
	.read = vnode_read,
	.write = vnode_write,
	.llseek = vnode_llseek,
	.fsync = vnode_fsync,
	/* No poll: files never block (vfs_poll answers so), and epoll
	 * refuses them (EPERM), as Linux does. */
};

/* ---- file objects ---- */

struct file *file_new(const struct file_ops *ops, int flags, void *priv)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ops = ops;
	f->refs = 1;
	f->flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	f->priv = priv;
	mutex_init(&f->pos_lock);
	list_init(&f->watchers);
	return f;
}

void file_hold(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_rele(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	/* Nobody can add a watcher now (that needs a reference). */
	if (!list_empty(&f->watchers))
		__atomic_load_n(&unwatch_hook, __ATOMIC_ACQUIRE)(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (f->vn)
		vn_rele(f->vn);
	if (f->dir)
		vn_rele(f->dir);
	kfree(f->name);
	kfree(f);
}

static int open_device(struct vnode *vn, struct file *f)
{
	if (vn->fops) {
		f->ops = vn->fops;
		return 0;
	}
	int (*devopen)(struct vnode *, struct file *) =
		__atomic_load_n(&devopen_hook, __ATOMIC_ACQUIRE);
	return devopen ? devopen(vn, f) : -ENXIO;
}

int vfs_open_vnode(struct vnode *vn, int o_flags, struct file **out)
{
	struct file *f = file_new(&vnode_file_ops, o_flags, NULL);
	if (!f)
		return -ENOMEM;
	vn_hold(vn);
	f->vn = vn;
	int err = 0;
	if (o_flags & O_PATH)
		f->ops = NULL;
	else if (vn->type == VREG || vn->type == VDIR)
		f->fflags |= FILE_POS_LOCK;
	else if (vn->type != VLNK)
		err = open_device(vn, f);
	if (!err && !(o_flags & O_PATH) && vn->ops->open)
		err = vn->ops->open(vn, f);
	if (err) {
		f->ops = NULL;	/* no release for what never opened */
		file_rele(f);
		return err;
	}
	*out = f;
	return 0;
}

/* ---- reading and writing ---- */

static void pos_lock(struct file *f)
{
	if (f->fflags & FILE_POS_LOCK)
		mutex_lock(&f->pos_lock);
}

static void pos_unlock(struct file *f)
{
	if (f->fflags & FILE_POS_LOCK)
		mutex_unlock(&f->pos_lock);
}

/* How one transfer goes: IO_WRITE, and the RWF_* flags of preadv2 and
 * pwritev2 (only RWF_APPEND matters here; the sync flags act after it). */
#define IO_WRITE	0x100

static long do_io(struct file *f, void *buf, size_t len, int64_t *pos, int io)
{
	bool write = io & IO_WRITE;
	if (!f->ops)
		return -EBADF;
	if (write ? !writable(f) : !readable(f))
		return -EBADF;
	if ((int64_t)len < 0)
		len = INT64_MAX;
	if (!write)
		return f->ops->read ? f->ops->read(f, buf, len, pos) : -EINVAL;
	if ((io & RWF_APPEND) && f->ops == &vnode_file_ops)
		return vnode_write_at(f, buf, len, pos, true);
	return f->ops->write ? f->ops->write(f, buf, len, pos) : -EINVAL;
}

/* O_SYNC, O_DSYNC (the file's) and RWF_SYNC, RWF_DSYNC (the call's): after
 * a write that moved n > 0 bytes, the file's fsync, whose error replaces
 * the count as on Linux. O_SYNC includes O_DSYNC's bit. */
static long write_sync(struct file *f, long n, int io)
{
	int flags = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
	bool sync = (flags & O_SYNC) == O_SYNC || (io & RWF_SYNC);
	bool dsync = (flags & O_DSYNC) || (io & RWF_DSYNC);
	if (n <= 0 || !(io & IO_WRITE) || (!sync && !dsync) || !f->ops->fsync)
		return n;
	int err = f->ops->fsync(f, !sync);
	return err ? err : n;
}

static long io_at_pos(struct file *f, void *buf, size_t len, int io)
{
	pos_lock(f);
	int64_t pos = f->pos;
	long n = do_io(f, buf, len, &pos, io);
	f->pos = pos;
	pos_unlock(f);
	return write_sync(f, n, io);
}

long vfs_read(struct file *f, void *buf, size_t len)
{
	return io_at_pos(f, buf, len, 0);
}

long vfs_write(struct file *f, const void *buf, size_t len)
{
	return io_at_pos(f, (void *)buf, len, IO_WRITE);
}

static long io_at(struct file *f, void *buf, size_t len, int64_t off, int io)
{
	if (off < 0)
		return -EINVAL;
	if (f->ops && !f->ops->llseek)
		return -ESPIPE;
	return write_sync(f, do_io(f, buf, len, &off, io), io);
}

long vfs_pread(struct file *f, void *buf, size_t len, int64_t off)
{
	return io_at(f, buf, len, off, 0);
}

long vfs_pwrite(struct file *f, const void *buf, size_t len, int64_t off)
{
	return io_at(f, (void *)buf, len, off, IO_WRITE);
}

/* Vectors run under one position lock, so they are not interleaved with
 * other reads and writes on the same file; a short transfer ends them.
 * A synchronous write syncs once, after the whole vector. A file with
 * readv/writev ops (sockets) takes the vector whole. */
static long io_vec(struct file *f, const struct kiovec *iov, int cnt, int64_t off, int io)
{
	if (cnt < 0)
		return -EINVAL;
	if (off >= 0 && f->ops && !f->ops->llseek)
		return -ESPIPE;
	long (*whole)(struct file *, const struct kiovec *, int) =
	    !f->ops ? NULL : io & IO_WRITE ? f->ops->writev : f->ops->readv;
	if (whole) {
		if (io & IO_WRITE ? !writable(f) : !readable(f))
			return -EBADF;
		return write_sync(f, whole(f, iov, cnt), io);
	}
	int64_t pos = off;
	if (off < 0) {
		pos_lock(f);
		pos = f->pos;
	}
	long total = 0;
	for (int i = 0; i < cnt; i++) {
		long n = do_io(f, iov[i].base, iov[i].len, &pos, io);
		if (n < 0) {
			if (!total)
				total = n;
			break;
		}
		total += n;
		if ((size_t)n < iov[i].len)
			break;
	}
	if (off < 0) {
		f->pos = pos;
		pos_unlock(f);
	}
	return write_sync(f, total, io);
}

long vfs_readv(struct file *f, const struct kiovec *iov, int cnt, int64_t off)
{
	return io_vec(f, iov, cnt, off, 0);
}

long vfs_writev(struct file *f, const struct kiovec *iov, int cnt, int64_t off)
{
	return io_vec(f, iov, cnt, off, IO_WRITE);
}

/* RWF_NOWAIT is refused: any I/O here may block (Linux answers so for
 * files that cannot promise it). RWF_HIPRI is a hint. */
#define RWF_DONE	(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_APPEND)

long vfs_readv2(struct file *f, const struct kiovec *iov, int cnt, int64_t off, int rwf)
{
	return rwf & ~RWF_DONE ? -EOPNOTSUPP : io_vec(f, iov, cnt, off, rwf & ~RWF_APPEND);
}

long vfs_writev2(struct file *f, const struct kiovec *iov, int cnt, int64_t off, int rwf)
{
	return rwf & ~RWF_DONE ? -EOPNOTSUPP : io_vec(f, iov, cnt, off, rwf | IO_WRITE);
}

int64_t vfs_lseek(struct file *f, int64_t off, int whence)
{
	if (!f->ops)
		return -EBADF;
	if (!f->ops->llseek)
		return -ESPIPE;
	pos_lock(f);
	int64_t pos = f->ops->llseek(f, off, whence);
	pos_unlock(f);
	return pos;
}

int vfs_getdents(struct file *f, struct dir_ctx *ctx)
{
	struct vnode *vn = f->vn;
	if (!vn || !f->ops)
		return -EBADF;
	if (vn->type != VDIR)
		return -ENOTDIR;
	pos_lock(f);
	ctx->pos = f->pos;
	int err = 0;
	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, vn->ino, DT_DIR))
		ctx->pos = 1;
	if (ctx->pos == 1 && !ctx->emit(ctx, "..", 2, vn->ino, DT_DIR))
		ctx->pos = 2;
	if (ctx->pos >= 2 && vn->ops->readdir) {
		vn_lock_shared(vn);
		err = vn->ops->readdir(vn, ctx);
		vn_unlock(vn);
	}
	f->pos = ctx->pos;
	pos_unlock(f);
	return err;
}

int vfs_fstat(struct file *f, struct vattr *va)
{
	if (f->vn)
		return vfs_getattr(f->vn, va);
	if (f->ops && f->ops->getattr) {
		memset(va, 0, sizeof(*va));
		return f->ops->getattr(f, va);
	}
	return -EBADF;
}

int vfs_ftruncate(struct file *f, int64_t size)
{
	if (!f->vn || !f->ops || !writable(f))
		return -EBADF;	/* Linux: EINVAL for a non-writable fd too */
	if (f->vn->type != VREG)
		return -EINVAL;
	struct vattr_set vs = { .mask = VA_SIZE, .size = size };
	return vfs_setattr(f->vn, &vs);
}

/* The modes Linux accepts before asking the filesystem. */
static bool falloc_mode_valid(int mode)
{
	switch (mode & ~FALLOC_FL_KEEP_SIZE) {
	case 0:
	case FALLOC_FL_ZERO_RANGE:
	case FALLOC_FL_UNSHARE_RANGE:
		return true;
	case FALLOC_FL_PUNCH_HOLE:
		return mode & FALLOC_FL_KEEP_SIZE;
	case FALLOC_FL_COLLAPSE_RANGE:
	case FALLOC_FL_INSERT_RANGE:
		return !(mode & FALLOC_FL_KEEP_SIZE);
	default:
		return false;
	}
}

int vfs_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (!falloc_mode_valid(mode))
		return -EOPNOTSUPP;
	if (!f->ops || !writable(f))
		return -EBADF;
	struct vnode *vn = f->vn;
	if (!vn || vn->type == VFIFO)
		return -ESPIPE;
	if (vn->type == VDIR)
		return -EISDIR;
	if (vn->type != VREG && vn->type != VBLK)
		return -ENODEV;
	if (off > INT64_MAX - len)
		return -EFBIG;
	if (mode || vn->type != VREG || !vn->ops->allocate)
		return -EOPNOTSUPP;
	if (mount_readonly(vn->mount))
		return -EROFS;
	vn_lock(vn);
	int err = vn->ops->allocate(vn, off, len);
	vn_unlock(vn);
	return err;
}

int vfs_fsync(struct file *f, bool datasync)
{
	if (!f->ops)
		return -EBADF;
	return f->ops->fsync ? f->ops->fsync(f, datasync) : 0;
}

int vfs_fchmod(struct file *f, uint32_t mode)
{
	if (!f->vn)
		return -EBADF;
	struct vattr_set vs = { .mask = VA_MODE, .mode = mode };
	return vfs_setattr(f->vn, &vs);
}

int vfs_fchown(struct file *f, uint32_t uid, uint32_t gid)
{
	if (!f->vn)
		return -EBADF;
	struct vattr_set vs = { .mask = 0, .uid = uid, .gid = gid };
	vs.mask |= uid != (uint32_t)-1 ? VA_UID : 0;
	vs.mask |= gid != (uint32_t)-1 ? VA_GID : 0;
	return vfs_setattr(f->vn, &vs);
}

/* Turns utimensat's pair into setattr fields. */
void utimens_to_vs(const int64_t times[2], struct vattr_set *vs)
{
	int64_t now = (int64_t)clock_realtime_ns();
	vs->mask = 0;
	for (int i = 0; i < 2; i++) {
		int64_t t = times ? times[i] : UTIME_NOW;
		if (t == UTIME_OMIT)
			continue;
		if (t == UTIME_NOW)
			t = now;
		if (i == 0) {
			vs->mask |= VA_ATIME;
			vs->atime = t;
		} else {
			vs->mask |= VA_MTIME;
			vs->mtime = t;
		}
	}
}

int vfs_futimens(struct file *f, const int64_t times[2])
{
	if (!f->vn)
		return -EBADF;
	struct vattr_set vs;
	utimens_to_vs(times, &vs);
	return vfs_setattr(f->vn, &vs);
}

int vfs_fstatfs(struct file *f, struct vfs_statfs *st)
{
	if (!f->vn)
		return -EBADF;
	return mount_statfs(f->vn->mount, st);
}

int vfs_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	if (!f->ops)
		return -EBADF;
	return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
}

unsigned vfs_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	if (!f->ops)
		return POLLNVAL;
	return f->ops->poll ? f->ops->poll(f, events, pt) : events & (POLLIN | POLLOUT);
}

/* ---- vnode attributes ---- */

int vfs_getattr(struct vnode *vn, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	if (!vn->ops->getattr)
		return -ENOTSUP;
	vn_lock_shared(vn);
	int err = vn->ops->getattr(vn, va);
	vn_unlock(vn);
	va->dev = vn->mount->dev;
	if (!va->ino)
		va->ino = vn->ino;
	return err;
}

int vfs_setattr(struct vnode *vn, struct vattr_set *vs)
{
	if (mount_readonly(vn->mount))
		return -EROFS;
	if (!vn->ops->setattr)
		return -EPERM;
	if ((vs->mask & VA_SIZE) && vn->type == VDIR)
		return -EISDIR;
	if ((vs->mask & VA_SIZE) && vn->type != VREG)
		return -EINVAL;
	if ((vs->mask & VA_SIZE) && vs->size < 0)
		return -EINVAL;
	vs->mode &= S_IALLUGO;
	vs->mask |= VA_CTIME;
	vs->ctime = (int64_t)clock_realtime_ns();
	if (vs->mask & VA_SIZE) {
		vs->mask |= VA_MTIME;
		vs->mtime = vs->ctime;
	}
	vn_lock(vn);
	int err = vn->ops->setattr(vn, vs);
	if (!err && (vs->mask & VA_SIZE))
		pcache_truncated(vn, vs->size);
	vn_unlock(vn);
	return err;
}

/* ---- file-descriptor tables ---- */

void fdtable_init(struct fdtable *t, int limit)
{
	memset(t, 0, sizeof(*t));
	mutex_init(&t->lock);
	t->limit = limit > 0 ? limit : FD_LIMIT;
}

/* A slot fd_reserve handed out, not yet filled: taken for the search of
 * a free fd, open for nothing else. */
#define FD_RESERVED ((struct file *)1)

static bool open_slot(struct file *f)
{
	return f && f != FD_RESERVED;
}

int fdtable_copy(struct fdtable *dst, struct fdtable *src)
{
	int err = 0;

	mutex_lock(&src->lock);
	fdtable_init(dst, src->limit);
	if (src->size) {
		dst->files = kzalloc(src->size * sizeof(*dst->files));
		dst->fdflags = kzalloc(src->size);
		if (!dst->files || !dst->fdflags)
			err = -ENOMEM;
	}
	for (int fd = 0; !err && fd < src->size; fd++) {
		if (!open_slot(src->files[fd]))
			continue;	/* a reservation is its caller's, not the child's */
		dst->files[fd] = src->files[fd];
		dst->fdflags[fd] = src->fdflags[fd];
		file_hold(dst->files[fd]);
	}
	if (!err)
		dst->size = src->size;
	mutex_unlock(&src->lock);
	if (err)
		fdtable_destroy(dst);
	return err;
}

int fdtable_set_limit(struct fdtable *t, int limit)
{
	if (limit < 0)
		return -EINVAL;
	mutex_lock(&t->lock);
	t->limit = limit;	/* open fds above it stay; new ones must be below */
	mutex_unlock(&t->lock);
	return 0;
}

/* The slots are emptied under the lock (/proc/PID/fd may be reading
 * them from another process), the files released after it. */
void fdtable_destroy(struct fdtable *t)
{
	mutex_lock(&t->lock);
	struct file **files = t->files;
	int size = t->size;
	kfree(t->fdflags);
	t->files = NULL;
	t->fdflags = NULL;
	t->size = 0;
	mutex_unlock(&t->lock);
	for (int fd = 0; fd < size; fd++)
		if (open_slot(files[fd]))
			file_rele(files[fd]);
	kfree(files);
}

/* Makes slot fd exist; with t->lock held. */
static int grow_locked(struct fdtable *t, int fd)
{
	if (fd >= t->limit)
		return -EMFILE;	/* also below size, after the limit was lowered */
	if (fd < t->size)
		return 0;
	int size = t->size ? t->size : 16;
	while (size <= fd)
		size *= 2;
	if (size > t->limit)
		size = t->limit;
	struct file **files = kzalloc(size * sizeof(*files));
	uint8_t *flags = kzalloc(size);
	if (!files || !flags) {
		kfree(files);
		kfree(flags);
		return -ENOMEM;
	}
	if (t->size) {
		memcpy(files, t->files, t->size * sizeof(*files));
		memcpy(flags, t->fdflags, t->size);
	}
	kfree(t->files);
	kfree(t->fdflags);
	t->files = files;
	t->fdflags = flags;
	t->size = size;
	return 0;
}

static int lowest_free_locked(struct fdtable *t, int minfd)
{
	int fd = minfd;
	while (fd < t->size && t->files[fd])
		fd++;
	int err = grow_locked(t, fd);
	return err ? err : fd;
}

int fd_install(struct fdtable *t, struct file *f, int minfd, int fdflags)
{
	if (minfd < 0)
		return -EINVAL;
	mutex_lock(&t->lock);
	int fd = lowest_free_locked(t, minfd);
	if (fd >= 0) {
		t->files[fd] = f;
		t->fdflags[fd] = fdflags & FD_CLOEXEC;
	}
	mutex_unlock(&t->lock);
	return fd;
}

static bool valid_locked(struct fdtable *t, int fd)
{
	return fd >= 0 && fd < t->size && open_slot(t->files[fd]);
}

int fd_reserve(struct fdtable *t, int minfd)
{
	mutex_lock(&t->lock);
	int fd = lowest_free_locked(t, minfd);
	if (fd >= 0)
		t->files[fd] = FD_RESERVED;
	mutex_unlock(&t->lock);
	return fd;
}

void fd_fill(struct fdtable *t, int fd, struct file *f, int fdflags)
{
	mutex_lock(&t->lock);
	t->files[fd] = f;
	t->fdflags[fd] = fdflags & FD_CLOEXEC;
	mutex_unlock(&t->lock);
}

void fd_unreserve(struct fdtable *t, int fd)
{
	mutex_lock(&t->lock);
	t->files[fd] = NULL;
	mutex_unlock(&t->lock);
}

int fd_get(struct fdtable *t, int fd, struct file **out)
{
	int err = -EBADF;
	mutex_lock(&t->lock);
	if (valid_locked(t, fd)) {
		*out = t->files[fd];
		file_hold(*out);
		err = 0;
	}
	mutex_unlock(&t->lock);
	return err;
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	mutex_lock(&t->lock);
	if (valid_locked(t, fd)) {
		f = t->files[fd];
		t->files[fd] = NULL;
	}
	mutex_unlock(&t->lock);
	if (!f)
		return -EBADF;
	file_rele(f);	/* outside the lock: release may sleep */
	return 0;
}

int fd_dup(struct fdtable *t, int fd, int minfd, int fdflags)
{
	if (minfd < 0 || minfd >= t->limit)
		return -EINVAL;
	mutex_lock(&t->lock);
	int newfd = -EBADF;
	if (valid_locked(t, fd)) {
		struct file *f = t->files[fd];
		newfd = lowest_free_locked(t, minfd);
		if (newfd >= 0) {
			file_hold(f);
			t->files[newfd] = f;
			t->fdflags[newfd] = fdflags & FD_CLOEXEC;
		}
	}
	mutex_unlock(&t->lock);
	return newfd;
}

static int dup_to(struct fdtable *t, int fd, int newfd, int fdflags)
{
	if (newfd < 0 || newfd >= t->limit)
		return -EBADF;
	struct file *old = NULL;
	mutex_lock(&t->lock);
	int err = valid_locked(t, fd) ? grow_locked(t, newfd) : -EBADF;
	if (!err && t->files[newfd] == FD_RESERVED)
		err = -EBUSY;	/* being opened by another thread: Linux's answer */
	if (!err) {
		old = t->files[newfd];
		t->files[newfd] = t->files[fd];
		file_hold(t->files[fd]);
		t->fdflags[newfd] = fdflags & FD_CLOEXEC;
	}
	mutex_unlock(&t->lock);
	if (old)
		file_rele(old);
	return err ? err : newfd;
}

int fd_dup2(struct fdtable *t, int fd, int newfd)
{
	if (fd == newfd) {
		mutex_lock(&t->lock);
		int ret = valid_locked(t, fd) ? fd : -EBADF;
		mutex_unlock(&t->lock);
		return ret;
	}
	return dup_to(t, fd, newfd, 0);
}

int fd_dup3(struct fdtable *t, int fd, int newfd, int o_flags)
{
	if (fd == newfd || (o_flags & ~O_CLOEXEC))
		return -EINVAL;
	return dup_to(t, fd, newfd, (o_flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
}

int fd_next(struct fdtable *t, int fd)
{
	mutex_lock(&t->lock);
	while (fd < t->size && !valid_locked(t, fd))
		fd++;
	int ret = fd < t->size && fd >= 0 ? fd : -1;
	mutex_unlock(&t->lock);
	return ret;
}

int fd_get_flags(struct fdtable *t, int fd)
{
	mutex_lock(&t->lock);
	int ret = valid_locked(t, fd) ? t->fdflags[fd] : -EBADF;
	mutex_unlock(&t->lock);
	return ret;
}

int fd_set_flags(struct fdtable *t, int fd, int fdflags)
{
	mutex_lock(&t->lock);
	int ret = -EBADF;
	if (valid_locked(t, fd)) {
		t->fdflags[fd] = fdflags & FD_CLOEXEC;
		ret = 0;
	}
	mutex_unlock(&t->lock);
	return ret;
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int fd = 0; fd < t->size; fd++)
		if (fd_get_flags(t, fd) > 0)
			fd_close(t, fd);
}
