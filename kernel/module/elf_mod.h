/* The pure part of the kernel-module loader: takes an ELF64 x86-64 shared
 * object (gcc -fPIC -shared -nostdlib) that sits whole in memory, checks
 * it, lays it out, relocates it and answers questions about its symbols.
 * The caller (kernel/module/module.c, or a host test) supplies the memory
 * and the symbol lookup; nothing here allocates, prints or maps.
 *
 * Life of a module:
 *
 *	struct elf_mod m;
 *	elf_mod_parse(&m, file, size)       checks every header and table
 *	elf_mod_api_version(&m, &v)         may be asked before loading
 *	reserve m.span bytes at an address aligned to m.align, mapped RW
 *	elf_mod_load_segments(&m, base)     copies segments, zeroes the rest
 *	elf_mod_relocate(&m, resolve, missing, ctx)
 *	map m.prot[0 .. m.nprot-1] with their final protections
 *	elf_mod_for_each_ctor(), then module_init (elf_mod_lookup_func)
 *
 * Every function returning int gives 0 (or a count) on success and a
 * negative errno on failure, with m->reason saying why in words (e.g.
 * "relocation R_X86_64_PC32 against 'kfoo' does not fit in 32 bits").
 * On failure the caller just unmaps the region: nothing was registered.
 *
 * Symbols resolve like -Bsymbolic: a module's references to its own
 * definitions bind to them; only undefined symbols go to the callback. */
#ifndef OSPREY_MODULE_ELF_MOD_H
#define OSPREY_MODULE_ELF_MOD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The symbol through which a module states the kernel module API it was
 * built against: `const uint32_t osprey_module_api = <version>;` (see
 * kernel/module/README.md). */
#define ELF_MOD_API_SYMBOL	"osprey_module_api"

#define ELF_MOD_MAX_SPAN	(256UL << 20)	/* largest image we lay out */
#define ELF_MOD_MAX_ALIGN	(2UL << 20)	/* largest segment alignment */
#define ELF_MOD_MAX_LOADS	16		/* PT_LOAD segments */
#define ELF_MOD_PAGE		4096UL

#define ELF_MOD_PROT_R	1
#define ELF_MOD_PROT_W	2
#define ELF_MOD_PROT_X	4

/* A page range of the image with its final protection, once relocated. */
struct elf_mod_prot {
	uint64_t off;		/* from base; a page multiple */
	uint64_t len;		/* a page multiple, > 0 */
	int prot;		/* ELF_MOD_PROT_*; never W and X together */
};

/* One PT_LOAD segment, as checked by elf_mod_parse (internal). */
struct elf_mod_load {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;		/* PF_* */
};

struct elf_mod {
	/* Public, set by elf_mod_parse. */
	uint64_t span;		/* bytes to reserve, a page multiple */
	uint64_t align;		/* base alignment, a power of 2 >= page */
	unsigned nprot;
	struct elf_mod_prot prot[2 * ELF_MOD_MAX_LOADS];
	uint8_t *base;		/* set by elf_mod_load_segments */
	const char *reason;	/* why the last call failed */

	/* The file: needed until relocation is done; after that only
	 * .symtab symbolization reads it, so the caller may free the file
	 * and set this to NULL (symbolization then uses .dynsym). */
	const uint8_t *file;
	size_t file_size;

	/* Internal: what elf_mod_parse found. Addresses are link-time
	 * virtual addresses (vaddr); the image maps vmin at base. */
	uint64_t vmin, vend;
	unsigned nloads;
	struct elf_mod_load loads[ELF_MOD_MAX_LOADS];
	uint64_t relro, relrosz;
	uint64_t strtab, strsz, symtab, nsyms;
	uint64_t rela, relasz, jmprel, pltrelsz;
	uint64_t hash, gnu_hash;
	uint64_t init, fini;
	uint64_t init_array, init_arraysz, fini_array, fini_arraysz;
	uint64_t soname;	/* strtab offset, or ~0 if none */
	bool textrel;
	/* .symtab from the section headers, if any: file offsets. */
	uint64_t symtab_off, symtab_n, symstr_off, symstr_size;
	char msg[160];		/* room for reasons with a name in them */
};

/* Checks the file and fills *m. The file stays referenced (m->file). */
int elf_mod_parse(struct elf_mod *m, const void *file, size_t size);

/* Copies the segments into the span bytes at base (aligned to m->align,
 * writable) and zeroes everything else, including .bss and gaps. */
int elf_mod_load_segments(struct elf_mod *m, void *base);

/* Resolves an undefined symbol: 0 with *addr set, or negative if unknown. */
typedef int (*elf_mod_resolve_fn)(void *ctx, const char *name, uint64_t *addr);
/* Told each unresolved non-weak symbol, once per name, before failing. */
typedef void (*elf_mod_missing_fn)(void *ctx, const char *name);

/* Applies all dynamic relocations to the loaded image. First resolves
 * every undefined symbol; if any non-weak one is unknown, calls missing()
 * for each (missing may be NULL) and fails with -ENOENT before writing
 * anything. Weak undefined symbols that are unknown become 0. */
int elf_mod_relocate(struct elf_mod *m, elf_mod_resolve_fn resolve,
    elf_mod_missing_fn missing, void *ctx);

/* Reads the API version stamp (ELF_MOD_API_SYMBOL); works before loading
 * too. -ENOENT with a reason if the module has none. */
int elf_mod_api_version(struct elf_mod *m, uint32_t *version);

/* Address of a defined global or weak symbol: base-relative after
 * elf_mod_load_segments, the link-time vaddr before. 0 or -ENOENT. */
int elf_mod_lookup(struct elf_mod *m, const char *name, uint64_t *addr);
/* Same, but the symbol must be a function in an executable segment
 * (module_init, module_exit). -ENOENT if absent, -ENOEXEC if not code. */
int elf_mod_lookup_func(struct elf_mod *m, const char *name, uint64_t *addr);

/* Calls fn for every defined global/weak symbol the module exports, in
 * symbol table order; stops and returns fn's value if it is non-zero. */
typedef int (*elf_mod_export_fn)(void *ctx, const char *name, uint64_t addr);
int elf_mod_for_each_export(struct elf_mod *m, elf_mod_export_fn fn, void *ctx);

/* Constructors in run order: DT_INIT, then DT_INIT_ARRAY; destructors:
 * DT_FINI_ARRAY backwards, then DT_FINI. Addresses come from the relocated
 * image; all are checked to lie in executable segments before fn is
 * called for the first (-ENOEXEC otherwise). Entries 0 and ~0 are skipped.
 * Returns the number of calls, or fn's non-zero value if it stopped. */
typedef int (*elf_mod_func_fn)(void *ctx, uint64_t addr);
int elf_mod_for_each_ctor(struct elf_mod *m, elf_mod_func_fn fn, void *ctx);
int elf_mod_for_each_dtor(struct elf_mod *m, elf_mod_func_fn fn, void *ctx);

/* Names the function containing addr (a loaded address): the nearest
 * function symbol at or below it, from .symtab when the file is still
 * there and has one, else from .dynsym. NULL if addr is outside the image
 * or no function precedes it. */
const char *elf_mod_symbolize(const struct elf_mod *m, uint64_t addr,
    uint64_t *offset);

/* DT_SONAME, or NULL. */
const char *elf_mod_soname(const struct elf_mod *m);

/* "R_X86_64_PC32" for 2, etc.; "unknown" outside the table. */
const char *elf_mod_reloc_name(uint32_t type);

#endif
