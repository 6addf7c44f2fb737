/* The pure part of the program loader: checks the ELF header and program
 * headers of an x86-64 executable (static, static-pie, dynamic, or an
 * interpreter such as ld.so) and says what to map. Nothing here reads
 * files, allocates or prints: exec.c does that, and tests/unit and
 * tests/fuzz compile this very file. Our own definitions from the System V
 * gABI and the x86-64 psABI. */
#ifndef LINUX_ELF_EXEC_H
#define LINUX_ELF_EXEC_H
#include <stddef.h>
#include <stdint.h>

struct elf_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ET_EXEC		2
#define ET_DYN		3
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_INTERP	3
#define PT_PHDR		6
#define PF_X		1
#define PF_W		2
#define PF_R		4

#define ELF_PAGE	4096UL
#define ELF_MAX_PHDRS	64
#define ELF_INTERP_MAX	4096	/* PATH_MAX, with its NUL */

/* What the headers say, in link-time addresses. */
struct elf_exec {
	uint16_t type;			/* ET_EXEC or ET_DYN */
	uint16_t phnum;
	uint64_t entry;
	uint64_t phoff;			/* file offset of the program headers */
	uint64_t lo, hi;		/* page-aligned span of the PT_LOAD segments */
	uint64_t phdr;			/* address of the program headers, 0: not mapped */
	uint64_t interp_off;		/* PT_INTERP: its path in the file ... */
	uint64_t interp_len;		/* ... and length with the NUL; 0: none */
};

/* Checks the first n bytes of a file (at least sizeof(struct elf_ehdr) are
 * wanted); fills x. NULL, or why the file is not a program we can run. */
const char *elf_exec_header(struct elf_exec *x, const void *buf, size_t n);

/* Checks the x->phnum program headers of a file of fsize bytes: every
 * PT_LOAD lies in the file and in the lower half, page-congruent, in
 * ascending order without overlapping pages; at most one PT_INTERP, inside
 * the file. Fills the rest of x. NULL, or what is wrong. */
const char *elf_exec_phdrs(struct elf_exec *x, const struct elf_phdr *ph, uint64_t fsize);

/* Checks the interpreter path read from the file (x->interp_len bytes):
 * one NUL, at its end, and not empty. NULL, or what is wrong. */
const char *elf_exec_interp(const char *path, uint64_t len);

#endif
