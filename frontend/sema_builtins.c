/* Calls: the built-in function table, their checks, handler registrations
 * (kdebug.*, timer.*) and calls of user functions. */
#include <string.h>
#include "common/util.h"
#include "common/format.h"
#include "common/ktapobj.h"
#include "sema_int.h"

/* The one table of built-in functions: their arguments, contexts and
 * whether ktap implements them; lowering relies on what it says.
 * Argument kinds: n number, s string, a any printable value, t table,
 * x table or string, g an aggregation's entry t[k], - checked by the
 * function's own check; a trailing '*' repeats the last kind. */
typedef struct BuiltinFn {
	const char *module, *name;
	Fn fn;
	int min, max;
	const char *args;
	TypeKind ret;		/* TY_NIL: no value */
	int ctx;		/* 0: not supported (unsupported[] says why) */
} BuiltinFn;

#define BOTH (CTX_USER | CTX_KERNEL)
static const BuiltinFn builtins[] = {
	{ NULL, "print", F_PRINT, 0, KTAP_PRINT_MAX, "a*", TY_NIL, BOTH },
	{ NULL, "printf", F_PRINTF, 1, 1 + KTAP_PRINT_MAX, "sa*", TY_NIL, BOTH },
	{ NULL, "print_hist", F_PRINT_HIST, 1, 2, "tn", TY_NIL, CTX_USER },
	{ NULL, "print_lhist", F_PRINT_LHIST, 4, 4, "tnnn", TY_NIL, CTX_USER },
	{ NULL, "print_stats", F_PRINT_STATS, 1, 1, "t", TY_NIL, CTX_USER },
	{ NULL, "count", F_AGG_COUNT, 1, 1, "g", TY_NUM, CTX_USER },
	{ NULL, "sum", F_AGG_SUM, 1, 1, "g", TY_NUM, CTX_USER },
	{ NULL, "avg", F_AGG_AVG, 1, 1, "g", TY_NUM, CTX_USER },
	{ NULL, "min", F_AGG_MIN, 1, 1, "g", TY_NUM, CTX_USER },
	{ NULL, "max", F_AGG_MAX, 1, 1, "g", TY_NUM, CTX_USER },
	{ NULL, "pairs", F_PAIRS, 1, 1, "t", TY_NIL, BOTH },
	{ NULL, "sort_pairs", F_SORT_PAIRS, 1, 2, "tn", TY_NIL, BOTH },
	{ NULL, "len", F_LEN, 1, 1, "x", TY_NUM, BOTH },
	{ NULL, "delete", F_DELETE, 1, 1, "t", TY_NIL, CTX_USER },
	{ NULL, "stack", F_STACK, 0, 2, "nn", TY_STACK, CTX_KERNEL },
	{ NULL, "ustack", F_USTACK, 0, 2, "nn", TY_STACK, CTX_KERNEL },
	{ NULL, "kernel_string", F_KERNEL_STRING, 1, 1, "n", TY_STR, CTX_KERNEL },
	{ NULL, "user_string", F_USER_STRING, 1, 1, "n", TY_STR, CTX_KERNEL },
	{ NULL, "stringof", F_STRINGOF, 1, 1, "a", TY_STR, BOTH },
	{ NULL, "ipof", F_IPOF, 1, 1, "n", TY_NUM, BOTH },
	{ NULL, "ntohs", F_NTOHS, 1, 1, "n", TY_NUM, BOTH },
	{ NULL, "ntohl", F_NTOHL, 1, 1, "n", TY_NUM, BOTH },
	{ NULL, "ntop", F_NTOP, 1, 2, "-*", TY_ADDR, BOTH },	/* 2: to say why not */
	{ NULL, "gettimeofday_ns", F_GETTIMEOFDAY_NS, 0, 0, "", TY_NUM, BOTH },
	{ NULL, "gettimeofday_us", F_GETTIMEOFDAY_US, 0, 0, "", TY_NUM, BOTH },
	{ NULL, "gettimeofday_ms", F_GETTIMEOFDAY_MS, 0, 0, "", TY_NUM, BOTH },
	{ NULL, "gettimeofday_s", F_GETTIMEOFDAY_S, 0, 0, "", TY_NUM, BOTH },
	{ NULL, "time", F_TIME, 0, 1, "s", TY_TIME, BOTH },
	{ NULL, "strftime", F_STRFTIME, 2, 2, "sn", TY_TIME, BOTH },
	{ NULL, "syscall_name", F_SYSCALL_NAME, 1, 1, "n", TY_SYSCALL, BOTH },
	{ NULL, "errno_name", F_ERRNO_NAME, 1, 1, "n", TY_ERRNO, BOTH },
	{ NULL, "num_cpus", F_NUM_CPUS, 0, 0, "", TY_NUM, BOTH },
	{ NULL, "arch", F_ARCH, 0, 0, "", TY_STR, CTX_USER },
	{ NULL, "kernel_v", F_KERNEL_V, 0, 0, "", TY_STR, CTX_USER },
	{ NULL, "exit", F_EXIT, 0, 0, "", TY_NIL, BOTH },
	{ NULL, "print_trace_clock", F_PRINT_TRACE_CLOCK, 0, 0, "", TY_NIL, 0 },
	{ NULL, "in_interrupt", F_IN_INTERRUPT, 0, 0, "", TY_NUM, 0 },
	{ "table", "new", F_TABLE_NEW, 0, 2, "nn", TY_TABLE, BOTH },
	{ "ffi", "cast", F_FFI_CAST, 2, 2, "sn", TY_PTR, CTX_KERNEL },
	{ "kdebug", "tracepoint", F_KDEBUG_TRACEPOINT, 2, 2, "", TY_NIL, CTX_USER },
	{ "kdebug", "kprobe", F_KDEBUG_KPROBE, 2, 2, "", TY_NIL, CTX_USER },
	{ "kdebug", "kretprobe", F_KDEBUG_KRETPROBE, 2, 2, "", TY_NIL, CTX_USER },
	{ "kdebug", "trace_end", F_KDEBUG_TRACE_END, 1, 1, "", TY_NIL, CTX_USER },
	{ "timer", "tick", F_TIMER_TICK, 2, 2, "", TY_NIL, CTX_USER },
	{ "timer", "profile", F_TIMER_PROFILE, 2, 2, "", TY_NIL, CTX_USER },
	{ "ansi", "clear_screen", F_ANSI, 0, 0, "", TY_NIL, BOTH },
	{ "ansi", "reset_color", F_ANSI, 0, 0, "", TY_NIL, BOTH },
	{ "ansi", "new_line", F_ANSI, 0, 0, "", TY_NIL, BOTH },
	{ "ansi", "set_color", F_ANSI, 1, 1, "n", TY_NIL, BOTH },
	{ "ansi", "set_color2", F_ANSI, 2, 2, "nn", TY_NIL, BOTH },
	{ "ansi", "set_color3", F_ANSI, 3, 3, "nnn", TY_NIL, BOTH },
};
#define NBUILTINS ((int)(sizeof builtins / sizeof *builtins))

