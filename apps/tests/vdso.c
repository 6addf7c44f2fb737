/* The vDSO: AT_SYSINFO_EHDR names an ELF image whose dynamic symbols
 * include Linux's __vdso_clock_gettime, __vdso_gettimeofday and
 * __vdso_time under version LINUX_2.6 (as glibc and musl look them up);
 * each called directly agrees with the system call read just before and
 * after it; the C library's clock_gettime and gettimeofday (which use
 * the vDSO) never go backwards; clocks the vDSO does not keep and bad
 * clock ids give the system call's answers; the image cannot be written
 * (a store is SIGSEGV, read(2) into it EFAULT); a forked child reads the
 * same clock; /proc/self/maps names [vdso]. As the first program of a
 * boot (pid 1: never on a host, whose clock it must not touch) it also
 * sets the wall clock and checks that the vDSO follows.
 * Usage: vdso */
#include "check.h"
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);
typedef time_t (*time_fn)(time_t *);

static const Elf64_Ehdr *vdso;

/* Walks the image as a loader does: PT_DYNAMIC, then its symbol and
 * version tables. The address of name@version, or NULL. */
static void *vdso_sym(const char *name, const char *version)
{
	const Elf64_Phdr *ph = (const void *)((const char *)vdso + vdso->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	uintptr_t base = (uintptr_t)vdso, load = 0;

	for (int i = 0; i < vdso->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !load)
			load = ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(base + ph[i].p_vaddr);
	}
	if (!dyn)
		return NULL;
	base -= load;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const Elf64_Word *hash = NULL;
	const Elf64_Half *versym = NULL;
	const Elf64_Verdef *verdef = NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = base + dyn->d_un.d_ptr;
		switch (dyn->d_tag) {
		case DT_SYMTAB: sym = (const void *)p; break;
		case DT_STRTAB: str = (const void *)p; break;
		case DT_HASH: hash = (const void *)p; break;
		case DT_VERSYM: versym = (const void *)p; break;
		case DT_VERDEF: verdef = (const void *)p; break;
		}
	}
	if (!sym || !str || !hash || !versym || !verdef)
		return NULL;
	for (Elf64_Word i = 0; i < hash[1]; i++) {	/* nchain: every symbol */
		if (strcmp(str + sym[i].st_name, name) || ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC)
			continue;
		const Elf64_Verdef *d = verdef;
		for (;;) {
			const Elf64_Verdaux *aux = (const void *)((const char *)d + d->vd_aux);
			if (d->vd_ndx == (versym[i] & 0x7fff) && !strcmp(str + aux->vda_name, version))
				return (void *)(base + sym[i].st_value);
			if (!d->vd_next)
				break;
			d = (const void *)((const char *)d + d->vd_next);
		}
	}
	return NULL;
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t sys_clock_ns(clockid_t clk)
{
	struct timespec t;

	return syscall(SYS_clock_gettime, clk, &t) ? -1 : ts_ns(&t);
}

/* syscall <= vDSO <= syscall, for clk. */
static void check_between(const char *name, clock_gettime_fn fn, clockid_t clk)
{
	struct timespec t;
	int64_t before = sys_clock_ns(clk);
	int r = fn(clk, &t);
	int64_t after = sys_clock_ns(clk);
	check(name, r == 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000 && before <= ts_ns(&t) &&
	    ts_ns(&t) <= after, "ret %d, %lld <= %lld <= %lld", r, (long long)before,
	    (long long)ts_ns(&t), (long long)after);
}

static void check_monotonic(void)
{
	struct timespec prev, now;
	struct timeval tprev, tnow;
	int back = 0;

	clock_gettime(CLOCK_MONOTONIC, &prev);
	gettimeofday(&tprev, NULL);
	for (int i = 0; i < 200000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		back += ts_ns(&now) < ts_ns(&prev);
		prev = now;
		gettimeofday(&tnow, NULL);
		back += tnow.tv_sec * 1000000 + tnow.tv_usec < tprev.tv_sec * 1000000 + tprev.tv_usec;
		tprev = tnow;
	}
	check("libc_never_backwards", back == 0, "%d readings went backwards", back);
}

static void check_fallbacks(clock_gettime_fn cg)
{
	struct timespec t;

	check("cputime_falls_back", cg(CLOCK_PROCESS_CPUTIME_ID, &t) == 0 && ts_ns(&t) > 0,
	    "process CPU time %lld", (long long)ts_ns(&t));
	/* The vDSO returns the system call's raw result, as Linux's does. */
	int r = cg(12345, &t);
	check("bad_clock_einval", r == -EINVAL, "got %d", r);
}

