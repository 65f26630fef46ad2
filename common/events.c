/* Tracepoints from tracefs (or a snapshot of it): find the directory,
 * expand globs, parse formats.
 *
 * A format file lists one field per line:
 *	field:unsigned int fd;	offset:16;	size:8;	signed:0;
 * The common_* fields (the trace entry header) are left out: programs reach
 * them through helpers, not by position. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/util.h"
#include "common/events.h"
#include "common/events_int.h"

typedef void (*EventFn)(void *arg, const char *root, const char *sys, const char *name);


static int has_events(const char *dir)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/events", dir);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *events_tracefs(const char **whyp)
{
	static const char *const tracing = "/sys/kernel/tracing";
	static const char *const debug = "/sys/kernel/debug/tracing";
	static const char *const as_root = "run as root, or check with a snapshot of the events "
					   "(ktapc --save-events FILE as root, then --events FILE)";
	const char *env = getenv("KTAP_TRACEFS");

	if (env && *env) {
		if (has_events(env))
			return env;
		*whyp = why_msg("KTAP_TRACEFS=%s has no events directory", env);
		return NULL;
	}
	if (has_events(tracing))
		return tracing;
	/* Mounted but closed to this user (its mode is 0700 by default). */
	int denied = errno == EACCES;
	/* Nobody mounted it yet: do so when we may (as root). */
	if (!denied && mount("nodev", tracing, "tracefs", 0, NULL) == 0 && has_events(tracing))
		return tracing;
	int err = errno;
	if (has_events(debug))
		return debug;
	if (denied)
		*whyp = why_msg("tracefs at %s is not readable by this user (permission denied): %s",
			    tracing, as_root);
	else if (err == EPERM)
		*whyp = why_msg("tracefs is not mounted at %s and only root may mount it: %s", tracing, as_root);
	else
		*whyp = why_msg("tracefs is not mounted at %s and mounting it failed (%s)",
			    tracing, strerror(err));
	return NULL;
}

static void free_fields(EventField *f, int n)
{
	for (int i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].ctype);
	}
	free(f);
}

void event_free(Event *ev)
{
	if (!ev)
		return;
	free_fields(ev->fields, ev->nfields);
	free_fields(ev->args, ev->nargs);
	free(ev->path);
	free(ev->system);
	free(ev->name);
	free(ev);
}

