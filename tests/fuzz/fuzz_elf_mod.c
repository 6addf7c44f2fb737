/* libFuzzer harness for the module loader (kernel/module/elf_mod.c): the
 * input is a shared object. Whatever parses is laid out in a scratch
 * buffer, relocated against a made-up symbol table and queried (version
 * stamp, lookups, exports, constructors, symbolization); the code is never
 * run. Checks what elf_mod.h promises: errors carry a reason, the page
 * protections tile the image without W+X, every address handed out lies
 * in the image. test_elf_mod.c includes this file to reuse the harness. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "module/elf_mod.h"

#define FZ_MAX_SPAN	(4UL << 20)	/* lay out only images up to this */

struct fz_ctx {
	uint64_t lo, hi;	/* the scratch image */
};

/* Names of odd length resolve, half of them near the image (so 32-bit
 * relocations fit) and half far away; the rest are missing. */
static int
fz_resolve(void *ctx, const char *name, uint64_t *addr)
{
	struct fz_ctx *c = ctx;
	size_t n = strlen(name);

	if (n % 2 == 0)
		return -ENOENT;
	*addr = n % 4 == 1 ? c->hi + 64 * n : 0xffffffff80000000ULL + n;
	return 0;
}

static void
fz_missing(void *ctx, const char *name)
{
	if (strlen(name) % 2 != 0)
		abort();	/* it resolves, so it cannot be missing */
}

static int
fz_export(void *ctx, const char *name, uint64_t addr)
{
	struct fz_ctx *c = ctx;

	if (name[0] == '\0')
		abort();
	(void)addr;	/* SHN_ABS symbols may lie anywhere */
	(void)c;
	return 0;
}

static int
fz_func(void *ctx, uint64_t addr)
{
	struct fz_ctx *c = ctx;

	if (addr < c->lo || addr >= c->hi)
		abort();
	return 0;
}

static void
fz_check_layout(const struct elf_mod *m)
{
	uint64_t end = 0;

	if (m->span == 0 || m->span % ELF_MOD_PAGE || m->span > ELF_MOD_MAX_SPAN ||
	    m->align < ELF_MOD_PAGE || (m->align & (m->align - 1)))
		abort();
	for (unsigned i = 0; i < m->nprot; i++) {
		const struct elf_mod_prot *p = &m->prot[i];

		if (p->off < end || p->len == 0 || p->off % ELF_MOD_PAGE ||
		    p->len % ELF_MOD_PAGE || p->off + p->len > m->span ||
		    ((p->prot & ELF_MOD_PROT_W) && (p->prot & ELF_MOD_PROT_X)))
			abort();
		end = p->off + p->len;
	}
}

static void
fz_symbolize(struct elf_mod *m, struct fz_ctx *c)
{
	uint64_t off;
	const char *s;

	for (uint64_t a = c->lo; a < c->hi; a += m->span / 16 + 1) {
		s = elf_mod_symbolize(m, a, &off);
		if (s != NULL && (off > a - c->lo || strlen(s) == 0))
			abort();
	}
}

static void
fz_loaded(struct elf_mod *m)
{
	struct fz_ctx c;
	uint64_t addr;
	uint32_t v;
	void *img;
	int rc;

	if (posix_memalign(&img, m->align, m->span) != 0)
		return;
	c.lo = (uint64_t)(uintptr_t)img;
	c.hi = c.lo + m->span;
	if (elf_mod_load_segments(m, img) != 0)
		abort();
	rc = elf_mod_relocate(m, fz_resolve, fz_missing, &c);
	if (rc != 0 && (rc > 0 || m->reason == NULL))
		abort();
	elf_mod_api_version(m, &v);
	if (elf_mod_lookup_func(m, "module_init", &addr) == 0 &&
	    (addr < c.lo || addr >= c.hi))
		abort();
	elf_mod_for_each_export(m, fz_export, &c);
	elf_mod_for_each_ctor(m, fz_func, &c);
	elf_mod_for_each_dtor(m, fz_func, &c);
	fz_symbolize(m, &c);
	/* Without the file: .dynsym only. */
	m->file = NULL;
	fz_symbolize(m, &c);
	free(img);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_mod m;
	uint64_t addr, off;
	uint32_t v;
	const char *s;
	int rc;

	rc = elf_mod_parse(&m, data, size);
	if (rc != 0) {
		if (rc > 0 || m.reason == NULL || m.reason[0] == '\0')
			abort();
		return 0;
	}
	fz_check_layout(&m);
	/* Queries that work on the file alone. */
	elf_mod_api_version(&m, &v);
	elf_mod_lookup(&m, "module_init", &addr);
	s = elf_mod_soname(&m);
	if (s != NULL && (const uint8_t *)s < data)
		abort();
	elf_mod_symbolize(&m, m.vmin, &off);
	if (m.span <= FZ_MAX_SPAN)
		fz_loaded(&m);
	return 0;
}
