/* Lowering statements and control flow. */
#include <string.h>
#include "lower_impl.h"
#include "../common/uhelpers.h"

static int is_ctor(Node *v)
{
	return v && (v->kind == N_TABLE || (v->kind == N_CALL && v->num == F_TABLE_NEW));
}

/* Give name n (a variable) the value v of the expression `value`, there
 * or not as `present` says (+= makes it present: nil counts as 0); a
 * string's first `have` bytes at v (none: the empty string). */
static void assign_name(Lower *L, Node *n, Node *value, IrOpnd v, int have, IrOpnd present, int op)
{
	Symbol *s = n->sym;
	Type *t = type_repr(s->type);
	if (t->kind == TY_TABLE) {
		if (is_ctor(value))
			table_ctor(L, t->table, value);
		return;
	}
	presence_set(L, s, op == TK_PLUSEQ ? ir_imm(1) : present);
	if (is_str(t)) {
		str_set(L, s, v, have);
		return;
	}
	if (s->kind == SYM_GLOBAL) {
		IrOpnd p = global_addr(L, s);
		if (op == TK_PLUSEQ)
			emit_xadd(L, p, 0, v);	/* atomic: kernel handlers may add at once */
		else
			emit_store(L, p, 0, 8, v);
		return;
	}
	local_set(L, s, v, op);
}

/* t[k] = x with x maybe nil: a nil x deletes the entry, as t[k] = nil does. */
static void write_nilable(Lower *L, Node *target, Node *x)
{
	IrBlock *set = new_block(L), *del = new_block(L), *done = new_block(L);
	emit_br(L, C_EQ, presence_get(L, x->sym), ir_imm(0), del, set);
	set_block(L, set);
	table_write(L, target, x, '=');
	emit_jmp(L, done);
	set_block(L, del);
	Node nil = { .kind = N_NIL, .loc = x->loc };
	table_write(L, target, &nil, '=');
	set_block(L, done);
}

static void write_entry(Lower *L, Node *target, Node *value, int op)
{
	if (op == '=' && nilable_name(value))
		write_nilable(L, target, value);
	else
		table_write(L, target, value, op);
}

/* A value that stays put while other targets of the same statement change. */
static IrOpnd snapshot(Lower *L, Node *value, IrOpnd v)
{
	if (is_str(ty(value))) {
		IrOpnd p = str_temp(L);
		emit_copy(L, p, 0, v, 0, L->m->strlen);
		return p;
	}
	return v.kind == O_VREG ? ir_r(emit_mov(L, v)) : v;
}

/* x = execname: the comm straight into x, with no buffer of its own. */
static int execname_to_name(Lower *L, Node *target, Node *value)
{
	if (!is_execname(value) || target->kind != N_NAME || !target->sym || target->sym->nilable)
		return 0;
	at(L, target);
	str_set_execname(L, target->sym);
	return 1;
}

static void lower_assign(Lower *L, NodeList *targets, NodeList *values, int op)
{
	if (targets->n == 1 && targets->v[0]->kind == N_INDEX) {
		if (values->n)
			write_entry(L, targets->v[0], values->v[0], op);
		return;
	}
	if (targets->n == 1 && values->n && execname_to_name(L, targets->v[0], values->v[0]))
		return;
	IrOpnd v[16], present[16];
	int n = targets->n < 16 ? targets->n : 16;
	for (int i = 0; i < n; i++) {
		Node *val = i < values->n ? values->v[i] : NULL;
		present[i] = ir_imm(val != NULL);
		if (val && !is_ctor(val) && nilable_name(targets->v[i]))
			v[i] = lower_value(L, val, &present[i]);
		else if (n == 1 && val && is_str(ty(val)))	/* str_set reads its str_bytes */
			v[i] = lower_str(L, val, 0);
		else
			v[i] = val && !is_ctor(val) ? lower_expr(L, val) : ir_imm(0);
		if (n > 1 && val) {
			v[i] = snapshot(L, val, v[i]);
			if (present[i].kind == O_VREG)
				present[i] = ir_r(emit_mov(L, present[i]));
		}
	}
	for (int i = 0; i < n; i++) {
		Node *tg = targets->v[i], *val = i < values->n ? values->v[i] : NULL;
		at(L, tg);
		if (tg->kind == N_INDEX) {
			if (val)
				write_entry(L, tg, val, op);
		} else if (tg->kind == N_NAME && tg->sym) {
			assign_name(L, tg, val, v[i], val ? str_bytes(val, L->m->strlen) : 0, present[i], op);
		}
	}
}

