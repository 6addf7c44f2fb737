/* What the kernel hands a program at exec: the auxiliary vector checked
 * against the program's own view of itself (its program headers, entry
 * point, the interpreter it names and where the loader put it), the
 * loader's list of loaded objects, a library loaded at run time (dlopen,
 * where the C library has it), and membarrier, which musl's dynamic
 * linker uses. The vector is read as the kernel left it, after envp (glibc's
 * getauxval reports its own AT_HWCAP). Static and dynamic builds alike:
 * with no PT_INTERP, AT_BASE must be 0.
 * Usage: auxv */
#include "check.h"
#include <cpuid.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char _start[];
extern Elf64_Dyn _DYNAMIC[] __attribute__((weak));	/* none in ET_EXEC static */
#ifdef APP_DYNAMIC	/* apps/dyn.mk's builds; static glibc warns at dlopen */
#include <dlfcn.h>
#endif

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#define MB_QUERY		0
#define MB_PRIVATE_EXPEDITED	8
#define MB_REGISTER_PRIVATE	16

struct found {
	const char *interp;	/* basename of the interpreter's path */
	uintptr_t addr;		/* its load address per dl_iterate_phdr */
	int objects;
};

extern char **environ;
static const unsigned long *auxv_start;

/* The kernel's value for type, 0 if absent. */
static unsigned long aux(unsigned long type)
{
	for (const unsigned long *a = auxv_start; a[0] != AT_NULL; a += 2)
		if (a[0] == type)
			return a[1];
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int each_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct found *f = arg;

	(void)size;
	f->objects++;
	if (f->interp && info->dlpi_name && !strcmp(base_name(info->dlpi_name), f->interp))
		f->addr = info->dlpi_addr;
	return 0;
}

/* The program's headers through AT_PHDR: PT_PHDR (or else PT_DYNAMIC
 * against _DYNAMIC; ET_EXEC has none) gives the load bias, which must put
 * this very function inside an executable PT_LOAD. */
static const char *check_phdrs(const Elf64_Phdr *ph, unsigned long n, uintptr_t *bias)
{
	const char *interp = NULL;
	int has_phdr = 0, main_inside = 0;

	*bias = 0;
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_PHDR) {
			*bias = (uintptr_t)ph - ph[i].p_vaddr;
			has_phdr = 1;
		}
	for (unsigned long i = 0; i < n && !has_phdr; i++)
		if (ph[i].p_type == PT_DYNAMIC && _DYNAMIC)
			*bias = (uintptr_t)_DYNAMIC - ph[i].p_vaddr;
	for (unsigned long i = 0; i < n; i++) {
		uintptr_t m = (uintptr_t)&check_phdrs - *bias;
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) &&
		    m >= ph[i].p_vaddr && m < ph[i].p_vaddr + ph[i].p_memsz)
			main_inside = 1;
		if (ph[i].p_type == PT_INTERP)
			interp = (const char *)(ph[i].p_vaddr + *bias);
	}
	check("at_phdr_code_in_text", main_inside, "code at %p not in an executable segment "
	      "(bias %#lx, PT_PHDR %s)", (void *)&check_phdrs, (unsigned long)*bias,
	      has_phdr ? "present" : "absent");
	return interp;
}

static void check_membarrier(void)
{
	long q = syscall(SYS_membarrier, MB_QUERY, 0, 0);

	check("membarrier_query", q > 0 && (q & MB_PRIVATE_EXPEDITED) && (q & MB_REGISTER_PRIVATE),
	      "query gave %ld (errno %d)", q, errno);
	errno = 0;
	long r = syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0);
	check("membarrier_unregistered_eperm", r == -1 && errno == EPERM,
	      "got %ld errno %d, want EPERM", r, errno);
	check("membarrier_register", syscall(SYS_membarrier, MB_REGISTER_PRIVATE, 0, 0) == 0,
	      "errno %d", errno);
	check("membarrier_private", syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0) == 0,
	      "errno %d", errno);
	errno = 0;
	r = syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 1, 0);
	check("membarrier_flags_einval", r == -1 && errno == EINVAL, "got %ld errno %d", r, errno);
	errno = 0;
	r = syscall(SYS_membarrier, 1 << 20, 0, 0);
	check("membarrier_bad_cmd_einval", r == -1 && errno == EINVAL, "got %ld errno %d", r, errno);
}

