/* treesum: a listing of a directory tree with every regular file's
 * SHA-256, in the formats of ../shared/data/zfs/linux-lz4.img.tree and
 * .sha256, so a tree read in the guest can be diffed against the files
 * Linux wrote.
 *
 *   treesum [--prefix P] [--tree | --sha256] DIR
 *   treesum --sum FILE...
 *
 * First one line per entry, DIR itself included, depth first with the
 * names of each directory sorted bytewise; symlinks are listed, never
 * followed:
 *
 *   PATH<TAB>TYPE MODE UID:GID NLINK SIZE[ -> TARGET]
 *
 * TYPE is f, d, l, c, b, p or s; MODE the permission bits in four octal
 * digits; TARGET a symlink's target. PATH is P for DIR itself and P/NAME
 * below it; without --prefix it is "." for DIR and NAME below it. Then,
 * for every regular file in the same order, sha256sum's line:
 *
 *   HASH  ./PATH
 *
 * --tree prints only the first part, --sha256 only the second. --sum
 * prints `HASH  FILE` for each FILE, as sha256sum does. Errors (a file
 * that cannot be read, EIO...) go to stderr naming the path, the walk
 * goes on, and the exit status is 1; the hash line of such a file is
 * left out. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"

#define READ_CHUNK (128 * 1024)

struct hashed {
	char *path;
	char hex[65];
};

static struct {
	int want_tree, want_sha;
	int errors;
	const char *root_path, *root_arg;	/* DIR as listed, as given */
	struct hashed *files;
	size_t nfiles, capfiles;
	unsigned char *buf;
} g;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "treesum: out of memory\n");
		exit(2);
	}
	return p;
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = xmalloc(la + lb + 2);

	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

static void fail(const char *path, const char *what)
{
	if (path == g.root_path)
		path = g.root_arg;
	fprintf(stderr, "treesum: %s: %s: %s\n", path, what, strerror(errno));
	g.errors++;
}

static char type_letter(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	default: return '?';
	}
}

/* Hashes the open file fd; 0, or -1 with errno set. */
static int hash_fd(int fd, char hex[65])
{
	struct sha256 s;
	uint8_t digest[SHA256_DIGEST_LEN];

	sha256_init(&s);
	for (;;) {
		ssize_t n = read(fd, g.buf, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		sha256_update(&s, g.buf, (size_t)n);
	}
	sha256_final(&s, digest);
	sha256_hex(digest, hex);
	return 0;
}

static void hash_file(int parent, const char *name, const char *path)
{
	char hex[65];
	int fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		fail(path, "open");
		return;
	}
	if (hash_fd(fd, hex) < 0) {
		fail(path, "read");
		close(fd);
		return;
	}
	close(fd);
	if (g.nfiles == g.capfiles) {
		g.capfiles = g.capfiles ? 2 * g.capfiles : 256;
		struct hashed *n = realloc(g.files, g.capfiles * sizeof(*g.files));
		if (!n) {
			fprintf(stderr, "treesum: out of memory\n");
			exit(2);
		}
		g.files = n;
	}
	g.files[g.nfiles].path = strdup(path);
	memcpy(g.files[g.nfiles].hex, hex, sizeof(hex));
	g.nfiles++;
}

static int by_name(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: bytewise, like LC_ALL=C sort */
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void visit(int parent, const char *name, const char *path, int is_root, const char *prefix);

static void walk_dir(int parent, const char *name, const char *path, int is_root, const char *prefix)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0) {
		fail(path, "open directory");
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		fail(path, "fdopendir");
		close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				fail(path, "readdir");
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				fprintf(stderr, "treesum: out of memory\n");
				exit(2);
			}
			names = nn;
		}
		names[n++] = strdup(de->d_name);
	}
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char *child = is_root && !prefix ? strdup(names[i]) : join(path, names[i]);
		visit(dirfd(d), names[i], child, 0, prefix);
		free(child);
		free(names[i]);
	}
	free(names);
	closedir(d);
}

static void visit(int parent, const char *name, const char *path, int is_root, const char *prefix)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		fail(path, "lstat");
		return;
	}
	if (g.want_tree) {
		printf("%s\t%c %04o %u:%u %lu %lld", path, type_letter(st.st_mode),
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid,
		    (unsigned long)st.st_nlink, (long long)st.st_size);
		if (S_ISLNK(st.st_mode)) {
			size_t cap = (size_t)st.st_size + 2;
			char *target = xmalloc(cap);
			ssize_t len = readlinkat(parent, name, target, cap);
			if (len < 0) {
				printf("\n");
				fail(path, "readlink");
				free(target);
				return;
			}
			target[(size_t)len < cap ? (size_t)len : cap - 1] = '\0';
			printf(" -> %s", target);
			free(target);
		}
		printf("\n");
	}
	if (S_ISREG(st.st_mode) && g.want_sha)
		hash_file(parent, name, path);
	else if (S_ISDIR(st.st_mode))
		walk_dir(parent, name, path, is_root, prefix);
}

static int usage(void)
{
	fprintf(stderr, "usage: treesum [--prefix P] [--tree | --sha256] DIR\n"
	    "       treesum --sum FILE...\n");
	return 2;
}

static int sum_files(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char hex[65];
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fail(argv[i], "open");
			continue;
		}
		if (hash_fd(fd, hex) < 0)
			fail(argv[i], "read");
		else
			printf("%s  %s\n", hex, argv[i]);
		close(fd);
	}
	return g.errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *prefix = NULL;
	int i = 1;

	g.want_tree = g.want_sha = 1;
	g.buf = xmalloc(READ_CHUNK);
	if (argc > 1 && !strcmp(argv[1], "--sum"))
		return sum_files(argc - 2, argv + 2);
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--prefix") && i + 1 < argc)
			prefix = argv[++i];
		else if (!strncmp(argv[i], "--prefix=", 9))
			prefix = argv[i] + 9;
		else if (!strcmp(argv[i], "--tree"))
			g.want_sha = 0;
		else if (!strcmp(argv[i], "--sha256"))
			g.want_tree = 0;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			return usage();
	}
	if (i + 1 != argc || (!g.want_tree && !g.want_sha))
		return usage();
	if (prefix && (!*prefix || prefix[strlen(prefix) - 1] == '/')) {
		fprintf(stderr, "treesum: the prefix must not be empty or end in '/'\n");
		return 2;
	}
	g.root_path = prefix ? prefix : ".";
	g.root_arg = argv[i];
	visit(AT_FDCWD, argv[i], g.root_path, 1, prefix);
	for (size_t k = 0; k < g.nfiles; k++)
		printf("%s  ./%s\n", g.files[k].hex, g.files[k].path);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "treesum: writing the listing: %s\n", strerror(errno));
		return 1;
	}
	return g.errors ? 1 : 0;
}
