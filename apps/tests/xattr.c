/* Extended attributes: the twelve calls (set/get/list/remove, each on a
 * path, a link and a descriptor) in a fresh directory under each DIR.
 * What every system answers the same is checked everywhere: argument
 * errors (ERANGE, E2BIG, EINVAL, EFAULT, EBADF, ENOENT; O_PATH
 * descriptors), user.* refused on links and pipes, unknown namespaces. Then, by what the filesystem
 * says to a first set: where it keeps attributes, their semantics
 * (sizes, ERANGE, XATTR_CREATE/REPLACE, lists, removal); where it does
 * not, ENOTSUP from every call and an empty list. Prints
 * "xattr: DIR: supported" or "xattr: DIR: not supported".
 * Usage: xattr [DIR...]   (default /tmp) */
#include "check.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#define ERRNO_IS(call, e) ((call) == -1 && errno == (e))
#define ERR(name, call, e) do { errno = 0; \
	check(name, ERRNO_IS(call, e), "%s: got errno %d (%s), want %s", #call, errno, \
	      strerror(errno), #e); } while (0)

static char long_name[300];
/* Unmapped addresses; volatile, so the compiler does not judge them. */
static const char *volatile bad_name = (const char *)8;
static const void *volatile bad_value = (const void *)8;

/* Checks that do not depend on the filesystem. */
static void test_arguments(void)
{
	char big[65537] = "";
	ERR("set_empty_name_erange", setxattr("f", "", "v", 1, 0), ERANGE);
	ERR("get_empty_name_erange", getxattr("f", "", NULL, 0), ERANGE);
	ERR("remove_empty_name_erange", removexattr("f", ""), ERANGE);
	ERR("set_long_name_erange", setxattr("f", long_name, "v", 1, 0), ERANGE);
	ERR("get_long_name_erange", lgetxattr("f", long_name, NULL, 0), ERANGE);
	ERR("set_value_too_big_e2big", setxattr("f", "user.big", big, sizeof(big), 0), E2BIG);
	ERR("set_bad_flags_einval", setxattr("f", "user.x", "v", 1, 4), EINVAL);
	ERR("set_bad_name_pointer_efault", setxattr("f", bad_name, "v", 1, 0), EFAULT);
	ERR("set_bad_value_pointer_efault", setxattr("f", "user.x", bad_value, 1, 0), EFAULT);
	ERR("get_missing_enoent", getxattr("nope", "user.x", NULL, 0), ENOENT);
	ERR("list_missing_enoent", listxattr("nope", NULL, 0), ENOENT);
	ERR("remove_missing_enoent", removexattr("nope", "user.x"), ENOENT);
	ERR("set_unknown_namespace", setxattr("f", "osprey.x", "v", 1, 0), EOPNOTSUPP);
	ERR("get_unknown_namespace", getxattr("f", "osprey.x", NULL, 0), EOPNOTSUPP);
	/* user.* belongs to files and directories: not to a link itself. */
	ERR("lset_user_on_link_eperm", lsetxattr("l", "user.x", "v", 1, 0), EPERM);
	ERR("lget_user_on_link_enodata", lgetxattr("l", "user.x", NULL, 0), ENODATA);
	ERR("lremove_user_on_link_eperm", lremovexattr("l", "user.x"), EPERM);
	ERR("fget_bad_fd_ebadf", fgetxattr(-1, "user.x", NULL, 0), EBADF);
	ERR("flist_bad_fd_ebadf", flistxattr(9999, NULL, 0), EBADF);
	int fd = open("f", O_PATH);
	ERR("fget_o_path_ebadf", fgetxattr(fd, "user.x", NULL, 0), EBADF);
	ERR("flist_o_path_ebadf", flistxattr(fd, NULL, 0), EBADF);
	close(fd);
	int p[2];
	if (pipe(p) == 0) {
		ERR("fget_user_on_pipe_enodata", fgetxattr(p[0], "user.x", NULL, 0), ENODATA);
		ERR("fset_user_on_pipe_eperm", fsetxattr(p[1], "user.x", "v", 1, 0), EPERM);
		ERR("fget_trusted_on_pipe_enotsup", fgetxattr(p[0], "trusted.x", NULL, 0), EOPNOTSUPP);
		check("flist_pipe_no_user_names", flistxattr(p[0], NULL, 0) >= 0, "%s", strerror(errno));
		close(p[0]);
		close(p[1]);
	}
}

static void test_unsupported(void)
{
	char buf[64];
	int fd = open("f", O_RDONLY);
	ERR("nosup_get", getxattr("f", "user.osprey", buf, sizeof(buf)), EOPNOTSUPP);
	ERR("nosup_get_size", getxattr("f", "user.osprey", NULL, 0), EOPNOTSUPP);
	ERR("nosup_lget", lgetxattr("f", "user.osprey", buf, sizeof(buf)), EOPNOTSUPP);
	ERR("nosup_fget", fgetxattr(fd, "user.osprey", buf, sizeof(buf)), EOPNOTSUPP);
	ERR("nosup_get_dir", getxattr("d", "user.osprey", buf, sizeof(buf)), EOPNOTSUPP);
	ERR("nosup_get_via_link", getxattr("l", "user.osprey", buf, sizeof(buf)), EOPNOTSUPP);
	ERR("nosup_fset", fsetxattr(fd, "user.osprey", "v", 1, 0), EOPNOTSUPP);
	ERR("nosup_set_trusted", setxattr("f", "trusted.osprey", "v", 1, 0), EOPNOTSUPP);
	ERR("nosup_remove", removexattr("f", "user.osprey"), EOPNOTSUPP);
	ERR("nosup_fremove", fremovexattr(fd, "user.osprey"), EOPNOTSUPP);
	/* Linux lists nothing on a filesystem without attributes (an LSM
	 * may add its own security.* name). */
	ssize_t n = listxattr("f", buf, sizeof(buf));
	check("nosup_list_empty", n >= 0 && (n == 0 || strncmp(buf, "user.", 5)), "%zd: %s", n,
	      strerror(errno));
	check("nosup_flist_empty", flistxattr(fd, NULL, 0) >= 0, "%s", strerror(errno));
	check("nosup_llist_empty", llistxattr("l", NULL, 0) >= 0, "%s", strerror(errno));
	close(fd);
}

/* Does the NUL-separated list hold name? */
static int listed(const char *list, ssize_t len, const char *name)
{
	for (ssize_t at = 0; at < len; at += (ssize_t)strlen(list + at) + 1)
		if (!strcmp(list + at, name))
			return 1;
	return 0;
}

static void test_supported(void)
{
	char buf[256];
	int fd = open("f", O_RDONLY);
	check("get_size", getxattr("f", "user.osprey", NULL, 0) == 2, "%s", strerror(errno));
	ERR("get_small_erange", getxattr("f", "user.osprey", buf, 1), ERANGE);
	memset(buf, 0, sizeof(buf));
	check("get_value", getxattr("f", "user.osprey", buf, sizeof(buf)) == 2 && !strcmp(buf, "v1"),
	      "'%s'", buf);
	ERR("set_create_eexist", setxattr("f", "user.osprey", "x", 1, XATTR_CREATE), EEXIST);
	ERR("set_replace_enodata", setxattr("f", "user.none", "x", 1, XATTR_REPLACE), ENODATA);
	check("set_replace", setxattr("f", "user.osprey", "value2", 6, XATTR_REPLACE) == 0,
	      "%s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	check("fget_after_replace", fgetxattr(fd, "user.osprey", buf, sizeof(buf)) == 6 &&
	      !strcmp(buf, "value2"), "'%s'", buf);
	check("fset_empty_value", fsetxattr(fd, "user.empty", "", 0, XATTR_CREATE) == 0,
	      "%s", strerror(errno));
	check("get_empty_value", getxattr("f", "user.empty", buf, sizeof(buf)) == 0, "%s",
	      strerror(errno));
	ERR("get_absent_enodata", getxattr("f", "user.none", buf, sizeof(buf)), ENODATA);
	ssize_t need = listxattr("f", NULL, 0);
	check("list_size", need >= 23, "%zd", need);	/* "user.osprey\0user.empty\0" */
	if (need > 0)
		ERR("list_small_erange", listxattr("f", buf, (size_t)need - 1), ERANGE);
	ssize_t n = flistxattr(fd, buf, sizeof(buf));
	check("list_names", n == need && listed(buf, n, "user.osprey") && listed(buf, n, "user.empty"),
	      "%zd of %zd", n, need);
	check("set_on_dir", setxattr("d", "user.dir", "D", 1, 0) == 0 &&
	      getxattr("d", "user.dir", buf, sizeof(buf)) == 1, "%s", strerror(errno));
	check("get_via_link", getxattr("l", "user.osprey", NULL, 0) == 6, "%s", strerror(errno));
	check("remove", removexattr("f", "user.osprey") == 0, "%s", strerror(errno));
	ERR("remove_again_enodata", removexattr("f", "user.osprey"), ENODATA);
	ERR("get_removed_enodata", getxattr("f", "user.osprey", NULL, 0), ENODATA);
	check("fremove", fremovexattr(fd, "user.empty") == 0 && lremovexattr("d", "user.dir") == 0,
	      "%s", strerror(errno));
	n = listxattr("f", buf, sizeof(buf));
	check("list_after_remove", n >= 0 && !listed(buf, n, "user.osprey") &&
	      !listed(buf, n, "user.empty"), "%zd", n);
	close(fd);
}

static void test_dir(const char *top)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/xattr-test.%d", top, (int)getpid());
	if (mkdir(dir, 0755) || chdir(dir))
		bail("xattr", "cannot make the test directory");
	int fd = open("f", O_WRONLY | O_CREAT, 0644);
	close(fd);
	mkdir("d", 0755);
	symlink("f", "l");
	test_arguments();
	errno = 0;
	int r = setxattr("f", "user.osprey", "v1", 2, 0);
	int supported = r == 0;
	printf("xattr: %s: %s\n", top, supported ? "supported" : "not supported");
	check("first_set", supported || errno == EOPNOTSUPP, "%s", strerror(errno));
	if (supported)
		test_supported();
	else
		test_unsupported();
	unlink("l");
	unlink("f");
	rmdir("d");
	chdir("/");
	check("cleanup", rmdir(dir) == 0, "%s", strerror(errno));
}

int main(int argc, char **argv)
{
	memset(long_name, 'n', sizeof(long_name) - 1);
	memcpy(long_name, "user.", 5);
	if (argc < 2)
		test_dir("/tmp");
	for (int i = 1; i < argc; i++)
		test_dir(argv[i]);
	return done("xattr");
}
