/* The ext2 module: the pure reader (ext2_disk.c) behind the VFS, read-only.
 * One mutex per mount serializes the reader, whose metadata block cache
 * lives inside struct ext2_fs; file data goes straight from the block
 * layer to the caller's buffer. Vnodes are kept in the VFS's per-mount
 * cache by inode number and carry a copy of their decoded inode. */
#include "arch.h"
#include "fs/vfs.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "mm/mm.h"
#include "module/module.h"
#include <errno.h>
#include <string.h>
#include "ext2_disk.h"

/* The loader checks this stamp against the kernel's module API. */
__attribute__((visibility("default")))
const uint32_t osprey_module_api = OSPREY_MODULE_API;

struct ext2_mount {
	struct ext2_fs fs;		/* under lock */
	struct blkdev *dev;
	struct mutex lock;
};

static const struct vnode_ops ext2_vops;

static struct ext2_mount *EM(struct vnode *vn) { return vn->mount->priv; }
static struct ext2_inode *EI(struct vnode *vn) { return vn->priv; }

static int image_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct ext2_mount *em = ctx;
	long n = blk_pread(em->dev, buf, len, off);

	return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

static void image_error(void *ctx, const char *what, uint32_t ino, uint64_t blk)
{
	struct ext2_mount *em = ctx;

	if (ino != EXT2_NO_INO && blk != EXT2_NO_BLOCK)
		pr_err("ext2: %s: %s (inode %u, block %llu)\n", em->dev->name, what, ino,
		    (unsigned long long)blk);
	else if (ino != EXT2_NO_INO)
		pr_err("ext2: %s: %s (inode %u)\n", em->dev->name, what, ino);
	else if (blk != EXT2_NO_BLOCK)
		pr_err("ext2: %s: %s (block %llu)\n", em->dev->name, what,
		    (unsigned long long)blk);
	else
		pr_err("ext2: %s: %s\n", em->dev->name, what);
}

/* ---- vnodes ---- */
/* The vnode for an inode, from the mount's cache or read now. Lock held. */
static int get_vnode(struct mount *mp, uint32_t ino, struct vnode **out)
{
	struct ext2_mount *em = mp->priv;
	struct vnode *vn = vnode_cache_find(mp, ino);
	struct ext2_inode in;

	if (vn) {
		*out = vn;
		return 0;
	}
	int err = ext2_inode_get(&em->fs, ino, &in);
	if (err)
		return err;
	vn = vnode_new(mp, mode_to_vtype(in.mode), &ext2_vops, sizeof(struct ext2_inode));
	if (!vn)
		return -ENOMEM;
	vn->ino = ino;
	vn->rdev = in.rdev;
	*EI(vn) = in;
	*out = vnode_cache_add(vn);
	return 0;
}

/* ".." is the directory's own ".." entry: ext2 keeps it up to date, and
 * the root's points at the root, as the VFS wants. */
static int ext2_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct ext2_mount *em = EM(dir);
	uint32_t ino;

	mutex_lock(&em->lock);
	int err = ext2_dir_lookup(&em->fs, EI(dir), name, strlen(name), &ino);
	if (!err)
		err = get_vnode(dir->mount, ino, out);
	mutex_unlock(&em->lock);
	return err;
}

/* Cookies are byte offsets in the directory plus 2 (0 and 1 are "." and
 * ".."): stable, since nothing here changes a directory. */
static int ext2_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	struct ext2_mount *em = EM(dir);
	struct ext2_dirent de;
	int err = 0;

	if (ctx->pos < 2)
		ctx->pos = 2;
	mutex_lock(&em->lock);
	for (;;) {
		uint64_t next = (uint64_t)ctx->pos - 2;
		err = ext2_dir_iter(&em->fs, EI(dir), &next, &de);
		if (err <= 0)
			break;
		if (ctx->emit(ctx, de.name, de.name_len, de.ino, de.type))
			break;
		ctx->pos = (int64_t)next + 2;
	}
	mutex_unlock(&em->lock);
	return err < 0 ? err : 0;
}

static int ext2_readlink_op(struct vnode *vn, char *buf, size_t len)
{
	struct ext2_mount *em = EM(vn);

	mutex_lock(&em->lock);
	int n = ext2_readlink(&em->fs, EI(vn), buf, len);
	mutex_unlock(&em->lock);
	return n;
}

/* The file's bytes reach the reader's buffer (often a program's, which
 * may go away meanwhile) through a kernel chunk and a checked copy made
 * with the lock dropped: ext2_disk.c, shared with the host tools, writes
 * only kernel memory, and a fault on the buffer may read this very file. */
enum { READ_CHUNK = 16384 };

