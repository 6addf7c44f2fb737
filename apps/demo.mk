# The demo's programs (images/demo.manifest): static musl binaries.
DEMO_APPS := $(BUILD)/apps/demo/visits
APPS += $(DEMO_APPS)

$(BUILD)/apps/demo/%: apps/demo/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<
