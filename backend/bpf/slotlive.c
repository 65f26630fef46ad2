/* Where each IR slot's bytes matter, instruction by instruction in layout
 * order, so that frame.c can give slots that never matter at the same time
 * the same bytes.
 *
 * An instruction touches a slot when an operand names it or when it uses
 * a vreg that may hold an address in it (computed from an ADDR of it, by
 * any operation but a load or a call). A word of a slot is live where some
 * path reads it before a store, ZERO or copy into the slot by name writes
 * it whole; any other touch reads the whole slot. A slot matters at an
 * instruction that touches it, and wherever it was touched on some path
 * before and has a word live after: a superset of where a write may still
 * be read. A vreg holding its address is thus covered from its definition
 * to its uses. Whatever we cannot follow pins a slot for the whole
 * function: an address stored to memory, or passed to a ktap function
 * (which may keep or return it). */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

typedef struct SL {
	const IrFunc *f;
	int w;			/* 64-bit words of a set of slots */
	uint64_t *pts;		/* per vreg: the slots it may point into */
	uint64_t *pinned;	/* slots live everywhere */
	int *word0;		/* per slot: its first 8-byte word; [nslots]: the words */
} SL;

static uint64_t *set_at(uint64_t *sets, int w, int i) { return sets + (size_t)i * w; }

static int set_or(uint64_t *d, const uint64_t *s, int w)
{
	int changed = 0;
	for (int x = 0; x < w; x++) {
		changed |= (s[x] & ~d[x]) != 0;
		d[x] |= s[x];
	}
	return changed;
}

/* The slots i's operands name or may point into, into t: an O_SLOT
 * operand (but a, when a_written: a base written, not read) and the slots
 * an O_VREG operand may point into. */
static void slots_of(const SL *s, const IrIns *i, int a_written, uint64_t *t)
{
	IrOpnd *o[7];
	memset(t, 0, s->w * 8);
	for (int k = ir_opnds(i, o); k-- > 0;)	/* o[0] is a */
		if (o[k]->kind == O_SLOT && !(k == 0 && a_written))
			live_add(t, o[k]->v);
		else if (o[k]->kind == O_VREG)
			set_or(t, set_at(s->pts, s->w, o[k]->v), s->w);
}

/* The slots i touches. */
static void touched(const SL *s, const IrIns *i, uint64_t *t)
{
	slots_of(s, i, 0, t);
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

/* The slots whose words i may read (all of them): those it touches but a
 * store's, ZERO's, copy's or ADDR's base. */
static void reads(const SL *s, const IrIns *i, uint64_t *t)
{
	int writes = i->op == IR_STORE || i->op == IR_ZERO || i->op == IR_COPY || i->op == IR_ADDR;
	slots_of(s, i, writes, t);
}

/* Step backward over i: the words live before it (read on some path
 * before all are written again), from those live after. Only a store,
 * ZERO or copy into a slot by name writes words whole. */
static void step(const SL *s, const IrIns *i, char *live, uint64_t *t)
{
	const IrFunc *f = s->f;
	if ((i->op == IR_STORE || i->op == IR_ZERO || i->op == IR_COPY) && i->a.kind == O_SLOT) {
		int lo = (i->off + 7) / 8, hi = (i->off + i->size) / 8, n = f->slots[i->a.v].size / 8;
		lo = lo < 0 ? 0 : lo;
		hi = hi > n ? n : hi;
		if (lo < hi)
			memset(live + s->word0[i->a.v] + lo, 0, hi - lo);
	}
	reads(s, i, t);
	for (int x = 0; x < f->nslots; x++)
		if (live_has(t, x))
			memset(live + s->word0[x], 1, f->slots[x].size / 8);
}

static void live_out(const SL *s, int b, const char *win, char *live)
{
	int n = s->word0[s->f->nslots];
	IrBlock *succ[2];
	int ns = ir_succs(s->f->blocks[b], succ);
	memset(live, 0, n);
	for (int k = 0; k < ns; k++)
		for (int x = 0; x < n; x++)
			live[x] |= win[(size_t)succ[k]->id * n + x];
}

/* Per block, to fixpoints of their own: the slots touched on some path
 * before it (before, forward, from what each block touches, which never
 * changes) and the words live into it (win, backward). */
static void flow(const SL *s, uint64_t *before, char *win)
{
	const IrFunc *f = s->f;
	int n = s->word0[f->nslots];
	uint64_t *t = xcalloc(s->w, 8), *out = xcalloc(s->w, 8);
	uint64_t *gen = xcalloc((size_t)f->nblocks * s->w + 1, 8);
	char *live = xcalloc(n + 1, 1);
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
			for (int k = 0; k < ns; k++)
				changed |= set_or(set_at(before, s->w, succ[k]->id), out, s->w);
		}
	}
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = f->nblocks - 1; b >= 0; b--) {
			const IrBlock *bb = f->blocks[b];
			live_out(s, b, win, live);
			for (int k = bb->n - 1; k >= 0; k--)
				step(s, &bb->ins[k], live, t);
			if (memcmp(live, win + (size_t)b * n, n)) {
				memcpy(win + (size_t)b * n, live, n);
				changed = 1;
			}
		}
	}
	free(t);
	free(out);
	free(gen);
	free(live);
}

