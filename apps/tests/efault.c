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
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
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

/* ---- part U1: pipes, file, stat, directory, xattr calls, eventfd,
 * timerfd, signalfd ---- */

static void add_one(struct unmapper *u)
{
	uint64_t one = 1;

	if (write(u->fd, &one, sizeof(one)) != sizeof(one))
		bail("efault", "eventfd write to release");
}

static void arm_soon(struct unmapper *u)
{
	struct itimerspec its = { .it_value.tv_nsec = 1000000 };

	if (timerfd_settime(u->fd, 0, &its, NULL))
		bail("efault", "timerfd_settime to release");
}

static void signal_self(struct unmapper *u)
{
	(void)u;
	kill(getpid(), SIGUSR1);
}

/* A read of fd blocked until release: its buffer unmapped meanwhile. */
static void blocked_read(const char *name, int fd, void (*release)(struct unmapper *),
			 size_t len)
{
	pthread_t t;
	struct unmapper u = { .buf = map_buffer(), .release = release, .fd = fd };

	start_unmapper(&t, &u);
	expect_efault(name, read(fd, u.buf, len));
	pthread_join(t, NULL);
}

static void u1_blocked_reads(void)
{
	int efd = eventfd(0, 0);
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	/* Blocked for good: the signal is queued for the signalfd only. */
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	int sfd = signalfd(-1, &usr1, 0);
	if (efd < 0 || tfd < 0 || sfd < 0)
		bail("efault", "eventfd, timerfd or signalfd");
	blocked_read("eventfd_read_into_unmapped", efd, add_one, sizeof(uint64_t));
	/* As on Linux, the count was taken even though it could not be told. */
	fcntl(efd, F_SETFL, O_NONBLOCK);
	uint64_t v;
	errno = 0;
	check("eventfd_count_taken_anyway", read(efd, &v, sizeof(v)) == -1 && errno == EAGAIN,
	    "errno %d", errno);
	blocked_read("timerfd_read_into_unmapped", tfd, arm_soon, sizeof(uint64_t));
	blocked_read("signalfd_read_into_unmapped", sfd, signal_self, BUF_SIZE);
	close(efd);
	close(tfd);
	close(sfd);
}

/* A page no call may touch, kept reserved (PROT_NONE) so nothing else is
 * mapped there meanwhile. */
static void *no_access_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail("efault", "mmap PROT_NONE");
	return p;
}

#define EXPECT_EFAULT(name, call) do { errno = 0; expect_efault(name, (long)(call)); } while (0)

