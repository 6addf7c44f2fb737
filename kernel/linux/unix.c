/* AF_UNIX sockets, in the kernel: stream, datagram and seqpacket sockets
 * as files, with the names, buffers, ancillary data and errors Linux
 * gives them (af_unix(7), and Linux's behaviour where the page is silent).
 *
 * A socket (struct usock) receives records (struct urec): one per
 * datagram or packet, one per piece of a stream write. A record stays
 * charged to its sender (wmem, checked against the sender's SO_SNDBUF)
 * until it is read, which is what blocks a stream writer whose reader
 * lags; it carries the sender's credentials and the files of SCM_RIGHTS,
 * held while in flight and released if the record is never read. A
 * receiver's datagram queue also has a length limit for senders it is not
 * connected to (net.unix.max_dgram_qlen, 10; a listener's is its backlog).
 *
 * Names: a path is an S_IFSOCK node made through the VFS (with the umask);
 * connect and sendto look the path up and find the socket bound to that
 * vnode in a table here, so the node may be on any filesystem. Abstract
 * names (sun_path[0] == 0) are bytes, separate for each socket type.
 * Autobind gives "\0" and five hex digits.
 *
 * Locking: one mutex, unix_lock, guards every socket, record and the name
 * table (AF_UNIX operations are short; a connect, send or close touches
 * two or three sockets, which one lock keeps simple and free of lock
 * order). It is held while data moves to or from the program (its pages
 * fault in on demand) and released only inside waits. Files are installed
 * and released, and vnodes released, after it is dropped: releasing a
 * passed file may close another AF_UNIX socket.
 *
 * Waits are interruptible (EINTR, or restarted under SA_RESTART as
 * signal.c decides) and end at SO_RCVTIMEO/SO_SNDTIMEO with EAGAIN. Every
 * change a thread may wait for broadcasts a condition variable whose wait
 * queue poll registers: `wait` of the socket concerned, and `room` of a
 * receiver whose queue drained (senders and connectors wait there). A
 * poller that finds its peer's queue full has no queue of its own to be
 * woken on, so it is put on the peer's relay list, which the peer walks
 * when room appears, waking each poller's own queue (Linux's peer_wake).
 *
 * A socket whose file is only in flight, in queues of sockets that are
 * themselves only in flight (one sent into its own queue), can never be
 * received: like Linux, the closing of any AF_UNIX socket runs a collector
 * that purges such sockets' queues, which closes them.
 *
 * Not done: MSG_OOB (EOPNOTSUPP), SO_PEEK_OFF, SCM_PIDFD, SCM_SECURITY. */
#include "linux/socket.h"
#include "linux/netlink.h"
#include "linux/uaccess.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define SUN_PATH_OFF	2		/* offsetof(struct sockaddr_un, sun_path) */
#define SUN_LEN_MAX	110		/* sizeof(struct sockaddr_un) */
#define AUTOBIND_LEN	(SUN_PATH_OFF + 6)	/* "\0" and 5 hex digits */

/* Every process is root. */
#define CRED_UID	0
#define CRED_GID	0
#define OVERFLOW_ID	65534		/* uid/gid of credentials never attached */

/* Linux's defaults (net.core.*mem_default and *mem_max, the minimums
 * of x86-64, net.unix.max_dgram_qlen, net.core.somaxconn). */
#define BUF_DEFAULT	212992
#define BUF_MAX		212992
#define SNDBUF_MIN	4608
#define RCVBUF_MIN	2304
#define DGRAM_QLEN	10
#define SOMAXCONN	4096
/* What Linux charges a buffer beyond its data (its sk_buff and shared
 * info), so that empty datagrams are not free either. */
#define REC_OVERHEAD	576

#define SCM_RIGHTS	1
#define SCM_CREDENTIALS	2
#define SCM_MAX_FD	253		/* fds in one message */
#define CMSG_HDR	16		/* sizeof(struct cmsghdr) */
#define CMSG_ALIGN(n)	(((n) + 7) & ~(size_t)7)
#define CONTROL_MAX	(128 * 1024)	/* net.core.optmem_max */

#define MSG_OOB		0x01
#define SO_PRIORITY	12
#define SO_RCVLOWAT	18
#define SO_SNDLOWAT	19

#define FIONREAD	0x541b		/* SIOCINQ */
#define SIOCOUTQ	0x5411
#define POLLRDNORM	0x040
#define POLLWRNORM	0x100
#define POLLWRBAND	0x200
#define POLLRDHUP	0x2000

#define RCV_SHUT	1
#define SEND_SHUT	2
#define SHUT_BOTH	3

struct ucred_k {
	int32_t pid;
	uint32_t uid, gid;
};

/* struct cmsghdr as x86-64 Linux lays it out (CMSG_HDR bytes). */
struct cmsg_head {
	uint64_t len;
	int32_t level, type;
};

/* A bound name as getsockname gives it: len bytes of a sockaddr_un. */
struct uname {
	uint32_t len;			/* SUN_PATH_OFF + bytes (+1: a path's NUL) */
	char path[SUN_LEN_MAX - SUN_PATH_OFF + 1];	/* a path is NUL-terminated */
};

enum ustate { US_UNCONNECTED, US_LISTEN, US_CONNECTED };

struct usock {
	int type;
	int refs;			/* its file (or a listener's pending list), peers, records */
	enum ustate state;
	bool dead;			/* its file was released */
	bool embryo;			/* connected, waiting in a listener's pending list */
	int shutdown;			/* RCV_SHUT | SEND_SHUT */
	int err;			/* pending error (errno), for SO_ERROR and the next call */
	struct usock *peer;		/* held */
	struct list queue;		/* received records, oldest first */
	int qlen;			/* records in queue */
	size_t inq;			/* unread bytes in queue */
	struct list pending;		/* a listener's embryos, by accept_node */
	struct list accept_node;
	int npending;
	int backlog;			/* a listener's; else the datagram queue limit */
	size_t wmem;			/* charged for records sent and not yet read */
	int sndbuf, rcvbuf, rcvlowat, priority;
	uint64_t rcvtimeo, sndtimeo;	/* ns; 0: none */
	int linger_on, linger_secs;
	bool passcred, reuseaddr, keepalive, broadcast;
	bool has_peercred;		/* connected, paired or listening: SO_PEERCRED */
	bool bound;
	struct uname name;
	struct vnode *vn;		/* a path name's node, held; NULL for abstract */
	struct list name_node;		/* in names[] while bound (not embryos) */
	struct cond wait;		/* any change: data, room, state, errors */
	struct cond room;		/* this socket's queue has room */
	struct list relay;		/* pollers connected here that wait for room */
	struct list relay_node;
	struct usock *relay_to;		/* whose relay list this one is on (its peer) */
	uint64_t ino;
	int64_t ctime;
	struct file *file;		/* its file, while it has one */
	int inflight;			/* references to that file in queued records */
	struct list inflight_node;	/* in inflight_socks while inflight > 0 */
	struct list gc_node;		/* the collector's list of garbage */
	int gc_refs;			/* the collector's count of outside references */
	bool gc_candidate, gc_alive;
};

/* A datagram, a packet or a piece of a stream, in its receiver's queue. */
struct urec {
	struct list node;
	struct usock *from;		/* held; charged `charge` bytes */
	size_t charge;
	size_t len, off;		/* bytes; off: a stream's already read */
	bool has_cred;
	struct ucred_k cred;
	int nfiles;
	struct file **files;		/* held while in flight */
	char *data;
};

/* Ancillary data of one message: parsed from a sender's control buffer,
 * or gathered for a receiver's. */
struct scm {
	int nfiles;
	struct file **files;		/* kmalloc'd, SCM_MAX_FD slots */
	bool has_cred;
	struct ucred_k cred;
	bool passcred;			/* the receiver wants credentials */
};

#define NAME_BUCKETS	64

static struct mutex unix_lock = MUTEX_INIT(unix_lock);
static struct list names[NAME_BUCKETS];	/* bound sockets; unix_lock */
static bool names_ready;		/* unix_lock */
static uint32_t autobind_next;		/* unix_lock */
static uint64_t next_ino = 1;		/* atomic */
static struct list inflight_socks = LIST_INIT(inflight_socks);	/* unix_lock */

