/* NETLINK_ROUTE sockets, enough for what programs ask of the network's
 * shape: glibc's getifaddrs() and if_nameindex(), Python's
 * socket.if_nameindex(), iproute2's `ip link`/`ip addr` listings. A
 * request is answered at once, in the sender's context: the replies are
 * queued on the socket as datagrams (each up to NL_DGRAM_MAX bytes of
 * whole messages, the last dump message NLMSG_DONE in one of its own) and
 * read back with recv. Dumps (RTM_GETLINK, RTM_GETADDR with NLM_F_DUMP)
 * and single gets by index are answered; other requests get an
 * NLMSG_ERROR with -EOPNOTSUPP, and an NLM_F_ACK request an ack, as Linux.
 * Nothing is ever changed: RTM_NEWADDR and the like are refused (EPERM,
 * as for an unprivileged process), the interfaces being configured at
 * boot. Multicast groups (change notifications) are not sent. */
#include "linux/netlink.h"
#include "linux/socket.h"
#include "linux/uaccess.h"
#include "net/net.h"
#include "mm/mm.h"
#include "sched/sync.h"
#include <errno.h>
#include <string.h>

#define NLMSG_NOOP	1
#define NLMSG_ERROR	2
#define NLMSG_DONE	3
#define NLM_F_REQUEST	0x01
#define NLM_F_MULTI	0x02
#define NLM_F_ACK	0x04
#define NLM_F_DUMP	0x300

#define RTM_NEWLINK	16
#define RTM_GETLINK	18
#define RTM_NEWADDR	20
#define RTM_GETADDR	22

#define IFLA_ADDRESS	1
#define IFLA_BROADCAST	2
#define IFLA_IFNAME	3
#define IFLA_MTU	4
#define IFLA_TXQLEN	13
#define IFLA_OPERSTATE	16
#define IFA_ADDRESS	1
#define IFA_LOCAL	2
#define IFA_LABEL	3
#define IFA_BROADCAST	4

#define IFF_UP		0x1
#define IFF_BROADCAST	0x2
#define IFF_LOOPBACK	0x8
#define IFF_RUNNING	0x40
#define IFF_MULTICAST	0x1000
#define IFF_LOWER_UP	0x10000
#define ARPHRD_ETHER	1
#define ARPHRD_LOOPBACK	772
#define IF_OPER_DOWN	2
#define IF_OPER_UP	6
#define IF_OPER_UNKNOWN	0
#define IFA_F_PERMANENT	0x80
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_HOST	254
#define AF_INET_	2

#define NL_DGRAM_MAX	4096
#define NL_QUEUE_MAX	(256 * 1024)	/* replies not read yet: then ENOBUFS */
#define NL_ALIGN(n)	(((n) + 3u) & ~3u)

struct nlmsghdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct ifinfomsg {
	uint8_t family, pad;
	uint16_t type;
	int32_t index;
	uint32_t flags, change;
};

struct ifaddrmsg {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};

struct rtattr {
	uint16_t len, type;
};

struct nl_dgram {
	struct nl_dgram *next;
	uint32_t len;
	uint8_t data[];
};

/* Guarded by lock; the queue is only ever touched under it. */
struct nl_sock {
	struct mutex lock;
	struct waitq wq;		/* data queued */
	struct nl_dgram *head, **tail;
	size_t queued;
	uint32_t pid;			/* our port id: the process's pid */
	bool bound;
	int type;			/* SOCK_RAW or SOCK_DGRAM */
};

/* A datagram being filled. */
struct nl_out {
	struct nl_dgram *d;
	int err;
	uint32_t pid;			/* the asker's port id, in every reply */
};

