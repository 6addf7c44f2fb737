#ifndef OSPREY_SPL_SYS_INTTYPES_H
#define OSPREY_SPL_SYS_INTTYPES_H
#include <sys/types.h>
#endif
