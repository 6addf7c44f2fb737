/* Module loader (kernel/module/elf_mod.c) on real shared objects: the
 * test compiles the sources in tests/unit/modules/ with gcc -fPIC -shared -nostdlib,
 * loads them into mmap'ed memory, relocates them against host functions
 * and variables, runs their constructors and module_init, and checks what
 * they did. Then the error paths: missing symbols (all reported), no
 * version stamp, TLS, DT_NEEDED, refused and overflowing relocations
 * (patched into a real file), hand-damaged headers, every truncation and
 * random corruption (through the fuzz harness, under ASan). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "module/elf.h"
#include "module/elf_mod.h"
#include "../fuzz/fuzz_elf_mod.c"

/* Module build flags from kernel/module/README.md. */
#define RECIPE "-std=c11 -ffreestanding -fno-stack-protector -mno-red-zone " \
	"-mgeneral-regs-only -fno-omit-frame-pointer -Wl,-z,max-page-size=4096 " \
	"-Wl,-z,noexecstack -Wl,--hash-style=gnu"

static char tmpdir[64];
static char srcdir[256];

/* ---- building and reading modules ---- */

struct blob {
	uint8_t *data;
	size_t len;
};

/* Compiles modules/<src>.c into tmpdir/<out>.so with extra flags. */
static struct blob
build(const char *src, const char *out, const char *flags)
{
	char cmd[1024], path[256];
	struct blob b = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.so", tmpdir, out);
	snprintf(cmd, sizeof(cmd), "gcc -fPIC -shared -nostdlib -O2 %s -o %s %s/%s.c",
	    flags, path, srcdir, src);
	if (system(cmd) != 0) {
		fprintf(stderr, "  command failed: %s\n", cmd);
		exit(1);
	}
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	b.len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.data = malloc(b.len);
	if (fread(b.data, 1, b.len, f) != b.len)
		exit(1);
	fclose(f);
	return b;
}

/* ---- the "kernel" the modules link against ---- */

static char host_logbuf[64];
int host_counter;

static void
host_log(const char *msg)
{
	snprintf(host_logbuf, sizeof(host_logbuf), "%s", msg);
}

static int
host_weak_present(void)
{
	return 5;
}

struct hsym {
	const char *name;
	uint64_t addr;
};

struct host {
	struct hsym syms[8];
	int nsyms;
	int lookups;
	char missing[8][32];
	int nmissing;
};

static void
host_init(struct host *h)
{
	memset(h, 0, sizeof(*h));
	h->syms[0] = (struct hsym){ "host_log", (uint64_t)(uintptr_t)host_log };
	h->syms[1] = (struct hsym){ "host_counter", (uint64_t)(uintptr_t)&host_counter };
	h->syms[2] = (struct hsym){ "host_weak_present", (uint64_t)(uintptr_t)host_weak_present };
	h->nsyms = 3;
}

static int
host_resolve(void *ctx, const char *name, uint64_t *addr)
{
	struct host *h = ctx;

	h->lookups++;
	for (int i = 0; i < h->nsyms; i++)
		if (strcmp(h->syms[i].name, name) == 0) {
			*addr = h->syms[i].addr;
			return 0;
		}
	return -ENOENT;
}

static void
host_missing(void *ctx, const char *name)
{
	struct host *h = ctx;

	if (h->nmissing < 8)
		snprintf(h->missing[h->nmissing], 32, "%s", name);
	h->nmissing++;
}

static bool
was_missing(const struct host *h, const char *name)
{
	for (int i = 0; i < h->nmissing && i < 8; i++)
		if (strcmp(h->missing[i], name) == 0)
			return true;
	return false;
}

/* ---- loading into host memory ---- */

struct loaded {
	struct elf_mod m;
	uint8_t *region;
	size_t maplen;
};

static int
load(struct loaded *l, const struct blob *b)
{
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = elf_mod_parse(&l->m, b->data, b->len)) != 0)
		return rc;
	l->maplen = l->m.span;
	l->region = mmap(NULL, l->maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (l->region == MAP_FAILED)
		exit(1);
	return elf_mod_load_segments(&l->m, l->region);
}

