#ifndef OSPREY_SPL_SYS_SUNDDI_H
#define OSPREY_SPL_SYS_SUNDDI_H
#include <sys/types.h>
#include <sys/kmem.h>
#include <sys/u8_textprep.h>

typedef int ddi_devid_t;
#define DDI_DEV_T_NONE		((dev_t)-1)
#define DDI_DEV_T_ANY		((dev_t)-2)
#define DI_MAJOR_T_UNKNOWN	((major_t)0)
#define DDI_PROP_DONTPASS	0x0001
#define DDI_PROP_CANSLEEP	0x0002
#define DDI_SUCCESS		0
#define DDI_FAILURE		(-1)
/* No device properties: lookups find nothing. */
#define ddi_prop_lookup_string(x1, x2, x3, x4, x5)	(*(x5) = NULL, DDI_FAILURE)
#define ddi_prop_free(x)	((void)0)
#define ddi_root_node()		((void)0)
int ddi_strtoll(const char *str, char **endp, int base, longlong_t *result);
/* The program's memory, or kernel memory with FKIOCTL (spl/spl_user.c). */
int ddi_copyin(const void *from, void *to, size_t len, int flags);
int ddi_copyout(const void *from, void *to, size_t len, int flags);

int ddi_strtol(const char *str, char **endp, int base, long *result);
int ddi_strtoul(const char *str, char **endp, int base, unsigned long *result);
int ddi_strtoull(const char *str, char **endp, int base, u_longlong_t *result);

#endif
