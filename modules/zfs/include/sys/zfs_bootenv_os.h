/* Boot environment data in the label's bootenv area is tagged with the
 * Linux vendor, so pools move between Osprey and Linux unchanged. */
#ifndef OSPREY_SPL_SYS_ZFS_BOOTENV_OS_H
#define OSPREY_SPL_SYS_ZFS_BOOTENV_OS_H
#define BOOTENV_OS	BE_LINUX_VENDOR
#endif
