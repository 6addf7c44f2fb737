/* Kernel-module loader, the pure part: see elf_mod.h.
 *
 * Everything in the file is untrusted. Headers are copied out with memcpy
 * (no alignment assumptions), every table is checked to lie inside a
 * PT_LOAD segment's file-backed bytes when the file is parsed, and every
 * index into a table is checked again when it is used, so a damaged file
 * costs an error message, never a stray read or write.
 *
 * Tables are addressed by their link-time virtual address (vaddr) through
 * at(): before loading it points into the file, afterwards into the image
 * (where relocations have been applied; the dynamic symbol and relocation
 * tables live in read-only segments that relocations do not touch). */
#include <errno.h>
#include <string.h>

#include "module/elf.h"
#include "module/elf_mod.h"

#define PAGE		ELF_MOD_PAGE
#define PAGE_DOWN(x)	((x) & ~(PAGE - 1))
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define MAX_VADDR	(1ULL << 46)	/* keeps every sum below 2^64 */
#define MAX_PHNUM	64
#define SYMSZ		sizeof(Elf64_Sym)
#define RELASZ		sizeof(Elf64_Rela)

/* ---- reasons ---- */

static void
msg_add(struct elf_mod *m, const char *s)
{
	size_t n = strlen(m->msg);

	while (*s && n + 1 < sizeof(m->msg))
		m->msg[n++] = *s++;
	m->msg[n] = '\0';
}

static void
msg_num(struct elf_mod *m, uint64_t v)
{
	char buf[24];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	msg_add(m, buf + i);
}

static int
fail(struct elf_mod *m, int err, const char *why)
{
	m->reason = why;
	return err;
}

/* "<a>'<name>'<b>" in m->msg. */
static int
fail_name(struct elf_mod *m, int err, const char *a, const char *name,
    const char *b)
{
	m->msg[0] = '\0';
	msg_add(m, a);
	msg_add(m, "'");
	msg_add(m, name);
	msg_add(m, "'");
	msg_add(m, b);
	m->reason = m->msg;
	return err;
}

/* ---- bounds ---- */

/* Whether [off, off+len) lies inside [0, size). */
static bool
inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Pointer to len bytes at vaddr va, or NULL unless they lie in one
 * segment: in its file-backed part before loading, anywhere in its memory
 * after. */
static uint8_t *
at(const struct elf_mod *m, uint64_t va, uint64_t len)
{
	for (unsigned i = 0; i < m->nloads; i++) {
		const struct elf_mod_load *l = &m->loads[i];
		uint64_t lim = m->base ? l->memsz : l->filesz;

		if (va < l->vaddr || !inside(va - l->vaddr, len, lim))
			continue;
		if (m->base)
			return m->base + (va - m->vmin);
		return (uint8_t *)m->file + l->offset + (va - l->vaddr);
	}
	return NULL;
}

static bool
read_at(const struct elf_mod *m, uint64_t va, void *dst, uint64_t len)
{
	const uint8_t *p = at(m, va, len);

	if (p == NULL)
		return false;
	memcpy(dst, p, len);
	return true;
}

static bool
read_u32(const struct elf_mod *m, uint64_t va, uint32_t *v)
{
	return read_at(m, va, v, sizeof(*v));
}

/* The load segment holding vaddr va, or NULL. */
static const struct elf_mod_load *
load_of(const struct elf_mod *m, uint64_t va)
{
	for (unsigned i = 0; i < m->nloads; i++)
		if (va >= m->loads[i].vaddr &&
		    va - m->loads[i].vaddr < m->loads[i].memsz)
			return &m->loads[i];
	return NULL;
}

static bool
is_code(const struct elf_mod *m, uint64_t va)
{
	const struct elf_mod_load *l = load_of(m, va);

	return l != NULL && (l->flags & PF_X);
}

/* What to add to a vaddr to get a loaded address (0 before loading). */
static uint64_t
bias(const struct elf_mod *m)
{
	return m->base ? (uint64_t)(uintptr_t)m->base - m->vmin : 0;
}

/* ---- strings and symbols ---- */

/* NUL-terminated string at offset off of the dynamic string table. */
static const char *
dynstr(const struct elf_mod *m, uint64_t off)
{
	const char *s;

	if (off >= m->strsz)
		return NULL;
	s = (const char *)at(m, m->strtab + off, m->strsz - off);
	if (s == NULL || memchr(s, '\0', m->strsz - off) == NULL)
		return NULL;
	return s;
}

static bool
dynsym(const struct elf_mod *m, uint64_t i, Elf64_Sym *s)
{
	return i < m->nsyms && read_at(m, m->symtab + i * SYMSZ, s, SYMSZ);
}

/* Whether a defined symbol is visible to other modules and the kernel. */
static bool
exported(const struct elf_mod *m, const Elf64_Sym *s)
{
	int bind = ELF64_ST_BIND(s->st_info), type = ELF64_ST_TYPE(s->st_info);
	int vis = ELF64_ST_VISIBILITY(s->st_other);

	if (s->st_shndx == SHN_UNDEF || s->st_name == 0)
		return false;
	if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
		return false;
	if (vis == STV_HIDDEN || vis == STV_INTERNAL)
		return false;
	if (type == STT_SECTION || type == STT_FILE || type == STT_TLS)
		return false;
	if (s->st_shndx == SHN_ABS)
		return true;
	/* The end of the image is fine (e.g. _end), beyond is not. */
	return s->st_value >= m->vmin && s->st_value <= m->vend;
}

static uint64_t
sym_addr(const struct elf_mod *m, const Elf64_Sym *s)
{
	return s->st_shndx == SHN_ABS ? s->st_value : bias(m) + s->st_value;
}

