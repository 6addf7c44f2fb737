/* newc cpio reader: archives made by GNU cpio from a real tree (both
 * "./x" and "x" names, newc and crc formats) compared with lstat() and the
 * file contents, every truncation of such an archive, hand-made headers
 * with each kind of damage, and random garbage. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "fs/cpio.h"

/* ---- a tree on disk and archives of it ---- */

static char tree[64];

static void
sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	if (system(cmd) != 0) {
		fprintf(stderr, "  command failed: %s\n", cmd);
		case_failed = 1;
	}
}

static void
put_file(const char *rel, size_t size)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t/%s", tree, rel);
	f = fopen(path, "wb");
	for (size_t i = 0; i < size; i++)
		fputc((int)(i * 7 + size) & 0xff, f);
	fclose(f);
}

static void
make_tree(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 511, 512, 4103 };
	char rel[64];

	strcpy(tree, "/tmp/test_cpio.XXXXXX");
	if (mkdtemp(tree) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	sh("mkdir -p %s/t/etc/deep/er/still %s/t/empty %s/t/bin", tree);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(rel, sizeof(rel), "etc/f%zu", sizes[i]);
		put_file(rel, sizes[i]);
	}
	put_file("bin/prog", 10000);
	put_file("etc/deep/er/still/a file with spaces é", 33);
	put_file("etc/a-rather-long-name-0123456789-0123456789-0123456789-"
	    "0123456789-0123456789-0123456789-0123456789", 9);
	sh("cd %s/t && ln -s ../bin/prog etc/link && ln -s . etc/self && "
	    "ln bin/prog bin/hard && mkfifo etc/fifo && chmod 0751 bin/prog && "
	    "chmod 1777 empty", tree);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(n ? n : 1);
	*len = fread(p, 1, n, f);
	fclose(f);
	return p;
}

/* Runs cpio over the tree; find_args picks the names' form. */
static uint8_t *
archive(const char *find_cmd, const char *format, size_t *len)
{
	char cmd[512], path[128];

	snprintf(path, sizeof(path), "%s/a.cpio", tree);
	snprintf(cmd, sizeof(cmd), "cd %s/t && %s | cpio -o -H %s --quiet > %s",
	    tree, find_cmd, format, path);
	if (system(cmd) != 0) {
		fprintf(stderr, "  cpio failed: %s\n", cmd);
		case_failed = 1;
		return NULL;
	}
	return slurp(path, len);
}

/* Checks one entry against the file it came from. */
static void
compare(const struct cpio_entry *e)
{
	char path[512], target[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/t/%s", tree, e->name);
	if (lstat(path, &st) < 0) {
		fprintf(stderr, "  %s: not in the tree\n", e->name);
		case_failed = 1;
		return;
	}
	CHECK_EQ(e->namelen, strlen(e->name));
	CHECK_EQ(e->mode, st.st_mode);
	CHECK_EQ(e->uid, st.st_uid);
	CHECK_EQ(e->gid, st.st_gid);
	CHECK_EQ(e->mtime, st.st_mtime);
	CHECK_EQ(e->nlink, st.st_nlink);
	CHECK_EQ(e->dev_major, major(st.st_dev));
	CHECK_EQ(e->dev_minor, minor(st.st_dev));
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, target, sizeof(target));
		CHECK_EQ(e->size, n);
		CHECK(n > 0 && memcmp(e->data, target, n) == 0);
	} else if (S_ISREG(st.st_mode)) {
		size_t n;
		uint8_t *want = slurp(path, &n);
		/* Hard links: cpio stores the data with one link only. */
		CHECK(e->size == n || (st.st_nlink > 1 && e->size == 0));
		CHECK(e->size == 0 || memcmp(e->data, want, n) == 0);
		free(want);
	} else {
		CHECK_EQ(e->size, 0);
	}
}

