#ifndef DEV_CONSOLE_H
#define DEV_CONSOLE_H
#include <stddef.h>
#include <stdbool.h>

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages at or below this level reach the console. LOG_WARN by default,
 * LOG_INFO with --verbose: console output costs a VM exit per byte. */
extern int console_level;

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void printk_level(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A write(2) to the console: buf may be the program's (copied in checked
 * chunks). The count written, short (or -EFAULT) where a piece could not
 * be copied. */
long console_write(const void *buf, size_t len);

/* Input from the serial line. */
struct waitq;
void console_input_init(void);
/* buf: the program's (copied out checked) or the kernel's. */
long console_read(void *buf, size_t len, bool nonblock);
bool console_input_ready(struct waitq **wq);

#define pr_err(...)	printk_level(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	printk_level(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	printk_level(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	printk_level(LOG_DEBUG, __VA_ARGS__)

#endif
