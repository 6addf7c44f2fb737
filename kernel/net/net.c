/* The stack's start and its interfaces: lwIP's tcpip thread, loopback,
 * the netif of each driver's NIC (frames in and out, checksum offload),
 * and addresses from the command line or DHCP. */
#include "net/net.h"
#include "net/net_impl.h"
#include "lwip/init.h"
#include "lwip/tcpip.h"
#include "lwip/netif.h"
#include "lwip/etharp.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/inet_chksum.h"
#include "netif/ethernet.h"
#include "cmdline.h"
#include "dev/console.h"
#include "dev/random.h"
#include "lib/chacha20.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "sched/sync.h"
#include <errno.h>
#include <string.h>

#define DHCP_WAIT_NS	(5 * 1000000000ULL)
#define TX_WAIT_NS	(1000000000ULL)
#define NIC_MAX		4

/* Written by nic_register at boot, under the core lock; read-only after. */
static struct nic *nics[NIC_MAX];
static int nnics;
static uint32_t isn_key[8];		/* set once in net_init */
/* Address changes (DHCP), for net_configure's wait. */
static struct cond addr_changed;

unsigned net_rand(void)
{
	uint32_t r;

	random_bytes(&r, sizeof(r));
	return r;
}

/* RFC 6528: a clock ticking every 4 us plus a keyed hash of the
 * connection's addresses, so sequence numbers are unpredictable yet grow
 * for reuses of one address pair. */
unsigned net_tcp_isn(const struct ip4_addr *lip, unsigned short lport,
    const struct ip4_addr *rip, unsigned short rport)
{
	uint32_t nonce[3] = { lip->addr, rip->addr, (uint32_t)lport << 16 | rport };
	uint8_t block[64];
	uint32_t h;

	chacha20_block(isn_key, 0, nonce, block);
	memcpy(&h, block, sizeof(h));
	return h + (uint32_t)(clock_ns() / 4000);
}

/* ---- frames out ---- */

/* The folded sum of the pseudo-header (RFC 793, 3.1) of the IPv4 header
 * at ip, of ihl bytes, in a packet of tot bytes. */