static void mark(uint64_t *live, int ninsns, const uint64_t *set, int nslots, int k)
{
	int w = set_words(ninsns);
	for (int x = 0; x < nslots; x++)
		if (live_has(set, x))
			live_add(live + (size_t)x * w, k);
}

/* The slots with a word live in words. */
static void any_live(const SL *s, const char *words, uint64_t *set)
{
	memset(set, 0, s->w * 8);
	for (int x = 0; x < s->f->nslots; x++)
		if (memchr(words + s->word0[x], 1, s->f->slots[x].size / 8))
			live_add(set, x);
}

/* Block b's instructions, numbered from k0: each marks the slots it
 * touches and those touched before it with a word live after it. */
static void walk(const SL *s, int b, int k0, uint64_t *before, const char *win,
		 uint64_t *live, int ninsns)
{
	const IrBlock *bb = s->f->blocks[b];
	int w = s->w;
	uint64_t *later = xcalloc((size_t)(bb->n + 1) * w, 8), *t = xcalloc(w, 8);
	uint64_t *seen = xcalloc(w, 8), *both = xcalloc(w, 8);
	char *words = xcalloc(s->word0[s->f->nslots] + 1, 1);
	live_out(s, b, win, words);
	for (int k = bb->n - 1; k >= 0; k--) {
		any_live(s, words, set_at(later, w, k));
		step(s, &bb->ins[k], words, t);
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
	free(words);
}

uint64_t *bpf_slot_live(const IrFunc *f, int ninsns)
{
	int lw = set_words(ninsns);
	uint64_t *live = xcalloc((size_t)(f->nslots + 1) * lw, 8);
	SL s = { .f = f, .w = set_words(f->nslots) };
	s.pts = xcalloc((size_t)(f->nvregs + 1) * s.w, 8);
	s.pinned = xcalloc(s.w, 8);
	s.word0 = xcalloc(f->nslots + 1, sizeof(int));
	for (int x = 0; x < f->nslots; x++)
		s.word0[x + 1] = s.word0[x] + f->slots[x].size / 8;
	uint64_t *before = xcalloc((size_t)f->nblocks * s.w, 8);
	char *win = xcalloc((size_t)f->nblocks * s.word0[f->nslots] + 1, 1);
	points_to(&s);
	flow(&s, before, win);
	for (int b = 0, k0 = 0; b < f->nblocks; k0 += f->blocks[b++]->n)
		if (f->blocks[b]->n)
			walk(&s, b, k0, before, win, live, ninsns);
	for (int x = 0; x < f->nslots; x++)
		if (live_has(s.pinned, x))
			memset(live + (size_t)x * lw, 0xff, lw * 8);
	free(s.pts);
	free(s.pinned);
	free(s.word0);
	free(before);
	free(win);
	return live;
}
