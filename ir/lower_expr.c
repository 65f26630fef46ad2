/* Lowering expressions: values and conditions. */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "lower_impl.h"
#include "../common/util.h"

void emit_set(Lower *L, int dst, IrOpnd a)
{
	IrIns *i = emit(L, IR_MOV);
	i->dst = dst;
	i->a = a;
}

/* String variable s in a buffer of which `want` bytes can be read: its own
 * when it is that large, else a copy in a whole zeroed buffer (callers of
 * lower_expr may read --strlen bytes of any string). */
static IrOpnd str_var(Lower *L, Symbol *s, int want)
{
	int size = var_size(L, s);
	IrOpnd p = str_addr(L, s);
	if (size >= want)
		return p;
	IrOpnd buf = str_temp(L);
	emit_copy(L, buf, 0, p, 0, size);
	return buf;
}

static IrOpnd name_value(Lower *L, Node *n)
{
	Symbol *s = n->sym;
	Type *t = type_repr(s->type);
	if (t->kind == TY_TABLE || t->kind == TY_FUNC)
		return ir_imm(0);	/* tables are static: uses look at the type */
	if (is_str(t))
		return str_var(L, s, L->m->strlen);
	if (s->kind == SYM_GLOBAL)
		return ir_r(emit_load(L, global_addr(L, s), 0, 8));
	return local_get(L, s);
}

int extend(Lower *L, int v, int size, int is_signed)
{
	if (!is_signed || size >= 8)	/* a load zero-extends */
		return v;
	int sh = 64 - 8 * size;
	return emit_op(L, IR_SAR, ir_r(emit_op(L, IR_SHL, ir_r(v), ir_imm(sh))), ir_imm(sh));
}

IrOpnd field_int(Lower *L, IrOpnd base, const EventField *fl)
{
	int size = fl->size >= 8 ? 8 : fl->size >= 4 ? 4 : fl->size >= 2 ? 2 : 1;
	int v = emit_load(L, base, fl->offset, size);
	return ir_r(extend(L, v, size, fl->is_signed));
}

static IrOpnd field_value(Lower *L, const Node *site, const EventField *fl)
{
	IrOpnd ctx = ir_r(L->fn->ctxreg);
	if (fl->kind == EF_INT)
		return field_int(L, ctx, fl);
	if (fl->kind == EF_MEM)
		return probe_mem(L, fl);
	if (fl->kind == EF_CONST)
		return ir_imm(fl->disp);
	IrOpnd dst = str_temp(L);
	if (fl->kind == EF_ARRAY) {	/* its bytes, zero-padded like a string (sema: they fit) */
		emit_copy(L, dst, 0, ctx, fl->offset, fl->size);
		return dst;
	}
	int src, n = L->m->strlen;
	if (fl->kind == EF_CHARS) {
		src = emit_op(L, IR_ADD, ctx, ir_imm(fl->offset));
		if (fl->size + 1 < n)
			n = fl->size + 1;
	} else {	/* __data_loc: the low 16 bits are the string's offset in the record */
		int loc = emit_load(L, ctx, fl->offset, 4);
		src = emit_op(L, IR_ADD, ctx, ir_r(emit_op(L, IR_AND, ir_r(loc), ir_imm(0xffff))));
	}
	emit_call(L, BPF_FUNC_probe_read_kernel_str, 3, dst, ir_imm(n), ir_r(src));
	return dst;
}

/* The event field args.NAME names here; NULL if n is no such name. */
static const EventField *named_field(Lower *L, const Node *n)
{
	if (n->kind != N_FIELD || n->num != 1)
		return NULL;
	return L->fn->disp ? dispatch_field(L->fn->disp, n->str) : L->fn->ev ? event_field(L->fn->ev, n->str) : NULL;
}

/* a[i] of an array value (sema made it an N_CREAD without cacc): i
 * outside the array reads 0. args.F[constant] is read from the record
 * itself (no copy: any size); otherwise the element is read from the
 * value's buffer, by a load at a constant i, else by a helper, since the
 * verifier takes no variable offset into the context. */