static int
walk_tree(const uint8_t *buf, size_t len, const char *want_root)
{
	struct cpio_iter it;
	struct cpio_entry e;
	int n = 0, rc, saw_root = 0, hard_data = 0;

	cpio_init(&it, buf, len);
	while ((rc = cpio_next(&it, &e)) == 1) {
		CHECK(e.name[0] != '/' && strncmp(e.name, "./", 2) != 0);
		if (strcmp(e.name, ".") == 0)
			saw_root++;
		if (strcmp(e.name, "bin/prog") == 0 || strcmp(e.name, "bin/hard") == 0)
			hard_data += e.size == 10000;
		compare(&e);
		n++;
	}
	CHECK_EQ(rc, 0);
	if (rc < 0)
		fprintf(stderr, "  entry %u: %s\n", it.index, it.reason);
	CHECK_EQ(saw_root, want_root != NULL);
	CHECK_EQ(hard_data, 1);
	CHECK_EQ(cpio_next(&it, &e), 0);	/* stays at the end */
	return n;
}

static int
count_tree(const char *find_cmd)
{
	char cmd[256], out[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cd %s/t && %s | wc -l", tree, find_cmd);
	p = popen(cmd, "r");
	if (p == NULL || fgets(out, sizeof(out), p) == NULL)
		case_failed = 1;
	if (p != NULL)
		pclose(p);
	return atoi(out);
}

static void
test_real_archives(void)
{
	static const char *finds[] = { "find .", "find . -mindepth 1 -printf '%P\\n'" };
	static const char *formats[] = { "newc", "crc" };
	size_t len;

	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			uint8_t *a = archive(finds[i], formats[j], &len);
			if (a == NULL)
				continue;
			CHECK(memcmp(a, j ? "070702" : "070701", 6) == 0);
			CHECK_EQ(walk_tree(a, len, i == 0 ? "." : NULL),
			    count_tree(finds[i]));
			free(a);
		}
}

/* Cutting a real archive anywhere before the end of its trailer's name
 * must give a clean error, with the copy sized exactly so that ASan
 * catches any read past the cut. */
static void
test_truncated_everywhere(void)
{
	struct cpio_iter it;
	struct cpio_entry e;
	size_t len, trailer_end = 0;
	uint8_t *a = archive("find etc/deep bin", "crc", &len);
	int full = 0, rc;

	if (a == NULL)
		return;
	cpio_init(&it, a, len);
	while (cpio_next(&it, &e) == 1)
		full++;
	trailer_end = it.off + 110 + sizeof("TRAILER!!!");
	CHECK(trailer_end <= len);
	for (size_t k = 0; k <= len; k++) {
		uint8_t *cut = malloc(k ? k : 1);
		memcpy(cut, a, k);
		cpio_init(&it, cut, k);
		int n = 0;
		while ((rc = cpio_next(&it, &e)) == 1)
			n++;
		if (k < trailer_end) {
			CHECK_EQ(rc, -EBADMSG);
			CHECK(it.reason != NULL);
			CHECK_EQ(it.index, n);
			CHECK(n <= full);
		} else {
			CHECK_EQ(rc, 0);
			CHECK_EQ(n, full);
		}
		free(cut);
	}
	free(a);
}

/* ---- hand-made archives ---- */

struct ent {
	const char *magic;		/* NULL: 070701 */
	uint32_t mode;
	const char *name;
	int namesize;			/* < 0: strlen(name) + 1 */
	const void *data;
	size_t size;
	int check;			/* < 0: the data's byte sum */
};

