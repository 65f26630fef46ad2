/* Types and their unification (union-find over Type.link).
 *
 * Every TableInfo has exactly one Type, made with it, so two table types
 * are the same table exactly when they are the same Type. A table known only
 * from being indexed (a parameter, a `var t` not yet assigned) is a
 * placeholder (no constructor) that merges into the real table it meets. */
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

Type *type_repr(Type *t)
{
	Type *r = t;
	while (r->link)
		r = r->link;
	while (t->link && t->link != r) {	/* path compression */
		Type *next = t->link;
		t->link = r;
		t = next;
	}
	return r;
}

int seen_bytes(int seen, int none, int strlen)
{
	int n = seen ? (seen + 7) & ~7 : none;	/* whole words: the stack takes aligned stores */
	return n < strlen ? n : strlen;
}

int table_key_bytes(const TableInfo *t, int i, int strlen)
{
	return seen_bytes(t->keystr[i], strlen, strlen);
}

/* The arg table's values come from the command line, unseen by sema. */
int table_val_bytes(const TableInfo *t, int strlen)
{
	return t->is_arg ? strlen : seen_bytes(t->valstr, 8, strlen);
}

const char *type_name(Type *t)
{
	static const char *const names[] = {
		[TY_VAR] = "unknown", [TY_NIL] = "nil", [TY_NUM] = "number",
		[TY_STR] = "string", [TY_BOOL] = "boolean", [TY_STACK] = "stack",
		[TY_SYSCALL] = "syscall name", [TY_ERRNO] = "errno name", [TY_TIME] = "time",
		[TY_TABLE] = "table", [TY_FUNC] = "function", [TY_PTR] = "pointer",
		[TY_ADDR] = "address", [TY_ARRAY] = "array",
	};
	return names[type_repr(t)->kind];
}

Type *type_new(Sema *S, TypeKind k, Loc where)
{
	Type *t = xcalloc(1, sizeof *t);
	t->kind = k;
	t->where = where;
	VEC_PUSH(S->types, t);
	return t;
}

Type *type_var(Sema *S, Loc where)
{
	return type_new(S, TY_VAR, where);
}

/* A new table and its one Type. A placeholder stands for a table not seen
 * yet and is not one of the program's tables. */
Type *table_new(Sema *S, Loc loc, Node *ctor, int placeholder)
{
	TableInfo *ti = xcalloc(1, sizeof *ti);
	ti->loc = loc;
	ti->ctor = ctor;
	ti->val = type_var(S, loc);
	ti->capacity = S->opt.table_size;
	Type *t = type_new(S, TY_TABLE, loc);
	t->table = ti;
	if (!placeholder) {
		ti->id = S->prog.ntables;
		S->prog.tables = xrealloc(S->prog.tables, (S->prog.ntables + 1) * sizeof *S->prog.tables);
		S->prog.tables[S->prog.ntables++] = ti;
	} else {
		ti->id = -1;
		VEC_PUSH(S->placeholders, ti);
	}
	return t;
}

/* Fold placeholder table p into table t. */
static int table_merge(Sema *S, Type *t, Type *p)
{
	TableInfo *a = t->table, *b = p->table;
	if (a->nkeys && b->nkeys && a->nkeys != b->nkeys)
		return 0;
	if (!a->nkeys)
		for (int i = 0; i < b->nkeys; i++)
			a->keys[i] = b->keys[i];
	else
		for (int i = 0; i < b->nkeys; i++)
			if (!type_unify(S, a->keys[i], b->keys[i]))
				return 0;
	if (!a->nkeys)
		a->nkeys = b->nkeys;
	if (!type_unify(S, a->val, b->val))
		return 0;
	if (!a->name)
		a->name = b->name;
	b->id = -2;	/* merged: no longer a placeholder of its own */
	p->link = t;
	return 1;
}

static int is_placeholder(Type *t)
{
	return t->table->id < 0;
}

int type_unify(Sema *S, Type *a, Type *b)
{
	a = type_repr(a);
	b = type_repr(b);
	if (a == b || a->kind == TY_NIL || b->kind == TY_NIL)
		return 1;
	if (a->kind == TY_VAR) {
		a->link = b;
		return 1;
	}
	if (b->kind == TY_VAR) {
		b->link = a;
		return 1;
	}
	if (a->kind != b->kind)
		return 0;
	if (a->kind == TY_PTR)
		return a->ctype == b->ctype && a->user == b->user;
	if (a->kind == TY_ARRAY)	/* its shape is how it prints and compares */
		return a->count == b->count && a->elem == b->elem && a->esigned == b->esigned;
	if (a->kind == TY_TIME)	/* the format is part of the value's meaning */
		return !strcmp(a->fmt, b->fmt);
	if (a->kind != TY_TABLE)
		return 1;
	if (is_placeholder(b))
		return table_merge(S, a, b);
	if (is_placeholder(a))
		return table_merge(S, b, a);
	return 0;
}
