# Test programs for the Linux ABI (apps/tests/*.c), each built three ways
# into $(BUILD)/apps/:
#   NAME.musl   musl-gcc -static          (ET_EXEC at 0x400000)
#   NAME.pie    a real static-pie on musl  (ET_DYN, no PT_INTERP; see below)
#   NAME.glibc  gcc -static -pthread       (glibc, ET_EXEC)
# Debian's `musl-gcc -static-pie` makes a dynamic PIE (with an interpreter),
# so the static-pie is linked by hand with musl's rcrt1.o, which relocates
# the program itself at start-up.

APP_TESTS := $(patsubst apps/tests/%.c,%,$(sort $(wildcard apps/tests/*.c)))
APP_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Wno-format-zero-length -D_GNU_SOURCE
MUSL_LIB := /usr/lib/x86_64-linux-musl
APP_PIE_START := $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o $(shell $(CC) -print-file-name=crtbeginS.o)
APP_PIE_END := -L$(MUSL_LIB) -lc $(shell $(CC) -print-libgcc-file-name) \
	$(shell $(CC) -print-file-name=crtendS.o) $(MUSL_LIB)/crtn.o
APPS := $(foreach a,$(APP_TESTS),$(BUILD)/apps/$(a).musl $(BUILD)/apps/$(a).pie $(BUILD)/apps/$(a).glibc)

.PHONY: apps
.SECONDARY: $(foreach a,$(APP_TESTS),$(BUILD)/apps/$(a).pie.o)
apps: $(APPS)

$(BUILD)/apps/%.musl: apps/tests/%.c apps/tests/check.h
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc $(APP_CFLAGS) -static -o $@ $< -lpthread

$(BUILD)/apps/%.pie.o: apps/tests/%.c apps/tests/check.h
	@mkdir -p $(dir $@)
	@musl-gcc $(APP_CFLAGS) -fPIE -c -o $@ $<

$(BUILD)/apps/%.pie: $(BUILD)/apps/%.pie.o
	@echo "  PIE     $@"
	@$(CC) -nostdlib -static-pie -Wl,-z,noexecstack -o $@ $(APP_PIE_START) $< $(APP_PIE_END)
	@! readelf -l $@ | grep -q INTERP || { echo "$@ has PT_INTERP"; rm -f $@; exit 1; }

$(BUILD)/apps/%.glibc: apps/tests/%.c apps/tests/check.h
	@mkdir -p $(dir $@)
	@echo "  GLIBC   $@"
	@$(CC) $(APP_CFLAGS) -static -pthread -o $@ $<