/* Maps the final protections, as the kernel will. */
static void
protect(struct loaded *l)
{
	for (unsigned i = 0; i < l->m.nprot; i++) {
		const struct elf_mod_prot *p = &l->m.prot[i];
		int prot = PROT_READ;

		if (p->prot & ELF_MOD_PROT_W)
			prot |= PROT_WRITE;
		if (p->prot & ELF_MOD_PROT_X)
			prot |= PROT_EXEC;
		CHECK(mprotect(l->region + p->off, p->len, prot) == 0);
	}
}

static void
unload(struct loaded *l)
{
	if (l->region != NULL)
		munmap(l->region, l->maplen);
	l->region = NULL;
}

static int
call_void(void *ctx, uint64_t addr)
{
	int *calls = ctx;

	((void (*)(void))(uintptr_t)addr)();
	++*calls;
	return 0;
}

struct export_list {
	int n;
	bool mod_add, mod_data, module_init, stamp, op_add;
};

static int
note_export(void *ctx, const char *name, uint64_t addr)
{
	struct export_list *e = ctx;

	e->n++;
	e->mod_add |= strcmp(name, "mod_add") == 0;
	e->mod_data |= strcmp(name, "mod_data") == 0;
	e->module_init |= strcmp(name, "module_init") == 0;
	e->stamp |= strcmp(name, ELF_MOD_API_SYMBOL) == 0;
	e->op_add |= strcmp(name, "op_add") == 0;
	return 0;
}

static struct blob basic;	/* mod_basic.so, default flags */

/* ---- the good path ---- */

static void
test_load_and_run(void)
{
	struct loaded l;
	struct host h;
	struct export_list ex = { 0 };
	uint64_t a_init, a_exit, a_data, a_add, a_ops, a_bss, off;
	uint32_t ver = 0;
	int calls = 0, (*const *ops)(int, int);
	const char *name;

	host_init(&h);
	CHECK_EQ(elf_mod_parse(&l.m, basic.data, basic.len), 0);
	CHECK_EQ(elf_mod_api_version(&l.m, &ver), 0);	/* before loading */
	CHECK_EQ(ver, 7);
	CHECK_EQ(load(&l, &basic), 0);
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, NULL, &h), 0);
	protect(&l);
	ver = 0;
	CHECK_EQ(elf_mod_api_version(&l.m, &ver), 0);
	CHECK_EQ(ver, 7);
	CHECK_EQ(elf_mod_soname(&l.m) != NULL, 1);
	if (elf_mod_soname(&l.m))
		CHECK(strcmp(elf_mod_soname(&l.m), "libbasic.so") == 0);

	/* Constructors first: mod_data 40 -> 42. */
	CHECK_EQ(elf_mod_for_each_ctor(&l.m, call_void, &calls), 1);
	CHECK_EQ(calls, 1);
	CHECK_EQ(elf_mod_lookup(&l.m, "mod_data", &a_data), 0);
	CHECK_EQ(*(int *)(uintptr_t)a_data, 42);

	host_counter = 0;
	CHECK_EQ(elf_mod_lookup_func(&l.m, "module_init", &a_init), 0);
	CHECK(a_init >= (uint64_t)(uintptr_t)l.region &&
	    a_init < (uint64_t)(uintptr_t)l.region + l.m.span);
	CHECK_EQ(((int (*)(void))(uintptr_t)a_init)(), 1005);
	CHECK_EQ(host_counter, 42);
	CHECK(strcmp(host_logbuf, "hello from mod_basic") == 0);
	CHECK_EQ(elf_mod_lookup(&l.m, "mod_bss", &a_bss), 0);
	CHECK_EQ(((int *)(uintptr_t)a_bss)[3], 42);
	CHECK_EQ(((int *)(uintptr_t)a_bss)[63], 0);

	CHECK_EQ(elf_mod_lookup_func(&l.m, "mod_add", &a_add), 0);
	CHECK_EQ(((int (*)(int, int))(uintptr_t)a_add)(2, 3), 5);
	CHECK_EQ(elf_mod_lookup(&l.m, "mod_ops", &a_ops), 0);
	ops = (int (*const *)(int, int))(uintptr_t)a_ops;
	CHECK_EQ(ops[0](20, 22), 42);
	CHECK_EQ(ops[1](6, 7), 42);

	/* Data symbols are not functions; absent ones are absent. */
	CHECK_EQ(elf_mod_lookup_func(&l.m, "mod_data", &off), -ENOEXEC);
	CHECK_EQ(elf_mod_lookup(&l.m, "op_add", &off), -ENOENT);
	CHECK_EQ(elf_mod_lookup(&l.m, "nonexistent", &off), -ENOENT);
	CHECK(strstr(l.m.reason, "nonexistent") != NULL);

	CHECK_EQ(elf_mod_for_each_export(&l.m, note_export, &ex), 0);
	CHECK(ex.mod_add && ex.mod_data && ex.module_init && ex.stamp);
	CHECK(!ex.op_add);

	/* Symbolization: the static op_mul is only in .symtab. */
	name = elf_mod_symbolize(&l.m, (uint64_t)(uintptr_t)ops[1] + 1, &off);
	CHECK(name != NULL && strcmp(name, "op_mul") == 0);
	CHECK_EQ(off, 1);
	name = elf_mod_symbolize(&l.m, a_init + 3, &off);
	CHECK(name != NULL && strcmp(name, "module_init") == 0);
	CHECK_EQ(off, 3);
	CHECK(elf_mod_symbolize(&l.m, (uint64_t)(uintptr_t)l.region + l.m.span, &off) == NULL);
	l.m.file = NULL;	/* file freed: .dynsym only */
	name = elf_mod_symbolize(&l.m, (uint64_t)(uintptr_t)ops[1] + 1, &off);
	CHECK(name == NULL || strcmp(name, "op_mul") != 0);
	name = elf_mod_symbolize(&l.m, a_init + 3, &off);
	CHECK(name != NULL && strcmp(name, "module_init") == 0);

	CHECK_EQ(elf_mod_lookup_func(&l.m, "module_exit", &a_exit), 0);
	((void (*)(void))(uintptr_t)a_exit)();
	CHECK_EQ(host_counter, -1);
	CHECK_EQ(elf_mod_for_each_dtor(&l.m, call_void, &calls), 0);
	unload(&l);
}

