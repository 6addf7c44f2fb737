/* mkimage end to end: builds disks from the manifests in tests/images/
 * with build/tools/mkimage, checks the GPT with sgdisk, cuts the root
 * partition out at the offsets the GPT gives and reads it back with
 * build/tools/rofs (fsck, ls, cat). Run from the repository root after
 * `make tools`; the tools are found as ../tools/ from this binary, so
 * BUILD=elsewhere works too. Commands reach them as $MKIMAGE and $ROFS. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

#define ROFS_TYPE	"8CD11EB6-AA01-44F1-9CD2-F3A5DD5D1AF7"
#define LINUX_TYPE	"0FC63DAF-8483-4772-8E79-3D69D8477DE4"
#define ZFS_TYPE	"6A898CC3-1DD2-11B2-99A6-080020736631"

static char repo[4096];		/* absolute repository root */
static char tmp[4096];		/* scratch directory, also ${T} */
static char out[1 << 16];	/* output of the last run() */

/* Runs a shell command (from the repo root), stdout and stderr into out;
 * returns its exit status. */
static int run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	FILE *p;
	size_t n;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	if (!(p = popen(cmd, "r"))) {
		out[0] = '\0';
		return -1;
	}
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool has(const char *needle)
{
	if (strstr(out, needle))
		return true;
	fprintf(stderr, "  expected \"%s\" in:\n%s", needle, out);
	return false;
}

static void put(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n) {
		fprintf(stderr, "  cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
	chmod(path, mode);
}

/* ${T}: a big file, and a tree with a symlink and odd modes. */
static void make_scratch(void)
{
	size_t n = 300000;
	unsigned char *b = malloc(n);
	char p[4200];
	uint32_t x = 12345;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		b[i] = (i / 1000) % 3 ? (unsigned char)(x >> 24) : (unsigned char)("osprey "[i % 7]);
	}
	snprintf(p, sizeof(p), "%s/big.bin", tmp);
	put(p, b, n, 0644);
	free(b);
	snprintf(p, sizeof(p), "%s/links", tmp);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/links/f", tmp);
	put(p, "secret\n", 7, 0600);
	snprintf(p, sizeof(p), "%s/links/l", tmp);
	symlink("f", p);
	snprintf(p, sizeof(p), "%s/links/d", tmp);
	mkdir(p, 0711);
	chmod(p, 0711);
}

/* Reads "Key: value" from the last sgdisk output. */
static const char *field(const char *key)
{
	static char v[256];
	const char *s = strstr(out, key);

	v[0] = '\0';
	if (s && sscanf(s + strlen(key), " %255[^\n]", v) != 1)
		v[0] = '\0';
	return v;
}

/* Cuts partition idx out of img into dst (like dd skip=first count=n);
 * returns the partition size in bytes or 0. */
static unsigned long long extract(const char *img, int idx, const char *dst)
{
	unsigned long long first = 0, last = 0;

	if (run("sgdisk -i %d %s", idx, img) != 0)
		return 0;
	if (sscanf(field("First sector:"), "%llu", &first) != 1 ||
	    sscanf(field("Last sector:"), "%llu", &last) != 1 || last < first)
		return 0;
	if (run("dd if=%s of=%s bs=512 skip=%llu count=%llu status=none", img, dst,
	    first, last - first + 1) != 0)
		return 0;
	return (last - first + 1) * 512;
}

static int build(const char *manifest, const char *img, const char *extra)
{
	return run("\"$MKIMAGE\" -q %s tests/images/%s %s/%s", extra, manifest,
	    tmp, img);
}

static char basic_img[4200], basic_root[4200];

static void test_build_basic(void)
{
	CHECK_EQ(build("basic.manifest", "basic.img", ""), 0);
	CHECK(!out[0] || (fprintf(stderr, "  -q printed:\n%s", out), 0));
}

static void test_gpt_valid(void)
{
	CHECK_EQ(run("sgdisk -v %s", basic_img), 0);
	CHECK(has("No problems found"));
	CHECK(!strstr(out, "Caution") || (fprintf(stderr, "%s", out), 0));
}

