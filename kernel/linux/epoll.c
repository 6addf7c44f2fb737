/* epoll: epoll_create(1), epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2.
 *
 * An epoll keeps its entries in a tree by (file, fd), as Linux does. At
 * EPOLL_CTL_ADD an entry asks its file's poll op once, with a poll table
 * that hangs a callback waiter (sched/sync.h) on every wait queue the file
 * names; from then on each wake-up of those queues runs ep_wake(), which
 * puts the entry on the epoll's ready list and wakes a thread waiting in
 * epoll_wait. A wait looks only at the ready list: each entry on it is
 * asked again what is ready now (the wake-up may be stale); a level-
 * triggered one that is goes back on the list, so it is asked at the next
 * wait too; an edge-triggered one waits for its next wake-up; a ONESHOT
 * one is disarmed until EPOLL_CTL_MOD. So a wait costs what is ready,
 * not what is registered.
 *
 * An entry holds no reference on its file: it goes when the file's last
 * reference does (vfs_set_unwatch), when it is deleted, or with its epoll.
 *
 * Locks, in the order they are taken:
 *   ep_mutex     every epoll's set of entries and every file's watchers
 *                list: changes, the loop check's walk, removal at close;
 *   ep->lock     one epoll's entries and their settings; held while a
 *                wait or a poll of the epoll looks at them, so none is
 *                freed (nor its file released) meanwhile. A nested epoll
 *                takes the inner one's inside the outer one's: the loop
 *                check keeps the graph acyclic, so the order is fixed;
 *   file locks   whatever the files' poll ops take;
 *   watch_lock   whether a file's watchers list is empty, for file_rele;
 *   queue locks  the watched files' wait queues, then ep->wq.lock (the
 *                ready list, each entry's ready flag and events), then
 *                ep->poll_wq.lock (pollers of the epoll file itself),
 *                then those of the epolls watching this one. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define EPOLL_CTL_ADD	1
#define EPOLL_CTL_DEL	2
#define EPOLL_CTL_MOD	3

#define EPOLLIN		0x001
#define EPOLLOUT	0x004
#define EPOLLERR	0x008
#define EPOLLHUP	0x010
#define EPOLLRDNORM	0x040
#define EPOLLRDBAND	0x080
#define EPOLLWRNORM	0x100
#define EPOLLWRBAND	0x200
#define EPOLLEXCLUSIVE	(1U << 28)
#define EPOLLWAKEUP	(1U << 29)
#define EPOLLONESHOT	(1U << 30)
#define EPOLLET		(1U << 31)

/* Bits that say how to report, not what. */
#define EP_PRIVATE	(EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)
/* What an EPOLLEXCLUSIVE entry may ask for (Linux's rule). */
#define EP_EXCLUSIVE_OK	(EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | \
			 EPOLLWRBAND | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | \
			 EPOLLEXCLUSIVE)
/* Links in a chain of epolls watching epolls (Linux's EP_MAX_NESTS). */
#define EP_MAX_NESTS	4