/* Why the functions of the original ktap that ktap refuses (ctx 0) are not
 * supported: a call is an error in sema, never a surprise in lowering. */
static const struct {
	Fn fn;
	const char *why;
} unsupported[] = {
	{ F_PRINT_TRACE_CLOCK, "ktap's events come through BPF, stamped by bpf_ktime_get_ns, "
	  "not through the ftrace buffer whose clock it names" },
	{ F_IN_INTERRUPT, "no BPF helper tells a program whether it runs in an interrupt" },
};

static const char *unsupported_why(Fn fn)
{
	for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
		if (unsupported[i].fn == fn)
			return unsupported[i].why;
	return "";
}

/* The plain (module-less) function names, for "did you mean". */
int builtin_function_name(int i, const char **name)
{
	for (int k = 0; k < NBUILTINS; k++)
		if (!builtins[k].module && i-- == 0) {
			*name = builtins[k].name;
			return 1;
		}
	return 0;
}

static const BuiltinFn *find_builtin(const char *module, const char *name)
{
	for (int k = 0; k < NBUILTINS; k++) {
		const BuiltinFn *b = &builtins[k];
		if (!strcmp(b->name, name) && (module ? b->module && !strcmp(b->module, module) :
					       !b->module))
			return b;
	}
	return NULL;
}