static void test_partitions(void)
{
	CHECK_EQ(run("sgdisk -i 1 %s", basic_img), 0);
	CHECK(has("Partition GUID code: " ROFS_TYPE));
	CHECK(has("Partition name: 'root'"));
	CHECK(has("First sector: 2048 "));
	CHECK_EQ(run("sgdisk -i 2 %s", basic_img), 0);
	CHECK(has("Partition GUID code: " LINUX_TYPE));
	CHECK(has("Partition name: 'data'"));
	CHECK(has("Partition size: 131072 sectors"));
	CHECK_EQ(atoll(field("First sector:")) % 2048, 0);
	CHECK_EQ(run("sgdisk -i 3 %s", basic_img), 0);
	CHECK(has("does not exist"));
}

static void test_root_fsck(void)
{
	CHECK(extract(basic_img, 1, basic_root) > 0);
	CHECK_EQ(run("\"$ROFS\" fsck %s", basic_root), 0);
	CHECK(has("clean"));
}

/* Every copied file reads back with the host file's bytes. */
static void test_contents(void)
{
	static const char *const pairs[][2] = {
		{ "/hello.txt", "tests/images/files/hello.txt" },
		{ "/bin/tool.sh", "tests/images/files/tool.sh" },
		{ "/usr/share/tree/a.txt", "tests/images/files/tree/a.txt" },
		{ "/usr/share/tree/sub/b.txt", "tests/images/files/tree/sub/b.txt" },
		{ "/etc/conf/a.conf", "tests/images/files/a.conf" },
		{ "/etc/conf/b.conf", "tests/images/files/b.conf" },
		{ "/big.bin", NULL },
		{ "/host/f", NULL },
	};
	char got[4200], want[4200];

	snprintf(got, sizeof(got), "%s/cat.out", tmp);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (pairs[i][1])
			snprintf(want, sizeof(want), "%s", pairs[i][1]);
		else
			snprintf(want, sizeof(want), "%s%s", tmp,
			    !strcmp(pairs[i][0], "/host/f") ? "/links/f" : pairs[i][0]);
		int rc = run("\"$ROFS\" cat %s %s > %s", basic_root, pairs[i][0], got);
		CHECK_EQ(rc, 0);
		if (rc == 0 && run("cmp %s %s", got, want) != 0) {
			fprintf(stderr, "  %s differs from %s: %s", pairs[i][0], want, out);
			CHECK(0);
		}
	}
	/* The glob took *.conf only. */
	CHECK(run("\"$ROFS\" cat %s /etc/conf/c.txt", basic_root) != 0);
}

static void test_fstab_cmdline(void)
{
	CHECK_EQ(run("\"$ROFS\" cat %s /etc/fstab", basic_root), 0);
	CHECK(!strcmp(out, "# device        mount   type  options   dump pass\n"
	    "PARTLABEL=data  /data   ext2  defaults  0    0\n") ||
	    (fprintf(stderr, "  fstab is:\n%s", out), 0));
	CHECK_EQ(run("\"$ROFS\" cat %s /etc/cmdline", basic_root), 0);
	CHECK(!strcmp(out, "/bin/tool.sh --flag\n"));
}

/* Modes, owners, symlinks, empty directories as `rofs ls` shows them:
 * "perm nlink uid gid size date time name [-> target]". */
static void test_attributes(void)
{
	CHECK_EQ(run("\"$ROFS\" ls %s /bin/tool.sh", basic_root), 0);
	CHECK(has("-rwxr-x---   1  1000   100 "));
	CHECK_EQ(run("\"$ROFS\" ls %s /var/empty", basic_root), 0);
	CHECK(!out[0]);			/* empty */
	CHECK_EQ(run("\"$ROFS\" ls %s /var", basic_root), 0);
	CHECK(has("drwx------   2     0     0 "));
	CHECK_EQ(run("\"$ROFS\" ls %s /bin", basic_root), 0);
	CHECK(has(" sh -> /bin/busybox"));
	CHECK(has(" relative -> tool.sh"));
	CHECK_EQ(run("\"$ROFS\" ls %s /host", basic_root), 0);
	CHECK(has("drwx--x--x   2     0     0 "));	/* host mode kept */
	CHECK(has("-rw-------   1     0     0          7 "));
	CHECK(has(" l -> f"));			/* a symlink in a tree stays one */
	CHECK_EQ(run("\"$ROFS\" ls %s /", basic_root), 0);
	CHECK(has("drwxr-xr-x   3     0     0 "));	/* implicit /usr etc. */
	CHECK(has(" usr\n"));
}