static const struct file_ops unix_fops;

static struct usock *usock_of(struct file *f)
{
	return f->priv;
}

bool file_is_unix(struct file *f)
{
	return f->ops == &unix_fops;
}

static bool nonblock(struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

static bool connection(const struct usock *s)
{
	return s->type != SOCK_DGRAM;
}

static uint64_t deadline_of(uint64_t timeout)
{
	return timeout ? clock_ns() + timeout : 0;
}

static struct ucred_k current_cred(void)
{
	return (struct ucred_k){ (uint32_t)this_proc()->pid, CRED_UID, CRED_GID };
}

/* ---- sockets and records (unix_lock held) ---- */

static struct usock *usock_new(int type)
{
	struct usock *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->type = type;
	s->refs = 1;
	s->backlog = DGRAM_QLEN;
	s->sndbuf = s->rcvbuf = BUF_DEFAULT;
	s->rcvlowat = 1;
	list_init(&s->queue);
	list_init(&s->pending);
	list_init(&s->accept_node);
	list_init(&s->name_node);
	list_init(&s->relay);
	list_init(&s->relay_node);
	list_init(&s->inflight_node);
	list_init(&s->gc_node);
	cond_init(&s->wait);
	cond_init(&s->room);
	s->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	s->ctime = (int64_t)clock_realtime_ns();
	return s;
}

static void hold(struct usock *s)
{
	s->refs++;
}

/* The last reference goes when the socket is dead: its file released,
 * its queue purged, out of every list. */
static void unref(struct usock *s)
{
	if (--s->refs == 0)
		kfree(s);
}

static void wake(struct usock *s)
{
	cond_broadcast(&s->wait);
}

static void relay_unlink(struct usock *s)
{
	if (s->relay_to) {
		list_del(&s->relay_node);
		s->relay_to = NULL;
	}
}

/* s (a poller) is to be woken when its peer t has room. */
static void relay_link(struct usock *s, struct usock *t)
{
	if (s->relay_to == t)
		return;
	relay_unlink(s);
	list_add_tail(&t->relay, &s->relay_node);
	s->relay_to = t;
}

/* t's queue has room, or t is gone: senders, connectors and pollers. */
static void room(struct usock *t)
{
	struct list *e;
	cond_broadcast(&t->room);
	while ((e = list_pop(&t->relay))) {
		struct usock *s = list_entry(e, struct usock, relay_node);
		s->relay_to = NULL;
		wake(s);
	}
}

static int take_err(struct usock *s)
{
	int err = s->err;
	s->err = 0;
	return err;
}

/* A record of len bytes, with scm's files (taken over) and credentials. */
static struct urec *rec_new(size_t len, struct scm *scm, bool with_files)
{
	int nfiles = with_files && scm ? scm->nfiles : 0;
	struct urec *r = kmalloc(sizeof(*r) + (size_t)nfiles * sizeof(struct file *) + len);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->files = (struct file **)(r + 1);
	r->data = (char *)(r->files + nfiles);
	r->len = len;
	r->charge = len + REC_OVERHEAD;
	if (nfiles) {
		memcpy(r->files, scm->files, (size_t)nfiles * sizeof(struct file *));
		r->nfiles = nfiles;
		scm->nfiles = 0;
	}
	if (scm && scm->has_cred) {
		r->has_cred = true;
		r->cred = scm->cred;
	}
	return r;
}

/* The socket behind a file, or NULL when it is no AF_UNIX socket. */
static struct usock *unix_of_file(struct file *f)
{
	return file_is_unix(f) ? usock_of(f) : NULL;
}

/* r's files went into a queue (delta 1) or left it (-1): the AF_UNIX
 * sockets among them are that much more or less in flight. */
static void count_inflight(struct urec *r, int delta)
{
	for (int i = 0; i < r->nfiles; i++) {
		struct usock *t = unix_of_file(r->files[i]);
		if (!t)
			continue;
		if (delta > 0 && t->inflight++ == 0)
			list_add_tail(&inflight_socks, &t->inflight_node);
		else if (delta < 0 && --t->inflight == 0)
			list_del(&t->inflight_node);
	}
}

/* Frees r, or puts it on later when it holds files: they are released
 * (file_rele) by drop_later() once unix_lock is dropped. */
static void rec_free(struct urec *r, struct list *later)
{
	if (r->nfiles)
		list_add_tail(later, &r->node);
	else
		kfree(r);
}

/* Takes r off its sender's account (waking a writer that may now
 * write, as Linux does once a quarter of SO_SNDBUF is free) and frees it. */
static void rec_drop(struct urec *r, struct list *later)
{
	struct usock *s = r->from;
	count_inflight(r, -1);
	s->wmem -= r->charge;
	if (s->wmem * 4 <= (size_t)s->sndbuf)
		wake(s);
	unref(s);
	rec_free(r, later);
}

static void drop_later(struct list *later)
{
	struct list *e;
	while ((e = list_pop(later))) {
		struct urec *r = list_entry(e, struct urec, node);
		for (int i = 0; i < r->nfiles; i++)
			file_rele(r->files[i]);
		kfree(r);
	}
}

/* Queues r, sent by from, at to; wakes to's readers. */
static void rec_queue(struct usock *to, struct urec *r, struct usock *from)
{
	if (!r->has_cred && (from->passcred || to->passcred || to->embryo)) {
		/* Linux attaches them when either end asked, or to a socket
		 * nobody accepted yet (it might ask later). */
		r->has_cred = true;
		r->cred = current_cred();
	}
	r->from = from;
	hold(from);
	from->wmem += r->charge;
	count_inflight(r, 1);
	list_add_tail(&to->queue, &r->node);
	to->qlen++;
	to->inq += r->len - r->off;
	wake(to);
}

static void rec_unqueue(struct usock *s, struct urec *r)
{
	list_del(&r->node);
	s->qlen--;
	s->inq -= r->len - r->off;
}

static struct urec *first_rec(struct usock *s)
{
	return list_empty(&s->queue) ? NULL : list_entry(s->queue.next, struct urec, node);
}

static void purge(struct usock *s, struct list *later)
{
	struct urec *r;
	while ((r = first_rec(s))) {
		rec_unqueue(s, r);
		rec_drop(r, later);
	}
}

/* ---- ancillary data ---- */

static void scm_put(struct scm *scm)
{
	for (int i = 0; i < scm->nfiles; i++)
		if (scm->files[i])
			file_rele(scm->files[i]);
	kfree(scm->files);
	scm->files = NULL;
	scm->nfiles = 0;
}

static int scm_add_fds(struct scm *scm, const int *fds, int n)
{
	if (n > SCM_MAX_FD || scm->nfiles + n > SCM_MAX_FD)
		return -EINVAL;
	if (!scm->files && !(scm->files = kmalloc(SCM_MAX_FD * sizeof(struct file *))))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		int err = fget(fds[i], &scm->files[scm->nfiles]);
		if (err)
			return err;
		scm->nfiles++;
	}
	return 0;
}

static int scm_add_cred(struct scm *scm, const struct ucred_k *c)
{
	if (c->uid == (uint32_t)-1 || c->gid == (uint32_t)-1)
		return -EINVAL;
	if (c->pid != this_proc()->pid)
		return -EPERM;	/* root may name any pid on Linux; we let it name its own */
	scm->has_cred = true;
	scm->cred = *c;
	return 0;
}

/* Parses a sender's control buffer (SCM_RIGHTS, SCM_CREDENTIALS at
 * SOL_SOCKET; other levels are skipped) as Linux's __scm_send does. */
