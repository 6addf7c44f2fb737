# libFuzzer harness for the frame-input path (kernel/net/frame.c into
# lwIP's input, with the kernel's lwipopts.h); seeds in corpus/net/. The
# lwIP sources come from scripts/lwip-src.sh (kernel/net/lwip.mk).
FUZZERS += net
net_FUZZ_SRCS := tests/fuzz/fuzz_net.c kernel/net/frame.c kernel/net/dns.c \
	$(patsubst %,$(LWIP_SRC)/src/%.c,$(filter-out api/tcpip,$(LWIP_FILES)))
net_FUZZ_CFLAGS := $(LWIP_INC) -Wno-address -Wno-type-limits
$(patsubst %,$(LWIP_SRC)/src/%.c,$(LWIP_FILES)): $(LWIP_STAMP)
	@test -f $@
