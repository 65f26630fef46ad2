/* Constant folding with constant and copy propagation.
 *
 * Vregs are not SSA: one may be written many times, in many blocks (loop
 * variables). So what is known about a vreg is known only inside one block,
 * from its last write up to the next write of it, or of the vreg it copies.
 * The one fact that holds across blocks: a vreg whose only write in the
 * whole function is "= constant" holds that constant wherever it is read
 * (a read that no write reaches is undefined, and the constant is as good
 * a value as any); likewise one whose only write is "= q + k", q written
 * once, is q + k: memory accesses through it go through q; and one whose
 * only write is a slot's address is that address: accesses through it
 * address the slot itself (r10-relative, no register). */
#include <stdlib.h>
#include <string.h>
#include "passes.h"
#include "../common/util.h"

enum { UNKNOWN, CONST, COPY, OFFSET };

typedef struct Val {
	int blk;		/* the block where kind was learned: stale elsewhere */
	int kind;
	int64_t c;		/* CONST: the value; COPY, OFFSET: the source vreg */
	int64_t k;		/* OFFSET: the vreg is the source plus k */
	unsigned srcgen;	/* COPY, OFFSET: gen of the source when it was read */
	unsigned gen;		/* writes of this vreg so far */
	int ndefs;		/* writes in the whole function (params count one) */
	int global;		/* the only write is "= constant" gc */
	int64_t gc;
	int goff;		/* the only write is "= gsrc + gk", gsrc written once */
	int gslot;		/* the only write is "= address of slot gsrc, plus gk" */
	int64_t gsrc, gk;
} Val;

/* What v holds now: an immediate, another vreg, or itself. */
static IrOpnd value(const Val *vals, int blk, IrOpnd o, int imm_ok)
{
	if (o.kind != O_VREG)
		return o;
	const Val *v = &vals[o.v];
	if (v->global)
		return imm_ok ? ir_imm(v->gc) : o;
	if (v->blk != blk)
		return o;
	if (v->kind == CONST && imm_ok)
		return ir_imm(v->c);
	/* the source was itself looked up when copied: it is no copy or constant */
	if (v->kind == COPY && vals[v->c].gen == v->srcgen)
		return ir_r(v->c);
	return o;
}

/* Arithmetic as the BPF machine does it: 64-bit wrap-around, x/0 = 0,
 * x%0 = x, shift counts taken modulo 64. Unsigned in C, where it is defined. */
static int64_t arith(IrOp op, int64_t x, int64_t y)
{
	uint64_t a = x, b = y;
	switch (op) {
	case IR_ADD: return (int64_t)(a + b);
	case IR_SUB: return (int64_t)(a - b);
	case IR_MUL: return (int64_t)(a * b);
	case IR_DIV: return y == 0 ? 0 : y == -1 ? (int64_t)(0 - a) : x / y;
	case IR_MOD: return y == 0 ? x : y == -1 ? 0 : x % y;
	case IR_AND: return x & y;
	case IR_OR: return x | y;
	case IR_XOR: return x ^ y;
	case IR_SHL: return (int64_t)(a << (b & 63));
	case IR_SHR: return (int64_t)(a >> (b & 63));
	case IR_SAR: return x >= 0 ? x >> (b & 63) : ~(~x >> (b & 63));
	case IR_NEG: return (int64_t)(0 - a);
	case IR_NOT: return ~x;
	default: abort();
	}
}

static void to_mov(IrIns *i, IrOpnd a)
{
	i->op = IR_MOV;
	i->a = a;
	i->b = (IrOpnd){ O_NONE, 0 };
}

/* x op c where the result needs no arithmetic: x + 0, x * 1, x & 0, ... */
static void identity(IrIns *i)
{
	int64_t c = i->b.v;
	switch (i->op) {
	case IR_ADD: case IR_SUB: case IR_OR: case IR_XOR:
	case IR_SHL: case IR_SHR: case IR_SAR:
		if (c == 0)
			to_mov(i, i->a);
		break;
	case IR_MUL:
		if (c == 0 || c == 1)
			to_mov(i, c ? i->a : ir_imm(0));
		break;
	case IR_DIV:
		if (c == 0 || c == 1)
			to_mov(i, c ? i->a : ir_imm(0));
		break;
	case IR_MOD:
		if (c == 0)
			to_mov(i, i->a);
		else if (c == 1 || c == -1)
			to_mov(i, ir_imm(0));
		break;
	case IR_AND:
		if (c == 0 || c == -1)
			to_mov(i, c ? i->a : ir_imm(0));
		break;
	default:
		break;
	}
}

/* Operands of a binary op or a branch, with an immediate only where the
 * backend wants one: as b, or as a when the operands can be swapped. */
static void pair(const Val *vals, int blk, IrIns *i, int can_swap)
{
	IrOpnd a = value(vals, blk, i->a, 1), b = value(vals, blk, i->b, 1);
	if (a.kind == O_IMM && b.kind == O_VREG && can_swap) {
		i->a = b;
		i->b = a;
		if (i->op == IR_BR)
			i->cond = ir_cond_swapped(i->cond);
		return;
	}
	if (a.kind == O_IMM && b.kind != O_IMM && i->a.kind == O_VREG)
		a = value(vals, blk, i->a, 0);
	i->a = a;
	i->b = b;
}

