/* Solaris types for OpenZFS, on Osprey's freestanding C. */
#ifndef OSPREY_SPL_SYS_TYPES_H
#define OSPREY_SPL_SYS_TYPES_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

#define _LP64 1
#define _LITTLE_ENDIAN 1

typedef enum { B_FALSE = 0, B_TRUE = 1 } boolean_t;
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif
typedef unsigned char uchar_t;
typedef unsigned short ushort_t;
typedef unsigned int uint_t;
typedef unsigned long ulong_t;
typedef unsigned long long u_longlong_t;
typedef long long longlong_t;
typedef long ssize_t;
typedef long intptr_t_compat;
typedef int64_t offset_t;
typedef int64_t loff_t;
typedef int64_t hrtime_t;
typedef int64_t time_t;
typedef char *caddr_t;
typedef uint32_t uid_t;
typedef uint32_t gid_t;
typedef uint32_t mode_t;
typedef int32_t pid_t;
typedef uint64_t dev_t;
typedef uint64_t rlim64_t;
typedef uint32_t major_t;
typedef uint32_t minor_t;
typedef uint_t zoneid_t;
typedef struct { int32_t val[2]; } fsid_t;

/* Every OpenZFS file sees the module glue and the platform, as the Linux
 * SPL's types.h brings in linux/module.h. */
#include <sys/isa_defs.h>
#include <sys/mod_os.h>

#endif
