/* Statements, function bodies and the handlers they register. */
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

static const char *const kind_names[] = {
	[FN_MAIN] = "main", [FN_TRACE] = "trace", [FN_PROFILE] = "profile",
	[FN_TICK] = "tick", [FN_END] = "trace_end", [FN_USER] = "function",
};

FuncInfo *func_info(Sema *S, Func *f)
{
	for (int i = 0; i < S->infos.n; i++)
		if (S->infos.v[i].func == f)
			return &S->infos.v[i];
	return NULL;
}

Func *func_new(Sema *S, FuncKind kind, Node *site, Node *body, int ctx)
{
	Program *p = &S->prog;
	Func *f = xcalloc(1, sizeof *f);
	f->kind = kind;
	f->site = site;
	f->body = body;
	f->ctx = ctx;
	Loc loc = site ? site->loc : (Loc){0};
	f->ret = kind == FN_USER ? type_var(S, loc) : type_new(S, TY_NIL, loc);
	if (kind == FN_USER && site && site->str)
		f->name = xstrdup(site->str);
	else
		f->name = xasprintf("%s_%d", kind_names[kind], p->nfuncs);
	p->funcs = xrealloc(p->funcs, (p->nfuncs + 1) * sizeof *p->funcs);
	p->funcs[p->nfuncs++] = f;
	FuncInfo fi = { f, 0, 0, 0 };
	VEC_PUSH(S->infos, fi);
	return f;
}

void check_stmts(Sema *S, Node *block)
{
	if (!block)
		return;
	for (int i = 0; i < block->list.n; i++)
		if (block->list.v[i])
			check_stmt(S, block->list.v[i]);
}

void check_block(Sema *S, Node *block)
{
	int top = S->toplevel;
	S->toplevel = 0;
	scope_push(S, S->func);
	check_stmts(S, block);
	scope_pop(S);
	S->toplevel = top;
}

/* The body of f (and its filter) in a scope of its own. */
void check_func_body(Sema *S, Func *f)
{
	Func *func = S->func;
	int loops = S->loops, top = S->toplevel;
	S->func = f;
	S->loops = 0;
	S->toplevel = 0;
	scope_push(S, f);
	for (int i = 0; f->params && i < f->params->n; i++) {
		Node *p = f->params->v[i];
		if (p && p->sym)
			scope_add(S, p, p->sym);
	}
	if (f->filter) {
		S->in_filter = 1;
		check_expr(S, f->filter);
		S->in_filter = 0;
		late(S, LATE_FILTER, f->filter);
	}
	check_stmts(S, f->body);
	scope_pop(S);
	S->func = func;
	S->loops = loops;
	S->toplevel = top;
}

/* Registrations run in the main chunk, outside any handler or function. */
int in_main(Sema *S, Node *n, const char *what)
{
	if (S->func->kind == FN_MAIN)
		return 1;
	diag_error(S->d, DC_MAIN_ONLY, n->loc, "%s is only allowed in the main chunk, not inside a %s",
		   what, S->func->kind == FN_USER ? "function" : "handler");
	return 0;
}

static void name_table(Node *name, Type *t)
{
	Type *r = t ? type_repr(t) : NULL;
	if (r && r->kind == TY_TABLE && !r->table->name && name->str)
		r->table->name = name->str;
}

static int is_constant(Node *n)
{
	return n && (n->kind == N_NUM || n->kind == N_STR || n->kind == N_TRUE ||
		     n->kind == N_FALSE);
}

static void check_var(Sema *S, Node *n)
{
	char what[160];
	for (int i = 0; i < n->list2.n; i++)
		check_expr(S, n->list2.v[i]);
	if (n->list2.n > n->list.n)
		diag_error(S->d, DC_ASSIGN_COUNT, n->list2.v[n->list.n] ? n->list2.v[n->list.n]->loc : n->loc,
			   "more values than names in 'var'");
	for (int i = 0; i < n->list.n; i++) {
		Node *name = n->list.v[i];
		if (!name || !name->str)
			continue;
		Symbol *s = scope_declare(S, name, S->toplevel ? SYM_GLOBAL : SYM_LOCAL);
		Node *v = i < n->list2.n ? n->list2.v[i] : NULL;
		if (!v || !v->type)
			continue;
		snprintf(what, sizeof what, "'%.100s'", name->str);
		check_unify(S, v, s->type, v->type, what);
		flow_var(S, s, v);
		name_table(name, v->type);
		if (S->toplevel && is_constant(v))
			s->init = v;
	}
}