int nl_create(int type, int protocol, struct nl_sock **out)
{
	if (type != NL_SOCK_RAW && type != NL_SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	struct nl_sock *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	waitq_init(&s->wq);
	s->tail = &s->head;
	s->type = type;
	*out = s;
	return 0;
}

void nl_close(struct nl_sock *s)
{
	for (struct nl_dgram *d = s->head, *next; d; d = next) {
		next = d->next;
		kfree(d);
	}
	kfree(s);
}

static void *put(struct nl_out *o, size_t len)
{
	if (o->err)
		return NULL;
	if (!o->d) {
		o->d = kmalloc(sizeof(*o->d) + NL_DGRAM_MAX);
		if (!o->d) {
			o->err = -ENOMEM;
			return NULL;
		}
		o->d->len = 0;
		o->d->next = NULL;
	}
	if (o->d->len + NL_ALIGN(len) > NL_DGRAM_MAX) {
		o->err = -EMSGSIZE;
		return NULL;
	}
	void *p = o->d->data + o->d->len;
	memset(p, 0, NL_ALIGN(len));
	o->d->len += NL_ALIGN(len);
	return p;
}

static void attr(struct nl_out *o, struct nlmsghdr *h, uint16_t type, const void *val, size_t len)
{
	struct rtattr *a = put(o, sizeof(*a) + len);

	if (!a)
		return;
	a->len = (uint16_t)(sizeof(*a) + len);
	a->type = type;
	memcpy(a + 1, val, len);
	h->len = (uint32_t)((uint8_t *)a + NL_ALIGN(a->len) - (uint8_t *)h);
}

static struct nlmsghdr *msg(struct nl_out *o, const struct nlmsghdr *req, uint16_t type,
    uint16_t flags, size_t body)
{
	struct nlmsghdr *h = put(o, sizeof(*h) + body);

	if (h)
		*h = (struct nlmsghdr){ (uint32_t)(sizeof(*h) + NL_ALIGN(body)), type, flags,
		    req->seq, o->pid };
	return h;
}

static void link_msg(struct nl_out *o, const struct nlmsghdr *req, uint16_t flags,
    const struct net_iface *ifc)
{
	struct nlmsghdr *h = msg(o, req, RTM_NEWLINK, flags, sizeof(struct ifinfomsg));
	if (!h)
		return;
	bool lo = ifc->flags & NET_IF_LOOPBACK, run = ifc->flags & NET_IF_RUNNING;
	struct ifinfomsg *m = (void *)(h + 1);
	m->type = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
	m->index = ifc->index;
	m->flags = (ifc->flags & NET_IF_UP ? IFF_UP : 0) | (run ? IFF_RUNNING | IFF_LOWER_UP : 0) |
	    (lo ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
	m->change = 0xffffffff;
	uint32_t mtu = ifc->mtu, txq = lo ? 1000 : 1000;
	uint8_t oper = lo ? IF_OPER_UNKNOWN : run ? IF_OPER_UP : IF_OPER_DOWN;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	attr(o, h, IFLA_IFNAME, ifc->name, strlen(ifc->name) + 1);
	attr(o, h, IFLA_MTU, &mtu, sizeof(mtu));
	attr(o, h, IFLA_TXQLEN, &txq, sizeof(txq));
	attr(o, h, IFLA_OPERSTATE, &oper, sizeof(oper));
	attr(o, h, IFLA_ADDRESS, ifc->mac, sizeof(ifc->mac));
	attr(o, h, IFLA_BROADCAST, lo ? ifc->mac : bcast, 6);
}

/* Bits set in a netmask (no libgcc in the kernel for popcount). */
static int prefix_len(uint32_t netmask_be)
{
	int n = 0;

	for (; netmask_be; netmask_be &= netmask_be - 1)
		n++;
	return n;
}

static void addr_msg(struct nl_out *o, const struct nlmsghdr *req, uint16_t flags,
    const struct net_iface *ifc)
{
	struct nlmsghdr *h = msg(o, req, RTM_NEWADDR, flags, sizeof(struct ifaddrmsg));
	if (!h)
		return;
	bool lo = ifc->flags & NET_IF_LOOPBACK;
	struct ifaddrmsg *m = (void *)(h + 1);
	m->family = AF_INET_;
	m->prefixlen = (uint8_t)prefix_len(ifc->netmask);
	m->flags = IFA_F_PERMANENT;
	m->scope = lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	m->index = (uint32_t)ifc->index;
	attr(o, h, IFA_ADDRESS, &ifc->addr, 4);
	attr(o, h, IFA_LOCAL, &ifc->addr, 4);
	if (!lo) {
		uint32_t b = ifc->addr | ~ifc->netmask;
		attr(o, h, IFA_BROADCAST, &b, 4);
	}
	attr(o, h, IFA_LABEL, ifc->name, strlen(ifc->name) + 1);
}

/* Moves the datagram being filled to the socket's queue. */
static int flush(struct nl_sock *s, struct nl_out *o)
{
	struct nl_dgram *d = o->d;

	o->d = NULL;
	if (o->err) {
		kfree(d);
		return o->err;
	}
	if (!d)
		return 0;
	if (s->queued + d->len > NL_QUEUE_MAX) {
		kfree(d);
		return -ENOBUFS;
	}
	*s->tail = d;
	s->tail = &d->next;
	s->queued += d->len;
	return 0;
}

static int error_msg(struct nl_sock *s, const struct nlmsghdr *req, int err)
{
	struct nl_out o = { .pid = s->pid };
	struct nlmsghdr *h = msg(&o, req, NLMSG_ERROR, 0, sizeof(int32_t) + sizeof(*req));
	if (h) {
		int32_t e = err;
		memcpy(h + 1, &e, sizeof(e));
		memcpy((uint8_t *)(h + 1) + sizeof(e), req, sizeof(*req));
	}
	return flush(s, &o);
}

/* The interfaces a request names: all (dump) or the one of its index. */
static int answer(struct nl_sock *s, const struct nlmsghdr *req, bool links, int index)
{
	struct net_iface ifs[8];
	int n = net_ifaces(ifs, 8), found = 0;
	bool dump = (req->flags & NLM_F_DUMP) == NLM_F_DUMP;
	struct nl_out o = { .pid = s->pid };
	int err = 0;

	if (n > 8)
		n = 8;
	for (int i = 0; i < n && !err; i++) {
		if (!dump && ifs[i].index != index)
			continue;
		if (!links && !ifs[i].addr)
			continue;	/* no IPv4 address yet: nothing to list */
		size_t before = o.d ? o.d->len : 0;
		(links ? link_msg : addr_msg)(&o, req, dump ? NLM_F_MULTI : 0, &ifs[i]);
		if (o.err == -EMSGSIZE && before) {
			/* Full: the message goes into the next datagram. */
			o.d->len = (uint32_t)before;
			o.err = 0;
			err = flush(s, &o);
			i--;
			continue;
		}
		found++;
	}
	if (!err)
		err = flush(s, &o);
	if (err)
		return err;
	if (!dump)
		return found ? 0 : -ENODEV;
	struct nlmsghdr *h = msg(&o, req, NLMSG_DONE, NLM_F_MULTI, sizeof(int32_t));
	if (h)
		memset(h + 1, 0, sizeof(int32_t));
	return flush(s, &o);
}

static int request(struct nl_sock *s, const struct nlmsghdr *h, size_t len)
{
	size_t body = h->len - sizeof(*h);
	int err;

	if (!(h->flags & NLM_F_REQUEST))
		return 0;		/* Linux ignores what is not a request */
	switch (h->type) {
	case NLMSG_NOOP:
	case NLMSG_DONE:
		err = 0;	/* nothing to do; an ack if asked, as Linux */
		break;
	case RTM_GETLINK:
	case RTM_GETADDR: {
		int32_t index = 0;
		if (h->type == RTM_GETLINK && body >= sizeof(struct ifinfomsg))
			memcpy(&index, (const uint8_t *)(h + 1) + 4, sizeof(index));
		if (h->type == RTM_GETADDR && body >= sizeof(struct ifaddrmsg))
			memcpy(&index, (const uint8_t *)(h + 1) + 4, sizeof(index));
		if ((h->flags & NLM_F_DUMP) != NLM_F_DUMP && index <= 0)
			err = -EINVAL;
		else
			err = answer(s, h, h->type == RTM_GETLINK, index);
		break;
	}
	default:
		/* New/delete requests change the network: not ours to allow. */
		err = h->type >= RTM_NEWLINK && h->type % 4 != 2 ? -EPERM : -EOPNOTSUPP;
		break;
	}
	if (err == -ENOMEM || err == -ENOBUFS)
		return err;
	if (err || (h->flags & NLM_F_ACK))
		return error_msg(s, h, err);
	return 0;
}

long nl_send(struct nl_sock *s, const struct kiovec *iov, int iovcnt)
{
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].len;
	if (total > 65536)
		return -EMSGSIZE;
	uint8_t *buf = kmalloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	/* The bases are checked by the callers (or the kernel's, sendfile's);
	 * a page unmapped meanwhile is -EFAULT, before any request is run. */
	size_t off = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (uaccess_copy(buf + off, iov[i].base, iov[i].len)) {
			kfree(buf);
			return -EFAULT;
		}
		off += iov[i].len;
	}
	int err = 0;
	mutex_lock(&s->lock);
	if (!s->pid)
		s->pid = (uint32_t)this_proc()->pid;
	/* Each message in turn; a truncated one ends the batch (Linux drops it). */
	for (off = 0; !err && off + sizeof(struct nlmsghdr) <= total;) {
		struct nlmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > total - off)
			break;
		struct nlmsghdr *m = (void *)(buf + off);
		err = request(s, m, h.len);
		off += NL_ALIGN(h.len);
	}
	mutex_unlock(&s->lock);
	kfree(buf);
	if (s->head)
		waitq_wake_all(&s->wq);
	return err ? err : (long)total;
}