static int scm_get(const void *ucontrol, size_t len, struct scm *scm)
{
	memset(scm, 0, sizeof(*scm));
	if (!len)
		return 0;
	if (len > CONTROL_MAX)
		return -ENOBUFS;
	char *buf = kmalloc(len);
	if (!buf)
		return -ENOMEM;
	/* Read once: the program may change its buffer meanwhile. */
	int err = copy_from_user(buf, ucontrol, len);
	for (size_t off = 0; !err && off <= len && len - off >= CMSG_HDR;) {
		uint64_t clen;
		int32_t level, type;
		memcpy(&clen, buf + off, 8);
		memcpy(&level, buf + off + 8, 4);
		memcpy(&type, buf + off + 12, 4);
		if (clen < CMSG_HDR || clen > len - off) {
			err = -EINVAL;
			break;
		}
		const char *data = buf + off + CMSG_HDR;
		if (level == SOL_SOCKET && type == SCM_RIGHTS) {
			int n = (int)((clen - CMSG_HDR) / sizeof(int));
			int fds[SCM_MAX_FD];
			if (n > SCM_MAX_FD) {
				err = -EINVAL;
			} else if (n > 0) {
				memcpy(fds, data, (size_t)n * sizeof(int));
				err = scm_add_fds(scm, fds, n);
			}
		} else if (level == SOL_SOCKET && type == SCM_CREDENTIALS) {
			struct ucred_k c;
			if (clen != CMSG_HDR + sizeof(c)) {
				err = -EINVAL;
			} else {
				memcpy(&c, data, sizeof(c));
				err = scm_add_cred(scm, &c);
			}
		} else if (level == SOL_SOCKET) {
			err = -EINVAL;
		}
		off += CMSG_ALIGN(clen);
	}
	kfree(buf);
	if (err)
		scm_put(scm);
	return err;
}

/* One cmsg into the receiver's control buffer, cut (MSG_CTRUNC) to what
 * is left; *used grows by its aligned size, as Linux's put_cmsg. A buffer
 * that cannot be written gets nothing (Linux's recvmsg ignores that too). */
static void put_cmsg(struct kmsg *m, size_t *used, int type, const void *data, size_t len)
{
	size_t left = m->controllen - *used;
	size_t clen = CMSG_HDR + len;
	if (left < CMSG_HDR) {
		m->flags |= MSG_CTRUNC;
		return;
	}
	if (left < clen) {
		m->flags |= MSG_CTRUNC;
		clen = left;
	}
	char *p = (char *)m->control + *used;
	struct cmsg_head h = { clen, SOL_SOCKET, type };
	if (copy_to_user(p, &h, sizeof(h)) || copy_to_user(p + CMSG_HDR, data, clen - CMSG_HDR))
		return;
	size_t space = CMSG_ALIGN(CMSG_HDR + len);
	*used += space < left ? space : left;
}

/* Installs as many received files as the buffer has room for (the rest
 * are closed, with MSG_CTRUNC), as Linux's scm_detach_fds. An fd whose
 * number cannot be written is closed again and ends the list. */
static void put_fds(struct kmsg *m, size_t *used, struct scm *scm, int mflags)
{
	size_t left = m->controllen - *used;
	int room_fds = left > CMSG_HDR ? (int)((left - CMSG_HDR) / sizeof(int)) : 0;
	int fdmax = room_fds < scm->nfiles ? room_fds : scm->nfiles;
	char *p = (char *)m->control + *used;
	/* Early, before any fd is installed; the copies decide. */
	if (fdmax > 0 && !user_ok(p, CMSG_HDR + (size_t)fdmax * sizeof(int), true))
		fdmax = 0;
	int i;
	for (i = 0; i < fdmax; i++) {
		int fd = fd_install(&this_proc()->fds, scm->files[i], 0,
		    mflags & MSG_CMSG_CLOEXEC ? FD_CLOEXEC : 0);
		if (fd < 0)
			break;
		scm->files[i] = NULL;	/* the fd has it */
		if (put_user(fd, (int *)(p + CMSG_HDR) + i)) {
			fd_close(&this_proc()->fds, fd);
			break;
		}
	}
	struct cmsg_head h = { CMSG_HDR + (size_t)i * sizeof(int), SOL_SOCKET, SCM_RIGHTS };
	if (i > 0 && !copy_to_user(p, &h, sizeof(h))) {
		size_t space = CMSG_ALIGN(h.len);
		*used += space < left ? space : left;
	}
	if (i < scm->nfiles || (scm->nfiles && fdmax <= 0))
		m->flags |= MSG_CTRUNC;
	scm_put(scm);
}

/* What a receive hands the program besides data (unix_lock not held). */
static void scm_out(struct kmsg *m, struct scm *scm, int mflags)
{
	size_t used = 0;
	if (!m->control) {
		if (scm->passcred || scm->nfiles)
			m->flags |= MSG_CTRUNC;
		scm_put(scm);
		m->controllen = 0;
		return;
	}
	if (scm->passcred)
		put_cmsg(m, &used, SCM_CREDENTIALS, &scm->cred, sizeof(scm->cred));
	if (scm->nfiles)
		put_fds(m, &used, scm, mflags);
	m->controllen = used;
}

/* Takes (or, peeking, duplicates) r's files into scm. */
static void scm_take_files(struct scm *scm, struct urec *r, bool peek)
{
	if (!r->nfiles || scm->nfiles)
		return;
	if (!scm->files && !(scm->files = kmalloc(SCM_MAX_FD * sizeof(struct file *))))
		return;		/* no memory: they stay in flight and go with the record */
	memcpy(scm->files, r->files, (size_t)r->nfiles * sizeof(struct file *));
	scm->nfiles = r->nfiles;
	if (peek) {
		for (int i = 0; i < r->nfiles; i++)
			file_hold(r->files[i]);
	} else {
		count_inflight(r, -1);
		r->nfiles = 0;
	}
}

static struct ucred_k rec_cred(const struct urec *r)
{
	return r->has_cred ? r->cred : (struct ucred_k){ 0, OVERFLOW_ID, OVERFLOW_ID };
}

/* ---- copying data ---- */

static size_t iov_total(const struct kiovec *iov, int cnt)
{
	size_t n = 0;
	for (int i = 0; i < cnt; i++)
		n += iov[i].len;
	return n;
}

/* len bytes from the program's iovec, starting skip bytes in: 0 or
 * -EFAULT. The bases were checked by the callers (sys_fs.c's iov_get) or
 * are the kernel's (sendfile's buffer): the unchecked forms, which still
 * turn a fault on a page unmapped meanwhile into -EFAULT. */
static long copy_from_iov(char *dst, const struct kiovec *iov, int cnt, size_t skip, size_t len)
{
	for (int i = 0; i < cnt && len; i++) {
		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		size_t n = iov[i].len - skip < len ? iov[i].len - skip : len;
		if (uaccess_copy(dst, (char *)iov[i].base + skip, n))
			return -EFAULT;
		dst += n;
		len -= n;
		skip = 0;
	}
	return 0;
}

static long copy_to_iov(const struct kiovec *iov, int cnt, size_t skip, const char *src,
    size_t len)
{
	for (int i = 0; i < cnt && len; i++) {
		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		size_t n = iov[i].len - skip < len ? iov[i].len - skip : len;
		if (uaccess_copy((char *)iov[i].base + skip, src, n))
			return -EFAULT;
		src += n;
		len -= n;
		skip = 0;
	}
	return 0;
}

/* ---- names ---- */

static void names_init(void)
{
	if (names_ready)
		return;
	for (int i = 0; i < NAME_BUCKETS; i++)
		list_init(&names[i]);
	names_ready = true;
}

static unsigned hash_vn(const struct vnode *vn)
{
	return (unsigned)(((uintptr_t)vn >> 6) % NAME_BUCKETS);
}

static unsigned hash_abstract(const struct uname *n, int type)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i + SUN_PATH_OFF < n->len; i++)
		h = (h ^ (uint8_t)n->path[i]) * 16777619u;
	return (h ^ (uint32_t)type) % NAME_BUCKETS;
}

static struct usock *find_vn(struct vnode *vn)
{
	struct list *e;
	names_init();
	list_for_each(e, &names[hash_vn(vn)]) {
		struct usock *s = list_entry(e, struct usock, name_node);
		if (s->vn == vn)
			return s;
	}
	return NULL;
}

static struct usock *find_abstract(const struct uname *n, int type)
{
	struct list *e;
	names_init();
	list_for_each(e, &names[hash_abstract(n, type)]) {
		struct usock *s = list_entry(e, struct usock, name_node);
		if (!s->vn && s->type == type && s->name.len == n->len &&
		    !memcmp(s->name.path, n->path, n->len - SUN_PATH_OFF))
			return s;
	}
	return NULL;
}

