#ifndef OSPREY_SPL_SYS_MISC_H
#define OSPREY_SPL_SYS_MISC_H
#include <sys/types.h>
#endif
