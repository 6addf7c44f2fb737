/* virtio-net (virtio 1.0, 5.1): one receive and one transmit queue, both
 * kept full of buffers in flight. A frame goes out as the stack built it
 * (its pbufs, with our 12-byte header in the room lwIP leaves in front,
 * or in a header of our own when there is none), so nothing is copied;
 * the stack queues the frames of a turn and then notifies once (flush).
 * The interrupt only wakes the driver's thread, which drains both queues
 * with interrupts off, gives the received frames to the stack in one
 * batch, refills the ring and notifies the device once. The checksums
 * the device offers to compute (VIRTIO_NET_F_CSUM) or to vouch for
 * (GUEST_CSUM) are used; mergeable receive buffers are accepted, and
 * with them TCP segments the device has not cut to the MTU (GUEST_TSO4,
 * up to 64 KiB in many buffers), so a stream from the host crosses the
 * device in a few large frames rather than many 1500-byte ones; the
 * stack's frames with gso_size set the device cuts itself (HOST_TSO4). */
#include "dev/virtio.h"
#include "dev/console.h"
#include "net/net.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <errno.h>
#include <string.h>

#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM	1
#define VIRTIO_NET_F_MTU	3
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_GUEST_TSO4	7
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_STATUS	16

#define VIRTIO_NET_S_LINK_UP	1
#define HDR_F_NEEDS_CSUM	1
#define HDR_F_DATA_VALID	2
#define GSO_NONE		0
#define GSO_TCPV4		1

#define QUEUE_MAX	256
/* Receive buffers posted take at most 1/RX_RAM_SHARE of RAM, and at
 * least RX_MIN are posted: a full ring of page-sized buffers is 1 MiB,
 * little on a VM of 256 MiB; one of 8 MiB gets RX_MIN (128 KiB), where a
 * few frames in flight (a 64 KiB segment takes 17) are plenty. */
#define RX_RAM_SHARE	64
#define RX_MIN		32
#define RX_BATCH	64
#define HDR_LEN		12

struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct vnet_hdr) == HDR_LEN && HDR_LEN <= NIC_HDR_MAX, "header");

/* A frame sent with a header of ours (no room in front of it). Its cookie
 * is tagged with bit 0 to tell it from a bare frame handle. */
struct tx_hdr {
	struct vnet_hdr hdr;
	void *handle;
};

struct vnet {
	struct nic nic;
	struct virtio_dev *vd;
	struct virtq *rxq, *txq;
	struct semaphore work;		/* the interrupt wakes the thread */
	bool tx_waiting;		/* the stack waits for ring space */
	bool rx_csum;
	bool rx_tso4;			/* the device may hand us uncut TCP segments */
	int rx_posted;			/* buffers in the receive ring; thread only */
	int rx_target;			/* how many it keeps there */
};

/* ---- transmit ---- */

/* Frees what the device has sent; any thread (the ring is locked). */
static void tx_reclaim(struct vnet *v)
{
	void *c;

	while ((c = virtq_get(v->txq, NULL))) {
		if ((uintptr_t)c & 1) {
			struct tx_hdr *h = (void *)((uintptr_t)c & ~(uintptr_t)1);
			nic_frame_done(h->handle);
			kfree(h);
		} else {
			nic_frame_done(c);
		}
	}
}

static int vnet_xmit(struct nic *n, struct nic_frame *f)
{
	struct vnet *v = n->priv;
	struct vq_buf bufs[NIC_SEG_MAX + 1];
	struct vnet_hdr hdr = {
		.flags = f->csum_start ? HDR_F_NEEDS_CSUM : 0,
		.gso_type = f->gso_size ? GSO_TCPV4 : GSO_NONE,
		.hdr_len = f->gso_hdr_len,
		.gso_size = f->gso_size,
		.csum_start = f->csum_start,
		.csum_offset = f->csum_offset,
	};
	struct tx_hdr *own = NULL;
	int nb = 0;
	void *cookie = f->handle;

	if (f->hdr_room >= HDR_LEN) {
		/* The first piece starts with the room: the header goes there. */
		char *room = (char *)f->seg[0].addr + f->hdr_room - HDR_LEN;
		memcpy(room, &hdr, HDR_LEN);
		bufs[nb++] = (struct vq_buf){ room, f->seg[0].len - (f->hdr_room - HDR_LEN) };
	} else {
		if (!(own = kmalloc(sizeof(*own))))
			return -ENOMEM;
		own->hdr = hdr;
		own->handle = f->handle;
		cookie = (void *)((uintptr_t)own | 1);
		bufs[nb++] = (struct vq_buf){ own, HDR_LEN };
		bufs[nb++] = (struct vq_buf){ f->seg[0].addr, f->seg[0].len };
	}
	for (int i = 1; i < f->nseg; i++)
		bufs[nb++] = (struct vq_buf){ f->seg[i].addr, f->seg[i].len };
	/* Flagged first, so the interrupt that frees room cannot slip by. */
	__atomic_store_n(&v->tx_waiting, true, __ATOMIC_SEQ_CST);
	tx_reclaim(v);
	int err = virtq_add_nowait(v->txq, bufs, nb, 0, cookie);
	if (err != -EAGAIN)
		__atomic_store_n(&v->tx_waiting, false, __ATOMIC_RELAXED);
	if (err)
		kfree(own);
	return err;
}

