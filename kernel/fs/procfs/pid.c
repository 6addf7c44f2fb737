/* /proc/PID for every process (zombies too, until reaped), listed in
 * /proc beside its files, with /proc/self and /proc/thread-self; inside
 * each, the files and links of Linux's fs/proc/base.c that programs read
 * (ps, top, ld.so's $ORIGIN, runtimes), task/TID for each thread, fd/ and
 * fdinfo/. This is the directory side: what the files say comes from the
 * layer that runs programs, through struct procfs_pid_ops (procfs.h), so
 * nothing here knows what a process is made of.
 *
 * A vnode's inode number says what it is: PID_INO, the pid in bits
 * 32..62, a thread id or descriptor in bits 8..31, the kind in bits 0..7
 * (bit 7: a file of a task/TID directory, whose sub field is the tid).
 * Nothing else is kept, so vnodes need no state and no cleanup; a file
 * of a process that has gone fails to open (ENOENT). Ids are never
 * reused (linux_new_id), so a stale vnode cannot name another process. */
#include "fs/procfs/procfs_impl.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>

enum {
	K_PID_DIR = 1, K_TASK_DIR, K_TID_DIR, K_FD_DIR, K_FDINFO_DIR, K_FD_LINK, K_FDINFO,
	K_MOUNTS, K_FILE = 16,		/* K_FILE + enum procfs_pid_file */
};
#define K_IN_TASK	0x80
#define SUB_MAX		0xffffff	/* thread ids and descriptors above it are not shown */
#define PID_MAX		0x7fffffff

#define F(what)		(K_FILE + (what))

static const struct pid_entry {
	const char *name;
	uint8_t kind;
} entries[] = {		/* a task/TID directory has them from TID_FIRST on */
	{ "task", K_TASK_DIR }, { "fd", K_FD_DIR }, { "fdinfo", K_FDINFO_DIR },
	{ "status", F(PROC_STATUS) }, { "limits", F(PROC_LIMITS) }, { "comm", F(PROC_COMM) },
	{ "cmdline", F(PROC_CMDLINE) }, { "stat", F(PROC_STAT) }, { "statm", F(PROC_STATM) },
	{ "maps", F(PROC_MAPS) }, { "mounts", K_MOUNTS }, { "cwd", F(PROC_CWD) },
	{ "root", F(PROC_ROOT) }, { "exe", F(PROC_EXE) },
};
#define NENTRIES	(sizeof(entries) / sizeof(entries[0]))
#define TID_FIRST	3

/* Set once at boot by the Linux layer; without it there are no processes. */
static const struct procfs_pid_ops *pid_ops;

void procfs_set_pid_ops(const struct procfs_pid_ops *ops)
{
	__atomic_store_n(&pid_ops, ops, __ATOMIC_RELEASE);
}

static const struct procfs_pid_ops *ops(void)
{
	return __atomic_load_n(&pid_ops, __ATOMIC_ACQUIRE);
}

/* ---- inode numbers ---- */

static uint64_t ino_of(int pid, int sub, unsigned kind)
{
	return PID_INO | (uint64_t)pid << 32 | (uint64_t)sub << 8 | kind;
}

static int pid_of(const struct vnode *vn)
{
	return (int)((vn->ino >> 32) & PID_MAX);
}

static int sub_of(const struct vnode *vn)
{
	return (int)((vn->ino >> 8) & SUB_MAX);
}

static unsigned kind_of(const struct vnode *vn)
{
	return vn->ino & 0x7f;
}

static bool in_task(const struct vnode *vn)
{
	return vn->ino & K_IN_TASK;
}

static bool is_link(unsigned kind)
{
	return kind == K_FD_LINK || kind == F(PROC_EXE) || kind == F(PROC_CWD) ||
	    kind == F(PROC_ROOT);
}

static enum vtype type_of(unsigned kind)
{
	return kind <= K_FDINFO_DIR ? VDIR : is_link(kind) ? VLNK : VREG;
}

static int get_vnode(struct mount *mp, int pid, int sub, unsigned kind, struct vnode **out)
{
	*out = proc_vnode(mp, ino_of(pid, sub, kind), type_of(kind & 0x7f), NULL);
	return *out ? 0 : -ENOMEM;
}

/* ---- does it still exist ---- */

static bool pid_exists(int pid)
{
	const struct procfs_pid_ops *o = ops();
	return o && pid > 0 && o->next_pid(pid - 1) == pid;
}