/* Appends an entry (as cpio would) and returns the new length. */
static size_t
emit(uint8_t *buf, size_t off, const struct ent *e)
{
	size_t nsz = e->namesize < 0 ? strlen(e->name) + 1 : (size_t)e->namesize;
	uint32_t sum = 0;
	char hdr[160];

	for (size_t i = 0; i < e->size; i++)
		sum += ((const uint8_t *)e->data)[i];
	snprintf(hdr, sizeof(hdr),
	    "%.6s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
	    e->magic ? e->magic : "070701", 42, e->mode, 1000, 100, 1,
	    1700000000, (unsigned)e->size, 8, 1, 0, 0, (unsigned)nsz,
	    e->check < 0 ? sum : (unsigned)e->check);
	memcpy(buf + off, hdr, 110);
	off += 110;
	memcpy(buf + off, e->name, strlen(e->name) + 1);
	off += nsz;
	while (off % 4)
		buf[off++] = 0;
	if (e->size)
		memcpy(buf + off, e->data, e->size);
	off += e->size;
	while (off % 4)
		buf[off++] = 0;
	return off;
}

static size_t
emit_trailer(uint8_t *buf, size_t off)
{
	struct ent t = { .name = "TRAILER!!!", .namesize = -1, .check = -1 };

	return emit(buf, off, &t);
}

static uint8_t abuf[16384];

/* Builds [good entry, e, trailer] and returns cpio_next's verdict on e. */
static int
verdict(const struct ent *e, struct cpio_iter *it, struct cpio_entry *out)
{
	struct ent good = { .mode = 0100644, .name = "ok", .namesize = -1,
	    .data = "hi", .size = 2, .check = -1 };
	size_t len = emit(abuf, 0, &good);

	len = emit(abuf, len, e);
	len = emit_trailer(abuf, len);
	cpio_init(it, abuf, len);
	if (cpio_next(it, out) != 1)
		return -1000;
	return cpio_next(it, out);
}

static void
expect_bad(const struct ent *e, const char *reason, const char *name)
{
	struct cpio_iter it;
	struct cpio_entry out;
	int rc = verdict(e, &it, &out);

	CHECK_EQ(rc, -EBADMSG);
	CHECK_EQ(it.index, 1);
	if (it.reason == NULL || strcmp(it.reason, reason) != 0) {
		fprintf(stderr, "  want '%s', got '%s'\n", reason, it.reason);
		case_failed = 1;
	}
	if (name == NULL)
		CHECK(it.name == NULL);
	else
		CHECK(it.name != NULL && it.namelen == strlen(name) &&
		    memcmp(it.name, name, it.namelen) == 0);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);	/* sticky */
}

static void
test_names(void)
{
	static const char *cases[][2] = {
		{ ".", "." }, { "./", "." }, { "/", "." }, { "./etc/x", "etc/x" },
		{ "etc/x", "etc/x" }, { "/etc/x", "etc/x" }, { "././a", "a" },
		{ ".//a", "a" }, { ".hidden", ".hidden" }, { "./..x", "..x" },
		{ "a/.../b", "a/.../b" }, { "x..", "x.." },
	};
	struct cpio_iter it;
	struct cpio_entry out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ent e = { .mode = 040755, .name = cases[i][0],
		    .namesize = -1, .check = -1 };
		CHECK_EQ(verdict(&e, &it, &out), 1);
		CHECK(strcmp(out.name, cases[i][1]) == 0);
		CHECK_EQ(out.namelen, strlen(cases[i][1]));
	}
	static const char *dotdot[] = { "..", "../x", "a/..", "a/../b", "./.." };
	for (size_t i = 0; i < sizeof(dotdot) / sizeof(dotdot[0]); i++) {
		struct ent e = { .mode = 0100644, .name = dotdot[i],
		    .namesize = -1, .check = -1 };
		expect_bad(&e, "name has a '..' component", dotdot[i]);
	}
}

