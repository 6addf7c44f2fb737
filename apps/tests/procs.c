/* Processes as programs use them: fork (ids, copy-on-write memory, shared
 * mappings, the fd table and its offsets, signal state), wait4 and waitid
 * (statuses, WNOHANG, WNOWAIT, siginfo, ECHILD, zombies, SIGCHLD), execve
 * (close-on-exec, argv and envp, errors, `#!` scripts, signal state, from
 * a thread), vfork, posix_spawn, kill to a process and to groups, process
 * groups and sessions, orphans and a subreaper, 1000 fork/wait cycles, 100
 * children at once, memory given back, RLIMIT_NPROC.
 *
 * Only the first process prints: children report through their exit
 * status or a pipe, so the "ok" lines are the same on every run and
 * tests/boot/test_linux.py compares them with the host's. Every wait is
 * bounded (alarm, poll), so a kernel that loses a child fails checks
 * instead of hanging. The program runs itself as a helper through execve
 * (see helper() and dump()). Argument: DIR for files (default /tmp). */
#include "check.h"
/* Thread and child functions have fixed signatures. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "procs"
#define WAIT_S 10		/* longest wait for a child: a hang fails a check */
#define DUMP_FD 10		/* where a dumping helper writes (see dump()) */
#define NPROC_LIMIT 12
#define NPROC_UID 61234		/* a uid no other process has (see nproc()) */

static char dir[PATH_MAX];	/* DIR/procs-test.PID */
static char exe[PATH_MAX];	/* this program's path, for `#!` lines */
static const char *self;	/* what execve runs: /proc/self/exe, else argv[0] */
static volatile sig_atomic_t alarmed;

/* ---- helpers ---- */

/* A check that call fails with errno err (when guard holds: a failed
 * setup fails it too). The call runs before its detail is formatted:
 * arguments of check() are evaluated in no fixed order. */
#define CHECK_FAILS(name, guard, call, err) do { \
	long ret_ = -2; \
	int err_ = 0; \
	if (guard) { \
		errno = 0; \
		ret_ = (long)(call); \
		err_ = errno; \
	} \
	check(name, ret_ == -1 && err_ == (err), "%s = %ld, errno %d (%s), want %s", #call, \
	    ret_, err_, strerror(err_), #err); \
} while (0)

/* A check that call returns 0, when guard holds. */
#define CHECK_ZERO(name, guard, call) do { \
	long ret_ = -2; \
	int err_ = 0; \
	if (guard) { \
		errno = 0; \
		ret_ = (long)(call); \
		err_ = errno; \
	} \
	check(name, ret_ == 0, "%s = %ld, errno %d (%s)", #call, ret_, err_, strerror(err_)); \
} while (0)

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void on_alarm(int sig)
{
	alarmed = 1;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa = { 0 };
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		bail(PROG, "sigaction");
}

/* Forks a child that runs fn(arg) and exits with its result; stdout is
 * flushed first so that nothing buffered is printed twice. */
static pid_t start(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

/* waitpid bounded by WAIT_S seconds: a child still there then is killed
 * and -2 returned. */
static pid_t reap_opt(pid_t pid, int *status, int options)
{
	int st = -1;
	alarmed = 0;
	alarm(WAIT_S);
	pid_t r = waitpid(pid, &st, options);
	int err = errno;
	alarm(0);
	if (r == -1 && err == EINTR && alarmed && pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		r = -2;
	}
	if (status)
		*status = st;
	errno = err;
	return r;
}

static pid_t reap(pid_t pid, int *status)
{
	return reap_opt(pid, status, 0);
}

/* The exit status of a child, -1 when it could not be waited for. */
static int status_of(pid_t pid)
{
	int st;
	if (pid <= 0 || reap(pid, &st) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

/* Reads exactly n bytes within WAIT_S seconds: 0, or -1. */
static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, WAIT_S * 1000) != 1)
			return -1;
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += r;
	}
	return 0;
}

/* Reads until end of file (bounded): the byte count, or -1. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, WAIT_S * 1000) != 1)
			return -1;
		ssize_t r = read(fd, buf + got, cap - got);
		if (r == 0)
			return got;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			got += r;
		if (got == cap)
			return got;
	}
}

static int put(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n) == (ssize_t)n ? 0 : -1;
}

static int put_byte(int fd, char c)
{
	return put(fd, &c, 1);
}

static int get_byte(int fd)
{
	unsigned char c;
	return read_full(fd, &c, 1) ? -1 : c;
}

static void close2(int p[2])
{
	close(p[0]);
	close(p[1]);
}

static void pipe_or_bail(int p[2])
{
	if (pipe(p))
		bail(PROG, "pipe");
}

static char *path_in(const char *name)
{
	static char buf[4][PATH_MAX + 64];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const void *data, size_t n, mode_t mode)
{
	int fd = open(path_in(name), O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		bail(PROG, "create a file");
	if (put(fd, data, n))
		bail(PROG, "write a file");
	close(fd);
}

/* True when the calling process has no child left to wait for. */
static int no_children(void)
{
	errno = 0;
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

/* ---- fork: ids ---- */

struct ids {
	pid_t ret, pid, ppid, tid, pgid, sid;
};

static int send_ids(void *arg)
{
	int *p = arg;
	struct ids id = { 0, getpid(), getppid(), tid(), getpgid(0), getsid(0) };
	return put(p[1], &id, sizeof(id)) ? 1 : 0;
}

static void fork_ids(void)
{
	int p[2];
	pipe_or_bail(p);
	struct ids id = { -1, -1, -1, -1, -1, -1 };
	pid_t pid = start(send_ids, p);
	int got = pid > 0 && !read_full(p[0], &id, sizeof(id));
	close2(p);
	CHECK_SYS("fork", pid);
	check("fork_returns_pid", got && pid == id.pid, "fork %d, child's getpid %d", pid, id.pid);
	check("fork_returns_0_in_child", got && id.ret == 0, "child saw %d", id.ret);
	check("fork_child_pid_distinct", got && id.pid != getpid() && id.pid > 0, "pid %d", id.pid);
	check("fork_child_getppid", got && id.ppid == getpid(), "ppid %d, parent %d", id.ppid,
	    getpid());
	check("fork_child_gettid", got && id.tid == id.pid, "tid %d pid %d", id.tid, id.pid);
	check("fork_child_pgid_inherited", got && id.pgid == getpgrp(), "pgid %d, parent's %d",
	    id.pgid, getpgrp());
	check("fork_child_sid_inherited", got && id.sid == getsid(0), "sid %d, parent's %d", id.sid,
	    getsid(0));
	check("fork_child_reaped", status_of(pid) == 0, "not reaped with status 0");
}

/* ---- wait4 and waitid ---- */

static int exit_with(void *arg)
{
	return (int)(intptr_t)arg;
}

static int die_of(void *arg)
{
	raise((int)(intptr_t)arg);
	return 99;
}

static int wait_eof(void *arg)
{
	int *p = arg;
	char c;
	close(p[1]);
	return read(p[0], &c, 1) == 0 ? 0 : 1;
}

static int spin_cpu(void *arg)
{
	struct timespec ts;
	double end = 0, t;
	do {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		t = ts.tv_sec + ts.tv_nsec / 1e9;
		if (end == 0)
			end = t + 0.1;
	} while (t < end);
	return 0;
}

static void wait_statuses(void)
{
	static const int codes[] = { 0, 1, 42, 255, 256 + 3 };
	int ok = 1, st = 0;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]) && ok; i++) {
		pid_t pid = start(exit_with, (void *)(intptr_t)codes[i]);
		ok = pid > 0 && wait4(pid, &st, 0, NULL) == pid && WIFEXITED(st) &&
		    !WIFSIGNALED(st) && WEXITSTATUS(st) == (codes[i] & 255);
	}
	check("wait4_exit_statuses", ok, "status %#x", st);

	pid_t pid = start(die_of, (void *)(intptr_t)SIGUSR1);
	ok = pid > 0 && reap(pid, &st) == pid;
	check("wait4_signaled", ok && WIFSIGNALED(st) && !WIFEXITED(st), "status %#x", st);
	check("wait4_termsig", ok && WTERMSIG(st) == SIGUSR1 && !WCOREDUMP(st), "status %#x", st);

	struct rusage ru = { 0 };
	pid = start(spin_cpu, NULL);
	alarm(WAIT_S);
	ok = pid > 0 && wait4(pid, &st, 0, &ru) == pid;
	alarm(0);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6;
	check("wait4_rusage_child_cpu", ok && cpu >= 0.05 && cpu < 5, "%.3f s", cpu);
	getrusage(RUSAGE_CHILDREN, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6;
	check("rusage_children", cpu >= 0.05, "%.3f s", cpu);

	check("wait4_rusage_status", pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x",
	    st);
	CHECK_FAILS("wait4_reaped_echild", pid > 0, wait4(pid, &st, 0, NULL), ECHILD);
}

