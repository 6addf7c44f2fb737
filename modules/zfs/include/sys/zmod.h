/* zlib for gzip compression (spl/spl_zlib.c): OpenZFS's gzip.c calls
 * these two, as on Linux, and compares what they return with zlib's own
 * codes (Z_OK), which zlib.h gives. zlib is Debian's (scripts/zlib-src.sh),
 * built into libzfs.so with Z_SOLO: no libc, allocation only through the
 * callbacks we pass it. */
#ifndef OSPREY_SPL_SYS_ZMOD_H
#define OSPREY_SPL_SYS_ZMOD_H
#include <sys/types.h>
#include <zlib.h>

/* Compresses src into dst (*dstlen bytes of room) at level 1-9 as one
 * zlib stream; on Z_OK *dstlen is the compressed length. Z_BUF_ERROR
 * when it does not fit: gzip.c then stores the block uncompressed. */
int z_compress_level(void *dst, size_t *dstlen, const void *src, size_t srclen, int level);

/* Decompresses the zlib stream at src (bytes after its end are ignored:
 * blocks are padded to the sector size) into dst; on Z_OK *dstlen is the
 * decompressed length. Z_DATA_ERROR for a damaged stream, Z_BUF_ERROR
 * when the stream is cut short or holds more than *dstlen bytes. */
int z_uncompress(void *dst, size_t *dstlen, const void *src, size_t srclen);

/* For --zfs.selftest (zfs_module.c): the two above at every level and on
 * bad input; prints a line, returns 0 or -EIO. */
int spl_zlib_selftest(void);

#endif
