/* File identifiers (NFS-style handles) and the vfs_t the ZPL fills in. */
#ifndef OSPREY_SPL_SYS_VFS_H
#define OSPREY_SPL_SYS_VFS_H
#include <sys/types.h>

#define MAXFIDSZ	64

typedef struct spl_fid {
	union {
		long fid_pad;
		struct {
			ushort_t len;
			char data[MAXFIDSZ];
		} _fid;
	} un;
} fid_t;
#define fid_len		un._fid.len
#define fid_data	un._fid.data

#endif
