/* Memory facts for OpenZFS, from the kernel's page allocator. */
#ifndef OSPREY_SPL_SYS_VMSYSTM_H
#define OSPREY_SPL_SYS_VMSYSTM_H
#include <sys/types.h>
#include <sys/param.h>

uint64_t spl_physmem_pages(void);	/* all RAM the allocator manages */
uint64_t spl_freemem_pages(void);	/* free right now */
#define physmem		spl_physmem_pages()
#define freemem		spl_freemem_pages()
#define totalram_pages	spl_physmem_pages()
#define ptob(pages)	((uint64_t)(pages) << PAGESHIFT)
#define btop(bytes)	((uint64_t)(bytes) >> PAGESHIFT)
#define zfs_totalram_pages	spl_physmem_pages()

/* The program's memory (spl/spl_user.c): 0 or EFAULT; copyinstr also
 * ENAMETOOLONG. */
int xcopyin(const void *from, void *to, size_t len);
int xcopyout(const void *from, void *to, size_t len);
#define copyin(from, to, size)		xcopyin(from, to, size)
#define copyout(from, to, size)		xcopyout(from, to, size)
int copyinstr(const void *from, void *to, size_t len, size_t *done);

#endif
