/*
 * mkimage: the manifest parser. Reads the manifest (docs/images.md) into an
 * in-memory guest tree: host trees and globs are expanded here, so that a
 * guest path defined twice is reported with both manifest lines before any
 * byte is copied.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "dev/gpt.h"
#include "mkimage.h"

#define NAME_MAX_LEN 255
#define LINK_MAX_LEN 4095

enum section { S_FILES, S_FSTAB, S_DATA, S_CMDLINE };

/* Text of the generated /etc files, collected while parsing. */
struct textbuf {
	char *p;
	size_t len, cap;
	int line;		/* line of the section header; 0 = none */
};

struct parser {
	struct manifest *m;
	int line;
	enum section sec;
	struct textbuf fstab, cmdline;
};

/* Attributes of one [files] entry. */
struct attrs {
	long mode;		/* -1: keep the host mode */
	uid_t uid;
	gid_t gid;
	bool libs;		/* `libs`: add interpreters and libraries */
};

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "mkimage: out of memory\n");
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "mkimage: out of memory\n");
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned shift = 0;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (*end || errno || (v << shift >> shift) != v)
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static void perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkimage: %s:%d: ", p->m->path, p->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->m->errors++;
}

static void text_add(struct textbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* ---- the guest tree ---- */

static struct gnode *gnode_new(const char *name, size_t len, enum gtype t, int line)
{
	struct gnode *n = calloc(1, sizeof(*n));

	if (!n)
		xmalloc(SIZE_MAX);	/* reports and exits */
	n->name = xmalloc(len + 1);
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->type = t;
	n->line = line;
	n->mode = t == G_LINK ? 0777 : 0755;
	return n;
}

void gtree_free(struct gnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		gtree_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->src);
	free(n->content);
	free(n);
}

static struct gnode *kid_find(struct gnode *d, const char *name, size_t len)
{
	for (size_t i = 0; i < d->nkids; i++)
		if (strlen(d->kids[i]->name) == len && !memcmp(d->kids[i]->name, name, len))
			return d->kids[i];
	return NULL;
}

static void kid_add(struct gnode *d, struct gnode *k)
{
	if (d->nkids == d->cap) {
		d->cap = d->cap * 2 + 8;
		d->kids = xrealloc(d->kids, d->cap * sizeof(*d->kids));
	}
	d->kids[d->nkids++] = k;
}

static void set_mtime(struct parser *p, struct gnode *n, const struct stat *st)
{
	const struct manifest *m = p->m;

	if (st && !m->fixed_mtime) {
		n->mtime = st->st_mtim.tv_sec;
		n->mtime_nsec = st->st_mtim.tv_nsec;
	} else {
		n->mtime = m->mtime;
		n->mtime_nsec = 0;
	}
}

/* Resolves the absolute guest path (a trailing slash and a tree's stars already cut) to
 * its components, '\0'-separated in buf; "." and ".." are applied. */
static int split_guest(struct parser *p, const char *path, char *buf, size_t *ncomp)
{
	char *out = buf;
	const char *s = path;

	*ncomp = 0;
	if (*s != '/') {
		perr(p, "%s: guest path must start with /", path);
		return -1;
	}
	while (*s) {
		while (*s == '/')
			s++;
		size_t len = strcspn(s, "/");
		if (len == 0 || (len == 1 && s[0] == '.')) {
			s += len;
			continue;
		}
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (*ncomp == 0) {
				perr(p, "%s: path escapes /", path);
				return -1;
			}
			out--;	/* back over the previous component's NUL */
			while (out > buf && out[-1] != '\0')
				out--;
			(*ncomp)--;
			s += len;
			continue;
		}
		if (len > NAME_MAX_LEN) {
			perr(p, "%s: name longer than %d bytes", path, NAME_MAX_LEN);
			return -1;
		}
		memcpy(out, s, len);
		out[len] = '\0';
		out += len + 1;
		(*ncomp)++;
		s += len;
	}
	return 0;
}

static const char *type_name(enum gtype t)
{
	return t == G_DIR ? "a directory" : t == G_FILE ? "a file" : "a symlink";
}

/* Returns the directory at the parent components, creating implicit
 * directories, or NULL (reported) when a non-directory is in the way. */