/* ---- parsing: headers ---- */

static int
check_ehdr(struct elf_mod *m, const Elf64_Ehdr *eh)
{
	const unsigned char *id = eh->e_ident;

	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return fail(m, -ENOEXEC, "not an ELF file (bad magic)");
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(m, -ENOEXEC, "not a 64-bit ELF file");
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(m, -ENOEXEC, "not a little-endian ELF file");
	if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(m, -ENOEXEC, "unknown ELF version");
	if (id[EI_OSABI] != ELFOSABI_SYSV && id[EI_OSABI] != ELFOSABI_GNU)
		return fail(m, -ENOEXEC, "unsupported ELF OS/ABI");
	if (eh->e_machine != EM_X86_64)
		return fail(m, -ENOEXEC, "not an x86-64 ELF file");
	if (eh->e_type != ET_DYN)
		return fail(m, -ENOEXEC,
		    "not a shared object (build with -fPIC -shared)");
	if (eh->e_ehsize < sizeof(Elf64_Ehdr))
		return fail(m, -ENOEXEC, "bad ELF header size");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(m, -ENOEXEC, "bad program header entry size");
	if (eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM)
		return fail(m, -ENOEXEC, "bad number of program headers");
	if (!inside(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
	    m->file_size))
		return fail(m, -ENOEXEC, "program headers outside the file");
	if (eh->e_shnum != 0 && (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !inside(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr),
	    m->file_size)))
		return fail(m, -ENOEXEC, "bad section header table");
	return 0;
}

static int
add_load(struct elf_mod *m, const Elf64_Phdr *ph)
{
	uint64_t align = ph->p_align ? ph->p_align : 1;
	struct elf_mod_load *prev, *l;

	if (ph->p_memsz == 0)
		return 0;	/* maps nothing; harmless */
	if (ph->p_filesz > ph->p_memsz)
		return fail(m, -ENOEXEC, "PT_LOAD with filesz > memsz");
	if (!inside(ph->p_offset, ph->p_filesz, m->file_size))
		return fail(m, -ENOEXEC, "PT_LOAD extends past the end of the file");
	if (ph->p_vaddr >= MAX_VADDR || ph->p_memsz > ELF_MOD_MAX_SPAN)
		return fail(m, -ENOEXEC, "PT_LOAD address or size out of range");
	if ((align & (align - 1)) || align > ELF_MOD_MAX_ALIGN)
		return fail(m, -ENOEXEC, "PT_LOAD alignment not a power of 2 or too large");
	if (ph->p_vaddr % align != ph->p_offset % align)
		return fail(m, -ENOEXEC, "PT_LOAD vaddr and offset disagree modulo alignment");
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return fail(m, -ENOEXEC, "segment both writable and executable");
	if (m->nloads == ELF_MOD_MAX_LOADS)
		return fail(m, -ENOEXEC, "too many PT_LOAD segments");
	/* Sorted by vaddr (the gABI says so), and no page shared by two
	 * segments, so each page gets exactly one protection. */
	prev = m->nloads ? &m->loads[m->nloads - 1] : NULL;
	if (prev && PAGE_DOWN(ph->p_vaddr) < PAGE_UP(prev->vaddr + prev->memsz))
		return fail(m, -ENOEXEC, "PT_LOAD segments overlap, share a page or are out of order");
	if (align > m->align)
		m->align = align;
	l = &m->loads[m->nloads++];
	l->vaddr = ph->p_vaddr;
	l->memsz = ph->p_memsz;
	l->offset = ph->p_offset;
	l->filesz = ph->p_filesz;
	l->flags = ph->p_flags;
	return 0;
}

static int
parse_phdrs(struct elf_mod *m, const Elf64_Ehdr *eh, Elf64_Phdr *dyn)
{
	Elf64_Phdr ph;
	bool have_dyn = false;
	int rc;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		memcpy(&ph, m->file + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_LOAD:
			if ((rc = add_load(m, &ph)) < 0)
				return rc;
			break;
		case PT_DYNAMIC:
			if (have_dyn)
				return fail(m, -ENOEXEC, "more than one PT_DYNAMIC");
			have_dyn = true;
			*dyn = ph;
			break;
		case PT_INTERP:
			return fail(m, -ENOEXEC,
			    "has an interpreter (PT_INTERP): a program, not a module");
		case PT_TLS:
			return fail(m, -ENOEXEC,
			    "uses thread-local storage (PT_TLS), which modules cannot");
		case PT_GNU_RELRO:
			m->relro = ph.p_vaddr;
			m->relrosz = ph.p_memsz;
			break;
		}
	}
	if (m->nloads == 0)
		return fail(m, -ENOEXEC, "no PT_LOAD segment");
	if (!have_dyn)
		return fail(m, -ENOEXEC, "no PT_DYNAMIC segment (not linked with -shared?)");
	return 0;
}

static void
layout(struct elf_mod *m)
{
	const struct elf_mod_load *last = &m->loads[m->nloads - 1];

	if (m->align < PAGE)
		m->align = PAGE;
	m->vmin = m->loads[0].vaddr & ~(m->align - 1);
	m->vend = last->vaddr + last->memsz;
	m->span = PAGE_UP(m->vend) - m->vmin;
}

static void
add_prot(struct elf_mod *m, uint64_t start, uint64_t end, int prot)
{
	if (end > start) {
		m->prot[m->nprot].off = start - m->vmin;
		m->prot[m->nprot].len = end - start;
		m->prot[m->nprot].prot = prot;
		m->nprot++;
	}
}