static void fold_br(const Val *vals, int blk, IrIns *i)
{
	pair(vals, blk, i, 1);
	if (i->a.kind == O_IMM && i->b.kind == O_IMM)
		i->t = ir_cond_holds(i->cond, i->a.v, i->b.v) ? i->t : i->f;
	if ((i->a.kind == O_IMM && i->b.kind == O_IMM) || i->t == i->f) {
		i->op = IR_JMP;
		i->a = i->b = (IrOpnd){ O_NONE, 0 };
		i->f = NULL;
	}
}

/* A memory access through p = q + k goes through q with the offset k
 * further: the field offset of BPF's instruction does the add (a section's
 * base kept in a register, ir_cse). Through p = address of slot s plus k,
 * it addresses s itself (r10-relative), when it stays inside s. Offsets
 * stay within 16 bits, what BPF encodes. */
static void base_offset(const IrFunc *f, const Val *vals, int blk, IrOpnd *base, int32_t *off,
			int size, int slot_ok)
{
	if (base->kind != O_VREG)
		return;
	const Val *v = &vals[base->v];
	int here = v->blk == blk && v->kind == OFFSET && vals[v->c].gen == v->srcgen;
	int64_t src = here ? v->c : v->gsrc, k = here ? v->k : v->gk;
	if ((!here && !v->goff && !(v->gslot && slot_ok)) || k < INT16_MIN || k > INT16_MAX)
		return;
	int64_t at = *off + k;
	if (!here && v->gslot && (at < 0 || at + size > f->slots[src].size))
		return;
	if (at < INT16_MIN || at + size > INT16_MAX)
		return;
	*base = !here && v->gslot ? ir_slotop(src) : ir_r(src);
	*off = at;
}

/* The bases of loads (CO-RE ones keep the offset libbpf rewrites), stores,
 * atomic adds (a vreg: BPF has no r10-relative atomics) and copies. */
static void fold_offset(const IrFunc *f, const Val *vals, int blk, IrIns *i)
{
	if ((i->op == IR_LOAD && !i->target) || i->op == IR_STORE || i->op == IR_COPY || i->op == IR_XADD)
		base_offset(f, vals, blk, &i->a, &i->off, i->size, i->op != IR_XADD);
	if (i->op == IR_COPY)
		base_offset(f, vals, blk, &i->b, &i->off2, i->size, 1);
}

/* Operands replaced by what they hold, an immediate where the op's row
 * allows one; then an op of constants computed. */
static void rewrite(const IrFunc *f, const Val *vals, int blk, IrIns *i)
{
	const IrOpInfo *r = &ir_ops[i->op];
	if (i->op == IR_BR) {
		fold_br(vals, blk, i);
		return;
	}
	if (ir_op_is(i->op, F_FOLD) && r->b == VAL) {	/* the binary operators */
		pair(vals, blk, i, ir_op_is(i->op, F_COMM));
		if (i->a.kind == O_IMM && i->b.kind == O_IMM)
			to_mov(i, ir_imm(arith(i->op, i->a.v, i->b.v)));
		else if (i->b.kind == O_IMM)
			identity(i);
		return;
	}
	i->a = value(vals, blk, i->a, r->a & K_IMM);
	i->b = value(vals, blk, i->b, r->b & K_IMM);
	fold_offset(f, vals, blk, i);
	for (int k = 0; ir_op_is(i->op, F_ARGS) && k < i->nargs; k++)
		i->args[k] = value(vals, blk, i->args[k], 1);
	if (ir_op_is(i->op, F_FOLD) && i->a.kind == O_IMM)	/* the unary ones */
		to_mov(i, ir_imm(arith(i->op, i->a.v, 0)));
}

/* Record what a write to i->dst leaves known. */
static void learn(Val *vals, int blk, const IrIns *i)
{
	Val *d = &vals[i->dst];
	d->gen++;
	d->blk = blk;
	d->kind = UNKNOWN;
	if (i->op == IR_ADD && i->a.kind == O_VREG && i->a.v != i->dst && i->b.kind == O_IMM) {
		d->kind = OFFSET;
		d->c = i->a.v;
		d->k = i->b.v;
		d->srcgen = vals[i->a.v].gen;
	}
	if (i->op != IR_MOV)
		return;
	if (i->a.kind == O_IMM) {
		d->kind = CONST;
		d->c = i->a.v;
	} else if (i->a.kind == O_VREG) {
		d->kind = COPY;
		d->c = i->a.v;
		d->srcgen = vals[i->a.v].gen;
	}
}