/* struct epoll_event as x86-64 Linux lays it out: packed, 12 bytes. */
struct epoll_event_k {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

#define EP_MAX_EVENTS	(INT32_MAX / (int)sizeof(struct epoll_event_k))

struct epitem;

/* One wait queue an entry's file named. */
struct epwait {
	struct waiter w;
	struct epitem *item;
	struct epwait *next;		/* kmalloc'd ones after the first */
};

struct epitem {
	struct avl_node node;		/* in ep->items */
	struct list all_node;		/* in ep->all */
	struct list watch_node;		/* in file->watchers */
	struct list ready_node;		/* on ep->ready (or a scan's list) when ready */
	bool ready;
	struct epoll *ep;
	struct file *file;		/* not held */
	int fd;
	uint32_t events;		/* with EPOLLERR | EPOLLHUP; none: disarmed */
	uint64_t data;
	int nwaits;
	struct epwait first;
	struct epwait *more;
};

struct epoll {
	struct mutex lock;
	struct waitq wq;		/* its lock guards ready; threads in epoll_wait */
	struct waitq poll_wq;		/* poll() and epolls watching this one */
	struct list ready;
	struct avl_node *items;
	struct list all;
	struct file *file;
	/* The loop check's memo (under ep_mutex): longest chains of epolls
	 * below and above this one, valid while *_gen is the check's. */
	uint64_t down_gen, up_gen;
	int down, up;
};

static struct mutex ep_mutex = MUTEX_INIT(ep_mutex);
static spinlock_t watch_lock = SPINLOCK_INIT("epoll_watch");
static uint64_t loop_gen;		/* under ep_mutex */

static const struct file_ops epoll_fops;

static bool is_epoll(const struct file *f)
{
	return f->ops == &epoll_fops;
}

/* ---- the entry tree ---- */

struct item_key {
	const struct file *file;
	int fd;
};

static int key_cmp(const struct file *fa, int fda, const struct file *fb, int fdb)
{
	if (fa != fb)
		return (uintptr_t)fa < (uintptr_t)fb ? -1 : 1;
	return fda < fdb ? -1 : fda > fdb;
}

static int item_cmp(const struct avl_node *a, const struct avl_node *b)
{
	const struct epitem *x = (const void *)a, *y = (const void *)b;
	return key_cmp(x->file, x->fd, y->file, y->fd);
}

static int item_key_cmp(const struct avl_node *n, const void *key)
{
	const struct epitem *x = (const void *)n;
	const struct item_key *k = key;
	return key_cmp(x->file, x->fd, k->file, k->fd);
}

static struct epitem *item_find(struct epoll *ep, struct file *f, int fd)
{
	struct item_key k = { f, fd };
	struct epitem *it = (struct epitem *)avl_floor(ep->items, &k, item_key_cmp);
	return it && it->file == f && it->fd == fd ? it : NULL;
}

/* ---- readiness ---- */

/* What of it->events its file has now; pt registers its queues. */
static uint32_t item_poll(struct epitem *it, struct poll_table *pt)
{
	uint32_t want = it->events;
	/* The *NORM bits are POLLIN/POLLOUT to our files, as in poll.c. */
	unsigned ask = want | (want & EPOLLRDNORM ? EPOLLIN : 0) | (want & EPOLLWRNORM ? EPOLLOUT : 0);
	unsigned got = vfs_poll(it->file, ask & ~EP_PRIVATE, pt);
	got |= (got & EPOLLIN ? EPOLLRDNORM : 0) | (got & EPOLLOUT ? EPOLLWRNORM : 0);
	return got & want & ~EP_PRIVATE;
}

static bool armed(const struct epitem *it)
{
	return it->events & ~EP_PRIVATE;
}

/* Puts it on the ready list; ep->wq.lock held. */
static void make_ready(struct epoll *ep, struct epitem *it)
{
	if (!it->ready) {
		list_add_tail(&ep->ready, &it->ready_node);
		it->ready = true;
	}
}

/* Tells the pollers of the epoll file; interrupts off. */
static void wake_pollers(struct epoll *ep)
{
	spin_lock_raw(&ep->poll_wq.lock);
	waitq_wake_all_locked(&ep->poll_wq);
	spin_unlock_raw(&ep->poll_wq.lock);
}

/* A watched queue woke (its lock held, interrupts off). True when a
 * thread waiting in epoll_wait was woken: an EPOLLEXCLUSIVE entry then
 * counts as the one that took the wake-up, as on Linux. */
static bool ep_wake(struct waiter *w)
{
	struct epitem *it = container_of(w, struct epwait, w)->item;
	struct epoll *ep = it->ep;
	bool woke = false, on = false;

	spin_lock_raw(&ep->wq.lock);
	if (armed(it)) {
		on = true;
		make_ready(ep, it);
		woke = waitq_wake_one_locked(&ep->wq) > 0;
	}
	spin_unlock_raw(&ep->wq.lock);
	if (on)
		wake_pollers(ep);
	return woke;
}

/* From ADD and MOD: an entry found ready is queued and waiters woken. */
static void ready_now(struct epoll *ep, struct epitem *it)
{
	unsigned long flags = spin_lock_irqsave(&ep->wq.lock);
	make_ready(ep, it);
	waitq_wake_one_locked(&ep->wq);
	spin_unlock_raw(&ep->wq.lock);
	wake_pollers(ep);
	irq_restore(flags);
	sched_preempt_check();
}

/* The poll table of EPOLL_CTL_ADD: a callback waiter per queue. */
struct ep_table {
	struct poll_table pt;
	struct epitem *item;
	int err;
};

static void ep_table_add(struct poll_table *pt, struct waitq *wq)
{
	struct ep_table *t = container_of(pt, struct ep_table, pt);
	struct epitem *it = t->item;
	struct epwait *pw = &it->first;

	if (it->nwaits) {
		if (!(pw = kzalloc(sizeof(*pw)))) {
			t->err = -ENOMEM;
			return;
		}
		pw->next = it->more;
		it->more = pw;
	}
	pw->item = it;
	it->nwaits++;
	waitq_add_callback(wq, &pw->w, ep_wake, it->events & EPOLLEXCLUSIVE);
}

/* Moves every entry of from to the front of to. */
static void list_splice_head(struct list *from, struct list *to)
{
	if (list_empty(from))
		return;
	struct list *first = from->next, *last = from->prev;
	last->next = to->next;
	to->next->prev = last;
	to->next = first;
	first->prev = to;
	list_init(from);
}

/* Looks at the ready entries in order (ep->lock held). With uout (the
 * program's array), each one that is ready is copied out there, up to max,
 * and stays ready if level-triggered; without, the first ready one ends the
 * look and stays at the front (the epoll's own poll). An entry that is not
 * ready leaves the list: a wake-up of its file brings it back. An entry
 * leaves the list before its file is asked, so a wake-up meanwhile is never
 * lost. Returns how many were reported; a copy that faults ends the look
 * with its entry ready again and armed as before (Linux's rule), and the
 * count so far, or -EFAULT if none. */
static int ep_scan(struct epoll *ep, struct epoll_event_k *uout, int max)
{
	struct list todo;
	int n = 0;

	list_init(&todo);
	unsigned long flags = spin_lock_irqsave(&ep->wq.lock);
	list_splice_head(&ep->ready, &todo);
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	while (n < max) {
		flags = spin_lock_irqsave(&ep->wq.lock);
		struct list *l = list_pop(&todo);
		struct epitem *it = l ? container_of(l, struct epitem, ready_node) : NULL;
		if (it)
			it->ready = false;
		spin_unlock_irqrestore(&ep->wq.lock, flags);
		if (!it)
			break;
		uint32_t want = it->events;
		uint32_t got = armed(it) ? item_poll(it, NULL) : 0;
		if (!got)
			continue;
		n++;
		flags = spin_lock_irqsave(&ep->wq.lock);
		if (!uout) {
			if (!it->ready) {
				list_add_head(&todo, &it->ready_node);
				it->ready = true;
			}
			spin_unlock_irqrestore(&ep->wq.lock, flags);
			break;
		}
		if (want & EPOLLONESHOT)
			it->events &= EP_PRIVATE;
		else if (!(want & EPOLLET))
			make_ready(ep, it);
		spin_unlock_irqrestore(&ep->wq.lock, flags);
		/* No spinlock held: the copy may fault and sleep. */
		struct epoll_event_k ev = { .events = got, .data = it->data };
		if (copy_to_user(&uout[n - 1], &ev, sizeof(ev))) {
			flags = spin_lock_irqsave(&ep->wq.lock);
			it->events = want;
			make_ready(ep, it);
			spin_unlock_irqrestore(&ep->wq.lock, flags);
			n = n > 1 ? n - 1 : -EFAULT;
			break;
		}
	}
	flags = spin_lock_irqsave(&ep->wq.lock);
	list_splice_head(&todo, &ep->ready);
	/* What is left is for another waiter (Linux passes it on too). */
	if (uout && !list_empty(&ep->ready))
		waitq_wake_one_locked(&ep->wq);
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	return n;
}

/* ---- entries ---- */

static void item_free(struct epitem *it)
{
	while (it->more) {
		struct epwait *pw = it->more;
		it->more = pw->next;
		kfree(pw);
	}
	kfree(it);
}

/* Takes it off its file's queues, the ready list, the tree and the
 * file's watchers, and frees it; ep_mutex and ep->lock held. */
static void item_remove(struct epoll *ep, struct epitem *it)
{
	if (it->nwaits)
		waitq_remove(&it->first.w);
	for (struct epwait *pw = it->more; pw; pw = pw->next)
		waitq_remove(&pw->w);
	unsigned long flags = spin_lock_irqsave(&ep->wq.lock);
	if (it->ready)
		list_del(&it->ready_node);
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	avl_remove(&ep->items, &it->node, item_cmp);
	list_del(&it->all_node);
	/* The last touch of the file: file_rele may free it once its
	 * watchers list is seen empty. */
	flags = spin_lock_irqsave(&watch_lock);
	list_del(&it->watch_node);
	spin_unlock_irqrestore(&watch_lock, flags);
	item_free(it);
}

static int item_insert(struct epoll *ep, struct file *f, int fd, const struct epoll_event_k *ev)
{
	struct epitem *it = kzalloc(sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = f;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data;
	avl_insert(&ep->items, &it->node, item_cmp);
	list_add_tail(&ep->all, &it->all_node);
	unsigned long flags = spin_lock_irqsave(&watch_lock);
	list_add_tail(&f->watchers, &it->watch_node);
	spin_unlock_irqrestore(&watch_lock, flags);
	struct ep_table t = { .pt.add = ep_table_add, .item = it };
	uint32_t got = item_poll(it, &t.pt);
	if (t.err) {
		item_remove(ep, it);
		return t.err;
	}
	if (got)
		ready_now(ep, it);
	return 0;
}

static int item_modify(struct epoll *ep, struct epitem *it, const struct epoll_event_k *ev)
{
	unsigned long flags = spin_lock_irqsave(&ep->wq.lock);
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data;
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	if (item_poll(it, NULL))
		ready_now(ep, it);
	return 0;
}

/* The vfs_set_unwatch hook: f's last reference went; its entries go. */
static void unwatch(struct file *f)
{
	unsigned long flags = spin_lock_irqsave(&watch_lock);
	bool none = list_empty(&f->watchers);
	spin_unlock_irqrestore(&watch_lock, flags);
	if (none)
		return;
	mutex_lock(&ep_mutex);
	while (!list_empty(&f->watchers)) {
		struct epitem *it = container_of(f->watchers.next, struct epitem, watch_node);
		struct epoll *ep = it->ep;
		mutex_lock(&ep->lock);
		item_remove(ep, it);
		mutex_unlock(&ep->lock);
	}
	mutex_unlock(&ep_mutex);
}

/* ---- loops: Linux refuses a cycle of epolls, and chains of more than
 * EP_MAX_NESTS links, with ELOOP (under ep_mutex) ---- */

/* Longest chain of epolls below ep (links); -1 if it reaches target. */
static int depth_down(struct epoll *ep, struct epoll *target)
{
	if (ep == target)
		return -1;
	if (ep->down_gen == loop_gen)
		return ep->down;
	int depth = 0;
	struct list *pos;
	list_for_each(pos, &ep->all) {
		struct epitem *it = container_of(pos, struct epitem, all_node);
		if (!is_epoll(it->file))
			continue;
		int d = depth_down(it->file->priv, target);
		if (d < 0)
			return -1;
		if (d + 1 > depth)
			depth = d + 1;
	}
	ep->down_gen = loop_gen;
	ep->down = depth;
	return depth;
}

/* Longest chain of epolls above ep (links). */
static int depth_up(struct epoll *ep)
{
	if (ep->up_gen == loop_gen)
		return ep->up;
	int depth = 0;
	struct list *pos;
	list_for_each(pos, &ep->file->watchers) {
		struct epitem *it = container_of(pos, struct epitem, watch_node);
		int d = depth_up(it->ep) + 1;
		if (d > depth)
			depth = d;
	}
	ep->up_gen = loop_gen;
	ep->up = depth;
	return depth;
}

/* May ep watch the epoll inner? */
static int loop_check(struct epoll *ep, struct epoll *inner)
{
	loop_gen++;
	int down = depth_down(inner, ep);
	if (down < 0 || depth_up(ep) + 1 + down > EP_MAX_NESTS)
		return -ELOOP;
	return 0;
}

/* ---- the epoll file ---- */

static unsigned epoll_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	struct epoll *ep = f->priv;

	if (pt)
		pt->add(pt, &ep->poll_wq);
	mutex_lock(&ep->lock);
	int n = ep_scan(ep, NULL, 1);
	mutex_unlock(&ep->lock);
	return n ? events & POLLIN : 0;
}

/* The last reference: every entry goes (the epolls watching this one
 * have dropped theirs already, through unwatch). */
static void epoll_release(struct file *f)
{
	struct epoll *ep = f->priv;

	mutex_lock(&ep_mutex);
	mutex_lock(&ep->lock);
	while (!list_empty(&ep->all))
		item_remove(ep, container_of(ep->all.next, struct epitem, all_node));
	mutex_unlock(&ep->lock);
	mutex_unlock(&ep_mutex);
	kfree(ep);
}

static const struct file_ops epoll_fops = {
	.anon_name = "[eventpoll]",
	.poll = epoll_poll,
	.getattr = anon_file_getattr,
	.release = epoll_release,
};

/* ---- system calls ---- */

static long sys_epoll_create1(int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	struct epoll *ep = kzalloc(sizeof(*ep));
	struct file *f = ep ? file_new(&epoll_fops, O_RDWR, ep) : NULL;
	if (!f) {
		kfree(ep);
		return -ENOMEM;
	}
	mutex_init(&ep->lock);
	waitq_init(&ep->wq);
	waitq_init(&ep->poll_wq);
	list_init(&ep->ready);
	list_init(&ep->all);
	ep->file = f;
	vfs_set_unwatch(unwatch);
	int fd = fd_install(&this_proc()->fds, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}
SYSCALL(291, epoll_create1, sys_epoll_create1);

/* The size is a hint Linux ignores but for being positive. */
static long sys_epoll_create(int size)
{
	return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}
SYSCALL(213, epoll_create, sys_epoll_create);

/* Linux's checks, in its order, before any entry is looked up. */
static int ctl_check(struct file *ef, int op, struct file *tf, const struct epoll_event_k *ev)
{
	if (!tf->ops->poll)
		return -EPERM;		/* regular files, directories, /dev/null ... */
	if (ef == tf || !is_epoll(ef))
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD && (is_epoll(tf) || (ev->events & ~EP_EXCLUSIVE_OK)))
			return -EINVAL;
	}
	return 0;
}

