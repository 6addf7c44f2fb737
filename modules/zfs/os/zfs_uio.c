/*
 * Copies between ZFS buffers and the memory a zfs_uio_t describes (the
 * buffers of a read or write call, or kernel buffers): zfs_uiomove,
 * zfs_uiocopy, zfs_uioskip.
 *
 * Programs and the kernel share one address space in Osprey, and a uio
 * marked UIO_SYSSPACE may still hold a program's buffer (the VFS passes
 * them down as they come), so every copy goes through uaccess_copy: a
 * program's page unmapped meanwhile ends the move with EFAULT, the uio
 * advanced past what was moved before it, as OpenZFS's Linux uiomove.
 * uio_fault_disable changes nothing.
 *
 * A uio's position is uio_iov (the current vector), uio_iovcnt (vectors
 * left, the current one included) and uio_skip (bytes of the current
 * vector already used); uio_resid counts what is left to move.
 */
#include <sys/zfs_context.h>
#include <sys/uio_impl.h>

long uaccess_copy(void *dst, const void *src, size_t n);	/* kernel/arch.h */

/* One buffer as a uio at offset off (the ZPL's and the volumes' reads
 * and writes). */
void
zfs_uio_init_buf(zfs_uio_t *uio, struct iovec *iov, void *buf, size_t len,
    int64_t off, zfs_uio_seg_t seg)
{
	iov->iov_base = buf;
	iov->iov_len = len;
	zfs_uio_iovec_init(uio, iov, 1, off, seg, len, 0);
}

typedef struct zfs_uio_pos {
	const struct iovec	*up_iov;
	int			up_iovcnt;
	size_t			up_skip;
} zfs_uio_pos_t;

static zfs_uio_pos_t
zfs_uio_pos(const zfs_uio_t *uio)
{
	zfs_uio_pos_t pos = {
		.up_iov = uio->uio_iov,
		.up_iovcnt = uio->uio_iovcnt,
		.up_skip = uio->uio_skip,
	};
	return (pos);
}

/*
 * Moves up to n bytes at pos, advancing it; returns how many moved, fewer
 * only when the vectors end or a copy faults (*faulted then set, pos left
 * at the start of the piece that faulted). UIO_READ fills the vectors
 * from p (data read for the caller), UIO_WRITE fills p from them; p NULL
 * moves nothing and only advances. A vector used up is left behind at
 * once, so the position never rests at the end of one.
 */
static size_t
zfs_uio_walk(zfs_uio_pos_t *pos, char *p, size_t n, zfs_uio_rw_t rw,
    boolean_t *faulted)
{
	size_t done = 0;

	*faulted = B_FALSE;
	while (pos->up_iovcnt > 0) {
		const struct iovec *iov = pos->up_iov;
		size_t len = MIN(iov->iov_len - pos->up_skip, n - done);
		char *base = (char *)iov->iov_base + pos->up_skip;

		if (p != NULL && len > 0 && (rw == UIO_READ ?
		    uaccess_copy(base, p + done, len) :
		    uaccess_copy(p + done, base, len)) != 0) {
			*faulted = B_TRUE;
			break;
		}
		done += len;
		pos->up_skip += len;
		if (pos->up_skip < iov->iov_len)
			break;		/* n reached inside this vector */
		pos->up_iov++;
		pos->up_iovcnt--;
		pos->up_skip = 0;
		if (done == n)
			break;
	}
	return (done);
}

static void
zfs_uio_commit(zfs_uio_t *uio, const zfs_uio_pos_t *pos, size_t moved)
{
	uio->uio_iov = pos->up_iov;
	uio->uio_iovcnt = pos->up_iovcnt;
	uio->uio_skip = pos->up_skip;
	zfs_uio_advance(uio, moved);
}

/* What a request of n bytes can move: never more than uio_resid. */
static size_t
zfs_uio_want(const zfs_uio_t *uio, size_t n)
{
	return (uio->uio_resid > 0 ? MIN(n, (size_t)uio->uio_resid) : 0);
}

/*
 * Moves MIN(n, uio_resid) bytes and advances the uio past them. Vectors
 * that hold less than uio_resid claims make a malformed uio: what they
 * hold is moved, and EFAULT says the rest could not be; so does a fault.
 */
int
zfs_uiomove(void *p, size_t n, zfs_uio_rw_t rw, zfs_uio_t *uio)
{
	zfs_uio_pos_t pos = zfs_uio_pos(uio);
	size_t want = zfs_uio_want(uio, n);
	boolean_t faulted;
	size_t moved = zfs_uio_walk(&pos, p, want, rw, &faulted);

	zfs_uio_commit(uio, &pos, moved);
	return (moved == want ? 0 : SET_ERROR(EFAULT));
}

/*
 * As zfs_uiomove but leaves the uio where it was (zfs_write copies a
 * whole block in ahead, then skips the uio past it once it is committed);
 * *cbytes says how much was copied.
 */
int
zfs_uiocopy(void *p, size_t n, zfs_uio_rw_t rw, zfs_uio_t *uio,
    size_t *cbytes)
{
	zfs_uio_pos_t pos = zfs_uio_pos(uio);
	size_t want = zfs_uio_want(uio, n);
	boolean_t faulted;

	*cbytes = zfs_uio_walk(&pos, p, want, rw, &faulted);
	return (*cbytes == want ? 0 : SET_ERROR(EFAULT));
}

/*
 * Advances the uio by n bytes without copying. A skip past the end is
 * refused whole, leaving the uio as it was, as Linux's does.
 */
void
zfs_uioskip(zfs_uio_t *uio, size_t n)
{
	zfs_uio_pos_t pos = zfs_uio_pos(uio);
	boolean_t faulted;

	if (uio->uio_resid < 0 || n > (size_t)uio->uio_resid)
		return;
	zfs_uio_commit(uio, &pos, zfs_uio_walk(&pos, NULL, n, UIO_READ, &faulted));
}
