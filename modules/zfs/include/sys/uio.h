/* I/O vectors described for OpenZFS's copy routines. Programs and the
 * kernel share one address space in Osprey, so user and system segments
 * are both plain memory (our implementation: os/zfs_uio.c). */
#ifndef OSPREY_SPL_SYS_UIO_H
#define OSPREY_SPL_SYS_UIO_H
#include <sys/types.h>

struct iovec {
	void *iov_base;
	size_t iov_len;
};

typedef enum zfs_uio_rw { UIO_READ = 0, UIO_WRITE = 1 } zfs_uio_rw_t;
typedef enum zfs_uio_seg { UIO_USERSPACE = 0, UIO_SYSSPACE = 1 } zfs_uio_seg_t;

typedef struct zfs_uio {
	const struct iovec *uio_iov;
	int uio_iovcnt;
	offset_t uio_loffset;
	zfs_uio_seg_t uio_segflg;
	boolean_t uio_fault_disable;
	uint16_t uio_fmode;
	uint16_t uio_extflg;
	ssize_t uio_resid;
	size_t uio_skip;	/* bytes of uio_iov[0] already consumed */
} zfs_uio_t;
typedef struct iovec iovec_t;

#define zfs_uio_segflg(u)		(u)->uio_segflg
#define zfs_uio_offset(u)		(u)->uio_loffset
#define zfs_uio_resid(u)		(u)->uio_resid
#define zfs_uio_iovcnt(u)		(u)->uio_iovcnt
#define zfs_uio_iovlen(u, idx)		(u)->uio_iov[(idx)].iov_len
#define zfs_uio_iovbase(u, idx)		(u)->uio_iov[(idx)].iov_base
#define zfs_uio_fault_disable(u, set)	((u)->uio_fault_disable = (set))
#define zfs_uio_rlimit_fsize(z, u)	(0)
#define zfs_uio_fault_move(p, n, rw, u)	zfs_uiomove((p), (n), (rw), (u))

static inline void zfs_uio_setoffset(zfs_uio_t *uio, offset_t off) { uio->uio_loffset = off; }

static inline void zfs_uio_advance(zfs_uio_t *uio, size_t size)
{
	uio->uio_resid -= size;
	uio->uio_loffset += size;
}

static inline void zfs_uio_iovec_init(zfs_uio_t *uio, const struct iovec *iov,
    unsigned long nr_segs, offset_t offset, zfs_uio_seg_t seg, ssize_t resid, size_t skip)
{
	uio->uio_iov = iov;
	uio->uio_iovcnt = nr_segs;
	uio->uio_loffset = offset;
	uio->uio_segflg = seg;
	uio->uio_fault_disable = B_FALSE;
	uio->uio_fmode = 0;
	uio->uio_extflg = 0;
	uio->uio_resid = resid;
	uio->uio_skip = skip;
}

/* Nothing to fault in ahead: all memory is mapped. */
#define zfs_uio_prefaultpages(n, u)	(0)

#endif