/* Gives s the name n (and the node vn of a path, held). */
static void name_set(struct usock *s, const struct uname *n, struct vnode *vn)
{
	names_init();
	s->bound = true;
	s->name = *n;
	s->vn = vn;
	list_add_tail(&names[vn ? hash_vn(vn) : hash_abstract(n, s->type)], &s->name_node);
}

static int autobind(struct usock *s)
{
	static const char hex[] = "0123456789abcdef";
	struct uname n = { .len = AUTOBIND_LEN };

	if (s->bound)
		return 0;
	for (uint32_t tries = 0; tries <= 0xfffff; tries++) {
		uint32_t num = autobind_next = (autobind_next + 1) & 0xfffff;
		for (int i = 5; i >= 1; i--, num >>= 4)
			n.path[i] = hex[num & 0xf];
		if (!find_abstract(&n, s->type)) {
			name_set(s, &n, NULL);
			return 0;
		}
	}
	return -ENOSPC;
}

/* The name of s for getsockname, or a sender's for recvfrom: with no name,
 * AF_UNIX alone (getsockname) or nothing (a sender). */
static void name_out(const struct usock *s, struct ksockaddr *a, bool sender)
{
	a->family = AF_UNIX;
	if (!s->bound) {
		a->len = sender ? 0 : SUN_PATH_OFF;
		return;
	}
	memcpy(a->bytes + SUN_PATH_OFF, s->name.path, s->name.len - SUN_PATH_OFF);
	a->len = s->name.len;
}

/* Linux's unix_validate_addr. */
static int addr_check(const struct ksockaddr *a)
{
	if (a->len <= SUN_PATH_OFF || a->len > SUN_LEN_MAX || a->family != AF_UNIX)
		return -EINVAL;
	return 0;
}

static bool is_path(const struct ksockaddr *a)
{
	return a->bytes[SUN_PATH_OFF] != 0;
}

/* The path of a (bytes past its length are zeros, and there is always
 * room for the NUL). */
static char *path_of(struct ksockaddr *a)
{
	a->bytes[a->len] = 0;
	return (char *)a->bytes + SUN_PATH_OFF;
}

/* Where connect or sendto goes: the vnode of a path (looked up before
 * unix_lock is taken: a lookup may wait on the disk) or an abstract name. */
struct target {
	struct vnode *vn;
	struct uname name;
};

static int target_get(struct ksockaddr *a, struct target *t)
{
	int err = addr_check(a);
	t->vn = NULL;
	if (err)
		return err;
	if (!is_path(a)) {
		t->name.len = a->len;
		memcpy(t->name.path, a->bytes + SUN_PATH_OFF, a->len - SUN_PATH_OFF);
		return 0;
	}
	err = vfs_lookupat(NULL, path_of(a), LOOKUP_FOLLOW, &t->vn);
	if (err)
		return err;
	if (t->vn->type != VSOCK) {
		vn_rele(t->vn);
		t->vn = NULL;
		return -ECONNREFUSED;
	}
	return 0;
}

static void target_put(struct target *t)
{
	if (t->vn)
		vn_rele(t->vn);
}

/* The socket at t, held (unix_lock held). */
static int target_find(const struct target *t, int type, struct usock **out)
{
	struct usock *s = t->vn ? find_vn(t->vn) : find_abstract(&t->name, type);
	if (!s)
		return -ECONNREFUSED;
	if (s->type != type)
		return -EPROTOTYPE;
	hold(s);
	*out = s;
	return 0;
}

/* Sleeps on c until a broadcast, the deadline or a signal; unix_lock is
 * dropped meanwhile. 0, -ETIMEDOUT or -EINTR. */
static int sleep_on(struct cond *c, uint64_t deadline)
{
	return cond_wait_intr(c, &unix_lock, deadline);
}

/* ---- the socket calls ---- */

static int unix_bind(struct file *f, struct ksockaddr *a)
{
	struct usock *s = usock_of(f);
	int err;

	if (a->len == SUN_PATH_OFF && a->family == AF_UNIX) {
		mutex_lock(&unix_lock);
		err = autobind(s);
		mutex_unlock(&unix_lock);
		return err;
	}
	if ((err = addr_check(a)))
		return err;
	struct uname n = { .len = a->len };
	if (!is_path(a)) {
		memcpy(n.path, a->bytes + SUN_PATH_OFF, a->len - SUN_PATH_OFF);
		mutex_lock(&unix_lock);
		if (s->bound)
			err = -EINVAL;
		else if (find_abstract(&n, s->type))
			err = -EADDRINUSE;
		else
			name_set(s, &n, NULL);
		mutex_unlock(&unix_lock);
		return err;
	}
	/* A path: the node first, as Linux (a name in use is EADDRINUSE even
	 * for a socket already bound, which gets EINVAL otherwise). */
	char *path = path_of(a);
	size_t plen = strlen(path);
	n.len = (uint32_t)(SUN_PATH_OFF + plen + 1);
	memcpy(n.path, path, plen + 1);
	struct vnode *vn;
	err = vfs_mknodat_vnode(NULL, path, S_IFSOCK | (0777 & ~this_proc()->umask), 0, &vn);
	if (err)
		return err == -EEXIST ? -EADDRINUSE : err;
	mutex_lock(&unix_lock);
	bool bound = s->bound;
	if (!bound)
		name_set(s, &n, vn);
	mutex_unlock(&unix_lock);
	if (bound) {
		vn_rele(vn);
		vfs_unlinkat(NULL, path, 0);
		return -EINVAL;
	}
	return 0;
}

