/* Osprey's VFS API for files that also see OpenZFS's vnode.h: both name
 * a struct vattr, so here the kernel's is called struct osprey_vattr (the
 * same type under another tag). Include it after the OpenZFS headers. */
#ifndef OSPREY_ZFS_OSPREY_VFS_H
#define OSPREY_ZFS_OSPREY_VFS_H
#define vattr osprey_vattr
#include "fs/vfs.h"
#undef vattr
#endif
