/*
 * rofs: reads ROFS v3 images on the host with the kernel's own reader.
 *
 *	rofs ls IMAGE [PATH]
 *	rofs cat IMAGE PATH
 *	rofs extract IMAGE DIR
 *	rofs fsck IMAGE		exit 0 clean, 1 corrupt
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fs/rofs/rofs_read.h"

struct img {
	int fd;
	const char *path;
	uint64_t size;
	unsigned long errors;
	uint8_t *cbuf, *scratch, *obuf;
	struct rofs_fs fs;
	/* Inodes already seen (fsck, hard links in extract). */
	struct seen { uint64_t ino; char *path; } *seen;
	size_t seen_cap, seen_used;
};

static int img_pread(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct img *im = ctx;

	if (off > im->size || len > im->size - off)
		return -EIO;
	while (len > 0) {
		ssize_t n = pread(im->fd, buf, len, (off_t)off);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (uint8_t *)buf + n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static void img_error(void *ctx, int code, uint64_t ino, uint64_t cluster)
{
	struct img *im = ctx;

	im->errors++;
	fprintf(stderr, "rofs: %s: %s", im->path, rofs_strerror(code));
	if (code == ROFS_E_CRC && ino == ROFS_NO_INO)	/* rofs_verify_crc() */
		fprintf(stderr, " (%s area)", cluster ? "metadata" : "data");
	else if (ino != ROFS_NO_INO && cluster != ROFS_NO_CLUSTER)
		fprintf(stderr, " (inode %llu, cluster %llu)", (unsigned long long)ino,
		    (unsigned long long)cluster);
	else if (ino != ROFS_NO_INO)
		fprintf(stderr, " (inode %llu)", (unsigned long long)ino);
	else if (cluster != ROFS_NO_CLUSTER)
		fprintf(stderr, " (%s %llu)", code == ROFS_E_META ? "metadata block" : "cluster",
		    (unsigned long long)cluster);
	fputc('\n', stderr);
}

static struct img *img_open(const char *path)
{
	struct img *im = calloc(1, sizeof(*im));
	struct stat st;
	int r;

	im->path = path;
	if ((im->fd = open(path, O_RDONLY)) < 0 || fstat(im->fd, &st) < 0) {
		fprintf(stderr, "rofs: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	im->size = (uint64_t)st.st_size;
	if ((r = rofs_mount(&im->fs, img_pread, img_error, im)) < 0) {
		fprintf(stderr, "rofs: %s: cannot mount: %s\n", path,
		    r == -EINVAL ? "not a ROFS image" : strerror(-r));
		exit(1);
	}
	if (im->fs.sb.image_size > im->size) {
		fprintf(stderr, "rofs: %s: image truncated (%llu of %llu bytes)\n", path,
		    (unsigned long long)im->size, (unsigned long long)im->fs.sb.image_size);
		exit(1);
	}
	im->cbuf = malloc(im->fs.cluster_size);
	im->scratch = malloc(im->fs.cluster_size);
	im->obuf = malloc(im->fs.cluster_size);
	return im;
}

/* Returns the path recorded for ino, or records path and returns NULL. */
static const char *seen(struct img *im, uint64_t ino, const char *path)
{
	if (im->seen_used * 2 >= im->seen_cap) {
		struct seen *old = im->seen;
		size_t ocap = im->seen_cap;
		im->seen_cap = ocap ? ocap * 2 : 1024;
		im->seen = calloc(im->seen_cap, sizeof(*im->seen));
		for (size_t i = 0; i < ocap; i++) {
			if (!old[i].path)
				continue;
			size_t j = (old[i].ino * 0x9e3779b97f4a7c15ull >> 20) & (im->seen_cap - 1);
			while (im->seen[j].path)
				j = (j + 1) & (im->seen_cap - 1);
			im->seen[j] = old[i];
		}
		free(old);
	}
	size_t i = (ino * 0x9e3779b97f4a7c15ull >> 20) & (im->seen_cap - 1);
	for (; im->seen[i].path; i = (i + 1) & (im->seen_cap - 1))
		if (im->seen[i].ino == ino)
			return im->seen[i].path;
	im->seen[i].ino = ino;
	im->seen[i].path = strdup(path);
	im->seen_used++;
	return NULL;
}

static int lookup(struct img *im, const char *path, struct rofs_inode *in)
{
	uint64_t ino;
	int r;

	if ((r = rofs_path_lookup(&im->fs, path, &ino)) < 0 ||
	    (r = rofs_inode_get(&im->fs, ino, in)) < 0) {
		fprintf(stderr, "rofs: %s: %s: %s\n", im->path, path, strerror(-r));
		return r;
	}
	return 0;
}

/* ---- ls ---- */

static void ls_line(struct img *im, const struct rofs_inode *in, const char *name)
{
	static const char types[] = "?pc?d?b?-?l?s???";
	char perm[11], when[32], target[ROFS_SYMLINK_MAX + 1];
	time_t t = (time_t)in->mtime;
	struct tm tm;

	perm[0] = types[(in->mode >> 12) & 15];
	for (int i = 0; i < 9; i++)
		perm[1 + i] = (in->mode & (0400 >> i)) ? "rwxrwxrwx"[i] : '-';
	perm[10] = '\0';
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s %3u %5u %5u %10llu %s %s", perm, in->nlink, in->uid, in->gid,
	    (unsigned long long)in->size, when, name);
	if ((in->mode & ROFS_S_IFMT) == ROFS_S_IFLNK &&
	    rofs_readlink(&im->fs, in, target, sizeof(target)) >= 0)
		printf(" -> %s", target);
	putchar('\n');
}

static int cmd_ls(struct img *im, const char *path)
{
	struct rofs_inode dir, in;
	struct rofs_dirent de;
	uint64_t pos = 0;
	int r;

	if (lookup(im, path, &dir) < 0)
		return 1;
	if ((dir.mode & ROFS_S_IFMT) != ROFS_S_IFDIR) {
		ls_line(im, &dir, path);
		return 0;
	}
	while ((r = rofs_dir_iter(&im->fs, &dir, &pos, &de)) > 0) {
		if ((r = rofs_inode_get(&im->fs, de.ino, &in)) < 0)
			return 1;
		ls_line(im, &in, de.name);
	}
	return r < 0 ? 1 : 0;
}

/* ---- cat ---- */

static int copy_out(struct img *im, const struct rofs_inode *in, int fd, const char *name)
{
	for (uint64_t off = 0; off < in->size;) {
		long long n = rofs_file_read(&im->fs, in, off, im->obuf,
		    im->fs.cluster_size, im->cbuf, im->scratch);
		if (n <= 0) {
			fprintf(stderr, "rofs: %s: %s: %s\n", im->path, name,
			    n < 0 ? strerror((int)-n) : "short file");
			return -1;
		}
		if (fd >= 0 && write(fd, im->obuf, (size_t)n) != n) {
			fprintf(stderr, "rofs: %s: write: %s\n", name, strerror(errno));
			return -1;
		}
		off += (uint64_t)n;
	}
	return 0;
}

static int cmd_cat(struct img *im, const char *path)
{
	struct rofs_inode in;

	if (lookup(im, path, &in) < 0)
		return 1;
	if ((in.mode & ROFS_S_IFMT) != ROFS_S_IFREG) {
		fprintf(stderr, "rofs: %s: not a regular file\n", path);
		return 1;
	}
	return copy_out(im, &in, 1, path) < 0 ? 1 : 0;
}

/* ---- extract ---- */

static void set_attrs(const struct rofs_inode *in, const char *path, bool root)
{
	struct timespec ts[2];
	bool lnk = (in->mode & ROFS_S_IFMT) == ROFS_S_IFLNK;

	if (root && lchown(path, in->uid, in->gid) < 0)
		fprintf(stderr, "rofs: %s: chown: %s\n", path, strerror(errno));
	if (!lnk && chmod(path, in->mode & 07777) < 0)
		fprintf(stderr, "rofs: %s: chmod: %s\n", path, strerror(errno));
	ts[0].tv_sec = in->mtime;
	ts[0].tv_nsec = in->mtime_nsec;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

static int extract(struct img *im, const struct rofs_inode *dir, const char *dst, bool root)
{
	struct rofs_dirent de;
	struct rofs_inode in;
	uint64_t pos = 0;
	int r, bad = 0;

	while ((r = rofs_dir_iter(&im->fs, dir, &pos, &de)) > 0) {
		size_t pl = strlen(dst) + de.name_len + 2;
		char *p = malloc(pl);
		snprintf(p, pl, "%s/%s", dst, de.name);
		if ((r = rofs_inode_get(&im->fs, de.ino, &in)) < 0) {
			free(p);
			return -1;
		}
		const char *first = in.nlink > 1 && (in.mode & ROFS_S_IFMT) != ROFS_S_IFDIR ?
		    seen(im, in.ino, p) : NULL;
		if (first) {
			if (link(first, p) < 0) {
				fprintf(stderr, "rofs: %s: link: %s\n", p, strerror(errno));
				bad = -1;
			}
			free(p);
			continue;
		}
		switch (in.mode & ROFS_S_IFMT) {
		case ROFS_S_IFDIR:
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				fprintf(stderr, "rofs: %s: %s\n", p, strerror(errno));
				bad = -1;
				break;
			}
			if (in.ino >= dir->ino || extract(im, &in, p, root) < 0)
				bad = -1;
			break;
		case ROFS_S_IFREG: {
			int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd < 0) {
				fprintf(stderr, "rofs: %s: %s\n", p, strerror(errno));
				bad = -1;
				break;
			}
			if (copy_out(im, &in, fd, p) < 0)
				bad = -1;
			close(fd);
			break;
		}
		case ROFS_S_IFLNK: {
			char t[ROFS_SYMLINK_MAX + 1];
			if (rofs_readlink(&im->fs, &in, t, sizeof(t)) < 0 || symlink(t, p) < 0) {
				fprintf(stderr, "rofs: %s: symlink failed\n", p);
				bad = -1;
			}
			break;
		}
		default:
			if (mknod(p, in.mode, (dev_t)in.rdev) < 0) {
				fprintf(stderr, "rofs: %s: mknod: %s\n", p, strerror(errno));
				free(p);
				continue;
			}
		}
		set_attrs(&in, p, root);
		free(p);
	}
	return r < 0 ? -1 : bad;
}

static int cmd_extract(struct img *im, const char *dst)
{
	struct rofs_inode root;
	bool is_root = geteuid() == 0;

	if (rofs_inode_get(&im->fs, im->fs.sb.root_ino, &root) < 0)
		return 1;
	if (mkdir(dst, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "rofs: %s: %s\n", dst, strerror(errno));
		return 1;
	}
	int r = extract(im, &root, dst, is_root);
	set_attrs(&root, dst, is_root);
	return r < 0 || im->errors ? 1 : 0;
}

/* ---- fsck ---- */

static uint64_t fsck_inodes;

static void fsck_complain(struct img *im, const char *path, const char *what)
{
	im->errors++;
	fprintf(stderr, "rofs: %s: %s: %s\n", im->path, path[0] ? path : "/", what);
}

static void fsck_file(struct img *im, const struct rofs_inode *in, const char *path)
{
	struct rofs_extent ext;
	uint64_t n = rofs_cluster_count(&im->fs, in), total = 0;

	for (uint64_t k = 0; k < n; k++) {
		if (rofs_cluster_locate(&im->fs, in, k, &ext) < 0 ||
		    rofs_cluster_load(&im->fs, &ext, im->cbuf, im->scratch) < 0)
			return;
		total += ext.data_len;
	}
	if (total != in->size)
		fsck_complain(im, path, "data length differs from size");
}

static void fsck_dir(struct img *im, const struct rofs_inode *dir, const char *path)
{
	struct rofs_dirent de, prev;
	struct rofs_inode in;
	uint64_t pos = 0;
	uint32_t subdirs = 0;
	int r;

	while ((r = rofs_dir_iter(&im->fs, dir, &pos, &de)) > 0) {
		size_t pl = strlen(path) + de.name_len + 2;
		char *p = malloc(pl);
		snprintf(p, pl, "%s/%s", path, de.name);
		if (pos > 1) {
			size_t l = prev.name_len < de.name_len ? prev.name_len : de.name_len;
			int c = memcmp(prev.name, de.name, l);
			if (c > 0 || (c == 0 && prev.name_len >= de.name_len))
				fsck_complain(im, p, "directory not sorted");
		}
		prev = de;
		if (rofs_inode_get(&im->fs, de.ino, &in) < 0) {
			free(p);
			continue;
		}
		if (de.type != (in.mode >> 12))
			fsck_complain(im, p, "entry type differs from inode");
		if ((in.mode & ROFS_S_IFMT) == ROFS_S_IFDIR)
			subdirs++;
		if (seen(im, in.ino, p)) {
			if ((in.mode & ROFS_S_IFMT) == ROFS_S_IFDIR)
				fsck_complain(im, p, "directory linked twice");
			free(p);
			continue;
		}
		fsck_inodes++;
		switch (in.mode & ROFS_S_IFMT) {
		case ROFS_S_IFDIR:
			fsck_dir(im, &in, p);
			break;
		case ROFS_S_IFREG:
			fsck_file(im, &in, p);
			break;
		case ROFS_S_IFLNK: {
			char t[ROFS_SYMLINK_MAX + 1];
			rofs_readlink(&im->fs, &in, t, sizeof(t));
			break;
		}
		}
		free(p);
	}
	if (r == 0 && dir->nlink != 2 + subdirs)
		fsck_complain(im, path, "directory link count wrong");
}

static int cmd_fsck(struct img *im)
{
	struct rofs_inode root;
	size_t bl = 1 << 20;
	void *b = malloc(bl);

	rofs_verify_crc(&im->fs, b, bl);
	free(b);
	if (rofs_inode_get(&im->fs, im->fs.sb.root_ino, &root) == 0) {
		if ((root.mode & ROFS_S_IFMT) != ROFS_S_IFDIR)
			fsck_complain(im, "", "root is not a directory");
		else {
			fsck_inodes = 1;
			seen(im, root.ino, "/");
			fsck_dir(im, &root, "");
			if (fsck_inodes != im->fs.sb.inode_count)
				fsck_complain(im, "", "inode count differs from superblock");
		}
	}
	if (im->errors) {
		printf("%s: %lu errors\n", im->path, im->errors);
		return 1;
	}
	printf("%s: clean, %llu inodes, %llu bytes\n", im->path,
	    (unsigned long long)fsck_inodes, (unsigned long long)im->fs.sb.image_size);
	return 0;
}

static void free_img(struct img *im)
{
	for (size_t i = 0; i < im->seen_cap; i++)
		free(im->seen[i].path);
	free(im->seen);
	free(im->cbuf);
	free(im->scratch);
	free(im->obuf);
	close(im->fd);
	free(im);
}

static int usage(void)
{
	fprintf(stderr, "usage: rofs ls IMAGE [PATH] | cat IMAGE PATH | "
	    "extract IMAGE DIR | fsck IMAGE\n");
	return 2;
}

int rofs_tool(int argc, char **argv)
{
	int r;

	if (argc < 3)
		return usage();
	const char *cmd = argv[1];
	if (!strcmp(cmd, "ls") && argc <= 4) {
		struct img *im = img_open(argv[2]);
		r = cmd_ls(im, argc == 4 ? argv[3] : "/");
		free_img(im);
	} else if (!strcmp(cmd, "cat") && argc == 4) {
		struct img *im = img_open(argv[2]);
		r = cmd_cat(im, argv[3]);
		free_img(im);
	} else if (!strcmp(cmd, "extract") && argc == 4) {
		struct img *im = img_open(argv[2]);
		r = cmd_extract(im, argv[3]);
		free_img(im);
	} else if (!strcmp(cmd, "fsck") && argc == 3) {
		struct img *im = img_open(argv[2]);
		r = cmd_fsck(im);
		free_img(im);
	} else {
		r = usage();
	}
	return r;
}

#ifndef ROFS_TOOL_NO_MAIN
int main(int argc, char **argv)
{
	return rofs_tool(argc, argv);
}
#endif
