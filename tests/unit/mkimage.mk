# End-to-end test of tools/mkimage (needs `make tools` and sgdisk). Named
# image_builder because tools/mkimage.mk owns the variable mkimage_SRCS.
UNIT_TESTS += image_builder
image_builder_SRCS := tests/unit/test_mkimage.c
