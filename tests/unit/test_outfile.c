/* Output files (common/outfile.c): a regular file is replaced whole or left
 * as it was, never with a temporary file left beside it; a device or FIFO
 * is written in place and stays what it was. Everything happens in a
 * temporary directory; the device is one made there (mknod), not the
 * machine's /dev/null. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/outfile.h"
#include "common/util.h"

static const char data[] = "the new contents\n";
#define N (sizeof(data) - 1)

typedef struct Dir {
	char path[64];
	char *names[4];		/* paths made under it, for messages */
} Dir;

static int setup(void **state)
{
	Dir *d = xcalloc(1, sizeof(*d));
	strcpy(d->path, "/tmp/ktap-test-outfile-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	umask(022);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	Dir *d = *state;
	char *cmd = xasprintf("rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	for (int i = 0; i < 4; i++)
		free(d->names[i]);
	free(d);
	return 0;
}

/* d->path/name, kept until teardown. */
static const char *at(Dir *d, int i, const char *name)
{
	free(d->names[i]);
	return d->names[i] = xasprintf("%s/%s", d->path, name);
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	close(fd);
}

static void expect_contents(const char *path, const char *want, size_t n)
{
	size_t len;
	char *got = read_whole_file(path, &len);
	assert_non_null(got);
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
	free(got);
}

/* The directory holds exactly the names given (sorted), nothing else. */
static void expect_entries(Dir *d, const char *want)
{
	char *cmd = xasprintf("ls -A '%s' | tr '\\n' ' '", d->path);
	FILE *p = popen(cmd, "r");
	char got[256] = "";
	size_t n = fread(got, 1, sizeof(got) - 1, p);
	got[n] = 0;
	pclose(p);
	free(cmd);
	assert_string_equal(got, want);
}

static void new_file(void **state)
{
	Dir *d = *state;
	umask(027);
	const char *path = at(d, 0, "new.o");
	assert_int_equal(outfile_write(path, data, N), 0);
	expect_contents(path, data, N);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);	/* 0644 less the umask */
	expect_entries(d, "new.o ");
}

/* Replaced by a new file (another inode): a reader of the old one never
 * sees a mix; its mode stays. */
static void replaces_regular_file(void **state)
{
	Dir *d = *state;
	const char *path = at(d, 0, "old.o");
	put(path, "old contents, longer than the new ones\n", 0600);
	struct stat before, after;
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(outfile_write(path, data, N), 0);
	expect_contents(path, data, N);
	assert_int_equal(stat(path, &after), 0);
	assert_int_not_equal(before.st_ino, after.st_ino);
	assert_int_equal(after.st_mode & 07777, 0600);
	expect_entries(d, "old.o ");
}

/* Through a symbolic link: the file it points to is replaced, the link stays. */
static void through_symlink(void **state)
{
	Dir *d = *state;
	const char *real = at(d, 0, "real.o"), *link = at(d, 1, "link.o");
	put(real, "old\n", 0644);
	assert_int_equal(symlink("real.o", link), 0);
	assert_int_equal(outfile_write(link, data, N), 0);
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	expect_contents(real, data, N);
	expect_entries(d, "link.o real.o ");
}

/* A link to nothing: an error, and the link is left alone. */
static void dangling_symlink(void **state)
{
	Dir *d = *state;
	const char *link = at(d, 0, "link.o");
	assert_int_equal(symlink("missing.o", link), 0);
	assert_int_equal(outfile_write(link, data, N), -1);
	assert_int_equal(errno, ENOENT);
	expect_entries(d, "link.o ");
}

/* A character device of our own (the null device's numbers) takes the
 * bytes and is still that device afterwards. */
static void char_device(void **state)
{
	Dir *d = *state;
	const char *path = at(d, 0, "null");
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(outfile_write(path, data, N), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	expect_entries(d, "null ");
}

/* A reader at the other end of a FIFO gets every byte. */
static void fifo(void **state)
{
	Dir *d = *state;
	const char *path = at(d, 0, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	pid_t pid = fork();
	if (pid == 0) {
		size_t len;
		char *got = read_whole_file(path, &len);
		_exit(got && len == N && !memcmp(got, data, N) ? 0 : 1);
	}
	int rc = outfile_write(path, data, N), status;
	if (rc)		/* the reader would wait for a writer forever */
		kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rc, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

static void device_full(void **state)
{
	assert_int_equal(outfile_write("/dev/full", data, N), -1);
	assert_int_equal(errno, ENOSPC);
	struct stat st;
	assert_int_equal(stat("/dev/full", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void directory(void **state)
{
	Dir *d = *state;
	assert_int_equal(outfile_write(d->path, data, N), -1);
	assert_int_equal(errno, EISDIR);
	expect_entries(d, "");
}

/* No directory to write into (as root, a read-only mode would not stop
 * us): nothing is created anywhere. */
static void missing_directory(void **state)
{
	Dir *d = *state;
	assert_int_equal(outfile_write(at(d, 0, "none/x.o"), data, N), -1);
	assert_int_equal(errno, ENOENT);
	put(at(d, 1, "file"), "", 0644);
	assert_int_equal(outfile_write(at(d, 2, "file/x.o"), data, N), -1);
	assert_int_equal(errno, ENOTDIR);
	expect_entries(d, "file ");
}

/* A write that fails half-way (here: the file size limit) leaves the old
 * file as it was and no temporary file. */
static void failed_write_keeps_old(void **state)
{
	Dir *d = *state;
	const char *path = at(d, 0, "keep.o");
	put(path, "old\n", 0644);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 4, 4 };
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(outfile_write(path, data, N) == -1 && errno == EFBIG ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_contents(path, "old\n", 4);
	expect_entries(d, "keep.o ");
}

/* A regular file with no name (a memory file, as ktap compiles into) is
 * written in place and cut to the new length. */
static void unnamed_file(void **state)
{
	int fd = memfd_create("test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	const char old[] = "old contents, longer than the new ones\n";
	assert_int_equal(write_all(fd, old, sizeof(old) - 1), 0);
	char *path = xasprintf("/proc/self/fd/%d", fd);
	assert_int_equal(outfile_write(path, data, N), 0);
	expect_contents(path, data, N);
	free(path);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(replaces_regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(dangling_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(char_device, setup, teardown),
		cmocka_unit_test_setup_teardown(fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(device_full, setup, teardown),
		cmocka_unit_test_setup_teardown(directory, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_write_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(unnamed_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
