/* `probe:` specs. probe:SYM and probe:GLOB are kprobes, probe:LIB:SYM and
 * probe:PATH:SYM|GLOB|0xOFF uprobes; "%return" makes either a return probe;
 * fetch-args (kprobe_events syntax) after spaces become arg1, arg2... and,
 * named, args.NAME. Kernel symbols are checked against kallsyms when it is
 * readable (KTAP_KALLSYMS names another file: tests use a fake one). */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfsyms.h"
#include "probes.h"
#include "util.h"

enum { MAX_FETCH = 9, MAX_UPROBES = 512 };


int probes_is_spec(const char *spec)
{
	return !strncmp(spec, "probe:", 6);
}

/* struct pt_regs of x86_64: where the kernel saved each register, by its
 * AT&T names for 8, 4, 2 and 1 bytes (USDT notes use them all). kprobe
 * fetch-args name the whole register the kernel's way: "di", "r8". */
static const struct {
	int off;
	const char *names[4];
} regs[] = {
	{ 0, { "r15", "r15d", "r15w", "r15b" } }, { 8, { "r14", "r14d", "r14w", "r14b" } },
	{ 16, { "r13", "r13d", "r13w", "r13b" } }, { 24, { "r12", "r12d", "r12w", "r12b" } },
	{ 32, { "rbp", "ebp", "bp", "bpl" } }, { 40, { "rbx", "ebx", "bx", "bl" } },
	{ 48, { "r11", "r11d", "r11w", "r11b" } }, { 56, { "r10", "r10d", "r10w", "r10b" } },
	{ 64, { "r9", "r9d", "r9w", "r9b" } }, { 72, { "r8", "r8d", "r8w", "r8b" } },
	{ 80, { "rax", "eax", "ax", "al" } }, { 88, { "rcx", "ecx", "cx", "cl" } },
	{ 96, { "rdx", "edx", "dx", "dl" } }, { 104, { "rsi", "esi", "si", "sil" } },
	{ 112, { "rdi", "edi", "di", "dil" } }, { 128, { "rip", "eip", "ip", NULL } },
	{ 152, { "rsp", "esp", "sp", "spl" } },
};
enum { REG_AX = 80, REG_IP = 128 };
static const int arg_regs[] = { 112, 104, 96, 88, 72, 64 };	/* di si dx cx r8 r9 */

int probes_reg(const char *name, int *size)
{
	for (size_t i = 0; i < sizeof regs / sizeof *regs; i++)
		for (int w = 0; w < 4; w++)
			if (regs[i].names[w] && !strcmp(regs[i].names[w], name)) {
				*size = 8 >> w;
				return regs[i].off;
			}
	return -1;
}

/* A fetch-arg's whole register, "di" or "rdi" → its pt_regs offset, or -1. */
static int reg_offset(const char *name)
{
	int size = 0;
	char *r = xasprintf("r%s", name);
	int off = probes_reg(name, &size);
	if (off < 0 || size != 8)
		off = probes_reg(r, &size);
	free(r);
	return size == 8 ? off : -1;
}

static EventField reg_field(const char *name, int off)
{
	return (EventField){ .name = name ? xstrdup(name) : NULL, .ctype = xstrdup("s64"),
			     .kind = EF_INT, .offset = off, .size = 8, .is_signed = 1 };
}

/* ":u32" and the like; 0, or -1 with *why set. */
static int fetch_type(const char *t, EventField *f, const char **whyp)
{
	int bits = 0;
	if ((t[0] == 'u' || t[0] == 's' || t[0] == 'x') && sscanf(t + 1, "%d", &bits) == 1 &&
	    (bits == 8 || bits == 16 || bits == 32 || bits == 64)) {
		char digits[4];
		snprintf(digits, sizeof digits, "%d", bits);
		if (!strcmp(t + 1, digits)) {
			f->size = bits / 8;
			f->is_signed = t[0] == 's';
			free(f->ctype);
			f->ctype = xstrdup(t);
			return 0;
		}
	}
	*whyp = why_msg("unknown fetch-arg type '%s' (use u8, u16, u32, u64, s8 ... s64, x8 ... x64)", t);
	return -1;
}