static IrBlock *loop_exit(Lower *L, IrBlock *exit)
{
	IrBlock *saved = L->fn->brk;
	L->fn->brk = exit;
	return saved;
}

static void lower_while(Lower *L, Node *n)
{
	if (kernel(L)) {
		kernel_loop(L, n, LOOP_WHILE, ir_imm(0), 0);
		return;
	}
	IrBlock *head = new_block(L), *body = new_block(L), *exit = new_block(L);
	set_block(L, head);
	lower_cond(L, n->a, body, exit);
	set_block(L, body);
	IrBlock *saved = loop_exit(L, exit);
	lower_block(L, n->body);
	L->fn->brk = saved;
	emit_jmp(L, head);
	set_block(L, exit);
}

static void lower_repeat(Lower *L, Node *n)
{
	if (kernel(L)) {
		kernel_loop(L, n, LOOP_REPEAT, ir_imm(0), 0);
		return;
	}
	IrBlock *body = new_block(L), *test = new_block(L), *exit = new_block(L);
	set_block(L, body);
	IrBlock *saved = loop_exit(L, exit);
	lower_block(L, n->body);
	L->fn->brk = saved;
	set_block(L, test);
	lower_cond(L, n->a, exit, body);
	set_block(L, exit);
}

/* A numeric for between constants that never runs, as `for (i = 3, 1)`:
 * its body is left out, since in the kernel the verifier would walk it
 * in an iterator's or callback's steps all the same. */
static int never_runs(IrOpnd start, IrOpnd limit, int64_t step)
{
	return start.kind == O_IMM && limit.kind == O_IMM &&
	       ir_cond_holds(for_ended(step), start.v, limit.v);
}

static void lower_fornum(Lower *L, Node *n)
{
	int64_t step;
	for_step(n->c, &step);	/* sema made it a non-zero constant */
	Symbol *var = n->list.v[0]->sym;
	IrOpnd start = lower_expr(L, n->a);
	local_set(L, var, start, '=');
	presence_set(L, var, ir_imm(1));
	IrOpnd limit = lower_expr(L, n->b);
	if (never_runs(start, limit, step))
		return;
	if (kernel(L)) {
		kernel_loop(L, n, LOOP_FOR, limit, step);
		return;
	}
	if (limit.kind == O_VREG)
		limit = ir_r(emit_mov(L, limit));
	IrBlock *head = new_block(L), *body = new_block(L), *exit = new_block(L);
	set_block(L, head);
	emit_br(L, for_ended(step), local_get(L, var), limit, exit, body);
	set_block(L, body);
	IrBlock *saved = loop_exit(L, exit);
	lower_block(L, n->body);
	L->fn->brk = saved;
	at(L, n);
	local_set(L, var, ir_imm(step), TK_PLUSEQ);
	emit_jmp(L, head);
	set_block(L, exit);
}

/* The loop's key names get the parts of the key in slot key, laid out as
 * table_key() builds it. */
static void forin_keys(Lower *L, Node *n, TableInfo *t, int key)
{
	for (int i = 0, off = 0; i < t->nkeys; i++) {
		Type *kt = type_repr(t->keys[i]);
		int size = key_part_size(L, t, i);
		IrOpnd k = is_str(kt) ? ir_r(emit_op(L, IR_ADD, ir_r(emit_addr(L, key)), ir_imm(off)))
				      : ir_r(emit_load(L, ir_slotop(key), off, 8));
		assign_name(L, n->list.v[i], NULL, k, size, ir_imm(1), '=');
		off += size;
	}
}

/* for (k, v in pairs(t)), for ((a, b), v in pairs(t)), sort_pairs(t, n):
 * iterate over a snapshot of the keys. */
