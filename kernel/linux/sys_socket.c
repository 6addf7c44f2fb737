/* The socket calls of the Linux ABI, and AF_INET behind them.
 *
 * The calls (the bottom of this file) copy addresses, message headers
 * and iovec arrays from the program and hand kernel copies to the
 * descriptor's address family (socket.h): AF_UNIX is unix.c; AF_INET is
 * here, stream (TCP) and datagram (UDP) sockets as files whose ops call
 * kernel/net's socket layer. Its addresses are struct sockaddr_in; its
 * options are Linux's numbers, turned into the layer's.
 * read/write/poll/ioctl(FIONREAD)/fstat work on a socket as on Linux;
 * FIONBIO and O_NONBLOCK through fcntl act on the file's flags, which
 * every call here reads. A send on a broken connection fails with EPIPE
 * and sends the caller SIGPIPE, unless MSG_NOSIGNAL. */
#include "linux/socket.h"
#include "linux/netlink.h"
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "net/net.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define IPPROTO_IP	0
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17

#define TCP_NODELAY	1
#define TCP_KEEPIDLE	4
#define TCP_KEEPINTVL	5
#define TCP_KEEPCNT	6
#define TCP_INFO	11

#define FIONREAD	0x541b
#define SOCKADDR_IN_LEN	16

struct sockaddr_in {
	uint16_t family;
	uint16_t port;
	uint32_t addr;
	uint8_t zero[8];
};

struct linger {
	int32_t onoff, secs;
};

/* struct msghdr as the program has it. */
struct msghdr {
	void *name;
	uint32_t namelen;
	struct kiovec *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	int flags;
};

static struct sock *sock_of(struct file *f)
{
	return f->priv;
}

/* ---- the file ---- */

static unsigned nowait(struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK ? SOCK_NOWAIT : 0;
}

static long sockf_readv(struct file *f, const struct kiovec *iov, int cnt)
{
	return sock_recv(sock_of(f), iov, cnt, NULL, NULL, nowait(f));
}

static long sockf_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { buf, len };
	return sockf_readv(f, &v, 1);
}

/* EPIPE comes with SIGPIPE, as on Linux, unless the caller said not. */
static long sent(long n, int mflags)
{
	if (n == -EPIPE && !(mflags & MSG_NOSIGNAL))
		signal_send_thread(thread_current()->os_priv, SIGPIPE, SI_USER);
	return n;
}

static long sockf_writev(struct file *f, const struct kiovec *iov, int cnt)
{
	return sent(sock_send(sock_of(f), iov, cnt, NULL, nowait(f)), 0);
}

static long sockf_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { (void *)buf, len };
	return sockf_writev(f, &v, 1);
}

static unsigned sockf_poll(struct file *f, unsigned events, struct poll_table *pt)
{
	/* Registers before looking, so a change after the look still wakes. */
	if (pt)
		pt->add(pt, sock_waitq(sock_of(f)));
	return sock_poll(sock_of(f)) & (events | POLLHUP | POLLERR);
}

static int sockf_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	if (cmd != FIONREAD)
		return ifreq_ioctl(cmd, (void *)arg);
	long n = sock_nread(sock_of(f));
	if (n < 0)
		return (int)n;
	return put_user(n > INT32_MAX ? INT32_MAX : (int)n, (int *)arg);
}

static void sockf_release(struct file *f)
{
	sock_close(sock_of(f));
}

static const struct file_ops sock_fops = {
	.read = sockf_read,
	.write = sockf_write,
	.readv = sockf_readv,
	.writev = sockf_writev,
	.poll = sockf_poll,
	.ioctl = sockf_ioctl,
	.getattr = sock_file_getattr,
	.release = sockf_release,
};

