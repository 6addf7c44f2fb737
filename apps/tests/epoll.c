/* Readiness as Linux reports it: epoll (level- and edge-triggered,
 * ONESHOT, EXCLUSIVE, DEL, entries going with the last close of their file
 * and staying with a dup, nested epolls, poll/select on an epoll, maxevents
 * and the order of a level-triggered round robin, timeouts, EINTR, the
 * mask of epoll_pwait, epoll_pwait2, the errors of every call), on pipes
 * and on a TCP connection over 127.0.0.1; eventfd (counter and semaphore,
 * blocking both ways, overflow); timerfd (one-shot, periodic with its
 * expiry count, absolute times, gettime, old values); signalfd; and 10,000
 * entries with one ready, whose waits must not cost more than with 10.
 * Usage: epoll                 the checks
 *        epoll serve PORT N    an edge-triggered echo server on PORT (all
 *                              addresses) for N connections, one epoll_wait
 *                              loop; prints "epoll: listening on PORT" */
#include "check.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NR_epoll_pwait2	441
#define MS		1000000LL

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * MS };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* One wait for at most one event: its count, the event in *ev. */
static int wait1(int ep, struct epoll_event *ev, int timeout)
{
	return epoll_wait(ep, ev, 1, timeout);
}

static int err_is(long ret, int e)
{
	return ret == -1 && errno == e;
}

static void mkpipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC))
		bail("epoll", "pipe2");
}

/* ---- a thread that acts after a delay ---- */

struct later {
	pthread_t th;
	int ms;
	int fd;			/* write one byte to it, or -1 */
	pthread_t target;	/* else send it sig */
	int sig;
};

static void *later_run(void *arg)
{
	struct later *l = arg;
	sleep_ms(l->ms);
	if (l->fd >= 0) {
		if (write(l->fd, "x", 1) != 1)
			printf("later: write failed: %s\n", strerror(errno));
	} else {
		pthread_kill(l->target, l->sig);
	}
	return NULL;
}

static void later_write(struct later *l, int fd, int ms)
{
	*l = (struct later){ .ms = ms, .fd = fd };
	pthread_create(&l->th, NULL, later_run, l);
}

static void later_kill(struct later *l, int sig, int ms)
{
	*l = (struct later){ .ms = ms, .fd = -1, .target = pthread_self(), .sig = sig };
	pthread_create(&l->th, NULL, later_run, l);
}

static void later_join(struct later *l)
{
	pthread_join(l->th, NULL);
}

/* ---- errors ---- */

static void errors(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), p[2], e2 = epoll_create(1);
	struct epoll_event ev = { .events = EPOLLIN };
	char path[] = "/tmp/epoll-test-XXXXXX";
	int file = mkstemp(path);
	struct stat st;
	char buf[16];

	mkpipe(p);
	check("create1_cloexec", ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC), "fd %d", ep);
	check("create_size_1", e2 >= 0 && !(fcntl(e2, F_GETFD) & FD_CLOEXEC), "fd %d", e2);
	check("create_size_0_einval", err_is(syscall(SYS_epoll_create, 0), EINVAL), "errno %d", errno);
	check("create_size_neg_einval", err_is(syscall(SYS_epoll_create, -5), EINVAL), "errno %d", errno);
	check("create1_flags_einval", err_is(epoll_create1(1), EINVAL), "errno %d", errno);
	check("fstat_mode_0600", fstat(ep, &st) == 0 && st.st_mode == 0600, "mode %o", st.st_mode);
	check("read_einval", err_is(read(ep, buf, 8), EINVAL), "errno %d", errno);
	check("write_einval", err_is(write(ep, buf, 8), EINVAL), "errno %d", errno);

	check("add", add(ep, p[0], EPOLLIN, 1) == 0, "errno %d", errno);
	check("add_again_eexist", err_is(add(ep, p[0], EPOLLIN, 1), EEXIST), "errno %d", errno);
	check("mod_missing_enoent", err_is(mod(ep, p[1], EPOLLOUT, 1), ENOENT), "errno %d", errno);
	check("del_missing_enoent", err_is(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), ENOENT),
	    "errno %d", errno);
	check("add_self_einval", err_is(add(ep, ep, EPOLLIN, 0), EINVAL), "errno %d", errno);
	check("add_regular_file_eperm", file >= 0 && err_is(add(ep, file, EPOLLIN, 0), EPERM),
	    "errno %d", errno);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	check("add_directory_eperm", err_is(add(ep, dir, EPOLLIN, 0), EPERM), "errno %d", errno);
	int null = open("/dev/null", O_RDWR);
	check("add_dev_null_eperm", err_is(add(ep, null, EPOLLIN, 0), EPERM), "errno %d", errno);
	check("add_bad_fd_ebadf", err_is(add(ep, 999, EPOLLIN, 0), EBADF), "errno %d", errno);
	check("add_bad_epfd_ebadf", err_is(add(999, p[0], EPOLLIN, 0), EBADF), "errno %d", errno);
	check("add_not_epoll_einval", err_is(add(p[1], p[0], EPOLLIN, 0), EINVAL), "errno %d", errno);
	check("add_efault", err_is(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (void *)8), EFAULT),
	    "errno %d", errno);
	check("bad_op_einval", err_is(epoll_ctl(ep, 99, p[1], &ev), EINVAL), "errno %d", errno);
	check("exclusive_oneshot_einval",
	    err_is(add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL), "errno %d", errno);
	check("exclusive_rdhup_einval",
	    err_is(add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLRDHUP, 0), EINVAL), "errno %d", errno);
	check("exclusive_epoll_einval", err_is(add(ep, e2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL),
	    "errno %d", errno);
	check("exclusive_add", add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 0) == 0, "errno %d", errno);
	check("exclusive_mod_einval", err_is(mod(ep, p[1], EPOLLOUT, 0), EINVAL), "errno %d", errno);
	check("mod_to_exclusive_einval", err_is(mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL),
	    "errno %d", errno);
	check("exclusive_del", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0, "errno %d", errno);

	check("wait_maxevents_0_einval", err_is(epoll_wait(ep, &ev, 0, 0), EINVAL), "errno %d", errno);
	check("wait_maxevents_neg_einval", err_is(syscall(SYS_epoll_wait, ep, &ev, -1, 0), EINVAL), "errno %d", errno);
	check("wait_maxevents_huge_einval", err_is(syscall(SYS_epoll_wait, ep, &ev, INT32_MAX, 0), EINVAL),
	    "errno %d", errno);
	check("wait_bad_fd_ebadf", err_is(epoll_wait(999, &ev, 1, 0), EBADF), "errno %d", errno);
	check("wait_not_epoll_einval", err_is(epoll_wait(p[0], &ev, 1, 0), EINVAL), "errno %d", errno);
	check("wait_efault", err_is(syscall(SYS_epoll_wait, ep, (void *)-4096L, 1, 0), EFAULT),
	    "errno %d", errno);
	check("pwait_sigsetsize_einval",
	    err_is(syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &(sigset_t){ 0 }, 4), EINVAL), "errno %d", errno);
	struct timespec bad = { 0, 1000000000 };
	check("pwait2_bad_timespec_einval", err_is(syscall(NR_epoll_pwait2, ep, &ev, 1, &bad, NULL, 8),
	    EINVAL), "errno %d", errno);

	/* A cycle, and chains of more than 4 links (either way). */
	int a = epoll_create1(0), b = epoll_create1(0), chain[6];
	check("nest_add", add(a, b, EPOLLIN, 0) == 0, "errno %d", errno);
	check("cycle_eloop", err_is(add(b, a, EPOLLIN, 0), ELOOP), "errno %d", errno);
	for (int i = 0; i < 6; i++)
		chain[i] = epoll_create1(0);
	int ok = 1;
	for (int i = 4; i > 0; i--)	/* chain[1] -> ... -> chain[5]: 4 links */
		ok &= add(chain[i], chain[i + 1], EPOLLIN, 0) == 0;
	check("chain_4_links", ok, "errno %d", errno);
	check("chain_5_links_below_eloop", err_is(add(chain[0], chain[1], EPOLLIN, 0), ELOOP),
	    "errno %d", errno);
	int top = epoll_create1(0);
	check("chain_5_links_above_eloop", err_is(add(chain[5], top, EPOLLIN, 0), ELOOP),
	    "errno %d", errno);
	for (int i = 0; i < 6; i++)
		close(chain[i]);
	close(top);
	close(a);
	close(b);
	close(dir);
	close(null);
	close(file);
	unlink(path);
	close(p[0]);
	close(p[1]);
	close(ep);
	close(e2);
}

