/* Test module for tests/unit/test_elf_mod.c: global data, a table of
 * function pointers, calls into the "kernel" (the test program), weak
 * undefined symbols (one the test resolves, one it does not), a constructor
 * and module_init/module_exit. Built with gcc -fPIC -shared -nostdlib. */
const unsigned int osprey_module_api = 7;

extern void host_log(const char *msg);
extern int host_counter;
extern int host_weak_absent(void) __attribute__((weak));
extern int host_weak_present(void) __attribute__((weak));

int mod_data = 40;
int mod_bss[64];
static int ctor_ran;
int *counter_ptr = &host_counter;	/* R_X86_64_64 against an import */
const char *const greeting = "hello from mod_basic";

static __attribute__((noinline)) int op_add(int a, int b) { return a + b; }
static __attribute__((noinline)) int op_mul(int a, int b) { return a * b; }
int (*const mod_ops[])(int, int) = { op_add, op_mul };
int (*volatile mod_op_ptr)(int, int) = op_mul;

__attribute__((constructor)) static void
setup(void)
{
	ctor_ran++;
	mod_data += 2;
}

int
mod_add(int a, int b)
{
	return mod_ops[0](a, b);
}

int
module_init(void)
{
	host_log(greeting);
	*counter_ptr += mod_op_ptr(6, 7);
	mod_bss[3] = mod_data;
	if (host_weak_absent)
		return -1;
	return ctor_ran * 1000 + (host_weak_present ? host_weak_present() : 0);
}

void
module_exit(void)
{
	host_counter = -1;
}
