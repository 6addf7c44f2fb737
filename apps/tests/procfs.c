/* /proc/PID as Linux has it, checked against the calling program's own
 * view of itself: /proc/self and /proc/thread-self, stat, status, statm,
 * cmdline, comm, limits, the exe/cwd/root links (and /proc/self/exe run
 * again), fd/ and fdinfo/ of a file, a pipe, sockets, an eventfd and an
 * epoll, maps (the program, [heap] after brk, [stack], a file mapped at an
 * offset, an anonymous mapping after mprotect), task/ with each thread,
 * a child's directory while it runs, as a zombie and after it is reaped,
 * and readdir of /proc. Every line it prints is the same on every run, so
 * tests/boot/test_linux.py compares the guest's with the host's.
 *
 * Usage: procfs [DIR] (files in DIR/procfs-test.PID, default /tmp). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define PROG "procfs"
#define EXE_CHILD "--exe-child"
#define NTHREADS 2

static char dir[PATH_MAX / 2];

static int tid(void)
{
	return (int)syscall(SYS_gettid);
}

/* The whole of a /proc file into buf (NUL-terminated): its length or -1.
 * read(2) into the caller's buffer: nothing is allocated, so the
 * process's memory does not change while it reads about it. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	long len = 0, n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return n < 0 ? -1 : len;
}

static long slurpf(char *buf, size_t size, const char *fmt, int a, int b)
{
	char path[128];

	snprintf(path, sizeof(path), fmt, a, b);
	return slurp(path, buf, size);
}

static ssize_t link_of(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

static ssize_t fd_link(int fd, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return link_of(path, buf, size);
}

/* The fields of a stat line after "(comm)": fields[0] is field 3 (state). */
struct stat_line {
	int pid;
	char comm[64];
	char *fields[60];
	int nfields;
	char buf[1024];
};

static int parse_stat(const char *path, struct stat_line *s)
{
	if (slurp(path, s->buf, sizeof(s->buf)) <= 0)
		return -1;
	char *open = strchr(s->buf, '('), *close = strrchr(s->buf, ')');
	if (!open || !close || close < open)
		return -1;
	s->pid = atoi(s->buf);
	snprintf(s->comm, sizeof(s->comm), "%.*s", (int)(close - open - 1), open + 1);
	s->nfields = 0;
	for (char *save, *f = strtok_r(close + 1, " \n", &save); f && s->nfields < 60;
	     f = strtok_r(NULL, " \n", &save))
		s->fields[s->nfields++] = f;
	return 0;
}

/* Field n of man 5 proc's numbering (3 = state). */
static const char *field(const struct stat_line *s, int n)
{
	return n - 3 < s->nfields ? s->fields[n - 3] : "";
}

/* The value of "Key:" in a status text, or NULL. */
static const char *status_value(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, k) && l[k] == ':') {
			const char *v = l + k + 1;
			while (*v == '\t' || *v == ' ')
				v++;
			size_t n = strcspn(v, "\n");
			snprintf(out, size, "%.*s", (int)n, v);
			return out;
		}
	}
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ---- the links and the files about the process ---- */

static void self_links(void)
{
	char buf[PATH_MAX], want[64];

	snprintf(want, sizeof(want), "%d", (int)getpid());
	link_of("/proc/self", buf, sizeof(buf));
	check("self_is_pid", !strcmp(buf, want), "readlink /proc/self = '%s', pid %s", buf, want);
	snprintf(want, sizeof(want), "%d/task/%d", (int)getpid(), tid());
	link_of("/proc/thread-self", buf, sizeof(buf));
	check("thread_self", !strcmp(buf, want), "'%s', want '%s'", buf, want);
	struct stat a, b;
	check("self_stat_is_pid_dir", !stat("/proc/self", &a) && S_ISDIR(a.st_mode) &&
	    !lstat("/proc/self", &b) && S_ISLNK(b.st_mode), "stat/lstat of /proc/self");
	link_of("/proc/self/root", buf, sizeof(buf));
	check("root_link", !strcmp(buf, "/"), "'%s'", buf);
}

