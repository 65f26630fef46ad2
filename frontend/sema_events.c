/* What handlers see of their events: specs, argN, args.NAME, builtin
 * variables, and the intervals of tick and profile. */
#include <stdlib.h>
#include <string.h>
#include "common/probes.h"
#include "common/usdt.h"
#include "common/util.h"
#include "sema_int.h"
#include "tpbtf.h"

/* bpftrace's spellings of probes, and ktap's. */
static const struct {
	const char *prefix, *suffix;
} bpftrace[] = {
	{ "kprobe:", "" }, { "kretprobe:", "%return" }, { "uprobe:", "" }, { "uretprobe:", "%return" },
};

static int have_event(Func *f, Event *ev)
{
	for (int i = 0; i < f->nevents; i++)
		if (!strcmp(f->events[i]->system, ev->system) && !strcmp(f->events[i]->name, ev->name) &&
		    f->events[i]->retprobe == ev->retprobe && f->events[i]->offset == ev->offset)
			return 1;
	return 0;
}

/* "kprobe:vfs_read" is written "probe:vfs_read" here: say so. */
static int bpftrace_spec(Sema *S, Node *spec, const char *s)
{
	for (size_t i = 0; i < sizeof bpftrace / sizeof *bpftrace; i++) {
		size_t len = strlen(bpftrace[i].prefix);
		if (strncmp(s, bpftrace[i].prefix, len))
			continue;
		size_t end = strcspn(s + len, " \t");
		diag_error(S->d, DC_UNKNOWN_EVENT_KIND, spec->loc, "unknown event kind '%.*s'; did you mean 'probe:%.*s%s'?",
			   (int)len - 1, s, (int)end, s + len, bpftrace[i].suffix);
		char *fix = xasprintf("probe:%.*s%s", (int)end, s + len, bpftrace[i].suffix);
		diag_fixit(S->d, loc_sub(spec->loc, 0, len + end), fix);
		free(fix);
		return 1;
	}
	return 0;
}

/* A check (-fsyntax-only) goes on where no events can be read (tracefs
 * closed to this user, no snapshot): spec s stands for its events, which
 * are taken as valid and their fields as of unknown type. Said once. */
static int unchecked(Sema *S, Node *spec, const char *s, const char *why, Event ***evs)
{
	if (!S->opt.check_only)
		return 0;
	if (!S->unchecked++)
		diag_warning(S->d, DC_EVENTS_UNCHECKED, spec->loc, "events not checked: %s", why);
	Event *ev = xcalloc(1, sizeof *ev);
	const char *colon = strchr(s, ':');	/* events_resolve checked the form */
	*ev = (Event){ .kind = EV_TRACEPOINT, .system = xstrndup(s, colon - s), .name = xstrdup(colon + 1),
		       .id = -1, .unchecked = 1 };
	*evs = xmalloc(sizeof **evs);
	**evs = ev;
	return 1;
}

/* A resolver's miss with a nearest name (why_guess): the fix-it puts RIGHT
 * for WRONG in the spec, and for the kind before it too when RIGHT names
 * one (tp_btf:NAME). */
static void spec_fixit(Sema *S, const Node *spec, const char *s, const char *why)
{
	const char *wrong, *right, *at = NULL;
	if (!why_hint(why, &wrong, &right))
		return;
	size_t wlen = strlen(wrong), slen = strlen(s), rlen = strlen(right);
	for (const char *p = s; (p = memmem(p, slen - (p - s), wrong, wlen)); p++)
		at = p;
	if (!at)
		return;
	const char *colon = memrchr(right, ':', rlen);
	size_t kind = colon && !strchr(wrong, ':') ? colon + 1 - right : 0;
	if (kind && (size_t)(at - s) >= kind && !strncmp(at - kind, right, kind))
		at -= kind, wlen += kind;
	diag_fixit(S->d, loc_sub(spec->loc, at - s, wlen), right);
}