/* Calls handed the page as a buffer, a structure or a string. */
static void u1_bad_pointers(const char *dir)
{
	void *bad = no_access_page();
	char file[256], link[256];
	int p[2];

	snprintf(file, sizeof(file), "%s/efault.u1", dir);
	snprintf(link, sizeof(link), "%s/efault.u1.link", dir);
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int efd = eventfd(0, 0);
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	if (fd < 0 || dfd < 0 || efd < 0 || tfd < 0 || write(fd, "data", 4) != 4 ||
	    symlink("efault.u1", link) || pipe(p))
		bail("efault", "u1 setup");
	/* Raw calls: libc may copy through its own buffer (musl's stat) or
	 * look at an argument first (musl's utimensat). */
	char st[256];
	EXPECT_EFAULT("open_path_unmapped", syscall(SYS_open, bad, O_RDONLY));
	EXPECT_EFAULT("chdir_path_unmapped", syscall(SYS_chdir, bad));
	EXPECT_EFAULT("stat_buf_unmapped", syscall(SYS_stat, file, bad));
	EXPECT_EFAULT("fstat_buf_unmapped", syscall(SYS_fstat, fd, bad));
	EXPECT_EFAULT("stat_path_unmapped", syscall(SYS_stat, bad, st));
	EXPECT_EFAULT("statfs_buf_unmapped", syscall(SYS_statfs, dir, bad));
	EXPECT_EFAULT("utimensat_times_unmapped", syscall(SYS_utimensat, AT_FDCWD, file, bad, 0));
	EXPECT_EFAULT("getdents64_buf_unmapped", syscall(SYS_getdents64, dfd, bad, 4096));
	EXPECT_EFAULT("getcwd_buf_unmapped", syscall(SYS_getcwd, bad, 4096));
	EXPECT_EFAULT("readlink_buf_unmapped", syscall(SYS_readlink, link, bad, 64));
	EXPECT_EFAULT("setxattr_name_unmapped", syscall(SYS_setxattr, file, bad, "v", 1, 0));
	EXPECT_EFAULT("writev_iovec_unmapped", syscall(SYS_writev, fd, bad, 1));
	EXPECT_EFAULT("fcntl_getlk_unmapped", syscall(SYS_fcntl, fd, F_GETLK, bad));
	EXPECT_EFAULT("ioctl_fionread_unmapped", syscall(SYS_ioctl, p[0], FIONREAD, bad));
	EXPECT_EFAULT("sendfile_offset_unmapped", syscall(SYS_sendfile, p[1], fd, bad, 4));
	EXPECT_EFAULT("eventfd_write_unmapped", syscall(SYS_write, efd, bad, sizeof(uint64_t)));
	EXPECT_EFAULT("timerfd_settime_unmapped", syscall(SYS_timerfd_settime, tfd, 0, bad, NULL));
	EXPECT_EFAULT("timerfd_gettime_unmapped", syscall(SYS_timerfd_gettime, tfd, bad));
	EXPECT_EFAULT("signalfd_mask_unmapped", syscall(SYS_signalfd4, -1, bad, 8, 0));
	/* pipe2 takes its descriptors back when it cannot tell them. */
	int lowest = dup(0);
	close(lowest);
	EXPECT_EFAULT("pipe2_fds_unmapped", syscall(SYS_pipe2, bad, 0));
	int next = dup(0);
	check("pipe2_fds_taken_back", next == lowest, "next fd %d, want %d", next, lowest);
	close(next);
	EXPECT_EFAULT("socketpair_fds_unmapped", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, bad));
	next = dup(0);
	check("socketpair_fds_taken_back", next == lowest, "next fd %d, want %d", next, lowest);
	close(next);
	close(p[0]);
	close(p[1]);
	close(tfd);
	close(efd);
	close(dfd);
	close(fd);
	unlink(link);
	unlink(file);
	munmap(bad, 4096);
}

/* ---- end of part U1 ---- */
/* ---- part U2: signals, waits, sleeps, futexes, exec and process calls ---- */

#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

static pid_t u2_main_tid;

static void u2_signal_main(struct unmapper *u)
{
	(void)u;
	syscall(SYS_tgkill, getpid(), u2_main_tid, SIGUSR1);
}

static void u2_on_usr1(int sig)
{
	(void)sig;
}

