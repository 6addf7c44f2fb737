/*
 * mkimage: builds a bootable Osprey disk from a manifest (docs/images.md).
 *
 *	mkimage [options] MANIFEST IMAGE
 *
 * Parse the manifest into a guest tree (mkimage_manifest.c), stage it in
 * a temporary directory with fixed owners and mtimes, run mkrofs on it,
 * then write a GPT disk: partition 1 the ROFS image, then the empty data
 * partitions, sparse. Nothing depends on the time, the user or randomness.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "dev/gpt.h"
#include "mkimage.h"

#define SECTOR		512u
#define MIB		(1u << 20)
#define ROOT_PAD	MIB	/* partitions start and end on MiB boundaries */

struct opts {
	unsigned cluster_size;
	uint64_t disk_size;		/* --size; 0 = just big enough */
	bool have_guid;
	uint8_t disk_guid[GPT_GUID_LEN];
	const char *mkrofs;
	const char *keep;		/* --keep DIR */
	bool quiet;
	bool list;			/* --list: print the tree, build nothing */
};

struct stats {
	uint64_t files, dirs, links, bytes;
	int errors;
	unsigned long chown_failed;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *r = xmalloc(n);

	snprintf(r, n, "%s/%s", a, b);
	return r;
}

/* ---- staging ---- */

static int copy_fd(int in, int out)
{
	char buf[1 << 16];
	ssize_t n;

	/* copy_file_range shares extents where the filesystem can. */
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0, w; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) < 0)
				return -1;
	return n < 0 ? -1 : 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static void serr(struct stats *s, const char *what, const char *path)
{
	fprintf(stderr, "mkimage: %s %s: %s\n", what, path, strerror(errno));
	s->errors++;
}

static void stage_file(const struct gnode *n, const char *path, struct stats *s)
{
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600), in;
	struct stat st;

	if (out < 0) {
		serr(s, "create", path);
		return;
	}
	if (n->content) {
		if (write_all(out, n->content, n->content_len) < 0)
			serr(s, "write", path);
		s->bytes += n->content_len;
	} else if ((in = open(n->src, O_RDONLY)) < 0) {
		serr(s, "open", n->src);
	} else {
		if (copy_fd(in, out) < 0)
			serr(s, "copy", n->src);
		close(in);
	}
	if (!n->content && fstat(out, &st) == 0)
		s->bytes += (uint64_t)st.st_size;
	if (close(out) < 0)
		serr(s, "close", path);
	s->files++;
}

static int kid_cmp(const void *a, const void *b)
{
	return strcmp((*(struct gnode *const *)a)->name, (*(struct gnode *const *)b)->name);
}

/* Creates n at path, children first, then owner, mode and mtime (in that
 * order: chown clears set-id bits, and creating children changes a
 * directory's mtime). */
static void stage(struct gnode *n, const char *path, struct stats *s)
{
	struct timespec ts[2];

	if (n->type == G_DIR) {
		if (mkdir(path, 0700) < 0 && !(errno == EEXIST && !*n->name)) {
			serr(s, "mkdir", path);
			return;
		}
		s->dirs++;
		if (n->nkids > 1)
			qsort(n->kids, n->nkids, sizeof(*n->kids), kid_cmp);
		for (size_t i = 0; i < n->nkids; i++) {
			char *sub = join(path, n->kids[i]->name);
			stage(n->kids[i], sub, s);
			free(sub);
		}
	} else if (n->type == G_LINK) {
		if (symlink(n->src, path) < 0) {
			serr(s, "symlink", path);
			return;
		}
		s->links++;
	} else {
		stage_file(n, path, s);
	}
	/* One message is enough: without privilege every chown fails. */
	if (lchown(path, n->uid, n->gid) < 0 && !s->chown_failed++) {
		fprintf(stderr, "mkimage: chown %s to %u:%u: %s%s\n", path,
		    (unsigned)n->uid, (unsigned)n->gid, strerror(errno),
		    errno == EPERM ? " (run as root, or install fakeroot)" : "");
		s->errors++;
	}
	if (n->type != G_LINK && chmod(path, n->mode) < 0)
		serr(s, "chmod", path);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)n->mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = n->mtime_nsec;
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
		serr(s, "set mtime of", path);
}

/* Removes what stage() made, walking our own tree (not the disk), after
 * giving directories back the write permission their mode may lack. */
