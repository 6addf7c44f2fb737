/*
 * Extended attributes, stored as Linux's OpenZFS stores them, so either
 * system reads the other's:
 *   - names keep their namespace prefix ("user.mime", "trusted.x");
 *   - with xattr=sa (and system attributes on the file) a value lives in
 *     the znode's SA nvlist (ZPL_DXATTR) when it fits, else
 *   - in the file's hidden xattr directory: one file per name.
 * A name is found in the SA first, then in the directory; setting one
 * removes it from the other place. z_xattr_lock orders them.
 * Namespaces: user (unless xattr=off), trusted and security; system.*
 * (POSIX ACLs) is not supported.
 */
#include <sys/zfs_context.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_vnops.h>
#include <sys/zfs_vfsops.h>
#include <sys/zfs_dir.h>
#include <sys/zfs_sa.h>
#include <sys/zap.h>
#include <sys/nvpair.h>
#include "zpl_osprey.h"
#include <errno.h>
#include <string.h>

#define XATTR_CREATE	1
#define XATTR_REPLACE	2

/* The namespace check every call makes; 0 when name may be used. */
static int
xattr_name_ok(zfsvfs_t *zfsvfs, const char *name)
{
	if (strncmp(name, "user.", 5) == 0)
		return ((zfsvfs->z_flags & ZSB_XATTR) && name[5] ? 0 :
		    -EOPNOTSUPP);
	if ((strncmp(name, "trusted.", 8) == 0 && name[8]) ||
	    (strncmp(name, "security.", 9) == 0 && name[9]))
		return (0);
	return (-EOPNOTSUPP);
}

static boolean_t
in_sa(zfsvfs_t *zfsvfs, znode_t *zp)
{
	return (zfsvfs->z_use_sa && zp->z_is_sa);
}

/* The znode's SA nvlist, loaded once. */
static int
sa_xattrs(znode_t *zp, nvlist_t **nvl)
{
	int error = 0;

	mutex_enter(&zp->z_lock);
	if (zp->z_xattr_cached == NULL)
		error = zfs_sa_get_xattr(zp);
	*nvl = zp->z_xattr_cached;
	mutex_exit(&zp->z_lock);
	return (-error);
}

static long
get_sa(znode_t *zp, const char *name, void *buf, size_t len)
{
	nvlist_t *nvl;
	uchar_t *val;
	uint_t size;
	int error;

	if ((error = sa_xattrs(zp, &nvl)) != 0)
		return (error);
	if (nvlist_lookup_byte_array(nvl, name, &val, &size) != 0)
		return (-ENOENT);
	if (len == 0)
		return (size);
	if (len < size)
		return (-ERANGE);
	memcpy(buf, val, size);
	return (size);
}

/* The xattr directory, held; -ENOENT when the file has none (and create
 * is false). */
static int
xattr_dir(znode_t *zp, boolean_t create, znode_t **dxzp)
{
	return (-zfs_lookup(zp, NULL, dxzp, LOOKUP_XATTR |
	    (create ? CREATE_XATTR_DIR : 0), CRED(), NULL, NULL));
}

static long
get_dir(znode_t *zp, const char *name, void *buf, size_t len)
{
	znode_t *dxzp, *xzp;
	long error;

	if ((error = xattr_dir(zp, B_FALSE, &dxzp)) != 0)
		return (error);
	error = -zfs_lookup(dxzp, (char *)name, &xzp, 0, CRED(), NULL, NULL);
	if (error == 0) {
		loff_t size = ZTOI(xzp)->i_size;
		if (len == 0) {
			error = size;
		} else if ((loff_t)len < size) {
			error = -ERANGE;
		} else {
			struct iovec iov = { .iov_base = buf, .iov_len = len };
			zfs_uio_t uio;

			zfs_uio_iovec_init(&uio, &iov, 1, 0, UIO_SYSSPACE, len,
			    0);
			error = -zfs_read(xzp, &uio, 0, CRED());
			if (error == 0)
				error = len - zfs_uio_resid(&uio);
		}
		zrele(xzp);
	}
	zrele(dxzp);
	return (error);
}

static long
get_locked(znode_t *zp, const char *name, void *buf, size_t len)
{
	long error = -ENOENT;

	if (in_sa(ZTOZSB(zp), zp))
		error = get_sa(zp, name, buf, len);
	if (error == -ENOENT)
		error = get_dir(zp, name, buf, len);
	return (error == -ENOENT ? -ENODATA : error);
}

long
zpl_getxattr(znode_t *zp, const char *name, void *buf, size_t len)
{
	zfsvfs_t *zfsvfs = ZTOZSB(zp);
	long error;

	if ((error = xattr_name_ok(zfsvfs, name)) != 0)
		return (error);
	ZPL_ENTER(zfsvfs);
	ZPL_VERIFY_ZP(zp);
	rw_enter(&zp->z_xattr_lock, RW_READER);
	error = get_locked(zp, name, buf, len);
	rw_exit(&zp->z_xattr_lock);
	ZPL_EXIT(zfsvfs);
	return (error);
}

/* Sets (val != NULL) or removes name in the SA nvlist. */
static int
set_sa(znode_t *zp, const char *name, const void *val, size_t len)
{
	nvlist_t *nvl;
	size_t size;
	int error;

	if ((error = sa_xattrs(zp, &nvl)) != 0)
		return (error);
	if (val == NULL) {
		error = -nvlist_remove(nvl, name, DATA_TYPE_BYTE_ARRAY);
	} else {
		if (len > DXATTR_MAX_ENTRY_SIZE)
			return (-EFBIG);
		if ((error = -nvlist_size(nvl, &size, NV_ENCODE_XDR)) != 0)
			return (error);
		if (size > DXATTR_MAX_SA_SIZE)
			return (-EFBIG);
		error = -nvlist_add_byte_array(nvl, name, (uchar_t *)val, len);
	}
	if (error == 0)
		error = -zfs_sa_set_xattr(zp);
	if (error != 0) {
		/* The cached list may now differ from disk: reload it. */
		nvlist_free(nvl);
		zp->z_xattr_cached = NULL;
	}
	return (error);
}

