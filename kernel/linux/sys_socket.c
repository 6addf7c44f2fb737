/* Sockets in the Linux ABI: AF_INET stream (TCP) and datagram (UDP)
 * sockets as files whose ops call kernel/net's socket layer. Addresses
 * are struct sockaddr_in; options are Linux's numbers, turned into the
 * layer's. read/write/poll/ioctl(FIONREAD)/fstat work on a socket as on
 * Linux; FIONBIO and O_NONBLOCK through fcntl act on the file's flags,
 * which every call here reads. A send on a broken connection fails with
 * EPIPE and sends the caller SIGPIPE, unless MSG_NOSIGNAL. */
#include "linux/sys_fs.h"
#include "linux/netlink.h"
#include "net/net.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

#define AF_UNSPEC	0
#define AF_INET		2
#define SOCK_TYPE_MASK	0xf
#define SOCK_NONBLOCK	O_NONBLOCK
#define SOCK_CLOEXEC	O_CLOEXEC
#define IPPROTO_IP	0
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17

#define MSG_PEEK	0x02
#define MSG_TRUNC	0x20
#define MSG_DONTWAIT	0x40
#define MSG_WAITALL	0x100
#define MSG_NOSIGNAL	0x4000
#define MSG_MORE	0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SOL_SOCKET	1
#define SO_REUSEADDR	2
#define SO_TYPE		3
#define SO_ERROR	4
#define SO_BROADCAST	6
#define SO_SNDBUF	7
#define SO_RCVBUF	8
#define SO_KEEPALIVE	9
#define SO_LINGER	13
#define SO_REUSEPORT	15
#define SO_RCVTIMEO	20
#define SO_SNDTIMEO	21
#define SO_ACCEPTCONN	30
#define SO_PROTOCOL	38
#define SO_DOMAIN	39
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

struct msghdr {
	void *name;
	uint32_t namelen;
	struct kiovec *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	int flags;
};

struct timeval {
	int64_t sec, usec;
};

struct linger {
	int32_t onoff, secs;
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

static long sockf_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { buf, len };
	return sock_recv(sock_of(f), &v, 1, NULL, NULL, nowait(f));
}

/* EPIPE comes with SIGPIPE, as on Linux, unless the caller said not. */
static long sent(long n, int mflags)
{
	if (n == -EPIPE && !(mflags & MSG_NOSIGNAL))
		signal_send_thread(thread_current()->os_priv, SIGPIPE, SI_USER);
	return n;
}

static long sockf_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	struct kiovec v = { (void *)buf, len };
	return sent(sock_send(sock_of(f), &v, 1, NULL, nowait(f)), 0);
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
	*(int *)arg = n > INT32_MAX ? INT32_MAX : (int)n;	/* checked by sys_ioctl */
	return 0;
}

static int sockf_getattr(struct file *f, struct vattr *va)
{
	va->ino = (uintptr_t)f->priv >> 4;
	va->mode = S_IFSOCK | 0777;
	va->nlink = 1;
	va->blksize = 4096;
	return 0;
}

static void sockf_release(struct file *f)
{
	sock_close(sock_of(f));
}

static const struct file_ops sock_fops = {
	.read = sockf_read,
	.write = sockf_write,
	.poll = sockf_poll,
	.ioctl = sockf_ioctl,
	.getattr = sockf_getattr,
	.release = sockf_release,
};

/* The socket behind fd, its file held: 0, -EBADF or -ENOTSOCK. */
static int sget(int fd, struct file **fp, struct sock **sp)
{
	int err = fget(fd, fp);

	if (err)
		return err;
	if ((*fp)->ops != &sock_fops) {
		file_rele(*fp);
		return -ENOTSOCK;
	}
	*sp = sock_of(*fp);
	return 0;
}