static IrOpnd array_elem(Lower *L, Node *n)
{
	Type *t = ty(n->a);
	Node *k = n->list.v[0];
	const EventField *fl = named_field(L, n->a);
	if (fl && k->kind == N_NUM) {
		EventField e = { .offset = fl->offset + k->num * t->elem, .size = t->elem,
				 .is_signed = t->esigned };
		return field_int(L, ir_r(L->fn->ctxreg), &e);
	}
	IrOpnd arr = lower_expr(L, n->a), i = lower_expr(L, k);
	at(L, n);
	if (i.kind == O_IMM) {
		int v = emit_load(L, arr, i.v * t->elem, t->elem);
		return ir_r(extend(L, v, t->elem, t->esigned));
	}
	int r = ir_vreg(L->fn->f), slot = temp_slot(L, 8);
	IrBlock *in = new_block(L), *out = new_block(L), *join = new_block(L);
	emit_br(L, C_ULT, i, ir_imm(t->count), in, out);
	set_block(L, in);
	int p = emit_op(L, IR_ADD, arr, ir_r(emit_op(L, IR_MUL, i, ir_imm(t->elem))));
	emit_call(L, BPF_FUNC_probe_read_kernel, 3, ir_r(emit_addr(L, slot)), ir_imm(t->elem), ir_r(p));
	int v = emit_load(L, ir_slotop(slot), 0, t->elem);
	emit_set(L, r, ir_r(extend(L, v, t->elem, t->esigned)));
	emit_jmp(L, join);
	set_block(L, out);
	emit_set(L, r, ir_imm(0));
	emit_jmp(L, join);
	set_block(L, join);
	return ir_r(r);
}

/* execname into the zeroed buffer p of size bytes. */
IrOpnd execname_into(Lower *L, IrOpnd p, int size)
{
	emit_call(L, BPF_FUNC_get_current_comm, 2, p, ir_imm(KTAP_COMM_LEN < size ? KTAP_COMM_LEN : size));
	return p;
}

static IrOpnd builtin_var(Lower *L, Node *n)
{
	int v;
	switch (n->num) {
	case B_PID:
		v = emit_call(L, BPF_FUNC_get_current_pid_tgid, 0);
		return ir_r(emit_op(L, IR_SHR, ir_r(v), ir_imm(32)));
	case B_TID:
		v = emit_call(L, BPF_FUNC_get_current_pid_tgid, 0);
		return ir_r(emit_op(L, IR_AND, ir_r(v), ir_imm(0xffffffff)));
	case B_UID:
		v = emit_call(L, BPF_FUNC_get_current_uid_gid, 0);
		return ir_r(emit_op(L, IR_AND, ir_r(v), ir_imm(0xffffffff)));
	case B_CPU:
		return ir_r(emit_call(L, BPF_FUNC_get_smp_processor_id, 0));
	case B_EXECNAME:
		return execname_into(L, str_temp(L), L->m->strlen);
	case B_CURTASK:
		return ir_r(emit_call(L, BPF_FUNC_get_current_task, 0));
	case B_PROBENAME:
		if (L->fn->disp)
			return dispatch_probename(L);
		if (L->fn->rawtp)
			return rawtp_probename(L);
		return ir_r(emit_mapval(L, DATA_RODATA, rodata_str(L, L->fn->ev->name, strlen(L->fn->ev->name))));
	default: {
		int i = n->num - B_ARG0;
		const EventField *fl = L->fn->disp ? dispatch_arg(L->fn->disp, i) : L->fn->ev ? event_arg(L->fn->ev, i) : NULL;
		if (!fl) {
			lower_error(L, DC_INTERNAL, n, "internal compiler error: this event has no such argument");
			return ir_imm(0);
		}
		return field_value(L, n, fl);
	}
	}
}

/* a .. b .. c: one snprintf over the flattened chain. */
static void concat_parts(Node *n, Node **parts, int *np, int max)
{
	if (n->kind == N_BINOP && n->op == TK_CONCAT) {
		concat_parts(n->a, parts, np, max);
		concat_parts(n->b, parts, np, max);
	} else if (*np < max) {
		parts[(*np)++] = n;
	}
}

static IrOpnd concat(Lower *L, Node *n)
{
	Node *parts[KTAP_CONCAT_MAX];	/* sema: no more */
	int np = 0;
	concat_parts(n, parts, &np, KTAP_CONCAT_MAX);
	return text_of(L, parts, np);
}