static void test_deterministic(void)
{
	char a[4200], b[4200], f[4200];

	snprintf(a, sizeof(a), "%s/det1.img", tmp);
	snprintf(b, sizeof(b), "%s/det2.img", tmp);
	CHECK_EQ(build("basic.manifest", "det1.img", "--mtime 1700000000"), 0);
	/* A new host mtime must not matter with a fixed one. */
	snprintf(f, sizeof(f), "%s/links/f", tmp);
	CHECK_EQ(run("touch -d @1800000000 %s", f), 0);
	CHECK_EQ(build("basic.manifest", "det2.img", "--mtime 1700000000"), 0);
	CHECK_EQ(run("cmp %s %s", a, b), 0);
	/* SOURCE_DATE_EPOCH does the same as --mtime. */
	CHECK_EQ(run("SOURCE_DATE_EPOCH=1700000000 \"$MKIMAGE\" -q "
	    "tests/images/basic.manifest %s", b), 0);
	CHECK_EQ(run("cmp %s %s", a, b), 0);
	CHECK_EQ(extract(a, 1, f) > 0, 1);
	CHECK_EQ(run("\"$ROFS\" ls %s /host", f), 0);
	CHECK(has(" 2023-11-14 22:13:20 f"));
	/* Same bytes, with the default (host) mtimes too. */
	CHECK_EQ(build("basic.manifest", "det1.img", ""), 0);
	CHECK_EQ(build("basic.manifest", "det2.img", ""), 0);
	CHECK_EQ(run("cmp %s %s", a, b), 0);
}

/* The 64 MiB data partition is a hole. */
static void test_sparse(void)
{
	struct stat st;

	CHECK_EQ(stat(basic_img, &st), 0);
	CHECK(st.st_size >= 64ll << 20);
	CHECK((long long)st.st_blocks * 512 < 8ll << 20);
}

static void test_any_cwd(void)
{
	CHECK_EQ(run("cd %s && \"$MKIMAGE\" %s/tests/images/basic.manifest cwd.img",
	    tmp, repo), 0);
	CHECK(has("mkimage: stage: "));
	CHECK(has("mkimage: compress: "));
	CHECK(has("mkimage: write: cwd.img"));
	/* 12 from the manifest, plus the mount points /dev, /tmp, /proc, /sys, /data. */
	CHECK(has("mkimage: cwd.img: 10 files, 17 directories, 3 symlinks, "));
	CHECK(has("root partition "));
	CHECK(has("ratio "));
}

static void test_size_rest(void)
{
	char img[4200];

	snprintf(img, sizeof(img), "%s/rest.img", tmp);
	CHECK(build("rest.manifest", "rest.img", "") != 0);
	CHECK(has("rest.manifest:5: a data partition without size= needs --size"));
	CHECK_EQ(build("rest.manifest", "rest.img",
	    "--size 32M --disk-guid 01234567-89ab-cdef-0123-456789ABCDEF"), 0);
	CHECK_EQ(run("sgdisk -v %s", img), 0);
	CHECK(has("No problems found"));
	CHECK_EQ(run("sgdisk -p %s", img), 0);
	CHECK(has("Disk identifier (GUID): 01234567-89AB-CDEF-0123-456789ABCDEF"));
	CHECK(has("65536 sectors"));
	CHECK_EQ(run("sgdisk -i 3 %s", img), 0);
	CHECK(has("Partition GUID code: " ZFS_TYPE));
	CHECK(has("Partition name: 'tank'"));
	CHECK(has("Last sector: 65502 "));	/* up to the backup GPT */
	CHECK(build("rest.manifest", "rest.img", "--size 2M") != 0);
	CHECK(has("too small"));
}