/* Final page protections. The PT_GNU_RELRO part of a writable segment
 * becomes read-only after relocation; like other loaders we round both of
 * its ends down to pages (the linker pads its end to a page). */
static void
make_prot(struct elf_mod *m)
{
	for (unsigned i = 0; i < m->nloads; i++) {
		const struct elf_mod_load *l = &m->loads[i];
		uint64_t start = PAGE_DOWN(l->vaddr);
		uint64_t end = PAGE_UP(l->vaddr + l->memsz);
		int prot = ELF_MOD_PROT_R;

		if (l->flags & PF_W)
			prot |= ELF_MOD_PROT_W;
		if (l->flags & PF_X)
			prot |= ELF_MOD_PROT_X;
		if ((l->flags & PF_W) && m->relrosz && m->relro >= l->vaddr &&
		    inside(m->relro - l->vaddr, m->relrosz, l->memsz)) {
			uint64_t rs = PAGE_DOWN(m->relro);
			uint64_t re = PAGE_DOWN(m->relro + m->relrosz);

			if (re > rs) {
				add_prot(m, start, rs, prot);
				add_prot(m, rs, re, ELF_MOD_PROT_R);
				start = re;
			}
		}
		add_prot(m, start, end, prot);
	}
}

/* ---- parsing: section headers (optional) ---- */

static void
read_shdr(const struct elf_mod *m, const Elf64_Ehdr *eh, unsigned i,
    Elf64_Shdr *sh)
{
	memcpy(sh, m->file + eh->e_shoff + (uint64_t)i * sizeof(*sh), sizeof(*sh));
}

/* Finds .symtab and its strings for symbolization, and the .dynsym size
 * for when there is no hash table. A malformed .symtab is ignored rather
 * than refused: it is only ever used for names in backtraces. */
static void
parse_shdrs(struct elf_mod *m, const Elf64_Ehdr *eh, uint64_t *ndynsym)
{
	Elf64_Shdr sh, str;

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		read_shdr(m, eh, i, &sh);
		if (sh.sh_type == SHT_DYNSYM && sh.sh_entsize == SYMSZ)
			*ndynsym = sh.sh_size / SYMSZ;
		if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != SYMSZ ||
		    !inside(sh.sh_offset, sh.sh_size, m->file_size) ||
		    sh.sh_link >= eh->e_shnum)
			continue;
		read_shdr(m, eh, sh.sh_link, &str);
		if (str.sh_type != SHT_STRTAB ||
		    !inside(str.sh_offset, str.sh_size, m->file_size))
			continue;
		m->symtab_off = sh.sh_offset;
		m->symtab_n = sh.sh_size / SYMSZ;
		m->symstr_off = str.sh_offset;
		m->symstr_size = str.sh_size;
	}
}

/* ---- parsing: the dynamic section ---- */

struct dyninfo {
	bool strtab, symtab, rela, jmprel, init_array, fini_array;
	uint64_t syment, relaent, pltrel;
	uint64_t needed;	/* strtab offset + 1 of a DT_NEEDED, or 0 */
};

static int
dyn_tag(struct elf_mod *m, const Elf64_Dyn *d, struct dyninfo *di)
{
	uint64_t v = d->d_val;

	switch (d->d_tag) {
	case DT_NEEDED:		if (!di->needed) di->needed = v + 1; break;
	case DT_PLTRELSZ:	m->pltrelsz = v; break;
	case DT_HASH:		m->hash = v; break;
	case DT_STRTAB:		m->strtab = v; di->strtab = true; break;
	case DT_SYMTAB:		m->symtab = v; di->symtab = true; break;
	case DT_RELA:		m->rela = v; di->rela = true; break;
	case DT_RELASZ:		m->relasz = v; break;
	case DT_RELAENT:	di->relaent = v; break;
	case DT_STRSZ:		m->strsz = v; break;
	case DT_SYMENT:		di->syment = v; break;
	case DT_INIT:		m->init = v; break;
	case DT_FINI:		m->fini = v; break;
	case DT_SONAME:		m->soname = v; break;
	case DT_PLTREL:		di->pltrel = v; break;
	case DT_TEXTREL:	m->textrel = true; break;
	case DT_JMPREL:		m->jmprel = v; di->jmprel = true; break;
	case DT_INIT_ARRAY:	m->init_array = v; di->init_array = true; break;
	case DT_FINI_ARRAY:	m->fini_array = v; di->fini_array = true; break;
	case DT_INIT_ARRAYSZ:	m->init_arraysz = v; break;
	case DT_FINI_ARRAYSZ:	m->fini_arraysz = v; break;
	case DT_GNU_HASH:	m->gnu_hash = v; break;
	case DT_REL:
	case DT_RELSZ:
		if (v)
			return fail(m, -ENOEXEC, "has REL relocations (DT_REL), x86-64 uses RELA");
		break;
	case DT_RELR:
	case DT_RELRSZ:
		if (v)
			return fail(m, -ENOEXEC, "has packed relocations (DT_RELR); "
			    "link without -z pack-relative-relocs");
		break;
	case DT_FLAGS:
		if (v & DF_STATIC_TLS)
			return fail(m, -ENOEXEC, "uses thread-local storage (DF_STATIC_TLS)");
		break;
	}
	return 0;
}

/* A table of n entries of size each at vaddr va must be file-backed. */
static bool
table_ok(const struct elf_mod *m, uint64_t va, uint64_t n, uint64_t size)
{
	return n <= m->file_size / size && at(m, va, n * size) != NULL;
}

