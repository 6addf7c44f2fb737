/* Yielding the processor. */
#ifndef OSPREY_SPL_SYS_DISP_H
#define OSPREY_SPL_SYS_DISP_H
#include <sys/types.h>

void thread_yield(void);
#define kpreempt(unused)	thread_yield()
#define kpreempt_disable()	((void)0)
#define kpreempt_enable()	((void)0)
#define KPREEMPT_SYNC		(-1)
#define cond_resched()		thread_yield()
#define schedule()		thread_yield()
/* Osprey maps all memory at all times, so nothing is mapped atomically
 * (kmap_atomic) and no section needs interrupts off for it. */
#define local_irq_save(flags)	((flags) = 0)
#define local_irq_restore(flags) ((void)(flags))

#endif
