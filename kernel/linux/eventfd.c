/* eventfd and eventfd2: a 64-bit counter behind a file. A write adds to
 * it, waiting while the sum would pass 0xfffffffffffffffe; a read takes
 * it all (EFD_SEMAPHORE: one), waiting while it is 0. Readers, writers and
 * pollers share one wait queue, whose lock guards the counter; every
 * change wakes them all. Values are copied to and from the buffer outside
 * the lock (uaccess_copy: the program's, checked by read(2), its pages
 * faulting in, or a kernel one from sendfile). A read whose copy faults
 * has still taken the count, as on Linux. Waits are interruptible. */
#include "linux/sys_fs.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>

#define EFD_SEMAPHORE	1
#define EFD_CLOEXEC	O_CLOEXEC
#define EFD_NONBLOCK	O_NONBLOCK
#define EFD_MAX		0xfffffffffffffffeULL

struct eventfd {
	struct waitq wq;
	uint64_t count;
	bool semaphore;
};

static bool nonblock(struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* Waits (wq.lock held) until ok() holds; 0, -EAGAIN or -EINTR. */
static int wait_until(struct eventfd *e, struct file *f, unsigned long *flags,
    bool (*ok)(struct eventfd *e, uint64_t v), uint64_t v)
{
	while (!ok(e, v)) {
		if (nonblock(f))
			return -EAGAIN;
		if (waitq_wait_intr_locked(&e->wq, flags, 0) == -EINTR)
			return -EINTR;
	}
	return 0;
}

static bool readable(struct eventfd *e, uint64_t v)
{
	return e->count > 0;
}

static bool room_for(struct eventfd *e, uint64_t v)
{
	return EFD_MAX - e->count >= v;
}

static long efd_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct eventfd *e = f->priv;

	if (len < sizeof(uint64_t))
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&e->wq.lock);
	uint64_t v = 0;
	int err = wait_until(e, f, &flags, readable, 0);
	if (!err) {
		v = e->semaphore ? 1 : e->count;
		e->count -= v;
		waitq_wake_all_locked(&e->wq);
	}
	spin_unlock_irqrestore(&e->wq.lock, flags);
	sched_preempt_check();
	if (err)
		return err;
	return uaccess_copy(buf, &v, sizeof(v)) ? -EFAULT : (long)sizeof(v);
}

static long efd_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	if (len != sizeof(v))
		return -EINVAL;	/* exactly 8 (a read may offer more) */
	if (uaccess_copy(&v, buf, sizeof(v)))
		return -EFAULT;
	if (v == ~0ULL)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&e->wq.lock);
	int err = wait_until(e, f, &flags, room_for, v);
	if (!err && v) {
		e->count += v;
		waitq_wake_all_locked(&e->wq);
	}
	spin_unlock_irqrestore(&e->wq.lock, flags);
	sched_preempt_check();
	return err ? err : (long)sizeof(v);
}

static unsigned efd_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	struct eventfd *e = f->priv;

	if (pt)
		pt->add(pt, &e->wq);
	unsigned long flags = spin_lock_irqsave(&e->wq.lock);
	uint64_t count = e->count;
	spin_unlock_irqrestore(&e->wq.lock, flags);
	unsigned ready = (count ? POLLIN : 0) | (count < EFD_MAX ? POLLOUT : 0);
	return ready & (events | POLLERR | POLLHUP);
}

static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
	.anon_name = "[eventfd]",
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.getattr = anon_file_getattr,
	.release = efd_release,
};

static long sys_eventfd2(unsigned initval, int flags)
{
	if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	struct eventfd *e = kzalloc(sizeof(*e));
	struct file *f = e ? file_new(&eventfd_fops, O_RDWR | (flags & EFD_NONBLOCK), e) : NULL;
	if (!f) {
		kfree(e);
		return -ENOMEM;
	}
	waitq_init(&e->wq);
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	int fd = fd_install(&this_proc()->fds, f, 0, flags & EFD_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}
SYSCALL(290, eventfd2, sys_eventfd2);

static long sys_eventfd(unsigned initval)
{
	return sys_eventfd2(initval, 0);
}
SYSCALL(284, eventfd, sys_eventfd);
