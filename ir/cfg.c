/* Control flow clean-up: jumps through blocks that only jump go straight
 * to the end of the chain, jumps to a block that only returns go to the
 * first block returning the same operand (the exit, -p and filter checks
 * each leave their own "return 0"; ir_fold then makes a branch both of
 * whose sides go there a jump; a longer block ending in the same return
 * jumps there too), a block entered only by a jump from its one
 * predecessor joins that predecessor, and blocks nothing reaches go. Block
 * ids stay equal to their index in f->blocks. */
#include <stdlib.h>
#include <string.h>
#include "passes.h"
#include "../common/util.h"

/* Where a jump to b may go instead: past a block that is only "jmp c". */
static IrBlock *skip(IrBlock *b)
{
	if (b && b->n == 1 && b->ins[0].op == IR_JMP && b->ins[0].t != b)
		return b->ins[0].t;
	return b;
}

static int only_ret(const IrBlock *b)
{
	return b->n == 1 && b->ins[0].op == IR_RET;
}

/* The first block that only returns what b, a block that returns, does:
 * b itself when it only returns and comes first. */
static IrBlock *same_ret(IrFunc *f, IrBlock *b)
{
	for (int k = 0; k < f->nblocks; k++) {
		IrBlock *c = f->blocks[k];
		if (c == b && only_ret(b))
			return b;
		const IrIns *r = ir_last(b);
		if (only_ret(c) && c->ins[0].a.kind == r->a.kind && c->ins[0].a.v == r->a.v)
			return c;
	}
	return b;
}

static IrBlock *target(IrFunc *f, IrBlock *b)
{
	b = skip(b);
	return b && only_ret(b) ? same_ret(f, b) : b;
}

/* A block that ends by returning what a block that only returns does
 * jumps there instead: one "ret" in BPF is two instructions (r0 = x;
 * exit), a jump one, and none when the return block comes next. */
static int share_ret(IrFunc *f, IrBlock *b, IrIns *t)
{
	IrBlock *r = same_ret(f, b);
	if (b->n < 2 || r == b)
		return 0;
	*t = (IrIns){ .op = IR_JMP, .dst = -1, .t = r, .line = t->line, .col = t->col };
	return 1;
}

static int thread(IrFunc *f)
{
	int changed = 0;
	for (int b = 0; b < f->nblocks; b++) {
		IrIns *t = ir_last(f->blocks[b]);
		if (t && t->op == IR_RET)
			changed |= share_ret(f, f->blocks[b], t);
		if (!t || (t->op != IR_JMP && t->op != IR_BR))
			continue;
		IrBlock *nt = target(f, t->t), *nf = t->op == IR_BR ? target(f, t->f) : NULL;
		changed |= nt != t->t || nf != t->f;
		t->t = nt;
		t->f = nf;
	}
	return changed;
}

static void mark(IrBlock *b, char *seen)
{
	while (b && !seen[b->id]) {
		seen[b->id] = 1;
		IrIns *t = ir_last(b);
		if (!t)
			return;
		if (t->op == IR_BR)
			mark(t->f, seen);
		b = t->op == IR_JMP || t->op == IR_BR ? t->t : NULL;
	}
}

static int drop_unreachable(IrFunc *f)
{
	char *seen = xcalloc(f->nblocks, 1);
	mark(f->blocks[0], seen);
	int n = 0;
	for (int b = 0; b < f->nblocks; b++) {
		IrBlock *bb = f->blocks[b];
		if (seen[b]) {
			f->blocks[n++] = bb;
			continue;
		}
		free(bb->ins);
		free(bb);
	}
	free(seen);
	int changed = n != f->nblocks;
	f->nblocks = n;
	for (int b = 0; b < n; b++)
		f->blocks[b]->id = b;
	return changed;
}

/* Append to a block ending "jmp b" the instructions of b, when nothing
 * else enters b. Leaves b empty and unreferenced. */
static int merge(IrFunc *f)
{
	int *preds = xcalloc(f->nblocks, sizeof(int));
	preds[0] = 1;	/* the entry is entered from outside */
	for (int b = 0; b < f->nblocks; b++) {
		IrIns *t = ir_last(f->blocks[b]);
		if (t && (t->op == IR_JMP || t->op == IR_BR))
			preds[t->t->id]++;
		if (t && t->op == IR_BR)
			preds[t->f->id]++;
	}
	int changed = 0;
	for (int b = 0; b < f->nblocks; b++) {
		IrBlock *a = f->blocks[b], *c;
		IrIns *t;
		while ((t = ir_last(a)) && t->op == IR_JMP && (c = t->t) != a && preds[c->id] == 1) {
			a->n--;
			for (int k = 0; k < c->n; k++)
				*ir_emit(a, IR_JMP) = c->ins[k];
			c->n = 0;
			preds[c->id] = 0;
			changed = 1;
		}
	}
	free(preds);
	return changed;
}

int ir_simplify_cfg(IrFunc *f)
{
	int changed = thread(f);
	changed |= drop_unreachable(f);
	if (merge(f)) {
		drop_unreachable(f);
		changed = 1;
	}
	return changed;
}

/* Lay the blocks out in reverse postorder, the taken side of a branch right
 * after it: then-blocks follow their test, loop bodies their head, and the
 * code reads (and -S prints) in the order of the script. */
void ir_order_blocks(IrFunc *f)
{
	int n = f->nblocks, sp = 0, k = n;
	char *seen = xcalloc(n, 1);
	IrBlock **order = xcalloc(n, sizeof(*order));
	struct { IrBlock *b; int next; } *stack = xcalloc(n, sizeof(*stack));
	stack[sp++].b = f->blocks[0];
	seen[0] = 1;
	while (sp) {
		IrBlock *b = stack[sp - 1].b;
		IrIns *t = ir_last(b);
		/* successors in the order DFS visits them: false side first */
		IrBlock *succ[2] = { t && t->op == IR_BR ? t->f : NULL,
				     t && (t->op == IR_JMP || t->op == IR_BR) ? t->t : NULL };
		IrBlock *s = NULL;
		while (!s && stack[sp - 1].next < 2) {
			s = succ[stack[sp - 1].next++];
			if (s && seen[s->id])
				s = NULL;
		}
		if (s) {
			seen[s->id] = 1;
			stack[sp].b = s;
			stack[sp++].next = 0;
		} else {
			order[--k] = b;
			sp--;
		}
	}
	/* blocks nothing reaches (none after ir_simplify_cfg) go last */
	IrBlock **old = xmalloc(n * sizeof(*old));
	memcpy(old, f->blocks, n * sizeof(*old));
	int m = 0;
	for (int i = k; i < n; i++)
		f->blocks[m++] = order[i];
	for (int i = 0; i < n; i++)
		if (!seen[old[i]->id])
			f->blocks[m++] = old[i];
	free(old);
	for (int i = 0; i < n; i++)
		f->blocks[i]->id = i;
	free(seen);
	free(order);
	free(stack);
}
