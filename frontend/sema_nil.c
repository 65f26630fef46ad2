/* Which variables may hold nil (docs/language.md §4).
 *
 * A variable is nilable when some value it can get may be absent: a table
 * read, the literal nil, another nilable variable, or no value at all (a
 * `var` without one). A parameter is nilable when some call passes such a
 * value. Only nilable variables get a presence flag in lowering, so a
 * variable the compiler sees always given present values costs nothing.
 * The analysis ignores control flow: one nil source anywhere is enough
 * (only returns look at it: sema_nilflow.c). */
#include "sema_int.h"

static int is_value(const Symbol *s)
{
	TypeKind k = type_repr(s->type)->kind;
	return k != TY_TABLE && k != TY_FUNC;
}

int may_be_nil(const Node *v)
{
	if (!v)
		return 1;
	switch (v->kind) {
	case N_NIL:
	case N_INDEX:
		return 1;
	case N_NAME:
		return v->sym && v->sym->nilable;
	default:
		return 0;
	}
}

/* Mark s when it gets v; 1 when that is news. */
static int gets(Symbol *s, const Node *v)
{
	if (!s || s->nilable || !is_value(s) || !may_be_nil(v))
		return 0;
	s->nilable = 1;
	return 1;
}

static int visit(Node *n);

static int visit_list(NodeList *l)
{
	int changed = 0;
	for (int i = 0; i < l->n; i++)
		changed |= visit(l->v[i]);
	return changed;
}

static int assigned(NodeList *targets, NodeList *values, int op)
{
	int changed = 0;
	for (int i = 0; i < targets->n; i++) {
		Node *t = targets->v[i];
		if (t && t->kind == N_NAME && op != TK_PLUSEQ)
			changed |= gets(t->sym, i < values->n ? values->v[i] : NULL);
	}
	return changed;
}

static int passed(Node *call)
{
	Symbol *f = call->num == F_NONE && call->a ? call->a->sym : NULL;
	if (!f || f->kind != SYM_FUNC || !f->func->params)
		return 0;
	NodeList *ps = f->func->params;
	int changed = 0;
	for (int i = 0; i < ps->n && i < call->list.n; i++)
		if (ps->v[i])
			changed |= gets(ps->v[i]->sym, call->list.v[i]);
	return changed;
}

static int visit(Node *n)
{
	if (!n)
		return 0;
	int changed = visit(n->a) | visit(n->b) | visit(n->c) | visit(n->body) |
		      visit_list(&n->list) | visit_list(&n->list2);
	if (n->kind == N_VAR)
		changed |= assigned(&n->list, &n->list2, '=');
	else if (n->kind == N_ASSIGN)
		changed |= assigned(&n->list, &n->list2, n->op);
	else if (n->kind == N_CALL)
		changed |= passed(n);
	return changed;
}

void find_nilable(Sema *S)
{
	while (visit(S->prog.root))
		;
	check_nil_returns(S, S->prog.root);
}
