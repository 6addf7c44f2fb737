#ifndef OSPREY_SPL_SYS_PARAM_H
#define OSPREY_SPL_SYS_PARAM_H
#include <sys/types.h>

#define PAGESIZE	4096
#define PAGESHIFT	12
#define MAXPATHLEN	4096
#define MAXNAMELEN	256
#define NBBY		8
#define MAXBSIZE	8192
#define DEV_BSIZE	512
#define DEV_BSHIFT	9
#define MAXMSGLEN	256
/* As kernel/mm/mm.h has them, token for token (so either may come first). */
#define PAGE_SHIFT	12
#define PAGE_SIZE	4096UL
/* Linux's meaning: the bits of an address above the page offset. */
#ifndef PAGE_MASK
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#endif
#define MAXUID		UINT32_MAX

#endif