static int ctl(struct file *ef, int op, int fd, struct file *tf, const struct epoll_event_k *ev)
{
	struct epoll *ep = ef->priv;
	int err = ctl_check(ef, op, tf, ev);

	if (err)
		return err;
	mutex_lock(&ep_mutex);
	if (op == EPOLL_CTL_ADD && is_epoll(tf))
		err = loop_check(ep, tf->priv);
	if (!err) {
		mutex_lock(&ep->lock);
		struct epitem *it = item_find(ep, tf, fd);
		switch (op) {
		case EPOLL_CTL_ADD:
			err = it ? -EEXIST : item_insert(ep, tf, fd, ev);
			break;
		case EPOLL_CTL_MOD:
			err = !it ? -ENOENT : (it->events & EPOLLEXCLUSIVE) ? -EINVAL :
			    item_modify(ep, it, ev);
			break;
		case EPOLL_CTL_DEL:
			if (it)
				item_remove(ep, it);
			err = it ? 0 : -ENOENT;
			break;
		default:
			err = -EINVAL;
		}
		mutex_unlock(&ep->lock);
	}
	mutex_unlock(&ep_mutex);
	return err;
}

/* O_PATH descriptors are not files to epoll (Linux: EBADF). */
static int fget_io(int fd, struct file **out)
{
	int err = fget(fd, out);
	if (!err && !(*out)->ops) {
		file_rele(*out);
		err = -EBADF;
	}
	return err;
}