static void wait_nohang(void)
{
	CHECK_FAILS("wnohang_no_children_echild", 1, waitpid(-1, NULL, WNOHANG), ECHILD);
	CHECK_FAILS("wait_no_children_echild", 1, wait(NULL), ECHILD);
	siginfo_t si;
	CHECK_FAILS("waitid_no_children_echild", 1, waitid(P_ALL, 0, &si, WEXITED | WNOHANG),
	    ECHILD);

	int p[2];
	pipe_or_bail(p);
	pid_t pid = start(wait_eof, p);
	close(p[0]);
	int st;
	pid_t r = pid > 0 ? waitpid(pid, &st, WNOHANG) : -1;
	check("wnohang_running_child_0", r == 0, "waitpid %d errno %d", r, errno);
	memset(&si, 0xff, sizeof(si));
	r = pid > 0 ? waitid(P_ALL, 0, &si, WEXITED | WNOHANG) : -1;
	check("waitid_wnohang_running_0", r == 0 && si.si_pid == 0, "waitid %d si_pid %d", r,
	    si.si_pid);
	r = pid > 0 ? waitid(P_PID, pid, &si, WEXITED | WNOHANG) : -1;
	check("waitid_pid_wnohang_running_0", r == 0 && si.si_pid == 0, "waitid %d si_pid %d", r,
	    si.si_pid);
	close(p[1]);
	check("wnohang_then_exit", status_of(pid) == 0, "child did not see EOF and exit 0");
	CHECK_FAILS("waitid_no_options_einval", 1, waitid(P_ALL, 0, &si, WNOHANG), EINVAL);
}

static int siginfo_is(const siginfo_t *si, pid_t pid, int code, int status)
{
	return si->si_signo == SIGCHLD && si->si_pid == pid && si->si_code == code &&
	    si->si_status == status && si->si_uid == getuid();
}

static void wait_id(void)
{
	siginfo_t si, again;
	memset(&si, 0, sizeof(si));
	memset(&again, 0, sizeof(again));
	pid_t pid = start(exit_with, (void *)7);
	alarm(WAIT_S);
	int r = pid > 0 ? waitid(P_PID, pid, &si, WEXITED | WNOWAIT) : -1;
	alarm(0);
	check("waitid_wnowait", r == 0 && siginfo_is(&si, pid, CLD_EXITED, 7),
	    "r %d signo %d pid %d code %d status %d", r, si.si_signo, si.si_pid, si.si_code,
	    si.si_status);
	/* WNOWAIT left it a zombie: it still exists for kill(pid, 0). */
	CHECK_ZERO("zombie_exists", pid > 0, kill(pid, 0));
	r = pid > 0 ? waitid(P_ALL, 0, &again, WEXITED | WNOHANG) : -1;
	check("waitid_all_after_wnowait", r == 0 && siginfo_is(&again, pid, CLD_EXITED, 7),
	    "r %d pid %d status %d", r, again.si_pid, again.si_status);
	CHECK_FAILS("zombie_reaped", pid > 0, kill(pid, 0), ESRCH);
	CHECK_FAILS("waitid_reaped_echild", pid > 0, waitid(P_PID, pid, &si, WEXITED), ECHILD);

	pid = start(die_of, (void *)(intptr_t)SIGTERM);
	memset(&si, 0, sizeof(si));
	alarm(WAIT_S);
	r = pid > 0 ? waitid(P_PID, pid, &si, WEXITED) : -1;
	alarm(0);
	check("waitid_killed", r == 0 && siginfo_is(&si, pid, CLD_KILLED, SIGTERM),
	    "r %d code %d status %d", r, si.si_code, si.si_status);
}

/* ---- SIGCHLD ---- */

static volatile sig_atomic_t chld_count, chld_pid, chld_status, chld_code;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_count++;
	chld_pid = si->si_pid;
	chld_status = si->si_status;
	chld_code = si->si_code;
}

static void sigchld(void)
{
	struct sigaction sa = { 0 }, old;
	sigset_t block, orig;
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &old);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &orig);
	chld_count = 0;
	pid_t pid = start(exit_with, (void *)5);
	sigset_t wait_mask = orig;
	sigdelset(&wait_mask, SIGCHLD);
	alarmed = 0;
	alarm(WAIT_S);
	while (pid > 0 && !chld_count && !alarmed)
		sigsuspend(&wait_mask);
	alarm(0);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	check("sigchld_delivered", chld_count == 1, "%d signals", (int)chld_count);
	check("sigchld_si_pid", chld_pid == pid, "si_pid %d, child %d", (int)chld_pid, pid);
	check("sigchld_si_status", chld_status == 5 && chld_code == CLD_EXITED,
	    "si_status %d si_code %d", (int)chld_status, (int)chld_code);
	check("sigchld_then_reaped", status_of(pid) == 5, "no status 5");
	sigaction(SIGCHLD, &old, NULL);

	/* SIGCHLD ignored: children leave no zombie, and wait blocks until
	 * they are gone, then says ECHILD. */
	handle(SIGCHLD, SIG_IGN);
	pid = start(exit_with, (void *)0);
	alarm(WAIT_S);
	errno = 0;
	pid_t r = waitpid(-1, NULL, 0);
	int err = errno;
	alarm(0);
	check("sigchld_ignored_no_zombie", pid > 0 && r == -1 && err == ECHILD,
	    "waitpid %d errno %d", r, err);
	/* Linux's wait can say ECHILD a moment before the auto-reaped child's
	 * pid is unhashed: give it up to a second to go. */
	for (int i = 0; pid > 0 && i < 1000 && kill(pid, 0) == 0; i++)
		msleep(1);
	CHECK_FAILS("sigchld_ignored_child_gone", pid > 0, kill(pid, 0), ESRCH);
	handle(SIGCHLD, SIG_DFL);
}

/* ---- memory across fork ---- */

#define BIG (4 << 20)
#define SMALL (64 << 10)
static char statics[SMALL];

struct cow {
	char *big;		/* malloc'd */
	char *stack;		/* the parent's stack */
	int up[2], down[2];	/* child -> parent, parent -> child */
};

