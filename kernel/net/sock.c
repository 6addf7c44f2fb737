/* Sockets on lwIP's raw API (TCP and UDP over IPv4).
 *
 * Every socket's state is guarded by lwIP's core lock (lock_tcpip_core):
 * the calls here take it around their work, and lwIP's callbacks (from
 * the tcpip thread's timers or a driver's input) run with it held. A
 * caller that must wait sleeps on the socket's condition variable with
 * the core lock as its mutex; each callback that changes what a caller
 * or poll() could see broadcasts it, so nothing polls. Data is copied
 * between the program's memory and lwIP's buffers under the lock (the
 * program's pages fault in on demand meanwhile, as pipes do).
 *
 * Received stream data stays in the pbufs lwIP delivered until read, and
 * the window reopens (tcp_recved) only as it is read: the receive buffer
 * is the TCP window. A pbuf chain counts at most 64 KiB, so the queue
 * is a ring of chains, each filled up to that. */
#include "net/net.h"
#include "net/net_impl.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/tcpip.h"
#include "lwip/priv/tcp_priv.h"
#include "cmdline.h"
#include "dev/console.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "sched/sync.h"
#include <errno.h>
#include <string.h>

enum sock_state { S_OPEN, S_LISTEN, S_CONNECTING, S_CONNECTED };

#define UDP_RCVBUF	(208 * 1024)	/* Linux's default rmem */
#define UDP_MAX		(0xffff - 8 - 20)
#define CHAIN_MAX	0xffff		/* a pbuf chain's tot_len is 16 bits */

struct dgram {
	struct dgram *next;
	struct pbuf *p;
	struct sock_addr from;
};

struct sock {
	int type;
	enum sock_state state;
	union {
		struct tcp_pcb *tcp;	/* NULL once lwIP has dropped it */
		struct udp_pcb *udp;
	};
	struct cond cv;			/* any change of state */
	int err;			/* a pending error, reported once */
	bool eof, shut_rd, shut_wr;
	/* Stream: a ring of pbuf chains. */
	struct pbuf **rxq;
	int rxq_cap, rxq_head, rxq_n;
	size_t rx_len;
	/* Datagrams. */
	struct dgram *dq, **dq_tail;
	size_t dq_bytes;
	/* Listener: connections not yet accepted. */
	struct sock *aq, **aq_tail, *next;
	/* Names, kept for when the pcb is gone. */
	struct sock_addr local, peer;
	uint64_t rcvtimeo, sndtimeo;
	int rcvbuf;
	bool nodelay, keepalive, reuse;
	bool linger;			/* SO_LINGER on: close waits linger_s */
	int linger_s;
	bool reuseport;			/* SO_REUSEPORT, before bind */
	struct rp_group *grp;		/* a stream socket bound with it: tcp stays NULL */
	struct sock *grp_next;
};

/* Stream sockets bound with SO_REUSEPORT to one address and port share
 * one lwIP pcb (lwIP has one listener per port): the group holds it and
 * hands each new connection to its listening members in turn, as Linux
 * spreads them. Guarded by the core lock. */
struct rp_group {
	struct tcp_pcb *pcb;
	struct sock_addr local;
	struct sock *members;
	struct sock *turn;		/* the member the next connection goes to */
	struct rp_group *next;
};

static struct rp_group *rp_groups;	/* core lock */

static struct mutex *core(void)
{
	return lock_tcpip_core;
}

static void wake(struct sock *s)
{
	cond_broadcast(&s->cv);
}

/* Sleeps until woken, the deadline (0: none) or a signal (-EINTR);
 * core lock held. */
static int wait(struct sock *s, uint64_t deadline)
{
	net_tx_flush();		/* the wait lets the core lock go */
	int err = cond_wait_intr(&s->cv, core(), deadline);
	return err == -ETIMEDOUT ? -EAGAIN : err;
}

static uint64_t deadline_in(uint64_t timeo)
{
	return timeo ? clock_ns() + timeo : 0;
}

static int lwip_errno(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM: return -ENOBUFS;
	case ERR_BUF: return -ENOBUFS;
	case ERR_TIMEOUT: return -ETIMEDOUT;
	case ERR_RTE: return -ENETUNREACH;
	case ERR_INPROGRESS: return -EINPROGRESS;
	case ERR_VAL: return -EINVAL;
	case ERR_WOULDBLOCK: return -EAGAIN;
	case ERR_USE: return -EADDRINUSE;
	case ERR_ALREADY: return -EALREADY;
	case ERR_ISCONN: return -EISCONN;
	case ERR_CONN: return -ENOTCONN;
	case ERR_IF: return -ENETDOWN;
	case ERR_ABRT: return -ECONNABORTED;
	case ERR_RST: return -ECONNRESET;
	case ERR_CLSD: return -ENOTCONN;
	case ERR_ARG: return -EINVAL;
	default: return -EIO;
	}
}

static void addr_of(struct sock_addr *a, const ip_addr_t *ip, u16_t port)
{
	a->addr = ip ? ip4_addr_get_u32(ip) : 0;
	a->port = lwip_htons(port);
}

static struct sock *sock_alloc(int type)
{
	struct sock *s = kzalloc(sizeof(*s));

