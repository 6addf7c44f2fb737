/* XDR (RFC 4506) over a memory buffer, the subset nvlist packing uses:
 * big-endian 4-byte units, 8-byte hypers, padded opaque data and strings,
 * counted arrays. Our own implementation: spl/spl_xdr.c. */
#ifndef OSPREY_SPL_RPC_XDR_H
#define OSPREY_SPL_RPC_XDR_H
#include <sys/types.h>

typedef int bool_t;

enum xdr_op { XDR_ENCODE, XDR_DECODE };

typedef struct {
	enum xdr_op x_op;
	char *x_pos;		/* next byte */
	char *x_end;		/* end of the buffer */
} XDR;

typedef bool_t (*xdrproc_t)(XDR *xdrs, void *ptr);

#define XDR_GET_BYTES_AVAIL 1
struct xdr_bytesrec {
	bool_t xc_is_last_record;
	size_t xc_num_avail;
};

void xdrmem_create(XDR *xdrs, const caddr_t addr, const uint_t size, const enum xdr_op op);
#define xdr_destroy(xdrs) ((void)0)
bool_t xdr_control(XDR *xdrs, int req, void *info);

bool_t xdr_char(XDR *xdrs, char *cp);
bool_t xdr_short(XDR *xdrs, short *sp);
bool_t xdr_u_short(XDR *xdrs, unsigned short *usp);
bool_t xdr_int(XDR *xdrs, int *ip);
bool_t xdr_u_int(XDR *xdrs, unsigned *up);
bool_t xdr_longlong_t(XDR *xdrs, longlong_t *llp);
bool_t xdr_u_longlong_t(XDR *xdrs, u_longlong_t *ullp);
bool_t xdr_opaque(XDR *xdrs, caddr_t cp, const uint_t cnt);
bool_t xdr_string(XDR *xdrs, char **sp, const uint_t maxsize);
bool_t xdr_array(XDR *xdrs, caddr_t *arrp, uint_t *sizep, const uint_t maxsize,
    const uint_t elsize, const xdrproc_t elproc);

#endif