/* Resolve spec's text s and add its events to f. */
static void resolve(Sema *S, Func *f, Node *spec, const char *s)
{
	if (bpftrace_spec(S, spec, s))
		return;
	Event **evs;
	const char *why = "";
	int n = tpbtf_is_spec(s)  ? tpbtf_resolve(s, &evs, &why) :
		probes_is_spec(s) ? probes_resolve(s, &evs, &why) :
		usdt_is_spec(s)	  ? usdt_resolve(s, &evs, &why) :
				    events_resolve(s, &evs, &why);
	if (n < 0)
		n = unchecked(S, spec, s, why, &evs);
	if (!n) {
		diag_error(S->d, DC_UNKNOWN_EVENT, spec->loc, "%s", why);
		spec_fixit(S, spec, s, why);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (have_event(f, evs[i])) {
			event_free(evs[i]);
			continue;
		}
		f->events = xrealloc(f->events, (f->nevents + 1) * sizeof *f->events);
		f->events[f->nevents++] = evs[i];
	}
	free(evs);
}

/* One N_EVENT (or string literal). */
void register_spec(Sema *S, Func *f, Node *spec)
{
	resolve(S, f, spec, spec->str ? spec->str : "");
}

/* kdebug.kprobe("SYM [fetch-args]"), kdebug.kretprobe: probe:SYM[%return]. */
void register_kprobe(Sema *S, Func *f, Node *spec, int retprobe)
{
	const char *s = spec->str ? spec->str : "";
	int sym = strcspn(s, " \t");
	char *probe = xasprintf("probe:%.*s%s%s", sym, s, retprobe ? "%return" : "", s + sym);
	resolve(S, f, spec, probe);
	free(probe);
}

void trace_events(Sema *S, Func *f, NodeList *specs)
{
	for (int i = 0; i < specs->n; i++)
		if (specs->v[i])
			register_spec(S, f, specs->v[i]);
}

/* An unchecked event may have any field. */
int func_has_field(Func *f, const char *name)
{
	return f->kind == FN_TRACE && f->nevents && (f->events[0]->unchecked || event_field(f->events[0], name));
}

static TypeKind field_kind(const EventField *f)
{
	return f->kind == EF_CHARS || f->kind == EF_DATALOC ? TY_STR : f->kind == EF_ARRAY ? TY_ARRAY : TY_NUM;
}

static const char *kind_word(TypeKind k)
{
	return k == TY_NUM ? "number" : k == TY_STR ? "string" : "array";
}

/* The one rule for an array field's value: its elements' shape. */
static Type *array_type(Sema *S, Loc at, const EventField *f)
{
	Type *t = type_new(S, TY_ARRAY, at);
	t->count = f->count;
	t->elem = f->size / f->count;
	t->esigned = f->is_signed;
	return t;
}

/* ev has no field `name` (NULL: no argument by that index). */
static void no_field(Sema *S, Node *n, const Event *ev, const char *what, const char *name)
{
	const char *near = name && ev->nfields ? probes_nearest(name, (const char *const *)&ev->fields->name,
						 sizeof *ev->fields, ev->nfields) : NULL;
	if (near) {
		diag_error(S->d, DC_UNKNOWN_EVENT_FIELD, n->loc, "event '%s:%s' has no %s; did you mean '%s'?", ev->system,
			   ev->name, what, near);
		diag_fixit(S->d, loc_tail(n->loc, strlen(name)), near);
	} else
		diag_error(S->d, DC_UNKNOWN_EVENT_FIELD, n->loc, "event '%s:%s' has no %s", ev->system, ev->name, what);
}

