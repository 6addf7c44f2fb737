#ifndef FS_INITRD_H
#define FS_INITRD_H
#include <stddef.h>

/* Unpacks a newc cpio archive into the root filesystem; returns the number
 * of entries made or a negative errno (after a message). */
int initrd_unpack(const void *archive, size_t len);

#endif