static void unstage(const struct gnode *n, const char *path)
{
	if (n->type == G_DIR) {
		chmod(path, 0700);
		for (size_t i = 0; i < n->nkids; i++) {
			char *sub = join(path, n->kids[i]->name);
			unstage(n->kids[i], sub);
			free(sub);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* ---- mkrofs ---- */

/* mkrofs lives next to mkimage (build/tools/), wherever we are run from. */
static char *find_mkrofs(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return xstrdup("mkrofs");
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	return join(self, "mkrofs");
}

static int run_mkrofs(const char *mkrofs, unsigned cluster, const char *dir,
    const char *out)
{
	char cs[32];
	pid_t pid;
	int st;

	snprintf(cs, sizeof(cs), "%u", cluster);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		perror("mkimage: fork");
		return -1;
	}
	if (pid == 0) {
		execl(mkrofs, mkrofs, "--cluster-size", cs, "-q", dir, out, (char *)NULL);
		fprintf(stderr, "mkimage: cannot run %s: %s (build it with `make tools`, "
		    "or give --mkrofs PATH)\n", mkrofs, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0) {
		perror("mkimage: waitpid");
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 127)
			fprintf(stderr, "mkimage: %s failed\n", mkrofs);
		return -1;
	}
	return 0;
}

/* ---- the disk ---- */

/* 64-bit FNV-1a; two seeds give the 16 bytes of a GUID. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

/* The ROFS superblock carries CRCs of the whole image, so hashing it and
 * the partition specs gives a GUID that changes with the content. */
static void derive_guid(int rofs, const struct manifest *m, uint8_t guid[16])
{
	uint8_t sb[128] = { 0 };
	uint64_t h[2] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };

	if (pread(rofs, sb, sizeof(sb), 0) < 0)
		memset(sb, 0, sizeof(sb));
	for (int i = 0; i < 2; i++) {
		h[i] = fnv(h[i], sb, sizeof(sb));
		for (size_t j = 0; j < m->ndata; j++) {
			h[i] = fnv(h[i], &m->data[j].size, 8);
			h[i] = fnv(h[i], m->data[j].name, strlen(m->data[j].name));
			h[i] = fnv(h[i], m->data[j].type, 16);
		}
	}
	memcpy(guid, &h[0], 8);
	memcpy(guid + 8, &h[1], 8);
	guid[7] = (uint8_t)((guid[7] & 0x0f) | 0x40);
	guid[8] = (uint8_t)((guid[8] & 0x3f) | 0x80);
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* Lays out the partitions and returns the disk size in bytes, or 0 after
 * an error. Partitions start on MiB boundaries, like gpt_write() places
 * them. */
static uint64_t plan(const struct manifest *m, const struct opts *o,
    uint64_t root_bytes, struct gpt_part_spec *specs, const struct gpt_layout *l)
{
	uint64_t end = MIB + root_bytes, need;
	uint64_t tail = gpt_tail_sectors(l) * SECTOR;

	specs[0] = (struct gpt_part_spec){ .type = gpt_type_osprey_rofs,
	    .start = MIB / SECTOR, .count = root_bytes / SECTOR, .name = "root" };
	for (size_t i = 0; i < m->ndata; i++) {
		uint64_t start = round_up(end, MIB);
		specs[i + 1] = (struct gpt_part_spec){ .type = m->data[i].type,
		    .start = start / SECTOR, .count = m->data[i].size / SECTOR,
		    .name = m->data[i].name };
		/* A size-less last partition needs at least 1 MiB of disk. */
		end = start + (m->data[i].size ? m->data[i].size : MIB);
	}
	need = round_up(end + tail, MIB);
	if (o->disk_size && o->disk_size < need) {
		fprintf(stderr, "mkimage: --size %llu is too small: the partitions "
		    "need %llu bytes\n", (unsigned long long)o->disk_size,
		    (unsigned long long)need);
		return 0;
	}
	if (m->ndata && !m->data[m->ndata - 1].size && !o->disk_size) {
		fprintf(stderr, "mkimage: %s:%d: a data partition without size= "
		    "needs --size\n", m->path, m->data[m->ndata - 1].line);
		return 0;
	}
	return o->disk_size ? round_up(o->disk_size, SECTOR) : need;
}

static int pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Writes the disk into tmp (sparse); returns its size or 0. */
static uint64_t write_disk(const struct manifest *m, const struct opts *o,
    int rofs, const char *tmp, uint64_t *root_part)
{
	struct gpt_part_spec specs[MAX_DATA + 1];
	struct gpt_layout l = { .sector_size = SECTOR, .align = MIB / SECTOR };
	struct gpt_table t;
	struct stat st;
	uint8_t *head, *tail;
	uint64_t disk = 0;
	int fd;

	if (fstat(rofs, &st) < 0) {
		perror("mkimage: root filesystem image");
		return 0;
	}
	*root_part = round_up((uint64_t)st.st_size, ROOT_PAD);
	if (o->have_guid)
		memcpy(l.disk_guid, o->disk_guid, 16);
	else
		derive_guid(rofs, m, l.disk_guid);
	if (!(l.nsectors = plan(m, o, *root_part, specs, &l) / SECTOR))
		return 0;
	head = xmalloc(gpt_head_sectors(&l) * SECTOR);
	tail = xmalloc(gpt_tail_sectors(&l) * SECTOR);
	if (gpt_write(&l, specs, m->ndata + 1, head, tail, &t, NULL) < 0) {
		fprintf(stderr, "mkimage: GPT: %s", t.reason);
		if (t.entry)
			fprintf(stderr, " (partition %u)", t.entry);
		fputc('\n', stderr);
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		fprintf(stderr, "mkimage: %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	/* ftruncate first: everything we do not write stays a hole. */
	if (ftruncate(fd, (off_t)(l.nsectors * SECTOR)) < 0 ||
	    pwrite_all(fd, head, gpt_head_sectors(&l) * SECTOR, 0) < 0 ||
	    pwrite_all(fd, tail, gpt_tail_sectors(&l) * SECTOR,
		(l.nsectors - gpt_tail_sectors(&l)) * SECTOR) < 0 ||
	    lseek(fd, MIB, SEEK_SET) < 0 || lseek(rofs, 0, SEEK_SET) < 0 ||
	    copy_fd(rofs, fd) < 0) {
		fprintf(stderr, "mkimage: write %s: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) < 0)
		fprintf(stderr, "mkimage: close %s: %s\n", tmp, strerror(errno));
	else
		disk = l.nsectors * SECTOR;
out:
	free(head);
	free(tail);
	return disk;
}

/* ---- --list ---- */

/* A path or link target on one line: backslash, tab and newline escaped. */
static void put_escaped(const char *str)
{
	for (; *str; str++) {
		if (*str == '\\')
			fputs("\\\\", stdout);
		else if (*str == '\t')
			fputs("\\t", stdout);
		else if (*str == '\n')
			fputs("\\n", stdout);
		else
			putchar(*str);
	}
}

/* One line per entry, in the order staging makes them: TYPE MODE UID GID
 * GUEST SOURCE, tab-separated. TYPE is d (directory), f (copy of the
 * host file SOURCE), g (generated by mkimage, SOURCE -) or l (symlink to
 * SOURCE). Launchers use it to know every host file an image holds,
 * libraries included, without building the image. */
static void list_tree(struct gnode *n, const char *path)
{
	const char *type = n->type == G_DIR ? "d" : n->type == G_LINK ? "l" : n->content ? "g" : "f";

	printf("%s\t%04o\t%u\t%u\t", type, (unsigned)(n->type == G_LINK ? 0777 : n->mode),
	    (unsigned)n->uid, (unsigned)n->gid);
	put_escaped(*path ? path : "/");
	putchar('\t');
	put_escaped(n->type == G_DIR || n->content ? "-" : n->src);
	putchar('\n');
	if (n->type != G_DIR)
		return;
	if (n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof(*n->kids), kid_cmp);
	for (size_t i = 0; i < n->nkids; i++) {
		char *sub = join(path, n->kids[i]->name);
		list_tree(n->kids[i], sub);
		free(sub);
	}
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr,
	    "usage: mkimage [options] MANIFEST IMAGE\n"
	    "       mkimage --list [options] MANIFEST\n"
	    "  --cluster-size N   ROFS cluster size, 4K..1M (default 64K)\n"
	    "  --size N           disk size (K/M/G/T suffixes)\n"
	    "  --mtime SECONDS    one mtime for every file (default: SOURCE_DATE_EPOCH,\n"
	    "                     else host mtimes)\n"
	    "  --disk-guid GUID   fix the disk GUID (default: derived from the content)\n"
	    "  --mkrofs PATH      mkrofs to run (default: next to mkimage)\n"
	    "  --keep DIR         stage into DIR and keep it, and DIR.rofs\n"
	    "  --list             print every entry and its host source; build nothing\n"
	    "  -D NAME=VALUE      set ${NAME} for the manifest\n"
	    "  -q                 quiet: errors only\n"
	    "The manifest format is in docs/images.md.\n");
	exit(2);
}

static int parse_mtime(const char *s, const char *what, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno) {
		fprintf(stderr, "mkimage: %s: \"%s\" is not a number of seconds\n", what, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* mkrofs stores the owners it finds, so staging must chown; a user that
 * is not root gets fakeroot to fake it for us and for mkrofs. */
static void maybe_fakeroot(char **argv)
{
	const char *path = getenv("PATH");
	char self[PATH_MAX];
	ssize_t n;

	if (geteuid() == 0 || getenv("FAKEROOTKEY") || !path)
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	for (const char *p = path; *p; ) {
		size_t len = strcspn(p, ":");
		char fr[PATH_MAX];
		snprintf(fr, sizeof(fr), "%.*s/fakeroot", (int)len, p);
		if (len && access(fr, X_OK) == 0) {
			int argc = 0;
			while (argv[argc])
				argc++;
			char **nargv = xmalloc((size_t)(argc + 4) * sizeof(*nargv));
			nargv[0] = "fakeroot";
			nargv[1] = "--";
			nargv[2] = self;
			for (int i = 1; i <= argc; i++)
				nargv[i + 2] = argv[i];
			execv(fr, nargv);
			free(nargv);	/* fall through: chown will report */
			return;
		}
		p += len + (p[len] == ':');
	}
}

static void parse_opts(int argc, char **argv, struct opts *o, struct manifest *m)
{
	static const struct option lo[] = {
		{ "cluster-size", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "mtime", required_argument, NULL, 't' },
		{ "disk-guid", required_argument, NULL, 'g' },
		{ "mkrofs", required_argument, NULL, 'm' },
		{ "keep", required_argument, NULL, 'k' },
		{ "list", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;
	char *eq;
	int c;

	if (sde && *sde) {
		if (parse_mtime(sde, "SOURCE_DATE_EPOCH", &m->mtime) < 0)
			exit(2);
		m->fixed_mtime = true;
	}
	while ((c = getopt_long(argc, argv, "D:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_size(optarg, &v) < 0 || v < 4096 || v > MIB || (v & (v - 1))) {
				fprintf(stderr, "mkimage: --cluster-size %s: want a power "
				    "of two from 4K to 1M\n", optarg);
				exit(2);
			}
			o->cluster_size = (unsigned)v;
			break;
		case 's':
			if (parse_size(optarg, &o->disk_size) < 0 || !o->disk_size) {
				fprintf(stderr, "mkimage: --size %s: want a number with an "
				    "optional K, M, G or T\n", optarg);
				exit(2);
			}
			break;
		case 't':
			if (parse_mtime(optarg, "--mtime", &m->mtime) < 0)
				exit(2);
			m->fixed_mtime = true;
			break;
		case 'g':
			if (gpt_guid_parse(optarg, o->disk_guid) < 0) {
				fprintf(stderr, "mkimage: --disk-guid %s: want "
				    "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX\n", optarg);
				exit(2);
			}
			o->have_guid = true;
			break;
		case 'm':
			o->mkrofs = optarg;
			break;
		case 'k':
			o->keep = optarg;
			break;
		case 'D':
			if (!(eq = strchr(optarg, '=')) || eq == optarg) {
				fprintf(stderr, "mkimage: -D %s: want NAME=VALUE\n", optarg);
				exit(2);
			}
			*eq = '\0';
			setenv(optarg, eq + 1, 1);
			*eq = '=';
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'l':
			o->list = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != (o->list ? 1 : 2))
		usage();
}

static char *manifest_dir(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');

	if (!slash) {
		free(d);
		return xstrdup(".");
	}
	if (slash == d)
		slash[1] = '\0';
	else
		*slash = '\0';
	return d;
}

int main(int argc, char **argv)
{
	struct opts o = { .cluster_size = 64 << 10 };
	struct manifest m = { 0 };
	struct stats s = { 0 };
	char *work = NULL, *stagedir, *rofspath, *tmpimg, *mkrofs;
	const char *image;
	uint64_t disk = 0, root_part = 0, rofs_bytes = 0;
	int rofs = -1, rc = 1;
	double t0;

	maybe_fakeroot(argv);
	parse_opts(argc, argv, &o, &m);
	m.path = argv[optind];
	image = o.list ? NULL : argv[optind + 1];
	m.dir = manifest_dir(m.path);
	mkrofs = o.mkrofs ? xstrdup(o.mkrofs) : find_mkrofs();
	umask(022);

	if (manifest_load(&m)) {
		fprintf(stderr, "mkimage: %s: %d error%s; no image written\n", m.path,
		    m.errors, m.errors == 1 ? "" : "s");
		goto out;
	}
	if (o.list) {
		list_tree(m.root, "");
		rc = fflush(stdout) == 0 ? 0 : 1;
		goto out;
	}

	/* Stage: a private temporary directory, or --keep DIR. */
	t0 = now();
	if (o.keep) {
		stagedir = xstrdup(o.keep);
		rofspath = xmalloc(strlen(o.keep) + 6);
		sprintf(rofspath, "%s.rofs", o.keep);
		if (mkdir(stagedir, 0700) < 0) {
			fprintf(stderr, "mkimage: --keep %s: %s\n", stagedir, strerror(errno));
			free(stagedir);
			free(rofspath);
			goto out;
		}
	} else {
		const char *tmpdir = getenv("TMPDIR");
		work = join(tmpdir && *tmpdir ? tmpdir : "/tmp", "mkimage.XXXXXX");
		if (!mkdtemp(work)) {
			fprintf(stderr, "mkimage: %s: %s\n", work, strerror(errno));
			free(work);
			work = NULL;
			goto out;
		}
		stagedir = join(work, "root");
		rofspath = join(work, "root.rofs");
	}
	stage(m.root, stagedir, &s);
	if (!o.quiet && !s.errors)
		printf("mkimage: stage: %llu files, %llu directories, %llu symlinks, "
		    "%llu bytes (%.2f s)\n", (unsigned long long)s.files,
		    (unsigned long long)s.dirs, (unsigned long long)s.links,
		    (unsigned long long)s.bytes, now() - t0);

	/* Compress. */
	if (!s.errors) {
		struct stat st;
		t0 = now();
		if (run_mkrofs(mkrofs, o.cluster_size, stagedir, rofspath) == 0 &&
		    (rofs = open(rofspath, O_RDONLY)) >= 0 && fstat(rofs, &st) == 0) {
			rofs_bytes = (uint64_t)st.st_size;
			if (!o.quiet)
				printf("mkimage: compress: %llu bytes, %u KiB clusters (%.2f s)\n",
				    (unsigned long long)rofs_bytes, o.cluster_size >> 10,
				    now() - t0);
		}
	}

	/* Write into a temporary name beside IMAGE, so a failed build never
	 * leaves a half image under the real name. */
	if (rofs >= 0) {
		t0 = now();
		tmpimg = xmalloc(strlen(image) + 32);
		sprintf(tmpimg, "%s.tmp%ld", image, (long)getpid());
		disk = write_disk(&m, &o, rofs, tmpimg, &root_part);
		if (disk && rename(tmpimg, image) < 0) {
			fprintf(stderr, "mkimage: rename %s to %s: %s\n", tmpimg, image,
			    strerror(errno));
			disk = 0;
		}
		if (!disk)
			unlink(tmpimg);
		free(tmpimg);
		if (disk && !o.quiet)
			printf("mkimage: write: %s, %llu partition%s (%.2f s)\n", image,
			    (unsigned long long)m.ndata + 1, m.ndata ? "s" : "", now() - t0);
	}
	if (disk && !o.quiet)
		printf("mkimage: %s: %llu files, %llu directories, %llu symlinks, "
		    "%llu bytes in; root partition %llu bytes; image %llu bytes; "
		    "ratio %.1f%%\n", image, (unsigned long long)s.files,
		    (unsigned long long)s.dirs, (unsigned long long)s.links,
		    (unsigned long long)s.bytes, (unsigned long long)root_part,
		    (unsigned long long)disk,
		    s.bytes ? 100.0 * (double)rofs_bytes / (double)s.bytes : 0.0);
	rc = disk ? 0 : 1;
	if (rofs >= 0)
		close(rofs);
	if (!o.keep) {
		unstage(m.root, stagedir);
		unlink(rofspath);
		rmdir(work);
	}
	free(stagedir);
	free(rofspath);
out:
	free(work);
	free(mkrofs);
	free(m.dir);
	gtree_free(m.root);
	return rc;
}