/* %REG, $retval, $argN or [+-]OFF(%REG): *f's place; 0, or -1 with *why. */
static int fetch_place(char *s, int retprobe, EventField *f, const char **whyp)
{
	if (!strcmp(s, "$retval")) {
		if (!retprobe) {
			*whyp = why_msg("'$retval' is only known at a return probe (%%return)");
			return -1;
		}
		f->offset = REG_AX;
		return 0;
	}
	int n;
	char end;
	if (sscanf(s, "$arg%d%c", &n, &end) == 1 && n >= 1 && n <= 6) {
		f->offset = arg_regs[n - 1];
		return 0;
	}
	char *reg = s;
	if (*s == '+' || *s == '-') {
		char *rest;
		f->disp = strtoll(s, &rest, 0);
		size_t len = strlen(rest);
		if (rest == s + 1 || rest[0] != '(' || len < 3 || rest[len - 1] != ')') {
			*whyp = why_msg("bad memory fetch-arg '%s': expected +OFFSET(%%REG)", s);
			return -1;
		}
		rest[len - 1] = 0;
		reg = rest + 1;
		f->kind = EF_MEM;
	}
	if (*reg != '%' || (f->offset = reg_offset(reg + 1)) < 0) {
		*whyp = why_msg("bad fetch-arg '%s': expected %%REG (%%di, %%si, %%ax ...), +OFFSET(%%REG), "
			    "$argN or $retval", s);
		return -1;
	}
	return 0;
}

/* One fetch-arg, [NAME=]PLACE[:TYPE], into *f; 0, or -1 with *why. */
static int fetch_arg(const char *text, int retprobe, EventField *f, const char **whyp)
{
	char *s = xstrdup(text), *place = s, *eq = strchr(s, '='), *colon;
	*f = reg_field(NULL, 0);
	int rc = 0;
	if (eq) {
		*eq = 0;
		place = eq + 1;
		for (char *p = s; *p; p++)
			if (!(isalnum((unsigned char)*p) || *p == '_') || isdigit((unsigned char)*s))
				rc = -1;
		if (rc || !*s)
			*whyp = why_msg("bad fetch-arg name '%s'", s);
		else
			f->name = xstrdup(s);
	}
	if (!rc && (colon = strrchr(place, ':'))) {
		*colon = 0;
		rc = fetch_type(colon + 1, f, whyp);
	}
	if (!rc)
		rc = fetch_place(place, retprobe, f, whyp);
	free(s);
	return rc;
}

static void add_field(EventField **v, int *n, EventField f)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = f;
}

/* arg0 and the rest: fetch-args, or the calling convention's arguments
 * (the return value at a return probe). Named fetch-args are fields. */
static int probe_args(Event *ev, char **fetch, int nfetch, const char **whyp)
{
	add_field(&ev->args, &ev->nargs, reg_field(NULL, REG_IP));
	if (!nfetch && ev->retprobe)
		add_field(&ev->args, &ev->nargs, reg_field(NULL, REG_AX));
	for (int i = 0; !nfetch && !ev->retprobe && i < 6; i++)
		add_field(&ev->args, &ev->nargs, reg_field(NULL, arg_regs[i]));
	for (int i = 0; i < nfetch; i++) {
		EventField f;
		if (fetch_arg(fetch[i], ev->retprobe, &f, whyp) < 0) {
			free(f.name);
			free(f.ctype);
			return -1;
		}
		if (f.name && event_field(ev, f.name)) {
			*whyp = why_msg("fetch-arg '%s' is named twice", f.name);
			free(f.name);
			free(f.ctype);
			return -1;
		}
		add_field(&ev->args, &ev->nargs, f);
		if (f.name) {	/* the same field under its name: a copy that owns its strings */
			EventField named = f;
			named.name = xstrdup(f.name);
			named.ctype = xstrdup(f.ctype);
			add_field(&ev->fields, &ev->nfields, named);
		}
	}
	return 0;
}

const char *probes_nearest(const char *want, const char *const *names, size_t stride, int n)
{
	const char *best = NULL;
	int bd = 1 << 30;
	for (int i = 0; i < n; i++) {
		const char *s = *(const char *const *)((const char *)names + i * stride);
		int d = edit_distance(want, s);
		if (d < bd) {
			bd = d;
			best = s;
		}
	}
	return bd <= (int)strlen(want) / 2 + 1 ? best : NULL;
}

static Event *probe_new(EventKind kind, const char *system, const char *name, int retprobe)
{
	Event *ev = xcalloc(1, sizeof *ev);
	ev->kind = kind;
	ev->system = xstrdup(system);
	ev->name = xstrdup(name);
	ev->retprobe = retprobe;
	return ev;
}

/* The kernel's function names, or NULL when kallsyms cannot be read: read
 * once per process (~200,000 lines; a script may name many probes), kept
 * for its life. */