static bool tid_exists(int pid, int tid)
{
	const struct procfs_pid_ops *o = ops();
	return o && tid > 0 && o->next_tid(pid, tid - 1) == tid;
}

static bool fd_exists(int pid, int fd)
{
	const struct procfs_pid_ops *o = ops();
	return o && fd >= 0 && o->next_fd(pid, fd) == fd;
}

/* What the vnode names is there: its process, thread or descriptor. */
static bool vnode_exists(const struct vnode *vn)
{
	int pid = pid_of(vn), sub = sub_of(vn);
	unsigned kind = kind_of(vn);

	if (!pid_exists(pid))
		return false;
	if (kind == K_TID_DIR || in_task(vn))
		return tid_exists(pid, sub);
	if (kind == K_FD_LINK || kind == K_FDINFO)
		return fd_exists(pid, sub);
	return true;
}

/* A decimal id as Linux's name_to_int takes it: digits, no leading zero. */
static int parse_id(const char *name, int max)
{
	long v = 0;

	if (!*name || (name[0] == '0' && name[1]))
		return -1;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || (v = v * 10 + (*name - '0')) > max)
			return -1;
	}
	return (int)v;
}

/* ---- /proc itself: the pids, self, thread-self ---- */

#define PIDS_COOKIE	(1LL << 32)	/* after every built-in file and node */

int pid_root_lookup(struct vnode *root, const char *name, struct vnode **out)
{
	int pid = parse_id(name, PID_MAX);

	if (pid <= 0 || !pid_exists(pid))
		return -ENOENT;
	return get_vnode(root->mount, pid, 0, K_PID_DIR, out);
}

/* Process pid has the cookie PIDS_COOKIE + pid. */
int pid_root_readdir(struct vnode *root, struct dir_ctx *ctx)
{
	const struct procfs_pid_ops *o = ops();
	char name[16];

	if (ctx->pos < PIDS_COOKIE)
		ctx->pos = PIDS_COOKIE;
	for (int pid; o && (pid = o->next_pid((int)(ctx->pos - PIDS_COOKIE - 1))) > 0;) {
		int n = snprintf(name, sizeof(name), "%d", pid);
		if (ctx->emit(ctx, name, n, ino_of(pid, 0, K_PID_DIR), DT_DIR))
			return 0;
		ctx->pos = PIDS_COOKIE + pid + 1;
	}
	return 0;
}

int self_readlink(bool thread, char *buf, size_t len)
{
	const struct procfs_pid_ops *o = ops();
	char target[40];
	int tid = 0, pid = o ? o->self(&tid) : 0;

	if (pid <= 0)
		return -ENOENT;		/* a kernel thread: no process of its own */
	int n = thread ? snprintf(target, sizeof(target), "%d/task/%d", pid, tid) :
	    snprintf(target, sizeof(target), "%d", pid);
	n = (size_t)n < len ? n : (int)len;
	memcpy(buf, target, n);
	return n;
}

/* ---- the directories of a process ---- */

static const struct pid_entry *find_entry(const char *name, bool task)
{
	for (unsigned i = task ? TID_FIRST : 0; i < NENTRIES; i++)
		if (!strcmp(entries[i].name, name))
			return &entries[i];
	return NULL;
}

static int lookup_dotdot(struct vnode *dir, struct vnode **out)
{
	int pid = pid_of(dir);

	switch (kind_of(dir)) {
	case K_PID_DIR:
		*out = proc_vnode(dir->mount, ROOT_INO, VDIR, NULL);
		return *out ? 0 : -ENOMEM;
	case K_TID_DIR:
		return get_vnode(dir->mount, pid, 0, K_TASK_DIR, out);
	default:		/* task, fd, fdinfo */
		return get_vnode(dir->mount, pid, 0, K_PID_DIR, out);
	}
}

int pid_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	int pid = pid_of(dir), id;
	unsigned kind = kind_of(dir);

	if (!strcmp(name, ".."))
		return lookup_dotdot(dir, out);
	if (!vnode_exists(dir))
		return -ENOENT;
	if (kind == K_PID_DIR || kind == K_TID_DIR) {
		const struct pid_entry *e = find_entry(name, kind == K_TID_DIR);
		if (!e)
			return -ENOENT;
		if (kind == K_TID_DIR)
			return get_vnode(dir->mount, pid, sub_of(dir), e->kind | K_IN_TASK, out);
		return get_vnode(dir->mount, pid, 0, e->kind, out);
	}
	if ((id = parse_id(name, SUB_MAX)) < 0)
		return -ENOENT;
	if (kind == K_TASK_DIR)
		return tid_exists(pid, id) ? get_vnode(dir->mount, pid, id, K_TID_DIR, out) : -ENOENT;
	if (!fd_exists(pid, id))
		return -ENOENT;
	return get_vnode(dir->mount, pid, id, kind == K_FD_DIR ? K_FD_LINK : K_FDINFO, out);
}

