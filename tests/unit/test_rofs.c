/*
 * ROFS v3: trees -> mkrofs -> reader (and `rofs extract`) -> the same bytes
 * and metadata; determinism; lookups; corrupted and truncated images give
 * errors, never crashes (ASan/UBSan watch). mkrofs, the rofs tool and the
 * fuzz walker are compiled in from their own sources.
 */
#define MKROFS_NO_MAIN
#define ROFS_TOOL_NO_MAIN
#include "../../tools/mkrofs.c"
#include "../../tools/rofs.c"
#include "../fuzz/fuzz_rofs.c"
#include "check.h"

static char tmp[1024];
static uint64_t rng = 0x1234567887654321ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void mkpath(char *out, const char *rel)
{
	snprintf(out, 4096, "%s/%s", tmp, rel);
}

static void put_file(const char *rel, const void *data, size_t n, mode_t mode)
{
	char p[4096];
	mkpath(p, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, data, n), n);
	fchmod(fd, mode);
	close(fd);
}

static void put_dir(const char *rel)
{
	char p[4096];
	mkpath(p, rel);
	CHECK(mkdir(p, 0755) == 0);
}

static void put_times(const char *rel, time_t sec, long nsec)
{
	char p[4096];
	struct timespec ts[2] = { { sec, nsec }, { sec, nsec } };
	mkpath(p, rel);
	utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/* Runs `rofs fsck` with its report line kept off stdout (PASS/FAIL only). */
static int quiet_fsck(struct img *im)
{
	fflush(stdout);
	int saved = dup(1), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	int r = cmd_fsck(im);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	return r;
}

static int quiet_tool(int argc, char **argv)
{
	fflush(stdout);
	int saved = dup(1), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	int r = rofs_tool(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	return r;
}

static void rm_rf(const char *p)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
	CHECK(system(cmd) == 0);
}

static void new_tmp(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmp, sizeof tmp, "%s/rofs-test-XXXXXX", t ? t : "/tmp");
	CHECK(mkdtemp(tmp) != NULL);
}

static int build(const char *src, const char *img, unsigned shift, bool nocomp)
{
	struct mkrofs_opts o = { shift, 9, nocomp, true };
	return mkrofs_build(src, img, &o);
}

/* Compares two trees: names, types, modes, mtimes, contents, link targets. */
static void same_tree(const char *a, const char *b)
{
	struct stat sa, sb;
	CHECK(lstat(a, &sa) == 0 && lstat(b, &sb) == 0);
	CHECK_EQ(sa.st_mode, sb.st_mode);
	if (!S_ISLNK(sa.st_mode)) {
		CHECK_EQ(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec);
		CHECK_EQ(sa.st_mtim.tv_nsec, sb.st_mtim.tv_nsec);
	}
	if (S_ISREG(sa.st_mode)) {
		CHECK_EQ(sa.st_size, sb.st_size);
		char cmd[8400];
		snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
		CHECK(system(cmd) == 0);
	} else if (S_ISLNK(sa.st_mode)) {
		char ta[4200], tb[4200];
		ssize_t la = readlink(a, ta, sizeof ta), lb = readlink(b, tb, sizeof tb);
		CHECK(la == lb && la > 0 && memcmp(ta, tb, la) == 0);
	} else if (S_ISDIR(sa.st_mode)) {
		DIR *d = opendir(a);
		struct dirent *e;
		size_t na = 0, nb = 0;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char pa[4200], pb[4200];
			snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
			snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
			same_tree(pa, pb);
			na++;
		}
		if (d)
			closedir(d);
		d = opendir(b);
		while (d && (e = readdir(d)))
			nb += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		if (d)
			closedir(d);
		CHECK_EQ(na, nb);
	}
}

