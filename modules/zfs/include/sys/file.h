/* Files as OpenZFS sees them: Osprey's open files (zfs_file_t, used
 * through zfs_file_* in os/zfs_file_os.c). */
#ifndef OSPREY_SPL_SYS_FILE_H
#define OSPREY_SPL_SYS_FILE_H
#include <sys/types.h>
#include <sys/fcntl.h>

struct file;
typedef struct file zfs_file_t;

#define FIGNORECASE		0x00080000
#define FKIOCTL			0x80000000
#define ED_CASE_CONFLICT	0x10

#endif