static struct gnode *walk_dirs(struct parser *p, const char *path,
    const char *comps, size_t n)
{
	struct gnode *d = p->m->root;

	for (size_t i = 0; i < n; i++, comps += strlen(comps) + 1) {
		size_t len = strlen(comps);
		struct gnode *k = kid_find(d, comps, len);
		if (!k) {
			k = gnode_new(comps, len, G_DIR, p->line);
			k->implicit = true;
			set_mtime(p, k, NULL);
			kid_add(d, k);
		} else if (k->type != G_DIR) {
			perr(p, "%s: component \"%s\" is %s (line %d), not a directory",
			    path, comps, type_name(k->type), k->line);
			return NULL;
		}
		d = k;
	}
	return d;
}

/* Adds name to directory d. Directories merge (the first entry that names
 * one explicitly gives its attributes); anything else defined twice is an
 * error naming both lines. */
static struct gnode *place(struct parser *p, struct gnode *d, const char *name,
    enum gtype t, const char *what)
{
	struct gnode *k = kid_find(d, name, strlen(name));

	if (k) {
		if (k->type == G_DIR && t == G_DIR) {
			if (!k->implicit)
				return k;
			k->implicit = false;
			k->line = p->line;
			return k;
		}
		perr(p, "%s: already defined as %s at line %d", what,
		    type_name(k->type), k->line);
		return NULL;
	}
	k = gnode_new(name, strlen(name), t, p->line);
	kid_add(d, k);
	return k;
}

/* ---- [files] entries ---- */

static char *host_path(struct parser *p, const char *s)
{
	size_t n;
	char *r;

	if (s[0] == '/' || !strcmp(p->m->dir, "."))
		return xstrdup(s);
	n = strlen(p->m->dir) + strlen(s) + 2;
	r = xmalloc(n);
	snprintf(r, n, "%s/%s", p->m->dir, s);
	return r;
}

static void apply_owner(struct gnode *n, const struct attrs *a)
{
	n->uid = a->uid;
	n->gid = a->gid;
}

/* Copies host directory `host` into guest directory d, recursively. */
static void add_tree(struct parser *p, struct gnode *d, const char *host,
    const char *guest, const struct attrs *a, int depth);

/* One host object (from a tree walk or a glob) as child `name` of d:
 * symlinks stay symlinks, directories are walked. */
static void add_host(struct parser *p, struct gnode *d, const char *name,
    const char *host, const char *guest, const struct attrs *a, int depth)
{
	struct stat st;
	struct gnode *k;

	if (lstat(host, &st) < 0) {
		perr(p, "%s: %s", host, strerror(errno));
		return;
	}
	if (strlen(name) > NAME_MAX_LEN) {
		perr(p, "%s: name longer than %d bytes", host, NAME_MAX_LEN);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!(k = place(p, d, name, G_DIR, guest)))
			return;
		if (k->line == p->line) {	/* this entry gives its attributes */
			k->mode = st.st_mode & 07777;
			apply_owner(k, a);
			set_mtime(p, k, &st);
		}
		add_tree(p, k, host, guest, a, depth + 1);
	} else if (S_ISREG(st.st_mode)) {
		if (!(k = place(p, d, name, G_FILE, guest)))
			return;
		k->src = xstrdup(host);
		k->mode = a->mode >= 0 ? (mode_t)a->mode : st.st_mode & 07777;
		k->libs = a->libs;
		apply_owner(k, a);
		set_mtime(p, k, &st);
	} else if (S_ISLNK(st.st_mode)) {
		char t[LINK_MAX_LEN + 2];
		ssize_t l = readlink(host, t, sizeof(t));
		if (l <= 0 || l > LINK_MAX_LEN) {
			perr(p, "%s: %s", host, l < 0 ? strerror(errno) : "bad symlink target length");
			return;
		}
		t[l] = '\0';
		if (!(k = place(p, d, name, G_LINK, guest)))
			return;
		k->src = xstrdup(t);
		apply_owner(k, a);
		set_mtime(p, k, &st);
	} else {
		fprintf(stderr, "mkimage: %s:%d: warning: %s: not a file, directory "
		    "or symlink; skipped\n", p->m->path, p->line, host);
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_tree(struct parser *p, struct gnode *d, const char *host,
    const char *guest, const struct attrs *a, int depth)
{
	DIR *dir;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (depth > 256) {
		perr(p, "%s: directories nested too deeply", host);
		return;
	}
	if (!(dir = opendir(host))) {
		perr(p, "%s: %s", host, strerror(errno));
		return;
	}
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap * 2 + 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(dir);
	/* Sorted, so that errors come out in the same order every time. */
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t hl = strlen(host) + strlen(names[i]) + 2;
		size_t gl = strlen(guest) + strlen(names[i]) + 2;
		char *h = xmalloc(hl), *g = xmalloc(gl);
		snprintf(h, hl, "%s/%s", host, names[i]);
		snprintf(g, gl, "%s/%s", strcmp(guest, "/") ? guest : "", names[i]);
		add_host(p, d, names[i], h, g, a, depth);
		free(h);
		free(g);
		free(names[i]);
	}
	free(names);
}