static int
check_relocs(struct elf_mod *m, const struct dyninfo *di)
{
	if (m->relasz) {
		if (!di->rela || di->relaent != RELASZ || m->relasz % RELASZ)
			return fail(m, -ENOEXEC, "bad DT_RELA/DT_RELASZ/DT_RELAENT");
		if (!table_ok(m, m->rela, m->relasz / RELASZ, RELASZ))
			return fail(m, -ENOEXEC, "DT_RELA table outside the image");
	}
	if (m->pltrelsz) {
		if (!di->jmprel || di->pltrel != DT_RELA || m->pltrelsz % RELASZ)
			return fail(m, -ENOEXEC, "bad DT_JMPREL/DT_PLTRELSZ/DT_PLTREL");
		if (!table_ok(m, m->jmprel, m->pltrelsz / RELASZ, RELASZ))
			return fail(m, -ENOEXEC, "DT_JMPREL table outside the image");
	}
	return 0;
}

static int
check_arrays(struct elf_mod *m, const struct dyninfo *di)
{
	if (m->init_arraysz && (!di->init_array || m->init_arraysz % 8 ||
	    !table_ok(m, m->init_array, m->init_arraysz / 8, 8)))
		return fail(m, -ENOEXEC, "bad DT_INIT_ARRAY/DT_INIT_ARRAYSZ");
	if (m->fini_arraysz && (!di->fini_array || m->fini_arraysz % 8 ||
	    !table_ok(m, m->fini_array, m->fini_arraysz / 8, 8)))
		return fail(m, -ENOEXEC, "bad DT_FINI_ARRAY/DT_FINI_ARRAYSZ");
	if (m->init && !is_code(m, m->init))
		return fail(m, -ENOEXEC, "DT_INIT outside executable segments");
	if (m->fini && !is_code(m, m->fini))
		return fail(m, -ENOEXEC, "DT_FINI outside executable segments");
	return 0;
}

/* GNU hash table: nbuckets, symoffset, bloom words, shift; then the bloom
 * filter (64-bit words), the buckets, and one chain word per symbol from
 * symoffset on, the last of each chain with bit 0 set. Symbols are sorted
 * by bucket, so the highest index ends the chain of the highest bucket. */
static int
gnu_hash_count(struct elf_mod *m)
{
	uint32_t hdr[4], b = 0, top = 0, w;	/* b: table_ok checked every bucket */
	uint64_t buckets, chains;

	if (!read_at(m, m->gnu_hash, hdr, sizeof(hdr)))
		return fail(m, -ENOEXEC, "DT_GNU_HASH outside the image");
	buckets = m->gnu_hash + 16 + (uint64_t)hdr[2] * 8;
	if (hdr[0] == 0 || !table_ok(m, buckets, hdr[0], 4))
		return fail(m, -ENOEXEC, "bad DT_GNU_HASH table");
	for (uint32_t i = 0; i < hdr[0]; i++) {
		read_u32(m, buckets + 4 * (uint64_t)i, &b);
		if (b > top)
			top = b;
	}
	m->nsyms = hdr[1];
	if (top == 0)
		return 0;
	if (top < hdr[1])
		return fail(m, -ENOEXEC, "DT_GNU_HASH bucket below symoffset");
	chains = buckets + 4 * (uint64_t)hdr[0] - 4 * (uint64_t)hdr[1];
	for (uint64_t i = top;; i++) {
		if (i >= m->file_size / SYMSZ || !read_u32(m, chains + 4 * i, &w))
			return fail(m, -ENOEXEC, "DT_GNU_HASH chain runs off the table");
		if (w & 1) {
			m->nsyms = i + 1;
			return 0;
		}
	}
}

static int
count_syms(struct elf_mod *m, uint64_t ndynsym)
{
	uint32_t hdr[2];
	int rc;

	if (m->hash) {
		if (!read_at(m, m->hash, hdr, sizeof(hdr)) ||
		    !table_ok(m, m->hash, 2 + (uint64_t)hdr[0] + hdr[1], 4))
			return fail(m, -ENOEXEC, "DT_HASH table outside the image");
		if (hdr[0] == 0)
			return fail(m, -ENOEXEC, "DT_HASH table with no buckets");
		m->nsyms = hdr[1];
	} else if (m->gnu_hash) {
		if ((rc = gnu_hash_count(m)) < 0)
			return rc;
	} else if (ndynsym) {
		m->nsyms = ndynsym;
	} else {
		return fail(m, -ENOEXEC, "cannot count symbols: no DT_HASH, "
		    "DT_GNU_HASH or .dynsym section");
	}
	if (!table_ok(m, m->symtab, m->nsyms, SYMSZ))
		return fail(m, -ENOEXEC, "DT_SYMTAB table outside the image");
	return 0;
}

