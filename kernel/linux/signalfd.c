/* signalfd and signalfd4: the signals of a mask, read from a file as
 * struct signalfd_siginfo instead of being delivered. As on Linux the
 * file answers for the thread that reads or polls it: its own pending
 * signals and the process's (signal.c's queues). The signals are usually
 * blocked, so they wait in the queues; queueing one wakes the process's
 * signalfd wait queue, which readers sleep on and pollers register. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define SFD_CLOEXEC	O_CLOEXEC
#define SFD_NONBLOCK	O_NONBLOCK
#define UNTAKEABLE	(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SI_KERNEL_MAX	0x80	/* si_code below this and above 0: a kernel code */

/* Linux's struct signalfd_siginfo: 128 bytes. */
struct signalfd_siginfo_k {
	uint32_t signo;
	int32_t errno_;
	int32_t code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb, pad2;
	int32_t syscall;
	uint64_t call_addr;
	uint32_t arch;
	uint8_t pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo_k) == 128, "signalfd_siginfo layout");

struct signalfd {
	uint64_t mask;			/* atomic: signalfd4 may change it */
};

static uint64_t mask_of(struct file *f)
{
	return __atomic_load_n(&((struct signalfd *)f->priv)->mask, __ATOMIC_RELAXED);
}

/* The fields Linux fills for the kind of siginfo the code says. */
static void fill(struct signalfd_siginfo_k *ss, const struct siginfo_k *si)
{
	memset(ss, 0, sizeof(*ss));
	ss->signo = (uint32_t)si->signo;
	ss->errno_ = si->errno_;
	ss->code = si->code;
	if (si->code == SI_TIMER) {
		ss->tid = (uint32_t)si->timer.tid;
		ss->overrun = (uint32_t)si->timer.overrun;
		ss->ptr = si->timer.value;
		ss->int_ = (int32_t)si->timer.value;
	} else if (si->code > 0 && si->code < SI_KERNEL_MAX) {
		ss->addr = si->fault.addr;	/* a fault's */
	} else {
		ss->pid = (uint32_t)si->kill.pid;
		ss->uid = si->kill.uid;
		if (si->code < 0) {		/* sigqueue, tkill: with a value */
			ss->ptr = si->kill.value;
			ss->int_ = (int32_t)si->kill.value;
		}
	}
}

/* The first signal waits (unless O_NONBLOCK); more are taken while
 * pending and room is left. Each is copied out as it is taken (buf: the
 * program's, checked by read(2), or a kernel one); one whose copy faults
 * is lost and ends the read, as on Linux: the count so far, or -EFAULT. */
static long sfd_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	size_t max = len / sizeof(struct signalfd_siginfo_k), n = 0;

	if (!max)
		return -EINVAL;
	while (n < max) {
		struct siginfo_k info;
		uint64_t mask = mask_of(f);
		if (signal_take(mask, &info)) {
			struct signalfd_siginfo_k ss;
			fill(&ss, &info);
			if (uaccess_copy((char *)buf + n * sizeof(ss), &ss, sizeof(ss)))
				return n ? (long)(n * sizeof(ss)) : -EFAULT;
			n++;
			continue;
		}
		if (n)
			break;
		if (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK)
			return -EAGAIN;
		int err = signal_wait_for(mask);
		if (err)
			return err;
	}
	return (long)(n * sizeof(struct signalfd_siginfo_k));
}

static unsigned sfd_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	if (pt)
		pt->add(pt, &this_proc()->sig.fd_wq);
	return signal_pending_in(mask_of(f)) ? events & POLLIN : 0;
}

static void sfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops signalfd_fops = {
	.anon_name = "[signalfd]",
	.read = sfd_read,
	.poll = sfd_poll,
	.getattr = anon_file_getattr,
	.release = sfd_release,
};

/* fd -1: a new signalfd; else the mask of the signalfd fd changes. */
static long sys_signalfd4(int fd, const uint64_t *umask, size_t sizemask, int flags)
{
	if (sizemask != sizeof(uint64_t))
		return -EINVAL;
	uint64_t mask;
	if (get_user(mask, umask))
		return -EFAULT;
	mask &= ~UNTAKEABLE;
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	if (fd != -1) {
		struct file *f;
		int err = fget(fd, &f);
		if (err)
			return err;
		if (f->ops != &signalfd_fops) {
			file_rele(f);
			return -EINVAL;
		}
		__atomic_store_n(&((struct signalfd *)f->priv)->mask, mask, __ATOMIC_RELAXED);
		file_rele(f);
		/* Readers and pollers look again with the new mask. */
		waitq_wake_all(&this_proc()->sig.fd_wq);
		return fd;
	}
	struct signalfd *s = kzalloc(sizeof(*s));
	struct file *f = s ? file_new(&signalfd_fops, O_RDWR | (flags & SFD_NONBLOCK), s) : NULL;
	if (!f) {
		kfree(s);
		return -ENOMEM;
	}
	s->mask = mask;
	int nfd = fd_install(&this_proc()->fds, f, 0, flags & SFD_CLOEXEC ? FD_CLOEXEC : 0);
	if (nfd < 0)
		file_rele(f);
	return nfd;
}
SYSCALL(289, signalfd4, sys_signalfd4);

static long sys_signalfd(int fd, const uint64_t *umask, size_t sizemask)
{
	return sys_signalfd4(fd, umask, sizemask, 0);
}
SYSCALL(282, signalfd, sys_signalfd);
