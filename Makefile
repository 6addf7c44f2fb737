# Osprey top-level build. `make` builds the kernel and host tools,
# `make run` boots the demo, `make check` runs every test.
# Fragments: tests/unit/*.mk (host unit tests), tests/fuzz/*.mk (fuzzers),
# tools/*.mk (host programs) add themselves to the lists below.

BUILD   ?= build
ACCEL   ?= auto
CC      ?= gcc
HOSTCC  ?= gcc
PYTHON  ?= python3
OSPREY_DATA ?= $(abspath ../shared/data)
export OSPREY_DATA ACCEL

GCC_INC := $(shell $(CC) -print-file-name=include)

KCFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -nostdinc -isystem $(GCC_INC) -Ikernel/lib/include -Ikernel \
	-fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-common -ffunction-sections -fdata-sections \
	-MMD -MP -DOSPREY_KERNEL
# WITNESS=1: the debug kernel with the lock-order checker (`make witness`).
ifdef WITNESS
KCFLAGS += -DOSPREY_WITNESS
endif
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,kernel/kernel.ld -Wl,-z,max-page-size=4096 \
	-Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

# kernel/arch/x86_64/vdso/ is user code: the vDSO, linked into the kernel
# as data (below), not compiled into it.
KSRCS := $(sort $(filter-out kernel/arch/x86_64/vdso/%,$(shell find kernel -name '*.c' -o -name '*.S')))
KOBJS := $(patsubst %,$(BUILD)/%.o,$(KSRCS)) $(BUILD)/vdso/vdso_blob.o
include kernel/net/lwip.mk

HOSTCFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-D_GNU_SOURCE -Ikernel -Itests/unit -DHOST_TEST
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all kernel tools modules apps testmods zfs-src unit fuzz-replay check crash check-smp smp-stress witness run size bench clean distclean
all: kernel tools modules apps

kernel: $(BUILD)/kernel.elf

$(BUILD)/kernel/%.c.o: kernel/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

# Read once at boot: its size matters, its speed does not.
$(BUILD)/kernel/arch/x86_64/cpu_tables.c.o: KCFLAGS += -Os

$(BUILD)/kernel/%.S.o: kernel/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

# The vDSO: a shared object for ring 3 (PIC, no relocations: loaders do
# not relocate a vDSO), stripped, then wrapped as data for kernel/linux/vdso.c.
VDSO_DIR := kernel/arch/x86_64/vdso
VDSO_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fPIC \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-mgeneral-regs-only -shared -Wl,-T,$(VDSO_DIR)/vdso.lds -Wl,-soname=linux-vdso.so.1 \
	-Wl,--hash-style=both -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

$(BUILD)/vdso/vdso_blob.o: $(VDSO_DIR)/vdso.c $(VDSO_DIR)/vdso_clock.h $(VDSO_DIR)/vdso.lds
	@mkdir -p $(dir $@)
	@echo "  VDSO    $@"
	@$(CC) $(VDSO_CFLAGS) -o $(BUILD)/vdso/vdso.dbg $<
	@! readelf -r $(BUILD)/vdso/vdso.dbg | grep -q 'R_X86_64' || \
		{ echo "vdso: the image has relocations"; exit 1; }
	@strip -o $(BUILD)/vdso/vdso.so $(BUILD)/vdso/vdso.dbg
	@cd $(BUILD)/vdso && objcopy -I binary -O elf64-x86-64 -B i386:x86-64 \
		--rename-section .data=.rodata.vdso,alloc,load,readonly,data,contents vdso.so vdso_blob.o

# Two-pass link: the symbol table for backtraces sits after all code, so
# filling it moves no function. Pass 1 links with an empty table.
$(BUILD)/ksyms0.o: tools/ksyms.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/ksyms.py < /dev/null > $(BUILD)/ksyms0.S
	$(CC) $(KCFLAGS) -c $(BUILD)/ksyms0.S -o $@

$(BUILD)/kernel.pass1: $(KOBJS) $(BUILD)/ksyms0.o kernel/kernel.ld
	$(CC) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms0.o