static int unix_listen(struct file *f, int backlog)
{
	struct usock *s = usock_of(f);
	int err = 0;

	if (!connection(s))
		return -EOPNOTSUPP;
	if ((unsigned)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	mutex_lock(&unix_lock);
	if (!s->bound || (s->state != US_UNCONNECTED && s->state != US_LISTEN)) {
		err = -EINVAL;
	} else {
		if (backlog > s->backlog)
			room(s);
		s->backlog = backlog;
		s->state = US_LISTEN;
		s->has_peercred = true;
	}
	mutex_unlock(&unix_lock);
	return err;
}

/* Stream and seqpacket: a new socket (the embryo) joins the listener's
 * pending list, connected to s; accept hands it out. A full backlog
 * (more than `backlog` pending) waits, or is EAGAIN. */
static int stream_connect(struct file *f, struct usock *s, struct ksockaddr *a)
{
	struct target t;
	int err = target_get(a, &t);
	if (err)
		return err;
	struct usock *n = usock_new(s->type);
	if (!n) {
		target_put(&t);
		return -ENOMEM;
	}
	bool nowait = nonblock(f);
	uint64_t deadline = deadline_of(s->sndtimeo);
	mutex_lock(&unix_lock);
	if (s->passcred && (err = autobind(s)))
		goto out;
	for (;;) {
		struct usock *l;
		if ((err = target_find(&t, s->type, &l)))
			break;
		if (l->state != US_LISTEN || (l->shutdown & RCV_SHUT)) {
			unref(l);
			err = -ECONNREFUSED;
			break;
		}
		if (l->npending > l->backlog) {
			if (nowait) {
				unref(l);
				err = -EAGAIN;
				break;
			}
			err = sleep_on(&l->room, deadline);
			unref(l);
			if (err == -EINTR)
				break;
			nowait = err == -ETIMEDOUT;
			continue;	/* the listener may have gone */
		}
		if (s->state != US_UNCONNECTED) {
			unref(l);
			err = s->state == US_CONNECTED ? -EISCONN : -EINVAL;
			break;
		}
		n->state = US_CONNECTED;
		n->embryo = true;
		n->peer = s;
		hold(s);
		n->has_peercred = true;
		n->bound = l->bound;	/* getsockname of the accepted socket */
		n->name = l->name;
		n->passcred = l->passcred;
		s->peer = n;
		hold(n);
		s->state = US_CONNECTED;
		s->has_peercred = true;
		list_add_tail(&l->pending, &n->accept_node);
		l->npending++;
		wake(l);
		unref(l);
		n = NULL;	/* the listener's now */
		break;
	}
out:
	mutex_unlock(&unix_lock);
	if (n)
		kfree(n);
	target_put(&t);
	return err;
}

/* A datagram socket's default destination, and the only socket it takes
 * datagrams from; AF_UNSPEC dissolves it. */
static void dgram_disconnected(struct usock *s, struct usock *old, struct list *later)
{
	/* Linux drops what came from the old peer (all that is queued) and
	 * tells the old peer, if it was connected back, that it was lost. */
	if (list_empty(&s->queue))
		return;
	purge(s, later);
	room(s);
	if (!old->dead && old->peer == s) {
		old->err = ECONNRESET;
		wake(old);
	}
}

static bool may_send(const struct usock *s, const struct usock *to)
{
	return !to->peer || to->peer == s;
}

static int dgram_connect(struct usock *s, struct ksockaddr *a)
{
	struct target t = { .vn = NULL };
	struct usock *other = NULL;
	struct list later = LIST_INIT(later);
	int err = 0;

	if (a->len < sizeof(uint16_t))
		return -EINVAL;
	if (a->family != AF_UNSPEC && (err = target_get(a, &t)))
		return err;
	mutex_lock(&unix_lock);
	if (a->family != AF_UNSPEC) {
		if (s->passcred && (err = autobind(s)))
			goto out;
		if ((err = target_find(&t, s->type, &other)))
			goto out;
		if (!may_send(s, other)) {
			unref(other);
			err = -EPERM;
			goto out;
		}
		s->state = other->state = US_CONNECTED;	/* Linux marks both */
	}
	struct usock *old = s->peer;
	s->peer = other;
	if (!other)
		s->state = US_UNCONNECTED;
	if (old) {
		relay_unlink(s);
		wake(s);
		if (other != old) {
			dgram_disconnected(s, old, &later);
			if (!old->peer)
				old->state = US_UNCONNECTED;
		}
		unref(old);
	}
out:
	mutex_unlock(&unix_lock);
	drop_later(&later);
	target_put(&t);
	return err;
}

static int unix_connect(struct file *f, struct ksockaddr *a)
{
	struct usock *s = usock_of(f);
	return s->type == SOCK_DGRAM ? dgram_connect(s, a) : stream_connect(f, s, a);
}

static int unix_accept(struct file *f, int flags, struct ksockaddr *peer)
{
	struct usock *s = usock_of(f), *n = NULL;
	bool nowait = nonblock(f);
	uint64_t deadline = deadline_of(s->rcvtimeo);
	int err = 0;

	if (!connection(s))
		return -EOPNOTSUPP;
	/* The file first, so running out of memory loses no connection. */
	struct file *nf = file_new(&unix_fops, O_RDWR | (flags & O_NONBLOCK), NULL);
	if (!nf)
		return -ENOMEM;
	mutex_lock(&unix_lock);
	if (s->state != US_LISTEN)
		err = -EINVAL;
	while (!err) {
		if (s->err) {
			err = -take_err(s);
		} else if (!list_empty(&s->pending)) {
			n = list_entry(list_pop(&s->pending), struct usock, accept_node);
			s->npending--;
			room(s);
			break;
		} else if (s->shutdown & RCV_SHUT) {
			err = -EINVAL;
		} else if (nowait) {
			err = -EAGAIN;
		} else if ((err = sleep_on(&s->wait, deadline)) == -ETIMEDOUT) {
			nowait = true;
			err = 0;
		}
	}
	if (n) {
		n->embryo = false;
		n->file = nf;
		name_out(n->peer, peer, false);	/* an embryo keeps its peer */
	}
	mutex_unlock(&unix_lock);
	if (err) {
		nf->ops = NULL;		/* never opened: no release */
		file_rele(nf);
		return err;
	}
	nf->priv = n;			/* the pending list's reference is the file's */
	int fd = fd_install(&this_proc()->fds, nf, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd >= 0)
		return fd;
	/* No descriptor: the connection goes back to wait for the next accept. */
	mutex_lock(&unix_lock);
	bool back = !s->dead && s->state == US_LISTEN;
	if (back) {
		n->embryo = true;
		n->file = NULL;
		list_add_head(&s->pending, &n->accept_node);
		s->npending++;
		wake(s);
	}
	mutex_unlock(&unix_lock);
	if (back)
		nf->ops = NULL;
	file_rele(nf);
	return fd;
}

static int unix_getname(struct file *f, bool peer, struct ksockaddr *a)
{
	struct usock *s = usock_of(f);
	int err = 0;

	mutex_lock(&unix_lock);
	struct usock *t = peer ? s->peer : s;
	if (t)
		name_out(t, a, false);
	else
		err = -ENOTCONN;
	mutex_unlock(&unix_lock);
	return err;
}

static int unix_shutdown(struct file *f, int how)
{
	struct usock *s = usock_of(f);
	int mode = how + 1;	/* SHUT_RD 0 -> RCV_SHUT, SHUT_WR 1 -> SEND_SHUT, 2 both */

	mutex_lock(&unix_lock);
	s->shutdown |= mode;
	wake(s);
	struct usock *p = s->peer;
	if (p && connection(s)) {
		p->shutdown |= (mode & RCV_SHUT ? SEND_SHUT : 0) | (mode & SEND_SHUT ? RCV_SHUT : 0);
		wake(p);
	}
	mutex_unlock(&unix_lock);
	return 0;
}

/* ---- sending ---- */

/* A stream write goes in pieces of at most half SO_SNDBUF, each waiting
 * until the writer's charge is under SO_SNDBUF; the first carries the
 * files. A broken connection is EPIPE with SIGPIPE (unless MSG_NOSIGNAL)
 * when nothing was sent. */
static long stream_send(struct usock *s, struct kmsg *m, size_t len, struct scm *scm,
    int mflags, bool nowait)
{
	uint64_t deadline = deadline_of(s->sndtimeo);
	struct list later = LIST_INIT(later);
	size_t sent = 0;
	long err = 0;

	mutex_lock(&unix_lock);
	if (m->name && m->name->len) {
		err = s->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
		goto out;
	}
	struct usock *p = s->peer;	/* cannot change while the file is held */
	if (!p) {
		err = -ENOTCONN;
		goto out;
	}
	if (s->shutdown & SEND_SHUT)
		goto pipe;
	while (sent < len) {
		size_t size = len - sent, piece = (size_t)s->sndbuf / 2 - 64;
		if (size > piece)
			size = piece;
		for (;;) {
			if (s->err) {
				err = -take_err(s);
				goto out;
			}
			if (s->shutdown & SEND_SHUT)
				goto pipe;
			if (s->wmem < (size_t)s->sndbuf)
				break;
			if (nowait) {
				err = -EAGAIN;
				goto out;
			}
			if ((err = sleep_on(&s->wait, deadline)) == -EINTR)
				goto out;
			nowait = err == -ETIMEDOUT;
			err = 0;
		}
		struct urec *r = rec_new(size, scm, true);
		if (!r) {
			err = -ENOMEM;
			goto out;
		}
		/* unix_lock is a mutex: the copy may fault and sleep. A
		 * fault ends the write with what was sent, else -EFAULT. */
		if ((err = copy_from_iov(r->data, m->iov, m->iovcnt, sent, size))) {
			rec_free(r, &later);
			goto out;
		}
		if (p->dead || (p->shutdown & RCV_SHUT)) {
			rec_free(r, &later);
			goto pipe;
		}
		rec_queue(p, r, s);
		sent += size;
	}
	goto out;
pipe:
	err = -EPIPE;
	if (!sent && !(mflags & MSG_NOSIGNAL))
		signal_send_thread(thread_current()->os_priv, SIGPIPE, SI_USER);
out:
	mutex_unlock(&unix_lock);
	drop_later(&later);
	return sent ? (long)sent : err;
}

/* A datagram or packet: one record, to the named socket or the peer. */
static long dgram_send(struct usock *s, struct kmsg *m, size_t len, struct scm *scm, bool nowait)
{
	uint64_t deadline = deadline_of(s->sndtimeo);
	struct list later = LIST_INIT(later);
	struct target t = { .vn = NULL };
	struct usock *to = NULL;
	struct urec *r = NULL;
	long err = 0;
	bool named = m->name && m->name->len;

	if (s->type == SOCK_SEQPACKET) {
		mutex_lock(&unix_lock);
		if (s->err)
			err = -take_err(s);
		else if (s->state != US_CONNECTED)
			err = -ENOTCONN;
		mutex_unlock(&unix_lock);
		if (err)
			return err;
		named = false;		/* a packet goes to the peer, whatever it names */
	}
	if (named && (err = addr_check(m->name)))
		return err;
	mutex_lock(&unix_lock);
	if (s->passcred)
		err = autobind(s);
	if (!err && len > (size_t)s->sndbuf - 32)
		err = -EMSGSIZE;
	mutex_unlock(&unix_lock);
	if (err)
		return err;
	if (named && (err = target_get(m->name, &t)))
		return err;
	if (!(r = rec_new(len, scm, true))) {
		target_put(&t);
		return -ENOMEM;
	}

	mutex_lock(&unix_lock);
	for (;;) {
		if (s->err) {
			err = -take_err(s);
			goto out;
		}
		if (s->shutdown & SEND_SHUT) {
			err = -EPIPE;	/* no SIGPIPE for datagrams, as Linux */
			goto out;
		}
		if (s->wmem < (size_t)s->sndbuf)
			break;
		if (nowait) {
			err = -EAGAIN;
			goto out;
		}
		if ((err = sleep_on(&s->wait, deadline)) == -EINTR)
			goto out;
		nowait = err == -ETIMEDOUT;
		err = 0;
	}
	/* After the wait for room, as Linux's sock_alloc_send_pskb; under
	 * unix_lock (a mutex: the copy may fault and sleep). */
	if ((err = copy_from_iov(r->data, m->iov, m->iovcnt, 0, len)))
		goto out;
find:
	if (named) {
		if ((err = target_find(&t, s->type, &to)))
			goto out;
	} else if (!(to = s->peer)) {
		err = -ENOTCONN;
		goto out;
	} else {
		hold(to);
	}
	for (;;) {
		if (!may_send(s, to)) {
			err = -EPERM;
			goto out;
		}
		if (to->dead) {
			if (s->type == SOCK_SEQPACKET) {
				err = -EPIPE;
			} else if (s->peer == to) {
				/* The peer closed: the association goes. */
				s->peer = NULL;
				s->state = US_UNCONNECTED;
				relay_unlink(s);
				wake(s);
				dgram_disconnected(s, to, &later);
				unref(to);
				err = -ECONNREFUSED;
			} else if (!named) {
				err = -ECONNRESET;
			} else {
				unref(to);
				to = NULL;
				goto find;
			}
			goto out;
		}
		if (to->shutdown & RCV_SHUT) {
			err = -EPIPE;
			goto out;
		}
		if (to == s || to->peer == s || to->qlen <= to->backlog)
			break;
		/* The receiver's queue is full for those it is not connected to. */
		if (nowait) {
			if (s->peer == to)
				relay_link(s, to);
			err = -EAGAIN;
			goto out;
		}
		if ((err = sleep_on(&to->room, deadline)) == -EINTR)
			goto out;
		nowait = err == -ETIMEDOUT;
		err = 0;
	}
	rec_queue(to, r, s);
	r = NULL;
	err = (long)len;
out:
	if (to)
		unref(to);
	mutex_unlock(&unix_lock);
	if (r)
		rec_free(r, &later);	/* never queued: its files go back */
	drop_later(&later);
	target_put(&t);
	return err;
}

static long unix_sendmsg(struct file *f, struct kmsg *m, int mflags)
{
	struct usock *s = usock_of(f);
	struct scm scm;

	if (mflags & MSG_OOB)
		return -EOPNOTSUPP;
	long err = scm_get(m->control, m->controllen, &scm);
	if (err)
		return err;
	bool nowait = nonblock(f) || (mflags & MSG_DONTWAIT);
	size_t len = iov_total(m->iov, m->iovcnt);
	if (s->type == SOCK_STREAM)
		err = stream_send(s, m, len, &scm, mflags, nowait);
	else
		err = dgram_send(s, m, len, &scm, nowait);
	scm_put(&scm);
	return err;
}

/* ---- receiving ---- */

/* Datagrams and packets: one record per call, cut to the buffer (the rest
 * is dropped; MSG_TRUNC). A pending error comes before queued data. */
static long dgram_recv(struct usock *s, struct kmsg *m, size_t len, int mflags, bool nowait,
    struct scm *scm)
{
	uint64_t deadline = deadline_of(s->rcvtimeo);
	struct list later = LIST_INIT(later);
	bool seqpacket = s->type == SOCK_SEQPACKET;
	struct urec *r;
	long n;

	mutex_lock(&unix_lock);
	if (seqpacket && s->state != US_CONNECTED) {
		n = -ENOTCONN;
		goto out;
	}
	for (;;) {
		if (s->err) {
			n = -take_err(s);
			goto out;
		}
		if ((r = first_rec(s)))
			break;
		if (nowait) {
			n = seqpacket && (s->shutdown & RCV_SHUT) ? 0 : -EAGAIN;
			goto out;
		}
		if (s->shutdown & RCV_SHUT) {
			n = 0;
			goto out;
		}
		if ((n = sleep_on(&s->wait, deadline)) == -EINTR)
			goto out;
		nowait = n == -ETIMEDOUT;
	}
	size_t copy = len < r->len ? len : r->len;
	if (copy < r->len)
		m->flags |= MSG_TRUNC;
	/* Under unix_lock (a mutex; the copy may sleep). A fault is
	 * -EFAULT and the datagram is consumed all the same, as Linux. */
	long fault = copy_to_iov(m->iov, m->iovcnt, 0, r->data, copy);
	if (m->name)
		name_out(r->from, m->name, true);
	scm->has_cred = true;
	scm->cred = rec_cred(r);
	n = fault ? fault : mflags & MSG_TRUNC ? (long)r->len : (long)copy;
	bool peek = mflags & MSG_PEEK;
	scm_take_files(scm, r, peek);
	if (!peek) {
		rec_unqueue(s, r);
		rec_drop(r, &later);
		room(s);
	}
out:
	scm->passcred = s->passcred;
	mutex_unlock(&unix_lock);
	drop_later(&later);
	return n;
}

static bool cred_eq(const struct ucred_k *a, const struct ucred_k *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* The record holding the byte skip bytes past the first unread one, and
 * that byte's offset in it; NULL past the end. */
static struct urec *rec_at(struct usock *s, size_t skip, size_t *off)
{
	struct list *e;
	list_for_each(e, &s->queue) {
		struct urec *r = list_entry(e, struct urec, node);
		size_t left = r->len - r->off;
		if (skip < left) {
			*off = r->off + skip;
			return r;
		}
		skip -= left;
	}
	return NULL;
}

/* A stream read takes bytes across records, waiting until it has one (or
 * with MSG_WAITALL all, or SO_RCVLOWAT), as Linux's
 * unix_stream_read_generic: it stops after a record that carried files,
 * and, with SO_PASSCRED, before one from other credentials. A pending
 * error comes after queued data. */
static long stream_recv(struct usock *s, struct kmsg *m, size_t len, int mflags, bool nowait,
    struct scm *scm)
{
	uint64_t deadline = deadline_of(s->rcvtimeo);
	struct list later = LIST_INIT(later);
	bool peek = mflags & MSG_PEEK, check_creds = false, named = false;
	size_t copied = 0, size = len;
	long err = 0;

	mutex_lock(&unix_lock);
	if (s->state != US_CONNECTED) {
		err = -EINVAL;
		goto out;
	}
	size_t target = mflags & MSG_WAITALL ? len : (size_t)s->rcvlowat < len ?
	    (size_t)s->rcvlowat : len;
	if (!target)
		target = 1;
	for (;;) {
		size_t off;
		struct urec *r = rec_at(s, peek ? copied : 0, &off);
		if (!r) {
			if (copied >= target)
				break;
			if (s->err) {
				err = -take_err(s);
				break;
			}
			if ((s->shutdown & RCV_SHUT) || (peek && copied))
				break;	/* a peek takes what is there */
			if (nowait) {
				err = -EAGAIN;
				break;
			}
			if ((err = sleep_on(&s->wait, deadline)) == -EINTR)
				break;
			nowait = err == -ETIMEDOUT;
			err = 0;
			continue;
		}
		struct ucred_k c = rec_cred(r);
		if (check_creds) {
			if (!cred_eq(&c, &scm->cred))
				break;	/* never glue writes of different senders */
		} else if (s->passcred) {
			scm->has_cred = check_creds = true;
			scm->cred = c;
		}
		if (m->name && !named) {
			name_out(r->from, m->name, true);
			named = true;
		}
		size_t chunk = r->len - off < size ? r->len - off : size;
		/* A fault leaves the chunk unread: what was copied before
		 * it, else -EFAULT (Linux's unix_stream_read_generic). */
		if (copy_to_iov(m->iov, m->iovcnt, copied, r->data + off, chunk)) {
			err = -EFAULT;
			break;
		}
		copied += chunk;
		size -= chunk;
		bool had_files = r->nfiles;
		scm_take_files(scm, r, peek);
		if (peek) {
			if (had_files)
				break;
		} else {
			r->off += chunk;
			s->inq -= chunk;
			if (r->off < r->len)
				break;
			rec_unqueue(s, r);
			rec_drop(r, &later);
			if (had_files)
				break;
		}
		if (!size)
			break;
	}
out:
	scm->passcred = s->passcred;
	mutex_unlock(&unix_lock);
	drop_later(&later);
	return copied ? (long)copied : err;
}

static long unix_recvmsg(struct file *f, struct kmsg *m, int mflags)
{
	struct usock *s = usock_of(f);
	struct scm scm = { .nfiles = 0 };

	if (mflags & MSG_OOB)
		return -EOPNOTSUPP;
	m->flags = 0;
	bool nowait = nonblock(f) || (mflags & MSG_DONTWAIT);
	size_t len = iov_total(m->iov, m->iovcnt);
	if (m->name)
		m->name->len = 0;
	long n = s->type == SOCK_STREAM ? stream_recv(s, m, len, mflags, nowait, &scm) :
	    dgram_recv(s, m, len, mflags, nowait, &scm);
	if (n < 0) {
		scm_put(&scm);
		return n;
	}
	scm_out(m, &scm, mflags);
	m->flags |= mflags & MSG_CMSG_CLOEXEC;	/* Linux hands it back */
	return n;
}

/* ---- options ---- */

static int buf_size(int val, int min)
{
	uint32_t v = (uint32_t)val < BUF_MAX ? (uint32_t)val : BUF_MAX;
	return (int)v * 2 > min ? (int)v * 2 : min;
}

static int unix_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
	struct usock *s = usock_of(f);
	int err = 0;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (len < sizeof(int))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	int v;
	memcpy(&v, val, sizeof(v));
	mutex_lock(&unix_lock);
	switch (name) {
	case SO_SNDBUF:
		s->sndbuf = buf_size(v, SNDBUF_MIN);
		wake(s);	/* writers may go on, or must wait */
		break;
	case SO_RCVBUF:
		s->rcvbuf = buf_size(v, RCVBUF_MIN);
		break;
	case SO_PASSCRED: s->passcred = v != 0; break;
	case SO_REUSEADDR: s->reuseaddr = v != 0; break;
	case SO_KEEPALIVE: s->keepalive = v != 0; break;
	case SO_BROADCAST: s->broadcast = v != 0; break;
	case SO_PRIORITY: s->priority = v; break;
	case SO_RCVLOWAT:
		s->rcvlowat = v < 0 ? 0x7fffffff : v ? v : 1;
		wake(s);
		break;
	case SO_RCVTIMEO:
		err = sockopt_timeval_in(val, len, &s->rcvtimeo);
		break;
	case SO_SNDTIMEO:
		err = sockopt_timeval_in(val, len, &s->sndtimeo);
		break;
	case SO_LINGER: {
		int l[2];
		if (len < sizeof(l)) {
			err = -EINVAL;
		} else {
			memcpy(l, val, sizeof(l));
			s->linger_on = l[0] != 0;
			s->linger_secs = l[1];	/* nothing to flush: closing never waits */
		}
		break;
	}
	default:
		err = -ENOPROTOOPT;
	}
	mutex_unlock(&unix_lock);
	return err;
}

static int unix_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
	struct usock *s = usock_of(f);
	union {
		int i;
		struct timeval tv;
		struct ucred_k cred;
		int linger[2];
	} v;
	size_t size = sizeof(int);
	int err = 0;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	memset(&v, 0, sizeof(v));
	mutex_lock(&unix_lock);
	switch (name) {
	case SO_TYPE: v.i = s->type; break;
	case SO_DOMAIN: v.i = AF_UNIX; break;
	case SO_PROTOCOL: v.i = 0; break;
	case SO_ERROR: v.i = take_err(s); break;
	case SO_ACCEPTCONN: v.i = s->state == US_LISTEN; break;
	case SO_SNDBUF: v.i = s->sndbuf; break;
	case SO_RCVBUF: v.i = s->rcvbuf; break;
	case SO_PASSCRED: v.i = s->passcred; break;
	case SO_REUSEADDR: v.i = s->reuseaddr; break;
	case SO_KEEPALIVE: v.i = s->keepalive; break;
	case SO_BROADCAST: v.i = s->broadcast; break;
	case SO_PRIORITY: v.i = s->priority; break;
	case SO_RCVLOWAT: v.i = s->rcvlowat; break;
	case SO_SNDLOWAT: v.i = 1; break;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		sockopt_timeval_out(name == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo, &v.tv);
		size = sizeof(v.tv);
		break;
	case SO_PEERCRED:
		v.cred = s->has_peercred ? current_cred() :
		    (struct ucred_k){ 0, (uint32_t)-1, (uint32_t)-1 };
		size = sizeof(v.cred);
		break;
	case SO_LINGER:
		v.linger[0] = s->linger_on;
		v.linger[1] = s->linger_secs;
		size = sizeof(v.linger);
		break;
	default:
		err = -ENOPROTOOPT;
	}
	mutex_unlock(&unix_lock);
	if (err)
		return err;
	sockopt_out(&v, size, val, len);
	return 0;
}

