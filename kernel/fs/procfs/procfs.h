/* Files drivers outside the core (modules) add to /proc and /sys. */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H
#include <stddef.h>

/* Makes the text of one read-only file, at each open, into buf (size
 * bytes, at most 4096); returns its length as snprintf does (a longer text
 * is cut at size - 1 bytes). */
typedef int (*procfs_show_fn)(char *buf, size_t size, void *arg);

/* Adds the file path, under /proc or /sys ("/sys/module/zfs/version"),
 * creating the directories above it. Files stay until the kernel stops.
 * 0, -EINVAL (not under /proc or /sys, an empty or over-long component),
 * -EEXIST (taken, or a file where a directory is needed), -ENOMEM. */
int procfs_add_file(const char *path, procfs_show_fn show, void *arg);

#endif
