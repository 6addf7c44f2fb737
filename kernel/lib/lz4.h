/* LZ4 block-format decoder (no frame format). Pure and freestanding. */
#ifndef OSPREY_LZ4_H
#define OSPREY_LZ4_H
#include <stddef.h>

/*
 * Decodes the LZ4 block src[0..src_len) into dst[0..dst_cap). Returns the
 * decoded length, -EINVAL if the input is malformed (truncated, bad match
 * offset, trailing garbage) or -ENOSPC if it would not fit in dst_cap.
 * Never reads or writes outside the two buffers, whatever the input.
 */
int lz4_decompress(const void *src, size_t src_len, void *dst, size_t dst_cap);

#endif
