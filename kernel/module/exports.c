/* The kernel API that modules may link against. Only what is listed here
 * resolves; the linker checks that each name exists. make size shows the
 * table (.kexports). Grouped by subsystem; keep the groups sorted. */
#include "module/module.h"
#include "cmdline.h"
#include "dev/blk.h"
#include "dev/console.h"
#include "dev/random.h"
#include "fs/vfs.h"
#include "fs/boot.h"
#include "fs/mount.h"
#include "fs/devfs/devfs.h"
#include "fs/procfs/procfs.h"
#include "linux/sys_fs.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "panic.h"
#include "sched/sched.h"
#include "sched/sync.h"
#include <string.h>

/* lib */
EXPORT_SYMBOL(memchr);
EXPORT_SYMBOL(memcmp);
EXPORT_SYMBOL(memcpy);
EXPORT_SYMBOL(memmove);
EXPORT_SYMBOL(memset);
EXPORT_SYMBOL(snprintf);
EXPORT_SYMBOL(strchr);
EXPORT_SYMBOL(strcmp);
EXPORT_SYMBOL(strlcpy);
EXPORT_SYMBOL(strlen);
EXPORT_SYMBOL(strncmp);
EXPORT_SYMBOL(strnlen);
EXPORT_SYMBOL(strrchr);
EXPORT_SYMBOL(vsnprintf);

/* the command line: --MODULE.KEY[=VALUE] options */
EXPORT_SYMBOL(boot_module_option);

/* console and panics */
EXPORT_SYMBOL(panic);
EXPORT_SYMBOL(printk);
EXPORT_SYMBOL(printk_level);

/* memory */
EXPORT_SYMBOL(kfree);
EXPORT_SYMBOL(kmalloc);
EXPORT_SYMBOL(krealloc);
EXPORT_SYMBOL(ksize);
EXPORT_SYMBOL(kzalloc);
EXPORT_SYMBOL(mem_stats);
EXPORT_SYMBOL(mm_register_reclaimer);
EXPORT_SYMBOL(mm_unregister_reclaimer);
EXPORT_SYMBOL(pages_alloc);
EXPORT_SYMBOL(pages_free);
EXPORT_SYMBOL(vfree);
EXPORT_SYMBOL(vmalloc);

/* CPUs: spinlocks answer other CPUs while they wait (spinlock.h) */
EXPORT_SYMBOL(arch_cpu_id);
EXPORT_SYMBOL(arch_cpu_poll);
EXPORT_SYMBOL(ncpus_online);

/* threads, time, synchronization */
EXPORT_SYMBOL(clock_ns);
EXPORT_SYMBOL(clock_realtime_ns);
EXPORT_SYMBOL(cond_broadcast);
EXPORT_SYMBOL(cond_init);
EXPORT_SYMBOL(cond_signal);
EXPORT_SYMBOL(cond_timedwait);
EXPORT_SYMBOL(cond_wait);
EXPORT_SYMBOL(mutex_held);
EXPORT_SYMBOL(mutex_init);
EXPORT_SYMBOL(mutex_lock);
EXPORT_SYMBOL(mutex_trylock);
EXPORT_SYMBOL(mutex_unlock);
EXPORT_SYMBOL(random_bytes);
EXPORT_SYMBOL(rw_downgrade);
EXPORT_SYMBOL(rw_read_held);
EXPORT_SYMBOL(rw_read_lock);
EXPORT_SYMBOL(rw_try_read_lock);
EXPORT_SYMBOL(rw_try_upgrade);
EXPORT_SYMBOL(rw_try_write_lock);
EXPORT_SYMBOL(rw_unlock);
EXPORT_SYMBOL(rw_write_held);
EXPORT_SYMBOL(rw_write_lock);
EXPORT_SYMBOL(rwlock_init);
EXPORT_SYMBOL(sem_down);
EXPORT_SYMBOL(sem_init);
EXPORT_SYMBOL(sem_up);
EXPORT_SYMBOL(thread_create);
EXPORT_SYMBOL(thread_current);
EXPORT_SYMBOL(thread_detach);
EXPORT_SYMBOL(thread_exit);
EXPORT_SYMBOL(thread_join);
EXPORT_SYMBOL(thread_sleep_ns);
EXPORT_SYMBOL(thread_sleep_until);
EXPORT_SYMBOL(thread_yield);
EXPORT_SYMBOL(timer_arm);
EXPORT_SYMBOL(timer_cancel);
EXPORT_SYMBOL(timer_cancel_sync);
EXPORT_SYMBOL(tsd_get);
EXPORT_SYMBOL(tsd_key_create);
EXPORT_SYMBOL(tsd_key_delete);
EXPORT_SYMBOL(tsd_set);
EXPORT_SYMBOL(waitq_init);
EXPORT_SYMBOL(waitq_wake_all);