static void test_errors(void)
{
	CHECK(build("missing.manifest", "bad.img", "") != 0);
	CHECK(has("tests/images/missing.manifest:3: "));
	CHECK(has("no-such-file.txt: No such file or directory"));
	CHECK(build("syntax.manifest", "bad.img", "") != 0);
	CHECK(has("tests/images/syntax.manifest:2: "));
	CHECK(has("tests/images/syntax.manifest:3: "));
	CHECK(has("2 errors; no image written"));
	CHECK(build("dup.manifest", "bad.img", "") != 0);
	CHECK(has("tests/images/dup.manifest:2: /etc/a.conf: already defined as a file at line 1"));
	CHECK(has("tests/images/dup.manifest:3: /etc/a.conf/x: component \"a.conf\" is a file (line 1), not a directory"));
	CHECK(build("escape.manifest", "bad.img", "") != 0);
	CHECK(has("tests/images/escape.manifest:1: /usr/../../etc/passwd: path escapes /"));
	CHECK(access("bad.img", F_OK) != 0);
	/* ${T} unset. */
	CHECK(run("env -u T \"$MKIMAGE\" tests/images/basic.manifest %s/x.img", tmp) != 0);
	CHECK(has("basic.manifest:10: ${T} is not set"));
}

/* --list: every entry with its type, mode, owner and source, in staging
 * order; no image is written, and an IMAGE argument is a usage error. */
static void test_list(void)
{
	CHECK_EQ(run("\"$MKIMAGE\" --list tests/images/basic.manifest"), 0);
	CHECK(!strncmp(out, "d\t0755\t0\t0\t/\t-\n", strlen("d\t0755\t0\t0\t/\t-\n")));
	CHECK(has("\nf\t0750\t1000\t100\t/bin/tool.sh\ttests/images/files/tool.sh\n"));
	CHECK(has("\nl\t0777\t0\t0\t/bin/sh\t/bin/busybox\n"));
	CHECK(has("\ng\t0644\t0\t0\t/etc/fstab\t-\n"));
	CHECK(has("\nd\t0700\t0\t0\t/var/empty\t-\n"));
	CHECK(has("\nf\t0644\t0\t0\t/usr/share/tree/sub/b.txt\ttests/images/files/tree/sub/b.txt\n"));
	CHECK(strstr(out, "/bin/relative") < strstr(out, "/bin/sh\t"));	/* sorted */
	CHECK(run("\"$MKIMAGE\" --list tests/images/basic.manifest %s/list.img", tmp) == 2);
	CHECK(has("usage: mkimage"));
	CHECK(run("test -e %s/list.img", tmp) != 0);
}

/* Exports MKIMAGE and ROFS: absolute paths of the tools beside build/unit/. */
static int find_tools(const char *argv0)
{
	char p[4200], *slash;

	if (!realpath(argv0, p) || !(slash = strrchr(p, '/')))
		return -1;
	*slash = '\0';
	if (!(slash = strrchr(p, '/')))
		return -1;
	strcpy(slash, "/tools/mkimage");
	if (access(p, X_OK) < 0)
		return -1;
	setenv("MKIMAGE", p, 1);
	strcpy(slash, "/tools/rofs");
	if (access(p, X_OK) < 0)
		return -1;
	setenv("ROFS", p, 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (!getcwd(repo, sizeof(repo)) || access("tests/images/basic.manifest", R_OK) ||
	    find_tools(argv[0]) < 0) {
		fprintf(stderr, "test_mkimage: run from the repository root after `make tools`\n");
		return 1;
	}
	if (system("command -v sgdisk >/dev/null 2>&1") != 0) {
		printf("SKIP mkimage: sgdisk not found (apt-get install gdisk)\n");
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/mkimage-test.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("T", tmp, 1);
	unsetenv("SOURCE_DATE_EPOCH");
	make_scratch();
	snprintf(basic_img, sizeof(basic_img), "%s/basic.img", tmp);
	snprintf(basic_root, sizeof(basic_root), "%s/basic.rofs", tmp);

	RUN(test_build_basic);
	if (check_failures) {	/* everything below reads that image */
		fprintf(stderr, "  scratch kept in %s\n", tmp);
		return 1;
	}
	RUN(test_gpt_valid);
	RUN(test_partitions);
	RUN(test_root_fsck);
	RUN(test_contents);
	RUN(test_fstab_cmdline);
	RUN(test_attributes);
	RUN(test_deterministic);
	RUN(test_list);
	RUN(test_sparse);
	RUN(test_any_cwd);
	RUN(test_size_rest);
	RUN(test_errors);

	if (!check_failures)
		run("rm -rf %s", tmp);
	else
		fprintf(stderr, "  scratch kept in %s\n", tmp);
	return CHECK_DONE();
}
