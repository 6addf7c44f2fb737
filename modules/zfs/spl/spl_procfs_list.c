/* procfs lists (see sys/procfs_list.h): records appended by a provider,
 * read back as text through its show callbacks. */
#include <sys/procfs_list.h>
#include <sys/kmem.h>

static kmutex_t registry_lock;	/* guards installed; set up by spl_procfs_list_init */
static procfs_list_t *installed;

void spl_procfs_list_init(void)
{
	mutex_init(&registry_lock, NULL, MUTEX_DEFAULT, NULL);
}

void seq_printf(struct seq_file *f, const char *fmt, ...)
{
	va_list ap;

	if (f->overflow)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(f->buf + f->len, f->size - f->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= f->size - f->len)
		f->overflow = true;
	else
		f->len += n;
}

void procfs_list_install(const char *module, const char *submodule, const char *name,
    mode_t mode, procfs_list_t *pl, int (*show)(struct seq_file *f, void *p),
    int (*show_header)(struct seq_file *f), int (*clear)(procfs_list_t *pl),
    size_t procfs_list_node_off)
{
	mutex_init(&pl->pl_lock, NULL, MUTEX_DEFAULT, NULL);
	list_create(&pl->pl_list, procfs_list_node_off + sizeof (procfs_list_node_t),
	    procfs_list_node_off + offsetof(procfs_list_node_t, pln_link));
	pl->pl_next_id = 1;
	pl->pl_show = show;
	pl->pl_show_header = show_header;
	pl->pl_clear = clear;
	pl->pl_node_offset = procfs_list_node_off;
	snprintf(pl->pl_module, sizeof (pl->pl_module), "%s%s%s", module,
	    submodule ? "/" : "", submodule ? submodule : "");
	strlcpy(pl->pl_name, name, sizeof (pl->pl_name));
	mutex_enter(&registry_lock);
	pl->pl_next_installed = installed;
	installed = pl;
	mutex_exit(&registry_lock);
}

void procfs_list_uninstall(procfs_list_t *pl)
{
	mutex_enter(&registry_lock);
	for (procfs_list_t **pp = &installed; *pp; pp = &(*pp)->pl_next_installed) {
		if (*pp == pl) {
			*pp = pl->pl_next_installed;
			break;
		}
	}
	mutex_exit(&registry_lock);
}

void procfs_list_destroy(procfs_list_t *pl)
{
	ASSERT(list_is_empty(&pl->pl_list));
	list_destroy(&pl->pl_list);
	mutex_destroy(&pl->pl_lock);
}

/* Caller holds pl_lock, as on Linux. */
void procfs_list_add(procfs_list_t *pl, void *p)
{
	ASSERT(MUTEX_HELD(&pl->pl_lock));
	((procfs_list_node_t *)((char *)p + pl->pl_node_offset))->pln_id = pl->pl_next_id++;
	list_insert_tail(&pl->pl_list, p);
}

static long show_all(procfs_list_t *pl, struct seq_file *f)
{
	mutex_enter(&pl->pl_lock);
	if (pl->pl_show_header)
		pl->pl_show_header(f);
	for (void *p = list_head(&pl->pl_list); p && !f->overflow; p = list_next(&pl->pl_list, p))
		pl->pl_show(f, p);
	mutex_exit(&pl->pl_lock);
	return f->overflow ? -ENOSPC : (long)f->len;
}

long spl_procfs_list_read(const char *module, const char *name, char *buf, size_t size)
{
	struct seq_file f = { .buf = buf, .size = size };
	long ret = -ENOENT;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	mutex_enter(&registry_lock);
	for (procfs_list_t *pl = installed; pl; pl = pl->pl_next_installed)
		if (strcmp(pl->pl_module, module) == 0 && strcmp(pl->pl_name, name) == 0) {
			ret = show_all(pl, &f);
			break;
		}
	mutex_exit(&registry_lock);
	return ret;
}
