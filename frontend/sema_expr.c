/* Expressions: names, operators, tables and indexing, typed by unification. */
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

Type *set_type(Sema *S, Node *n, Type *t)
{
	n->type = t;
	return t;
}

static const char *a_type(Type *t)
{
	TypeKind k = type_repr(t)->kind;
	static const char *const names[] = {
		[TY_VAR] = "unknown", [TY_NIL] = "nil", [TY_NUM] = "a number",
		[TY_STR] = "a string", [TY_BOOL] = "a boolean", [TY_STACK] = "a stack",
		[TY_SYSCALL] = "a syscall name", [TY_ERRNO] = "an errno name", [TY_TIME] = "a time",
		[TY_TABLE] = "a table", [TY_FUNC] = "a function", [TY_PTR] = "a pointer",
		[TY_ADDR] = "an address", [TY_ARRAY] = "an array",
	};
	return names[k];
}

static int same_loc(Loc a, Loc b)
{
	return a.line == b.line && a.col == b.col;
}

/* Where the type `t` (already fixed) came from, unless that is `at` itself. */
static void note_origin(Sema *S, Loc at, Type *t)
{
	Type *r = type_repr(t);
	if (r->where.line && !same_loc(r->where, at))
		diag_note(S->d, r->where, "%s because of this", r->kind == TY_TABLE ?
			  "it is this table" : a_type(r));
}

/* A table stored where another one already is. */
static void table_conflict(Sema *S, Node *at, Type *old, const char *what)
{
	TableInfo *ti = type_repr(old)->table;
	diag_error(S->d, DC_TABLE_REBOUND, at->loc, "%s already refers to the table created at line %d; "
		   "a variable always refers to the same table", what, ti->loc.line);
	diag_note(S->d, ti->loc, "table created here");
}

/* Unify the type of an existing thing (`old`, described by what) with a
 * new use of it at `at` whose type is `new`. */
void check_unify(Sema *S, Node *at, Type *old, Type *new, const char *what)
{
	if (type_unify(S, old, new))
		return;
	Type *ro = type_repr(old), *rn = type_repr(new);
	if (ro->kind == TY_TABLE && rn->kind == TY_TABLE) {
		table_conflict(S, at, old, what);
		return;
	}
	if (ro->kind == TY_ARRAY && rn->kind == TY_ARRAY)
		diag_error(S->d, DC_TYPE_MISMATCH, at->loc, "type mismatch: %s is an array of %d %c%d here but of %d "
			   "%c%d elsewhere", what, rn->count, rn->esigned ? 's' : 'u', rn->elem * 8,
			   ro->count, ro->esigned ? 's' : 'u', ro->elem * 8);
	else if (ro->kind == TY_TIME && rn->kind == TY_TIME)
		diag_error(S->d, DC_TYPE_MISMATCH, at->loc, "type mismatch: %s is a time formatted by \"%s\" here but "
			   "by \"%s\" elsewhere", what, rn->fmt, ro->fmt);
	else
		diag_error(S->d, DC_TYPE_MISMATCH, at->loc, "type mismatch: %s is %s here but %s elsewhere",
			   what, a_type(rn), a_type(ro));
	if (ro->where.line)
		diag_note(S->d, ro->where, "%s is %s because of this", what, a_type(ro));
}

/* A typed pointer is also a number. */
static int numeric(Type *t)
{
	TypeKind k = type_repr(t)->kind;
	return k == TY_NUM || k == TY_PTR;
}

void expect(Sema *S, Node *n, Type *want, const char *what)
{
	if (!n->type || type_unify(S, n->type, want))
		return;
	if (numeric(want) && numeric(n->type))
		return;
	diag_error(S->d, DC_WRONG_TYPE, n->loc, "%s must be %s, not %s", what, a_type(want), a_type(n->type));
	note_origin(S, n->loc, n->type);
}

void expect_kind(Sema *S, Node *n, TypeKind k, const char *what)
{
	expect(S, n, type_new(S, k, n->loc), what);
}

static int known(Node *n)
{
	return !n || !n->type || type_repr(n->type)->kind != TY_VAR;
}

