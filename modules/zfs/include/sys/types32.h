#ifndef OSPREY_SPL_SYS_TYPES32_H
#define OSPREY_SPL_SYS_TYPES32_H
#include <sys/types.h>

typedef uint32_t caddr32_t;
typedef int32_t daddr32_t;
typedef int32_t time32_t;
typedef uint32_t size32_t;

#endif