static void vnet_flush(struct nic *n)
{
	struct vnet *v = n->priv;

	virtq_kick(v->txq);
}

static const struct nic_ops vnet_ops = { .xmit = vnet_xmit, .flush = vnet_flush };

/* ---- receive ---- */

/* How many receive buffers a ring of ring_size gets on this machine. */
static int rx_target(uint16_t ring_size)
{
	struct mem_stats st;

	mem_stats(&st);
	uint64_t fit = st.total_pages / RX_RAM_SHARE;	/* a buffer is a page */
	if (fit < RX_MIN)
		fit = RX_MIN;
	return fit < ring_size ? (int)fit : ring_size;
}

/* Fills the receive ring with fresh buffers; true if any was added. */
static bool rx_refill(struct vnet *v)
{
	bool added = false;

	while (v->rx_posted < v->rx_target) {
		void *data, *buf = nic_rxbuf_alloc(&data);
		if (!buf)
			break;		/* the next drain tries again */
		struct vq_buf b = { data, NIC_RXBUF_SIZE };
		if (virtq_add_nowait(v->rxq, &b, 0, 1, buf)) {
			nic_rxbuf_free(buf);
			break;
		}
		v->rx_posted++;
		added = true;
	}
	return added;
}

/* Takes up to RX_BATCH received frames off the ring; returns how many.
 * A frame in mergeable buffers arrives whole (the device publishes all
 * of its buffers at once), its first buffer's header counting them; the
 * stack judges the frame's length. */
static int rx_drain(struct vnet *v, struct nic_rx *rx)
{
	int n = 0;
	uint32_t len;
	void *buf;

	while (n < RX_BATCH && (buf = virtq_get(v->rxq, &len))) {
		v->rx_posted--;
		struct vnet_hdr *h = nic_rxbuf_data(buf);
		unsigned parts = v->vd->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF) &&
		    len >= HDR_LEN ? h->num_buffers : 1;
		bool bad = len < HDR_LEN || len > NIC_RXBUF_SIZE || parts == 0;
		/* Only TCP segments may come uncut, and only if we said so. */
		if (!bad && h->gso_type != GSO_NONE && !(v->rx_tso4 && h->gso_type == GSO_TCPV4))
			bad = true;
		void *last = buf;
		for (unsigned i = 1; i < parts; i++) {
			uint32_t more;
			void *next = virtq_get(v->rxq, &more);
			if (!next) {
				bad = true;
				break;
			}
			v->rx_posted--;
			if (more > NIC_RXBUF_SIZE) {
				nic_rxbuf_free(next);
				bad = true;
			} else {
				nic_rxbuf_chain(last, next, more);
				last = next;
			}
		}
		if (bad) {
			pr_warn("virtio-net: %s: a malformed frame (%u bytes, %u buffers) dropped\n",
			    v->nic.name, len, parts);
			nic_rxbuf_free(buf);
			continue;
		}
		rx[n].buf = buf;
		rx[n].len = (uint16_t)len;
		rx[n].hdr_len = HDR_LEN;
		rx[n].csum_ok = v->rx_csum && (h->flags & (HDR_F_NEEDS_CSUM | HDR_F_DATA_VALID));
		n++;
	}
	return n;
}

static void vnet_irq(void *arg)
{
	struct vnet *v = arg;

	v->vd->ops->ack_irq(v->vd);
	sem_up(&v->work);
	if (__atomic_exchange_n(&v->tx_waiting, false, __ATOMIC_SEQ_CST))
		nic_tx_space(&v->nic);
}

/* Woken by the interrupt: frees sent frames, hands received ones to the
 * stack a batch at a time, refills, and sleeps again once both rings are
 * empty with their interrupts back on. */