/* sigtimedwait's siginfo gone while it waits: EFAULT, the signal taken. */
static void u2_sigtimedwait(void)
{
	sigset_t set, pending;
	pthread_t t;
	struct unmapper u = { .buf = map_buffer(), .release = u2_signal_main };

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	start_unmapper(&t, &u);
	struct timespec ts = { 10, 0 };
	long n = syscall(SYS_rt_sigtimedwait, &set, u.buf, &ts, 8);
	expect_efault("u2_sigtimedwait_info_unmapped", n);
	pthread_join(t, NULL);
	sigpending(&pending);
	check("u2_sigtimedwait_signal_taken", !sigismember(&pending, SIGUSR1), "still pending");
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* nanosleep's rem gone while it sleeps, then a handler interrupts it. */
static void u2_nanosleep(void)
{
	struct sigaction sa = { .sa_handler = u2_on_usr1 };
	pthread_t t;
	struct unmapper u = { .buf = map_buffer(), .release = u2_signal_main };

	sigaction(SIGUSR1, &sa, NULL);
	start_unmapper(&t, &u);
	struct timespec ts = { 10, 0 };
	long n = syscall(SYS_nanosleep, &ts, u.buf);
	expect_efault("u2_nanosleep_rem_unmapped", n);
	pthread_join(t, NULL);
	signal(SIGUSR1, SIG_DFL);
}

static pid_t u2_idle_child(void)
{
	pid_t c = fork();

	if (c == 0) {
		for (;;)
			pause();
	}
	if (c < 0)
		bail("efault", "fork");
	return c;
}

static void u2_expect_reaped(const char *name, pid_t child)
{
	errno = 0;
	check(name, waitpid(child, NULL, WNOHANG) == -1 && errno == ECHILD, "errno %d", errno);
}

/* waitid's siginfo and wait4's rusage gone while they wait: EFAULT, and
 * the child reaped all the same. */
static void u2_waits(void)
{
	pthread_t t;
	struct unmapper u = { .buf = map_buffer(), .release = end_child };

	u.child = u2_idle_child();
	start_unmapper(&t, &u);
	long n = waitid(P_PID, u.child, u.buf, WEXITED);
	expect_efault("u2_waitid_info_unmapped", n);
	pthread_join(t, NULL);
	u2_expect_reaped("u2_waitid_child_reaped_anyway", u.child);

	u = (struct unmapper){ .buf = map_buffer(), .release = end_child };
	u.child = u2_idle_child();
	start_unmapper(&t, &u);
	int status;
	n = wait4(u.child, &status, 0, u.buf);
	expect_efault("u2_wait4_rusage_unmapped", n);
	pthread_join(t, NULL);
	u2_expect_reaped("u2_wait4_rusage_child_reaped_anyway", u.child);
}

/* A handler whose alternate stack went away: the frame cannot be
 * written, and the program dies of SIGSEGV (Linux's force_sigsegv). */
static void u2_frame_on_unmapped_stack(void)
{
	pid_t c = fork();

	if (c == 0) {
		void *alt = map_buffer();
		stack_t ss = { .ss_sp = alt, .ss_size = BUF_SIZE };
		struct sigaction sa = { .sa_handler = u2_on_usr1, .sa_flags = SA_ONSTACK };
		sigaltstack(&ss, NULL);
		sigaction(SIGUSR1, &sa, NULL);
		munmap(alt, BUF_SIZE);
		raise(SIGUSR1);
		_exit(0);
	}
	int status = 0;
	waitpid(c, &status, 0);
	check("u2_signal_frame_unwritable_segv", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "status %#x", status);
}

/* Calls handed a page the program may not touch: EFAULT, never a fault
 * in the kernel. */
static void u2_bad_pointers(const char *prog)
{
	long page = sysconf(_SC_PAGESIZE);
	void *none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *vec = map_buffer();

	if (none == MAP_FAILED)
		bail("efault", "mmap PROT_NONE");
	expect_efault("u2_uname_prot_none", uname(none));
	expect_efault("u2_sigaction_prot_none", syscall(SYS_rt_sigaction, SIGUSR2, none, NULL, 8));
	expect_efault("u2_sigprocmask_prot_none", syscall(SYS_rt_sigprocmask, SIG_BLOCK, none, NULL, 8));
	expect_efault("u2_sigaltstack_prot_none", syscall(SYS_sigaltstack, none, NULL));
	expect_efault("u2_clock_gettime_prot_none", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, none));
	expect_efault("u2_getrusage_prot_none", getrusage(RUSAGE_SELF, none));
	expect_efault("u2_sched_getaffinity_prot_none", syscall(SYS_sched_getaffinity, 0, 128, none));
	expect_efault("u2_prctl_set_name_prot_none", prctl(PR_SET_NAME, none));
	expect_efault("u2_getrandom_prot_none", syscall(SYS_getrandom, none, 16, 0));
	expect_efault("u2_futex_wait_prot_none", syscall(SYS_futex, none, 0 /* FUTEX_WAIT */, 0,
	    NULL, NULL, 0));
	expect_efault("u2_timer_create_id_prot_none", syscall(SYS_timer_create, CLOCK_MONOTONIC,
	    NULL, none));
	expect_efault("u2_mincore_vec_prot_none", mincore(vec, page, none));
	char *const *argv = none;
	expect_efault("u2_execve_argv_prot_none", execve(prog, argv, NULL));
	munmap(vec, BUF_SIZE);
	munmap(none, page);
}

static void u2_checks(const char *prog)
{
	u2_main_tid = (pid_t)syscall(SYS_gettid);
	u2_sigtimedwait();
	u2_nanosleep();
	u2_waits();
	u2_frame_on_unmapped_stack();
	u2_bad_pointers(prog);
}

/* ---- end of part U2 ---- */

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
	u1_blocked_reads();	/* part U1 */
	u1_bad_pointers(dir);	/* part U1 */
	u2_checks(argv[0]);	/* part U2 */
	test_u3();		/* part U3 */

	stress_addr = map_buffer();
	snprintf(path, sizeof(path), "%s/efault.data", dir);
	make_file(path);
	stress("stress_file_reads", path, 3000);
	stress("stress_dev_zero_reads", "/dev/zero", 3000);
	unlink(path);
	check("kernel_still_here", getpid() > 0, "getpid");
	return done("efault");
}
