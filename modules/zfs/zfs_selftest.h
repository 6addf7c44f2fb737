/* The pool self-test of libzfs.so (zfs_selftest.c): OpenZFS's pool layer
 * driven through its kernel API on a scratch disk, one printk line per
 * step ("zfs-selftest: PASS <step>" / "zfs-selftest: FAIL <step>: ...").
 *
 * module_init calls it after spa_init when the command line asks:
 *
 *   --zfs.selftest_pool=/dev/vblk1     create pool "osprey" on the whole
 *                                      device (destroying what is there),
 *                                      write, export, import, verify, export
 *   --zfs.selftest_verify              with the above: only import the
 *                                      pool already there, verify, export
 *   --zfs.selftest_threads=N           writer threads (suggested; 1..64)
 *   --zfs.selftest_small               a small workload (a database's:
 *                                      ~5 MiB of 16 KiB pages, lz4) that
 *                                      fits a machine of 24 MiB
 *
 * Returns 0 when every step passed, else a positive errno (ECKSUM when a
 * read found a checksum error, ENODEV when devpath is no block device). */
#ifndef OSPREY_ZFS_SELFTEST_H
#define OSPREY_ZFS_SELFTEST_H

int zfs_pool_selftest(const char *devpath, int nthreads, int verify_only, int small);

/* --zfs.scrub=DEV: imports the pool on DEV (any name, any maker), scrubs
 * it, prints "zfs-scrub: PASS|FAIL ..." lines, exports. 0, ECKSUM when
 * the scrub found errors, or the import's or export's errno. */
int zfs_pool_scrub(const char *devpath);

/* --zfs.selftest_file=PATH: pool "ospreyfile" on a file vdev at PATH
 * (e.g. in /tmp): create, write, export, import from the file, verify,
 * export, remove; "zfs-file-pool: PASS|FAIL ..." lines. 0 or an errno. */
int zfs_file_pool_selftest(const char *path);

#endif