static int install(struct sock *s, int flags)
{
	struct file *f = file_new(&sock_fops, O_RDWR | (flags & O_NONBLOCK), s);

	if (!f) {
		sock_close(s);
		return -ENOMEM;
	}
	int fd = fd_install(&this_proc()->fds, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}


/* ---- AF_INET addresses ---- */

/* a as a sockaddr_in; AF_UNSPEC (a datagram's disconnect) when unspec_ok. */
static int inet_addr_in(const struct ksockaddr *a, struct sock_addr *out, bool unspec_ok)
{
	struct sockaddr_in sin;

	if (a->len < sizeof(uint16_t))
		return -EINVAL;
	memcpy(&sin, a->bytes, sizeof(sin));	/* bytes past len are zeros */
	if (sin.family == AF_UNSPEC && unspec_ok) {
		out->addr = 0;
		out->port = 0;
		return 0;
	}
	if (a->len < SOCKADDR_IN_LEN)
		return -EINVAL;
	if (sin.family != AF_INET)
		return -EAFNOSUPPORT;
	out->addr = sin.addr;
	out->port = sin.port;
	return 0;
}

static void inet_addr_out(const struct sock_addr *a, struct ksockaddr *out)
{
	struct sockaddr_in sin = { .family = AF_INET, .port = a->port, .addr = a->addr };
	memcpy(out->bytes, &sin, sizeof(sin));
	out->len = sizeof(sin);
}

/* ---- AF_INET calls ---- */

static int inet_socket(int type, int protocol, int flags)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != IPPROTO_IP && protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	struct sock *s;
	int err = sock_create(type, &s);
	return err ? err : install(s, flags);
}

static int inet_bind(struct file *f, struct ksockaddr *ka)
{
	struct sock_addr a;
	int err = inet_addr_in(ka, &a, false);
	return err ? err : sock_bind(sock_of(f), &a);
}

static int inet_connect(struct file *f, struct ksockaddr *ka)
{
	struct sock *s = sock_of(f);
	struct sock_addr a;
	int err = inet_addr_in(ka, &a, sock_type(s) == SOCK_DGRAM);
	return err ? err : sock_connect(s, &a, nowait(f));
}

static int inet_listen(struct file *f, int backlog)
{
	return sock_listen(sock_of(f), backlog);
}

static int inet_accept(struct file *f, int flags, struct ksockaddr *peer)
{
	struct sock *c;
	struct sock_addr a;
	int err = sock_accept(sock_of(f), nowait(f), &c, &a);
	if (err)
		return err;
	inet_addr_out(&a, peer);
	return install(c, flags);
}

static int inet_getname(struct file *f, bool peer, struct ksockaddr *ka)
{
	struct sock_addr a;
	int err = sock_name(sock_of(f), peer, &a);
	if (!err)
		inet_addr_out(&a, ka);
	return err;
}

static int inet_shutdown(struct file *f, int how)
{
	return sock_shutdown(sock_of(f), how != SHUT_WR, how != SHUT_RD);
}

static unsigned io_flags(struct file *f, int mflags)
{
	return nowait(f) | (mflags & MSG_DONTWAIT ? SOCK_NOWAIT : 0) |
	    (mflags & MSG_PEEK ? SOCK_PEEK : 0) | (mflags & MSG_WAITALL ? SOCK_WAITALL : 0) |
	    (mflags & MSG_MORE ? SOCK_MORE : 0);
}

/* Ancillary data (SCM_RIGHTS and the like) is for AF_UNIX: ignored here. */
static long inet_sendmsg(struct file *f, struct kmsg *m, int mflags)
{
	struct sock_addr a;
	if (m->name) {
		long err = inet_addr_in(m->name, &a, false);
		if (err)
			return err;
	}
	return sent(sock_send(sock_of(f), m->iov, m->iovcnt, m->name ? &a : NULL,
	    io_flags(f, mflags)), mflags);
}

/* MSG_TRUNC in m->flags for a datagram longer than asked (and with
 * MSG_TRUNC in mflags the datagram's whole length is returned, as on
 * Linux); a stream names no sender, as Linux. */
static long inet_recvmsg(struct file *f, struct kmsg *m, int mflags)
{
	struct sock *s = sock_of(f);
	struct sock_addr from = { 0, 0 };
	size_t full = 0;
	long n = sock_recv(s, m->iov, m->iovcnt, &from, &full, io_flags(f, mflags));
	if (n < 0)
		return n;
	bool dgram = sock_type(s) == SOCK_DGRAM;
	m->flags = dgram && full > (size_t)n ? MSG_TRUNC : 0;
	if (dgram && (mflags & MSG_TRUNC))
		n = (long)full;
	if (m->name && dgram)
		inet_addr_out(&from, m->name);
	else if (m->name)
		m->name->len = 0;
	m->controllen = 0;
	return n;
}

