/* The program loader's ELF checks (kernel/linux/elf_exec.c) and mkimage's
 * dependency reader (tools/elfdeps.c): a made-up dynamic executable that
 * passes, one damage per refusal (with its reason), the host's programs
 * and libraries (every one must pass: the checks may not refuse what
 * Debian ships), the needed list of /usr/bin/ls against readelf's, then
 * the seeds through the fuzz harness.
 * `elf_exec --write-corpus DIR` writes the seeds as tests/fuzz/corpus/elf_exec. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "check.h"
#include "../fuzz/fuzz_elf_exec.c"

#define FILE_SIZE	(4096 + 128)
#define NPH		5
#define INTERP_OFF	400
#define DYN_OFF		512
#define STR_OFF		768

static const char strtab[] = "\0libfoo.so.1\0libc.so.6\0$ORIGIN/../lib\0libx.so.2";
enum { S_FOO = 1, S_LIBC = 13, S_RUNPATH = 23, S_SONAME = 38 };

struct dyn_e {
	int64_t tag;
	uint64_t val;
};

/* A dynamic PIE: text page, data page (bss beyond), interpreter, needs
 * libfoo.so.1 and libc.so.6, RUNPATH $ORIGIN/../lib, soname libx.so.2. */
static void make_elf(uint8_t *b)
{
	struct elf_ehdr h = { .type = ET_DYN, .machine = EM_X86_64, .version = 1,
	    .entry = 0x100, .phoff = sizeof(h), .ehsize = sizeof(h),
	    .phentsize = sizeof(struct elf_phdr), .phnum = NPH };
	struct elf_phdr ph[NPH] = {
		{ .type = PT_PHDR, .flags = PF_R, .offset = sizeof(h), .vaddr = sizeof(h),
		  .filesz = NPH * sizeof(struct elf_phdr), .memsz = NPH * sizeof(struct elf_phdr) },
		{ .type = PT_INTERP, .flags = PF_R, .offset = INTERP_OFF, .vaddr = INTERP_OFF,
		  .filesz = 28, .memsz = 28 },
		{ .type = PT_LOAD, .flags = PF_R | PF_X, .offset = 0, .vaddr = 0,
		  .filesz = 4096, .memsz = 4096, .align = 4096 },
		{ .type = PT_LOAD, .flags = PF_R | PF_W, .offset = 4096, .vaddr = 0x2000,
		  .filesz = 100, .memsz = 8192, .align = 4096 },
		{ .type = 2 /* PT_DYNAMIC */, .flags = PF_R, .offset = DYN_OFF, .vaddr = DYN_OFF,
		  .filesz = 7 * 16, .memsz = 7 * 16 },
	};
	struct dyn_e dyn[7] = {
		{ 1, S_FOO }, { 1, S_LIBC }, { 29, S_RUNPATH }, { 14, S_SONAME },
		{ 5, STR_OFF }, { 10, sizeof(strtab) }, { 0, 0 },
	};

	memset(b, 0, FILE_SIZE);
	memcpy(h.ident, "\177ELF\2\1\1", 7);
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), ph, sizeof(ph));
	memcpy(b + INTERP_OFF, "/lib64/ld-linux-x86-64.so.2", 28);
	memcpy(b + DYN_OFF, dyn, sizeof(dyn));
	memcpy(b + STR_OFF, strtab, sizeof(strtab));
}

static struct elf_ehdr *hdr(uint8_t *b) { return (struct elf_ehdr *)b; }
static struct elf_phdr *phdr(uint8_t *b, int i) { return (struct elf_phdr *)(b + 64) + i; }

/* The loader's verdict on b: NULL or why not. */
static const char *load_check(uint8_t *b, size_t n, struct elf_exec *x)
{
	struct elf_phdr ph[ELF_MAX_PHDRS];
	const char *why = elf_exec_header(x, b, n);

	if (why)
		return why;
	memcpy(ph, b + x->phoff, x->phnum * sizeof(ph[0]));
	if ((why = elf_exec_phdrs(x, ph, n)))
		return why;
	return x->interp_len ? elf_exec_interp((char *)b + x->interp_off, x->interp_len) : NULL;
}