static void make_big_tree(void)
{
	size_t cs = 65536;
	uint8_t *b = malloc(5 * cs + 100);
	char name[300];

	put_dir("empty-dir");
	put_file("empty-file", "", 0, 0644);
	put_file("one", "x", 1, 0600);
	/* Exactly cluster size and +-1, for the two sizes the tests use. */
	for (size_t c = 4096; c <= cs; c *= 16) {
		for (int d = -1; d <= 1; d++) {
			for (size_t i = 0; i < c + d; i++)
				b[i] = (uint8_t)(i * 7 + d + (i >> 9));
			snprintf(name, sizeof name, "cs%zu%+d", c, d);
			put_file(name, b, c + d, 0644);
		}
	}
	/* Large: zero runs, text-ish, random, and a raw (incompressible) middle. */
	for (size_t i = 0; i < 5 * cs + 100; i++) {
		size_t k = i / 10000 % 4;
		b[i] = k == 0 ? 0 : k == 1 ? "hello world "[i % 12] : (uint8_t)rnd();
	}
	put_file("big", b, 5 * cs + 100, 0755);
	put_file("big-copy", b, 5 * cs + 100, 0644);	/* deduplicated */
	/* Deep. */
	char deep[4096] = "deep";
	put_dir(deep);
	for (int i = 0; i < 30; i++) {
		strcat(deep, "/d");
		put_dir(deep);
	}
	strcat(deep, "/leaf");
	put_file(deep, "leaf\n", 5, 0444);
	/* Odd names. */
	put_file("with space", "s", 1, 0644);
	put_file("\xc3\xa9t\xc3\xa9 \xe2\x9c\x93", "utf8", 4, 0644);
	put_file("-dash", "d", 1, 0644);
	put_file("a.b.c", "abc", 3, 01755);
	memset(name, 'n', 255);
	name[255] = 0;
	put_file(name, "long", 4, 0644);
	/* Symlinks. */
	char p[4096];
	mkpath(p, "link-rel");
	CHECK(symlink("big", p) == 0);
	mkpath(p, "link-dangling");
	CHECK(symlink("/nowhere/at all", p) == 0);
	/* Hard link. */
	char q[4096];
	mkpath(p, "one");
	mkpath(q, "empty-dir-sibling-hardlink");
	CHECK(link(p, q) == 0);
	put_times("one", 1600000000, 123456789);
	put_times("big", 1000, 0);
	put_times("link-rel", 1700000000, 5);
	put_times("empty-dir", 1500000000, 999999999);
	free(b);
}

/* Looks every source entry up through the reader and compares. */
static void check_via_reader(struct img *im, const char *src, const char *rel)
{
	struct stat st;
	struct rofs_inode in;
	char p[4200];
	uint64_t ino;

	snprintf(p, sizeof p, "%s/%s", src, rel);
	CHECK(lstat(p, &st) == 0);
	CHECK_EQ(rofs_path_lookup(&im->fs, rel, &ino), 0);
	CHECK_EQ(rofs_inode_get(&im->fs, ino, &in), 0);
	CHECK_EQ(in.mode, st.st_mode & 0xffff);
	CHECK_EQ(in.uid, st.st_uid);
	CHECK_EQ(in.gid, st.st_gid);
	CHECK_EQ(in.mtime, st.st_mtim.tv_sec);
	CHECK_EQ(in.mtime_nsec, st.st_mtim.tv_nsec);
	if (S_ISREG(st.st_mode)) {
		CHECK_EQ(in.size, st.st_size);
		CHECK_EQ(in.nlink, st.st_nlink);
		uint8_t *want = malloc(st.st_size + 1), *got = malloc(st.st_size + 1);
		FILE *f = fopen(p, "rb");
		CHECK_EQ(fread(want, 1, st.st_size, f), st.st_size);
		fclose(f);
		CHECK_EQ(rofs_file_read(&im->fs, &in, 0, got, st.st_size + 1, im->cbuf,
		    im->scratch), st.st_size);
		CHECK(memcmp(want, got, st.st_size) == 0);
		/* Random unaligned reads. */
		for (int i = 0; i < 20 && st.st_size > 0; i++) {
			uint64_t off = rnd() % st.st_size, len = rnd() % 200000;
			long long n = rofs_file_read(&im->fs, &in, off, got, len, im->cbuf, im->scratch);
			uint64_t exp = len < st.st_size - off ? len : st.st_size - off;
			CHECK_EQ(n, exp);
			CHECK(memcmp(want + off, got, exp) == 0);
		}
		free(want);
		free(got);
	} else if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(p);
		struct dirent *e;
		uint32_t n = 0;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[4200];
			snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
			check_via_reader(im, src, sub);
			n++;
		}
		closedir(d);
		CHECK_EQ(in.count, n);
	} else if (S_ISLNK(st.st_mode)) {
		char a[4200], b[4200];
		ssize_t l = readlink(p, a, sizeof a);
		CHECK_EQ(rofs_readlink(&im->fs, &in, b, sizeof b), l);
		CHECK(memcmp(a, b, l) == 0);
	}
}