/* Linux's option as the layer's, or -ENOPROTOOPT. */
static int opt_of(int level, int name, bool stream)
{
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: return SO_OPT_REUSEADDR;
		case SO_TYPE: return SO_OPT_TYPE;
		case SO_ERROR: return SO_OPT_ERROR;
		case SO_BROADCAST: return SO_OPT_BROADCAST;
		case SO_SNDBUF: return SO_OPT_SNDBUF;
		case SO_RCVBUF: return SO_OPT_RCVBUF;
		case SO_KEEPALIVE: return SO_OPT_KEEPALIVE;
		case SO_RCVTIMEO: return SO_OPT_RCVTIMEO;
		case SO_SNDTIMEO: return SO_OPT_SNDTIMEO;
		case SO_ACCEPTCONN: return SO_OPT_ACCEPTCONN;
		case SO_LINGER: return SO_OPT_LINGER;
		case SO_REUSEPORT: return SO_OPT_REUSEPORT;
		}
	} else if (level == IPPROTO_TCP && stream) {
		switch (name) {
		case TCP_NODELAY: return SO_OPT_NODELAY;
		case TCP_KEEPIDLE: return SO_OPT_KEEPIDLE;
		case TCP_KEEPINTVL: return SO_OPT_KEEPINTVL;
		case TCP_KEEPCNT: return SO_OPT_KEEPCNT;
		}
	}
	return -ENOPROTOOPT;
}

static bool is_time(int opt)
{
	return opt == SO_OPT_RCVTIMEO || opt == SO_OPT_SNDTIMEO;
}

static int inet_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
	struct sock *s = sock_of(f);
	int opt = opt_of(level, name, sock_type(s) == SOCK_STREAM);
	int64_t v = 0;
	if (opt < 0)
		return opt;
	if (opt == SO_OPT_TYPE || opt == SO_OPT_ERROR || opt == SO_OPT_ACCEPTCONN)
		return -ENOPROTOOPT;	/* read-only */
	if (is_time(opt)) {
		uint64_t ns;
		int err = sockopt_timeval_in(val, len, &ns);
		if (err)
			return err;
		v = (int64_t)ns;
	} else if (opt == SO_OPT_LINGER) {
		struct linger l;
		if (len < sizeof(l))
			return -EINVAL;
		if (!val)
			return -EFAULT;
		memcpy(&l, val, sizeof(l));
		v = l.onoff ? (l.secs < 0 ? 0 : l.secs) : -1;
	} else if (len < sizeof(int)) {
		return -EINVAL;
	} else if (!val) {
		return -EFAULT;
	} else {
		v = *(const int *)val;
	}
	return sock_setopt(s, (enum sock_opt)opt, v);
}

void sockopt_timeval_out(uint64_t ns, struct timeval *tv)
{
	tv->sec = (int64_t)(ns / 1000000000);
	tv->usec = (int64_t)(ns % 1000000000 / 1000);
}

/* SO_RCVTIMEO/SO_SNDTIMEO: 0 is none; a negative time is an immediate
 * timeout (Linux stores 0 jiffies), kept here as 1 ns. */
int sockopt_timeval_in(const void *val, uint32_t len, uint64_t *ns)
{
	struct timeval tv;
	if (len < sizeof(tv))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	if (tv.sec < 0)
		*ns = 1;
	else if (tv.sec > 0x7fffffff)
		*ns = 0;
	else
		*ns = (uint64_t)tv.sec * 1000000000 + (uint64_t)tv.usec * 1000;
	return 0;
}

void sockopt_out(const void *v, size_t size, void *val, uint32_t *len)
{
	*len = *len < size ? *len : (uint32_t)size;
	memcpy(val, v, *len);
}

/* struct tcp_info as Linux lays it out, up to tcpi_total_retrans. */
struct linux_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space;
	uint32_t total_retrans;		/* not counted by the stack: 0 */
};

static int tcp_info_out(struct sock *s, void *val, uint32_t *len)
{
	struct sock_tcp_info ti;
	int err = sock_tcp_info(s, &ti);
	if (err)
		return err;
	struct linux_tcp_info t = {
		.state = ti.state, .retransmits = ti.retransmits, .rto = ti.rto_us,
		.snd_mss = ti.snd_mss, .rcv_mss = ti.rcv_mss, .unacked = ti.unacked,
		.pmtu = 1500, .rtt = ti.rtt_us, .rttvar = ti.rttvar_us,
		.snd_ssthresh = ti.snd_ssthresh, .snd_cwnd = ti.snd_cwnd, .advmss = ti.rcv_mss,
		.reordering = 3, .rcv_space = ti.rcv_space,
	};
	sockopt_out(&t, sizeof(t), val, len);
	return 0;
}