static void
test_fields(void)
{
	struct ent e = { .magic = "070702", .mode = 0120777, .name = "l",
	    .namesize = -1, .data = "target", .size = 6, .check = -1 };
	struct cpio_iter it;
	struct cpio_entry out;

	CHECK_EQ(verdict(&e, &it, &out), 1);
	CHECK_EQ(out.ino, 42);
	CHECK_EQ(out.mode, 0120777);
	CHECK_EQ(out.uid, 1000);
	CHECK_EQ(out.gid, 100);
	CHECK_EQ(out.nlink, 1);
	CHECK_EQ(out.mtime, 1700000000);
	CHECK_EQ(out.dev_major, 8);
	CHECK_EQ(out.dev_minor, 1);
	CHECK_EQ(out.size, 6);
	CHECK(memcmp(out.data, "target", 6) == 0);
	CHECK_EQ(cpio_next(&it, &out), 0);
	CHECK_EQ(cpio_next(&it, &out), 0);

	/* Lower-case hex is hex too. */
	size_t len = emit(abuf, 0, &e);
	for (int i = 6; i < 110; i++)
		if (abuf[i] >= 'A' && abuf[i] <= 'F')
			abuf[i] += 'a' - 'A';
	len = emit_trailer(abuf, len);
	cpio_init(&it, abuf, len);
	CHECK_EQ(cpio_next(&it, &out), 1);
	CHECK_EQ(out.mtime, 1700000000);
}

static void
test_damage(void)
{
	struct ent e;
	static char longname[CPIO_NAME_MAX + 1];

#define BASE (struct ent){ .mode = 0100644, .name = "etc/passwd", \
	.namesize = -1, .data = "root:x:0:0", .size = 10, .check = -1 }
	e = BASE;
	e.magic = "070707";	/* old portable ASCII format */
	expect_bad(&e, "bad magic", NULL);
	e.magic = "070703";
	expect_bad(&e, "bad magic", NULL);
	e = BASE;
	e.namesize = 0;
	expect_bad(&e, "name size is zero", NULL);
	memset(longname, 'a', CPIO_NAME_MAX);
	e.name = longname;
	e.namesize = -1;
	expect_bad(&e, "name too long", NULL);
	e = BASE;
	e.namesize = 6;		/* "etc/p" without its NUL */
	expect_bad(&e, "name not NUL-terminated", "etc/pa");
	e = BASE;
	e.name = "";
	expect_bad(&e, "empty name", "");
	e = BASE;
	e.mode = 0170644;
	expect_bad(&e, "unknown file type", "etc/passwd");
	e.mode = 0644;
	expect_bad(&e, "unknown file type", "etc/passwd");
	e.mode = 040755;
	expect_bad(&e, "data on a file that is not regular", "etc/passwd");
	e.mode = 0120777;
	e.size = 0;
	expect_bad(&e, "empty symlink target", "etc/passwd");
	e.data = "a\0b";
	e.size = 3;
	expect_bad(&e, "NUL inside symlink target", "etc/passwd");
	e = BASE;
	e.magic = "070702";
	e.check = 12345;
	expect_bad(&e, "data checksum mismatch", "etc/passwd");
	e.check = 0;
	e.magic = NULL;		/* newc ignores c_check */
	struct cpio_iter it;
	struct cpio_entry out;
	CHECK_EQ(verdict(&e, &it, &out), 1);

	/* A NUL inside the name: poke it after emitting. */
	e = BASE;
	size_t len = emit(abuf, 0, &e);
	abuf[110 + 3] = '\0';
	len = emit_trailer(abuf, len);
	cpio_init(&it, abuf, len);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	CHECK(strcmp(it.reason, "NUL inside name") == 0);
	CHECK_EQ(it.namelen, 3);

	/* A non-hex digit in every field, in turn: the name is known for
	 * all but c_namesize itself. */
	static const char *fields[] = { "ino", "mode", "uid", "gid", "nlink",
	    "mtime", "filesize", "devmajor", "devminor", "rdevmajor",
	    "rdevminor", "namesize", "check" };
	for (int f = 0; f < 13; f++) {
		char want[64];
		len = emit(abuf, 0, &e);
		len = emit_trailer(abuf, len);
		abuf[6 + 8 * f + (f % 8)] = f % 2 ? 'g' : ' ';
		cpio_init(&it, abuf, len);
		CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
		snprintf(want, sizeof(want), "non-hex digit in c_%s", fields[f]);
		CHECK(it.reason && strcmp(it.reason, want) == 0);
		CHECK_EQ(it.index, 0);
		CHECK(f == 11 ? it.name == NULL : it.namelen == 10);
	}

	/* Data running off the end, with and without a name in reach. */
	len = emit(abuf, 0, &e);
	memcpy(abuf + 6 + 8 * 6, "00001000", 8);
	cpio_init(&it, abuf, len);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	CHECK(strcmp(it.reason, "data extends past the end") == 0);
	CHECK(it.namelen == 10 && memcmp(it.name, "etc/passwd", 10) == 0);
	memcpy(abuf + 6 + 8 * 6, "FFFFFFFF", 8);
	cpio_init(&it, abuf, len);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	memcpy(abuf + 6 + 8 * 11, "FFFFFFFF", 8);
	cpio_init(&it, abuf, len);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	CHECK(strcmp(it.reason, "name too long") == 0);
	memcpy(abuf + 6 + 8 * 11, "00000100", 8);
	cpio_init(&it, abuf, 200);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	CHECK(strcmp(it.reason, "truncated name") == 0);
