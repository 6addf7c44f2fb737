/* See linux/types.h: __init and __exit come from sys/mod_os.h. */
#ifndef OSPREY_SPL_LINUX_INIT_H
#define OSPREY_SPL_LINUX_INIT_H
#include <sys/mod_os.h>
#endif