static int inet_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
	struct sock *s = sock_of(f);
	int64_t v = 0;
	bool stream = sock_type(s) == SOCK_STREAM;
	int opt = opt_of(level, name, stream);
	int err = 0;
	if (level == IPPROTO_TCP && name == TCP_INFO)
		return tcp_info_out(s, val, len);
	if (level == SOL_SOCKET && (name == SO_DOMAIN || name == SO_PROTOCOL)) {
		v = name == SO_DOMAIN ? AF_INET : stream ? IPPROTO_TCP : IPPROTO_UDP;
		opt = 0;
	} else if (opt >= 0) {
		err = sock_getopt(s, (enum sock_opt)opt, &v);
	} else {
		err = opt;
	}
	if (err)
		return err;
	if (opt >= 0 && is_time(opt)) {
		struct timeval tv;
		sockopt_timeval_out((uint64_t)v, &tv);
		sockopt_out(&tv, sizeof(tv), val, len);
	} else if (opt == SO_OPT_LINGER) {
		struct linger l = { v >= 0, v >= 0 ? (int)v : 0 };
		sockopt_out(&l, sizeof(l), val, len);
	} else {
		int i = (int)v;
		sockopt_out(&i, sizeof(i), val, len);
	}
	return 0;
}

static const struct sock_family_ops inet_sock_ops = {
	.bind = inet_bind,
	.connect = inet_connect,
	.listen = inet_listen,
	.accept = inet_accept,
	.getname = inet_getname,
	.shutdown = inet_shutdown,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
};

/* ---- the calls ---- */

/* The socket behind fd, its file held, and its family: 0, -EBADF or
 * -ENOTSOCK. */
static int sget(int fd, struct file **fp, const struct sock_family_ops **ops)
{
	int err = fget(fd, fp);

	if (err)
		return err;
	if ((*fp)->ops == &sock_fops) {
		*ops = &inet_sock_ops;
	} else if (file_is_unix(*fp)) {
		*ops = &unix_sock_ops;
	} else if (file_is_netlink(*fp)) {
		*ops = &netlink_sock_ops;
	} else {
		file_rele(*fp);
		return -ENOTSOCK;
	}
	return 0;
}

/* The program's address (len bytes) in *a, zeros after it. */
static int addr_from_user(const void *uaddr, uint32_t len, struct ksockaddr *a)
{
	if (len > SOCKADDR_MAX)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->len = len;
	return copy_from_user(a->bytes, uaddr, len);
}

/* Writes a cut to the program's buffer of *len bytes (a kernel copy of
 * its length) and sets *len to a's whole length, as Linux. */
static int addr_to_user(const struct ksockaddr *a, void *uaddr, uint32_t *len)
{
	if ((int32_t)*len < 0)
		return -EINVAL;
	size_t n = *len < a->len ? *len : a->len;
	if (n && copy_to_user(uaddr, a->bytes, n))
		return -EFAULT;
	*len = a->len;
	return 0;
}

/* addr_to_user for a length the program passed by pointer. */
static int addr_to_user_len(const struct ksockaddr *a, void *uaddr, uint32_t *ulen)
{
	uint32_t len;
	if (get_user(len, ulen))
		return -EFAULT;
	int err = addr_to_user(a, uaddr, &len);
	return err ? err : put_user(len, ulen);
}

static long sys_socket(int domain, int type, int protocol)
{
	int kind = type & SOCK_TYPE_MASK, flags = type & ~SOCK_TYPE_MASK;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC) || kind >= SOCK_MAX)
		return -EINVAL;
	if (domain == AF_INET)
		return inet_socket(kind, protocol, flags);
	if (domain == AF_UNIX)
		return unix_socket(kind, protocol, flags);
	if (domain == AF_NETLINK)
		return netlink_socket(kind, protocol, flags);
	return -EAFNOSUPPORT;
}
SYSCALL(41, socket, sys_socket);

