/* Where locals live: registers and slots, or a frame in memory. */
#include "lower_impl.h"

static int count_loops(Node *n, int fornum_only)
{
	if (!n)
		return 0;
	int c = n->kind == N_FORNUM || (!fornum_only && (n->kind == N_WHILE || n->kind == N_REPEAT));
	c += count_loops(n->body, fornum_only) + count_loops(n->c, fornum_only);
	if (n->kind == N_BLOCK)
		for (int i = 0; i < n->list.n; i++)
			c += count_loops(n->list.v[i], fornum_only);
	return c;
}

int needs_frame(Lower *L, Func *sf)
{
	return kernel(L) && count_loops(sf->body, 0) > 0;
}

static int in_frame(Lower *L)
{
	return L->frame >= 0 || L->frame_ptr >= 0;
}

IrOpnd frame_base(Lower *L)
{
	return L->frame_ptr >= 0 ? ir_r(L->frame_ptr) : ir_slotop(L->frame);
}

IrOpnd frame_addr(Lower *L)
{
	return L->frame_ptr >= 0 ? ir_r(L->frame_ptr) : ir_r(emit_addr(L, L->frame));
}

/* Params arrive in vregs 0.. (after the hidden result buffer, if any). */
void frame_setup(Lower *L, Func *sf)
{
	int param = L->retbuf >= 0 ? 1 : 0, frame = needs_frame(L, sf), size = FR_LOCALS;
	L->frame = -1;
	L->frame_ptr = -1;
	for (int i = 0; i < sf->nlocals; i++) {
		Type *t = type_repr(sf->locals[i]->type);
		int is_param = sf->params && i < sf->params->n;
		if (frame) {
			L->local[i] = size;
			size += val_size(L, t);
		} else if (is_str(t)) {
			L->local[i] = ir_slot(L->f, L->strlen);
		} else {
			L->local[i] = is_param ? param++ : ir_vreg(L->f);
		}
		if (is_param && is_str(t) && !frame)	/* callers pass a pointer: take a copy */
			emit_copy(L, ir_slotop(L->local[i]), 0, ir_r(param++), 0, L->strlen);
	}
	if (!frame)
		return;
	L->frame_next = size;
	size += 8 * count_loops(sf->body, 1);
	L->frame = ir_slot(L->f, size);
	emit_zero(L, L->frame);
	IrOpnd base = frame_base(L);
	if (sf->kind != FN_USER)
		emit_store(L, base, FR_CTX, 8, ir_r(L->ctxreg));
	if (L->retbuf >= 0)
		emit_store(L, base, FR_RETBUF, 8, ir_r(L->retbuf));
	param = L->retbuf >= 0 ? 1 : 0;
	for (int i = 0; sf->params && i < sf->params->n; i++)
		local_set(L, sf->locals[i], ir_r(param++), '=');
}

IrOpnd local_get(Lower *L, Symbol *s)
{
	int loc = L->local[s->index];
	int str = is_str(type_repr(s->type));
	if (!in_frame(L))
		return str ? ir_r(emit_addr(L, loc)) : ir_r(loc);
	if (!str)
		return ir_r(emit_load(L, frame_base(L), loc, 8));
	if (L->frame_ptr >= 0)
		return ir_r(emit_op(L, IR_ADD, ir_r(L->frame_ptr), ir_imm(loc)));
	IrIns *i = emit(L, IR_ADDR);
	i->dst = ir_vreg(L->f);
	i->a = ir_slotop(L->frame);
	i->off = loc;
	return ir_r(i->dst);
}

void local_set(Lower *L, Symbol *s, IrOpnd v, int op)
{
	int loc = L->local[s->index];
	if (is_str(type_repr(s->type))) {
		if (in_frame(L))
			emit_copy(L, frame_base(L), loc, v, 0, L->strlen);
		else
			emit_copy(L, ir_slotop(loc), 0, v, 0, L->strlen);
		return;
	}
	if (op == TK_PLUSEQ)
		v = ir_r(emit_op(L, IR_ADD, local_get(L, s), v));
	if (in_frame(L)) {
		emit_store(L, frame_base(L), loc, 8, v);
		return;
	}
	IrIns *i = emit(L, IR_MOV);
	i->dst = loc;
	i->a = v;
}

void local_zero(Lower *L, Symbol *s)
{
	if (is_str(type_repr(s->type)))
		local_set(L, s, ir_r(emit_mapval(L, DATA_RODATA, L->empty_str)), '=');
	else
		local_set(L, s, ir_imm(0), '=');
}
