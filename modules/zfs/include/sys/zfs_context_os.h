/* What zfs_context.h takes from the platform beyond the headers it names:
 * the locks, threads and the rest of the SPL every OpenZFS file assumes. */
#ifndef OSPREY_SPL_SYS_ZFS_CONTEXT_OS_H
#define OSPREY_SPL_SYS_ZFS_CONTEXT_OS_H
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/thread.h>
#include <sys/tsd.h>
#include <sys/cred.h>
#include <sys/proc.h>
#include <sys/callb.h>
#include <sys/systeminfo.h>
#include <sys/wmsum.h>
#include <sys/simd.h>
#include <sys/signal.h>
#include <sys/errno.h>

/* abd.h names Linux bios in a prototype (abd_bio_map_off, not built). */
struct bio;

/* SPL threads get stacks of at least 16 KiB (SPL_STACK_SIZE), what Linux
 * calls large and gives its threads. */
#define HAVE_LARGE_STACKS	1

#endif