IrOpnd text_of(Lower *L, Node **parts, int np)
{
	char fmt[3 * KTAP_CONCAT_MAX + 1] = "";
	int data = temp_slot(L, 8 * np);
	for (int i = 0; i < np; i++) {
		IrOpnd v = lower_str(L, parts[i], 0);
		strcat(fmt, is_str(ty(parts[i])) ? "%s" : "%ld");
		emit_store(L, ir_slotop(data), 8 * i, 8, v);
	}
	IrOpnd dst = str_temp(L);
	int f = emit_mapval(L, DATA_RODATA, rodata_fmt(L, fmt));
	emit_call(L, BPF_FUNC_snprintf, 5, dst, ir_imm(L->m->strlen), ir_r(f),
		  ir_r(emit_addr(L, data)), ir_imm(8 * np));
	return dst;
}

static IrOpnd cond_value(Lower *L, Node *n)
{
	int r = ir_vreg(L->fn->f);
	IrBlock *t = new_block(L), *f = new_block(L), *j = new_block(L);
	lower_cond(L, n, t, f);
	set_block(L, t);
	emit_set(L, r, ir_imm(1));
	emit_jmp(L, j);
	set_block(L, f);
	emit_set(L, r, ir_imm(0));
	set_block(L, j);
	return ir_r(r);
}

static IrOp arith_op(int op)
{
	switch (op) {
	case '+': return IR_ADD;
	case '-': return IR_SUB;
	case '*': return IR_MUL;
	case '/': return IR_DIV;
	case '%': return IR_MOD;
	case '&': return IR_AND;
	case '|': return IR_OR;
	case TK_SHL: return IR_SHL;
	case TK_SHR: return IR_SAR;
	default: return IR_NOPS;
	}
}

IrOpnd lower_expr(Lower *L, Node *n)
{
	at(L, n);
	if (n->cacc)
		return lower_typed(L, n);
	switch (n->kind) {
	case N_NUM:
		return ir_imm(n->num);
	case N_TRUE:
		return ir_imm(1);
	case N_FALSE:
		return ir_imm(0);
	case N_NIL:
		if (is_str(ty(n)))
			return ir_r(emit_mapval(L, DATA_RODATA, L->m->empty_str));
		return ir_imm(0);
	case N_STR:	/* an address literal (sema_ntop.c) is bytes, not text */
		return ir_r(emit_mapval(L, DATA_RODATA, ty(n)->kind == TY_ADDR ?
					rodata_value(L, n->str, n->len) :
					rodata_str(L, n->str, n->len)));
	case N_NAME:
		return name_value(L, n);
	case N_BUILTIN:
		return builtin_var(L, n);
	case N_INDEX:
		return table_read(L, n, NULL);
	case N_FIELD: {
		const EventField *fl = named_field(L, n);
		if (!fl) {
			lower_error(L, DC_INTERNAL, n, "internal compiler error: no such event field here");
			return ir_imm(0);
		}
		return field_value(L, n, fl);
	}
	case N_CALL:
		return lower_call(L, n);
	case N_CREAD:
		return array_elem(L, n);
	case N_UNOP:
		if (n->op == '!')
			return cond_value(L, n);
		return ir_r(emit_op(L, n->op == '-' ? IR_NEG : IR_NOT, lower_expr(L, n->a), (IrOpnd){0}));
	case N_BINOP: {
		if (n->op == TK_CONCAT)
			return concat(L, n);
		IrOp op = arith_op(n->op);
		if (op == IR_NOPS)
			return cond_value(L, n);
		IrOpnd a = lower_expr(L, n->a);
		IrOpnd b = lower_expr(L, n->b);
		at(L, n);
		return ir_r(emit_op(L, op, a, b));
	}
	default:
		return ir_imm(0);
	}
}

/* Strings are zero-padded and NUL-terminated within their buffers, so
 * the first `size` bytes decide, size being the shorter buffer's: if they
 * are equal, the shorter string's NUL is at the same place in both. */
static void str_eq(Lower *L, IrOpnd a, IrOpnd b, int size, IrBlock *t, IrBlock *f)
{
	for (int i = 0; i < size; i += 8) {
		int x = emit_load(L, a, i, 8), y = emit_load(L, b, i, 8);
		IrBlock *next = new_block(L);
		emit_br(L, C_NE, ir_r(x), ir_r(y), f, next);
		set_block(L, next);
	}
	emit_jmp(L, t);
}

