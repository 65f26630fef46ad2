/* Small kernel functions inlined at their calls. A BPF-to-BPF call costs
 * the call, the return (with the kernel's return thunks, more than a short
 * body) and the argument moves; clang inlines `clamp` and so do we. Only
 * leaves are inlined (no call of a function, no bpf_loop callback: no
 * recursion, no frame shared with a callback), of at most MAX_INLINE
 * instructions; the callee stays in the module for its other callers and
 * for user context.
 *
 * The callee's blocks are copied after the caller's with its vregs and
 * slots renumbered; its parameters are moves from the arguments, and each
 * `ret v` a move to the call's result and a jump to what followed the
 * call. The passes that run next clean the moves up. */
#include <stdlib.h>
#include <string.h>
#include "passes.h"
#include "../common/util.h"

enum { MAX_INLINE = 24 };

static int size_of(const IrFunc *f)
{
	int n = 0;
	for (int b = 0; b < f->nblocks; b++)
		n += f->blocks[b]->n;
	return n;
}

static int inlinable(const IrModule *m, const IrFunc *caller, const IrIns *i)
{
	if (i->op != IR_CALLF || i->target < 0 || i->target >= m->nfuncs)
		return 0;
	const IrFunc *g = m->funcs[i->target];
	if (g == caller || g->ctx != IRF_KERNEL || g->nparams != i->nargs ||
	    size_of(g) > MAX_INLINE)
		return 0;
	for (int b = 0; b < g->nblocks; b++)
		for (int k = 0; k < g->blocks[b]->n; k++)
			if (ir_calls_function(&g->blocks[b]->ins[k]))
				return 0;
	return 1;
}

static void renumber(IrOpnd *o, int vbase, int sbase)
{
	if (o->kind == O_VREG)
		o->v += vbase;
	else if (o->kind == O_SLOT)
		o->v += sbase;
}

/* The call at f->blocks[b]->ins[k] replaced by g's body. */
static void inline_call(IrFunc *f, int b, int k, const IrFunc *g)
{
	IrBlock *at = f->blocks[b], *cont = ir_block(f);
	IrIns call = at->ins[k];
	for (int x = k + 1; x < at->n; x++)	/* what followed the call */
		*ir_emit(cont, IR_JMP) = at->ins[x];
	at->n = k;
	int vbase = f->nvregs, sbase = f->nslots;
	for (int v = 0; v < g->nvregs; v++)
		ir_vreg(f);
	for (int s = 0; s < g->nslots; s++)
		ir_slot(f, g->slots[s].size);
	IrBlock **copy = xmalloc(g->nblocks * sizeof(*copy));
	for (int x = 0; x < g->nblocks; x++)
		copy[x] = ir_block(f);
	for (int p = 0; p < g->nparams; p++) {
		IrIns *mv = ir_emit(at, IR_MOV);
		mv->dst = vbase + p, mv->a = call.args[p], mv->line = call.line, mv->col = call.col;
	}
	IrIns *j = ir_emit(at, IR_JMP);
	j->t = copy[0], j->line = call.line, j->col = call.col;
	for (int x = 0; x < g->nblocks; x++)
		for (int y = 0; y < g->blocks[x]->n; y++) {
			IrIns i = g->blocks[x]->ins[y];
			if (i.dst >= 0)
				i.dst += vbase;
			IrOpnd *o[7];
			for (int a = ir_opnds(&i, o); a-- > 0;)
				renumber(o[a], vbase, sbase);
			if (i.t)
				i.t = copy[i.t->id];
			if (i.f)
				i.f = copy[i.f->id];
			if (i.op == IR_RET) {
				if (call.dst >= 0) {
					IrIns *mv = ir_emit(copy[x], IR_MOV);
					*mv = (IrIns){ .op = IR_MOV, .dst = call.dst, .line = i.line, .col = i.col,
						       .a = i.a.kind == O_NONE ? ir_imm(0) : i.a };
				}
				i = (IrIns){ .op = IR_JMP, .dst = -1, .t = cont, .line = i.line, .col = i.col };
			}
			*ir_emit(copy[x], IR_JMP) = i;
		}
	free(copy);
}

int ir_inline(IrModule *m, IrFunc *f)
{
	int changed = 0;
	if (f->ctx != IRF_KERNEL)
		return 0;
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++)
			if (inlinable(m, f, &f->blocks[b]->ins[k])) {
				inline_call(f, b, k, m->funcs[f->blocks[b]->ins[k].target]);
				changed = 1;
				break;	/* the rest of the block moved to a new one */
			}
	return changed;
}