static char *fn_name(const BuiltinFn *b)
{
	static char buf[64];
	snprintf(buf, sizeof buf, "%s%s%s", b->module ? b->module : "", b->module ? "." : "",
		 b->name);
	return buf;
}

/* The table argument of a builtin: a table, or a placeholder for one. */
static Type *table_arg(Sema *S, Node *arg, const char *fname)
{
	Type *r = type_repr(arg->type);
	if (r->kind == TY_VAR && arg->kind == N_NAME && !arg->sym)
		return NULL;	/* undeclared: already reported */
	if (r->kind == TY_VAR) {
		Type *t = table_new(S, arg->loc, NULL, 1);
		type_unify(S, r, t);
		return t;
	}
	if (r->kind == TY_TABLE)
		return r;
	diag_error(S->d, DC_ARG_TYPE, arg->loc, "the argument of %s must be a table, not a %s", fname,
		   type_name(r));
	return NULL;
}

static void check_arg(Sema *S, const BuiltinFn *b, Node *arg, char kind, int i)
{
	char what[96];
	snprintf(what, sizeof what, "argument %d of %s", i + 1, fn_name(b));
	switch (kind) {
	case 'n':
		expect_kind(S, arg, TY_NUM, what);
		break;
	case 's':
		expect_kind(S, arg, TY_STR, what);
		break;
	case 'a':
		late(S, LATE_PRINT, arg);
		break;
	case 't':
		table_arg(S, arg, fn_name(b));
		break;
	case 'g':
		check_agg_arg(S, arg, b->name);
		break;
	case 'x':
		if (type_repr(arg->type)->kind == TY_TABLE)
			ctx_use(S, arg, CTX_USER, "len() of a table");
		else
			late(S, LATE_LEN, arg);
		break;
	}
}

/* stringof(x): a string as it is, a number as its decimal text. What the
 * runtime renders (an address, a syscall's name) has no text in the kernel. */
static void check_stringof(Sema *S, Node *x)
{
	Type *t = type_repr(x->type);
	switch (t->kind) {
	case TY_STR: case TY_NUM: case TY_VAR:
		break;
	case TY_ADDR: case TY_ARRAY: case TY_SYSCALL: case TY_ERRNO: case TY_TIME:
		diag_error(S->d, DC_ARG_TYPE, x->loc, "stringof() cannot make a string of %s %s: print it, or "
			   "format it with printf's %%s", t->kind == TY_ADDR || t->kind == TY_ARRAY ? "an" : "a",
			   type_name(t));
		break;
	default:
		diag_error(S->d, DC_ARG_TYPE, x->loc, "stringof() takes a string or a number, not a %s", type_name(t));
	}
}

