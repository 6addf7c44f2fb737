#ifndef OSPREY_SPL_SYS_PROCESSOR_H
#define OSPREY_SPL_SYS_PROCESSOR_H
#include <sys/types.h>
int spl_cpuid(void);
#define getcpuid()	spl_cpuid()
#endif
