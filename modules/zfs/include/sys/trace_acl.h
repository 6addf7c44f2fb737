/* The ACL code's trace points compile to nothing: sys/trace.h. */
#ifndef OSPREY_SPL_SYS_TRACE_ACL_H
#define OSPREY_SPL_SYS_TRACE_ACL_H
#include <sys/trace.h>
#endif