static void check_printf(Sema *S, Node *n)
{
	Node *fmt = n->list.v[0];
	if (!fmt || fmt->kind != N_STR) {
		diag_error(S->d, DC_ARG_CONSTANT, fmt ? fmt->loc : n->loc, "the format of printf must be a string literal");
		return;
	}
	Format f;
	const char *err;
	size_t pos;
	if (format_parse(&f, fmt->str ? fmt->str : "", fmt->str ? fmt->len : 0, &err, &pos) < 0) {
		diag_error(S->d, DC_PRINTF_FORMAT, fmt->loc, "bad printf format: %s", err);
		return;
	}
	int nargs = n->list.n - 1;
	if (nargs < f.nconv)
		diag_error(S->d, DC_PRINTF_ARGS, n->loc, "printf format has %d conversion%s but %d argument%s given",
			   f.nconv, f.nconv == 1 ? "" : "s", nargs, nargs == 1 ? " is" : "s are");
	else if (nargs > f.nconv && n->list.v[f.nconv + 1])
		diag_error(S->d, DC_PRINTF_ARGS, n->list.v[f.nconv + 1]->loc, "printf argument %d has no conversion "
			   "in the format (it has %d)", f.nconv + 1, f.nconv);
	for (int i = 0; i < f.nconv && i < nargs; i++) {
		Node *arg = n->list.v[i + 1];
		if (!arg || !arg->type)
			continue;
		char what[96];
		snprintf(what, sizeof what, "the argument of '%%%c' in printf", f.v[i].conv);
		if (arg->kind == N_BUILTIN && arg->num == B_ARGSTR && f.v[i].conv != 's')
			diag_error(S->d, DC_ARGSTR_USE, arg->loc, "argstr can only be printed with '%%s', not '%%%c'",
				   f.v[i].conv);
		else if (format_arg(f.v[i].conv) == FMT_ARG_NUM && !is_text_number(arg->type))
			expect_kind(S, arg, TY_NUM, what);
		else
			late(S, LATE_PRINT, arg);
	}
	format_free(&f);
}

static void check_table_new(Sema *S, Node *n, Type *t)
{
	int64_t cap = 0;
	for (int i = 0; i < n->list.n; i++) {
		Node *a = n->list.v[i];
		if (!a)
			continue;
		if (a->kind != N_NUM || a->num < 0 || a->num > (1 << 24)) {
			diag_error(S->d, DC_ARG_CONSTANT, a->loc, "the sizes of table.new must be constant numbers "
				   "from 0 to %d", 1 << 24);
			return;
		}
		cap += a->num;
	}
	if (cap)
		t->table->capacity = cap;
}

/* The depth sizes the stack's map and the skip is a flag of the helper:
 * both are known when the program is built. */
static void check_stack(Sema *S, Node *n)
{
	static const int max[] = { KTAP_STACK_MAX_DEPTH, 255 };
	static const char *what[] = { "depth", "skip" };
	for (int i = 0; i < n->list.n && i < 2; i++) {
		Node *a = n->list.v[i];
		if (a && (a->kind != N_NUM || a->num < !i || a->num > max[i]))
			diag_error(S->d, DC_ARG_CONSTANT, a->loc, "the %s of a stack must be a constant number from %d to %d",
				   what[i], !i, max[i]);
	}
	/* bpf_get_stackid needs the program's context, which a function lacks */
	if (S->func->kind == FN_USER)
		diag_error(S->d, DC_WRONG_CONTEXT, n->loc, "%s() is only allowed in a probe's body, not in a function "
			   "it calls", n->num == F_USTACK ? "ustack" : "stack");
}

/* kdebug.tracepoint and friends: the last argument is the handler body. */
static void check_register(Sema *S, Node *n, const BuiltinFn *b)
{
	Node *fn = n->list.v[n->list.n - 1];
	Node *spec = n->list.n > 1 ? n->list.v[0] : NULL;
	if (!fn || fn->kind != N_FUNCTION) {
		diag_error(S->d, DC_ARG_TYPE, fn ? fn->loc : n->loc, "the last argument of %s must be a "
			   "function () { ... }", fn_name(b));
		return;
	}
	fn->type = type_new(S, TY_FUNC, fn->loc);
	if (fn->list.n)
		diag_error(S->d, DC_ARG_COUNT, fn->list.v[0] ? fn->list.v[0]->loc : fn->loc,
			   "a handler function takes no parameters");
	if (spec && spec->kind != N_STR) {
		diag_error(S->d, DC_ARG_CONSTANT, spec->loc, "the first argument of %s must be a string literal",
			   fn_name(b));
		spec = NULL;
	}
	if (spec)
		spec->type = type_new(S, TY_STR, spec->loc);
	if (!in_main(S, n, fn_name(b)))
		return;
	Func *f;
	switch (b->fn) {
	case F_KDEBUG_TRACEPOINT:
		f = func_new(S, FN_TRACE, n, fn->body, CTX_KERNEL);
		if (spec)
			register_spec(S, f, spec);
		break;
	case F_KDEBUG_KPROBE:
	case F_KDEBUG_KRETPROBE:
		f = func_new(S, FN_TRACE, n, fn->body, CTX_KERNEL);
		if (spec)
			register_kprobe(S, f, spec, b->fn == F_KDEBUG_KRETPROBE);
		break;
	case F_TIMER_TICK:
	case F_TIMER_PROFILE:
		f = func_new(S, b->fn == F_TIMER_TICK ? FN_TICK : FN_PROFILE, n, fn->body,
			     b->fn == F_TIMER_TICK ? CTX_USER : CTX_KERNEL);
		if (spec)
			parse_interval(S, spec, spec->str, b->fn == F_TIMER_PROFILE, &f->interval_ns);
		break;
	default:
		f = func_new(S, FN_END, n, fn->body, CTX_USER);
		break;
	}
	check_func_body(S, f);
}

