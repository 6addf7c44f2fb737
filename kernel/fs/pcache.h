/* The page cache: the pages of a regular file that programs have mapped.
 * A file's cache (vn->pages) exists from its first mapping on; read() and
 * write() go through it only then, so files nobody maps pay nothing.
 *
 * The cache is the truth for the pages it holds: write() copies into them
 * after the filesystem took the bytes, read() copies from them over what
 * the filesystem returned, and a program's stores through MAP_SHARED reach
 * the file when the pages are written back (msync, fsync, munmap, exit).
 * So read(), write() and every mapping of a file agree, on every
 * filesystem (ZFS's own page-cache hooks stay off: this one is above it).
 *
 * Locks: pc->lock is a spinlock (faults, and the paging walks that report
 * unmapped pages, use it under other spinlocks); I/O happens outside it,
 * under the vnode's lock, as read() and write() take it. */
#ifndef FS_PCACHE_H
#define FS_PCACHE_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct vnode;

/* Finds or reads page `index` of vn and counts one more mapping of it;
 * its physical address in *pa. -ENXIO: the page starts at or beyond the
 * end of the file (a program touching it gets SIGBUS, as on Linux); -EIO,
 * -ENOMEM. May sleep. */
int pcache_get(struct vnode *vn, uint64_t index, uint64_t *pa);
/* A mapping of pa as page index went away (dirty: it was written through
 * it). Returns false if pa is not that cache page (a private copy, which
 * the caller frees). Never sleeps. */
bool pcache_unmapped(struct vnode *vn, uint64_t index, uint64_t pa, bool dirty);
/* Memory pressure: pcache_unmapped for a clean mapping, and the page is
 * freed at once if that was its last mapping and nothing else holds it.
 * True if it was freed. Never sleeps. */
bool pcache_release(struct vnode *vn, uint64_t index, uint64_t pa);
/* fork: if pa is the cache page at index, it counts one more mapping
 * (true); else false (a private copy). Never sleeps. */
bool pcache_mapped_again(struct vnode *vn, uint64_t index, uint64_t pa);
/* Is pa the cache page at index? Never sleeps. */
bool pcache_holds(struct vnode *vn, uint64_t index, uint64_t pa);
/* Stores through a mapping reached the page (from the dirty bits). */
void pcache_dirtied(struct vnode *vn, uint64_t index, uint64_t pa);

/* Writes the dirty pages to the file (never past its end); the first
 * error, also one a past writeback met, once. Takes the vnode's lock. */
int pcache_writeback(struct vnode *vn);

/* Hooks of the VFS, vnode lock held (write for the two that change); buf
 * may be a program's: pcache_read is -EFAULT when a page of it went away
 * (pcache_wrote's caller wrote the same bytes to the file already). */
void pcache_wrote(struct vnode *vn, const void *buf, size_t len, int64_t off);
int pcache_read(struct vnode *vn, void *buf, size_t len, int64_t off);
void pcache_truncated(struct vnode *vn, int64_t size);
/* The vnode is going: frees what its cache holds (nothing is mapped). */
void pcache_free(struct vnode *vn);

#endif
