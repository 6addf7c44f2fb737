# The apps/tests programs as dynamically linked PIEs, the way distributions
# build programs, for tests/boot/test_dynamic.py:
#   NAME.musl-dyn   musl-gcc without -static: PT_INTERP /lib/ld-musl-x86_64.so.1
#   NAME.glibc-dyn  gcc -pthread: PT_INTERP /lib64/ld-linux-x86-64.so.2
# (apps.mk builds the static variants and defines APP_TESTS/APP_CFLAGS.)
APPS += $(foreach a,$(APP_TESTS),$(BUILD)/apps/$(a).musl-dyn $(BUILD)/apps/$(a).glibc-dyn)

$(BUILD)/apps/%.musl-dyn: apps/tests/%.c apps/tests/check.h
	@mkdir -p $(dir $@)
	@echo "  MUSLDYN $@"
	@musl-gcc $(APP_CFLAGS) -DAPP_DYNAMIC -fPIE -pie -o $@ $< -lpthread
	@readelf -l $@ | grep -q 'interpreter: /lib/ld-musl' || { echo "$@ is not dynamic"; rm -f $@; exit 1; }

$(BUILD)/apps/%.glibc-dyn: apps/tests/%.c apps/tests/check.h
	@mkdir -p $(dir $@)
	@echo "  GLIBCDYN $@"
	@$(CC) $(APP_CFLAGS) -DAPP_DYNAMIC -fPIE -pie -pthread -o $@ $<
	@readelf -l $@ | grep -q 'interpreter: /lib64/ld-linux' || { echo "$@ is not dynamic"; rm -f $@; exit 1; }
