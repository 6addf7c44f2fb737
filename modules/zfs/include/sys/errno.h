#ifndef OSPREY_SPL_SYS_ERRNO_H
#define OSPREY_SPL_SYS_ERRNO_H
#include <errno.h>
#endif