static void roundtrip(unsigned shift, bool nocomp)
{
	char src[4096], img[4200], out[4200];

	new_tmp();
	make_big_tree();
	strcpy(src, tmp);
	snprintf(img, sizeof img, "%s.img", src);
	snprintf(out, sizeof out, "%s.out", src);
	CHECK_EQ(build(src, img, shift, nocomp), 0);
	struct img *im = img_open(img);
	CHECK_EQ(im->fs.cluster_size, 1u << shift);
	check_via_reader(im, src, "");
	CHECK_EQ(quiet_fsck(im), 0);
	free_img(im);
	char *argv[] = { "rofs", "extract", img, out, NULL };
	CHECK_EQ(rofs_tool(4, argv), 0);
	same_tree(src, out);
	/* The hard link came back as a hard link. */
	char a[4300], b[4300];
	struct stat sa, sb;
	snprintf(a, sizeof a, "%s/one", out);
	snprintf(b, sizeof b, "%s/empty-dir-sibling-hardlink", out);
	CHECK(stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino);
	rm_rf(src);
	rm_rf(out);
	unlink(img);
}

static void test_roundtrip_64k(void) { roundtrip(16, false); }
static void test_roundtrip_4k(void) { roundtrip(12, false); }
static void test_roundtrip_1m(void) { roundtrip(20, false); }
static void test_roundtrip_nocompress(void) { roundtrip(16, true); }

static void test_empty_tree(void)
{
	char img[4200], out[4200];
	new_tmp();
	snprintf(img, sizeof img, "%s.img", tmp);
	snprintf(out, sizeof out, "%s.out", tmp);
	CHECK_EQ(build(tmp, img, 16, false), 0);
	char *argv[] = { "rofs", "extract", img, out, NULL };
	CHECK_EQ(rofs_tool(4, argv), 0);
	same_tree(tmp, out);
	char *fsck[] = { "rofs", "fsck", img, NULL };
	CHECK_EQ(quiet_tool(3, fsck), 0);
	rm_rf(tmp);
	rm_rf(out);
	unlink(img);
}

static void test_many_files(void)
{
	char img[4200], name[64];
	new_tmp();
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof name, "file-%05d.txt", (i * 7919) % 10000);
		put_file(name, name, strlen(name), 0644);
	}
	snprintf(img, sizeof img, "%s.img", tmp);
	CHECK_EQ(build(tmp, img, 16, false), 0);
	struct img *im = img_open(img);
	struct rofs_inode root, in;
	CHECK_EQ(rofs_inode_get(&im->fs, im->fs.sb.root_ino, &root), 0);
	CHECK_EQ(root.count, 10000);
	CHECK(root.flags & ROFS_IF_DIR32);
	for (int i = 0; i < 10000; i += 37) {
		uint64_t ino;
		char got[64];
		snprintf(name, sizeof name, "file-%05d.txt", i);
		CHECK_EQ(rofs_dir_lookup(&im->fs, &root, name, strlen(name), &ino), 0);
		CHECK_EQ(rofs_inode_get(&im->fs, ino, &in), 0);
		CHECK_EQ(rofs_file_read(&im->fs, &in, 0, got, sizeof got, im->cbuf, im->scratch),
		    strlen(name));
		CHECK(memcmp(got, name, strlen(name)) == 0);
	}
	uint64_t ino;
	CHECK_EQ(rofs_dir_lookup(&im->fs, &root, "file-", 5, &ino), -ENOENT);
	CHECK_EQ(rofs_dir_lookup(&im->fs, &root, "file-99999.txt", 14, &ino), -ENOENT);
	CHECK_EQ(rofs_dir_lookup(&im->fs, &root, "", 0, &ino), -ENOENT);
	CHECK_EQ(rofs_dir_lookup(&im->fs, &root, "\xff", 1, &ino), -ENOENT);
	CHECK_EQ(rofs_dir_lookup(&im->fs, &root, "0", 1, &ino), -ENOENT);
	CHECK_EQ(rofs_path_lookup(&im->fs, "/file-00001.txt/x", &ino), -ENOTDIR);
	/* readdir returns sorted names. */
	struct rofs_dirent de;
	uint64_t pos = 0;
	int n = 0;
	char prev[300] = "";
	while (rofs_dir_iter(&im->fs, &root, &pos, &de) > 0) {
		CHECK(strcmp(prev, de.name) < 0);
		strcpy(prev, de.name);
		n++;
	}
	CHECK_EQ(n, 10000);
	CHECK_EQ(quiet_fsck(im), 0);
	free_img(im);
	rm_rf(tmp);
	unlink(img);
}

