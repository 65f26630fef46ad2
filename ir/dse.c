/* Dead stores to stack slots, word by word: a STORE or ZERO into a slot
 * goes when no path from it reads any of its words before they are all
 * written again (a ZERO loses the dead words at its ends). What a slot
 * holds at a return counts as read: it costs next to nothing, and the
 * optimizer's differential test compares the memory a function leaves
 * (tests/unit/test_ir_random.c). The lowering zeroes a key's slot before
 * storing over it, a string's buffer before a helper fills it, and a
 * lookup reused by ir/cse.c leaves the stores of its key behind.
 *
 * An access is to a known place when its base is a slot, or a vreg
 * written once, by an ADDR of a slot or by adding a constant to such a
 * vreg: it reads or writes the words it covers. A helper with H_FILLS (ops.h) writes all of its buffer. Once a
 * slot's address is taken (ADDR, or a call's slot argument), any other
 * access through a vreg that may point into the stack, and any other call,
 * reads all of it. A vreg may point into the stack when it is computed from
 * an ADDR (or by any operation from another such vreg) or comes from a
 * LOAD or a CALLF, whose results nothing here follows; a helper's result,
 * a map or a data section never does. */
#include <stdlib.h>
#include <string.h>
#include "passes.h"
#include "../common/util.h"

typedef struct Dse {
	IrFunc *f;
	char *stacky;		/* per vreg: may point into the stack */
	const IrIns **def;	/* per vreg written once: the instruction, else NULL */
	char *escaped;		/* per slot: its address was taken */
	int *word0;		/* per slot: its first word in a live set; [nslots]: the words */
	char *in;		/* per block, a live set: words read before written */
} Dse;

/* A place in the stack: slot and byte offset, or slot -1 when unknown. */
typedef struct Place {
	int slot, off;
} Place;

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
	char *written = xcalloc(f->nvregs + 1, 1);
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->dst < 0)
				continue;
			d->def[i->dst] = !written[i->dst] && i->dst >= f->nparams ? i : NULL;
			written[i->dst] = 1;
		}
	free(written);
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

/* Where base o, plus off, points: a slot, or a vreg written once by an
 * ADDR of one, or by adding a constant to such a vreg; else slot -1. */
static Place place(const Dse *d, IrOpnd o, int off)
{
	for (int depth = 0; depth < 8; depth++) {
		if (o.kind == O_SLOT)
			return (Place){ o.v, off };
		const IrIns *i = o.kind == O_VREG ? d->def[o.v] : NULL;
		if (i && i->op == IR_ADDR)
			return (Place){ i->a.v, i->off + off };
		if (!i || i->op != IR_ADD || i->b.kind != O_IMM || i->b.v < -4096 || i->b.v > 4096)
			break;
		off += i->b.v;
		o = i->a;
	}
	return (Place){ -1, 0 };
}

/* Whether o may point into the stack at a place not known. */
static int unknown_stack(const Dse *d, IrOpnd o)
{
	return o.kind == O_VREG && d->stacky[o.v] && place(d, o, 0).slot < 0;
}

static void read_escaped(const Dse *d, char *live)
{
	for (int s = 0; s < d->f->nslots; s++)
		if (d->escaped[s])
			memset(live + d->word0[s], 1, d->f->slots[s].size / 8);
}

/* The words of p's slot that [p.off, p.off + size) touches (cover: 0) or
 * covers whole (cover: 1), as [*lo, *hi) within the slot; 0 when none. */
static int words(const Dse *d, Place p, int size, int cover, int *lo, int *hi)
{
	int end = d->f->slots[p.slot].size;
	int a = p.off, z = p.off + size;
	if (a < 0)
		a = 0;
	if (z > end)
		z = end;
	*lo = cover ? (a + 7) / 8 : a / 8;
	*hi = cover ? z / 8 : (z + 7) / 8;
	return *lo < *hi;
}

static void mark(const Dse *d, char *live, Place p, int size, int cover, char to)
{
	int lo, hi;
	if (p.slot >= 0 && words(d, p, size, cover, &lo, &hi))
		memset(live + d->word0[p.slot] + lo, to, hi - lo);
}

/* The bytes a call fills whatever happens: an H_FILLS helper's buffer. */
static Place filled(const Dse *d, const IrIns *i, int *size)
{
	if (i->op != IR_CALL || !ir_helper_is(i->target, H_FILLS) || i->nargs < 2 || i->args[1].kind != O_IMM)
		return (Place){ -1, 0 };
	*size = i->args[1].v;
	return place(d, i->args[0], 0);
}

