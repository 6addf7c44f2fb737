/*
 * mkrofs: builds a ROFS v3 image (docs/rofs.md) from a directory tree.
 *
 *	mkrofs [--cluster-size N] [--level N] [--no-compress] [-q] DIR IMAGE
 *
 * Passes: scan the tree (sorted by memcmp), write full clusters of every
 * regular file in traversal order (identical files share data), pack file
 * tails into fragment clusters grouped by name extension, lay out inode
 * records in post-order, compress the metadata stream, then write the
 * tables and the superblock. The output depends on nothing but the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <lz4.h>
#include <lz4hc.h>
#include "lib/crc32.h"
#include "fs/rofs/rofs_format.h"

struct mkrofs_opts {
	unsigned cluster_shift;
	int level;		/* LZ4HC level 1..12 */
	bool no_compress;
	bool quiet;
};

struct node {
	char *name;
	size_t nlen;
	char *path;
	struct stat st;
	struct node **kids;
	size_t nkids;
	struct node *master;	/* hard link: the node owning the inode */
	struct node *same;	/* identical content: share its data */
	uint32_t nlink;
	bool emitted;
	uint64_t ino;
	char *target;		/* symlink */
	/* Regular file placement. */
	uint64_t data_start, nfull;
	uint64_t *ends;		/* cumulative stored ends, bit 63 = raw */
	uint32_t *crcs;		/* CRC32C of each full cluster's bytes */
	bool wide;
	uint8_t *tail;
	size_t tail_len;
	uint32_t frag, frag_off;
	uint64_t seq;		/* traversal order, for stable sorts */
	uint64_t hash;
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

struct mk {
	const struct mkrofs_opts *o;
	uint32_t cs;
	FILE *out;
	const char *image;
	uint64_t pos;		/* bytes written so far */
	uint32_t crc;		/* running CRC of the current area */
	uint8_t *cbuf;		/* compression output */
	int cbuf_cap;
	struct node **tails;
	size_t ntails, tails_cap;
	struct node **htab;	/* content hash -> first file */
	size_t hcap;
	size_t hused;
	struct node **links;	/* (dev, ino) -> first name of a hard link */
	size_t lcap, lused;
	int64_t *mtimes;
	size_t nmtimes, mtimes_cap;
	int64_t mtime_base;
	struct buf meta;
	struct buf frags;	/* fragment table */
	uint32_t nfrags;
	struct buf fragbuf;	/* fragment being filled */
	uint64_t nfiles, ndirs, nsyms, nother, ninodes, bytes_in, seq, done;
	int err;
};

static void mk_error(struct mk *m, const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkrofs: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	m->err = -1;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "mkrofs: out of memory\n");
		exit(1);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "mkrofs: out of memory\n");
		exit(1);
	}
	return p;
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void buf_varint(struct buf *b, uint64_t v)
{
	uint8_t t[ROFS_VARINT_MAX];

	buf_put(b, t, rofs_put_varint(t, v));
}

/* ---- output ---- */

static void out_write(struct mk *m, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (fwrite(p, 1, n, m->out) != n && !m->err)
		mk_error(m, m->image, "write: %s", strerror(errno));
	m->crc = crc32c(m->crc, p, n);
	m->pos += n;
}

/*
 * Compresses src (n bytes) unless that does not shrink it, writes the
 * result and returns the stored length; *raw tells which.
 */
static uint32_t put_block(struct mk *m, const uint8_t *src, uint32_t n, bool *raw)
{
	int r = 0;

	if (!m->o->no_compress)
		r = LZ4_compress_HC((const char *)src, (char *)m->cbuf, (int)n,
		    m->cbuf_cap, m->o->level);
	if (r > 0 && (uint32_t)r < n) {
		*raw = false;
		out_write(m, m->cbuf, (size_t)r);
		return (uint32_t)r;
	}
	*raw = true;
	out_write(m, src, n);
	return n;
}

/*
 * Appends a block table entry: esize ROFS_TENT_SIZE for metadata blocks,
 * ROFS_FTENT_SIZE for fragments, which carry the CRC of their bytes.
 */
static void table_put(struct buf *t, size_t esize, uint64_t off, uint32_t stored,
    bool raw, uint32_t ulen, uint32_t crc)
{
	uint8_t e[ROFS_FTENT_SIZE];

	put_le64(e, off);
	put_le32(e + 8, stored | (raw ? ROFS_TENT_RAW : 0));
	put_le32(e + 12, ulen);
	put_le32(e + ROFS_TENT_SIZE, crc);
	buf_put(t, e, esize);
}