/* Check now when the types are known, else once every type is final (so
 * that messages mostly come in source order). */
void late(Sema *S, LateKind k, Node *n)
{
	Late l = { k, n, S->func };
	int now = k == LATE_CONCAT ? known(n->a) && known(n->b) : known(n);
	if (k == LATE_LEN && S->func->kind == FN_USER)
		now = 0;	/* its contexts are not known yet */
	if (k == LATE_COND && n->kind == N_NAME)
		now = 0;	/* whether it may be nil is known at the end */
	if (now)
		check_late(S, &l);
	else
		VEC_PUSH(S->lates, l);
}

static const char *ctx_words(int ctx)
{
	return ctx == CTX_KERNEL ? "kernel context (trace and profile handlers)" :
	       "user context (the main chunk, tick and trace_end)";
}

/* `what` at n is allowed only in the contexts `allowed`. User functions
 * learn their contexts only from their calls, so they are checked later. */
void ctx_use(Sema *S, Node *n, int allowed, const char *what)
{
	Func *f = S->func;
	if (f->kind == FN_USER) {
		CtxUse u = { f, n, allowed, xstrdup(what), NULL };
		VEC_PUSH(S->uses, u);
	} else if (!(f->ctx & allowed)) {
		diag_error(S->d, DC_WRONG_CONTEXT, n->loc, "%s is only allowed in %s", what, ctx_words(allowed));
	}
}

void table_written(Sema *S, Node *tab)
{
	if (!tab->type)
		return;
	CtxUse u = { S->func, tab, CTX_USER | CTX_KERNEL, NULL, tab->type };
	VEC_PUSH(S->uses, u);
}

/* "'x'" for a name, else a description of the expression. */
static const char *describe(Node *n)
{
	static char buf[160];
	if (n->kind == N_NAME) {
		snprintf(buf, sizeof buf, "'%.100s'", n->str);
		return buf;
	}
	return "this expression";
}

/* The table indexed by `tab` with nkeys keys; NULL after an error. */
Type *index_table(Sema *S, Node *n, Node *tab, int nkeys)
{
	Type *t = tab && tab->type ? tab->type : check_expr(S, tab);
	if (!t)
		return NULL;
	Type *r = type_repr(t);
	if (r->kind == TY_VAR && tab->kind == N_NAME && !tab->sym)
		return NULL;	/* undeclared: already reported */
	if (r->kind == TY_VAR) {
		r = table_new(S, tab->loc, NULL, 1);
		if (tab->kind == N_NAME)
			r->table->name = tab->str;
		type_unify(S, t, r);
	}
	if (r->kind != TY_TABLE) {
		diag_error(S->d, DC_NOT_TABLE, tab->loc, "%s is %s, not a table", describe(tab), a_type(r));
		note_origin(S, tab->loc, r);
		return NULL;
	}
	TableInfo *ti = r->table;
	if (nkeys > TABLE_MAX_KEYS) {
		diag_error(S->d, DC_KEY_COUNT, n->loc, "too many keys (at most %d)", TABLE_MAX_KEYS);
		return NULL;
	}
	if (!ti->nkeys) {
		ti->nkeys = nkeys;
		for (int i = 0; i < nkeys; i++)
			ti->keys[i] = type_var(S, n->loc);
	} else if (ti->nkeys != nkeys) {
		diag_error(S->d, DC_KEY_COUNT, n->loc, "table %s is indexed with %d key%s here but %d elsewhere",
			   describe(tab), nkeys, nkeys == 1 ? "" : "s", ti->nkeys);
		diag_note(S->d, ti->loc, "table created here");
		return NULL;
	}
	return r;
}

/* a[i] of an array value (args.saddr[0]): a number. A constant i is
 * checked here; lowering checks the others when they are read. */
