/* Inside kernel/net: what net.c, frame.c and etc.c share. */
#ifndef NET_NET_IMPL_H
#define NET_NET_IMPL_H
#include "net/net.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#ifndef HOST_TEST
#include "sched/sync.h"

/* Ethernet, IPv4 (no options) and TCP headers, options included. */
#define TX_BATCH_HDR_MAX	(14 + 20 + 60)

/* Consecutive TCP segments of one connection waiting to go to a NIC that
 * cuts segments (NIC_F_TSO4) as one frame (net.c); core lock. */
struct tx_batch {
	struct pbuf *seg[NIC_SEG_MAX];	/* the segments' frames, held */
	int nseg, npieces;		/* segments; pieces of the frame to be */
	uint8_t hdr[TX_BATCH_HDR_MAX];	/* the first segment's headers */
	uint16_t hdr_len, gso_size;	/* its headers' length, its data's */
	uint32_t ip_len, next_seq;	/* the frame's IP length; what follows */
	uint16_t next_id;		/* the IP id that follows */
	bool closed;			/* a short or pushed segment ended it */
};

/* The stack's side of a NIC. */
struct net_nic_priv {
	struct netif netif;		/* first: nic->netif points here */
	struct nic *nic;
	struct semaphore tx_space;	/* the driver's ring has room again */
	struct tx_batch batch;
	bool tx_unkicked;		/* frames queued, the device not yet told; core lock */
};

/* Sends the segments waiting in each NIC's batch and notifies each NIC
 * that has frames queued since its last notification; core lock held,
 * before it is let go (sys_arch.c's unlock, a wait on it). */
void net_tx_flush(void);

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
