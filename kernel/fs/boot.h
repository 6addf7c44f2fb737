#ifndef FS_BOOT_H
#define FS_BOOT_H

#include <stdint.h>

/* Boot step 5 of DESIGN.md: the root filesystem (ROFS from its partition,
 * or a ramfs filled from the initrd), then /dev and /tmp. */
void fs_boot(uint64_t initrd_pa, uint64_t initrd_size);
int devfs_init(void);
int rofs_init(void);

#endif
