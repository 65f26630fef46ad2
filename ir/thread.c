/* Branches whose outcome the way in already decides. A nil-able value
 * comes out of lowering as a diamond that sets a flag, followed by a test
 * of the flag: `v = t[k]` then `if (v != nil)` tests the lookup's result
 * twice, once to pick the value and once for the flag:
 *
 *   b3: v13 = call map_lookup_elem(...); br eq v13, 0, b4, b5
 *   b4: v14 = 0; jmp b6                  b5: v14 = load.8 [v13]; jmp b6
 *   b6: v15 = 1; br eq v13, 0, b7, b8
 *   b7: v15 = 0; jmp b8
 *   b8: br ne v15, 0, b9, b10
 *
 * A block P that ends in "jmp B", where B is a few pure instructions and a
 * branch whose outcome is known at the end of P, instead gets B's
 * instructions and a jump to the side B would take. Known means: both
 * operands are constants there (a `mov` of an immediate in P or B), or P's
 * only way in is one side of a branch on the same operands, neither
 * written since. A branch decided by the branch that is the only way into
 * its own block becomes a jump. Above, b4 and b5 go past b6, then b7 and b5 past b8, and
 * the lookup is tested once. The IR is not SSA, so B's instructions may
 * simply be repeated: they write what they would have written. */
#include <stdlib.h>
#include "passes.h"
#include "../common/util.h"

/* Blocks longer than this are not copied into their predecessors. */
enum { MAX_COPIED = 4 };

/* Whether B is worth copying: a short run of pure instructions, then a branch. */
static int threadable(const IrBlock *b)
{
	if (b->n < 1 || b->n > MAX_COPIED + 1 || b->ins[b->n - 1].op != IR_BR)
		return 0;
	for (int k = 0; k < b->n - 1; k++)
		if (!ir_op_pure(b->ins[k].op))
			return 0;
	return 1;
}

static int writes(const IrBlock *b, int upto, const IrOpnd *o)
{
	for (int k = 0; k < upto; k++)
		if (o->kind == O_VREG && b->ins[k].dst == o->v)
			return 1;
	return 0;
}

/* The constant o holds after P's instructions and the first `upto` of B's, if known. */
static int constant(const IrBlock *p, const IrBlock *b, int upto, IrOpnd o, int64_t *v)
{
	if (o.kind == O_IMM) {
		*v = o.v;
		return 1;
	}
	if (o.kind != O_VREG)
		return 0;
	const IrIns *def = NULL;
	for (int k = 0; k < upto; k++)
		if (b->ins[k].dst == o.v)
			def = &b->ins[k];
	for (int k = p->n - 2; !def && k >= 0; k--)	/* p's last is its jmp */
		if (p->ins[k].dst == o.v)
			def = &p->ins[k];
	if (!def || def->op != IR_MOV || def->a.kind != O_IMM)
		return 0;
	*v = def->a.v;
	return 1;
}

static int same(IrOpnd x, IrOpnd y)
{
	return x.kind == y.kind && x.v == y.v;
}

/* Whether the branch br holds given that q's branch took the side to p
 * (taken: its condition held); -1 when that says nothing. */
static int implied(const IrIns *br, const IrIns *q, int taken)
{
	IrCond c = br->cond;
	if (same(br->a, q->b) && same(br->b, q->a))
		c = ir_cond_swapped(c);
	else if (!same(br->a, q->a) || !same(br->b, q->b))
		return -1;
	if (c == q->cond)
		return taken;
	if ((int)c == ir_cond_negated(q->cond))
		return !taken;
	return -1;
}

/* The edges into each block: how many, and the sum of their sources' ids,
 * the entry's edge from outside counting as -1. When there is one edge,
 * the sum names its source. Kept up to date as branches are threaded, so
 * a thread costs its own edges, not a walk of the function. */
typedef struct Preds {
	const IrFunc *f;	/* blocks[id] is the block numbered id */
	int *n;
	long *sum;
} Preds;

/* Count b's edges out into pr (d = 1) or take them out (d = -1). */
static void edges(Preds *pr, const IrBlock *b, int d)
{
	IrBlock *s[2];
	for (int j = 0, ns = ir_succs(b, s); j < ns; j++) {
		pr->n[s[j]->id] += d;
		pr->sum[s[j]->id] += (long)d * b->id;
	}
}

static Preds preds_of(const IrFunc *f)
{
	Preds pr = { f, xcalloc(f->nblocks, sizeof(int)), xcalloc(f->nblocks, sizeof(long)) };
	pr.n[0] = 1;
	pr.sum[0] = -1;
	for (int b = 0; b < f->nblocks; b++)
		edges(&pr, f->blocks[b], 1);
	return pr;
}