void events_free(Event **evs, int n)
{
	for (int i = 0; i < n; i++)
		event_free(evs[i]);
	free(evs);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

/* "unsigned int fd", "char prev_comm[16]", "__data_loc char[] filename". */
static int parse_decl(char *decl, EventField *f)
{
	decl = trim(decl);
	char *sp = strrchr(decl, ' ');
	char *star = strrchr(decl, '*');
	if (star && (!sp || star > sp))
		sp = star;
	if (!sp || !sp[1])
		return -1;
	char *name = trim(sp + 1);
	char *br = strchr(name, '[');
	size_t namelen = br ? (size_t)(br - name) : strlen(name);
	f->name = xstrndup(name, namelen);

	char *base = xstrndup(decl, sp + (*sp == '*') - decl);
	char *b = trim(base);
	f->ctype = br ? xasprintf("%s%s", b, br) : xstrdup(b);
	free(base);

	f->kind = EF_INT;
	if (!strncmp(f->ctype, "__data_loc ", 11)) {
		if (!strcmp(f->ctype + 11, "char[]"))
			f->kind = EF_DATALOC;
	} else if (br && (!strncmp(f->ctype, "char[", 5) || !strncmp(f->ctype, "const char[", 11))) {
		f->kind = EF_CHARS;
	}
	return 0;
}

static int get_num(const char *line, const char *key, int *out)
{
	const char *p = strstr(line, key);
	if (!p)
		return -1;
	*out = atoi(p + strlen(key));
	return 0;
}

/* Where an integer field's value is: its C type says how wide and how
 * signed it is when the slot is wider (syscall arguments fill a register's
 * slot, marked signed:0 whatever their type). A format's signed:1 is always
 * right: the kernel only writes it when it knows. */
static void int_value(EventField *f)
{
	int width, is_signed;
	if (strchr(f->ctype, '[') || !ctype_int(f->ctype, &width, &is_signed))
		return;
	f->is_signed |= is_signed;
	if (width >= f->size)
		return;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	f->offset += f->size - width;	/* the low bytes come last */
#endif
	f->size = width;
}

/* "__u8[4]": an integer array, its elements as signed as their C type
 * says (the format's signed: flag is the array's, always 0). */
static void array_value(EventField *f)
{
	char *br = strchr(f->ctype, '[');
	char *elem = xstrndup(f->ctype, br - f->ctype);
	int width, is_signed;
	f->kind = EF_ARRAY;
	f->count = atoi(br + 1);
	if (ctype_int(elem, &width, &is_signed))
		f->is_signed = is_signed;
	free(elem);
}

static int parse_field(char *line, EventField *f)
{
	char *p = strstr(line, "field:");
	char *semi = p ? strchr(p, ';') : NULL;
	if (!semi)
		return -1;
	*semi = 0;
	memset(f, 0, sizeof *f);
	if (parse_decl(p + 6, f) < 0)
		return -1;
	if (get_num(semi + 1, "offset:", &f->offset) < 0 ||
	    get_num(semi + 1, "size:", &f->size) < 0) {
		free(f->name);
		free(f->ctype);
		return -1;
	}
	get_num(semi + 1, "signed:", &f->is_signed);
	if (f->kind == EF_INT && strchr(f->ctype, '['))
		array_value(f);
	else if (f->kind == EF_INT)
		int_value(f);
	return 0;
}

/* Where the events come from: the tracefs tree at root, or (root NULL) the
 * snapshot that events_use_snapshot read (events_snap.c), which holds the
 * same format files. */

static void push_name(char ***v, int *n, const char *name)
{
	*v = xgrow(*v, *n, sizeof **v);
	(*v)[(*n)++] = xstrdup(name);
}

/* Sorted names of the subdirectories of dir matching pat. */
static char **list_dir(const char *dir, const char *pat, int *n)
{
	char **v = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || fnmatch(pat, e->d_name, 0))
			continue;
		char path[4096];
		struct stat st;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path &&
		    !stat(path, &st) && S_ISDIR(st.st_mode))
			push_name(&v, n, e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_strp);
	return v;
}

/* The snapshot's entries are sorted by system, then name. */
static char **snapshot_names(const char *sys, const char *pat, int *n)
{
	int ns;
	const SnapEvent *s = events_snapshot(&ns);
	char **v = NULL;
	*n = 0;
	for (int i = 0; i < ns; i++) {
		const char *name = sys ? s[i].name : s[i].system;
		if ((sys && strcmp(s[i].system, sys)) || (!sys && *n && !strcmp(v[*n - 1], name)))
			continue;
		if (!fnmatch(pat, name, 0))
			push_name(&v, n, name);
	}
	return v;
}

/* Sorted names matching pat: of the systems (sys NULL), or of sys's events. */
static char **names(const char *root, const char *sys, const char *pat, int *n)
{
	if (!root)
		return snapshot_names(sys, pat, n);
	char dir[4096];
	if (sys)
		snprintf(dir, sizeof dir, "%s/events/%s", root, sys);
	else
		snprintf(dir, sizeof dir, "%s/events", root);
	return list_dir(dir, pat, n);
}

/* The text of an event's format file, or NULL. */
static char *format_text(const char *root, const char *sys, const char *name, size_t *len)
{
	if (root) {
		char path[4096];
		snprintf(path, sizeof path, "%s/events/%s/%s/format", root, sys, name);
		return read_whole_file(path, len);
	}
	int ns;
	const SnapEvent *s = events_snapshot(&ns);
	SnapEvent key = { .system = (char *)sys, .name = (char *)name };
	const SnapEvent *e = bsearch(&key, s, ns, sizeof *s, snapshot_cmp);
	if (!e)
		return NULL;
	*len = e->len;
	return xstrndup(e->format, e->len);
}