static Type *check_elem(Sema *S, Node *n, Type *arr)
{
	Node *key = n->list.n == 1 ? n->list.v[0] : NULL;
	n->kind = N_CREAD;	/* an element: no table entry, never nil, never assigned */
	if (!key) {
		diag_error(S->d, DC_INDEX_COUNT, n->loc, "an array takes one index");
		return set_type(S, n, type_var(S, n->loc));
	}
	if (check_expr(S, key))
		expect_kind(S, key, TY_NUM, "an array index");
	if (key->kind == N_NUM && (key->num < 0 || key->num >= arr->count))
		diag_error(S->d, DC_INDEX_RANGE, key->loc, "index %lld is outside the array (%d elements)",
			   (long long)key->num, arr->count);
	return set_type(S, n, type_new(S, TY_NUM, n->loc));
}

int is_execname(const Node *n)
{
	return n->kind == N_BUILTIN && n->num == B_EXECNAME && !n->cacc;
}

/* Sizes are final only once sema_strsize.c is done: until then they are
 * what is known so far. */
int str_bytes(const Node *n, int strlen)
{
	int size = strlen;
	if (is_execname(n))
		size = KTAP_COMM_LEN;
	else if (n->kind == N_STR)
		size = (n->len + 8) & ~7;
	else if (n->kind == N_NAME && n->sym && n->sym->kind != SYM_FUNC)
		size = sym_str_bytes(n->sym, strlen);
	else if (n->kind == N_INDEX && n->a->type && type_repr(n->a->type)->kind == TY_TABLE &&
		 type_repr(type_repr(n->a->type)->table->val)->kind == TY_STR)
		size = table_val_bytes(type_repr(n->a->type)->table, strlen);
	return size < strlen ? size : strlen;
}

/* Only strings are sized: an address or an array keeps its whole buffer. */
int sym_str_bytes(const Symbol *s, int strlen)
{
	return type_repr(s->type)->kind != TY_STR ? strlen : seen_bytes(s->strbytes, 8, strlen);
}

static Type *check_index(Sema *S, Node *n)
{
	int agg = S->agg_arg;	/* for this entry only, not for its keys */
	S->agg_arg = 0;
	Node *key = n->list.n == 1 ? n->list.v[0] : NULL;
	S->elem_of = key && key->kind == N_NUM ? n->a : NULL;
	Type *ta = check_expr(S, n->a);
	S->elem_of = NULL;
	if (ta && type_repr(ta)->kind == TY_PTR)
		return check_cindex(S, n);
	if (ta && type_repr(ta)->kind == TY_ARRAY)
		return check_elem(S, n, type_repr(ta));
	Type *t = index_table(S, n, n->a, n->list.n);
	if (t && !agg)
		agg_use(S, AU_PLAIN, n->a, n->loc, NULL, NULL);
	char what[160];
	for (int i = 0; i < n->list.n; i++) {
		Node *k = n->list.v[i];
		if (!check_expr(S, k) || !t)
			continue;
		snprintf(what, sizeof what, "the key of table %.100s", describe(n->a));
		check_unify(S, k, t->table->keys[i], k->type, what);
		flow_key(S, t, i, k);
	}
	return set_type(S, n, t ? t->table->val : type_var(S, n->loc));
}

static int is_module(const char *s)
{
	return !strcmp(s, "kdebug") || !strcmp(s, "timer") || !strcmp(s, "ansi") ||
	       !strcmp(s, "table") || !strcmp(s, "ffi");
}

/* a.name: an event field (args.name), or a table with a string key. */
static Type *check_field(Sema *S, Node *n)
{
	Node *a = n->a;
	if (a && a->kind == N_NAME && !scope_lookup(S, a->str, NULL)) {
		if (!strcmp(a->str, "args")) {
			n->num = 1;
			return set_type(S, n, event_field_type(S, n, n->str));
		}
		if (is_module(a->str)) {
			diag_error(S->d, DC_FUNCTION_VALUE, n->loc, "'%s.%s' is a function: call it", a->str, n->str);
			return set_type(S, n, type_var(S, n->loc));
		}
	}
	Type *ta = check_expr(S, a);
	if (ta && type_repr(ta)->kind == TY_PTR)
		return check_cfield(S, n);
	Type *t = a ? index_table(S, n, a, 1) : NULL;
	if (!t)
		return set_type(S, n, type_var(S, n->loc));
	/* t.name is t["name"]: rewrite it so that later stages see one form */
	Node *key = node_new(N_STR, n->loc);
	key->str = n->str;
	key->len = strlen(n->str);
	n->str = NULL;
	n->kind = N_INDEX;
	nodelist_push(&n->list, key);
	set_type(S, key, type_new(S, TY_STR, n->loc));
	check_unify(S, n, t->table->keys[0], key->type, "the key of this table");
	flow_key(S, t, 0, key);
	return set_type(S, n, t->table->val);
}

