/*
 * libFuzzer harness for the ROFS v3 reader: the input is an image; mount
 * it, check the CRCs and walk the whole tree reading every inode, entry,
 * symlink and cluster. A work budget bounds hostile images that reuse one
 * directory many times (a DAG is legal for the reader, only cycles are not).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "fs/rofs/rofs_read.h"

struct fz {
	const uint8_t *data;
	size_t size;
	long budget;
	struct rofs_fs fs;
	uint8_t *cbuf, *scratch, *obuf;
};

static int fz_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fz *f = ctx;

	if (off > f->size || len > f->size - off)
		return -EIO;
	memcpy(buf, f->data + off, len);
	return 0;
}

static void fz_error(void *ctx, int code, uint64_t ino, uint64_t cluster)
{
	(void)rofs_strerror(code);
}

static void fz_file(struct fz *f, const struct rofs_inode *in)
{
	struct rofs_extent ext;
	uint64_t n = rofs_cluster_count(&f->fs, in);

	for (uint64_t k = 0; k < n && f->budget-- > 0; k++) {
		if (rofs_cluster_locate(&f->fs, in, k, &ext) < 0)
			return;
		if (rofs_cluster_load(&f->fs, &ext, f->cbuf, f->scratch) < 0)
			return;
	}
	/* Reads that straddle clusters and run past the end. */
	uint64_t off = in->size > 3 ? in->size / 3 : 0;
	rofs_file_read(&f->fs, in, off, f->obuf, f->fs.cluster_size, f->cbuf, f->scratch);
}

static void fz_dir(struct fz *f, const struct rofs_inode *dir, int depth)
{
	struct rofs_dirent de;
	struct rofs_inode in;
	uint64_t pos = 0, ino;
	char target[ROFS_SYMLINK_MAX + 1];

	if (depth > 40)
		return;
	while (f->budget-- > 0 && rofs_dir_iter(&f->fs, dir, &pos, &de) > 0) {
		rofs_dir_lookup(&f->fs, dir, de.name, de.name_len, &ino);
		if (rofs_inode_get(&f->fs, de.ino, &in) < 0)
			continue;
		switch (in.mode & ROFS_S_IFMT) {
		case ROFS_S_IFDIR:
			fz_dir(f, &in, depth + 1);
			break;
		case ROFS_S_IFREG:
			fz_file(f, &in);
			break;
		case ROFS_S_IFLNK:
			rofs_readlink(&f->fs, &in, target, sizeof(target));
			break;
		}
	}
	rofs_dir_lookup(&f->fs, dir, "zzz-not-there", 13, &ino);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz *f = calloc(1, sizeof(*f));
	struct rofs_inode root;
	uint8_t crcbuf[512];
	uint64_t ino;

	f->data = data;
	f->size = size;
	f->budget = 20000;
	if (rofs_mount(&f->fs, fz_read, fz_error, f) == 0) {
		rofs_verify_crc(&f->fs, crcbuf, sizeof(crcbuf));
		f->cbuf = malloc(f->fs.cluster_size);
		f->scratch = malloc(f->fs.cluster_size);
		f->obuf = malloc(f->fs.cluster_size);
		rofs_path_lookup(&f->fs, "/a/b/c", &ino);
		if (rofs_inode_get(&f->fs, rofs_root_ino(&f->fs), &root) == 0)
			fz_dir(f, &root, 0);
		free(f->cbuf);
		free(f->scratch);
		free(f->obuf);
	}
	free(f);
	return 0;
}
