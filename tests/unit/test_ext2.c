/*
 * ext2 reader (modules/ext2/ext2_disk.c): host trees -> `mke2fs -t ext2 -d`
 * -> the reader -> the same bytes and metadata, at 1, 2 and 4 KiB blocks,
 * revision 0 and 1, 128- and 256-byte inodes, with and without the filetype
 * feature. Files big enough for double and (sparse) triple indirect
 * blocks, holes, fast and slow symlinks, hard links, a 1000-entry
 * directory, deep directories, devices and fifos, high uid/gid bits.
 * Refusals name the features; targeted (debugfs) and random corruption and
 * truncation give errors, never crashes (ASan/UBSan watch).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "../../modules/ext2/ext2_disk.h"
#include "check.h"

static char tmp[512];
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int errors_seen;		/* error-hook calls */
static bool quiet_errors = true;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* ---- images in memory ---- */
struct img {
	uint8_t *data;
	size_t size;
	int reads;
};

static int img_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct img *im = ctx;

	im->reads++;
	if (off > im->size || len > im->size - off)
		return -EIO;
	memcpy(buf, im->data + off, len);
	return 0;
}

static void img_error(void *ctx, const char *what, uint32_t ino, uint64_t blk)
{
	errors_seen++;
	if (!quiet_errors)
		fprintf(stderr, "  ext2 error: %s (inode %u, block %lld)\n", what, ino,
		    blk == EXT2_NO_BLOCK ? -1LL : (long long)blk);
}

static bool load_file(const char *path, struct img *im)
{
	FILE *f = fopen(path, "rb");

	memset(im, 0, sizeof(*im));
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	im->size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	im->data = malloc(im->size ? im->size : 1);
	bool ok = fread(im->data, 1, im->size, f) == im->size;
	fclose(f);
	return ok;
}

static int run(const char *cmd)
{
	char full[8192];

	snprintf(full, sizeof(full), "PATH=/usr/sbin:/sbin:$PATH %s >%s/log 2>&1", cmd, tmp);
	int st = system(full);
	if (st) {	/* show what the tool said */
		snprintf(full, sizeof(full), "sed 's/^/    /' %s/log >&2", tmp);
		if (system(full))
			st = st ? st : 1;
	}
	return st;
}

/* mke2fs -t ext2 OPTS -d TREE IMG SIZE; false (with a message) on failure. */
static bool mkfs(const char *opts, const char *tree, const char *img, const char *size)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "rm -f %s; mke2fs -q -F -t ext2 %s -d %s %s %s", img, opts,
	    tree, img, size);
	if (run(cmd)) {
		fprintf(stderr, "  mke2fs %s failed\n", opts);
		return false;
	}
	return true;
}

static bool have_mke2fs(void)
{
	return run("mke2fs -V") == 0 && run("debugfs -V") == 0;
}

/* ---- the host tree ---- */
static void mkpath(char *out, const char *tree, const char *rel)
{
	snprintf(out, 4096, "%s/%s", tree, rel);
}

static void put_data(const char *tree, const char *rel, const void *data, size_t n, off_t at)
{
	char p[4096];

	mkpath(p, tree, rel);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(pwrite(fd, data, n, at), (long)n);
	close(fd);
}

static void put_random(const char *tree, const char *rel, size_t n)
{
	uint8_t *buf = malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)rnd();
	put_data(tree, rel, buf, n, 0);
	free(buf);
}

/* A file of `size` bytes with chunks of data at the given offsets. */
static void put_sparse(const char *tree, const char *rel, off_t size, const off_t *at, int n)
{
	char p[4096], chunk[5000];

	mkpath(p, tree, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, size) == 0);
	for (int i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof(chunk); j++)
			chunk[j] = (char)rnd();
		CHECK_EQ(pwrite(fd, chunk, sizeof(chunk), at[i]), (long)sizeof(chunk));
	}
	close(fd);
}

