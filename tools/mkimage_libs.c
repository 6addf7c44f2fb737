/*
 * mkimage: the `libs` attribute. For every file an entry with `libs`
 * copies, adds the interpreter its PT_INTERP names and the shared
 * libraries it needs (DT_NEEDED), recursively, each at the guest path
 * where the guest's dynamic loader will look for it, copied from the same
 * path on the host. The search is the loader's own order without a cache
 * (the image has no /etc/ld.so.cache), so what mkimage finds is what
 * ld.so finds at run time:
 *
 *   glibc: DT_RPATH of the object and of its loaders (unless the object
 *          has DT_RUNPATH), DT_RUNPATH, then the system directories of
 *          Debian's ld.so (`ld.so --help`).
 *   musl:  DT_RPATH/DT_RUNPATH of the object and its loaders, then
 *          musl's default path; libc.so is the loader itself.
 *
 * A name that is the interpreter's soname needs no file: the loader is
 * already there (glibc's libc.so.6 needs ld-linux-x86-64.so.2). $ORIGIN
 * in a search path is the object's own directory. A library for
 * another architecture is skipped, as the loaders skip it. Files already
 * in the tree (from the manifest) are used as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "linux/elf_exec.h"
#include "elfdeps.h"
#include "mkimage.h"

#define MAX_DEPTH 64

static const char *const glibc_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib", NULL,
};
static const char *const musl_dirs[] = { "/lib", "/usr/local/lib", "/usr/lib", NULL };

enum flavour { GLIBC, MUSL };

/* An object being resolved, and the chain of objects that loaded it. */
struct obj {
	const struct obj *loader;
	const char *guest, *host;
	const char *rpath, *runpath;	/* copies, may be NULL */
	enum flavour fl;
	bool is_interp;
};

struct libs {
	struct manifest *m;
	int line;			/* of the entry that asked */
	char **seen;			/* guest paths already resolved */
	size_t nseen, cap;
	char *loader_soname;		/* of the interpreter resolved last */
};

static bool seen(struct libs *L, const char *guest)
{
	for (size_t i = 0; i < L->nseen; i++)
		if (!strcmp(L->seen[i], guest))
			return true;
	if (L->nseen == L->cap) {
		L->cap = L->cap * 2 + 32;
		L->seen = xrealloc(L->seen, L->cap * sizeof(*L->seen));
	}
	L->seen[L->nseen++] = xstrdup(guest);
	return false;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash != path ? (size_t)(slash - path) : 1;
	char *d = xmalloc(n + 1);

	memcpy(d, slash ? path : "/", n);
	d[n] = '\0';
	return d;
}

/* dir (one element of a search path) with $ORIGIN replaced by origin,
 * joined with name. NULL if it uses another dynamic string token. */
static char *expand(const char *dir, size_t len, const char *origin, const char *name)
{
	size_t cap = len + strlen(origin) * 4 + strlen(name) + 2, n = 0;
	char *r = xmalloc(cap);

	for (size_t i = 0; i < len;) {
		if (dir[i] != '$') {
			r[n++] = dir[i++];
			continue;
		}
		size_t t = !strncmp(dir + i, "${ORIGIN}", 9) ? 9 :
		    !strncmp(dir + i, "$ORIGIN", 7) ? 7 : 0;
		if (!t || n + strlen(origin) + strlen(name) + 2 > cap) {
			free(r);
			return NULL;
		}
		memcpy(r + n, origin, strlen(origin));
		n += strlen(origin);
		i += t;
	}
	snprintf(r + n, cap - n, "/%s", name);
	return r;
}

