/* Inside kernel/net: what net.c, frame.c and etc.c share. */
#ifndef NET_NET_IMPL_H
#define NET_NET_IMPL_H
#include "net/net.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#ifndef HOST_TEST
#include "sched/sync.h"

/* The stack's side of a NIC. */
struct net_nic_priv {
	struct netif netif;		/* first: nic->netif points here */
	struct nic *nic;
	struct semaphore tx_space;	/* the driver's ring has room again */
};

static inline struct net_nic_priv *nic_priv(struct nic *n)
{
	return (struct net_nic_priv *)n->netif;
}

/* /etc/resolv.conf (these name servers, network byte order) and
 * /etc/hosts when the root has none (etc.c). */
void net_write_etc(const uint32_t *dns, int ndns);
#endif

/* Appends a further piece of a received frame (a mergeable rx buffer
 * holding len bytes, at most its size) after the frame's last piece so
 * far (frame.c). */
void net_chain_piece(struct pbuf *last, struct pbuf *next, uint16_t len);
/* One received frame into the stack, core lock held (frame.c): p holds
 * len bytes in its first pbuf (more pieces after it, net_chain_piece),
 * the first hdr_len of them the driver's header. csum_ok: the device
 * checked the TCP/UDP checksum; flags: the interface's checksum flags
 * otherwise. A frame longer than an Ethernet header and an IPv4 packet
 * together is dropped. Takes p. */
void net_input_frame(struct netif *nf, struct pbuf *p, uint16_t len, uint16_t hdr_len,
    bool csum_ok, uint16_t flags);

#endif
