/* Job control: stop signals, SIGCONT, and what the parent sees of them
 * (wait4/waitpid WUNTRACED and WCONTINUED, waitid WSTOPPED, WCONTINUED
 * and WNOWAIT, SIGCHLD with CLD_STOPPED and CLD_CONTINUED, SA_NOCLDSTOP,
 * /proc/PID/stat and status). Each child spins, adding to its own counter
 * in a MAP_SHARED|MAP_ANONYMOUS page, so the parent can see whether it
 * runs. Children get their own process group, so that SIGTSTP stops
 * them (a group without a parent in another group of the session is
 * orphaned, and POSIX discards SIGTSTP there: checked too). Only the
 * parent prints; its lines are the same on every run, so the boot test
 * compares them with the host's. */
#include "check.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSLOTS		16
#define NTHREADS	3	/* spinning; THREADS adds WAITERS blocked in the kernel */
#define WAITERS		3
#define WAIT_SECS	10	/* a wait longer than this is a failure, not a hang */

/* One per child: what it counts, what its handlers saw. */
struct slot {
	volatile uint64_t count[NTHREADS + 1];	/* [0] the main thread's */
	volatile int ready;			/* handlers installed, threads running */
	volatile int tstp_handled, cont_handled, hup_handled;
	volatile int orphan_pid, leaf_ready, middle_may_exit;	/* ORPHANED_BY_EXIT */
};

static struct slot *slots;
static int next_slot;
static pid_t children[NSLOTS];

enum mode { PLAIN, TSTP_HANDLER, CONT_HANDLER, BLOCK_TSTP, BLOCK_CONT, THREADS, SESSION,
	RAISE_STOP, ORPHANED_BY_EXIT };

/* ---- the child ---- */

static struct slot *my_slot;

static void on_tstp(int sig)
{
	(void)sig;
	my_slot->tstp_handled++;
}

static void on_cont(int sig)
{
	(void)sig;
	my_slot->cont_handled++;
}

static void on_hup(int sig)
{
	(void)sig;
	my_slot->hup_handled++;
}

static void *spin_thread(void *arg)
{
	volatile uint64_t *c = arg;

	for (;;)
		(*c)++;
	return NULL;
}

/* Threads of a stopped process that sleep in the kernel stop too. */
static void *sigwait_thread(void *arg)
{
	struct timespec ts = { 60, 0 };
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;)
		sigtimedwait(&set, NULL, &ts);
	return NULL;
}

static void *read_thread(void *arg)
{
	int *fds = arg;
	char c;

	for (;;)
		read(fds[0], &c, 1);	/* nobody writes */
	return NULL;
}

static void *sleep_thread(void *arg)
{
	(void)arg;
	for (;;)
		sleep(60);
	return NULL;
}