int main(int argc, char **argv)
{
	unsigned a, b, c, d;
	uintptr_t bias;
	char **e = environ;

	while (*e)
		e++;
	auxv_start = (const unsigned long *)(e + 1);
	check("getauxval_agrees", getauxval(AT_ENTRY) == aux(AT_ENTRY) &&
	      getauxval(AT_RANDOM) == aux(AT_RANDOM), "libc's view differs");

	check("at_pagesz", aux(AT_PAGESZ) == 4096 && sysconf(_SC_PAGESIZE) == 4096,
	      "AT_PAGESZ %lu", aux(AT_PAGESZ));
	check("at_phent", aux(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT %lu",
	      aux(AT_PHENT));
	const Elf64_Phdr *ph = (const Elf64_Phdr *)aux(AT_PHDR);
	unsigned long phnum = aux(AT_PHNUM);
	if (!ph || !phnum)
		bail("auxv", "no AT_PHDR or AT_PHNUM");
	const char *interp = check_phdrs(ph, phnum, &bias);
	check("at_entry_is_start", aux(AT_ENTRY) == (uintptr_t)_start,
	      "AT_ENTRY %#lx, _start %p", aux(AT_ENTRY), (void *)_start);
	struct found f = { interp ? base_name(interp) : NULL, 0, 0 };
	dl_iterate_phdr(each_object, &f);
	if (interp) {
		printf("interpreter %s at %#lx\n", interp, aux(AT_BASE));
		check("at_base_is_interp", aux(AT_BASE) && aux(AT_BASE) == f.addr,
		      "AT_BASE %#lx, %s loaded at %#lx", aux(AT_BASE), interp,
		      (unsigned long)f.addr);
	} else {
		check("at_base_zero_static", aux(AT_BASE) == 0, "AT_BASE %#lx",
		      aux(AT_BASE));
	}
	check("dl_iterate_phdr", f.objects >= (interp ? 2 : 1), "%d objects", f.objects);
	const unsigned char *rnd = (const unsigned char *)aux(AT_RANDOM);
	int nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		nonzero |= rnd[i];
	check("at_random", rnd && nonzero, "AT_RANDOM %p", (void *)rnd);
	const char *fn = (const char *)aux(AT_EXECFN);
	check("at_execfn", fn && !strcmp(fn, argv[0]), "AT_EXECFN %s, argv[0] %s",
	      fn ? fn : "(none)", argv[0]);
	const char *pl = (const char *)aux(AT_PLATFORM);
	check("at_platform", pl && !strcmp(pl, "x86_64"), "AT_PLATFORM %s", pl ? pl : "(none)");
	__cpuid(1, a, b, c, d);
	check("at_hwcap_cpuid", aux(AT_HWCAP) == d, "AT_HWCAP %#lx, CPUID.1:EDX %#x",
	      aux(AT_HWCAP), d);
	check("at_clktck", aux(AT_CLKTCK) == 100 && sysconf(_SC_CLK_TCK) == 100,
	      "AT_CLKTCK %lu", aux(AT_CLKTCK));
	check("at_secure", aux(AT_SECURE) == 0, "AT_SECURE %lu", aux(AT_SECURE));
	check("at_ids", aux(AT_UID) == getuid() && aux(AT_EUID) == geteuid() &&
	      aux(AT_GID) == getgid() && aux(AT_EGID) == getegid(), "ids differ");
	check("at_minsigstksz", aux(AT_MINSIGSTKSZ) >= 1024, "AT_MINSIGSTKSZ %lu",
	      aux(AT_MINSIGSTKSZ));
#if defined(APP_DYNAMIC) && defined(__GLIBC__)	/* musl's libm is in its libc.so */
	{
		void *h = dlopen("libm.so.6", RTLD_NOW);
		double (*cosine)(double) = h ? (double (*)(double))dlsym(h, "cos") : NULL;
		check("dlopen_libm", cosine && cosine(0.0) == 1.0, "dlopen libm.so.6: %s",
		      h ? "no cos" : "failed");
	}
#endif
	check_membarrier();
	(void)argc;
	return done("auxv");
}
