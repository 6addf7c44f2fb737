/* Linux's `current`, for the one use in common code: Lua measures the
 * stack it has left from current->stack, the lowest address of the
 * running thread's kernel stack. */
#ifndef OSPREY_SPL_ASM_CURRENT_H
#define OSPREY_SPL_ASM_CURRENT_H
#include <sys/thread.h>

struct spl_current {
	void *stack;
};
#define current (&(struct spl_current){ \
	.stack = (void *)(thread_current()->kstack_top - thread_current()->kstack_size) })

#endif
