/* The network: lwIP (built from Debian's source package, with our
 * sys_arch) below a small socket layer, and the interface drivers hand
 * frames to (kernel/dev/virtio_net.c). Nothing here knows about Linux:
 * kernel/linux/sys_socket.c turns these calls into the Linux ABI. */
#ifndef NET_NET_H
#define NET_NET_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct kiovec;
struct waitq;

/* ---- boot ---- */

/* Boot: starts the stack (the tcpip thread, loopback 127.0.0.1). Drivers
 * register interfaces after this. */
int net_init(void);
/* Boot, once the filesystems are up: addresses (static from the command
 * line, else DHCP, waited for a few seconds) and /etc/resolv.conf and
 * /etc/hosts when the root has none. */
void net_configure(void);
/* Before power-off: waits (at most timeout_ns) for data still unsent. */
void net_drain(uint64_t timeout_ns);

/* ---- interfaces (for drivers) ---- */

/* Frames handed between a driver and the stack. An rx buffer is taken
 * with nic_rxbuf_alloc (its data pointer goes to the device), filled by
 * the device, and given to nic_input with the bytes the device wrote. */
#define NIC_HDR_MAX	12		/* bytes before the frame the driver owns */
#define NIC_RXBUF_SIZE	4072		/* with the stack's pbuf: a page */
#define NIC_SEG_MAX	32

struct nic_seg {
	void *addr;
	size_t len;
};

/* A frame to transmit: pieces (the first starting with hdr_room bytes
 * for the driver's header, which it may overwrite), and for a checksum
 * the device is to compute, where it starts and where it goes (both
 * from the start of the Ethernet frame; csum_start 0: none). With
 * gso_size (NIC_F_TSO4 only) the frame is an IPv4 TCP segment the device
 * cuts into segments of gso_size bytes of data behind the frame's first
 * gso_hdr_len bytes (its Ethernet, IP and TCP headers). */
struct nic_frame {
	struct nic_seg seg[NIC_SEG_MAX];
	int nseg;
	size_t hdr_room;
	uint16_t csum_start, csum_offset;
	uint16_t gso_size, gso_hdr_len;
	void *handle;			/* for nic_frame_done */
};

struct nic;
struct nic_ops {
	/* Queues f for the device without notifying it; -EAGAIN when it
	 * has no room (the stack then flushes and waits for nic_tx_space).
	 * The driver calls nic_frame_done when the device has sent it. */
	int (*xmit)(struct nic *n, struct nic_frame *f);
	/* Starts the device on the queued frames (one notification, which
	 * the driver may leave out when the device says it needs none). The
	 * stack calls it once a turn of its core lock that queued frames. */
	void (*flush)(struct nic *n);
};

#define NIC_F_TX_CSUM	0x01		/* device computes TCP/UDP checksums */
#define NIC_F_TSO4	0x02		/* device cuts IPv4 TCP segments (with TX_CSUM) */

struct nic {
	const struct nic_ops *ops;
	void *priv;
	uint8_t mac[6];
	uint16_t mtu;
	unsigned features;		/* NIC_F_* */
	bool link_up;
	char name[8];			/* "eth0", set by nic_register */
	void *netif;			/* the stack's */
};

/* A driver's interface, ready to send (boot, after net_init). */
int nic_register(struct nic *n);
void nic_set_link(struct nic *n, bool up);
/* rx: a buffer of NIC_RXBUF_SIZE bytes at *data, or NULL. */
void *nic_rxbuf_alloc(void **data);
void nic_rxbuf_free(void *buf);
void *nic_rxbuf_data(void *buf);
/* Appends a further buffer of a frame (mergeable rx buffers), holding
 * len <= NIC_RXBUF_SIZE bytes, after the frame's last buffer so far. A
 * frame may span up to 64 KiB and more (an uncut TCP segment). */
void nic_rxbuf_chain(void *last, void *next, size_t len);
/* Received frames, given together: each buf (with the buffers chained
 * after it) of which the first holds len bytes, the first hdr_len of them
 * the driver's header; csum_ok: the device vouched for the TCP/UDP
 * checksum. Takes the buffers. */
struct nic_rx {
	void *buf;
	uint16_t len, hdr_len;
	bool csum_ok;
};
void nic_input(struct nic *n, struct nic_rx *rx, int count);
void nic_frame_done(void *handle);
/* The driver has room again after an -EAGAIN from xmit. */
void nic_tx_space(struct nic *n);