static uint16_t pseudo_sum(const uint8_t *ip, unsigned ihl, unsigned tot)
{
	uint32_t sum = ip[9] + (tot - ihl);

	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header sum a device completes into a TCP or UDP checksum
 * (virtio 1.0, 5.1.6.2): csum_start/offset set and the sum stored in
 * the checksum field. Leaves both 0 for other frames and for fragments. */
static void tx_csum(struct pbuf *p, struct nic_frame *f)
{
	uint8_t h[SIZEOF_ETH_HDR + IP_HLEN];

	if (pbuf_copy_partial(p, h, sizeof(h), 0) != sizeof(h) ||
	    h[12] != 0x08 || h[13] != 0x00 || (h[14] >> 4) != 4)
		return;
	unsigned ihl = (h[14] & 0xf) * 4u, proto = h[23];
	unsigned tot = (unsigned)h[16] << 8 | h[17];
	if ((h[20] & 0x3f) || h[21] || tot < ihl || (proto != IP_PROTO_TCP && proto != IP_PROTO_UDP))
		return;
	uint16_t sum = pseudo_sum(h + SIZEOF_ETH_HDR, ihl, tot);
	f->csum_start = (uint16_t)(SIZEOF_ETH_HDR + ihl);
	f->csum_offset = proto == IP_PROTO_TCP ? 16 : 6;
	pbuf_put_at(p, f->csum_start + f->csum_offset, (u8_t)(sum >> 8));
	pbuf_put_at(p, f->csum_start + f->csum_offset + 1, (u8_t)sum);
}

/* Pieces of p after its first skip bytes, appended to f; false if there
 * are too many. Empty pbufs are left out. */
static bool tx_pieces(struct pbuf *p, size_t skip, struct nic_frame *f)
{
	for (struct pbuf *q = p; q; q = q->next) {
		if (skip >= q->len) {
			skip -= q->len;
			continue;
		}
		if (f->nseg == NIC_SEG_MAX)
			return false;
		f->seg[f->nseg].addr = (char *)q->payload + skip;
		f->seg[f->nseg++].len = q->len - skip;
		skip = 0;
	}
	return true;
}

/* Pieces of p into f; false if there are too many. */
static bool tx_segments(struct pbuf *p, struct nic_frame *f)
{
	f->nseg = 0;
	return tx_pieces(p, 0, f);
}

/* Hands f to the driver, waiting up to TX_WAIT_NS for ring space (the
 * device needs no lock of ours to finish frames); 0 or an error; core
 * lock held. The device is not told at once: a notification is an exit
 * into the hypervisor, so the frames of one turn of the core lock share
 * one, in net_tx_flush when the turn ends, or here when the ring is full
 * (the device must drain it for room to come back). */
static int nic_send(struct nic *n, struct nic_frame *f)
{
	struct net_nic_priv *np = nic_priv(n);
	int err = n->ops->xmit(n, f);

	if (err == -EAGAIN) {
		n->ops->flush(n);
		np->tx_unkicked = false;
		uint64_t deadline = clock_ns() + TX_WAIT_NS;
		while (err == -EAGAIN && sem_down(&np->tx_space, deadline) == 0)
			err = n->ops->xmit(n, f);
	}
	if (!err)
		np->tx_unkicked = true;
	return err;
}

/* Sends the frame p, whose reference the caller gives (the device's
 * completion drops it); core lock held. The frame's pbufs go to the
 * device as they are, the header room lwIP left in front of them
 * (PBUF_LINK_ENCAPSULATION_HLEN) taking the driver's header. */
static int send_pbuf(struct nic *n, struct pbuf *p)
{
	struct nic_frame f = { .hdr_room = 0 };

	if (!tx_segments(p, &f)) {
		struct pbuf *own = pbuf_clone(PBUF_RAW_TX, PBUF_RAM, p);
		pbuf_free(p);
		if (!own)
			return -ENOMEM;
		p = own;
	}
	if (n->features & NIC_F_TX_CSUM)
		tx_csum(p, &f);
	if (pbuf_add_header(p, NIC_HDR_MAX) == 0)
		f.hdr_room = NIC_HDR_MAX;
	tx_segments(p, &f);
	f.handle = p;
	pbuf_ref(p);		/* ours, so the header room can go once the device is done */
	int err = nic_send(n, &f);
	if (f.hdr_room)
		pbuf_remove_header(p, NIC_HDR_MAX);
	if (err)
		pbuf_free(p);
	pbuf_free(p);
	return err;
}

/* ---- sent TCP segments, batched (NIC_F_TSO4) ----
 *
 * lwIP cuts a stream into MSS-sized segments and keeps the MSS for its
 * congestion control and Nagle's rule too. On a NIC that cuts segments
 * itself, the consecutive segments of one connection lwIP sends while it
 * holds the core lock (a burst of tcp_output, the answers to a batch of
 * received acknowledgements) go to the device as one frame: their common
 * headers once, with the IP length of all, and their data behind. The
 * device cuts it back into the very segments lwIP made: each but the last
 * of the first one's size, the sequence numbers and IP ids following on,
 * PSH on the last, checksums computed. Only segments that come out so
 * join a batch. A batch goes out when a frame that cannot join comes, and
 * before the core lock is let go (net_tx_flush), so nothing is delayed
 * past the stack's turn. */

/* The frame of a batch: the driver's header room and the headers, then
 * the segments' data in their own pbufs, held until the device is done.
 * Its handle is a custom pbuf over the headers, whose last free lets the
 * segments go, so the driver's nic_frame_done is a pbuf_free for all. */
struct tx_merged {
	struct pbuf_custom pc;		/* first: the pbuf is the struct */
	uint8_t frame[NIC_HDR_MAX + TX_BATCH_HDR_MAX];
	int nseg;
	struct pbuf *seg[NIC_SEG_MAX];
};

static void tx_merged_free(struct pbuf *p)
{
	struct tx_merged *m = (struct tx_merged *)p;

	for (int i = 0; i < m->nseg; i++)
		pbuf_free(m->seg[i]);
	kfree(m);
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The headers of a frame that may join a batch, into h: an IPv4 TCP
 * segment with data, flags ACK (PSH too), no urgent data, no IP options,
 * fragments or ECN marks. Their length, or 0 for any other frame. */
static unsigned tcp_data_headers(struct pbuf *p, uint8_t *h)
{
	const unsigned fixed = SIZEOF_ETH_HDR + IP_HLEN + TCP_HLEN;

	if (p->tot_len <= fixed || pbuf_copy_partial(p, h, fixed, 0) != fixed)
		return 0;
	const uint8_t *ip = h + SIZEOF_ETH_HDR, *th = ip + IP_HLEN;
	unsigned tot = (unsigned)ip[2] << 8 | ip[3], thl = (th[12] >> 4) * 4u;
	if (h[12] != 0x08 || h[13] != 0x00 || ip[0] != 0x45 || (ip[1] & 3) || (ip[6] & 0x3f) ||
	    ip[7] || ip[9] != IP_PROTO_TCP || SIZEOF_ETH_HDR + tot != p->tot_len ||
	    thl < TCP_HLEN || tot <= IP_HLEN + thl || (th[13] & ~TCP_PSH) != TCP_ACK || th[18] || th[19])
		return 0;
	if (thl > TCP_HLEN && pbuf_copy_partial(p, h + fixed, (u16_t)(thl - TCP_HLEN), (u16_t)fixed) !=
	    thl - TCP_HLEN)
		return 0;
	return fixed + thl - TCP_HLEN;
}

/* Whether the headers a and b (of hl bytes) agree in all the device
 * copies from the first segment to the others: addresses, ports, the
 * acknowledgement, window, options, and the rest but for length, IP id,
 * checksums, sequence number and PSH. */
static bool same_flow(const uint8_t *a, const uint8_t *b, unsigned hl)
{
	const unsigned ip = SIZEOF_ETH_HDR, th = ip + IP_HLEN;

	return !memcmp(a, b, ip + 2) && !memcmp(a + ip + 6, b + ip + 6, 4) &&
	    !memcmp(a + ip + 12, b + ip + 12, 12) && !memcmp(a + th + 8, b + th + 8, 5) &&
	    !((a[th + 13] ^ b[th + 13]) & ~TCP_PSH) && !memcmp(a + th + 14, b + th + 14, 2) &&
	    !memcmp(a + th + 18, b + th + 18, hl - th - 18);
}

/* The number of pieces of p after its first skip bytes. */
static int count_pieces(struct pbuf *p, size_t skip)
{
	int n = 0;

	for (struct pbuf *q = p; q; q = q->next) {
		if (skip >= q->len) {
			skip -= q->len;
			continue;
		}
		n++;
		skip = 0;
	}
	return n;
}

static void tx_batch_send(struct nic *n, struct tx_batch *b)
{
	int nseg = b->nseg;

	b->nseg = 0;
	struct tx_merged *m = nseg > 1 ? kmalloc(sizeof(*m)) : NULL;
	if (!m) {
		/* One segment, or no memory to merge them: each goes alone. */
		for (int i = 0; i < nseg; i++)
			send_pbuf(n, b->seg[i]);
		return;
	}
	m->nseg = nseg;
	memcpy(m->seg, b->seg, (size_t)nseg * sizeof(m->seg[0]));
	m->pc.custom_free_function = tx_merged_free;
	pbuf_alloced_custom(PBUF_RAW, sizeof(m->frame), PBUF_REF, &m->pc, m->frame, sizeof(m->frame));
	uint8_t *h = m->frame + NIC_HDR_MAX, *ip = h + SIZEOF_ETH_HDR;
	memcpy(h, b->hdr, b->hdr_len);
	ip[2] = (uint8_t)(b->ip_len >> 8);
	ip[3] = (uint8_t)b->ip_len;
	ip[10] = ip[11] = 0;
	u16_t ipsum = inet_chksum(ip, IP_HLEN);
	memcpy(ip + 10, &ipsum, sizeof(ipsum));
	/* As Linux leaves it for the cut: the sum over the whole length. */
	uint16_t sum = pseudo_sum(ip, IP_HLEN, b->ip_len);
	ip[IP_HLEN + 16] = (uint8_t)(sum >> 8);
	ip[IP_HLEN + 17] = (uint8_t)sum;
	struct nic_frame f = {
		.nseg = 1, .hdr_room = NIC_HDR_MAX,
		.csum_start = SIZEOF_ETH_HDR + IP_HLEN, .csum_offset = 16,
		.gso_size = b->gso_size, .gso_hdr_len = b->hdr_len,
		.handle = &m->pc.pbuf,
	};
	f.seg[0] = (struct nic_seg){ m->frame, NIC_HDR_MAX + b->hdr_len };
	for (int i = 0; i < nseg; i++)
		tx_pieces(m->seg[i], b->hdr_len, &f);	/* they fit: counted as they came */
	if (nic_send(n, &f))
		nic_frame_done(f.handle);
}

/* Puts the frame p into n's batch if it can ride there (sending what
 * waits there first if p cannot follow it); true if it did, p then held. */
static bool tx_batch_add(struct nic *n, struct tx_batch *b, struct pbuf *p)
{
	uint8_t h[TX_BATCH_HDR_MAX];
	unsigned hl = tcp_data_headers(p, h);

	if (!hl)
		return false;
	const uint8_t *ip = h + SIZEOF_ETH_HDR, *th = ip + IP_HLEN;
	unsigned data = ((unsigned)ip[2] << 8 | ip[3]) - (hl - SIZEOF_ETH_HDR);
	uint32_t seq = get_be32(th + 4);
	uint16_t id = (uint16_t)(ip[4] << 8 | ip[5]);
	bool push = th[13] & TCP_PSH;
	int pieces = count_pieces(p, hl);
	if (b->nseg && (b->closed || b->nseg == NIC_SEG_MAX || hl != b->hdr_len ||
	    data > b->gso_size || seq != b->next_seq || id != b->next_id ||
	    b->ip_len + data > 0xffff || b->npieces + pieces > NIC_SEG_MAX || !same_flow(b->hdr, h, hl)))
		tx_batch_send(n, b);
	if (!b->nseg) {
		if (push || 1 + pieces > NIC_SEG_MAX)
			return false;	/* it could only go alone: at once */
		memcpy(b->hdr, h, hl);
		b->hdr_len = (uint16_t)hl;
		b->gso_size = (uint16_t)data;
		b->ip_len = hl - SIZEOF_ETH_HDR;
		b->npieces = 1;
	}
	pbuf_ref(p);
	b->seg[b->nseg++] = p;
	b->ip_len += data;
	b->npieces += pieces;
	b->next_seq = seq + data;
	b->next_id = (uint16_t)(id + 1);
	b->closed = push || data < b->gso_size;
	if (push)
		b->hdr[SIZEOF_ETH_HDR + IP_HLEN + 13] |= TCP_PSH;	/* the device puts it on the last */
	return true;
}

void net_tx_flush(void)
{
	for (int i = 0; i < nnics; i++) {
		struct net_nic_priv *np = nic_priv(nics[i]);
		if (np->batch.nseg)
			tx_batch_send(nics[i], &np->batch);
		if (np->tx_unkicked) {
			np->tx_unkicked = false;
			nics[i]->ops->flush(nics[i]);
		}
	}
}

/* netif->linkoutput, core lock held. */
static err_t nic_linkoutput(struct netif *nf, struct pbuf *p)
{
	struct nic *n = nf->state;
	struct tx_batch *b = &nic_priv(n)->batch;

	if ((n->features & NIC_F_TSO4) && tx_batch_add(n, b, p))
		return ERR_OK;
	if (b->nseg)
		tx_batch_send(n, b);	/* what waits goes first */
	pbuf_ref(p);
	int err = send_pbuf(n, p);
	return err == -ENOMEM ? ERR_MEM : err ? ERR_IF : ERR_OK;
}

void nic_frame_done(void *handle)
{
	pbuf_free(handle);	/* thread-safe: SYS_ARCH_PROTECT */
}

void nic_tx_space(struct nic *n)
{
	struct net_nic_priv *np = nic_priv(n);

	/* One pending wake-up is enough for the one waiter (core lock). */
	if (np->tx_space.count <= 0)
		sem_up(&np->tx_space);
}

/* ---- frames in ---- */

/* A receive buffer and its pbuf take one page of the heap. */
_Static_assert(LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf)) + LWIP_MEM_ALIGN_SIZE(NIC_RXBUF_SIZE) <= 4096,
    "an rx buffer fits a page");
