/* Where each IR slot's bytes matter, instruction by instruction in layout
 * order, so that frame.c can give slots that never matter at the same time
 * the same bytes.
 *
 * An instruction touches a slot when an operand names it or when it uses
 * a vreg that may hold an address in it (computed from an ADDR of it, by
 * any operation but a load or a call). A slot matters at an instruction
 * that touches it, and wherever it was touched on some path before and is
 * touched on some path after: a superset of where a write may still be
 * read, without asking which accesses write whole words. A vreg holding
 * its address is thus covered from its definition to its uses. Whatever
 * we cannot follow pins a slot for the whole function: an address stored
 * to memory, or passed to a ktap function (which may return it). */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

typedef struct SL {
	const IrFunc *f;
	int w;			/* 64-bit words of a set of slots */
	uint64_t *pts;		/* per vreg: the slots it may point into */
	uint64_t *pinned;	/* slots live everywhere */
} SL;

static uint64_t *set_at(uint64_t *sets, int w, int i) { return sets + (size_t)i * w; }
static void set_put(uint64_t *s, int i) { s[i / 64] |= 1ull << (i % 64); }

static int set_or(uint64_t *d, const uint64_t *s, int w)
{
	int changed = 0;
	for (int x = 0; x < w; x++) {
		changed |= (s[x] & ~d[x]) != 0;
		d[x] |= s[x];
	}
	return changed;
}

/* The slots i touches, into t. */
static void touched(const SL *s, const IrIns *i, uint64_t *t)
{
	const IrOpnd *ops[7] = { &i->a, &i->b };
	int n = 2, u[7], nu = ir_uses(i, u);
	memset(t, 0, s->w * 8);
	for (int a = 0; (i->op == IR_CALL || i->op == IR_CALLF) && a < i->nargs; a++)
		ops[n++] = &i->args[a];
	for (int k = 0; k < n; k++)
		if (ops[k]->kind == O_SLOT)
			set_put(t, ops[k]->v);
	for (int k = 0; k < nu; k++)
		set_or(t, set_at(s->pts, s->w, u[k]), s->w);
}

/* What may point where, and which slots escape beyond what we follow. */
static void points_to(SL *s)
{
	const IrFunc *f = s->f;
	uint64_t *t = xcalloc(s->w, 8);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 0; b < f->nblocks; b++)
			for (int k = 0; k < f->blocks[b]->n; k++) {
				const IrIns *i = &f->blocks[b]->ins[k];
				int opaque = i->op == IR_CALL || i->op == IR_CALLF || i->op == IR_LOAD;
				if (i->dst >= 0 && !opaque) {
					touched(s, i, t);
					changed |= set_or(set_at(s->pts, s->w, i->dst), t, s->w);
				}
			}
	}
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->op == IR_CALLF) {
				touched(s, i, t);
				set_or(s->pinned, t, s->w);
			}
			if ((i->op == IR_STORE || i->op == IR_XADD) && i->b.kind == O_VREG)
				set_or(s->pinned, set_at(s->pts, s->w, i->b.v), s->w);
		}
	free(t);
}

/* Per block, the slots touched in it; then, to a fixpoint, those touched
 * on some path before its start (before) and after its end (after). */
static void flow(const SL *s, uint64_t *gen, uint64_t *before, uint64_t *after)
{
	const IrFunc *f = s->f;
	uint64_t *t = xcalloc(s->w, 8), *out = xcalloc(s->w, 8);
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			touched(s, &f->blocks[b]->ins[k], t);
			set_or(set_at(gen, s->w, b), t, s->w);
		}
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 0; b < f->nblocks; b++) {
			IrBlock *succ[2];
			int ns = ir_succs(f->blocks[b], succ);
			memcpy(out, set_at(before, s->w, b), s->w * 8);
			set_or(out, set_at(gen, s->w, b), s->w);
			for (int k = 0; k < ns; k++) {
				uint64_t *in = set_at(after, s->w, succ[k]->id);
				changed |= set_or(set_at(before, s->w, succ[k]->id), out, s->w);
				memcpy(t, in, s->w * 8);
				set_or(t, set_at(gen, s->w, succ[k]->id), s->w);
				changed |= set_or(set_at(after, s->w, b), t, s->w);
			}
		}
	}
	free(t);
	free(out);
}

static void mark(uint64_t *live, int ninsns, const uint64_t *set, int nslots, int k)
{
	int w = (ninsns + 63) / 64 + 1;
	for (int x = 0; x < nslots; x++)
		if ((set[x / 64] >> (x % 64)) & 1)
			set_put(live + (size_t)x * w, k);
}

/* Block b's instructions, numbered from k0: each marks the slots it
 * touches and those touched both before and after it. */
static void walk(const SL *s, int b, int k0, uint64_t *before, uint64_t *after,
		 uint64_t *live, int ninsns)
{
	const IrBlock *bb = s->f->blocks[b];
	int w = s->w;
	uint64_t *later = xcalloc((size_t)(bb->n + 1) * w, 8), *t = xcalloc(w, 8);
	uint64_t *seen = xcalloc(w, 8), *both = xcalloc(w, 8);
	memcpy(set_at(later, w, bb->n - 1), set_at(after, w, b), w * 8);
	for (int k = bb->n - 1; k > 0; k--) {
		touched(s, &bb->ins[k], t);
		memcpy(set_at(later, w, k - 1), set_at(later, w, k), w * 8);
		set_or(set_at(later, w, k - 1), t, w);
	}
	memcpy(seen, set_at(before, w, b), w * 8);
	for (int k = 0; k < bb->n; k++) {
		touched(s, &bb->ins[k], t);
		for (int x = 0; x < w; x++)
			both[x] = t[x] | (seen[x] & set_at(later, w, k)[x]);
		mark(live, ninsns, both, s->f->nslots, k0 + k);
		set_or(seen, t, w);
	}
	free(later);
	free(t);
	free(seen);
	free(both);
}

uint64_t *bpf_slot_live(const IrFunc *f, int ninsns)
{
	int lw = (ninsns + 63) / 64 + 1;
	uint64_t *live = xcalloc((size_t)(f->nslots + 1) * lw, 8);
	SL s = { .f = f, .w = (f->nslots + 63) / 64 + 1 };
	s.pts = xcalloc((size_t)(f->nvregs + 1) * s.w, 8);
	s.pinned = xcalloc(s.w, 8);
	uint64_t *gen = xcalloc((size_t)f->nblocks * s.w, 8);
	uint64_t *before = xcalloc((size_t)f->nblocks * s.w, 8);
	uint64_t *after = xcalloc((size_t)f->nblocks * s.w, 8);
	points_to(&s);
	flow(&s, gen, before, after);
	for (int b = 0, k0 = 0; b < f->nblocks; k0 += f->blocks[b++]->n)
		if (f->blocks[b]->n)
			walk(&s, b, k0, before, after, live, ninsns);
	for (int x = 0; x < f->nslots; x++)
		if ((s.pinned[x / 64] >> (x % 64)) & 1)
			memset(live + (size_t)x * lw, 0xff, lw * 8);
	free(s.pts);
	free(s.pinned);
	free(gen);
	free(before);
	free(after);
	return live;
}
