/* Helpers shared by the file-related system calls (sys_fs.c, sys_dir.c,
 * sys_stat.c, pipe.c, poll.c). Everything takes user pointers as the
 * program passed them and checks them itself. */
#ifndef LINUX_SYS_FS_H
#define LINUX_SYS_FS_H
#include "linux/linux.h"

#define UIO_MAXIOV	1024		/* iovecs in one readv/writev */
#define IOV_SMALL	8		/* iovecs iov_get copies without kmalloc */
#define MAX_RW_COUNT	0x7ffff000L	/* Linux caps one transfer at this */

/* A kernel copy (kmalloc'd, PATH_MAX) of the user string upath in *out:
 * 0, -EFAULT, -ENAMETOOLONG or -ENOMEM. Free it with path_put(). */
int path_get(const char *upath, char **out);
void path_put(char *path);

/* The starting directory of a *at call: NULL for AT_FDCWD, else the held
 * directory vnode of dirfd (-EBADF, -ENOTDIR). With any_file (AT_EMPTY_PATH
 * and an empty path) any vnode-backed fd is accepted: the call then
 * operates on that vnode itself. Release with dirfd_put(). */
int dirfd_get(int dirfd, bool any_file, struct vnode **out);
void dirfd_put(struct vnode *dir);

/* Both of the above: *path and *dir for a *at call taking at_flags. */
int at_get(int dirfd, const char *upath, int at_flags, struct vnode **dir, char **path);
void at_put(struct vnode *dir, char *path);

/* pipe2 and socketpair: two new files as two fds whose numbers reach the
 * program at ufds before the fds exist, so a copy that faults leaves no
 * fd behind and never takes one back from another thread (as Linux).
 * Takes the caller's references on both files. 0 or negative errno. */
int fd_install_pair_user(int *ufds, struct file *files[2], int fdflags);

/* The file behind fd, held (file_rele() it): 0 or -EBADF. */
static inline int fget(int fd, struct file **out)
{
	return fd_get(&this_proc()->fds, fd, out);
}

/* The same for drivers (exported): a descriptor an ioctl names, e.g. the
 * stream of ZFS's send and receive. -EBADF with no program running. */
int linux_fget(int fd, struct file **out);

/* Seconds and nanoseconds of a nanosecond time (floor division, so times
 * before 1970 keep a nanosecond part in [0, 1e9)). */
static inline void ns_split(int64_t ns, int64_t *sec, int64_t *nsec)
{
	*sec = ns / 1000000000;
	*nsec = ns % 1000000000;
	if (*nsec < 0) {
		*nsec += 1000000000;
		(*sec)--;
	}
}

/* Pipes (pipe.c). */
bool file_is_pipe(struct file *f);
long pipe_set_size(struct file *f, unsigned long size);	/* F_SETPIPE_SZ */
long pipe_get_size(struct file *f);			/* F_GETPIPE_SZ */

/* Waiting for files (poll.c). A struct pollfd as the program sees it. */
struct pollfd {
	int fd;
	short events;
	short revents;
};
/* Fills revents of fds[0..nfds) and returns how many are non-zero, waiting
 * until one is or timeout_ns passes (< 0: forever, 0: do not wait). */
long poll_files(struct pollfd *fds, unsigned nfds, int64_t timeout_ns);

/* Copies and checks the program's iovec array (the layout of struct
 * kiovec; -EINVAL past UIO_MAXIOV); the total is capped at MAX_RW_COUNT
 * as Linux does. *out is small (IOV_SMALL entries) or kmalloc'd. */
int iov_get(const struct kiovec *uiov, int cnt, bool to_user,
    struct kiovec *small, struct kiovec **out);

/* getattr ops for files without a vnode (sys_fs.c). */
int anon_file_getattr(struct file *f, struct vattr *va);
int sock_file_getattr(struct file *f, struct vattr *va);

#endif
