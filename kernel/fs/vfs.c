/* VFS core: vnode references, the per-mount vnode cache, the registry of
 * filesystem types, the mount table and the current directory. Path
 * lookup is in vfs_lookup.c, path operations in vfs_ops.c, open files and
 * fd tables in vfs_file.c. Lock rules: README.md. */
#include "fs/vfs.h"
#include "fs/pcache.h"
#include "fs/vfs_impl.h"
#include "mm/mm.h"
#include "dev/console.h"
#include <errno.h>
#include <string.h>

#define MAX_FS_TYPES		16
#define VNODE_CACHE_SIZE	256	/* buckets per mount, allocated on first use */

/* Filesystem types by name: fs_types_lock. */
static struct mutex fs_types_lock;
static const struct fs_type *fs_types[MAX_FS_TYPES];

/* Mount table, root mount, every vnode's mounted_here and mount flags. */
struct rwlock mount_lock;
static struct list mounts = LIST_INIT(mounts);
static struct mount *root_mount;
static uint64_t next_dev = 1;

/* The current directory: cwd_lock. NULL means the root. */
static struct mutex cwd_lock;
static struct vnode *cwd;

struct mutex rename_lock;
static long vnodes_live;		/* atomic */

/* Unreferenced vnodes kept for their pages (below): idle_lock. */
static struct mutex idle_lock;
static struct list idle_vnodes = LIST_INIT(idle_vnodes);
static int idle_count;
static bool vfs_ready;			/* set once at boot, before threads use the VFS */

void vfs_init(void)
{
	if (vfs_ready)
		return;
	mutex_init(&fs_types_lock);
	rwlock_init(&mount_lock);
	mutex_init(&cwd_lock);
	mutex_init(&rename_lock);
	mutex_init(&idle_lock);
	vfs_ready = true;
	int err = ramfs_init();
	if (err)
		pr_err("vfs: ramfs registration failed: %d\n", err);
}

/* ---- vnodes ---- */

long vnode_count(void)
{
	return __atomic_load_n(&vnodes_live, __ATOMIC_RELAXED);
}

struct vnode *vnode_new(struct mount *mp, enum vtype type,
			const struct vnode_ops *ops, size_t priv_size)
{
	size_t head = (sizeof(struct vnode) + 15) & ~(size_t)15;
	struct vnode *vn = kzalloc(head + priv_size);
	if (!vn)
		return NULL;
	vn->type = type;
	vn->refs = 1;
	vn->mount = mp;
	vn->ops = ops;
	if (priv_size)
		vn->priv = (char *)vn + head;
	rwlock_init(&vn->lock);
	mutex_lock(&mp->vlock);
	list_add_tail(&mp->vnodes, &vn->mount_node);
	mp->active++;
	mutex_unlock(&mp->vlock);
	__atomic_add_fetch(&vnodes_live, 1, __ATOMIC_RELAXED);
	return vn;
}

static void cache_remove_locked(struct vnode *vn)
{
	struct mount *mp = vn->mount;
	struct vnode **pp = &mp->cache[vn->ino % VNODE_CACHE_SIZE];
	while (*pp && *pp != vn)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = vn->hash_next;
	vn->flags &= ~VN_CACHED;
}

/* ---- idle vnodes kept for their pages ----
 * On a filesystem whose files never change (keep_idle_pages), a vnode
 * whose last reference goes stays in its mount's vnode cache with its page
 * cache, so the next exec of a program finds its pages instead of reading
 * and decoding them again. The page cache's reclaimer frees such pages
 * under memory pressure like any other unmapped ones; the vnodes
 * themselves wait on an LRU of at most IDLE_MAX. idle_lock guards the list
 * and VN_IDLE; it nests inside a mount's vlock, so eviction, which holds
 * idle_lock, only try-locks another mount's vlock. */
#define IDLE_MAX	256

static void vnode_destroy_locked(struct vnode *vn);

static void idle_remove_locked(struct vnode *vn)
{
	list_del(&vn->idle_node);
	vn->flags &= ~VN_IDLE;
	idle_count--;
}

/* A vnode going idle (mp->vlock held, refs 0): kept when its filesystem
 * allows and it has pages; an idle vnode beyond IDLE_MAX goes, oldest
 * first. False: destroy it now. */
