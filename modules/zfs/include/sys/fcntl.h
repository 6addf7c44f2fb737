/* Open flags, Linux x86-64 values (the same as Osprey's VFS). */
#ifndef OSPREY_SPL_SYS_FCNTL_H
#define OSPREY_SPL_SYS_FCNTL_H

#ifndef O_ACCMODE
#define O_RDONLY	00
#define O_WRONLY	01
#define O_RDWR		02
#define O_ACCMODE	03
#define O_CREAT		0100
#define O_EXCL		0200
#define O_NOCTTY	0400
#define O_TRUNC		01000
#define O_APPEND	02000
#define O_NONBLOCK	04000
#define O_DSYNC		010000
#define O_DIRECT	040000
#define O_DIRECTORY	0200000
#define O_NOFOLLOW	0400000
#define O_CLOEXEC	02000000
#define O_SYNC		04010000
#endif
#ifndef O_LARGEFILE
#define O_LARGEFILE	0100000
#endif
#define FREAD		1
#define FWRITE		2
#define FCREAT		O_CREAT
#define FTRUNC		O_TRUNC
#define FOFFMAX		O_LARGEFILE
#define FSYNC		O_SYNC
#define FDSYNC		O_DSYNC
#define FEXCL		O_EXCL
#define FAPPEND		O_APPEND
#define FNODSYNC	0x10000
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#define SEEK_DATA	3
#define SEEK_HOLE	4
/* Lock types (zfs_space's flock64_t; Linux's values). */
#define F_RDLCK		0
#define F_WRLCK		1
#define F_UNLCK		2
#define F_SEEK_DATA	SEEK_DATA
#define F_SEEK_HOLE	SEEK_HOLE

#endif
