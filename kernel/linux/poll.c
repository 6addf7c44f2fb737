/* poll, ppoll, select and pselect6 over any files.
 *
 * Each pass asks every file's poll op what is ready. When nothing is and
 * the caller may wait, a pass registers the thread on every wait queue the
 * files name (one struct waiter per distinct queue, all pointing at this
 * thread), a second pass without registering catches a change that fell
 * between a file's look and its registration, and the thread blocks until
 * any of those queues wakes it or the deadline passes; then it unregisters
 * and looks again.
 *
 * Blocking on many queues holds none of their locks (one of them may be
 * an epoll's, whose wake-ups take another queue's lock first): the thread
 * marks itself blocked under sched_lock, then checks that no waiter has
 * been woken yet. A waker sets `woken` before thread_wake(), which takes
 * sched_lock, so its wake is either seen here or finds the thread blocked.
 * The sleep is interruptible: a signal ends the call with EINTR. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define POLLRDNORM	0x040
#define POLLWRNORM	0x100
#define NSEC		1000000000LL

/* ---- waiting on many queues ---- */

struct poll_entry {
	struct waiter w;
	bool heap;			/* kmalloc'd, not poll_wait.inl */
};

#define PW_INLINE	8

struct poll_wait {
	struct poll_table pt;
	struct thread *self;
	struct poll_entry **ents;	/* sorted by queue address: lock order */
	int n, cap;
	int err;			/* -ENOMEM while registering */
	struct poll_entry *inl_ents[PW_INLINE];
	struct poll_entry inl[PW_INLINE];
};

