/* Buffers that go away while a system call uses them.
 *
 * A call checks its buffers when it starts; here another thread unmaps
 * the buffer while the call is blocked, then lets it go on, so the
 * kernel meets an unmapped page in the middle of the call. Linux answers
 * EFAULT (and the kernel goes on); so must Osprey. Then a stress: one
 * thread maps and unmaps a range over and over while another reads files
 * into it. Every result must be a full count, a short one, or EFAULT.
 *
 * Usage: efault [DIR] (a writable directory, default /tmp).
 */

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define BUF_SIZE (64 * 1024)

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void *map_buffer(void)
{
	void *p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail("efault", "mmap");
	memset(p, 'b', BUF_SIZE);
	return p;
}

/* What the other thread does once the blocked call is (very likely)
 * waiting: unmap the buffer, then release the call. */
struct unmapper {
	void *buf;
	void (*release)(struct unmapper *);
	int fd;
	pid_t child;
};

static void *unmap_then_release(void *arg)
{
	struct unmapper *u = arg;

	pause_ms(200);
	munmap(u->buf, BUF_SIZE);
	u->release(u);
	return NULL;
}

static void start_unmapper(pthread_t *t, struct unmapper *u)
{
	if (pthread_create(t, NULL, unmap_then_release, u))
		bail("efault", "pthread_create");
}

/* The blocked call's result: -1 with EFAULT. */
static void expect_efault(const char *name, long ret)
{
	check(name, ret == -1 && errno == EFAULT, "returned %ld (%s), want -1 EFAULT", ret,
	    ret == -1 ? strerror(errno) : "no error");
}

static void write_one(struct unmapper *u)
{
	if (write(u->fd, "x", 1) != 1)
		bail("efault", "write to release");
}

static void test_pipe_read(void)
{
	int p[2];
	pthread_t t;

	if (pipe(p))
		bail("efault", "pipe");
	struct unmapper u = { .buf = map_buffer(), .release = write_one, .fd = p[1] };
	start_unmapper(&t, &u);
	long n = read(p[0], u.buf, BUF_SIZE);
	expect_efault("pipe_read_into_unmapped", n);
	pthread_join(t, NULL);
	char c = 0;
	check("pipe_read_data_kept", read(p[0], &c, 1) == 1 && c == 'x', "byte %#x", c);
	close(p[0]);
	close(p[1]);
}

static void drain(struct unmapper *u)
{
	char sink[4096];

	while (read(u->fd, sink, sizeof(sink)) > 0)
		;
}

static void test_pipe_write(void)
{
	int p[2];
	pthread_t t;
	char fill[4096];

	if (pipe(p))
		bail("efault", "pipe");
	memset(fill, 'f', sizeof(fill));
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (write(p[1], fill, sizeof(fill)) > 0)
		;
	fcntl(p[1], F_SETFL, 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	struct unmapper u = { .buf = map_buffer(), .release = drain, .fd = p[0] };
	start_unmapper(&t, &u);
	long n = write(p[1], u.buf, 4096);
	expect_efault("pipe_write_from_unmapped", n);
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
}

static void test_socket_recv(const char *name, int sv[2])
{
	pthread_t t;
	struct unmapper u = { .buf = map_buffer(), .release = write_one, .fd = sv[1] };

	start_unmapper(&t, &u);
	long n = recv(sv[0], u.buf, BUF_SIZE, 0);
	expect_efault(name, n);
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
}

/* A connected TCP pair over 127.0.0.1. */
static int tcp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	sv[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[1] < 0 || connect(sv[1], (struct sockaddr *)&a, sizeof(a)))
		return -1;
	sv[0] = accept(l, NULL, NULL);
	close(l);
	return sv[0] < 0 ? -1 : 0;
}

static void test_sockets(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		bail("efault", "socketpair");
	test_socket_recv("unix_recv_into_unmapped", sv);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		bail("efault", "socketpair dgram");
	test_socket_recv("unix_dgram_recv_into_unmapped", sv);
	if (tcp_pair(sv))
		bail("efault", "tcp pair");
	test_socket_recv("tcp_recv_into_unmapped", sv);
}

