/* The network as programs ask about it, and socket calls beyond the
 * basics:
 *   netinfo [IFNAME ADDR/PREFIX MAC]
 * getifaddrs (netlink underneath, in glibc and musl) lists lo with
 * 127.0.0.1/8 and, when named, IFNAME with its address, netmask,
 * broadcast and MAC (AF_PACKET); if_nametoindex/if_indextoname/
 * if_nameindex; the SIOCGIF* ioctls (FLAGS, ADDR, NETMASK, BRDADDR,
 * HWADDR, MTU, INDEX, NAME, CONF); a raw NETLINK_ROUTE socket (a dump
 * ends with NLMSG_DONE and echoes our sequence number, an unknown
 * request gets NLMSG_ERROR, NLM_F_ACK an ack with error 0, a change
 * request EPERM or similar, never success); SO_LINGER (set/get, a close
 * with l_linger 0 resets the peer: ECONNRESET); TCP_INFO (established
 * on a connected pair, listen on a listener); sendmmsg/recvmmsg over UDP
 * loopback (counts, lengths, MSG_WAITFORONE); SO_REUSEPORT listeners
 * sharing a port's connections. Runs the same on a Linux
 * host (without arguments: its own NIC is not known). */
#include "check.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Netlink's ABI (linux/netlink.h, rtnetlink.h; musl's headers lack them). */
#ifndef NETLINK_ROUTE
#define NETLINK_ROUTE	0
#endif
#define NLMSG_NOOP	1
#define NLMSG_ERROR	2
#define NLMSG_DONE	3
#define NLM_F_REQUEST	1
#define NLM_F_ACK	4
#define NLM_F_DUMP	0x300
#define RTM_NEWADDR	20
#define RTM_GETLINK	18
#define RTM_GETADDR	22

struct nl_hdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct nl_addr {
	sa_family_t family;
	unsigned short pad;
	uint32_t pid, groups;
};

static const char *want_if, *want_mac;
static struct in_addr want_addr, want_mask;

static int mask_of(const struct sockaddr *sa)
{
	return sa ? __builtin_popcount(((const struct sockaddr_in *)sa)->sin_addr.s_addr) : -1;
}

static void test_getifaddrs(void)
{
	struct ifaddrs *ifs, *i;
	int lo_ok = 0, if_ok = 0, mac_ok = 0, lo_pkt = 0;

	if (!CHECK_SYS("getifaddrs", getifaddrs(&ifs)))
		return;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		int fam = i->ifa_addr->sa_family;
		if (fam == AF_INET) {
			struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			if (!strcmp(i->ifa_name, "lo") && a.s_addr == htonl(INADDR_LOOPBACK) &&
			    mask_of(i->ifa_netmask) == 8 && (i->ifa_flags & IFF_LOOPBACK) &&
			    (i->ifa_flags & IFF_UP))
				lo_ok = 1;
			if (want_if && !strcmp(i->ifa_name, want_if) && a.s_addr == want_addr.s_addr &&
			    ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr == want_mask.s_addr &&
			    (i->ifa_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING) &&
			    i->ifa_broadaddr &&
			    ((struct sockaddr_in *)i->ifa_broadaddr)->sin_addr.s_addr ==
			    (want_addr.s_addr | ~want_mask.s_addr))
				if_ok = 1;
		} else if (fam == AF_PACKET) {
			struct sockaddr_ll *ll = (struct sockaddr_ll *)i->ifa_addr;
			char mac[32];
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ll->sll_addr[0],
			    ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3], ll->sll_addr[4],
			    ll->sll_addr[5]);
			if (!strcmp(i->ifa_name, "lo"))
				lo_pkt = 1;
			if (want_if && !strcmp(i->ifa_name, want_if) && !strcmp(mac, want_mac) &&
			    ll->sll_halen == 6)
				mac_ok = 1;
		}
	}
	freeifaddrs(ifs);
	check("getifaddrs_lo", lo_ok, "no lo 127.0.0.1/8 with IFF_LOOPBACK|IFF_UP");
	check("getifaddrs_lo_packet", lo_pkt, "no AF_PACKET entry for lo");
	if (want_if) {
		check("getifaddrs_nic", if_ok, "no %s with the address, mask, broadcast and flags", want_if);
		check("getifaddrs_mac", mac_ok, "no AF_PACKET %s with MAC %s", want_if, want_mac);
	}
}

