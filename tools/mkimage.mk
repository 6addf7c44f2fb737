# mkimage: manifest -> bootable GPT disk with a ROFS root (docs/images.md).
# It runs build/tools/mkrofs (found next to itself) and writes the GPT
# with the kernel's own pure writer.
TOOLS += mkimage
mkimage_SRCS := tools/mkimage.c tools/mkimage_manifest.c kernel/dev/gpt.c kernel/lib/crc32.c
$(BUILD)/tools/mkimage: tools/mkimage.h
