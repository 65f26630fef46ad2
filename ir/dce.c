/* Dead code elimination by liveness: an instruction without side effects
 * goes when no path from it reads its result before the result is written
 * again. Liveness, not use counts, because vregs are written many times. */
#include <stdlib.h>
#include <string.h>
#include "passes.h"
#include "../common/util.h"

typedef uint64_t Word;

typedef struct Sets {
	int nw;			/* words per set */
	Word *use, *def, *in, *out;	/* per block, nw words each */
} Sets;

static int get(const Word *s, int64_t v) { return s[v / 64] >> (v % 64) & 1; }
static void set(Word *s, int64_t v) { s[v / 64] |= (Word)1 << (v % 64); }
static void clr(Word *s, int64_t v) { s[v / 64] &= ~((Word)1 << (v % 64)); }

static void local(const IrBlock *b, Word *use, Word *def)
{
	int u[7];
	for (int k = 0; k < b->n; k++) {
		const IrIns *i = &b->ins[k];
		for (int j = ir_uses(i, u); j-- > 0;)
			if (!get(def, u[j]))
				set(use, u[j]);
		if (i->dst >= 0)
			set(def, i->dst);
	}
}

/* out(b) = union of in(s) over successors s; in(b) = use(b) | (out(b) & ~def(b)). */
static void solve(const IrFunc *f, Sets *s)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = f->nblocks - 1; b >= 0; b--) {
			Word *out = s->out + (size_t)b * s->nw, *in = s->in + (size_t)b * s->nw;
			const Word *use = s->use + (size_t)b * s->nw, *def = s->def + (size_t)b * s->nw;
			IrBlock *succ[2];
			for (int j = 0, ns = ir_succs(f->blocks[b], succ); j < ns; j++)
				for (int w = 0; w < s->nw; w++)
					out[w] |= s->in[(size_t)succ[j]->id * s->nw + w];
			for (int w = 0; w < s->nw; w++) {
				Word x = use[w] | (out[w] & ~def[w]);
				changed |= x != in[w];
				in[w] = x;
			}
		}
	}
}

static int sweep(IrBlock *b, Word *live)
{
	char *keep = xmalloc(b->n);
	int u[7];
	int removed = 0;
	for (int k = b->n - 1; k >= 0; k--) {
		IrIns *i = &b->ins[k];
		int dead = i->dst >= 0 && !get(live, i->dst);
		keep[k] = ir_op_is(i->op, F_EFFECT) || !dead;
		removed |= !keep[k];
		if (!keep[k])
			continue;
		if (dead)	/* kept for its effect: a call need not deliver its result */
			i->dst = -1;
		if (i->dst >= 0)
			clr(live, i->dst);
		for (int j = ir_uses(i, u); j-- > 0;)
			set(live, u[j]);
	}
	ir_compact(b, keep);
	free(keep);
	return removed;
}

int ir_dce(IrFunc *f)
{
	Sets s;
	s.nw = (f->nvregs + 63) / 64;
	size_t n = (size_t)f->nblocks * s.nw;
	s.use = xcalloc(n, sizeof(Word));
	s.def = xcalloc(n, sizeof(Word));
	s.in = xcalloc(n, sizeof(Word));
	s.out = xcalloc(n, sizeof(Word));
	for (int b = 0; b < f->nblocks; b++)
		local(f->blocks[b], s.use + (size_t)b * s.nw, s.def + (size_t)b * s.nw);
	solve(f, &s);
	int changed = 0;
	for (int b = 0; b < f->nblocks; b++)
		changed |= sweep(f->blocks[b], s.out + (size_t)b * s.nw);
	free(s.use);
	free(s.def);
	free(s.in);
	free(s.out);
	return changed;
}
