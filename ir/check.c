/* The IR well-formedness check: the rules of docs/ir.md, one place. */
#include <stdarg.h>
#include <stdio.h>
#include "check.h"
#include "../common/uhelpers.h"

typedef struct Check {
	const IrModule *m;	/* for the indexes in target; NULL: only >= 0 */
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

/* target as an index into a table of n entries (n < 0: unknown size). */
static int index_in(Check *c, int64_t t, int n, const char *what)
{
	if (t < 0 || (n >= 0 && t >= n))
		return bad(c, "%s %lld does not exist", what, (long long)t);
	return 0;
}

/* What target refers to, by the op's flags. */
static int target_rules(Check *c, const IrIns *i)
{
	const IrModule *m = c->m;
	unsigned fl = ir_ops[i->op].flags;
	if (fl & F_TMAP)
		return index_in(c, i->target, m ? m->nmaps : -1, "map");
	if (fl & F_TDATA)
		return index_in(c, i->target, DATA_NSEC, "data section");
	if (fl & F_TFUNC)
		return index_in(c, i->target, m ? m->nfuncs : -1, "function");
	if (fl & F_TCORE)
		return index_in(c, i->target, m ? m->ncores : -1, "CO-RE relocation");
	if ((fl & F_THELPER) && !helper_name(i->target))
		return bad(c, "helper %lld does not exist", (long long)i->target);
	if (i->op == IR_LOAD && i->target)	/* 1 + a CO-RE relocation */
		return index_in(c, i->target - 1, m ? m->ncores : -1, "CO-RE relocation");
	return 0;
}

/* size, off and off2 against the memory the op touches. */
static int size_rules(Check *c, const IrIns *i)
{
	unsigned fl = ir_ops[i->op].flags;
	if ((fl & F_ACCESS) && !is_access_size(i->size))
		return bad(c, "size %d is not 1, 2, 4 or 8", i->size);
	if ((fl & F_BLOCK) && i->size <= 0)
		return bad(c, "size %d is not positive", i->size);
	if (i->op == IR_ZERO && (i->size % 8 || i->off % 8))
		return bad(c, "size %d and offset %d must be positive multiples of 8", i->size, i->off);
	if (i->op == IR_XADD && i->size != 0 && i->size != 8)
		return bad(c, "size %d is not 8", i->size);
	if (fl & (F_ACCESS | F_BLOCK))
		return slot_range(c, i->a, i->off, i->size);
	if (i->op == IR_ADDR)
		return slot_range(c, i->a, i->off, 0);
	return 0;
}

/* The checks particular to one op, after its operands passed. */
static int op_rules(Check *c, const IrIns *i)
{
	if (size_rules(c, i) || target_rules(c, i))
		return -1;
	if (i->op == IR_COPY)
		return slot_range(c, i->b, i->off2, i->size);
	if (ir_op_is(i->op, F_ARGS)) {
		if (i->nargs < 0 || i->nargs > 5)
			return bad(c, "%d arguments (at most 5)", i->nargs);
		for (int k = 0; k < i->nargs; k++)
			if (opnd(c, i->args[k], VAL | K_SLOT, "argument"))
				return -1;
	}
	if (i->op == IR_BR && (i->cond < C_EQ || i->cond > C_SET))
		return bad(c, "condition %d does not exist", (int)i->cond);
	if (i->op == IR_JMP || i->op == IR_BR)
		return target(c, i->t) || (i->op == IR_BR && target(c, i->f)) ? -1 : 0;
	return 0;
}

static int ins(Check *c, const IrIns *i)
{
	if (i->op < 0 || i->op >= IR_NOPS)
		return bad(c, "op %d does not exist", (int)i->op);
	const IrOpInfo *r = &ir_ops[i->op];
	if (i->dst >= c->f->nvregs || i->dst < -1 || (i->dst == -1 && r->dst == D_YES))
		return bad(c, "destination v%d out of range (%d vregs)", i->dst, c->f->nvregs);
	if (i->dst >= 0 && r->dst == D_NO)
		return bad(c, "has a destination, v%d", i->dst);
	if (opnd(c, i->a, r->a, "a") || opnd(c, i->b, r->b, "b"))
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

int ir_check_in(const IrModule *m, const IrFunc *f, char *err, size_t n)
{
	Check c = { m, f, err, n, NULL, 0 };
	if (n)
		err[0] = 0;
	if (f->nparams < 0 || f->nparams > f->nvregs)
		return bad(&c, "%d params but %d vregs", f->nparams, f->nvregs);
	if (f->nparams > 5)
		return bad(&c, "%d params (at most 5, in r1-r5)", f->nparams);
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

int ir_check(const IrFunc *f, char *err, size_t n)
{
	return ir_check_in(NULL, f, err, n);
}