	if (!s)
		return NULL;
	s->type = type;
	cond_init(&s->cv);
	s->dq_tail = &s->dq;
	s->aq_tail = &s->aq;
	s->rcvbuf = type == SOCK_STREAM ? TCP_WND : UDP_RCVBUF;
	return s;
}

static void rx_free(struct sock *s)
{
	for (int i = 0; i < s->rxq_n; i++)
		pbuf_free(s->rxq[(s->rxq_head + i) % s->rxq_cap]);
	kfree(s->rxq);
	s->rxq = NULL;
	s->rxq_n = 0;
	s->rx_len = 0;
	for (struct dgram *d = s->dq, *n; d; d = n) {
		n = d->next;
		pbuf_free(d->p);
		kfree(d);
	}
	s->dq = NULL;
	s->dq_tail = &s->dq;
	s->dq_bytes = 0;
}

/* ---- lwIP's TCP callbacks (core lock held) ---- */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sock *s = arg;

	if (!p) {
		s->eof = true;
		wake(s);
		return ERR_OK;
	}
	if (s->shut_rd) {		/* nobody will read it: take and drop */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (s->rxq_n) {
		struct pbuf *last = s->rxq[(s->rxq_head + s->rxq_n - 1) % s->rxq_cap];
		if ((size_t)last->tot_len + p->tot_len <= CHAIN_MAX) {
			s->rx_len += p->tot_len;
			pbuf_cat(last, p);
			wake(s);
			return ERR_OK;
		}
	}
	if (s->rxq_n == s->rxq_cap) {
		int cap = s->rxq_cap ? 2 * s->rxq_cap : 8;
		struct pbuf **q = kmalloc(sizeof(*q) * (size_t)cap);
		if (!q)
			return ERR_MEM;	/* lwIP keeps p and offers it again */
		for (int i = 0; i < s->rxq_n; i++)
			q[i] = s->rxq[(s->rxq_head + i) % s->rxq_cap];
		kfree(s->rxq);
		s->rxq = q;
		s->rxq_cap = cap;
		s->rxq_head = 0;
	}
	s->rxq[(s->rxq_head + s->rxq_n++) % s->rxq_cap] = p;
	s->rx_len += p->tot_len;
	wake(s);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	wake(arg);
	return ERR_OK;
}

/* The pcb is gone (reset, aborted, or retransmissions gave up). */
static void tcp_err_cb(void *arg, err_t err)
{
	struct sock *s = arg;

	s->tcp = NULL;
	s->err = s->state == S_CONNECTING && err == ERR_RST ? -ECONNREFUSED : lwip_errno(err);
	if (s->state == S_CONNECTING)
		s->state = S_OPEN;
	wake(s);
}

static void tcp_attach(struct sock *s, struct tcp_pcb *pcb)
{
	s->tcp = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *s = arg;

	s->state = S_CONNECTED;
	addr_of(&s->local, &pcb->local_ip, pcb->local_port);
	addr_of(&s->peer, &pcb->remote_ip, pcb->remote_port);
	wake(s);
	return ERR_OK;
}

/* A connection has completed its handshake on a listener. It waits in the
 * accept queue, counted against the backlog until accepted. */
static err_t enqueue(struct sock *l, struct tcp_pcb *pcb)
{
	struct sock *c = sock_alloc(SOCK_STREAM);
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->state = S_CONNECTED;
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	tcp_attach(c, pcb);
	if (c->nodelay)
		tcp_nagle_disable(pcb);
	if (c->keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	addr_of(&c->local, &pcb->local_ip, pcb->local_port);
	addr_of(&c->peer, &pcb->remote_ip, pcb->remote_port);
	tcp_backlog_delayed(pcb);
	*l->aq_tail = c;
	l->aq_tail = &c->next;
	wake(l);
	return ERR_OK;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	return enqueue(arg, pcb);
}

/* A group's connection: to the next listening member after the last. */
static err_t rp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct rp_group *g = arg;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct sock *m = g->turn ? g->turn : g->members;
	for (int n = 0; m && n < 2; m = m->grp_next ? m->grp_next : (n++, g->members))
		if (m->state == S_LISTEN)
			break;
	if (!m || m->state != S_LISTEN) {
		tcp_abort(pcb);		/* nobody listens any more */
		return ERR_ABRT;
	}
	g->turn = m->grp_next;
	return enqueue(m, pcb);
}

/* ---- UDP ---- */

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p,
    const ip_addr_t *addr, u16_t port)
{
	struct sock *s = arg;
	struct dgram *d;

	if (s->shut_rd || s->dq_bytes + p->tot_len > (size_t)s->rcvbuf ||
	    !(d = kmalloc(sizeof(*d)))) {
		pbuf_free(p);	/* a full queue drops, as UDP may */
		return;
	}
	d->next = NULL;
	d->p = p;
	addr_of(&d->from, addr, port);
	*s->dq_tail = d;
	s->dq_tail = &d->next;
	s->dq_bytes += p->tot_len;
	wake(s);
}

/* ---- creating and closing ---- */

int sock_create(int type, struct sock **out)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	struct sock *s = sock_alloc(type);
	if (!s)
		return -ENOMEM;
	LOCK_TCPIP_CORE();
	if (type == SOCK_STREAM) {
		struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
		if (pcb)
			tcp_attach(s, pcb);
	} else if ((s->udp = udp_new_ip_type(IPADDR_TYPE_V4))) {
		udp_recv(s->udp, udp_recv_cb, s);
	}
	UNLOCK_TCPIP_CORE();
	if (!s->tcp) {
		kfree(s);
		return -ENOBUFS;
	}
	*out = s;
	return 0;
}

