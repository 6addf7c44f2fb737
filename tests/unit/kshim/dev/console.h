/* Host shim of kernel/dev/console.h: printk to stderr. */
#ifndef DEV_CONSOLE_H
#define DEV_CONSOLE_H
#include <stdio.h>

#define printk(...)	fprintf(stderr, __VA_ARGS__)
#define pr_err(...)	fprintf(stderr, __VA_ARGS__)
#define pr_warn(...)	fprintf(stderr, __VA_ARGS__)
#define pr_info(...)	((void)0)
#define pr_debug(...)	((void)0)

#endif