static void test_epoll_wait(void)
{
	int p[2];
	pthread_t t;
	struct epoll_event ev = { .events = EPOLLIN };

	int ep = epoll_create1(0);
	if (ep < 0 || pipe(p) || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev))
		bail("efault", "epoll");
	struct unmapper u = { .buf = map_buffer(), .release = write_one, .fd = p[1] };
	start_unmapper(&t, &u);
	long n = epoll_wait(ep, u.buf, 16, -1);
	expect_efault("epoll_wait_events_unmapped", n);
	pthread_join(t, NULL);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void test_poll(void)
{
	int p[2];
	pthread_t t;

	if (pipe(p))
		bail("efault", "pipe");
	struct unmapper u = { .buf = map_buffer(), .release = write_one, .fd = p[1] };
	struct pollfd *fds = u.buf;
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	start_unmapper(&t, &u);
	long n = poll(fds, 1, -1);
	expect_efault("poll_fds_unmapped", n);
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
}

/* ---- U3: poll/select, epoll, socket calls, AF_UNIX, netlink ---- */

/* Waits for the unmapper, then closes the pair the test used. */
static void join_and_close(pthread_t t, int fds[2])
{
	pthread_join(t, NULL);
	close(fds[0]);
	close(fds[1]);
}

static void unix_pair(int type, int sv[2])
{
	if (socketpair(AF_UNIX, type, 0, sv))
		bail("efault", "socketpair");
}

/* select's fd set gone while it waits: its answer cannot be written. */
static void test_select(void)
{
	int p[2];
	pthread_t t;

	if (pipe(p))
		bail("efault", "pipe");
	struct unmapper u = { .buf = map_buffer(), .release = write_one, .fd = p[1] };
	fd_set *rd = u.buf;
	FD_ZERO(rd);
	FD_SET(p[0], rd);
	start_unmapper(&t, &u);
	long n = select(p[0] + 1, rd, NULL, NULL, NULL);
	expect_efault("select_sets_unmapped", n);
	join_and_close(t, p);
}