static void put_dir(const char *tree, const char *rel)
{
	char p[4096];

	mkpath(p, tree, rel);
	CHECK(mkdir(p, 0755) == 0);
}

static void put_link(const char *tree, const char *rel, const char *target)
{
	char p[4096];

	mkpath(p, tree, rel);
	CHECK(symlink(target, p) == 0);
}

static void put_mtime(const char *tree, const char *rel, time_t sec)
{
	char p[4096];
	struct timespec ts[2] = { { sec, 0 }, { sec, 0 } };

	mkpath(p, tree, rel);
	utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

static void make_tree(const char *tree, bool big)
{
	char rel[256], target[1200];

	CHECK(mkdir(tree, 0755) == 0);
	put_random(tree, "empty", 0);
	put_random(tree, "one", 1);
	put_random(tree, "k1", 1023);
	put_random(tree, "k1b", 1024);
	put_random(tree, "k1c", 1025);
	put_random(tree, "k4", 4097);
	put_random(tree, "ind", 14 * 1024);		/* indirect at 1K blocks */
	put_random(tree, "dind", big ? 20u << 20 : 300 * 1024);	/* double indirect */
	off_t at[] = { 0, 100000, 300000, 5000000 };
	put_sparse(tree, "sparse", 6000000, at, 4);
	if (big) {	/* triple indirect at 1K blocks starts near 64.3 MiB */
		off_t far[] = { 4096, 70000000, 90000000 };
		put_sparse(tree, "triple", 100000000, far, 3);
	}
	put_sparse(tree, "allhole", 1 << 20, NULL, 0);
	put_link(tree, "fast", "k1");
	put_link(tree, "fast59", "0123456789012345678901234567890123456789012345678901234567x");
	memset(target, 'a', 100);
	memcpy(target + 100, "/../k4", 7);
	put_link(tree, "slow", target);
	memset(target, 'b', 1000);
	target[1000] = 0;
	put_link(tree, "slow1000", target);
	put_link(tree, "dangling", "no/such/file");
	put_dir(tree, "many");
	for (int i = 0; i < 1000; i++) {
		snprintf(rel, sizeof(rel), "many/entry-with-a-longish-name-%04d", i);
		put_random(tree, rel, i % 7);
	}
	snprintf(rel, sizeof(rel), "deep");
	for (int i = 0; i < 30; i++) {
		put_dir(tree, rel);
		strcat(rel, "/d");
	}
	put_random(tree, "deep/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/leaf", 777);
	char p[4096], q[4096];
	mkpath(p, tree, "k4");
	mkpath(q, tree, "hardlink");
	CHECK(link(p, q) == 0);
	mkpath(p, tree, "fifo");
	CHECK(mkfifo(p, 0640) == 0);
	if (geteuid() == 0) {
		mkpath(p, tree, "null");
		CHECK(mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0);
		mkpath(p, tree, "bigdev");
		CHECK(mknod(p, S_IFBLK | 0600, makedev(259, 70000)) == 0);
		mkpath(p, tree, "one");
		CHECK(chown(p, 70000, 80001) == 0);
		CHECK(lchown(q, 123, 456) == 0);
	}
	mkpath(p, tree, "k1");
	CHECK(chmod(p, 04751) == 0);
	put_mtime(tree, "k1b", -315619199);	/* 1960 */
	put_mtime(tree, "k1c", 2000000000);
}

static void remove_tree(const char *path)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	run(cmd);
}

/* ---- comparing ---- */
static int lookup_path(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
	struct ext2_inode dir;
	char comp[256];
	uint32_t cur = EXT2_ROOT_INO;

	while (*path) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		if (n && n < sizeof(comp)) {
			memcpy(comp, path, n);
			comp[n] = 0;
			int err = ext2_inode_get(fs, cur, &dir);
			if (!err)
				err = ext2_dir_lookup(fs, &dir, comp, n, &cur);
			if (err)
				return err;
		}
		path += n + (slash != NULL);
	}
	*ino = cur;
	return 0;
}

