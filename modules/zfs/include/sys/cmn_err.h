#ifndef OSPREY_SPL_SYS_CMN_ERR_H
#define OSPREY_SPL_SYS_CMN_ERR_H
#include <sys/types.h>

#define CE_CONT		0
#define CE_NOTE		1
#define CE_WARN		2
#define CE_PANIC	3

void cmn_err(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vcmn_err(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define fm_panic	panic

#endif
