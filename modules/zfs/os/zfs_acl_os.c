/*
 * The parts of the ZPL's ACL code that the common SA code (sa.c,
 * zfs_sa.c) calls while upgrading a znode's attributes.
 *
 * ACLs on disk: an SA znode (ZPL version 5) keeps its NFSv4 ACL in the
 * DACL_COUNT and DACL_ACES system attributes; an older znode keeps a
 * zfs_acl_phys_t (ZNODE_ACL) holding the ACEs themselves or, when they do
 * not fit, the number of an external ACL object. Reading, converting and
 * checking ACLs is the POSIX layer's work (part 2 of the port); until it
 * exists only the small, self-contained pieces are here, and the rest
 * says so instead of pretending.
 */
#include <sys/zfs_context.h>
#include <sys/sa.h>
#include <sys/zfs_znode.h>
#include <sys/zfs_acl.h>
#include <sys/zfs_sa.h>
#include <sys/zfs_vfsops.h>

/*
 * An SA data locator: hands sa_bulk_update/sa_replace_all_by_template the
 * ACL's ACEs one node (one contiguous chunk) at a time, in list order.
 */
void
zfs_acl_data_locator(void **dataptr, uint32_t *length, uint32_t buflen,
    boolean_t start, void *userdata)
{
	zfs_acl_locator_cb_t *cb = userdata;
	list_t *nodes = &cb->cb_aclp->z_acl;

	(void) buflen;
	cb->cb_acl_node = start ? list_head(nodes) :
	    list_next(nodes, cb->cb_acl_node);
	*dataptr = cb->cb_acl_node->z_acldata;
	*length = cb->cb_acl_node->z_size;
}

/*
 * The object number of a legacy znode's external ACL, 0 if it has none.
 * An SA znode never has one. A znode can be upgraded to SA concurrently
 * (zfs_sa_upgrade); if ZNODE_ACL has gone, the upgrade has happened and
 * the answer is again 0.
 */
uint64_t
zfs_external_acl(znode_t *zp)
{
	zfs_acl_phys_t acl_phys;
	int error;

	if (zp->z_is_sa)
		return (0);
	error = sa_lookup(zp->z_sa_hdl, SA_ZPL_ZNODE_ACL(ZTOZSB(zp)),
	    &acl_phys, sizeof (acl_phys));
	if (error == 0)
		return (acl_phys.z_acl_extern_obj);
	VERIFY(zp->z_is_sa && error == ENOENT);
	return (0);
}

/*
 * Reading a znode's ACL into a zfs_acl_t needs the ACL machinery (ACE
 * walkers for both ACL versions, the per-znode ACL cache) of the POSIX
 * layer. Its callers here (sa_add_projid) give up on the error, and
 * without a cached ACL zfs_sa_upgrade leaves the znode as it is.
 */
int
zfs_acl_node_read(struct znode *zp, boolean_t have_lock, zfs_acl_t **aclpp,
    boolean_t will_modify)
{
	(void) have_lock, (void) will_modify;
	*aclpp = NULL;
	cmn_err(CE_WARN, "zfs: cannot read the ACL of object %llu: znode "
	    "ACLs belong to the POSIX layer (part 2 of the port)",
	    (unsigned long long)zp->z_id);
	return (SET_ERROR(EOPNOTSUPP));
}

/*
 * Converting a version-0 ACL to the FUID format; callers hold a cached
 * ACL, which only zfs_acl_node_read makes, and that always fails above.
 * The conversion cannot report failure, so reaching it is a bug.
 */
void
zfs_acl_xform(znode_t *zp, zfs_acl_t *aclp, cred_t *cr)
{
	(void) aclp, (void) cr;
	panic("zfs_acl_xform: object %llu: converting old-format ACLs is the "
	    "POSIX layer's (part 2 of the port)", (unsigned long long)zp->z_id);
}