static unsigned host_dtype(mode_t m)
{
	return (m & S_IFMT) >> 12;
}

static void compare_file(struct ext2_fs *fs, const struct ext2_inode *in, const char *hp,
    size_t size)
{
	int fd = open(hp, O_RDONLY);
	enum { chunk = 1 << 20 };
	static uint8_t a[chunk], b[chunk];	/* not per call: ASan maps fresh */

	CHECK(fd >= 0);
	for (size_t off = 0; off < size; off += chunk) {
		/* an odd offset and length too, to cross block edges */
		size_t n = size - off < chunk ? size - off : chunk;
		CHECK_EQ(pread(fd, a, n, off), (long)n);
		CHECK_EQ(ext2_file_read(fs, in, off, b, n), (long)n);
		if (memcmp(a, b, n)) {
			fprintf(stderr, "  %s: bytes differ in [%zu, +%zu)\n", hp, off, n);
			case_failed = 1;
			break;
		}
	}
	if (size > 3) {
		size_t o = size / 3, n = size - o < 5000 ? size - o : 5000;
		CHECK_EQ(pread(fd, a, n, o), (long)n);
		CHECK_EQ(ext2_file_read(fs, in, o, b, n), (long)n);
		CHECK(!memcmp(a, b, n));
	}
	CHECK_EQ(ext2_file_read(fs, in, size, b, 10), 0);
	CHECK_EQ(ext2_file_read(fs, in, size + 12345, b, 10), 0);
	close(fd);
}

struct cmp_opts {
	bool filetype;
	bool check_uid;
};

static void compare_node(struct ext2_fs *fs, uint32_t ino, const char *hp, const struct cmp_opts *o);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every host entry is in the directory with the same inode as lookup
 * finds, and nothing else is. */