static void check_target(Sema *S, Node *t, Node *v, int plus)
{
	char what[160];
	switch (t->kind) {
	case N_NAME:
		check_expr(S, t);
		snprintf(what, sizeof what, "'%.100s'", t->str);
		break;
	case N_INDEX:
	case N_FIELD:
		check_expr(S, t);
		if (t->kind == N_CREAD) {
			diag_error(S->d, DC_ASSIGN_READ_ONLY, t->loc, "typed data cannot be assigned: it is only read");
			return;
		}
		if (t->kind == N_FIELD && t->num == 1) {
			diag_error(S->d, DC_ASSIGN_READ_ONLY, t->loc, "event field '%s' cannot be assigned", t->str);
			return;
		}
		table_written(S, t->a);
		if (t->a && t->a->kind == N_NAME)
			snprintf(what, sizeof what, "the value of table '%.100s'", t->a->str);
		else
			snprintf(what, sizeof what, "the value of this table");
		break;
	case N_BUILTIN:
		diag_error(S->d, DC_ASSIGN_BUILTIN, t->loc, "cannot assign to builtin variable '%s'",
			   t->num >= 0 && t->num < B_COUNT ? builtin_names[t->num] : "?");
		return;
	default:
		diag_error(S->d, DC_ASSIGN_TARGET, t->loc, "cannot assign to this expression");
		return;
	}
	if (plus) {
		expect_kind(S, t, TY_NUM, "the target of '+='");
		if (v && v->type)
			expect_kind(S, v, TY_NUM, "the operand of '+='");
	} else if (v && v->type && t->type) {
		check_unify(S, v, t->type, v->type, what);
		if (t->kind == N_NAME && t->sym)
			flow_var(S, t->sym, v);
		else if (t->kind == N_INDEX && t->a->type)
			flow_value(S, t->a->type, v);
		if (t->kind == N_NAME)
			name_table(t, v->type);
	}
}

static void check_assign(Sema *S, Node *n)
{
	if (n->op == TK_AGG) {
		check_agg_record(S, n);
		return;
	}
	for (int i = 0; i < n->list2.n; i++)
		check_expr(S, n->list2.v[i]);
	if (n->list.n != n->list2.n)
		diag_error(S->d, DC_ASSIGN_COUNT, n->loc, "%d value%s assigned to %d target%s", n->list2.n,
			   n->list2.n == 1 ? "" : "s", n->list.n, n->list.n == 1 ? "" : "s");
	for (int i = 0; i < n->list.n; i++)
		if (n->list.v[i])
			check_target(S, n->list.v[i], i < n->list2.n ? n->list2.v[i] : NULL,
				     n->op == TK_PLUSEQ);
	/* "x = 1" with x unknown and like no other name: the hint's "var x = 1" */
	Node *t = n->list.n == 1 ? n->list.v[0] : NULL;
	if (t && t->kind == N_NAME && !t->sym && n->op != TK_PLUSEQ && !scope_guess(S, t->str))
		diag_fixit(S->d, (Loc){ t->loc.line, t->loc.col, t->loc.line, t->loc.col - 1 }, "var ");
}

static void check_cond(Sema *S, Node *c)
{
	if (check_expr(S, c))
		late(S, LATE_COND, c);
}

static void check_loop_body(Sema *S, Node *body)
{
	S->loops++;
	check_block(S, body);
	S->loops--;
}

/* The parser keeps -5 as '-' applied to 5, and nothing folds it before
 * sema: the places that need a constant accept both forms. */
int const_number(const Node *n, int64_t *v)
{
	if (n && n->kind == N_NUM)
		*v = n->num;
	else if (n && n->kind == N_UNOP && n->op == '-' && n->a && n->a->kind == N_NUM)
		*v = -n->a->num;
	else
		return 0;
	return 1;
}

