/* The few vnode-level names the common OpenZFS code uses: attribute
 * masks and vattr (Linux's ATTR_* values) and open flags. */
#ifndef OSPREY_SPL_SYS_VNODE_H
#define OSPREY_SPL_SYS_VNODE_H
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/fcntl.h>
#include <sys/uio.h>
#include <sys/cred.h>

#define AT_MODE		0x0001
#define AT_UID		0x0002
#define AT_GID		0x0004
#define AT_SIZE		0x0008
#define AT_ATIME	0x0010
#define AT_MTIME	0x0020
#define AT_CTIME	0x0040
#define ATTR_XVATTR	(1U << 31)
#define AT_XVATTR	ATTR_XVATTR
#define ATTR_MODE	AT_MODE
#define ATTR_UID	AT_UID
#define ATTR_GID	AT_GID
#define ATTR_SIZE	AT_SIZE
#define ATTR_ATIME	AT_ATIME
#define ATTR_MTIME	AT_MTIME
#define ATTR_CTIME	AT_CTIME
#define ATTR_IATTR_MASK	(AT_MODE | AT_UID | AT_GID | AT_SIZE | AT_ATIME | AT_MTIME | AT_CTIME)

#define CRCREAT		0x01
#define RMFILE		0x02
#define B_INVAL		0x01
#define B_TRUNC		0x02
#define LOOKUP_DIR	0x01
#define LOOKUP_XATTR	0x02
#define CREATE_XATTR_DIR 0x04
#define ATTR_NOACLCHECK	0x20

#define F_FREESP	11

typedef struct vattr {
	uint32_t va_mask;
	ushort_t va_mode;
	uid_t va_uid;
	gid_t va_gid;
	long va_fsid;
	long va_nodeid;
	uint32_t va_nlink;
	uint64_t va_size;
	inode_timespec_t va_atime, va_mtime, va_ctime;
	dev_t va_rdev;
	uint64_t va_nblocks;
	uint32_t va_blksize;
	struct dentry *va_dentry;	/* Linux only; always NULL here */
} vattr_t;

/* fcntl(F_FREESP) ranges, as zfs_space takes them. */
typedef struct flock64 {
	short l_type;
	short l_whence;
	loff_t l_start;
	loff_t l_len;
	pid_t l_pid;
} flock64_t;

#endif