static int readdir_entries(struct vnode *dir, struct dir_ctx *ctx, bool task)
{
	int pid = pid_of(dir), sub = task ? sub_of(dir) : 0;

	if (task && ctx->pos < 2 + TID_FIRST)
		ctx->pos = 2 + TID_FIRST;
	for (; ctx->pos - 2 < (int64_t)NENTRIES; ctx->pos++) {
		const struct pid_entry *e = &entries[ctx->pos - 2];
		unsigned t = type_of(e->kind);
		if (ctx->emit(ctx, e->name, strlen(e->name),
		    ino_of(pid, sub, e->kind | (task ? K_IN_TASK : 0)),
		    t == VDIR ? DT_DIR : t == VLNK ? DT_LNK : DT_REG))
			break;
	}
	return 0;
}

/* Thread ids and descriptors: id has the cookie id + 3 (descriptors
 * start at 0, cookies at 2). */
static int readdir_ids(struct vnode *dir, struct dir_ctx *ctx)
{
	const struct procfs_pid_ops *o = ops();
	int pid = pid_of(dir);
	unsigned kind = kind_of(dir);
	unsigned child = kind == K_TASK_DIR ? K_TID_DIR : kind == K_FD_DIR ? K_FD_LINK : K_FDINFO;
	char name[16];

	for (;;) {
		int from = ctx->pos < 3 ? 0 : (int)(ctx->pos - 3);	/* the first id to show */
		int id = kind == K_TASK_DIR ? o->next_tid(pid, from - 1) : o->next_fd(pid, from);
		if ((kind == K_TASK_DIR ? id <= 0 : id < 0) || id > SUB_MAX)
			return 0;
		int n = snprintf(name, sizeof(name), "%d", id);
		if (ctx->emit(ctx, name, n, ino_of(pid, id, child),
		    child == K_TID_DIR ? DT_DIR : child == K_FD_LINK ? DT_LNK : DT_REG))
			return 0;
		ctx->pos = (int64_t)id + 4;
	}
}

int pid_readdir(struct vnode *dir, struct dir_ctx *ctx)
{
	unsigned kind = kind_of(dir);

	if (!vnode_exists(dir))
		return -ENOENT;
	if (kind == K_PID_DIR || kind == K_TID_DIR)
		return readdir_entries(dir, ctx, kind == K_TID_DIR);
	return readdir_ids(dir, ctx);
}

/* ---- files and links ---- */

static int fill_file(struct procfs_text *t, void *arg)
{
	struct vnode *vn = arg;
	unsigned kind = kind_of(vn);
	int sub = sub_of(vn);

	if (kind == K_MOUNTS) {
		gen_mounts(t);
		return 0;
	}
	if (kind == K_FDINFO)
		return ops()->show(pid_of(vn), 0, sub, PROC_FDINFO, t);
	return ops()->show(pid_of(vn), in_task(vn) ? sub : 0, -1, kind - K_FILE, t);
}

int pid_open(struct vnode *vn, struct file *f)
{
	if (!vnode_exists(vn))
		return -ENOENT;
	if (vn->type != VREG)
		return 0;
	return proc_open_text(f, fill_file, vn);
}

void pid_getattr(struct vnode *vn, struct vattr *va)
{
	unsigned kind = kind_of(vn);

	if (kind == K_FD_LINK)
		va->mode = S_IFLNK | 0700;
	else if (kind == F(PROC_COMM))
		va->mode = S_IFREG | 0644;
}

int pid_readlink(struct vnode *vn, char *buf, size_t len)
{
	unsigned kind = kind_of(vn);
	char *target = kmalloc(PATH_MAX);
	int fd = kind == K_FD_LINK ? sub_of(vn) : -1;

	if (!target)
		return -ENOMEM;
	int n = ops() ? ops()->link(pid_of(vn), kind == K_FD_LINK ? PROC_FD : kind - K_FILE, fd,
	    target, PATH_MAX) : -ENOENT;
	if (n >= 0) {
		n = (size_t)n < len ? n : (int)len;
		memcpy(buf, target, n);
	}
	kfree(target);
	return n;
}
