/* Limits, usage and scheduling answers that must be true:
 * RLIMIT_NOFILE lowered makes open() fail with EMFILE at the limit and
 * raised lets 1500 fds open; setrlimit's errors (cur > max, an unknown
 * resource); getrusage(RUSAGE_SELF) and CLOCK_PROCESS_CPUTIME_ID count
 * every thread's CPU time (ended threads too), RUSAGE_THREAD and
 * CLOCK_THREAD_CPUTIME_ID the caller's alone; nice values read back and
 * act: two threads spinning on one CPU, one at nice 10, get CPU time in
 * a ratio above 3 (Linux's weights give 9.3); sched_getaffinity names a
 * CPU and setaffinity refuses an empty mask; policies and their priority
 * ranges (raw calls: musl refuses them itself); prctl PR_SET_NAME/
 * PR_GET_NAME. The same on a Linux host. */
#include "check.h"
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double secs(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spin_cpu(double s)
{
	double end = clock_s(CLOCK_THREAD_CPUTIME_ID) + s;
	while (clock_s(CLOCK_THREAD_CPUTIME_ID) < end)
		;
}

static void test_nofile(void)
{
	struct rlimit old, r;
	getrlimit(RLIMIT_NOFILE, &old);
	check("nofile_sane", old.rlim_cur >= 64 && old.rlim_cur <= old.rlim_max, "cur %lu max %lu",
	    (unsigned long)old.rlim_cur, (unsigned long)old.rlim_max);
	r = (struct rlimit){ 40, old.rlim_max };
	CHECK_SYS("nofile_lower", setrlimit(RLIMIT_NOFILE, &r));
	int fds[2000], n = 0, fd;
	while (n < 2000 && (fd = open("/dev/null", O_RDONLY)) >= 0)
		fds[n++] = fd;
	int err = errno;
	check("nofile_enforced", fd == -1 && err == EMFILE && fds[n - 1] == 39, "last fd %d errno %d",
	    n ? fds[n - 1] : -1, err);
	errno = 0;
	check("nofile_dup2_above", dup2(0, 45) == -1 && errno == EBADF, "errno %d", errno);
	r = (struct rlimit){ 1600, old.rlim_max < 1600 ? 1600 : old.rlim_max };
	CHECK_SYS("nofile_raise", setrlimit(RLIMIT_NOFILE, &r));
	while (n < 1500 && (fd = open("/dev/null", O_RDONLY)) >= 0)
		fds[n++] = fd;
	check("nofile_1500_open", n == 1500, "only %d open (errno %d)", n, errno);
	while (n)
		close(fds[--n]);
	getrlimit(RLIMIT_NOFILE, &r);
	check("nofile_reads_back", r.rlim_cur == 1600, "cur %lu", (unsigned long)r.rlim_cur);
	struct rlimit bad = { 10, 5 };
	errno = 0;
	check("setrlimit_cur_above_max", setrlimit(RLIMIT_NOFILE, &bad) == -1 && errno == EINVAL,
	    "errno %d", errno);
	errno = 0;
	check("setrlimit_bad_resource", syscall(SYS_setrlimit, 99, &old) == -1 && errno == EINVAL,
	    "errno %d", errno);
	struct rlimit st;
	check("stack_limit", !getrlimit(RLIMIT_STACK, &st) && st.rlim_cur >= (1 << 20), "cur %lu",
	    (unsigned long)st.rlim_cur);
	setrlimit(RLIMIT_NOFILE, &old);
}

static void *burn(void *arg)
{
	spin_cpu(*(double *)arg);
	return NULL;
}

static void test_usage(void)
{
	double t = 0.15, p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, burn, &t);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	struct rusage self, thr;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_THREAD, &thr);
	double proc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - p0;
	double su = secs(self.ru_utime) + secs(self.ru_stime), tu = secs(thr.ru_utime) + secs(thr.ru_stime);
	check("process_clock_counts_threads", proc >= 0.27, "%.3f s for two 0.15 s threads", proc);
	check("rusage_self_counts_threads", su >= 0.27, "%.3f s", su);
	check("rusage_thread_is_own", tu < su - 0.2, "thread %.3f s, self %.3f s", tu, su);
	check("rusage_maxrss", self.ru_maxrss > 0, "%ld", self.ru_maxrss);
	struct rusage ch;
	check("rusage_children", !getrusage(RUSAGE_CHILDREN, &ch), "errno %d", errno);
	errno = 0;
	check("rusage_bad_who", getrusage(7, &ch) == -1 && errno == EINVAL, "errno %d", errno);
}

struct niced {
	int nice;
	volatile int *stop;
	double cpu;
};

static void *spin_niced(void *arg)
{
	struct niced *n = arg;
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), n->nice);
	while (!*n->stop)
		;
	n->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

static void test_nice(void)
{
	errno = 0;
	int p = getpriority(PRIO_PROCESS, 0);
	check("getpriority", p == 0 && errno == 0, "%d errno %d", p, errno);
	CHECK_SYS("setpriority", setpriority(PRIO_PROCESS, 0, 3));
	check("nice_reads_back", getpriority(PRIO_PROCESS, 0) == 3, "%d", getpriority(PRIO_PROCESS, 0));
	setpriority(PRIO_PROCESS, 0, 0);
	errno = 0;
	check("setpriority_bad_which", setpriority(9, 0, 1) == -1 && errno == EINVAL, "errno %d", errno);
	/* Both on one CPU, so they compete. */
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	CHECK_SYS("setaffinity_cpu0", sched_setaffinity(0, sizeof(one), &one));
	volatile int stop = 0;
	struct niced a = { 0, &stop, 0 }, b = { 10, &stop, 0 };
	pthread_t ta, tb;
	pthread_create(&ta, NULL, spin_niced, &a);
	pthread_create(&tb, NULL, spin_niced, &b);
	struct timespec ts = { 1, 0 };
	nanosleep(&ts, NULL);
	stop = 1;
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	check("nice_acts", b.cpu > 0 && a.cpu / b.cpu > 3, "nice 0 got %.3f s, nice 10 %.3f s", a.cpu,
	    b.cpu);
}

static void test_sched(void)
{
	cpu_set_t set, none;
	CPU_ZERO(&none);
	check("getaffinity", !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) >= 1, "errno %d",
	    errno);
	errno = 0;
	check("setaffinity_empty", sched_setaffinity(0, sizeof(none), &none) == -1 && errno == EINVAL,
	    "errno %d", errno);
	/* Raw calls: musl answers the policy calls with ENOSYS itself. */
	long pol = syscall(SYS_sched_getscheduler, 0);
	check("getscheduler", pol == SCHED_OTHER, "%ld", pol);
	check("priority_range", sched_get_priority_max(SCHED_FIFO) == 99 &&
	    sched_get_priority_min(SCHED_FIFO) == 1 && sched_get_priority_max(SCHED_OTHER) == 0, "wrong");
	struct sched_param sp = { 0 };
	CHECK_SYS("setscheduler_batch", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
	syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp);
	errno = 0;
	sp.sched_priority = 5;
	check("setscheduler_other_prio", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp) == -1 &&
	    errno == EINVAL, "errno %d", errno);
	struct timespec ts;
	CHECK_SYS("rr_interval", sched_rr_get_interval(0, &ts));
	char name[16] = "";
	prctl(PR_SET_NAME, "limits-worker-long-name");
	prctl(PR_GET_NAME, name);
	check("prctl_name", !strcmp(name, "limits-worker-l"), "'%s'", name);
}

int main(void)
{
	test_nofile();
	test_usage();
	test_nice();
	test_sched();
	return done("limits");
}
