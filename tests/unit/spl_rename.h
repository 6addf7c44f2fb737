/* Host build of modules/zfs/spl/spl_string.c: its C library functions get
 * names of their own, so the test calls ours, not the host libc's. The
 * host's headers come first: glibc binds some names to other symbols
 * (sscanf to __isoc99_sscanf), which a renamed declaration would inherit.
 * (Not <stdlib.h>: it pulls in <sys/types.h>, which here is the SPL's.) */
#include <stdio.h>
#include <string.h>
#define strspn spl_strspn
#define strcspn spl_strcspn
#define strpbrk spl_strpbrk
#define strstr spl_strstr
#define strncpy spl_strncpy
#define strcpy spl_strcpy
#define strcat spl_strcat
#define strncat spl_strncat
#define strlcat spl_strlcat
#define strsep spl_strsep
#define sprintf spl_sprintf
#define sscanf spl_sscanf
#define qsort spl_qsort

/* The kernel's <string.h> has strlcpy; glibc's does not: the host tests'
 * shim (tests/unit/kshim/string.c) stands in. */
size_t kshim_strlcpy(char *dst, const char *src, size_t size);
#define strlcpy kshim_strlcpy
