# Modules used only by tests/boot/test_modules.py: a working one, the
# variants the loader must refuse, one that cannot be unmounted and one
# whose init, mount and unmount need a deep stack.
TESTMODS := $(addprefix $(BUILD)/testmods/,libtestfs.so libbadsym.so libbadapi.so libtrunc.so libnotelf.so libpanicfs.so libstuckfs.so libdeepfs.so)

$(BUILD)/testmods/libtestfs.so: tests/modules/testfs.c
	@mkdir -p $(dir $@)
	$(CC) $(MODCFLAGS) -o $@ $<
$(BUILD)/testmods/libbadsym.so: tests/modules/testfs.c
	@mkdir -p $(dir $@)
	$(CC) $(MODCFLAGS) -DMISSING_SYMBOL -o $@ $<
$(BUILD)/testmods/libbadapi.so: tests/modules/testfs.c
	@mkdir -p $(dir $@)
	$(CC) $(MODCFLAGS) -DWRONG_API -o $@ $<
$(BUILD)/testmods/libpanicfs.so: tests/modules/testfs.c
	@mkdir -p $(dir $@)
	$(CC) $(MODCFLAGS) -DPANIC_IN_INIT -o $@ $<
$(BUILD)/testmods/libstuckfs.so: tests/modules/testfs.c
	@mkdir -p $(dir $@)
	$(CC) $(MODCFLAGS) -DSTUCK -o $@ $<
$(BUILD)/testmods/libdeepfs.so: tests/modules/testfs.c
	@mkdir -p $(dir $@)
	$(CC) $(MODCFLAGS) -DDEEP -o $@ $<
$(BUILD)/testmods/libtrunc.so: $(BUILD)/testmods/libtestfs.so
	head -c 3000 $< > $@
$(BUILD)/testmods/libnotelf.so:
	@mkdir -p $(dir $@)
	printf 'this is not an ELF file\n' > $@

# Built against the kernel's headers: a changed structure rebuilds them.
$(filter-out %/libtrunc.so %/libnotelf.so,$(TESTMODS)): $(wildcard kernel/*.h kernel/*/*.h kernel/*/*/*.h)

testmods: $(TESTMODS)
