/* What an x86-64 ELF file needs at run time: its interpreter (PT_INTERP)
 * and the shared libraries of its dynamic section (DT_NEEDED), with the
 * search paths it names (DT_RPATH, DT_RUNPATH), and its own name
 * (DT_SONAME). Pure: parses a file that
 * sits whole in memory and allocates nothing; mkimage's `libs` attribute
 * (mkimage_libs.c) resolves the names, tests/fuzz/fuzz_elfdeps.c fuzzes it.
 * The header and program headers are checked by the kernel's own loader
 * code (kernel/linux/elf_exec.c). */
#ifndef OSPREY_TOOLS_ELFDEPS_H
#define OSPREY_TOOLS_ELFDEPS_H
#include <stddef.h>
#include <stdint.h>

#define ELFDEPS_MAX_NEEDED 256

/* Strings point into the file; each is checked to end inside it. */
struct elf_deps {
	const char *interp;		/* NULL: none */
	const char *rpath, *runpath;	/* NULL: none */
	const char *soname;		/* DT_SONAME, NULL: none */
	const char *needed[ELFDEPS_MAX_NEEDED];
	int nneeded;
};

/* 1: an x86-64 ELF executable or shared object, d filled; 0: anything
 * else (not ELF, another architecture, an object file), *why says which;
 * -1: an x86-64 executable or shared object that is damaged, *why says
 * what is wrong. */
int elf_deps_parse(const uint8_t *buf, size_t len, struct elf_deps *d, const char **why);

#endif