/* Every hash style finds every export; with no hash table at all the
 * symbol count comes from the .dynsym section header. */
struct lookup_all {
	struct elf_mod *m;
	int n, found;
};

static int
lookup_export(void *ctx, const char *name, uint64_t addr)
{
	struct lookup_all *la = ctx;
	uint64_t a;

	la->n++;
	if (elf_mod_lookup(la->m, name, &a) == 0 && a == addr)
		la->found++;
	return 0;
}

/* File offset of vaddr va, through the parsed segments. */
static size_t
file_off(const struct elf_mod *m, uint64_t va)
{
	for (unsigned i = 0; i < m->nloads; i++)
		if (va >= m->loads[i].vaddr && va - m->loads[i].vaddr < m->loads[i].filesz)
			return m->loads[i].offset + (va - m->loads[i].vaddr);
	return 0;
}

static int
run_with(struct blob *b, int *nexports)
{
	struct loaded l;
	struct host h;
	struct lookup_all la = { &l.m, 0, 0 };
	uint64_t a;
	int rc, calls = 0;

	host_init(&h);
	if ((rc = load(&l, b)) != 0 ||
	    (rc = elf_mod_relocate(&l.m, host_resolve, host_missing, &h)) != 0) {
		unload(&l);
		return rc;
	}
	protect(&l);
	elf_mod_for_each_export(&l.m, lookup_export, &la);
	CHECK(la.n > 5);
	CHECK_EQ(la.found, la.n);
	*nexports = la.n;
	CHECK_EQ(elf_mod_for_each_ctor(&l.m, call_void, &calls), 1);
	CHECK_EQ(elf_mod_lookup_func(&l.m, "module_init", &a), 0);
	CHECK_EQ(((int (*)(void))(uintptr_t)a)(), 1005);
	CHECK_EQ(elf_mod_lookup(&l.m, "not_there", &a), -ENOENT);
	unload(&l);
	return 0;
}