static Type *check_name(Sema *S, Node *n)
{
	Scope *sc;
	Symbol *s = scope_lookup(S, n->str, &sc);
	if (!s && S->in_filter && func_has_field(S->func, n->str)) {
		/* A filter names fields bare, as ftrace did: make it args.NAME. */
		Node *args = node_new(N_NAME, n->loc);
		args->str = xstrdup("args");
		n->kind = N_FIELD;
		n->a = args;
		n->num = 1;
		return set_type(S, n, event_field_type(S, n, n->str));
	}
	if (!s) {
		scope_suggest(S, n->loc, n->str);
		return set_type(S, n, type_var(S, n->loc));
	}
	n->sym = s;
	if (s->kind == SYM_LOCAL && sc->func != S->func) {
		diag_error(S->d, DC_ENCLOSING_LOCAL, n->loc, "'%s' is a local variable of an enclosing function; "
			   "only top-level variables are shared", n->str);
		diag_note(S->d, s->loc, "declared here");
	} else if (s->kind == SYM_FUNC) {
		diag_error(S->d, DC_FUNCTION_VALUE, n->loc, "function '%s' can only be called, not used as a value", n->str);
		return set_type(S, n, type_var(S, n->loc));
	}
	return set_type(S, n, s->type);
}

static Type *check_table(Sema *S, Node *n)
{
	ctx_use(S, n, CTX_USER, "creating a table");
	Type *t = table_new(S, n->loc, n, 0);
	TableInfo *ti = t->table;
	if (n->list.n) {	/* else the first index says how many keys */
		ti->nkeys = 1;
		ti->keys[0] = type_var(S, n->loc);
	}
	for (int i = 0; i < n->list.n; i++) {
		Node *f = n->list.v[i];
		if (!f)
			continue;
		Node *at = f->a ? f->a : f;
		Type *k = f->a ? check_expr(S, f->a) : type_new(S, TY_NUM, f->loc);
		if (k)
			check_unify(S, at, ti->keys[0], k, "the key of this table");
		if (k && f->a)
			flow_key(S, t, 0, f->a);
		if (f->b && check_expr(S, f->b)) {
			check_unify(S, f->b, ti->val, f->b->type, "the value of this table");
			flow_value(S, t, f->b);
		}
	}
	return set_type(S, n, t);
}

static const char *op_name(int op)
{
	static char one[2];
	switch (op) {
	case TK_AND: return "&&";
	case TK_OR: return "||";
	case TK_EQ: return "==";
	case TK_NE: return "!=";
	case TK_LE: return "<=";
	case TK_GE: return ">=";
	case TK_CONCAT: return "..";
	case TK_SHL: return "<<";
	case TK_SHR: return ">>";
	}
	one[0] = op;
	return one;
}

