/* libFuzzer harness for the program loader's ELF checks
 * (kernel/linux/elf_exec.c) and mkimage's dependency reader
 * (tools/elfdeps.c, which runs the loader's checks first): the input is
 * an ELF file. Checks what the headers promise: whatever is accepted lies
 * in the file and the lower half, the span is page-aligned and ordered,
 * every string handed out ends inside the input. test_elf_exec.c includes
 * this file to reuse the harness. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linux/elf_exec.h"
#include "../../tools/elfdeps.h"

static void fz_string(const char *s, const uint8_t *buf, size_t len)
{
	if (!s)
		return;
	if ((const uint8_t *)s < buf || (const uint8_t *)s >= buf + len ||
	    !memchr(s, 0, len - (size_t)((const uint8_t *)s - buf)))
		abort();
}

static void fz_loader(const uint8_t *buf, size_t len)
{
	struct elf_exec x;
	struct elf_phdr ph[ELF_MAX_PHDRS];

	if (elf_exec_header(&x, buf, len))
		return;
	if (x.type != ET_EXEC && x.type != ET_DYN)
		abort();
	if (!x.phnum || x.phnum > ELF_MAX_PHDRS)
		abort();
	size_t table = x.phnum * sizeof(ph[0]);
	if (x.phoff > len || table > len - x.phoff)
		return;
	memcpy(ph, buf + x.phoff, table);
	if (elf_exec_phdrs(&x, ph, len))
		return;
	if (x.lo % ELF_PAGE || x.hi % ELF_PAGE || x.lo >= x.hi || x.hi > (1UL << 47))
		abort();
	if (x.interp_len) {
		if (x.interp_off > len || x.interp_len > len - x.interp_off ||
		    x.interp_len > ELF_INTERP_MAX)
			abort();
		const char *s = (const char *)buf + x.interp_off;
		if (!elf_exec_interp(s, x.interp_len) && strlen(s) != x.interp_len - 1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_deps d;
	const char *why;
	uint8_t *buf = malloc(size ? size : 1);	/* exact size: ASan sees overreads */

	memcpy(buf, data, size);
	fz_loader(buf, size);
	int r = elf_deps_parse(buf, size, &d, &why);
	if (r < 1 && !why)
		abort();	/* a refusal always says why */
	if (r == 1) {
		if (d.nneeded < 0 || d.nneeded > ELFDEPS_MAX_NEEDED)
			abort();
		fz_string(d.interp, buf, size);
		fz_string(d.rpath, buf, size);
		fz_string(d.runpath, buf, size);
		fz_string(d.soname, buf, size);
		for (int i = 0; i < d.nneeded; i++) {
			fz_string(d.needed[i], buf, size);
			if (!d.needed[i][0])
				abort();
		}
	}
	free(buf);
	return 0;
}