static void
test_hash_styles(void)
{
	static const char *const styles[] = { "sysv", "gnu", "both" };
	struct blob b;
	struct elf_mod m;
	int n[3] = { 0 }, k;

	for (int i = 0; i < 3; i++) {
		char flags[64];

		snprintf(flags, sizeof(flags), "-Wl,--hash-style=%s", styles[i]);
		b = build("mod_basic", styles[i], flags);
		CHECK_EQ(run_with(&b, &n[i]), 0);
		free(b.data);
	}
	CHECK_EQ(n[0], n[1]);
	CHECK_EQ(n[1], n[2]);

	/* No hash table: turn DT_GNU_HASH into DT_DEBUG. */
	b = build("mod_basic", "nohash", "-Wl,--hash-style=gnu");
	CHECK_EQ(elf_mod_parse(&m, b.data, b.len), 0);
	for (size_t off = 0; off + 16 <= b.len; off += 8) {
		Elf64_Dyn d;

		memcpy(&d, b.data + off, sizeof(d));
		if (d.d_tag == DT_GNU_HASH && d.d_val == m.gnu_hash) {
			d.d_tag = DT_DEBUG;
			memcpy(b.data + off, &d, sizeof(d));
		}
	}
	CHECK_EQ(elf_mod_parse(&m, b.data, b.len), 0);
	CHECK_EQ(m.gnu_hash, 0);
	CHECK_EQ(run_with(&b, &k), 0);
	CHECK_EQ(k, n[0]);
	free(b.data);

	/* Stripped (-s) files keep working, with .dynsym names. */
	b = build("mod_basic", "stripped", "-s");
	CHECK_EQ(run_with(&b, &k), 0);
	free(b.data);

	/* The recipe of kernel/module/README.md, with and without PLT. */
	b = build("mod_basic", "recipe", RECIPE);
	CHECK_EQ(run_with(&b, &k), 0);
	free(b.data);
	b = build("mod_basic", "recipe_noplt", RECIPE " -fno-plt -Wl,-z,now");
	CHECK_EQ(run_with(&b, &k), 0);
	free(b.data);
}

/* ---- symbols the kernel does not have ---- */

static void
test_missing_symbols(void)
{
	struct blob b = build("mod_missing", "missing", "");
	struct loaded l;
	struct host h;
	uint8_t *before;

	host_init(&h);
	CHECK_EQ(load(&l, &b), 0);
	before = malloc(l.m.span);
	memcpy(before, l.region, l.m.span);
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, host_missing, &h), -ENOENT);
	CHECK_EQ(h.nmissing, 3);	/* each once, though missing_one is used twice */
	CHECK(was_missing(&h, "missing_one"));
	CHECK(was_missing(&h, "missing_two"));
	CHECK(was_missing(&h, "missing_three"));
	CHECK(strstr(l.m.reason, "missing_") != NULL);
	CHECK(strstr(l.m.reason, "2 more") != NULL);
	/* Nothing was written before failing. */
	CHECK(memcmp(before, l.region, l.m.span) == 0);
	free(before);
	unload(&l);

	/* Also without a missing() callback. */
	host_init(&h);
	CHECK_EQ(load(&l, &b), 0);
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, NULL, &h), -ENOENT);
	unload(&l);
	free(b.data);
}

static void
test_no_stamp(void)
{
	struct blob b = build("mod_nostamp", "nostamp", "");
	struct elf_mod m;
	uint32_t v;

	CHECK_EQ(elf_mod_parse(&m, b.data, b.len), 0);
	CHECK_EQ(elf_mod_api_version(&m, &v), -ENOENT);
	CHECK(strstr(m.reason, ELF_MOD_API_SYMBOL) != NULL);
	free(b.data);
}

/* ---- refused files ---- */

static void
test_refused(void)
{
	struct blob b;
	struct elf_mod m;
	char flags[300];

	b = build("mod_tls", "tls", "");
	CHECK_EQ(elf_mod_parse(&m, b.data, b.len), -ENOEXEC);
	CHECK(strstr(m.reason, "PT_TLS") != NULL);
	free(b.data);

	snprintf(flags, sizeof(flags), "-Wl,--no-as-needed %s/libbasic.so", tmpdir);
	b = build("mod_nostamp", "needs", flags);
	CHECK_EQ(elf_mod_parse(&m, b.data, b.len), -ENOEXEC);
	CHECK(strstr(m.reason, "DT_NEEDED") != NULL);
	CHECK(strstr(m.reason, "libbasic.so") != NULL);
	free(b.data);

	/* A program is not a module. */
	snprintf(flags, sizeof(flags), "gcc -O2 -o %s/prog -x c - <<'E'\n"
	    "int main(void){return 0;}\nE", tmpdir);
	if (system(flags) == 0) {
		FILE *f;
		snprintf(flags, sizeof(flags), "%s/prog", tmpdir);
		f = fopen(flags, "rb");
		b.data = malloc(1 << 20);
		b.len = fread(b.data, 1, 1 << 20, f);
		fclose(f);
		CHECK(elf_mod_parse(&m, b.data, b.len) < 0);
		CHECK(strstr(m.reason, "PT_INTERP") != NULL);
		free(b.data);
	}
}