/* Unread data makes a close abort the connection (RST), as on Linux. */
static void tcp_close_pcb(struct tcp_pcb *pcb, bool abort)
{
	tcp_detach(pcb);
	if (abort || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

/* Joins the group bound to a, or makes one with s's own pcb bound
 * there; s's pcb then belongs to the group. Core lock held. */
static int rp_bind(struct sock *s, const struct sock_addr *a)
{
	struct rp_group *g;

	for (g = rp_groups; g; g = g->next)
		if (g->local.addr == a->addr && g->local.port == a->port && a->port)
			break;
	if (g) {
		tcp_close_pcb(s->tcp, false);	/* never bound: freed at once */
		s->tcp = NULL;
	} else {
		ip_addr_t ip = IPADDR4_INIT(a->addr);
		if (!(g = kzalloc(sizeof(*g))))
			return -ENOMEM;
		int err = lwip_errno(tcp_bind(s->tcp, &ip, lwip_ntohs(a->port)));
		if (err) {
			kfree(g);
			return err;
		}
		g->pcb = s->tcp;
		tcp_detach(g->pcb);
		s->tcp = NULL;
		addr_of(&g->local, &g->pcb->local_ip, g->pcb->local_port);
		g->next = rp_groups;
		rp_groups = g;
	}
	s->grp = g;
	s->grp_next = g->members;
	g->members = s;
	s->local = g->local;
	return 0;
}

/* s leaves its group; the last one out closes the shared pcb. */
static void rp_leave(struct sock *s)
{
	struct rp_group *g = s->grp;

	for (struct sock **pp = &g->members; *pp; pp = &(*pp)->grp_next)
		if (*pp == s) {
			*pp = s->grp_next;
			break;
		}
	if (g->turn == s)
		g->turn = s->grp_next;
	s->grp = NULL;
	if (g->members)
		return;
	for (struct rp_group **pp = &rp_groups; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	tcp_close_pcb(g->pcb, false);
	kfree(g);
}

/* listen on a group member: the shared pcb listens from the first. */
static int rp_listen(struct sock *s, int backlog)
{
	struct rp_group *g = s->grp;

	if (g->pcb->state != LISTEN) {
		err_t e = ERR_OK;
		struct tcp_pcb *l = tcp_listen_with_backlog_and_err(g->pcb, (u8_t)backlog, &e);
		if (!l)
			return lwip_errno(e);
		g->pcb = l;
		tcp_arg(l, g);
		tcp_accept(l, rp_accept_cb);
	} else {
		tcp_backlog_set(g->pcb, (u8_t)backlog);
	}
	s->state = S_LISTEN;
	return 0;
}

/* SO_LINGER with a time: close waits until what was sent is acknowledged
 * (or the time passes, or a signal comes), then closes as usual. */
static void linger_wait(struct sock *s)
{
	uint64_t deadline = clock_ns() + (uint64_t)s->linger_s * 1000000000ULL;

	while (s->tcp && s->state == S_CONNECTED && (s->tcp->unsent || s->tcp->unacked))
		if (wait(s, deadline))
			break;
}

void sock_close(struct sock *s)
{
	LOCK_TCPIP_CORE();
	if (s->type == SOCK_STREAM && s->tcp && s->linger && s->linger_s > 0)
		linger_wait(s);
	if (s->type == SOCK_STREAM) {
		for (struct sock *c = s->aq, *n; c; c = n) {
			n = c->next;
			if (c->tcp)
				tcp_close_pcb(c->tcp, true);
			rx_free(c);
			kfree(c);
		}
		if (s->grp)
			rp_leave(s);
		/* SO_LINGER of 0 s resets the connection, as on Linux. */
		if (s->tcp)
			tcp_close_pcb(s->tcp, (s->rx_len || (s->linger && !s->linger_s)) &&
			    s->state != S_LISTEN);
	} else if (s->udp) {
		udp_remove(s->udp);
	}
	rx_free(s);
	UNLOCK_TCPIP_CORE();
	kfree(s);
}

int sock_type(struct sock *s)
{
	return s->type;
}

/* ---- addresses ---- */

/* Is a an address of this machine (or any)? Core lock held. */
static bool local_addr(uint32_t a)
{
	struct netif *n;

	if (a == 0 || (lwip_ntohl(a) >> 24) == 127)
		return true;
	NETIF_FOREACH(n)
		if (ip4_addr_get_u32(netif_ip4_addr(n)) == a)
			return true;
	return false;
}

int sock_bind(struct sock *s, const struct sock_addr *a)
{
	ip_addr_t ip = IPADDR4_INIT(a->addr);
	u16_t port = lwip_ntohs(a->port);
	int err;

	LOCK_TCPIP_CORE();
	if (!local_addr(a->addr))
		err = -EADDRNOTAVAIL;
	else if (s->type == SOCK_STREAM && s->reuseport && s->tcp && s->state == S_OPEN &&
	    !s->tcp->local_port)
		err = rp_bind(s, a);
	else if (s->type == SOCK_STREAM && s->grp)
		err = -EINVAL;		/* bound already */
	else if (s->type == SOCK_STREAM)
		err = !s->tcp || s->state != S_OPEN || s->tcp->local_port ? -EINVAL :
		    lwip_errno(tcp_bind(s->tcp, &ip, port));
	else
		err = s->udp->local_port ? -EINVAL : lwip_errno(udp_bind(s->udp, &ip, port));
	if (!err && s->type == SOCK_STREAM && !s->grp)
		addr_of(&s->local, &s->tcp->local_ip, s->tcp->local_port);
	else if (!err && s->type == SOCK_DGRAM)
		addr_of(&s->local, &s->udp->local_ip, s->udp->local_port);
	UNLOCK_TCPIP_CORE();
	return err;
}

int sock_name(struct sock *s, bool peer, struct sock_addr *a)
{
	int err = 0;

	LOCK_TCPIP_CORE();
	if (s->type == SOCK_DGRAM) {
		if (peer && !(udp_flags(s->udp) & UDP_FLAGS_CONNECTED))
			err = -ENOTCONN;
		else if (peer)
			addr_of(a, &s->udp->remote_ip, s->udp->remote_port);
		else
			addr_of(a, &s->udp->local_ip, s->udp->local_port);
	} else if (peer) {
		if (s->state != S_CONNECTED)
			err = -ENOTCONN;
		else
			*a = s->peer;
	} else if (s->tcp) {
		addr_of(a, &s->tcp->local_ip, s->tcp->local_port);
	} else {
		*a = s->local;
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

/* ---- connections ---- */

int sock_listen(struct sock *s, int backlog)
{
	int err = 0;

	if (backlog < 1)
		backlog = 1;
	if (backlog > 255)
		backlog = 255;	/* lwIP counts it in a byte */
	LOCK_TCPIP_CORE();
	if (s->type != SOCK_STREAM) {
		err = -EOPNOTSUPP;
	} else if (s->grp) {
		err = rp_listen(s, backlog);
	} else if (s->state == S_LISTEN) {
		tcp_backlog_set(s->tcp, backlog);
	} else if (s->state != S_OPEN || !s->tcp) {
		err = -EINVAL;
	} else {
		err_t e = ERR_OK;
		if (!s->tcp->local_port)
			e = tcp_bind(s->tcp, IP4_ADDR_ANY, 0);
		struct tcp_pcb *l = e ? NULL : tcp_listen_with_backlog_and_err(s->tcp, (u8_t)backlog, &e);
		if (!l) {
			err = lwip_errno(e);
		} else {
			/* The old pcb is freed; the listener replaces it. */
			s->tcp = l;
			s->state = S_LISTEN;
			tcp_arg(l, s);
			tcp_accept(l, tcp_accept_cb);
			addr_of(&s->local, &l->local_ip, l->local_port);
		}
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

/* --bootchart: when the first connection was taken, i.e. a server is up.
 * Guarded by the core lock. */
static bool accepted_once;

static void bootchart_accept(void)
{
	if (accepted_once || !boot_opts.bootchart)
		return;
	accepted_once = true;
	uint64_t ns = clock_ns();
	printk("bootchart: first connection accepted at %lu.%03lu ms\n", ns / 1000000,
	    ns / 1000 % 1000);
}

int sock_accept(struct sock *s, unsigned flags, struct sock **out, struct sock_addr *peer)
{
	uint64_t deadline = deadline_in(s->rcvtimeo);
	int err = 0;

	LOCK_TCPIP_CORE();
	while (!err && s->state == S_LISTEN && !s->aq)
		err = flags & SOCK_NOWAIT ? -EAGAIN : wait(s, deadline);
	if (!err && s->state != S_LISTEN)
		err = -EINVAL;
	if (!err) {
		struct sock *c = s->aq;
		if (!(s->aq = c->next))
			s->aq_tail = &s->aq;
		c->next = NULL;
		if (c->tcp)
			tcp_backlog_accepted(c->tcp);
		*peer = c->peer;
		*out = c;
		bootchart_accept();
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

int sock_connect(struct sock *s, const struct sock_addr *a, unsigned flags)
{
	ip_addr_t ip = IPADDR4_INIT(a->addr);
	u16_t port = lwip_ntohs(a->port);
	int err = 0;

	LOCK_TCPIP_CORE();
	if (s->type == SOCK_DGRAM) {
		err = a->addr == 0 && a->port == 0 ? (udp_disconnect(s->udp), 0) :
		    lwip_errno(udp_connect(s->udp, &ip, port));
		goto out;
	}
	if (s->state == S_CONNECTING) {
		err = -EALREADY;
	} else if (s->state == S_CONNECTED) {
		err = -EISCONN;
	} else if (s->state == S_LISTEN || !s->tcp) {
		err = s->tcp ? -EINVAL : (s->err ? s->err : -ECONNABORTED);
		s->err = 0;
	} else {
		err = lwip_errno(tcp_connect(s->tcp, &ip, port, tcp_connected_cb));
		if (!err)
			s->state = S_CONNECTING;
	}
	if (err)
		goto out;
	if (flags & SOCK_NOWAIT) {
		err = -EINPROGRESS;
		goto out;
	}
	uint64_t deadline = deadline_in(s->sndtimeo);
	while (!err && s->state == S_CONNECTING)
		err = wait(s, deadline);
	if (err == -EAGAIN)
		err = -EINPROGRESS;
	if (!err && s->state != S_CONNECTED) {
		err = s->err ? s->err : -ECONNREFUSED;
		s->err = 0;
	}
out:
	UNLOCK_TCPIP_CORE();
	return err;
}

int sock_shutdown(struct sock *s, bool rd, bool wr)
{
	int err = 0;

	LOCK_TCPIP_CORE();
	if (s->type == SOCK_STREAM && s->state != S_CONNECTED) {
		err = -ENOTCONN;
	} else if (s->type == SOCK_DGRAM && !(udp_flags(s->udp) & UDP_FLAGS_CONNECTED)) {
		err = -ENOTCONN;
	} else {
		if (rd)
			s->shut_rd = true;
		if (wr && !s->shut_wr && s->type == SOCK_STREAM && s->tcp)
			err = lwip_errno(tcp_shutdown(s->tcp, 0, 1));
		if (wr)
			s->shut_wr = true;
		wake(s);
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

/* ---- data ---- */

static size_t iov_total(const struct kiovec *iov, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += iov[i].len;
	return t;
}

/* A stream socket's error that stops sending, reported once; core lock. */
static int take_err(struct sock *s)
{
	int err = s->err;

	s->err = 0;
	return err;
}

/* Between a pbuf chain, from byte off on, and a buffer that may be a
 * program's (and go away meanwhile): 0 or -EFAULT. Not lwIP's
 * pbuf_copy_partial/pbuf_take_at, whose copies could not fail. */
static int pbuf_user_copy(struct pbuf *p, size_t off, char *buf, size_t len, bool to_pbuf)
{
	for (; p && len; p = p->next) {
		if (off >= p->len) {
			off -= p->len;
			continue;
		}
		size_t n = p->len - off < len ? p->len - off : len;
		char *at = (char *)p->payload + off;
		if (to_pbuf ? uaccess_copy(at, buf, n) : uaccess_copy(buf, at, n))
			return -EFAULT;
		buf += n;
		len -= n;
		off = 0;
	}
	return 0;
}

/* tcp_write copies its data inside lwIP, where a fault could not be
 * undone; so a program's bytes go through this much of the stack first. */
#define TX_BOUNCE 4096

static long tcp_send(struct sock *s, const struct kiovec *iov, int iovcnt, unsigned flags)
{
	char bounce[TX_BOUNCE];
	uint64_t deadline = deadline_in(s->sndtimeo);
	size_t total = iov_total(iov, iovcnt), done = 0, off = 0;
	int i = 0;
	long err = 0;

	if (s->state == S_CONNECTING && !(flags & SOCK_NOWAIT))
		while (!err && s->state == S_CONNECTING)
			err = wait(s, deadline);
	while (!err && done < total) {
		if (s->err) {
			err = take_err(s);
		} else if (!s->tcp || s->shut_wr || (s->state == S_OPEN && s->eof)) {
			err = -EPIPE;
		} else if (s->state != S_CONNECTED) {
			err = s->state == S_CONNECTING ? -EAGAIN : -EPIPE;	/* as Linux */
		} else if (i < iovcnt && off == iov[i].len) {
			i++;
			off = 0;
		} else {
			size_t n = iov[i].len - off, room = tcp_sndbuf(s->tcp);
			if (n > room)
				n = room;
			if (n > TX_BOUNCE)
				n = TX_BOUNCE;
			if (n && uaccess_copy(bounce, (char *)iov[i].base + off, n)) {
				err = -EFAULT;
				break;
			}
			u8_t more = done + n < total || (flags & SOCK_MORE) ? TCP_WRITE_FLAG_MORE : 0;
			err_t e = n ? tcp_write(s->tcp, bounce, (u16_t)n,
			    TCP_WRITE_FLAG_COPY | more) : ERR_MEM;
			if (e == ERR_OK) {
				done += n;
				off += n;
				continue;
			}
			if (e != ERR_MEM) {
				err = lwip_errno(e);
				break;
			}
			/* Full: send what is queued and wait for acknowledgements. */
			tcp_output(s->tcp);
			if (!s->tcp->unsent && !s->tcp->unacked)
				err = -ENOBUFS;	/* nothing in flight: out of memory */
			else if (flags & SOCK_NOWAIT)
				err = -EAGAIN;
			else
				err = wait(s, deadline);
		}
	}
	if (done && s->tcp)
		tcp_output(s->tcp);
	return done ? (long)done : err;
}

static long udp_send_to(struct sock *s, const struct kiovec *iov, int iovcnt,
    const struct sock_addr *to)
{
	size_t total = iov_total(iov, iovcnt);

	if (s->shut_wr)
		return -EPIPE;
	if (total > UDP_MAX)
		return -EMSGSIZE;
	if (!to && !(udp_flags(s->udp) & UDP_FLAGS_CONNECTED))
		return -EDESTADDRREQ;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)total, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	size_t off = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (pbuf_user_copy(p, off, iov[i].base, iov[i].len, true)) {
			pbuf_free(p);
			return -EFAULT;
		}
		off += iov[i].len;
	}
	err_t e;
	if (to) {
		ip_addr_t ip = IPADDR4_INIT(to->addr);
		e = udp_sendto(s->udp, p, &ip, lwip_ntohs(to->port));
	} else {
		e = udp_send(s->udp, p);
	}
	pbuf_free(p);
	if (e == ERR_OK)
		addr_of(&s->local, &s->udp->local_ip, s->udp->local_port);
	return e == ERR_OK ? (long)total : lwip_errno(e);
}

long sock_send(struct sock *s, const struct kiovec *iov, int iovcnt,
    const struct sock_addr *to, unsigned flags)
{
	long ret;

	LOCK_TCPIP_CORE();
	if (s->type == SOCK_STREAM)
		ret = to && s->state != S_CONNECTED ? -EISCONN : tcp_send(s, iov, iovcnt, flags);
	else
		ret = udp_send_to(s, iov, iovcnt, to);
	UNLOCK_TCPIP_CORE();
	return ret;
}

/* Copies len bytes of the queued stream from offset start on to dst, the
 * program's buffer: 0 or -EFAULT. Core lock held (as for the two below). */
static int rx_copy(struct sock *s, size_t start, char *dst, size_t len)
{
	for (int i = 0; i < s->rxq_n && len; i++) {
		struct pbuf *q = s->rxq[(s->rxq_head + i) % s->rxq_cap];
		if (start >= q->tot_len) {
			start -= q->tot_len;
			continue;
		}
		size_t n = q->tot_len - start < len ? q->tot_len - start : len;
		if (pbuf_user_copy(q, start, dst, n, false))
			return -EFAULT;
		dst += n;
		len -= n;
		start = 0;
	}
	return 0;
}

/* Drops n bytes from the front of the stream and reopens the window. */
static void rx_consume(struct sock *s, size_t n)
{
	s->rx_len -= n;
	for (size_t w = n; s->tcp && w; ) {
		u16_t k = w > 0xffff ? 0xffff : (u16_t)w;
		tcp_recved(s->tcp, k);
		w -= k;
	}
	while (n) {
		struct pbuf *q = s->rxq[s->rxq_head];
		if (n < q->tot_len) {
			s->rxq[s->rxq_head] = pbuf_free_header(q, (u16_t)n);
			break;
		}
		n -= q->tot_len;
		pbuf_free(q);
		s->rxq_head = (s->rxq_head + 1) % s->rxq_cap;
		s->rxq_n--;
	}
}

/* Fills iov past the *done bytes already there with queued data; the
 * bytes copied leave the queue (unless peeking). 0, or -EFAULT when an
 * iovec could not be written (what came before it still counts). */
static int tcp_take(struct sock *s, const struct kiovec *iov, int iovcnt, size_t *done,
    unsigned flags)
{
	size_t skip = *done, got = 0;
	int err = 0;

	for (int i = 0; i < iovcnt && got < s->rx_len; i++) {
		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		size_t n = iov[i].len - skip;
		if (n > s->rx_len - got)
			n = s->rx_len - got;
		if ((err = rx_copy(s, got, (char *)iov[i].base + skip, n)))
			break;
		got += n;
		skip = 0;
	}
	*done += got;
	if (!(flags & SOCK_PEEK))
		rx_consume(s, got);
	return err;
}

static long tcp_recv_into(struct sock *s, const struct kiovec *iov, int iovcnt, unsigned flags)
{
	uint64_t deadline = deadline_in(s->rcvtimeo);
	size_t total = iov_total(iov, iovcnt), done = 0;
	long err = 0;

	if (s->state == S_LISTEN || (s->state == S_OPEN && s->tcp && !s->eof))
		return -ENOTCONN;
	while (!err && done < total) {
		if (s->rx_len) {
			err = tcp_take(s, iov, iovcnt, &done, flags);
			if (!(flags & SOCK_WAITALL) || (flags & SOCK_PEEK))
				break;
		} else if (done && !(flags & SOCK_WAITALL)) {
			break;
		} else if (s->err) {
			err = take_err(s);
		} else if (s->eof || s->shut_rd || !s->tcp) {
			break;
		} else if (flags & SOCK_NOWAIT) {
			err = -EAGAIN;
		} else {
			err = wait(s, deadline);
		}
	}
	return done ? (long)done : err;
}

static long udp_recv_into(struct sock *s, const struct kiovec *iov, int iovcnt,
    struct sock_addr *from, size_t *full, unsigned flags)
{
	uint64_t deadline = deadline_in(s->rcvtimeo);
	long err = 0;

	while (!err && !s->dq) {
		if (s->shut_rd)
			return 0;
		err = flags & SOCK_NOWAIT ? -EAGAIN : wait(s, deadline);
	}
	if (err)
		return err;
	struct dgram *d = s->dq;
	size_t len = d->p->tot_len, off = 0;
	for (int i = 0; i < iovcnt && off < len; i++) {
		size_t n = len - off < iov[i].len ? len - off : iov[i].len;
		if (pbuf_user_copy(d->p, off, iov[i].base, n, false))
			return -EFAULT;	/* kept queued for a retry (Linux drops it) */
		off += n;
	}
	if (from)
		*from = d->from;
	if (full)
		*full = len;
	if (!(flags & SOCK_PEEK)) {
		if (!(s->dq = d->next))
			s->dq_tail = &s->dq;
		s->dq_bytes -= len;
		pbuf_free(d->p);
		kfree(d);
	}
	return (long)off;
}

long sock_recv(struct sock *s, const struct kiovec *iov, int iovcnt,
    struct sock_addr *from, size_t *full, unsigned flags)
{
	long ret;

	LOCK_TCPIP_CORE();
	if (s->type == SOCK_STREAM) {
		ret = tcp_recv_into(s, iov, iovcnt, flags);
		if (from)
			*from = s->peer;
		if (full && ret > 0)
			*full = (size_t)ret;
	} else {
		ret = udp_recv_into(s, iov, iovcnt, from, full, flags);
	}
	UNLOCK_TCPIP_CORE();
	return ret;
}

/* ---- readiness and options ---- */

#define POLLRDHUP	0x2000

struct waitq *sock_waitq(struct sock *s)
{
	return &s->cv.wq;
}

unsigned sock_poll(struct sock *s)
{
	unsigned r = 0;

	LOCK_TCPIP_CORE();
	if (s->err)
		r |= POLLERR;
	if (s->type == SOCK_DGRAM) {
		r |= POLLOUT;
		if (s->dq || s->shut_rd)
			r |= POLLIN;
	} else if (s->state == S_LISTEN) {
		r |= s->aq ? POLLIN : 0;
	} else {
		if (s->rx_len || s->eof || s->shut_rd || !s->tcp || s->err)
			r |= POLLIN;
		if (s->eof)
			r |= POLLRDHUP;
		if (s->state == S_CONNECTED && s->tcp && !s->shut_wr &&
		    tcp_sndbuf(s->tcp) >= TCP_SNDLOWAT && tcp_sndqueuelen(s->tcp) < TCP_SNDQUEUELOWAT)
			r |= POLLOUT;
		if (s->state == S_CONNECTED && (!s->tcp || s->shut_wr))
			r |= POLLOUT;	/* a write would fail at once */
		if (!s->tcp || (s->eof && s->shut_wr) || (s->state == S_OPEN && !s->eof))
			r |= POLLHUP;
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

long sock_nread(struct sock *s)
{
	long n;

	LOCK_TCPIP_CORE();
	if (s->type == SOCK_STREAM)
		n = s->state == S_LISTEN ? -EINVAL : (long)s->rx_len;
	else
		n = s->dq ? s->dq->p->tot_len : 0;
	UNLOCK_TCPIP_CORE();
	return n;
}

static int tcp_setopt(struct sock *s, enum sock_opt opt, int64_t val)
{
	struct tcp_pcb *pcb = s->state == S_LISTEN ? NULL : s->tcp;

	switch (opt) {
	case SO_OPT_NODELAY:
		s->nodelay = val;
		if (pcb && val)
			tcp_nagle_disable(pcb);
		else if (pcb)
			tcp_nagle_enable(pcb);
		return 0;
	case SO_OPT_KEEPIDLE:
	case SO_OPT_KEEPINTVL:
	case SO_OPT_KEEPCNT:
		if (val < 1 || val > (opt == SO_OPT_KEEPCNT ? 127 : 32767))
			return -EINVAL;
		if (!pcb)
			return 0;
		if (opt == SO_OPT_KEEPIDLE)
			pcb->keep_idle = (u32_t)val * 1000;
		else if (opt == SO_OPT_KEEPINTVL)
			pcb->keep_intvl = (u32_t)val * 1000;
		else
			pcb->keep_cnt = (u32_t)val;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int sock_setopt(struct sock *s, enum sock_opt opt, int64_t val)
{
	int err = 0;

	LOCK_TCPIP_CORE();
	struct ip_pcb *ip = s->type == SOCK_STREAM ? (struct ip_pcb *)(void *)s->tcp :
	    (struct ip_pcb *)(void *)s->udp;
	switch (opt) {
	case SO_OPT_REUSEADDR:
		s->reuse = val;
		if (ip && val)
			ip_set_option((struct tcp_pcb *)ip, SOF_REUSEADDR);
		else if (ip)
			ip_reset_option((struct tcp_pcb *)ip, SOF_REUSEADDR);
		break;
	case SO_OPT_KEEPALIVE:
		s->keepalive = val;
		if (ip && val)
			ip_set_option((struct tcp_pcb *)ip, SOF_KEEPALIVE);
		else if (ip)
			ip_reset_option((struct tcp_pcb *)ip, SOF_KEEPALIVE);
		break;
	case SO_OPT_BROADCAST:
		break;		/* lwIP sends to broadcast addresses anyway */
	case SO_OPT_RCVTIMEO:
		s->rcvtimeo = (uint64_t)val;
		break;
	case SO_OPT_SNDTIMEO:
		s->sndtimeo = (uint64_t)val;
		break;
	case SO_OPT_RCVBUF:
		/* Datagrams queue up to this; a stream's buffer is its TCP
		 * window, fixed by the stack (getsockopt reports it). */
		if (s->type == SOCK_DGRAM)
			s->rcvbuf = val < 2048 ? 2048 : val > (1 << 24) ? 1 << 24 : (int)val;
		break;
	case SO_OPT_SNDBUF:
		break;		/* fixed by the stack: TCP_SND_BUF; datagrams go at once */
	case SO_OPT_REUSEPORT:
		if (s->type == SOCK_DGRAM) {
			/* lwIP lets datagram sockets share a port when each
			 * allows it; datagrams go to one of them. */
			if (val)
				ip_set_option((struct udp_pcb *)ip, SOF_REUSEADDR);
			else if (!s->reuse)
				ip_reset_option((struct udp_pcb *)ip, SOF_REUSEADDR);
		}
		s->reuseport = val;
		break;
	case SO_OPT_LINGER:
		s->linger = val >= 0;
		s->linger_s = val < 0 ? 0 : val > INT32_MAX ? INT32_MAX : (int)val;
		break;
	default:
		err = s->type == SOCK_STREAM ? tcp_setopt(s, opt, val) : -ENOPROTOOPT;
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

int sock_getopt(struct sock *s, enum sock_opt opt, int64_t *val)
{
	int err = 0;

	LOCK_TCPIP_CORE();
	struct tcp_pcb *pcb = s->type == SOCK_STREAM && s->state != S_LISTEN ? s->tcp : NULL;
	switch (opt) {
	case SO_OPT_REUSEADDR: *val = s->reuse; break;
	case SO_OPT_KEEPALIVE: *val = s->keepalive; break;
	case SO_OPT_BROADCAST: *val = 0; break;
	case SO_OPT_RCVTIMEO: *val = (int64_t)s->rcvtimeo; break;
	case SO_OPT_SNDTIMEO: *val = (int64_t)s->sndtimeo; break;
	case SO_OPT_RCVBUF: *val = s->rcvbuf; break;
	case SO_OPT_SNDBUF: *val = s->type == SOCK_STREAM ? TCP_SND_BUF : UDP_MAX; break;
	case SO_OPT_ERROR: *val = -take_err(s); break;
	case SO_OPT_TYPE: *val = s->type; break;
	case SO_OPT_LINGER: *val = s->linger ? s->linger_s : -1; break;
	case SO_OPT_REUSEPORT: *val = s->reuseport; break;
	case SO_OPT_ACCEPTCONN: *val = s->state == S_LISTEN; break;
	case SO_OPT_NODELAY:
		if (s->type != SOCK_STREAM)
			err = -ENOPROTOOPT;
		*val = s->nodelay;
		break;
	case SO_OPT_KEEPIDLE:
	case SO_OPT_KEEPINTVL:
	case SO_OPT_KEEPCNT:
		if (s->type != SOCK_STREAM) {
			err = -ENOPROTOOPT;
			break;
		}
		*val = !pcb ? 0 : opt == SO_OPT_KEEPIDLE ? pcb->keep_idle / 1000 :
		    opt == SO_OPT_KEEPINTVL ? pcb->keep_intvl / 1000 : pcb->keep_cnt;
		break;
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

/* At power-off: lets connections send what programs wrote before they
 * closed (lwIP finishes closes on its own), for at most timeout_ns. The
 * stack has no event for "all sent", so this looks every 10 ms. */
void net_drain(uint64_t timeout_ns)
{
	uint64_t deadline = clock_ns() + timeout_ns;

	for (;;) {
		bool busy = false;
		LOCK_TCPIP_CORE();
		for (struct tcp_pcb *p = tcp_active_pcbs; p && !busy; p = p->next)
			busy = p->unsent || p->unacked;
		UNLOCK_TCPIP_CORE();
		if (!busy || clock_ns() >= deadline)
			return;
		thread_sleep_ns(10000000);
	}
}

/* lwIP's states (enum tcp_state, CLOSED..TIME_WAIT) as Linux numbers them. */
static const uint8_t linux_tcp_state[] = {
	[CLOSED] = 7, [LISTEN] = 10, [SYN_SENT] = 2, [SYN_RCVD] = 3, [ESTABLISHED] = 1,
	[FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8, [CLOSING] = 11,
	[LAST_ACK] = 9, [TIME_WAIT] = 6,
};

int sock_tcp_info(struct sock *s, struct sock_tcp_info *ti)
{
	/* lwIP keeps its RTT estimate (sa, scaled by 8) and deviation (sv,
	 * by 4) and the RTO in ticks of its slow timer. */
	const uint32_t tick_us = TCP_SLOW_INTERVAL * 1000;

	if (s->type != SOCK_STREAM)
		return -ENOPROTOOPT;
	memset(ti, 0, sizeof(*ti));
	LOCK_TCPIP_CORE();
	struct tcp_pcb *p = s->tcp;
	if (!p) {
		ti->state = 7;
	} else if (s->state == S_LISTEN) {
		ti->state = 10;
	} else {
		uint32_t mss = p->mss ? p->mss : 536, n = 0;
		for (struct tcp_seg *g = p->unacked; g; g = g->next)
			n++;
		ti->state = p->state < sizeof(linux_tcp_state) ? linux_tcp_state[p->state] : 7;
		ti->retransmits = p->nrtx;
		ti->rto_us = (uint32_t)p->rto * tick_us;
		ti->rtt_us = (uint32_t)(p->sa >> 3) * tick_us;
		ti->rttvar_us = (uint32_t)(p->sv >> 2) * tick_us;
		ti->snd_mss = ti->rcv_mss = mss;
		ti->unacked = n;
		ti->snd_cwnd = p->cwnd / mss;
		ti->snd_ssthresh = p->ssthresh / mss;
		ti->rcv_space = p->rcv_wnd;
		ti->snd_wnd = p->snd_wnd;
	}
	UNLOCK_TCPIP_CORE();
	return 0;
}