static void compare_dir(struct ext2_fs *fs, const struct ext2_inode *in, const char *hp,
    const struct cmp_opts *o)
{
	DIR *d = opendir(hp);
	struct dirent *he;
	char **names = NULL;
	size_t nh = 0, ne = 0;

	CHECK(d != NULL);
	while (d && (he = readdir(d))) {
		if (!strcmp(he->d_name, ".") || !strcmp(he->d_name, "..") ||
		    !strcmp(he->d_name, "lost+found"))
			continue;
		names = realloc(names, (nh + 1) * sizeof(*names));
		names[nh++] = strdup(he->d_name);
	}
	if (d)
		closedir(d);
	if (nh)
		qsort(names, nh, sizeof(*names), name_cmp);

	uint64_t pos = 0;
	struct ext2_dirent de;
	int r;
	while ((r = ext2_dir_iter(fs, in, &pos, &de)) == 1) {
		if (!strcmp(de.name, "lost+found"))
			continue;
		ne++;
		char *key = de.name;
		CHECK(nh && bsearch(&key, names, nh, sizeof(*names), name_cmp) != NULL);
		uint32_t li;
		CHECK_EQ(ext2_dir_lookup(fs, in, de.name, de.name_len, &li), 0);
		CHECK_EQ(li, de.ino);
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", hp, de.name);
		struct stat st;
		CHECK(lstat(sub, &st) == 0);
		CHECK_EQ(de.type, o->filetype ? host_dtype(st.st_mode) : 0);
		compare_node(fs, de.ino, sub, o);
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(ne, nh);
	uint32_t dummy;
	CHECK_EQ(ext2_dir_lookup(fs, in, "no-such-name", 12, &dummy), -ENOENT);
	CHECK_EQ(ext2_dir_lookup(fs, in, "..", 2, &dummy), 0);
	for (size_t i = 0; i < nh; i++)
		free(names[i]);
	free(names);
}

static void compare_node(struct ext2_fs *fs, uint32_t ino, const char *hp, const struct cmp_opts *o)
{
	struct ext2_inode in;
	struct stat st;

	CHECK(lstat(hp, &st) == 0);
	int err = ext2_inode_get(fs, ino, &in);
	CHECK_EQ(err, 0);
	if (err)
		return;
	CHECK_EQ(in.mode, st.st_mode);
	/* the root also holds mke2fs's lost+found */
	CHECK_EQ(in.nlink, st.st_nlink + (ino == EXT2_ROOT_INO));
	if (o->check_uid) {
		CHECK_EQ(in.uid, st.st_uid);
		CHECK_EQ(in.gid, st.st_gid);
	}
	if (!S_ISDIR(st.st_mode)) {
		CHECK_EQ(in.size, st.st_size);
		CHECK_EQ(in.mtime / 1000000000LL - (in.mtime % 1000000000LL < 0),
		    st.st_mtim.tv_sec);
	}
	if (S_ISREG(st.st_mode)) {
		compare_file(fs, &in, hp, (size_t)st.st_size);
	} else if (S_ISLNK(st.st_mode)) {
		char a[4096], b[4096];
		ssize_t n = readlink(hp, a, sizeof(a));
		CHECK_EQ(ext2_readlink(fs, &in, b, sizeof(b)), n);
		CHECK(n > 0 && !memcmp(a, b, (size_t)n));
		CHECK_EQ(ext2_readlink(fs, &in, b, 3), n < 3 ? n : 3);
		CHECK_EQ(in.fast_symlink, n < 60);
	} else if (S_ISDIR(st.st_mode)) {
		compare_dir(fs, &in, hp, o);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		CHECK_EQ(in.rdev, st.st_rdev);
	}
}

static void check_image(const char *opts, const char *tree, const char *size,
    uint32_t want_bs, struct cmp_opts o)
{
	char img[600];
	struct img im;
	static struct ext2_fs fs;

	snprintf(img, sizeof(img), "%s/img", tmp);
	CHECK(mkfs(opts, tree, img, size));
	CHECK(load_file(img, &im));
	errors_seen = 0;
	quiet_errors = false;
	int err = ext2_mount(&fs, img_read, img_error, &im, im.size);
	if (err)
		fprintf(stderr, "  mount: %s\n", fs.reason ? fs.reason : "?");
	CHECK_EQ(err, 0);
	if (!err) {
		CHECK_EQ(fs.block_size, want_bs);
		CHECK_EQ((uint64_t)fs.sb.blocks_count * fs.block_size, im.size);
		compare_node(&fs, EXT2_ROOT_INO, tree, &o);
		uint32_t a, b;
		CHECK_EQ(lookup_path(&fs, "k4", &a), 0);
		CHECK_EQ(lookup_path(&fs, "hardlink", &b), 0);
		CHECK_EQ(a, b);
		CHECK_EQ(lookup_path(&fs, "deep/d/d/..", &a), 0);
		CHECK_EQ(lookup_path(&fs, "deep/d", &b), 0);
		CHECK_EQ(a, b);
		CHECK_EQ(lookup_path(&fs, "..", &a), 0);
		CHECK_EQ(a, EXT2_ROOT_INO);
		CHECK_EQ(lookup_path(&fs, "k4/x", &a), -ENOTDIR);
	}
	CHECK_EQ(errors_seen, 0);
	quiet_errors = true;
	free(im.data);
}

/* ---- cases ---- */
static char tree_small[600], tree_big[600];

static void ext2_1k_big(void)
{
	struct cmp_opts o = { true, geteuid() == 0 };
	check_image("-b 1024", tree_big, "140M", 1024, o);
}

static void ext2_2k(void)
{
	struct cmp_opts o = { true, geteuid() == 0 };
	check_image("-b 2048", tree_small, "16M", 2048, o);
}

static void ext2_4k_big(void)
{
	struct cmp_opts o = { true, geteuid() == 0 };
	check_image("-b 4096", tree_big, "140M", 4096, o);
}

static void ext2_rev0(void)
{
	struct cmp_opts o = { false, geteuid() == 0 };
	check_image("-r 0 -b 1024", tree_small, "16M", 1024, o);
}

static void ext2_inode128(void)
{
	struct cmp_opts o = { true, geteuid() == 0 };
	check_image("-I 128 -b 4096", tree_small, "16M", 4096, o);
}

static void ext2_no_filetype(void)
{
	struct cmp_opts o = { false, geteuid() == 0 };
	check_image("-O ^filetype,^dir_index -b 1024", tree_small, "16M", 1024, o);
}

/* Readdir from any offset: every cookie resumes at the entry after it, and
 * offsets inside records do not break the walk. */
static void ext2_readdir_cookies(void)
{
	char img[600];
	struct img im;
	static struct ext2_fs fs;
	struct ext2_inode dir;
	struct ext2_dirent de;
	uint32_t ino;

	snprintf(img, sizeof(img), "%s/img", tmp);
	CHECK(mkfs("-b 1024", tree_small, img, "16M"));
	CHECK(load_file(img, &im));
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size), 0);
	CHECK_EQ(lookup_path(&fs, "many", &ino), 0);
	CHECK_EQ(ext2_inode_get(&fs, ino, &dir), 0);
	uint64_t pos = 0, cookies[1001];
	uint32_t inos[1001];
	int n = 0;
	while (n < 1001 && ext2_dir_iter(&fs, &dir, &pos, &de) == 1) {
		inos[n] = de.ino;
		cookies[n++] = pos;
	}
	CHECK_EQ(n, 1000);
	for (int i = 0; i + 1 < n; i += 37) {
		uint64_t p = cookies[i];
		CHECK_EQ(ext2_dir_iter(&fs, &dir, &p, &de), 1);
		CHECK_EQ(de.ino, inos[i + 1]);
		p = cookies[i] - 1;	/* inside the previous record: skips to the next */
		CHECK_EQ(ext2_dir_iter(&fs, &dir, &p, &de), 1);
		CHECK_EQ(de.ino, inos[i + 1]);
	}
	pos = dir.size + 100;
	CHECK_EQ(ext2_dir_iter(&fs, &dir, &pos, &de), 0);
	for (int i = 0; i < 200; i++) {
		pos = rnd() % (dir.size + 8);
		int r = ext2_dir_iter(&fs, &dir, &pos, &de);
		CHECK(r == 0 || r == 1);
	}
	free(im.data);
}