static uint8_t *slurp_file(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	fseek(f, 0, SEEK_END);
	*n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*n + 1);
	CHECK_EQ(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

/* The same tree created in a different order gives the same bytes. */
static void test_determinism(void)
{
	char t1[4096], t2[4096], i1[4200], i2[4200], i3[4200];
	for (int pass = 0; pass < 2; pass++) {
		new_tmp();
		for (int k = 0; k < 200; k++) {
			int i = pass ? 199 - k : k;
			char name[64];
			snprintf(name, sizeof name, "f%03d%s", i, i % 3 ? ".py" : ".c");
			char body[300];
			memset(body, 'a' + i % 26, sizeof body);
			put_file(name, body, 50 + i, 0644);
			put_times(name, 1600000000 + i % 5, 0);
		}
		put_times("", 1600000000, 0);
		strcpy(pass ? t2 : t1, tmp);
	}
	snprintf(i1, sizeof i1, "%s.img", t1);
	snprintf(i2, sizeof i2, "%s.img", t2);
	snprintf(i3, sizeof i3, "%s.img2", t1);
	CHECK_EQ(build(t1, i1, 16, false), 0);
	CHECK_EQ(build(t2, i2, 16, false), 0);
	CHECK_EQ(build(t1, i3, 16, false), 0);
	size_t n1, n2, n3;
	uint8_t *a = slurp_file(i1, &n1), *b = slurp_file(i2, &n2), *c = slurp_file(i3, &n3);
	CHECK(n1 == n2 && memcmp(a, b, n1) == 0);
	CHECK(n1 == n3 && memcmp(a, c, n1) == 0);
	free(a);
	free(b);
	free(c);
	rm_rf(t1);
	rm_rf(t2);
	unlink(i1);
	unlink(i2);
	unlink(i3);
}

static unsigned long mem_errors;

static void count_error(void *ctx, int code, uint64_t ino, uint64_t cluster)
{
	mem_errors++;
}

struct memimg {
	const uint8_t *p;
	size_t n;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct memimg *m = ctx;
	if (off > m->n || len > m->n - off)
		return -EIO;
	memcpy(buf, m->p + off, len);
	return 0;
}

/* Flipped bytes and truncations: the walker must survive all of them. */
static void test_corruption(void)
{
	char img[4200];
	size_t n;

	new_tmp();
	put_dir("d");
	put_dir("d/e");
	for (int i = 0; i < 40; i++) {
		char name[64], body[9000];
		snprintf(name, sizeof name, "%s/f%d", i % 2 ? "d" : "d/e", i);
		for (int j = 0; j < (int)sizeof body; j++)
			body[j] = "abcdefgh"[(j * i) % 8] + (j % 301 == 0);
		put_file(name, body, (i * 797) % sizeof body, 0644);
	}
	char p[4096];
	mkpath(p, "d/ln");
	CHECK(symlink("e/f0", p) == 0);
	snprintf(img, sizeof img, "%s.img", tmp);
	CHECK_EQ(build(tmp, img, 12, false), 0);
	uint8_t *good = slurp_file(img, &n), *bad = malloc(n);
	struct rofs_fs *fs = malloc(sizeof(*fs));
	struct memimg mi = { good, n };

	/* Intact: mount works and the CRCs match. */
	uint8_t cb[256];
	CHECK_EQ(rofs_mount(fs, mem_read, count_error, &mi), 0);
	CHECK_EQ(rofs_verify_crc(fs, cb, sizeof cb), 0);
	CHECK_EQ(mem_errors, 0);
	/* Any flipped byte is caught by some CRC. */
	for (int i = 0; i < 300; i++) {
		memcpy(bad, good, n);
		size_t at = rnd() % n;
		bad[at] ^= 1 + rnd() % 255;
		mi.p = bad;
		int r = rofs_mount(fs, mem_read, count_error, &mi);
		if (r == 0)
			r = rofs_verify_crc(fs, cb, sizeof cb);
		CHECK(r < 0);
		LLVMFuzzerTestOneInput(bad, n);
	}
	/* Many flips, walked without CRC protection. */
	for (int i = 0; i < 1500; i++) {
		memcpy(bad, good, n);
		int k = 1 + rnd() % 8;
		while (k--)
			bad[ROFS_SB_SIZE + rnd() % (n - ROFS_SB_SIZE)] = rnd();
		LLVMFuzzerTestOneInput(bad, n);
	}
	/* Every truncation. */
	for (size_t t = 0; t < n; t += 1 + t / 64) {
		mi.p = good;
		mi.n = t;
		CHECK(rofs_mount(fs, mem_read, count_error, &mi) < 0 ||
		    rofs_verify_crc(fs, cb, sizeof cb) < 0);
		LLVMFuzzerTestOneInput(good, t);
	}
	free(fs);
	free(good);
	free(bad);
	rm_rf(tmp);
	unlink(img);
}

/* The last error the hook saw, for checks of what it names. */
static struct { int code; uint64_t ino, cluster; unsigned long n; } last_err;

static void note_error(void *ctx, int code, uint64_t ino, uint64_t cluster)
{
	last_err.code = code;
	last_err.ino = ino;
	last_err.cluster = cluster;
	last_err.n++;
}

/* Reads a whole file of the image: its length or a negative errno. */
static long long read_all(struct rofs_fs *fs, const char *path, uint8_t *buf,
    size_t cap, struct rofs_inode *in)
{
	uint8_t *cbuf = malloc(fs->cluster_size), *scratch = malloc(fs->cluster_size);
	uint64_t ino;
	long long r = rofs_path_lookup(fs, path, &ino);

	if (r == 0)
		r = rofs_inode_get(fs, ino, in);
	if (r == 0)
		r = rofs_file_read(fs, in, 0, buf, cap, cbuf, scratch);
	free(cbuf);
	free(scratch);
	return r;
}

/*
 * One flipped byte inside a RAW cluster (full or fragment) decodes fine;
 * the per-cluster CRC must turn it into -EIO naming the inode and cluster,
 * and leave the other files readable.
 */
static void test_raw_cluster_crc(void)
{
	enum { CS = 4096, RSIZE = 3 * CS + 4000 };
	static uint8_t rand_body[RSIZE], got[RSIZE + 1];
	const char *text = "a line of text that compresses\n";
	char img[4200];
	size_t n;

	new_tmp();
	for (size_t i = 0; i < RSIZE; i++)
		rand_body[i] = (uint8_t)rnd();
	put_file("random.bin", rand_body, RSIZE, 0644);
	put_file("text.txt", text, strlen(text), 0644);
	snprintf(img, sizeof img, "%s.img", tmp);
	CHECK_EQ(build(tmp, img, 12, false), 0);
	uint8_t *good = slurp_file(img, &n), *bad = malloc(n);
	struct memimg mi = { bad, n };
	struct rofs_fs *fs = malloc(sizeof(*fs));
	struct rofs_inode rin, tin;
	struct rofs_extent ext[4];

	memcpy(bad, good, n);
	CHECK_EQ(rofs_mount(fs, mem_read, note_error, &mi), 0);
	CHECK_EQ(read_all(fs, "random.bin", got, sizeof got, &rin), RSIZE);
	CHECK(memcmp(got, rand_body, RSIZE) == 0);
	CHECK_EQ(rofs_cluster_count(fs, &rin), 4);
	for (uint64_t k = 0; k < 4; k++) {
		CHECK_EQ(rofs_cluster_locate(fs, &rin, k, &ext[k]), 0);
		CHECK(ext[k].raw);	/* random bytes do not compress */
	}
	CHECK_EQ(read_all(fs, "text.txt", got, sizeof got, &tin), strlen(text));
	CHECK_EQ(rofs_cluster_locate(fs, &tin, 0, &ext[0]), 0);
	bool shared = ext[0].key == ext[3].key;	/* tails packed together */
	uint8_t *cbuf = malloc(CS), *scratch = malloc(CS);
	/* k = 1: a full cluster; k = 3: the tail's fragment cluster. */
	for (uint64_t k = 1; k < 4; k += 2) {
		memcpy(bad, good, n);
		bad[ext[k].off + 100] ^= 0x40;
		CHECK_EQ(rofs_mount(fs, mem_read, note_error, &mi), 0);
		last_err.n = 0;
		CHECK_EQ(read_all(fs, "random.bin", got, sizeof got, &rin), -EIO);
		CHECK_EQ(last_err.n, 1);
		CHECK_EQ(last_err.code, ROFS_E_CRC);
		CHECK_EQ(last_err.ino, rin.ino);
		CHECK_EQ(last_err.cluster, k);
		/* The clusters before the damaged one still read. */
		CHECK_EQ(rofs_file_read(fs, &rin, 0, got, k * CS, cbuf, scratch), k * CS);
		CHECK(memcmp(got, rand_body, k * CS) == 0);
		/* So does the other file, unless it shares the damaged fragment. */
		long long want = k == 3 && shared ? -EIO : (long long)strlen(text);
		CHECK_EQ(read_all(fs, "text.txt", got, sizeof got, &tin), want);
		if (want > 0)
			CHECK(memcmp(got, text, strlen(text)) == 0);
	}
	free(cbuf);
	free(scratch);
	free(fs);
	free(good);
	free(bad);
	rm_rf(tmp);
	unlink(img);
}

/* An intact superblock of another format version is refused by name. */
static void test_old_version(void)
{
	char img[4200];
	size_t n;

	new_tmp();
	put_file("f", "f", 1, 0644);
	snprintf(img, sizeof img, "%s.img", tmp);
	CHECK_EQ(build(tmp, img, 16, false), 0);
	uint8_t *b = slurp_file(img, &n);
	struct memimg mi = { b, n };
	struct rofs_fs *fs = malloc(sizeof(*fs));
	put_le16(b + ROFS_SB_VERSION, 2);
	put_le32(b + ROFS_SB_CRC, crc32c(0, b, ROFS_SB_CRC));
	last_err.n = 0;
	CHECK_EQ(rofs_mount(fs, mem_read, note_error, &mi), -ENOTSUP);
	CHECK_EQ(last_err.n, 1);
	CHECK_EQ(last_err.code, ROFS_E_VERSION);
	free(fs);
	free(b);
	rm_rf(tmp);
	unlink(img);
}

/* A directory entry pointing at or above its directory is refused. */
static void test_no_cycles(void)
{
	char img[4200];
	size_t n;

	new_tmp();
	put_dir("a");
	put_file("a/x", "x", 1, 0644);
	snprintf(img, sizeof img, "%s.img", tmp);
	CHECK_EQ(build(tmp, img, 16, true), 0);	/* raw metadata: patchable */
	uint8_t *b = slurp_file(img, &n);
	struct memimg mi = { b, n };
	struct rofs_fs *fs = malloc(sizeof(*fs));
	struct rofs_inode root, a;
	struct rofs_dirent de;
	uint64_t ino;
	CHECK_EQ(rofs_mount(fs, mem_read, count_error, &mi), 0);
	CHECK_EQ(rofs_inode_get(fs, fs->sb.root_ino, &root), 0);
	CHECK_EQ(rofs_dir_lookup(fs, &root, "a", 1, &ino), 0);
	CHECK_EQ(rofs_inode_get(fs, ino, &a), 0);
	CHECK_EQ(rofs_dir_entry(fs, &a, 0, &de), 0);
	/* Make a's entry point to a itself: ref delta 0 -> must be -EIO. */
	uint64_t meta0 = le64(b + le64(b + ROFS_SB_META_TABLE));
	uint64_t ents = a.offs_pos + 2 * a.count;
	size_t refpos = meta0 + ents + 1 + 1;	/* name_len, "x", ref */
	CHECK_EQ(b[refpos] >> 4, a.ino - de.ino);
	b[refpos] &= 0x0f;
	fs->mslot[0].used = fs->mslot[1].used = fs->mslot[2].used = fs->mslot[3].used = 0;
	unsigned long before = mem_errors;
	CHECK_EQ(rofs_dir_entry(fs, &a, 0, &de), -EIO);
	CHECK(mem_errors > before);
	free(fs);
	free(b);
	rm_rf(tmp);
	unlink(img);
}

static void test_errors_name_file(void)
{
	char img[4200];
	new_tmp();
	snprintf(img, sizeof img, "%s.img", tmp);
	char missing[4300];
	snprintf(missing, sizeof missing, "%s/nope", tmp);
	CHECK(build(missing, img, 16, false) < 0);
	rm_rf(tmp);
}

int main(void)
{
	RUN(test_roundtrip_64k);
	RUN(test_roundtrip_4k);
	RUN(test_roundtrip_1m);
	RUN(test_roundtrip_nocompress);
	RUN(test_empty_tree);
	RUN(test_many_files);
	RUN(test_determinism);
	RUN(test_corruption);
	RUN(test_raw_cluster_crc);
	RUN(test_old_version);
	RUN(test_no_cycles);
	RUN(test_errors_name_file);
	return CHECK_DONE();
}