static void lower_forin(Lower *L, Node *n)
{
	Node *tn = n->list2.v[0];
	TableInfo *t = ty(tn)->table;
	int sorted = !strcmp(n->str, "sort_pairs");
	IrOpnd max = sorted && n->list2.n > 1 ? lower_expr(L, n->list2.v[1]) : ir_imm(-1);
	at(L, n);
	int it = emit_call(L, KH_ITER_OPEN, 3, ir_r(table_map(L, t)), max, ir_imm(sorted));
	int key = temp_slot(L, key_size(L, t));
	IrBlock *head = new_block(L), *body = new_block(L), *exit = new_block(L);
	set_block(L, head);
	int r = emit_call(L, KH_ITER_NEXT, 2, ir_r(it), ir_r(emit_addr(L, key)));
	emit_br(L, C_NE, ir_r(r), ir_imm(0), exit, body);
	set_block(L, body);
	forin_keys(L, n, t, key);
	if (n->list.n > t->nkeys)
		assign_name(L, n->list.v[t->nkeys], NULL, table_get(L, t, ir_r(emit_addr(L, key)), NULL),
			    L->m->strlen, ir_imm(1), '=');
	IrBlock *saved = loop_exit(L, exit);
	lower_block(L, n->body);
	L->fn->brk = saved;
	emit_jmp(L, head);
	set_block(L, exit);
}

static void lower_if(Lower *L, Node *n)
{
	IrBlock *t = new_block(L), *join = new_block(L), *f = n->c ? new_block(L) : join;
	lower_cond(L, n->a, t, f);
	set_block(L, t);
	lower_block(L, n->body);
	emit_jmp(L, join);
	if (n->c) {
		set_block(L, f);
		if (n->c->kind == N_IF)
			lower_if(L, n->c);
		else
			lower_block(L, n->c);
	}
	set_block(L, join);
}

static void lower_return(Lower *L, Node *n)
{
	IrOpnd v = ir_imm(0);
	if (in_callback(L)) {
		v = n->a ? lower_expr(L, n->a) : ir_imm(0);
		loops_leave(L);
		callback_return(L, v);
		return;
	}
	if (n->a && L->fn->sf->kind == FN_USER) {
		v = lower_expr(L, n->a);
		if (L->fn->retbuf >= 0) {	/* the caller knows its buffer; the verifier
					   refuses a stack pointer returned to it */
			emit_copy(L, ir_r(L->fn->retbuf), 0, v, 0, L->m->strlen);
			v = ir_imm(0);
		}
	} else if (n->a) {
		lower_expr(L, n->a);
	}
	at(L, n);
	loops_leave(L);
	emit_ret(L, v);
}

static void lower_var(Lower *L, Node *n)
{
	lower_assign(L, &n->list, &n->list2, '=');
	/* names without a value start as nil: zero, or the empty string */
	for (int i = n->list2.n; i < n->list.n; i++) {
		Symbol *s = n->list.v[i]->sym;
		if (!s || s->kind != SYM_LOCAL)
			continue;
		if (type_repr(s->type)->kind != TY_TABLE)
			local_zero(L, s);
		presence_set(L, s, ir_imm(0));
	}
}

static void lower_stmt(Lower *L, Node *n)
{
	int mark = L->fn->ntemps;
	at(L, n);
	switch (n->kind) {
	case N_VAR:
		lower_var(L, n);
		break;
	case N_ASSIGN:
		lower_assign(L, &n->list, &n->list2, n->op);
		break;
	case N_CALLSTAT:
		lower_call(L, n->a);
		break;
	case N_IF:
		lower_if(L, n);
		break;
	case N_WHILE:
		lower_while(L, n);
		break;
	case N_FORNUM:
		lower_fornum(L, n);
		break;
	case N_FORIN:
		lower_forin(L, n);
		break;
	case N_REPEAT:
		lower_repeat(L, n);
		break;
	case N_DO:
		lower_block(L, n->body);
		break;
	case N_BLOCK:
		lower_block(L, n);
		break;
	case N_BREAK:
		if (L->fn->brk)
			emit_jmp(L, L->fn->brk);
		break;
	case N_RETURN:
		lower_return(L, n);
		break;
	case N_TRACE:
	case N_TICK:
	case N_PROFILE:
	case N_TRACE_END:
		emit_call(L, KH_ATTACH, 1, ir_imm(func_group(L, n)));
		break;
	default:	/* function definitions are lowered on their own */
		break;
	}
	release_temps(L, mark);
}

void lower_block(Lower *L, Node *block)
{
	if (!block)
		return;
	for (int i = 0; i < block->list.n; i++)
		lower_stmt(L, block->list.v[i]);
}
