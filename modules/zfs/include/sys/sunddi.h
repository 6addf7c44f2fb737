#ifndef OSPREY_SPL_SYS_SUNDDI_H
#define OSPREY_SPL_SYS_SUNDDI_H
#include <sys/types.h>
#include <sys/kmem.h>

int ddi_strtol(const char *str, char **endp, int base, long *result);
int ddi_strtoul(const char *str, char **endp, int base, unsigned long *result);
int ddi_strtoull(const char *str, char **endp, int base, u_longlong_t *result);

#endif
