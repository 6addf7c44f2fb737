/* Security policy: Osprey runs one trusted application, which has every
 * privilege, so each check grants (returns 0). */
#ifndef OSPREY_SPL_SYS_POLICY_H
#define OSPREY_SPL_SYS_POLICY_H
#include <sys/cred.h>

#define secpolicy_zfs(cr)			(0)
#define secpolicy_zfs_proc(cr, proc)		(0)
#define secpolicy_sys_config(cr, checkonly)	(0)
#define secpolicy_zinject(cr)			(0)
#define secpolicy_nfs(cr)			(0)
#define secpolicy_write_perms(cr)		(0)

#endif