/* Finds the relocation of type `type` against symbol `sym` in b's file
 * and returns its file offset, or 0. */
static size_t
find_rela(struct blob *b, uint32_t type, const char *sym)
{
	struct elf_mod m;
	uint64_t tabs[2][2];

	if (elf_mod_parse(&m, b->data, b->len) != 0)
		return 0;
	tabs[0][0] = m.rela; tabs[0][1] = m.relasz;
	tabs[1][0] = m.jmprel; tabs[1][1] = m.pltrelsz;
	for (int t = 0; t < 2; t++)
		for (uint64_t k = 0; k < tabs[t][1]; k += sizeof(Elf64_Rela)) {
			size_t off = file_off(&m, tabs[t][0] + k);
			Elf64_Rela r;
			Elf64_Sym s;

			memcpy(&r, b->data + off, sizeof(r));
			if (ELF64_R_TYPE(r.r_info) != type)
				continue;
			memcpy(&s, b->data + file_off(&m, m.symtab +
			    ELF64_R_SYM(r.r_info) * sizeof(s)), sizeof(s));
			if (strcmp((char *)b->data + file_off(&m, m.strtab) + s.st_name, sym) == 0)
				return off;
		}
	return 0;
}

static void
set_type(struct blob *b, size_t off, uint32_t type)
{
	Elf64_Rela r;

	memcpy(&r, b->data + off, sizeof(r));
	r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), type);
	memcpy(b->data + off, &r, sizeof(r));
}

static int
relocate_copy(struct blob *b, struct loaded *l, struct host *h)
{
	int rc;

	if ((rc = load(l, b)) == 0)
		rc = elf_mod_relocate(&l->m, host_resolve, host_missing, h);
	return rc;
}

static void
test_refused_relocations(void)
{
	static const struct {
		uint32_t type;
		const char *name, *why;
	} cases[] = {
		{ R_X86_64_DTPMOD64, "R_X86_64_DTPMOD64", "thread-local" },
		{ R_X86_64_TPOFF64, "R_X86_64_TPOFF64", "thread-local" },
		{ R_X86_64_GOTPCREL, "R_X86_64_GOTPCREL", "GOT" },
		{ R_X86_64_REX_GOTPCRELX, "R_X86_64_REX_GOTPCRELX", "GOT" },
		{ R_X86_64_COPY, "R_X86_64_COPY", "executables" },
		{ R_X86_64_IRELATIVE, "R_X86_64_IRELATIVE", "ifunc" },
		{ 39, "unknown", "39" },
		{ 200, "unknown", "200" },
	};
	struct blob b = build("mod_basic", "patched", "");
	size_t off = find_rela(&b, R_X86_64_64, "host_counter");
	struct loaded l;
	struct host h;

	CHECK(off != 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_type(&b, off, cases[i].type);
		host_init(&h);
		CHECK_EQ(relocate_copy(&b, &l, &h), -ENOEXEC);
		CHECK(strstr(l.m.reason, cases[i].name) != NULL);
		CHECK(strstr(l.m.reason, cases[i].why) != NULL);
		unload(&l);
	}
	free(b.data);
}

/* 32-bit relocations against "kernel" symbols: fine within 2 GiB of the
 * place, refused with the symbol named beyond. The slot is counter_ptr's
 * 8 bytes; only its low 4 are written. */