static bool idle_keep(struct vnode *vn)
{
	struct mount *mp = vn->mount;
	if (!mp->type->keep_idle_pages || !vn->pages || !(vn->flags & VN_CACHED))
		return false;
	mutex_lock(&idle_lock);
	list_add_tail(&idle_vnodes, &vn->idle_node);
	vn->flags |= VN_IDLE;
	idle_count++;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &idle_vnodes) {
		if (idle_count <= IDLE_MAX)
			break;
		struct vnode *old = list_entry(pos, struct vnode, idle_node);
		bool ours = old->mount == mp;
		if (old == vn || (!ours && !mutex_trylock(&old->mount->vlock)))
			continue;
		idle_remove_locked(old);
		vnode_destroy_locked(old);
		if (!ours)
			mutex_unlock(&old->mount->vlock);
	}
	mutex_unlock(&idle_lock);
	return true;
}

/* An idle vnode found again or going for good (mp->vlock held). */
static void idle_leave(struct vnode *vn)
{
	if (!(vn->flags & VN_IDLE))
		return;
	mutex_lock(&idle_lock);
	if (vn->flags & VN_IDLE)
		idle_remove_locked(vn);
	mutex_unlock(&idle_lock);
}

/* With mp->vlock held and no references left (and idle_lock, when it is
 * the eviction of an idle vnode, already off the list). */
static void vnode_destroy_locked(struct vnode *vn)
{
	idle_leave(vn);
	if (vn->flags & VN_CACHED)
		cache_remove_locked(vn);
	list_del(&vn->mount_node);
	pcache_free(vn);
	if (vn->ops->reclaim)
		vn->ops->reclaim(vn);
	kfree(vn);
	__atomic_sub_fetch(&vnodes_live, 1, __ATOMIC_RELAXED);
}

/* 0 -> 1 under the mount's vnode lock, so a vnode being made inactive
 * cannot be revived halfway. */
