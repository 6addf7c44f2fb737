/* Credentials: Osprey runs one application with full rights, so every
 * caller is root and every policy check passes (see policy.h). */
#ifndef OSPREY_SPL_SYS_CRED_H
#define OSPREY_SPL_SYS_CRED_H
#include <sys/types.h>

typedef struct cred {
	uid_t cr_uid;
	gid_t cr_gid;
} cred_t;

extern cred_t *spl_kcred;
#define kcred		spl_kcred
#define CRED()		spl_kcred

#define crhold(cr)		((void)(cr))
#define crfree(cr)		((void)(cr))
#define crgetuid(cr)		((cr)->cr_uid)
#define crgetruid(cr)		((cr)->cr_uid)
#define crgetsuid(cr)		((cr)->cr_uid)
#define crgetfsuid(cr)		((cr)->cr_uid)
#define crgetgid(cr)		((cr)->cr_gid)
#define crgetrgid(cr)		((cr)->cr_gid)
#define crgetsgid(cr)		((cr)->cr_gid)
#define crgetfsgid(cr)		((cr)->cr_gid)
#define crgetngroups(cr)	0
#define crgetgroups(cr)		((gid_t *)NULL)
#define groupmember(gid, cr)	((gid) == (cr)->cr_gid)
#define crgetzoneid(cr)		0
#define KUID_TO_SUID(x)		(x)
#define KGID_TO_SGID(x)		(x)
#define SUID_TO_KUID(x)		(x)
#define SGID_TO_KGID(x)		(x)

#endif
