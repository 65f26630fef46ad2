/* The IR well-formedness check: the rules of docs/ir.md, one place. */
#include <stdarg.h>
#include <stdio.h>
#include "check.h"
#include "../common/uhelpers.h"

enum {
	K_NONE = 1 << O_NONE, K_VREG = 1 << O_VREG, K_IMM = 1 << O_IMM, K_SLOT = 1 << O_SLOT,
	VAL = K_VREG | K_IMM,		/* a value */
	BASE = K_VREG | K_SLOT,		/* a memory base: a pointer or a stack slot */
};

enum { D_NO, D_YES, D_MAYBE };	/* whether an op writes a destination */

/* Operand kinds each op accepts in a and b, and its destination. */
static const struct { unsigned char a, b, dst; } rules[IR_NOPS] = {
	[IR_MOV] = { VAL, K_NONE, D_YES },
	[IR_ADD] = { VAL, VAL, D_YES }, [IR_SUB] = { VAL, VAL, D_YES },
	[IR_MUL] = { VAL, VAL, D_YES }, [IR_DIV] = { VAL, VAL, D_YES },
	[IR_MOD] = { VAL, VAL, D_YES }, [IR_AND] = { VAL, VAL, D_YES },
	[IR_OR] = { VAL, VAL, D_YES }, [IR_XOR] = { VAL, VAL, D_YES },
	[IR_SHL] = { VAL, VAL, D_YES }, [IR_SHR] = { VAL, VAL, D_YES },
	[IR_SAR] = { VAL, VAL, D_YES },
	[IR_NEG] = { VAL, K_NONE, D_YES }, [IR_NOT] = { VAL, K_NONE, D_YES },
	[IR_LOAD] = { BASE, K_NONE, D_YES }, [IR_STORE] = { BASE, VAL, D_NO },
	[IR_ADDR] = { K_SLOT, K_NONE, D_YES }, [IR_XADD] = { K_VREG, VAL, D_NO },
	[IR_ZERO] = { K_SLOT, K_NONE, D_NO }, [IR_COPY] = { BASE, BASE, D_NO },
	[IR_MAP] = { K_NONE, K_NONE, D_YES }, [IR_MAPVAL] = { K_NONE, K_NONE, D_YES },
	[IR_FUNCADDR] = { K_NONE, K_NONE, D_YES }, [IR_CORE] = { K_IMM, K_NONE, D_YES },
	[IR_CALL] = { K_NONE, K_NONE, D_MAYBE }, [IR_CALLF] = { K_NONE, K_NONE, D_MAYBE },
	[IR_JMP] = { K_NONE, K_NONE, D_NO }, [IR_BR] = { VAL, VAL, D_NO },
	[IR_RET] = { K_NONE | VAL, K_NONE, D_NO },
};

typedef struct Check {
	const IrFunc *f;
	char *err;
	size_t n;
	const IrBlock *b;	/* where we are, for the message */
	int k;
} Check;

static int bad(Check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(Check *c, const char *fmt, ...)
{
	if (!c->n)
		return -1;
	int w = 0;
	if (c->b)
		w = snprintf(c->err, c->n, "func %s: b%d[%d] %s: ", c->f->name, c->b->id, c->k,
			     c->k < c->b->n ? ir_op_name(c->b->ins[c->k].op) : "end");
	else
		w = snprintf(c->err, c->n, "func %s: ", c->f->name);
	if (w < 0 || (size_t)w >= c->n)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + w, c->n - w, fmt, ap);
	va_end(ap);
	return -1;
}

static int opnd(Check *c, IrOpnd o, unsigned allowed, const char *what)
{
	if (o.kind < O_NONE || o.kind > O_SLOT || !(allowed & (1u << o.kind)))
		return bad(c, "operand %s of a kind the op does not take", what);
	if (o.kind == O_VREG && (o.v < 0 || o.v >= c->f->nvregs))
		return bad(c, "operand %s: v%lld out of range (%d vregs)", what, (long long)o.v, c->f->nvregs);
	if (o.kind == O_SLOT && (o.v < 0 || o.v >= c->f->nslots))
		return bad(c, "operand %s: s%lld out of range (%d slots)", what, (long long)o.v, c->f->nslots);
	return 0;
}

/* Accesses to a slot at a constant offset must stay inside it. */
static int slot_range(Check *c, IrOpnd base, int64_t off, int64_t size)
{
	if (base.kind == O_SLOT && (off < 0 || off + size > c->f->slots[base.v].size))
		return bad(c, "bytes %lld..%lld outside slot s%lld of %d bytes", (long long)off,
			   (long long)(off + size), (long long)base.v, c->f->slots[base.v].size);
	return 0;
}