static char **kernel_functions(int *n)
{
	static char **v;
	static int nv, read;
	if (!read) {
		read = 1;
		const char *path = getenv("KTAP_KALLSYMS");
		FILE *f = fopen(path && *path ? path : "/proc/kallsyms", "re");
		char line[512], name[256], type;
		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "%*s %c %255s", &type, name) == 2 && strchr("tTwW", type)) {
				v = xgrow(v, nv, sizeof *v);
				v[nv++] = xstrdup(name);
			}
		if (f) {
			fclose(f);
			v = v ? v : xcalloc(1, sizeof *v);
		}
	}
	*n = nv;
	return v;
}

/* 1 when sym (or glob) names a kernel function, or nothing says it does
 * not; 0 with *why set. */
static int kernel_has(const char *sym, const char **whyp)
{
	int n = 0, found = 0;
	char **names = kernel_functions(&n);
	if (!names)
		return 1;
	for (int i = 0; i < n && !found; i++)
		found = has_glob(sym) ? !fnmatch(sym, names[i], 0) : !strcmp(sym, names[i]);
	if (!found && has_glob(sym)) {
		*whyp = why_msg("no kernel function matches '%s'", sym);
	} else if (!found) {
		const char *guess = probes_nearest(sym, (const char *const *)names, sizeof *names, n);
		*whyp = guess ? why_guess(sym, guess, "unknown kernel function '%s'; did you mean '%s'?", sym, guess) :
				why_msg("unknown kernel function '%s'", sym);
	}
	return found;
}

static void add_event(Event ***out, int *n, Event *ev)
{
	*out = xrealloc(*out, (*n + 1) * sizeof **out);
	(*out)[(*n)++] = ev;
}

static int kprobes(const char *sym, int retprobe, Event ***out, const char **whyp)
{
	if (!kernel_has(sym, whyp))
		return 0;
	Event *ev = probe_new(EV_KPROBE, "probe", sym, retprobe);
	ev->multi = has_glob(sym);
	int n = 0;
	add_event(out, &n, ev);
	return n;
}

static Event *uprobe_new(const char *path, const char *name, uint64_t offset, int retprobe)
{
	char *system = xasprintf("probe:%s", path);
	Event *ev = probe_new(EV_UPROBE, system, name, retprobe);
	free(system);
	ev->path = xstrdup(path);
	ev->offset = offset;
	return ev;
}

/* The functions of a glob, one per address: aliases (malloc and
 * __libc_malloc) would each count every call. */
static int uprobe_glob(const char *path, const char *glob, ElfSym *s, int ns, int retprobe,
		       Event ***out, const char **whyp)
{
	ElfSym *m = xcalloc(ns + 1, sizeof *m);
	int nm = 0, n = 0;
	for (int i = 0; i < ns; i++)
		if (!fnmatch(glob, s[i].name, 0))
			m[nm++] = s[i];
	qsort(m, nm, sizeof *m, elfsym_by_offset);
	for (int i = 0; i < nm; i++)
		if (!i || m[i].offset != m[i - 1].offset)
			add_event(out, &n, uprobe_new(path, m[i].name, m[i].offset, retprobe));
	free(m);
	if (!n)
		*whyp = why_msg("no function of %s matches '%s'", path, glob);
	if (n > MAX_UPROBES)
		*whyp = why_msg("'%s' matches %d functions of %s: at most %d uprobes in one spec", glob, n,
			    path, MAX_UPROBES);
	return n <= MAX_UPROBES ? n : -n;
}

static int uprobe_sym(const char *path, const char *sym, ElfSym *s, int ns, int retprobe,
		      Event ***out, const char **whyp)
{
	int n = 0;
	for (int i = 0; i < ns; i++)
		if (!strcmp(s[i].name, sym)) {
			add_event(out, &n, uprobe_new(path, sym, s[i].offset, retprobe));
			return n;
		}
	const char *guess = probes_nearest(sym, (const char *const *)&s->name, sizeof *s, ns);
	if (guess)
		*whyp = why_guess(sym, guess, "%s has no function '%s'; did you mean '%s'?", path, sym, guess);
	else
		*whyp = why_msg("%s has no function '%s'", path, sym);
	return 0;
}

char *probes_binary(const char *file, const char **whyp)
{
	char *path = strchr(file, '/') ? xstrdup(file) : elfsyms_library(file);
	if (!path)
		*whyp = why_msg("no library '%s' in the dynamic linker's directories (see docs/probes.md); "
			    "give a path", file);
	return path;
}