static int
parse_dynamic(struct elf_mod *m, const Elf64_Phdr *ph, uint64_t ndynsym)
{
	struct dyninfo di = { 0 };
	Elf64_Dyn d;
	const char *name;
	int rc;

	if (ph->p_filesz % sizeof(d) || at(m, ph->p_vaddr, ph->p_filesz) == NULL)
		return fail(m, -ENOEXEC, "PT_DYNAMIC outside the loaded segments");
	for (uint64_t off = 0; off < ph->p_filesz; off += sizeof(d)) {
		read_at(m, ph->p_vaddr + off, &d, sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		if ((rc = dyn_tag(m, &d, &di)) < 0)
			return rc;
	}
	if (!di.strtab || !di.symtab || di.syment != SYMSZ)
		return fail(m, -ENOEXEC, "missing or bad DT_STRTAB/DT_SYMTAB/DT_SYMENT");
	if (!table_ok(m, m->strtab, m->strsz, 1))
		return fail(m, -ENOEXEC, "DT_STRTAB table outside the image");
	if (di.needed) {
		name = dynstr(m, di.needed - 1);
		return fail_name(m, -ENOEXEC, "depends on ", name ? name : "?",
		    " (DT_NEEDED); modules link only against the kernel and "
		    "modules loaded before them");
	}
	if (m->soname != ~0ULL && dynstr(m, m->soname) == NULL)
		return fail(m, -ENOEXEC, "bad DT_SONAME");
	if ((rc = check_relocs(m, &di)) < 0 || (rc = check_arrays(m, &di)) < 0)
		return rc;
	return count_syms(m, ndynsym);
}

int
elf_mod_parse(struct elf_mod *m, const void *file, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr dyn = { 0 };
	uint64_t ndynsym = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	m->file = file;
	m->file_size = size;
	m->soname = ~0ULL;
	if (size < sizeof(eh))
		return fail(m, -ENOEXEC, "too short for an ELF header");
	memcpy(&eh, file, sizeof(eh));
	if ((rc = check_ehdr(m, &eh)) < 0 ||
	    (rc = parse_phdrs(m, &eh, &dyn)) < 0)
		return rc;
	layout(m);
	if (m->span > ELF_MOD_MAX_SPAN)
		return fail(m, -EFBIG, "image larger than 256 MiB");
	parse_shdrs(m, &eh, &ndynsym);
	if ((rc = parse_dynamic(m, &dyn, ndynsym)) < 0)
		return rc;
	make_prot(m);
	return 0;
}

/* ---- loading ---- */

int
elf_mod_load_segments(struct elf_mod *m, void *base)
{
	uint8_t *dst = base;

	if (m->base != NULL || m->file == NULL)
		return fail(m, -EINVAL, "already loaded, or the file is gone");
	if ((uintptr_t)base & (m->align - 1))
		return fail(m, -EINVAL, "load base not aligned to the segment alignment");
	memset(dst, 0, m->span);
	for (unsigned i = 0; i < m->nloads; i++) {
		const struct elf_mod_load *l = &m->loads[i];

		memcpy(dst + (l->vaddr - m->vmin), m->file + l->offset, l->filesz);
	}
	m->base = dst;
	return 0;
}

/* ---- relocation ---- */

static const char *const reloc_names[R_X86_64_NUM] = {
	"R_X86_64_NONE", "R_X86_64_64", "R_X86_64_PC32", "R_X86_64_GOT32",
	"R_X86_64_PLT32", "R_X86_64_COPY", "R_X86_64_GLOB_DAT",
	"R_X86_64_JUMP_SLOT", "R_X86_64_RELATIVE", "R_X86_64_GOTPCREL",
	"R_X86_64_32", "R_X86_64_32S", "R_X86_64_16", "R_X86_64_PC16",
	"R_X86_64_8", "R_X86_64_PC8", "R_X86_64_DTPMOD64",
	"R_X86_64_DTPOFF64", "R_X86_64_TPOFF64", "R_X86_64_TLSGD",
	"R_X86_64_TLSLD", "R_X86_64_DTPOFF32", "R_X86_64_GOTTPOFF",
	"R_X86_64_TPOFF32", "R_X86_64_PC64", "R_X86_64_GOTOFF64",
	"R_X86_64_GOTPC32", "R_X86_64_GOT64", "R_X86_64_GOTPCREL64",
	"R_X86_64_GOTPC64", "R_X86_64_GOTPLT64", "R_X86_64_PLTOFF64",
	"R_X86_64_SIZE32", "R_X86_64_SIZE64", "R_X86_64_GOTPC32_TLSDESC",
	"R_X86_64_TLSDESC_CALL", "R_X86_64_TLSDESC", "R_X86_64_IRELATIVE",
	"R_X86_64_RELATIVE64", NULL, NULL, "R_X86_64_GOTPCRELX",
	"R_X86_64_REX_GOTPCRELX",
};

const char *
elf_mod_reloc_name(uint32_t type)
{
	if (type < R_X86_64_NUM && reloc_names[type] != NULL)
		return reloc_names[type];
	return "unknown";
}

/* Why a relocation type we do not apply is refused. */
static const char *
refusal(uint32_t type)
{
	switch (type) {
	case R_X86_64_DTPMOD64: case R_X86_64_DTPOFF64: case R_X86_64_TPOFF64:
	case R_X86_64_TLSGD: case R_X86_64_TLSLD: case R_X86_64_DTPOFF32:
	case R_X86_64_GOTTPOFF: case R_X86_64_TPOFF32:
	case R_X86_64_GOTPC32_TLSDESC: case R_X86_64_TLSDESC_CALL:
	case R_X86_64_TLSDESC:
		return ": thread-local storage is not supported in modules";
	case R_X86_64_GOT32: case R_X86_64_GOTPCREL: case R_X86_64_GOTOFF64:
	case R_X86_64_GOTPC32: case R_X86_64_GOT64: case R_X86_64_GOTPCREL64:
	case R_X86_64_GOTPC64: case R_X86_64_GOTPLT64: case R_X86_64_PLTOFF64:
	case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
		return ": needs a GOT built by the loader (static-link relocation "
		    "in a dynamic table)";
	case R_X86_64_COPY:
		return ": copy relocations belong to executables";
	case R_X86_64_IRELATIVE:
		return ": ifuncs are not supported in modules";
	}
	return NULL;
}

static int
bad_type(struct elf_mod *m, uint32_t type)
{
	const char *why = refusal(type);

	m->msg[0] = '\0';
	msg_add(m, "unsupported relocation type ");
	msg_num(m, type);
	msg_add(m, " (");
	msg_add(m, elf_mod_reloc_name(type));
	msg_add(m, ")");
	msg_add(m, why ? why : "");
	m->reason = m->msg;
	return -ENOEXEC;
}

static int
overflow(struct elf_mod *m, uint32_t type, const char *name)
{
	m->msg[0] = '\0';
	msg_add(m, "relocation ");
	msg_add(m, elf_mod_reloc_name(type));
	msg_add(m, " against '");
	msg_add(m, name);
	msg_add(m, "' does not fit (module too far from the symbol)");
	m->reason = m->msg;
	return -ERANGE;
}

/* The value and size of symbol i, for a relocation. *name is set for
 * messages. Undefined symbols go to resolve(). */
static int
sym_value(struct elf_mod *m, uint64_t i, elf_mod_resolve_fn resolve,
    void *ctx, uint64_t *val, uint64_t *size, const char **name)
{
	Elf64_Sym s;
	int type;

	*val = *size = 0;
	*name = "";
	if (i == 0)
		return 0;
	if (!dynsym(m, i, &s))
		return fail(m, -ENOEXEC, "relocation against a symbol index beyond the symbol table");
	if ((*name = dynstr(m, s.st_name)) == NULL)
		return fail(m, -ENOEXEC, "symbol name outside the string table");
	type = ELF64_ST_TYPE(s.st_info);
	if (type == STT_TLS)
		return fail_name(m, -ENOEXEC, "relocation against thread-local symbol ",
		    *name, "; modules cannot have TLS");
	if (type == STT_GNU_IFUNC)
		return fail_name(m, -ENOEXEC, "relocation against ifunc symbol ",
		    *name, "; not supported in modules");
	*size = s.st_size;
	if (s.st_shndx != SHN_UNDEF) {
		*val = sym_addr(m, &s);
		return 0;
	}
	if (resolve(ctx, *name, val) == 0)
		return 0;
	*val = 0;
	if (ELF64_ST_BIND(s.st_info) == STB_WEAK)
		return 0;
	return fail_name(m, -ENOENT, "undefined symbol ", *name, "");
}

/* Writes the low n bytes of v at P, after checking v fits. */
static bool
fits(uint64_t v, int n, bool sign)
{
	int64_t sv = (int64_t)v;

	if (n == 8)
		return true;
	if (sign)
		return sv >= -(1LL << (8 * n - 1)) && sv < (1LL << (8 * n - 1));
	return v < (1ULL << (8 * n));
}

static int
apply_one(struct elf_mod *m, const Elf64_Rela *r, elf_mod_resolve_fn resolve,
    void *ctx)
{
	uint32_t type = ELF64_R_TYPE(r->r_info);
	uint64_t S, Z, A = (uint64_t)r->r_addend, P, v;
	const char *name = "";
	uint8_t *dst;
	bool sign = false;
	int n = 8, rc;

	P = bias(m) + r->r_offset;
	switch (type) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_RELATIVE:
		v = bias(m) + A;
		break;
	case R_X86_64_64: case R_X86_64_GLOB_DAT: case R_X86_64_JUMP_SLOT:
	case R_X86_64_PC64: case R_X86_64_PC32: case R_X86_64_PLT32:
	case R_X86_64_32: case R_X86_64_32S: case R_X86_64_16:
	case R_X86_64_PC16: case R_X86_64_8: case R_X86_64_PC8:
	case R_X86_64_SIZE32: case R_X86_64_SIZE64:
		if ((rc = sym_value(m, ELF64_R_SYM(r->r_info), resolve, ctx,
		    &S, &Z, &name)) < 0)
			return rc;
		break;
	default:
		return bad_type(m, type);
	}
	switch (type) {
	case R_X86_64_GLOB_DAT: case R_X86_64_JUMP_SLOT:
		v = S;		/* the psABI has no addend for these */
		break;
	case R_X86_64_64:	v = S + A; break;
	case R_X86_64_PC64:	v = S + A - P; break;
	/* A PLT32 call goes straight to the symbol: no PLT here. */
	case R_X86_64_PC32: case R_X86_64_PLT32:
		v = S + A - P; n = 4; sign = true; break;
	case R_X86_64_32:	v = S + A; n = 4; break;
	case R_X86_64_32S:	v = S + A; n = 4; sign = true; break;
	case R_X86_64_16:	v = S + A; n = 2; break;
	case R_X86_64_PC16:	v = S + A - P; n = 2; sign = true; break;
	case R_X86_64_8:	v = S + A; n = 1; break;
	case R_X86_64_PC8:	v = S + A - P; n = 1; sign = true; break;
	case R_X86_64_SIZE32:	v = Z + A; n = 4; break;
	case R_X86_64_SIZE64:	v = Z + A; break;
	}
	if (!fits(v, n, sign))
		return overflow(m, type, name);
	if ((dst = at(m, r->r_offset, n)) == NULL)
		return fail(m, -ENOEXEC, "relocation target outside the image");
	memcpy(dst, &v, n);	/* little-endian: the low n bytes */
	return 0;
}