static int target(Check *c, const IrBlock *t)
{
	if (!t || t->id < 0 || t->id >= c->f->nblocks || c->f->blocks[t->id] != t)
		return bad(c, "branch target is not a block of this function");
	return 0;
}

static int is_access_size(int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* The checks particular to one op, after its operands passed. */
static int op_rules(Check *c, const IrIns *i)
{
	switch (i->op) {
	case IR_LOAD: case IR_STORE:
		if (!is_access_size(i->size))
			return bad(c, "size %d is not 1, 2, 4 or 8", i->size);
		return slot_range(c, i->a, i->off, i->size);
	case IR_ADDR:
		return slot_range(c, i->a, i->off, 0);
	case IR_XADD:
		if (i->size != 0 && i->size != 8)
			return bad(c, "size %d is not 8", i->size);
		return 0;
	case IR_ZERO:
		if (i->size <= 0 || i->size % 8 || i->off % 8)
			return bad(c, "size %d and offset %d must be positive multiples of 8", i->size, i->off);
		return slot_range(c, i->a, i->off, i->size);
	case IR_COPY:
		if (i->size <= 0)
			return bad(c, "size %d is not positive", i->size);
		if (slot_range(c, i->a, i->off, i->size))
			return -1;
		return slot_range(c, i->b, i->off2, i->size);
	case IR_MAP:
		if (i->target < 0)
			return bad(c, "map index %lld", (long long)i->target);
		return 0;
	case IR_CORE:
	case IR_FUNCADDR:
		if (i->target < 0)
			return bad(c, "function index %lld", (long long)i->target);
		return 0;
	case IR_MAPVAL:
		if (i->target < 0 || i->target >= DATA_NSEC)
			return bad(c, "data section %lld does not exist", (long long)i->target);
		return 0;
	case IR_CALL: case IR_CALLF:
		if (i->nargs < 0 || i->nargs > 5)
			return bad(c, "%d arguments (at most 5)", i->nargs);
		if (i->op == IR_CALL && (i->target <= 0 || i->target >= KH_END_))
			return bad(c, "helper %lld does not exist", (long long)i->target);
		if (i->op == IR_CALLF && i->target < 0)
			return bad(c, "function index %lld", (long long)i->target);
		for (int k = 0; k < i->nargs; k++)
			if (opnd(c, i->args[k], VAL | K_SLOT, "argument"))
				return -1;
		return 0;
	case IR_JMP:
		return target(c, i->t);
	case IR_BR:
		if (i->cond < C_EQ || i->cond > C_SET)
			return bad(c, "condition %d does not exist", (int)i->cond);
		if (target(c, i->t))
			return -1;
		return target(c, i->f);
	default:
		return 0;
	}
}

static int ins(Check *c, const IrIns *i)
{
	if (i->op < 0 || i->op >= IR_NOPS)
		return bad(c, "op %d does not exist", (int)i->op);
	int d = rules[i->op].dst;
	if (i->dst >= c->f->nvregs || i->dst < -1 || (i->dst == -1 && d == D_YES))
		return bad(c, "destination v%d out of range (%d vregs)", i->dst, c->f->nvregs);
	if (i->dst >= 0 && d == D_NO)
		return bad(c, "has a destination, v%d", i->dst);
	if (opnd(c, i->a, rules[i->op].a, "a") || opnd(c, i->b, rules[i->op].b, "b"))
		return -1;
	return op_rules(c, i);
}

static int block(Check *c, const IrBlock *b, int index)
{
	c->b = b;
	c->k = 0;
	if (b->id != index)
		return bad(c, "block id %d at index %d", b->id, index);
	if (b->n <= 0)
		return bad(c, "empty block");
	for (c->k = 0; c->k < b->n; c->k++) {
		const IrIns *i = &b->ins[c->k];
		if (ins(c, i))
			return -1;
		if (ir_is_term(i->op) != (c->k == b->n - 1))
			return bad(c, c->k == b->n - 1 ? "block does not end in a terminator"
						       : "terminator before the end of the block");
	}
	return 0;
}

int ir_check(const IrFunc *f, char *err, size_t n)
{
	Check c = { f, err, n, NULL, 0 };
	if (n)
		err[0] = 0;
	if (f->nparams < 0 || f->nparams > f->nvregs)
		return bad(&c, "%d params but %d vregs", f->nparams, f->nvregs);
	if (f->nblocks <= 0 || !f->blocks)
		return bad(&c, "no blocks");
	for (int s = 0; s < f->nslots; s++)
		if (f->slots[s].size <= 0 || f->slots[s].size % 8)
			return bad(&c, "slot s%d has size %d, not a positive multiple of 8", s, f->slots[s].size);
	for (int b = 0; b < f->nblocks; b++)
		if (!f->blocks[b] || block(&c, f->blocks[b], b))
			return f->blocks[b] ? -1 : bad(&c, "block %d is NULL", b);
	return 0;
}
