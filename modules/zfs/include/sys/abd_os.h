/* Osprey's scatter ABDs (os/abd_os.c). OpenZFS 2.1's abd.h fixes the
 * layout of abd_t itself: outside FreeBSD a scatter ABD holds abd_offset,
 * abd_nents and `struct scatterlist *abd_sgl`, a type abd.h only names.
 * We give that type its meaning here: abd_sgl is an array of abd_nents
 * chunk pointers, each chunk ABD_CHUNK_SIZE bytes of directly mapped
 * kernel memory, and abd_offset is where the ABD's data starts in the
 * first chunk. Common code never looks inside; this header is for the OS
 * glue (abd_os.c, and block-device code that walks an ABD's chunks). */
#ifndef OSPREY_SPL_SYS_ABD_OS_H
#define OSPREY_SPL_SYS_ABD_OS_H
#include <sys/abd.h>
#include <sys/param.h>

#define ABD_CHUNK_SIZE	PAGESIZE
#define ABD_CHUNK_SHIFT	PAGESHIFT

struct scatterlist {
	void *sg_chunk;		/* ABD_CHUNK_SIZE bytes, shared by offset ABDs */
};

/* Chunks needed to hold `size` bytes starting `offset` into the first. */
static inline uint_t abd_chunkcnt(size_t offset, size_t size)
{
	return (uint_t)((offset + size + ABD_CHUNK_SIZE - 1) >> ABD_CHUNK_SHIFT);
}

/* The data of scatter ABD `abd` at byte `off` (0 <= off < abd_size), and
 * through *len how many bytes are contiguous there (never past the ABD). */
static inline void *abd_scatter_data(abd_t *abd, size_t off, size_t *len)
{
	size_t pos = abd->abd_u.abd_scatter.abd_offset + off;
	size_t in_chunk = pos & (ABD_CHUNK_SIZE - 1);
	struct scatterlist *sg = &abd->abd_u.abd_scatter.abd_sgl[pos >> ABD_CHUNK_SHIFT];
	size_t left = abd->abd_size - off;

	*len = ABD_CHUNK_SIZE - in_chunk < left ? ABD_CHUNK_SIZE - in_chunk : left;
	return (char *)sg->sg_chunk + in_chunk;
}

#endif
