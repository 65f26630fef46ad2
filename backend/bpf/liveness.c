/* Liveness: which vregs are live into and out of each block (the usual
 * backward dataflow to a fixpoint, since vregs may be assigned in several
 * blocks), then one live interval per vreg over the layout order. */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"


/* The blocks control can go to after b, by index (ir_check: a block's id
 * is its index in IrFunc.blocks). */
static int succs(const IrBlock *b, int s[2])
{
	IrBlock *succ[2];
	int n = ir_succs(b, succ);
	for (int k = 0; k < n; k++)
		s[k] = succ[k]->id;
	return n;
}

static void dataflow(const IrFunc *f, Liveness *lv)
{
	int w = lv->words;
	uint64_t *use = xcalloc(f->nblocks * w, 8), *def = xcalloc(f->nblocks * w, 8);
	for (int bi = 0; bi < f->nblocks; bi++) {
		const IrBlock *b = f->blocks[bi];
		uint64_t *ub = use + bi * w, *db = def + bi * w;
		for (int k = 0; k < b->n; k++) {
			int u[7], n = ir_uses(&b->ins[k], u);
			for (int j = 0; j < n; j++)
				if (!live_has(db, u[j]))
					live_add(ub, u[j]);
			if (b->ins[k].dst >= 0)
				live_add(db, b->ins[k].dst);
		}
	}
	for (int changed = 1; changed;) {
		changed = 0;
		for (int bi = f->nblocks - 1; bi >= 0; bi--) {
			int s[2], ns = succs(f->blocks[bi], s);
			uint64_t *out = lv->out + bi * w, *in = lv->in + bi * w;
			for (int j = 0; j < ns; j++)
				for (int x = 0; x < w; x++)
					out[x] |= lv->in[s[j] * w + x];
			for (int x = 0; x < w; x++) {
				uint64_t n = use[bi * w + x] | (out[x] & ~def[bi * w + x]);
				changed |= n != in[x];
				in[x] = n;
			}
		}
	}
	free(use);
	free(def);
}

static void extend(Interval *iv, int pos)
{
	if (iv->start < 0 || pos < iv->start)
		iv->start = pos;
	if (pos > iv->end)
		iv->end = pos;
}

/* Intervals, and which of them span a call (start <= use, end >= use + 2). */
static void intervals(const IrFunc *f, Liveness *lv)
{
	int k = 0, ncalls = 0, *calls = NULL;
	for (int v = 0; v < f->nvregs; v++)
		lv->iv[v] = (Interval){ -1, -1, 0 };
	for (int v = 0; v < f->nvregs; v++)
		if (live_has(lv->in, v))
			extend(&lv->iv[v], POS_ENTRY);
	for (int bi = 0; bi < f->nblocks; bi++) {
		const IrBlock *b = f->blocks[bi];
		int first = POS_USE(k), last = POS_DEF(k + b->n - 1);
		for (int v = 0; v < f->nvregs; v++) {
			if (live_has(lv->in + bi * lv->words, v))
				extend(&lv->iv[v], first);
			if (live_has(lv->out + bi * lv->words, v))
				extend(&lv->iv[v], last);
		}
		for (int j = 0; j < b->n; j++, k++) {
			const IrIns *i = &b->ins[j];
			int u[7], n = ir_uses(i, u);
			for (int x = 0; x < n; x++)
				extend(&lv->iv[u[x]], POS_USE(k));
			if (i->dst >= 0)
				extend(&lv->iv[i->dst], POS_DEF(k));
			if (i->op == IR_CALL || i->op == IR_CALLF) {
				calls = xrealloc(calls, (ncalls + 1) * sizeof(int));
				calls[ncalls++] = POS_USE(k);
			}
		}
	}
	for (int v = 0; v < f->nvregs; v++) {
		Interval *iv = &lv->iv[v];
		int lo = 0, hi = ncalls;	/* the first call at or after start */
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (calls[mid] < iv->start)
				lo = mid + 1;
			else
				hi = mid;
		}
		iv->across_call = iv->start >= 0 && lo < ncalls && iv->end >= calls[lo] + 2;
	}
	free(calls);
}

void bpf_liveness(const IrFunc *f, Liveness *lv)
{
	memset(lv, 0, sizeof(*lv));
	lv->nblocks = f->nblocks;
	lv->nvregs = f->nvregs;
	lv->words = set_words(f->nvregs);
	lv->in = xcalloc(f->nblocks * lv->words, 8);
	lv->out = xcalloc(f->nblocks * lv->words, 8);
	lv->iv = xcalloc(f->nvregs + 1, sizeof(Interval));
	dataflow(f, lv);
	intervals(f, lv);
}

void bpf_liveness_free(Liveness *lv)
{
	free(lv->in);
	free(lv->out);
	free(lv->iv);
	memset(lv, 0, sizeof(*lv));
}
