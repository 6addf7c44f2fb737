/* timerfd_create, timerfd_settime, timerfd_gettime: a timer whose
 * expiries are read from a file as a count.
 *
 * Each timer file owns a kernel timer (sched/timer.c). Its expiry, from
 * the timer interrupt, counts one tick and wakes the file's wait queue
 * (readers and pollers); a periodic timer is not re-armed there but when
 * the count is next looked at (read, gettime), which adds the periods
 * that passed meanwhile, as Linux does: a timer nobody reads costs no
 * interrupts. The queue's lock guards the state.
 *
 * Deadlines are clock_ns() values (MONOTONIC and BOOTTIME are that
 * clock). An absolute CLOCK_REALTIME timer follows the wall clock:
 * clock_settime moves it (timerfd_clock_was_set), or, set with
 * TFD_TIMER_CANCEL_ON_SET, cancels it: its read then fails with ECANCELED
 * until it is set again. Relative REALTIME timers do not move, as POSIX
 * and Linux say. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "dev/console.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>

#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_BOOTTIME		7
#define CLOCK_REALTIME_ALARM	8
#define CLOCK_BOOTTIME_ALARM	9

#define TFD_TIMER_ABSTIME	1
#define TFD_TIMER_CANCEL_ON_SET	2
#define TFD_CLOEXEC		O_CLOEXEC
#define TFD_NONBLOCK		O_NONBLOCK

#define NSEC			1000000000LL
/* Times past 2^62 ns (146 years) are taken as that: never, in practice. */
#define NS_MAX			(1LL << 62)

struct timerfd {
	struct waitq wq;		/* its lock guards what follows */
	struct timer timer;
	bool realtime;			/* CLOCK_REALTIME(_ALARM) */
	bool armed;
	bool expired;			/* fired; a periodic one not re-armed yet */
	int64_t deadline;		/* clock_ns() of the next expiry, if armed */
	int64_t interval;		/* 0: one-shot */
	uint64_t ticks;			/* expiries not read yet */
	/* Absolute REALTIME timers, on wall_timers: */
	bool wall, cancel_on_set, canceled;
	int64_t wall_offset;		/* realtime - clock_ns() when armed */
	struct list wall_node;
};

/* The absolute REALTIME timers, which clock_settime moves or cancels.
 * wall_lock is taken before a timer's own lock. */
static struct list wall_timers = LIST_INIT(wall_timers);
static spinlock_t wall_lock = SPINLOCK_INIT("timerfd_wall");

static const struct file_ops timerfd_fops;

static int64_t now_ns(void)
{
	return (int64_t)clock_ns();
}

static int64_t wall_offset(void)
{
	return (int64_t)clock_realtime_ns() - now_ns();
}

/* From the timer interrupt (interrupts off). */
static void timerfd_fire(void *arg)
{
	struct timerfd *t = arg;

	spin_lock_raw(&t->wq.lock);
	/* A firing left over from an earlier setting changes nothing. */
	if (t->armed && !t->expired && t->deadline <= now_ns()) {
		t->ticks++;
		if (t->interval)
			t->expired = true;
		else
			t->armed = false;
		waitq_wake_all_locked(&t->wq);
	}
	spin_unlock_raw(&t->wq.lock);
}

static void arm(struct timerfd *t)
{
	timer_arm(&t->timer, t->deadline > 0 ? (uint64_t)t->deadline : 1, timerfd_fire, t);
}

/* A periodic timer that fired: counts the periods that passed since and
 * arms the next one past now (lock held). */
static void catch_up(struct timerfd *t)
{
	if (!t->expired)
		return;
	int64_t now = now_ns();
	int64_t missed = now > t->deadline ? (now - t->deadline) / t->interval : 0;
	t->ticks += (uint64_t)missed;
	t->deadline += (missed + 1) * t->interval;
	t->expired = false;
	arm(t);
}

struct itimerspec_k {
	int64_t interval_sec, interval_nsec;
	int64_t value_sec, value_nsec;
};

static void split(int64_t ns, int64_t *sec, int64_t *nsec)
{
	*sec = ns / NSEC;
	*nsec = ns % NSEC;
}

/* The setting as timerfd_gettime shows it (lock held). */
static struct itimerspec_k state_of(struct timerfd *t)
{
	struct itimerspec_k s;
	catch_up(t);
	int64_t left = t->armed && t->deadline > now_ns() ? t->deadline - now_ns() : 0;
	split(t->interval, &s.interval_sec, &s.interval_nsec);
	split(left, &s.value_sec, &s.value_nsec);
	return s;
}

static long tfd_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct timerfd *t = f->priv;
	uint64_t ticks = 0;
	long err = 0;

	if (len < sizeof(ticks))
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);
	for (;;) {
		if (t->canceled) {
			t->ticks = 0;
			t->expired = false;
			err = -ECANCELED;
			break;
		}
		if (t->ticks) {
			catch_up(t);
			ticks = t->ticks;
			t->ticks = 0;
			break;
		}
		if (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		if (waitq_wait_intr_locked(&t->wq, &flags, 0) == -EINTR) {
			err = -EINTR;
			break;
		}
	}
	spin_unlock_irqrestore(&t->wq.lock, flags);
	if (err)
		return err;
	/* The program's buffer (checked by read(2)) or a kernel one; the
	 * ticks are taken even if the copy faults, as on Linux. */
	return uaccess_copy(buf, &ticks, sizeof(ticks)) ? -EFAULT : (long)sizeof(ticks);
}

static unsigned tfd_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	struct timerfd *t = f->priv;

	if (pt)
		pt->add(pt, &t->wq);
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);
	bool ready = t->ticks > 0;
	spin_unlock_irqrestore(&t->wq.lock, flags);
	return ready ? events & POLLIN : 0;
}

