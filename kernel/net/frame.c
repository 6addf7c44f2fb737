/* The frame-input path, from a driver's buffer to lwIP's Ethernet input.
 * Built for the kernel and, unchanged, for the host fuzzer
 * (tests/fuzz/fuzz_net.c), which feeds it arbitrary frames. */
#include "net/net_impl.h"
#include "lwip/prot/ethernet.h"

void net_input_frame(struct netif *nf, struct pbuf *p, uint16_t len, uint16_t hdr_len,
    bool csum_ok, uint16_t flags)
{
	/* Chained buffers were cut to their lengths; the first is cut here. */
	u16_t rest = (u16_t)(p->tot_len - p->len);

	if (len > p->len || len < hdr_len + SIZEOF_ETH_HDR || (uint32_t)len + rest > 0xffff) {
		pbuf_free(p);
		return;
	}
	p->len = len;
	p->tot_len = (u16_t)(len + rest);
	pbuf_remove_header(p, hdr_len);
	if (!csum_ok)
		flags |= NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP;
	NETIF_SET_CHECKSUM_CTRL(nf, flags);
	if (nf->input(p, nf) != ERR_OK)
		pbuf_free(p);
}