static int
apply_table(struct elf_mod *m, uint64_t va, uint64_t size,
    elf_mod_resolve_fn resolve, void *ctx)
{
	Elf64_Rela r;
	int rc;

	for (uint64_t off = 0; off + RELASZ <= size; off += RELASZ) {
		if (!read_at(m, va + off, &r, RELASZ))
			return fail(m, -ENOEXEC, "relocation table outside the image");
		if ((rc = apply_one(m, &r, resolve, ctx)) < 0)
			return rc;
	}
	return 0;
}

/* Resolves every undefined symbol once, reporting each missing one.
 * Returns how many non-weak ones are missing, or a negative errno. */
static int
check_undefined(struct elf_mod *m, elf_mod_resolve_fn resolve,
    elf_mod_missing_fn missing, void *ctx, const char **first)
{
	Elf64_Sym s;
	const char *name;
	uint64_t addr;
	int n = 0;

	for (uint64_t i = 1; i < m->nsyms; i++) {
		if (!dynsym(m, i, &s))
			return fail(m, -ENOEXEC, "symbol table outside the image");
		if (s.st_shndx != SHN_UNDEF || s.st_name == 0 ||
		    ELF64_ST_BIND(s.st_info) == STB_LOCAL)
			continue;
		if ((name = dynstr(m, s.st_name)) == NULL)
			return fail(m, -ENOEXEC, "symbol name outside the string table");
		if (resolve(ctx, name, &addr) == 0 ||
		    ELF64_ST_BIND(s.st_info) == STB_WEAK)
			continue;
		if (missing)
			missing(ctx, name);
		if (n++ == 0)
			*first = name;
	}
	return n;
}