static int pw_grow(struct poll_wait *pw)
{
	int cap = pw->cap * 2;
	struct poll_entry **ents = kmalloc((size_t)cap * sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	memcpy(ents, pw->ents, (size_t)pw->n * sizeof(*ents));
	if (pw->ents != pw->inl_ents)
		kfree(pw->ents);
	pw->ents = ents;
	pw->cap = cap;
	return 0;
}

/* poll_table.add: queue a waiter on wq unless one is there already. */
static void pw_add(struct poll_table *pt, struct waitq *wq)
{
	struct poll_wait *pw = container_of(pt, struct poll_wait, pt);
	int lo = 0, hi = pw->n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if ((uintptr_t)pw->ents[mid]->w.wq < (uintptr_t)wq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pw->n && pw->ents[lo]->w.wq == wq)
		return;
	struct poll_entry *e = NULL;
	if (pw->n < pw->cap || !pw_grow(pw))
		e = pw->n < PW_INLINE ? &pw->inl[pw->n] : kmalloc(sizeof(*e));
	if (!e) {
		pw->err = -ENOMEM;
		return;
	}
	e->heap = pw->n >= PW_INLINE;
	e->w = (struct waiter){ .thread = pw->self, .wq = wq };
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	list_add_tail(&wq->waiters, &e->w.node);
	spin_unlock_irqrestore(&wq->lock, flags);
	memmove(&pw->ents[lo + 1], &pw->ents[lo], (size_t)(pw->n - lo) * sizeof(*pw->ents));
	pw->ents[lo] = e;
	pw->n++;
}

static void pw_init(struct poll_wait *pw)
{
	pw->pt.add = pw_add;
	pw->self = thread_current();
	pw->ents = pw->inl_ents;
	pw->n = 0;
	pw->cap = PW_INLINE;
	pw->err = 0;
}

/* Blocks until a registered queue wakes the thread or the deadline (0:
 * none) passes; returns at once if a wake came already. -EINTR when a
 * signal interrupted it. */
static int pw_block(struct poll_wait *pw, uint64_t deadline)
{
	if (deadline && deadline <= clock_ns())
		return 0;
	unsigned long sflags = sched_block_prepare_intr();
	for (int i = 0; i < pw->n; i++)
		if (__atomic_load_n(&pw->ents[i]->w.woken, __ATOMIC_ACQUIRE)) {
			sched_block_cancel(sflags);
			return 0;
		}
	if (deadline)
		thread_arm_wait_timer(pw->self, deadline);
	int err = sched_block(sflags);
	if (deadline)
		timer_cancel_sync(&pw->self->timer);
	return err;
}

/* Takes every waiter off its queue (a woken one was taken off already:
 * list_del of a lone node does nothing). */
static void pw_unregister(struct poll_wait *pw)
{
	for (int i = 0; i < pw->n; i++) {
		struct poll_entry *e = pw->ents[i];
		unsigned long flags = spin_lock_irqsave(&e->w.wq->lock);
		list_del(&e->w.node);
		spin_unlock_irqrestore(&e->w.wq->lock, flags);
		if (e->heap)
			kfree(e);
	}
	pw->n = 0;
}

static void pw_done(struct poll_wait *pw)
{
	pw_unregister(pw);
	if (pw->ents != pw->inl_ents)
		kfree(pw->ents);
}

/* ---- the poll loop ---- */

/* One look at every file; returns how many have revents. */
static long scan(struct pollfd *fds, struct file **files, unsigned nfds, struct poll_table *pt)
{
	long ready = 0;

	for (unsigned i = 0; i < nfds; i++) {
		unsigned want = (uint16_t)fds[i].events | POLLERR | POLLHUP, got = 0;
		if (fds[i].fd < 0) {
			want = 0;
		} else if (!files[i]) {
			got = POLLNVAL;
			want |= POLLNVAL;
		} else {
			/* The *NORM bits are POLLIN/POLLOUT to our files. */
			unsigned ask = want | (want & POLLRDNORM ? POLLIN : 0) |
				       (want & POLLWRNORM ? POLLOUT : 0);
			got = vfs_poll(files[i], ask, pt);
			got |= (got & POLLIN ? POLLRDNORM : 0) | (got & POLLOUT ? POLLWRNORM : 0);
		}
		fds[i].revents = (short)(got & want);
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

long poll_files(struct pollfd *fds, unsigned nfds, int64_t timeout_ns)
{
	struct file *small[16], **files = small;
	if (nfds > 16 && !(files = kmalloc(nfds * sizeof(*files))))
		return -ENOMEM;
	/* Held for the whole call, so a concurrent close cannot free a file
	 * (and its wait queues) this thread is registered on. */
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i].fd < 0 || fget(fds[i].fd, &files[i]))
			files[i] = NULL;
	uint64_t deadline = timeout_ns > 0 ? clock_ns() + (uint64_t)timeout_ns : 0;
	struct poll_wait pw;
	pw_init(&pw);
	long n;
	for (;;) {
		bool wait = timeout_ns != 0 && (!deadline || clock_ns() < deadline);
		n = scan(fds, files, nfds, wait ? &pw.pt : NULL);
		if (n || !wait)
			break;
		if (pw.err) {
			n = pw.err;
			break;
		}
		if ((n = scan(fds, files, nfds, NULL)))
			break;
		int intr = pw_block(&pw, deadline);
		pw_unregister(&pw);
		if (intr) {
			n = scan(fds, files, nfds, NULL);
			if (!n)
				n = intr;
			break;
		}
	}
	pw_done(&pw);
	for (unsigned i = 0; i < nfds; i++)
		if (files[i])
			file_rele(files[i]);
	if (files != small)
		kfree(files);
	return n;
}

/* ---- timeouts ---- */

struct linux_timespec {
	int64_t sec, nsec;
};

struct linux_timeval {
	int64_t sec, usec;
};

/* A timeout from the program: < 0 forever (NULL), else nanoseconds
 * (saturated). -EFAULT / -EINVAL for a bad one. */
static int64_t timeout_from(const void *ut, bool timeval)
{
	if (!ut)
		return -1;
	int64_t t[2];
	if (copy_from_user(t, ut, sizeof(t)))
		return -EFAULT;
	int64_t sec = t[0], frac = t[1], unit = timeval ? 1000 : 1;
	if (sec < 0 || frac < 0 || frac >= NSEC / unit)
		return -EINVAL;
	if (sec > INT64_MAX / NSEC - 1)
		return INT64_MAX;
	return sec * NSEC + frac * unit;
}

/* Linux writes back what is left of the timeout; a timeout it cannot
 * write (read-only, unmapped meanwhile) is left alone and the call's result
 * stands, as Linux does. */
static void timeout_left(void *ut, bool timeval, int64_t timeout_ns, uint64_t start)
{
	if (!ut || timeout_ns < 0)
		return;
	uint64_t spent = clock_ns() - start;
	int64_t left = (uint64_t)timeout_ns > spent ? timeout_ns - (int64_t)spent : 0;
	int64_t t[2] = { left / NSEC, timeval ? left % NSEC / 1000 : left % NSEC };
	(void)copy_to_user(ut, t, sizeof(t));
}

/* ---- poll ---- */

static long do_poll(struct pollfd *ufds, unsigned nfds, int64_t timeout_ns)
{
	if (nfds > (unsigned)this_proc()->fds.limit)
		return -EINVAL;
	struct pollfd small[16], *fds = small;
	if (nfds > 16 && !(fds = kmalloc(nfds * sizeof(*fds))))
		return -ENOMEM;
	long n = copy_from_user(fds, ufds, nfds * sizeof(*fds));
	if (!n)
		n = poll_files(fds, nfds, timeout_ns);
	/* Only revents goes back: the program may change fd and events
	 * meanwhile. A write that faults makes the call's result EFAULT. */
	for (unsigned i = 0; n >= 0 && i < nfds; i++)
		if (put_user(fds[i].revents, &ufds[i].revents))
			n = -EFAULT;
	if (fds != small)
		kfree(fds);
	return n;
}

static long sys_poll(struct pollfd *ufds, unsigned nfds, int timeout_ms)
{
	return do_poll(ufds, nfds, timeout_ms < 0 ? -1 : timeout_ms * 1000000LL);
}
SYSCALL(7, poll, sys_poll);

/* The mask is the thread's for the duration of the call (signal.h). */
static long sys_ppoll(struct pollfd *ufds, unsigned nfds, struct linux_timespec *ts,
		      const uint64_t *sigmask, size_t sigsetsize)
{
	int64_t timeout = timeout_from(ts, false);
	if (ts && timeout < 0)
		return timeout;
	int err = signal_temp_mask(sigmask, sigsetsize);
	if (err)
		return err;
	uint64_t start = clock_ns();
	long n = do_poll(ufds, nfds, timeout);
	timeout_left(ts, false, timeout, start);
	signal_temp_mask_done(n);
	return n;
}
SYSCALL(271, ppoll, sys_ppoll);

/* ---- select ---- */

#define BITS	(8 * sizeof(unsigned long))

static bool bit_test(const unsigned long *set, int fd)
{
	return (set[fd / BITS] >> (fd % BITS)) & 1;
}

static void bit_set(unsigned long *set, int fd)
{
	set[fd / BITS] |= 1UL << (fd % BITS);
}

/* The fds named in any set (copied in: sets[], NULL for a set not given)
 * become a pollfd array; the answers go back into the sets as Linux's
 * select sees them (POLLHUP and POLLERR make a read ready, POLLERR a write
 * too). A closed fd: -EBADF. */
static long select_files(int nfds, unsigned long *sets[3], size_t bytes, int64_t timeout_ns)
{
	static const unsigned ev[3] = { POLLIN, POLLOUT, POLLPRI };
	static const unsigned ready[3] = { POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI };

	unsigned count = 0;
	for (int fd = 0; fd < nfds; fd++)
		for (int s = 0; s < 3; s++)
			if (sets[s] && bit_test(sets[s], fd)) {
				count++;
				break;
			}
	struct pollfd *fds = count ? kmalloc(count * sizeof(*fds)) : NULL;
	if (count && !fds)
		return -ENOMEM;
	unsigned i = 0;
	for (int fd = 0; fd < nfds; fd++) {
		unsigned events = 0;
		for (int s = 0; s < 3; s++)
			events |= sets[s] && bit_test(sets[s], fd) ? ev[s] : 0;
		if (events)
			fds[i++] = (struct pollfd){ .fd = fd, .events = (short)events };
	}
	long n = poll_files(fds, count, timeout_ns);
	for (i = 0; n >= 0 && i < count; i++)
		if (fds[i].revents & POLLNVAL)
			n = -EBADF;
	if (n >= 0) {
		n = 0;
		for (int s = 0; s < 3; s++)
			if (sets[s])
				memset(sets[s], 0, bytes);
		for (i = 0; i < count; i++) {
			for (int s = 0; s < 3; s++) {
				if ((fds[i].events & ev[s]) && (fds[i].revents & ready[s])) {
					bit_set(sets[s], fds[i].fd);
					n++;
				}
			}
		}
	}
	kfree(fds);
	return n;
}

/* The program's sets are read once into kernel copies and written back
 * after the wait; a set that cannot be read or written: -EFAULT. */
static long do_select(int nfds, unsigned long *usets[3], int64_t timeout_ns)
{
	if (nfds < 0)
		return -EINVAL;
	if (nfds > this_proc()->fds.limit)
		nfds = this_proc()->fds.limit;
	size_t bytes = (nfds + BITS - 1) / BITS * sizeof(unsigned long);
	unsigned long small[3][1024 / BITS], *buf = small[0];
	if (bytes > sizeof(small[0]) && !(buf = kmalloc(3 * bytes)))
		return -ENOMEM;
	size_t words = bytes / sizeof(unsigned long);
	unsigned long *sets[3];
	long n = 0;
	for (int s = 0; s < 3; s++) {
		sets[s] = usets[s] ? buf + s * words : NULL;
		if (sets[s] && !n)
			n = copy_from_user(sets[s], usets[s], bytes);
	}
	if (!n)
		n = select_files(nfds, sets, bytes, timeout_ns);
	for (int s = 0; n >= 0 && s < 3; s++)
		if (sets[s] && copy_to_user(usets[s], sets[s], bytes))
			n = -EFAULT;
	if (buf != small[0])
		kfree(buf);
	return n;
}

/* select and pselect6 differ only in the unit of their timeout (which
 * they both write back with the time left, as Linux does). */
static long select_common(int nfds, unsigned long *rd, unsigned long *wr, unsigned long *ex,
			  void *ut, bool timeval)
{
	int64_t timeout = timeout_from(ut, timeval);
	if (ut && timeout < 0)
		return timeout;
	unsigned long *sets[3] = { rd, wr, ex };
	uint64_t start = clock_ns();
	long n = do_select(nfds, sets, timeout);
	timeout_left(ut, timeval, timeout, start);
	return n;
}

static long sys_select(int nfds, unsigned long *rd, unsigned long *wr, unsigned long *ex,
		       struct linux_timeval *tv)
{
	return select_common(nfds, rd, wr, ex, tv, true);
}
SYSCALL(23, select, sys_select);

/* The sixth argument points at { sigset pointer, size }: the mask for the
 * duration of the call, as ppoll's. */
static long sys_pselect6(int nfds, unsigned long *rd, unsigned long *wr, unsigned long *ex,
			 struct linux_timespec *ts, const uint64_t *sig)
{
	const uint64_t *mask = NULL;
	size_t size = 0;
	if (sig) {
		uint64_t arg[2];
		if (copy_from_user(arg, sig, sizeof(arg)))
			return -EFAULT;
		mask = (const uint64_t *)arg[0];
		size = arg[1];
	}
	int err = signal_temp_mask(mask, size);
	if (err)
		return err;
	long n = select_common(nfds, rd, wr, ex, ts, false);
	signal_temp_mask_done(n);
	return n;
}
SYSCALL(270, pselect6, sys_pselect6);