static void vnet_thread(void *arg)
{
	struct vnet *v = arg;
	struct nic_rx rx[RX_BATCH];

	for (;;) {
		sem_down(&v->work, 0);
		do {
			virtq_irq_off(v->rxq);
			virtq_irq_off(v->txq);
			tx_reclaim(v);
			int n;
			while ((n = rx_drain(v, rx)) > 0) {
				nic_input(&v->nic, rx, n);
				if (rx_refill(v))
					virtq_kick(v->rxq);
			}
			if (rx_refill(v))
				virtq_kick(v->rxq);
		} while (virtq_irq_on(v->rxq) | virtq_irq_on(v->txq));
	}
}

void virtio_net_attach(struct virtio_dev *vd)
{
	const uint64_t csum = 1ULL << VIRTIO_NET_F_CSUM, guest_csum = 1ULL << VIRTIO_NET_F_GUEST_CSUM,
	    mrg = 1ULL << VIRTIO_NET_F_MRG_RXBUF, guest_tso4 = 1ULL << VIRTIO_NET_F_GUEST_TSO4,
	    host_tso4 = 1ULL << VIRTIO_NET_F_HOST_TSO4;
	uint64_t want = csum | guest_csum | 1ULL << VIRTIO_NET_F_MTU | 1ULL << VIRTIO_NET_F_MAC |
	    mrg | guest_tso4 | host_tso4 | 1ULL << VIRTIO_NET_F_STATUS;

	if (virtio_negotiate(vd, want) < 0)
		return;
	/* The spec makes checksums a condition of segmentation both ways, and
	 * uncut segments in need mergeable buffers (ours are a page, not
	 * 64 KiB): a device offering one without its condition is reset and
	 * asked again without it. */
	uint64_t f = vd->features, drop = 0;
	if ((f & guest_tso4) && (f & (mrg | guest_csum)) != (mrg | guest_csum))
		drop |= guest_tso4;
	if ((f & host_tso4) && !(f & csum))
		drop |= host_tso4;
	if (drop && virtio_negotiate(vd, want & ~drop) < 0)
		return;
	struct vnet *v = kzalloc(sizeof(*v));
	if (!v)
		return;
	v->vd = vd;
	sem_init(&v->work, 0);
	v->rxq = virtq_create(vd, 0, QUEUE_MAX);
	v->txq = virtq_create(vd, 1, QUEUE_MAX);
	if (!v->rxq || !v->txq || vd->ops->setup_irq(vd, vnet_irq, v) < 0) {
		pr_err("virtio-net: %s: cannot set up the queues\n", vd->where);
		vd->ops->set_status(vd, VIRTIO_STATUS_FAILED);
		return;
	}
	struct nic *n = &v->nic;
	f = vd->features;
	for (int i = 0; i < 6; i++)
		n->mac[i] = f & (1ULL << VIRTIO_NET_F_MAC) ? (uint8_t)vd->ops->config_read(vd, (unsigned)i, 1) :
		    i == 0 ? 0x02 : (uint8_t)(i * 0x11);	/* a locally administered one */
	n->link_up = !(f & (1ULL << VIRTIO_NET_F_STATUS)) ||
	    (vd->ops->config_read(vd, 6, 2) & VIRTIO_NET_S_LINK_UP);
	n->mtu = f & (1ULL << VIRTIO_NET_F_MTU) ? (uint16_t)vd->ops->config_read(vd, 10, 2) : 1500;
	if (n->mtu > 1500)
		n->mtu = 1500;	/* what the stack is tuned for (TCP_MSS 1460) */
	n->features = (f & csum ? NIC_F_TX_CSUM : 0) | (f & host_tso4 ? NIC_F_TSO4 : 0);
	v->rx_csum = f & guest_csum;
	v->rx_tso4 = f & guest_tso4;
	n->ops = &vnet_ops;
	n->priv = v;
	v->rx_target = rx_target(v->rxq->size);
	vd->ops->set_status(vd, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER |
	    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	if (nic_register(n) < 0)
		return;
	rx_refill(v);
	virtq_kick(v->rxq);
	struct thread *t = thread_create("virtio-net", vnet_thread, v, PRIO_MAX - 8, 0);
	if (!t) {
		pr_err("virtio-net: %s: no thread\n", vd->where);
		return;
	}
	thread_detach(t);
	pr_info("virtio-net: %s at %s, %02x:%02x:%02x:%02x:%02x:%02x, link %s, mtu %u, %d rx buffers%s%s%s%s%s\n",
	    n->name, vd->where, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5],
	    n->link_up ? "up" : "down", n->mtu, v->rx_target, n->features & NIC_F_TX_CSUM ? ", tx csum" : "",
	    v->rx_csum ? ", rx csum" : "", f & mrg ? ", mergeable" : "", v->rx_tso4 ? ", rx tso4" : "",
	    n->features & NIC_F_TSO4 ? ", tx tso4" : "");
}
