/* Program loader, the pure part: see elf_exec.h. Everything in the file is
 * untrusted: sizes are checked before they are added, so no sum wraps. */
#include <string.h>
#include "linux/elf_exec.h"

#define LOWER_HALF	(1UL << 47)
#define PAGE_DOWN(a)	((a) & ~(ELF_PAGE - 1))

const char *elf_exec_header(struct elf_exec *x, const void *buf, size_t n)
{
	struct elf_ehdr h;

	if (n < 4 || memcmp(buf, "\177ELF", 4))
		return "not an ELF file";
	if (n < sizeof(h))
		return "truncated ELF header";
	memcpy(&h, buf, sizeof(h));
	if (h.ident[4] != 2 || h.ident[5] != 1 || h.machine != EM_X86_64)
		return "not an x86-64 (64-bit little-endian) ELF file";
	if (h.type != ET_EXEC && h.type != ET_DYN)
		return "not an executable (ELF type is neither EXEC nor DYN)";
	if (h.phentsize != sizeof(struct elf_phdr) || !h.phnum || h.phnum > ELF_MAX_PHDRS)
		return "bad program header table";
	memset(x, 0, sizeof(*x));
	x->type = h.type;
	x->phnum = h.phnum;
	x->entry = h.entry;
	x->phoff = h.phoff;
	return NULL;
}

static const char *check_load(const struct elf_phdr *p, uint64_t fsize, uint64_t prev_end)
{
	if (p->filesz > p->memsz || p->offset > fsize || p->filesz > fsize - p->offset)
		return "a segment lies outside the file";
	if (p->vaddr >= LOWER_HALF || p->memsz > LOWER_HALF - p->vaddr)
		return "a segment lies outside the program's address space";
	if ((p->vaddr - p->offset) % ELF_PAGE)
		return "a segment is not page-aligned with its file offset";
	if (PAGE_DOWN(p->vaddr) < prev_end)
		return "segments overlap or are out of order";
	return NULL;
}

const char *elf_exec_phdrs(struct elf_exec *x, const struct elf_phdr *ph, uint64_t fsize)
{
	uint64_t end = 0;
	int nload = 0;
	const char *why;

	for (int i = 0; i < x->phnum; i++) {
		const struct elf_phdr *p = &ph[i];
		if (p->type == PT_INTERP) {
			if (x->interp_len)
				return "more than one interpreter (PT_INTERP)";
			if (p->offset > fsize || p->filesz > fsize - p->offset)
				return "the interpreter's name lies outside the file";
			if (p->filesz < 2 || p->filesz > ELF_INTERP_MAX)
				return "bad length of the interpreter's name";
			x->interp_off = p->offset;
			x->interp_len = p->filesz;
		} else if (p->type == PT_PHDR) {
			x->phdr = p->vaddr;
		} else if (p->type == PT_LOAD && p->memsz) {
			if ((why = check_load(p, fsize, end)))
				return why;
			if (!nload++)
				x->lo = PAGE_DOWN(p->vaddr);
			end = (p->vaddr + p->memsz + ELF_PAGE - 1) & ~(ELF_PAGE - 1);
			/* Without PT_PHDR, the headers are mapped if a segment holds them. */
			uint64_t table = (uint64_t)x->phnum * sizeof(*p);
			if (!x->phdr && x->phoff >= p->offset && p->filesz >= table &&
			    x->phoff - p->offset <= p->filesz - table)
				x->phdr = p->vaddr + (x->phoff - p->offset);
		}
	}
	if (!nload)
		return "no loadable segment";
	x->hi = end;
	return NULL;
}

const char *elf_exec_interp(const char *path, uint64_t len)
{
	if (len < 2 || path[len - 1])
		return "the interpreter's name does not end in NUL";
	if (memchr(path, 0, len - 1))
		return "the interpreter's name has a NUL inside";
	return NULL;
}
