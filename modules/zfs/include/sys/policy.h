/* Security policy: Osprey runs one trusted application as root with
 * every capability, so each check grants, as Linux's policy.c does for a
 * caller with CAP_SYS_ADMIN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID and
 * CAP_CHOWN: nothing is denied, and set-id bits are never cleared on
 * write or chown (root retains them). */
#ifndef OSPREY_SPL_SYS_POLICY_H
#define OSPREY_SPL_SYS_POLICY_H
#include <sys/cred.h>

struct inode;
struct znode;
struct vattr;
struct xvattr;

#define secpolicy_zfs(cr)			(0)
#define secpolicy_zfs_proc(cr, proc)		(0)
#define secpolicy_sys_config(cr, checkonly)	(0)
#define secpolicy_zinject(cr)			(0)
#define secpolicy_nfs(cr)			(0)
#define secpolicy_write_perms(cr)		(0)
#define secpolicy_vnode_access2(cr, ip, owner, curmode, wantmode)	(0)
#define secpolicy_vnode_any_access(cr, ip, owner)	(0)
#define secpolicy_vnode_chown(cr, owner)	(0)
#define secpolicy_vnode_create_gid(cr)		(0)
#define secpolicy_vnode_remove(cr)		(0)
#define secpolicy_vnode_setdac(cr, owner)	(0)
#define secpolicy_vnode_setid_retain(zp, cr, issuidroot)	(0)
#define secpolicy_vnode_setids_setgids(cr, gid)	(0)
#define secpolicy_setid_clear(vap, cr)		((void)0)
#define secpolicy_setid_setsticky_clear(ip, vap, ovap, cr)	(0)
#define secpolicy_xvattr(xvap, owner, cr, type)	(0)
#define secpolicy_vnode_setattr(cr, ip, vap, ovap, flags, func, node)	(0)
#define secpolicy_basic_link(cr)		(0)

#endif
