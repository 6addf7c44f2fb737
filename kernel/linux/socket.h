/* The socket calls (sys_socket.c) and the address families behind them:
 * AF_INET over kernel/net (sys_socket.c), AF_UNIX in the kernel
 * (unix.c). The calls copy what every family needs from the program:
 * addresses, the message header and its iovec array; a family gets
 * kernel copies of those, and the program's control buffer of a message,
 * which only AF_UNIX reads or writes (it checks the pointer itself). */
#ifndef LINUX_SOCKET_H
#define LINUX_SOCKET_H
#include "linux/sys_fs.h"

#define AF_UNSPEC	0
#define AF_UNIX		1
#define AF_INET		2
#define AF_NETLINK	16
#ifndef SOCK_STREAM
#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#endif
#define SOCK_RAW	3
#define SOCK_SEQPACKET	5
#define SOCK_MAX	11		/* types past this are EINVAL */
#define SOCK_TYPE_MASK	0xf
#define SOCK_NONBLOCK	O_NONBLOCK
#define SOCK_CLOEXEC	O_CLOEXEC

#define MSG_PEEK	0x02
#define MSG_CTRUNC	0x08
#define MSG_TRUNC	0x20
#define MSG_DONTWAIT	0x40
#define MSG_EOR		0x80
#define MSG_WAITALL	0x100
#define MSG_NOSIGNAL	0x4000
#define MSG_MORE	0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SOL_SOCKET	1
#define SO_REUSEADDR	2
#define SO_TYPE		3
#define SO_ERROR	4
#define SO_BROADCAST	6
#define SO_SNDBUF	7
#define SO_RCVBUF	8
#define SO_KEEPALIVE	9
#define SO_LINGER	13
#define SO_REUSEPORT	15
#define SO_PASSCRED	16
#define SO_PEERCRED	17
#define SO_RCVTIMEO	20
#define SO_SNDTIMEO	21
#define SO_ACCEPTCONN	30
#define SO_PROTOCOL	38
#define SO_DOMAIN	39

/* struct timeval of SO_RCVTIMEO and SO_SNDTIMEO. */
struct timeval {
	int64_t sec, usec;
};

#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2

#define SOCKADDR_MAX	128		/* sizeof(struct sockaddr_storage) */
#define SOCKOPT_MAX	256		/* bytes of an option value copied (tcp_info fits) */

/* An address as the program passed it (len bytes) or as the family gives
 * it back (len is its whole length, which may exceed what the program's
 * buffer takes). One byte more than Linux's sockaddr_storage, so a
 * 108-byte AF_UNIX path always has its NUL. */
struct ksockaddr {
	uint32_t len;
	union {
		uint16_t family;
		uint8_t bytes[SOCKADDR_MAX + 1];
	};
};

/* A message: send takes name (NULL: none), recv fills it (len 0: the
 * sender has no name); control/controllen are the program's, and recv
 * sets controllen to the bytes it wrote there and flags to the MSG_*
 * bits of msg_flags. */
struct kmsg {
	struct ksockaddr *name;
	const struct kiovec *iov;
	int iovcnt;
	void *control;
	size_t controllen;
	int flags;
};

/* What a family does for the calls; the file is held by the caller.
 * Errors are negative errno. val of setsockopt is a kernel copy of up to
 * SOCKOPT_MAX bytes (len is the program's length); getsockopt writes up
 * to *len (the program's, capped at SOCKOPT_MAX) bytes and sets *len. */
struct sock_family_ops {
	int (*bind)(struct file *f, struct ksockaddr *a);
	int (*connect)(struct file *f, struct ksockaddr *a);
	int (*listen)(struct file *f, int backlog);
	/* The new connection's fd; its peer's address in *peer. */
	int (*accept)(struct file *f, int flags, struct ksockaddr *peer);
	int (*getname)(struct file *f, bool peer, struct ksockaddr *a);
	int (*shutdown)(struct file *f, int how);	/* how checked: 0..2 */
	long (*sendmsg)(struct file *f, struct kmsg *m, int flags);
	long (*recvmsg)(struct file *f, struct kmsg *m, int flags);
	int (*setsockopt)(struct file *f, int level, int name, const void *val, uint32_t len);
	int (*getsockopt)(struct file *f, int level, int name, void *val, uint32_t *len);
};

/* AF_UNIX (unix.c): socket() gives an fd, socketpair() the two connected
 * files (the caller installs them); unix_sock_ops serves the calls on
 * files for which file_is_unix() holds. */
int unix_socket(int type, int protocol, int flags);
int unix_socketpair(int type, int protocol, int flags, struct file *ends[2]);
bool file_is_unix(struct file *f);
extern const struct sock_family_ops unix_sock_ops;

/* AF_NETLINK, NETLINK_ROUTE only (netlink.c): the interfaces. */
int netlink_socket(int type, int protocol, int flags);
bool file_is_netlink(struct file *f);
extern const struct sock_family_ops netlink_sock_ops;

/* An option's value cut to *len bytes (the program's length, at most
 * SOCKOPT_MAX), *len then the bytes written. */
void sockopt_out(const void *v, size_t size, void *val, uint32_t *len);
/* SO_RCVTIMEO/SO_SNDTIMEO values: ns 0 is none; a negative time is an
 * immediate timeout (1 ns), as Linux stores 0 jiffies. */
int sockopt_timeval_in(const void *val, uint32_t len, uint64_t *ns);
void sockopt_timeval_out(uint64_t ns, struct timeval *tv);

#endif
