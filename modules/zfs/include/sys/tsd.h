#ifndef OSPREY_SPL_SYS_TSD_H
#define OSPREY_SPL_SYS_TSD_H
#include <sys/thread.h>
#endif