/* Whether a call reads stack memory other than through a known place. */
static int call_reads(const Dse *d, const IrIns *i)
{
	if (i->op == IR_CALLF || !ir_helper_is(i->target, H_FILLS))
		return 1;
	for (int a = 1; a < i->nargs; a++)
		if (i->args[a].kind == O_SLOT || unknown_stack(d, i->args[a]))
			return 1;
	return 0;
}

/* Step backward over i: the words live before it, from those live after. */
static void step(const Dse *d, const IrIns *i, char *live)
{
	if (i->op == IR_STORE || i->op == IR_ZERO || i->op == IR_COPY)
		mark(d, live, place(d, i->a, i->off), i->size, 1, 0);
	if (i->op == IR_CALL || i->op == IR_CALLF) {
		int size = 0;
		Place p = filled(d, i, &size);
		mark(d, live, p, size, 1, 0);
		if (call_reads(d, i))
			read_escaped(d, live);
	}
	if (i->op == IR_LOAD || i->op == IR_XADD) {
		Place p = place(d, i->a, i->off);
		mark(d, live, p, i->op == IR_XADD ? 8 : i->size, 0, 1);
		if (unknown_stack(d, i->a))
			read_escaped(d, live);
	}
	if (i->op == IR_COPY) {
		mark(d, live, place(d, i->b, i->off2), i->size, 0, 1);
		if (unknown_stack(d, i->b))
			read_escaped(d, live);
	}
}

/* A STORE or ZERO into a slot: shrunk to its live words, or 0 when none is
 * live (it goes). Stores of fewer than 8 bytes stay whole. */
static int trim(const Dse *d, IrIns *i, const char *live)
{
	Place p = place(d, i->a, i->off);
	int lo, hi;
	if ((i->op != IR_STORE && i->op != IR_ZERO) || i->a.kind != O_SLOT ||
	    !words(d, p, i->size, 0, &lo, &hi))
		return 1;
	const char *w = live + d->word0[p.slot];
	while (lo < hi && !w[lo])
		lo++;
	while (hi > lo && !w[hi - 1])
		hi--;
	if (lo == hi)
		return 0;
	if (i->op == IR_ZERO && i->off % 8 == 0 && i->size % 8 == 0) {
		i->off = lo * 8;
		i->size = (hi - lo) * 8;
	}
	return 1;
}

/* The words live at the end of block b: read on some path after it, or
 * all at a return. */
static void live_out(const Dse *d, const IrBlock *b, char *live)
{
	int n = d->word0[d->f->nslots];
	IrBlock *succ[2];
	int ns = ir_succs(b, succ);
	memset(live, b->n && b->ins[b->n - 1].op == IR_RET, n);
	for (int k = 0; k < ns; k++)
		for (int w = 0; w < n; w++)
			live[w] |= d->in[(size_t)succ[k]->id * n + w];
}

static void solve(Dse *d)
{
	int n = d->word0[d->f->nslots];
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
	char *live = xmalloc(d->word0[d->f->nslots] + 1), *keep = xmalloc(b->n);
	int changed = 0;
	live_out(d, b, live);
	for (int k = b->n - 1; k >= 0; k--) {
		IrIns *i = &b->ins[k];
		int size = i->size, off = i->off;
		keep[k] = trim(d, i, live);
		changed |= !keep[k] || i->size != size || i->off != off;
		if (keep[k])
			step(d, i, live);
	}
	ir_compact(b, keep);
	free(keep);
	free(live);
	return changed;
}

int ir_dse(IrFunc *f)
{
	if (!f->nslots)
		return 0;
	Dse d = { .f = f };
	d.stacky = xcalloc(f->nvregs + 1, 1);
	d.def = xcalloc(f->nvregs + 1, sizeof(*d.def));
	d.escaped = xcalloc(f->nslots, 1);
	d.word0 = xcalloc(f->nslots + 1, sizeof(int));
	for (int s = 0; s < f->nslots; s++)
		d.word0[s + 1] = d.word0[s] + f->slots[s].size / 8;
	d.in = xcalloc((size_t)f->nblocks * d.word0[f->nslots] + 1, 1);
	provenance(&d);
	solve(&d);
	int changed = 0;
	for (int b = 0; b < f->nblocks; b++)
		changed |= sweep(&d, f->blocks[b]);
	free(d.stacky);
	free(d.def);
	free(d.escaped);
	free(d.word0);
	free(d.in);
	return changed;
}