int for_step(const Node *c, int64_t *step)
{
	*step = 1;
	return !c || const_number(c, step);
}

/* The step decides the loop's test (> or <) and, in a probe, its bound on
 * iterations: so it is a constant. */
static void check_step(Sema *S, Node *c)
{
	int64_t step;
	if (c && !for_step(c, &step))
		diag_error(S->d, DC_FOR_STEP, c->loc, "the step of a numeric for must be a constant number");
	else if (c && !step)
		diag_error(S->d, DC_FOR_STEP, c->loc, "the step of a for loop cannot be zero");
}

static void check_fornum(Sema *S, Node *n)
{
	Node *bounds[] = { n->a, n->b, n->c };
	for (int i = 0; i < 3; i++)
		if (check_expr(S, bounds[i]))
			expect_kind(S, bounds[i], TY_NUM, "a numeric for bound");
	check_step(S, n->c);
	scope_push(S, S->func);
	if (n->list.n && n->list.v[0] && n->list.v[0]->str) {
		Symbol *s = scope_declare(S, n->list.v[0], SYM_LOCAL);
		type_unify(S, s->type, type_new(S, TY_NUM, n->list.v[0]->loc));
	}
	check_loop_body(S, n->body);
	scope_pop(S);
}

/* The loop's table; a tuple-keyed one needs its keys named in parentheses. */
static Type *forin_table(Sema *S, Node *n, Node *tab, int nk)
{
	Type *r = check_expr(S, tab) ? type_repr(tab->type) : NULL;
	if (!r)
		return NULL;
	int has = r->kind == TY_TABLE ? r->table->nkeys : 0;
	if (!n->num && has > 1) {
		diag_error(S->d, DC_FORIN_KEYS, tab->loc, "this table has %d keys: name them in parentheses, "
			   "for ((k1, k2), v in %s(t))", has, n->str);
		return NULL;
	}
	if (has && has != nk) {
		diag_error(S->d, DC_FORIN_KEYS, tab->loc, "the loop names %d keys, but this table has %d", nk, has);
		return NULL;
	}
	return index_table(S, tab, tab, nk);
}

static void check_forin(Sema *S, Node *n)
{
	int sorted = n->str && !strcmp(n->str, "sort_pairs");
	int max = sorted ? 2 : 1, nk = n->num ? (int)n->num : 1;
	Type *t = NULL;
	if (n->list2.n < 1 || n->list2.n > max)
		diag_error(S->d, DC_ARG_COUNT, n->loc, "%s takes %s", sorted ? "sort_pairs" : "pairs",
			   sorted ? "a table and an optional count" : "one table");
	ctx_use(S, n, CTX_USER, "iterating over a table");
	if (n->list2.n >= 1 && n->list2.v[0])
		t = forin_table(S, n, n->list2.v[0], nk);
	for (int i = 1; i < n->list2.n; i++)
		if (check_expr(S, n->list2.v[i]))
			expect_kind(S, n->list2.v[i], TY_NUM, "the count of sort_pairs");
	scope_push(S, S->func);
	for (int i = 0; i < n->list.n && i <= nk; i++) {
		Node *name = n->list.v[i];
		if (!name || !name->str)
			continue;
		Symbol *s = scope_declare(S, name, SYM_LOCAL);
		s->strbytes = S->opt.strlen;	/* not followed through the table */
		if (t)
			type_unify(S, s->type, i < nk ? t->table->keys[i] : t->table->val);
	}
	check_loop_body(S, n->body);
	scope_pop(S);
}

static void check_return(Sema *S, Node *n)
{
	Func *f = S->func;
	if (!n->a)
		return;
	if (!check_expr(S, n->a))
		return;
	if (f->kind != FN_USER) {
		diag_error(S->d, DC_RETURN_VALUE, n->a->loc, "%s cannot return a value",
			   f->kind == FN_MAIN ? "the main chunk" : "a handler");
		return;
	}
	func_info(S, f)->has_value_return = 1;
	char what[160];
	snprintf(what, sizeof what, "the return value of '%.100s'", f->name);
	check_unify(S, n->a, f->ret, n->a->type, what);
}