_Static_assert(NIC_RXBUF_SIZE >= NIC_HDR_MAX + 1514, "an rx buffer holds a whole frame");

void *nic_rxbuf_alloc(void **data)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, NIC_RXBUF_SIZE, PBUF_RAM);

	if (p)
		*data = p->payload;
	return p;
}

void nic_rxbuf_free(void *buf)
{
	pbuf_free(buf);
}

void *nic_rxbuf_data(void *buf)
{
	return ((struct pbuf *)buf)->payload;
}

void nic_rxbuf_chain(void *last, void *next, size_t len)
{
	net_chain_piece(last, next, (uint16_t)len);
}

void nic_input(struct nic *n, struct nic_rx *rx, int count)
{
	struct netif *nf = n->netif;
	u16_t base = nf->chksum_flags & ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);

	LOCK_TCPIP_CORE();
	for (int i = 0; i < count; i++)
		net_input_frame(nf, rx[i].buf, rx[i].len, rx[i].hdr_len, rx[i].csum_ok, base);
	NETIF_SET_CHECKSUM_CTRL(nf, base | NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);
	UNLOCK_TCPIP_CORE();
}

/* ---- interfaces ---- */

static void status_cb(struct netif *nf)
{
	cond_broadcast(&addr_changed);
}

static err_t nic_netif_init(struct netif *nf)
{
	struct nic *n = nf->state;

	nf->name[0] = 'e';
	nf->name[1] = 'n';
	nf->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nf->hwaddr, n->mac, ETH_HWADDR_LEN);
	nf->mtu = n->mtu;
	nf->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	nf->output = etharp_output;
	nf->linkoutput = nic_linkoutput;
	u16_t csum = NETIF_CHECKSUM_ENABLE_ALL;
	if (n->features & NIC_F_TX_CSUM)
		csum &= ~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP);
	NETIF_SET_CHECKSUM_CTRL(nf, csum);
	netif_set_hostname(nf, "osprey");
	netif_set_status_callback(nf, status_cb);
	return ERR_OK;
}

