/* See linux/types.h: Lua's setjmp.S includes it for RET, which it
 * defaults to a plain ret. */
#ifndef OSPREY_SPL_LINUX_LINKAGE_H
#define OSPREY_SPL_LINUX_LINKAGE_H
#endif