static void test_nameindex(void)
{
	char name[IF_NAMESIZE];
	unsigned lo = if_nametoindex("lo");

	check("if_nametoindex_lo", lo == 1, "index %u", lo);
	check("if_indextoname", if_indextoname(lo, name) && !strcmp(name, "lo"), "wrong name");
	errno = 0;
	check("if_nametoindex_missing", if_nametoindex("nosuch0") == 0 && errno == ENODEV,
	    "errno %d", errno);
	struct if_nameindex *ni = if_nameindex();
	int n = 0, has_lo = 0, has_if = !want_if;
	for (struct if_nameindex *p = ni; p && p->if_index; p++, n++) {
		has_lo |= !strcmp(p->if_name, "lo") && p->if_index == 1;
		has_if |= want_if && !strcmp(p->if_name, want_if) && p->if_index == if_nametoindex(want_if);
	}
	if (ni)
		if_freenameindex(ni);
	check("if_nameindex", ni && has_lo && has_if, "%d entries, lo %d, nic %d", n, has_lo, has_if);
}

static int ifreq_call(int fd, unsigned long req, const char *name, struct ifreq *r)
{
	memset(r, 0, sizeof(*r));
	strncpy(r->ifr_name, name, IFNAMSIZ - 1);
	return ioctl(fd, req, r);
}

static uint32_t ifr_ip(const struct ifreq *r, int which)
{
	const struct sockaddr *sa = which == 0 ? &r->ifr_addr : which == 1 ? &r->ifr_netmask :
	    &r->ifr_broadaddr;
	return ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
}