static void block(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* A session of its own (so that its parent, a subreaper in the test's
 * session, is outside it), a middle process leading a group in it and
 * the middle's child in that group: when the middle ends, the child goes
 * to the subreaper and its group is orphaned. */
static _Noreturn void orphaning_tree(struct slot *s)
{
	setsid();
	pid_t middle = fork();
	if (middle == 0) {
		setpgid(0, 0);
		pid_t leaf = fork();
		if (leaf == 0) {
			signal(SIGHUP, on_hup);
			s->leaf_ready = 1;
			for (;;)
				s->count[0]++;
		}
		s->orphan_pid = leaf;
		while (!s->leaf_ready)
			usleep(1000);
		s->ready = 1;
		while (!s->middle_may_exit)
			usleep(1000);
		_exit(0);
	}
	waitpid(middle, NULL, 0);
	for (;;)
		pause();
}

static _Noreturn void child_main(struct slot *s, enum mode mode)
{
	my_slot = s;
	if (mode == ORPHANED_BY_EXIT)
		orphaning_tree(s);
	if (mode == SESSION)
		setsid();
	else
		setpgid(0, 0);
	if (mode == TSTP_HANDLER)
		signal(SIGTSTP, on_tstp);
	if (mode == CONT_HANDLER)
		signal(SIGCONT, on_cont);
	if (mode == BLOCK_TSTP)
		block(SIGTSTP);
	if (mode == BLOCK_CONT)
		block(SIGCONT);
	if (mode == THREADS) {
		static int fds[2];
		pthread_t t;
		if (pipe(fds) || pthread_create(&t, NULL, sigwait_thread, NULL) ||
		    pthread_create(&t, NULL, read_thread, fds) ||
		    pthread_create(&t, NULL, sleep_thread, NULL))
			_exit(2);
		for (int i = 1; i <= NTHREADS; i++)
			if (pthread_create(&t, NULL, spin_thread, (void *)&s->count[i]))
				_exit(2);
	}
	s->ready = 1;
	if (mode == RAISE_STOP) {
		raise(SIGSTOP);
		s->cont_handled = 1;	/* went on after the stop */
	}
	for (;;)
		s->count[0]++;
}

/* ---- the parent's helpers ---- */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int wait_until(volatile int *flag, int value)
{
	for (int i = 0; i < 200 && *flag < value; i++)
		sleep_ms(10);
	return *flag >= value;
}

static pid_t spawn(enum mode mode, struct slot **sp)
{
	if (next_slot == NSLOTS)
		bail("jobctl", "out of slots");
	struct slot *s = &slots[next_slot];
	pid_t pid = fork();
	if (pid < 0)
		bail("jobctl", "fork");
	if (pid == 0)
		child_main(s, mode);
	if (mode != SESSION && mode != ORPHANED_BY_EXIT)
		setpgid(pid, pid);	/* whichever runs first; EACCES after is fine */
	children[next_slot++] = pid;
	if (!wait_until(&s->ready, 1))
		bail("jobctl", "a child did not start");
	*sp = s;
	return pid;
}

static void on_alarm(int sig)
{
	(void)sig;	/* only to interrupt a wait that would hang */
}

/* waitpid with a time limit: -1 with EINTR when it ran out. */
static pid_t timed_waitpid(pid_t pid, int *status, int options)
{
	alarm(WAIT_SECS);
	pid_t r = waitpid(pid, status, options);
	int e = errno;
	alarm(0);
	errno = e;
	return r;
}

static int timed_waitid(idtype_t type, id_t id, siginfo_t *si, int options)
{
	memset(si, 0, sizeof(*si));
	alarm(WAIT_SECS);
	int r = waitid(type, id, si, options);
	int e = errno;
	alarm(0);
	errno = e;
	return r;
}

/* Does counter c of s move over 50 ms of sleeps? */
static int moving_50ms(struct slot *s, int c)
{
	uint64_t before = s->count[c];

	for (int i = 0; i < 5; i++)
		sleep_ms(10);
	return s->count[c] != before;
}

/* A running child's counter moves in 50 ms unless its machine is busy
 * with others: it gets up to a second before it counts as standing. */
static int moving(struct slot *s, int c)
{
	for (int i = 0; i < 20; i++)
		if (moving_50ms(s, c))
			return 1;
	return 0;
}

static int all_moving(struct slot *s, int n)
{
	for (int c = 0; c < n; c++)
		if (!moving(s, c))
			return 0;
	return 1;
}

static int none_moving(struct slot *s, int n)
{
	for (int c = 0; c < n; c++)
		if (moving_50ms(s, c))
			return 0;
	return 1;
}

static int read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

/* The state letter of /proc/PATH/stat, '?' if unreadable. */
static char stat_state(const char *dir)
{
	char path[352], buf[1024];

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (read_file(path, buf, sizeof(buf)))
		return '?';
	char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static char proc_state(pid_t pid)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	return stat_state(dir);
}

/* utime + stime of /proc/PID/stat, in ticks; -1 if unreadable. */
static long proc_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long ut, st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* The value of "KEY:" in /proc/PID/status, into val. */
static int status_field(pid_t pid, const char *key, char *val, size_t size)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	size_t klen = strlen(key);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			char *v = line + klen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t n = strcspn(v, "\n");
			n = n < size - 1 ? n : size - 1;
			memcpy(val, v, n);
			val[n] = 0;
			return 0;
		}
	}
	return -1;
}

/* Is sig pending for the process as a whole (ShdPnd)? */
static int shared_pending(pid_t pid, int sig)
{
	char val[32];

	if (status_field(pid, "ShdPnd", val, sizeof(val)))
		return -1;
	return (int)((strtoull(val, NULL, 16) >> (sig - 1)) & 1);
}

