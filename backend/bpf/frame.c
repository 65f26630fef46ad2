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
	const uint64_t *live;	/* an IR slot's instructions where it matters; NULL: a spill slot */
	int lo, hi;		/* the first and last instructions where it matters; lo > hi: none */
	const Interval *iv;	/* a spill slot's vreg's; NULL: never live */
	int64_t depth;		/* placed at r10 - depth - size */
} Item;

static int ninsns(const IrFunc *f)
{
	int n = 0;
	for (int b = 0; b < f->nblocks; b++)
		n += f->blocks[b]->n;
	return n;
}

/* A spill slot matters wherever its one vreg (regalloc.c) is live: its
 * interval, as instructions; the entry, where spilled parameters are
 * stored, counts as instruction 0. */
static void spill_items(const Fn *c, Item *items, int n)
{
	for (int v = 0; v < c->f->nvregs; v++) {
		const Interval *iv = &c->lv.iv[v];
		if (c->ra.spill[v] < 0 || iv->start < 0)
			continue;
		Item *it = &items[c->ra.spill[v]];
		int to = POS_INS(iv->end);
		it->iv = iv;
		it->lo = POS_INS(iv->start);
		it->hi = to < n ? to : n - 1;
	}
}

/* An IR slot's first and last instructions in its row of lw words. */
static void bounds(Item *it, int lw)
{
	int lo = 0, hi = lw - 1;
	while (lo < lw && !it->live[lo])
		lo++;
	while (hi >= lo && !it->live[hi])
		hi--;
	it->lo = lo < lw ? lo * 64 + __builtin_ctzll(it->live[lo]) : 0;
	it->hi = lo < lw ? hi * 64 + 63 - __builtin_clzll(it->live[hi]) : -1;
}

/* Whether live has a bit in instructions [lo, hi]. */
static int any_in(const uint64_t *live, int lo, int hi)
{
	for (int w = lo / 64; w <= hi / 64; w++) {
		uint64_t m = live[w];
		if (w == lo / 64)
			m &= ~0ull << (lo % 64);
		if (w == hi / 64)
			m &= ~0ull >> (63 - hi % 64);
		if (m)
			return 1;
	}
	return 0;
}

/* Whether x and y matter at some instruction together. */
static int clash(const Item *x, const Item *y)
{
	int lo = x->lo > y->lo ? x->lo : y->lo, hi = x->hi < y->hi ? x->hi : y->hi;
	/* two spill slots: by positions, finer than instructions (a last read
	 * and a definition at one instruction do not clash) */
	if (!x->live && !y->live)
		return x->iv && y->iv && x->iv->start <= y->iv->end && y->iv->start <= x->iv->end;
	if (lo > hi)
		return 0;
	if (!x->live || !y->live)
		return any_in(x->live ? x->live : y->live, lo, hi);
	for (int w = lo / 64; w <= hi / 64; w++)
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
	int n = ninsns(f), lw = set_words(n), ns = f->nslots, nitems = ns + c->ra.nspills;
	uint64_t *live = bpf_slot_live(f, n);
	Item *items = xcalloc(nitems + 1, sizeof(Item));
	Item **order = xcalloc(nitems + 1, sizeof(Item *));
	Item **placed = xcalloc(nitems + 1, sizeof(Item *));
	int64_t size = 0;
	for (int i = 0; i < nitems; i++) {
		items[i] = (Item){ .size = 8, .lo = 0, .hi = -1 };
		if (i < ns) {
			items[i].size = f->slots[i].size;
			items[i].live = live + (size_t)i * lw;
			bounds(&items[i], lw);
		}
		order[i] = &items[i];
	}
	spill_items(c, items + ns, n);
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
	free(items);
	free(order);
	free(placed);
	return size;
}