static void
test_reloc_overflow(void)
{
	struct blob b = build("mod_basic", "pc32", "");
	size_t off = find_rela(&b, R_X86_64_64, "host_counter");
	struct loaded l;
	struct host h;
	uint64_t P, S;
	int32_t got;
	Elf64_Rela r;

	CHECK(off != 0);
	memcpy(&r, b.data + off, sizeof(r));

	set_type(&b, off, R_X86_64_PC32);
	CHECK_EQ(load(&l, &b), 0);
	host_init(&h);
	P = (uint64_t)(uintptr_t)l.region + r.r_offset;
	S = (uint64_t)(uintptr_t)l.region + l.m.span + 0x10000;	/* near */
	h.syms[1].addr = S;
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, host_missing, &h), 0);
	memcpy(&got, l.region + r.r_offset, 4);
	CHECK_EQ(got, (int64_t)(S + r.r_addend - P));
	unload(&l);

	CHECK_EQ(load(&l, &b), 0);
	host_init(&h);
	h.syms[1].addr = (uint64_t)(uintptr_t)l.region + (3ULL << 30);	/* far */
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, host_missing, &h), -ERANGE);
	CHECK(strstr(l.m.reason, "R_X86_64_PC32") != NULL);
	CHECK(strstr(l.m.reason, "'host_counter'") != NULL);
	unload(&l);

	/* Sign-extended 32-bit absolute: a kernel address fits 32S... */
	set_type(&b, off, R_X86_64_32S);
	CHECK_EQ(load(&l, &b), 0);
	host_init(&h);
	h.syms[1].addr = 0xffffffff80123450ULL;
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, host_missing, &h), 0);
	memcpy(&got, l.region + r.r_offset, 4);
	CHECK_EQ(got, (int32_t)0x80123450);
	unload(&l);

	/* ...but not zero-extended R_X86_64_32. */
	set_type(&b, off, R_X86_64_32);
	CHECK_EQ(load(&l, &b), 0);
	host_init(&h);
	h.syms[1].addr = 0xffffffff80123450ULL;
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, host_missing, &h), -ERANGE);
	CHECK(strstr(l.m.reason, "R_X86_64_32 ") != NULL);
	unload(&l);

	/* 64-bit PC-relative and symbol size. */
	set_type(&b, off, R_X86_64_PC64);
	CHECK_EQ(load(&l, &b), 0);
	host_init(&h);
	CHECK_EQ(elf_mod_relocate(&l.m, host_resolve, host_missing, &h), 0);
	{
		int64_t v;

		memcpy(&v, l.region + r.r_offset, 8);
		P = (uint64_t)(uintptr_t)l.region + r.r_offset;
		CHECK_EQ(v, (int64_t)((uint64_t)(uintptr_t)&host_counter + r.r_addend - P));
	}
	unload(&l);
	set_type(&b, off, R_X86_64_NONE);
	host_init(&h);
	CHECK_EQ(relocate_copy(&b, &l, &h), 0);
	unload(&l);
	free(b.data);
}

/* ---- layout ---- */

static void
test_layout(void)
{
	struct elf_mod m;
	uint64_t end = 0;
	bool relro_ro = false;

	CHECK_EQ(elf_mod_parse(&m, basic.data, basic.len), 0);
	CHECK_EQ(m.span % ELF_MOD_PAGE, 0);
	CHECK_EQ(m.align, ELF_MOD_PAGE);
	CHECK(m.nprot >= m.nloads);
	for (unsigned i = 0; i < m.nprot; i++) {
		CHECK(m.prot[i].off >= end);
		CHECK(m.prot[i].len > 0);
		CHECK(!((m.prot[i].prot & ELF_MOD_PROT_W) && (m.prot[i].prot & ELF_MOD_PROT_X)));
		end = m.prot[i].off + m.prot[i].len;
		/* the RELRO page (.got, .init_array) becomes read-only */
		if (m.relro >= m.vmin + m.prot[i].off && m.relro < m.vmin + end &&
		    m.prot[i].prot == ELF_MOD_PROT_R)
			relro_ro = true;
	}
	CHECK(end <= m.span);
	CHECK(relro_ro);
	CHECK(m.prot[0].prot & ELF_MOD_PROT_R);
	/* some page is executable, some writable */
	{
		int any = 0;
		for (unsigned i = 0; i < m.nprot; i++)
			any |= m.prot[i].prot;
		CHECK_EQ(any, ELF_MOD_PROT_R | ELF_MOD_PROT_W | ELF_MOD_PROT_X);
	}
	/* A misaligned base is refused. */
	{
		static uint8_t buf[1 << 16] __attribute__((aligned(4096)));

		if (m.span < sizeof(buf) - 16) {
			CHECK_EQ(elf_mod_load_segments(&m, buf + 16), -EINVAL);
			CHECK_EQ(elf_mod_relocate(&m, host_resolve, NULL, NULL), -EINVAL);
		}
	}
}

/* ---- damaged headers ---- */

