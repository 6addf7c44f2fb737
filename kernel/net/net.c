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
	uint32_t sum = (uint32_t)(h[26] << 8 | h[27]) + (uint32_t)(h[28] << 8 | h[29]) +
	    (uint32_t)(h[30] << 8 | h[31]) + (uint32_t)(h[32] << 8 | h[33]) + proto + (tot - ihl);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f->csum_start = (uint16_t)(SIZEOF_ETH_HDR + ihl);
	f->csum_offset = proto == IP_PROTO_TCP ? 16 : 6;
	pbuf_put_at(p, f->csum_start + f->csum_offset, (u8_t)(sum >> 8));
	pbuf_put_at(p, f->csum_start + f->csum_offset + 1, (u8_t)sum);
}

/* Pieces of p into f; false if there are too many. */
static bool tx_segments(struct pbuf *p, struct nic_frame *f)
{
	f->nseg = 0;
	for (struct pbuf *q = p; q; q = q->next) {
		if (!q->len)
			continue;
		if (f->nseg == NIC_SEG_MAX)
			return false;
		f->seg[f->nseg].addr = q->payload;
		f->seg[f->nseg++].len = q->len;
	}
	return true;
}

/* netif->linkoutput, core lock held. The frame's pbufs go to the device
 * as they are (held until it is done); the header room lwIP left in
 * front (PBUF_LINK_ENCAPSULATION_HLEN) takes the driver's header. */
static err_t nic_linkoutput(struct netif *nf, struct pbuf *p)
{
	struct nic *n = nf->state;
	struct nic_frame f = { .hdr_room = 0 };
	struct pbuf *own = NULL;

	if (!tx_segments(p, &f)) {
		own = pbuf_clone(PBUF_RAW_TX, PBUF_RAM, p);
		if (!own)
			return ERR_MEM;
		p = own;
	} else {
		pbuf_ref(p);
	}
	if (n->features & NIC_F_TX_CSUM)
		tx_csum(p, &f);
	if (pbuf_add_header(p, NIC_HDR_MAX) == 0)
		f.hdr_room = NIC_HDR_MAX;
	tx_segments(p, &f);
	f.handle = p;
	int err = n->ops->xmit(n, &f);
	if (err == -EAGAIN) {
		/* The ring is full: wait for the device, which needs no lock of
		 * ours to finish frames. */
		n->ops->flush(n);
		uint64_t deadline = clock_ns() + TX_WAIT_NS;
		struct net_nic_priv *np = nic_priv(n);
		while (err == -EAGAIN && sem_down(&np->tx_space, deadline) == 0)
			err = n->ops->xmit(n, &f);
	}
	if (f.hdr_room)
		pbuf_remove_header(p, NIC_HDR_MAX);
	if (err) {
		pbuf_free(p);
		return ERR_IF;
	}
	n->ops->flush(n);
	return ERR_OK;
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

_Static_assert(LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf)) + LWIP_MEM_ALIGN_SIZE(NIC_RXBUF_SIZE) <=
    KMALLOC_SLAB_MAX, "an rx buffer and its pbuf fit one slab object");
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

void nic_rxbuf_chain(void *first, void *next, size_t len)
{
	struct pbuf *q = next;

	pbuf_realloc(q, (u16_t)len);
	pbuf_cat(first, q);
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
			while (!dhcp_supplied_address(nf) &&
			    cond_timedwait(&addr_changed, lock_tcpip_core, deadline) == 0)
				;
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
