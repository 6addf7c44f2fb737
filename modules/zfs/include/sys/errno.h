/* Linux errno numbers (the kernel's), the few more OpenZFS uses, and its
 * own names for some of them, as its Linux port defines them (so pool
 * tools on either side report the same numbers, e.g. ECKSUM is 52). */
#ifndef OSPREY_SPL_SYS_ERRNO_H
#define OSPREY_SPL_SYS_ERRNO_H
#include <errno.h>

#ifndef ENOTBLK
#define ENOTBLK		15
#endif
#define ECHRNG		44
#define EBADE		52
#define EBADR		53
#define ENOANO		55
#define ENOSTR		60
#define EREMOTEIO	121
#define ERESTART	85
#define ENOTCONN	107
#define ECONNRESET	104
#define ESHUTDOWN	108

#define ECKSUM		EBADE
#define EFRAGS		EBADR
#define ENOTACTIVE	ENOANO

#endif