int nic_register(struct nic *n)
{
	struct net_nic_priv *np = kzalloc(sizeof(*np));

	if (!np)
		return -ENOMEM;
	sem_init(&np->tx_space, 0);
	LOCK_TCPIP_CORE();
	int err = nnics == NIC_MAX ? -ENOSPC : 0;
	if (!err && !netif_add(&np->netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, n,
	    nic_netif_init, ethernet_input))
		err = -EIO;
	if (!err) {
		np->nic = n;
		n->netif = &np->netif;
		snprintf(n->name, sizeof(n->name), "eth%d", nnics);
		nics[nnics++] = n;
		if (n->link_up)
			netif_set_link_up(&np->netif);
	}
	UNLOCK_TCPIP_CORE();
	if (err) {
		kfree(np);
		pr_err("net: cannot add an interface for %02x:%02x:%02x:%02x:%02x:%02x (%d)\n",
		    n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], err);
	}
	return err;
}

void nic_set_link(struct nic *n, bool up)
{
	LOCK_TCPIP_CORE();
	n->link_up = up;
	if (n->netif && up)
		netif_set_link_up(n->netif);
	else if (n->netif)
		netif_set_link_down(n->netif);
	UNLOCK_TCPIP_CORE();
}

/* ---- boot ---- */

static void tcpip_ready(void *arg)
{
	sem_up(arg);
}