static Type *check_binop(Sema *S, Node *n)
{
	char what[64];
	int chain = n->op == TK_CONCAT && n != S->concat_inner;
	S->concat_inner = n->op == TK_CONCAT ? n->a : NULL;
	Type *ta = n->a ? check_expr(S, n->a) : NULL;
	S->concat_inner = n->op == TK_CONCAT ? n->b : NULL;
	Type *tb = n->b ? check_expr(S, n->b) : NULL;
	if (chain)
		check_concat(S, n);
	snprintf(what, sizeof what, "operand of '%s'", op_name(n->op));
	switch (n->op) {
	case TK_AND:
	case TK_OR:
		return set_type(S, n, type_new(S, TY_BOOL, n->loc));
	case TK_EQ:
	case TK_NE:
		ta = ntop_literal(S, n->a, ta, tb);
		tb = ntop_literal(S, n->b, tb, ta);
		if (ta && tb && (type_repr(ta)->kind == TY_TABLE || type_repr(tb)->kind == TY_TABLE))
			diag_error(S->d, DC_COMPARE, n->loc, "tables cannot be compared");
		else if (ta && tb && !(numeric(ta) && numeric(tb)) && !type_unify(S, ta, tb)) {
			diag_error(S->d, DC_COMPARE, n->loc, "cannot compare %s with %s", a_type(ta), a_type(tb));
			text_hint(S, n->loc, ta);
			text_hint(S, n->loc, tb);
		}
		return set_type(S, n, type_new(S, TY_BOOL, n->loc));
	case TK_CONCAT:
		late(S, LATE_CONCAT, n);
		return set_type(S, n, type_new(S, TY_STR, n->loc));
	case '<': case '>': case TK_LE: case TK_GE:
		if ((ta && type_repr(ta)->kind == TY_STR) || (tb && type_repr(tb)->kind == TY_STR)) {
			diag_error(S->d, DC_COMPARE, n->loc, "strings cannot be ordered with '%s' (only == and != "
				   "compare strings)", op_name(n->op));
			return set_type(S, n, type_new(S, TY_BOOL, n->loc));
		}
		if (ta)
			expect_kind(S, n->a, TY_NUM, what);
		if (tb)
			expect_kind(S, n->b, TY_NUM, what);
		return set_type(S, n, type_new(S, TY_BOOL, n->loc));
	case '/': case '%':
		if (n->b && n->b->kind == N_NUM && n->b->num == 0)
			diag_error(S->d, DC_DIV_ZERO, n->b->loc, "%s by zero", n->op == '/' ? "division" : "modulo");
		break;
	}
	if (ta)
		expect_kind(S, n->a, TY_NUM, what);
	if (tb)
		expect_kind(S, n->b, TY_NUM, what);
	return set_type(S, n, type_new(S, TY_NUM, n->loc));
}

static Type *check_unop(Sema *S, Node *n)
{
	char what[64];
	if (n->a && check_expr(S, n->a) && n->op != '!') {
		snprintf(what, sizeof what, "operand of unary '%c'", n->op);
		expect_kind(S, n->a, TY_NUM, what);
	}
	return set_type(S, n, type_new(S, n->op == '!' ? TY_BOOL : TY_NUM, n->loc));
}

/* The type of n (NULL only for a missing node). */
Type *check_expr(Sema *S, Node *n)
{
	if (!n)
		return NULL;
	switch (n->kind) {
	case N_NIL: return set_type(S, n, type_new(S, TY_NIL, n->loc));
	case N_TRUE:
	case N_FALSE: return set_type(S, n, type_new(S, TY_BOOL, n->loc));
	case N_NUM: return set_type(S, n, type_new(S, TY_NUM, n->loc));
	case N_STR: return set_type(S, n, type_new(S, TY_STR, n->loc));
	case N_NAME: return check_name(S, n);
	case N_BUILTIN:
		if (n->num == B_CURTASK || n->num == B_PPID)
			return check_task_var(S, n);
		return set_type(S, n, builtin_var_type(S, n));
	case N_INDEX: return check_index(S, n);
	case N_FIELD: return check_field(S, n);
	case N_CALL: return set_type(S, n, check_call(S, n));
	case N_BINOP: return check_binop(S, n);
	case N_UNOP: return check_unop(S, n);
	case N_TABLE: return check_table(S, n);
	case N_FUNCTION:
		diag_error(S->d, DC_ANON_FUNCTION, n->loc, "an anonymous function is only allowed as the handler "
			   "of kdebug.*, timer.* and kdebug.trace_end");
		return set_type(S, n, type_var(S, n->loc));
	default:
		diag_error(S->d, DC_NOT_EXPRESSION, n->loc, "a statement is not an expression");
		return set_type(S, n, type_var(S, n->loc));
	}
}