static void test_valid(void)
{
	uint8_t b[FILE_SIZE];
	struct elf_exec x;
	struct elf_deps d;
	const char *why;

	make_elf(b);
	CHECK(load_check(b, sizeof(b), &x) == NULL);
	CHECK_EQ(x.type, ET_DYN);
	CHECK_EQ(x.lo, 0);
	CHECK_EQ(x.hi, 0x4000);
	CHECK_EQ(x.phdr, 64);
	CHECK_EQ(x.interp_off, INTERP_OFF);
	CHECK_EQ(x.interp_len, 28);
	CHECK_EQ(elf_deps_parse(b, sizeof(b), &d, &why), 1);
	CHECK_EQ(d.nneeded, 2);
	CHECK(d.nneeded == 2 && !strcmp(d.needed[0], "libfoo.so.1") &&
	      !strcmp(d.needed[1], "libc.so.6"));
	CHECK(d.interp && !strcmp(d.interp, "/lib64/ld-linux-x86-64.so.2"));
	CHECK(d.runpath && !strcmp(d.runpath, "$ORIGIN/../lib"));
	CHECK(d.soname && !strcmp(d.soname, "libx.so.2"));
	CHECK(d.rpath == NULL);
	/* Without PT_PHDR the headers are found in the first segment. */
	phdr(b, 0)->type = 0;
	CHECK(load_check(b, sizeof(b), &x) == NULL);
	CHECK_EQ(x.phdr, 64);
}

/* One damage, the loader's reason (a substring of it). */
struct damage {
	const char *name, *why;
	void (*apply)(uint8_t *b, size_t *n);
};

static void d_magic(uint8_t *b, size_t *n) { b[1] = 'X'; }
static void d_short(uint8_t *b, size_t *n) { *n = 40; }
static void d_class(uint8_t *b, size_t *n) { b[4] = 1; }
static void d_machine(uint8_t *b, size_t *n) { hdr(b)->machine = 183; }
static void d_rel(uint8_t *b, size_t *n) { hdr(b)->type = 1; }
static void d_phent(uint8_t *b, size_t *n) { hdr(b)->phentsize = 32; }
static void d_phnum0(uint8_t *b, size_t *n) { hdr(b)->phnum = 0; }
static void d_phnum_big(uint8_t *b, size_t *n) { hdr(b)->phnum = 65; }
static void d_outside(uint8_t *b, size_t *n) { phdr(b, 3)->filesz = 8000; }
static void d_filesz(uint8_t *b, size_t *n) { phdr(b, 3)->filesz = 9000; phdr(b, 3)->memsz = 8192; }
static void d_high(uint8_t *b, size_t *n) { phdr(b, 3)->vaddr = 1UL << 47; }
static void d_wrap(uint8_t *b, size_t *n) { phdr(b, 3)->memsz = UINT64_MAX - 4096; }
static void d_align(uint8_t *b, size_t *n) { phdr(b, 3)->vaddr = 0x2010; }
static void d_overlap(uint8_t *b, size_t *n) { phdr(b, 3)->vaddr = 0; phdr(b, 3)->offset = 4096; }
static void d_order(uint8_t *b, size_t *n)
{
	struct elf_phdr t = *phdr(b, 2);
	*phdr(b, 2) = *phdr(b, 3);
	*phdr(b, 3) = t;
}
static void d_no_load(uint8_t *b, size_t *n) { phdr(b, 2)->type = 0; phdr(b, 3)->type = 0; }
static void d_two_interp(uint8_t *b, size_t *n) { phdr(b, 0)->type = PT_INTERP; }
static void d_interp_out(uint8_t *b, size_t *n) { phdr(b, 1)->offset = FILE_SIZE - 10; }
static void d_interp_len(uint8_t *b, size_t *n) { phdr(b, 1)->filesz = 1; }
static void d_interp_nul(uint8_t *b, size_t *n) { b[INTERP_OFF + 27] = 'x'; }
static void d_interp_inner(uint8_t *b, size_t *n) { b[INTERP_OFF + 5] = 0; }
static void d_trunc_table(uint8_t *b, size_t *n) { *n = 100; }

