/* procfs lists: a provider's list of records (e.g. a pool's txg history)
 * shown as text, one show() line per record. Installed lists are kept in
 * a registry and read back with spl_procfs_list_read(), as Linux shows
 * them under /proc/spl/kstat. */
#ifndef OSPREY_SPL_SYS_PROCFS_LIST_H
#define OSPREY_SPL_SYS_PROCFS_LIST_H
#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/list.h>

/* The text being built by show callbacks (Linux's seq_file). */
struct seq_file {
	char *buf;
	size_t size, len;
	bool overflow;
};
void seq_printf(struct seq_file *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct procfs_list procfs_list_t;
struct procfs_list {
	void *pl_private;
	kmutex_t pl_lock;
	list_t pl_list;
	uint64_t pl_next_id;
	int (*pl_show)(struct seq_file *f, void *p);
	int (*pl_show_header)(struct seq_file *f);
	int (*pl_clear)(procfs_list_t *pl);
	size_t pl_node_offset;
	char pl_module[32], pl_name[64];
	procfs_list_t *pl_next_installed;	/* registry link */
};

typedef struct procfs_list_node {
	list_node_t pln_link;
	uint64_t pln_id;
} procfs_list_node_t;

void procfs_list_install(const char *module, const char *submodule, const char *name,
    mode_t mode, procfs_list_t *pl, int (*show)(struct seq_file *f, void *p),
    int (*show_header)(struct seq_file *f), int (*clear)(procfs_list_t *pl),
    size_t procfs_list_node_off);
void procfs_list_uninstall(procfs_list_t *pl);
void procfs_list_destroy(procfs_list_t *pl);
void procfs_list_add(procfs_list_t *pl, void *p);

/* Osprey: the text of an installed list into buf; its length, -ENOENT or
 * -ENOSPC. */
void spl_procfs_list_init(void);
long spl_procfs_list_read(const char *module, const char *name, char *buf, size_t size);

#endif
