/* The dynamic dependencies of an ELF file: see elfdeps.h. Everything in the
 * file is untrusted: every offset is checked against its length before
 * use, and every string must end inside the file. */
#include <string.h>
#include "linux/elf_exec.h"
#include "elfdeps.h"

#define PT_DYNAMIC	2
#define DT_NULL		0
#define DT_NEEDED	1
#define DT_STRTAB	5
#define DT_STRSZ	10
#define DT_SONAME	14
#define DT_RPATH	15
#define DT_RUNPATH	29

struct dyn {
	int64_t tag;
	uint64_t val;
};

/* The file offset of link address a, if a PT_LOAD holds it in the file. */
static int file_offset(const struct elf_phdr *ph, int n, uint64_t a, uint64_t *off)
{
	for (int i = 0; i < n; i++)
		if (ph[i].type == PT_LOAD && a >= ph[i].vaddr && a - ph[i].vaddr < ph[i].filesz) {
			*off = ph[i].offset + (a - ph[i].vaddr);
			return 0;
		}
	return -1;
}

/* The string at index i of the table [tab, tab + size): NULL unless it
 * ends inside both the table and the file. */
static const char *string_at(const uint8_t *buf, size_t len, uint64_t tab, uint64_t size,
    uint64_t i)
{
	if (tab > len || size > len - tab || i >= size)
		return NULL;
	const uint8_t *s = buf + tab + i;
	return memchr(s, 0, size - i) ? (const char *)s : NULL;
}

static int read_dynamic(const uint8_t *buf, size_t len, const struct elf_phdr *ph, int n,
    const struct elf_phdr *dp, struct elf_deps *d, const char **why)
{
	uint64_t strtab = 0, strsz = 0, count = dp->filesz / sizeof(struct dyn);
	uint64_t needed[ELFDEPS_MAX_NEEDED], rpath = 0, runpath = 0, soname = 0;
	int has_rpath = 0, has_runpath = 0, has_soname = 0, has_strtab = 0;
	struct dyn e;

	if (dp->offset > len || dp->filesz > len - dp->offset) {
		*why = "the dynamic section lies outside the file";
		return -1;
	}
	for (uint64_t i = 0; i < count; i++) {
		memcpy(&e, buf + dp->offset + i * sizeof(e), sizeof(e));
		if (e.tag == DT_NULL)
			break;
		switch (e.tag) {
		case DT_NEEDED:
			if (d->nneeded == ELFDEPS_MAX_NEEDED) {
				*why = "more than 256 needed libraries";
				return -1;
			}
			needed[d->nneeded++] = e.val;
			break;
		case DT_STRTAB: strtab = e.val; has_strtab = 1; break;
		case DT_STRSZ: strsz = e.val; break;
		case DT_RPATH: rpath = e.val; has_rpath = 1; break;
		case DT_RUNPATH: runpath = e.val; has_runpath = 1; break;
		case DT_SONAME: soname = e.val; has_soname = 1; break;
		}
	}
	if (!d->nneeded && !has_rpath && !has_runpath && !has_soname)
		return 1;
	uint64_t off;
	if (!has_strtab || file_offset(ph, n, strtab, &off) < 0) {
		*why = "the dynamic string table is missing or outside the file";
		return -1;
	}
	for (int i = 0; i < d->nneeded; i++)
		if (!(d->needed[i] = string_at(buf, len, off, strsz, needed[i])) || !*d->needed[i]) {
			*why = "a needed library's name lies outside the string table";
			return -1;
		}
	if ((has_rpath && !(d->rpath = string_at(buf, len, off, strsz, rpath))) ||
	    (has_runpath && !(d->runpath = string_at(buf, len, off, strsz, runpath))) ||
	    (has_soname && !(d->soname = string_at(buf, len, off, strsz, soname)))) {
		*why = "a search path or the soname lies outside the string table";
		return -1;
	}
	return 1;
}

int elf_deps_parse(const uint8_t *buf, size_t len, struct elf_deps *d, const char **why)
{
	struct elf_exec x;
	struct elf_phdr ph[ELF_MAX_PHDRS];

	memset(d, 0, sizeof(*d));
	struct elf_ehdr h;
	if ((*why = elf_exec_header(&x, buf, len))) {
		if (len < sizeof(h))
			return 0;
		memcpy(&h, buf, sizeof(h));	/* not ours (skipped) or damaged? */
		return memcmp(h.ident, "\177ELF", 4) || h.ident[4] != 2 || h.ident[5] != 1 ||
		    h.machine != EM_X86_64 || (h.type != ET_EXEC && h.type != ET_DYN) ? 0 : -1;
	}
	size_t table = x.phnum * sizeof(ph[0]);
	if (x.phoff > len || table > len - x.phoff) {
		*why = "truncated program header table";
		return -1;
	}
	memcpy(ph, buf + x.phoff, table);
	if ((*why = elf_exec_phdrs(&x, ph, len)))
		return -1;
	if (x.interp_len) {
		const char *s = (const char *)buf + x.interp_off;
		if ((*why = elf_exec_interp(s, x.interp_len)))
			return -1;
		d->interp = s;
	}
	for (int i = 0; i < x.phnum; i++)
		if (ph[i].type == PT_DYNAMIC)
			return read_dynamic(buf, len, ph, x.phnum, &ph[i], d, why);
	return 1;
}
