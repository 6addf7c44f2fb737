/* TCP and UDP echo, as a server for the host and as a self-test over
 * loopback.
 *
 *   echo serve PORT N   echoes TCP connections and UDP datagrams on PORT
 *                       (all addresses) from one poll() loop, and exits 0
 *                       once N TCP connections have ended; prints
 *                       "echo: listening on PORT" when ready, and a line
 *                       per connection as it ends.
 *   echo selftest       a server thread and clients over 127.0.0.1: data
 *                       compared byte for byte (several connections, 1 MiB
 *                       each way), UDP, and the calls' errors and options.
 */
#include "check.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

#define MAXFD	1100
#define MIB	(1 << 20)

/* ---- the server ---- */

struct conn {
	int fd;
	char *buf;		/* bytes read but not yet echoed */
	size_t len, off;
	unsigned long total;
};

static int listen_on(int type, int port)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		fprintf(stderr, "echo: cannot listen on %d: %s\n", port, strerror(errno));
		exit(2);
	}
	return fd;
}

static int serve(int port, int want)
{
	static struct conn conns[MAXFD];
	static struct pollfd pfd[MAXFD];
	int tcp = listen_on(SOCK_STREAM, port), udp = listen_on(SOCK_DGRAM, port);
	int ended = 0, n = 0;
	char dgram[65536];

	printf("echo: listening on %d\n", port);
	fflush(stdout);
	while (ended < want) {
		pfd[0] = (struct pollfd){ tcp, POLLIN, 0 };
		pfd[1] = (struct pollfd){ udp, POLLIN, 0 };
		for (int i = 0; i < n; i++)
			pfd[2 + i] = (struct pollfd){ conns[i].fd,
			    conns[i].len > conns[i].off ? POLLOUT : POLLIN, 0 };
		if (poll(pfd, 2 + n, -1) < 0) {
			perror("echo: poll");
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			int c = accept4(tcp, NULL, NULL, SOCK_NONBLOCK);
			if (c >= 0 && n < MAXFD - 2)
				conns[n++] = (struct conn){ .fd = c, .buf = malloc(65536) };
			else if (c >= 0)
				close(c);
		}
		if (pfd[1].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t flen = sizeof(from);
			ssize_t k = recvfrom(udp, dgram, sizeof(dgram), 0, (struct sockaddr *)&from, &flen);
			if (k >= 0)
				sendto(udp, dgram, (size_t)k, 0, (struct sockaddr *)&from, flen);
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = &conns[i];
			short r = pfd[2 + i].revents;
			bool gone = false;
			if (!r)
				continue;
			if (c->len > c->off) {
				ssize_t k = write(c->fd, c->buf + c->off, c->len - c->off);
				if (k > 0)
					c->off += (size_t)k;
				else if (k < 0 && errno != EAGAIN)
					gone = true;
			} else {
				ssize_t k = read(c->fd, c->buf, 65536);
				if (k > 0) {
					c->len = (size_t)k;
					c->off = 0;
					c->total += (unsigned long)k;
				} else if (k == 0 || errno != EAGAIN) {
					gone = true;
				}
			}
			if (!gone)
				continue;
			printf("echo: connection ended after %lu bytes (%s)\n", c->total,
			    errno && errno != EAGAIN ? strerror(errno) : "closed");
			fflush(stdout);
			close(c->fd);
			free(c->buf);
			conns[i] = conns[--n];
			pfd[2 + i] = pfd[2 + n];
			i--;
			ended++;
			errno = 0;
		}
	}
	printf("echo: served %d connections\n", ended);
	return 0;
}

/* ---- the self-test ---- */

static struct sockaddr_in loop_addr(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	return getsockname(fd, (struct sockaddr *)&a, &len) < 0 ? -1 : ntohs(a.sin_port);
}

static unsigned char pattern(size_t i, unsigned seed)
{
	return (unsigned char)((i * 2654435761u + seed) >> 13);
}