static void test_ioctls(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;

	check("siocgifflags_lo", !ifreq_call(fd, SIOCGIFFLAGS, "lo", &r) &&
	    (r.ifr_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK), "flags %#x",
	    r.ifr_flags);
	check("siocgifaddr_lo", !ifreq_call(fd, SIOCGIFADDR, "lo", &r) &&
	    ifr_ip(&r, 0) == htonl(INADDR_LOOPBACK) && r.ifr_addr.sa_family == AF_INET, "wrong");
	check("siocgifnetmask_lo", !ifreq_call(fd, SIOCGIFNETMASK, "lo", &r) &&
	    ifr_ip(&r, 1) == htonl(0xff000000), "wrong");
	check("siocgifindex_lo", !ifreq_call(fd, SIOCGIFINDEX, "lo", &r) && r.ifr_ifindex == 1,
	    "index %d", r.ifr_ifindex);
	memset(&r, 0, sizeof(r));
	r.ifr_ifindex = 1;
	check("siocgifname", !ioctl(fd, SIOCGIFNAME, &r) && !strcmp(r.ifr_name, "lo"), "wrong");
	check("siocgifmtu_lo", !ifreq_call(fd, SIOCGIFMTU, "lo", &r) && r.ifr_mtu > 1500,
	    "mtu %d", r.ifr_mtu);
	errno = 0;
	check("siocgifflags_missing", ifreq_call(fd, SIOCGIFFLAGS, "nosuch0", &r) == -1 &&
	    errno == ENODEV, "errno %d", errno);
	errno = 0;
	check("siocsifaddr_refused", ifreq_call(fd, SIOCSIFADDR, "lo", &r) == -1 &&
	    (errno == EPERM || errno == EACCES || errno == EINVAL || errno == EFAULT), "errno %d",
	    errno);
	struct ifreq buf[8];
	struct ifconf ic = { .ifc_len = sizeof(buf), .ifc_req = buf };
	int found_lo = 0, found_if = !want_if;
	if (CHECK_SYS("siocgifconf", ioctl(fd, SIOCGIFCONF, &ic))) {
		for (int i = 0; i < ic.ifc_len / (int)sizeof(struct ifreq); i++) {
			found_lo |= !strcmp(buf[i].ifr_name, "lo") && ifr_ip(&buf[i], 0) == htonl(INADDR_LOOPBACK);
			found_if |= want_if && !strcmp(buf[i].ifr_name, want_if) &&
			    ifr_ip(&buf[i], 0) == want_addr.s_addr;
		}
		check("siocgifconf_entries", found_lo && found_if && ic.ifc_len % sizeof(struct ifreq) == 0,
		    "len %d, lo %d, nic %d", ic.ifc_len, found_lo, found_if);
	}
	ic.ifc_req = NULL;
	ic.ifc_len = 0;
	check("siocgifconf_size", !ioctl(fd, SIOCGIFCONF, &ic) && ic.ifc_len >= (int)sizeof(struct ifreq) &&
	    ic.ifc_len % sizeof(struct ifreq) == 0, "len %d", ic.ifc_len);
	if (want_if) {
		unsigned char *m = (unsigned char *)r.ifr_hwaddr.sa_data;
		char mac[32] = "";
		if (!ifreq_call(fd, SIOCGIFHWADDR, want_if, &r))
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			    m[4], m[5]);
		check("siocgifhwaddr", !strcmp(mac, want_mac) && r.ifr_hwaddr.sa_family == 1, "got '%s'", mac);
		check("siocgifaddr_nic", !ifreq_call(fd, SIOCGIFADDR, want_if, &r) &&
		    ifr_ip(&r, 0) == want_addr.s_addr, "wrong");
		check("siocgifbrdaddr_nic", !ifreq_call(fd, SIOCGIFBRDADDR, want_if, &r) &&
		    ifr_ip(&r, 2) == (want_addr.s_addr | ~want_mask.s_addr), "wrong");
		check("siocgifmtu_nic", !ifreq_call(fd, SIOCGIFMTU, want_if, &r) && r.ifr_mtu == 1500,
		    "mtu %d", r.ifr_mtu);
	}
	close(fd);
}

/* One netlink request; the replies' messages are walked by fn. Returns
 * the number of messages seen, or -1. */
static int nl_talk(int fd, uint16_t type, uint16_t flags, uint32_t seq, int *done, int *err)
{
	struct {
		struct nl_hdr h;
		unsigned char family, pad[3];
	} req = { { sizeof(req), type, flags, seq, 0 }, AF_UNSPEC, { 0 } };
	struct nl_addr to = { .family = AF_NETLINK };
	static char buf[16384] __attribute__((aligned(8)));
	int n = 0;

	*done = 0;
	*err = 1;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -1;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len <= 0)
			return n;
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct nl_hdr) <= len;) {
			struct nl_hdr *h = (void *)(buf + off);
			if (h->len < sizeof(*h) || h->len > (size_t)(len - off) || h->seq != seq)
				return -1;
			n++;
			if (h->type == NLMSG_DONE) {
				*done = 1;
				return n;
			}
			if (h->type == NLMSG_ERROR) {
				memcpy(err, h + 1, sizeof(*err));
				return n;
			}
			off += (h->len + 3) & ~3u;
		}
	}
}