/* ---- interfaces as programs see them (getifaddrs, SIOCGIF*) ---- */

#define NET_IF_UP		0x01
#define NET_IF_RUNNING		0x02	/* up with its link up */
#define NET_IF_LOOPBACK		0x04
#define NET_IF_BROADCAST	0x08

/* Addresses in network byte order; index from 1 (loopback first). */
struct net_iface {
	char name[8];
	int index;
	unsigned flags;			/* NET_IF_* */
	uint8_t mac[6];			/* zeros for loopback */
	uint16_t mtu;
	uint32_t addr, netmask;		/* 0: none yet */
};

/* Fills up to max entries in index order; returns how many there are. */
int net_ifaces(struct net_iface *out, int max);

/* ---- sockets ---- */

#define SOCK_STREAM	1
#define SOCK_DGRAM	2

/* Addresses and ports in network byte order, as in struct sockaddr_in. */
struct sock_addr {
	uint32_t addr;
	uint16_t port;
};

/* Flags of send and receive. */
#define SOCK_NOWAIT	0x01		/* do not block (MSG_DONTWAIT, O_NONBLOCK) */
#define SOCK_PEEK	0x02		/* leave the data queued */
#define SOCK_WAITALL	0x04		/* stream: wait for all asked */
#define SOCK_MORE	0x08		/* more data follows (MSG_MORE) */

/* Options (sock_setopt/sock_getopt); times in nanoseconds, 0: none. */
enum sock_opt {
	SO_OPT_REUSEADDR, SO_OPT_KEEPALIVE, SO_OPT_RCVBUF, SO_OPT_SNDBUF,
	SO_OPT_RCVTIMEO, SO_OPT_SNDTIMEO, SO_OPT_ERROR, SO_OPT_TYPE,
	SO_OPT_ACCEPTCONN, SO_OPT_BROADCAST, SO_OPT_NODELAY,
	SO_OPT_KEEPIDLE, SO_OPT_KEEPINTVL, SO_OPT_KEEPCNT,
	SO_OPT_LINGER,			/* seconds; -1: off */
	SO_OPT_REUSEPORT,
};

struct sock;
int sock_create(int type, struct sock **out);
void sock_close(struct sock *s);
int sock_bind(struct sock *s, const struct sock_addr *a);
int sock_listen(struct sock *s, int backlog);
/* The next connection, and its peer's address. */
int sock_accept(struct sock *s, unsigned flags, struct sock **out, struct sock_addr *peer);
/* flags: SOCK_NOWAIT gives -EINPROGRESS while the handshake runs. */
int sock_connect(struct sock *s, const struct sock_addr *a, unsigned flags);
/* Bytes sent, or an error: -EPIPE once the connection cannot send. */
long sock_send(struct sock *s, const struct kiovec *iov, int iovcnt,
    const struct sock_addr *to, unsigned flags);
/* Bytes received (0 at end of stream), the sender and, for datagrams,
 * the datagram's whole length in *full (larger than asked: truncated). */
long sock_recv(struct sock *s, const struct kiovec *iov, int iovcnt,
    struct sock_addr *from, size_t *full, unsigned flags);
int sock_shutdown(struct sock *s, bool rd, bool wr);
int sock_name(struct sock *s, bool peer, struct sock_addr *a);
int sock_setopt(struct sock *s, enum sock_opt opt, int64_t val);
int sock_getopt(struct sock *s, enum sock_opt opt, int64_t *val);
/* Ready POLL* bits, and the queue every change of them is signalled on. */
unsigned sock_poll(struct sock *s);
struct waitq *sock_waitq(struct sock *s);
/* What TCP_INFO reports, from the stack's connection state; times in
 * microseconds, state as Linux numbers it (TCP_ESTABLISHED 1, ...). */
struct sock_tcp_info {
	uint8_t state, retransmits;
	uint32_t rto_us, rtt_us, rttvar_us, snd_mss, rcv_mss;
	uint32_t unacked;		/* segments sent, not acknowledged */
	uint32_t snd_cwnd, snd_ssthresh;	/* segments */
	uint32_t rcv_space, snd_wnd;	/* bytes */
};
int sock_tcp_info(struct sock *s, struct sock_tcp_info *ti);
/* Bytes the next receive would give (FIONREAD). */
long sock_nread(struct sock *s);
int sock_type(struct sock *s);

#endif