static int same(const IrIns *x, const IrIns *y)
{
	if (x->op != y->op || x->cond != y->cond || x->t != y->t || x->f != y->f ||
	    memcmp(&x->a, &y->a, sizeof(IrOpnd)) || memcmp(&x->b, &y->b, sizeof(IrOpnd)))
		return 0;
	for (int k = 0; k < x->nargs && k < 5; k++)
		if (memcmp(&x->args[k], &y->args[k], sizeof(IrOpnd)))
			return 0;
	return 1;
}

/* Count the writes of each vreg; mark those written once, with a constant. */
static void find_globals(const IrFunc *f, Val *vals)
{
	for (int v = 0; v < f->nparams; v++)
		vals[v].ndefs = 1;
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->dst < 0)
				continue;
			Val *d = &vals[i->dst];
			d->ndefs++;
			d->global = i->op == IR_MOV && i->a.kind == O_IMM;
			d->gc = i->a.v;
			d->goff = i->op == IR_ADD && i->a.kind == O_VREG && i->b.kind == O_IMM &&
				  i->a.v != i->dst;
			d->gslot = i->op == IR_ADDR;
			d->gsrc = i->a.v;
			d->gk = i->op == IR_ADDR ? i->off : i->b.v;
		}
	for (int v = 0; v < f->nvregs; v++)
		vals[v].global &= vals[v].ndefs == 1;
	/* p = q + k, both written once: p is q + k wherever p is read (q
	 * cannot have changed since) */
	for (int v = 0; v < f->nvregs; v++) {
		vals[v].goff = vals[v].goff && vals[v].ndefs == 1 && vals[vals[v].gsrc].ndefs == 1;
		vals[v].gslot &= vals[v].ndefs == 1;
	}
}

/* Operand o reads vreg from: read to instead; 1 if it did. */
static int reread(IrOpnd *o, int from, int to)
{
	if (o->kind != O_VREG || o->v != from)
		return 0;
	o->v = to;
	return 1;
}

/* After z = t at b->ins[k]: the later reads of t in b read z, when they are
 * all of t's other reads (n) and z is not written before the last of them.
 * Whether it could. */
static int reads_to(IrBlock *b, int k, int t, int z, int n)
{
	int found = 0, u[7];
	for (int x = k + 1; x < b->n && found < n; x++) {
		for (int j = ir_uses(&b->ins[x], u); j-- > 0;)
			found += u[j] == t;
		if (b->ins[x].dst == z && found < n)
			return 0;
	}
	if (found != n)
		return 0;
	for (int x = k + 1; n > 0; x++) {	/* all n are found before the end */
		IrOpnd *o[7];
		for (int j = ir_opnds(&b->ins[x], o); j-- > 0;)
			n -= reread(o[j], t, z);
	}
	return 1;
}

/* t = a op b; z = t, where t is read nowhere else or only later in the
 * block before z changes: z = a op b. Lowering computes an assignment's
 * value into a fresh vreg and copies it into the variable's (x = x >> 1);
 * the register allocator would keep both. */
static int coalesce(IrFunc *f)
{
	int *defs = xcalloc(f->nvregs + 1, sizeof(int)), *uses = xcalloc(f->nvregs + 1, sizeof(int));
	int u[7], changed = 0;
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->dst >= 0)
				defs[i->dst]++;
			for (int j = ir_uses(i, u); j-- > 0;)
				uses[u[j]]++;
		}
	for (int b = 0; b < f->nblocks; b++) {
		IrBlock *bb = f->blocks[b];
		char *keep = xmalloc(bb->n + 1);
		keep[0] = 1;
		for (int k = 1; k < bb->n; k++) {
			IrIns *i = &bb->ins[k], *p = &bb->ins[k - 1];
			int t = (int)i->a.v;
			keep[k] = !(i->op == IR_MOV && i->a.kind == O_VREG && p->dst == t && t >= f->nparams &&
				    t != i->dst && defs[t] == 1 && reads_to(bb, k, t, i->dst, uses[t] - 1));
			if (!keep[k])
				p->dst = i->dst, changed = 1;
		}
		ir_compact(bb, keep);
		free(keep);
	}
	free(defs);
	free(uses);
	return changed;
}

int ir_fold(IrFunc *f)
{
	Val *vals = xcalloc(f->nvregs, sizeof(Val));
	int changed = 0;
	for (int v = 0; v < f->nvregs; v++)
		vals[v].blk = -1;
	find_globals(f, vals);
	for (int b = 0; b < f->nblocks; b++) {
		IrBlock *bb = f->blocks[b];
		char *keep = xmalloc(bb->n);
		for (int k = 0; k < bb->n; k++) {
			IrIns *i = &bb->ins[k], old = *i;
			rewrite(f, vals, b, i);
			changed |= !same(i, &old);
			/* v = v does nothing; and leaves nothing to learn */
			keep[k] = !(i->op == IR_MOV && i->a.kind == O_VREG && i->a.v == i->dst);
			if (i->dst >= 0 && keep[k])
				learn(vals, b, i);
		}
		for (int k = 0; k < bb->n; k++)
			changed |= !keep[k];
		ir_compact(bb, keep);
		free(keep);
	}
	free(vals);
	return coalesce(f) | changed;
}