const struct sock_family_ops unix_sock_ops = {
	.bind = unix_bind,
	.connect = unix_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.getname = unix_getname,
	.shutdown = unix_shutdown,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
};

/* ---- the file ---- */

/* read(2) of nothing is 0 at once, as Linux's sock_read_iter (recv of
 * nothing waits for data, as Linux's recvmsg). */
static long unix_readv(struct file *f, const struct kiovec *iov, int cnt)
{
	if (!iov_total(iov, cnt))
		return 0;
	struct kmsg m = { .iov = iov, .iovcnt = cnt };
	return unix_recvmsg(f, &m, 0);
}

static long unix_writev(struct file *f, const struct kiovec *iov, int cnt)
{
	struct kmsg m = { .iov = iov, .iovcnt = cnt };
	return unix_sendmsg(f, &m, 0);
}

static long unix_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { buf, len };
	return unix_readv(f, &v, 1);
}

static long unix_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { (void *)buf, len };
	return unix_writev(f, &v, 1);
}

/* Linux's unix_poll and unix_dgram_poll. Registers before looking, so a
 * change after the look still wakes the poller. */
static unsigned unix_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	struct usock *s = usock_of(f);
	unsigned m = 0;

	if (pt)
		pt->add(pt, &s->wait.wq);
	mutex_lock(&unix_lock);
	if (s->err)
		m |= POLLERR;
	if (s->shutdown == SHUT_BOTH)
		m |= POLLHUP;
	if (s->shutdown & RCV_SHUT)
		m |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&s->queue) || !list_empty(&s->pending))
		m |= POLLIN | POLLRDNORM;
	if (connection(s) && s->state == US_UNCONNECTED)
		m |= POLLHUP;
	bool writable = s->state != US_LISTEN && s->wmem * 4 <= (size_t)s->sndbuf;
	struct usock *p = s->peer;
	if (writable && (events & (POLLOUT | POLLWRNORM | POLLWRBAND)) && s->type != SOCK_STREAM &&
	    p && p->peer != s && p->qlen > p->backlog && !p->dead) {
		relay_link(s, p);
		writable = false;
	}
	if (writable)
		m |= POLLOUT | POLLWRNORM | POLLWRBAND;
	mutex_unlock(&unix_lock);
	return m & (events | POLLERR | POLLHUP);
}

