/* Reading and writing a program's memory from a system call.
 *
 * Every access goes through these (or arch.h's uaccess_* where the buffer
 * may be the kernel's, checked by the caller): a pointer outside the
 * program's half, memory unmapped or protected meanwhile by another thread,
 * or a file page that cannot be read gives -EFAULT, never a kernel fault.
 * user_ok() (linux.h) stays useful before a call does anything else: it
 * fails early, before side effects, and brings file pages in so that no
 * fault has to read a file while a filesystem lock is held. */
#ifndef LINUX_UACCESS_H
#define LINUX_UACCESS_H
#include <errno.h>
#include "linux/linux.h"

static inline bool user_range(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return a + n >= a && a + n <= USER_TOP;
}

static inline int copy_from_user(void *dst, const void *usrc, size_t n)
{
	return user_range(usrc, n) ? (int)uaccess_copy(dst, usrc, n) : -EFAULT;
}

static inline int copy_to_user(void *udst, const void *src, size_t n)
{
	return user_range(udst, n) ? (int)uaccess_copy(udst, src, n) : -EFAULT;
}

static inline int clear_user(void *udst, size_t n)
{
	return user_range(udst, n) ? (int)uaccess_clear(udst, n) : -EFAULT;
}

/* A program's string into dst[size]: its length (< size, dst terminated),
 * -ENAMETOOLONG when no NUL came within size bytes, or -EFAULT. */
static inline long strncpy_from_user(char *dst, const char *usrc, size_t size)
{
	uintptr_t a = (uintptr_t)usrc;

	if (a >= USER_TOP || size == 0)
		return -EFAULT;
	size_t room = USER_TOP - a < size ? USER_TOP - a : size;
	long n = uaccess_strncpy(dst, usrc, room);
	if (n < 0)
		return n;
	if ((size_t)n == room)
		return room < size ? -EFAULT : -ENAMETOOLONG;
	return n;
}

/* One object of *uptr's type: 0 or -EFAULT. */
#define get_user(x, uptr) copy_from_user(&(x), (uptr), sizeof(*(uptr)))
#define put_user(x, uptr) ({ \
	__typeof__(*(uptr)) put_user_v__ = (x); \
	copy_to_user((uptr), &put_user_v__, sizeof(put_user_v__)); })

#endif