#undef BASE
}

static void
test_ends(void)
{
	struct ent e = { .mode = 0100644, .name = "a", .namesize = -1,
	    .data = "x", .size = 1, .check = -1 };
	struct cpio_iter it;
	struct cpio_entry out;
	size_t len;

	cpio_init(&it, "", 0);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	CHECK(strcmp(it.reason, "archive ends without TRAILER!!!") == 0);
	CHECK(it.name == NULL);

	/* No trailer. */
	len = emit(abuf, 0, &e);
	cpio_init(&it, abuf, len);
	CHECK_EQ(cpio_next(&it, &out), 1);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	CHECK_EQ(it.index, 1);
	CHECK(strcmp(it.reason, "archive ends without TRAILER!!!") == 0);

	/* Anything after the trailer is not looked at. */
	len = emit_trailer(abuf, len);
	memset(abuf + len, 0xEE, 100);
	cpio_init(&it, abuf, len + 100);
	CHECK_EQ(cpio_next(&it, &out), 1);
	CHECK_EQ(cpio_next(&it, &out), 0);

	/* An archive that is only a trailer, without its padding. */
	len = emit_trailer(abuf, 0);
	cpio_init(&it, abuf, 110 + 11);
	CHECK_EQ(cpio_next(&it, &out), 0);

	/* Something that is not an archive. */
	cpio_init(&it, "hello, world", 12);
	CHECK_EQ(cpio_next(&it, &out), -EBADMSG);
	CHECK(strcmp(it.reason, "truncated header") == 0);
}

static void
test_garbage(void)
{
	struct cpio_iter it;
	struct cpio_entry out;
	uint32_t x = 7;
	size_t len = emit_trailer(abuf, 0);
	uint8_t *g = malloc(4096);

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = iter % 700;
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			g[i] = x >> 16;
		}
		/* Half the time start from a plausible header. */
		if (iter % 2 && n >= 6)
			memcpy(g, "070701", 6);
		if (iter % 4 == 1 && n >= 110)
			for (int k = 6; k < 110; k++)
				g[k] = "0123456789abcdef"[g[k] & (iter % 8 == 1 ? 1 : 15)];
		cpio_init(&it, g, n);
		int rc;
		while ((rc = cpio_next(&it, &out)) == 1)
			CHECK((const uint8_t *)out.data + out.size <= g + n);
		CHECK(rc == 0 || (rc == -EBADMSG && it.reason != NULL));
	}
	(void)len;
	free(g);
}

int
main(void)
{
	make_tree();
	RUN(test_real_archives);
	RUN(test_truncated_everywhere);
	RUN(test_names);
	RUN(test_fields);
	RUN(test_damage);
	RUN(test_ends);
	RUN(test_garbage);
	sh("rm -rf %s", tree);
	return CHECK_DONE();
}
