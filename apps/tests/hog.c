/* Takes memory: maps MIB MiB of anonymous memory and touches every page,
 * then checks every page kept its value. Page faults may have to make
 * the kernel's caches give memory back on the way.
 * With --file, maps the file PATH privately and read-only instead (it may
 * be larger than RAM) and reads every page twice, checking each against
 * the pattern its page number gives (pattern_byte below; the test that
 * runs it writes the file): pages the kernel takes back to make room must
 * come back from the file with the same bytes.
 * Usage: hog MIB
 *        hog --file PATH */
#include "check.h"
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Byte i of page n of a --file file: the page number, then a mix of both. */
static unsigned char pattern_byte(uint64_t n, size_t i)
{
	return i < 8 ? (unsigned char)(n >> (8 * i)) : (unsigned char)(n * 131 + i * 7);
}

/* Pages of the mapping that differ from the pattern. */
static size_t bad_pages(const unsigned char *m, size_t len, long page)
{
	size_t bad = 0;

	for (size_t off = 0; off < len; off += page) {
		uint64_t n = off / page;
		for (size_t i = 0; i < (size_t)page; i++) {
			if (m[off + i] != pattern_byte(n, i)) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

static int map_file(const char *path, long page)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		bail("hog", path);
	size_t len = (size_t)st.st_size & ~((size_t)page - 1);
	const unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		bail("hog", "mmap");
	for (int round = 1; round <= 2; round++) {
		size_t bad = bad_pages(m, len, page);
		char name[32];
		snprintf(name, sizeof(name), "hog_file_round%d", round);
		check(name, !bad, "%zu of %zu pages differ from the file's pattern", bad, len / page);
	}
	printf("hog: read %zu MiB of %s twice\n", len >> 20, path);
	return done("hog");
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);

	if (argc > 2 && !strcmp(argv[1], "--file"))
		return map_file(argv[2], page);
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 16, len = mib << 20;
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
