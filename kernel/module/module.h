/* Kernel modules: ELF shared objects loaded from a mounted filesystem and
 * linked against the symbols the kernel exports (kernel/module/exports.c)
 * and those of modules loaded before. See kernel/module/README.md. */
#ifndef MODULE_MODULE_H
#define MODULE_MODULE_H
#include <stdint.h>
#include <stddef.h>

/* Bumped whenever an exported function or structure changes in a way a
 * built module would notice. A module states the version it was built for
 * with `const uint32_t osprey_module_api = OSPREY_MODULE_API;`. */
#define OSPREY_MODULE_API 3

struct kexport {
	const char *name;
	uintptr_t addr;
};

#define EXPORT_SYMBOL(sym) \
	static const struct kexport kexport_##sym \
	__attribute__((used, section(".kexports"), aligned(8))) = { #sym, (uintptr_t)&sym }

/* Loads the module at path (if a module of that name is not loaded yet),
 * runs its constructors and module_init. 0 or a negative errno, after a
 * message saying what went wrong; a failed module leaves nothing behind. */
int module_load(const char *path);
/* Prints the registry: name, base, size, references. */
void module_list(void);
int module_count(void);
void module_init_registry(void);
/* Kernel exports by name (for tests); 0 if not exported. */
uintptr_t kexport_lookup(const char *name);

#endif