/* Sets (val != NULL) or removes name in the xattr directory. */
static int
set_dir(znode_t *zp, const char *name, const void *val, size_t len)
{
	znode_t *dxzp, *xzp = NULL;
	int error;

	if ((error = xattr_dir(zp, val != NULL, &dxzp)) != 0)
		return (error);
	error = -zfs_lookup(dxzp, (char *)name, &xzp, 0, CRED(), NULL, NULL);
	if (error != 0 && error != -ENOENT)
		goto out;
	if (val == NULL) {
		error = xzp ? -zfs_remove(dxzp, (char *)name, CRED(), 0) : 0;
		goto out;
	}
	if (xzp == NULL) {
		vattr_t vap = {
			.va_mask = ATTR_MODE, .va_mode = S_IFREG | 0644,
			.va_uid = crgetuid(CRED()), .va_gid = crgetgid(CRED()),
		};
		error = -zfs_create(dxzp, (char *)name, &vap, 0, 0644, &xzp,
		    CRED(), ATTR_NOACLCHECK, NULL);
		if (error != 0)
			goto out;
	}
	error = -zfs_freesp(xzp, 0, 0, S_IFREG | 0644, B_TRUE);
	if (error == 0)
		error = -zfs_write_simple(xzp, val, len, 0, NULL);
out:
	if (xzp != NULL)
		zrele(xzp);
	zrele(dxzp);
	return (error);
}

int
zpl_setxattr(znode_t *zp, const char *name, const void *val, size_t len,
    int flags)
{
	zfsvfs_t *zfsvfs = ZTOZSB(zp);
	boolean_t was_sa = B_FALSE, was_dir = B_FALSE;
	int error;

	if ((error = xattr_name_ok(zfsvfs, name)) != 0)
		return (error);
	ZPL_ENTER(zfsvfs);
	ZPL_VERIFY_ZP(zp);
	rw_enter(&zp->z_xattr_lock, RW_WRITER);
	if (in_sa(zfsvfs, zp)) {
		if ((error = get_sa(zp, name, NULL, 0)) < 0 && error != -ENOENT)
			goto out;
		was_sa = error >= 0;
	}
	if ((error = get_dir(zp, name, NULL, 0)) < 0 && error != -ENOENT)
		goto out;
	was_dir = error >= 0;

	error = 0;
	if (!was_sa && !was_dir && (flags & XATTR_REPLACE || val == NULL))
		error = -ENODATA;
	else if ((was_sa || was_dir) && (flags & XATTR_CREATE))
		error = -EEXIST;
	if (error != 0)
		goto out;

	/* New values go to the SA with xattr=sa; too big ones fall back. */
	if (in_sa(zfsvfs, zp) && (zfsvfs->z_xattr_sa ||
	    (val == NULL && was_sa)) &&
	    (error = set_sa(zp, name, val, len)) == 0) {
		if (was_dir)
			(void) set_dir(zp, name, NULL, 0);
		goto out;
	}
	if ((error = set_dir(zp, name, val, len)) == 0 && was_sa)
		(void) set_sa(zp, name, NULL, 0);
out:
	rw_exit(&zp->z_xattr_lock);
	ZPL_EXIT(zfsvfs);
	return (error == -ENOENT ? -ENODATA : error);
}

/* Appends name (NUL included) to the list; -ERANGE when it is full. */
static int
list_add(char *buf, size_t len, size_t *off, const char *name)
{
	size_t n = strlen(name) + 1;

	if (len != 0) {
		if (*off + n > len)
			return (-ERANGE);
		memcpy(buf + *off, name, n);
	}
	*off += n;
	return (0);
}

static int
list_dir(znode_t *zp, char *buf, size_t len, size_t *off)
{
	zap_attribute_t za;
	zap_cursor_t zc;
	znode_t *dxzp;
	int error;

	if ((error = xattr_dir(zp, B_FALSE, &dxzp)) != 0)
		return (error == -ENOENT ? 0 : error);
	for (zap_cursor_init(&zc, ZTOZSB(zp)->z_os, dxzp->z_id);
	    (error = -zap_cursor_retrieve(&zc, &za)) == 0;
	    zap_cursor_advance(&zc)) {
		if ((error = list_add(buf, len, off, za.za_name)) != 0)
			break;
	}
	zap_cursor_fini(&zc);
	zrele(dxzp);
	return (error == -ENOENT ? 0 : error);
}

long
zpl_listxattr(znode_t *zp, char *buf, size_t len)
{
	zfsvfs_t *zfsvfs = ZTOZSB(zp);
	size_t off = 0;
	nvlist_t *nvl;
	int error = 0;

	ZPL_ENTER(zfsvfs);
	ZPL_VERIFY_ZP(zp);
	rw_enter(&zp->z_xattr_lock, RW_READER);
	if (in_sa(zfsvfs, zp) && (error = sa_xattrs(zp, &nvl)) == 0) {
		for (nvpair_t *p = nvlist_next_nvpair(nvl, NULL);
		    p != NULL && error == 0; p = nvlist_next_nvpair(nvl, p))
			error = list_add(buf, len, &off, nvpair_name(p));
	}
	if (error == 0)
		error = list_dir(zp, buf, len, &off);
	rw_exit(&zp->z_xattr_lock);
	ZPL_EXIT(zfsvfs);
	return (error != 0 ? error : (long)off);
}
