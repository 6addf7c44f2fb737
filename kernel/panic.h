#ifndef OSPREY_PANIC_H
#define OSPREY_PANIC_H
#include <stdint.h>
#include <stddef.h>

struct trapframe;

#define PANIC_EXIT_STATUS 99

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic_trap(struct trapframe *tf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Finds the symbol containing addr; returns its name and sets *offset. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);
/* Returns the address of an embedded kernel symbol, or 0. */
uintptr_t ksym_address(const char *name);
void backtrace_print(uintptr_t rip, uintptr_t rbp);

/* Hook through which loaded modules symbolize their own addresses. */
extern const char *(*module_sym_lookup)(uintptr_t addr, uintptr_t *offset,
    const char **module);

#define assert(cond) do { \
	if (!(cond)) \
		panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
} while (0)

#endif