static bool read_all(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len; ) {
		ssize_t k = read(fd, (char *)buf + got, len - got);
		if (k <= 0)
			return false;
		got += (size_t)k;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len; ) {
		ssize_t k = write(fd, (const char *)buf + done, len - done);
		if (k <= 0)
			return false;
		done += (size_t)k;
	}
	return true;
}

/* An echo thread per accepted connection, as a threaded server does. */
static void *echo_conn(void *arg)
{
	int fd = (int)(long)arg;
	char buf[8192];
	ssize_t k;

	while ((k = read(fd, buf, sizeof(buf))) > 0)
		if (!write_all(fd, buf, (size_t)k))
			break;
	close(fd);
	return NULL;
}

static void *acceptor(void *arg)
{
	int lfd = (int)(long)arg, c;
	pthread_t t;

	while ((c = accept(lfd, NULL, NULL)) >= 0) {
		pthread_create(&t, NULL, echo_conn, (void *)(long)c);
		pthread_detach(t);
	}
	return NULL;
}

struct xfer {
	int port;
	size_t len;
	unsigned seed;
	bool ok;
	char why[96];
};

/* Writes len bytes in a thread while reading the echo here. */
static void *writer(void *arg)
{
	int fd = ((int *)arg)[0];
	size_t len = (size_t)((int *)arg)[1];
	unsigned seed = (unsigned)((int *)arg)[2];
	unsigned char *b = malloc(len);
	for (size_t i = 0; i < len; i++)
		b[i] = pattern(i, seed);
	write_all(fd, b, len);
	shutdown(fd, SHUT_WR);
	free(b);
	return NULL;
}

