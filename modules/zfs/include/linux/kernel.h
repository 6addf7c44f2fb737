/* See linux/types.h. */
#ifndef OSPREY_SPL_LINUX_KERNEL_H
#define OSPREY_SPL_LINUX_KERNEL_H
#include <sys/types.h>
#include <sys/sysmacros.h>
#endif