/* The one type of a field found by `get` in every event of the handler. */
static Type *fields_type(Sema *S, Node *n, const char *what,
			 const EventField *(*get)(const Event *, const char *, int),
			 const char *name, int idx)
{
	Func *f = S->func;
	if (f->kind != FN_TRACE) {
		diag_error(S->d, DC_TRACE_ONLY, n->loc, "%s is only available in trace handlers%s", what,
			   f->kind == FN_USER ? "; pass it to the function as an argument" : "");
		return type_var(S, n->loc);
	}
	TypeKind kind = TY_VAR;
	const Event *first = NULL;
	const EventField *first_fl = NULL;
	for (int i = 0; i < f->nevents; i++) {
		const Event *ev = f->events[i];
		if (ev->unchecked)
			return type_var(S, n->loc);
		const EventField *fl = get(ev, name, idx);
		if (!fl && name && usdt_is_spec(ev->system)) {
			diag_error(S->d, DC_UNNAMED_ARGUMENT, n->loc, "USDT probe '%s:%s' has no argument names: read %s by "
				   "position (arg1, arg2, ...)", ev->system, ev->name, what);
			return type_var(S, n->loc);
		}
		if (!fl && name && (ev->kind == EV_KPROBE || ev->kind == EV_UPROBE) && !ev->nfields) {
			diag_error(S->d, DC_UNNAMED_ARGUMENT, n->loc, "probe '%s:%s' has no named fetch-args: %s must be named in "
				   "its spec ('%s:%s NAME=%%di')", ev->system, ev->name, what, ev->system,
				   ev->name);
			return type_var(S, n->loc);
		}
		if (!fl) {	/* a tp_btf argument would be typed: reads through it say no more */
			no_field(S, n, ev, what, name);
			return ev->kind == EV_BTF ? ptr_type(S, n->loc, 0, 0) : type_var(S, n->loc);
		}
		if (fl->kind == EF_UNREADABLE) {
			diag_error(S->d, DC_EVENT_FIELD_TYPE, n->loc, "%s of USDT probe '%s:%s' is the operand '%s', which ktap "
				   "cannot read (it reads N@%%REG, N@$IMM and N@DISP(%%REG))", what,
				   ev->system, ev->name, fl->ctype);
			return type_var(S, n->loc);
		}
		if (!event_field_usable(fl)) {
			diag_error(S->d, DC_EVENT_FIELD_TYPE, n->loc, "%s of event '%s:%s' has type '%s', which is not "
				   "supported", what, ev->system, ev->name, fl->ctype);
			return type_var(S, n->loc);
		}
		if (kind != TY_VAR && fl->pointee != first_fl->pointee) {
			diag_error(S->d, DC_EVENT_FIELD_TYPE, n->loc, "%s is a '%s' in '%s:%s' but a '%s' in '%s:%s'", what,
				   first_fl->ctype, first->system, first->name, fl->ctype, ev->system, ev->name);
			return type_var(S, n->loc);
		}
		if (kind != TY_VAR && field_kind(fl) != kind) {
			diag_error(S->d, DC_EVENT_FIELD_TYPE, n->loc, "%s is a %s in '%s:%s' but a %s in '%s:%s'", what,
				   kind_word(kind), first->system, first->name, kind_word(field_kind(fl)),
				   ev->system, ev->name);
			return type_var(S, n->loc);
		}
		if (kind == TY_ARRAY && (fl->size != first_fl->size || fl->count != first_fl->count ||
					 fl->is_signed != first_fl->is_signed)) {
			diag_error(S->d, DC_EVENT_FIELD_TYPE, n->loc, "%s is a '%s' in '%s:%s' but a '%s' in '%s:%s'", what,
				   first_fl->ctype, first->system, first->name, fl->ctype, ev->system, ev->name);
			return type_var(S, n->loc);
		}
		kind = field_kind(fl);
		first = ev;
		first_fl = fl;
	}
	if (first_fl && first_fl->pointee)	/* a tp_btf argument: typed */
		return ptr_type(S, n->loc, first_fl->pointee, 0);
	if (kind == TY_ARRAY) {
		check_array_value(S, n, first_fl);
		return array_type(S, n->loc, first_fl);
	}
	return type_new(S, kind, n->loc);
}

static const EventField *by_name(const Event *ev, const char *name, int idx)
{
	return event_field(ev, name);
}

static const EventField *by_index(const Event *ev, const char *name, int idx)
{
	return event_arg(ev, idx);
}

/* Main chunk, tick and trace_end: no event at all, a context error. */
static int user_handler(Func *f)
{
	return f->kind != FN_TRACE && f->kind != FN_USER && f->kind != FN_PROFILE;
}

Type *event_field_type(Sema *S, Node *n, const char *name)
{
	char what[160];
	snprintf(what, sizeof what, "field '%.100s'", name ? name : "");
	if (user_handler(S->func)) {
		ctx_use(S, n, CTX_KERNEL, "an event field");
		return type_var(S, n->loc);
	}
	return fields_type(S, n, what, by_name, name ? name : "", 0);
}

/* What probes lack: a tracefs record (argstr), and at a kprobe glob (one
 * program on many functions, kprobe.multi) the one name. 1 when reported. */