/* Stops pid by sig and waits for the stop: 1 if WUNTRACED reported it. */
static int stop_and_wait(pid_t pid, int sig)
{
	int st = 0;

	kill(pid, sig);
	return timed_waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == sig;
}

static int cont_and_wait(pid_t pid)
{
	int st = 0;

	kill(pid, SIGCONT);
	return timed_waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st);
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < next_slot; i++)
		if (children[i] == pid)
			children[i] = 0;
}

/* ---- the checks ---- */

static void stop_and_continue(void)
{
	struct slot *s;
	pid_t pid = spawn(PLAIN, &s);
	int st = 0;
	char val[64] = "";

	check("running.moves", moving(s, 0), "the counter does not move");
	check("running.not_stopped", proc_state(pid) == 'R' || proc_state(pid) == 'S',
	    "state %c", proc_state(pid));
	check("running.wnohang_nothing", waitpid(pid, &st, WNOHANG | WUNTRACED | WCONTINUED) == 0,
	    "a running child reported something (status %#x)", st);

	kill(pid, SIGSTOP);
	pid_t r = timed_waitpid(pid, &st, WUNTRACED);
	check("stop.wuntraced", r == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
	    "waitpid %d, status %#x (%s)", (int)r, st, strerror(errno));
	check("stop.status_bits", st == (SIGSTOP << 8 | 0x7f), "status %#x", st);
	check("stop.frozen", !moving_50ms(s, 0), "the counter still moves");
	check("stop.proc_stat_T", proc_state(pid) == 'T', "state %c", proc_state(pid));
	status_field(pid, "State", val, sizeof(val));
	check("stop.proc_status_T", !strcmp(val, "T (stopped)"), "State: %s", val);
	long t0 = proc_cpu_ticks(pid);
	sleep_ms(200);
	long t1 = proc_cpu_ticks(pid);
	check("stop.no_cpu", t0 >= 0 && t0 == t1, "CPU ticks %ld then %ld", t0, t1);
	check("stop.reported_once", waitpid(pid, &st, WUNTRACED | WNOHANG) == 0,
	    "the stop was reported again (status %#x)", st);
	check("stop.not_without_wuntraced", waitpid(pid, &st, WNOHANG) == 0,
	    "waitpid without WUNTRACED reported status %#x", st);
	check("stop.second_stop_quiet", (kill(pid, SIGSTOP), sleep_ms(50),
	    waitpid(pid, &st, WUNTRACED | WNOHANG) == 0), "a stopped child reported a new stop");

	kill(pid, SIGCONT);
	r = timed_waitpid(pid, &st, WCONTINUED);
	check("cont.wcontinued", r == pid && WIFCONTINUED(st), "waitpid %d, status %#x (%s)",
	    (int)r, st, strerror(errno));
	check("cont.status_ffff", st == 0xffff, "status %#x", st);
	check("cont.moves", moving(s, 0), "the counter does not move");
	check("cont.not_stopped", proc_state(pid) != 'T', "state %c", proc_state(pid));
	check("cont.reported_once", waitpid(pid, &st, WCONTINUED | WNOHANG) == 0,
	    "the continue was reported again (status %#x)", st);
	check("cont.again_quiet", (kill(pid, SIGCONT), sleep_ms(50),
	    waitpid(pid, &st, WCONTINUED | WNOHANG) == 0),
	    "SIGCONT to a running child reported a continue");

	check("kill.stopped.stop", stop_and_wait(pid, SIGSTOP), "no stop");
	kill(pid, SIGKILL);
	r = timed_waitpid(pid, &st, 0);
	check("kill.stopped.reaped", r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	    "waitpid %d, status %#x (%s)", (int)r, st, strerror(errno));
	kill_and_reap(pid);
}

