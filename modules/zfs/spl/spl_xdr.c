/* XDR over memory (RFC 4506), for nvlist packing. Every read and write is
 * bounds-checked: a short or corrupt buffer makes the call return FALSE. */
#include <rpc/xdr.h>
#include <sys/kmem.h>
#include <string.h>

void xdrmem_create(XDR *xdrs, const caddr_t addr, const uint_t size, const enum xdr_op op)
{
	xdrs->x_op = op;
	xdrs->x_pos = addr;
	xdrs->x_end = addr + size;
}

bool_t xdr_control(XDR *xdrs, int req, void *info)
{
	struct xdr_bytesrec *rec = info;

	if (req != XDR_GET_BYTES_AVAIL)
		return 0;
	rec->xc_is_last_record = 1;
	rec->xc_num_avail = (size_t)(xdrs->x_end - xdrs->x_pos);
	return 1;
}

static bool_t room(XDR *xdrs, size_t n)
{
	return (size_t)(xdrs->x_end - xdrs->x_pos) >= n;
}

/* One 4-byte big-endian unit. */
static bool_t unit(XDR *xdrs, uint32_t *v)
{
	uint8_t *p = (uint8_t *)xdrs->x_pos;

	if (!room(xdrs, 4))
		return 0;
	if (xdrs->x_op == XDR_ENCODE) {
		p[0] = *v >> 24;
		p[1] = *v >> 16;
		p[2] = *v >> 8;
		p[3] = *v;
	} else {
		*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
	xdrs->x_pos += 4;
	return 1;
}

bool_t xdr_u_int(XDR *xdrs, unsigned *up)
{
	uint32_t v = *up;

	if (!unit(xdrs, &v))
		return 0;
	*up = v;
	return 1;
}

bool_t xdr_int(XDR *xdrs, int *ip)
{
	return xdr_u_int(xdrs, (unsigned *)ip);
}

/* Narrow types travel as a whole unit (sign-extended where signed). */
#define NARROW(name, type, wide)					\
bool_t name(XDR *xdrs, type *p)						\
{									\
	uint32_t v = (uint32_t)(wide)*p;				\
	if (!unit(xdrs, &v))						\
		return 0;						\
	*p = (type)(wide)v;						\
	return 1;							\
}
NARROW(xdr_char, char, int32_t)
NARROW(xdr_short, short, int32_t)
NARROW(xdr_u_short, unsigned short, uint32_t)

bool_t xdr_u_longlong_t(XDR *xdrs, u_longlong_t *ullp)
{
	uint32_t hi = *ullp >> 32, lo = (uint32_t)*ullp;

	if (!unit(xdrs, &hi) || !unit(xdrs, &lo))
		return 0;
	*ullp = (u_longlong_t)hi << 32 | lo;
	return 1;
}

bool_t xdr_longlong_t(XDR *xdrs, longlong_t *llp)
{
	return xdr_u_longlong_t(xdrs, (u_longlong_t *)llp);
}

bool_t xdr_opaque(XDR *xdrs, caddr_t cp, const uint_t cnt)
{
	size_t padded = ((size_t)cnt + 3) & ~(size_t)3;

	if (!room(xdrs, padded))
		return 0;
	if (xdrs->x_op == XDR_ENCODE) {
		memcpy(xdrs->x_pos, cp, cnt);
		memset(xdrs->x_pos + cnt, 0, padded - cnt);
	} else {
		memcpy(cp, xdrs->x_pos, cnt);
	}
	xdrs->x_pos += padded;
	return 1;
}

bool_t xdr_string(XDR *xdrs, char **sp, const uint_t maxsize)
{
	unsigned len = xdrs->x_op == XDR_ENCODE ? (unsigned)strlen(*sp) : 0;

	if (!xdr_u_int(xdrs, &len) || len > maxsize)
		return 0;
	if (xdrs->x_op == XDR_DECODE && !*sp)
		return 0;	/* nvpair always passes its own storage */
	if (!xdr_opaque(xdrs, *sp, len))
		return 0;
	if (xdrs->x_op == XDR_DECODE)
		(*sp)[len] = '\0';
	return 1;
}

bool_t xdr_array(XDR *xdrs, caddr_t *arrp, uint_t *sizep, const uint_t maxsize,
    const uint_t elsize, const xdrproc_t elproc)
{
	unsigned n = *sizep;

	if (!xdr_u_int(xdrs, &n) || n > maxsize)
		return 0;
	if (xdrs->x_op == XDR_DECODE && !*arrp)
		return 0;	/* nvpair always passes its own storage */
	*sizep = n;
	for (unsigned i = 0; i < n; i++)
		if (!elproc(xdrs, *arrp + (size_t)i * elsize))
			return 0;
	return 1;
}