static int unix_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct usock *s = usock_of(f);
	long n;

	mutex_lock(&unix_lock);
	if (cmd == SIOCOUTQ) {
		n = (long)s->wmem;
	} else if (cmd != FIONREAD) {
		mutex_unlock(&unix_lock);
		return ifreq_ioctl(cmd, (void *)arg);	/* interfaces, from any socket */
	} else if (s->state == US_LISTEN) {
		n = -EINVAL;
	} else if (s->type == SOCK_DGRAM) {
		struct urec *r = first_rec(s);
		n = r ? (long)r->len : 0;
	} else {
		n = (long)s->inq;
	}
	mutex_unlock(&unix_lock);
	if (n < 0)
		return (int)n;
	return put_user(n > INT32_MAX ? INT32_MAX : (int)n, (int *)arg);
}

static int unix_getattr(struct file *f, struct vattr *va)
{
	struct usock *s = usock_of(f);

	va->ino = s->ino;
	va->mode = S_IFSOCK | 0777;
	va->nlink = 1;
	va->blksize = 4096;
	va->atime = va->mtime = va->ctime = s->ctime;
	return 0;
}

/* ---- the collector ---- */

/* Calls fn for each AF_UNIX socket in the records queued at s (and at
 * its unaccepted connections: they are part of a listener). */
