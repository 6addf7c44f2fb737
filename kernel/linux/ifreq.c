/* The interface ioctls of sockets (netdevice(7)): SIOCGIFCONF and the
 * SIOCGIF* questions about one interface, as glibc's if_nametoindex,
 * net-tools and many servers ask them, answered from net_ifaces(). The
 * interfaces are configured at boot: every SIOCSIF* change is refused
 * with EPERM. Any socket's ioctl op may call ifreq_ioctl first. */
#include "linux/sys_fs.h"
#include "linux/uaccess.h"
#include "net/net.h"
#include <errno.h>
#include <string.h>

#define SIOCGIFNAME	0x8910
#define SIOCGIFCONF	0x8912
#define SIOCGIFFLAGS	0x8913
#define SIOCGIFADDR	0x8915
#define SIOCGIFDSTADDR	0x8917
#define SIOCGIFBRDADDR	0x8919
#define SIOCGIFNETMASK	0x891b
#define SIOCGIFMETRIC	0x891d
#define SIOCGIFMTU	0x8921
#define SIOCGIFHWADDR	0x8927
#define SIOCGIFINDEX	0x8933
#define SIOCGIFTXQLEN	0x8942
/* The setters this range holds: SIOCSIFLINK 0x8911 .. SIOCSIFHWBROADCAST 0x8937. */
#define SIOCSIF_FIRST	0x8911
#define SIOCSIF_LAST	0x8937

#define IFF_UP		0x1
#define IFF_BROADCAST	0x2
#define IFF_LOOPBACK	0x8
#define IFF_RUNNING	0x40
#define IFF_MULTICAST	0x1000
#define ARPHRD_ETHER	1
#define ARPHRD_LOOPBACK	772
#define AF_INET		2
#define IFNAMSIZ	16
#define IFS_MAX		8

struct ifreq_sin {
	uint16_t family, port;
	uint32_t addr;
	uint8_t zero[8];
};

struct ifreq {
	char name[IFNAMSIZ];
	union {
		struct ifreq_sin sin;
		struct {
			uint16_t family;
			uint8_t data[14];
		} hw;
		int16_t flags;
		int32_t ivalue;		/* index, mtu, metric, qlen */
		uint8_t pad[24];
	};
};

struct ifconf {
	int32_t len;
	int32_t pad;
	struct ifreq *req;		/* NULL: just say how long */
};

static bool is_getter(unsigned long cmd)
{
	switch (cmd) {
	case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCGIFADDR: case SIOCGIFDSTADDR:
	case SIOCGIFBRDADDR: case SIOCGIFNETMASK: case SIOCGIFMETRIC: case SIOCGIFMTU:
	case SIOCGIFHWADDR: case SIOCGIFINDEX: case SIOCGIFTXQLEN:
		return true;
	}
	return false;
}

static struct ifreq_sin sin_of(uint32_t addr)
{
	return (struct ifreq_sin){ .family = AF_INET, .addr = addr };
}

static int ifconf(struct ifconf *uic)
{
	struct net_iface ifs[IFS_MAX];
	int n = net_ifaces(ifs, IFS_MAX), used = 0;

	struct ifconf ic;
	if (copy_from_user(&ic, uic, sizeof(ic)))
		return -EFAULT;
	for (int i = 0; i < n && i < IFS_MAX; i++) {
		if (!ifs[i].addr)
			continue;	/* only interfaces with an IPv4 address, as Linux */
		if (ic.req) {
			if (used + (int)sizeof(struct ifreq) > ic.len)
				break;
			struct ifreq r = { .sin = sin_of(ifs[i].addr) };
			memcpy(r.name, ifs[i].name, sizeof(ifs[i].name));
			if (copy_to_user((char *)ic.req + used, &r, sizeof(r)))
				return -EFAULT;
		}
		used += (int)sizeof(struct ifreq);
	}
	return put_user(used, &uic->len);
}

/* The answer to one SIOCGIF* about ifc, into r. */
static int answer(unsigned long cmd, const struct net_iface *ifc, struct ifreq *r)
{
	bool lo = ifc->flags & NET_IF_LOOPBACK;

	switch (cmd) {
	case SIOCGIFNAME:
		memset(r->name, 0, sizeof(r->name));
		memcpy(r->name, ifc->name, sizeof(ifc->name));
		return 0;
	case SIOCGIFFLAGS:
		r->flags = (int16_t)((ifc->flags & NET_IF_UP ? IFF_UP : 0) |
		    (ifc->flags & NET_IF_RUNNING ? IFF_RUNNING : 0) |
		    (lo ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST));
		return 0;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		if (!ifc->addr)
			return -EADDRNOTAVAIL;
		r->sin = sin_of(cmd == SIOCGIFADDR ? ifc->addr : cmd == SIOCGIFNETMASK ? ifc->netmask :
		    cmd == SIOCGIFBRDADDR ? (lo ? 0 : ifc->addr | ~ifc->netmask) : 0);
		return 0;
	case SIOCGIFHWADDR:
		memset(&r->hw, 0, sizeof(r->hw));
		r->hw.family = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		memcpy(r->hw.data, ifc->mac, sizeof(ifc->mac));
		return 0;
	case SIOCGIFMTU:
		r->ivalue = ifc->mtu;
		return 0;
	case SIOCGIFINDEX:
		r->ivalue = ifc->index;
		return 0;
	case SIOCGIFMETRIC:
		r->ivalue = 0;
		return 0;
	case SIOCGIFTXQLEN:
		r->ivalue = 1000;
		return 0;
	}
	return -ENOTTY;
}

int ifreq_ioctl(unsigned long cmd, void *uarg)
{
	if (cmd == SIOCGIFCONF)
		return ifconf(uarg);
	if (cmd >= SIOCSIF_FIRST && cmd <= SIOCSIF_LAST && !is_getter(cmd))
		return -EPERM;		/* interfaces are configured at boot */
	if (!is_getter(cmd))
		return -ENOTTY;
	struct ifreq r;
	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	r.name[IFNAMSIZ - 1] = 0;
	struct net_iface ifs[IFS_MAX];
	int n = net_ifaces(ifs, IFS_MAX);
	for (int i = 0; i < n && i < IFS_MAX; i++) {
		bool match = cmd == SIOCGIFNAME ? ifs[i].index == r.ivalue :
		    !strncmp(ifs[i].name, r.name, IFNAMSIZ);
		if (!match)
			continue;
		int err = answer(cmd, &ifs[i], &r);
		return err ? err : copy_to_user(uarg, &r, sizeof(r));
	}
	return -ENODEV;
}
