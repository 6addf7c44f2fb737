/* lwIP's DHCP client records the name servers it is given through
 * dns_setserver (with LWIP_DNS on). Names are resolved by the programs
 * from /etc/resolv.conf, so lwIP's resolver (dns.c) is not built: these
 * stand in for its server table. Pure: the host fuzzer builds it too. */
#include "lwip/dns.h"

/* The table: the command line's servers, or DHCP's; core lock. */
static ip_addr_t servers[DNS_MAX_SERVERS];

void dns_init(void)
{
}

/* lwIP's cyclic timer for its resolver's cache: nothing to age here. */
void dns_tmr(void)
{
}

void dns_setserver(u8_t i, const ip_addr_t *a)
{
	if (i < DNS_MAX_SERVERS)
		servers[i] = a ? *a : *IP4_ADDR_ANY;
}

const ip_addr_t *dns_getserver(u8_t i)
{
	return i < DNS_MAX_SERVERS ? &servers[i] : IP4_ADDR_ANY;
}