static void for_each_queued_sock(struct usock *s, void (*fn)(struct usock *))
{
	struct list *e, *q;
	list_for_each(e, &s->queue) {
		struct urec *r = list_entry(e, struct urec, node);
		for (int i = 0; i < r->nfiles; i++) {
			struct usock *t = unix_of_file(r->files[i]);
			if (t)
				fn(t);
		}
	}
	list_for_each(q, &s->pending)
		for_each_queued_sock(list_entry(q, struct usock, accept_node), fn);
}

static void gc_inside(struct usock *t)
{
	if (t->gc_candidate)
		t->gc_refs--;
}

static void gc_reached(struct usock *t)
{
	if (t->gc_candidate)
		t->gc_refs++;
}

/* Linux's unix_gc: the candidates are sockets whose every file reference
 * is in flight; those also referenced from elsewhere than candidates'
 * queues are alive, and so is what their queues hold; the rest can never
 * be received, and their queues are purged (their files go on later, so
 * the sockets close when it is dropped). unix_lock held. */
static void collect(struct list *later)
{
	struct list *e, dead = LIST_INIT(dead);
	bool changed = true;

	list_for_each(e, &inflight_socks) {
		struct usock *s = list_entry(e, struct usock, inflight_node);
		s->gc_candidate = s->file &&
		    __atomic_load_n(&s->file->refs, __ATOMIC_ACQUIRE) == s->inflight;
		s->gc_refs = s->inflight;
		s->gc_alive = false;
	}
	list_for_each(e, &inflight_socks) {
		struct usock *s = list_entry(e, struct usock, inflight_node);
		if (s->gc_candidate)
			for_each_queued_sock(s, gc_inside);
	}
	while (changed) {
		changed = false;
		list_for_each(e, &inflight_socks) {
			struct usock *s = list_entry(e, struct usock, inflight_node);
			if (s->gc_candidate && !s->gc_alive && s->gc_refs > 0) {
				s->gc_alive = changed = true;
				for_each_queued_sock(s, gc_reached);
			}
		}
	}
	list_for_each(e, &inflight_socks) {
		struct usock *s = list_entry(e, struct usock, inflight_node);
		if (s->gc_candidate && !s->gc_alive)
			list_add_tail(&dead, &s->gc_node);
		s->gc_candidate = false;
	}
	while ((e = list_pop(&dead))) {
		struct usock *s = list_entry(e, struct usock, gc_node);
		struct list *q;
		purge(s, later);
		list_for_each(q, &s->pending)
			purge(list_entry(q, struct usock, accept_node), later);
	}
}

/* Closing: the peer of a connection sees EOF and EPIPE from now on, and
 * ECONNRESET first when this end dropped data unread (or never got
 * accepted); a listener's unaccepted connections go the same way. */
static void release_locked(struct usock *s, bool embryo, struct list *later)
{
	list_del(&s->name_node);	/* out of the table (embryos never were in) */
	s->dead = true;
	s->shutdown = SHUT_BOTH;
	enum ustate state = s->state;
	s->state = US_UNCONNECTED;
	struct usock *p = s->peer;
	s->peer = NULL;
	relay_unlink(s);
	room(s);
	wake(s);
	if (p) {
		if (connection(s)) {
			p->shutdown = SHUT_BOTH;
			if (!list_empty(&s->queue) || embryo)
				p->err = ECONNRESET;
			wake(p);
		}
		unref(p);
	}
	purge(s, later);
	if (state == US_LISTEN) {
		struct list *e;
		while ((e = list_pop(&s->pending))) {
			struct usock *n = list_entry(e, struct usock, accept_node);
			s->npending--;
			release_locked(n, true, later);
			unref(n);
		}
	}
}

static void unix_release(struct file *f)
{
	struct usock *s = usock_of(f);
	struct list later = LIST_INIT(later);

	mutex_lock(&unix_lock);
	s->file = NULL;
	release_locked(s, false, &later);
	struct vnode *vn = s->vn;
	s->vn = NULL;
	unref(s);
	if (!list_empty(&inflight_socks))
		collect(&later);
	mutex_unlock(&unix_lock);
	drop_later(&later);
	if (vn)
		vn_rele(vn);	/* the node stays: unlink removes names */
}

static const struct file_ops unix_fops = {
	.read = unix_read,
	.write = unix_write,
	.readv = unix_readv,
	.writev = unix_writev,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.getattr = unix_getattr,
	.release = unix_release,
};

/* ---- socket and socketpair ---- */

static int type_of(int type, int protocol, int *out)
{
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM;	/* as Linux */
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	*out = type;
	return 0;
}

int unix_socket(int type, int protocol, int flags)
{
	int err = type_of(type, protocol, &type);
	if (err)
		return err;
	struct usock *s = usock_new(type);
	struct file *f = s ? file_new(&unix_fops, O_RDWR | (flags & O_NONBLOCK), s) : NULL;
	if (!f) {
		kfree(s);
		return -ENOMEM;
	}
	s->file = f;	/* not shared yet: no lock needed */
	int fd = fd_install(&this_proc()->fds, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}

int unix_socketpair(int type, int protocol, int flags, struct file *ends[2])
{
	int err = type_of(type, protocol, &type);
	if (err)
		return err;
	struct usock *a = usock_new(type), *b = usock_new(type);
	struct file *fa = NULL, *fb = NULL;
	if (a && b) {
		fa = file_new(&unix_fops, O_RDWR | (flags & O_NONBLOCK), a);
		fb = file_new(&unix_fops, O_RDWR | (flags & O_NONBLOCK), b);
	}
	if (!fa || !fb) {
		/* Nothing is connected yet: no release, only memory to free. */
		struct file *ends[2] = { fa, fb };
		for (int i = 0; i < 2; i++) {
			if (ends[i]) {
				ends[i]->ops = NULL;
				file_rele(ends[i]);
			}
		}
		kfree(a);
		kfree(b);
		return -ENOMEM;
	}
	mutex_lock(&unix_lock);
	a->file = fa;
	b->file = fb;
	a->peer = b;
	b->peer = a;
	hold(a);
	hold(b);
	a->state = b->state = US_CONNECTED;
	a->has_peercred = b->has_peercred = true;
	mutex_unlock(&unix_lock);
	ends[0] = fa;
	ends[1] = fb;
	return 0;
}