static void test_netlink(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int done, err;

	if (!CHECK_SYS("netlink_socket", fd))
		return;
	struct nl_addr sa = { .family = AF_NETLINK };
	socklen_t sl = sizeof(sa);
	check("netlink_bind", !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &sl) && sa.pid != 0 && sl == sizeof(sa),
	    "pid %u len %u", sa.pid, sl);
	int n = nl_talk(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 77, &done, &err);
	check("netlink_dump_links", n >= 2 && done, "%d messages, done %d", n, done);
	n = nl_talk(fd, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 78, &done, &err);
	check("netlink_dump_addrs", n >= 2 && done, "%d messages, done %d", n, done);
	n = nl_talk(fd, 0x7f, NLM_F_REQUEST, 79, &done, &err);
	check("netlink_unknown", n == 1 && err < 0, "%d messages, error %d", n, err);
	n = nl_talk(fd, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 80, &done, &err);
	check("netlink_ack", n == 1 && err == 0, "%d messages, error %d", n, err);
	n = nl_talk(fd, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, 81, &done, &err);
	check("netlink_change_refused", n == 1 && err < 0, "%d messages, error %d", n, err);
	close(fd);
	errno = 0;
	check("netlink_protocol", socket(AF_NETLINK, SOCK_RAW, 31) == -1 && errno == EPROTONOSUPPORT,
	    "errno %d", errno);
}

static void tcp_pair(int *lst, int *cli, int *srv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	*lst = socket(AF_INET, SOCK_STREAM, 0);
	bind(*lst, (struct sockaddr *)&a, sizeof(a));
	listen(*lst, 4);
	getsockname(*lst, (struct sockaddr *)&a, &al);
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*cli, (struct sockaddr *)&a, sizeof(a)))
		bail("netinfo", "loopback connect");
	*srv = accept(*lst, NULL, NULL);
}