static void
put(uint8_t *p, size_t off, uint64_t v, int n)
{
	memcpy(p + off, &v, n);
}

static uint64_t
get(const uint8_t *p, size_t off, int n)
{
	uint64_t v = 0;

	memcpy(&v, p + off, n);
	return v;
}

/* Offset of the program header of the k-th segment of type `type`. */
static size_t
phdr_of(uint32_t type, int k)
{
	size_t phoff = get(basic.data, 32, 8);
	int phnum = get(basic.data, 56, 2);

	for (int i = 0; i < phnum; i++)
		if (get(basic.data, phoff + 56 * i, 4) == type && k-- == 0)
			return phoff + 56 * i;
	return 0;
}

struct damage {
	const char *what;
	size_t off;		/* 0: see special */
	uint64_t val;
	int n;
	const char *reason;
};

static void
test_damaged_headers(void)
{
	size_t l0 = phdr_of(PT_LOAD, 0), l1 = phdr_of(PT_LOAD, 1);
	size_t l3 = phdr_of(PT_LOAD, 3), dy = phdr_of(PT_DYNAMIC, 0);
	const struct damage cases[] = {
		{ "magic", 1, 'X', 1, "magic" },
		{ "class", 4, 1, 1, "64-bit" },
		{ "endian", 5, 2, 1, "little-endian" },
		{ "ident version", 6, 0, 1, "version" },
		{ "osabi", 7, 9, 1, "OS/ABI" },
		{ "type", 16, 2, 2, "shared object" },
		{ "machine", 18, 3, 2, "x86-64" },
		{ "version", 20, 2, 4, "version" },
		{ "phoff", 32, 1ULL << 40, 8, "program headers outside" },
		{ "phoff end", 32, basic.len - 8, 8, "program headers outside" },
		{ "phentsize", 54, 32, 2, "entry size" },
		{ "phnum 0", 56, 0, 2, "number of program headers" },
		{ "phnum big", 56, 0xffff, 2, "number of program headers" },
		{ "shoff", 40, basic.len, 8, "section header" },
		{ "shentsize", 58, 40, 2, "section header" },
		{ "load offset", l1 + 8, basic.len, 8, "past the end" },
		{ "load offset wraps", l1 + 8, ~0ULL - 4, 8, "past the end" },
		{ "load filesz", l1 + 32, 1ULL << 40, 8, "filesz > memsz" },
		{ "load huge", l3 + 40, 1ULL << 40, 8, "out of range" },
		{ "load vaddr huge", l3 + 16, 1ULL << 62, 8, "out of range" },
		{ "load overlap", l1 + 16, 0, 8, "overlap" },
		{ "load align", l0 + 48, 3, 8, "power of 2" },
		{ "load align big", l0 + 48, 1ULL << 30, 8, "too large" },
		{ "load W+X", l1 + 4, PF_R | PF_W | PF_X, 4, "writable and executable" },
		{ "dynamic outside", dy + 16, 0x7fff0000, 8, "PT_DYNAMIC" },
		{ "dynamic size", dy + 32, 1 << 20, 8, "PT_DYNAMIC" },
		{ "no dynamic", dy, PT_NOTE, 4, "no PT_DYNAMIC" },
		{ "interp", dy, PT_INTERP, 4, "PT_INTERP" },
		{ "tls", dy, PT_TLS, 4, "PT_TLS" },
	};
	uint8_t *p = malloc(basic.len);
	struct elf_mod m;
	int rc;

	CHECK(l0 && l1 && l3 && dy);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(p, basic.data, basic.len);
		put(p, cases[i].off, cases[i].val, cases[i].n);
		rc = elf_mod_parse(&m, p, basic.len);
		if (rc >= 0 || m.reason == NULL || strstr(m.reason, cases[i].reason) == NULL) {
			fprintf(stderr, "  %s: rc %d reason %s\n", cases[i].what, rc,
			    m.reason ? m.reason : "(none)");
			case_failed = 1;
		}
		LLVMFuzzerTestOneInput(p, basic.len);
	}
	free(p);
}