/* Expression n where `want` bytes of a string are read: a string whose
 * own buffer is that large is not copied into a whole one first. execname
 * is read into a slot of its size, or a frame buffer, that is not zeroed
 * first (the helper NUL-pads all it writes); a variable is its own place;
 * anything else is as lower_expr makes it. */
IrOpnd lower_str(Lower *L, Node *n, int want)
{
	if (n->kind == N_NAME && n->sym && is_str(ty(n)))
		return str_var(L, n->sym, want);
	if (!is_execname(n) || str_bytes(n, L->m->strlen) < want)
		return lower_expr(L, n);
	at(L, n);
	int size = str_bytes(n, L->m->strlen);
	IrOpnd p = L->fn->framed ? frame_str(L, 0) : ir_r(emit_addr(L, temp_slot(L, size)));
	return execname_into(L, p, size);
}

static IrCond cmp_cond(int op)
{
	switch (op) {
	case TK_EQ: return C_EQ;
	case TK_NE: return C_NE;
	case '<': return C_LT;
	case TK_LE: return C_LE;
	case '>': return C_GT;
	default: return C_GE;
	}
}

static int is_cmp(int op)
{
	return op == TK_EQ || op == TK_NE || op == '<' || op == TK_LE || op == '>' || op == TK_GE;
}

/* a == b, a != b of strings: min(size) bytes */
static void str_cmp(Lower *L, Node *n, IrBlock *t, IrBlock *f)
{
	IrOpnd a = lower_str(L, n->a, 0), b = lower_str(L, n->b, 0);
	int sa = str_bytes(n->a, L->m->strlen), sb = str_bytes(n->b, L->m->strlen);
	at(L, n);
	if (n->op == TK_EQ)
		str_eq(L, a, b, sa < sb ? sa : sb, t, f);
	else
		str_eq(L, a, b, sa < sb ? sa : sb, f, t);
}

/* x == nil, x != nil: presence for table entries and nilable variables;
 * other values are never nil. */
static void nil_test(Lower *L, Node *x, int eq, IrBlock *t, IrBlock *f)
{
	IrBlock *present = eq ? f : t, *absent = eq ? t : f;
	if (x->kind == N_INDEX) {
		IrOpnd found;
		table_read(L, x, &found);
		emit_br(L, C_NE, found, ir_imm(0), present, absent);
	} else if (nilable_name(x)) {
		emit_br(L, C_NE, presence_get(L, x->sym), ir_imm(0), present, absent);
	} else {
		lower_expr(L, x);
		emit_jmp(L, x->kind == N_NIL ? absent : present);
	}
}

void lower_cond(Lower *L, Node *n, IrBlock *t, IrBlock *f)
{
	at(L, n);
	if (n->kind == N_BINOP && (n->op == TK_AND || n->op == TK_OR)) {
		IrBlock *mid = new_block(L);
		if (n->op == TK_AND)
			lower_cond(L, n->a, mid, f);
		else
			lower_cond(L, n->a, t, mid);
		set_block(L, mid);
		lower_cond(L, n->b, t, f);
		return;
	}
	if (n->kind == N_UNOP && n->op == '!') {
		lower_cond(L, n->a, f, t);
		return;
	}
	if (n->kind == N_BINOP && is_cmp(n->op)) {
		if (n->op == TK_EQ || n->op == TK_NE) {
			if (n->b->kind == N_NIL || n->a->kind == N_NIL) {
				nil_test(L, n->b->kind == N_NIL ? n->a : n->b, n->op == TK_EQ, t, f);
				return;
			}
		}
		if (is_str(ty(n->a))) {
			str_cmp(L, n, t, f);
			return;
		}
		IrOpnd a = lower_expr(L, n->a);
		IrOpnd b = lower_expr(L, n->b);
		at(L, n);
		emit_br(L, cmp_cond(n->op), a, b, t, f);
		return;
	}
	switch (n->kind) {
	case N_TRUE:
		emit_jmp(L, t);
		return;
	case N_FALSE:
	case N_NIL:
		emit_jmp(L, f);
		return;
	case N_INDEX: {
		/* a missing entry is nil, hence false; a present one is true unless false */
		IrOpnd found;
		IrOpnd v = table_read(L, n, &found);
		if (ty(n) && ty(n)->kind == TY_BOOL) {
			IrBlock *check = new_block(L);
			emit_br(L, C_EQ, found, ir_imm(0), f, check);
			set_block(L, check);
			emit_br(L, C_NE, v, ir_imm(0), t, f);
		} else {
			emit_br(L, C_NE, found, ir_imm(0), t, f);
		}
		return;
	}
	default: {
		if (nilable_name(n)) {	/* nil is false */
			IrBlock *check = new_block(L);
			emit_br(L, C_EQ, presence_get(L, n->sym), ir_imm(0), f, check);
			set_block(L, check);
		}
		IrOpnd v = lower_expr(L, n);
		if (ty(n) && ty(n)->kind == TY_BOOL)
			emit_br(L, C_NE, v, ir_imm(0), t, f);
		else
			emit_jmp(L, ty(n) && ty(n)->kind == TY_NIL ? f : t);
	}
	}
}