long nl_recv(struct nl_sock *s, const struct kiovec *iov, int iovcnt, size_t *full, unsigned flags)
{
	mutex_lock(&s->lock);
	while (!s->head) {
		if (flags & SOCK_NOWAIT) {
			mutex_unlock(&s->lock);
			return -EAGAIN;
		}
		unsigned long irq = spin_lock_irqsave(&s->wq.lock);
		mutex_unlock(&s->lock);
		int err = waitq_wait_intr_locked(&s->wq, &irq, 0);
		spin_unlock_irqrestore(&s->wq.lock, irq);
		if (err)
			return err;
		mutex_lock(&s->lock);
	}
	/* s->lock is a mutex: the copy may fault and sleep under it. A fault is
	 * -EFAULT, and the datagram is consumed all the same, as Linux. */
	struct nl_dgram *d = s->head;
	size_t off = 0;
	long ret = 0;
	for (int i = 0; i < iovcnt && off < d->len && !ret; i++) {
		size_t n = d->len - off < iov[i].len ? d->len - off : iov[i].len;
		ret = uaccess_copy(iov[i].base, d->data + off, n);
		off += n;
	}
	*full = d->len;
	if (!(flags & SOCK_PEEK)) {
		s->head = d->next;
		if (!s->head)
			s->tail = &s->head;
		s->queued -= d->len;
		kfree(d);
	}
	mutex_unlock(&s->lock);
	return ret ? ret : (long)off;
}

