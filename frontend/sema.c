/* Semantic analysis: the entry point, the checks that need final types,
 * and the Program it hands to lowering.
 *
 * One walk over the tree declares names, types every expression by
 * unification and registers handlers; then contexts are propagated through
 * calls, unknown types default to number, and the late checks run. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

static void declare_arg(Sema *S)
{
	Node name = { .kind = N_NAME, .str = "arg" };
	Symbol *s = symbol_new(S, &name, SYM_GLOBAL, NULL);
	scope_add(S, &name, s);
	Type *t = table_new(S, (Loc){0}, NULL, 0);
	TableInfo *ti = t->table;
	ti->is_arg = 1;
	ti->name = "arg";
	ti->nkeys = 1;
	ti->keys[0] = type_new(S, TY_NUM, (Loc){0});
	type_unify(S, ti->val, type_new(S, TY_STR, (Loc){0}));
	type_unify(S, s->type, t);
}

static const char *always_true(Type *t)
{
	switch (type_repr(t)->kind) {
	case TY_NUM: return "a number";
	case TY_STR: return "a string";
	case TY_TABLE: return "a table";
	case TY_STACK: return "a stack";
	case TY_SYSCALL: return "a syscall name";
	case TY_ERRNO: return "an errno name";
	case TY_TIME: return "a time";
	case TY_ADDR: return "an address";
	case TY_ARRAY: return "an array";
	default: return NULL;
	}
}

void check_late(Sema *S, Late *l)
{
	Node *n = l->node;
	TypeKind k = n->type ? type_repr(n->type)->kind : TY_NIL;	/* '..' is typed after */
	const char *what;
	switch (l->kind) {
	case LATE_COND:
	case LATE_FILTER:
		if (n->kind == N_NAME && may_be_nil(n))
			break;	/* false when nil */
		if ((what = always_true(n->type)))
			diag_warning(S->d, DC_ALWAYS_TRUE, n->loc, "%s is always true here (only nil and false are "
				     "false); compare it, e.g. '%s'", what,
				     k == TY_NUM ? "n != 0" : "x != nil");
		break;
	case LATE_CONCAT:
		for (int i = 0; i < 2; i++) {
			Node *o = i ? n->b : n->a;
			TypeKind ok = o && o->type ? type_repr(o->type)->kind : TY_STR;
			if (ok != TY_STR && ok != TY_NUM && ok != TY_NIL) {
				diag_error(S->d, DC_CONCAT_TYPE, o->loc, "operands of '..' must be strings or numbers, "
					   "not %s", type_name(o->type));
				text_hint(S, o->loc, o->type);
			}
		}
		break;
	case LATE_PRINT:
		if (k == TY_TABLE)
			diag_error(S->d, DC_UNPRINTABLE, n->loc, "a table cannot be printed; use print_hist() or "
				   "a for-in loop");
		else if (k == TY_FUNC)
			diag_error(S->d, DC_UNPRINTABLE, n->loc, "a function cannot be printed");
		break;
	case LATE_LEN:
		if (k == TY_TABLE && (l->func->ctx & CTX_KERNEL))
			diag_error(S->d, DC_WRONG_CONTEXT, n->loc, "len() of a table is only allowed in user context");
		else if (k != TY_TABLE && k != TY_STR)
			diag_error(S->d, DC_ARG_TYPE, n->loc, "len() takes a table or a string, not %s", type_name(n->type));
		break;
	}
}

static int key_ok(TypeKind k)
{
	return k == TY_NUM || k == TY_STR || k == TY_BOOL || k == TY_STACK || k == TY_SYSCALL ||
	       k == TY_ERRNO || k == TY_TIME || k == TY_ADDR || k == TY_ARRAY;
}

static void check_tables(Sema *S)
{
	for (int i = 0; i < S->placeholders.n; i++) {
		TableInfo *ti = S->placeholders.v[i];
		if (ti->id == -1)
			diag_error(S->d, DC_NOT_TABLE, ti->loc, "'%s' is used as a table but never holds one "
				   "(create it with {} or table.new())", ti->name ? ti->name : "this");
	}
	for (int i = 0; i < S->prog.ntables; i++) {
		TableInfo *ti = S->prog.tables[i];
		if (!ti->nkeys) {
			ti->nkeys = 1;
			ti->keys[0] = type_new(S, TY_NUM, ti->loc);
		}
		for (int j = 0; j < ti->nkeys; j++) {
			Type *k = type_repr(ti->keys[j]);
			if (!key_ok(k->kind))
				diag_error(S->d, DC_TABLE_KEY_TYPE, k->where.line ? k->where : ti->loc,
					   "a table cannot have %s keys", type_name(k));
		}
		TypeKind v = type_repr(ti->val)->kind;
		if (v != TY_NUM && v != TY_STR && v != TY_BOOL && v != TY_NIL && v != TY_SYSCALL &&
		    v != TY_ERRNO && v != TY_TIME)
			diag_error(S->d, DC_TABLE_KEY_TYPE, type_repr(ti->val)->where.line ? type_repr(ti->val)->where : ti->loc,
				   "a table cannot hold %s values", type_name(ti->val));
		if (!ti->name)
			ti->name = "table";
	}
}