static long sys_socketpair(int domain, int type, int protocol, int *ufds)
{
	int kind = type & SOCK_TYPE_MASK, flags = type & ~SOCK_TYPE_MASK;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC) || kind >= SOCK_MAX)
		return -EINVAL;
	if (domain == AF_INET)
		return -EOPNOTSUPP;
	if (domain != AF_UNIX)
		return -EAFNOSUPPORT;
	/* Early, before any socket is made; the copy out decides. */
	if (!user_ok(ufds, 2 * sizeof(int), true))
		return -EFAULT;
	struct file *ends[2];
	int err = unix_socketpair(kind, protocol, flags, ends);
	return err ? err : fd_install_pair_user(ufds, ends, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
}
SYSCALL(53, socketpair, sys_socketpair);

/* bind and connect: the socket at fd and the program's address. */
static long with_addr(int fd, const void *uaddr, uint32_t len, bool connecting)
{
	struct file *f;
	const struct sock_family_ops *ops;
	struct ksockaddr a;
	int err = sget(fd, &f, &ops);

	if (err)
		return err;
	err = addr_from_user(uaddr, len, &a);
	if (!err)
		err = connecting ? ops->connect(f, &a) : ops->bind(f, &a);
	file_rele(f);
	return err;
}

static long sys_bind(int fd, const void *uaddr, uint32_t len)
{
	return with_addr(fd, uaddr, len, false);
}
SYSCALL(49, bind, sys_bind);

static long sys_connect(int fd, const void *uaddr, uint32_t len)
{
	return with_addr(fd, uaddr, len, true);
}
SYSCALL(42, connect, sys_connect);

static long sys_listen(int fd, int backlog)
{
	struct file *f;
	const struct sock_family_ops *ops;
	int err = sget(fd, &f, &ops);

	if (err)
		return err;
	err = ops->listen(f, backlog);
	file_rele(f);
	return err;
}
SYSCALL(50, listen, sys_listen);

static long sys_accept4(int fd, void *uaddr, uint32_t *ulen, int flags)
{
	struct file *f;
	const struct sock_family_ops *ops;
	struct ksockaddr peer = { .len = 0 };
	int err = sget(fd, &f, &ops);

	if (err)
		return err;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		err = -EINVAL;
	else if (uaddr && !user_ok(ulen, sizeof(*ulen), true))
		err = -EFAULT;		/* early: before a connection is taken */
	else
		err = ops->accept(f, flags, &peer);
	file_rele(f);
	if (err < 0 || !uaddr)
		return err;
	int nfd = err;
	if ((err = addr_to_user_len(&peer, uaddr, ulen))) {
		fd_close(&this_proc()->fds, nfd);
		return err;
	}
	return nfd;
}
SYSCALL(288, accept4, sys_accept4);

static long sys_accept(int fd, void *uaddr, uint32_t *ulen)
{
	return sys_accept4(fd, uaddr, ulen, 0);
}
SYSCALL(43, accept, sys_accept);

static long name_call(int fd, void *uaddr, uint32_t *ulen, bool peer)
{
	struct file *f;
	const struct sock_family_ops *ops;
	struct ksockaddr a = { .len = 0 };
	int err = sget(fd, &f, &ops);

	if (err)
		return err;
	err = uaddr ? ops->getname(f, peer, &a) : -EFAULT;
	if (!err)
		err = addr_to_user_len(&a, uaddr, ulen);
	file_rele(f);
	return err;
}

static long sys_getsockname(int fd, void *uaddr, uint32_t *ulen)
{
	return name_call(fd, uaddr, ulen, false);
}
SYSCALL(51, getsockname, sys_getsockname);

static long sys_getpeername(int fd, void *uaddr, uint32_t *ulen)
{
	return name_call(fd, uaddr, ulen, true);
}
SYSCALL(52, getpeername, sys_getpeername);

static long sys_shutdown(int fd, int how)
{
	struct file *f;
	const struct sock_family_ops *ops;
	int err = sget(fd, &f, &ops);

	if (err)
		return err;
	err = how < SHUT_RD || how > SHUT_RDWR ? -EINVAL : ops->shutdown(f, how);
	file_rele(f);
	return err;
}
SYSCALL(48, shutdown, sys_shutdown);

/* ---- data ---- */

