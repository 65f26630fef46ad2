/* Output files. A regular file is replaced by rename: the bytes go to a
 * temporary file in the same directory, which is synced and then renamed
 * over the target, so that a reader never sees half an object and a failure
 * leaves the old file as it was. Through a symbolic link, the file it points
 * to is replaced and the link stays. Anything else is written in place:
 * truncating or removing a device, a FIFO or a terminal would harm whatever
 * else uses it (unlinking /dev/null breaks the machine). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "outfile.h"
#include "util.h"

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k > 0) {
			c += k, n -= k;
		} else if (k < 0 && errno == EAGAIN) {	/* someone made it nonblocking */
			struct pollfd w = { .fd = fd, .events = POLLOUT };
			(void)!poll(&w, 1, -1);
		} else if (k == 0 || errno != EINTR) {
			if (k == 0)
				errno = EIO;
			return -1;
		}
	}
	return 0;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

/* Closes fd after a step that returned rc: rc, or -1 if only close failed.
 * errno stays the first failure's. */
static int close_after(int fd, int rc)
{
	int err = errno;
	if (close(fd) < 0 && !rc)
		return -1;
	errno = err;
	return rc;
}

/* A device or FIFO keeps what it is; no O_CREAT, no O_TRUNC. A regular file
 * gets here only when it has no name to replace (a memory file seen through
 * /proc/self/fd, as ktap compiles into one): it is cut to the new length. */
static int in_place(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = write_all(fd, p, n);
	if (!rc)
		rc = fstat(fd, &st);
	if (!rc && S_ISREG(st.st_mode))
		rc = ftruncate(fd, n);
	return close_after(fd, rc);
}

/* The mode a new file gets, as open(..., 0644) would give it. */
static mode_t new_file_mode(void)
{
	mode_t mask = umask(0);
	umask(mask);
	return 0644 & ~mask;
}

/* Replaces target (a resolved path; old: its stat, NULL if there is none). */
static int replace(const char *target, const struct stat *old, const void *p, size_t n)
{
	const char *slash = strrchr(target, '/');
	char *tmp = slash ? xasprintf("%.*s/.ktap-XXXXXX", (int)(slash - target), target)
			  : xstrdup(".ktap-XXXXXX");
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	/* Root replacing a user's file leaves it theirs. A user may not give a
	 * file away: theirs becomes their own, as with an editor's save. */
	int rc = old && geteuid() == 0 ? fchown(fd, old->st_uid, old->st_gid) : 0;
	if (!rc)
		rc = fchmod(fd, old ? old->st_mode & 07777 : new_file_mode());
	if (!rc)
		rc = write_all(fd, p, n);
	if (!rc)
		rc = fsync(fd);
	rc = close_after(fd, rc);
	if (!rc)
		rc = rename(tmp, target);
	if (rc) {
		int err = errno;
		unlink(tmp);
		errno = err;
	}
	free(tmp);
	return rc;
}

int outfile_write(const char *path, const void *p, size_t n)
{
	if (!strcmp(path, "-"))
		return write_all(STDOUT_FILENO, p, n);
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -1;
		/* a link to nothing: creating its target is a surprise either way */
		if (lstat(path, &st) == 0)
			return fail(ENOENT);
		return replace(path, NULL, p, n);
	}
	if (S_ISDIR(st.st_mode))
		return fail(EISDIR);
	if (!S_ISREG(st.st_mode))
		return in_place(path, p, n);
	char *target = realpath(path, NULL);
	if (!target)
		return errno == ENOENT ? in_place(path, p, n) : -1;
	int rc = replace(target, &st, p, n);
	free(target);
	return rc;
}