static void tstp(void)
{
	struct slot *s;
	pid_t pid = spawn(TSTP_HANDLER, &s);
	int st = 0;

	kill(pid, SIGTSTP);
	check("tstp.handler_runs", wait_until(&s->tstp_handled, 1), "the handler did not run");
	check("tstp.handler_no_stop", moving(s, 0) && waitpid(pid, &st, WUNTRACED | WNOHANG) == 0,
	    "the child stopped");
	kill_and_reap(pid);

	pid = spawn(PLAIN, &s);
	kill(pid, SIGTSTP);
	pid_t r = timed_waitpid(pid, &st, WUNTRACED);
	check("tstp.default_stops", r == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
	    "waitpid %d, status %#x", (int)r, st);
	check("tstp.frozen", !moving_50ms(s, 0), "the counter still moves");
	check("tstp.cont", cont_and_wait(pid) && moving(s, 0), "not continued");

	for (int sig = SIGTTIN; sig <= SIGTTOU; sig++) {
		char name[32];
		snprintf(name, sizeof(name), "%s.default_stops", sig == SIGTTIN ? "ttin" : "ttou");
		check(name, stop_and_wait(pid, sig) && !moving_50ms(s, 0) && cont_and_wait(pid) &&
		    moving(s, 0), "not stopped and continued");
	}
	kill_and_reap(pid);
}

static void waitid_events(void)
{
	struct slot *s;
	pid_t pid = spawn(PLAIN, &s);
	siginfo_t si;

	kill(pid, SIGTSTP);
	int r = timed_waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT);
	check("waitid.nowait.stopped", r == 0 && si.si_pid == pid && si.si_signo == SIGCHLD &&
	    si.si_code == CLD_STOPPED && si.si_status == SIGTSTP,
	    "r %d pid %d signo %d code %d status %d", r, (int)si.si_pid, si.si_signo, si.si_code,
	    si.si_status);
	r = timed_waitid(P_PID, pid, &si, WSTOPPED);
	check("waitid.stopped_still_there", r == 0 && si.si_pid == pid && si.si_code == CLD_STOPPED &&
	    si.si_status == SIGTSTP, "r %d pid %d code %d status %d", r, (int)si.si_pid,
	    si.si_code, si.si_status);
	r = timed_waitid(P_PID, pid, &si, WSTOPPED | WNOHANG);
	check("waitid.stopped_taken", r == 0 && si.si_pid == 0, "r %d pid %d code %d", r,
	    (int)si.si_pid, si.si_code);
	r = timed_waitid(P_PID, pid, &si, WEXITED | WNOHANG);
	check("waitid.wexited_ignores_stop", r == 0 && si.si_pid == 0, "r %d pid %d", r,
	    (int)si.si_pid);

	kill(pid, SIGCONT);
	r = timed_waitid(P_PID, pid, &si, WCONTINUED | WNOWAIT);
	check("waitid.nowait.continued", r == 0 && si.si_pid == pid && si.si_code == CLD_CONTINUED &&
	    si.si_status == SIGCONT, "r %d pid %d code %d status %d", r, (int)si.si_pid,
	    si.si_code, si.si_status);
	r = timed_waitid(P_ALL, 0, &si, WCONTINUED);
	check("waitid.continued", r == 0 && si.si_pid == pid && si.si_code == CLD_CONTINUED,
	    "r %d pid %d code %d", r, (int)si.si_pid, si.si_code);
	r = timed_waitid(P_PID, pid, &si, WCONTINUED | WNOHANG);
	check("waitid.continued_taken", r == 0 && si.si_pid == 0, "pid %d", (int)si.si_pid);
	errno = 0;
	check("waitid.no_event_einval", waitid(P_PID, pid, &si, WNOHANG) == -1 && errno == EINVAL,
	    "errno %d", errno);

	kill(pid, SIGSTOP);
	r = timed_waitid(P_PID, pid, &si, WSTOPPED);
	kill(pid, SIGKILL);
	r = timed_waitid(P_PID, pid, &si, WEXITED);
	check("waitid.killed_while_stopped", r == 0 && si.si_code == CLD_KILLED &&
	    si.si_status == SIGKILL, "r %d code %d status %d", r, si.si_code, si.si_status);
	kill_and_reap(pid);
}

static volatile int chld_count, chld_code, chld_status, chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid = si->si_pid;
	chld_count++;
}

static void set_chld(int flags)
{
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO | SA_RESTART | flags };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
}