static void check_unwritable(void)
{
	int fd[2];

	CHECK_SYS("pipe", pipe(fd));
	write(fd[1], "x", 1);
	errno = 0;
	ssize_t n = read(fd[0], (void *)vdso, 1);
	check("read_into_vdso_efault", n == -1 && errno == EFAULT, "read gave %zd, errno %d", n, errno);
	close(fd[0]);
	close(fd[1]);
	pid_t pid = fork();
	if (pid == 0) {
		*(volatile char *)vdso = 0;
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	check("store_is_sigsegv", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "child status %#x", status);
}

static void check_fork(clock_gettime_fn cg)
{
	int64_t parent = sys_clock_ns(CLOCK_MONOTONIC);
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec t;
		_exit(cg(CLOCK_MONOTONIC, &t) == 0 && ts_ns(&t) >= parent &&
		    ts_ns(&t) <= sys_clock_ns(CLOCK_MONOTONIC) ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	check("child_reads_clock", WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %#x", status);
}

static void check_maps(void)
{
	char buf[8192];
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	char want[32];
	snprintf(want, sizeof(want), "%lx-", (unsigned long)vdso);
	char *line = strstr(buf, want);
	check("maps_names_vdso", line && strstr(line, "[vdso]") &&
	    strstr(line, "[vdso]") < (strchr(line, '\n') ? strchr(line, '\n') : line + strlen(line)),
	    "no [vdso] line at %s", want);
}

/* The wall clock moved by 1000 s shows in the vDSO at once; then back. */
static void check_settime(clock_gettime_fn cg)
{
	struct timespec now, later;

	clock_gettime(CLOCK_REALTIME, &now);
	struct timespec set = { now.tv_sec + 1000, now.tv_nsec };
	if (!CHECK_SYS("clock_settime", clock_settime(CLOCK_REALTIME, &set)))
		return;
	cg(CLOCK_REALTIME, &later);
	int64_t jump = ts_ns(&later) - ts_ns(&now);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	check("vdso_follows_settime", jump >= 1000000000000LL && jump < 1010000000000LL &&
	    tv.tv_sec >= set.tv_sec, "moved %lld ns, gettimeofday %lld", (long long)jump,
	    (long long)tv.tv_sec);
	set.tv_sec -= 1000;
	clock_settime(CLOCK_REALTIME, &set);
	int64_t back = sys_clock_ns(CLOCK_REALTIME) - ts_ns(&now);
	check("settime_back", back >= 0 && back < 10000000000LL, "%lld ns from the start",
	    (long long)back);
}

int main(void)
{
	vdso = (const void *)getauxval(AT_SYSINFO_EHDR);
	if (!check("auxv_sysinfo_ehdr", vdso != NULL, "no AT_SYSINFO_EHDR"))
		return done("vdso");
	check("elf_header", !memcmp(vdso->e_ident, ELFMAG, SELFMAG) && vdso->e_type == ET_DYN &&
	    vdso->e_machine == EM_X86_64, "not an x86-64 ET_DYN image");
	clock_gettime_fn cg = (clock_gettime_fn)vdso_sym("__vdso_clock_gettime", "LINUX_2.6");
	gettimeofday_fn gtod = (gettimeofday_fn)vdso_sym("__vdso_gettimeofday", "LINUX_2.6");
	time_fn tm = (time_fn)vdso_sym("__vdso_time", "LINUX_2.6");
	check("symbols", cg && gtod && tm, "clock_gettime %p gettimeofday %p time %p",
	    (void *)cg, (void *)gtod, (void *)tm);
	if (!cg || !gtod || !tm)
		return done("vdso");
	check_between("monotonic", cg, CLOCK_MONOTONIC);
	check_between("realtime", cg, CLOCK_REALTIME);
	check_between("boottime", cg, CLOCK_BOOTTIME);
	struct timeval tv;
	struct timespec before, after;
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &before);
	int r = gtod(&tv, NULL);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &after);
	int64_t us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	check("gettimeofday", r == 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000 &&
	    ts_ns(&before) / 1000 <= us && us <= ts_ns(&after) / 1000, "ret %d, %lld us", r,
	    (long long)us);
	time_t t0 = syscall(SYS_time, NULL), out = 0, t = tm(&out), t1 = syscall(SYS_time, NULL);
	check("time", t == out && t0 <= t && t <= t1, "%lld (stored %lld) between %lld and %lld",
	    (long long)t, (long long)out, (long long)t0, (long long)t1);
	check_monotonic();
	check_fallbacks(cg);
	check_unwritable();
	check_fork(cg);
	check_maps();
	if (getpid() == 1)
		check_settime(cg);
	return done("vdso");
}
