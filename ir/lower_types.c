/* How script types are represented in memory. */
#include "lower_impl.h"
#include "../common/util.h"

Type *ty(const Node *n)
{
	return n && n->type ? type_repr(n->type) : NULL;
}

/* Held by reference in a --strlen buffer, zero-padded: strings, and the
 * addresses and arrays that are bytes too (they compare, copy and key a
 * table the same way). */
int is_str(Type *t)
{
	return t && (t->kind == TY_STR || t->kind == TY_ADDR || t->kind == TY_ARRAY);
}

/* Bytes a value of type t takes in a map, a record or a global. */
int val_size(Lower *L, Type *t)
{
	return is_str(t) ? L->m->strlen : 8;
}

/* A string variable or a table's string values take what sema found they
 * hold (sema_strsize.c); addresses and arrays their whole buffer. */
int var_size(Lower *L, Symbol *s)
{
	return is_str(type_repr(s->type)) ? sym_str_bytes(s, L->m->strlen) : 8;
}

int table_val_size(Lower *L, TableInfo *t)
{
	Type *vt = type_repr(t->val);
	return vt->kind == TY_STR ? table_val_bytes(t, L->m->strlen) : val_size(L, vt);
}

KtapVKind vkind(Type *t)
{
	switch (t ? t->kind : TY_NIL) {
	case TY_STR: return V_STR;
	case TY_BOOL: return V_BOOL;
	case TY_STACK: return V_STACK;
	case TY_SYSCALL: return V_SYSCALL;
	case TY_ERRNO: return V_ERRNO;
	case TY_TIME: return V_TIME;
	case TY_ADDR: return V_ADDR;
	case TY_ARRAY: return V_ARRAY;
	case TY_NIL: return V_NIL;
	default: return V_NUM;
	}
}

IrLayout *layout_of(Lower *L, Type *t)
{
	return layout_sized(L, t, val_size(L, t));
}

IrLayout *layout_sized(Lower *L, Type *t, int size)
{
	static const IrLayoutKind kinds[] = { [V_NUM] = L_NUM, [V_STR] = L_STR, [V_BOOL] = L_BOOL,
					      [V_STACK] = L_STACK, [V_NIL] = L_NUM, [V_SYSCALL] = L_NUM,
					      [V_ERRNO] = L_NUM, [V_TIME] = L_NUM, [V_ADDR] = L_STR,
					      [V_ARRAY] = L_STR };
	return ir_layout(L->m->mod, kinds[vkind(t)], size, 0);
}

/* How the runtime prints a value of type t found at off. */
KtapArg value_arg(Lower *L, Type *t, uint32_t off)
{
	KtapArg a = { vkind(t), off, val_size(L, t), NULL };
	if (a.kind == V_TIME)
		a.fmt = xstrdup(t->fmt);
	if (a.kind == V_ARRAY)
		a.fmt = xasprintf(KTAP_ARRAY_SHAPE, t->esigned ? 's' : 'u', t->elem, t->count);
	return a;
}