static void stat_file(const char *argv0)
{
	struct stat_line s;
	char comm[16];

	snprintf(comm, sizeof(comm), "%s", base_name(argv0));
	int ok = !parse_stat("/proc/self/stat", &s);
	check("stat_read", ok, "errno %d", errno);
	check("stat_pid", ok && s.pid == getpid(), "pid %d", s.pid);
	check("stat_comm", ok && !strcmp(s.comm, comm), "comm '%s', want '%s'", s.comm, comm);
	check("stat_state_running", ok && !strcmp(field(&s, 3), "R"), "state %s", field(&s, 3));
	check("stat_ppid", ok && atoi(field(&s, 4)) == getppid(), "ppid %s", field(&s, 4));
	check("stat_pgrp_session", ok && atoi(field(&s, 5)) == getpgrp() &&
	    atoi(field(&s, 6)) == getsid(0), "pgrp %s session %s", field(&s, 5), field(&s, 6));
	check("stat_num_threads_1", ok && atoi(field(&s, 20)) == 1, "%s", field(&s, 20));
	check("stat_52_fields", ok && s.nfields == 50, "%d fields after comm", s.nfields);
	check("stat_exit_signal", ok && atoi(field(&s, 38)) == SIGCHLD, "%s", field(&s, 38));
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	long long start = atoll(field(&s, 22)), up = now.tv_sec * (long long)hz +
	    now.tv_nsec / (1000000000 / hz);
	check("stat_starttime", ok && start > 0 && start <= up, "starttime %lld, now %lld", start, up);
	/* Linux's rss may lag (per-thread counters), so only its form. */
	check("stat_vsize_rss", ok && atoll(field(&s, 23)) > 0 && atoll(field(&s, 24)) >= 0,
	    "vsize %s rss %s", field(&s, 23), field(&s, 24));
}

static void status_file(void)
{
	char text[4096], v[128], want[128];
	uid_t r, e, sv;
	gid_t gr, ge, gs;

	check("status_read", slurp("/proc/self/status", text, sizeof(text)) > 0, "errno %d", errno);
	snprintf(want, sizeof(want), "%d", (int)getpid());
	check("status_pid", status_value(text, "Pid", v, sizeof(v)) && !strcmp(v, want), "Pid %s", v);
	check("status_tgid", status_value(text, "Tgid", v, sizeof(v)) && !strcmp(v, want), "%s", v);
	snprintf(want, sizeof(want), "%d", (int)getppid());
	check("status_ppid", status_value(text, "PPid", v, sizeof(v)) && !strcmp(v, want), "%s", v);
	check("status_threads_1", status_value(text, "Threads", v, sizeof(v)) && !strcmp(v, "1"),
	    "%s", v);
	check("status_state", status_value(text, "State", v, sizeof(v)) &&
	    !strcmp(v, "R (running)"), "%s", v);
	getresuid(&r, &e, &sv);
	getresgid(&gr, &ge, &gs);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", r, e, sv, e);
	check("status_uid", status_value(text, "Uid", v, sizeof(v)) && !strcmp(v, want), "'%s'", v);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", gr, ge, gs, ge);
	check("status_gid", status_value(text, "Gid", v, sizeof(v)) && !strcmp(v, want), "'%s'", v);
	mode_t old = umask(027);
	umask(old);
	snprintf(want, sizeof(want), "%04o", old);
	check("status_umask", status_value(text, "Umask", v, sizeof(v)) && !strcmp(v, want), "%s", v);
	const char *keys[] = { "Name", "VmSize", "VmRSS", "SigQ", "SigPnd", "ShdPnd", "SigBlk",
		"SigIgn", "SigCgt", "Cpus_allowed", "FDSize" };
	int all = 1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		all &= status_value(text, keys[i], v, sizeof(v)) != NULL;
	check("status_keys", all, "a key is missing");
	/* statm's size is VmSize in pages, read back to back with nothing
	 * mapped in between. */
	char statm[256];
	unsigned long size = 0, res = 0;
	slurp("/proc/self/status", text, sizeof(text));
	slurp("/proc/self/statm", statm, sizeof(statm));
	status_value(text, "VmSize", v, sizeof(v));
	int n = sscanf(statm, "%lu %lu", &size, &res);
	check("statm_size_is_vmsize", n == 2 && size * (sysconf(_SC_PAGESIZE) / 1024) ==
	    strtoul(v, NULL, 10), "statm '%s', VmSize %s", statm, v);
}

