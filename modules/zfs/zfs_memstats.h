/* --zfs.memstats (zfs_memstats.c): four lines "zfs: memory WHEN: ..."
 * saying where libzfs.so's memory goes: RAM and the kernel heap; the
 * module image, kmem_alloc and the kmem caches; the ARC; task queues,
 * threads and their stacks, with the deepest stack use seen per thread. */
#ifndef OSPREY_ZFS_MEMSTATS_H
#define OSPREY_ZFS_MEMSTATS_H

void zfs_memstats(const char *when);

#endif
