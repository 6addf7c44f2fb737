/* Takes memory: maps MIB MiB of anonymous memory and touches every page,
 * then checks every page kept its value. Page faults may have to make
 * the kernel's caches give memory back on the way.
 * Usage: hog MIB */
#include "check.h"
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 16, len = mib << 20;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail("hog", "mmap");
	for (size_t off = 0; off < len; off += page)
		p[off] = (unsigned char)(off / page);
	size_t bad = 0;
	for (size_t off = 0; off < len; off += page)
		bad += p[off] != (unsigned char)(off / page);
	check("hog_touched", !bad, "%zu of %zu pages lost their byte", bad, len / page);
	printf("hog: touched %zu MiB\n", mib);
	return done("hog");
}
