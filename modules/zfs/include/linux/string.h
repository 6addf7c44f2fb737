/* See linux/types.h. */
#ifndef OSPREY_SPL_LINUX_STRING_H
#define OSPREY_SPL_LINUX_STRING_H
#include <string.h>
#endif
