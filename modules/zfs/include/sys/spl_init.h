/* The init and fini functions that OpenZFS parts declare with
 * module_init()/module_exit() (see mod_os.h); libzfs.so runs them. */
#ifndef OSPREY_SPL_SYS_SPL_INIT_H
#define OSPREY_SPL_SYS_SPL_INIT_H

typedef int (*spl_initcall_t)(void);
typedef void (*spl_exitcall_t)(void);

#endif