/* The program's iovec array (sys_fs.c's iov_get); more entries than
 * UIO_MAXIOV is EMSGSIZE for a message, as on Linux. */
static int msg_iov_get(const struct kiovec *uiov, size_t cnt, bool to_user,
    struct kiovec *small, struct kiovec **out)
{
	return cnt > UIO_MAXIOV ? -EMSGSIZE : iov_get(uiov, (int)cnt, to_user, small, out);
}

static long send_call(int fd, struct kmsg *m, int mflags)
{
	struct file *f;
	const struct sock_family_ops *ops;
	long err = sget(fd, &f, &ops);

	if (err)
		return err;
	err = ops->sendmsg(f, m, mflags);
	file_rele(f);
	return err;
}

static long sys_sendto(int fd, const void *buf, size_t len, int mflags,
    const void *uaddr, uint32_t alen)
{
	struct ksockaddr a;

	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	/* Early EFAULT; the family copies the bytes checked. */
	if (!user_ok(buf, len, false))
		return -EFAULT;
	if (uaddr) {
		int err = addr_from_user(uaddr, alen, &a);
		if (err)
			return err;
	}
	struct kiovec v = { (void *)buf, len };
	struct kmsg m = { .name = uaddr ? &a : NULL, .iov = &v, .iovcnt = 1 };
	return send_call(fd, &m, mflags);
}
SYSCALL(44, sendto, sys_sendto);

/* The program's msghdr (read once), its iovec array in *iov (small or
 * kmalloc'd) and its name (a name longer than SOCKADDR_MAX is cut, as
 * Linux; none when its length is 0). */
static long msg_get(const struct msghdr *umsg, bool receiving, struct msghdr *m,
    struct kiovec *small, struct kiovec **iov)
{
	if (copy_from_user(m, umsg, sizeof(*m)))
		return -EFAULT;
	if (!m->name)
		m->namelen = 0;
	if ((int32_t)m->namelen < 0)
		return -EINVAL;
	if (m->namelen > SOCKADDR_MAX)
		m->namelen = SOCKADDR_MAX;
	if (!receiving && m->controllen > INT32_MAX)
		return -ENOBUFS;
	return msg_iov_get(m->iov, m->iovlen, receiving, small, iov);
}

static long sys_sendmsg(int fd, const struct msghdr *umsg, int mflags)
{
	struct msghdr m;
	struct kiovec small[IOV_SMALL], *iov;
	struct ksockaddr a;

	long err = msg_get(umsg, false, &m, small, &iov);
	if (err)
		return err;
	if (m.namelen)
		err = addr_from_user(m.name, m.namelen, &a);
	if (!err) {
		struct kmsg km = { .name = m.namelen ? &a : NULL, .iov = iov,
		    .iovcnt = (int)m.iovlen, .control = m.control, .controllen = m.controllen };
		err = send_call(fd, &km, mflags);
	}
	if (iov != small)
		kfree(iov);
	return err;
}
SYSCALL(46, sendmsg, sys_sendmsg);

static long recv_call(int fd, struct kmsg *m, int mflags)
{
	struct file *f;
	const struct sock_family_ops *ops;
	long n = sget(fd, &f, &ops);

	if (n)
		return n;
	n = ops->recvmsg(f, m, mflags);
	file_rele(f);
	return n;
}

static long sys_recvfrom(int fd, void *buf, size_t len, int mflags, void *uaddr, uint32_t *ulen)
{
	struct ksockaddr from = { .len = 0 };

	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	/* Early, before a message is taken; the copies decide. */
	if (!user_ok(buf, len, true))
		return -EFAULT;
	if (uaddr && !user_ok(ulen, sizeof(*ulen), true))
		return -EFAULT;
	struct kiovec v = { buf, len };
	struct kmsg m = { .name = uaddr ? &from : NULL, .iov = &v, .iovcnt = 1 };
	long n = recv_call(fd, &m, mflags);
	if (n >= 0 && uaddr) {
		int err = addr_to_user_len(&from, uaddr, ulen);
		if (err)
			return err;
	}
	return n;
}
SYSCALL(45, recvfrom, sys_recvfrom);