static bool reason_has(const char *opts, const char *size, const char *want, int want_err)
{
	char img[600], cmd[2048];
	struct img im;
	static struct ext2_fs fs;

	snprintf(img, sizeof(img), "%s/ref.img", tmp);
	snprintf(cmd, sizeof(cmd), "rm -f %s; mke2fs -q -F %s %s %s", img, opts, img, size);
	if (run(cmd)) {
		fprintf(stderr, "  mke2fs %s failed\n", opts);
		return false;
	}
	if (!load_file(img, &im))
		return false;
	int err = ext2_mount(&fs, img_read, img_error, &im, im.size);
	bool ok = err == want_err && (!want_err || (fs.reason && strstr(fs.reason, want)));
	if (!ok)
		fprintf(stderr, "  %s: error %d, reason '%s'\n", opts, err, fs.reason ? fs.reason : "");
	free(im.data);
	return ok;
}

static void ext2_refusals(void)
{
	CHECK(reason_has("-t ext4", "8M", "extents", -EINVAL));
	CHECK(reason_has("-t ext4 -O 64bit", "8M", "64bit", -EINVAL));
	CHECK(reason_has("-t ext2 -O meta_bg,^resize_inode", "8M", "meta_bg", -EINVAL));
	CHECK(reason_has("-t ext2 -O inline_data", "8M", "inline_data", -EINVAL));
	CHECK(reason_has("-t ext2 -b 8192", "32M", "block size", -EINVAL));
	/* ext3's journal is a compatible feature: a clean ext3 mounts. */
	CHECK(reason_has("-t ext3", "8M", "", 0));

	struct img im = { calloc(1, 1 << 20), 1 << 20, 0 };
	static struct ext2_fs fs;
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size), -EINVAL);
	CHECK(fs.reason && strstr(fs.reason, "not an ext2"));
	/* A device smaller than the filesystem. */
	char img[600];
	snprintf(img, sizeof(img), "%s/img", tmp);
	CHECK(mkfs("-b 1024", tree_small, img, "16M"));
	free(im.data);
	CHECK(load_file(img, &im));
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size - 1024), -EINVAL);
	CHECK(fs.reason && strstr(fs.reason, "larger than its device"));
	/* Unknown revision, unknown incompat bit. */
	im.data[1024 + 76] = 2;
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size), -EINVAL);
	CHECK(fs.reason && strstr(fs.reason, "revision"));
	im.data[1024 + 76] = 1;
	im.data[1024 + 98] |= 0x80;		/* incompat bit 0x800000 */
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size), -EINVAL);
	CHECK(fs.reason && strstr(fs.reason, "unknown(0x00800000)"));
	free(im.data);
}