static int all_are(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* The first half of each buffer is the parent's to scribble on after the
 * fork, the second half the child's. */
static void scribble(struct cow *c, int half, char v)
{
	memset(c->big + half * BIG / 2, v, BIG / 2);
	memset(statics + half * SMALL / 2, v, SMALL / 2);
	memset(c->stack + half * SMALL / 2, v, SMALL / 2);
}

static int halves_are(struct cow *c, int half, char v)
{
	return all_are(c->big + half * BIG / 2, BIG / 2, v) &&
	    all_are(statics + half * SMALL / 2, SMALL / 2, v) &&
	    all_are(c->stack + half * SMALL / 2, SMALL / 2, v);
}

static int cow_child(void *arg)
{
	struct cow *c = arg;
	int bad = 0;
	if (!halves_are(c, 0, 'A') || !halves_are(c, 1, 'A'))
		bad |= 1;
	put_byte(c->up[1], '1');
	if (get_byte(c->down[0]) != '2')
		return 64;
	if (!halves_are(c, 0, 'A'))	/* the parent's scribbles stay its own */
		bad |= 2;
	scribble(c, 1, 'C');
	if (!halves_are(c, 1, 'C'))
		bad |= 4;
	return bad;
}

static void cow(void)
{
	char stack[SMALL];
	struct cow c = { malloc(BIG), stack, { -1, -1 }, { -1, -1 } };
	if (!c.big)
		bail(PROG, "malloc");
	memset(c.big, 'A', BIG);
	memset(statics, 'A', SMALL);
	memset(stack, 'A', SMALL);
	pipe_or_bail(c.up);
	pipe_or_bail(c.down);
	pid_t pid = start(cow_child, &c);
	int synced = pid > 0 && get_byte(c.up[0]) == '1';
	if (synced)
		scribble(&c, 0, 'P');
	put_byte(c.down[1], '2');
	int st = status_of(pid);
	close2(c.up);
	close2(c.down);
	check("cow_child_sees_parent_data", synced && st >= 0 && !(st & 1), "status %d", st);
	check("cow_parent_writes_private", synced && st >= 0 && !(st & 2), "status %d", st);
	check("cow_child_writes_own", st >= 0 && !(st & 4) && st < 64, "status %d", st);
	check("cow_parent_keeps_own_writes", synced && halves_are(&c, 0, 'P'),
	    "parent's half lost");
	/* The child scribbled on its halves once it got this far. */
	int ran = st >= 0 && st < 64;
	check("cow_malloc_intact", ran && all_are(c.big + BIG / 2, BIG / 2, 'A'),
	    "child's writes seen (status %d)", st);
	check("cow_static_intact", ran && all_are(statics + SMALL / 2, SMALL / 2, 'A'),
	    "child's writes seen (status %d)", st);
	check("cow_stack_intact", ran && all_are(stack + SMALL / 2, SMALL / 2, 'A'),
	    "child's writes seen (status %d)", st);
	free(c.big);
}

struct shared {
	volatile char *mem;
	int up[2], down[2];
};

static int shared_child(void *arg)
{
	struct shared *s = arg;
	int bad = 0;
	if (s->mem[0] != 'p')
		bad |= 1;
	s->mem[4096] = 'c';
	put_byte(s->up[1], '1');
	if (get_byte(s->down[0]) != '2')
		return 64;
	if (s->mem[8192] != 'P')
		bad |= 2;
	return bad;
}

/* A MAP_SHARED region (anonymous or a file) stays one region: each
 * side's writes are the other's. */
static void shared_both_ways(const char *what, volatile char *mem)
{
	char name[64];
	struct shared s = { mem, { -1, -1 }, { -1, -1 } };
	pipe_or_bail(s.up);
	pipe_or_bail(s.down);
	mem[0] = 'p';
	pid_t pid = start(shared_child, &s);
	int synced = pid > 0 && get_byte(s.up[0]) == '1';
	snprintf(name, sizeof(name), "%s_child_to_parent", what);
	check(name, synced && mem[4096] == 'c', "parent reads %#x", mem[4096]);
	mem[8192] = 'P';
	put_byte(s.down[1], '2');
	int st = status_of(pid);
	snprintf(name, sizeof(name), "%s_parent_to_child", what);
	check(name, st == 0, "child status %d", st);
	close2(s.up);
	close2(s.down);
}

static void shared_maps(void)
{
	size_t len = 4 * 4096;
	char *anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		bail(PROG, "mmap shared anonymous");
	shared_both_ways("shared_anon", anon);
	munmap(anon, len);

	char zero[4 * 4096] = { 0 };
	write_file("shared", zero, len, 0644);
	int fd = open(path_in("shared"), O_RDWR);
	char *map = fd < 0 ? MAP_FAILED :
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		bail(PROG, "mmap shared file");
	shared_both_ways("shared_file", map);
	char c = 0;
	check("shared_file_child_write_in_file", pread(fd, &c, 1, 4096) == 1 && c == 'c',
	    "pread gives %#x", c);
	munmap(map, len);
	close(fd);
}

static int private_child(void *arg)
{
	char *map = arg;
	int bad = map[0] == 'P' ? 0 : 1;	/* the parent's private copy */
	if (map[4096] != 'f')
		bad |= 2;
	map[0] = 'C';
	map[4096] = 'C';
	return bad;
}

/* A private file mapping across fork: the child gets the parent's copy
 * of a written page, and its writes reach neither the parent nor the file. */
static void private_map(void)
{
	char data[2 * 4096];
	memset(data, 'f', sizeof(data));
	write_file("private", data, sizeof(data), 0644);
	int fd = open(path_in("private"), O_RDONLY);
	char *map = fd < 0 ? MAP_FAILED :
	    mmap(NULL, sizeof(data), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		bail(PROG, "mmap private file");
	map[0] = 'P';
	int st = status_of(start(private_child, map));
	check("private_map_child_sees_parent_copy", st == 0, "child status %d", st);
	check("private_map_parent_intact", st >= 0 && map[0] == 'P' && map[4096] == 'f',
	    "status %d, parent reads %c %c", st, map[0], map[4096]);
	char c[2] = { 0, 0 };
	int read2 = pread(fd, c, 1, 0) == 1 && pread(fd, c + 1, 1, 4096) == 1;
	check("private_map_file_intact", st >= 0 && read2 && c[0] == 'f' && c[1] == 'f',
	    "file has %#x %#x", c[0], c[1]);
	munmap(map, sizeof(data));
	close(fd);
}

/* ---- descriptors across fork ---- */

struct fdt {
	int fd, opened;
};

static int fd_child(void *arg)
{
	struct fdt *f = arg;
	char buf[4];
	int bad = read(f->fd, buf, 4) == 4 && !memcmp(buf, "0123", 4) ? 0 : 1;
	int extra = open("/dev/null", O_RDONLY);
	if (put(f->opened, &extra, sizeof(extra)))
		bad |= 2;
	close(f->fd);
	return bad;
}

static void fd_offsets(void)
{
	write_file("offsets", "0123456789abcdef", 16, 0644);
	int p[2];
	pipe_or_bail(p);
	struct fdt f = { open(path_in("offsets"), O_RDONLY), p[1] };
	if (f.fd < 0)
		bail(PROG, "open");
	int st = status_of(start(fd_child, &f));
	int extra = -1;
	int got = st >= 0 && !read_full(p[0], &extra, sizeof(extra));
	close2(p);
	check("fork_child_reads_shared_fd", st == 0, "child status %d", st);
	off_t off = lseek(f.fd, 0, SEEK_CUR);
	check("fork_shares_offset", st == 0 && off == 4, "parent's offset %ld", (long)off);
	char buf[4] = { 0 };
	check("fork_parent_reads_on", read(f.fd, buf, 4) == 4 && !memcmp(buf, "4567", 4),
	    "read %.4s", buf);
	check("fork_child_close_keeps_parent_fd", fcntl(f.fd, F_GETFD) >= 0, "errno %d", errno);
	errno = 0;
	check("fork_fd_table_copied", got && extra >= 0 && fcntl(extra, F_GETFD) == -1 &&
	    errno == EBADF, "child's fd %d is the parent's too", extra);
	close(f.fd);
}

struct pipes {
	int down[2], up[2];
};

#define PIPE_BYTES (1 << 20)

static int pipe_child(void *arg)
{
	struct pipes *p = arg;
	close(p->down[1]);
	close(p->up[0]);
	static unsigned char buf[64 << 10];
	uint32_t sum = 0;
	size_t total = 0;
	ssize_t r;
	while ((r = read(p->down[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			sum = sum * 31 + buf[i];
		total += r;
	}
	uint32_t reply[2] = { sum, (uint32_t)total };
	return put(p->up[1], reply, sizeof(reply)) ? 1 : 0;
}

static int pipe_writer(void *arg)
{
	int *p = arg;
	close(p[0]);
	char buf[4096];
	memset(buf, 'w', sizeof(buf));
	for (int i = 0; i < 64; i++)
		if (put(p[1], buf, sizeof(buf)))
			return 1;
	return 0;
}

static void pipes(void)
{
	struct pipes p;
	pipe_or_bail(p.down);
	pipe_or_bail(p.up);
	pid_t pid = start(pipe_child, &p);
	close(p.down[0]);
	close(p.up[1]);
	static unsigned char buf[PIPE_BYTES];
	uint32_t sum = 0;
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = (unsigned char)(i * 7 + i / 4096);
		sum = sum * 31 + buf[i];
	}
	int ok = pid > 0;
	for (size_t off = 0; ok && off < sizeof(buf); off += 8192)
		ok = !put(p.down[1], buf + off, 8192);
	close(p.down[1]);
	uint32_t reply[2] = { 0, 0 };
	int got = ok && !read_full(p.up[0], reply, sizeof(reply));
	check("pipe_parent_to_child_1m", got && reply[0] == sum && reply[1] == PIPE_BYTES,
	    "child counted %u bytes", reply[1]);
	check("pipe_child_exit_eof", got && read_all(p.up[0], (char *)buf, 1) == 0, "no EOF");
	check("pipe_child_status", status_of(pid) == 0, "child failed");
	close(p.up[0]);

	int q[2];
	pipe_or_bail(q);
	pid = start(pipe_writer, q);
	close(q[1]);
	ssize_t n = read_all(q[0], (char *)buf, sizeof(buf));
	check("pipe_child_to_parent", n == 64 * 4096 && all_are((char *)buf, n, 'w'), "read %zd",
	    n);
	close(q[0]);
	status_of(pid);

	pipe_or_bail(q);
	pid = start(exit_with, (void *)0);
	close(q[0]);	/* the child's copy goes with it */
	int st = status_of(pid);
	handle(SIGPIPE, SIG_IGN);
	CHECK_FAILS("pipe_epipe_after_readers_gone", st == 0, write(q[1], "x", 1), EPIPE);
	handle(SIGPIPE, SIG_DFL);
	close(q[1]);
}

/* ---- signal state across fork ---- */

static volatile sig_atomic_t usr1_count;

static void on_usr1(int sig)
{
	usr1_count++;
}

static int signal_child(void *arg)
{
	sigset_t pending, mask;
	int bad = 0;
	sigpending(&pending);
	if (sigismember(&pending, SIGHUP))
		bad |= 1;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	if (!sigismember(&mask, SIGHUP))
		bad |= 2;
	usr1_count = 0;
	raise(SIGUSR1);
	if (usr1_count != 1)
		bad |= 4;
	return bad;
}

static void fork_signals(void)
{
	sigset_t hup, orig;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &orig);
	raise(SIGHUP);
	handle(SIGUSR1, on_usr1);
	int st = status_of(start(signal_child, NULL));
	check("fork_child_no_pending", st >= 0 && !(st & 1), "status %d", st);
	check("fork_child_keeps_mask", st >= 0 && !(st & 2), "status %d", st);
	check("fork_child_keeps_handlers", st >= 0 && !(st & 4), "status %d", st);
	struct timespec zero = { 0, 0 };
	check("fork_parent_still_pending", sigtimedwait(&hup, NULL, &zero) == SIGHUP, "errno %d",
	    errno);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	handle(SIGUSR1, SIG_DFL);
}

/* ---- threads ---- */

static void *fork_in_thread(void *arg)
{
	pid_t *pid = arg;
	fflush(stdout);
	*pid = fork();
	if (*pid == 0)
		_exit(tid() == getpid() && getppid() != getpid() ? 3 : 1);
	return NULL;
}

static void threads(void)
{
	pthread_t t;
	pid_t pid = -1;
	if (pthread_create(&t, NULL, fork_in_thread, &pid))
		bail(PROG, "pthread_create");
	pthread_join(t, NULL);
	/* The child belongs to the process: another thread waits for it. */
	int st = status_of(pid);
	check("fork_from_thread", pid > 0 && st >= 0, "fork %d", pid);
	check("fork_from_thread_child_is_main", st == 3, "status %d", st);
}

/* ---- execve ---- */

/* The helpers execve runs: `--helper MODE ARGS`. */
static int helper_fds(char **a)
{
	int keep = atoi(a[0]), bad = 0;
	char c;
	if (fcntl(keep, F_GETFD) != 0)
		bad |= 1;
	else if (read(keep, &c, 1) != 1 || c != '2')
		bad |= 2;
	for (int i = 1; i <= 3; i++) {
		errno = 0;
		if (fcntl(atoi(a[i]), F_GETFD) != -1 || errno != EBADF)
			bad |= 4 << (i - 1);
	}
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			bad |= 32;
	return bad;
}

static int helper_signals(void)
{
	struct sigaction sa;
	sigset_t mask, pending;
	int bad = 0;
	sigaction(SIGUSR1, NULL, &sa);
	if (sa.sa_handler != SIG_DFL)
		bad |= 1;
	sigaction(SIGUSR2, NULL, &sa);
	if (sa.sa_handler != SIG_IGN)
		bad |= 2;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	if (!sigismember(&mask, SIGHUP))
		bad |= 4;
	sigpending(&pending);
	if (!sigismember(&pending, SIGHUP))
		bad |= 8;
	return bad;
}

/* Tells the parent it runs (fd a[0]), then waits for a byte on a[1]. */
static int helper_ready_wait(char **a)
{
	if (put_byte(atoi(a[0]), 'r'))
		return 2;
	return get_byte(atoi(a[1])) == 'g' ? 0 : 3;
}

static int helper(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";
	if (!strcmp(mode, "exit") && argc > 3)
		return atoi(argv[3]);
	if (!strcmp(mode, "fds") && argc > 6)
		return helper_fds(argv + 3);
	if (!strcmp(mode, "signals"))
		return helper_signals();
	if (!strcmp(mode, "ready-wait") && argc > 4)
		return helper_ready_wait(argv + 3);
	if (!strcmp(mode, "echo") && argc > 3) {
		printf("%s\n", argv[3]);
		return fflush(stdout) ? 1 : 0;
	}
	if (!strcmp(mode, "wait-byte") && argc > 3)
		return get_byte(atoi(argv[3])) == 'g' ? 0 : 3;
	return 100;
}

/* The argument and environment strings as one block: "A" + each argv
 * string + NUL, then "E" + each environment string + NUL. */
static size_t serialize(char *out, size_t cap, char *const *argv, char *const *envp)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (char *const *s = pass ? envp : argv; *s; s++) {
			size_t len = strlen(*s) + 2;
			if (n + len > cap)
				return 0;
			out[n] = pass ? 'E' : 'A';
			memcpy(out + n + 1, *s, len - 1);
			n += len;
		}
	return n;
}

/* A helper run with PROCS_DUMP in its environment (however execve got to
 * it, `#!` scripts too) writes what it was given to DUMP_FD. */
static int dump(int argc, char **argv)
{
	static char buf[64 << 10];
	size_t n = serialize(buf, sizeof(buf), argv, environ);
	return n && !put(DUMP_FD, buf, n) ? 0 : 1;
}

struct run {
	const char *path;
	char *const *argv, *const *envp;
	int out;	/* the pipe's write end, made DUMP_FD in the child */
};

static int exec_child(void *arg)
{
	struct run *r = arg;
	/* dup2 onto itself would keep FD_CLOEXEC */
	if (r->out == DUMP_FD && fcntl(DUMP_FD, F_SETFD, 0))
		return 120;
	if (r->out >= 0 && r->out != DUMP_FD && dup2(r->out, DUMP_FD) != DUMP_FD)
		return 120;
	execve(r->path, r->argv, r->envp);
	return errno == ENOENT ? 121 : 122;
}

/* Runs path with argv and envp in a child; what it dumps lands in out,
 * the byte count is returned (-1 if none), its status in *status. */
static ssize_t run_dump(const char *path, char *const *argv, char *const *envp, char *out,
    size_t cap, int *status)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		bail(PROG, "pipe2");
	struct run r = { path, argv, envp, p[1] };
	pid_t pid = start(exec_child, &r);
	close(p[1]);
	ssize_t n = pid > 0 ? read_all(p[0], out, cap) : -1;
	close(p[0]);
	*status = status_of(pid);
	return n;
}

static int dumped_as(const char *what, char *const *argv, char *const *envp, const char *got,
    ssize_t n, int st)
{
	static char want[64 << 10];
	size_t len = serialize(want, sizeof(want), argv, envp);
	return check(what, st == 0 && n == (ssize_t)len && !memcmp(got, want, len),
	    "status %d, %zd bytes, want %zu", st, n, len);
}

static void exec_argv_env(void)
{
	static char got[64 << 10], longarg[3000], longenv[4100];
	memset(longarg, 'y', sizeof(longarg) - 1);
	snprintf(longenv, sizeof(longenv), "LONG=%04000d", 7);
	char *argv[] = { "argv0-as-given", "", "two words", longarg, "last", NULL };
	char *envp[] = { "PROCS_DUMP=1", "A=1", "EMPTY=", "SPACES=a b  c", longenv, NULL };
	int st;
	ssize_t n = run_dump(self, argv, envp, got, sizeof(got), &st);
	dumped_as("exec_argv_envp", argv, envp, got, n, st);

	char *one[] = { "PROCS_DUMP=1", NULL };
	char *argv1[] = { "only", NULL };
	n = run_dump(self, argv1, one, got, sizeof(got), &st);
	dumped_as("exec_one_arg_one_env", argv1, one, got, n, st);
}

static void exec_cloexec(void)
{
	write_file("cloexec", "0123", 4, 0644);
	int keep = open(path_in("cloexec"), O_RDONLY);
	int cx = open(path_in("cloexec"), O_RDONLY | O_CLOEXEC);
	int cx2 = fcntl(keep, F_DUPFD_CLOEXEC, 20);
	int cx3 = dup(keep);
	if (keep < 0 || cx < 0 || cx2 < 0 || cx3 < 0 || fcntl(cx3, F_SETFD, FD_CLOEXEC))
		bail(PROG, "open for close-on-exec");
	lseek(keep, 2, SEEK_SET);
	char a[4][16];
	snprintf(a[0], 16, "%d", keep);
	snprintf(a[1], 16, "%d", cx);
	snprintf(a[2], 16, "%d", cx2);
	snprintf(a[3], 16, "%d", cx3);
	char *argv[] = { PROG, "--helper", "fds", a[0], a[1], a[2], a[3], NULL };
	struct run r = { self, argv, environ, -1 };
	int st = status_of(start(exec_child, &r));
	check("exec_ran", st >= 0 && st < 100, "status %d", st);
	check("exec_keeps_fd", st >= 0 && !(st & 1), "status %d", st);
	check("exec_keeps_offset", st >= 0 && !(st & 3), "status %d", st);
	check("exec_closes_o_cloexec", st >= 0 && !(st & 4), "status %d", st);
	check("exec_closes_dupfd_cloexec", st >= 0 && !(st & 8), "status %d", st);
	check("exec_closes_fd_cloexec", st >= 0 && !(st & 16), "status %d", st);
	check("exec_keeps_std_fds", st >= 0 && !(st & 32), "status %d", st);
	close(keep);
	close(cx);
	close(cx2);
	close(cx3);
}

/* execve's result, when it fails; argv is just the path. */
static int exec_path(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	return execve(path, argv, environ);
}

static void exec_errors(void)
{
	CHECK_FAILS("exec_missing_enoent", 1, exec_path(path_in("no-such-program")), ENOENT);
	CHECK_FAILS("exec_missing_dir_enoent", 1, exec_path(path_in("no-dir/prog")), ENOENT);
	/* Not executable even for root: no x bit at all. */
	int fd = open(self, O_RDONLY);
	static char elf[64 << 10];
	ssize_t n = fd < 0 ? -1 : read(fd, elf, sizeof(elf));
	close(fd);
	if (n <= 0)
		bail(PROG, "read the program");
	write_file("noexec", elf, n, 0644);
	CHECK_FAILS("exec_noexec_eacces", 1, exec_path(path_in("noexec")), EACCES);
	CHECK_FAILS("exec_directory_eacces", 1, exec_path(dir), EACCES);
	write_file("text", "just text\n", 10, 0755);
	CHECK_FAILS("exec_text_enoexec", 1, exec_path(path_in("text")), ENOEXEC);
	write_file("badinterp", "#!/no/such/interpreter\n", 23, 0755);
	CHECK_FAILS("exec_script_missing_interp_enoent", 1, exec_path(path_in("badinterp")),
	    ENOENT);
}

/* `#!INTERP ARG` runs INTERP with argv INTERP, ARG (the rest of the line,
 * inner spaces kept, trailing ones dropped), the script's path as given
 * to execve, then the execve's argv[1...]; argv[0] is dropped. */
static void exec_script(void)
{
	static char got[64 << 10], line[PATH_MAX + 64];
	char *envp[] = { "PROCS_DUMP=1", NULL };
	char *argv[] = { "dropped", "a1", "a 2", NULL };
	char script[PATH_MAX + 64];
	int st;

	snprintf(script, sizeof(script), "%s", path_in("script"));

	snprintf(line, sizeof(line), "#!%s opt  arg \t\necho never\n", exe);
	write_file("script", line, strlen(line), 0755);
	ssize_t n = run_dump(script, argv, envp, got, sizeof(got), &st);
	char *want[] = { exe, "opt  arg", script, "a1", "a 2", NULL };
	dumped_as("exec_script_with_arg", want, envp, got, n, st);

	snprintf(line, sizeof(line), "#! %s\n", exe);
	write_file("script", line, strlen(line), 0755);
	n = run_dump(script, argv, envp, got, sizeof(got), &st);
	char *want2[] = { exe, script, "a1", "a 2", NULL };
	dumped_as("exec_script_no_arg", want2, envp, got, n, st);
}

static int exec_signals_child(void *arg)
{
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, NULL);
	raise(SIGHUP);
	handle(SIGUSR1, on_usr1);
	handle(SIGUSR2, SIG_IGN);
	char *argv[] = { PROG, "--helper", "signals", NULL };
	execve(self, argv, environ);
	return 100;
}