int nl_bind(struct nl_sock *s, uint32_t pid, uint32_t groups)
{
	int err = 0;

	mutex_lock(&s->lock);
	if (groups)
		err = -EOPNOTSUPP;	/* no change notifications are sent */
	else if (pid && pid != (uint32_t)this_proc()->pid)
		err = -EADDRINUSE;	/* one process: only its own pid is free */
	else {
		s->pid = (uint32_t)this_proc()->pid;
		s->bound = true;
	}
	mutex_unlock(&s->lock);
	return err;
}

uint32_t nl_pid(struct nl_sock *s)
{
	mutex_lock(&s->lock);
	uint32_t pid = s->pid;
	mutex_unlock(&s->lock);
	return pid;
}

unsigned nl_poll(struct nl_sock *s)
{
	return __atomic_load_n(&s->head, __ATOMIC_ACQUIRE) ? POLLIN | POLLOUT : POLLOUT;
}

struct waitq *nl_waitq(struct nl_sock *s)
{
	return &s->wq;
}

long nl_nread(struct nl_sock *s)
{
	mutex_lock(&s->lock);
	long n = s->head ? (long)s->head->len : 0;
	mutex_unlock(&s->lock);
	return n;
}

/* ---- the socket calls ---- */

#define SOL_NETLINK		270
#define NETLINK_ADD_MEMBERSHIP	1
#define NETLINK_EXT_ACK		11
#define NETLINK_GET_STRICT_CHK	12
#define FIONREAD		0x541b

struct sockaddr_nl {
	uint16_t family, pad;
	uint32_t pid, groups;
};

static struct nl_sock *nl_of(struct file *f)
{
	return f->priv;
}

static unsigned nl_flags(struct file *f, int mflags)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK ||
	    (mflags & MSG_DONTWAIT) ? SOCK_NOWAIT : 0) | (mflags & MSG_PEEK ? SOCK_PEEK : 0);
}

static long nlf_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { buf, len };
	size_t full;
	return nl_recv(nl_of(f), &v, 1, &full, nl_flags(f, 0));
}

static long nlf_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { (void *)buf, len };
	return nl_send(nl_of(f), &v, 1);
}

static unsigned nlf_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	if (pt)
		pt->add(pt, nl_waitq(nl_of(f)));
	return nl_poll(nl_of(f)) & events;
}

static int nlf_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	if (cmd != FIONREAD)
		return ifreq_ioctl(cmd, (void *)arg);
	return put_user((int)nl_nread(nl_of(f)), (int *)arg);
}

static void nlf_release(struct file *f)
{
	nl_close(nl_of(f));
}

static const struct file_ops nl_fops = {
	.read = nlf_read,
	.write = nlf_write,
	.poll = nlf_poll,
	.ioctl = nlf_ioctl,
	.getattr = sock_file_getattr,
	.release = nlf_release,
};

bool file_is_netlink(struct file *f)
{
	return f->ops == &nl_fops;
}