static long ext2_read_op(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	struct ext2_mount *em = EM(vn);
	size_t done = 0;
	long n = 0;

	if (off < 0)
		return -EINVAL;
	if (vn->type != VREG)
		return -EISDIR;
	char *chunk = len ? kmalloc(len < READ_CHUNK ? len : READ_CHUNK) : NULL;
	if (len && !chunk)
		return -ENOMEM;
	while (done < len) {
		size_t want = len - done < READ_CHUNK ? len - done : READ_CHUNK;
		mutex_lock(&em->lock);
		n = ext2_file_read(&em->fs, EI(vn), (uint64_t)off + done, chunk, want);
		mutex_unlock(&em->lock);
		if (n <= 0)
			break;
		if (uaccess_copy((char *)buf + done, chunk, (size_t)n)) {
			n = -EFAULT;
			break;
		}
		done += (size_t)n;
		if ((size_t)n < want)
			break;
	}
	kfree(chunk);
	return done ? (long)done : n;
}

static int ext2_getattr(struct vnode *vn, struct vattr *va)
{
	const struct ext2_inode *in = EI(vn);

	memset(va, 0, sizeof(*va));
	va->ino = vn->ino;
	va->mode = in->mode;
	va->nlink = in->nlink;
	va->uid = in->uid;
	va->gid = in->gid;
	va->rdev = in->rdev;
	va->size = (int64_t)in->size;
	va->blksize = EM(vn)->fs.block_size;
	va->blocks = in->blocks;
	va->atime = in->atime;
	va->mtime = in->mtime;
	va->ctime = in->ctime;
	return 0;
}

static const struct vnode_ops ext2_vops = {
	.lookup = ext2_lookup,
	.readdir = ext2_readdir,
	.readlink = ext2_readlink_op,
	.read = ext2_read_op,
	.getattr = ext2_getattr,
};

/* ---- mounting ---- */
static int ext2_mount_op(struct mount *mp, const char *source, const char *data)
{
	struct blkdev *dev = blk_find_path(source);
	if (!dev) {
		pr_err("ext2: no block device '%s'\n", source ? source : "(none)");
		return -ENODEV;
	}
	struct ext2_mount *em = kzalloc(sizeof(*em));
	if (!em)
		return -ENOMEM;
	em->dev = dev;
	mutex_init(&em->lock);
	mp->priv = em;			/* freed by ext2_release, even on failure */
	mp->flags |= MS_RDONLY;		/* writes get -EROFS from the VFS */
	int err = ext2_mount(&em->fs, image_read, image_error, em,
	    dev->nsectors * SECTOR_SIZE);
	if (err) {
		pr_err("ext2: %s: %s\n", dev->name,
		    em->fs.reason ? em->fs.reason : "cannot mount");
		return err;
	}
	const struct ext2_super *sb = &em->fs.sb;
	if (!(sb->state & 1) || (sb->state & 2))
		pr_warn("ext2: %s: not cleanly unmounted or has errors; reading anyway\n",
		    dev->name);
	mutex_lock(&em->lock);
	err = get_vnode(mp, EXT2_ROOT_INO, &mp->root);
	mutex_unlock(&em->lock);
	if (err)
		return err;
	pr_info("ext2: %s: %u inodes, %u blocks of %u bytes, read-only\n", dev->name,
	    sb->inodes_count, sb->blocks_count, em->fs.block_size);
	return 0;
}

static int ext2_remount(struct mount *mp, unsigned long flags, const char *data)
{
	return (flags & MS_RDONLY) ? 0 : -EROFS;
}

static void ext2_release(struct mount *mp)
{
	kfree(mp->priv);
	mp->priv = NULL;
}

static int ext2_statfs(struct mount *mp, struct vfs_statfs *st)
{
	struct ext2_mount *em = mp->priv;
	const struct ext2_super *sb = &em->fs.sb;
	uint64_t fsid = 0;

	memset(st, 0, sizeof(*st));
	st->type = EXT2_MAGIC;
	st->bsize = st->frsize = em->fs.block_size;
	st->blocks = sb->blocks_count;
	st->bfree = sb->free_blocks;
	st->bavail = sb->free_blocks > sb->r_blocks_count ? sb->free_blocks - sb->r_blocks_count : 0;
	st->files = sb->inodes_count;
	st->ffree = sb->free_inodes;
	for (int i = 0; i < 8; i++)
		fsid = fsid << 8 | (sb->uuid[i] ^ sb->uuid[i + 8]);
	st->fsid = fsid;
	st->namelen = EXT2_NAME_MAX;
	return 0;
}

static const struct fs_type ext2_fs_type = {
	.name = "ext2",
	.mount = ext2_mount_op,
	.remount = ext2_remount,
	.release = ext2_release,
	.statfs = ext2_statfs,
};

__attribute__((visibility("default")))
int module_init(void)
{
	return vfs_register_fs(&ext2_fs_type);
}