/* ---- level and edge triggering ---- */

/* LT reports while data is there; ET once per arrival. rd/wr: a pipe or
 * the two ends of a connection. */
static void triggering(const char *what, int rd, int wr)
{
	char name[64], buf[16];
	int lt = epoll_create1(0), et = epoll_create1(0);
	struct epoll_event ev;

#define NAME(s) (snprintf(name, sizeof(name), "%s_%s", what, s), name)
	add(lt, rd, EPOLLIN, 0x1111);
	add(et, rd, EPOLLIN | EPOLLET, 0x2222);
	check(NAME("lt_empty"), wait1(lt, &ev, 0) == 0, "ready");
	check(NAME("et_empty"), wait1(et, &ev, 0) == 0, "ready");
	if (write(wr, "ab", 2) != 2)
		bail("epoll", "write");
	int n = wait1(lt, &ev, 1000);
	check(NAME("lt_ready"), n == 1 && ev.events == EPOLLIN && ev.data.u64 == 0x1111,
	    "n %d events %#x data %#llx", n, ev.events, (unsigned long long)ev.data.u64);
	check(NAME("lt_again"), wait1(lt, &ev, 0) == 1, "not reported again");
	n = wait1(et, &ev, 1000);
	check(NAME("et_ready"), n == 1 && ev.events == EPOLLIN && ev.data.u64 == 0x2222,
	    "n %d events %#x", n, ev.events);
	check(NAME("et_not_again"), wait1(et, &ev, 0) == 0, "reported twice");
	if (read(rd, buf, 1) != 1)
		bail("epoll", "read");
	check(NAME("lt_after_partial_read"), wait1(lt, &ev, 0) == 1, "not ready");
	check(NAME("et_after_partial_read"), wait1(et, &ev, 0) == 0, "ready");
	if (write(wr, "c", 1) != 1)
		bail("epoll", "write");
	check(NAME("et_new_data"), wait1(et, &ev, 1000) == 1, "no event");
	check(NAME("et_new_data_once"), wait1(et, &ev, 0) == 0, "twice");
	if (read(rd, buf, sizeof(buf)) != 2)
		bail("epoll", "read");
	check(NAME("lt_drained"), wait1(lt, &ev, 0) == 0, "still ready");
	/* ET wakes a blocked waiter. */
	struct later l;
	later_write(&l, wr, 50);
	n = wait1(et, &ev, 5000);
	later_join(&l);
	check(NAME("et_woken_by_thread"), n == 1 && ev.events == EPOLLIN, "n %d", n);
	if (read(rd, buf, sizeof(buf)) != 1)
		bail("epoll", "read");
	close(lt);
	close(et);
#undef NAME
}

static void pipes_lt_et(void)
{
	int p[2];
	mkpipe(p);
	triggering("pipe", p[0], p[1]);
	/* The write end: EPOLLOUT; EPOLLERR once the reader is gone; the read
	 * end: EPOLLHUP once the writer is, even when not asked for. */
	int ep = epoll_create1(0);
	struct epoll_event ev;
	add(ep, p[1], EPOLLOUT, 1);
	int n = wait1(ep, &ev, 0);
	check("pipe_writable", n == 1 && ev.events == EPOLLOUT, "n %d events %#x", n, ev.events);
	int q[2];
	mkpipe(q);
	add(ep, q[0], 0, 2);
	check("pipe_no_events_asked", wait1(ep, &ev, 0) == 1 && ev.data.u64 == 1, "data %llu",
	    (unsigned long long)ev.data.u64);
	close(q[1]);
	struct epoll_event evs[4];
	n = epoll_wait(ep, evs, 4, 0);
	int hup = 0;
	for (int i = 0; i < n; i++)
		if (evs[i].data.u64 == 2)
			hup = evs[i].events == EPOLLHUP;
	check("pipe_hup_always_reported", n == 2 && hup, "n %d", n);
	close(q[0]);
	close(p[0]);
	n = wait1(ep, &ev, 0);
	check("pipe_err_no_reader", n == 1 && ev.events == (EPOLLOUT | EPOLLERR), "n %d events %#x",
	    n, ev.events);
	close(p[1]);
	close(ep);
}

/* A connected pair over 127.0.0.1 and the listener it came from. */
static int tcp_pair(int *a, int *b, int *listener)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		return -1;
	*a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	*b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	*listener = l;
	return *b < 0 ? -1 : 0;
}

