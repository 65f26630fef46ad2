/* Which returns see a variable present (docs/language.md §4). A function's
 * result has no presence flag, so `return x` with x nilable is refused
 * unless x surely holds a value there: a forward walk over the function's
 * statements keeps the set of its locals given a value that cannot be nil
 * (or `+=`) on every path so far. A branch keeps what both sides keep; a
 * loop keeps nothing its body may make nil, and gains nothing (it may not
 * run). Globals are never sure: a call or another handler may make them nil. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

typedef struct Sure {
	Symbol **v;
	int n, cap;
	int dead;	/* after return or break: no path goes on from here */
} Sure;

static int sure(const Sure *s, const Symbol *sym)
{
	if (s->dead)
		return 1;
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == sym)
			return 1;
	return 0;
}

static void drop(Sure *s, const Symbol *sym)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == sym)
			s->v[i--] = s->v[--s->n];
}

static Sure copy(const Sure *s)
{
	Sure c = { NULL, 0, 0, s->dead };
	for (int i = 0; i < s->n; i++)
		VEC_PUSH(c, s->v[i]);
	return c;
}

/* s = what both s and o keep; o is freed. */
static void meet(Sure *s, Sure *o)
{
	if (s->dead) {
		free(s->v);
		*s = *o;
		return;
	}
	for (int i = 0; !o->dead && i < s->n; i++)
		if (!sure(o, s->v[i]))
			s->v[i--] = s->v[--s->n];
	free(o->v);
}

static int present_value(const Sure *s, const Node *v)
{
	return v && (!may_be_nil(v) || (v->kind == N_NAME && v->sym && sure(s, v->sym)));
}

static void assign(Sure *s, NodeList *targets, NodeList *values, int op)
{
	for (int i = 0; i < targets->n; i++) {
		Node *t = targets->v[i];
		if (!t || t->kind != N_NAME || !t->sym || t->sym->kind != SYM_LOCAL)
			continue;
		drop(s, t->sym);
		if (op == TK_PLUSEQ || present_value(s, i < values->n ? values->v[i] : NULL))
			VEC_PUSH(*s, t->sym);
	}
}

/* f(ctx, c) for each statement or expression c directly inside n. */
static void each_child(Node *n, void (*f)(void *ctx, Node *c), void *ctx)
{
	f(ctx, n->a);
	f(ctx, n->b);
	f(ctx, n->c);
	f(ctx, n->body);
	for (int i = 0; i < n->list.n; i++)
		f(ctx, n->list.v[i]);
}

/* Forget every variable that n may make nil, wherever in it. */
static void forget(void *ctx, Node *n)
{
	Sure *s = ctx;
	if (!n)
		return;
	if (n->kind == N_VAR || (n->kind == N_ASSIGN && n->op != TK_PLUSEQ))
		for (int i = 0; i < n->list.n; i++)
			if (n->list.v[i] && n->list.v[i]->sym &&
			    !present_value(&(Sure){ 0 }, i < n->list2.n ? n->list2.v[i] : NULL))
				drop(s, n->list.v[i]->sym);
	each_child(n, forget, s);
}

static const char *present_form(const Node *x)
{
	switch (type_repr(x->sym->type)->kind) {
	case TY_STR: return "%s .. \"\"";
	case TY_BOOL: return "%s == true";
	default: return "%s + 0";
	}
}

static void check_return(Sema *S, const Node *n, const Sure *s)
{
	Node *x = n->a;
	if (!x || x->kind != N_NAME || !may_be_nil(x) || sure(s, x->sym))
		return;
	char hint[240];
	snprintf(hint, sizeof hint, present_form(x), x->str);
	diag_error(S->d, DC_NIL_RESULT, x->loc, "'%s' may be nil here, and a function's result cannot be nil; "
		   "return '%s' to return its value or zero", x->str, hint);
	diag_fixit(S->d, x->loc, hint);
}

static void walk(Sema *S, Node *n, Sure *s)
{
	if (!n)
		return;
	Sure t;
	switch (n->kind) {
	case N_BLOCK:
		for (int i = 0; i < n->list.n; i++)
			walk(S, n->list.v[i], s);
		break;
	case N_DO:
		walk(S, n->body, s);
		break;
	case N_VAR:
		assign(s, &n->list, &n->list2, '=');
		break;
	case N_ASSIGN:
		assign(s, &n->list, &n->list2, n->op);
		break;
	case N_IF:
		t = copy(s);
		walk(S, n->body, &t);
		walk(S, n->c, s);
		meet(s, &t);
		break;
	case N_WHILE:
	case N_FORNUM:
	case N_FORIN:
	case N_REPEAT:
		forget(s, n->body);
		t = copy(s);
		walk(S, n->body, &t);
		free(t.v);
		break;
	case N_RETURN:
		check_return(S, n, s);
		/* fallthrough */
	case N_BREAK:
		s->dead = 1;
		break;
	default:
		break;
	}
}

static void in_functions(void *ctx, Node *n)
{
	Sema *S = ctx;
	if (!n)
		return;
	if (n->kind == N_FUNCDEF) {
		Sure s = { 0 };
		walk(S, n->body, &s);
		free(s.v);
		return;
	}
	each_child(n, in_functions, S);
}

void check_nil_returns(Sema *S, Node *root)
{
	in_functions(S, root);
}