/* ---- scan ---- */

static int name_cmp(const void *a, const void *b)
{
	const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
	int c = memcmp(x->name, y->name, x->nlen < y->nlen ? x->nlen : y->nlen);

	if (c)
		return c;
	return x->nlen < y->nlen ? -1 : x->nlen > y->nlen;
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	a ^= b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2);
	return a * 0xff51afd7ed558ccdull;
}

/* Hard links: the first name found owns the inode, later ones point to it. */
static void link_note(struct mk *m, struct node *n)
{
	if (m->lcap == 0) {
		m->lcap = 1024;
		m->links = calloc(m->lcap, sizeof(*m->links));
	}
	size_t i = mix(n->st.st_dev, n->st.st_ino) & (m->lcap - 1);
	for (; m->links[i]; i = (i + 1) & (m->lcap - 1)) {
		struct node *o = m->links[i];
		if (o->st.st_dev == n->st.st_dev && o->st.st_ino == n->st.st_ino) {
			n->master = o;
			o->nlink++;
			return;
		}
	}
	m->links[i] = n;
	n->nlink = 1;
	if (++m->lused * 2 > m->lcap) {
		/* Grow: rehash into twice the room. */
		struct node **old = m->links;
		size_t ocap = m->lcap;
		m->lcap *= 2;
		m->links = calloc(m->lcap, sizeof(*m->links));
		for (size_t k = 0; k < ocap; k++) {
			if (!old[k])
				continue;
			size_t j = mix(old[k]->st.st_dev, old[k]->st.st_ino) & (m->lcap - 1);
			while (m->links[j])
				j = (j + 1) & (m->lcap - 1);
			m->links[j] = old[k];
		}
		free(old);
	}
}

static struct node *scan(struct mk *m, const char *path, const char *name)
{
	struct node *n = calloc(1, sizeof(*n));

	n->name = strdup(name);
	n->nlen = strlen(name);
	n->path = strdup(path);
	n->nlink = 1;
	if (lstat(path, &n->st) < 0) {
		mk_error(m, path, "%s", strerror(errno));
		return n;
	}
	if (n->nlen > ROFS_NAME_MAX) {
		mk_error(m, path, "name longer than %d bytes", ROFS_NAME_MAX);
		return n;
	}
	if (!S_ISDIR(n->st.st_mode) && n->st.st_nlink > 1)
		link_note(m, n);
	if (n->master)
		return n;
	if (m->nmtimes == m->mtimes_cap) {
		m->mtimes_cap = m->mtimes_cap * 2 + 1024;
		m->mtimes = xrealloc(m->mtimes, m->mtimes_cap * sizeof(*m->mtimes));
	}
	m->mtimes[m->nmtimes++] = n->st.st_mtim.tv_sec;
	m->ninodes++;
	if (S_ISLNK(n->st.st_mode)) {
		char t[ROFS_SYMLINK_MAX + 2];
		ssize_t l = readlink(path, t, sizeof(t));
		if (l <= 0 || l > ROFS_SYMLINK_MAX) {
			mk_error(m, path, l < 0 ? strerror(errno) : "bad symlink target length");
			return n;
		}
		t[l] = '\0';
		n->target = strdup(t);
		m->nsyms++;
	} else if (S_ISREG(n->st.st_mode)) {
		m->nfiles++;
		m->bytes_in += n->st.st_size;
	} else if (S_ISDIR(n->st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		size_t cap = 0;

		m->ndirs++;
		if (!d) {
			mk_error(m, path, "%s", strerror(errno));
			return n;
		}
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (n->nkids == cap) {
				cap = cap * 2 + 8;
				n->kids = xrealloc(n->kids, cap * sizeof(*n->kids));
			}
			size_t pl = strlen(path) + strlen(e->d_name) + 2;
			char *sub = xmalloc(pl);
			snprintf(sub, pl, "%s/%s", path, e->d_name);
			n->kids[n->nkids++] = scan(m, sub, e->d_name);
			free(sub);
		}
		closedir(d);
		if (n->nkids)
			qsort(n->kids, n->nkids, sizeof(*n->kids), name_cmp);
		n->nlink = 2;
		for (size_t i = 0; i < n->nkids; i++)
			if (S_ISDIR(n->kids[i]->st.st_mode))
				n->nlink++;
	} else {
		m->nother++;
	}
	return n;
}

