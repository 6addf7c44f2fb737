/* lwIP's configuration for Osprey (lwIP 2.1.3, src/include/lwip/opt.h
 * lists every option and its default). The kernel build runs lwIP with
 * threads (tcpip thread, core locking: sockets call the raw API under the
 * core lock, drivers feed frames under it); the host build of the
 * frame-input fuzzer (HOST_TEST) runs the same protocols without threads. */
#ifndef OSPREY_LWIPOPTS_H
#define OSPREY_LWIPOPTS_H

#ifdef HOST_TEST
#define NO_SYS				1
#define LWIP_TIMERS			1
#define SYS_LIGHTWEIGHT_PROT		0
#else
#define NO_SYS				0
#define LWIP_TCPIP_CORE_LOCKING		1
#define LWIP_TCPIP_CORE_LOCKING_INPUT	1	/* drivers input in their own thread */
#define SYS_LIGHTWEIGHT_PROT		1
#define TCPIP_THREAD_NAME		"tcpip"
#define TCPIP_THREAD_STACKSIZE		(16 * 1024)
#define TCPIP_THREAD_PRIO		20	/* above programs (PRIO_DEFAULT 16) */
#define TCPIP_MBOX_SIZE			256
#define DEFAULT_THREAD_STACKSIZE	(16 * 1024)
#define LWIP_ASSERT_CORE_LOCKED()	net_assert_core_locked()
void net_assert_core_locked(void);
#endif

/* Memory: everything from the kernel heap, no static pools, so idle
 * costs nothing and connections are limited by RAM, not by a table. */
#define MEM_LIBC_MALLOC			1
#define MEMP_MEM_MALLOC			1
#define MEM_ALIGNMENT			8
#ifndef HOST_TEST
#include <stddef.h>
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
void *net_calloc(size_t n, size_t size);
#define mem_clib_malloc			kmalloc
#define mem_clib_free			kfree
#define mem_clib_calloc			net_calloc
#endif
/* With MEMP_MEM_MALLOC these only bound sanity checks, not allocation. */
#define MEMP_NUM_TCP_PCB		1024
#define MEMP_NUM_TCP_PCB_LISTEN		64
#define MEMP_NUM_UDP_PCB		64
#define MEMP_NUM_TCP_SEG		4096
#define MEMP_NUM_REASSDATA		16
#define MEMP_NUM_ARP_QUEUE		64
#define MEMP_NUM_SYS_TIMEOUT		16
#define PBUF_POOL_SIZE			64
/* Room for the virtio-net header before the Ethernet header, so a frame
 * the stack builds goes to the device as one buffer. */
#define PBUF_LINK_ENCAPSULATION_HLEN	12

/* Protocols: IPv4, ARP, ICMP (echo), UDP, TCP, DHCP, loopback. */
#define LWIP_IPV4			1
#define LWIP_IPV6			0
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define LWIP_ICMP			1
#define LWIP_RAW			0
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_DHCP			1
#define LWIP_DHCP_DOES_ACD_CHECK	0
#define DHCP_DOES_ARP_CHECK		0	/* no 2 s wait before using a lease */
/* DHCP hands its name servers to dns_setserver (kernel/net/dns.c); the
 * programs resolve names themselves, so lwIP's resolver is not built. */
#define LWIP_DNS			1
#define DNS_MAX_SERVERS			3
#define LWIP_DHCP_MAX_DNS_SERVERS	3
#define LWIP_IGMP			0
#define LWIP_AUTOIP			0
#define IP_REASSEMBLY			1
#define IP_FRAG				1
#define IP_DEFAULT_TTL			64
#define ARP_TABLE_SIZE			32
#define ARP_QUEUEING			1
#define ETHARP_SUPPORT_STATIC_ENTRIES	0
#define LWIP_HAVE_LOOPIF		1
#define LWIP_NETIF_LOOPBACK		1	/* traffic to a NIC's own address */
#define LWIP_LOOPBACK_MAX_PBUFS		0
#define LWIP_NETIF_STATUS_CALLBACK	1
#define LWIP_NETIF_LINK_CALLBACK	1
#define LWIP_NETIF_HOSTNAME		1
#define LWIP_CHECKSUM_CTRL_PER_NETIF	1	/* offload on virtio-net, none on loopback */
#define LWIP_SINGLE_NETIF		0

/* TCP tuned for throughput: MSS 1460, window scaling with 256 KiB
 * windows and send buffers, selective acknowledgements of out-of-order
 * data, keepalive, a listen backlog. */
#define TCP_MSS				1460
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			3
#define TCP_WND				(256 * 1024)
#define TCP_SND_BUF			(256 * 1024)
#define TCP_SND_QUEUELEN		(4 * TCP_SND_BUF / TCP_MSS)
/* Writable (poll) with this much room: lwIP counts it in 16 bits. */
#define TCP_SNDLOWAT			(32 * 1024)
#define TCP_QUEUE_OOSEQ			1
#define TCP_OOSEQ_MAX_BYTES		TCP_WND
#define LWIP_TCP_SACK_OUT		1
#define LWIP_TCP_MAX_SACK_NUM		4
#define TCP_OVERSIZE			TCP_MSS
#define TCP_LISTEN_BACKLOG		1
#define TCP_DEFAULT_LISTEN_BACKLOG	128
#define LWIP_TCP_KEEPALIVE		1
#define SO_REUSE			1
#define LWIP_CALLBACK_API		1
#define LWIP_EVENT_API			0
#define TCP_MAXRTX			12
#define TCP_SYNMAXRTX			6
#define LWIP_TCP_TIMESTAMPS		0
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) net_tcp_isn(lip, lport, rip, rport)
struct ip4_addr;
unsigned net_tcp_isn(const struct ip4_addr *lip, unsigned short lport,
    const struct ip4_addr *rip, unsigned short rport);

/* Our own socket layer (kernel/net/sock.c) on the raw API. */
#define LWIP_NETCONN			0
#define LWIP_SOCKET			0
#define LWIP_NETIF_API			0
#define LWIP_STATS			0
#define LWIP_STATS_DISPLAY		0
#define PPP_SUPPORT			0
#define LWIP_PROVIDE_ERRNO		0
#ifndef HOST_TEST
#define LWIP_NOASSERT			1	/* the fuzzer keeps lwIP's assertions */
#endif

#define LWIP_RAND()			net_rand()
unsigned net_rand(void);

#endif