int
elf_mod_relocate(struct elf_mod *m, elf_mod_resolve_fn resolve,
    elf_mod_missing_fn missing, void *ctx)
{
	const char *first = "";
	int n, rc;

	if (m->base == NULL)
		return fail(m, -EINVAL, "relocate before load");
	if ((n = check_undefined(m, resolve, missing, ctx, &first)) < 0)
		return n;
	if (n == 1)
		return fail_name(m, -ENOENT, "undefined symbol ", first, "");
	if (n > 1) {
		fail_name(m, -ENOENT, "undefined symbols ", first, " and ");
		msg_num(m, n - 1);
		msg_add(m, " more");
		return -ENOENT;
	}
	if ((rc = apply_table(m, m->rela, m->relasz, resolve, ctx)) < 0)
		return rc;
	/* Some linkers count .rela.plt inside DT_RELASZ too. */
	if (m->pltrelsz && !(m->relasz && m->jmprel >= m->rela &&
	    m->jmprel - m->rela < m->relasz &&
	    m->pltrelsz <= m->relasz - (m->jmprel - m->rela)))
		rc = apply_table(m, m->jmprel, m->pltrelsz, resolve, ctx);
	return rc;
}

/* ---- symbols ---- */

static uint32_t
sysv_hash(const char *name)
{
	uint32_t h = 0, g;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h = (h << 4) + *p;
		g = h & 0xf0000000;
		h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

static uint32_t
gnu_hash(const char *name)
{
	uint32_t h = 5381;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = h * 33 + *p;
	return h;
}

static bool
sym_is(const struct elf_mod *m, uint64_t i, const char *name, Elf64_Sym *s)
{
	const char *n;

	if (!dynsym(m, i, s) || !exported(m, s))
		return false;
	n = dynstr(m, s->st_name);
	return n != NULL && strcmp(n, name) == 0;
}

/* Index of the exported symbol called name, or 0. The hash tables come
 * from the file, so chains are walked with a step limit. */
static uint64_t
find_sym(const struct elf_mod *m, const char *name, Elf64_Sym *s)
{
	uint32_t hdr[4], h, i, c;

	if (m->hash && read_at(m, m->hash, hdr, 8) && hdr[0] != 0) {
		h = sysv_hash(name);
		if (!read_u32(m, m->hash + 8 + 4 * (uint64_t)(h % hdr[0]), &i))
			return 0;
		for (uint64_t steps = 0; i != 0 && steps < m->nsyms; steps++) {
			if (sym_is(m, i, name, s))
				return i;
			if (!read_u32(m, m->hash + 8 + 4 * ((uint64_t)hdr[0] + i), &i))
				return 0;
		}
		return 0;
	}
	if (m->gnu_hash && read_at(m, m->gnu_hash, hdr, 16) && hdr[0] != 0) {
		uint64_t buckets = m->gnu_hash + 16 + (uint64_t)hdr[2] * 8;
		uint64_t chains = buckets + 4 * (uint64_t)hdr[0] - 4 * (uint64_t)hdr[1];

		h = gnu_hash(name);
		if (!read_u32(m, buckets + 4 * (uint64_t)(h % hdr[0]), &i) ||
		    i < hdr[1])
			return 0;
		for (; i < m->nsyms; i++) {
			if (!read_u32(m, chains + 4 * (uint64_t)i, &c))
				return 0;
			if ((c | 1) == (h | 1) && sym_is(m, i, name, s))
				return i;
			if (c & 1)
				return 0;
		}
		return 0;
	}
	for (uint64_t k = 1; k < m->nsyms; k++)
		if (sym_is(m, k, name, s))
			return k;
	return 0;
}

int
elf_mod_lookup(struct elf_mod *m, const char *name, uint64_t *addr)
{
	Elf64_Sym s;

	if (find_sym(m, name, &s) == 0)
		return fail_name(m, -ENOENT, "no symbol ", name, " in the module");
	*addr = sym_addr(m, &s);
	return 0;
}

int
elf_mod_lookup_func(struct elf_mod *m, const char *name, uint64_t *addr)
{
	Elf64_Sym s;

	if (find_sym(m, name, &s) == 0)
		return fail_name(m, -ENOENT, "no function ", name, " in the module");
	if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_ABS ||
	    !is_code(m, s.st_value))
		return fail_name(m, -ENOEXEC, "", name,
		    " is not a function in an executable segment");
	*addr = sym_addr(m, &s);
	return 0;
}