static int parse_attrs(struct parser *p, char **tok, size_t n, struct attrs *a)
{
	a->mode = -1;
	a->uid = 0;
	a->gid = 0;
	a->libs = false;
	for (size_t i = 0; i < n; i++) {
		char *v = strchr(tok[i], '='), *end;
		unsigned long x;

		if (!strcmp(tok[i], "libs")) {
			a->libs = true;
			continue;
		}
		if (!v || v == tok[i] || !v[1]) {
			perr(p, "bad attribute \"%s\" (want mode=, uid=, gid= or libs)", tok[i]);
			return -1;
		}
		*v++ = '\0';
		errno = 0;
		x = strtoul(v, &end, !strcmp(tok[i], "mode") ? 8 : 10);
		if (*end || errno || *v == '-') {
			perr(p, "%s=%s: not a number", tok[i], v);
			return -1;
		}
		if (!strcmp(tok[i], "mode") && x <= 07777)
			a->mode = (long)x;
		else if (!strcmp(tok[i], "uid") && x <= 0xfffffffe)
			a->uid = (uid_t)x;
		else if (!strcmp(tok[i], "gid") && x <= 0xfffffffe)
			a->gid = (gid_t)x;
		else {
			perr(p, "bad attribute %s=%s", tok[i], v);
			return -1;
		}
	}
	return 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* GUEST: a single host file (symlinks followed). */
static void entry_file(struct parser *p, struct gnode *d, const char *name,
    const char *guest, const char *src, const struct attrs *a)
{
	char *h = host_path(p, src);
	struct stat st;
	struct gnode *k;

	if (has_glob(src))
		perr(p, "%s: a glob needs a guest directory ending in /", src);
	else if (stat(h, &st) < 0)
		perr(p, "host file %s: %s", h, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		perr(p, "host file %s is a directory (copy a tree with %s/**: %s/**)",
		    h, guest, src);
	else if (!S_ISREG(st.st_mode))
		perr(p, "host file %s is not a regular file", h);
	else if ((k = place(p, d, name, G_FILE, guest))) {
		k->src = h;
		k->mode = a->mode >= 0 ? (mode_t)a->mode : st.st_mode & 07777;
		k->libs = a->libs;
		apply_owner(k, a);
		set_mtime(p, k, &st);
		return;
	}
	free(h);
}

/* GUEST/: PATTERN, every match into directory d. */
static void entry_glob(struct parser *p, struct gnode *d, const char *guest,
    const char *src, const struct attrs *a)
{
	char *h = host_path(p, src);
	glob_t g;
	int r = glob(h, GLOB_ERR, NULL, &g);

	if (r == GLOB_NOMATCH) {
		struct stat st;
		if (has_glob(src) || !stat(h, &st))
			perr(p, "no host file matches %s", h);
		else
			perr(p, "host file %s: %s", h, strerror(errno));
	} else if (r) {
		perr(p, "%s: cannot expand: %s", h, r == GLOB_NOSPACE ?
		    "out of memory" : strerror(errno));
	} else {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *base = strrchr(g.gl_pathv[i], '/');
			base = base ? base + 1 : g.gl_pathv[i];
			size_t gl = strlen(guest) + strlen(base) + 2;
			char *gp = xmalloc(gl);
			snprintf(gp, gl, "%s%s", guest, base);
			add_host(p, d, base, g.gl_pathv[i], gp, a, 0);
			free(gp);
		}
	}
	if (r != GLOB_NOMATCH)
		globfree(&g);
	free(h);
}

/* A tree copy: the host directory's contents go into guest directory d. */
static void entry_tree(struct parser *p, struct gnode *d, const char *guest,
    const char *src, const struct attrs *a)
{
	size_t sl = strlen(src) - 3;	/* cut the trailing slash-star-star */
	char *s = xmalloc(sl + 1), *h;
	struct stat st;

	memcpy(s, src, sl);
	s[sl] = '\0';
	h = host_path(p, sl ? s : "/");
	if (stat(h, &st) < 0)
		perr(p, "host directory %s: %s", h, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		perr(p, "host path %s is not a directory", h);
	else {
		if (d->line == p->line) {
			d->mode = st.st_mode & 07777;
			apply_owner(d, a);
			set_mtime(p, d, &st);
		}
		add_tree(p, d, h, guest, a, 0);
	}
	free(s);
	free(h);
}

static void entry_link(struct parser *p, struct gnode *d, const char *name,
    const char *guest, const char *target, const struct attrs *a)
{
	struct gnode *k;

	if (!*target || strlen(target) > LINK_MAX_LEN) {
		perr(p, "%s: symlink target must be 1..%d bytes", guest, LINK_MAX_LEN);
		return;
	}
	if (a->mode >= 0)
		perr(p, "%s: symlinks have no mode", guest);
	else if (a->libs)
		perr(p, "%s: libs applies to copied files, not symlinks", guest);
	else if ((k = place(p, d, name, G_LINK, guest))) {
		k->src = xstrdup(target);
		apply_owner(k, a);
		set_mtime(p, k, NULL);
	}
}

/* Splits s at whitespace in place; returns the number of tokens. */
static size_t tokenize(char *s, char **tok, size_t max)
{
	size_t n = 0;

	for (;;) {
		s += strspn(s, " \t");
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
}

/* The directory an entry names (tree, glob target or !dir), created if
 * needed. NULL (reported) if something else is in the way. */
static struct gnode *entry_dir(struct parser *p, const char *guest,
    const char *comps, size_t ncomp, bool named)
{
	struct gnode *d;
	const char *last = comps;

	if (ncomp == 0 || !named) {
		d = walk_dirs(p, guest, comps, ncomp);
		if (d && named && d->implicit) {	/* the root */
			d->implicit = false;
			d->line = p->line;
		}
		return d;
	}
	for (size_t i = 1; i < ncomp; i++)
		last += strlen(last) + 1;
	if (!(d = walk_dirs(p, guest, comps, ncomp - 1)))
		return NULL;
	return place(p, d, last, G_DIR, guest);
}

static void files_line(struct parser *p, char *line)
{
	char *colon = line, *tok[8], *gtok[1], *src, *guest, *comps;
	size_t ntok, ncomp;
	struct attrs a;
	struct gnode *d;
	enum { E_FILE, E_TREE, E_GLOB, E_DIR, E_LINK } kind;

	/* The guest path ends at the first ':' followed by a blank. */
	while ((colon = strchr(colon, ':')) && colon[1] && colon[1] != ' ' && colon[1] != '\t')
		colon++;
	if (!colon) {
		perr(p, "expected \"/guest/path: source\"");
		return;
	}
	*colon = '\0';
	if (tokenize(line, gtok, 1) != 1) {
		perr(p, "expected one guest path before ':'");
		return;
	}
	guest = gtok[0];
	ntok = tokenize(colon + 1, tok, 8);
	if (ntok == 0 || ntok > 8) {
		perr(p, ntok ? "%s: too many attributes" : "%s: no source after ':'", guest);
		return;
	}
	src = tok[0];
	if (!strcmp(src, "->") && ntok >= 2) {	/* "-> target" */
		src = tok[1];
		kind = E_LINK;
		if (parse_attrs(p, tok + 2, ntok - 2, &a) < 0)
			return;
	} else {
		if (!strncmp(src, "->", 2)) {
			src += 2;
			kind = E_LINK;
		} else if (!strcmp(src, "!dir"))
			kind = E_DIR;
		else if (ends_with(src, "/**") || ends_with(guest, "/**"))
			kind = E_TREE;
		else if (ends_with(guest, "/"))
			kind = E_GLOB;
		else
			kind = E_FILE;
		if (parse_attrs(p, tok + 1, ntok - 1, &a) < 0)
			return;
	}
	if (kind == E_TREE) {
		if (!ends_with(src, "/**") || !ends_with(guest, "/**")) {
			perr(p, "a tree copy is \"/guest/dir/**: host/dir/**\" "
			    "(both sides end in /**)");
			return;
		}
		guest[strlen(guest) - 3] = '\0';
	}
	if (has_glob(guest)) {
		perr(p, "%s: no wildcards in guest paths", guest);
		return;
	}
	if (!guest[0])
		guest = "/";
	comps = xmalloc(strlen(guest) + 2);
	if (split_guest(p, guest, comps, &ncomp) < 0)
		goto out;
	if (kind == E_TREE || kind == E_GLOB || kind == E_DIR) {
		if (!(d = entry_dir(p, guest, comps, ncomp, kind != E_GLOB)))
			goto out;
		if (kind == E_DIR && a.libs)
			perr(p, "%s: libs applies to copied files, not !dir", guest);
		else if (kind == E_DIR && d->line == p->line) {
			d->mode = a.mode >= 0 ? (mode_t)a.mode : 0755;
			apply_owner(d, &a);
			set_mtime(p, d, NULL);
		} else if (kind == E_TREE)
			entry_tree(p, d, guest, src, &a);
		else if (kind == E_GLOB)
			entry_glob(p, d, guest, src, &a);
		goto out;
	}
	if (ncomp == 0) {
		perr(p, "/ is a directory, not %s", kind == E_LINK ? "a symlink" : "a file");
		goto out;
	}
	/* File or symlink: walk to the parent, the last component is the name. */
	const char *last = comps;
	for (size_t i = 1; i < ncomp; i++)
		last += strlen(last) + 1;
	if (!(d = walk_dirs(p, guest, comps, ncomp - 1)))
		goto out;
	if (kind == E_LINK)
		entry_link(p, d, last, guest, src, &a);
	else
		entry_file(p, d, last, guest, src, &a);
out:
	free(comps);
}

/* ---- for mkimage_libs.c ---- */

void manifest_error(struct manifest *m, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkimage: %s:%d: ", m->path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	m->errors++;
}

struct gnode *gtree_lookup(struct manifest *m, const char *guest)
{
	struct parser p = { .m = m };
	char *comps = xmalloc(strlen(guest) + 2), *c = comps;
	struct gnode *n = m->root;
	size_t ncomp;

	if (split_guest(&p, guest, comps, &ncomp) < 0)
		n = NULL;
	for (size_t i = 0; n && i < ncomp; i++, c += strlen(c) + 1)
		n = n->type == G_DIR ? kid_find(n, c, strlen(c)) : NULL;
	free(comps);
	return n;
}

struct gnode *gtree_add_file(struct manifest *m, int line, const char *guest,
    const char *host)
{
	struct parser p = { .m = m, .line = line };
	char *comps = xmalloc(strlen(guest) + 2);
	struct gnode *d, *k = NULL;
	struct stat st;
	size_t ncomp;

	if (stat(host, &st) < 0)
		perr(&p, "host file %s: %s", host, strerror(errno));
	else if (split_guest(&p, guest, comps, &ncomp) == 0 && ncomp > 0) {
		const char *last = comps;
		for (size_t i = 1; i < ncomp; i++)
			last += strlen(last) + 1;
		if ((d = walk_dirs(&p, guest, comps, ncomp - 1)) &&
		    (k = place(&p, d, last, G_FILE, guest))) {
			k->src = xstrdup(host);
			k->mode = st.st_mode & 07777;
			set_mtime(&p, k, &st);
		}
	}
	free(comps);
	return k;
}

/* ---- [data] lines ---- */

static void data_line(struct parser *p, char *line)
{
	struct manifest *m = p->m;
	struct dataspec *ds;
	char *tok[8];
	size_t n = tokenize(line, tok, 8);

	if (m->ndata == MAX_DATA) {
		perr(p, "more than %d data partitions", MAX_DATA);
		return;
	}
	ds = &m->data[m->ndata];
	memset(ds, 0, sizeof(*ds));
	strcpy(ds->name, "data");
	memcpy(ds->type, gpt_type_linux_fs, 16);
	ds->line = p->line;
	for (size_t i = 0; i < n && i < 8; i++) {
		char *v = strchr(tok[i], '=');
		if (!v) {
			perr(p, "bad [data] setting \"%s\" (want size=, name= or type=)", tok[i]);
			return;
		}
		*v++ = '\0';
		if (!strcmp(tok[i], "size")) {
			if (parse_size(v, &ds->size) < 0 || ds->size == 0) {
				perr(p, "size=%s: want a number with an optional K, M, G or T", v);
				return;
			}
		} else if (!strcmp(tok[i], "name")) {
			if (!*v || strlen(v) > GPT_NAME_UNITS) {
				perr(p, "name=%s: want 1..%d characters", v, GPT_NAME_UNITS);
				return;
			}
			strcpy(ds->name, v);
		} else if (!strcmp(tok[i], "type")) {
			if (!strcmp(v, "linux"))
				memcpy(ds->type, gpt_type_linux_fs, 16);
			else if (!strcmp(v, "zfs"))
				memcpy(ds->type, gpt_type_zfs, 16);
			else if (gpt_guid_parse(v, ds->type) < 0) {
				perr(p, "type=%s: want linux, zfs or a GUID", v);
				return;
			}
		} else {
			perr(p, "unknown [data] setting %s=", tok[i]);
			return;
		}
	}
	if (n > 8) {
		perr(p, "too many [data] settings");
		return;
	}
	if (m->ndata > 0 && m->data[m->ndata - 1].size == 0) {
		perr(p, "only the last data partition may leave out size= (line %d did)",
		    m->data[m->ndata - 1].line);
		return;
	}
	for (size_t i = 0; i < m->ndata; i++)
		if (!strcmp(m->data[i].name, ds->name)) {
			perr(p, "partition name %s already used at line %d",
			    ds->name, m->data[i].line);
			return;
		}
	if (!strcmp(ds->name, "root")) {
		perr(p, "partition name root is the root filesystem's");
		return;
	}
	/* Whole MiB, so every partition stays 1 MiB aligned. */
	ds->size = (ds->size + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
	m->ndata++;
}

/* ---- lines and sections ---- */

/* Replaces ${NAME} by the environment variable; NULL (reported) if unset. */
static char *expand(struct parser *p, const char *s)
{
	struct textbuf b = { 0 };

	text_add(&b, "", 0);
	while (*s) {
		const char *v = strstr(s, "${"), *end, *val;
		if (!v) {
			text_add(&b, s, strlen(s));
			break;
		}
		text_add(&b, s, (size_t)(v - s));
		if (!(end = strchr(v + 2, '}'))) {
			perr(p, "unterminated ${ in \"%s\"", v);
			free(b.p);
			return NULL;
		}
		char name[256];
		size_t nl = (size_t)(end - v - 2);
		if (nl == 0 || nl >= sizeof(name)) {
			perr(p, "bad variable name in \"%.*s\"", (int)(end - v + 1), v);
			free(b.p);
			return NULL;
		}
		memcpy(name, v + 2, nl);
		name[nl] = '\0';
		if (!(val = getenv(name))) {
			perr(p, "${%s} is not set", name);
			free(b.p);
			return NULL;
		}
		text_add(&b, val, strlen(val));
		s = end + 1;
	}
	return b.p;
}

/* Cuts a comment: '#' at the start or after a blank. */
static void strip_comment(char *s)
{
	for (char *c = s; (c = strchr(c, '#')); c++)
		if (c == s || c[-1] == ' ' || c[-1] == '\t') {
			*c = '\0';
			return;
		}
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

static int section_line(struct parser *p, const char *s)
{
	static const char *const names[] = { "[files]", "[fstab]", "[data]", "[cmdline]" };
	char buf[32];
	size_t n;

	s += strspn(s, " \t");
	n = strcspn(s, " \t");
	if (s[0] != '[' || n >= sizeof(buf) || !blank(s + n))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (int i = 0; i < 4; i++)
		if (!strcmp(buf, names[i])) {
			p->sec = (enum section)i;
			if (i == S_FSTAB && !p->fstab.line)
				p->fstab.line = p->line;
			if (i == S_CMDLINE && !p->cmdline.line)
				p->cmdline.line = p->line;
			return 1;
		}
	perr(p, "unknown section %s (want [files], [fstab], [data] or [cmdline])", buf);
	return 1;
}

static void one_line(struct parser *p, char *line)
{
	char *x;

	if (section_line(p, line))
		return;
	if (p->sec == S_FSTAB || p->sec == S_CMDLINE) {
		if (blank(line))
			return;
		if (p->sec == S_FSTAB) {
			text_add(&p->fstab, line, strlen(line));
			text_add(&p->fstab, "\n", 1);
		} else {
			line += strspn(line, " \t");
			if (p->cmdline.len)
				text_add(&p->cmdline, " ", 1);
			text_add(&p->cmdline, line, strlen(line));
		}
		return;
	}
	strip_comment(line);
	if (blank(line) || !(x = expand(p, line)))
		return;
	if (p->sec == S_FILES)
		files_line(p, x);
	else
		data_line(p, x);
	free(x);
}

/* /etc/NAME from a verbatim section. */
static void add_generated(struct parser *p, const char *name, struct textbuf *b)
{
	char path[64];
	struct gnode *d, *k;

	p->line = b->line;
	snprintf(path, sizeof(path), "/etc/%s", name);
	if (!(d = walk_dirs(p, path, "etc", 1)))
		return;
	if (!(k = place(p, d, name, G_FILE, path)))
		return;
	k->content = b->p ? b->p : xstrdup("");
	k->content_len = b->len;
	k->mode = 0644;
	set_mtime(p, k, NULL);
	b->p = NULL;
}

/* The root is read-only, so every mount point must be in the image: the
 * kernel's own (/dev, /tmp, /proc, /sys) and each fstab line's. */
static void add_mount_points(struct parser *p)
{
	static const char *const fixed[] = { "dev", "tmp", "proc", "sys" };
	char buf[4096];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		walk_dirs(p, fixed[i], fixed[i], 1);
	for (char *l = p->fstab.p; l && *l; l = strchr(l, '\n') + 1) {
		char dev[256], dir[1024];
		char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, l, len);
		buf[len] = 0;
		size_t n;
		if (sscanf(buf, " %255s %1023s", dev, dir) == 2 && dev[0] != '#' && dir[0] == '/' &&
		    split_guest(p, dir, buf, &n) == 0 && n > 0)
			walk_dirs(p, dir, buf, n);
		if (!nl)
			break;
	}
}

int manifest_load(struct manifest *m)
{
	struct parser p = { .m = m };
	FILE *f = fopen(m->path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct stat st;

	if (!f) {
		fprintf(stderr, "mkimage: %s: %s\n", m->path, strerror(errno));
		return ++m->errors;
	}
	if (!m->fixed_mtime)
		m->mtime = fstat(fileno(f), &st) == 0 ? st.st_mtim.tv_sec : 0;
	m->root = gnode_new("", 0, G_DIR, 0);
	m->root->implicit = true;
	set_mtime(&p, m->root, NULL);
	while ((len = getline(&line, &cap, f)) >= 0) {
		p.line++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strlen(line) != (size_t)len)
			perr(&p, "NUL byte in line");
		else
			one_line(&p, line);
	}
	if (ferror(f)) {
		fprintf(stderr, "mkimage: %s: %s\n", m->path, strerror(errno));
		m->errors++;
	}
	free(line);
	fclose(f);
	manifest_add_libs(m);
	add_mount_points(&p);
	if (p.fstab.line)
		add_generated(&p, "fstab", &p.fstab);
	if (p.cmdline.line) {
		text_add(&p.cmdline, "\n", 1);
		add_generated(&p, "cmdline", &p.cmdline);
	}
	free(p.fstab.p);
	free(p.cmdline.p);
	return m->errors;
}