/* Walks everything reachable, bounded, ignoring errors (for corrupt images). */
static long walked;

static void walk(struct ext2_fs *fs, uint32_t ino, int depth)
{
	static uint8_t buf[1 << 16];
	struct ext2_inode in;
	struct ext2_dirent de;

	if (depth > 12 || walked > 20000 || ext2_inode_get(fs, ino, &in))
		return;
	walked++;
	switch (in.mode & S_IFMT) {
	case S_IFREG:
		for (uint64_t off = 0; off < in.size && off < (4u << 20); off += sizeof(buf))
			if (ext2_file_read(fs, &in, off, buf, sizeof(buf)) < 0)
				break;
		break;
	case S_IFLNK:
		ext2_readlink(fs, &in, (char *)buf, sizeof(buf));
		break;
	case S_IFDIR: {
		uint64_t pos = 0;
		uint32_t child;
		int n = 0;
		while (n++ < 3000 && ext2_dir_iter(fs, &in, &pos, &de) == 1) {
			ext2_dir_lookup(fs, &in, de.name, de.name_len, &child);
			walk(fs, de.ino, depth + 1);
		}
		ext2_dir_lookup(fs, &in, "..", 2, &child);
		break;
	}
	}
}

static void corrupt_rounds(const char *label, struct img *orig, size_t span, int rounds, int flips)
{
	static struct ext2_fs fs;
	struct img im = { malloc(orig->size), orig->size, 0 };
	int mounted = 0;

	for (int r = 0; r < rounds; r++) {
		memcpy(im.data, orig->data, orig->size);
		for (int i = 0; i < flips; i++) {
			size_t at = rnd() % span;
			im.data[at] ^= (uint8_t)(1u << (rnd() % 8));
			if (rnd() % 4 == 0)
				im.data[at] = (uint8_t)rnd();
		}
		if (!ext2_mount(&fs, img_read, img_error, &im, r % 2 ? im.size : 0)) {
			mounted++;
			walked = 0;
			walk(&fs, EXT2_ROOT_INO, 0);
		}
	}
	fprintf(stderr, "  %s: %d of %d corrupted images mounted and walked\n", label, mounted,
	    rounds);
	free(im.data);
}