int netlink_socket(int type, int protocol, int flags)
{
	struct nl_sock *s;
	int err = nl_create(type, protocol, &s);

	if (err)
		return err;
	struct file *f = file_new(&nl_fops, O_RDWR | (flags & O_NONBLOCK), s);
	if (!f) {
		nl_close(s);
		return -ENOMEM;
	}
	int fd = fd_install(&this_proc()->fds, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}

static int nl_addr_in(const struct ksockaddr *a, struct sockaddr_nl *nl)
{
	if (a->len < sizeof(*nl))
		return -EINVAL;
	memcpy(nl, a->bytes, sizeof(*nl));
	return nl->family == AF_NETLINK ? 0 : -EINVAL;
}

static void nl_addr_out(uint32_t pid, struct ksockaddr *a)
{
	struct sockaddr_nl nl = { .family = AF_NETLINK, .pid = pid };

	memset(a, 0, sizeof(*a));
	memcpy(a->bytes, &nl, sizeof(nl));
	a->len = sizeof(nl);
}

static int nlo_bind(struct file *f, struct ksockaddr *a)
{
	struct sockaddr_nl nl;
	int err = nl_addr_in(a, &nl);
	return err ? err : nl_bind(nl_of(f), nl.pid, nl.groups);
}

/* Only the kernel (port 0) answers: the one process has no peers. */
static int nlo_connect(struct file *f, struct ksockaddr *a)
{
	struct sockaddr_nl nl;
	int err = nl_addr_in(a, &nl);
	return err ? err : nl.pid ? -ECONNREFUSED : 0;
}

static int nlo_listen(struct file *f, int backlog)
{
	return -EOPNOTSUPP;
}

static int nlo_accept(struct file *f, int flags, struct ksockaddr *peer)
{
	return -EOPNOTSUPP;
}

static int nlo_getname(struct file *f, bool peer, struct ksockaddr *a)
{
	nl_addr_out(peer ? 0 : nl_pid(nl_of(f)), a);
	return 0;
}

static int nlo_shutdown(struct file *f, int how)
{
	return 0;
}

static long nlo_sendmsg(struct file *f, struct kmsg *m, int mflags)
{
	struct sockaddr_nl nl;

	if (m->name) {
		int err = nl_addr_in(m->name, &nl);
		if (err)
			return err;
		if (nl.pid || nl.groups)
			return -ECONNREFUSED;
	}
	return nl_send(nl_of(f), m->iov, m->iovcnt);
}

static long nlo_recvmsg(struct file *f, struct kmsg *m, int mflags)
{
	size_t full = 0;
	long n = nl_recv(nl_of(f), m->iov, m->iovcnt, &full, nl_flags(f, mflags));

	if (n < 0)
		return n;
	m->flags = full > (size_t)n ? MSG_TRUNC : 0;
	if (m->name)
		nl_addr_out(0, m->name);	/* from the kernel */
	m->controllen = 0;
	return mflags & MSG_TRUNC ? (long)full : n;
}

/* Buffer sizes are taken (the queue's bound is fixed) and the options
 * iproute2 sets accepted: extended acks are allowed, never required;
 * requests are checked strictly anyway. */
static int nlo_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
	if (len < sizeof(int))
		return -EINVAL;
	if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF))
		return 0;
	if (level == SOL_NETLINK && (name == NETLINK_EXT_ACK || name == NETLINK_GET_STRICT_CHK))
		return 0;
	if (level == SOL_NETLINK && name == NETLINK_ADD_MEMBERSHIP)
		return -EOPNOTSUPP;	/* no change notifications are sent */
	return -ENOPROTOOPT;
}

static int nlo_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
	int v;

	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_TYPE: v = nl_of(f)->type; break;
	case SO_DOMAIN: v = AF_NETLINK; break;
	case SO_PROTOCOL: v = NETLINK_ROUTE; break;
	case SO_RCVBUF:
	case SO_SNDBUF: v = NL_QUEUE_MAX; break;
	case SO_ERROR: v = 0; break;
	default: return -ENOPROTOOPT;
	}
	sockopt_out(&v, sizeof(v), val, len);
	return 0;
}

const struct sock_family_ops netlink_sock_ops = {
	.bind = nlo_bind,
	.connect = nlo_connect,
	.listen = nlo_listen,
	.accept = nlo_accept,
	.getname = nlo_getname,
	.shutdown = nlo_shutdown,
	.sendmsg = nlo_sendmsg,
	.recvmsg = nlo_recvmsg,
	.setsockopt = nlo_setsockopt,
	.getsockopt = nlo_getsockopt,
};