/* Dynamic-section damage: tags rewritten one at a time. */
static void
test_damaged_dynamic(void)
{
	static const struct {
		int64_t tag;
		uint64_t val;
		const char *reason;
	} cases[] = {
		{ DT_SYMTAB, 1ULL << 40, "DT_SYMTAB" },
		{ DT_STRTAB, 1ULL << 40, "DT_STRTAB" },
		{ DT_STRSZ, 1ULL << 40, "DT_STRTAB" },
		{ DT_SYMENT, 16, "DT_SYMENT" },
		{ DT_RELA, 1ULL << 40, "DT_RELA" },
		{ DT_RELASZ, 1ULL << 40, "DT_RELA" },
		{ DT_RELASZ, 25, "DT_RELA" },
		{ DT_RELAENT, 16, "DT_RELA" },
		{ DT_JMPREL, 1ULL << 40, "DT_JMPREL" },
		{ DT_PLTREL, DT_REL, "DT_PLTREL" },
		{ DT_GNU_HASH, 1ULL << 40, "DT_GNU_HASH" },
		{ DT_INIT_ARRAY, 1ULL << 40, "DT_INIT_ARRAY" },
		{ DT_INIT_ARRAYSZ, 1ULL << 40, "DT_INIT_ARRAY" },
	};
	struct elf_mod m0, m;
	uint8_t *p = malloc(basic.len);
	size_t dyn;
	int rc;

	CHECK_EQ(elf_mod_parse(&m0, basic.data, basic.len), 0);
	dyn = get(basic.data, phdr_of(PT_DYNAMIC, 0) + 8, 8);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool hit = false;

		memcpy(p, basic.data, basic.len);
		for (size_t off = dyn; off + 16 <= basic.len; off += 16) {
			int64_t tag = get(p, off, 8);

			if (tag == DT_NULL)
				break;
			if (tag == cases[i].tag) {
				put(p, off + 8, cases[i].val, 8);
				hit = true;
			}
		}
		CHECK(hit);
		rc = elf_mod_parse(&m, p, basic.len);
		if (rc >= 0 || strstr(m.reason, cases[i].reason) == NULL) {
			fprintf(stderr, "  tag %lld: rc %d reason %s\n",
			    (long long)cases[i].tag, rc, m.reason ? m.reason : "(none)");
			case_failed = 1;
		}
		LLVMFuzzerTestOneInput(p, basic.len);
	}
	free(p);
}

/* ---- every truncation, random corruption ---- */

static void
test_truncated(void)
{
	struct elf_mod m;
	int ok = 0;

	for (size_t n = 0; n < basic.len; n++) {
		if (elf_mod_parse(&m, basic.data, n) == 0)
			ok++;
		else
			CHECK(m.reason != NULL);
		LLVMFuzzerTestOneInput(basic.data, n);
	}
	/* The section headers come last, so no proper prefix parses. */
	CHECK_EQ(ok, 0);
}

static void
test_bit_flips(void)
{
	uint8_t *p = malloc(basic.len);
	uint32_t seed = 12345;
	struct elf_mod m;
	int parsed = 0;

	for (int round = 0; round < 4000; round++) {
		memcpy(p, basic.data, basic.len);
		for (int k = 0; k <= round % 4; k++) {
			seed = seed * 1103515245 + 12345;
			/* Mostly the first 2 KiB: headers and dynamic tables. */
			size_t at = (seed >> 8) % (round % 3 ? 2048 : basic.len);
			p[at] ^= 1 << ((seed >> 4) & 7);
		}
		if (elf_mod_parse(&m, p, basic.len) == 0)
			parsed++;
		LLVMFuzzerTestOneInput(p, basic.len);
	}
	CHECK(parsed > 100);	/* the harness got past parsing often */
	free(p);
}

int
main(void)
{
	char *slash;

	strcpy(tmpdir, "/tmp/test_elf_mod.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(srcdir, sizeof(srcdir), "%s", __FILE__);
	slash = strrchr(srcdir, '/');
	snprintf(slash ? slash + 1 : srcdir, 64, "modules");
	basic = build("mod_basic", "libbasic", "-Wl,-soname,libbasic.so");

	RUN(test_load_and_run);
	RUN(test_hash_styles);
	RUN(test_missing_symbols);
	RUN(test_no_stamp);
	RUN(test_refused);
	RUN(test_refused_relocations);
	RUN(test_reloc_overflow);
	RUN(test_layout);
	RUN(test_damaged_headers);
	RUN(test_damaged_dynamic);
	RUN(test_truncated);
	RUN(test_bit_flips);

	free(basic.data);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return CHECK_DONE();
}