/* A small image whose metadata sits in its first blocks. */
static bool small_image(const char *opts, struct img *im)
{
	char tree[600], img[600], rel[64];

	memset(im, 0, sizeof(*im));
	snprintf(tree, sizeof(tree), "%s/corrupt-tree", tmp);
	remove_tree(tree);
	CHECK(mkdir(tree, 0755) == 0);
	put_random(tree, "a", 100);
	put_random(tree, "b", 300000);
	put_link(tree, "fast", "a");
	char target[300];
	memset(target, 'x', 299);
	target[299] = 0;
	put_link(tree, "slow", target);
	put_dir(tree, "d");
	put_dir(tree, "d/e");
	for (int i = 0; i < 60; i++) {
		snprintf(rel, sizeof(rel), "d/e/f%d", i);
		put_random(tree, rel, i * 10);
	}
	snprintf(img, sizeof(img), "%s/small.img", tmp);
	return mkfs(opts, tree, img, "1M") && load_file(img, im);
}

static void ext2_corrupt_random(void)
{
	struct img im;

	if (!small_image("-b 1024 -N 96", &im)) {
		CHECK(0);
		return;
	}
	corrupt_rounds("1K metadata", &im, 64 * 1024, 1500, 8);
	corrupt_rounds("1K whole", &im, im.size, 300, 200);
	free(im.data);
	if (!small_image("-b 4096 -N 96", &im)) {
		CHECK(0);
		return;
	}
	corrupt_rounds("4K metadata", &im, 48 * 1024, 1500, 8);
	free(im.data);
}

static void ext2_truncated(void)
{
	static struct ext2_fs fs;
	struct img im;

	if (!small_image("-b 1024 -N 96", &im)) {
		CHECK(0);
		return;
	}
	size_t full = im.size;
	int mounted = 0;
	for (size_t cut = 0; cut < full; cut += cut < 80000 ? 1021 : 40000) {
		im.size = cut;
		if (ext2_mount(&fs, img_read, img_error, &im, 0) == 0) {
			mounted++;
			walked = 0;
			walk(&fs, EXT2_ROOT_INO, 0);
		}
		/* with the true size known, mount refuses */
		CHECK(ext2_mount(&fs, img_read, img_error, &im, cut) != 0);
	}
	CHECK(mounted > 0);
	im.size = full;
	free(im.data);
}

/* One debugfs change to a fresh image; returns the loaded image. */
static bool debugfs_image(const char *req, struct img *im)
{
	char img[600], cmd[2048];

	snprintf(img, sizeof(img), "%s/small.img", tmp);
	CHECK(small_image("-b 1024 -N 96", im));
	free(im->data);
	snprintf(cmd, sizeof(cmd), "debugfs -w -R '%s' %s", req, img);
	CHECK(run(cmd) == 0);
	return load_file(img, im);
}

/* Applies req, then expects op on path to fail with -EIO (and a report). */
static void expect_eio(const char *req, const char *path, int op)
{
	static struct ext2_fs fs;
	static char buf[1 << 19];
	struct img im;
	struct ext2_inode in;
	struct ext2_dirent de;
	uint32_t ino;

	CHECK(debugfs_image(req, &im));
	errors_seen = 0;
	int err = ext2_mount(&fs, img_read, img_error, &im, im.size);
	if (!err && op == 0)
		err = lookup_path(&fs, path, &ino);
	else if (!err && (err = lookup_path(&fs, path, &ino)) == 0 &&
	    (err = ext2_inode_get(&fs, ino, &in)) == 0) {
		if (op == 1) {
			long n = ext2_file_read(&fs, &in, 0, buf, sizeof(buf));
			err = n < 0 ? (int)n : 0;
		} else if (op == 2) {
			err = ext2_readlink(&fs, &in, buf, sizeof(buf));
			err = err < 0 ? err : 0;
		} else {
			uint64_t pos = 0;
			while ((err = ext2_dir_iter(&fs, &in, &pos, &de)) == 1)
				;
		}
	}
	if (err != -EIO || !errors_seen)
		fprintf(stderr, "  '%s' on %s: %d, %d reports\n", req, path, err, errors_seen);
	CHECK_EQ(err, -EIO);
	CHECK(errors_seen > 0);
	free(im.data);
}