static void cmdline_comm(int argc, char **argv)
{
	char buf[4096], want[4096], comm[64];
	size_t len = 0;

	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(want + len, argv[i], n);
		len += n;
	}
	long got = slurp("/proc/self/cmdline", buf, sizeof(buf));
	check("cmdline_is_argv", got == (long)len && !memcmp(buf, want, len), "%ld bytes, want %zu",
	    got, len);
	snprintf(comm, sizeof(comm), "%.15s\n", base_name(argv[0]));
	slurp("/proc/self/comm", buf, sizeof(buf));
	check("comm", !strcmp(buf, comm), "'%s'", buf);
	prctl(PR_SET_NAME, "renamed-main");
	slurp("/proc/self/comm", buf, sizeof(buf));
	check("comm_after_pr_set_name", !strcmp(buf, "renamed-main\n"), "'%s'", buf);
	slurpf(buf, sizeof(buf), "/proc/%d/task/%d/comm", (int)getpid(), tid());
	check("task_comm_after_pr_set_name", !strcmp(buf, "renamed-main\n"), "'%s'", buf);
	snprintf(comm, sizeof(comm), "%.15s", base_name(argv[0]));
	prctl(PR_SET_NAME, comm);
}

static void limits_file(void)
{
	char text[4096];
	struct rlimit rl;
	unsigned long soft = 0, hard = 0;

	getrlimit(RLIMIT_NOFILE, &rl);
	slurp("/proc/self/limits", text, sizeof(text));
	char *l = strstr(text, "\nMax open files ");
	int n = l ? sscanf(l + 16, "%lu %lu", &soft, &hard) : 0;
	static const char header[] = "Limit                     Soft Limit           "
	    "Hard Limit           Units     \n";
	check("limits_header", !strncmp(text, header, sizeof(header) - 1), "'%.80s'", text);
	check("limits_nofile", n == 2 && soft == rl.rlim_cur && hard == rl.rlim_max,
	    "%d: %lu %lu", n, soft, hard);
}

static void exe_and_cwd(const char *argv0)
{
	char buf[PATH_MAX], want[PATH_MAX];

	link_of("/proc/self/exe", buf, sizeof(buf));
	check("exe_is_program", realpath(argv0, want) && !strcmp(buf, want), "'%s', want '%s'",
	    buf, want);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv0, EXE_CHILD, want, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	check("exec_proc_self_exe", WIFEXITED(status) && WEXITSTATUS(status) == 42,
	    "status %#x", status);
	char old[PATH_MAX];
	getcwd(old, sizeof(old));
	chdir(dir);
	link_of("/proc/self/cwd", buf, sizeof(buf));
	check("cwd_after_chdir", realpath(dir, want) && !strcmp(buf, want), "'%s', want '%s'",
	    buf, want);
	chdir(old);
	link_of("/proc/self/cwd", buf, sizeof(buf));
	check("cwd_back", !strcmp(buf, old), "'%s', want '%s'", buf, old);
}

/* The program run again through /proc/self/exe: its exe is the same. */
static int exe_child(const char *want)
{
	char buf[PATH_MAX];

	link_of("/proc/self/exe", buf, sizeof(buf));
	return strcmp(buf, want) ? 1 : 42;
}

/* ---- descriptors ---- */

static int listed_in(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d)))
		found |= !strcmp(e->d_name, name);
	if (d)
		closedir(d);
	return found;
}

