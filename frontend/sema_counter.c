/* Counter tables: a number table that kernel context only adds to (`t[k]
 * += e`) or deletes from (`t[k] = nil`) is a per-CPU hash, so CPUs counting
 * the same key do not share its cache line; user context reads the sum.
 * A fact about the program, decided once every function's context is
 * known: it raises no error. */
#include "sema_int.h"

static TableInfo *table_of(const Node *n)
{
	Type *t = n && n->type ? type_repr(n->type) : NULL;
	return t && t->kind == TY_TABLE ? t->table : NULL;
}

static int is_nil(const Node *n)
{
	return n && n->kind == N_NIL;
}

static void walk(Node *n);

static void walk_list(NodeList *l)
{
	for (int i = 0; i < l->n; i++)
		walk(l->v[i]);
}

/* `t[k] += e` or `t[k] = nil`: the table itself is no read. */
static int counts(const Node *n, const Node *target, int i)
{
	if (!target || target->kind != N_INDEX || n->list.n != 1)
		return 0;
	return n->op == TK_PLUSEQ || (n->op == '=' && i < n->list2.n && is_nil(n->list2.v[i]));
}

static void walk_assign(Node *n)
{
	for (int i = 0; i < n->list.n; i++) {
		Node *t = n->list.v[i];
		if (counts(n, t, i))
			walk_list(&t->list);
		else
			walk(t);
	}
	walk_list(&n->list2);
}

/* Any other appearance of a table in kernel code: it is read there. */
static void walk(Node *n)
{
	if (!n)
		return;
	TableInfo *ti = table_of(n);
	if (ti)
		ti->kernel_read = 1;
	switch (n->kind) {
	case N_FUNCDEF: case N_FUNCTION: case N_TRACE: case N_TRACE_END: case N_TICK: case N_PROFILE:
		return;	/* a Func of its own */
	case N_ASSIGN:
		if (n->op != TK_AGG) {
			walk_assign(n);
			return;
		}
		break;
	default:
		break;
	}
	walk(n->a);
	walk(n->b);
	walk(n->c);
	walk(n->body);
	walk_list(&n->list);
	walk_list(&n->list2);
}

void find_counters(Sema *S)
{
	Program *p = &S->prog;
	for (int i = 0; i < p->nfuncs; i++) {
		Func *f = p->funcs[i];
		if (f->kind == FN_MAIN || !(f->ctx & CTX_KERNEL))
			continue;
		walk(f->filter);
		walk(f->body);
	}
	for (int i = 0; i < p->ntables; i++) {
		TableInfo *ti = p->tables[i];
		ti->counter = ti->kernel_written && !ti->kernel_read && !ti->agg && !ti->is_arg &&
			      type_repr(ti->val)->kind == TY_NUM;
	}
}