static const struct damage damages[] = {
	{ "magic", "not an ELF file", d_magic },
	{ "short", "truncated ELF header", d_short },
	{ "class", "not an x86-64", d_class },
	{ "machine", "not an x86-64", d_machine },
	{ "relocatable", "neither EXEC nor DYN", d_rel },
	{ "phentsize", "bad program header table", d_phent },
	{ "phnum_zero", "bad program header table", d_phnum0 },
	{ "phnum_big", "bad program header table", d_phnum_big },
	{ "segment_outside", "outside the file", d_outside },
	{ "filesz_over_memsz", "outside the file", d_filesz },
	{ "segment_high", "outside the program's address space", d_high },
	{ "segment_wraps", "outside the program's address space", d_wrap },
	{ "unaligned", "not page-aligned", d_align },
	{ "overlap", "overlap or are out of order", d_overlap },
	{ "order", "overlap or are out of order", d_order },
	{ "no_load", "no loadable segment", d_no_load },
	{ "two_interp", "more than one interpreter", d_two_interp },
	{ "interp_outside", "outside the file", d_interp_out },
	{ "interp_length", "bad length", d_interp_len },
	{ "interp_no_nul", "does not end in NUL", d_interp_nul },
	{ "interp_inner_nul", "has a NUL inside", d_interp_inner },
};

static void test_damage(void)
{
	for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		uint8_t b[FILE_SIZE];
		size_t n = sizeof(b);
		struct elf_exec x;
		struct elf_deps d;
		const char *why, *why2;

		make_elf(b);
		damages[i].apply(b, &n);
		why = load_check(b, n, &x);
		if (!why || !strstr(why, damages[i].why)) {
			fprintf(stderr, "  damage %s: got \"%s\", want \"%s\"\n", damages[i].name,
			    why ? why : "(accepted)", damages[i].why);
			case_failed = 1;
		}
		/* mkimage's reader refuses it too, or skips what is no program. */
		int r = elf_deps_parse(b, n, &d, &why2);
		CHECK(r <= 0 && why2 != NULL);
	}
}

/* A truncated table: the loader reads it through the file (exec.c), the
 * dependency reader must see it is past the end. */
static void test_truncated_table(void)
{
	uint8_t b[FILE_SIZE];
	size_t n = sizeof(b);
	struct elf_deps d;
	const char *why;

	make_elf(b);
	d_trunc_table(b, &n);
	CHECK_EQ(elf_deps_parse(b, n, &d, &why), -1);
	CHECK(why && strstr(why, "truncated program header table"));
}

static void test_dynamic_damage(void)
{
	uint8_t b[FILE_SIZE];
	struct elf_deps d;
	const char *why;
	struct dyn_e *dyn = (struct dyn_e *)(b + DYN_OFF);

	make_elf(b);
	dyn[0].val = 4000;		/* NEEDED past the string table */
	CHECK_EQ(elf_deps_parse(b, sizeof(b), &d, &why), -1);
	CHECK(why && strstr(why, "outside the string table"));
	make_elf(b);
	dyn[4].val = 0x100000;		/* STRTAB in no segment */
	CHECK_EQ(elf_deps_parse(b, sizeof(b), &d, &why), -1);
	CHECK(why && strstr(why, "string table is missing"));
	make_elf(b);
	memset(b + STR_OFF, 'a', FILE_SIZE - STR_OFF);	/* strings never end */
	dyn[5].val = FILE_SIZE;
	CHECK_EQ(elf_deps_parse(b, sizeof(b), &d, &why), -1);
	make_elf(b);
	phdr(b, 4)->offset = FILE_SIZE - 8;
	CHECK_EQ(elf_deps_parse(b, sizeof(b), &d, &why), -1);
	CHECK(why && strstr(why, "dynamic section lies outside"));
	make_elf(b);
	dyn[0].val = 0;			/* an empty name */
	CHECK_EQ(elf_deps_parse(b, sizeof(b), &d, &why), -1);
}

