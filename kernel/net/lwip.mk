# lwIP 2.1.3 in kernel.elf: Debian's source package (scripts/lwip-src.sh
# fetches and checks it into the ignored build folder, never committed),
# compiled unmodified with kernel/net/include (lwipopts.h, arch/) in
# front. Only what the configuration uses is built: IPv4, ARP, ICMP, UDP,
# TCP, DHCP, loopback, the tcpip thread; not lwIP's sockets, netconn or
# resolver (kernel/net/sock.c and the programs' resolvers stand in).
LWIP_SRC ?= $(BUILD)/lwip-src/lwip-2.1.3
LWIP_STAMP := $(LWIP_SRC)/.osprey-unpacked
LWIP_FILES := core/def core/inet_chksum core/init core/ip core/mem core/memp core/netif \
	core/pbuf core/tcp core/tcp_in core/tcp_out core/timeouts core/udp \
	core/ipv4/dhcp core/ipv4/etharp core/ipv4/icmp core/ipv4/ip4 core/ipv4/ip4_addr \
	core/ipv4/ip4_frag api/tcpip api/err netif/ethernet
LWIP_OBJS := $(patsubst %,$(BUILD)/lwip/%.o,$(LWIP_FILES))
LWIP_INC := -Ikernel/net/include -I$(LWIP_SRC)/src/include
# Upstream code: our warnings, less the ones its style sets off.
LWIP_CFLAGS := $(KCFLAGS) $(LWIP_INC) -Wno-address -Wno-type-limits

$(LWIP_STAMP): scripts/lwip-src.sh
	@sh scripts/lwip-src.sh $(BUILD)/lwip-src

$(BUILD)/lwip/%.o: $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	@$(CC) $(LWIP_CFLAGS) -c $(LWIP_SRC)/src/$*.c -o $@

# Our files that see lwIP's headers.
LWIP_USERS := $(filter $(BUILD)/kernel/net/%,$(KOBJS))
$(LWIP_USERS): KCFLAGS += $(LWIP_INC)
$(LWIP_USERS): | $(LWIP_STAMP)

KOBJS += $(LWIP_OBJS)

lwip-src: $(LWIP_STAMP)
.PHONY: lwip-src