/* ---- file data ---- */

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static const uint8_t *map_file(struct mk *m, struct node *n)
{
	size_t size = n->st.st_size;
	int fd = open(n->path, O_RDONLY);

	if (fd < 0) {
		mk_error(m, n->path, "%s", strerror(errno));
		return NULL;
	}
	void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		mk_error(m, n->path, "mmap: %s", strerror(errno));
		return NULL;
	}
	return p;
}

/* Finds an earlier file with the same bytes, or records this one. */
static struct node *dedup(struct mk *m, struct node *n, const uint8_t *p)
{
	size_t size = n->st.st_size;

	if (m->hcap == 0) {
		m->hcap = 1 << 16;
		m->htab = calloc(m->hcap, sizeof(*m->htab));
	}
	n->hash = hash_bytes(p, size);
	size_t i = n->hash & (m->hcap - 1);
	for (; m->htab[i]; i = (i + 1) & (m->hcap - 1)) {
		struct node *o = m->htab[i];
		if (o->hash != n->hash || (size_t)o->st.st_size != size)
			continue;
		const uint8_t *q = map_file(m, o);
		bool same = q && memcmp(p, q, size) == 0;
		if (q)
			munmap((void *)q, size);
		if (same)
			return o;
	}
	m->htab[i] = n;
	if (++m->hused * 2 > m->hcap) {
		struct node **old = m->htab;
		size_t ocap = m->hcap;
		m->hcap *= 2;
		m->htab = calloc(m->hcap, sizeof(*m->htab));
		for (size_t k = 0; k < ocap; k++) {
			if (!old[k])
				continue;
			size_t j = old[k]->hash & (m->hcap - 1);
			while (m->htab[j])
				j = (j + 1) & (m->hcap - 1);
			m->htab[j] = old[k];
		}
		free(old);
	}
	return NULL;
}

static void write_file(struct mk *m, struct node *n)
{
	size_t size = n->st.st_size;
	const uint8_t *p;

	if (size == 0)
		return;
	if (!(p = map_file(m, n)))
		return;
	if ((n->same = dedup(m, n, p))) {
		munmap((void *)p, size);
		return;
	}
	n->nfull = size >> m->o->cluster_shift;
	n->data_start = m->pos;
	if (n->nfull) {
		n->ends = xmalloc(n->nfull * sizeof(*n->ends));
		n->crcs = xmalloc(n->nfull * sizeof(*n->crcs));
	}
	uint64_t cum = 0;
	for (uint64_t k = 0; k < n->nfull; k++) {
		bool raw;
		cum += put_block(m, p + k * m->cs, m->cs, &raw);
		n->ends[k] = cum | (raw ? 1ull << 63 : 0);
		n->crcs[k] = crc32c(0, p + k * m->cs, m->cs);
	}
	n->wide = cum > 0x7fffffff;
	n->tail_len = size & (m->cs - 1);
	if (n->tail_len) {
		n->tail = xmalloc(n->tail_len);
		memcpy(n->tail, p + n->nfull * m->cs, n->tail_len);
		if (m->ntails == m->tails_cap) {
			m->tails_cap = m->tails_cap * 2 + 1024;
			m->tails = xrealloc(m->tails, m->tails_cap * sizeof(*m->tails));
		}
		m->tails[m->ntails++] = n;
	}
	munmap((void *)p, size);
}

static void write_data(struct mk *m, struct node *n)
{
	n->seq = m->seq++;
	if (n->master)
		return;
	if (S_ISREG(n->st.st_mode)) {
		write_file(m, n);
		if (++m->done % 5000 == 0 && !m->o->quiet)
			fprintf(stderr, "mkrofs: %llu/%llu files, %llu MB out\n",
			    (unsigned long long)m->done, (unsigned long long)m->nfiles,
			    (unsigned long long)(m->pos >> 20));
	}
	for (size_t i = 0; i < n->nkids && !m->err; i++)
		write_data(m, n->kids[i]);
}

static const char *extension(const struct node *n)
{
	const char *dot = strrchr(n->name, '.');

	return dot && dot != n->name ? dot : "";
}

