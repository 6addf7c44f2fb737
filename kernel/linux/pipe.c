/* Pipes: a ring buffer (64 KiB unless F_SETPIPE_SZ says otherwise,
 * allocated at the first write) shared by a read-end and a write-end file.
 * A mutex guards the state and may be held while copying to or from the
 * program (uaccess_copy: its pages fault in on demand, and a fault that
 * cannot be served is EFAULT, the bytes not copied left where they were);
 * readers and writers sleep on two condition variables, whose wait queues
 * are also what poll registers, so every change of state broadcasts.
 * Waits are interruptible: a signal ends them with EINTR (the call is
 * restarted under SA_RESTART). A write with no reader left fails with
 * EPIPE and sends the writer SIGPIPE, as Linux. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define PIPE_BUF	4096		/* writes up to this size are atomic */
#define PIPE_SIZE	(64 * 1024)
#define PIPE_MAX_SIZE	(1024 * 1024)	/* Linux's default pipe-max-size */
#define FIONREAD	0x541b

struct pipe {
	struct mutex lock;
	struct cond readable;		/* data arrived or the writers left */
	struct cond writable;		/* room appeared or the readers left */
	char *buf;			/* size bytes, NULL until written */
	size_t size, head, count;	/* ring: count bytes from head */
	int readers, writers;		/* open ends */
	uint64_t ino;
	int64_t ctime;			/* for fstat */
};

static uint64_t next_ino = 1;

static struct pipe *pipe_of(struct file *f)
{
	return f->priv;
}

static bool nonblock(struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* Copies up to len bytes out of the ring into dst, the program's buffer
 * or the kernel's (uaccess_copy takes either); lock held. *done: the
 * bytes copied, which alone leave the ring. 0, or -EFAULT when a piece
 * could not be copied. */
static int ring_get(struct pipe *p, char *dst, size_t len, size_t *done)
{
	size_t n = len < p->count ? len : p->count;
	size_t first = p->size - p->head < n ? p->size - p->head : n;
	int err = 0;

	*done = 0;
	if (uaccess_copy(dst, p->buf + p->head, first))
		return -EFAULT;
	if (n > first && uaccess_copy(dst + first, p->buf, n - first)) {
		n = first;
		err = -EFAULT;
	}
	p->head = (p->head + n) % p->size;
	p->count -= n;
	*done = n;
	return err;
}

/* Copies up to len bytes of src (the program's or the kernel's) into the
 * ring's free space; lock held. *done: the bytes copied, which alone
 * enter the ring. 0, or -EFAULT when a piece could not be copied. */
static int ring_put(struct pipe *p, const char *src, size_t len, size_t *done)
{
	size_t room = p->size - p->count;
	size_t n = len < room ? len : room;
	size_t tail = (p->head + p->count) % p->size;
	size_t first = p->size - tail < n ? p->size - tail : n;
	int err = 0;

	*done = 0;
	if (uaccess_copy(p->buf + tail, src, first))
		return -EFAULT;
	if (n > first && uaccess_copy(p->buf, src + first, n - first)) {
		n = first;
		err = -EFAULT;
	}
	p->count += n;
	*done = n;
	return err;
}

static long pipe_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct pipe *p = pipe_of(f);
	long ret;

	if (!len)
		return 0;
	mutex_lock(&p->lock);
	for (;;) {
		if (p->count) {
			size_t n;
			ret = ring_get(p, buf, len, &n);
			if (n) {
				ret = (long)n;	/* a fault after some bytes: the count */
				cond_broadcast(&p->writable);
			}
			break;
		}
		if (!p->writers) {
			ret = 0;	/* end of file */
			break;
		}
		if (nonblock(f)) {
			ret = -EAGAIN;
			break;
		}
		if ((ret = cond_wait_intr(&p->readable, &p->lock, 0)) == -EINTR)
			break;
	}
	mutex_unlock(&p->lock);
	return ret;
}

/* A write of at most PIPE_BUF bytes goes in whole or waits; a longer one
 * goes in pieces as room appears, and may be interleaved with others. */
static long pipe_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	struct pipe *p = pipe_of(f);
	size_t done = 0;
	long err = 0;

	if (!len)
		return 0;
	mutex_lock(&p->lock);
	if (!p->buf && !(p->buf = kmalloc(p->size)))
		err = -ENOMEM;
	while (!err && done < len) {
		size_t need = len <= PIPE_BUF ? len : 1;
		if (!p->readers) {
			err = -EPIPE;
			signal_send_thread(thread_current()->os_priv, SIGPIPE, SI_USER);
		} else if (p->size - p->count >= need) {
			size_t n;
			err = ring_put(p, (const char *)buf + done, len - done, &n);
			done += n;
			if (n)
				cond_broadcast(&p->readable);
		} else if (nonblock(f)) {
			err = -EAGAIN;
		} else if (cond_wait_intr(&p->writable, &p->lock, 0) == -EINTR) {
			err = -EINTR;
		}
	}
	mutex_unlock(&p->lock);
	return done ? (long)done : err;
}