/* Is host file path an x86-64 ELF file (a loader skips others)? */
static bool usable(const char *path)
{
	struct elf_exec x;
	struct elf_ehdr h;
	struct stat st;
	int fd = open(path, O_RDONLY);
	bool ok = false;

	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		ok = read(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
		    !elf_exec_header(&x, &h, sizeof(h));
	close(fd);
	return ok;
}

/* Looks for name in one search path (colon-separated) of object o. */
static bool search_path(const char *path, const struct obj *o, const char *name,
    char **guest, char **host, struct libs *L)
{
	char *gorigin = dir_of(o->guest), *horigin = dir_of(o->host);
	bool found = false;

	for (const char *s = path; !found && *s; s += *s == ':') {
		size_t len = strcspn(s, ":");
		char *h = expand(s, len, horigin, name), *g = expand(s, len, gorigin, name);
		if (!h || !g)
			manifest_error(L->m, L->line, "%s: search path \"%s\": only $ORIGIN "
			    "is understood", o->host, path);
		else if (len && usable(h)) {
			*guest = g, *host = h;
			found = true;
		}
		if (!found) {
			free(h);
			free(g);
		}
		s += len;
	}
	free(gorigin);
	free(horigin);
	return found;
}

static bool search_dirs(const char *const *dirs, const char *name, char **guest, char **host)
{
	for (int i = 0; dirs[i]; i++) {
		char *p = xmalloc(strlen(dirs[i]) + strlen(name) + 2);
		sprintf(p, "%s/%s", dirs[i], name);
		if (usable(p)) {
			*guest = p;
			*host = xstrdup(p);
			return true;
		}
		free(p);
	}
	return false;
}

/* Finds library name needed by o: its guest and host paths, or false. */
static bool find(struct libs *L, const struct obj *o, const char *name, char **guest,
    char **host)
{
	if (strchr(name, '/')) {	/* a path, used as it is */
		*guest = xstrdup(name);
		*host = xstrdup(name);
		return name[0] == '/' && usable(name);
	}
	if (o->fl == MUSL || !o->runpath)
		for (const struct obj *p = o; p; p = p->loader)
			if ((o->fl == MUSL || !p->runpath) && p->rpath &&
			    search_path(p->rpath, p, name, guest, host, L))
				return true;
	for (const struct obj *p = o; p; p = o->fl == MUSL ? p->loader : NULL)
		if (p->runpath && search_path(p->runpath, p, name, guest, host, L))
			return true;
	return search_dirs(o->fl == MUSL ? musl_dirs : glibc_dirs, name, guest, host);
}

static void resolve(struct libs *L, const struct obj *o, int depth);

/* Puts the file the object needs at guest (unless the tree has it) and
 * resolves what it needs in turn. */
static void add(struct libs *L, const struct obj *loader, const char *guest, const char *host,
    bool is_interp, int depth)
{
	struct gnode *n = gtree_lookup(L->m, guest);

	if (n && n->type == G_DIR) {
		manifest_error(L->m, L->line, "%s (needed by %s) is a directory in the image",
		    guest, loader->host);
		return;
	}
	if (n && n->type == G_FILE && n->src && !n->content)
		host = n->src;	/* the manifest's choice */
	else if (!n && !gtree_add_file(L->m, L->line, guest, host))
		return;
	struct obj o = { .loader = loader, .guest = guest, .host = host, .fl = loader->fl,
	    .is_interp = is_interp };
	resolve(L, &o, depth + 1);
}

static void resolve(struct libs *L, const struct obj *o, int depth)
{
	struct elf_deps d;
	const char *why;
	struct stat st;
	int fd;

	if (seen(L, o->guest))
		return;
	if (depth > MAX_DEPTH) {
		manifest_error(L->m, L->line, "%s: libraries nested too deeply", o->host);
		return;
	}
	if ((fd = open(o->host, O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		manifest_error(L->m, L->line, "%s: %s", o->host, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t size = (size_t)st.st_size;
	void *buf = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (buf == MAP_FAILED) {
		manifest_error(L->m, L->line, "%s: %s", o->host, strerror(errno));
		return;
	}
	int r = elf_deps_parse(buf, size, &d, &why);
	if (r < 0)
		manifest_error(L->m, L->line, "%s: %s", o->host, why);
	if (r <= 0)
		goto out;	/* not ELF (a script, data): nothing to add */
	if (o->is_interp && d.soname) {
		free(L->loader_soname);
		L->loader_soname = xstrdup(d.soname);
	}
	struct obj me = *o;
	me.is_interp = false;
	me.rpath = d.rpath;
	me.runpath = d.runpath;
	if (d.interp)
		me.fl = !strncmp(strrchr(d.interp, '/') ? strrchr(d.interp, '/') + 1 : d.interp,
		    "ld-musl-", 8) ? MUSL : GLIBC;
	else if (!o->loader)
		for (int i = 0; i < d.nneeded; i++)
			if (!strcmp(d.needed[i], "libc.so"))
				me.fl = MUSL;
	if (d.interp) {
		if (d.interp[0] != '/')
			manifest_error(L->m, L->line, "%s: interpreter %s is not an absolute path",
			    o->host, d.interp);
		else if (stat(d.interp, &st) < 0)
			manifest_error(L->m, L->line, "%s: interpreter %s: %s", o->host, d.interp,
			    strerror(errno));
		else
			add(L, &me, d.interp, d.interp, true, depth);
	}
	for (int i = 0; i < d.nneeded; i++) {
		char *guest, *host;
		if ((me.fl == MUSL && !strcmp(d.needed[i], "libc.so")) ||
		    (L->loader_soname && !strcmp(d.needed[i], L->loader_soname)))
			continue;	/* the loader itself (musl's is its libc) */
		if (!find(L, &me, d.needed[i], &guest, &host)) {
			manifest_error(L->m, L->line, "%s needs %s, which is in none of the "
			    "directories its loader searches", o->host, d.needed[i]);
			continue;
		}
		add(L, &me, guest, host, false, depth);
		free(guest);
		free(host);
	}
out:
	if (buf)
		munmap(buf, size);
}

/* Every G_FILE marked libs, in the order the manifest made them. */
static void walk(struct libs *L, struct gnode *n, const char *path)
{
	if (n->type == G_FILE && n->libs) {
		struct obj o = { .guest = path, .host = n->src };
		L->line = n->line;
		resolve(L, &o, 0);
	}
	/* Files added meanwhile join the tree; index, not pointer, walks it. */
	for (size_t i = 0; n->type == G_DIR && i < n->nkids; i++) {
		char *sub = xmalloc(strlen(path) + strlen(n->kids[i]->name) + 2);
		sprintf(sub, "%s/%s", strcmp(path, "/") ? path : "", n->kids[i]->name);
		walk(L, n->kids[i], sub);
		free(sub);
	}
}

void manifest_add_libs(struct manifest *m)
{
	struct libs L = { .m = m };

	walk(&L, m->root, "/");
	for (size_t i = 0; i < L.nseen; i++)
		free(L.seen[i]);
	free(L.seen);
	free(L.loader_soname);
}