static int install(struct sock *s, int flags)
{
	struct file *f = file_new(&sock_fops, O_RDWR | (flags & O_NONBLOCK), s);

	if (!f) {
		sock_close(s);
		return -ENOMEM;
	}
	int fd = fd_install(&proc->fds, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_rele(f);
	return fd;
}

/* ---- addresses ---- */

static int addr_in(const void *uaddr, uint32_t len, struct sock_addr *a, bool unspec_ok)
{
	struct sockaddr_in sin;

	if (len < sizeof(uint16_t) || len > 128)
		return -EINVAL;
	if (!user_ok(uaddr, len < SOCKADDR_IN_LEN ? len : SOCKADDR_IN_LEN, false))
		return -EFAULT;
	memset(&sin, 0, sizeof(sin));
	memcpy(&sin, uaddr, len < SOCKADDR_IN_LEN ? len : SOCKADDR_IN_LEN);
	if (sin.family == AF_UNSPEC && unspec_ok) {
		a->addr = 0;
		a->port = 0;
		return 0;
	}
	if (len < SOCKADDR_IN_LEN)
		return -EINVAL;
	if (sin.family != AF_INET)
		return -EAFNOSUPPORT;
	a->addr = sin.addr;
	a->port = sin.port;
	return 0;
}

/* Writes a sockaddr_in cut to *len bytes (a kernel copy of the
 * program's length) and sets *len to its whole size. */
static int addr_out(const struct sock_addr *a, void *uaddr, uint32_t *len)
{
	if ((int32_t)*len < 0)
		return -EINVAL;
	struct sockaddr_in sin = { .family = AF_INET, .port = a->port, .addr = a->addr };
	size_t n = *len < sizeof(sin) ? *len : sizeof(sin);
	if (!user_ok(uaddr, n, true))
		return -EFAULT;
	memcpy(uaddr, &sin, n);
	*len = sizeof(sin);
	return 0;
}

/* addr_out for a length the program passed by pointer. */
static int addr_out_user(const struct sock_addr *a, void *uaddr, uint32_t *ulen)
{
	if (!uaddr)
		return 0;
	if (!user_ok(ulen, sizeof(*ulen), true))
		return -EFAULT;
	uint32_t len = *ulen;
	int err = addr_out(a, uaddr, &len);
	if (!err)
		*ulen = len;
	return err;
}

/* ---- the calls ---- */

static long sys_socket(int domain, int type, int protocol)
{
	int kind = type & SOCK_TYPE_MASK, flags = type & ~SOCK_TYPE_MASK;

	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != IPPROTO_IP && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	struct sock *s;
	int err = sock_create(kind, &s);
	return err ? err : install(s, flags);
}
SYSCALL(41, socket, sys_socket);

/* bind and connect: the socket at fd and the program's address. */
static long with_addr(int fd, const void *uaddr, uint32_t len, bool connecting)
{
	struct file *f;
	struct sock *s;
	struct sock_addr a;
	int err = sget(fd, &f, &s);

	if (err)
		return err;
	err = addr_in(uaddr, len, &a, connecting && sock_type(s) == SOCK_DGRAM);
	if (!err)
		err = connecting ? sock_connect(s, &a, nowait(f)) : sock_bind(s, &a);
	file_rele(f);
	return err;
}

static long sys_bind(int fd, const void *uaddr, uint32_t len)
{
	return with_addr(fd, uaddr, len, false);
}
SYSCALL(49, bind, sys_bind);

static long sys_listen(int fd, int backlog)
{
	struct file *f;
	struct sock *s;
	int err = sget(fd, &f, &s);

	if (err)
		return err;
	err = sock_listen(s, backlog);
	file_rele(f);
	return err;
}
SYSCALL(50, listen, sys_listen);

static long sys_accept4(int fd, void *uaddr, uint32_t *ulen, int flags)
{
	struct file *f;
	struct sock *s, *c;
	struct sock_addr peer;
	int err = sget(fd, &f, &s);

	if (err)
		return err;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		err = -EINVAL;
	else if (uaddr && !user_ok(ulen, sizeof(*ulen), true))
		err = -EFAULT;
	else
		err = sock_accept(s, nowait(f), &c, &peer);
	file_rele(f);
	if (err)
		return err;
	int nfd = install(c, flags);
	if (nfd >= 0 && (err = addr_out_user(&peer, uaddr, ulen))) {
		fd_close(&proc->fds, nfd);
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

static long sys_connect(int fd, const void *uaddr, uint32_t len)
{
	return with_addr(fd, uaddr, len, true);
}
SYSCALL(42, connect, sys_connect);

static long name_call(int fd, void *uaddr, uint32_t *ulen, bool peer)
{
	struct file *f;
	struct sock *s;
	struct sock_addr a;
	int err = sget(fd, &f, &s);

	if (err)
		return err;
	err = uaddr ? sock_name(s, peer, &a) : -EFAULT;
	if (!err)
		err = addr_out_user(&a, uaddr, ulen);
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
	struct sock *s;
	int err = sget(fd, &f, &s);

	if (err)
		return err;
	err = how < 0 || how > 2 ? -EINVAL : sock_shutdown(s, how != 1, how != 0);
	file_rele(f);
	return err;
}
SYSCALL(48, shutdown, sys_shutdown);

/* ---- data ---- */

static unsigned io_flags(struct file *f, int mflags)
{
	return nowait(f) | (mflags & MSG_DONTWAIT ? SOCK_NOWAIT : 0) |
	    (mflags & MSG_PEEK ? SOCK_PEEK : 0) | (mflags & MSG_WAITALL ? SOCK_WAITALL : 0) |
	    (mflags & MSG_MORE ? SOCK_MORE : 0);
}

/* The program's iovec array (sys_fs.c's iov_get); more entries than
 * UIO_MAXIOV is EMSGSIZE for a message, as on Linux. */
static int msg_iov_get(const struct kiovec *uiov, size_t cnt, bool to_user,
    struct kiovec *small, struct kiovec **out)
{
	return cnt > UIO_MAXIOV ? -EMSGSIZE : iov_get(uiov, (int)cnt, to_user, small, out);
}

static long send_iov(int fd, const struct kiovec *iov, int cnt, int mflags,
    const void *uaddr, uint32_t alen)
{
	struct file *f;
	struct sock *s;
	struct sock_addr a;
	long err = sget(fd, &f, &s);

	if (err)
		return err;
	if (uaddr && (err = addr_in(uaddr, alen, &a, false)))
		goto out;
	err = sent(sock_send(s, iov, cnt, uaddr ? &a : NULL, io_flags(f, mflags)), mflags);
out:
	file_rele(f);
	return err;
}

static long sys_sendto(int fd, const void *buf, size_t len, int mflags,
    const void *uaddr, uint32_t alen)
{
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (!user_ok(buf, len, false))
		return -EFAULT;
	struct kiovec v = { (void *)buf, len };
	return send_iov(fd, &v, 1, mflags, uaddr, alen);
}
SYSCALL(44, sendto, sys_sendto);

static long sys_sendmsg(int fd, const struct msghdr *umsg, int mflags)
{
	struct msghdr m;
	struct kiovec small[IOV_SMALL], *iov;

	if (!user_ok(umsg, sizeof(m), false))
		return -EFAULT;
	memcpy(&m, umsg, sizeof(m));
	long err = msg_iov_get(m.iov, m.iovlen, false, small, &iov);
	if (err)
		return err;
	/* Ancillary data (SCM_RIGHTS and the like) is for AF_UNIX: none here. */
	err = send_iov(fd, iov, (int)m.iovlen, mflags, m.name, m.name ? m.namelen : 0);
	if (iov != small)
		kfree(iov);
	return err;
}
SYSCALL(46, sendmsg, sys_sendmsg);

/* Receives into iov; the sender goes to uaddr/ulen; *mflags_out gets
 * MSG_TRUNC for a datagram longer than asked (and with MSG_TRUNC in
 * mflags the datagram's whole length is returned, as on Linux). */
static long recv_iov(int fd, const struct kiovec *iov, int cnt, int mflags,
    void *uaddr, uint32_t *alen, int *mflags_out)
{
	struct file *f;
	struct sock *s;
	struct sock_addr from = { 0, 0 };
	size_t full = 0;
	long n = sget(fd, &f, &s);

	if (n)
		return n;
	n = sock_recv(s, iov, cnt, &from, &full, io_flags(f, mflags));
	bool dgram = sock_type(s) == SOCK_DGRAM;
	file_rele(f);
	if (n < 0)
		return n;
	if (mflags_out)
		*mflags_out = dgram && full > (size_t)n ? MSG_TRUNC : 0;
	if (dgram && (mflags & MSG_TRUNC))
		n = (long)full;
	if (uaddr && dgram) {
		int err = addr_out(&from, uaddr, alen);
		if (err)
			return err;
	} else if (uaddr) {
		*alen = 0;	/* a stream names no sender, as Linux */
	}
	return n;
}

static long sys_recvfrom(int fd, void *buf, size_t len, int mflags, void *uaddr, uint32_t *ulen)
{
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (!user_ok(buf, len, true))
		return -EFAULT;
	if (uaddr && !user_ok(ulen, sizeof(*ulen), true))
		return -EFAULT;
	struct kiovec v = { buf, len };
	uint32_t alen = uaddr ? *ulen : 0;
	long n = recv_iov(fd, &v, 1, mflags, uaddr, &alen, NULL);
	if (n >= 0 && uaddr)
		*ulen = alen;
	return n;
}
SYSCALL(45, recvfrom, sys_recvfrom);

static long sys_recvmsg(int fd, struct msghdr *umsg, int mflags)
{
	struct msghdr m;
	struct kiovec small[IOV_SMALL], *iov;

	if (!user_ok(umsg, sizeof(m), true))
		return -EFAULT;
	memcpy(&m, umsg, sizeof(m));
	long n = msg_iov_get(m.iov, m.iovlen, true, small, &iov);
	if (n)
		return n;
	int oflags = 0;
	uint32_t namelen = m.namelen;
	n = recv_iov(fd, iov, (int)m.iovlen, mflags, m.name, &namelen, &oflags);
	if (iov != small)
		kfree(iov);
	if (n >= 0) {
		umsg->namelen = m.name ? namelen : 0;
		umsg->controllen = 0;	/* no ancillary data on AF_INET here */
		umsg->flags = oflags;
	}
	return n;
}
SYSCALL(47, recvmsg, sys_recvmsg);

struct mmsghdr {
	struct msghdr hdr;
	uint32_t len;
};

#define MSG_WAITFORONE	0x10000

/* Each message in turn until one fails: the count sent, or that first
 * failure when none was. */
static long sys_sendmmsg(int fd, struct mmsghdr *uvec, unsigned vlen, int mflags)
{
	long n = 0, r = 0;

	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (; n < vlen; n++) {
		if (!user_ok(&uvec[n], sizeof(uvec[n]), true))
			return n ? n : -EFAULT;
		if ((r = sys_sendmsg(fd, &uvec[n].hdr, mflags)) < 0)
			break;
		uvec[n].len = (uint32_t)r;
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
		if (!user_ok(&uvec[n], sizeof(uvec[n]), true))
			return n ? n : -EFAULT;
		int fl = mflags & ~MSG_WAITFORONE;
		if (n && (mflags & MSG_WAITFORONE))
			fl |= MSG_DONTWAIT;
		if ((r = sys_recvmsg(fd, &uvec[n].hdr, fl)) < 0)
			break;
		uvec[n].len = (uint32_t)r;
		if (deadline && clock_ns() >= deadline) {
			n++;
			break;
		}
	}
	return n ? n : r;
}
SYSCALL(299, recvmmsg, sys_recvmmsg);

/* ---- options ---- */

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

static long sys_setsockopt(int fd, int level, int name, const void *uval, uint32_t len)
{
	struct file *f;
	struct sock *s;
	int err = sget(fd, &f, &s);

	if (err)
		return err;
	int opt = opt_of(level, name, sock_type(s) == SOCK_STREAM);
	int64_t val = 0;
	if (opt < 0) {
		err = opt;
	} else if (opt == SO_OPT_TYPE || opt == SO_OPT_ERROR || opt == SO_OPT_ACCEPTCONN) {
		err = -ENOPROTOOPT;	/* read-only */
	} else if (is_time(opt)) {
		struct timeval tv;
		if (len < sizeof(tv))
			err = -EINVAL;
		else if (!user_ok(uval, sizeof(tv), false))
			err = -EFAULT;
		else if (memcpy(&tv, uval, sizeof(tv)), tv.usec < 0 || tv.usec >= 1000000)
			err = -EDOM;
		else
			val = tv.sec < 0 ? 0 : tv.sec * 1000000000LL + tv.usec * 1000;
	} else if (opt == SO_OPT_LINGER) {
		struct linger l;
		if (len < sizeof(l))
			err = -EINVAL;
		else if (!user_ok(uval, sizeof(l), false))
			err = -EFAULT;
		else if (memcpy(&l, uval, sizeof(l)), true)
			val = l.onoff ? (l.secs < 0 ? 0 : l.secs) : -1;
	} else if (len < sizeof(int)) {
		err = -EINVAL;
	} else if (!user_ok(uval, sizeof(int), false)) {
		err = -EFAULT;
	} else {
		val = *(const int *)uval;
	}
	if (!err)
		err = sock_setopt(s, (enum sock_opt)opt, val);
	file_rele(f);
	return err;
}
SYSCALL(54, setsockopt, sys_setsockopt);

/* An option's value cut to the program's len bytes; *ulen its length. */
static long opt_out(const void *val, size_t size, void *uval, uint32_t *ulen, int32_t len)
{
	size_t n = (size_t)len < size ? (size_t)len : size;

	if (!user_ok(uval, n, true))
		return -EFAULT;
	memcpy(uval, val, n);
	*ulen = (uint32_t)n;
	return 0;
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

static long tcp_info_out(const struct sock_tcp_info *ti, void *uval, uint32_t *ulen)
{
	if (!user_ok(ulen, sizeof(*ulen), true))
		return -EFAULT;
	int32_t len = (int32_t)*ulen;
	if (len < 0)
		return -EINVAL;
	struct linux_tcp_info t = {
		.state = ti->state, .retransmits = ti->retransmits, .rto = ti->rto_us,
		.snd_mss = ti->snd_mss, .rcv_mss = ti->rcv_mss, .unacked = ti->unacked,
		.pmtu = 1500, .rtt = ti->rtt_us, .rttvar = ti->rttvar_us,
		.snd_ssthresh = ti->snd_ssthresh, .snd_cwnd = ti->snd_cwnd, .advmss = ti->rcv_mss,
		.reordering = 3, .rcv_space = ti->rcv_space,
	};
	return opt_out(&t, sizeof(t), uval, ulen, len);
}

static long sys_getsockopt(int fd, int level, int name, void *uval, uint32_t *ulen)
{
	struct file *f;
	struct sock *s;
	int err = sget(fd, &f, &s);

	if (err)
		return err;
	int64_t val = 0;
	bool stream = sock_type(s) == SOCK_STREAM;
	int opt = opt_of(level, name, stream);
	if (level == IPPROTO_TCP && name == TCP_INFO) {
		struct sock_tcp_info ti;
		err = sock_tcp_info(s, &ti);
		file_rele(f);
		return err ? err : tcp_info_out(&ti, uval, ulen);
	}
	if (level == SOL_SOCKET && (name == SO_DOMAIN || name == SO_PROTOCOL)) {
		val = name == SO_DOMAIN ? AF_INET : stream ? IPPROTO_TCP : IPPROTO_UDP;
		opt = 0;
	} else if (opt >= 0) {
		err = sock_getopt(s, (enum sock_opt)opt, &val);
	} else {
		err = opt;
	}
	file_rele(f);
	if (err)
		return err;
	if (!user_ok(ulen, sizeof(*ulen), true))
		return -EFAULT;
	int32_t len = (int32_t)*ulen;
	if (len < 0)
		return -EINVAL;
	if (opt >= 0 && is_time(opt)) {
		struct timeval tv = { val / 1000000000LL, val % 1000000000LL / 1000 };
		size_t n = (size_t)len < sizeof(tv) ? (size_t)len : sizeof(tv);
		if (!user_ok(uval, n, true))
			return -EFAULT;
		memcpy(uval, &tv, n);
		*ulen = (uint32_t)n;
		return 0;
	}
	if (opt == SO_OPT_LINGER) {
		struct linger l = { val >= 0, val >= 0 ? (int)val : 0 };
		return opt_out(&l, sizeof(l), uval, ulen, len);
	}
	int v = (int)val;
	size_t n = (size_t)len < sizeof(v) ? (size_t)len : sizeof(v);
	if (!user_ok(uval, n, true))
		return -EFAULT;
	memcpy(uval, &v, n);
	*ulen = (uint32_t)n;
	return 0;
}
SYSCALL(55, getsockopt, sys_getsockopt);