/* Tails grouped by extension (similar content compresses together). */
static int tail_cmp(const void *a, const void *b)
{
	const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
	int c = strcmp(extension(x), extension(y));

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void frag_flush(struct mk *m)
{
	bool raw;

	if (m->fragbuf.len == 0)
		return;
	uint64_t off = m->pos;
	uint32_t len = (uint32_t)m->fragbuf.len;
	uint32_t st = put_block(m, m->fragbuf.p, len, &raw);
	table_put(&m->frags, ROFS_FTENT_SIZE, off, st, raw, len,
	    crc32c(0, m->fragbuf.p, len));
	m->nfrags++;
	m->fragbuf.len = 0;
}

static void write_fragments(struct mk *m)
{
	if (m->ntails)
		qsort(m->tails, m->ntails, sizeof(*m->tails), tail_cmp);
	for (size_t i = 0; i < m->ntails; i++) {
		struct node *n = m->tails[i];

		if (m->fragbuf.len + n->tail_len > m->cs)
			frag_flush(m);
		n->frag = m->nfrags;
		n->frag_off = (uint32_t)m->fragbuf.len;
		buf_put(&m->fragbuf, n->tail, n->tail_len);
		free(n->tail);
		n->tail = NULL;
	}
	frag_flush(m);
}

/* ---- metadata ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The most frequent mtime (smallest on ties): most deltas become 0. */
static int64_t mtime_mode(struct mk *m)
{
	int64_t best = 0;
	size_t best_run = 0;

	qsort(m->mtimes, m->nmtimes, sizeof(*m->mtimes), cmp_i64);
	for (size_t i = 0; i < m->nmtimes;) {
		size_t j = i;
		while (j < m->nmtimes && m->mtimes[j] == m->mtimes[i])
			j++;
		if (j - i > best_run) {
			best_run = j - i;
			best = m->mtimes[i];
		}
		i = j;
	}
	return best;
}

static void emit(struct mk *m, struct node *n);

static void emit_record(struct mk *m, struct node *n)
{
	struct buf *b = &m->meta;
	struct node *src = n->same ? n->same : n;
	uint8_t flags = 0;
	struct buf ents = { 0 };
	struct buf offs = { 0 };

	if (S_ISDIR(n->st.st_mode))
		for (size_t i = 0; i < n->nkids; i++)
			emit(m, n->kids[i]);
	n->ino = b->len;
	n->emitted = true;
	if (S_ISREG(n->st.st_mode) && src->wide)
		flags |= ROFS_IF_WIDE;
	if (S_ISDIR(n->st.st_mode)) {
		for (size_t i = 0; i < n->nkids; i++) {
			struct node *k = n->kids[i];
			struct node *t = k->master ? k->master : k;
			uint8_t hdr[4];

			put_le32(hdr, (uint32_t)ents.len);
			buf_put(&offs, hdr, 4);
			hdr[0] = (uint8_t)k->nlen;
			buf_put(&ents, hdr, 1);
			buf_put(&ents, k->name, k->nlen);
			buf_varint(&ents, (n->ino - t->ino) << 4 | ((t->st.st_mode & S_IFMT) >> 12));
		}
		if (ents.len > 65535)
			flags |= ROFS_IF_DIR32;
		if (ents.len > UINT32_MAX)
			mk_error(m, n->path, "directory too large");
	}
	uint8_t hdr[3];
	put_le16(hdr, (uint16_t)n->st.st_mode);
	hdr[2] = flags;
	buf_put(b, hdr, 3);
	buf_varint(b, n->st.st_uid);
	buf_varint(b, n->st.st_gid);
	buf_varint(b, rofs_zigzag((int64_t)n->st.st_mtim.tv_sec - m->mtime_base));
	buf_varint(b, (uint64_t)n->st.st_mtim.tv_nsec);
	buf_varint(b, n->nlink);
	switch (n->st.st_mode & S_IFMT) {
	case S_IFREG:
		buf_varint(b, (uint64_t)n->st.st_size);
		if (src->nfull) {
			buf_varint(b, src->data_start);
			for (uint64_t k = 0; k < src->nfull; k++) {
				uint64_t e = src->ends[k];
				uint8_t w[8];
				if (src->wide) {
					put_le64(w, e);
					buf_put(b, w, 8);
				} else {
					put_le32(w, (uint32_t)(e & 0x7fffffff) | (uint32_t)(e >> 32));
					buf_put(b, w, 4);
				}
			}
			for (uint64_t k = 0; k < src->nfull; k++) {
				uint8_t w[ROFS_CRC_SIZE];
				put_le32(w, src->crcs[k]);
				buf_put(b, w, sizeof(w));
			}
		}
		if (n->st.st_size & (m->cs - 1)) {
			buf_varint(b, src->frag);
			buf_varint(b, src->frag_off);
		}
		break;
	case S_IFDIR:
		buf_varint(b, n->nkids);
		buf_varint(b, ents.len);
		for (size_t i = 0; i < n->nkids; i++) {
			uint8_t *o = offs.p + 4 * i;
			buf_put(b, o, flags & ROFS_IF_DIR32 ? 4 : 2);
		}
		buf_put(b, ents.p, ents.len);
		break;
	case S_IFLNK:
		buf_varint(b, strlen(n->target));
		buf_put(b, n->target, strlen(n->target));
		break;
	case S_IFCHR:
	case S_IFBLK:
		buf_varint(b, (uint64_t)n->st.st_rdev);
		break;
	}
	free(ents.p);
	free(offs.p);
}

/* Post-order: children (and the owner of a hard link) before a directory. */
static void emit(struct mk *m, struct node *n)
{
	struct node *t = n->master ? n->master : n;

	if (!t->emitted)
		emit_record(m, t);
}

static void write_meta(struct mk *m, uint64_t *table_off)
{
	struct buf table = { 0 };
	uint32_t mbs = 1u << ROFS_META_SHIFT_DEF;

	for (size_t s = 0; s < m->meta.len; s += mbs) {
		uint32_t n = m->meta.len - s < mbs ? (uint32_t)(m->meta.len - s) : mbs;
		uint64_t off = m->pos;
		bool raw;
		uint32_t st = put_block(m, m->meta.p + s, n, &raw);
		table_put(&table, ROFS_TENT_SIZE, off, st, raw, n, 0);
	}
	*table_off = m->pos;
	out_write(m, table.p, table.len);
	free(table.p);
}

static void write_super(struct mk *m, struct node *root, uint64_t data_end,
    uint32_t data_crc, uint64_t meta_table, uint64_t frag_table)
{
	uint8_t sb[ROFS_SB_SIZE] = { 0 };
	uint32_t mbs = 1u << ROFS_META_SHIFT_DEF;

	memcpy(sb + ROFS_SB_MAGIC, ROFS_MAGIC, 4);
	put_le16(sb + ROFS_SB_VERSION, ROFS_VERSION);
	put_le16(sb + ROFS_SB_SBSIZE, ROFS_SB_SIZE);
	put_le32(sb + ROFS_SB_INCOMPAT, ROFS_INCOMPAT_LZ4);
	sb[ROFS_SB_CLUSTER_SHIFT] = (uint8_t)m->o->cluster_shift;
	sb[ROFS_SB_META_SHIFT] = ROFS_META_SHIFT_DEF;
	put_le64(sb + ROFS_SB_IMAGE_SIZE, m->pos);
	put_le64(sb + ROFS_SB_ROOT_INO, root->ino);
	put_le64(sb + ROFS_SB_INODE_COUNT, m->ninodes);
	put_le64(sb + ROFS_SB_META_LEN, m->meta.len);
	put_le64(sb + ROFS_SB_META_TABLE, meta_table);
	put_le32(sb + ROFS_SB_META_COUNT, (uint32_t)((m->meta.len + mbs - 1) / mbs));
	put_le32(sb + ROFS_SB_FRAG_COUNT, m->nfrags);
	put_le64(sb + ROFS_SB_FRAG_TABLE, frag_table);
	put_le64(sb + ROFS_SB_DATA_END, data_end);
	put_le64(sb + ROFS_SB_MTIME_BASE, (uint64_t)m->mtime_base);
	put_le32(sb + ROFS_SB_DATA_CRC, data_crc);
	put_le32(sb + ROFS_SB_META_CRC, m->crc);
	put_le64(sb + ROFS_SB_BYTES_IN, m->bytes_in);
	put_le32(sb + ROFS_SB_CRC, crc32c(0, sb, ROFS_SB_CRC));
	if (fseek(m->out, 0, SEEK_SET) != 0 || fwrite(sb, 1, sizeof(sb), m->out) != sizeof(sb))
		mk_error(m, m->image, "write: %s", strerror(errno));
}

static void free_tree(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		free_tree(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->path);
	free(n->target);
	free(n->ends);
	free(n->crcs);
	free(n->tail);
	free(n);
}

/* Builds IMAGE from DIR; returns 0, or -1 after printing what failed. */
int mkrofs_build(const char *dir, const char *image, const struct mkrofs_opts *o)
{
	struct mk mk = { 0 }, *m = &mk;
	uint8_t zero[ROFS_SB_SIZE] = { 0 };
	struct stat st;

	m->o = o;
	m->cs = 1u << o->cluster_shift;
	m->image = image;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mkrofs: %s: %s\n", dir, errno ? strerror(errno) : "not a directory");
		return -1;
	}
	struct node *root = scan(m, dir, "");
	if (m->err) {
		free_tree(root);
		return -1;
	}
	m->mtime_base = mtime_mode(m);
	if (!(m->out = fopen(image, "w+b"))) {
		fprintf(stderr, "mkrofs: %s: %s\n", image, strerror(errno));
		free_tree(root);
		return -1;
	}
	m->cbuf_cap = LZ4_compressBound((int)m->cs);
	m->cbuf = xmalloc(m->cbuf_cap);
	out_write(m, zero, sizeof(zero));
	m->crc = 0;
	write_data(m, root);
	if (!m->err)
		write_fragments(m);
	uint64_t data_end = m->pos;
	uint32_t data_crc = m->crc;
	uint64_t meta_table = 0;
	m->crc = 0;
	if (!m->err) {
		emit(m, root);
		write_meta(m, &meta_table);
	}
	uint64_t frag_table = m->pos;
	out_write(m, m->frags.p, m->frags.len);
	if (!m->err)
		write_super(m, root, data_end, data_crc, meta_table, frag_table);
	if (fclose(m->out) != 0 && !m->err)
		mk_error(m, image, "close: %s", strerror(errno));
	if (!m->err && !o->quiet)
		printf("mkrofs: %s: %llu files, %llu dirs, %llu symlinks, %llu other; "
		    "%llu bytes in, %llu bytes out (%.1f%%)\n", image,
		    (unsigned long long)m->nfiles, (unsigned long long)m->ndirs,
		    (unsigned long long)m->nsyms, (unsigned long long)m->nother,
		    (unsigned long long)m->bytes_in, (unsigned long long)m->pos,
		    m->bytes_in ? 100.0 * m->pos / m->bytes_in : 0.0);
	free_tree(root);
	free(m->cbuf);
	free(m->tails);
	free(m->htab);
	free(m->links);
	free(m->mtimes);
	free(m->meta.p);
	free(m->frags.p);
	free(m->fragbuf.p);
	if (m->err)
		unlink(image);
	return m->err ? -1 : 0;
}