/* A timerfd_fire running on another CPU is waited for before t goes. */
static void tfd_release(struct file *f)
{
	struct timerfd *t = f->priv;
	unsigned long flags = spin_lock_irqsave(&wall_lock);

	spin_lock_raw(&t->wq.lock);
	timer_cancel(&t->timer);
	if (t->wall)
		list_del(&t->wall_node);
	spin_unlock_raw(&t->wq.lock);
	spin_unlock_irqrestore(&wall_lock, flags);
	timer_cancel_sync(&t->timer);
	kfree(t);
}

static const struct file_ops timerfd_fops = {
	.anon_name = "[timerfd]",
	.read = tfd_read,
	.poll = tfd_poll,
	.getattr = anon_file_getattr,
	.release = tfd_release,
};

/* clock_settime changed the wall clock: absolute REALTIME timers move
 * with it, or are cancelled (TFD_TIMER_CANCEL_ON_SET). */
void timerfd_clock_was_set(void)
{
	unsigned long flags = spin_lock_irqsave(&wall_lock);
	int64_t offset = wall_offset();
	struct list *pos;

	list_for_each(pos, &wall_timers) {
		struct timerfd *t = container_of(pos, struct timerfd, wall_node);
		spin_lock_raw(&t->wq.lock);
		int64_t moved = offset - t->wall_offset;
		t->wall_offset = offset;
		if (t->cancel_on_set && moved && !t->canceled) {
			t->canceled = true;
			t->ticks++;
			waitq_wake_all_locked(&t->wq);
		}
		if (moved && t->armed) {
			t->deadline -= moved;
			if (!t->expired)
				arm(t);
		}
		spin_unlock_raw(&t->wq.lock);
	}
	spin_unlock_irqrestore(&wall_lock, flags);
	sched_preempt_check();
}

static long sys_timerfd_create(int clock, int flags)
{
	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	/* The _ALARM clocks would also wake a suspended machine; nothing
	 * here suspends, so they are their plain clocks. */
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	struct timerfd *t = kzalloc(sizeof(*t));
	struct file *f = t ? file_new(&timerfd_fops, O_RDWR | (flags & TFD_NONBLOCK), t) : NULL;
	if (!f) {
		kfree(t);
		return -ENOMEM;
	}
	waitq_init(&t->wq);
	t->realtime = clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM;
	int fd = fd_install(&this_proc()->fds, f, 0, flags & TFD_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}
SYSCALL(283, timerfd_create, sys_timerfd_create);

static int ts_valid(int64_t sec, int64_t nsec)
{
	return sec >= 0 && nsec >= 0 && nsec < NSEC;
}

static int64_t ts_ns(int64_t sec, int64_t nsec)
{
	return sec >= NS_MAX / NSEC ? NS_MAX : sec * NSEC + nsec;
}

/* The timer file behind fd, held: -EBADF, or -EINVAL for another file. */
static int tget(int fd, struct file **out)
{
	int err = fget(fd, out);
	if (!err && (*out)->ops != &timerfd_fops) {
		file_rele(*out);
		err = -EINVAL;
	}
	return err;
}

/* Sets t from value and interval (ns) as flags say; both locks held. */
static void setup(struct timerfd *t, int flags, int64_t value, int64_t interval)
{
	timer_cancel(&t->timer);
	if (t->wall)
		list_del(&t->wall_node);
	t->armed = t->expired = t->canceled = t->wall = false;
	t->ticks = 0;
	t->interval = interval;
	if (!value)
		return;
	int64_t now = now_ns();
	if (!(flags & TFD_TIMER_ABSTIME)) {
		t->deadline = now + value;
	} else if (t->realtime) {
		t->wall = true;
		t->cancel_on_set = flags & TFD_TIMER_CANCEL_ON_SET;
		t->wall_offset = wall_offset();
		t->deadline = value - t->wall_offset;
		list_add_tail(&wall_timers, &t->wall_node);
	} else {
		t->deadline = value;
	}
	t->armed = true;
	arm(t);
}

static long sys_timerfd_settime(int fd, int flags, const struct itimerspec_k *unew,
    struct itimerspec_k *uold)
{
	struct itimerspec_k nv;
	if (copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    !ts_valid(nv.value_sec, nv.value_nsec) || !ts_valid(nv.interval_sec, nv.interval_nsec))
		return -EINVAL;
	struct file *f;
	int err = tget(fd, &f);
	if (err)
		return err;
	struct timerfd *t = f->priv;
	unsigned long irq = spin_lock_irqsave(&wall_lock);
	spin_lock_raw(&t->wq.lock);
	struct itimerspec_k old = state_of(t);
	setup(t, flags, ts_ns(nv.value_sec, nv.value_nsec), ts_ns(nv.interval_sec, nv.interval_nsec));
	spin_unlock_raw(&t->wq.lock);
	spin_unlock_irqrestore(&wall_lock, irq);
	file_rele(f);
	/* As Linux: the new setting holds even if the old cannot be told. */
	return uold ? copy_to_user(uold, &old, sizeof(old)) : 0;
}
SYSCALL(286, timerfd_settime, sys_timerfd_settime);

static long sys_timerfd_gettime(int fd, struct itimerspec_k *ucur)
{
	struct file *f;
	int err = tget(fd, &f);
	if (err)
		return err;
	struct timerfd *t = f->priv;
	unsigned long irq = spin_lock_irqsave(&t->wq.lock);
	struct itimerspec_k cur = state_of(t);
	spin_unlock_irqrestore(&t->wq.lock, irq);
	file_rele(f);
	return copy_to_user(ucur, &cur, sizeof(cur));
}
SYSCALL(287, timerfd_gettime, sys_timerfd_gettime);
