/* The kernel side of module loading: read the file, check its API stamp,
 * reserve memory in the module window, let elf_mod.c lay it out and
 * relocate it against the kernel's exports and earlier modules, give each
 * segment its final rights, run constructors and module_init, and keep it
 * in the registry. Any failure undoes everything. */
#include "module/module.h"
#include "module/elf_mod.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "dev/console.h"
#include "panic.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define MODULE_FILE_MAX (64u << 20)
#define EXPORT_BUCKETS 1024

extern const struct kexport __export_start[], __export_end[];

struct module {
	struct module *next;
	char name[64];
	struct elf_mod elf;	/* for exports and symbolization */
	uint8_t *base;
	size_t size;
	int refs;
	uint64_t load_ns;
};

/* The registry and the export hash are built and changed under this lock;
 * panics read the registry without it (a list only ever grows). */
static struct mutex module_lock = { .wq = WAITQ_INIT(module_lock.wq) };
static struct module *modules;
static int nmodules;
static struct module *loading;	/* being initialized: panics name its code */
static const struct kexport **export_hash;	/* open addressing, built once */
static size_t export_cap;			/* its size, a power of two */

static unsigned hash_name(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static int build_export_hash(void)
{
	if (export_hash)
		return 0;
	size_t n = __export_end - __export_start;
	size_t cap = EXPORT_BUCKETS;
	while (cap < 2 * n)
		cap *= 2;
	const struct kexport **h = kzalloc(cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (const struct kexport *e = __export_start; e < __export_end; e++) {
		unsigned i = hash_name(e->name) & (cap - 1);
		while (h[i])
			i = (i + 1) & (cap - 1);
		h[i] = e;
	}
	export_cap = cap;
	export_hash = h;
	return 0;
}

uintptr_t kexport_lookup(const char *name)
{
	if (!export_hash && build_export_hash())
		return 0;
	size_t cap = export_cap;
	for (unsigned i = hash_name(name) & (cap - 1); export_hash[i]; i = (i + 1) & (cap - 1))
		if (!strcmp(export_hash[i]->name, name))
			return export_hash[i]->addr;
	return 0;
}

#define MAX_DEPS 16

struct load_ctx {
	const char *path;
	int missing;
	struct module *deps[MAX_DEPS];	/* earlier modules it links against */
	int ndeps;
};

static void note_dep(struct load_ctx *c, struct module *m)
{
	for (int i = 0; i < c->ndeps; i++)
		if (c->deps[i] == m)
			return;
	if (c->ndeps < MAX_DEPS)
		c->deps[c->ndeps++] = m;
}

/* Undefined symbols: the kernel's exports, then earlier modules'. */
static int resolve(void *arg, const char *name, uint64_t *addr)
{
	*addr = kexport_lookup(name);
	if (*addr)
		return 0;
	for (struct module *m = modules; m; m = m->next) {
		if (elf_mod_lookup(&m->elf, name, addr) == 0) {
			note_dep(arg, m);
			return 0;
		}
	}
	return -ENOENT;
}

static void report_missing(void *arg, const char *name)
{
	struct load_ctx *c = arg;

	pr_err("module: %s: undefined symbol '%s'\n", c->path, name);
	c->missing++;
}

static int run_ctor(void *arg, uint64_t addr)
{
	((void (*)(void))addr)();
	return 0;
}

static int read_whole(const char *path, uint8_t **out, size_t *size)
{
	struct file *f;
	struct vattr va;
	int err = vfs_open(path, O_RDONLY, 0, &f);

	if (err)
		return err;
	err = vfs_fstat(f, &va);
	if (!err && (va.size <= 0 || va.size > MODULE_FILE_MAX))
		err = va.size <= 0 ? -ENOEXEC : -EFBIG;
	uint8_t *buf = err ? NULL : kmalloc(va.size);
	if (!err && !buf)
		err = -ENOMEM;
	if (!err && vfs_pread(f, buf, va.size, 0) != va.size)
		err = -EIO;
	file_rele(f);
	if (err) {
		kfree(buf);
		return err;
	}
	*out = buf;
	*size = va.size;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static struct module *find_module(const char *name)
{
	for (struct module *m = modules; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static int vm_flags_of(int prot)
{
	return (prot & ELF_MOD_PROT_W ? VM_WRITE : 0) | (prot & ELF_MOD_PROT_X ? VM_EXEC : 0);
}

/* Backtraces want the names of static functions too, which only .symtab
 * has; keep just it and its strings, not the whole file. Without one (a
 * stripped module) symbolization falls back to .dynsym. */
static void keep_symtab(struct elf_mod *e)
{
	size_t syms = e->symtab_n * 24, size = syms + e->symstr_size;
	uint8_t *copy = e->symtab_n > 1 && size < (8u << 20) ? kmalloc(size) : NULL;

	if (copy) {
		memcpy(copy, e->file + e->symtab_off, syms);
		memcpy(copy + syms, e->file + e->symstr_off, e->symstr_size);
		e->symtab_off = 0;
		e->symstr_off = syms;
		e->file_size = size;
	}
	e->file = copy;
}

/* Everything after reading the file; on failure the caller frees mod.
 * Once the image is linked the file is no longer needed: it is freed (and
 * *filep cleared) before module_init, which may run long and want the
 * memory (libzfs.so's file is ~3 MiB; its init can import a pool). */
static int link_and_start(struct module *mod, const char *path, uint8_t **filep, size_t size,
    struct load_ctx *ctx)
{
	uint8_t *file = *filep;
	struct elf_mod *e = &mod->elf;
	uint32_t version;
	int err = elf_mod_parse(e, file, size);

	if (err) {
		pr_err("module: %s: not a loadable module: %s\n", path, e->reason);
		return err;
	}
	if ((err = elf_mod_api_version(e, &version)) < 0) {
		pr_err("module: %s: %s\n", path, e->reason);
		return err;
	}
	if (version != OSPREY_MODULE_API) {
		pr_err("module: %s: built for kernel module API %u, this kernel has %u\n",
		    path, version, OSPREY_MODULE_API);
		return -ENOEXEC;
	}
	mod->base = vmap_module(e->span, e->align);
	if (!mod->base) {
		pr_err("module: %s: no memory for %lu KiB\n", path, e->span >> 10);
		return -ENOMEM;
	}
	mod->size = e->span;
	if ((err = elf_mod_load_segments(e, mod->base)) < 0 ||
	    (err = elf_mod_relocate(e, resolve, report_missing, ctx)) < 0) {
		if (ctx->missing)
			pr_err("module: %s: %d undefined symbols; not loaded\n", path, ctx->missing);
		else
			pr_err("module: %s: %s\n", path, e->reason);
		return err;
	}
	for (unsigned i = 0; i < e->nprot; i++)
		vmap_protect(mod->base + e->prot[i].off, e->prot[i].len, vm_flags_of(e->prot[i].prot));
	uint64_t init;
	if ((err = elf_mod_lookup_func(e, "module_init", &init)) < 0) {
		pr_err("module: %s: %s\n", path, e->reason ? e->reason : "no module_init");
		return err;
	}
	keep_symtab(e);
	kfree(file);
	*filep = NULL;
	__atomic_store_n(&loading, mod, __ATOMIC_RELEASE);
	if ((err = elf_mod_for_each_ctor(e, run_ctor, NULL)) < 0) {
		pr_err("module: %s: %s\n", path, e->reason);
		return err;
	}
	err = ((int (*)(void))init)();
	if (err)
		pr_err("module: %s: module_init failed (error %d)\n", path, err);
	return err;
}

int module_load(const char *path)
{
	uint8_t *file;
	size_t size;
	uint64_t t0 = clock_ns();

	mutex_lock(&module_lock);
	if (find_module(base_name(path))) {
		mutex_unlock(&module_lock);
		return 0;
	}
	int err = build_export_hash();
	if (!err && (err = read_whole(path, &file, &size)) < 0)
		pr_err("module: %s: cannot read it (error %d)\n", path, err);
	if (err) {
		mutex_unlock(&module_lock);
		return err;
	}
	struct module *mod = kzalloc(sizeof(*mod));
	struct load_ctx ctx = { .path = path };
	if (mod)
		strlcpy(mod->name, base_name(path), sizeof(mod->name));
	err = mod ? link_and_start(mod, path, &file, size, &ctx) : -ENOMEM;
	if (err) {
		__atomic_store_n(&loading, NULL, __ATOMIC_RELEASE);
		if (mod && mod->base)
			vunmap_module(mod->base, mod->size);
		if (mod && mod->elf.file != file)
			kfree((void *)mod->elf.file);	/* the kept .symtab */
		kfree(mod);
	} else {
		__atomic_store_n(&loading, NULL, __ATOMIC_RELEASE);
		for (int i = 0; i < ctx.ndeps; i++)
			ctx.deps[i]->refs++;
		mod->load_ns = clock_ns() - t0;
		mod->next = modules;
		__atomic_store_n(&modules, mod, __ATOMIC_RELEASE);
		nmodules++;
		pr_info("module: %s loaded at %p (%lu KiB) in %lu us\n", mod->name, mod->base,
		    mod->size >> 10, mod->load_ns / 1000);
	}
	kfree(file);
	mutex_unlock(&module_lock);
	return err;
}

int module_count(void)
{
	return nmodules;
}

void module_list(void)
{
	mutex_lock(&module_lock);
	printk("modules: %d loaded\n", nmodules);
	for (struct module *m = modules; m; m = m->next)
		printk("  %-20s %p %6lu KiB refs %d load %lu us\n", m->name, m->base,
		    m->size >> 10, m->refs, m->load_ns / 1000);
	mutex_unlock(&module_lock);
}

/* Backtraces through module code. */
static const char *symbolize_in(struct module *m, uintptr_t addr, uintptr_t *offset,
    const char **name)
{
	*name = m->name[0] ? m->name : "loading module";
	uint64_t off;
	const char *sym = elf_mod_symbolize(&m->elf, addr, &off);
	*offset = sym ? off : addr - (uintptr_t)m->base;
	return sym ? sym : "?";
}

static const char *module_symbolize(uintptr_t addr, uintptr_t *offset, const char **name)
{
	struct module *l = __atomic_load_n(&loading, __ATOMIC_ACQUIRE);

	if (l && addr >= (uintptr_t)l->base && addr < (uintptr_t)l->base + l->size)
		return symbolize_in(l, addr, offset, name);
	for (struct module *m = __atomic_load_n(&modules, __ATOMIC_ACQUIRE); m; m = m->next) {
		if (addr >= (uintptr_t)m->base && addr < (uintptr_t)m->base + m->size)
			return symbolize_in(m, addr, offset, name);
	}
	return NULL;
}

void module_init_registry(void)
{
	module_sym_lookup = module_symbolize;
}