int net_init(void)
{
	struct semaphore ready;

	random_bytes(isn_key, sizeof(isn_key));
	cond_init(&addr_changed);
	sem_init(&ready, 0);
	tcpip_init(tcpip_ready, &ready);
	sem_down(&ready, 0);
	/* Loopback frames never leave memory: no checksums to make or check. */
	LOCK_TCPIP_CORE();
	struct netif *lo = netif_find("lo0");
	if (lo)
		NETIF_SET_CHECKSUM_CTRL(lo, NETIF_CHECKSUM_DISABLE_ALL);
	UNLOCK_TCPIP_CORE();
	return 0;
}

static void print_addr(const char *what, uint32_t a)
{
	const uint8_t *b = (const uint8_t *)&a;
	printk("%s%u.%u.%u.%u", what, b[0], b[1], b[2], b[3]);
}

static void report(struct netif *nf, struct nic *n, const char *how)
{
	if (console_level < LOG_INFO)
		return;
	printk("net: %s %s", n->name, how);
	print_addr(" ", ip4_addr_get_u32(netif_ip4_addr(nf)));
	print_addr(" mask ", ip4_addr_get_u32(netif_ip4_netmask(nf)));
	print_addr(" gateway ", ip4_addr_get_u32(netif_ip4_gw(nf)));
	printk("\n");
}

/* The first NIC gets the command line's address, or asks DHCP; the boot
 * waits a little for a lease, which later arrives in the background. */
