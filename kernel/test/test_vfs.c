/* In-kernel test of the VFS and ramfs: a private ramfs mount (and a root
 * ramfs if the boot code mounted none), files, directories, rename,
 * unlink-while-open, a sparse file, and threads writing files at once. */
#include "test/tests.h"
#include "fs/vfs.h"
#include "sched/sched.h"
#include "mm/mm.h"
#include <errno.h>
#include <string.h>
#include "lib/printf.h"

/* Relative to the current directory: "/" or, on a read-only root, "/tmp". */
#define DIR_T		"vfs-test"
#define NWRITERS	8
#define WRITER_BYTES	(64 * 1024)

static long write_file(const char *path, const void *buf, size_t len)
{
	struct file *f;
	int err = vfs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
	if (err)
		return err;
	long n = vfs_write(f, buf, len);
	file_rele(f);
	return n;
}

static long read_file(const char *path, void *buf, size_t len)
{
	struct file *f;
	int err = vfs_open(path, O_RDONLY, 0, &f);
	if (err)
		return err;
	long n = vfs_read(f, buf, len);
	file_rele(f);
	return n;
}

static int basic_files(void)
{
	char buf[64];
	EXPECT(vfs_mkdirat(NULL, DIR_T "/a", 0755) == 0);
	EXPECT(vfs_mkdirat(NULL, DIR_T "/a", 0755) == -EEXIST);
	EXPECT(write_file(DIR_T "/a/hello", "hello, vfs", 10) == 10);
	EXPECT(read_file(DIR_T "/a/../a/./hello", buf, sizeof(buf)) == 10);
	EXPECT(!memcmp(buf, "hello, vfs", 10));
	EXPECT(vfs_symlinkat("a/hello", NULL, DIR_T "/link") == 0);
	EXPECT(vfs_symlinkat("../" DIR_T "/a/hello", NULL, DIR_T "/a/up") == 0);
	EXPECT(vfs_unlinkat(NULL, DIR_T "/a/up", 0) == 0);
	EXPECT(read_file(DIR_T "/link", buf, sizeof(buf)) == 10);
	EXPECT(vfs_renameat(NULL, DIR_T "/a/hello", NULL, DIR_T "/moved", 0) == 0);
	EXPECT(read_file(DIR_T "/link", buf, sizeof(buf)) == -ENOENT);
	EXPECT(read_file(DIR_T "/moved", buf, sizeof(buf)) == 10);
	EXPECT(vfs_renameat(NULL, DIR_T "/a", NULL, DIR_T "/a/sub", 0) == -EINVAL);
	EXPECT(vfs_unlinkat(NULL, DIR_T "/a", 0) == -EISDIR);
	EXPECT(vfs_unlinkat(NULL, DIR_T "/a", AT_REMOVEDIR) == 0);
	EXPECT(vfs_unlinkat(NULL, DIR_T "/link", 0) == 0);
	return 0;
}

static int unlink_while_open(void)
{
	struct file *f;
	char buf[8];
	EXPECT(vfs_open(DIR_T "/tmpfile", O_RDWR | O_CREAT | O_EXCL, 0600, &f) == 0);
	EXPECT(vfs_unlinkat(NULL, DIR_T "/tmpfile", 0) == 0);
	EXPECT(vfs_write(f, "abcd", 4) == 4);
	EXPECT(vfs_pread(f, buf, 4, 0) == 4 && !memcmp(buf, "abcd", 4));
	struct vattr va;
	EXPECT(vfs_fstat(f, &va) == 0 && va.nlink == 0 && va.size == 4);
	file_rele(f);
	EXPECT(vfs_statat(NULL, DIR_T "/tmpfile", &va, 0) == -ENOENT);
	return 0;
}