static long sys_epoll_ctl(int epfd, int op, int fd, const struct epoll_event_k *uev)
{
	struct epoll_event_k ev = { 0 };
	struct file *ef, *tf;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	int err = fget_io(epfd, &ef);
	if (err)
		return err;
	if (!(err = fget_io(fd, &tf))) {
		/* Both references are dropped with no epoll lock held: the
		 * last one would take ep_mutex (unwatch). */
		err = ctl(ef, op, fd, tf, &ev);
		file_rele(tf);
	}
	file_rele(ef);
	return err;
}
SYSCALL(233, epoll_ctl, sys_epoll_ctl);

/* Waits until an entry is ready, the timeout (ns; < 0: none) passes or a
 * signal comes (EINTR, unless something was ready by then). */
static long ep_wait(int epfd, struct epoll_event_k *uev, int max, int64_t timeout_ns)
{
	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	/* Early EFAULT, and the pages brought in before ep->lock is taken;
	 * ep_scan's copies still decide. */
	if (!user_ok(uev, (size_t)max * sizeof(*uev), true))
		return -EFAULT;
	struct file *f;
	int err = fget_io(epfd, &f);
	if (err)
		return err;
	if (!is_epoll(f)) {
		file_rele(f);
		return -EINVAL;
	}
	struct epoll *ep = f->priv;
	uint64_t deadline = timeout_ns > 0 ? clock_ns() + (uint64_t)timeout_ns : 0;
	long n;
	for (;;) {
		mutex_lock(&ep->lock);
		n = ep_scan(ep, uev, max);
		mutex_unlock(&ep->lock);
		if (n || !timeout_ns)
			break;
		unsigned long flags = spin_lock_irqsave(&ep->wq.lock);
		if (list_empty(&ep->ready))
			err = waitq_wait_intr_locked(&ep->wq, &flags, deadline);
		spin_unlock_irqrestore(&ep->wq.lock, flags);
		if (err) {
			mutex_lock(&ep->lock);
			n = ep_scan(ep, uev, max);
			mutex_unlock(&ep->lock);
			if (!n && err == -EINTR)
				n = -EINTR;
			break;
		}
	}
	file_rele(f);
	return n;
}