static void tcp_lt_et(void)
{
	int a, b, l;
	if (tcp_pair(&a, &b, &l)) {
		check("tcp_pair", 0, "%s", strerror(errno));
		return;
	}
	triggering("tcp", b, a);
	int ep = epoll_create1(0);
	struct epoll_event ev;

	/* A listener is readable while a connection waits to be accepted. */
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	getsockname(l, (struct sockaddr *)&sa, &len);
	add(ep, l, EPOLLIN, 7);
	check("tcp_listener_idle", wait1(ep, &ev, 0) == 0, "ready");
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
	check("tcp_nonblocking_connect", r == 0 || errno == EINPROGRESS, "%s", strerror(errno));
	int n = wait1(ep, &ev, 5000);
	check("tcp_listener_ready", n == 1 && ev.events == EPOLLIN && ev.data.u64 == 7, "n %d", n);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	check("tcp_listener_drained", s >= 0 && wait1(ep, &ev, 0) == 0, "still ready");
	epoll_ctl(ep, EPOLL_CTL_DEL, l, NULL);

	/* The connecting end becomes writable; ET says so once. */
	add(ep, c, EPOLLOUT | EPOLLET, 8);
	n = wait1(ep, &ev, 5000);
	int soerr = -1;
	socklen_t sl = sizeof(soerr);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	check("tcp_connected_writable", n == 1 && ev.events == EPOLLOUT && soerr == 0,
	    "n %d events %#x so_error %d", n, ev.events, soerr);
	check("tcp_et_writable_once", wait1(ep, &ev, 0) == 0, "twice");

	/* The peer's shutdown: EPOLLIN | EPOLLRDHUP (asked for); HUP when
	 * both ways are shut. */
	mod(ep, c, EPOLLIN | EPOLLRDHUP, 9);
	shutdown(s, SHUT_WR);
	n = wait1(ep, &ev, 5000);
	check("tcp_rdhup", n == 1 && ev.events == (EPOLLIN | EPOLLRDHUP), "n %d events %#x", n, ev.events);
	mod(ep, c, EPOLLIN, 9);
	n = wait1(ep, &ev, 0);
	check("tcp_rdhup_only_when_asked", n == 1 && ev.events == EPOLLIN, "n %d events %#x", n, ev.events);
	shutdown(c, SHUT_WR);
	n = wait1(ep, &ev, 5000);
	check("tcp_hup_both_shut", n == 1 && (ev.events & EPOLLHUP), "n %d events %#x", n, ev.events);
	close(c);
	close(s);
	close(a);
	close(b);
	close(l);
	close(ep);
}

/* ---- ONESHOT, EXCLUSIVE, DEL, close, dup ---- */

static void oneshot(void)
{
	int p[2], ep = epoll_create1(0);
	struct epoll_event ev;

	mkpipe(p);
	add(ep, p[0], EPOLLIN | EPOLLONESHOT, 5);
	if (write(p[1], "x", 1) != 1)
		bail("epoll", "write");
	check("oneshot_fires", wait1(ep, &ev, 1000) == 1 && ev.data.u64 == 5, "no event");
	check("oneshot_disarmed", wait1(ep, &ev, 0) == 0, "fired twice");
	if (write(p[1], "y", 1) != 1)
		bail("epoll", "write");
	check("oneshot_disarmed_new_data", wait1(ep, &ev, 0) == 0, "fired on new data");
	check("oneshot_still_registered", err_is(add(ep, p[0], EPOLLIN, 0), EEXIST), "errno %d", errno);
	check("oneshot_rearm", mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 6) == 0 &&
	    wait1(ep, &ev, 1000) == 1 && ev.data.u64 == 6, "no event after MOD");
	check("oneshot_disarmed_again", wait1(ep, &ev, 0) == 0, "fired twice");
	close(p[0]);
	close(p[1]);
	close(ep);
}

struct waiter_arg {
	int ep;
	int got;
	pthread_t th;
};

static void *waiter_run(void *arg)
{
	struct waiter_arg *w = arg;
	struct epoll_event ev;
	w->got = epoll_wait(w->ep, &ev, 1, 2500);
	return NULL;
}

/* Two epolls, a thread blocked in each, one pipe: a write wakes both,
 * or with EPOLLEXCLUSIVE only one. */
static int woken_by_one_write(uint32_t flags)
{
	int p[2];
	struct waiter_arg w[2];

	mkpipe(p);
	for (int i = 0; i < 2; i++) {
		w[i].ep = epoll_create1(0);
		w[i].got = -2;
		add(w[i].ep, p[0], EPOLLIN | flags, i);
		pthread_create(&w[i].th, NULL, waiter_run, &w[i]);
	}
	sleep_ms(500);		/* both blocked by now */
	if (write(p[1], "x", 1) != 1)
		bail("epoll", "write");
	sleep_ms(300);
	int woken = 0;
	for (int i = 0; i < 2; i++)
		woken += __atomic_load_n(&w[i].got, __ATOMIC_SEQ_CST) == 1;
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i].th, NULL);
		close(w[i].ep);
	}
	close(p[0]);
	close(p[1]);
	return woken;
}

static void exclusive(void)
{
	int n = woken_by_one_write(0);
	check("shared_wakes_both", n == 2, "%d woken", n);
	n = woken_by_one_write(EPOLLEXCLUSIVE);
	check("exclusive_wakes_one", n == 1, "%d woken", n);
}