static int sparse(void)
{
	struct file *f;
	char buf[16];
	int64_t far = 1LL << 30;
	EXPECT(vfs_open(DIR_T "/sparse", O_RDWR | O_CREAT, 0644, &f) == 0);
	EXPECT(vfs_pwrite(f, "end", 3, far) == 3);
	EXPECT(vfs_pread(f, buf, 16, 4096 * 1000) == 16);
	for (int i = 0; i < 16; i++)
		EXPECT(buf[i] == 0);
	struct vattr va;
	EXPECT(vfs_fstat(f, &va) == 0 && va.size == far + 3 && va.blocks <= 8);
	EXPECT(vfs_lseek(f, 0, SEEK_DATA) == far);
	EXPECT(vfs_ftruncate(f, 10) == 0);
	EXPECT(vfs_fstat(f, &va) == 0 && va.size == 10 && va.blocks == 0);
	file_rele(f);
	EXPECT(vfs_unlinkat(NULL, DIR_T "/sparse", 0) == 0);
	return 0;
}

static void writer(void *arg)
{
	int id = (int)(uintptr_t)arg;
	char path[64], *buf = kmalloc(WRITER_BYTES);
	int code = 1;
	snprintf(path, sizeof(path), DIR_T "/w%d", id);
	if (buf) {
		memset(buf, 'A' + id, WRITER_BYTES);
		struct file *f;
		if (!vfs_open(path, O_WRONLY | O_CREAT, 0644, &f)) {
			code = 0;
			for (size_t off = 0; off < WRITER_BYTES; off += 1000) {
				size_t n = WRITER_BYTES - off < 1000 ? WRITER_BYTES - off : 1000;
				if (vfs_write(f, buf + off, n) != (long)n)
					code = 2;
				thread_yield();
			}
			file_rele(f);
		}
	}
	kfree(buf);
	thread_exit(code);
}

static int concurrent_writers(void)
{
	struct thread *t[NWRITERS];
	for (int i = 0; i < NWRITERS; i++) {
		t[i] = thread_create("vfs-writer", writer, (void *)(uintptr_t)i, PRIO_DEFAULT, 0);
		EXPECT(t[i]);
	}
	for (int i = 0; i < NWRITERS; i++) {
		int code = -1;
		EXPECT(thread_join(t[i], &code) == 0 && code == 0);
	}
	char *buf = kmalloc(WRITER_BYTES);
	EXPECT(buf);
	for (int i = 0; i < NWRITERS; i++) {
		char path[64];
		snprintf(path, sizeof(path), DIR_T "/w%d", i);
		long n = read_file(path, buf, WRITER_BYTES);
		bool ok = n == WRITER_BYTES;
		for (long j = 0; ok && j < n; j++)
			ok = buf[j] == 'A' + i;
		vfs_unlinkat(NULL, path, 0);
		if (!ok) {
			kfree(buf);
			EXPECT(ok);
		}
	}
	kfree(buf);
	return 0;
}

static int run_all(void)
{
	int err = basic_files();
	if (!err)
		err = unlink_while_open();
	if (!err)
		err = sparse();
	if (!err)
		err = concurrent_writers();
	return err;
}

int test_vfs(void)
{
	vfs_init();
	struct vnode *root = vfs_root();
	if (!root) {
		printk("  vfs: no root mounted, mounting a ramfs root\n");
		EXPECT(vfs_mount_root("ramfs", "none", 0, NULL) == 0);
		root = vfs_root();
		EXPECT(root);
	}
	vn_rele(root);
	int err = vfs_chdir("/");
	EXPECT(err == 0);
	err = vfs_mkdirat(NULL, DIR_T, 0755);
	if (err == -EROFS) {
		printk("  vfs: read-only root, testing under /tmp\n");
		EXPECT(vfs_chdir("/tmp") == 0);
		err = vfs_mkdirat(NULL, DIR_T, 0755);
	}
	EXPECT(err == 0 || err == -EEXIST);
	EXPECT(vfs_mount("none", DIR_T, "ramfs", 0, NULL) == 0);
	int failed = run_all();
	EXPECT(vfs_umount(DIR_T, 0) == 0);
	EXPECT(vfs_unlinkat(NULL, DIR_T, AT_REMOVEDIR) == 0);
	EXPECT(vfs_chdir("/") == 0);
	return failed;
}
