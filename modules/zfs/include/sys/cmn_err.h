#ifndef OSPREY_SPL_SYS_CMN_ERR_H
#define OSPREY_SPL_SYS_CMN_ERR_H
#include <sys/types.h>

#define CE_CONT		0
#define CE_NOTE		1
#define CE_WARN		2
#define CE_PANIC	3

void cmn_err(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