static void exec_signals(void)
{
	int st = status_of(start(exec_signals_child, NULL));
	check("exec_resets_handlers", st >= 0 && st < 100 && !(st & 1), "status %d", st);
	check("exec_keeps_ignored", st >= 0 && st < 100 && !(st & 2), "status %d", st);
	check("exec_keeps_mask", st >= 0 && st < 100 && !(st & 4), "status %d", st);
	check("exec_keeps_pending", st >= 0 && st < 100 && !(st & 8), "status %d", st);
}

static void *exec_from_thread(void *arg)
{
	char *argv[] = { PROG, "--helper", "exit", "9", NULL };
	execve(self, argv, environ);
	_exit(100);
}

static void *sleep_forever(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* execve in a threaded process: the other threads end, the program keeps
 * the process id whichever thread called it. */
static int threaded_exec_child(void *arg)
{
	pthread_t a, b;
	if (pthread_create(&a, NULL, sleep_forever, NULL) ||
	    pthread_create(&b, NULL, exec_from_thread, NULL))
		return 101;
	pthread_join(b, NULL);
	return 102;
}

static void exec_threads(void)
{
	int st = status_of(start(threaded_exec_child, NULL));
	check("exec_from_thread_keeps_pid", st == 9, "status %d", st);
}

/* ---- vfork and posix_spawn ---- */

static volatile int vfork_shared;

static void vforks(void)
{
	volatile int local = 0;
	vfork_shared = 0;
	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0) {
		vfork_shared = 1;
		local = 7;
		msleep(100);
		vfork_shared = 2;
		_exit(5);
	}
	/* Parent runs only once the child has left: it sees the last write. */
	int seen = vfork_shared, seen_local = local;
	CHECK_SYS("vfork", pid);
	check("vfork_parent_waits_for_exit", pid > 0 && seen == 2, "saw %d", seen);
	check("vfork_shares_memory", pid > 0 && seen_local == 7, "local %d", seen_local);
	check("vfork_exit_status", status_of(pid) == 5, "not 5");

	int p[2];
	pipe_or_bail(p);
	char fd[16];
	snprintf(fd, sizeof(fd), "%d", p[0]);
	char *argv[] = { PROG, "--helper", "wait-byte", fd, NULL };
	vfork_shared = 0;
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		vfork_shared = 3;
		msleep(100);
		vfork_shared = 4;
		execve(self, argv, environ);
		_exit(127);
	}
	seen = vfork_shared;
	check("vfork_parent_waits_for_exec", pid > 0 && seen == 4, "saw %d", seen);
	/* The exec'd child waits for this byte: the parent runs beside it. */
	put_byte(p[1], 'g');
	int st = status_of(pid);
	check("vfork_exec_runs_beside_parent", st == 0, "status %d", st);
	close2(p);

	pid = vfork();
	if (pid == 0) {
		execve(path_in("no-such-program"), argv, environ);
		_exit(errno == ENOENT ? 127 : 126);
	}
	check("vfork_exec_failure", status_of(pid) == 127, "not 127");
}