$(BUILD)/kernel.elf: $(BUILD)/kernel.pass1 tools/ksyms.py
	nm -n $< | $(PYTHON) tools/ksyms.py > $(BUILD)/ksyms.S
	$(CC) $(KCFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(CC) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms.o
	@nm -n $< | grep ' [tTwW] ' > $(BUILD)/syms1.txt; \
	 nm -n $@ | grep ' [tTwW] ' > $(BUILD)/syms2.txt; \
	 cmp -s $(BUILD)/syms1.txt $(BUILD)/syms2.txt || \
	 { echo "ksyms: symbol addresses moved between link passes"; rm -f $@; exit 1; }
	strip -o $(BUILD)/kernel.stripped $@

size: $(BUILD)/kernel.elf $(MODULES)
	@size -A $(BUILD)/kernel.elf | awk '$$1 ~ /^\./ && $$1 !~ /^\.debug/ && $$2 > 0 {printf "  %-14s %8d\n", $$1, $$2}'
	@size $(BUILD)/kernel.elf
	@printf 'kernel.elf stripped: %d bytes (%d KiB; budget 512 KiB)\n' \
		$$(stat -c %s $(BUILD)/kernel.stripped) $$(( $$(stat -c %s $(BUILD)/kernel.stripped) / 1024 ))
	@printf 'exported symbols: %d (%d bytes of table)\n' \
		$$(( $$(size -A $(BUILD)/kernel.elf | awk '$$1==".kexports"{print $$2}') / 16 )) \
		$$(size -A $(BUILD)/kernel.elf | awk '$$1==".kexports"{print $$2}')
	@for m in $(MODULES); do [ -f $$m ] && strip -o $$m.stripped $$m && \
		printf 'module %s: %d bytes (stripped %d)\n' $$(basename $$m) \
		$$(stat -c %s $$m) $$(stat -c %s $$m.stripped); rm -f $$m.stripped; done; true

# ---- modules: ELF shared objects linked against the kernel's exports ----
MODCFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
	-fPIC -shared -nostdlib -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-Ikernel/lib/include -Ikernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fvisibility=hidden \
	-fno-asynchronous-unwind-tables -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,--strip-debug
# (.symtab stays: panics name static functions inside modules)
MODULES :=
-include $(sort $(wildcard modules/*/module.mk))
-include tests/modules/testmods.mk

# ---- host programs, apps and tests (fragments add to these lists) ----
TOOLS :=
UNIT_TESTS :=
FUZZERS :=
APPS :=
-include $(sort $(wildcard tools/*.mk))
-include $(sort $(wildcard apps/*.mk))
-include $(sort $(wildcard tests/unit/*.mk))
-include $(sort $(wildcard tests/fuzz/*.mk))

tools: $(foreach t,$(TOOLS),$(BUILD)/tools/$(t))
modules: $(MODULES)
apps: $(APPS)

define TOOL_RULE
$(BUILD)/tools/$(1): $$($(1)_SRCS) $$(wildcard kernel/lib/*.h kernel/fs/*/*.h kernel/dev/*.h)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(HOSTCFLAGS) -O2 -o $$@ $$($(1)_SRCS) $$($(1)_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call TOOL_RULE,$(t))))

define UNIT_RULE
$(BUILD)/unit/$(1): $$($(1)_SRCS) $$($(1)_DEPS) tests/unit/check.h $$(wildcard kernel/lib/*.h kernel/fs/*/*.h kernel/dev/*.h)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$($(1)_CFLAGS) $$(HOSTCFLAGS) $$(SANFLAGS) -o $$@ $$($(1)_SRCS) $$($(1)_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_RULE,$(t))))

# Fuzz harnesses: `make check` replays each corpus under ASan/UBSan with
# gcc and a small driver; `make fuzz` builds real libFuzzer binaries (clang).
define FUZZ_RULE
$(BUILD)/fuzz-replay/$(1): $$($(1)_FUZZ_SRCS) tests/fuzz/replay.c
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(HOSTCFLAGS) $$($(1)_FUZZ_CFLAGS) $$(SANFLAGS) -o $$@ tests/fuzz/replay.c $$($(1)_FUZZ_SRCS)
$(BUILD)/fuzz/$(1): $$($(1)_FUZZ_SRCS)
	@mkdir -p $$(dir $$@)
	clang -std=c11 -O1 -g -D_GNU_SOURCE -Ikernel -DHOST_TEST $$($(1)_FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $$@ $$($(1)_FUZZ_SRCS)
endef
$(foreach t,$(FUZZERS),$(eval $(call FUZZ_RULE,$(t))))

unit: $(foreach t,$(UNIT_TESTS),$(BUILD)/unit/$(t))
fuzz-replay: $(foreach t,$(FUZZERS),$(BUILD)/fuzz-replay/$(t))
fuzz: $(foreach t,$(FUZZERS),$(BUILD)/fuzz/$(t))

deps:
	@sh scripts/deps.sh

# OpenZFS sources for the ZFS module (Debian's zfs-dkms, pinned and checked).
zfs-src:
	@sh scripts/zfs-src.sh $(BUILD)/zfs-src

check: deps all unit fuzz-replay testmods witness
	$(PYTHON) tests/runner.py --build $(BUILD) --accel $(ACCEL) \
		--unit "$(UNIT_TESTS)" --fuzz "$(FUZZERS)"

# The crash test of tests/boot/test_zfs_data.py alone, N loops: QEMU is
# killed (SIGKILL) at a moment from the loop's seed while apps/zfs/crashload
# runs SQLite transactions, fsync'd log records and file renames on /data;
# every acknowledged one must survive the next import (zdb -bcc every 10th
# loop). It ends with the loops' `N passed, N failed` and failing seeds;
# OSPREY_CRASH_SEED=S N=1 replays the loop of seed S.
N ?= 10
crash: deps all
	OSPREY_CRASH_LOOPS=$(N) $(PYTHON) tests/runner.py --build $(BUILD) --accel $(ACCEL) \
		--only 'boot\.zfs_data\.crash$$'

# The whole boot-test suite again at 2, then at 4 vCPUs (OSPREY_CPUS is
# tools/run's default for -c, so it reaches every boot). Slow: not part
# of `make check`.
check-smp: deps all testmods
	OSPREY_CPUS=2 $(PYTHON) tests/runner.py --build $(BUILD) --accel $(ACCEL); s2=$$?; \
	OSPREY_CPUS=4 $(PYTHON) tests/runner.py --build $(BUILD) --accel $(ACCEL); s4=$$?; \
	echo "check-smp: 2 vCPUs status $$s2, 4 vCPUs status $$s4"; [ $$s2 = 0 ] && [ $$s4 = 0 ]

# The debug kernel with the lock-order checker (kernel/sched/witness.c), in
# $(BUILD)/witness; tests/boot/test_smp.py boots it when it is there.
witness: lwip-src
	$(MAKE) BUILD=$(BUILD)/witness WITNESS=1 LWIP_SRC=$(abspath $(LWIP_SRC)) $(BUILD)/witness/kernel.elf

# SMP_LOOPS boots of apps/tests/smpstress at 4 vCPUs (tests/boot/test_smp.py):
# prints the count of passes and failures and the first failure's output.
SMP_LOOPS ?= 100
smp-stress: deps all
	OSPREY_SMP_LOOPS=$(SMP_LOOPS) $(PYTHON) tests/runner.py --build $(BUILD) --accel $(ACCEL) \
		--only 'boot\.smp\.stress_loops$$'

# The demo: busybox on a ROFS root, telling what it sees, and a guest book
# on ZFS /data (apps/demo/visits.c) that grows by one line each boot.
# Programs run one after another (';'); each may be a shell line.
DEMO_CMD ?= /bin/busybox uname -a ; /bin/busybox cat /etc/motd ; /bin/busybox ls -l / ; \
	/bin/busybox df /data ; /bin/visits ; /bin/busybox free ; \
	/bin/busybox sh -c 'echo a shell line: $$(/bin/busybox ls / | /bin/busybox wc -l) entries in /'

$(BUILD)/demo.img: images/demo.manifest images/motd $(BUILD)/tools/mkimage $(BUILD)/tools/mkrofs \
		$(MODULES) $(DEMO_APPS)
	BUILD=$(abspath $(BUILD)) $(BUILD)/tools/mkimage -q $< $@
# The data disk is made once and never rebuilt: it holds the demo's pool.
$(BUILD)/demo-data.img:
	@mkdir -p $(dir $@)
	truncate -s 256M $@ && sgdisk -n 1:2048:0 -c 1:data $@ >/dev/null

run: deps all $(BUILD)/demo.img $(BUILD)/demo-data.img
	tools/run -m 256M --image $(BUILD)/demo.img --image $(BUILD)/demo-data.img \
		-e "--bootchart $(DEMO_CMD)" $(RUN_ARGS)

bench: deps all
	$(PYTHON) tools/bench.py --build $(BUILD) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