static long sys_epoll_wait(int epfd, struct epoll_event_k *uev, int max, int timeout_ms)
{
	return ep_wait(epfd, uev, max, timeout_ms < 0 ? -1 : timeout_ms * 1000000LL);
}
SYSCALL(232, epoll_wait, sys_epoll_wait);

/* The mask is the thread's for the call, as ppoll's (signal.h). */
static long pwait_common(int epfd, struct epoll_event_k *uev, int max, int64_t timeout_ns,
    const uint64_t *sigmask, size_t sigsetsize)
{
	int err = signal_temp_mask(sigmask, sigsetsize);
	if (err)
		return err;
	long n = ep_wait(epfd, uev, max, timeout_ns);
	signal_temp_mask_done(n);
	return n;
}

static long sys_epoll_pwait(int epfd, struct epoll_event_k *uev, int max, int timeout_ms,
    const uint64_t *sigmask, size_t sigsetsize)
{
	return pwait_common(epfd, uev, max, timeout_ms < 0 ? -1 : timeout_ms * 1000000LL,
	    sigmask, sigsetsize);
}
SYSCALL(281, epoll_pwait, sys_epoll_pwait);

struct timespec_ep {
	int64_t sec, nsec;
};

static long sys_epoll_pwait2(int epfd, struct epoll_event_k *uev, int max,
    const struct timespec_ep *uts, const uint64_t *sigmask, size_t sigsetsize)
{
	int64_t timeout = -1;

	if (uts) {
		struct timespec_ep ts;
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		timeout = ts.sec >= INT64_MAX / 1000000000 - 1 ? INT64_MAX :
		    ts.sec * 1000000000 + ts.nsec;
	}
	return pwait_common(epfd, uev, max, timeout, sigmask, sigsetsize);
}
SYSCALL(441, epoll_pwait2, sys_epoll_pwait2);
