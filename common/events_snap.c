/* Snapshots of the events: every tracepoint's format file from tracefs in
 * one file, written once as root (ktapc --save-events FILE) and read where
 * tracefs cannot be (--events FILE: an editor's unprivileged checks).
 *
 * The file is the tree's content, so the reader in events.c parses it as
 * it parses tracefs:
 *	ktap-events 1
 *	# kernel 6.1.0-18-amd64 ..., written by ktapc --save-events
 *	format sched sched_switch 1084
 *	<the 1084 bytes of events/sched/sched_switch/format>
 *	format ...
 * Lines starting with '#' between entries are comments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "common/events.h"
#include "common/events_int.h"
#include "common/outfile.h"
#include "common/util.h"

#define MAGIC "ktap-events 1\n"

static SnapEvent *snap;	/* in use for the rest of the process */
static int nsnap;

const SnapEvent *events_snapshot(int *n)
{
	if (n)
		*n = nsnap;
	return snap;
}

int snapshot_cmp(const void *a, const void *b)
{
	const SnapEvent *x = a, *y = b;
	int c = strcmp(x->system, y->system);
	return c ? c : strcmp(x->name, y->name);
}

static void free_events(SnapEvent *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].system);
		free(v[i].name);
		free(v[i].format);
	}
	free(v);
}

static int plain_name(const char *s)
{
	return *s && !strpbrk(s, "/:*?[") && strcmp(s, ".") && strcmp(s, "..");
}

/* One "format SYS NAME LEN" line and its LEN bytes at *p, into ev. NULL,
 * or what is wrong. */
static const char *parse_entry(const char **p, const char *end, SnapEvent *ev)
{
	const char *nl = memchr(*p, '\n', end - *p);
	char line[600], sys[256], name[256];
	size_t len;
	int used = -1;
	if (!nl || nl - *p >= (long)sizeof line)
		return "a line that does not end";
	memcpy(line, *p, nl - *p);
	line[nl - *p] = 0;
	if (sscanf(line, "format %255s %255s %zu%n", sys, name, &len, &used) != 3 || line[used] ||
	    strlen(line) != (size_t)(nl - *p))
		return "expected 'format SYSTEM NAME LENGTH'";
	if (!plain_name(sys) || !plain_name(name))
		return "an event name with '/', ':' or a glob character";
	if (len > (size_t)(end - nl - 1) || memchr(nl + 1, 0, len))
		return "a format longer than the file, or with a NUL byte";
	*ev = (SnapEvent){ xstrdup(sys), xstrdup(name), xstrndup(nl + 1, len), len };
	*p = nl + 1 + len;
	return NULL;
}

/* The entries of text into *v; NULL, or what is wrong and where. */
static const char *parse(const char *text, size_t size, SnapEvent **v, int *n)
{
	const char *p = text + strlen(MAGIC), *end = text + size;
	if (size < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)))
		return why_msg("its first line is not '%.*s'", (int)strlen(MAGIC) - 1, MAGIC);
	while (p < end) {
		if (*p == '#') {
			const char *nl = memchr(p, '\n', end - p);
			p = nl ? nl + 1 : end;
			continue;
		}
		*v = xgrow(*v, *n, sizeof **v);
		const char *bad = parse_entry(&p, end, &(*v)[*n]);
		if (bad)
			return why_msg("at byte %ld: %s", (long)(p - text), bad);
		++*n;
	}
	if (!*n)
		return "it has no events";
	qsort(*v, *n, sizeof **v, snapshot_cmp);
	for (int i = 1; i < *n; i++)
		if (!snapshot_cmp(&(*v)[i - 1], &(*v)[i]))
			return why_msg("'%s:%s' is in it twice", (*v)[i].system, (*v)[i].name);
	return NULL;
}

int events_use_snapshot(const char *path, const char **whyp)
{
	size_t size;
	char *text = read_whole_file(path, &size);
	if (!text) {
		*whyp = why_msg("cannot read the events snapshot '%s': %s", path, strerror(errno));
		return -1;
	}
	SnapEvent *v = NULL;
	int n = 0;
	const char *bad = parse(text, size, &v, &n);
	free(text);
	if (bad) {
		char what[512];	/* bad may be in why_msg's buffer */
		snprintf(what, sizeof what, "%s", bad);
		*whyp = why_msg("'%s' is not a valid events snapshot (ktapc --save-events): %s", path, what);
		free_events(v, n);
		return -1;
	}
	free_events(snap, nsnap);
	snap = v;
	nsnap = n;
	return 0;
}

static void write_entry(void *arg, const char *sys, const char *name, const char *text, size_t len)
{
	FILE *out = arg;
	fprintf(out, "format %s %s %zu\n", sys, name, len);
	fwrite(text, 1, len, out);
}

/* A regular file is replaced only when it is a snapshot (or empty): a
 * mistyped path as root must not cost a file ktap did not make. */
static int foreign(const char *path)
{
	struct stat st;
	char head[sizeof MAGIC - 1];
	if (stat(path, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		return 0;
	FILE *fp = fopen(path, "rb");
	size_t got = fp ? fread(head, 1, sizeof head, fp) : 0;
	if (fp)
		fclose(fp);
	return got != sizeof head || memcmp(head, MAGIC, sizeof head);
}

int events_save_snapshot(const char *path, const char **whyp)
{
	if (foreign(path)) {
		*whyp = why_msg("'%s' exists and is not an events snapshot: not replaced", path);
		return -1;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out) {
		*whyp = "out of memory";
		return -1;
	}
	struct utsname u;
	fputs(MAGIC, out);
	if (!uname(&u))
		fprintf(out, "# kernel %s %s, written by ktapc --save-events\n", u.release, u.version);
	int n = events_each_format(write_entry, out, whyp);
	fclose(out);
	if (!n)
		*whyp = "there are no events to save";
	if (n > 0 && outfile_write(path, buf, len) < 0) {
		*whyp = why_msg("cannot write '%s': %s", path, strerror(errno));
		n = -1;
	}
	free(buf);
	return n > 0 ? n : -1;
}
