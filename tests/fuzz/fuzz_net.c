/* libFuzzer harness for the frame-input path: kernel/net/frame.c (what the
 * driver's buffers go through) into lwIP's Ethernet, ARP, IPv4 (with
 * reassembly), ICMP, UDP, TCP and DHCP input, built with the kernel's own
 * lwipopts.h (HOST_TEST: without threads, with lwIP's assertions on).
 *
 * Input: records of [len:2 LE][flags:1][pad:1][piece:1][len bytes of frame].
 * flags bit 0: the device vouched for the checksum; bit 1: the frame goes
 * to the interface running DHCP instead of the static one; bits 2-7: how
 * far the clock moves before the frame (in 100 ms steps), so timers run
 * too. pad: the frame goes on with pad * 256 zero bytes, so a small seed
 * makes a frame as large as an uncut TCP segment (up to 64 KiB and past
 * what a pbuf chain counts). piece: the frame, behind the driver's 12-byte
 * header, comes in buffers of piece * 16 bytes (0: NIC_RXBUF_SIZE), as a
 * device fills mergeable buffers; frames are cut at FRAME_MAX bytes.
 * The static interface is 10.0.2.15/24 with a TCP echo listener and a UDP
 * echo on port 7; TCP's initial sequence numbers are fixed (0x1000), so
 * seeds can complete handshakes. Frames the stack sends go nowhere. After
 * each input every connection is aborted and the clock jumps, so state
 * does not pile up across inputs. */
#include "net/net_impl.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h"
#include "netif/ethernet.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Past the largest frame a device may hand over (header, Ethernet header,
 * a 65535-byte IPv4 packet), so too-long frames are tried too. */
#define FRAME_MAX	(70 * 1024)

static u32_t now_ms;
static struct netif nif_static, nif_dhcp;

u32_t sys_now(void)
{
	return now_ms;
}

/* Fixed, so seeds can answer DHCP (its xid) as the stack expects. */
unsigned net_rand(void)
{
	return 0x12345678;
}

unsigned net_tcp_isn(const struct ip4_addr *lip, unsigned short lport,
    const struct ip4_addr *rip, unsigned short rport)
{
	return 0x1000;
}

static err_t sink(struct netif *n, struct pbuf *p)
{
	return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
	static const uint8_t mac[2][6] = { { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
	    { 0x52, 0x54, 0, 0x12, 0x34, 0x57 } };
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, mac[n == &nif_dhcp], 6);
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = sink;
	return ERR_OK;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	if (!p) {
		tcp_close(pcb);
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next)
		if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	tcp_output(pcb);
	return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	tcp_recv(pcb, echo_recv);
	return ERR_OK;
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *a, u16_t port)
{
	udp_sendto(pcb, p, a, port);
	pbuf_free(p);
}

static void setup(void)
{
	ip4_addr_t ip, mask, gw;

	lwip_init();
	IP4_ADDR(&ip, 10, 0, 2, 15);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 2, 2);
	netif_add(&nif_static, &ip, &mask, &gw, NULL, nif_init, ethernet_input);
	netif_set_default(&nif_static);
	netif_set_up(&nif_static);
	netif_set_link_up(&nif_static);
	netif_add(&nif_dhcp, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, nif_init, ethernet_input);
	netif_set_up(&nif_dhcp);
	netif_set_link_up(&nif_dhcp);
	dhcp_start(&nif_dhcp);
	struct tcp_pcb *l = tcp_new();
	tcp_bind(l, IP4_ADDR_ANY, 7);
	l = tcp_listen(l);
	tcp_accept(l, echo_accept);
	struct udp_pcb *u = udp_new();
	udp_bind(u, IP4_ADDR_ANY, 7);
	udp_recv(u, udp_echo, NULL);
}

static void settle(void)
{
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	for (int i = 0; i < 40; i++) {
		now_ms += 30000;
		sys_check_timeouts();
	}
}

/* Byte i of the frame: the driver's header (zeros), the record's bytes,
 * then the padding. */
static uint8_t frame_byte(const uint8_t *data, size_t len, size_t i)
{
	if (i < NIC_HDR_MAX)
		return 0;
	i -= NIC_HDR_MAX;
	return i < len ? data[i] : 0;
}

/* One frame in buffers of piece bytes, as the driver hands it on. */
static void input_frame(struct netif *n, const uint8_t *data, size_t len, size_t pad, size_t piece,
    bool csum_ok)
{
	size_t total = NIC_HDR_MAX + len + pad;
	struct pbuf *first = NULL, *last = NULL;
	uint16_t first_len = 0;

	if (total > FRAME_MAX)
		total = FRAME_MAX;
	for (size_t off = 0; off < total; off += piece) {
		size_t plen = total - off < piece ? total - off : piece;
		struct pbuf *q = pbuf_alloc(PBUF_RAW, NIC_RXBUF_SIZE, PBUF_RAM);
		if (!q)
			abort();
		uint8_t *b = q->payload;
		if (off >= NIC_HDR_MAX && off + plen <= NIC_HDR_MAX + len) {
			memcpy(b, data + off - NIC_HDR_MAX, plen);
		} else {
			for (size_t i = 0; i < plen; i++)
				b[i] = frame_byte(data, len, off + i);
		}
		if (!first) {
			first = q;
			first_len = (uint16_t)plen;
		} else {
			net_chain_piece(last, q, (uint16_t)plen);
		}
		last = q;
	}
	net_input_frame(n, first, first_len, NIC_HDR_MAX, csum_ok,
	    NETIF_CHECKSUM_ENABLE_ALL & ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		setup();
		ready = 1;
	}
	while (size >= 5) {
		size_t len = data[0] | (size_t)data[1] << 8;
		uint8_t flags = data[2];
		size_t pad = (size_t)data[3] * 256, piece = data[4] ? data[4] * 16u : NIC_RXBUF_SIZE;
		data += 5;
		size -= 5;
		if (len > size)
			len = size;
		now_ms += (flags >> 2) * 100u;
		sys_check_timeouts();
		struct netif *n = flags & 2 ? &nif_dhcp : &nif_static;
		input_frame(n, data, len, pad, piece > NIC_RXBUF_SIZE ? NIC_RXBUF_SIZE : piece, flags & 1);
		data += len;
		size -= len;
	}
	settle();
	return 0;
}