static void del_close_dup(void)
{
	int p[2], ep = epoll_create1(0);
	struct epoll_event ev;

	mkpipe(p);
	add(ep, p[0], EPOLLIN, 1);
	if (write(p[1], "x", 1) != 1)
		bail("epoll", "write");
	check("del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0 && wait1(ep, &ev, 0) == 0,
	    "still reported");
	check("del_again_enoent", err_is(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT),
	    "errno %d", errno);

	/* The last close of the file removes its entry, ready or not. */
	add(ep, p[0], EPOLLIN, 2);
	int rd = p[0];
	close(rd);
	check("close_removes_entry", wait1(ep, &ev, 0) == 0, "events %#x data %llu", ev.events,
	    (unsigned long long)ev.data.u64);
	int q[2];
	mkpipe(q);	/* reuses the number */
	check("close_fd_reused_can_add", q[0] != rd || add(ep, q[0], EPOLLIN, 3) == 0, "errno %d", errno);
	close(q[0]);
	close(q[1]);
	close(p[1]);

	/* A dup keeps the file, and so the entry, under the old number. */
	mkpipe(p);
	add(ep, p[0], EPOLLIN, 4);
	int d = dup(p[0]);
	close(p[0]);
	if (write(p[1], "x", 1) != 1)
		bail("epoll", "write");
	int n = wait1(ep, &ev, 1000);
	check("dup_keeps_entry", n == 1 && ev.data.u64 == 4, "n %d", n);
	check("dup_del_closed_fd_ebadf", err_is(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), EBADF),
	    "errno %d", errno);
	check("dup_del_other_fd_enoent", err_is(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), ENOENT),
	    "errno %d", errno);
	close(d);
	check("dup_last_close_removes", wait1(ep, &ev, 0) == 0, "still reported");
	close(p[1]);

	/* Closing the epoll with entries frees them; the files live on. */
	mkpipe(p);
	add(ep, p[0], EPOLLIN, 5);
	add(ep, p[1], EPOLLOUT, 6);
	close(ep);
	check("close_epoll_files_live", write(p[1], "z", 1) == 1 && read(p[0], &ev, 1) == 1, "io failed");
	close(p[0]);
	close(p[1]);
}

/* Files come and go (added ready, closed) while another thread waits on
 * the same epoll and reads what it reports: no entry may outlive its file,
 * and the waiter never sees a file that was closed before it waited. */
struct churn {
	int ep;
	int rounds;
	volatile int stop;
	pthread_t th;
};

static void *churn_run(void *arg)
{
	struct churn *c = arg;
	for (int i = 0; i < c->rounds; i++) {
		int p[2];
		mkpipe(p);
		add(c->ep, p[0], EPOLLIN | (i % 2 ? EPOLLET : 0), 1);
		if (write(p[1], "x", 1) != 1)
			bail("epoll", "write");
		if (i % 3 == 0)
			sched_yield();
		close(p[0]);
		close(p[1]);
	}
	c->stop = 1;
	return NULL;
}

static void close_while_waiting(void)
{
	struct churn c = { .ep = epoll_create1(0), .rounds = 2000 };
	struct epoll_event evs[8];
	int seen = 0, bad = 0;

	pthread_create(&c.th, NULL, churn_run, &c);
	while (!c.stop) {
		int n = epoll_wait(c.ep, evs, 8, 10);
		for (int i = 0; i < n; i++) {
			seen++;
			bad += evs[i].data.u64 != 1;
		}
	}
	pthread_join(c.th, NULL);
	struct epoll_event ev;
	check("churn_no_stray_data", !bad, "%d bad of %d", bad, seen);
	check("churn_empty_after", wait1(c.ep, &ev, 0) == 0, "an entry outlived its file");
	close(c.ep);
}

/* ---- data, maxevents, order ---- */