static int probe_lacks(Sema *S, Node *n)
{
	Func *f = S->func;
	for (int i = 0; f->kind == FN_TRACE && i < f->nevents; i++) {
		const Event *ev = f->events[i];
		if (n->num == B_ARGSTR && ev->kind == EV_BTF) {
			diag_error(S->d, DC_BUILTIN_UNAVAILABLE, n->loc, "argstr is not available at '%s:%s' (a BTF tracepoint has "
				   "no tracefs record): print its arguments (args.NAME)", ev->system, ev->name);
			return 1;
		}
		if (n->num == B_ARGSTR && ev->kind != EV_TRACEPOINT) {
			diag_error(S->d, DC_BUILTIN_UNAVAILABLE, n->loc, "argstr is not available at probes ('%s:%s' has no "
				   "tracefs record): print its arguments (arg1, ...)", ev->system, ev->name);
			return 1;
		}
		if (n->num == B_PROBENAME && ev->multi) {
			diag_error(S->d, DC_BUILTIN_UNAVAILABLE, n->loc, "probename is not available at a kprobe glob ('%s:%s' is "
				   "one program on every match)", ev->system, ev->name);
			return 1;
		}
	}
	return 0;
}

Type *builtin_var_type(Sema *S, Node *n)
{
	if (n->num < 0 || n->num >= B_COUNT) {
		diag_error(S->d, DC_UNKNOWN_BUILTIN, n->loc, "unknown builtin variable");
		return type_var(S, n->loc);
	}
	const char *name = builtin_names[n->num];
	if (n->num == B_ARGSTR && (S->func->kind != FN_TRACE || n != S->printed)) {
		diag_error(S->d, DC_ARGSTR_USE, n->loc, "argstr can only be printed: give it directly to print or "
			   "printf (as a '%%s') in a trace handler");
		return type_new(S, TY_STR, n->loc);
	}
	char what[64];
	snprintf(what, sizeof what, "builtin variable '%s'", name);
	int of_event = n->num >= B_PROBENAME;
	if (of_event && !user_handler(S->func) && S->func->kind != FN_TRACE) {
		diag_error(S->d, DC_TRACE_ONLY, n->loc, "'%s' is only available in trace handlers%s", name,
			   S->func->kind == FN_USER ? "; pass it to the function as an argument" : "");
		return type_var(S, n->loc);
	}
	ctx_use(S, n, CTX_KERNEL, what);
	if (probe_lacks(S, n))
		return type_var(S, n->loc);
	switch (n->num) {
	case B_EXECNAME: case B_PROBENAME: case B_ARGSTR:
		return type_new(S, TY_STR, n->loc);
	case B_PID: case B_TID: case B_UID: case B_CPU:
		return type_new(S, TY_NUM, n->loc);
	}
	if (user_handler(S->func))
		return type_var(S, n->loc);
	return fields_type(S, n, name, by_index, NULL, n->num - B_ARG0);
}

/* "5s", "100ms", "99hz" (profile only) → nanoseconds, within the safe
 * rates. */
int parse_interval(Sema *S, Node *at, const char *text, int hz_ok, int64_t *ns)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
		{ "sec", 1000000000 }, { "m", 60000000000 }, { "min", 60000000000 },
		{ "h", 3600000000000 },
	};
	const char *p = text ? text : "";
	int64_t n = 0;
	if (*p < '0' || *p > '9') {
		diag_error(S->d, DC_INTERVAL, at->loc, "invalid interval '%s': expected a number and a unit "
			   "(ns, us, ms, s, m, h%s)", p, hz_ok ? ", hz" : "");
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (INT64_MAX - 9) / 10) {
			diag_error(S->d, DC_INTERVAL_RANGE, at->loc, "interval '%s' is too large", text);
			return -1;
		}
		n = n * 10 + (*p - '0');
	}
	if (n == 0) {
		diag_error(S->d, DC_INTERVAL_RANGE, at->loc, "interval '%s' must be greater than zero", text);
		return -1;
	}
	if (hz_ok && !strcmp(p, "hz")) {
		if (n > 1000000000) {
			diag_error(S->d, DC_INTERVAL_RANGE, at->loc, "frequency '%s' is too high", text);
			return -1;
		}
		*ns = 1000000000 / n;
		check_rate(S, at, text, hz_ok, *ns);
		return 0;
	}
	for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
		if (strcmp(p, units[i].unit))
			continue;
		if (n > INT64_MAX / units[i].ns) {
			diag_error(S->d, DC_INTERVAL_RANGE, at->loc, "interval '%s' is too large", text);
			return -1;
		}
		*ns = n * units[i].ns;
		check_rate(S, at, text, hz_ok, *ns);
		return 0;
	}
	diag_error(S->d, DC_INTERVAL, at->loc, "invalid interval '%s': unknown unit '%s' (use ns, us, ms, "
		   "s, m, h%s)", text, p, hz_ok ? " or hz" : "");
	return -1;
}
