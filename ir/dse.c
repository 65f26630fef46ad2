/* Dead stores to stack slots: a STORE or ZERO into a slot goes when no
 * path from it reads any byte of the slot before the whole slot is
 * written again. What a slot holds at a return counts as read: it costs
 * next to nothing, and the optimizer's differential test compares the
 * memory a function leaves (tests/unit/test_ir_random.c). The lowering zeroes a key's
 * slot before storing a number over all of it, and a lookup reused by
 * ir/cse.c leaves the stores of its key behind.
 *
 * A slot is read by a LOAD or COPY from it, and, once its address is
 * taken (ADDR, or a call's slot argument), by any access through a vreg
 * that may point into the stack and by any call. A vreg may point into
 * the stack when it is computed from an ADDR (or by any operation from
 * another such vreg) or comes from a LOAD or a CALLF, whose results
 * nothing here follows; a helper's result, a map or a data section never
 * does. */
#include <stdlib.h>
#include <string.h>
#include "passes.h"
#include "../common/util.h"

typedef struct Dse {
	IrFunc *f;
	char *stacky;		/* per vreg: may point into the stack */
	char *escaped;		/* per slot: its address was taken */
	char *in;		/* per block, nslots each: slots read before written whole */
} Dse;

static int stacky_def(const Dse *d, const IrIns *i)
{
	if (i->op == IR_ADDR || i->op == IR_LOAD || i->op == IR_CALLF)
		return 1;
	if (i->op == IR_CALL)
		return 0;
	return (i->a.kind == O_VREG && d->stacky[i->a.v]) || (i->b.kind == O_VREG && d->stacky[i->b.v]);
}

static void provenance(Dse *d)
{
	IrFunc *f = d->f;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 0; b < f->nblocks; b++)
			for (int k = 0; k < f->blocks[b]->n; k++) {
				const IrIns *i = &f->blocks[b]->ins[k];
				if (i->dst >= 0 && !d->stacky[i->dst] && stacky_def(d, i))
					changed = d->stacky[i->dst] = 1;
				if (i->op == IR_ADDR)
					d->escaped[i->a.v] = 1;
				for (int a = 0; (i->op == IR_CALL || i->op == IR_CALLF) && a < i->nargs; a++)
					if (i->args[a].kind == O_SLOT)
						d->escaped[i->args[a].v] = 1;
			}
	}
}

static void read_escaped(const Dse *d, char *live)
{
	for (int s = 0; s < d->f->nslots; s++)
		live[s] |= d->escaped[s];
}

static int whole(const Dse *d, const IrIns *i)
{
	return i->a.kind == O_SLOT && i->off == 0 &&
	       (i->op == IR_ZERO || i->op == IR_COPY || i->op == IR_STORE) &&
	       i->size >= d->f->slots[i->a.v].size;
}

/* Step backward over i: the slots live before it, from those live after. */
static void step(const Dse *d, const IrIns *i, char *live)
{
	int via_stack = i->a.kind == O_VREG && d->stacky[i->a.v];
	if (whole(d, i))
		live[i->a.v] = 0;
	if (i->op == IR_CALL || i->op == IR_CALLF)
		read_escaped(d, live);
	if ((i->op == IR_LOAD || i->op == IR_XADD) && via_stack)
		read_escaped(d, live);
	if (i->op == IR_LOAD && i->a.kind == O_SLOT)
		live[i->a.v] = 1;
	if (i->op == IR_COPY && i->b.kind == O_SLOT)
		live[i->b.v] = 1;
	if (i->op == IR_COPY && i->b.kind == O_VREG && d->stacky[i->b.v])
		read_escaped(d, live);
}

static int dead(const Dse *d, const IrIns *i, const char *live)
{
	return (i->op == IR_STORE || i->op == IR_ZERO) && i->a.kind == O_SLOT && !live[i->a.v];
}

/* The slots live at the end of block b: read on some path after it, or
 * all at a return. */
static void live_out(const Dse *d, const IrBlock *b, char *live)
{
	int n = d->f->nslots;
	IrBlock *succ[2];
	int ns = ir_succs(b, succ);
	memset(live, b->n && b->ins[b->n - 1].op == IR_RET, n);
	for (int k = 0; k < ns; k++)
		for (int s = 0; s < n; s++)
			live[s] |= d->in[(size_t)succ[k]->id * n + s];
}

static void solve(Dse *d)
{
	int n = d->f->nslots;
	char *live = xmalloc(n + 1);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = d->f->nblocks - 1; b >= 0; b--) {
			const IrBlock *bb = d->f->blocks[b];
			live_out(d, bb, live);
			for (int k = bb->n - 1; k >= 0; k--)
				step(d, &bb->ins[k], live);
			if (memcmp(live, d->in + (size_t)b * n, n)) {
				memcpy(d->in + (size_t)b * n, live, n);
				changed = 1;
			}
		}
	}
	free(live);
}

static int sweep(const Dse *d, IrBlock *b)
{
	char *live = xmalloc(d->f->nslots + 1), *keep = xmalloc(b->n);
	int removed = 0;
	live_out(d, b, live);
	for (int k = b->n - 1; k >= 0; k--) {
		keep[k] = !dead(d, &b->ins[k], live);
		removed |= !keep[k];
		if (keep[k])
			step(d, &b->ins[k], live);
	}
	ir_compact(b, keep);
	free(keep);
	free(live);
	return removed;
}

int ir_dse(IrFunc *f)
{
	if (!f->nslots)
		return 0;
	Dse d = { .f = f };
	d.stacky = xcalloc(f->nvregs + 1, 1);
	d.escaped = xcalloc(f->nslots, 1);
	d.in = xcalloc((size_t)f->nblocks * f->nslots, 1);
	provenance(&d);
	solve(&d);
	int changed = 0;
	for (int b = 0; b < f->nblocks; b++)
		changed |= sweep(&d, f->blocks[b]);
	free(d.stacky);
	free(d.escaped);
	free(d.in);
	return changed;
}