static void check_handler(Sema *S, Node *n)
{
	static const char *const what[] = {
		[N_TRACE] = "'trace'", [N_TRACE_END] = "'trace_end'",
		[N_TICK] = "'tick'", [N_PROFILE] = "'profile'",
	};
	if (!in_main(S, n, what[n->kind]))
		return;
	Func *f;
	switch (n->kind) {
	case N_TRACE:
		f = func_new(S, FN_TRACE, n, n->body, CTX_KERNEL);
		trace_events(S, f, &n->list);
		f->filter = n->a;
		break;
	case N_TRACE_END:
		f = func_new(S, FN_END, n, n->body, CTX_USER);
		break;
	case N_TICK:
		f = func_new(S, FN_TICK, n, n->body, CTX_USER);
		parse_interval(S, n->a ? n->a : n, n->str, 0, &f->interval_ns);
		break;
	default:
		f = func_new(S, FN_PROFILE, n, n->body, CTX_KERNEL);
		parse_interval(S, n->a ? n->a : n, n->str, 1, &f->interval_ns);
		break;
	}
	check_func_body(S, f);
}

void check_stmt(Sema *S, Node *n)
{
	switch (n->kind) {
	case N_VAR:
		check_var(S, n);
		break;
	case N_FUNCDEF:
		if (!S->toplevel || !n->sym)
			diag_error(S->d, DC_NESTED_FUNCTION, n->loc, "functions can only be defined at top level");
		else
			check_func_body(S, n->sym->func);
		break;
	case N_ASSIGN:
		check_assign(S, n);
		break;
	case N_CALLSTAT:
		check_expr(S, n->a);
		break;
	case N_IF:
		check_cond(S, n->a);
		check_block(S, n->body);
		if (n->c && n->c->kind == N_IF)
			check_stmt(S, n->c);
		else if (n->c)
			check_block(S, n->c);
		break;
	case N_WHILE:
		check_cond(S, n->a);
		check_loop_body(S, n->body);
		break;
	case N_FORNUM:
		check_fornum(S, n);
		break;
	case N_FORIN:
		check_forin(S, n);
		break;
	case N_REPEAT: {
		/* until's condition sees the body's locals, as in Lua */
		int top = S->toplevel;
		S->toplevel = 0;
		S->loops++;
		scope_push(S, S->func);
		check_stmts(S, n->body);
		S->loops--;
		check_cond(S, n->a);
		scope_pop(S);
		S->toplevel = top;
		break;
	}
	case N_DO:
		check_block(S, n->body);
		break;
	case N_BREAK:
		if (!S->loops)
			diag_error(S->d, DC_BREAK_OUTSIDE, n->loc, "'break' outside a loop");
		break;
	case N_RETURN:
		check_return(S, n);
		break;
	case N_TRACE:
	case N_TRACE_END:
	case N_TICK:
	case N_PROFILE:
		check_handler(S, n);
		break;
	case N_BLOCK:
		check_block(S, n);
		break;
	default:
		diag_error(S->d, DC_NOT_STATEMENT, n->loc, "this expression is not a statement");
		check_expr(S, n);
		break;
	}
}

/* Top-level functions are known before the statements run, so handlers
 * and functions may call a function defined further down. */
void hoist_functions(Sema *S, Node *root)
{
	for (int i = 0; i < root->list.n; i++) {
		Node *n = root->list.v[i];
		if (!n || n->kind != N_FUNCDEF || !n->str)
			continue;
		Node name = { .kind = N_NAME, .loc = n->loc, .str = n->str };
		Symbol *s = scope_declare(S, &name, SYM_FUNC);
		Func *f = func_new(S, FN_USER, n, n->body, 0);
		f->params = &n->list;
		for (int j = 0; j < n->list.n; j++) {
			Node *p = n->list.v[j];
			if (!p || !p->str)
				continue;
			p->sym = symbol_new(S, p, SYM_LOCAL, f);
			p->sym->strbytes = S->opt.strlen;	/* callers pass char[strlen] */
		}
		s->func = f;
		s->type = type_new(S, TY_FUNC, n->loc);
		n->sym = s;
	}
}