#ifndef MKROFS_NO_MAIN
static void usage(void)
{
	fprintf(stderr, "usage: mkrofs [--cluster-size N[K|M]] [--level 1-12] "
	    "[--no-compress] [-q] DIR IMAGE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cluster-size", required_argument, NULL, 'c' },
		{ "level", required_argument, NULL, 'l' },
		{ "no-compress", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct mkrofs_opts o = { ROFS_CLUSTER_SHIFT_DEF, 12, false, false };
	int c;

	while ((c = getopt_long(argc, argv, "c:l:nq", lo, NULL)) != -1) {
		char *end;
		unsigned long long v;

		switch (c) {
		case 'c':
			v = strtoull(optarg, &end, 0);
			if (*end == 'k' || *end == 'K')
				v <<= 10, end++;
			else if (*end == 'm' || *end == 'M')
				v <<= 20, end++;
			if (*end || v == 0 || (v & (v - 1)))
				usage();
			o.cluster_shift = (unsigned)__builtin_ctzll(v);
			if (o.cluster_shift < ROFS_CLUSTER_SHIFT_MIN ||
			    o.cluster_shift > ROFS_CLUSTER_SHIFT_MAX) {
				fprintf(stderr, "mkrofs: cluster size must be 4K..1M\n");
				return 2;
			}
			break;
		case 'l':
			o.level = atoi(optarg);
			if (o.level < 1 || o.level > 12)
				usage();
			break;
		case 'n':
			o.no_compress = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	return mkrofs_build(argv[optind], argv[optind + 1], &o) ? 1 : 0;
}
#endif