static void sigchld(void)
{
	struct slot *s;
	pid_t pid = spawn(PLAIN, &s);

	set_chld(0);
	chld_count = 0;
	kill(pid, SIGSTOP);
	check("sigchld.stopped", wait_until(&chld_count, 1) && chld_code == CLD_STOPPED &&
	    chld_status == SIGSTOP && chld_pid == pid, "count %d code %d status %d pid %d",
	    chld_count, chld_code, chld_status, chld_pid);
	check("sigchld.stop_waitable", waitpid(pid, NULL, WUNTRACED | WNOHANG) == pid, "not reported");
	kill(pid, SIGCONT);
	check("sigchld.continued", wait_until(&chld_count, 2) && chld_code == CLD_CONTINUED &&
	    chld_status == SIGCONT && chld_pid == pid, "count %d code %d status %d",
	    chld_count, chld_code, chld_status);
	check("sigchld.cont_waitable", waitpid(pid, NULL, WCONTINUED | WNOHANG) == pid,
	    "not reported");

	set_chld(SA_NOCLDSTOP);
	chld_count = 0;
	check("nocldstop.stop_waitable", stop_and_wait(pid, SIGSTOP), "no stop reported");
	sleep_ms(100);
	check("nocldstop.no_sigchld_on_stop", chld_count == 0, "%d SIGCHLD (code %d)",
	    chld_count, chld_code);
	check("nocldstop.cont_waitable", cont_and_wait(pid), "no continue reported");
	sleep_ms(100);
	check("nocldstop.no_sigchld_on_cont", chld_count == 0, "%d SIGCHLD (code %d)",
	    chld_count, chld_code);
	kill(pid, SIGKILL);
	check("nocldstop.sigchld_on_end", wait_until(&chld_count, 1) && chld_code == CLD_KILLED,
	    "count %d code %d", chld_count, chld_code);
	kill_and_reap(pid);
	signal(SIGCHLD, SIG_DFL);
}

static void pending_discards(void)
{
	struct slot *s;
	pid_t pid = spawn(BLOCK_TSTP, &s);

	kill(pid, SIGTSTP);
	sleep_ms(20);
	check("discard.tstp_pending", shared_pending(pid, SIGTSTP) == 1, "ShdPnd bit %d",
	    shared_pending(pid, SIGTSTP));
	kill(pid, SIGCONT);
	sleep_ms(20);
	check("discard.cont_discards_stop", shared_pending(pid, SIGTSTP) == 0 && moving(s, 0),
	    "ShdPnd bit %d", shared_pending(pid, SIGTSTP));
	kill_and_reap(pid);

	pid = spawn(BLOCK_CONT, &s);
	kill(pid, SIGCONT);
	sleep_ms(20);
	check("discard.cont_pending", shared_pending(pid, SIGCONT) == 1, "ShdPnd bit %d",
	    shared_pending(pid, SIGCONT));
	check("discard.stop_with_cont_pending", stop_and_wait(pid, SIGSTOP), "no stop");
	check("discard.stop_discards_cont", shared_pending(pid, SIGCONT) == 0, "ShdPnd bit %d",
	    shared_pending(pid, SIGCONT));
	check("discard.blocked_cont_continues", cont_and_wait(pid) && moving(s, 0),
	    "a blocked SIGCONT did not continue the child");
	kill_and_reap(pid);
}

static void cont_handler(void)
{
	struct slot *s;
	pid_t pid = spawn(CONT_HANDLER, &s);

	check("conthandler.stop", stop_and_wait(pid, SIGSTOP) && !moving_50ms(s, 0), "no stop");
	check("conthandler.not_yet", s->cont_handled == 0, "the handler ran while stopped");
	check("conthandler.cont", cont_and_wait(pid), "no continue");
	check("conthandler.runs_after", wait_until(&s->cont_handled, 1) && moving(s, 0),
	    "handler %d", s->cont_handled);
	kill_and_reap(pid);
}

