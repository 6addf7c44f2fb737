/* See linux/types.h. */
#ifndef OSPREY_SPL_LINUX_LIMITS_H
#define OSPREY_SPL_LINUX_LIMITS_H
#include <sys/types.h>
#include <sys/sysmacros.h>
#endif