static void data_and_order(void)
{
	int ep = epoll_create1(0), p[3][2];
	struct epoll_event evs[4];

	for (int i = 0; i < 3; i++) {
		mkpipe(p[i]);
		add(ep, p[i][0], EPOLLIN, 0xdeadbeefcafe0000ULL + i);
	}
	for (int i = 0; i < 3; i++)
		if (write(p[i][1], "x", 1) != 1)
			bail("epoll", "write");
	int n = epoll_wait(ep, evs, 2, 1000);
	int first = n == 2 && evs[0].data.u64 == 0xdeadbeefcafe0000ULL &&
	    evs[1].data.u64 == 0xdeadbeefcafe0001ULL;
	check("maxevents_2_of_3", first, "n %d", n);
	n = epoll_wait(ep, evs, 2, 1000);
	check("lt_round_robin", n == 2 && evs[0].data.u64 == 0xdeadbeefcafe0002ULL &&
	    evs[1].data.u64 == 0xdeadbeefcafe0000ULL, "n %d: %llx %llx", n,
	    (unsigned long long)evs[0].data.u64, (unsigned long long)evs[1].data.u64);
	n = epoll_wait(ep, evs, 4, 1000);
	check("all_three", n == 3, "n %d", n);
	/* data is opaque: a pointer's worth of bits comes back as given. */
	mod(ep, p[1][0], EPOLLIN, ~0ULL);
	n = epoll_wait(ep, evs, 4, 0);
	int seen = 0;
	for (int i = 0; i < n; i++)
		seen |= evs[i].data.u64 == ~0ULL;
	check("data_verbatim", seen, "n %d", n);
	for (int i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	close(ep);
}

/* ---- nesting, poll and select on an epoll ---- */

static void nested(void)
{
	int p[2], inner = epoll_create1(0), outer = epoll_create1(0);
	struct epoll_event ev;
	char c;

	mkpipe(p);
	add(inner, p[0], EPOLLIN, 1);
	add(outer, inner, EPOLLIN, 2);
	struct pollfd pfd = { .fd = inner, .events = POLLIN };
	check("nested_idle", wait1(outer, &ev, 0) == 0 && poll(&pfd, 1, 0) == 0, "ready");
	if (write(p[1], "x", 1) != 1)
		bail("epoll", "write");
	int n = wait1(outer, &ev, 1000);
	check("nested_ready", n == 1 && ev.events == EPOLLIN && ev.data.u64 == 2, "n %d", n);
	n = poll(&pfd, 1, 0);
	check("poll_on_epoll", n == 1 && pfd.revents == POLLIN, "n %d revents %#x", n, pfd.revents);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(inner, &rs);
	struct timeval tv = { 0, 0 };
	n = select(inner + 1, &rs, NULL, NULL, &tv);
	check("select_on_epoll", n == 1 && FD_ISSET(inner, &rs), "n %d", n);
	if (read(p[0], &c, 1) != 1)
		bail("epoll", "read");
	check("nested_drained", wait1(outer, &ev, 0) == 0 && poll(&pfd, 1, 0) == 0, "still ready");

	struct later l;
	later_write(&l, p[1], 50);
	n = wait1(outer, &ev, 5000);
	later_join(&l);
	check("nested_woken_by_thread", n == 1 && ev.data.u64 == 2, "n %d", n);
	if (read(p[0], &c, 1) != 1)
		bail("epoll", "read");
	later_write(&l, p[1], 50);
	pfd.revents = 0;
	n = poll(&pfd, 1, 5000);
	later_join(&l);
	check("poll_on_epoll_woken", n == 1 && pfd.revents == POLLIN, "n %d", n);
	if (read(p[0], &c, 1) != 1)
		bail("epoll", "read");
	/* The inner epoll closed: the outer entry goes with it. */
	close(inner);
	if (write(p[1], "x", 1) != 1)
		bail("epoll", "write");
	check("nested_inner_closed", wait1(outer, &ev, 0) == 0, "still reported");
	close(outer);
	close(p[0]);
	close(p[1]);
}

/* ---- timeouts, signals ---- */

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void timeouts_and_signals(void)
{
	int p[2], ep = epoll_create1(0);
	struct epoll_event ev;
	char c;

	mkpipe(p);
	add(ep, p[0], EPOLLIN, 1);
	int64_t t0 = now_ns();
	int n = wait1(ep, &ev, 0);
	check("timeout_0", n == 0 && now_ns() - t0 < 500 * MS, "n %d", n);
	t0 = now_ns();
	n = wait1(ep, &ev, 100);
	int64_t dt = now_ns() - t0;
	check("timeout_100ms", n == 0 && dt >= 100 * MS, "n %d after %lld ms", n, (long long)(dt / MS));
	struct later l;
	later_write(&l, p[1], 100);
	t0 = now_ns();
	n = wait1(ep, &ev, -1);
	dt = now_ns() - t0;
	later_join(&l);
	check("timeout_forever_woken", n == 1 && dt >= 90 * MS, "n %d after %lld ms", n,
	    (long long)(dt / MS));
	if (read(p[0], &c, 1) != 1)
		bail("epoll", "read");

	struct timespec ts = { 0, 50 * MS };
	t0 = now_ns();
	n = syscall(NR_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8);
	dt = now_ns() - t0;
	check("pwait2_timeout", n == 0 && dt >= 50 * MS, "n %d after %lld ms", n, (long long)(dt / MS));
	later_write(&l, p[1], 50);
	n = syscall(NR_epoll_pwait2, ep, &ev, 1, NULL, NULL, 8);
	later_join(&l);
	check("pwait2_forever_woken", n == 1, "n %d", n);
	if (read(p[0], &c, 1) != 1)
		bail("epoll", "read");

	/* A handler ends the wait with EINTR, with or without SA_RESTART
	 * (epoll_wait is never restarted). */
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		handled = 0;
		later_kill(&l, SIGUSR1, 100);
		n = wait1(ep, &ev, 5000);
		int e = errno;
		later_join(&l);
		check(restart ? "eintr_sa_restart" : "eintr", n == -1 && e == EINTR && handled == 1,
		    "n %d errno %d handled %d", n, e, (int)handled);
	}

	/* epoll_pwait's mask holds for the call only: a pending SIGUSR1 that
	 * it unblocks interrupts it, and is blocked again after. */
	sigset_t block, unblock, now;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	handled = 0;
	raise(SIGUSR1);
	check("pwait_pending_blocked", handled == 0, "handled %d", (int)handled);
	sigemptyset(&unblock);
	n = epoll_pwait(ep, &ev, 1, 5000, &unblock);
	int e = errno;
	sigprocmask(SIG_BLOCK, NULL, &now);
	check("pwait_mask_unblocks", n == -1 && e == EINTR && handled == 1, "n %d errno %d handled %d",
	    n, e, (int)handled);
	check("pwait_mask_restored", sigismember(&now, SIGUSR1), "SIGUSR1 not blocked after");
	/* A mask that blocks the signal: the wait times out undisturbed. */
	raise(SIGUSR1);
	n = epoll_pwait(ep, &ev, 1, 50, &block);
	check("pwait_mask_blocks", n == 0 && handled == 1, "n %d handled %d", n, (int)handled);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	check("pwait_pending_after", handled == 2, "handled %d", (int)handled);
	signal(SIGUSR1, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(ep);
}

/* ---- eventfd ---- */

struct efd_io {
	int fd;
	uint64_t v;
	long ret;
	int write;
	pthread_t th;
};

static void *efd_io_run(void *arg)
{
	struct efd_io *io = arg;
	sleep_ms(50);
	io->ret = io->write ? write(io->fd, &io->v, 8) : read(io->fd, &io->v, 8);
	return NULL;
}

static void eventfds(void)
{
	uint64_t v = 0;
	int fd = eventfd(3, EFD_CLOEXEC);
	struct stat st;

	check("eventfd_create", fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) &&
	    (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "fd %d", fd);
	check("eventfd_fstat", fstat(fd, &st) == 0 && st.st_mode == 0600, "mode %o", st.st_mode);
	check("eventfd_flags_einval", err_is(eventfd(0, 0x10), EINVAL), "errno %d", errno);
	check("eventfd_read_initval", read(fd, &v, 8) == 8 && v == 3, "v %llu", (unsigned long long)v);
	v = 5;
	write(fd, &v, 8);
	v = 7;
	write(fd, &v, 8);
	check("eventfd_sum", read(fd, &v, 8) == 8 && v == 12, "v %llu", (unsigned long long)v);
	check("eventfd_short_read_einval", err_is(read(fd, &v, 4), EINVAL), "errno %d", errno);
	check("eventfd_short_write_einval", err_is(write(fd, &v, 7), EINVAL), "errno %d", errno);
	v = ~0ULL;
	check("eventfd_write_max_einval", err_is(write(fd, &v, 8), EINVAL), "errno %d", errno);
	char big[16] = { 1 };
	check("eventfd_long_write_einval", err_is(write(fd, big, 16), EINVAL), "errno %d", errno);
	write(fd, big, 8);
	check("eventfd_long_read_8", read(fd, big, 16) == 8 && big[0] == 1, "errno %d", errno);

	/* Blocking: a read waits for a write, a write for room. */
	struct efd_io io = { .fd = fd, .v = 9, .write = 1 };
	pthread_create(&io.th, NULL, efd_io_run, &io);
	check("eventfd_read_blocks", read(fd, &v, 8) == 8 && v == 9, "v %llu", (unsigned long long)v);
	pthread_join(io.th, NULL);
	v = 0xfffffffffffffffeULL;
	check("eventfd_fill", write(fd, &v, 8) == 8, "errno %d", errno);
	io = (struct efd_io){ .fd = fd, .write = 0 };
	pthread_create(&io.th, NULL, efd_io_run, &io);
	v = 1;
	check("eventfd_write_blocks_on_overflow", write(fd, &v, 8) == 8, "errno %d", errno);
	pthread_join(io.th, NULL);
	check("eventfd_reader_took_max", io.ret == 8 && io.v == 0xfffffffffffffffeULL, "ret %ld v %llx",
	    io.ret, (unsigned long long)io.v);
	read(fd, &v, 8);

	/* Non-blocking, and readiness. */
	int nb = eventfd(0, EFD_NONBLOCK);
	int ep = epoll_create1(0);
	struct epoll_event ev;
	add(ep, nb, EPOLLIN | EPOLLOUT, 1);
	check("eventfd_nonblock_eagain", err_is(read(nb, &v, 8), EAGAIN), "errno %d", errno);
	int n = wait1(ep, &ev, 0);
	check("eventfd_writable", n == 1 && ev.events == EPOLLOUT, "n %d events %#x", n, ev.events);
	v = 0xfffffffffffffffeULL;
	write(nb, &v, 8);
	n = wait1(ep, &ev, 0);
	check("eventfd_full_readable_only", n == 1 && ev.events == EPOLLIN, "n %d events %#x", n, ev.events);
	v = 1;
	check("eventfd_overflow_eagain", err_is(write(nb, &v, 8), EAGAIN), "errno %d", errno);
	struct pollfd pfd = { .fd = nb, .events = POLLIN | POLLOUT };
	check("eventfd_poll", poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "revents %#x", pfd.revents);
	read(nb, &v, 8);
	epoll_ctl(ep, EPOLL_CTL_DEL, nb, NULL);
	add(ep, nb, EPOLLIN | EPOLLET, 2);
	io = (struct efd_io){ .fd = nb, .v = 4, .write = 1 };
	pthread_create(&io.th, NULL, efd_io_run, &io);
	n = wait1(ep, &ev, 5000);
	pthread_join(io.th, NULL);
	check("eventfd_epoll_woken", n == 1 && ev.events == EPOLLIN && ev.data.u64 == 2, "n %d", n);

	/* Semaphore mode: one at a time. */
	int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	int ones = 0;
	for (int i = 0; i < 3; i++)
		ones += read(sem, &v, 8) == 8 && v == 1;
	check("eventfd_semaphore", ones == 3 && err_is(read(sem, &v, 8), EAGAIN), "ones %d", ones);
	close(sem);
	close(nb);
	close(ep);
	close(fd);
}

/* ---- timerfd ---- */

static int64_t ts_ns(struct timespec ts)
{
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void timerfds(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = { 0 }, old;
	uint64_t ticks = 0;
	struct stat st;

	check("timerfd_create", fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "fd %d", fd);
	check("timerfd_fstat", fstat(fd, &st) == 0 && st.st_mode == 0600, "mode %o", st.st_mode);
	check("timerfd_bad_clock_einval", err_is(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL),
	    "errno %d", errno);
	check("timerfd_bad_flags_einval", err_is(timerfd_create(CLOCK_MONOTONIC, 0x10), EINVAL),
	    "errno %d", errno);
	check("timerfd_gettime_fresh", timerfd_gettime(fd, &old) == 0 && ts_ns(old.it_value) == 0 &&
	    ts_ns(old.it_interval) == 0, "value %lld", (long long)ts_ns(old.it_value));
	its.it_value.tv_nsec = 1000000000;
	check("timerfd_settime_bad_nsec", err_is(timerfd_settime(fd, 0, &its, NULL), EINVAL),
	    "errno %d", errno);
	its.it_value.tv_nsec = 1;
	check("timerfd_settime_bad_flags", err_is(timerfd_settime(fd, 0x10, &its, NULL), EINVAL),
	    "errno %d", errno);
	int p[2];
	mkpipe(p);
	check("timerfd_settime_not_timerfd", err_is(timerfd_settime(p[0], 0, &its, NULL), EINVAL),
	    "errno %d", errno);
	check("timerfd_gettime_bad_fd", err_is(timerfd_gettime(999, &old), EBADF), "errno %d", errno);
	close(p[0]);
	close(p[1]);
	check("timerfd_short_read_einval", err_is(read(fd, &ticks, 4), EINVAL), "errno %d", errno);
	check("timerfd_write_einval", err_is(write(fd, &ticks, 8), EINVAL), "errno %d", errno);

	/* One-shot, relative: a blocking read gets 1 after the time. */
	its = (struct itimerspec){ .it_value = { 0, 100 * MS } };
	int64_t t0 = now_ns();
	timerfd_settime(fd, 0, &its, NULL);
	long r = read(fd, &ticks, 8);
	int64_t dt = now_ns() - t0;
	check("timerfd_oneshot", r == 8 && ticks == 1 && dt >= 100 * MS, "r %ld ticks %llu after %lld ms",
	    r, (unsigned long long)ticks, (long long)(dt / MS));
	check("timerfd_oneshot_disarmed", timerfd_gettime(fd, &old) == 0 && ts_ns(old.it_value) == 0,
	    "value %lld", (long long)ts_ns(old.it_value));

	/* Non-blocking before the expiry; readiness through epoll. */
	int nb = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
	its = (struct itimerspec){ .it_value = { 0, 100 * MS } };
	timerfd_settime(nb, 0, &its, NULL);
	check("timerfd_nonblock_eagain", err_is(read(nb, &ticks, 8), EAGAIN), "errno %d", errno);
	int ep = epoll_create1(0);
	struct epoll_event ev;
	add(ep, nb, EPOLLIN, 3);
	int n = wait1(ep, &ev, 5000);
	check("timerfd_epoll", n == 1 && ev.events == EPOLLIN && read(nb, &ticks, 8) == 8 && ticks == 1,
	    "n %d ticks %llu", n, (unsigned long long)ticks);
	check("timerfd_epoll_drained", wait1(ep, &ev, 0) == 0, "still ready");

	/* Periodic: expiries that nobody read add up. */
	its = (struct itimerspec){ .it_value = { 0, 100 * MS }, .it_interval = { 0, 100 * MS } };
	t0 = now_ns();
	timerfd_settime(nb, 0, &its, NULL);
	sleep_ms(550);
	r = read(nb, &ticks, 8);
	int64_t periods = (now_ns() - t0) / (100 * MS);	/* what passed, however long the sleep */
	check("timerfd_periodic_count", r == 8 && ticks >= 5 && (int64_t)ticks <= periods,
	    "ticks %llu in %lld periods", (unsigned long long)ticks, (long long)periods);
	sleep_ms(120);
	r = read(nb, &ticks, 8);
	int64_t more = (now_ns() - t0) / (100 * MS) - periods + 1;
	check("timerfd_periodic_continues", r == 8 && ticks >= 1 && (int64_t)ticks <= more,
	    "r %ld ticks %llu, at most %lld", r, (unsigned long long)ticks, (long long)more);
	check("timerfd_gettime_periodic", timerfd_gettime(nb, &old) == 0 &&
	    ts_ns(old.it_interval) == 100 * MS && ts_ns(old.it_value) > 0 &&
	    ts_ns(old.it_value) <= 100 * MS, "value %lld interval %lld", (long long)ts_ns(old.it_value),
	    (long long)ts_ns(old.it_interval));

	/* The old value comes back from settime; 0 disarms. */
	its = (struct itimerspec){ .it_value = { 5, 0 }, .it_interval = { 1, 0 } };
	timerfd_settime(nb, 0, &its, NULL);
	struct itimerspec zero = { 0 };
	check("timerfd_old_value", timerfd_settime(nb, 0, &zero, &old) == 0 &&
	    ts_ns(old.it_interval) == 1000000000LL && ts_ns(old.it_value) > 4000 * MS &&
	    ts_ns(old.it_value) <= 5000 * MS, "value %lld", (long long)ts_ns(old.it_value));
	check("timerfd_disarmed", timerfd_gettime(nb, &old) == 0 && ts_ns(old.it_value) == 0 &&
	    err_is(read(nb, &ticks, 8), EAGAIN), "value %lld", (long long)ts_ns(old.it_value));

	/* Absolute times, on MONOTONIC and REALTIME; one in the past with a
	 * period counts every period since. */
	struct timespec mono, wall;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	its = (struct itimerspec){ .it_value = { mono.tv_sec, mono.tv_nsec } };
	its.it_value.tv_nsec += 100 * MS;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	t0 = now_ns();
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
	r = read(fd, &ticks, 8);
	dt = now_ns() - t0;
	check("timerfd_abstime_monotonic", r == 8 && ticks == 1 && dt >= 90 * MS, "after %lld ms",
	    (long long)(dt / MS));
	int rt = timerfd_create(CLOCK_REALTIME, 0);
	clock_gettime(CLOCK_REALTIME, &wall);
	its = (struct itimerspec){ .it_value = { wall.tv_sec, wall.tv_nsec } };
	its.it_value.tv_nsec += 100 * MS;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	t0 = now_ns();
	timerfd_settime(rt, TFD_TIMER_ABSTIME, &its, NULL);
	r = read(rt, &ticks, 8);
	dt = now_ns() - t0;
	check("timerfd_abstime_realtime", r == 8 && ticks == 1 && dt >= 90 * MS, "after %lld ms",
	    (long long)(dt / MS));
	clock_gettime(CLOCK_REALTIME, &wall);
	its = (struct itimerspec){ .it_value = { wall.tv_sec - 5, wall.tv_nsec }, .it_interval = { 1, 0 } };
	if (its.it_value.tv_nsec >= 500 * MS) {
		its.it_value.tv_nsec -= 500 * MS;
	} else {
		its.it_value.tv_sec--;
		its.it_value.tv_nsec += 500 * MS;
	}
	timerfd_settime(rt, TFD_TIMER_ABSTIME, &its, NULL);
	r = read(rt, &ticks, 8);	/* 5.5 s ago, every second: 6 expiries */
	clock_gettime(CLOCK_REALTIME, &wall);
	int64_t since = ts_ns(wall) - ts_ns(its.it_value);
	check("timerfd_abstime_past_overruns", r == 8 && ticks >= 6 &&
	    (int64_t)ticks <= since / 1000000000 + 1, "r %ld ticks %llu after %lld ms", r,
	    (unsigned long long)ticks, (long long)(since / MS));
	check("timerfd_abstime_past_next", timerfd_gettime(rt, &old) == 0 && ts_ns(old.it_value) > 0 &&
	    ts_ns(old.it_value) <= 500 * MS, "value %lld", (long long)ts_ns(old.it_value));
	close(rt);
	close(ep);
	close(nb);
	close(fd);
}

/* ---- signalfd ---- */

struct kill_later {
	int sig;
	pthread_t th;
};

static void *kill_run(void *arg)
{
	struct kill_later *k = arg;
	sleep_ms(50);
	kill(getpid(), k->sig);
	return NULL;
}

static void signalfds(void)
{
	sigset_t mask;
	struct signalfd_siginfo si;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	check("signalfd_create", fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "fd %d", fd);
	check("signalfd_empty_eagain", err_is(read(fd, &si, sizeof(si)), EAGAIN), "errno %d", errno);
	check("signalfd_short_read_einval", err_is(read(fd, &si, sizeof(si) - 1), EINVAL), "errno %d", errno);
	check("signalfd_bad_flags_einval", err_is(signalfd(-1, &mask, 0x10), EINVAL), "errno %d", errno);
	check("signalfd_bad_size_einval", err_is(syscall(SYS_signalfd4, -1, &mask, 4, 0), EINVAL),
	    "errno %d", errno);
	int p[2];
	mkpipe(p);
	check("signalfd_not_signalfd_einval", err_is(signalfd(p[0], &mask, 0), EINVAL), "errno %d", errno);
	close(p[0]);
	close(p[1]);

	int ep = epoll_create1(0);
	struct epoll_event ev;
	add(ep, fd, EPOLLIN, 4);
	check("signalfd_idle", wait1(ep, &ev, 0) == 0, "ready");
	raise(SIGUSR2);
	int n = wait1(ep, &ev, 1000);
	check("signalfd_epoll_ready", n == 1 && ev.events == EPOLLIN, "n %d", n);
	long r = read(fd, &si, sizeof(si));
	check("signalfd_read", r == sizeof(si) && si.ssi_signo == SIGUSR2 && si.ssi_code == SI_TKILL &&
	    si.ssi_pid == (uint32_t)getpid(), "r %ld signo %u code %d pid %u", r, si.ssi_signo,
	    si.ssi_code, si.ssi_pid);
	check("signalfd_consumed", wait1(ep, &ev, 0) == 0, "still ready");

	union sigval val = { .sival_int = 4242 };
	sigqueue(getpid(), SIGRTMIN + 1, val);
	sigqueue(getpid(), SIGRTMIN + 1, val);
	struct signalfd_siginfo two[3];
	r = read(fd, two, sizeof(two));
	check("signalfd_queued_two", r == 2 * (long)sizeof(si) && two[0].ssi_signo == (uint32_t)SIGRTMIN + 1 &&
	    two[0].ssi_code == SI_QUEUE && two[0].ssi_int == 4242 && two[1].ssi_int == 4242,
	    "r %ld code %d int %d", r, two[0].ssi_code, two[0].ssi_int);

	/* A blocking read waits for a signal sent by another thread. */
	fcntl(fd, F_SETFL, 0);
	struct kill_later k = { .sig = SIGUSR2 };
	pthread_create(&k.th, NULL, kill_run, &k);
	r = read(fd, &si, sizeof(si));
	pthread_join(k.th, NULL);
	check("signalfd_blocking_read", r == sizeof(si) && si.ssi_signo == SIGUSR2 && si.ssi_code == SI_USER,
	    "r %ld signo %u code %d", r, si.ssi_signo, si.ssi_code);

	/* A new mask through the same fd. */
	sigset_t only;
	sigemptyset(&only);
	sigaddset(&only, SIGRTMIN + 1);
	check("signalfd_remask", signalfd(fd, &only, 0) == fd, "errno %d", errno);
	raise(SIGUSR2);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	check("signalfd_remask_excludes", err_is(read(fd, &si, sizeof(si)), EAGAIN), "errno %d", errno);
	sigset_t pend;
	sigpending(&pend);
	check("signalfd_other_still_pending", sigismember(&pend, SIGUSR2), "SIGUSR2 not pending");
	signal(SIGUSR2, SIG_IGN);	/* discards it */
	signal(SIGUSR2, SIG_DFL);
	close(ep);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
}

/* ---- many entries ---- */

#define PIPES	5000		/* both ends registered: 10,000 entries */
#define ROUNDS	1000

/* Microseconds per round of write, wait, read on the first hot pipes;
 * waits that did not report exactly that pipe are added to *wrong. */
static double round_us(int ep, int (*p)[2], int hot, int *wrong)
{
	struct epoll_event evs[8];
	char c;
	int64_t t0 = now_ns();

	for (int i = 0; i < ROUNDS; i++) {
		int k = (i * 7) % hot;
		if (write(p[k][1], "x", 1) != 1)
			bail("epoll", "write");
		int n = epoll_wait(ep, evs, 8, 1000);
		*wrong += n != 1 || evs[0].data.u64 != (uint64_t)k;
		if (read(p[k][0], &c, 1) != 1)
			bail("epoll", "read");
	}
	return (now_ns() - t0) / 1000.0 / ROUNDS;
}

static void many(void)
{
	static int p[PIPES][2], sp[5][2];
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2 * PIPES + 64) {
		printf("not ok many_entries: RLIMIT_NOFILE hard limit %llu is too low\n",
		    (unsigned long long)rl.rlim_max);
		check_failures++;
		return;
	}
	rl.rlim_cur = 2 * PIPES + 64;
	check("rlimit_nofile_raised", setrlimit(RLIMIT_NOFILE, &rl) == 0, "errno %d", errno);

	/* The same loop over 10 entries and over 10,000 (other pipes), in
	 * turns, the best of three each: the time is the machine's least
	 * disturbed. */
	int small = epoll_create1(0), ep = epoll_create1(0), ok = 1;
	for (int i = 0; i < 5; i++) {
		mkpipe(sp[i]);
		add(small, sp[i][0], EPOLLIN, i);
		add(small, sp[i][1], EPOLLIN, 100000 + i);	/* a write end never reads */
	}
	for (int i = 0; i < PIPES; i++) {
		mkpipe(p[i]);
		ok &= add(ep, p[i][0], EPOLLIN, i) == 0;
		ok &= add(ep, p[i][1], EPOLLIN, 100000 + i) == 0;
	}
	check("many_10000_entries", ok, "errno %d", errno);
	struct epoll_event ev;
	check("many_none_ready", wait1(ep, &ev, 0) == 0, "ready");
	double few = 1e9, lots = 1e9;
	int wrong_few = 0, wrong_lots = 0;
	for (int i = 0; i < 3; i++) {
		double t = round_us(small, sp, 5, &wrong_few);
		few = t < few ? t : few;
		t = round_us(ep, p, 5, &wrong_lots);
		lots = t < lots ? t : lots;
	}
	check("few_one_ready_each_time", !wrong_few, "%d wrong waits", wrong_few);
	check("many_one_ready_each_time", !wrong_lots, "%d wrong waits", wrong_lots);
	printf("many: %.1f us per round with 10 entries, %.1f us with 10,000\n", few, lots);
	check("many_cost_of_ready_only", lots < 3 * few + 20, "%.1f us vs %.1f us", lots, few);
	/* Closing the files takes their entries away. */
	for (int i = 0; i < PIPES; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	check("many_closed", wait1(ep, &ev, 0) == 0, "ready");
	for (int i = 0; i < 5; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
	close(small);
	close(ep);
}

/* ---- serve: an edge-triggered echo server ---- */

static int serve(int port, int want)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 16)) {
		printf("epoll: cannot listen on %d: %s\n", port, strerror(errno));
		return 2;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC), ended = 0;
	add(ep, l, EPOLLIN, (uint64_t)-1);
	printf("epoll: listening on %d\n", port);
	fflush(stdout);
	static char buf[65536];
	while (ended < want) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			printf("epoll: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == (uint64_t)-1) {
				int c;
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
					add(ep, c, EPOLLIN | EPOLLRDHUP | EPOLLET, (uint64_t)c);
				continue;
			}
			int c = (int)evs[i].data.u64;
			bool gone = false;
			for (;;) {	/* edge-triggered: read until EAGAIN */
				long r = read(c, buf, sizeof(buf));
				if (r > 0) {
					for (long off = 0; off < r;) {
						long w = write(c, buf + off, r - off);
						if (w > 0) {
							off += w;
						} else if (w < 0 && errno == EAGAIN) {
							struct pollfd pfd = { c, POLLOUT, 0 };
							poll(&pfd, 1, -1);
						} else {
							gone = true;
							break;
						}
					}
					continue;
				}
				if (r == 0 || errno != EAGAIN)
					gone = true;
				break;
			}
			if (gone) {
				close(c);
				printf("epoll: connection %d ended\n", ++ended);
				fflush(stdout);
			}
		}
	}
	close(ep);
	close(l);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atoi(argv[3]));
	setvbuf(stdout, NULL, _IOLBF, 0);
	errors();
	pipes_lt_et();
	tcp_lt_et();
	oneshot();
	exclusive();
	del_close_dup();
	close_while_waiting();
	data_and_order();
	nested();
	timeouts_and_signals();
	eventfds();
	timerfds();
	signalfds();
	many();
	return done("epoll");
}