static void fd_links(void)
{
	char path[PATH_MAX], buf[PATH_MAX], want[PATH_MAX], name[16];
	struct stat st;

	snprintf(path, sizeof(path), "%s/file", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	write(fd, "hello, world", 12);
	lseek(fd, 5, SEEK_SET);
	fd_link(fd, buf, sizeof(buf));
	check("fd_file", realpath(path, want) && !strcmp(buf, want), "'%s', want '%s'", buf, want);
	snprintf(name, sizeof(name), "%d", fd);
	check("fd_listed", listed_in("/proc/self/fd", name) && listed_in("/proc/self/fdinfo", name),
	    "fd %d", fd);
	char info[256];
	slurpf(info, sizeof(info), "/proc/self/fdinfo/%d", fd, 0);
	unsigned flags = 0;
	char *f = strstr(info, "flags:");
	check("fdinfo_pos", !strncmp(info, "pos:\t5\n", 7), "'%s'", info);
	check("fdinfo_flags", f && sscanf(f, "flags: %o", &flags) == 1 &&
	    (flags & O_ACCMODE) == O_RDWR && (flags & O_CLOEXEC), "'%s'", info);
	unlink(path);
	fd_link(fd, buf, sizeof(buf));
	strcat(want, " (deleted)");
	check("fd_file_deleted", !strcmp(buf, want), "'%s', want '%s'", buf, want);
	close(fd);
	check("fd_gone_after_close", fd_link(fd, buf, sizeof(buf)) < 0 && errno == ENOENT,
	    "errno %d", errno);

	int p[2];
	pipe(p);
	fstat(p[0], &st);
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
	fd_link(p[0], buf, sizeof(buf));
	check("fd_pipe", !strcmp(buf, want), "'%s', want '%s'", buf, want);
	fd_link(p[1], buf, sizeof(buf));
	check("fd_pipe_other_end", !strcmp(buf, want), "'%s', want '%s'", buf, want);
	close(p[0]);
	close(p[1]);

	int s = socket(AF_UNIX, SOCK_STREAM, 0), t = socket(AF_INET, SOCK_DGRAM, 0);
	fstat(s, &st);
	snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
	fd_link(s, buf, sizeof(buf));
	check("fd_unix_socket", !strcmp(buf, want), "'%s', want '%s'", buf, want);
	fstat(t, &st);
	snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
	fd_link(t, buf, sizeof(buf));
	check("fd_inet_socket", !strcmp(buf, want), "'%s', want '%s'", buf, want);
	close(s);
	close(t);

	int e = eventfd(0, 0), ep = epoll_create1(0);
	fd_link(e, buf, sizeof(buf));
	check("fd_eventfd", !strcmp(buf, "anon_inode:[eventfd]"), "'%s'", buf);
	fd_link(ep, buf, sizeof(buf));
	check("fd_epoll", !strcmp(buf, "anon_inode:[eventpoll]"), "'%s'", buf);
	close(e);
	close(ep);

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	fd_link(fd, buf, sizeof(buf));
	check("fd_directory", realpath(dir, want) && !strcmp(buf, want), "'%s', want '%s'", buf, want);
	close(fd);
}

/* ---- maps ---- */

struct map_line {
	unsigned long start, end, off;
	char perms[8], path[PATH_MAX];
};

/* The line of maps whose range holds addr (exact: starts at addr). */
static int find_map(const char *maps, unsigned long addr, int exact, struct map_line *m)
{
	for (const char *l = maps; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned maj, min;
		unsigned long ino;
		int pos = 0;
		m->path[0] = 0;
		if (sscanf(l, "%lx-%lx %7s %lx %x:%x %lu %n", &m->start, &m->end, m->perms, &m->off,
		    &maj, &min, &ino, &pos) < 7)
			continue;
		size_t n = strcspn(l + pos, "\n");
		if (pos && l[pos - 1] != '\n')
			snprintf(m->path, sizeof(m->path), "%.*s", (int)n, l + pos);
		if (exact ? m->start == addr : m->start <= addr && addr < m->end)
			return 1;
	}
	return 0;
}

static void maps_file(void)
{
	static char maps[65536];
	struct map_line m;
	char exe[PATH_MAX], path[PATH_MAX], want[PATH_MAX];
	long page = sysconf(_SC_PAGESIZE);
	int local = 0;

	link_of("/proc/self/exe", exe, sizeof(exe));
	/* brk itself: musl's sbrk refuses to grow. */
	char *top = (char *)syscall(SYS_brk, 0);
	check("brk", syscall(SYS_brk, top + 4 * page) == (long)(top + 4 * page), "brk failed");
	snprintf(path, sizeof(path), "%s/mapped", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ftruncate(fd, 3 * page);
	char *file = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
	close(fd);
	char *anon = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(anon + page, page, PROT_READ);
	long n = slurp("/proc/self/maps", maps, sizeof(maps));
	check("maps_read", n > 0, "errno %d", errno);

	check("maps_program", find_map(maps, (unsigned long)&maps_file, 0, &m) &&
	    strchr(m.perms, 'x') && !strcmp(m.path, exe), "'%s' '%s', want '%s'", m.perms, m.path, exe);
	check("maps_heap", find_map(maps, (unsigned long)top, 0, &m) && !strcmp(m.path, "[heap]") &&
	    !strcmp(m.perms, "rw-p"), "'%s' '%s'", m.perms, m.path);
	check("maps_stack", find_map(maps, (unsigned long)&local, 0, &m) &&
	    !strcmp(m.path, "[stack]") && !strcmp(m.perms, "rw-p"), "'%s' '%s'", m.perms, m.path);
	check("maps_file", find_map(maps, (unsigned long)file, 1, &m) &&
	    m.end == (unsigned long)file + page && m.off == (unsigned long)page &&
	    !strcmp(m.perms, "r--p") && realpath(path, want) && !strcmp(m.path, want),
	    "%lx-%lx %s %lx '%s'", m.start, m.end, m.perms, m.off, m.path);
	check("maps_mprotect", find_map(maps, (unsigned long)anon + page, 1, &m) &&
	    m.end == (unsigned long)anon + 2 * page && !strcmp(m.perms, "r--p") && !m.path[0] &&
	    find_map(maps, (unsigned long)anon, 0, &m) && !strcmp(m.perms, "rw-p") &&
	    find_map(maps, (unsigned long)anon + 2 * page, 0, &m) && !strcmp(m.perms, "rw-p"),
	    "%lx-%lx %s '%s'", m.start, m.end, m.perms, m.path);
	/* Linux pads the name to column 73. */
	const char *named = strstr(maps, "[stack]");
	const char *line = named;
	while (line > maps && line[-1] != '\n')
		line--;
	check("maps_name_column", named && (named - line == 73 || named[-1] == ' '), "column %ld",
	    (long)(named - line));
	munmap(file, page);
	munmap(anon, 3 * page);
	unlink(path);
	syscall(SYS_brk, top);
}

/* ---- threads ---- */

static int thread_tids[NTHREADS];
static int wake[2];

static void *blocked_thread(void *arg)
{
	char c;

	__atomic_store_n(&thread_tids[(intptr_t)arg], tid(), __ATOMIC_SEQ_CST);
	read(wake[0], &c, 1);
	return NULL;
}

/* Waits (up to 10 s) for the thread's stat to show state. */
static int thread_state_is(int t, const char *state)
{
	char path[64];
	struct stat_line s;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", t);
	for (int i = 0; i < 1000; i++) {
		if (!parse_stat(path, &s) && !strcmp(field(&s, 3), state))
			return 1;
		usleep(10000);
	}
	return 0;
}

static void threads(void)
{
	pthread_t th[NTHREADS];
	char name[16];
	struct stat_line s;
	char text[4096], v[64];

	pipe(wake);
	for (intptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, blocked_thread, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		while (!__atomic_load_n(&thread_tids[i], __ATOMIC_SEQ_CST))
			usleep(1000);
	int ok = !parse_stat("/proc/self/stat", &s);
	check("stat_num_threads_3", ok && atoi(field(&s, 20)) == 1 + NTHREADS, "%s", field(&s, 20));
	slurp("/proc/self/status", text, sizeof(text));
	check("status_threads_3", status_value(text, "Threads", v, sizeof(v)) && atoi(v) == 3,
	    "%s", v);
	snprintf(name, sizeof(name), "%d", tid());
	int listed = listed_in("/proc/self/task", name);
	for (int i = 0; i < NTHREADS; i++) {
		snprintf(name, sizeof(name), "%d", thread_tids[i]);
		listed &= listed_in("/proc/self/task", name);
	}
	check("task_lists_threads", listed, "a thread is missing");
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", thread_tids[0]);
	ok = !parse_stat(path, &s);
	check("task_stat_pid_is_tid", ok && s.pid == thread_tids[0], "pid %d", s.pid);
	check("task_thread_sleeping", thread_state_is(thread_tids[1], "S"), "not S");
	slurpf(text, sizeof(text), "/proc/self/task/%d/status", thread_tids[1], 0);
	snprintf(name, sizeof(name), "%d", thread_tids[1]);
	check("task_status_pid", status_value(text, "Pid", v, sizeof(v)) && !strcmp(v, name),
	    "%s", v);
	snprintf(name, sizeof(name), "%d", (int)getpid());
	check("task_status_tgid", status_value(text, "Tgid", v, sizeof(v)) && !strcmp(v, name),
	    "%s", v);
	write(wake[1], "xx", 2);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	close(wake[0]);
	close(wake[1]);
	/* A joined thread may still be leaving the kernel (its tid is
	 * cleared first, on Linux too): its directory goes soon after. */
	snprintf(path, sizeof(path), "/proc/self/task/%d", thread_tids[0]);
	struct stat st;
	int gone = 0;
	for (int i = 0; i < 1000 && !gone; i++) {
		gone = stat(path, &st) < 0 && errno == ENOENT;
		if (!gone)
			usleep(10000);
	}
	check("task_gone_after_join", gone, "still there after 10 s");
}

/* ---- another process ---- */

static void child_process(void)
{
	int go[2];
	char path[64], name[16], text[4096], v[64], want[16];
	struct stat_line s;
	struct stat st;

	pipe(go);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		read(go[0], &c, 1);
		_exit(3);
	}
	close(go[0]);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int ok = !parse_stat(path, &s);
	check("child_stat", ok && s.pid == pid && atoi(field(&s, 4)) == getpid(),
	    "pid %d ppid %s", s.pid, field(&s, 4));
	slurpf(text, sizeof(text), "/proc/%d/status", (int)pid, 0);
	snprintf(want, sizeof(want), "%d", (int)getpid());
	check("child_status_ppid", status_value(text, "PPid", v, sizeof(v)) && !strcmp(v, want),
	    "%s", v);
	snprintf(name, sizeof(name), "%d", (int)pid);
	snprintf(want, sizeof(want), "%d", (int)getpid());
	check("proc_lists_pids", listed_in("/proc", name) && listed_in("/proc", want), "not listed");
	write(go[1], "x", 1);
	close(go[1]);
	siginfo_t si;
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	ok = !parse_stat(path, &s);
	check("zombie_state", ok && !strcmp(field(&s, 3), "Z"), "state %s", field(&s, 3));
	slurpf(text, sizeof(text), "/proc/%d/status", (int)pid, 0);
	check("zombie_status", status_value(text, "State", v, sizeof(v)) &&
	    !strcmp(v, "Z (zombie)"), "%s", v);
	check("zombie_listed", listed_in("/proc", name), "not listed");
	check("zombie_cmdline_empty", slurpf(text, sizeof(text), "/proc/%d/cmdline", (int)pid, 0) == 0,
	    "'%s'", text);
	int status;
	waitpid(pid, &status, 0);
	check("reaped_exit_status", WIFEXITED(status) && WEXITSTATUS(status) == 3, "%#x", status);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	check("reaped_gone", stat(path, &st) < 0 && errno == ENOENT && !listed_in("/proc", name),
	    "errno %d", errno);
}

/* Every entry of /proc is a file of its own or a process's number. */
static void proc_listing(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int self_link = 0, pids = 0;

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, "self"))
			self_link = e->d_type == DT_LNK;
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && e->d_type == DT_DIR)
			pids++;
	}
	if (d)
		closedir(d);
	check("proc_self_entry_is_link", self_link, "d_type");
	check("proc_has_pids", pids >= 1, "%d", pids);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], EXE_CHILD))
		return exe_child(argv[2]);
	const char *base = argc > 1 ? argv[1] : "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/procfs-test.%d", base, (int)getpid()) >=
	    sizeof(dir) || mkdir(dir, 0755))
		bail(PROG, "mkdir");
	self_links();
	stat_file(argv[0]);
	status_file();
	cmdline_comm(argc, argv);
	limits_file();
	exe_and_cwd(argv[0]);
	fd_links();
	maps_file();
	threads();
	child_process();
	proc_listing();
	rmdir(dir);
	return done(PROG);
}
