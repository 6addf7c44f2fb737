/* What programs ask about the interfaces: NETLINK_ROUTE sockets
 * (netlink.c; sys_socket.c gives them the socket calls) and the SIOCGIF*
 * ioctls of any socket (ifreq.c). */
#ifndef LINUX_NETLINK_H
#define LINUX_NETLINK_H
#include <stddef.h>
#include <stdint.h>

struct kiovec;
struct waitq;
struct nl_sock;

#define NETLINK_ROUTE	0
#define NL_SOCK_DGRAM	2
#define NL_SOCK_RAW	3

int nl_create(int type, int protocol, struct nl_sock **out);
void nl_close(struct nl_sock *s);
/* Takes requests; their answers are queued at once. Bytes taken. */
long nl_send(struct nl_sock *s, const struct kiovec *iov, int iovcnt);
/* One queued datagram (SOCK_NOWAIT, SOCK_PEEK of net.h); *full: its
 * whole length (more than asked: truncated, the rest dropped). */
long nl_recv(struct nl_sock *s, const struct kiovec *iov, int iovcnt, size_t *full,
    unsigned flags);
int nl_bind(struct nl_sock *s, uint32_t pid, uint32_t groups);
uint32_t nl_pid(struct nl_sock *s);
unsigned nl_poll(struct nl_sock *s);
struct waitq *nl_waitq(struct nl_sock *s);
long nl_nread(struct nl_sock *s);

/* SIOCGIFCONF, SIOCGIF*, SIOCSIF* (-EPERM); -ENOTTY for other requests. */
int ifreq_ioctl(unsigned long cmd, void *uarg);

#endif