static void resolve_tree(Node *n)
{
	if (!n)
		return;
	if (n->type)
		n->type = type_repr(n->type);
	resolve_tree(n->a);
	resolve_tree(n->b);
	resolve_tree(n->c);
	resolve_tree(n->body);
	for (int i = 0; i < n->list.n; i++)
		resolve_tree(n->list.v[i]);
	for (int i = 0; i < n->list2.n; i++)
		resolve_tree(n->list2.v[i]);
}

/* Fix every type: unknown ones are numbers. */
static void finish(Sema *S)
{
	Program *p = &S->prog;
	for (int i = 0; i < p->nfuncs; i++) {
		Func *f = p->funcs[i];
		if (f->kind == FN_USER && !func_info(S, f)->has_value_return)
			f->ret = type_new(S, TY_NIL, f->site ? f->site->loc : (Loc){0});
	}
	for (int i = 0; i < S->types.n; i++) {
		Type *r = type_repr(S->types.v[i]);
		if (r->kind == TY_VAR)
			r->kind = TY_NUM;
	}
	find_nilable(S);
	for (int i = 0; i < S->lates.n; i++)
		check_late(S, &S->lates.v[i]);
	check_aggs(S);
	find_counters(S);
	size_strings(S);
	check_tables(S);
	check_table_memory(S);
	for (int i = 0; i < p->nfuncs; i++)
		p->funcs[i]->ret = type_repr(p->funcs[i]->ret);
	for (int i = 0; i < S->syms.n; i++)
		S->syms.v[i]->type = type_repr(S->syms.v[i]->type);
	for (int i = 0; i < p->ntables; i++) {
		TableInfo *ti = p->tables[i];
		for (int j = 0; j < ti->nkeys; j++)
			ti->keys[j] = type_repr(ti->keys[j]);
		ti->val = type_repr(ti->val);
	}
	resolve_tree(p->root);
	check_params(S);
}

Program *sema_check(Node *root, Diag *d, const SemaOptions *opt)
{
	Sema *S = xcalloc(1, sizeof *S);
	S->d = d;
	if (opt)
		S->opt = *opt;
	if (S->opt.strlen <= 0)
		S->opt.strlen = 64;
	if (S->opt.table_size <= 0)
		S->opt.table_size = 2048;
	S->prog.root = root;
	Func *mainf = func_new(S, FN_MAIN, root, root, CTX_USER);
	S->func = mainf;
	scope_push(S, mainf);
	declare_arg(S);
	if (root) {
		hoist_functions(S, root);
		S->toplevel = 1;
		check_stmts(S, root);
	}
	scope_pop(S);
	check_contexts(S);
	finish(S);
	free(S->calls.v);
	for (int i = 0; i < S->uses.n; i++)
		free(S->uses.v[i].what);
	free(S->uses.v);
	free(S->lates.v);
	free(S->infos.v);
	free(S->aggs.v);
	memset(&S->calls, 0, sizeof S->calls);
	memset(&S->uses, 0, sizeof S->uses);
	memset(&S->lates, 0, sizeof S->lates);
	memset(&S->infos, 0, sizeof S->infos);
	return &S->prog;
}

static void func_free(Func *f)
{
	events_free(f->events, f->nevents);
	free(f->locals);
	free((char *)f->name);
	free(f);
}

void program_free(Program *p)
{
	if (!p)
		return;
	Sema *S = (Sema *)p;
	for (int i = 0; i < p->nfuncs; i++)
		func_free(p->funcs[i]);
	free(p->funcs);
	free(p->globals);
	for (int i = 0; i < p->ntables; i++)
		free(p->tables[i]);
	free(p->tables);
	for (int i = 0; i < S->placeholders.n; i++)
		free(S->placeholders.v[i]);
	free(S->placeholders.v);
	for (int i = 0; i < S->types.n; i++)
		free(S->types.v[i]);
	free(S->types.v);
	for (int i = 0; i < S->syms.n; i++)
		free(S->syms.v[i]);
	free(S->syms.v);
	free(S);
}
