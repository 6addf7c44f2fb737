/* zfs_dbgmsg: OpenZFS's internal debug log. Messages are kept in memory
 * (the last zfs_dbgmsg_maxsize bytes of them, for zfs_dbgmsg_print after
 * a failure) and printed at info level, which reaches the console under
 * --verbose. SET_ERROR passes through __set_error, logged when zfs_flags
 * has ZFS_DEBUG_SET_ERROR (--zfs.zfs_flags=512). */
#include <sys/zfs_context.h>
#include "dev/console.h"

typedef struct dbgmsg {
	list_node_t link;
	size_t size;
	char text[];
} dbgmsg_t;

int zfs_dbgmsg_enable = 1;
static int zfs_dbgmsg_maxsize = 1 << 20;

static kmutex_t dbgmsg_lock;	/* guards the list and its size */
static list_t dbgmsgs;
static size_t dbgmsg_size;

void zfs_dbgmsg_init(void)
{
	mutex_init(&dbgmsg_lock, NULL, MUTEX_DEFAULT, NULL);
	list_create(&dbgmsgs, sizeof (dbgmsg_t), offsetof(dbgmsg_t, link));
}

static void purge_to(size_t max)
{
	dbgmsg_t *m;

	while (dbgmsg_size > max && (m = list_remove_head(&dbgmsgs)) != NULL) {
		dbgmsg_size -= m->size;
		kmem_free(m, m->size);
	}
}

void zfs_dbgmsg_fini(void)
{
	mutex_enter(&dbgmsg_lock);
	purge_to(0);
	mutex_exit(&dbgmsg_lock);
	list_destroy(&dbgmsgs);
}

void __zfs_dbgmsg(char *buf)
{
	size_t len = strlen(buf), size = sizeof (dbgmsg_t) + len + 1;
	dbgmsg_t *m = kmem_alloc(size, KM_NOSLEEP);

	printk_level(LOG_INFO, "zfs: %s\n", buf);
	if (m == NULL)
		return;	/* the console line is all there is then */
	m->size = size;
	memcpy(m->text, buf, len + 1);
	mutex_enter(&dbgmsg_lock);
	list_insert_tail(&dbgmsgs, m);
	dbgmsg_size += size;
	purge_to(zfs_dbgmsg_maxsize);
	mutex_exit(&dbgmsg_lock);
}

void __dprintf(boolean_t dprint, const char *file, const char *func, int line,
    const char *fmt, ...)
{
	char buf[512];
	const char *base = strrchr(file, '/');
	int n = snprintf(buf, sizeof (buf), "%s%s:%d:%s(): ", dprint ? "dprintf: " : "",
	    base ? base + 1 : file, line, func);
	va_list ap;

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof (buf))
		vsnprintf(buf + n, sizeof (buf) - n, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	__zfs_dbgmsg(buf);
}

void __set_error(const char *file, const char *func, int line, int err)
{
	if (zfs_flags & ZFS_DEBUG_SET_ERROR)
		__dprintf(B_FALSE, file, func, line, "error %d", err);
}

/* Prints what is kept, oldest first: the story before a failure. */
void zfs_dbgmsg_print(const char *tag)
{
	printk("ZFS_DBGMSG(%s) START:\n", tag);
	mutex_enter(&dbgmsg_lock);
	for (dbgmsg_t *m = list_head(&dbgmsgs); m; m = list_next(&dbgmsgs, m))
		printk("%s\n", m->text);
	mutex_exit(&dbgmsg_lock);
	printk("ZFS_DBGMSG(%s) END\n", tag);
}

ZFS_MODULE_PARAM(zfs, zfs_, dbgmsg_enable, INT, ZMOD_RW, "Enable ZFS debug message log");
ZFS_MODULE_PARAM(zfs, zfs_, dbgmsg_maxsize, INT, ZMOD_RW, "Maximum ZFS debug log size");