static void ext2_corrupt_targeted(void)
{
	expect_eio("sif b block[3] 99999999", "b", 1);
	expect_eio("sif b block[DIND] 99999999", "b", 1);
	expect_eio("sif b flags 0x80000", "b", 1);
	expect_eio("sif b size 0x70000000000000", "b", 1);
	expect_eio("sif slow block[0] 0", "slow", 2);
	expect_eio("sif slow size 5000", "slow", 2);
	expect_eio("sif d/e block[0] 0", "d/e/f1", 0);
	expect_eio("sif d/e size 1000", "d/e/f1", 0);
	expect_eio("sif d/e links_count 0", "d/e/f1", 0);
	expect_eio("sif d/e mode 0170755", "d/e/f1", 0);
	expect_eio("sif d/e block[0] 1", "d/e", 3);	/* the superblock as entries */
	expect_eio("sif <2> mode 0100644", "a", 0);
	expect_eio("set_bg 0 inode_table 99999999", "a", 0);
	expect_eio("sif a links_count 0", "a", 1);
}

/* The extra time words: ns above 2 epoch bits that extend seconds. */
static void ext2_time_extra(void)
{
	static struct ext2_fs fs;
	struct img im;
	struct ext2_inode in;
	uint32_t ino;

	CHECK(debugfs_image("sif a mtime 0xfffffffe", &im));
	free(im.data);
	char img[600], cmd[2048];
	snprintf(img, sizeof(img), "%s/small.img", tmp);
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'sif a mtime_extra 0' %s", img);
	CHECK(run(cmd) == 0);	/* debugfs set epoch bits: clear them */
	CHECK(load_file(img, &im));
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size), 0);
	CHECK_EQ(lookup_path(&fs, "a", &ino), 0);
	CHECK_EQ(ext2_inode_get(&fs, ino, &in), 0);
	CHECK_EQ(in.mtime, -2000000000LL);
	free(im.data);

	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'sif a mtime_extra %u' %s",
	    123456789u << 2 | 1, img);
	CHECK(run(cmd) == 0);
	CHECK(load_file(img, &im));
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size), 0);
	CHECK_EQ(lookup_path(&fs, "a", &ino), 0);
	CHECK_EQ(ext2_inode_get(&fs, ino, &in), 0);
	CHECK_EQ(in.mtime, (-2LL + (1LL << 32)) * 1000000000LL + 123456789);
	free(im.data);

	/* Epoch bits 3 put the time past what ns in an int64_t hold: clamped. */
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'sif a mtime_extra 3' %s", img);
	CHECK(run(cmd) == 0);
	CHECK(load_file(img, &im));
	CHECK_EQ(ext2_mount(&fs, img_read, img_error, &im, im.size), 0);
	CHECK_EQ(lookup_path(&fs, "a", &ino), 0);
	CHECK_EQ(ext2_inode_get(&fs, ino, &in), 0);
	CHECK_EQ(in.mtime, (INT64_MAX / 1000000000LL - 1) * 1000000000LL);
	free(im.data);
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmp, sizeof(tmp), "%s/ext2test.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	if (!have_mke2fs()) {
		printf("SKIP ext2 (mke2fs/debugfs not installed)\n");
		remove_tree(tmp);
		return 0;
	}
	snprintf(tree_small, sizeof(tree_small), "%s/small", tmp);
	snprintf(tree_big, sizeof(tree_big), "%s/big", tmp);
	make_tree(tree_small, false);
	make_tree(tree_big, true);

	RUN(ext2_1k_big);
	RUN(ext2_2k);
	RUN(ext2_4k_big);
	RUN(ext2_rev0);
	RUN(ext2_inode128);
	RUN(ext2_no_filetype);
	RUN(ext2_readdir_cookies);
	RUN(ext2_refusals);
	RUN(ext2_corrupt_targeted);
	RUN(ext2_time_extra);
	RUN(ext2_corrupt_random);
	RUN(ext2_truncated);
	remove_tree(tmp);
	return CHECK_DONE();
}
