/* The frame-input path, from a driver's buffers to lwIP's input. Built
 * for the kernel and, unchanged, for the host fuzzer (tests/fuzz/fuzz_net.c),
 * which feeds it arbitrary frames in arbitrary pieces.
 *
 * A frame may be larger than a pbuf chain can count: a TCP segment the
 * device has not cut (virtio-net's GUEST_TSO4) is an IPv4 packet of up to
 * 65535 bytes, and with the driver's header and the Ethernet header in
 * front the frame exceeds lwIP's 16-bit tot_len. Such a frame loses its
 * Ethernet header here and goes to ip4_input as ethernet_input would have
 * passed it on. */
#include "net/net_impl.h"
#include <string.h>
#include "lwip/ip4.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ieee.h"
#include "netif/ethernet.h"

#define PBUF_LEN_MAX	0xffffu

void net_chain_piece(struct pbuf *last, struct pbuf *next, uint16_t len)
{
	/* Each piece counts only itself until net_input_frame knows the
	 * frame's length and whether a chain can count it. */
	next->len = next->tot_len = len;
	next->next = NULL;
	last->next = next;
}

/* The link-layer flags ethernet_input gives a frame by its destination,
 * for the frames that bypass it. */
static void mark_link_dest(struct pbuf *p, struct netif *nf)
{
	const struct eth_hdr *eh = p->payload;

	if (p->if_idx == NETIF_NO_INDEX)
		p->if_idx = netif_get_index(nf);
	if (!(eh->dest.addr[0] & 1))
		return;
	if (eh->dest.addr[0] == LL_IP4_MULTICAST_ADDR_0 && eh->dest.addr[1] == LL_IP4_MULTICAST_ADDR_1 &&
	    eh->dest.addr[2] == LL_IP4_MULTICAST_ADDR_2)
		p->flags |= PBUF_FLAG_LLMCAST;
	else if (eth_addr_cmp(&eh->dest, &ethbroadcast))
		p->flags |= PBUF_FLAG_LLBCAST;
}

/* Makes p and the pieces after it one chain of total bytes. */
static void chain_count(struct pbuf *p, uint32_t total)
{
	for (struct pbuf *q = p; q; q = q->next) {
		q->tot_len = (u16_t)total;
		total -= q->len;
	}
}

void net_input_frame(struct netif *nf, struct pbuf *p, uint16_t len, uint16_t hdr_len,
    bool csum_ok, uint16_t flags)
{
	uint32_t rest = 0;

	for (struct pbuf *q = p->next; q; q = q->next)
		rest += q->len;
	/* The driver's header and the Ethernet header lie in the first piece,
	 * with at least a byte after them (as ethernet_input demands). */
	if (len > p->len || len <= hdr_len + SIZEOF_ETH_HDR)
		goto drop;
	p->len = p->tot_len = len;
	pbuf_remove_header(p, hdr_len);
	bool oversize = p->len + rest > PBUF_LEN_MAX;
	if (oversize) {
		const struct eth_hdr *eh = p->payload;
		if (eh->type != PP_HTONS(ETHTYPE_IP) || !(nf->flags & NETIF_FLAG_ETHARP))
			goto drop;
		mark_link_dest(p, nf);
		pbuf_remove_header(p, SIZEOF_ETH_HDR);
		if (p->len + rest > PBUF_LEN_MAX)
			goto drop;	/* larger than any IPv4 packet */
	}
	chain_count(p, p->len + rest);
	if (!csum_ok)
		flags |= NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP;
	NETIF_SET_CHECKSUM_CTRL(nf, flags);
	/* Both inputs take the frame whatever they make of it, but a netif's
	 * input in general need not, so its word is kept. */
	if ((oversize ? ip4_input(p, nf) : nf->input(p, nf)) != ERR_OK)
		pbuf_free(p);
	return;
drop:
	pbuf_free(p);
}