static void spawns(void)
{
	int p[2];
	pipe_or_bail(p);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	char *argv[] = { PROG, "--helper", "echo", "spawned", NULL };
	pid_t pid = -1;
	fflush(stdout);
	int err = posix_spawn(&pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	check("posix_spawn", err == 0 && pid > 0, "error %d", err);
	char buf[32] = { 0 };
	ssize_t n = err ? -1 : read_all(p[0], buf, sizeof(buf) - 1);
	check("posix_spawn_output", n == 8 && !strcmp(buf, "spawned\n"), "read %zd: %s", n, buf);
	check("posix_spawn_status", err == 0 && status_of(pid) == 0, "not 0");
	close(p[0]);

	char *argv2[] = { PROG, "--helper", "exit", "42", NULL };
	err = posix_spawn(&pid, self, NULL, NULL, argv2, environ);
	check("posix_spawn_exit_42", err == 0 && status_of(pid) == 42, "error %d", err);

	err = posix_spawn(&pid, path_in("no-such-program"), NULL, NULL, argv2, environ);
	check("posix_spawn_missing_enoent", err == ENOENT, "error %d", err);
	check("posix_spawn_missing_no_zombie", no_children(), "a child is left");
}

/* ---- kill and process groups ---- */

struct ready {
	int up[2];
	int handle_usr1;
};

static volatile sig_atomic_t usr1_from;

static void on_usr1_info(int sig, siginfo_t *si, void *uc)
{
	usr1_from = si->si_pid;
	usr1_count++;
}

/* Says it is ready, then waits for signals (up to WAIT_S seconds). */
static int wait_signal(void *arg)
{
	struct ready *r = arg;
	if (r->handle_usr1) {
		struct sigaction sa = { 0 };
		sa.sa_sigaction = on_usr1_info;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	usr1_count = 0;
	put_byte(r->up[1], 'r');
	for (int i = 0; i < WAIT_S * 100 && !usr1_count; i++)
		msleep(10);
	if (!usr1_count)
		return 2;
	return usr1_from == getppid() ? 0 : 1;
}

static pid_t start_ready(struct ready *r)
{
	pid_t pid = start(wait_signal, r);
	if (pid > 0 && get_byte(r->up[0]) != 'r')
		return -1;
	return pid;
}

static void kill_child(void)
{
	struct ready r = { { -1, -1 }, 0 };
	pipe_or_bail(r.up);
	pid_t pid = start_ready(&r);
	CHECK_ZERO("kill_child", pid > 0, kill(pid, SIGTERM));
	int st = -1;
	check("kill_child_termsig", pid > 0 && reap(pid, &st) == pid && WIFSIGNALED(st) &&
	    WTERMSIG(st) == SIGTERM, "status %#x", st);
	CHECK_FAILS("kill_reaped_esrch", pid > 0, kill(pid, 0), ESRCH);

	r.handle_usr1 = 1;
	pid = start_ready(&r);
	int sent = pid > 0 && kill(pid, SIGUSR1) == 0;
	st = status_of(pid);
	check("kill_child_handler_si_pid", sent && st == 0, "status %d", st);
	close2(r.up);
}

/* A group leader with two members: kill(0, SIGUSR1) from the leader,
 * which ignores it, ends both members and spares the caller's group. */
static int group_leader(void *arg)
{
	struct ready r = { { -1, -1 }, 0 };
	if (setpgid(0, 0) || pipe(r.up))
		return 10;
	handle(SIGUSR1, SIG_DFL);	/* the members' action */
	pid_t a = start_ready(&r), b = start_ready(&r);
	if (a <= 0 || b <= 0)
		return 11;
	handle(SIGUSR1, SIG_IGN);
	if (kill(0, SIGUSR1))
		return 12;
	int sa = -1, sb = -1;
	if (reap(a, &sa) != a || reap(b, &sb) != b)
		return 13;
	return WIFSIGNALED(sa) && WTERMSIG(sa) == SIGUSR1 && WIFSIGNALED(sb) &&
	    WTERMSIG(sb) == SIGUSR1 ? 0 : 14;
}

static int member_wait(void *arg)
{
	int *p = arg;
	put_byte(p[1], 'r');
	for (int i = 0; i < WAIT_S * 100; i++)
		msleep(10);
	return 2;
}

static void kill_groups(void)
{
	usr1_count = 0;
	handle(SIGUSR1, on_usr1);
	int st = status_of(start(group_leader, NULL));
	check("kill_0_process_group", st == 0, "leader status %d", st);
	check("kill_0_spares_other_groups", usr1_count == 0, "%d SIGUSR1 here",
	    (int)usr1_count);
	handle(SIGUSR1, SIG_DFL);

	/* Two children in a new group, set by parent and child alike, as a
	 * shell does, so it holds whoever runs first. */
	int p[2];
	pipe_or_bail(p);
	pid_t a = start(member_wait, p);
	if (a > 0)
		setpgid(a, a);
	pid_t b = start(member_wait, p);
	if (b > 0)
		setpgid(b, a);
	int ready = a > 0 && b > 0 && get_byte(p[0]) == 'r' && get_byte(p[0]) == 'r';
	close2(p);
	check("setpgid_into_group", ready && getpgid(a) == a && getpgid(b) == a,
	    "pgids %d %d", getpgid(a), getpgid(b));
	CHECK_ZERO("kill_minus_pgid", ready, kill(-a, SIGTERM));
	int sa = -1, sb = -1;
	pid_t r1 = ready ? reap_opt(-a, &sa, 0) : -1;
	pid_t r2 = ready ? reap_opt(-a, &sb, 0) : -1;
	check("waitpid_minus_pgid", ready && ((r1 == a && r2 == b) || (r1 == b && r2 == a)),
	    "got %d %d", r1, r2);
	check("kill_minus_pgid_termsig", WIFSIGNALED(sa) && WTERMSIG(sa) == SIGTERM &&
	    WIFSIGNALED(sb) && WTERMSIG(sb) == SIGTERM, "statuses %#x %#x", sa, sb);
	CHECK_FAILS("kill_minus_pgid_gone_esrch", a > 0, kill(-a, SIGTERM), ESRCH);
	for (int i = 0; !ready && i < 2; i++) {	/* do not leave them behind */
		pid_t pid = i ? b : a;
		if (pid > 0 && !kill(pid, SIGKILL))
			reap(pid, NULL);
	}
}

/* Results of the calls a child makes on itself, one bit each when wrong. */
static int session_child(void *arg)
{
	int bad = 0;
	pid_t me = getpid();
	if (setsid() != me)
		bad |= 1;
	if (getsid(0) != me || getpgid(0) != me || getpgrp() != me)
		bad |= 2;
	errno = 0;
	if (setsid() != -1 || errno != EPERM)	/* already a leader */
		bad |= 4;
	errno = 0;
	if (setpgid(0, getppid()) != -1 || errno != EPERM)	/* a session leader */
		bad |= 8;
	int *p = arg;
	put_byte(p[1], 's');
	get_byte(p[0]);
	return bad;
}

static int leader_child(void *arg)
{
	int bad = 0;
	if (setpgid(0, 0) || getpgid(0) != getpid())
		bad |= 1;
	errno = 0;
	if (setsid() != -1 || errno != EPERM)	/* a group leader cannot */
		bad |= 2;
	return bad;
}

/* setpgid on a child that has called execve is EACCES. */
static void sessions_exec(void)
{
	int up[2], down[2];
	pipe_or_bail(up);
	pipe_or_bail(down);
	char a0[16], a1[16];
	snprintf(a0, sizeof(a0), "%d", up[1]);
	snprintf(a1, sizeof(a1), "%d", down[0]);
	char *argv[] = { PROG, "--helper", "ready-wait", a0, a1, NULL };
	struct run r = { self, argv, environ, -1 };
	pid_t pid = start(exec_child, &r);
	int in = pid > 0 && get_byte(up[0]) == 'r';
	CHECK_FAILS("setpgid_after_exec_eacces", in, setpgid(pid, pid), EACCES);
	put_byte(down[1], 'g');
	check("ready_wait_helper", status_of(pid) == 0, "helper failed");
	close2(up);
	close2(down);
}

static void sessions(void)
{
	pid_t pg = getpgrp();
	check("getpgrp_is_getpgid_0", pg == getpgid(0) && pg == getpgid(getpid()), "%d %d %d", pg,
	    getpgid(0), getpgid(getpid()));
	check("getsid_0", getsid(0) == getsid(getpid()) && getsid(0) >= 0, "%d", getsid(0));
	int st = status_of(start(leader_child, NULL));
	check("setpgid_0_0_leader", st >= 0 && !(st & 1), "status %d", st);
	check("setsid_group_leader_eperm", st >= 0 && !(st & 2), "status %d", st);

	int up[2], down[2];
	pipe_or_bail(up);
	pipe_or_bail(down);
	int fds[2] = { down[0], up[1] };
	pid_t pid = start(session_child, fds);
	int in = pid > 0 && get_byte(up[0]) == 's';
	check("getsid_of_child", in && getsid(pid) == pid, "getsid %d", getsid(pid));
	check("getpgid_of_child", in && getpgid(pid) == pid, "getpgid %d", getpgid(pid));
	CHECK_FAILS("setpgid_other_session_eperm", in, setpgid(pid, pg), EPERM);
	put_byte(down[1], 'g');
	st = status_of(pid);
	close2(up);
	close2(down);
	check("setsid_new_session", st >= 0 && !(st & 3), "status %d", st);
	check("setsid_twice_eperm", st >= 0 && !(st & 4), "status %d", st);
	check("setpgid_session_leader_eperm", st >= 0 && !(st & 8), "status %d", st);

	/* pid is now a child that is gone */
	CHECK_FAILS("setpgid_gone_esrch", pid > 0, setpgid(pid, 0), ESRCH);
	CHECK_FAILS("getpgid_gone_esrch", pid > 0, getpgid(pid), ESRCH);
	CHECK_FAILS("getsid_gone_esrch", pid > 0, getsid(pid), ESRCH);
	CHECK_FAILS("setpgid_negative_einval", 1, setpgid(0, -1), EINVAL);
	sessions_exec();
}


/* ---- orphans ---- */

struct orphan {
	int up[2];
	pid_t parent;	/* the middle process, set by it before the fork */
};

/* The grandchild: once its parent is gone it reports its new parent. It
 * may first run after the parent's exit: the pid it compares with is
 * the one the parent wrote down. */
static int grandchild(void *arg)
{
	struct orphan *o = arg;
	pid_t now = getppid();
	for (int i = 0; i < WAIT_S * 1000 && now == o->parent; i++) {
		msleep(1);
		now = getppid();
	}
	pid_t report[2] = { o->parent, now };
	return put(o->up[1], report, sizeof(report)) ? 1 : 0;
}

static int middle(void *arg)
{
	struct orphan *o = arg;
	o->parent = getpid();
	return start(grandchild, o) > 0 ? 0 : 1;
}

/* Starts a child that starts a grandchild and exits; returns the
 * grandchild's report: its first parent and the one after. */
static int orphan_report(pid_t *mid, pid_t report[2])
{
	struct orphan o;
	pipe_or_bail(o.up);
	*mid = start(middle, &o);
	int st = status_of(*mid);
	close(o.up[1]);
	int got = st == 0 && !read_full(o.up[0], report, 2 * sizeof(pid_t));
	close(o.up[0]);
	return got;
}

static void orphans(void)
{
	pid_t mid, rep[2] = { 0, 0 };
	int got = orphan_report(&mid, rep);
	check("orphan_first_parent", got && rep[0] == mid, "ppid %d, parent %d", rep[0], mid);
	/* Linux gives it to the nearest subreaper or to init, which is pid 1
	 * on Osprey (this program) and something else on a host. */
	check("orphan_reparented", got && rep[1] != mid && rep[1] > 0, "ppid %d", rep[1]);
	if (got && rep[1] == getpid())
		reap_opt(-1, NULL, 0);

	CHECK_ZERO("subreaper_set", 1, prctl(PR_SET_CHILD_SUBREAPER, 1));
	int on = 0;
	check("subreaper_get", prctl(PR_GET_CHILD_SUBREAPER, &on) == 0 && on == 1, "%d", on);
	got = orphan_report(&mid, rep);
	check("subreaper_adopts", got && rep[0] == mid && rep[1] == getpid(), "ppid %d then %d",
	    rep[0], rep[1]);
	int st = -1;
	pid_t r = got ? reap_opt(-1, &st, 0) : -1;
	check("subreaper_reaps", r > 0 && r != mid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "waitpid %d status %#x", r, st);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	check("subreaper_no_children_left", no_children(), "a child is left");
}

/* ---- many processes ---- */

static void cycles(void)
{
	int i, st = 0;
	pid_t pid = 0;
	for (i = 0; i < 1000; i++) {
		pid = start(exit_with, (void *)(intptr_t)(i & 255));
		if (pid <= 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != (i & 255))
			break;
	}
	check("fork_wait_1000", i == 1000, "cycle %d: pid %d status %#x errno %d", i, pid, st,
	    errno);
}

#define MANY 100

static void concurrent(void)
{
	int p[2];
	pid_t pids[MANY];
	pipe_or_bail(p);
	int n;
	for (n = 0; n < MANY; n++) {
		fflush(stdout);
		pids[n] = fork();
		if (pids[n] == 0) {
			char c;
			close(p[1]);
			_exit(read(p[0], &c, 1) == 0 ? n : 255);
		}
		if (pids[n] < 0)
			break;
	}
	check("fork_100_concurrent", n == MANY, "fork %d failed: errno %d", n, errno);
	close2(p);	/* every child sees EOF and exits with its index */
	int reaped = 0, right = 0, st;
	pid_t r;
	while (reaped < n && (r = reap_opt(-1, &st, 0)) > 0) {
		reaped++;
		for (int i = 0; i < n; i++)
			if (pids[i] == r && WIFEXITED(st) && WEXITSTATUS(st) == i)
				right++;
	}
	check("reap_100_concurrent", n == MANY && reaped == MANY && right == MANY,
	    "%d reaped, %d with the right status", reaped, right);
	check("reap_100_none_left", no_children(), "a child is left");
}

static long free_kib(void)
{
	struct sysinfo si;
	return sysinfo(&si) ? -1 : (long)(si.freeram / 1024 * si.mem_unit);
}

static int toucher(void *arg)
{
	char *buf = arg, *mine = malloc(256 << 10);
	if (!mine)
		return 1;
	memset(buf, 't', 64 << 10);	/* copies of the parent's pages */
	memset(mine, 'm', 256 << 10);
	return 0;
}

static int memory_round(char *buf)
{
	for (int i = 0; i < 100; i++)
		if (status_of(start(toucher, buf)) != 0)
			return 0;
	return 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Processes that end give back their memory: page tables, copied pages,
 * kernel stacks. A leak of 100 processes' worth is megabytes in every
 * round; Linux's free memory moves with the rest of the machine (a QEMU
 * beside us faulting in its RAM takes seconds), so one quiet round in up
 * to 20 s is enough. On Osprey nothing else runs: the first one decides. */
static void memory(void)
{
	char *buf = malloc(64 << 10);
	if (!buf)
		bail(PROG, "malloc");
	memset(buf, 'b', 64 << 10);
	int ok = memory_round(buf);
	check("memory_rounds_ran", ok, "a child failed");
	long best = -1;
	double end = now() + 20;
	for (int round = 0; ok && (best < 0 || best >= 1024) && now() < end; round++) {
		if (round)
			msleep(50);
		long k0 = free_kib();
		ok = memory_round(buf);
		long grew = k0 - free_kib();
		if (best < 0 || grew < best)
			best = grew;
	}
	check("memory_given_back", ok && best < 1024, "%ld KiB kept by 100 processes", best);
	free(buf);
}

/* ---- RLIMIT_NPROC ---- */

struct bomb {
	int n, err, reaped;
};

static struct bomb bomb_round(void)
{
	struct bomb b = { 0, 0, 0 };
	int p[2];
	if (pipe(p))
		return (struct bomb){ -1, errno, 0 };
	for (; b.n < 4 * NPROC_LIMIT; b.n++) {
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
		}
		if (pid < 0) {
			b.err = errno;
			break;
		}
	}
	close2(p);
	while (reap_opt(-1, NULL, 0) > 0)
		b.reaped++;
	return b;
}

/* Linux does not apply RLIMIT_NPROC to root (CAP_SYS_RESOURCE), so the
 * bomb runs in a child that first becomes a uid of its own, on the host
 * and on Osprey alike: a kernel that exempts root must then honour setuid,
 * one that limits everyone passes without it. */
static int bomber(void *arg)
{
	int *p = arg;
	close(p[0]);
	if (getuid() == 0 && (setgid(NPROC_UID) || setuid(NPROC_UID)))
		return 1;
	struct rlimit rl = { NPROC_LIMIT, NPROC_LIMIT };
	if (setrlimit(RLIMIT_NPROC, &rl))
		return 2;
	struct bomb b[2] = { bomb_round(), bomb_round() };
	return put(p[1], b, sizeof(b)) ? 3 : 0;
}

static void nproc(void)
{
	int p[2];
	pipe_or_bail(p);
	struct bomb b[2] = { { -1, 0, 0 }, { -1, 0, 0 } };
	pid_t pid = start(bomber, p);
	close(p[1]);
	int got = pid > 0 && !read_full(p[0], b, sizeof(b));
	close(p[0]);
	int st = status_of(pid);
	check("nproc_bomber", got && st == 0, "status %d", st);
	check("nproc_bomb_eagain", got && b[0].err == EAGAIN, "stopped by errno %d after %d",
	    b[0].err, b[0].n);
	check("nproc_bomb_bounded", got && b[0].n >= 1 && b[0].n < NPROC_LIMIT, "%d forks",
	    b[0].n);
	check("nproc_bomb_reaped", got && b[0].reaped == b[0].n && b[1].reaped == b[1].n,
	    "%d of %d reaped", b[0].reaped, b[0].n);
	check("nproc_not_cumulative", got && b[1].n == b[0].n && b[1].err == EAGAIN,
	    "second round %d forks, errno %d", b[1].n, b[1].err);
}

/* ---- main ---- */

static void find_self(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat a, b;
	int same = n > 0 && !stat("/proc/self/exe", &a) && !stat(argv0, &b) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	check("proc_self_exe", same, "readlink %zd errno %d", n, errno);
	if (same) {
		exe[n] = 0;
		self = "/proc/self/exe";
	} else {
		/* Without /proc/self/exe the rest still runs, from argv[0]. */
		snprintf(exe, sizeof(exe), "%s", argv0);
		self = exe;
	}
}

static void cleanup(void)
{
	static const char *names[] = { "shared", "private", "offsets", "cloexec", "noexec",
		"text", "badinterp", "script" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_in(names[i]));
	CHECK_ZERO("cleanup", 1, rmdir(dir));
}

int main(int argc, char **argv)
{
	if (getenv("PROCS_DUMP"))
		return dump(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "--helper"))
		return helper(argc, argv);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/procs-test.%d", argc > 1 ? argv[1] : "/tmp",
	    (int)getpid()) >= sizeof(dir))
		bail(PROG, "directory name too long");
	if (mkdir(dir, 0755))
		bail(PROG, "mkdir");
	handle(SIGALRM, on_alarm);
	find_self(argv[0]);
	wait_nohang();
	fork_ids();
	wait_statuses();
	wait_id();
	sigchld();
	cow();
	shared_maps();
	private_map();
	fd_offsets();
	pipes();
	fork_signals();
	threads();
	exec_argv_env();
	exec_cloexec();
	exec_errors();
	exec_script();
	exec_signals();
	exec_threads();
	vforks();
	spawns();
	kill_child();
	kill_groups();
	sessions();
	orphans();
	cycles();
	concurrent();
	memory();
	nproc();
	check("no_children_left", no_children(), "a child is left");
	cleanup();
	return done(PROG);
}