/* Store value v of type t at dst+off (a string is copied from its buffer). */
void store_value(Lower *L, Type *t, IrOpnd dst, int off, IrOpnd v)
{
	if (is_str(t))
		emit_copy(L, dst, off, v, 0, L->m->strlen);
	else
		emit_store(L, dst, off, 8, v);
}

/* The .rodata constant v points to, if it does: lower_expr has just made
 * it (a literal, nil, probename), so its mapval is the last definition of
 * v in the current block. */
static const IrIns *rodata_def(Lower *L, IrOpnd v)
{
	const IrBlock *b = L->fn->b;
	for (int k = b->n; v.kind == O_VREG && k-- > 0;)
		if (b->ins[k].dst == v.v)
			return b->ins[k].op == IR_MAPVAL && b->ins[k].target == DATA_RODATA ? &b->ins[k] : NULL;
	return NULL;
}

/* A global function's buffer argument must be writable (the verifier
 * checks it as memory the callee may read and write): a constant is passed
 * as its twin in .data, which no callee writes (they copy their
 * parameters), rather than copied to the stack at each call. */
static IrOpnd buf_arg(Lower *L, IrOpnd v)
{
	if (v.kind == O_IMM)	/* nil, typed only by the parameter: the empty string */
		v = ir_r(emit_mapval(L, DATA_RODATA, L->m->empty_str));
	const IrIns *ro = rodata_def(L, v);
	if (!ro)
		return v;
	IrModule *mod = L->m->mod;
	char *name = xasprintf("arg_str%d", ro->off);
	const IrData *d = &mod->data[DATA_DATA];
	int off = -1;
	for (int i = 0; i < d->nvars && off < 0; i++)
		if (!strcmp(d->vars[i].name, name))
			off = d->vars[i].off;
	if (off < 0)
		off = ir_data_var(mod, DATA_DATA, name, ir_layout(mod, L_STR, L->m->strlen, 0),
				  mod->data[DATA_RODATA].bytes + ro->off);
	free(name);
	return ir_r(emit_mapval(L, DATA_DATA, off));
}

IrOpnd lower_call(Lower *L, Node *n)
{
	if (n->num != F_NONE)
		return lower_builtin(L, n);
	Func *callee = n->a->sym->func;
	int fi = 0;
	while (L->m->prog->funcs[fi] != callee)
		fi++;
	IrOpnd args[6], res = { O_NONE, 0 };
	int na = 0;
	if (is_str(type_repr(callee->ret)))
		args[na++] = res = str_temp(L);
	for (int i = 0; i < n->list.n && na < 5; i++) {
		IrOpnd present = { O_NONE, 0 };	/* presence travels with the value, as its own argument */
		IrOpnd v = callee->locals[i]->nilable ? lower_value(L, n->list.v[i], &present) :
			   lower_expr(L, n->list.v[i]);
		args[na++] = kernel(L) && is_str(type_repr(callee->locals[i]->type)) ? buf_arg(L, v) : v;
		if (present.kind != O_NONE)
			args[na++] = present;
	}
	at(L, n);
	IrIns *c = emit(L, IR_CALLF);
	c->target = L->m->irfunc[kernel(L)][fi];
	c->nargs = na < 5 ? na : 5;	/* more is an error at the function */
	memcpy(c->args, args, sizeof(c->args));
	c->dst = ir_vreg(L->fn->f);
	return res.kind != O_NONE ? res : ir_r(c->dst);
}
