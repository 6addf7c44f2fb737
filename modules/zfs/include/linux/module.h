/* See linux/types.h. */
#ifndef OSPREY_SPL_LINUX_MODULE_H
#define OSPREY_SPL_LINUX_MODULE_H
#include <sys/types.h>
#include <sys/mod_os.h>
#define MODULE_AUTHOR(s)
#define MODULE_LICENSE(s)
#define MODULE_VERSION(s)
#define MODULE_DESCRIPTION(s)
#endif
