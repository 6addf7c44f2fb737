/* Linux header names that some OpenZFS files include under __linux__ &&
 * _KERNEL (zstd's wrapper headers, the ICP's init file), mapped onto our
 * porting layer. */
#ifndef OSPREY_SPL_LINUX_TYPES_H
#define OSPREY_SPL_LINUX_TYPES_H
#include <sys/types.h>
#endif