/* Parse one format file; NULL when it cannot be read or makes no sense. */
static Event *event_load(const char *root, const char *sys, const char *name)
{
	char line[1024];
	size_t len;
	char *text = format_text(root, sys, name, &len);
	FILE *fp = text && len ? fmemopen(text, len, "r") : NULL;
	if (!fp) {
		free(text);
		return NULL;
	}
	Event *ev = xcalloc(1, sizeof *ev);
	ev->kind = EV_TRACEPOINT;
	ev->system = xstrdup(sys);
	ev->name = xstrdup(name);
	ev->id = -1;
	int cap = 0, bad = 0;
	while (fgets(line, sizeof line, fp)) {
		if (!strncmp(line, "ID:", 3)) {
			ev->id = atoi(line + 3);
			continue;
		}
		if (!strstr(line, "field:"))
			continue;
		EventField f;
		if (parse_field(line, &f) < 0) {
			bad = 1;
			continue;
		}
		if (!strncmp(f.name, "common_", 7)) {
			free(f.name);
			free(f.ctype);
			continue;
		}
		if (ev->nfields == cap) {
			cap = cap ? 2 * cap : 8;
			ev->fields = xrealloc(ev->fields, cap * sizeof *ev->fields);
		}
		ev->fields[ev->nfields++] = f;
	}
	fclose(fp);
	free(text);
	if (bad || ev->id < 0) {
		event_free(ev);
		return NULL;
	}
	return ev;
}

static void free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The name closest to want among the systems (sys NULL) or sys's events,
 * when close enough to be a typo. */
static char *closest(const char *root, const char *sys, const char *want)
{
	int n;
	char **v = names(root, sys, "*", &n);
	char *best = NULL;
	int bestd = strlen(want) / 3 + 1;
	for (int i = 0; i < n; i++) {
		int d = edit_distance(want, v[i]);
		if (d <= bestd && (!best || d < bestd)) {
			best = v[i];
			bestd = d;
		}
	}
	best = best ? xstrdup(best) : NULL;
	free_list(v, n);
	return best;
}

/* Whether the source has exactly this system (event NULL) or event. */
static int exists(const char *root, const char *sys, const char *event)
{
	int n;
	char **v = names(root, event ? sys : NULL, event ? event : sys, &n);
	free_list(v, n);
	return n > 0;
}

static const char *unknown(const char *root, const char *sys, const char *name)
{
	char *guess = NULL;
	if (has_glob(sys) || has_glob(name))
		;
	else if (exists(root, sys, NULL)) {
		char *g = closest(root, sys, name);
		guess = g ? xasprintf("%s:%s", sys, g) : NULL;
		free(g);
	} else {
		char *g = closest(root, NULL, sys);
		guess = g && exists(root, g, name) ? xasprintf("%s:%s", g, name) : NULL;
		free(g);
	}
	if (guess) {
		char *wrong = xasprintf("%s:%s", sys, name);
		const char *w = why_guess(wrong, guess, "unknown event '%s'; did you mean '%s'?", wrong, guess);
		free(wrong);
		free(guess);
		return w;
	}
	if (has_glob(sys) || has_glob(name))
		return why_msg("no event matches '%s:%s'", sys, name);
	return why_msg("unknown event '%s:%s'", sys, name);
}

/* Dynamic events are left out: a BPF program attaches to a uprobe or
 * kprobe event only as a probe (a pt_regs context, not the record), which
 * is what `probe:` specs are for. A snapshot has none. */

/* The "group/event" names of the dynamic events (the second word of each
 * line of tracefs's dynamic_events: "p:uprobes/f /bin/x:0x1139"), NUL-separated
 * in one buffer ending with an empty name; NULL when there is no such file. */
static char *dynamic_events(const char *root)
{
	char path[4096], line[4096];
	if (!root)
		return NULL;
	snprintf(path, sizeof path, "%s/dynamic_events", root);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	size_t len = 0;
	char *names = xcalloc(1, 1);
	while (fgets(line, sizeof line, fp)) {
		char *s = strchr(line, ':'), *e = s ? s + strcspn(s, " \t\n") : NULL;
		if (!s || e == s + 1)
			continue;
		names = xrealloc(names, len + (e - s) + 1);
		memcpy(names + len, s + 1, e - s - 1);
		len += e - s - 1;
		names[len++] = 0;
		names[len] = 0;
	}
	fclose(fp);
	return names;
}

static int is_dynamic(const char *names, const char *sys, const char *name)
{
	size_t ns = strlen(sys);
	for (const char *n = names; n && *n; n += strlen(n) + 1)
		if (!strncmp(n, sys, ns) && n[ns] == '/' && !strcmp(n + ns + 1, name))
			return 1;
	return 0;
}

/* The tracefs directory to read, or NULL for the snapshot; 0 when there is
 * neither (*whyp says why). */
