/* tp_btf:EVENT and raw_tp:EVENT (docs/language.md §13): a kernel tracepoint's
 * own arguments, typed by the kernel's BTF, where a tracefs event has its
 * formatted record. The typedef btf_trace_EVENT points to the tracepoint's
 * prototype, whose first parameter is the tracepoint's private data, not
 * an argument; the function __bpf_trace_EVENT has the same parameters with
 * their names. The program's ctx is an array of u64: argument i at 8*i. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "common/probes.h"
#include "common/util.h"
#include "sema_int.h"
#include "ctypes.h"
#include "tpbtf.h"

static const char *const kinds[] = { "tp_btf:", "raw_tp:" };

int tpbtf_is_spec(const char *s)
{
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (!strncmp(s, kinds[i], strlen(kinds[i])))
			return 1;
	return 0;
}

/* A kernel tracepoint: its name and the typedef btf_trace_NAME. */
typedef struct Trace {
	const char *name;	/* first: sorted by cmp_strp, searched by probes_nearest */
	uint32_t id;
} Trace;

/* The kernel's tracepoints, names pointing into btf's strings; their
 * count. The typedef's id is kept: looking a name up again is a walk over
 * every type of the kernel, once per tracepoint of a glob. */
static int traces(const struct btf *btf, Trace **out)
{
	static const char prefix[] = "btf_trace_";
	Trace *v = NULL;
	int n = 0;
	for (uint32_t id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (!btf_is_typedef(t) || strncmp(name, prefix, sizeof prefix - 1))
			continue;
		v = xgrow(v, n + 1, sizeof *v);
		v[n++] = (Trace){ name + sizeof prefix - 1, id };
	}
	*out = v;
	return n;
}

/* The nearest tracepoint's name to want, or NULL. */
static const char *nearest(const struct btf *btf, const char *want)
{
	Trace *v;
	int n = traces(btf, &v);
	const char *best = n ? probes_nearest(want, &v->name, sizeof *v, n) : NULL;
	free(v);
	return best;
}

/* The prototype the typedef btf_trace_NAME (id) points to, or NULL. */
static const struct btf_type *prototype(const struct btf *btf, int id)
{
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, btf__type_by_id(btf, id)->type) : NULL;
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	return t && btf_is_func_proto(t) ? t : NULL;
}

/* The parameter names of __bpf_trace_NAME, or NULL. */
static const struct btf_param *param_names(const struct btf *btf, const char *name, int vlen)
{
	char *fn = xasprintf("__bpf_trace_%s", name);
	int id = btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC);
	free(fn);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, btf__type_by_id(btf, id)->type) : NULL;
	return t && btf_is_func_proto(t) && btf_vlen(t) == vlen ? btf_params(t) : NULL;
}

/* Argument i as an event field: an integer, or a pointer whose pointee
 * makes it a typed pointer. Anything else has size 0: not usable. */
static void arg_field(const struct btf *btf, EventField *f, uint32_t type)
{
	char buf[160];
	f->ctype = xstrdup(ctype_name(btf, type, buf, sizeof buf));
	f->kind = EF_INT;
	const struct btf_type *t = btf__type_by_id(btf, ctype_skip(btf, type));
	if (t && (btf_is_int(t) || btf_is_any_enum(t)) && t->size <= 8) {
		f->size = t->size;
		f->is_signed = btf_is_int(t) ? !!(btf_int_encoding(t) & BTF_INT_SIGNED) : btf_kflag(t);
	} else if (t && btf_is_ptr(t)) {
		f->size = 8;
		f->pointee = t->type;
	}
}

static Event *make_event(const struct btf *btf, const char *kind, const char *name,
			 const struct btf_type *proto)
{
	int vlen = btf_vlen(proto);
	const struct btf_param *names = param_names(btf, name, vlen);
	Event *ev = xcalloc(1, sizeof *ev);
	ev->kind = EV_BTF;
	ev->system = xstrndup(kind, strlen(kind) - 1);
	ev->name = xstrdup(name);
	ev->nfields = vlen > 0 ? vlen - 1 : 0;
	ev->fields = xcalloc(ev->nfields + 1, sizeof *ev->fields);
	for (int i = 0; i < ev->nfields; i++) {
		EventField *f = &ev->fields[i];
		const char *pn = names ? btf__name_by_offset(btf, names[i + 1].name_off) : "";
		f->name = *pn ? xstrdup(pn) : xasprintf("arg%d", i);
		f->offset = 8 * i;
		arg_field(btf, f, btf_params(proto)[i + 1].type);
	}
	return ev;
}

/* The events of the tracepoints matching glob, in name order; how many. */
static int resolve_glob(const struct btf *btf, const char *kind, const char *glob,
			Event ***out)
{
	Trace *v;
	int n = traces(btf, &v), k = 0;
	qsort(v, n, sizeof *v, cmp_strp);
	*out = xmalloc((n + 1) * sizeof **out);
	for (int i = 0; i < n; i++) {
		const struct btf_type *proto = fnmatch(glob, v[i].name, 0) ? NULL : prototype(btf, v[i].id);
		if (proto)
			(*out)[k++] = make_event(btf, kind, v[i].name, proto);
	}
	free(v);
	if (!k)
		free(*out);
	return k;
}

int tpbtf_resolve(const char *s, Event ***out, const char **why)
{
	const char *colon = strchr(s, ':'), *name = colon + 1;
	char kind[8];
	snprintf(kind, sizeof kind, "%.*s", (int)(colon - s + 1), s);
	struct btf *btf = ctypes_btf(why);
	if (!btf)
		return 0;
	if (has_glob(name)) {
		int n = resolve_glob(btf, kind, name, out);
		if (!n)
			*why = why_msg("no tracepoint of the kernel's BTF matches '%.80s'", name);
		return n;
	}
	char *tn = xasprintf("btf_trace_%s", name);
	const struct btf_type *proto = prototype(btf, btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF));
	free(tn);
	if (!proto) {
		const char *near = nearest(btf, name);
		if (near) {
			char *right = xasprintf("%s%.80s", kind, near);
			*why = why_guess(name, right, "the kernel has no tracepoint '%.80s'; did you mean '%s'?",
					 name, right);
			free(right);
		} else {
			*why = why_msg("the kernel has no tracepoint '%.80s'", name);
		}
		return 0;
	}
	*out = xmalloc(sizeof **out);
	**out = make_event(btf, kind, name, proto);
	return 1;
}
