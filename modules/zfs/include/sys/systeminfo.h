/* Host identity for pool labels and multihost: a host id of 0 means
 * "none set", as on a Linux host without /etc/hostid. */
#ifndef OSPREY_SPL_SYS_SYSTEMINFO_H
#define OSPREY_SPL_SYS_SYSTEMINFO_H
#include <sys/types.h>

#define HW_HOSTID_LEN	11
#define SYS_NMLN	65

extern unsigned long spl_hostid;
#define zone_get_hostid(z)	((uint32_t)spl_hostid)

typedef struct utsname {
	char sysname[SYS_NMLN], nodename[SYS_NMLN], release[SYS_NMLN];
	char version[SYS_NMLN], machine[SYS_NMLN];
} utsname_t;
extern struct utsname spl_utsname;
#define utsname()	(&spl_utsname)

#endif
