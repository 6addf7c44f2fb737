#ifndef OSPREY_SPL_SYS_PARAM_H
#define OSPREY_SPL_SYS_PARAM_H
#include <sys/types.h>

#define PAGESIZE	4096
#define PAGESHIFT	12
#define MAXPATHLEN	4096
#define MAXNAMELEN	256
#define NBBY		8

#endif