/* Empties the (nonblocking) socket u->fd, making room for a writer. */
static void drain_socket(struct unmapper *u)
{
	char sink[4096];

	while (recv(u->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
}

/* A send blocked on a full socket, its buffer gone when room comes. */
static void test_unix_send(const char *name, int type)
{
	int sv[2];
	pthread_t t;
	char fill[512];

	unix_pair(type, sv);
	memset(fill, 'f', sizeof(fill));
	while (send(sv[1], fill, sizeof(fill), MSG_DONTWAIT) > 0)
		;
	struct unmapper u = { .buf = map_buffer(), .release = drain_socket, .fd = sv[0] };
	start_unmapper(&t, &u);
	long n = send(sv[1], u.buf, sizeof(fill), 0);
	expect_efault(name, n);
	join_and_close(t, sv);
}

/* Sends one byte and, with it, an fd (SCM_RIGHTS) to u->fd. */
static void send_fd(struct unmapper *u)
{
	char data = 'x';
	struct iovec v = { &data, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = c.buf,
	    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	int fd = 0;
	memcpy(CMSG_DATA(h), &fd, sizeof(fd));
	if (sendmsg(u->fd, &m, 0) != 1)
		bail("efault", "sendmsg SCM_RIGHTS");
}

/* recvmsg whose msghdr goes away while it waits: the data is taken but
 * the header's lengths and flags cannot be written back. */
static void test_recvmsg_header(void)
{
	int sv[2];
	pthread_t t;
	char data = 0;
	struct iovec v = { &data, 1 };

	unix_pair(SOCK_STREAM, sv);
	struct unmapper u = { .buf = map_buffer(), .release = write_one, .fd = sv[1] };
	struct msghdr *m = u.buf;
	*m = (struct msghdr){ .msg_iov = &v, .msg_iovlen = 1 };
	start_unmapper(&t, &u);
	/* The system call itself: musl's recvmsg hands the kernel a copy. */
	long n = syscall(SYS_recvmsg, sv[0], m, 0);
	expect_efault("unix_recvmsg_msghdr_unmapped", n);
	join_and_close(t, sv);
}

/* recvmsg whose control buffer goes away while it waits for a passed fd:
 * the byte comes, the fd does not (MSG_CTRUNC), as Linux. */
static void test_recvmsg_control(void)
{
	int sv[2];
	pthread_t t;
	char data = 0;
	struct iovec v = { &data, 1 };

	unix_pair(SOCK_STREAM, sv);
	struct unmapper u = { .buf = map_buffer(), .release = send_fd, .fd = sv[1] };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.buf,
	    .msg_controllen = CMSG_SPACE(sizeof(int)) };
	start_unmapper(&t, &u);
	long n = recvmsg(sv[0], &m, 0);
	check("unix_recvmsg_control_unmapped", n == 1 && data == 'x' &&
	    (m.msg_flags & MSG_CTRUNC) && m.msg_controllen == 0,
	    "returned %ld (%s), flags %#x, controllen %zu", n, n < 0 ? strerror(errno) : "-",
	    m.msg_flags, (size_t)m.msg_controllen);
	join_and_close(t, sv);
}

/* recvfrom whose address length goes away while it waits. */
static void test_recvfrom_addrlen(void)
{
	int sv[2];
	pthread_t t;
	char data[8];
	struct sockaddr_storage from;

	unix_pair(SOCK_DGRAM, sv);
	struct unmapper u = { .buf = map_buffer(), .release = write_one, .fd = sv[1] };
	socklen_t *len = u.buf;
	*len = sizeof(from);
	start_unmapper(&t, &u);
	long n = recvfrom(sv[0], data, sizeof(data), 0, (struct sockaddr *)&from, len);
	expect_efault("unix_recvfrom_addrlen_unmapped", n);
	join_and_close(t, sv);
}

static struct sockaddr_un accept_addr = { .sun_family = AF_UNIX, .sun_path = "\0efault-accept" };
#define ACCEPT_ADDR_LEN (offsetof(struct sockaddr_un, sun_path) + 14)

static void connect_one(struct unmapper *u)
{
	u->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (u->fd < 0 || connect(u->fd, (struct sockaddr *)&accept_addr, ACCEPT_ADDR_LEN))
		bail("efault", "connect");
}

/* accept whose address buffer goes away while it waits: EFAULT (and the
 * connection it took is closed, as Linux). */
static void test_accept_addr(void)
{
	pthread_t t;
	int l = socket(AF_UNIX, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&accept_addr, ACCEPT_ADDR_LEN) || listen(l, 1))
		bail("efault", "listen");
	struct unmapper u = { .buf = map_buffer(), .release = connect_one };
	socklen_t len = sizeof(struct sockaddr_un);
	start_unmapper(&t, &u);
	long n = accept(l, u.buf, &len);
	expect_efault("unix_accept_addr_unmapped", n);
	pthread_join(t, NULL);
	char c;
	errno = 0;
	check("unix_accept_fault_closes_connection", read(u.fd, &c, 1) == 0 ||
	    (errno == ECONNRESET), "read %s", strerror(errno));
	close(u.fd);
	close(l);
}

/* Asks the netlink socket u->fd for its links: the reply is queued to
 * the same socket, waking the blocked receive. */
static void ask_links(struct unmapper *u)
{
	/* struct nlmsghdr and struct ifinfomsg, spelled out: musl's build
	 * has no linux headers. 18: RTM_GETLINK; 0x301: NLM_F_REQUEST|DUMP. */
	struct {
		uint32_t len;
		uint16_t type, flags;
		uint32_t seq, pid;
		uint8_t family, pad;
		uint16_t dev_type;
		int32_t index;
		uint32_t if_flags, change;
	} req = { .len = sizeof(req), .type = 18, .flags = 0x301, .seq = 1, .family = AF_UNSPEC };

	if (send(u->fd, &req, sizeof(req), 0) != sizeof(req))
		bail("efault", "netlink send");
}

static void test_netlink_recv(void)
{
	pthread_t t;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		bail("efault", "netlink socket");
	struct unmapper u = { .buf = map_buffer(), .release = ask_links, .fd = fd };
	start_unmapper(&t, &u);
	long n = recv(fd, u.buf, BUF_SIZE, 0);
	expect_efault("netlink_recv_into_unmapped", n);
	pthread_join(t, NULL);
	close(fd);
}

static void test_u3(void)
{
	test_select();
	test_unix_send("unix_send_from_unmapped", SOCK_STREAM);
	test_unix_send("unix_dgram_send_from_unmapped", SOCK_DGRAM);
	test_recvmsg_header();
	test_recvmsg_control();
	test_recvfrom_addrlen();
	test_accept_addr();
	test_netlink_recv();
}

/* ---- end of U3 ---- */

static void end_child(struct unmapper *u)
{
	kill(u->child, SIGKILL);
}

/* wait4's status pointer gone while it waits: EFAULT, and (as on Linux)
 * the child is reaped all the same. */
static void test_wait4(void)
{
	pthread_t t;
	struct unmapper u = { .buf = map_buffer(), .release = end_child };

	u.child = fork();
	if (u.child == 0) {
		for (;;)
			pause();
	}
	start_unmapper(&t, &u);
	long n = wait4(u.child, u.buf, 0, NULL);
	expect_efault("wait4_status_unmapped", n);
	pthread_join(t, NULL);
	errno = 0;
	check("wait4_child_reaped_anyway", waitpid(u.child, NULL, WNOHANG) == -1 && errno == ECHILD,
	    "errno %d", errno);
}

/* ---- stress: reads into a range that comes and goes ---- */

static volatile int stress_stop;
static char *stress_addr;

static void *flap(void *arg)
{
	(void)arg;
	while (!stress_stop) {
		munmap(stress_addr, BUF_SIZE);
		sched_yield();
		if (mmap(stress_addr, BUF_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			bail("efault", "mmap fixed");
		sched_yield();
	}
	return NULL;
}

static void stress(const char *name, const char *path, int rounds)
{
	int fd = open(path, O_RDONLY);
	long bad = 0, faults = 0, full = 0;
	pthread_t t;

	if (fd < 0)
		bail("efault", path);
	stress_stop = 0;
	if (pthread_create(&t, NULL, flap, NULL))
		bail("efault", "pthread_create");
	for (int i = 0; i < rounds; i++) {
		long n = pread(fd, stress_addr, BUF_SIZE, 0);
		if (n == BUF_SIZE)
			full++;
		else if (n == -1 && errno == EFAULT)
			faults++;
		else if (n < 0 || n > BUF_SIZE)
			bad++;
		if (i % 64 == 0)
			sched_yield();
	}
	stress_stop = 1;
	pthread_join(t, NULL);
	close(fd);
	check(name, bad == 0, "%ld of %d reads gave neither a count nor EFAULT", bad, rounds);
}

static void make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *b = map_buffer();

	if (fd < 0 || write(fd, b, BUF_SIZE) != BUF_SIZE)
		bail("efault", path);
	close(fd);
	munmap(b, BUF_SIZE);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_pipe_read();
	test_pipe_write();
	test_sockets();
	test_epoll_wait();
	test_poll();
	test_wait4();
	test_u3();

	stress_addr = map_buffer();
	snprintf(path, sizeof(path), "%s/efault.data", dir);
	make_file(path);
	stress("stress_file_reads", path, 3000);
	stress("stress_dev_zero_reads", "/dev/zero", 3000);
	unlink(path);
	check("kernel_still_here", getpid() > 0, "getpid");
	return done("efault");
}
