/* OpenZFS's trace points (DTRACE_PROBE*) compile to nothing: sys/trace.h. */
#ifndef OSPREY_SPL_SYS_TRACE_ZFS_H
#define OSPREY_SPL_SYS_TRACE_ZFS_H
#include <sys/trace.h>
#endif