static void *client(void *arg)
{
	struct xfer *x = arg;
	struct sockaddr_in a = loop_addr(x->port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	x->ok = false;
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(x->why, sizeof(x->why), "connect: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	int args[3] = { fd, (int)x->len, (int)x->seed };
	pthread_t w;
	pthread_create(&w, NULL, writer, args);
	unsigned char *got = malloc(x->len + 1);
	bool full = read_all(fd, got, x->len);
	char extra;
	ssize_t tail = full ? read(fd, &extra, 1) : -1;
	pthread_join(w, NULL);
	size_t bad = x->len;
	for (size_t i = 0; full && i < x->len; i++)
		if (got[i] != pattern(i, x->seed)) {
			bad = i;
			break;
		}
	if (!full)
		snprintf(x->why, sizeof(x->why), "short echo (%s)", strerror(errno));
	else if (bad != x->len)
		snprintf(x->why, sizeof(x->why), "byte %zu differs", bad);
	else if (tail != 0)
		snprintf(x->why, sizeof(x->why), "no end of stream after the echo (%zd)", tail);
	else
		x->ok = true;
	free(got);
	close(fd);
	return NULL;
}

static void streams(int port)
{
	enum { N = 6 };
	struct xfer x[N];
	pthread_t t[N];

	for (int i = 0; i < N; i++) {
		x[i] = (struct xfer){ .port = port, .len = i == 0 ? MIB : 1000 + 7919 * (size_t)i,
		    .seed = 11u * (unsigned)i };
		pthread_create(&t[i], NULL, client, &x[i]);
	}
	int good = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		good += x[i].ok;
		if (!x[i].ok)
			printf("# stream %d: %s\n", i, x[i].why);
	}
	check("tcp_1mib_and_5_concurrent", good == N, "%d of %d streams echoed intact", good, N);
}

static void names(int lfd, int port)
{
	struct sockaddr_in a = loop_addr(port), me, peer, acc;
	socklen_t ml = sizeof(me), pl = sizeof(peer), al = sizeof(acc);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);

	check("socket_cloexec", fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "fd %d", fd);
	CHECK_SYS("connect_loopback", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	check("getsockname", getsockname(fd, (struct sockaddr *)&me, &ml) == 0 && ml == sizeof(me) &&
	    me.sin_family == AF_INET && me.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && me.sin_port,
	    "%s", strerror(errno));
	check("getpeername", getpeername(fd, (struct sockaddr *)&peer, &pl) == 0 &&
	    peer.sin_port == htons(port) && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	    "%s", strerror(errno));
	(void)lfd;
	(void)al;
	(void)acc;
	struct stat st;
	check("fstat_is_socket", fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode), "mode %o", st.st_mode);
	int one = 1, v = 0;
	socklen_t vl = sizeof(v);
	check("tcp_nodelay", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0 &&
	    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v, "v %d %s", v, strerror(errno));
	vl = sizeof(v);
	check("so_keepalive", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &vl) == 0 && v, "v %d", v);
	vl = sizeof(v);
	check("so_type", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM, "v %d", v);
	vl = sizeof(v);
	check("so_rcvbuf", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &vl) == 0 && v >= 65536, "v %d", v);
	vl = sizeof(v);
	check("so_sndbuf", getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &vl) == 0 && v >= 65536, "v %d", v);
	check("bad_level", setsockopt(fd, 12345, 1, &one, sizeof(one)) < 0 && errno == ENOPROTOOPT,
	    "%s", strerror(errno));

	/* Peeking, FIONREAD, readv/writev through the echo. */
	struct iovec wv[2] = { { "hello ", 6 }, { "world", 5 } };
	check("writev", writev(fd, wv, 2) == 11, "%s", strerror(errno));
	char buf[32] = "";
	check("msg_peek", recv(fd, buf, 5, MSG_PEEK | MSG_WAITALL) == 5 && !memcmp(buf, "hello", 5),
	    "%s", strerror(errno));
	int avail = 0;
	for (int i = 0; i < 100 && avail < 11; i++) {
		ioctl(fd, FIONREAD, &avail);
		if (avail < 11)
			usleep(10000);
	}
	check("fionread", avail == 11, "%d bytes", avail);
	struct msghdr m = { 0 };
	struct iovec rv[2] = { { buf, 3 }, { buf + 3, 20 } };
	m.msg_iov = rv;
	m.msg_iovlen = 2;
	check("recvmsg", recvmsg(fd, &m, 0) == 11 && !memcmp(buf, "hello world", 11) &&
	    m.msg_flags == 0, "%.11s", buf);

	/* Time-outs and non-blocking calls. */
	struct timeval tv = { 0, 50000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ssize_t k = read(fd, buf, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	check("so_rcvtimeo", k < 0 && errno == EAGAIN && ms >= 45, "k %zd %s after %.0f ms", k,
	    strerror(errno), ms);
	struct timeval got;
	socklen_t gl = sizeof(got);
	check("so_rcvtimeo_get", getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &gl) == 0 &&
	    got.tv_sec == 0 && got.tv_usec == 50000, "%ld.%06ld", (long)got.tv_sec, (long)got.tv_usec);
	check("msg_dontwait", recv(fd, buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN, "%s", strerror(errno));
	int nb = 1;
	ioctl(fd, FIONBIO, &nb);
	check("fionbio", read(fd, buf, 1) < 0 && errno == EAGAIN, "%s", strerror(errno));
	nb = 0;
	ioctl(fd, FIONBIO, &nb);

	/* shutdown(SHUT_WR): the echo server sees the end and closes. */
	CHECK_SYS("shutdown_wr", shutdown(fd, SHUT_WR));
	tv.tv_sec = 5;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	check("eof_after_shutdown", read(fd, buf, 1) == 0, "%s", strerror(errno));
	check("write_after_shutdown_epipe", send(fd, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
	    "%s", strerror(errno));
	/* Without MSG_NOSIGNAL the EPIPE comes with SIGPIPE, caught here. */
	struct sigaction sa = { .sa_handler = on_sigpipe }, old;
	sigaction(SIGPIPE, &sa, &old);
	sigpipes = 0;
	ssize_t w = write(fd, "x", 1);
	check("write_after_shutdown_sigpipe", w < 0 && errno == EPIPE && sigpipes == 1,
	    "write %zd (%s), %d SIGPIPEs", w, strerror(errno), (int)sigpipes);
	sigaction(SIGPIPE, &old, NULL);
	close(fd);
}

static void errors(void)
{
	/* A port nobody listens on: refused, blocking and not. */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loop_addr(0);
	bind(l, (struct sockaddr *)&a, sizeof(a));
	int dead = port_of(l);
	close(l);
	a = loop_addr(dead);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	check("connect_refused", connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
	    errno == ECONNREFUSED, "%s", strerror(errno));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	check("connect_nonblock_inprogress", r < 0 && (errno == EINPROGRESS || errno == ECONNREFUSED),
	    "%d %s", r, strerror(errno));
	struct pollfd p = { fd, POLLOUT, 0 };
	int err = 0;
	socklen_t el = sizeof(err);
	check("so_error_refused", poll(&p, 1, 5000) == 1 && (p.revents & (POLLOUT | POLLERR)) &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == ECONNREFUSED,
	    "revents %#x err %d", p.revents, err);
	close(fd);

	check("bad_family", socket(AF_INET6 + 1000, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT,
	    "%s", strerror(errno));
	check("bad_protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) < 0 && errno == EPROTONOSUPPORT,
	    "%s", strerror(errno));
	check("not_a_socket", listen(0, 1) < 0 && errno == ENOTSOCK, "%s", strerror(errno));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	check("bad_addrlen", bind(fd, (struct sockaddr *)&a, 3) < 0 && errno == EINVAL, "%s", strerror(errno));
	struct sockaddr_in far = { .sin_family = AF_INET, .sin_port = htons(1) };
	far.sin_addr.s_addr = inet_addr("203.0.113.9");
	check("bind_foreign_addr", bind(fd, (struct sockaddr *)&far, sizeof(far)) < 0 &&
	    errno == EADDRNOTAVAIL, "%s", strerror(errno));
	check("recv_unconnected", recv(fd, &r, 1, MSG_DONTWAIT) < 0 && errno == ENOTCONN,
	    "%s", strerror(errno));
	check("getpeername_unconnected", getpeername(fd, (struct sockaddr *)&far, &el) < 0 &&
	    errno == ENOTCONN, "%s", strerror(errno));
	close(fd);

	/* Two listeners on one port: the second is refused. */
	int l1 = socket(AF_INET, SOCK_STREAM, 0), l2 = socket(AF_INET, SOCK_STREAM, 0);
	a = loop_addr(0);
	bind(l1, (struct sockaddr *)&a, sizeof(a));
	listen(l1, 4);
	a = loop_addr(port_of(l1));
	check("bind_in_use", bind(l2, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EADDRINUSE,
	    "%s", strerror(errno));
	int la = socket(AF_INET, SOCK_STREAM, 0);
	listen(la, 4);
	check("listen_autobinds", port_of(la) > 0, "port %d", port_of(la));
	close(la);

	/* accept4 on a non-blocking listener with nothing queued. */
	int fl = fcntl(l1, F_GETFL);
	fcntl(l1, F_SETFL, fl | O_NONBLOCK);
	check("accept_eagain", accept4(l1, NULL, NULL, SOCK_CLOEXEC) < 0 && errno == EAGAIN,
	    "%s", strerror(errno));

	/* A peer that closes with our data unread: EPIPE or ECONNRESET on
	 * further writes, never success forever. */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof(a));
	struct pollfd lp = { l1, POLLIN, 0 };
	poll(&lp, 1, 5000);
	int s = accept4(l1, NULL, NULL, 0);
	check("accept4_after_poll", s >= 0 && (lp.revents & POLLIN), "%s", strerror(errno));
	send(c, "unread", 6, 0);
	usleep(20000);
	close(s);	/* unread data: a reset */
	ssize_t w = 0;
	int i;
	for (i = 0; i < 200 && w >= 0; i++) {
		w = send(c, "more", 4, MSG_NOSIGNAL);
		usleep(5000);
	}
	check("broken_connection_send_fails", w < 0 && (errno == EPIPE || errno == ECONNRESET),
	    "after %d sends: %zd %s", i, w, strerror(errno));
	close(c);
	close(l1);
	close(l2);
}

static void datagrams(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = loop_addr(0), from;
	socklen_t fl = sizeof(from);
	char buf[2048], big[1500];

	CHECK_SYS("udp_bind", bind(s, (struct sockaddr *)&a, sizeof(a)));
	a = loop_addr(port_of(s));
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)pattern(i, 5);
	check("udp_sendto", sendto(c, big, sizeof(big), 0, (struct sockaddr *)&a, sizeof(a)) ==
	    (ssize_t)sizeof(big), "%s", strerror(errno));
	ssize_t k = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	check("udp_recvfrom", k == (ssize_t)sizeof(big) && !memcmp(buf, big, sizeof(big)) &&
	    from.sin_port == htons(port_of(c)) && fl == sizeof(from), "k %zd", k);
	check("udp_reply", sendto(s, "pong", 4, 0, (struct sockaddr *)&from, fl) == 4, "%s", strerror(errno));
	struct pollfd p = { c, POLLIN, 0 };
	check("udp_poll", poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "revents %#x", p.revents);
	int avail = 0;
	check("udp_fionread", ioctl(c, FIONREAD, &avail) == 0 && avail == 4, "%d", avail);
	check("udp_recv_reply", recv(c, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "pong", 4), "%s",
	    strerror(errno));
	check("udp_eagain", recv(c, buf, sizeof(buf), 0) < 0 && errno == EAGAIN, "%s", strerror(errno));

	/* A datagram longer than the buffer: cut, MSG_TRUNC, the rest gone. */
	CHECK_SYS("udp_connect", connect(c, (struct sockaddr *)&a, sizeof(a)));
	send(c, big, 1000, 0);
	struct msghdr m = { 0 };
	struct iovec v = { buf, 100 };
	m.msg_iov = &v;
	m.msg_iovlen = 1;
	k = recvmsg(s, &m, 0);
	check("udp_msg_trunc", k == 100 && (m.msg_flags & MSG_TRUNC) && !memcmp(buf, big, 100),
	    "k %zd flags %#x", k, m.msg_flags);
	send(c, big, 300, 0);
	k = recv(s, buf, 10, MSG_TRUNC);
	check("udp_msg_trunc_length", k == 300, "k %zd", k);
	check("udp_send_unconnected", send(s, "x", 1, 0) < 0 && errno == EDESTADDRREQ, "%s",
	    strerror(errno));
	static char huge[70000];
	check("udp_emsgsize", sendto(s, huge, sizeof(huge), 0, (struct sockaddr *)&a, sizeof(a)) < 0 &&
	    errno == EMSGSIZE, "%s", strerror(errno));

	/* select() on a socket. */
	send(c, "sel", 3, 0);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(s, &rd);
	struct timeval tv = { 5, 0 };
	check("select_socket", select(s + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(s, &rd), "%s",
	    strerror(errno));
	close(s);
	close(c);
}

static int selftest(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = loop_addr(0);

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 16) < 0)
		bail("echo", "cannot listen on 127.0.0.1");
	int port = port_of(l);
	check("ephemeral_port", port > 0, "port %d", port);
	pthread_t t;
	pthread_create(&t, NULL, acceptor, (void *)(long)l);
	streams(port);
	names(l, port);
	errors();
	datagrams();
	return done("echo");
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "selftest"))
		return selftest();
	fprintf(stderr, "usage: echo serve PORT N | echo selftest\n");
	return 2;
}