/* The branch ending the one block that enters b, or NULL. */
static const IrIns *only_branch(const Preds *pr, const IrBlock *b)
{
	if (pr->n[b->id] != 1 || pr->sum[b->id] < 0)
		return NULL;
	const IrIns *q = ir_last(pr->f->blocks[pr->sum[b->id]]);
	return q && q->op == IR_BR && q->t != q->f ? q : NULL;
}

/* Which side B's branch takes after P, where P ends in "jmp B": 1, 0, or -1 unknown. */
static int outcome(const Preds *pr, const IrBlock *p, const IrBlock *b)
{
	const IrIns *br = &b->ins[b->n - 1];
	int64_t x, y;
	int pre = b->n - 1;
	if (constant(p, b, pre, br->a, &x) && constant(p, b, pre, br->b, &y))
		return ir_cond_holds(br->cond, x, y);
	const IrIns *q = only_branch(pr, p);
	if (!q)
		return -1;
	if (writes(p, p->n - 1, &br->a) || writes(p, p->n - 1, &br->b) ||
	    writes(b, pre, &br->a) || writes(b, pre, &br->b))
		return -1;
	return implied(br, q, q->t == p);
}

/* P ends in "jmp B": replace the jump by B's instructions and a jump to where B goes. */
static void copy_into(IrBlock *p, const IrBlock *b, IrBlock *to)
{
	IrIns jmp = p->ins[--p->n];
	for (int k = 0; k < b->n - 1; k++)
		*ir_emit(p, IR_JMP) = b->ins[k];
	jmp.t = to;
	*ir_emit(p, IR_JMP) = jmp;
}

/* Whether the branch ending b is decided by the only branch that enters
 * b: 1, 0, or -1 unknown. */
static int decided(const Preds *pr, const IrBlock *b)
{
	const IrIns *br = &b->ins[b->n - 1];
	const IrIns *q = only_branch(pr, b);
	if (!q || q == br)
		return -1;
	if (writes(b, b->n - 1, &br->a) || writes(b, b->n - 1, &br->b))
		return -1;
	return implied(br, q, q->t == b);
}

/* The branch ending p threaded, if the way in decides it: whether it was. */
static int thread_at(Preds *pr, IrBlock *p)
{
	IrIns *t = ir_last(p);
	int o = t && t->op == IR_BR ? decided(pr, p) : -1;
	if (o >= 0) {
		edges(pr, p, -1);
		IrBlock *to = o ? t->t : t->f;
		*t = (IrIns){ .op = IR_JMP, .dst = -1, .t = to, .line = t->line, .col = t->col };
		edges(pr, p, 1);
		return 1;
	}
	if (!t || t->op != IR_JMP || t->t == p || !threadable(t->t))
		return 0;
	IrBlock *b = t->t;
	o = outcome(pr, p, b);
	if (o < 0)
		return 0;
	IrIns *br = &b->ins[b->n - 1];
	edges(pr, p, -1);
	copy_into(p, b, o ? br->t : br->f);
	edges(pr, p, 1);
	return 1;
}

/* The first block, from p's on, whose answer threading p may have changed.
 * A block's answer depends on its own instructions, those of the block it
 * jumps to, and its way in (how many edges, the one's branch). Threading p
 * changes p's instructions and the ways into p's old and new successors;
 * a block that jumps to p, or is entered only from p, now sees p end in a
 * jump, which is neither copied nor a deciding branch: still no. */
static int rescan_from(const IrBlock *p, IrBlock *const old[2], int nold)
{
	IrBlock *s[2];
	int from = p->id;
	for (int j = 0; j < nold; j++)
		from = old[j]->id < from ? old[j]->id : from;
	for (int j = 0, ns = ir_succs(p, s); j < ns; j++)
		from = s[j]->id < from ? s[j]->id : from;
	return from;
}

int ir_thread(IrFunc *f)
{
	/* a bound: around a cycle of known branches (a loop whose test is
	   constant) threading would copy blocks for ever. Each thread goes on
	   from the first block it may have changed, which finds the same
	   next thread as starting over */
	Preds pr = preds_of(f);
	int n = 0, limit = 2 * f->nblocks;
	for (int k = 0; n < limit && k < f->nblocks; k++) {
		IrBlock *p = f->blocks[k], *old[2];
		int nold = ir_succs(p, old);
		if (thread_at(&pr, p)) {
			n++;
			k = rescan_from(p, old, nold) - 1;
		}
	}
	free(pr.n);
	free(pr.sum);
	return n > 0;
}