static Type *check_builtin(Sema *S, Node *n, const BuiltinFn *b)
{
	n->num = b->fn;
	int nargs = n->list.n;
	if (!b->ctx) {
		diag_error(S->d, DC_UNSUPPORTED_BUILTIN, n->loc, "%s() is not supported: %s", fn_name(b), unsupported_why(b->fn));
		return type_var(S, n->loc);
	}
	if (nargs < b->min || nargs > b->max) {
		if (b->min == b->max)
			diag_error(S->d, DC_ARG_COUNT, n->loc, "%s takes %d argument%s but %d %s given", fn_name(b),
				   b->min, b->min == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
		else
			diag_error(S->d, DC_ARG_COUNT, n->loc, "%s takes %d to %d arguments but %d %s given",
				   fn_name(b), b->min, b->max, nargs, nargs == 1 ? "was" : "were");
		return type_var(S, n->loc);
	}
	if (b->fn == F_PAIRS || b->fn == F_SORT_PAIRS) {
		diag_error(S->d, DC_ITERATOR_OUTSIDE, n->loc, "%s can only be used in a for-in loop: "
			   "for (k, v in %s(t)) { ... }", b->name, b->name);
		return type_var(S, n->loc);
	}
	if (b->fn >= F_KDEBUG_TRACEPOINT && b->fn <= F_TIMER_PROFILE) {
		check_register(S, n, b);
		return type_new(S, TY_NIL, n->loc);
	}
	if (b->ctx != BOTH) {
		char what[80];
		snprintf(what, sizeof what, "%s()", fn_name(b));
		ctx_use(S, n, b->ctx, what);
	}
	for (int i = 0; i < nargs; i++) {
		int printed = b->fn == F_PRINT || (b->fn == F_PRINTF && i > 0);
		S->printed = printed ? n->list.v[i] : NULL;
		S->agg_arg = b->args[0] == 'g';
		check_expr(S, n->list.v[i]);
		S->agg_arg = 0;
		S->printed = NULL;
	}
	if (b->fn == F_PRINTF) {
		check_printf(S, n);
	} else {
		const char *k = b->args;
		for (int i = 0; i < nargs; i++) {
			Node *arg = n->list.v[i];
			if (arg && arg->type)
				check_arg(S, b, arg, *k, i);
			if (k[1] && k[1] != '*')
				k++;
		}
	}
	if (b->fn == F_TABLE_NEW) {
		ctx_use(S, n, CTX_USER, "creating a table");
		Type *t = table_new(S, n->loc, n, 0);
		check_table_new(S, n, t);
		return t;
	}
	if (b->fn == F_FFI_CAST)
		return check_ffi_cast(S, n);
	if (b->fn == F_NTOP)
		return check_ntop(S, n);
	if (b->fn == F_STACK || b->fn == F_USTACK)
		check_stack(S, n);
	if (b->fn == F_STRINGOF && nargs == 1 && n->list.v[0] && n->list.v[0]->type)
		check_stringof(S, n->list.v[0]);
	if ((b->fn == F_PRINT_LHIST || b->fn == F_PRINT_STATS) && n->list.v[0])
		agg_use(S, AU_NEEDS, n->list.v[0], n->loc, b->name, b->fn == F_PRINT_LHIST ? n : NULL);
	if (b->fn == F_DELETE && nargs == 1 && n->list.v[0])
		table_written(S, n->list.v[0]);
	if (b->fn == F_PRINT_HIST && nargs >= 1 && n->list.v[0]) {
		Type *t = type_repr(n->list.v[0]->type);
		if (t->kind == TY_TABLE)
			check_unify(S, n->list.v[0], t->table->val, type_new(S, TY_NUM, n->loc),
				    "the value of a table given to print_hist");
	}
	if (b->ret == TY_TIME || b->ret == TY_SYSCALL || b->ret == TY_ERRNO)
		return check_text_call(S, n, b->ret);
	return type_new(S, b->ret, n->loc);
}

static Type *check_user_call(Sema *S, Node *n, Symbol *s)
{
	Func *f = s->func;
	int nparams = f->params ? f->params->n : 0;
	for (int i = 0; i < n->list.n; i++)
		check_expr(S, n->list.v[i]);
	if (n->list.n != nparams) {
		diag_error(S->d, DC_ARG_COUNT, n->loc, "'%s' takes %d argument%s but %d %s given", s->name,
			   nparams, nparams == 1 ? "" : "s", n->list.n, n->list.n == 1 ? "was" : "were");
		diag_note(S->d, s->loc, "'%s' is defined here", s->name);
	}
	for (int i = 0; i < n->list.n && i < nparams; i++) {
		Node *arg = n->list.v[i], *p = f->params->v[i];
		char what[160];
		if (!arg || !arg->type || !p || !p->sym)
			continue;
		snprintf(what, sizeof what, "parameter '%.60s' of '%.60s'", p->str, s->name);
		check_unify(S, arg, p->sym->type, arg->type, what);
	}
	Call c = { S->func, f, n->loc };
	VEC_PUSH(S->calls, c);
	return f->ret;
}

Type *check_call(Sema *S, Node *n)
{
	Node *callee = n->a;
	n->num = F_NONE;
	if (callee && callee->kind == N_NAME && callee->str) {
		Symbol *s = scope_lookup(S, callee->str, NULL);
		if (s && s->kind == SYM_FUNC) {
			callee->sym = s;
			callee->type = s->type;
			return check_user_call(S, n, s);
		}
		const BuiltinFn *b = s ? NULL : find_builtin(NULL, callee->str);
		if (b) {
			callee->type = type_new(S, TY_FUNC, callee->loc);
			return check_builtin(S, n, b);
		}
		if (s)
			diag_error(S->d, DC_NOT_FUNCTION, callee->loc, "'%s' is not a function", callee->str);
		else
			scope_suggest(S, callee->loc, callee->str);
	} else if (callee && callee->kind == N_FIELD && callee->a && callee->a->kind == N_NAME &&
		   callee->str && !scope_lookup(S, callee->a->str, NULL)) {
		const BuiltinFn *b = find_builtin(callee->a->str, callee->str);
		if (b) {
			callee->type = type_new(S, TY_FUNC, callee->loc);
			return check_builtin(S, n, b);
		}
		diag_error(S->d, DC_UNKNOWN_FUNCTION, callee->loc, "unknown function '%s.%s'", callee->a->str, callee->str);
	} else {
		diag_error(S->d, DC_NOT_FUNCTION, callee ? callee->loc : n->loc, "only named functions can be called");
	}
	for (int i = 0; i < n->list.n; i++)
		if (n->list.v[i] && n->list.v[i]->kind != N_FUNCTION)
			check_expr(S, n->list.v[i]);
	return type_var(S, n->loc);
}