static void test_linger_and_info(void)
{
	int lst, cli, srv;
	struct linger l = { 1, 0 }, g;
	socklen_t gl = sizeof(g);

	tcp_pair(&lst, &cli, &srv);
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	memset(&ti, 0xff, sizeof(ti));
	check("tcp_info_established", !getsockopt(cli, IPPROTO_TCP, TCP_INFO, &ti, &tl) &&
	    ti.tcpi_state == 1 && tl > 0 && ti.tcpi_snd_mss > 0, "state %d len %u", ti.tcpi_state, tl);
	tl = sizeof(ti);
	check("tcp_info_listen", !getsockopt(lst, IPPROTO_TCP, TCP_INFO, &ti, &tl) &&
	    ti.tcpi_state == 10, "state %d", ti.tcpi_state);
	check("linger_default", !getsockopt(cli, SOL_SOCKET, SO_LINGER, &g, &gl) && !g.l_onoff &&
	    gl == sizeof(g), "onoff %d", g.l_onoff);
	check("linger_set", !setsockopt(cli, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) &&
	    !getsockopt(cli, SOL_SOCKET, SO_LINGER, &g, &gl) && g.l_onoff && !g.l_linger, "wrong");
	close(cli);
	char c;
	errno = 0;
	ssize_t r = read(srv, &c, 1);
	check("linger_zero_resets", r == -1 && errno == ECONNRESET, "read %zd errno %d", r, errno);
	close(srv);
	/* A linger with a time: close returns after the data was taken. */
	tcp_pair(&lst, &cli, &srv);
	l.l_linger = 5;
	setsockopt(cli, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	static char big[100000];
	ssize_t w = write(cli, big, sizeof(big));
	close(cli);
	size_t got = 0;
	while ((r = read(srv, big, sizeof(big))) > 0)
		got += (size_t)r;
	check("linger_time", w == sizeof(big) && got == sizeof(big) && r == 0, "wrote %zd got %zu",
	    w, got);
	close(srv);
	close(lst);
}

/* Listeners sharing a port with SO_REUSEPORT each get connections; one
 * without it is refused the port; closing one leaves the other serving. */
static void test_reuseport(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1, l[2], got[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		l[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		setsockopt(l[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (bind(l[i], (struct sockaddr *)&a, sizeof(a)) || listen(l[i], 64))
			bail("netinfo", "reuseport bind/listen");
		getsockname(l[i], (struct sockaddr *)&a, &al);
	}
	int v = 0;
	socklen_t vl = sizeof(v);
	check("reuseport_get", !getsockopt(l[0], SOL_SOCKET, SO_REUSEPORT, &v, &vl) && v == 1, "%d", v);
	int x = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	check("reuseport_needed", bind(x, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EADDRINUSE,
	    "errno %d", errno);
	close(x);
	int c[40];
	for (int i = 0; i < 40; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c[i], (struct sockaddr *)&a, sizeof(a)))
			bail("netinfo", "reuseport connect");
	}
	for (int tries = 0; got[0] + got[1] < 40 && tries < 2000; tries++) {
		for (int i = 0; i < 2; i++) {
			int fd = accept(l[i], NULL, NULL);
			if (fd >= 0) {
				got[i]++;
				close(fd);
			}
		}
		if (got[0] + got[1] < 40)
			usleep(1000);
	}
	check("reuseport_spread", got[0] + got[1] == 40 && got[0] && got[1], "%d and %d of 40",
	    got[0], got[1]);
	for (int i = 0; i < 40; i++)
		close(c[i]);
	close(l[0]);
	int fd = socket(AF_INET, SOCK_STREAM, 0), acc = -1;
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
		for (int tries = 0; acc < 0 && tries < 2000; tries++)
			if ((acc = accept(l[1], NULL, NULL)) < 0)
				usleep(1000);
	check("reuseport_survivor", acc >= 0, "the remaining listener got nothing");
	close(acc);
	close(fd);
	close(l[1]);
}

static void test_mmsg(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);

	bind(rx, (struct sockaddr *)&a, sizeof(a));
	getsockname(rx, (struct sockaddr *)&a, &al);
	connect(tx, (struct sockaddr *)&a, sizeof(a));
	char data[3][100];
	struct iovec iov[3];
	struct mmsghdr m[3];
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++) {
		memset(data[i], 'a' + i, sizeof(data[i]));
		iov[i] = (struct iovec){ data[i], (size_t)(10 + i * 20) };
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	int n = sendmmsg(tx, m, 3, 0);
	check("sendmmsg", n == 3 && m[0].msg_len == 10 && m[1].msg_len == 30 && m[2].msg_len == 50,
	    "sent %d (%u %u %u)", n, m[0].msg_len, m[1].msg_len, m[2].msg_len);
	char in[4][100];
	struct iovec riov[4];
	struct mmsghdr rm[4];
	memset(rm, 0, sizeof(rm));
	for (int i = 0; i < 4; i++) {
		riov[i] = (struct iovec){ in[i], sizeof(in[i]) };
		rm[i].msg_hdr.msg_iov = &riov[i];
		rm[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec ts = { 1, 0 };
	n = recvmmsg(rx, rm, 4, MSG_WAITFORONE, &ts);
	check("recvmmsg", n == 3 && rm[0].msg_len == 10 && rm[1].msg_len == 30 && rm[2].msg_len == 50 &&
	    in[1][0] == 'b' && in[2][49] == 'c', "got %d", n);
	errno = 0;
	n = recvmmsg(rx, rm, 4, MSG_DONTWAIT, NULL);
	check("recvmmsg_empty", n == -1 && errno == EAGAIN, "got %d errno %d", n, errno);
	close(rx);
	close(tx);
}

int main(int argc, char **argv)
{
	if (argc == 4) {
		char addr[64];
		int prefix;
		want_if = argv[1];
		want_mac = argv[3];
		if (sscanf(argv[2], "%63[0-9.]/%d", addr, &prefix) != 2 || !inet_aton(addr, &want_addr))
			bail("netinfo", "want IFNAME ADDR/PREFIX MAC");
		want_mask.s_addr = htonl(prefix ? ~0u << (32 - prefix) : 0);
	} else if (argc != 1) {
		fprintf(stderr, "usage: netinfo [IFNAME ADDR/PREFIX MAC]\n");
		return 2;
	}
	test_getifaddrs();
	test_nameindex();
	test_ioctls();
	test_netlink();
	test_linger_and_info();
	test_reuseport();
	test_mmsg();
	return done("netinfo");
}
