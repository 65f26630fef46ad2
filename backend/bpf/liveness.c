/* Liveness: which vregs are live into and out of each block (the usual
 * backward dataflow to a fixpoint, since vregs may be assigned in several
 * blocks), then one live interval per vreg over the layout order. */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

static void set_add(uint64_t *s, int v) { s[v / 64] |= 1ull << (v % 64); }

/* The blocks control can go to after b. */
static int succs(const Liveness *lv, const IrBlock *b, int s[2])
{
	const IrIns *t = &b->ins[b->n - 1];
	if (t->op == IR_JMP)
		return s[0] = bpf_block_index(lv, t->t), 1;
	if (t->op == IR_BR)
		return s[0] = bpf_block_index(lv, t->t), s[1] = bpf_block_index(lv, t->f), 2;
	return 0;
}

int bpf_block_index(const Liveness *lv, const IrBlock *b)
{
	return lv->bidx[b->id];
}

/* Index blocks by id; ids are whatever the IR passes left, but unique. */
static int index_blocks(const IrFunc *f, Liveness *lv, const char **why)
{
	int maxid = 0;
	for (int i = 0; i < f->nblocks; i++) {
		if (f->blocks[i]->id < 0)
			return *why = "negative block id", -1;
		if (f->blocks[i]->id > maxid)
			maxid = f->blocks[i]->id;
	}
	lv->nids = maxid + 1;
	lv->bidx = xmalloc(lv->nids * sizeof(int));
	memset(lv->bidx, -1, lv->nids * sizeof(int));
	for (int i = 0; i < f->nblocks; i++) {
		if (lv->bidx[f->blocks[i]->id] >= 0)
			return *why = "two blocks with the same id", -1;
		lv->bidx[f->blocks[i]->id] = i;
	}
	return 0;
}

/* A branch target must be a block of this function. */
static int known(const IrFunc *f, const Liveness *lv, const IrBlock *b)
{
	return b && b->id >= 0 && b->id < lv->nids && lv->bidx[b->id] >= 0
		&& f->blocks[lv->bidx[b->id]] == b;
}

static int check(const IrFunc *f, const Liveness *lv, const char **why)
{
	for (int bi = 0; bi < f->nblocks; bi++) {
		const IrBlock *b = f->blocks[bi];
		if (b->n == 0 || !ir_is_term(b->ins[b->n - 1].op))
			return *why = "block without a terminator", -1;
		for (int k = 0; k < b->n; k++) {
			const IrIns *i = &b->ins[k];
			int u[7], n = ir_uses(i, u);
			if (k < b->n - 1 && ir_is_term(i->op))
				return *why = "terminator inside a block", -1;
			if ((i->op == IR_CALL || i->op == IR_CALLF) && (i->nargs < 0 || i->nargs > 5))
				return *why = "call with more than 5 arguments", -1;
			for (int j = 0; j < n; j++)
				if (u[j] < 0 || u[j] >= f->nvregs)
					return *why = "operand is not a vreg of the function", -1;
			if (i->dst >= f->nvregs)
				return *why = "destination is not a vreg of the function", -1;
			if ((i->op == IR_JMP || i->op == IR_BR) && !known(f, lv, i->t))
				return *why = "branch to a block not in the function", -1;
			if (i->op == IR_BR && !known(f, lv, i->f))
				return *why = "branch to a block not in the function", -1;
		}
	}
	return 0;
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
					set_add(ub, u[j]);
			if (b->ins[k].dst >= 0)
				set_add(db, b->ins[k].dst);
		}
	}
	for (int changed = 1; changed;) {
		changed = 0;
		for (int bi = f->nblocks - 1; bi >= 0; bi--) {
			int s[2], ns = succs(lv, f->blocks[bi], s);
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

int bpf_liveness(const IrFunc *f, Liveness *lv, const char **why)
{
	memset(lv, 0, sizeof(*lv));
	if (f->nblocks == 0)
		return *why = "function without blocks", -1;
	if (index_blocks(f, lv, why) < 0 || check(f, lv, why) < 0) {
		bpf_liveness_free(lv);
		return -1;
	}
	lv->nblocks = f->nblocks;
	lv->nvregs = f->nvregs;
	lv->words = (f->nvregs + 63) / 64 + 1;
	lv->in = xcalloc(f->nblocks * lv->words, 8);
	lv->out = xcalloc(f->nblocks * lv->words, 8);
	lv->iv = xcalloc(f->nvregs + 1, sizeof(Interval));
	dataflow(f, lv);
	intervals(f, lv);
	return 0;
}

void bpf_liveness_free(Liveness *lv)
{
	free(lv->in);
	free(lv->out);
	free(lv->iv);
	free(lv->bidx);
	memset(lv, 0, sizeof(*lv));
}
