# mkimage: manifest -> bootable GPT disk with a ROFS root (docs/images.md).
# It runs build/tools/mkrofs (found next to itself) and writes the GPT
# with the kernel's own pure writer; the `libs` attribute reads ELF files
# with tools/elfdeps.c over the kernel's own loader checks.
TOOLS += mkimage
mkimage_SRCS := tools/mkimage.c tools/mkimage_manifest.c tools/mkimage_libs.c tools/elfdeps.c \
	kernel/linux/elf_exec.c kernel/dev/gpt.c kernel/lib/crc32.c
$(BUILD)/tools/mkimage: tools/mkimage.h tools/elfdeps.h kernel/linux/elf_exec.h
