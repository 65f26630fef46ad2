/* Stack layout: IR slots and the allocator's 8-byte spill slots, one per
 * spilled vreg, share bytes when they never matter together: at the same
 * instruction (slotlive.c for IR slots; for a spill slot, its vreg's
 * interval), or, between two spill slots, at the same position (a vreg
 * read for the last time by an instruction shares with one it defines: the
 * read comes first). This is the only packing of spill slots. Interval colouring,
 * greedy by size: largest first, each at the lowest depth below r10 that
 * overlaps no placed slot it interferes with. Sizes are multiples of 8, so
 * every offset is 8-aligned, as the verifier wants for spilled pointers.
 *
 * Time: the placed slots are kept sorted by depth, so placing one is a
 * sweep over them (each asked once whether it interferes) and an
 * insertion: quadratic in the number of slots, each question costing the
 * words where both slots' instructions overlap. */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

typedef struct Item {
	int size;
	const uint64_t *live;	/* instructions where it matters */
	int lo, hi;		/* the first and last words of live with a bit; lo > hi: none */
	const Interval *iv;	/* a spill slot's vreg's, or NULL */
	int64_t depth;		/* placed at r10 - depth - size */
} Item;

static int ninsns(const IrFunc *f)
{
	int n = 0;
	for (int b = 0; b < f->nblocks; b++)
		n += f->blocks[b]->n;
	return n;
}

/* Spill slot k matters wherever its vreg is live; the entry, where
 * spilled parameters are stored, counts as instruction 0. Its interval, per
 * slot, into ivs. */
static void spill_live(const Fn *c, uint64_t *live, const Interval **ivs, int n, int lw)
{
	for (int v = 0; v < c->f->nvregs; v++) {
		const Interval *iv = &c->lv.iv[v];
		if (c->ra.spill[v] < 0 || iv->start < 0)
			continue;
		uint64_t *row = live + (size_t)c->ra.spill[v] * lw;
		int from = iv->start < 2 ? 0 : (iv->start - 2) / 2, to = (iv->end - 2) / 2;
		ivs[c->ra.spill[v]] = iv;
		for (int k = from; k <= to && k < n; k++)
			row[k / 64] |= 1ull << (k % 64);
	}
}

static void bounds(Item *it, int lw)
{
	it->lo = 0;
	it->hi = lw - 1;
	while (it->lo < lw && !it->live[it->lo])
		it->lo++;
	while (it->hi >= it->lo && !it->live[it->hi])
		it->hi--;
}

/* Whether x and y matter at some instruction together. */
static int clash(const Item *x, const Item *y)
{
	if (x->iv && y->iv)
		return x->iv->start <= y->iv->end && y->iv->start <= x->iv->end;
	int lo = x->lo > y->lo ? x->lo : y->lo, hi = x->hi < y->hi ? x->hi : y->hi;
	for (int w = lo; w <= hi; w++)
		if (x->live[w] & y->live[w])
			return 1;
	return 0;
}

static int by_size(const void *x, const void *y)
{
	const Item *a = *(Item *const *)x, *b = *(Item *const *)y;
	if (a->size != b->size)
		return a->size < b->size ? 1 : -1;
	return a < b ? -1 : a > b;
}

/* it at the lowest depth where it overlaps none of the placed items it
 * clashes with (placed[0..n), by depth), and among them. A depth below
 * the sweep's d overlaps an item already passed; the first clashing item
 * that starts at or past d + size leaves the gap at d free, as do all
 * after it. */
static void place(Item **placed, int n, Item *it)
{
	int64_t d = 0;
	int at = 0;
	for (int j = 0; j < n; j++) {
		const Item *p = placed[j];
		if (!clash(it, p))
			continue;
		if (p->depth >= d + it->size)
			break;
		if (p->depth + p->size > d)
			d = p->depth + p->size;
	}
	it->depth = d;
	while (at < n && placed[at]->depth <= d)
		at++;
	memmove(placed + at + 1, placed + at, (n - at) * sizeof(*placed));
	placed[at] = it;
}

int64_t bpf_frame(Fn *c)
{
	const IrFunc *f = c->f;
	int n = ninsns(f), lw = (n + 63) / 64 + 1, ns = f->nslots, nitems = ns + c->ra.nspills;
	uint64_t *live = bpf_slot_live(f, n);
	uint64_t *spills = xcalloc((size_t)c->ra.nspills * lw + 1, 8);
	const Interval **ivs = xcalloc(c->ra.nspills + 1, sizeof(*ivs));
	Item *items = xcalloc(nitems + 1, sizeof(Item));
	Item **order = xcalloc(nitems + 1, sizeof(Item *));
	Item **placed = xcalloc(nitems + 1, sizeof(Item *));
	int64_t size = 0;
	spill_live(c, spills, ivs, n, lw);
	for (int i = 0; i < nitems; i++) {
		items[i].size = i < ns ? f->slots[i].size : 8;
		items[i].live = i < ns ? live + (size_t)i * lw : spills + (size_t)(i - ns) * lw;
		items[i].iv = i < ns ? NULL : ivs[i - ns];
		bounds(&items[i], lw);
		order[i] = &items[i];
	}
	qsort(order, nitems, sizeof(Item *), by_size);
	for (int i = 0; i < nitems; i++) {
		place(placed, i, order[i]);
		if (order[i]->depth + order[i]->size > size)
			size = order[i]->depth + order[i]->size;
	}
	c->slot_off = xmalloc((nitems + 1) * sizeof(int));
	for (int i = 0; i < nitems; i++)
		c->slot_off[i] = (int)-(items[i].depth + items[i].size);
	free(live);
	free(spills);
	free(ivs);
	free(items);
	free(order);
	free(placed);
	return size;
}