/* Registers before looking, so a change after the look still wakes the
 * poller. POLLHUP and POLLERR are reported whatever was asked. */
static unsigned pipe_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	struct pipe *p = pipe_of(f);
	bool reader = (f->flags & O_ACCMODE) == O_RDONLY;
	unsigned ready = 0;

	if (pt)
		pt->add(pt, reader ? &p->readable.wq : &p->writable.wq);
	mutex_lock(&p->lock);
	if (reader) {
		ready |= p->count ? POLLIN : 0;
		ready |= p->writers ? 0 : POLLHUP;
	} else {
		ready |= p->size - p->count >= PIPE_BUF ? POLLOUT : 0;
		ready |= p->readers ? 0 : POLLERR;
	}
	mutex_unlock(&p->lock);
	return ready & (events | POLLHUP | POLLERR);
}

static int pipe_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct pipe *p = pipe_of(f);

	if (cmd != FIONREAD)
		return -ENOTTY;
	mutex_lock(&p->lock);
	int count = (int)p->count;
	mutex_unlock(&p->lock);
	return put_user(count, (int *)arg);
}

static int pipe_getattr(struct file *f, struct vattr *va)
{
	struct pipe *p = pipe_of(f);

	va->ino = p->ino;
	va->mode = S_IFIFO | 0600;
	va->nlink = 1;
	va->blksize = PIPE_BUF;
	va->atime = va->mtime = va->ctime = p->ctime;
	return 0;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = pipe_of(f);

	mutex_lock(&p->lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	bool last = !p->readers && !p->writers;
	cond_broadcast(&p->readable);
	cond_broadcast(&p->writable);
	mutex_unlock(&p->lock);
	if (last) {
		kfree(p->buf);
		kfree(p);
	}
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.getattr = pipe_getattr,
	.release = pipe_release,
};

bool file_is_pipe(struct file *f)
{
	return f->ops == &pipe_fops;
}

long pipe_get_size(struct file *f)
{
	return file_is_pipe(f) ? (long)pipe_of(f)->size : -EBADF;
}

/* Rounds up to a power of two of at least a page; the data is kept, so
 * it may not shrink below what is buffered (-EBUSY). */
long pipe_set_size(struct file *f, unsigned long size)
{
	if (!file_is_pipe(f))
		return -EBADF;
	if (size > PIPE_MAX_SIZE)
		return -EPERM;
	size_t n = PIPE_BUF;
	while (n < size)
		n *= 2;
	struct pipe *p = pipe_of(f);
	long ret = (long)n;
	mutex_lock(&p->lock);
	if (p->count > n) {
		ret = -EBUSY;
	} else if (p->buf && n != p->size) {
		char *nbuf = kmalloc(n);
		if (!nbuf) {
			ret = -ENOMEM;
		} else {
			size_t count = p->count, n;
			ring_get(p, nbuf, count, &n);	/* kernel to kernel */
			kfree(p->buf);
			p->buf = nbuf;
			p->head = 0;
			p->count = count;
		}
	}
	if (ret > 0) {
		p->size = n;
		cond_broadcast(&p->writable);
	}
	mutex_unlock(&p->lock);
	return ret;
}

/* Both ends, or -ENOMEM. */
static int pipe_create(int flags, struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	mutex_init(&p->lock);
	cond_init(&p->readable);
	cond_init(&p->writable);
	p->size = PIPE_SIZE;
	p->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	p->ctime = (int64_t)clock_realtime_ns();
	*rd = file_new(&pipe_fops, O_RDONLY | (flags & O_NONBLOCK), p);
	*wr = file_new(&pipe_fops, O_WRONLY | (flags & O_NONBLOCK), p);
	if (!*rd || !*wr) {
		/* Neither end was counted yet: free them without release. */
		struct file *ends[2] = { *rd, *wr };
		for (int i = 0; i < 2; i++) {
			if (ends[i]) {
				ends[i]->ops = NULL;
				file_rele(ends[i]);
			}
		}
		kfree(p);
		return -ENOMEM;
	}
	p->readers = p->writers = 1;
	return 0;
}

static long sys_pipe2(int *ufds, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!user_ok(ufds, 2 * sizeof(int), true))
		return -EFAULT;
	struct file *ends[2];
	int err = pipe_create(flags, &ends[0], &ends[1]);
	if (err)
		return err;
	return fd_install_pair_user(ufds, ends, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
}
SYSCALL(293, pipe2, sys_pipe2);

static long sys_pipe(int *ufds)
{
	return sys_pipe2(ufds, 0);
}
SYSCALL(22, pipe, sys_pipe);