static long sys_recvmsg(int fd, struct msghdr *umsg, int mflags)
{
	struct msghdr m;
	struct kiovec small[IOV_SMALL], *iov;
	struct ksockaddr from = { .len = 0 };

	long n = msg_get(umsg, true, &m, small, &iov);
	if (n)
		return n;
	struct kmsg km = { .name = m.name ? &from : NULL, .iov = iov, .iovcnt = (int)m.iovlen,
	    .control = m.control, .controllen = m.controllen };
	n = recv_call(fd, &km, mflags);
	if (iov != small)
		kfree(iov);
	if (n < 0)
		return n;
	uint32_t namelen = m.namelen;
	if (m.name) {
		int err = addr_to_user(&from, m.name, &namelen);
		if (err)
			return err;
	}
	if (put_user(m.name ? namelen : 0, &umsg->namelen) ||
	    put_user(km.controllen, &umsg->controllen) || put_user(km.flags, &umsg->flags))
		return -EFAULT;
	return n;
}
SYSCALL(47, recvmsg, sys_recvmsg);

struct mmsghdr {
	struct msghdr hdr;
	uint32_t len;
};

#define MSG_WAITFORONE	0x10000

/* Each message in turn until one fails: the count sent, or that first
 * failure when none was. A message whose length cannot be written back
 * is not counted (it is sent), as on Linux. */
static long sys_sendmmsg(int fd, struct mmsghdr *uvec, unsigned vlen, int mflags)
{
	long n = 0, r = 0;

	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (; n < vlen; n++) {
		if ((r = sys_sendmsg(fd, &uvec[n].hdr, mflags)) < 0)
			break;
		if ((r = put_user((uint32_t)r, &uvec[n].len)))
			break;
	}
	return n ? n : r;
}
SYSCALL(307, sendmmsg, sys_sendmmsg);

/* As Linux: the timeout is looked at after each message; MSG_WAITFORONE
 * waits for the first only. An error after some messages is not reported. */
static long sys_recvmmsg(int fd, struct mmsghdr *uvec, unsigned vlen, int mflags,
    const void *uts)
{
	uint64_t deadline = 0;
	long n = 0, r = 0;

	if (uts) {
		if ((r = timespec_ns(uts, &deadline)))
			return r;
		deadline += clock_ns();
	}
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (; n < vlen; n++) {
		int fl = mflags & ~MSG_WAITFORONE;
		if (n && (mflags & MSG_WAITFORONE))
			fl |= MSG_DONTWAIT;
		if ((r = sys_recvmsg(fd, &uvec[n].hdr, fl)) < 0)
			break;
		if ((r = put_user((uint32_t)r, &uvec[n].len)))
			break;
		if (deadline && clock_ns() >= deadline) {
			n++;
			break;
		}
	}
	return n ? n : r;
}
SYSCALL(299, recvmmsg, sys_recvmmsg);

/* ---- options ---- */

static long sys_setsockopt(int fd, int level, int name, const void *uval, uint32_t len)
{
	struct file *f;
	const struct sock_family_ops *ops;
	uint8_t val[SOCKOPT_MAX];
	int err = sget(fd, &f, &ops);

	if (err)
		return err;
	size_t n = len < SOCKOPT_MAX ? len : SOCKOPT_MAX;
	bool ok = (int32_t)len >= 0 && !copy_from_user(val, uval, n);
	/* A bad pointer is the family's -EFAULT, after its length checks. */
	err = (int32_t)len < 0 ? -EINVAL : ops->setsockopt(f, level, name, ok ? val : NULL, len);
	file_rele(f);
	return err;
}
SYSCALL(54, setsockopt, sys_setsockopt);

static long sys_getsockopt(int fd, int level, int name, void *uval, uint32_t *ulen)
{
	struct file *f;
	const struct sock_family_ops *ops;
	uint8_t val[SOCKOPT_MAX];
	int err = sget(fd, &f, &ops);

	if (err)
		return err;
	uint32_t len;
	if (get_user(len, ulen)) {
		err = -EFAULT;
	} else if ((int32_t)len < 0) {
		err = -EINVAL;
	} else {
		len = len < SOCKOPT_MAX ? len : SOCKOPT_MAX;
		err = ops->getsockopt(f, level, name, val, &len);
		if (!err && len && copy_to_user(uval, val, len))
			err = -EFAULT;
		if (!err)
			err = put_user(len, ulen);
	}
	file_rele(f);
	return err;
}
SYSCALL(55, getsockopt, sys_getsockopt);
