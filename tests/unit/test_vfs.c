/* The VFS and ramfs on the host (through tests/unit/kshim): path lookup,
 * symlinks, mounts, open flags, I/O, sparse files, truncate, readdir with
 * resume cookies, rename rules, unlink-while-open, fd tables, read-only
 * mounts, busy unmounts, out-of-memory paths and reference counts, and
 * the shutdown's unmount of everything. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fs/vfs.h"
#include "fs/pcache.h"
#include "mm/mm.h"

int kshim_fail_after;	/* see kshim/mm/mm.h */
struct reclaimer *kshim_reclaimer;


/* ---- helpers ---- */

static long put(const char *path, const char *text)
{
	struct file *f;
	int err = vfs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
	if (err)
		return err;
	long n = vfs_write(f, text, strlen(text));
	file_rele(f);
	return n;
}

/* Reads path into buf as a string; returns the length or an error. */
static long get(const char *path, char *buf, size_t len)
{
	struct file *f;
	int err = vfs_open(path, O_RDONLY, 0, &f);
	if (err)
		return err;
	long n = vfs_read(f, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	file_rele(f);
	return n;
}

static uint64_t ino_of(const char *path)
{
	struct vattr va;
	return vfs_statat(NULL, path, &va, 0) ? 0 : va.ino;
}

static int64_t size_of(const char *path)
{
	struct vattr va;
	int err = vfs_statat(NULL, path, &va, 0);
	return err ? err : va.size;
}

static int rm(const char *path)
{
	return vfs_unlinkat(NULL, path, 0);
}

static int rmd(const char *path)
{
	return vfs_unlinkat(NULL, path, AT_REMOVEDIR);
}

/* ---- cases ---- */

static void test_lookup(void)
{
	char buf[64], name[300], *path;
	CHECK_EQ(vfs_mkdirat(NULL, "/l", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/l/d", 0755), 0);
	CHECK_EQ(put("/l/d/f", "x"), 1);
	CHECK_EQ(get("//l///d/./../d/f", buf, sizeof(buf)), 1);
	CHECK_EQ(ino_of("/l/d/"), ino_of("/l/d"));
	CHECK_EQ(ino_of("/l/d//."), ino_of("/l/d"));
	CHECK_EQ(ino_of("/.."), ino_of("/"));
	CHECK_EQ(ino_of("/../../l/.."), ino_of("/"));
	struct vattr va;
	CHECK_EQ(vfs_statat(NULL, "/l/d/f/", &va, 0), -ENOTDIR);
	CHECK_EQ(vfs_statat(NULL, "/l/d/f/x", &va, 0), -ENOTDIR);
	CHECK_EQ(vfs_statat(NULL, "/l/d/f/.", &va, 0), -ENOTDIR);
	CHECK_EQ(vfs_statat(NULL, "/l/nope/f", &va, 0), -ENOENT);
	CHECK_EQ(vfs_statat(NULL, "", &va, 0), -ENOENT);
	memset(name, 'n', 256);
	name[256] = '\0';
	CHECK_EQ(vfs_statat(NULL, name, &va, 0), -ENAMETOOLONG);
	CHECK_EQ(vfs_mkdirat(NULL, name, 0755), -ENAMETOOLONG);
	name[255] = '\0';
	CHECK_EQ(vfs_statat(NULL, name, &va, 0), -ENOENT);
	path = malloc(5000);
	for (int i = 0; i < 4999; i += 2)
		memcpy(path + i, "./", 2);
	path[4999] = '\0';
	CHECK_EQ(vfs_statat(NULL, path, &va, 0), -ENAMETOOLONG);
	path[4094] = '\0';
	CHECK_EQ(vfs_statat(NULL, path, &va, 0), 0);
	free(path);
	/* Relative to a directory vnode and to the cwd. */
	struct vnode *d;
	CHECK_EQ(vfs_lookupat(NULL, "/l/d", LOOKUP_DIRECTORY, &d), 0);
	CHECK_EQ(vfs_statat(d, "f", &va, 0), 0);
	CHECK_EQ(vfs_statat(d, "../d/f", &va, 0), 0);
	CHECK_EQ(vfs_statat(d, "", &va, AT_EMPTY_PATH), 0);
	CHECK_EQ(va.ino, d->ino);
	CHECK_EQ(vfs_lookupat(NULL, "/l/d/f", LOOKUP_DIRECTORY, &d), -ENOTDIR);
	vn_rele(d);
	CHECK_EQ(vfs_chdir("/l/d/f"), -ENOTDIR);
	CHECK_EQ(vfs_chdir("/l/d"), 0);
	CHECK_EQ(get("f", buf, sizeof(buf)), 1);
	CHECK_EQ(vfs_getcwd(buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, "/l/d"));
	CHECK_EQ(vfs_getcwd(buf, 3), -ERANGE);
	CHECK_EQ(vfs_chdir(".."), 0);
	CHECK_EQ(vfs_getcwd(buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, "/l"));
	CHECK_EQ(vfs_chdir("/"), 0);
	CHECK_EQ(vfs_getcwd(buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, "/"));
	CHECK_EQ(rm("/l/d/f"), 0);
	CHECK_EQ(rmd("/l/d"), 0);
	CHECK_EQ(rmd("/l"), 0);
}

static void test_symlinks(void)
{
	char buf[64];
	struct vattr va;
	CHECK_EQ(vfs_mkdirat(NULL, "/s", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/s/dir", 0755), 0);
	CHECK_EQ(put("/s/dir/file", "data"), 4);
	CHECK_EQ(vfs_symlinkat("dir/file", NULL, "/s/rel"), 0);
	CHECK_EQ(vfs_symlinkat("/s/dir", NULL, "/s/abs"), 0);
	CHECK_EQ(vfs_symlinkat("rel", NULL, "/s/chain"), 0);
	CHECK_EQ(vfs_symlinkat("../abs/", NULL, "/s/dir/up"), 0);
	CHECK_EQ(vfs_symlinkat("missing", NULL, "/s/dangling"), 0);
	CHECK_EQ(vfs_symlinkat("loop2", NULL, "/s/loop1"), 0);
	CHECK_EQ(vfs_symlinkat("loop1", NULL, "/s/loop2"), 0);
	CHECK_EQ(vfs_symlinkat("self/x", NULL, "/s/self"), 0);
	CHECK_EQ(get("/s/rel", buf, sizeof(buf)), 4);
	CHECK_EQ(get("/s/chain", buf, sizeof(buf)), 4);
	CHECK_EQ(get("/s/abs/file", buf, sizeof(buf)), 4);
	CHECK_EQ(get("/s/dir/up/up/up/file", buf, sizeof(buf)), 4);
	CHECK_EQ(ino_of("/s/abs/"), ino_of("/s/dir"));
	CHECK_EQ(vfs_statat(NULL, "/s/rel/", &va, 0), -ENOTDIR);
	CHECK_EQ(vfs_statat(NULL, "/s/chain", &va, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ(va.mode & S_IFMT, S_IFLNK);
	CHECK_EQ(va.size, 3);
	CHECK_EQ(vfs_statat(NULL, "/s/dangling", &va, 0), -ENOENT);
	CHECK_EQ(vfs_statat(NULL, "/s/loop1", &va, 0), -ELOOP);
	CHECK_EQ(vfs_statat(NULL, "/s/loop1", &va, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ(vfs_statat(NULL, "/s/self", &va, 0), -ELOOP);
	CHECK_EQ(vfs_readlinkat(NULL, "/s/abs", buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "/s/dir", 6));
	CHECK_EQ(vfs_readlinkat(NULL, "/s/abs", buf, 3), 3);
	CHECK_EQ(vfs_readlinkat(NULL, "/s/dir", buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(vfs_symlinkat("", NULL, "/s/empty"), -ENOENT);
	CHECK_EQ(vfs_symlinkat("x", NULL, "/s/rel"), -EEXIST);
	/* 40 links are followed, the 41st is a loop. */
	char name[32], target[32];
	for (int i = 0; i < 41; i++) {
		snprintf(name, sizeof(name), "/s/n%d", i);
		snprintf(target, sizeof(target), i ? "n%d" : "dir/file", i - 1);
		CHECK_EQ(vfs_symlinkat(target, NULL, name), 0);
	}
	CHECK_EQ(get("/s/n39", buf, sizeof(buf)), 4);
	CHECK_EQ(get("/s/n40", buf, sizeof(buf)), -ELOOP);
	for (int i = 0; i < 41; i++) {
		snprintf(name, sizeof(name), "/s/n%d", i);
		CHECK_EQ(rm(name), 0);
	}
	/* unlink removes the link, not its target; rmdir refuses links. */
	CHECK_EQ(rmd("/s/abs"), -ENOTDIR);
	const char *links[] = { "rel", "abs", "chain", "dir/up", "dangling", "loop1", "loop2", "self" };
	for (unsigned i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(name, sizeof(name), "/s/%s", links[i]);
		CHECK_EQ(rm(name), 0);
	}
	CHECK_EQ(get("/s/dir/file", buf, sizeof(buf)), 4);
	CHECK_EQ(rm("/s/dir/file"), 0);
	CHECK_EQ(rmd("/s/dir"), 0);
	CHECK_EQ(rmd("/s"), 0);
}

static void test_open_flags(void)
{
	struct file *f;
	char buf[64];
	CHECK_EQ(vfs_mkdirat(NULL, "/o", 0755), 0);
	CHECK_EQ(vfs_open("/o/a", O_RDONLY, 0, &f), -ENOENT);
	CHECK_EQ(vfs_open("/o/a", O_RDWR | O_CREAT | O_EXCL, 0600, &f), 0);
	CHECK_EQ(vfs_write(f, "hello", 5), 5);
	file_rele(f);
	CHECK_EQ(vfs_open("/o/a", O_RDWR | O_CREAT | O_EXCL, 0600, &f), -EEXIST);
	struct vattr va;
	CHECK_EQ(vfs_statat(NULL, "/o/a", &va, 0), 0);
	CHECK_EQ(va.mode, S_IFREG | 0600);
	CHECK_EQ(va.nlink, 1);
	CHECK_EQ(vfs_open("/o/a", O_WRONLY | O_APPEND, 0, &f), 0);
	CHECK_EQ(vfs_write(f, "!!", 2), 2);
	CHECK_EQ(vfs_lseek(f, 0, SEEK_SET), 0);
	CHECK_EQ(vfs_write(f, "?", 1), 1);	/* O_APPEND: still at the end */
	CHECK_EQ(vfs_read(f, buf, 1), -EBADF);
	file_rele(f);
	CHECK_EQ(get("/o/a", buf, sizeof(buf)), 8);
	CHECK(!strcmp(buf, "hello!!?"));
	CHECK_EQ(vfs_open("/o/a", O_WRONLY | O_TRUNC, 0, &f), 0);
	CHECK_EQ(size_of("/o/a"), 0);
	CHECK_EQ(vfs_write(f, "x", 1), 1);
	file_rele(f);
	CHECK_EQ(vfs_open("/o/a", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	CHECK_EQ(vfs_open("/o", O_WRONLY, 0, &f), -EISDIR);
	CHECK_EQ(vfs_open("/o", O_RDONLY | O_CREAT, 0644, &f), -EISDIR);
	CHECK_EQ(vfs_open("/o/new/", O_RDWR | O_CREAT, 0644, &f), -EISDIR);
	CHECK_EQ(vfs_open("/o", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	CHECK_EQ(vfs_read(f, buf, 1), -EISDIR);
	file_rele(f);
	CHECK_EQ(vfs_symlinkat("a", NULL, "/o/link"), 0);
	CHECK_EQ(vfs_open("/o/link", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
	CHECK_EQ(vfs_open("/o/link", O_RDONLY | O_NOFOLLOW | O_PATH, 0, &f), 0);
	CHECK_EQ(vfs_read(f, buf, 1), -EBADF);
	file_rele(f);
	CHECK_EQ(vfs_open("/o/link", O_RDWR | O_CREAT | O_EXCL, 0644, &f), -EEXIST);
	/* O_CREAT through a dangling symlink creates its target. */
	CHECK_EQ(vfs_symlinkat("made", NULL, "/o/dangling"), 0);
	CHECK_EQ(vfs_open("/o/dangling", O_WRONLY | O_CREAT, 0644, &f), 0);
	file_rele(f);
	CHECK_EQ(size_of("/o/made"), 0);
	const char *names[] = { "/o/a", "/o/link", "/o/dangling", "/o/made" };
	for (int i = 0; i < 4; i++)
		CHECK_EQ(rm(names[i]), 0);
	CHECK_EQ(rmd("/o"), 0);
}

static void test_read_write(void)
{
	struct file *f;
	char buf[64];
	CHECK_EQ(vfs_open("/rw", O_RDWR | O_CREAT, 0644, &f), 0);
	CHECK_EQ(vfs_write(f, "0123456789", 10), 10);
	CHECK_EQ(vfs_lseek(f, 0, SEEK_CUR), 10);
	CHECK_EQ(vfs_lseek(f, -4, SEEK_END), 6);
	CHECK_EQ(vfs_read(f, buf, 64), 4);
	CHECK(!memcmp(buf, "6789", 4));
	CHECK_EQ(vfs_read(f, buf, 64), 0);
	CHECK_EQ(vfs_lseek(f, -11, SEEK_END), -EINVAL);
	CHECK_EQ(vfs_lseek(f, 0, 42), -EINVAL);
	CHECK_EQ(vfs_pread(f, buf, 3, 2), 3);
	CHECK(!memcmp(buf, "234", 3));
	CHECK_EQ(vfs_lseek(f, 0, SEEK_CUR), 10);	/* pread leaves the position */
	CHECK_EQ(vfs_pwrite(f, "AB", 2, 4), 2);
	CHECK_EQ(vfs_pread(f, buf, 64, 100), 0);
	CHECK_EQ(vfs_pread(f, buf, 1, -1), -EINVAL);
	char a[3] = "xy", b[5];
	struct kiovec out[2] = { { "ab", 2 }, { "cde", 3 } };
	CHECK_EQ(vfs_lseek(f, 0, SEEK_SET), 0);
	CHECK_EQ(vfs_writev(f, out, 2, -1), 5);
	struct kiovec in[2] = { { a, 2 }, { b, 5 } };
	CHECK_EQ(vfs_readv(f, in, 2, 0), 7);
	CHECK(!memcmp(a, "ab", 2) && !memcmp(b, "cdeB6", 5));
	CHECK_EQ(vfs_lseek(f, 0, SEEK_CUR), 5);
	CHECK_EQ(vfs_fsync(f, false), 0);
	file_rele(f);
	CHECK_EQ(get("/rw", buf, sizeof(buf)), 10);
	CHECK(!strcmp(buf, "abcdeB6789"));
	CHECK_EQ(rm("/rw"), 0);
}

static void test_sparse(void)
{
	struct file *f;
	char buf[4096];
	const int64_t giga = 1LL << 30;
	CHECK_EQ(vfs_open("/sparse", O_RDWR | O_CREAT, 0644, &f), 0);
	CHECK_EQ(vfs_pwrite(f, "tail", 4, giga), 4);
	struct vattr va;
	CHECK_EQ(vfs_fstat(f, &va), 0);
	CHECK_EQ(va.size, giga + 4);
	CHECK_EQ(va.blocks, 8);		/* one page */
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(vfs_pread(f, buf, sizeof(buf), giga / 2 + 100), (long)sizeof(buf));
	bool zero = true;
	for (size_t i = 0; i < sizeof(buf); i++)
		zero = zero && !buf[i];
	CHECK(zero);
	CHECK_EQ(vfs_pread(f, buf, 10, giga), 4);
	CHECK(!memcmp(buf, "tail", 4));
	CHECK_EQ(vfs_lseek(f, 0, SEEK_DATA), giga);
	CHECK_EQ(vfs_lseek(f, 0, SEEK_HOLE), 0);
	CHECK_EQ(vfs_lseek(f, giga, SEEK_HOLE), giga + 4);
	CHECK_EQ(vfs_lseek(f, giga + 4, SEEK_DATA), -ENXIO);
	CHECK_EQ(vfs_pwrite(f, "x", 1, 1LL << 58), -EFBIG);
	file_rele(f);
	struct vfs_statfs st;
	CHECK_EQ(vfs_statfsat(NULL, "/sparse", &st), 0);
	CHECK_EQ(st.type, 0x858458f6);
	CHECK(st.blocks > st.bfree);
	CHECK_EQ(rm("/sparse"), 0);
}

static void test_truncate(void)
{
	struct file *f;
	char buf[8192];
	CHECK_EQ(vfs_open("/t", O_RDWR | O_CREAT, 0644, &f), 0);
	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(vfs_write(f, buf, sizeof(buf)), (long)sizeof(buf));
	CHECK_EQ(vfs_ftruncate(f, 100), 0);
	CHECK_EQ(size_of("/t"), 100);
	CHECK_EQ(vfs_truncateat(NULL, "/t", 6000), 0);	/* grow: zeros after 100 */
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(vfs_pread(f, buf, sizeof(buf), 0), 6000);
	CHECK(buf[99] == 'z' && buf[100] == 0 && buf[4095] == 0 && buf[5999] == 0);
	struct vattr va;
	CHECK_EQ(vfs_fstat(f, &va), 0);
	CHECK_EQ(va.blocks, 8);
	CHECK_EQ(vfs_ftruncate(f, -1), -EINVAL);
	CHECK_EQ(vfs_ftruncate(f, 0), 0);
	CHECK_EQ(vfs_fstat(f, &va), 0);
	CHECK_EQ(va.blocks, 0);
	file_rele(f);
	CHECK_EQ(vfs_open("/t", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_ftruncate(f, 5), -EBADF);
	file_rele(f);
	CHECK_EQ(vfs_truncateat(NULL, "/", 0), -EISDIR);
	CHECK_EQ(rm("/t"), 0);
}

struct collect {
	struct dir_ctx ctx;
	int budget;			/* entries to accept in this call */
	int seen;
	unsigned char *marks;		/* per file number */
	int dots;
	int bad;
};

static int collect_emit(struct dir_ctx *ctx, const char *name, size_t len,
			uint64_t ino, unsigned dtype)
{
	struct collect *c = (struct collect *)ctx;
	if (c->budget-- <= 0)
		return 1;
	if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2))) {
		c->dots++;
		return 0;
	}
	int n = atoi(name + 1);
	if (name[0] != 'e' || n < 0 || n >= 10000 || dtype != DT_REG || !ino)
		c->bad++;
	else
		c->marks[n]++;
	c->seen++;
	return 0;
}

static void test_readdir(void)
{
	enum { N = 10000 };
	char name[32];
	struct file *f;
	CHECK_EQ(vfs_mkdirat(NULL, "/big", 0755), 0);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "/big/e%d", i);
		CHECK_EQ(vfs_mknodat(NULL, name, S_IFREG | 0644, 0), 0);
	}
	CHECK_EQ(vfs_mknodat(NULL, "/big/e5", S_IFREG | 0644, 0), -EEXIST);
	struct collect c = { .ctx = { .emit = collect_emit }, .marks = calloc(N, 1) };
	CHECK_EQ(vfs_open("/big", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	int calls = 0;
	for (;;) {
		int before = c.seen + c.dots;
		c.budget = 97;
		CHECK_EQ(vfs_getdents(f, &c.ctx), 0);
		calls++;
		if (c.seen + c.dots == before)
			break;
		if (calls == 20)	/* removing entries already read changes nothing */
			for (int i = 0; i < 100; i++) {
				snprintf(name, sizeof(name), "/big/e%d", i);
				CHECK_EQ(rm(name), 0);
			}
	}
	CHECK_EQ(c.dots, 2);
	CHECK_EQ(c.bad, 0);
	CHECK_EQ(c.seen, N);
	int once = 0;
	for (int i = 0; i < N; i++)
		once += c.marks[i] == 1;
	CHECK_EQ(once, N);
	/* Rewind: everything but the removed ones. */
	memset(c.marks, 0, N);
	c.seen = c.dots = 0;
	c.budget = 1 << 30;
	CHECK_EQ(vfs_lseek(f, 0, SEEK_SET), 0);
	CHECK_EQ(vfs_getdents(f, &c.ctx), 0);
	CHECK_EQ(c.seen, N - 100);
	file_rele(f);
	free(c.marks);
	CHECK_EQ(rmd("/big"), -ENOTEMPTY);
	for (int i = 100; i < N; i++) {
		snprintf(name, sizeof(name), "/big/e%d", i);
		CHECK_EQ(rm(name), 0);
	}
	CHECK_EQ(rmd("/big"), 0);
}

static void test_rename(void)
{
	char buf[64];
	struct vattr va;
	CHECK_EQ(vfs_mkdirat(NULL, "/r", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/r/d1", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/r/d1/sub", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/r/d2", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/r/full", 0755), 0);
	CHECK_EQ(put("/r/full/x", "x"), 1);
	CHECK_EQ(put("/r/f1", "one"), 3);
	CHECK_EQ(put("/r/f2", "two"), 3);
	uint64_t f1 = ino_of("/r/f1");
	/* Replacing a file. */
	CHECK_EQ(vfs_renameat(NULL, "/r/f1", NULL, "/r/f2", 0), 0);
	CHECK_EQ(ino_of("/r/f2"), f1);
	CHECK_EQ(vfs_statat(NULL, "/r/f1", &va, 0), -ENOENT);
	CHECK_EQ(vfs_renameat(NULL, "/r/f1", NULL, "/r/f3", 0), -ENOENT);
	CHECK_EQ(vfs_renameat(NULL, "/r/f2", NULL, "/r/f2", 0), 0);
	CHECK_EQ(vfs_renameat(NULL, "/r/f2", NULL, "/r/d1", 0), -EISDIR);
	CHECK_EQ(vfs_renameat(NULL, "/r/d1", NULL, "/r/f2", 0), -ENOTDIR);
	CHECK_EQ(vfs_renameat(NULL, "/r/d2", NULL, "/r/full", 0), -ENOTEMPTY);
	CHECK_EQ(vfs_renameat(NULL, "/r/d1", NULL, "/r/d1/sub/in", 0), -EINVAL);
	CHECK_EQ(vfs_renameat(NULL, "/r/d1", NULL, "/r/d1/sub", 0), -EINVAL);
	CHECK_EQ(vfs_renameat(NULL, "/r/d1/sub", NULL, "/r/d1", 0), -ENOTEMPTY);
	CHECK_EQ(vfs_renameat(NULL, "/r/f2/", NULL, "/r/f9", 0), -ENOTDIR);
	CHECK_EQ(vfs_renameat(NULL, "/r/.", NULL, "/r/x", 0), -EBUSY);
	CHECK_EQ(vfs_renameat(NULL, "/r/f2", NULL, "/r/d2/..", 0), -EBUSY);
	CHECK_EQ(vfs_renameat(NULL, "/r/f2", NULL, "/r/full/x", RENAME_NOREPLACE), -EEXIST);
	CHECK_EQ(vfs_renameat(NULL, "/r/f2", NULL, "/r/nodir/x", 0), -ENOENT);
	/* Directories across parents: nlink of both parents follows. */
	CHECK_EQ(vfs_statat(NULL, "/r/d1", &va, 0), 0);
	CHECK_EQ(va.nlink, 3);
	CHECK_EQ(vfs_renameat(NULL, "/r/d1/sub", NULL, "/r/d2/moved", 0), 0);
	CHECK_EQ(vfs_statat(NULL, "/r/d1", &va, 0), 0);
	CHECK_EQ(va.nlink, 2);
	CHECK_EQ(vfs_statat(NULL, "/r/d2", &va, 0), 0);
	CHECK_EQ(va.nlink, 3);
	CHECK_EQ(ino_of("/r/d2/moved/.."), ino_of("/r/d2"));
	/* Over an empty directory, with a trailing slash. */
	CHECK_EQ(vfs_renameat(NULL, "/r/d2/moved/", NULL, "/r/d1/", 0), 0);
	CHECK_EQ(vfs_statat(NULL, "/r/d2/moved", &va, 0), -ENOENT);
	CHECK_EQ(ino_of("/r/d1/.."), ino_of("/r"));
	/* Hard links: renaming one name over another of the same file. */
	CHECK_EQ(vfs_linkat(NULL, "/r/f2", NULL, "/r/hard", 0), 0);
	CHECK_EQ(vfs_statat(NULL, "/r/f2", &va, 0), 0);
	CHECK_EQ(va.nlink, 2);
	CHECK_EQ(vfs_renameat(NULL, "/r/f2", NULL, "/r/hard", 0), 0);
	CHECK_EQ(ino_of("/r/f2"), f1);		/* POSIX: nothing happens */
	CHECK_EQ(rm("/r/f2"), 0);
	CHECK_EQ(get("/r/hard", buf, sizeof(buf)), 3);
	CHECK(!strcmp(buf, "one"));
	CHECK_EQ(vfs_linkat(NULL, "/r/d1", NULL, "/r/dl", 0), -EPERM);
	CHECK_EQ(vfs_linkat(NULL, "/r/hard", NULL, "/r/full/x", 0), -EEXIST);
	CHECK_EQ(rm("/r/hard"), 0);
	CHECK_EQ(rm("/r/full/x"), 0);
	CHECK_EQ(rmd("/r/full"), 0);
	CHECK_EQ(rmd("/r/d2"), 0);
	CHECK_EQ(rmd("/r/d1"), 0);
	CHECK_EQ(rmd("/r/."), -EINVAL);
	CHECK_EQ(rmd("/r/.."), -ENOTEMPTY);
	CHECK_EQ(rm("/r"), -EISDIR);
	CHECK_EQ(rmd("/r"), 0);
	CHECK_EQ(rmd("/"), -EBUSY);
}

static void test_unlink_open(void)
{
	struct file *f, *g;
	char buf[16];
	long before = vnode_count();
	CHECK_EQ(vfs_open("/gone", O_RDWR | O_CREAT, 0644, &f), 0);
	CHECK_EQ(vfs_write(f, "abc", 3), 3);
	CHECK_EQ(vfs_open("/gone", O_RDONLY, 0, &g), 0);
	CHECK_EQ(rm("/gone"), 0);
	CHECK_EQ(vfs_open("/gone", O_RDONLY, 0, &f), -ENOENT);
	CHECK_EQ(vfs_pwrite(f, "defg", 4, 3), 4);
	CHECK_EQ(vfs_pread(g, buf, sizeof(buf), 0), 7);
	CHECK(!memcmp(buf, "abcdefg", 7));
	struct vattr va;
	CHECK_EQ(vfs_fstat(g, &va), 0);
	CHECK_EQ(va.nlink, 0);
	file_rele(f);
	CHECK_EQ(vnode_count(), before + 1);
	file_rele(g);
	CHECK_EQ(vnode_count(), before);	/* freed at the last close */
	/* A removed directory that is still the cwd. */
	CHECK_EQ(vfs_mkdirat(NULL, "/cwdgone", 0755), 0);
	CHECK_EQ(vfs_chdir("/cwdgone"), 0);
	CHECK_EQ(rmd("/cwdgone"), 0);
	CHECK_EQ(vfs_mknodat(NULL, "x", S_IFREG, 0), -ENOENT);
	CHECK_EQ(vfs_statat(NULL, "..", &va, 0), -ENOENT);
	CHECK_EQ(vfs_chdir("/"), 0);
	CHECK_EQ(vnode_count(), before);
}

/* /proc/PID/fd's names: the path as opened (through a symlink: the
 * target's), a directory's from its parents, " (deleted)" once unlinked,
 * ERANGE when it does not fit. */
static void test_file_path(void)
{
	struct file *f, *d;
	char buf[64];
	CHECK_EQ(vfs_mkdirat(NULL, "/fp", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/fp/sub", 0755), 0);
	CHECK_EQ(put("/fp/sub/file", "x"), 1);
	CHECK_EQ(vfs_symlinkat("sub/file", NULL, "/fp/link"), 0);
	CHECK_EQ(vfs_chdir("/fp"), 0);
	CHECK_EQ(vfs_open("./sub/../sub/file", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_path(f, buf, sizeof(buf)), 12);
	CHECK(!strcmp(buf, "/fp/sub/file"));
	CHECK_EQ(vfs_file_path(f, buf, 12), -ERANGE);
	file_rele(f);
	CHECK_EQ(vfs_open("link", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_path(f, buf, sizeof(buf)), 12);
	CHECK(!strcmp(buf, "/fp/sub/file"));
	CHECK_EQ(vfs_open("sub", O_RDONLY | O_DIRECTORY, 0, &d), 0);
	CHECK_EQ(vfs_file_path(d, buf, sizeof(buf)), 7);
	CHECK(!strcmp(buf, "/fp/sub"));
	file_rele(d);
	CHECK_EQ(vfs_chdir("/"), 0);
	CHECK_EQ(rm("/fp/sub/file"), 0);
	CHECK_EQ(vfs_file_path(f, buf, sizeof(buf)), 22);
	CHECK(!strcmp(buf, "/fp/sub/file (deleted)"));
	file_rele(f);
	CHECK_EQ(vfs_open("/", O_RDONLY, 0, &d), 0);
	CHECK_EQ(vfs_file_path(d, buf, sizeof(buf)), 1);
	CHECK(!strcmp(buf, "/"));
	file_rele(d);
	CHECK_EQ(rm("/fp/link"), 0);
	CHECK_EQ(rmd("/fp/sub"), 0);
	CHECK_EQ(rmd("/fp"), 0);
}

static void test_mounts(void)
{
	struct file *f;
	char buf[64];
	struct vattr va;
	long before = vnode_count();
	CHECK_EQ(vfs_mkdirat(NULL, "/m", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/m/mnt", 0755), 0);
	CHECK_EQ(put("/m/mnt/hidden", "under"), 5);
	uint64_t covered = ino_of("/m/mnt");
	CHECK_EQ(vfs_mount("none", "/m/mnt", "nosuchfs", 0, NULL), -ENODEV);
	CHECK_EQ(vfs_mount("none", "/m/mnt/hidden", "ramfs", 0, NULL), -ENOTDIR);
	CHECK_EQ(vfs_mount("none", "/m/mnt", "ramfs", 0, NULL), 0);
	CHECK_EQ(vfs_statat(NULL, "/m/mnt/hidden", &va, 0), -ENOENT);
	CHECK_EQ(vfs_statat(NULL, "/m/mnt", &va, 0), 0);
	CHECK(va.dev != 0);
	CHECK(va.ino != covered);
	struct vattr rootva;
	CHECK_EQ(vfs_statat(NULL, "/m", &rootva, 0), 0);
	CHECK(rootva.dev != va.dev);
	/* Crossing both ways. */
	CHECK_EQ(vfs_mkdirat(NULL, "/m/mnt/in", 0755), 0);
	CHECK_EQ(put("/m/mnt/in/f", "over"), 4);
	CHECK_EQ(ino_of("/m/mnt/in/../.."), ino_of("/m"));
	CHECK_EQ(ino_of("/m/mnt/.."), ino_of("/m"));
	CHECK_EQ(vfs_symlinkat("../../mnt/in/f", NULL, "/m/mnt/in/viaup"), 0);
	CHECK_EQ(get("/m/mnt/in/viaup", buf, sizeof(buf)), 4);
	CHECK_EQ(vfs_chdir("/m/mnt/in"), 0);
	CHECK_EQ(vfs_getcwd(buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, "/m/mnt/in"));
	CHECK_EQ(vfs_umount("/m/mnt", 0), -EBUSY);	/* cwd inside */
	CHECK_EQ(vfs_chdir("/"), 0);
	/* Nothing crosses a mount boundary. */
	CHECK_EQ(vfs_renameat(NULL, "/m/mnt/in/f", NULL, "/m/f", 0), -EXDEV);
	CHECK_EQ(vfs_linkat(NULL, "/m/mnt/in/f", NULL, "/m/f", 0), -EXDEV);
	CHECK_EQ(vfs_renameat(NULL, "/m/mnt", NULL, "/m/other", 0), -EBUSY);
	CHECK_EQ(rmd("/m/mnt"), -EBUSY);
	/* Busy while a file is open or a mount sits inside. */
	CHECK_EQ(vfs_open("/m/mnt/in/f", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_umount("/m/mnt", 0), -EBUSY);
	file_rele(f);
	CHECK_EQ(vfs_mount("none", "/m/mnt/in", "ramfs", 0, NULL), 0);
	CHECK_EQ(vfs_umount("/m/mnt", 0), -EBUSY);
	CHECK_EQ(vfs_umount("/m/mnt/in", 0), 0);
	CHECK_EQ(vfs_umount("/m/mnt/in/f", 0), -EINVAL);
	CHECK_EQ(vfs_umount("/m", 0), -EINVAL);
	CHECK_EQ(vfs_umount("/", 0), -EBUSY);
	CHECK_EQ(vfs_umount("/m/mnt", 0), 0);
	CHECK_EQ(get("/m/mnt/hidden", buf, sizeof(buf)), 5);
	/* Stacked mounts. */
	CHECK_EQ(vfs_mount("a", "/m/mnt", "ramfs", 0, NULL), 0);
	CHECK_EQ(put("/m/mnt/first", "1"), 1);
	CHECK_EQ(vfs_mount("b", "/m/mnt", "ramfs", 0, NULL), 0);
	CHECK_EQ(vfs_statat(NULL, "/m/mnt/first", &va, 0), -ENOENT);
	CHECK_EQ(ino_of("/m/mnt/.."), ino_of("/m"));
	CHECK_EQ(vfs_umount("/m/mnt", 0), 0);
	CHECK_EQ(vfs_statat(NULL, "/m/mnt/first", &va, 0), 0);
	CHECK_EQ(vfs_umount("/m/mnt", 0), 0);
	CHECK_EQ(rm("/m/mnt/hidden"), 0);
	CHECK_EQ(rmd("/m/mnt"), 0);
	CHECK_EQ(rmd("/m"), 0);
	CHECK_EQ(vnode_count(), before);
}

static void test_readonly(void)
{
	struct file *f;
	char buf[16];
	struct vattr va;
	CHECK_EQ(vfs_mkdirat(NULL, "/ro", 0755), 0);
	CHECK_EQ(vfs_mount("none", "/ro", "ramfs", 0, NULL), 0);
	CHECK_EQ(put("/ro/f", "data"), 4);
	CHECK_EQ(vfs_mkdirat(NULL, "/ro/d", 0755), 0);
	CHECK_EQ(vfs_mount(NULL, "/ro", NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	CHECK_EQ(put("/ro/g", "x"), -EROFS);
	CHECK_EQ(vfs_open("/ro/f", O_RDWR, 0, &f), -EROFS);
	CHECK_EQ(vfs_mkdirat(NULL, "/ro/e", 0755), -EROFS);
	/* An existing name is EEXIST before EROFS, as Linux answers. */
	CHECK_EQ(vfs_mkdirat(NULL, "/ro/d", 0755), -EEXIST);
	CHECK_EQ(vfs_symlinkat("f", NULL, "/ro/l"), -EROFS);
	CHECK_EQ(rm("/ro/f"), -EROFS);
	CHECK_EQ(rmd("/ro/d"), -EROFS);
	CHECK_EQ(vfs_renameat(NULL, "/ro/f", NULL, "/ro/g", 0), -EROFS);
	CHECK_EQ(vfs_truncateat(NULL, "/ro/f", 0), -EROFS);
	CHECK_EQ(vfs_chmodat(NULL, "/ro/f", 0600, 0), -EROFS);
	CHECK_EQ(vfs_accessat(NULL, "/ro/f", 2, 0), -EROFS);
	CHECK_EQ(vfs_accessat(NULL, "/ro/f", 4, 0), 0);
	CHECK_EQ(get("/ro/f", buf, sizeof(buf)), 4);
	CHECK_EQ(vfs_statat(NULL, "/ro/f", &va, 0), 0);
	struct vfs_statfs st;
	CHECK_EQ(vfs_statfsat(NULL, "/ro", &st), 0);
	CHECK_EQ(st.flags & 1, 1);
	CHECK_EQ(vfs_mount(NULL, "/ro", NULL, MS_REMOUNT, NULL), 0);
	CHECK_EQ(rm("/ro/f"), 0);
	CHECK_EQ(vfs_umount("/ro", 0), 0);
	/* Mounted read-only from the start. */
	CHECK_EQ(vfs_mount("none", "/ro", "ramfs", MS_RDONLY, NULL), 0);
	CHECK_EQ(put("/ro/f", "data"), -EROFS);
	CHECK_EQ(vfs_umount("/ro", 0), 0);
	CHECK_EQ(rmd("/ro"), 0);
}

static void test_attrs(void)
{
	struct vattr va;
	CHECK_EQ(put("/attr", "x"), 1);
	CHECK_EQ(vfs_chmodat(NULL, "/attr", 04711, 0), 0);
	CHECK_EQ(vfs_chownat(NULL, "/attr", 5, (uint32_t)-1, 0), 0);
	int64_t times[2] = { 1000000000LL * 1000 + 5, UTIME_OMIT };
	CHECK_EQ(vfs_utimensat(NULL, "/attr", times, 0), 0);
	CHECK_EQ(vfs_statat(NULL, "/attr", &va, 0), 0);
	CHECK_EQ(va.mode, S_IFREG | 04711);
	CHECK_EQ(va.uid, 5);
	CHECK_EQ(va.gid, 0);
	CHECK_EQ(va.atime, times[0]);
	CHECK(va.mtime > times[0]);
	CHECK(va.ctime >= va.mtime);
	CHECK_EQ(va.blksize, 4096);
	CHECK_EQ(vfs_mknodat(NULL, "/dev0", S_IFCHR | 0600, 0x0501), 0);
	CHECK_EQ(vfs_statat(NULL, "/dev0", &va, 0), 0);
	CHECK_EQ(va.mode, S_IFCHR | 0600);
	CHECK_EQ(va.rdev, 0x0501);
	struct file *f;
	CHECK_EQ(vfs_open("/dev0", O_RDWR, 0, &f), -ENXIO);	/* no devfs here */
	CHECK_EQ(vfs_mknodat(NULL, "/d", S_IFDIR, 0), -EPERM);
	CHECK_EQ(rm("/dev0"), 0);
	CHECK_EQ(rm("/attr"), 0);
}

/* A file with its own ops and no vnode, like a pipe. */
static long fake_read(struct file *f, void *buf, size_t len, int64_t *pos)
{
	memset(buf, 'p', len);
	return (long)len;
}

static int fake_released;
static void fake_release(struct file *f) { fake_released++; }

static const struct file_ops fake_ops = { .read = fake_read, .release = fake_release };

static void test_fdtable(void)
{
	struct fdtable t;
	struct file *f;
	fdtable_init(&t, 0);
	CHECK_EQ(vfs_open("/fd", O_RDWR | O_CREAT, 0644, &f), 0);
	CHECK_EQ(fd_install(&t, f, 0, 0), 0);
	CHECK_EQ(fd_dup(&t, 0, 0, 0), 1);
	CHECK_EQ(fd_dup(&t, 0, 10, FD_CLOEXEC), 10);
	CHECK_EQ(fd_dup(&t, 0, 0, 0), 2);
	CHECK_EQ(fd_close(&t, 1), 0);
	CHECK_EQ(fd_close(&t, 1), -EBADF);
	CHECK_EQ(fd_dup(&t, 0, 0, 0), 1);	/* lowest free */
	CHECK_EQ(fd_dup2(&t, 2, 2), 2);
	CHECK_EQ(fd_dup2(&t, 7, 7), -EBADF);
	CHECK_EQ(fd_dup3(&t, 2, 2, 0), -EINVAL);
	CHECK_EQ(fd_dup3(&t, 2, 5, O_CLOEXEC), 5);
	CHECK_EQ(fd_get_flags(&t, 5), FD_CLOEXEC);
	CHECK_EQ(fd_set_flags(&t, 5, 0), 0);
	CHECK_EQ(fd_get_flags(&t, 5), 0);
	CHECK_EQ(fd_get_flags(&t, 10), FD_CLOEXEC);
	CHECK_EQ(fd_dup2(&t, 0, -1), -EBADF);
	CHECK_EQ(fd_dup2(&t, 0, FD_LIMIT), -EBADF);
	/* dup2 onto an open fd closes what was there. */
	struct file *p = file_new(&fake_ops, O_RDONLY, NULL);
	CHECK_EQ(fd_install(&t, p, 0, 0), 3);
	CHECK_EQ(fd_dup2(&t, 0, 3), 3);
	CHECK_EQ(fake_released, 1);
	/* Shared offsets between dups. */
	struct file *a, *b;
	CHECK_EQ(fd_get(&t, 0, &a), 0);
	CHECK_EQ(fd_get(&t, 1, &b), 0);
	CHECK_EQ(vfs_write(a, "xyz", 3), 3);
	CHECK_EQ(vfs_lseek(b, 0, SEEK_CUR), 3);
	file_rele(a);
	file_rele(b);
	CHECK_EQ(fd_get(&t, 4, &a), -EBADF);
	fdtable_close_on_exec(&t);
	CHECK_EQ(fd_get_flags(&t, 10), -EBADF);
	CHECK_EQ(fd_get_flags(&t, 5), 0);
	/* EMFILE at the limit. */
	int last = 0, err = 0;
	for (int i = 0; i < FD_LIMIT + 5 && err >= 0; i++) {
		err = fd_dup(&t, 0, 0, 0);
		if (err >= 0)
			last = err;
	}
	CHECK_EQ(err, -EMFILE);
	CHECK_EQ(last, FD_LIMIT - 1);
	CHECK_EQ(fd_dup(&t, 0, FD_LIMIT, 0), -EINVAL);
	/* A vnode-less file reads through its own ops. */
	p = file_new(&fake_ops, O_RDONLY, NULL);
	char buf[4];
	CHECK_EQ(vfs_read(p, buf, 4), 4);
	CHECK_EQ(buf[3], 'p');
	CHECK_EQ(vfs_lseek(p, 0, SEEK_SET), -ESPIPE);
	CHECK_EQ(vfs_pread(p, buf, 1, 0), -ESPIPE);
	CHECK_EQ(vfs_write(p, buf, 1), -EBADF);
	struct vattr va;
	CHECK_EQ(vfs_fstat(p, &va), -EBADF);
	CHECK_EQ(vfs_ioctl(p, 1, 0), -ENOTTY);
	file_rele(p);
	CHECK_EQ(fake_released, 2);
	fdtable_destroy(&t);
	CHECK_EQ(rm("/fd"), 0);
}

static void test_nomem(void)
{
	long before = vnode_count();
	struct file *f;
	CHECK_EQ(vfs_mkdirat(NULL, "/nm", 0755), 0);
	int ok = 0;
	/* Fail the n-th allocation of each operation in turn. */
	for (int n = 1; n < 12; n++) {
		char name[32];
		snprintf(name, sizeof(name), "/nm/f%d", n);
		kshim_fail_after = n;
		int err = vfs_open(name, O_RDWR | O_CREAT, 0644, &f);
		if (!err) {
			long w = vfs_pwrite(f, "x", 1, 1LL << 35);
			CHECK(w == 1 || w == -ENOMEM);
			file_rele(f);
			ok++;
		} else {
			CHECK_EQ(err, -ENOMEM);
		}
		kshim_fail_after = n;
		err = vfs_mkdirat(NULL, "/nm/dir", 0755);
		kshim_fail_after = 0;	/* the n-th of mkdir's own, not of the clean-up */
		CHECK(err == 0 || err == -ENOMEM);
		if (!err)
			CHECK_EQ(rmd("/nm/dir"), 0);
		rm(name);
	}
	CHECK(ok > 0);
	CHECK_EQ(rmd("/nm"), 0);
	CHECK_EQ(vnode_count(), before);
}

/* Threads creating, renaming and removing in two directories at once. */
static void *churn(void *arg)
{
	int id = (int)(intptr_t)arg;
	char a[64], b[64];
	for (int i = 0; i < 300; i++) {
		snprintf(a, sizeof(a), "/c/x/t%d-%d", id, i % 7);
		snprintf(b, sizeof(b), "/c/y/t%d-%d", id, i % 5);
		put(a, "data");
		vfs_renameat(NULL, a, NULL, b, 0);
		vfs_renameat(NULL, "/c/x/sub", NULL, "/c/y/sub", 0);
		vfs_renameat(NULL, "/c/y/sub", NULL, "/c/x/sub", 0);
		if (i % 3 == 0)
			rm(b);
	}
	return NULL;
}

static void test_concurrent(void)
{
	pthread_t th[6];
	CHECK_EQ(vfs_mkdirat(NULL, "/c", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/c/x", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/c/y", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/c/x/sub", 0755), 0);
	for (int i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, churn, (void *)(intptr_t)i);
	for (int i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	struct vattr va;
	int subs = !vfs_statat(NULL, "/c/x/sub", &va, 0) + !vfs_statat(NULL, "/c/y/sub", &va, 0);
	CHECK_EQ(subs, 1);
	char name[64];
	for (int id = 0; id < 6; id++)
		for (int i = 0; i < 7; i++) {
			snprintf(name, sizeof(name), "/c/x/t%d-%d", id, i);
			rm(name);
			snprintf(name, sizeof(name), "/c/y/t%d-%d", id, i);
			rm(name);
		}
	rmd("/c/x/sub");
	rmd("/c/y/sub");
	CHECK_EQ(rmd("/c/x"), 0);
	CHECK_EQ(rmd("/c/y"), 0);
	CHECK_EQ(rmd("/c"), 0);
}

/* xattrfs: one directory keeping one attribute, to see the VFS's checks
 * and what reaches a filesystem's xattr ops. */
static struct { char name[XATTR_NAME_MAX + 1]; char val[16]; size_t len; int calls; } xa;
static const struct file_ops sink_ops;

static int xa_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	if (strcmp(name, ".."))
		return -ENOENT;
	vn_hold(dir);
	*out = dir;
	return 0;
}

static long xa_get(struct vnode *vn, const char *name, void *buf, size_t len)
{
	xa.calls++;
	if (strcmp(name, xa.name))
		return -ENODATA;
	if (len && len < xa.len)
		return -ERANGE;
	if (len)
		memcpy(buf, xa.val, xa.len);
	return (long)xa.len;
}

static int xa_set(struct vnode *vn, const char *name, const void *val, size_t len, int flags)
{
	xa.calls++;
	if (len > sizeof(xa.val))
		return -ENOSPC;
	strcpy(xa.name, name);
	memcpy(xa.val, val, len);
	xa.len = len;
	return 0;
}

static long xa_list(struct vnode *vn, char *buf, size_t len)
{
	size_t n = xa.name[0] ? strlen(xa.name) + 1 : 0;
	if (len && len < n)
		return -ERANGE;
	if (len)
		memcpy(buf, xa.name, n);
	return (long)n;
}

static int xa_remove(struct vnode *vn, const char *name)
{
	xa.calls++;
	if (strcmp(name, xa.name))
		return -ENODATA;
	xa.name[0] = '\0';
	return 0;
}

static const struct vnode_ops xa_ops = {
	.lookup = xa_lookup, .getxattr = xa_get, .setxattr = xa_set,
	.listxattr = xa_list, .removexattr = xa_remove,
};

static int xa_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = vnode_new(mp, VDIR, &xa_ops, 0);
	return mp->root ? 0 : -ENOMEM;
}

static const struct fs_type xattrfs = { .name = "xattrfs", .mount = xa_mount };

static void test_xattr(void)
{
	char buf[32], name[300];
	struct file *f;
	/* ramfs keeps none: ENOTSUP, an empty list; user.* not on a link. */
	CHECK_EQ(put("/xf", "x"), 1);
	CHECK_EQ(vfs_symlinkat("xf", NULL, "/xl"), 0);
	CHECK_EQ(vfs_getxattrat(NULL, "/xf", 0, "user.a", buf, sizeof(buf)), -EOPNOTSUPP);
	CHECK_EQ(vfs_setxattrat(NULL, "/xf", 0, "user.a", "v", 1, 0), -EOPNOTSUPP);
	CHECK_EQ(vfs_removexattrat(NULL, "/xl", 0, "user.a"), -EOPNOTSUPP);
	CHECK_EQ(vfs_listxattrat(NULL, "/xf", 0, buf, sizeof(buf)), 0);
	CHECK_EQ(vfs_getxattrat(NULL, "/xl", AT_SYMLINK_NOFOLLOW, "user.a", buf, 8), -ENODATA);
	CHECK_EQ(vfs_setxattrat(NULL, "/xl", AT_SYMLINK_NOFOLLOW, "user.a", "v", 1, 0), -EPERM);
	CHECK_EQ(vfs_getxattrat(NULL, "/nope", 0, "user.a", buf, 8), -ENOENT);
	CHECK_EQ(vfs_open("/xf", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_fgetxattr(f, "user.a", buf, 8), -EOPNOTSUPP);
	CHECK_EQ(vfs_flistxattr(f, NULL, 0), 0);
	file_rele(f);
	CHECK_EQ(vfs_open("/xf", O_PATH, 0, &f), 0);
	CHECK_EQ(vfs_fgetxattr(f, "user.a", buf, 8), -EBADF);
	file_rele(f);
	f = file_new(&sink_ops, O_RDWR, NULL);		/* no vnode: a pipe's case */
	CHECK_EQ(vfs_fgetxattr(f, "user.a", buf, 8), -ENODATA);
	CHECK_EQ(vfs_fsetxattr(f, "user.a", "v", 1, 0), -EPERM);
	CHECK_EQ(vfs_fremovexattr(f, "trusted.a"), -EOPNOTSUPP);
	CHECK_EQ(vfs_flistxattr(f, NULL, 0), 0);
	file_rele(f);
	CHECK_EQ(rm("/xl"), 0);
	CHECK_EQ(rm("/xf"), 0);

	/* A filesystem that keeps them: the VFS's checks, then its ops. */
	CHECK_EQ(vfs_register_fs(&xattrfs), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/xa", 0755), 0);
	CHECK_EQ(vfs_mount("none", "/xa", "xattrfs", 0, NULL), 0);
	memset(name, 'n', sizeof(name));
	memcpy(name, "user.", 5);
	name[256] = '\0';
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, name, "v", 1, 0), -ERANGE);
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, "", "v", 1, 0), -ERANGE);
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, "user.", "v", 1, 0), -EINVAL);
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, "osprey.a", "v", 1, 0), -EOPNOTSUPP);
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, "user.a", "v", 1, 4), -EINVAL);
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, "user.a", "v", XATTR_SIZE_MAX + 1, 0), -E2BIG);
	CHECK_EQ(xa.calls, 0);
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, "security.a", "val", 3, XATTR_CREATE), 0);
	CHECK_EQ(vfs_getxattrat(NULL, "/xa", 0, "security.a", NULL, 0), 3);
	CHECK_EQ(vfs_getxattrat(NULL, "/xa", 0, "security.a", buf, 2), -ERANGE);
	CHECK_EQ(vfs_listxattrat(NULL, "/xa", 0, buf, sizeof(buf)), 11);
	CHECK(!strcmp(buf, "security.a"));
	CHECK_EQ(vfs_mount(NULL, "/xa", NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	CHECK_EQ(vfs_setxattrat(NULL, "/xa", 0, "user.b", "v", 1, 0), -EROFS);
	CHECK_EQ(vfs_removexattrat(NULL, "/xa", 0, "security.a"), -EROFS);
	CHECK_EQ(vfs_getxattrat(NULL, "/xa", 0, "security.a", buf, sizeof(buf)), 3);
	CHECK_EQ(vfs_mount(NULL, "/xa", NULL, MS_REMOUNT, NULL), 0);
	CHECK_EQ(vfs_removexattrat(NULL, "/xa", 0, "security.a"), 0);
	CHECK_EQ(vfs_removexattrat(NULL, "/xa", 0, "security.a"), -ENODATA);
	CHECK_EQ(vfs_umount("/xa", 0), 0);
	CHECK_EQ(vfs_unregister_fs(&xattrfs), 0);
	CHECK_EQ(rmd("/xa"), 0);
}

/* A file whose ops count writes and fsyncs, for the O_SYNC rules. */
static int syncs, datasyncs;
static char sink[64];

static long sink_write(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	if (len > sizeof(sink) - (size_t)*pos)
		len = sizeof(sink) - (size_t)*pos;
	memcpy(sink + *pos, buf, len);
	*pos += (int64_t)len;
	return (long)len;
}

static int64_t sink_llseek(struct file *f, int64_t off, int whence)
{
	return f->pos = off;
}

static int fail_sync;

static int sink_fsync(struct file *f, bool datasync)
{
	if (datasync)
		datasyncs++;
	else
		syncs++;
	return fail_sync;
}

static const struct file_ops sink_ops = {
	.write = sink_write,
	.llseek = sink_llseek,
	.fsync = sink_fsync,
};

/* O_SYNC fsyncs after each write that moved bytes, O_DSYNC fdatasyncs,
 * RWF_SYNC/RWF_DSYNC do it for one call, and an fsync error is the
 * write's result; a vector syncs once. RWF_APPEND writes at the end. */
static void test_sync_writes(void)
{
	struct kiovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	struct file *f = file_new(&sink_ops, O_WRONLY | O_SYNC, NULL);
	CHECK_EQ(vfs_write(f, "x", 1), 1);
	CHECK_EQ(vfs_pwrite(f, "y", 1, 5), 1);
	CHECK_EQ(vfs_write(f, "", 0), 0);
	CHECK(syncs == 2 && datasyncs == 0);
	CHECK_EQ(vfs_writev(f, iov, 2, -1), 4);
	CHECK(syncs == 3 && datasyncs == 0);
	fail_sync = -EIO;
	CHECK_EQ(vfs_write(f, "z", 1), -EIO);
	fail_sync = 0;
	file_rele(f);
	syncs = 0;
	f = file_new(&sink_ops, O_WRONLY | O_DSYNC, NULL);
	CHECK_EQ(vfs_write(f, "x", 1), 1);
	CHECK(syncs == 0 && datasyncs == 1);
	file_rele(f);
	datasyncs = 0;
	f = file_new(&sink_ops, O_WRONLY, NULL);
	CHECK_EQ(vfs_write(f, "x", 1), 1);
	CHECK_EQ(vfs_writev2(f, iov, 2, 0, 0), 4);
	CHECK(syncs == 0 && datasyncs == 0);
	CHECK_EQ(vfs_writev2(f, iov, 2, 0, RWF_DSYNC), 4);
	CHECK(syncs == 0 && datasyncs == 1);
	CHECK_EQ(vfs_writev2(f, iov, 2, -1, RWF_SYNC | RWF_HIPRI), 4);
	CHECK(syncs == 1 && datasyncs == 1);
	CHECK_EQ(vfs_writev2(f, iov, 2, 0, RWF_NOWAIT), -EOPNOTSUPP);
	CHECK_EQ(vfs_writev2(f, iov, 2, 0, 0x100), -EOPNOTSUPP);
	CHECK_EQ(vfs_readv2(f, iov, 2, 0, RWF_NOWAIT), -EOPNOTSUPP);
	file_rele(f);
	syncs = datasyncs = 0;

	/* RWF_APPEND on a regular file: at the end; off -1 moves the position. */
	char buf[16];
	CHECK_EQ(put("/app", "0123"), 4);
	CHECK_EQ(vfs_open("/app", O_RDWR, 0, &f), 0);
	CHECK_EQ(vfs_writev2(f, iov, 1, 1, RWF_APPEND), 2);
	CHECK_EQ(vfs_lseek(f, 0, SEEK_CUR), 0);
	CHECK_EQ(vfs_writev2(f, iov + 1, 1, -1, RWF_APPEND), 2);
	CHECK_EQ(vfs_lseek(f, 0, SEEK_CUR), 8);
	CHECK_EQ(vfs_pwrite(f, "X", 1, 0), 1);	/* without it: at the offset */
	file_rele(f);
	CHECK_EQ(get("/app", buf, sizeof(buf)), 8);
	CHECK(!strcmp(buf, "X123abcd"));
	CHECK_EQ(rm("/app"), 0);
}

/* fallocate: Linux's argument errors, then ramfs's pages for the range
 * (st_blocks), the size extended but never shrunk; a range RAM cannot
 * hold is refused at once, and a failure midway leaves nothing past the
 * old end. */
static void test_fallocate(void)
{
	struct file *f;
	struct vattr va;
	char buf[16];
	CHECK_EQ(vfs_open("/fa", O_RDWR | O_CREAT, 0644, &f), 0);
	CHECK_EQ(vfs_fallocate(f, 0, 0, 0), -EINVAL);
	CHECK_EQ(vfs_fallocate(f, 0, -1, 1), -EINVAL);
	CHECK_EQ(vfs_fallocate(f, FALLOC_FL_PUNCH_HOLE, 0, 1), -EOPNOTSUPP);
	CHECK_EQ(vfs_fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1), -EOPNOTSUPP);
	CHECK_EQ(vfs_fallocate(f, FALLOC_FL_KEEP_SIZE, 0, 1), -EOPNOTSUPP);
	CHECK_EQ(vfs_fallocate(f, 0, INT64_MAX, 1), -EFBIG);
	CHECK_EQ(vfs_fallocate(f, 0, 1LL << 60, 1), -EFBIG);	/* past ramfs's 2^57 */
	CHECK_EQ(vfs_fallocate(f, 0, 0, 1LL << 45), -ENOSPC);	/* more than the RAM */
	CHECK_EQ(vfs_fallocate(f, 0, 100, 8000), 0);
	CHECK_EQ(vfs_fstat(f, &va), 0);
	CHECK_EQ(va.size, 8100);
	CHECK_EQ(va.blocks, 16);
	CHECK_EQ(vfs_fallocate(f, 0, 0, 10), 0);
	CHECK_EQ(size_of("/fa"), 8100);
	kshim_fail_after = 3;
	CHECK_EQ(vfs_fallocate(f, 0, 4096, 40000), -ENOSPC);
	kshim_fail_after = 0;
	CHECK_EQ(vfs_fstat(f, &va), 0);
	CHECK(va.size == 8100 && va.blocks == 16);
	CHECK_EQ(vfs_pread(f, buf, sizeof(buf), 4000), 16);
	file_rele(f);
	CHECK_EQ(vfs_open("/fa", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_fallocate(f, 0, 0, 10), -EBADF);
	file_rele(f);
	CHECK_EQ(vfs_open("/", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_fallocate(f, 0, 0, 10), -EBADF);
	file_rele(f);
	f = file_new(&sink_ops, O_WRONLY, NULL);	/* no vnode: a pipe */
	CHECK_EQ(vfs_fallocate(f, 0, 0, 10), -ESPIPE);
	file_rele(f);
	CHECK_EQ(rm("/fa"), 0);
}

/* The shutdown's unmount: every mount but the root, the last first (so a
 * mount inside another goes before it); a busy one stays and the others
 * still go. */
static void test_unmount_all(void)
{
	struct file *f;
	struct vattr va;
	long before = vnode_count();
	CHECK_EQ(vfs_mkdirat(NULL, "/u", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/u/a", 0755), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/u/c", 0755), 0);
	CHECK_EQ(vfs_mount("none", "/u/a", "ramfs", 0, NULL), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/u/a/b", 0755), 0);
	CHECK_EQ(vfs_mount("none", "/u/a/b", "ramfs", 0, NULL), 0);
	CHECK_EQ(vfs_mount("none", "/u/c", "ramfs", 0, NULL), 0);
	CHECK_EQ(put("/u/c/open", "x"), 1);
	CHECK_EQ(vfs_open("/u/c/open", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_sync_mount(f->vn->mount), 0);
	CHECK_EQ(vfs_unmount_all(), -EBUSY);
	CHECK_EQ(vfs_statat(NULL, "/u/a/b", &va, 0), -ENOENT);	/* both gone */
	CHECK_EQ(vfs_statat(NULL, "/u/c/open", &va, 0), 0);	/* busy: stays */
	file_rele(f);
	CHECK_EQ(vfs_unmount_all(), 0);
	CHECK_EQ(vfs_statat(NULL, "/u/c/open", &va, 0), -ENOENT);
	CHECK_EQ(vfs_unmount_all(), 0);		/* only the root is left */
	CHECK_EQ(put("/u/still", "root"), 4);
	CHECK_EQ(rm("/u/still"), 0);
	CHECK_EQ(rmd("/u/a"), 0);
	CHECK_EQ(rmd("/u/c"), 0);
	CHECK_EQ(rmd("/u"), 0);
	CHECK_EQ(vnode_count(), before);
}

static void test_registry(void)
{
	static const struct fs_type dup = { .name = "ramfs" };
	CHECK_EQ(vfs_register_fs(&dup), -EEXIST);
	CHECK(vfs_find_fs("ramfs") != NULL);
	CHECK(vfs_find_fs("zfs") == NULL);
	CHECK_EQ(vfs_mount_root("ramfs", "none", 0, NULL), -EBUSY);
	const struct fs_type *ramfs = vfs_find_fs("ramfs");
	CHECK_EQ(vfs_unregister_fs(ramfs), -EBUSY);
}

/* The page cache, as a program's mappings use it: a mapped page holds
 * the file's bytes; stores into it are what read() returns at once and
 * what the file holds after write-back (never growing the file); write()
 * reaches the page; truncate zeros what it cut; a page past the end is
 * -ENXIO; unmapped clean pages go back under memory pressure. */
static void test_page_cache(void)
{
	struct file *f;
	static char data[3 * 4096 + 100], buf[sizeof(data)];
	uint64_t pa, pa2, last;
	struct vattr va;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 23);
	CHECK_EQ(vfs_open("/mapped", O_RDWR | O_CREAT, 0644, &f), 0);
	CHECK_EQ(vfs_write(f, data, sizeof(data)), (long)sizeof(data));
	struct vnode *vn = f->vn;
	CHECK_EQ(pcache_get(vn, 1, &pa), 0);
	CHECK(!memcmp(phys_to_virt(pa), data + 4096, 4096));
	CHECK_EQ(pcache_get(vn, 1, &pa2), 0);
	CHECK_EQ(pa2, pa);			/* one page, two mappings */
	CHECK_EQ(pcache_get(vn, 4, &pa2), -ENXIO);
	CHECK_EQ(pcache_get(vn, 3, &last), 0);	/* the partial last page */
	CHECK(!memcmp(phys_to_virt(last), data + 3 * 4096, 100));
	CHECK(((char *)phys_to_virt(last))[100] == 0);

	memcpy((char *)phys_to_virt(pa) + 10, "STORE", 5);	/* a program's store */
	((char *)phys_to_virt(last))[200] = 'X';		/* past the end */
	CHECK_EQ(vfs_pread(f, buf, 20, 4096), 20);
	CHECK(!memcmp(buf + 10, "STORE", 5));
	CHECK_EQ(vfs_pwrite(f, "wr", 2, 4096 + 12), 2);
	CHECK(!memcmp((char *)phys_to_virt(pa) + 10, "STwrE", 5));

	CHECK(pcache_unmapped(vn, 1, pa, true));
	CHECK(!pcache_unmapped(vn, 1, pa + 4096, false));	/* not the cache's */
	pcache_dirtied(vn, 3, last);
	CHECK_EQ(pcache_writeback(vn), 0);
	CHECK_EQ(vfs_fstat(f, &va), 0);
	CHECK_EQ(va.size, (long)sizeof(data));	/* the store past the end stays out */
	CHECK_EQ(vn->ops->read(vn, buf, sizeof(buf), 0), (long)sizeof(data));
	memcpy(data + 4096 + 10, "STwrE", 5);
	CHECK(!memcmp(buf, data, sizeof(data)));

	CHECK_EQ(vfs_ftruncate(f, 4096 + 11), 0);
	CHECK(((char *)phys_to_virt(pa))[10] == 'S' && ((char *)phys_to_virt(pa))[11] == 0);
	CHECK(pcache_holds(vn, 3, last));		/* still mapped: kept, zeroed */
	CHECK(((char *)phys_to_virt(last))[0] == 0);
	pcache_dirtied(vn, 3, last);			/* written past the new end */
	CHECK_EQ(pcache_writeback(vn), 0);		/* nothing to write, no error */
	CHECK_EQ(vfs_fstat(f, &va), 0);
	CHECK_EQ(va.size, 4096 + 11);
	CHECK(pcache_unmapped(vn, 3, last, false));
	CHECK(pcache_unmapped(vn, 1, pa, false));
	CHECK(kshim_reclaimer && kshim_reclaimer->reclaim(NULL, 100) == 2);
	CHECK(!pcache_holds(vn, 1, pa));
	CHECK_EQ(pcache_get(vn, 0, &pa), 0);		/* read again after reclaim */
	CHECK(!memcmp(phys_to_virt(pa), data, 4096));
	CHECK(pcache_unmapped(vn, 0, pa, false));
	file_rele(f);
	CHECK_EQ(rm("/mapped"), 0);
}

/* idlefs: read-only files "f0", "f1", ... of one page each, on a type with
 * keep_idle_pages (as ROFS): a file's vnode and pages outlive its last
 * close, up to the VFS's bound, and go at unmount. */
static long idle_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	if (off >= 4096)
		return 0;
	if (len > (size_t)(4096 - off))
		len = (size_t)(4096 - off);
	memset(buf, (int)('A' + vn->ino % 26), len);
	return (long)len;
}

static int idle_getattr(struct vnode *vn, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->mode = vn->type == VDIR ? S_IFDIR | 0555 : S_IFREG | 0444;
	va->size = vn->type == VDIR ? 0 : 4096;
	va->nlink = 1;
	va->ino = vn->ino;
	return 0;
}

static const struct vnode_ops idle_ops;

static int idle_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	if (!strcmp(name, "..") || !strcmp(name, ".")) {
		vn_hold(dir);
		*out = dir;
		return 0;
	}
	if (name[0] != 'f')
		return -ENOENT;
	uint64_t ino = 2 + strtoull(name + 1, NULL, 10);
	struct vnode *vn = vnode_cache_find(dir->mount, ino);
	if (!vn) {
		vn = vnode_new(dir->mount, VREG, &idle_ops, 0);
		if (!vn)
			return -ENOMEM;
		vn->ino = ino;
		vn = vnode_cache_add(vn);
	}
	*out = vn;
	return 0;
}

static const struct vnode_ops idle_ops = {
	.lookup = idle_lookup, .getattr = idle_getattr, .read = idle_read,
};

static int idle_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = vnode_new(mp, VDIR, &idle_ops, 0);
	if (mp->root)
		mp->root->ino = 1;
	return mp->root ? 0 : -ENOMEM;
}

static const struct fs_type idlefs = {
	.name = "idlefs", .mount = idle_mount, .keep_idle_pages = true,
};

/* Opens /idle/fN, maps its page once and closes it: the page's address. */
static uint64_t idle_touch(int n, struct vnode **vnp)
{
	char path[32];
	struct file *f;
	uint64_t pa = 0;
	snprintf(path, sizeof(path), "/idle/f%d", n);
	if (vfs_open(path, O_RDONLY, 0, &f))
		return 0;
	if (pcache_get(f->vn, 0, &pa) == 0)
		CHECK(pcache_unmapped(f->vn, 0, pa, false));
	if (vnp)
		*vnp = f->vn;
	file_rele(f);
	return pa;
}

static void test_idle_pages(void)
{
	struct vnode *vn, *again;
	struct file *f;
	CHECK_EQ(vfs_register_fs(&idlefs), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/idle", 0755), 0);
	CHECK_EQ(vfs_mount("none", "/idle", "idlefs", MS_RDONLY, NULL), 0);
	long before = vnode_count();
	uint64_t pa = idle_touch(0, &vn);
	CHECK(pa != 0 && ((char *)phys_to_virt(pa))[100] == 'C');
	CHECK_EQ(vnode_count(), before + 1);		/* kept, unreferenced */
	CHECK_EQ(idle_touch(0, &again), pa);		/* the same page again */
	CHECK(again == vn);
	/* A file never mapped has no pages to keep: it goes at its close. */
	CHECK_EQ(vfs_open("/idle/f999", O_RDONLY, 0, &f), 0);
	file_rele(f);
	CHECK_EQ(vnode_count(), before + 1);
	/* Many files: the oldest idle ones go, so at most 256 stay. */
	for (int i = 1; i <= 300; i++)
		CHECK(idle_touch(i, NULL) != 0);
	CHECK(vnode_count() <= before + 256);
	CHECK(vnode_count() >= before + 200);
	CHECK(idle_touch(300, NULL) != 0);		/* the newest survive */
	/* Memory pressure takes the pages of idle files; the file reads again. */
	CHECK(kshim_reclaimer && kshim_reclaimer->reclaim(NULL, 1000) >= 200);
	pa = idle_touch(300, NULL);
	CHECK(pa != 0 && ((char *)phys_to_virt(pa))[0] == 'A' + 302 % 26);
	CHECK_EQ(vfs_umount("/idle", 0), 0);		/* idle vnodes are not busy */
	CHECK_EQ(vnode_count(), before - 1);		/* everything went, the root too */
	CHECK_EQ(vfs_unregister_fs(&idlefs), 0);
	CHECK_EQ(rmd("/idle"), 0);
}

/* autofs: a root with "a", which mounts a ramfs on itself when a walk
 * enters it, and "bad", whose automount fails. */
static int auto_calls;

static int auto_mount_here(struct vnode *vn)
{
	auto_calls++;
	if (vn->ino == 3)
		return -EIO;
	return vfs_mount_on(vn, "inner", "ramfs", 0, NULL, true);
}

static const struct vnode_ops auto_ops;

static int auto_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	if (!strcmp(name, "..")) {
		vn_hold(dir->mount->root);
		*out = dir->mount->root;
		return 0;
	}
	uint64_t ino = !strcmp(name, "a") ? 2 : !strcmp(name, "bad") ? 3 : 0;
	if (!ino)
		return -ENOENT;
	struct vnode *vn = vnode_cache_find(dir->mount, ino);
	if (!vn) {
		vn = vnode_new(dir->mount, VDIR, &auto_ops, 0);
		if (!vn)
			return -ENOMEM;
		vn->ino = ino;
		vn->flags |= VN_AUTOMOUNT;
		vn = vnode_cache_add(vn);
	}
	*out = vn;
	return 0;
}

static int auto_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	static const char *names[] = { "a", "bad" };
	for (; dir->ino == 1 && ctx->pos >= 2 && ctx->pos < 4; ctx->pos++)
		if (ctx->emit(ctx, names[ctx->pos - 2], strlen(names[ctx->pos - 2]),
			      (uint64_t)ctx->pos, DT_DIR))
			break;
	return 0;
}

static int auto_getattr(struct vnode *vn, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->mode = S_IFDIR | 0755;
	va->nlink = 2;
	va->ino = vn->ino;
	return 0;
}

static const struct vnode_ops auto_ops = {
	.lookup = auto_lookup, .readdir = auto_readdir, .getattr = auto_getattr,
	.automount = auto_mount_here,
};

static int auto_fs_mount(struct mount *mp, const char *source, const char *data)
{
	mp->root = vnode_new(mp, VDIR, &auto_ops, 0);
	if (mp->root)
		mp->root->ino = 1;
	return mp->root ? 0 : -ENOMEM;
}

static const struct fs_type autofs = { .name = "autofs", .mount = auto_fs_mount };

static int find_inner(struct mount *mp, void *arg)
{
	if (strcmp(mp->source, "inner"))
		return 0;
	strcpy(arg, mp->path);
	return 1;
}

static void test_automount(void)
{
	struct file *f;
	struct vattr va;
	char where[64] = "";
	CHECK_EQ(vfs_register_fs(&autofs), 0);
	CHECK_EQ(vfs_mkdirat(NULL, "/auto", 0755), 0);
	CHECK_EQ(vfs_mount("none", "/auto", "autofs", 0, NULL), 0);
	long before = vnode_count();
	CHECK_EQ(vfs_open("/auto/a/f", O_RDWR | O_CREAT, 0644, &f), 0);	/* in the ramfs */
	file_rele(f);
	CHECK_EQ(auto_calls, 1);
	CHECK_EQ(vfs_statat(NULL, "/auto/a/f", &va, 0), 0);
	CHECK_EQ(auto_calls, 1);				/* mounted once */
	CHECK_EQ(vfs_for_each_mount(find_inner, where), 1);
	CHECK(!strcmp(where, "/auto/a"));
	CHECK_EQ(vfs_statat(NULL, "/auto/bad/x", &va, 0), -EIO);	/* its error */
	CHECK_EQ(vfs_umount("/auto", 0), 0);			/* the inner one first */
	CHECK_EQ(vfs_for_each_mount(find_inner, where), 0);
	CHECK(vnode_count() < before);
	/* Mounted again, then unmounted by its source. */
	CHECK_EQ(vfs_mount("none", "/auto", "autofs", 0, NULL), 0);
	CHECK_EQ(vfs_statat(NULL, "/auto/a/.", &va, 0), 0);
	CHECK_EQ(vfs_for_each_mount(find_inner, where), 1);
	CHECK_EQ(vfs_umount_automounted("inner"), 0);
	CHECK_EQ(vfs_for_each_mount(find_inner, where), 0);
	CHECK_EQ(vfs_umount_automounted("inner"), 0);		/* none: nothing to do */
	CHECK_EQ(vfs_umount("/auto", 0), 0);
	CHECK_EQ(vfs_unregister_fs(&autofs), 0);
	CHECK_EQ(rmd("/auto"), 0);
}

int main(void)
{
	vfs_init();
	if (vfs_root() != NULL) {
		fprintf(stderr, "root mounted before vfs_mount_root\n");
		return 1;
	}
	if (vfs_mount_root("ramfs", "none", 0, NULL)) {
		fprintf(stderr, "cannot mount the root\n");
		return 1;
	}
	long base = vnode_count();
	RUN(test_lookup);
	RUN(test_symlinks);
	RUN(test_open_flags);
	RUN(test_read_write);
	RUN(test_sparse);
	RUN(test_truncate);
	RUN(test_readdir);
	RUN(test_rename);
	RUN(test_unlink_open);
	RUN(test_file_path);
	RUN(test_mounts);
	RUN(test_readonly);
	RUN(test_attrs);
	RUN(test_fdtable);
	RUN(test_nomem);
	RUN(test_concurrent);
	RUN(test_registry);
	RUN(test_sync_writes);
	RUN(test_xattr);
	RUN(test_fallocate);
	RUN(test_page_cache);
	RUN(test_idle_pages);
	RUN(test_automount);
	RUN(test_unmount_all);
	if (vnode_count() != base) {
		printf("FAIL vnode_leaks (%ld vnodes, expected %ld)\n", vnode_count(), base);
		check_failures++;
	} else {
		printf("PASS vnode_leaks\n");
	}
	return CHECK_DONE();
}
