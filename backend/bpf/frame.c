/* Stack layout: IR slots and the allocator's 8-byte spill slots share
 * bytes when they never matter at the same instruction (slotlive.c for IR
 * slots; for a spill slot, its occupants' intervals). Interval colouring,
 * greedy by size: largest first, each at the lowest depth below r10 that
 * overlaps no placed slot it interferes with. Sizes are multiples of 8, so
 * every offset is 8-aligned, as the verifier wants for spilled pointers. */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

typedef struct Item {
	int size;
	const uint64_t *live;	/* instructions where it matters */
	int64_t depth;		/* placed at r10 - depth - size */
} Item;

static int ninsns(const IrFunc *f)
{
	int n = 0;
	for (int b = 0; b < f->nblocks; b++)
		n += f->blocks[b]->n;
	return n;
}

/* Spill slot k matters wherever one of its vregs is live; the entry, where
 * spilled parameters are stored, counts as instruction 0. */
static void spill_live(const Fn *c, uint64_t *live, int n, int lw)
{
	for (int v = 0; v < c->f->nvregs; v++) {
		const Interval *iv = &c->lv.iv[v];
		if (c->ra.spill[v] < 0 || iv->start < 0)
			continue;
		uint64_t *row = live + (size_t)c->ra.spill[v] * lw;
		int from = iv->start < 2 ? 0 : (iv->start - 2) / 2, to = (iv->end - 2) / 2;
		for (int k = from; k <= to && k < n; k++)
			row[k / 64] |= 1ull << (k % 64);
	}
}

static int meet(const uint64_t *a, const uint64_t *b, int lw)
{
	for (int x = 0; x < lw; x++)
		if (a[x] & b[x])
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

/* The lowest depth, at 0 or just below a placed item it interferes with
 * (clash, by position in order), where it overlaps none of them. */
static void place(Item **order, const char *clash, int n, int at)
{
	Item *it = order[at];
	int64_t best = -1;
	for (int c = -1; c < at; c++) {
		if (c >= 0 && !clash[(size_t)at * n + c])
			continue;
		int64_t d = c < 0 ? 0 : order[c]->depth + order[c]->size;
		int ok = best < 0 || d < best;
		for (int j = 0; j < at && ok; j++)
			ok = !clash[(size_t)at * n + j] || d + it->size <= order[j]->depth ||
			     order[j]->depth + order[j]->size <= d;
		if (ok)
			best = d;
	}
	it->depth = best;
}

static char *clashes(Item **order, int n, int lw)
{
	char *clash = xcalloc((size_t)n * n + 1, 1);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			clash[(size_t)i * n + j] = meet(order[i]->live, order[j]->live, lw);
	return clash;
}

int64_t bpf_frame(Fn *c)
{
	const IrFunc *f = c->f;
	int n = ninsns(f), lw = (n + 63) / 64 + 1, ns = f->nslots, nitems = ns + c->ra.nspills;
	uint64_t *live = bpf_slot_live(f, n);
	uint64_t *spills = xcalloc((size_t)c->ra.nspills * lw + 1, 8);
	Item *items = xcalloc(nitems + 1, sizeof(Item));
	Item **order = xcalloc(nitems + 1, sizeof(Item *));
	int64_t size = 0;
	spill_live(c, spills, n, lw);
	for (int i = 0; i < nitems; i++) {
		items[i].size = i < ns ? f->slots[i].size : 8;
		items[i].live = i < ns ? live + (size_t)i * lw : spills + (size_t)(i - ns) * lw;
		order[i] = &items[i];
	}
	qsort(order, nitems, sizeof(Item *), by_size);
	char *clash = clashes(order, nitems, lw);
	for (int i = 0; i < nitems; i++) {
		place(order, clash, nitems, i);
		if (order[i]->depth + order[i]->size > size)
			size = order[i]->depth + order[i]->size;
	}
	c->slot_off = xmalloc((nitems + 1) * sizeof(int));
	for (int i = 0; i < nitems; i++)
		c->slot_off[i] = (int)-(items[i].depth + items[i].size);
	free(clash);
	free(live);
	free(spills);
	free(items);
	free(order);
	return size;
}