static void hold_locked(struct vnode *vn)
{
	if (__atomic_fetch_add(&vn->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		vn->mount->active++;
		idle_leave(vn);
	}
}

void vn_hold(struct vnode *vn)
{
	int r = __atomic_load_n(&vn->refs, __ATOMIC_RELAXED);
	while (r > 0)
		if (__atomic_compare_exchange_n(&vn->refs, &r, r + 1, true,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return;
	struct mount *mp = vn->mount;
	mutex_lock(&mp->vlock);
	hold_locked(vn);
	mutex_unlock(&mp->vlock);
}

void vn_rele(struct vnode *vn)
{
	int r = __atomic_load_n(&vn->refs, __ATOMIC_RELAXED);
	while (r > 1)
		if (__atomic_compare_exchange_n(&vn->refs, &r, r - 1, true,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return;
	struct mount *mp = vn->mount;
	mutex_lock(&mp->vlock);
	if (__atomic_sub_fetch(&vn->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		mp->active--;
		bool keep = (vn->ops->inactive && vn->ops->inactive(vn)) || idle_keep(vn);
		if (!keep)
			vnode_destroy_locked(vn);
	}
	mutex_unlock(&mp->vlock);
}

struct vnode *vnode_cache_find(struct mount *mp, uint64_t ino)
{
	struct vnode *found = NULL;
	mutex_lock(&mp->vlock);
	if (mp->cache)
		for (struct vnode *vn = mp->cache[ino % VNODE_CACHE_SIZE]; vn; vn = vn->hash_next)
			if (vn->ino == ino) {
				hold_locked(vn);
				found = vn;
				break;
			}
	mutex_unlock(&mp->vlock);
	return found;
}

struct vnode *vnode_cache_add(struct vnode *vn)
{
	struct mount *mp = vn->mount;
	mutex_lock(&mp->vlock);
	if (!mp->cache)
		mp->cache = kzalloc(VNODE_CACHE_SIZE * sizeof(*mp->cache));
	if (!mp->cache) {	/* no cache: the vnode just stays unshared */
		mutex_unlock(&mp->vlock);
		return vn;
	}
	struct vnode **bucket = &mp->cache[vn->ino % VNODE_CACHE_SIZE];
	for (struct vnode *other = *bucket; other; other = other->hash_next)
		if (other->ino == vn->ino) {
			hold_locked(other);
			mutex_unlock(&mp->vlock);
			vn_rele(vn);
			return other;
		}
	vn->hash_next = *bucket;
	*bucket = vn;
	vn->flags |= VN_CACHED;
	mutex_unlock(&mp->vlock);
	return vn;
}

unsigned vtype_to_dt(enum vtype t)
{
	static const unsigned char dt[] = {
		[VNON] = DT_UNKNOWN, [VREG] = DT_REG, [VDIR] = DT_DIR, [VLNK] = DT_LNK,
		[VCHR] = DT_CHR, [VBLK] = DT_BLK, [VFIFO] = DT_FIFO, [VSOCK] = DT_SOCK,
	};
	return (unsigned)t < sizeof(dt) ? dt[t] : DT_UNKNOWN;
}

uint32_t vtype_to_mode(enum vtype t)
{
	static const uint32_t mode[] = {
		[VNON] = 0, [VREG] = S_IFREG, [VDIR] = S_IFDIR, [VLNK] = S_IFLNK,
		[VCHR] = S_IFCHR, [VBLK] = S_IFBLK, [VFIFO] = S_IFIFO, [VSOCK] = S_IFSOCK,
	};
	return (unsigned)t < sizeof(mode) / sizeof(mode[0]) ? mode[t] : 0;
}

enum vtype mode_to_vtype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return VREG;
	case S_IFDIR: return VDIR;
	case S_IFLNK: return VLNK;
	case S_IFCHR: return VCHR;
	case S_IFBLK: return VBLK;
	case S_IFIFO: return VFIFO;
	case S_IFSOCK: return VSOCK;
	default: return VNON;
	}
}

/* ---- filesystem types ---- */

static int find_type_slot(const char *name)
{
	for (int i = 0; i < MAX_FS_TYPES; i++)
		if (fs_types[i] && !strcmp(fs_types[i]->name, name))
			return i;
	return -1;
}

int vfs_register_fs(const struct fs_type *type)
{
	int err = -ENOMEM;
	mutex_lock(&fs_types_lock);
	if (find_type_slot(type->name) >= 0) {
		err = -EEXIST;
	} else {
		for (int i = 0; i < MAX_FS_TYPES; i++)
			if (!fs_types[i]) {
				fs_types[i] = type;
				err = 0;
				break;
			}
	}
	mutex_unlock(&fs_types_lock);
	return err;
}

static bool type_in_use(const struct fs_type *type)
{
	struct list *pos;
	bool used = false;
	rw_read_lock(&mount_lock);
	list_for_each(pos, &mounts)
		if (list_entry(pos, struct mount, node)->type == type)
			used = true;
	rw_unlock(&mount_lock);
	return used;
}

int vfs_unregister_fs(const struct fs_type *type)
{
	int err = -ENOENT;
	mutex_lock(&fs_types_lock);
	int i = find_type_slot(type->name);
	if (i >= 0 && fs_types[i] == type) {
		err = type_in_use(type) ? -EBUSY : 0;
		if (!err)
			fs_types[i] = NULL;
	}
	mutex_unlock(&fs_types_lock);
	return err;
}

const struct fs_type *vfs_find_fs(const char *name)
{
	mutex_lock(&fs_types_lock);
	int i = find_type_slot(name);
	const struct fs_type *type = i >= 0 ? fs_types[i] : NULL;
	mutex_unlock(&fs_types_lock);
	return type;
}

/* ---- mounts ---- */

/* Frees every vnode left on an unmounted filesystem (all unreferenced). */
static void mount_reclaim_all(struct mount *mp)
{
	struct list *pos, *tmp;
	mutex_lock(&mp->vlock);
	list_for_each_safe(pos, tmp, &mp->vnodes) {
		struct vnode *vn = list_entry(pos, struct vnode, mount_node);
		if (vn->refs)
			pr_err("vfs: unmount %s: vnode %llu still has %d refs\n",
			       mp->path, (unsigned long long)vn->ino, vn->refs);
		vnode_destroy_locked(vn);
	}
	mutex_unlock(&mp->vlock);
	if (mp->type->release)
		mp->type->release(mp);
	kfree(mp->cache);
	kfree(mp);
}

/* A new mount of fstype with its filesystem mounted, not yet attached. */
static int mount_create(const char *fstype, const char *source, const char *path,
			unsigned long flags, const char *data, struct mount **out)
{
	const struct fs_type *type = vfs_find_fs(fstype);
	if (!type)
		return -ENODEV;
	if (source && strnlen(source, MOUNT_SOURCE_MAX) == MOUNT_SOURCE_MAX)
		return -ENAMETOOLONG;
	struct mount *mp = kzalloc(sizeof(*mp) + strlen(path) + 1);
	if (!mp)
		return -ENOMEM;
	mp->type = type;
	mp->flags = flags & ~MS_REMOUNT;
	mutex_init(&mp->vlock);
	list_init(&mp->vnodes);
	list_init(&mp->node);
	strlcpy(mp->source, source ? source : "none", sizeof(mp->source));
	memcpy(mp->path, path, strlen(path) + 1);
	int err = type->mount(mp, source, data);
	if (!err && (!mp->root || mp->root->type != VDIR)) {
		pr_err("vfs: %s mount gave no root directory\n", fstype);
		err = -EIO;
	}
	if (err) {
		if (mp->root)
			vn_rele(mp->root);
		mount_reclaim_all(mp);
		return err;
	}
	mp->root->flags |= VN_ROOT;
	*out = mp;
	return 0;
}

/* Undoes mount_create for a mount that was never attached or is detached. */
static void mount_destroy(struct mount *mp)
{
	vn_rele(mp->root);
	if (mp->covered)
		vn_rele(mp->covered);
	mount_reclaim_all(mp);
}

int vfs_mount_root(const char *fstype, const char *source, unsigned long flags,
		   const char *data)
{
	struct mount *mp;
	vfs_init();
	int err = mount_create(fstype, source, "/", flags, data, &mp);
	if (err)
		return err;
	rw_write_lock(&mount_lock);
	if (root_mount) {
		err = -EBUSY;
	} else {
		mp->dev = next_dev++;
		root_mount = mp;
		list_add_tail(&mounts, &mp->node);
	}
	rw_unlock(&mount_lock);
	if (err) {
		if (mp->type->unmount)
			mp->type->unmount(mp, 0);
		mount_destroy(mp);
	}
	return err;
}

static int remount(struct vnode *vn, unsigned long flags, const char *data)
{
	if (!(vn->flags & VN_ROOT))
		return -EINVAL;
	struct mount *mp = vn->mount;
	int err = mp->type->remount ? mp->type->remount(mp, flags, data) : 0;
	if (!err) {
		rw_write_lock(&mount_lock);
		mp->flags = flags & ~MS_REMOUNT;
		rw_unlock(&mount_lock);
	}
	return err;
}

static int mount_attach(struct mount *mp, struct vnode *vn);

/* Mounts on the directory vn, whose reference (held) the mount takes. */
static int mount_on(struct vnode *vn, const char *source, const char *fstype,
		    unsigned long flags, const char *data, bool automount)
{
	/* The mount point as /proc/mounts gives it: absolute, symlinks and
	 * "." or ".." resolved, whatever the caller's cwd was. */
	char *where = kmalloc(PATH_MAX);
	if (!where) {
		vn_rele(vn);
		return -ENOMEM;
	}
	vn_hold(vn);
	struct mount *mp;
	int err = vfs_dir_path(vn, where, PATH_MAX);
	if (!err)
		err = mount_create(fstype, source, where, flags, data, &mp);
	kfree(where);
	if (err) {
		vn_rele(vn);
		return err;
	}
	mp->automounted = automount;
	err = mount_attach(mp, vn);
	if (err) {
		if (mp->type->unmount)
			mp->type->unmount(mp, 0);
		vn_rele(vn);
		mount_destroy(mp);
	}
	return err;
}

/* Attaches mp on the directory vn (held; the mount takes that reference). */
static int mount_attach(struct mount *mp, struct vnode *vn)
{
	int err = 0;
	rw_write_lock(&mount_lock);
	if (vn->mounted_here) {
		err = -EBUSY;	/* lookup crossed it already: only a race gets here */
	} else {
		mp->covered = vn;
		mp->dev = next_dev++;
		__atomic_store_n(&vn->mounted_here, mp, __ATOMIC_RELEASE);
		list_add_tail(&mounts, &mp->node);
	}
	rw_unlock(&mount_lock);
	return err;
}

int vfs_mountat(struct vnode *at, const char *source, const char *target,
		const char *fstype, unsigned long flags, const char *data)
{
	struct vnode *vn;
	int err = vfs_lookupat(at, target, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &vn);
	if (err)
		return err;
	if (flags & MS_REMOUNT) {
		err = remount(vn, flags, data);
		vn_rele(vn);
		return err;
	}
	return mount_on(vn, source, fstype, flags, data, false);
}

int vfs_mount_on(struct vnode *vn, const char *source, const char *fstype,
		 unsigned long flags, const char *data, bool automount)
{
	if (vn->type != VDIR)
		return -ENOTDIR;
	vn_hold(vn);
	return mount_on(vn, source, fstype, flags & ~MS_REMOUNT, data, automount);
}

/* With mount_lock held for writing: in use beyond the mount's own
 * reference on its root and the caller's one (rootvn)? */
static bool mount_busy(struct mount *mp, struct vnode *rootvn)
{
	mutex_lock(&mp->vlock);
	bool busy = mp->active > 1 || __atomic_load_n(&rootvn->refs, __ATOMIC_ACQUIRE) > 2;
	mutex_unlock(&mp->vlock);
	return busy || rootvn->mounted_here;
}

/* Unmounts the mount whose root vn is (held by the caller: this drops
 * it). On success the mount is gone. */
static int umount_root(struct vnode *vn, int flags)
{
	struct mount *mp = vn->mount;
	int err = 0;
	rw_write_lock(&mount_lock);
	if (mp == root_mount || mount_busy(mp, vn))
		err = -EBUSY;
	else if (mp->type->unmount)
		err = mp->type->unmount(mp, flags);
	if (!err) {
		__atomic_store_n(&mp->covered->mounted_here, NULL, __ATOMIC_RELEASE);
		list_del(&mp->node);
	}
	rw_unlock(&mount_lock);
	vn_rele(vn);
	if (!err)
		mount_destroy(mp);
	return err;
}

/* The root, held, of an automounted mount that match accepts, or NULL. */
static struct vnode *find_automount(bool (*match)(struct mount *m, const void *arg),
				    const void *arg)
{
	struct vnode *root = NULL;
	struct list *pos;
	rw_read_lock(&mount_lock);
	list_for_each(pos, &mounts) {
		struct mount *m = list_entry(pos, struct mount, node);
		if (m->automounted && match(m, arg)) {
			root = m->root;
			vn_hold(root);
			break;
		}
	}
	rw_unlock(&mount_lock);
	return root;
}

static bool inside(struct mount *m, const void *parent)
{
	return m->covered && m->covered->mount == parent;
}

static bool named(struct mount *m, const void *source)
{
	return !strcmp(m->source, source);
}

/* What was automounted inside mp goes first (deepest first, as each
 * such mount's own automounts go before it). */
static int umount_automounts(struct mount *mp)
{
	struct vnode *root;
	while ((root = find_automount(inside, mp)) != NULL) {
		int err = umount_automounts(root->mount);
		if (err) {
			vn_rele(root);
			return err;
		}
		if ((err = umount_root(root, 0)))
			return err;
	}
	return 0;
}

int vfs_umount_automounted(const char *source)
{
	struct vnode *root = find_automount(named, source);
	if (!root)
		return 0;
	int err = umount_automounts(root->mount);
	if (err) {
		vn_rele(root);
		return err;
	}
	return umount_root(root, 0);
}

int vfs_umountat(struct vnode *at, const char *target, int flags)
{
	struct vnode *vn;
	int err = vfs_lookupat(at, target, LOOKUP_FOLLOW, &vn);
	if (err)
		return err;
	if (!(vn->flags & VN_ROOT)) {
		vn_rele(vn);
		return -EINVAL;
	}
	if ((err = umount_automounts(vn->mount))) {
		vn_rele(vn);
		return err;
	}
	return umount_root(vn, flags);
}

/* The roots of every mount but the root, in mount order, each held: a
 * held root keeps its mount from being unmounted by anyone else (busy),
 * so the list stays valid after mount_lock is dropped. */
static int hold_mount_roots(struct vnode ***out)
{
	struct list *pos;
	int n = 0, cap = 0;
	rw_read_lock(&mount_lock);
	list_for_each(pos, &mounts)
		cap++;
	rw_unlock(&mount_lock);
	struct vnode **roots = kmalloc((cap ? cap : 1) * sizeof(*roots));
	if (!roots)
		return -ENOMEM;
	rw_read_lock(&mount_lock);
	list_for_each(pos, &mounts) {
		struct mount *mp = list_entry(pos, struct mount, node);
		if (mp != root_mount && n < cap) {
			vn_hold(mp->root);
			roots[n++] = mp->root;
		}
	}
	rw_unlock(&mount_lock);
	*out = roots;
	return n;
}

int vfs_unmount_all(void)
{
	struct vnode **roots;
	int n = hold_mount_roots(&roots), first_err = 0;
	if (n < 0) {
		pr_err("fs: cannot unmount anything: out of memory\n");
		return n;
	}
	for (int i = n - 1; i >= 0; i--) {
		/* Named from a copy: a mount that goes takes its path along. */
		const char *mp_path = roots[i]->mount->path;
		size_t len = strlen(mp_path) + 1;
		char *copy = kmalloc(len);
		if (copy)
			memcpy(copy, mp_path, len);
		const char *path = copy ? copy : "a mount";
		int err = umount_root(roots[i], 0);
		if (!err)
			pr_info("fs: unmounted %s\n", path);
		else
			pr_err("fs: cannot unmount %s: %s (error %d)\n", path, err == -EBUSY ?
			    "busy (files, directories or mounts in it are in use)" :
			    "its filesystem failed to unmount", -err);
		kfree(copy);
		if (err && !first_err)
			first_err = err;
	}
	kfree(roots);
	return first_err;
}

struct vnode *vfs_root(void)
{
	struct vnode *vn = NULL;
	if (!vfs_ready)
		return NULL;
	rw_read_lock(&mount_lock);
	if (root_mount) {
		vn = root_mount->root;
		vn_hold(vn);
	}
	rw_unlock(&mount_lock);
	return vn;
}

int vfs_for_each_mount(int (*fn)(struct mount *mp, void *arg), void *arg)
{
	struct list *pos;
	int ret = 0;
	rw_read_lock(&mount_lock);
	list_for_each(pos, &mounts) {
		ret = fn(list_entry(pos, struct mount, node), arg);
		if (ret)
			break;
	}
	rw_unlock(&mount_lock);
	return ret;
}

int vfs_sync_mount(struct mount *mp)
{
	return mp->type->sync ? mp->type->sync(mp) : 0;
}

static int sync_one(struct mount *mp, void *arg)
{
	int *first_err = arg;
	int err = vfs_sync_mount(mp);
	if (err && !*first_err)
		*first_err = err;
	return 0;
}

int vfs_sync(void)
{
	int err = 0;
	vfs_for_each_mount(sync_one, &err);
	return err;
}

int mount_statfs(struct mount *mp, struct vfs_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->namelen = NAME_MAX;
	st->bsize = st->frsize = PAGE_SIZE;
	int err = mp->type->statfs ? mp->type->statfs(mp, st) : 0;
	st->fsid = mp->dev;
	st->flags = (mp->flags & MS_RDONLY) ? 1 : 0;	/* ST_RDONLY */
	return err;
}

bool mount_readonly(struct mount *mp)
{
	return __atomic_load_n(&mp->flags, __ATOMIC_RELAXED) & MS_RDONLY;
}

/* ---- current directory ---- */

/* Set once at boot, before any program runs. */
static struct vnode **(*cwd_hook)(void);

void vfs_set_cwd_hook(struct vnode **(*slot)(void))
{
	cwd_hook = slot;
}

static struct vnode **cwd_slot(void)
{
	struct vnode **slot = cwd_hook ? cwd_hook() : NULL;

	return slot ? slot : &cwd;
}

struct vnode *vfs_cwd(void)
{
	mutex_lock(&cwd_lock);
	struct vnode *vn = *cwd_slot();
	if (vn)
		vn_hold(vn);
	mutex_unlock(&cwd_lock);
	return vn ? vn : vfs_root();
}

struct vnode *vfs_cwd_of(struct vnode **slot)
{
	mutex_lock(&cwd_lock);
	struct vnode *vn = *slot;
	if (vn)
		vn_hold(vn);
	mutex_unlock(&cwd_lock);
	return vn;
}

struct vnode *vfs_cwd_take(struct vnode **slot)
{
	mutex_lock(&cwd_lock);
	struct vnode *vn = *slot;
	*slot = NULL;
	mutex_unlock(&cwd_lock);
	return vn;
}

int vfs_fchdir(struct vnode *dir)
{
	if (dir->type != VDIR)
		return -ENOTDIR;
	vn_hold(dir);
	mutex_lock(&cwd_lock);
	struct vnode **slot = cwd_slot(), *old = *slot;
	*slot = dir;
	mutex_unlock(&cwd_lock);
	if (old)
		vn_rele(old);
	return 0;
}

int vfs_chdir(const char *path)
{
	struct vnode *vn;
	int err = vfs_lookupat(NULL, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &vn);
	if (err)
		return err;
	err = vfs_fchdir(vn);
	vn_rele(vn);
	return err;
}