static void threads(void)
{
	struct slot *s;
	pid_t pid = spawn(THREADS, &s);
	char dir[64];

	check("threads.all_move", all_moving(s, NTHREADS + 1), "a thread's counter stands");
	check("threads.stop", stop_and_wait(pid, SIGSTOP), "no stop");
	check("threads.all_frozen", none_moving(s, NTHREADS + 1), "a thread still runs");
	int stopped = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		char task[320];
		if (e->d_name[0] == '.')
			continue;
		snprintf(task, sizeof(task), "%s/%s", dir, e->d_name);
		stopped += stat_state(task) == 'T';
	}
	if (d)
		closedir(d);
	check("threads.all_T", stopped == NTHREADS + WAITERS + 1, "%d of %d threads in state T",
	    stopped, NTHREADS + WAITERS + 1);
	check("threads.cont", cont_and_wait(pid), "no continue");
	check("threads.all_move_again", all_moving(s, NTHREADS + 1), "a thread stays stopped");
	check("threads.tstp", stop_and_wait(pid, SIGTSTP) && none_moving(s, NTHREADS + 1),
	    "not all stopped");
	kill(pid, SIGKILL);
	int st = 0;
	check("threads.killed", timed_waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
	    WTERMSIG(st) == SIGKILL, "status %#x", st);
	kill_and_reap(pid);
}

static void orphaned_group(void)
{
	struct slot *s;
	pid_t pid = spawn(SESSION, &s);
	int st = 0;

	kill(pid, SIGTSTP);
	sleep_ms(100);
	check("orphaned.tstp_discarded", waitpid(pid, &st, WUNTRACED | WNOHANG) == 0 &&
	    moving(s, 0), "the child of an orphaned group stopped");
	check("orphaned.ttin_discarded", (kill(pid, SIGTTIN), sleep_ms(50),
	    waitpid(pid, &st, WUNTRACED | WNOHANG) == 0 && moving(s, 0)), "stopped");
	check("orphaned.sigstop_stops", stop_and_wait(pid, SIGSTOP) && !moving_50ms(s, 0), "no stop");
	kill_and_reap(pid);
}

/* POSIX: a group orphaned by an exit, with a stopped member, gets
 * SIGHUP and SIGCONT. */
static void orphaned_by_exit(void)
{
	struct slot *s;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		bail("jobctl", "PR_SET_CHILD_SUBREAPER");
	pid_t top = spawn(ORPHANED_BY_EXIT, &s);
	pid_t leaf = s->orphan_pid;
	kill(leaf, SIGSTOP);
	for (int i = 0; i < 200 && proc_state(leaf) != 'T'; i++)
		sleep_ms(10);
	check("orphaned_by_exit.stopped", proc_state(leaf) == 'T' && !moving_50ms(s, 0),
	    "state %c", proc_state(leaf));
	check("orphaned_by_exit.no_hup_yet", s->hup_handled == 0, "SIGHUP before the exit");
	s->middle_may_exit = 1;
	check("orphaned_by_exit.hup", wait_until(&s->hup_handled, 1), "no SIGHUP");
	check("orphaned_by_exit.continued", moving(s, 0) && proc_state(leaf) != 'T',
	    "still stopped (state %c)", proc_state(leaf));
	check("orphaned_by_exit.adopted", getpgid(leaf) > 0 && waitpid(leaf, NULL, WNOHANG) == 0,
	    "not the subreaper's child: %s", strerror(errno));
	kill_and_reap(leaf);
	kill_and_reap(top);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

static void raise_stop(void)
{
	struct slot *s;
	pid_t pid = spawn(RAISE_STOP, &s);
	int st = 0;

	pid_t r = timed_waitpid(pid, &st, WUNTRACED);
	check("raise.stops_itself", r == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
	    "waitpid %d status %#x", (int)r, st);
	check("raise.not_yet_on", s->cont_handled == 0, "went on while stopped");
	check("raise.goes_on", cont_and_wait(pid) && wait_until(&s->cont_handled, 1),
	    "did not go on after SIGCONT");
	kill_and_reap(pid);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &sa, NULL);		/* no SA_RESTART: a timed-out wait fails */
	slots = mmap(NULL, sizeof(struct slot) * NSLOTS, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		bail("jobctl", "mmap");
	stop_and_continue();
	tstp();
	waitid_events();
	sigchld();
	pending_discards();
	cont_handler();
	threads();
	orphaned_group();
	raise_stop();
	orphaned_by_exit();
	for (int i = 0; i < next_slot; i++)
		if (children[i])
			kill_and_reap(children[i]);
	return done("jobctl");
}