int
elf_mod_api_version(struct elf_mod *m, uint32_t *version)
{
	Elf64_Sym s;

	if (find_sym(m, ELF_MOD_API_SYMBOL, &s) == 0)
		return fail(m, -ENOENT, "no " ELF_MOD_API_SYMBOL " symbol: "
		    "module built without the API version stamp");
	if (s.st_shndx == SHN_ABS || (s.st_size != 0 && s.st_size < 4) ||
	    !read_at(m, s.st_value, version, sizeof(*version)))
		return fail(m, -ENOEXEC, ELF_MOD_API_SYMBOL
		    " is not a 32-bit value inside the image");
	return 0;
}

int
elf_mod_for_each_export(struct elf_mod *m, elf_mod_export_fn fn, void *ctx)
{
	Elf64_Sym s;
	const char *name;
	int rc;

	for (uint64_t i = 1; i < m->nsyms; i++) {
		if (!dynsym(m, i, &s) || !exported(m, &s) ||
		    (name = dynstr(m, s.st_name)) == NULL || name[0] == '\0')
			continue;
		if ((rc = fn(ctx, name, sym_addr(m, &s))) != 0)
			return rc;
	}
	return 0;
}

/* ---- constructors and destructors ---- */

/* Entry i of the n function pointers of an array at vaddr va (relocated,
 * so these are loaded addresses); 0 if unreadable. */
static uint64_t
array_entry(const struct elf_mod *m, uint64_t va, uint64_t i)
{
	uint64_t v = 0;

	read_at(m, va + 8 * i, &v, 8);
	return v;
}

static bool
skip_entry(uint64_t v)
{
	return v == 0 || v == ~0ULL;
}

/* Calls fn on DT_INIT/DT_FINI (at `single`, a vaddr) and the array, in
 * order (forward for constructors, backward for destructors). With fn
 * NULL, only checks that every address is code. */
static int
walk_funcs(struct elf_mod *m, uint64_t single, uint64_t arr, uint64_t arrsz,
    bool forward, elf_mod_func_fn fn, void *ctx)
{
	uint64_t n = arrsz / 8, v;
	int calls = 0, rc;

	if (forward && single) {
		if (fn && (rc = fn(ctx, bias(m) + single)) != 0)
			return rc;
		calls++;
	}
	for (uint64_t k = 0; k < n; k++) {
		v = array_entry(m, arr, forward ? k : n - 1 - k);
		if (skip_entry(v))
			continue;
		if (!fn) {
			if (v < bias(m) || !is_code(m, v - bias(m)))
				return fail(m, -ENOEXEC, "constructor or destructor "
				    "outside executable segments");
			continue;
		}
		if ((rc = fn(ctx, v)) != 0)
			return rc;
		calls++;
	}
	if (!forward && single) {
		if (fn && (rc = fn(ctx, bias(m) + single)) != 0)
			return rc;
		calls++;
	}
	return calls;
}

int
elf_mod_for_each_ctor(struct elf_mod *m, elf_mod_func_fn fn, void *ctx)
{
	int rc;

	if (m->base == NULL)
		return fail(m, -EINVAL, "constructors before load");
	if ((rc = walk_funcs(m, m->init, m->init_array, m->init_arraysz, true,
	    NULL, ctx)) < 0)
		return rc;
	return walk_funcs(m, m->init, m->init_array, m->init_arraysz, true,
	    fn, ctx);
}

int
elf_mod_for_each_dtor(struct elf_mod *m, elf_mod_func_fn fn, void *ctx)
{
	int rc;

	if (m->base == NULL)
		return fail(m, -EINVAL, "destructors before load");
	if ((rc = walk_funcs(m, m->fini, m->fini_array, m->fini_arraysz, false,
	    NULL, ctx)) < 0)
		return rc;
	return walk_funcs(m, m->fini, m->fini_array, m->fini_arraysz, false,
	    fn, ctx);
}

/* ---- symbolization ---- */

struct nearest {
	uint64_t va;		/* what we look for */
	uint64_t best;		/* value of the best candidate so far */
	const char *name;
};

static void
consider(struct nearest *nb, const Elf64_Sym *s, const char *name)
{
	if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
	    s->st_shndx == SHN_ABS || name == NULL || name[0] == '\0')
		return;
	if (s->st_value <= nb->va && (nb->name == NULL || s->st_value > nb->best)) {
		nb->best = s->st_value;
		nb->name = name;
	}
}

/* .symtab, straight from the file. */
static void
scan_symtab(const struct elf_mod *m, struct nearest *nb)
{
	const char *strs = (const char *)m->file + m->symstr_off;
	Elf64_Sym s;

	for (uint64_t i = 1; i < m->symtab_n; i++) {
		memcpy(&s, m->file + m->symtab_off + i * SYMSZ, SYMSZ);
		if (s.st_name >= m->symstr_size ||
		    memchr(strs + s.st_name, '\0', m->symstr_size - s.st_name) == NULL)
			continue;
		consider(nb, &s, strs + s.st_name);
	}
}

const char *
elf_mod_symbolize(const struct elf_mod *m, uint64_t addr, uint64_t *offset)
{
	struct nearest nb = { 0 };
	Elf64_Sym s;

	if (addr < bias(m))
		return NULL;
	nb.va = addr - bias(m);
	if (nb.va < m->vmin || nb.va >= m->vend)
		return NULL;
	if (m->file != NULL && m->symtab_n > 1)
		scan_symtab(m, &nb);
	if (nb.name == NULL)
		for (uint64_t i = 1; i < m->nsyms; i++)
			if (dynsym(m, i, &s))
				consider(&nb, &s, dynstr(m, s.st_name));
	if (nb.name != NULL)
		*offset = nb.va - nb.best;
	return nb.name;
}

const char *
elf_mod_soname(const struct elf_mod *m)
{
	return m->soname == ~0ULL ? NULL : dynstr(m, m->soname);
}