static void configure_nic(struct nic *n, bool first)
{
	struct netif *nf = n->netif;
	const struct boot_options *o = &boot_opts;

	LOCK_TCPIP_CORE();
	if (first && o->net_ip) {
		ip4_addr_t ip, mask, gw;
		ip4_addr_set_u32(&ip, o->net_ip);
		ip4_addr_set_u32(&mask, o->net_prefix ? lwip_htonl(~0u << (32 - o->net_prefix)) : 0);
		ip4_addr_set_u32(&gw, o->net_gw);
		netif_set_addr(nf, &ip, &mask, &gw);
		netif_set_up(nf);
		if (!netif_default)
			netif_set_default(nf);
		report(nf, n, "static");
	} else {
		netif_set_up(nf);
		if (!netif_default)
			netif_set_default(nf);
		if (dhcp_start(nf) != ERR_OK) {
			pr_err("net: %s: cannot start DHCP\n", n->name);
		} else {
			uint64_t deadline = clock_ns() + DHCP_WAIT_NS;
			while (!dhcp_supplied_address(nf)) {
				net_tx_flush();	/* the wait lets the lock go */
				if (cond_timedwait(&addr_changed, lock_tcpip_core, deadline))
					break;
			}
			if (dhcp_supplied_address(nf))
				report(nf, n, "DHCP");
			else
				pr_warn("net: %s: no DHCP lease after %llu s; still asking\n",
				    n->name, DHCP_WAIT_NS / 1000000000ULL);
		}
	}
	UNLOCK_TCPIP_CORE();
}

void net_configure(void)
{
	const struct boot_options *o = &boot_opts;

	LOCK_TCPIP_CORE();
	for (int i = 0; i < o->net_ndns && i < DNS_MAX_SERVERS; i++) {
		ip_addr_t a = IPADDR4_INIT(o->net_dns[i]);
		dns_setserver((u8_t)i, &a);
	}
	UNLOCK_TCPIP_CORE();
	for (int i = 0; i < nnics; i++)
		configure_nic(nics[i], i == 0);
	if (!nnics) {
		/* Loopback only: nothing to name, and the image stays as built. */
		if (o->net_ip || o->net_ndns)
			pr_warn("net: --ip/--dns given but there is no network interface\n");
		return;
	}
	uint32_t dns[DNS_MAX_SERVERS];
	int ndns = 0;
	LOCK_TCPIP_CORE();
	for (u8_t i = 0; i < DNS_MAX_SERVERS; i++)
		if (!ip4_addr_isany(dns_getserver(i)))
			dns[ndns++] = ip4_addr_get_u32(dns_getserver(i));
	UNLOCK_TCPIP_CORE();
	net_write_etc(dns, ndns);
}

/* ---- interfaces as programs see them ---- */

static void iface_of(struct netif *nf, struct net_iface *ifc)
{
	struct nic *n = nf->state;
	bool lo = !(nf->flags & NETIF_FLAG_ETHARP);

	memset(ifc, 0, sizeof(*ifc));
	/* lwIP names interfaces with two letters and a number; programs
	 * know ours as lo and eth0, eth1, ... (nic_register). */
	if (lo)
		memcpy(ifc->name, "lo", 3);
	else
		memcpy(ifc->name, n->name, sizeof(ifc->name));
	ifc->index = netif_get_index(nf);
	ifc->flags = (netif_is_up(nf) ? NET_IF_UP : 0) |
	    (netif_is_up(nf) && netif_is_link_up(nf) ? NET_IF_RUNNING : 0) |
	    (lo ? NET_IF_LOOPBACK : NET_IF_BROADCAST);
	if (!lo)
		memcpy(ifc->mac, nf->hwaddr, sizeof(ifc->mac));
	ifc->mtu = nf->mtu ? nf->mtu : 65536 - 1;
	ifc->addr = ip4_addr_get_u32(netif_ip4_addr(nf));
	ifc->netmask = ip4_addr_get_u32(netif_ip4_netmask(nf));
}

int net_ifaces(struct net_iface *out, int max)
{
	struct net_iface all[NIC_MAX + 1];
	struct netif *nf;
	int n = 0;

	LOCK_TCPIP_CORE();
	NETIF_FOREACH(nf)
		if (n < NIC_MAX + 1)
			iface_of(nf, &all[n++]);
	UNLOCK_TCPIP_CORE();
	/* lwIP keeps the newest interface first; programs expect lo, eth0, ... */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && all[j - 1].index > all[j].index; j--) {
			struct net_iface t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	memcpy(out, all, (size_t)(n < max ? n : max) * sizeof(*out));
	return n;
}