/* block devices */
EXPORT_SYMBOL(blk_find);
EXPORT_SYMBOL(blk_find_partlabel);
EXPORT_SYMBOL(blk_find_path);
EXPORT_SYMBOL(blk_first);
EXPORT_SYMBOL(blk_flush);
EXPORT_SYMBOL(blk_pread);
EXPORT_SYMBOL(blk_pwrite);
EXPORT_SYMBOL(blk_read);
EXPORT_SYMBOL(blk_submit);
EXPORT_SYMBOL(blk_write);

/* the VFS */
EXPORT_SYMBOL(file_hold);
EXPORT_SYMBOL(file_new);
EXPORT_SYMBOL(file_rele);
EXPORT_SYMBOL(mode_to_vtype);
EXPORT_SYMBOL(vfs_find_fs);
EXPORT_SYMBOL(vfs_fstat);
EXPORT_SYMBOL(vfs_fsync);
EXPORT_SYMBOL(vfs_getattr);
EXPORT_SYMBOL(vfs_lseek);
EXPORT_SYMBOL(vfs_mount_on);
EXPORT_SYMBOL(vfs_open);
EXPORT_SYMBOL(vfs_pread);
EXPORT_SYMBOL(vfs_pwrite);
EXPORT_SYMBOL(vfs_read);
EXPORT_SYMBOL(vfs_register_fs);
EXPORT_SYMBOL(vfs_umount_automounted);
EXPORT_SYMBOL(vfs_unregister_fs);
EXPORT_SYMBOL(vfs_unlinkat);
EXPORT_SYMBOL(vfs_write);
EXPORT_SYMBOL(vfs_statat);
EXPORT_SYMBOL(vfs_mkdirat);
EXPORT_SYMBOL(vn_hold);
EXPORT_SYMBOL(vn_rele);
EXPORT_SYMBOL(vnode_cache_add);
EXPORT_SYMBOL(vnode_cache_find);
EXPORT_SYMBOL(vnode_new);
EXPORT_SYMBOL(vtype_to_dt);
EXPORT_SYMBOL(vtype_to_mode);

/* devices and files drivers add to /dev, /proc and /sys; the stop */
EXPORT_SYMBOL(fs_on_shutdown);
EXPORT_SYMBOL(fs_run_deep);
EXPORT_SYMBOL(devfs_add_chardev);
EXPORT_SYMBOL(devfs_add_device);
EXPORT_SYMBOL(devfs_add_symlink);
EXPORT_SYMBOL(devfs_remove);
EXPORT_SYMBOL(procfs_add_file);

/* the running program: its memory and descriptors, as ioctls name them */
EXPORT_SYMBOL(linux_fget);
EXPORT_SYMBOL(user_ok);
EXPORT_SYMBOL(linux_adopt);
EXPORT_SYMBOL(user_str_ok);
EXPORT_SYMBOL(uaccess_copy);		/* linux/uaccess.h's copies and the uio's */
EXPORT_SYMBOL(uaccess_strncpy);
