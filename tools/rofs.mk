# Host tools for ROFS v2 images: mkrofs builds one, rofs reads one with the
# same reader the kernel runs (kernel/fs/rofs/rofs_read.c).
TOOLS += mkrofs rofs
mkrofs_SRCS := tools/mkrofs.c kernel/lib/crc32.c
mkrofs_LIBS := -llz4
rofs_SRCS := tools/rofs.c kernel/fs/rofs/rofs_read.c kernel/lib/lz4.c kernel/lib/crc32.c