/* Every x86-64 program and library in dir passes both. */
static int scan_dir(const char *dir, int *checked)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int bad = 0;

	if (!dp)
		return 0;
	while ((e = readdir(dp)) && *checked < 3000) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 64) {
			close(fd);
			continue;
		}
		uint8_t *b = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (b == MAP_FAILED)
			continue;
		struct elf_deps d;
		const char *why;
		int r = elf_deps_parse(b, (size_t)st.st_size, &d, &why);
		if (r < 0) {
			fprintf(stderr, "  %s: refused: %s\n", path, why);
			bad++;
		}
		*checked += r == 1;
		munmap(b, (size_t)st.st_size);
	}
	closedir(dp);
	return bad;
}

static void test_host_files(void)
{
	int checked = 0;

	CHECK_EQ(scan_dir("/usr/bin", &checked) + scan_dir("/usr/sbin", &checked) +
	    scan_dir("/usr/lib/x86_64-linux-gnu", &checked) + scan_dir("/lib64", &checked), 0);
	CHECK(checked > 50);
	printf("  %d host programs and libraries checked\n", checked);
}

/* The needed list of /usr/bin/ls, in order, as readelf -d prints it. */
static void test_needed_like_readelf(void)
{
	FILE *p = popen("readelf -d /usr/bin/ls 2>/dev/null | sed -n "
	    "'s/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'", "r");
	char want[ELFDEPS_MAX_NEEDED][256], line[256];
	int n = 0;

	if (!p)
		return;
	while (n < ELFDEPS_MAX_NEEDED && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		snprintf(want[n++], sizeof(want[0]), "%s", line);
	}
	pclose(p);
	if (n == 0) {
		printf("  no readelf or /usr/bin/ls: skipped\n");
		return;
	}
	int fd = open("/usr/bin/ls", O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		CHECK(0);
		return;
	}
	uint8_t *b = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	struct elf_deps d;
	const char *why;
	CHECK_EQ(elf_deps_parse(b, (size_t)st.st_size, &d, &why), 1);
	CHECK_EQ(d.nneeded, n);
	for (int i = 0; i < n && i < d.nneeded; i++)
		CHECK(!strcmp(d.needed[i], want[i]));
	CHECK(d.interp && !strcmp(d.interp, "/lib64/ld-linux-x86-64.so.2"));
	munmap(b, (size_t)st.st_size);
}

/* The seeds: the valid file and each damage (also what the corpus holds). */
static int seeds(const char *dir)
{
	int bad = 0;

	for (size_t i = 0; i <= sizeof(damages) / sizeof(damages[0]); i++) {
		uint8_t b[FILE_SIZE];
		size_t n = sizeof(b);
		make_elf(b);
		if (i < sizeof(damages) / sizeof(damages[0]))
			damages[i].apply(b, &n);
		if (dir) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir,
			    i < sizeof(damages) / sizeof(damages[0]) ? damages[i].name : "valid");
			FILE *f = fopen(path, "wb");
			bad |= !f || fwrite(b, 1, n, f) != n;
			if (f)
				fclose(f);
		} else {
			LLVMFuzzerTestOneInput(b, n);
		}
	}
	return bad;
}

static void test_fuzz_seeds(void)
{
	CHECK_EQ(seeds(NULL), 0);	/* aborts on a broken promise */
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-corpus"))
		return seeds(argv[2]);
	RUN(test_valid);
	RUN(test_damage);
	RUN(test_truncated_table);
	RUN(test_dynamic_damage);
	RUN(test_host_files);
	RUN(test_needed_like_readelf);
	RUN(test_fuzz_seeds);
	return CHECK_DONE();
}