/* Uprobes on file (a path, or a library name; freed here) at sym: a
 * symbol, a glob or an offset in the file. Negative: that many made, to
 * free. */
static int uprobes(char *file, const char *sym, int retprobe, Event ***out, const char **whyp)
{
	char *path = probes_binary(file, whyp);
	free(file);
	if (!path)
		return 0;
	int n = 0;
	char *end;
	uint64_t off = strtoull(sym, &end, 0);
	if (isdigit((unsigned char)*sym) && !*end && off) {
		add_event(out, &n, uprobe_new(path, sym, off, retprobe));
		free(path);
		return n;
	}
	ElfSym *s;
	const char *err;
	int ns = elfsyms_read(path, &s, &err);
	if (ns < 0)
		*whyp = why_msg("%s %s", path, err);
	else if (has_glob(sym))
		n = uprobe_glob(path, sym, s, ns, retprobe, out, whyp);
	else
		n = uprobe_sym(path, sym, s, ns, retprobe, out, whyp);
	elfsyms_free(s, ns < 0 ? 0 : ns);
	free(path);
	return n;
}

/* The words of spec: the target, then the fetch-args. */
static char **words(const char *spec, int *n)
{
	char *copy = xstrdup(spec), **v = NULL, *save;
	*n = 0;
	for (char *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		v = xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = xstrdup(w);
	}
	free(copy);
	return v;
}

int probes_resolve(const char *spec, Event ***out, const char **whyp)
{
	int nw, n = 0;
	char **w = words(spec + 6, &nw);
	*out = NULL;
	char *target = nw ? w[0] : NULL, *colon = target ? strrchr(target, ':') : NULL;
	size_t len = target ? strlen(target) : 0;
	int ret = len > 7 && !strcmp(target + len - 7, "%return");
	if (ret)
		target[len - 7] = 0;
	if (!target || !*target || (colon && (colon == target || !colon[1])))
		*whyp = why_msg("probe '%s' is not of the form 'probe:SYMBOL' or 'probe:PATH:SYMBOL'", spec);
	else if (nw - 1 > MAX_FETCH)
		*whyp = why_msg("at most %d fetch-args", MAX_FETCH);
	else if (colon)
		n = uprobes(xstrndup(target, colon - target), colon + 1, ret, out, whyp);
	else
		n = kprobes(target, ret, out, whyp);
	int bad = 0;
	for (int i = 0; i < n && !bad; i++)
		bad = probe_args((*out)[i], w + 1, nw - 1, whyp) < 0;
	if (bad)
		n = -n;
	if (n < 0) {
		events_free(*out, -n);
		*out = NULL;
		n = 0;
	}
	for (int i = 0; i < nw; i++)
		free(w[i]);
	free(w);
	return n;
}

/* Append the kernel functions of glob to (*out)[k...]. */
static int kernel_matches(const char *glob, const char *suffix, char ***out, int k)
{
	int n = 0;
	char **names = kernel_functions(&n);
	for (int i = 0; i < n; i++)
		if (!fnmatch(glob, names[i], 0)) {
			*out = xgrow(*out, k, sizeof **out);
			(*out)[k++] = xasprintf("probe:%s%s", names[i], suffix);
		}
	return k;
}

/* Sorted, each once (kallsyms repeats static names). */
static int sorted_unique(char **v, int n)
{
	if (!n)
		return 0;	/* v may be NULL, which qsort must not get */
	qsort(v, n, sizeof *v, cmp_strp);
	int u = 0;
	for (int i = 0; i < n; i++) {
		if (u && !strcmp(v[u - 1], v[i]))
			free(v[i]);
		else
			v[u++] = v[i];
	}
	return u;
}

int probes_list(const char *spec, char ***out, const char **whyp)
{
	Event **evs;
	int n = probes_resolve(spec, &evs, whyp), k = 0;
	*out = NULL;
	for (int i = 0; i < n; i++) {
		const Event *ev = evs[i];
		const char *suffix = ev->retprobe ? "%return" : "";
		if (ev->multi) {
			k = kernel_matches(ev->name, suffix, out, k);
		} else {
			*out = xgrow(*out, k, sizeof **out);
			(*out)[k++] = ev->path ? xasprintf("probe:%s:%s%s", ev->path, ev->name, suffix) :
						 xasprintf("probe:%s%s", ev->name, suffix);
		}
	}
	events_free(evs, n);
	if (n && !k)
		*whyp = why_msg("kallsyms cannot be read: '%s' is not expanded", spec);
	return sorted_unique(*out, k);
}
