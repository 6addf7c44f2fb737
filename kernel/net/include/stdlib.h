/* What lwIP takes from <stdlib.h> in the kernel: atoi, for netif_find's
 * "lo0"-style names (the heap comes through lwipopts.h's mem_clib_*). */
#ifndef OSPREY_LWIP_STDLIB_H
#define OSPREY_LWIP_STDLIB_H
#ifdef HOST_TEST
#include_next <stdlib.h>
#else

static inline int atoi(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

#endif
#endif