static int source(const char **root, const char **whyp)
{
	*root = NULL;
	return events_snapshot(NULL) || (*root = events_tracefs(whyp));
}

/* Calls fn on every tracepoint matching sys:name that a script may trace,
 * in order; *ndyn counts the dynamic events left out. */
static void each_event(const char *root, const char *sys, const char *name, EventFn fn, void *arg,
		       int *ndyn)
{
	int nsys;
	char **systems = names(root, NULL, sys, &nsys);
	char *dyn = dynamic_events(root);
	for (int i = 0; i < nsys; i++) {
		if (!strcmp(systems[i], "ftrace"))	/* ftrace's own records: not attachable */
			continue;
		int nev;
		char **evs = names(root, systems[i], name, &nev);
		for (int j = 0; j < nev; j++) {
			if (is_dynamic(dyn, systems[i], evs[j]))
				++*ndyn;
			else
				fn(arg, root, systems[i], evs[j]);
		}
		free_list(evs, nev);
	}
	free_list(systems, nsys);
	free(dyn);
}

typedef struct Found {
	Event **v;
	int n;
} Found;

static void add_event(void *arg, const char *root, const char *sys, const char *name)
{
	Found *f = arg;
	Event *ev = event_load(root, sys, name);
	if (!ev)
		return;
	f->v = xgrow(f->v, f->n, sizeof *f->v);
	f->v[f->n++] = ev;
}

int events_resolve(const char *spec, Event ***out, const char **whyp)
{
	*out = NULL;
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec || !colon[1] || strchr(colon + 1, ':')) {
		*whyp = why_msg("event '%s' is not of the form 'system:name'", spec);
		return 0;
	}
	const char *root;
	if (!source(&root, whyp))
		return -1;
	char *sys = xstrndup(spec, colon - spec);
	const char *name = colon + 1;
	Found f = { 0 };
	int ndyn = 0;
	each_event(root, sys, name, add_event, &f, &ndyn);
	*out = f.v;
	if (!f.n && !strcmp(sys, "ftrace"))
		*whyp = why_msg("'ftrace' events are ftrace's own records, not tracepoints");
	else if (!f.n && ndyn)
		*whyp = why_msg("'%s:%s' matches only probe events made through tracefs's dynamic_events "
			    "(uprobe_events, kprobe_events), not tracepoints; trace the function with "
			    "'probe:'", sys, name);
	else if (!f.n)
		*whyp = unknown(root, sys, name);
	free(sys);
	return f.n;
}

typedef struct Texts {
	EventTextFn fn;
	void *arg;
	int n;
} Texts;

static void with_text(void *arg, const char *root, const char *sys, const char *name)
{
	Texts *t = arg;
	size_t len;
	char *text = format_text(root, sys, name, &len);
	if (text) {
		t->fn(t->arg, sys, name, text, len);
		t->n++;
	}
	free(text);
}

int events_each_format(EventTextFn fn, void *arg, const char **whyp)
{
	const char *root;
	int ndyn = 0;
	if (!source(&root, whyp))
		return -1;
	Texts t = { fn, arg, 0 };
	each_event(root, "*", "*", with_text, &t, &ndyn);
	return t.n;
}

const EventField *event_field(const Event *ev, const char *name)
{
	for (int i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->fields[i].name, name))
			return &ev->fields[i];
	return NULL;
}

/* Syscall events keep __syscall_nr as their first specific field, so both
 * rules of the language reference come down to counting fields. Probes
 * keep their own list: arg0, the address, is no field. */
const EventField *event_arg(const Event *ev, int n)
{
	if (ev->kind != EV_TRACEPOINT && ev->kind != EV_BTF)
		return n >= 0 && n < ev->nargs ? &ev->args[n] : NULL;
	return n >= 0 && n < ev->nfields ? &ev->fields[n] : NULL;
}

int event_field_usable(const EventField *f)
{
	if (f->kind == EF_UNREADABLE)
		return 0;
	int size = f->size;
	if (f->kind == EF_ARRAY && (f->count <= 0 || f->size % f->count))
		return 0;
	if (f->kind == EF_ARRAY)
		size /= f->count;
	else if (f->kind != EF_INT)
		return 1;	/* EF_MEM, EF_CONST: only sizes 1, 2, 4, 8 are made */
	return size == 1 || size == 2 || size == 4 || size == 8;
}
