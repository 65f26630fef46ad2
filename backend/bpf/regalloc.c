/* Register allocation: linear scan over live intervals (Poletto & Sarkar).
 * Intervals are taken in order of their start; when no register is free,
 * the interval that ends last (the current one or an active one) is
 * spilled to the stack for its whole life. Intervals that span a call may
 * only take the callee-saved r6-r9; others prefer r1-r4 so that r6-r9
 * stay free for those that need them. r0 and r5 are scratch (S1, S2).
 * Among the free registers, a vreg takes first the one it is wanted in, to
 * save a move: the argument register of the call it is passed to, else the
 * register of the first operand of the instruction that defines it.
 * Each spilled vreg gets a spill slot of its own: frame.c gives slots whose
 * vregs are never live together the same bytes. */
#include <stdlib.h>
#include "bpf_internal.h"
#include "../../common/util.h"

static const int any_regs[] = { 1, 2, 3, 4, 6, 7, 8, 9 };
static const int saved_regs[] = { 6, 7, 8, 9 };

typedef struct Scan {
	const Interval *iv;
	RegAlloc *ra;
	int *active, nactive;		/* vregs holding a register */
	int owner[11];			/* vreg in each register, or -1 */
	int *want_reg;			/* per vreg: argument register, or 0 */
	int *want_like;			/* per vreg: vreg whose register, or -1 */
} Scan;

static const Interval *sort_iv;

static int by_start(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	if (sort_iv[x].start != sort_iv[y].start)
		return sort_iv[x].start - sort_iv[y].start;
	return x - y;
}

static void drop_active(Scan *s, int i)
{
	s->owner[s->ra->reg[s->active[i]]] = -1;
	s->active[i] = s->active[--s->nactive];
}

static void expire(Scan *s, int pos)
{
	for (int i = 0; i < s->nactive;)
		if (s->iv[s->active[i]].end < pos)
			drop_active(s, i);
		else
			i++;
}

static void spill(Scan *s, int v)
{
	RegAlloc *ra = s->ra;
	ra->reg[v] = -1;
	if (!ra->remat[v])	/* else made again where it is used */
		ra->spill[v] = ra->nspills++;
}

/* Which of x and y to spill rather: one made again by a 64-bit load (two
 * instructions a use, no store), else the one ending last. */
static int rather(const Scan *s, int x, int y)
{
	int cx = s->ra->remat[x] != NULL, cy = s->ra->remat[y] != NULL;
	if (cx != cy)
		return cx ? x : y;
	return s->iv[x].end >= s->iv[y].end ? x : y;
}

static void take(Scan *s, int v, int r)
{
	s->ra->reg[v] = r;
	s->owner[r] = v;
	s->active[s->nactive++] = v;
}

/* The register v is wanted in, when it is free and v may take it; or -1. */
static int wanted(Scan *s, int v, const int *regs, int n)
{
	int like = s->want_like[v];
	int want[2] = { s->want_reg[v], like >= 0 ? s->ra->reg[like] : -1 };
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < n; i++)
			if (want[k] == regs[i] && s->owner[regs[i]] < 0)
				return regs[i];
	return -1;
}

static void alloc_one(Scan *s, int v)
{
	const int *regs = s->iv[v].across_call ? saved_regs : any_regs;
	int n = s->iv[v].across_call ? 4 : 8, victim = -1, w = wanted(s, v, regs, n);
	if (w >= 0) {
		take(s, v, w);
		return;
	}
	for (int i = 0; i < n; i++)
		if (s->owner[regs[i]] < 0) {
			take(s, v, regs[i]);
			return;
		}
	for (int i = 0; i < n; i++) {
		int a = s->owner[regs[i]];
		victim = victim < 0 ? a : rather(s, a, victim);
	}
	if (rather(s, v, victim) == v) {
		spill(s, v);
		return;
	}
	int r = s->ra->reg[victim];
	for (int i = 0; i < s->nactive; i++)
		if (s->active[i] == victim)
			drop_active(s, i);
	spill(s, victim);
	take(s, v, r);
}

/* Where each vreg is wanted: a parameter where it arrives; an argument in
 * r1-r4 (r5 is scratch) of the first call it is passed to; a result with
 * its first operand, which selection copies into the result's register
 * before working on it. */
static void find_wants(const IrFunc *f, Scan *s)
{
	for (int v = 0; v < f->nvregs; v++) {
		s->want_reg[v] = 0;
		s->want_like[v] = -1;
	}
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->dst >= 0 && i->a.kind == O_VREG && s->want_like[i->dst] < 0)
				s->want_like[i->dst] = (int)i->a.v;
			if (i->op != IR_CALL && i->op != IR_CALLF)
				continue;
			for (int a = 0; a < i->nargs && a < 4; a++)
				if (i->args[a].kind == O_VREG && !s->want_reg[i->args[a].v])
					s->want_reg[i->args[a].v] = BPF_REG_1 + a;
		}
	for (int v = 0; v < f->nparams && v < f->nvregs; v++)
		s->want_reg[v] = BPF_REG_1 + v;
}

/* Can the result of instruction k live in r0 instead? When its interval
 * starts there, spans no call and no other value in r0 (busy: where the
 * last one ends), and selection leaves r0 alone from its definition to its
 * last use. A call's result, or an operation on a value in r0 that dies
 * there (the shift of a pid_tgid), is then used without "rN = r0". */
static void fits_r0(const IrIns **at, const Liveness *lv, RegAlloc *ra, int k, int *busy)
{
	const IrIns *i = at[k];
	const Interval *iv = &lv->iv[i->dst];
	int from = i->op == IR_CALL || i->op == IR_CALLF;
	int chain = !from && i->a.kind == O_VREG && ra->reg[i->a.v] == BPF_REG_0 &&
		    *busy == POS_USE(k) && lv->iv[i->a.v].end == POS_USE(k) &&
		    (ir_op_is(i->op, F_FOLD) || i->op == IR_MOV || i->op == IR_LOAD);
	int last = (iv->end - 2) / 2, ok = 1, was = ra->reg[i->dst];
	if ((!from && !chain) || (from && *busy > POS_USE(k)) || iv->start != POS_DEF(k) ||
	    iv->across_call || was < 0)
		return;
	ra->reg[i->dst] = BPF_REG_0;
	for (int j = from ? k + 1 : k; j <= last && ok; j++)
		ok = bpf_sel_keeps_s1(ra, at[j]);
	if (ok)
		*busy = iv->end;
	else
		ra->reg[i->dst] = was;
}

static void prefer_r0(const IrFunc *f, const Liveness *lv, RegAlloc *ra)
{
	int n = 0, busy = 0;
	for (int b = 0; b < f->nblocks; b++)
		n += f->blocks[b]->n;
	const IrIns **at = xmalloc((n + 1) * sizeof(*at));
	n = 0;
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++)
			at[n++] = &f->blocks[b]->ins[k];
	for (int k = 0; k < n; k++)
		if (at[k]->dst >= 0)
			fits_r0(at, lv, ra, k, &busy);
	free(at);
}

/* The vregs defined once, by a map or data section address, and not read
 * before: spilling them is making them again. */
static void find_remats(const IrFunc *f, const Liveness *lv, RegAlloc *ra)
{
	int *ndefs = xcalloc(f->nvregs + 1, sizeof(int));
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->dst < 0)
				continue;
			ndefs[i->dst]++;
			if (i->op == IR_MAP || i->op == IR_MAPVAL)
				ra->remat[i->dst] = i;
		}
	for (int v = 0; v < f->nvregs; v++)
		if (ndefs[v] != 1 || v < f->nparams || live_has(lv->in, v))
			ra->remat[v] = NULL;
	free(ndefs);
}

void bpf_regalloc(const IrFunc *f, const Liveness *lv, RegAlloc *ra)
{
	int n = 0, *order = xmalloc((f->nvregs + 1) * sizeof(int));
	ra->nvregs = f->nvregs;
	ra->reg = xmalloc((f->nvregs + 1) * sizeof(int));
	ra->spill = xmalloc((f->nvregs + 1) * sizeof(int));
	ra->nspills = 0;
	ra->remat = xcalloc(f->nvregs + 1, sizeof(*ra->remat));
	find_remats(f, lv, ra);
	for (int v = 0; v < f->nvregs; v++) {
		ra->reg[v] = ra->spill[v] = -1;
		if (lv->iv[v].start >= 0)
			order[n++] = v;
	}
	sort_iv = lv->iv;
	qsort(order, n, sizeof(int), by_start);
	Scan s = { lv->iv, ra, xmalloc((n + 1) * sizeof(int)), 0, { 0 },
		   xmalloc((f->nvregs + 1) * sizeof(int)), xmalloc((f->nvregs + 1) * sizeof(int)) };
	find_wants(f, &s);
	for (int r = 0; r < 11; r++)
		s.owner[r] = -1;
	for (int i = 0; i < n; i++) {
		expire(&s, lv->iv[order[i]].start);
		alloc_one(&s, order[i]);
	}
	prefer_r0(f, lv, ra);
	free(s.active);
	free(s.want_reg);
	free(s.want_like);
	free(order);
}

void bpf_regalloc_free(RegAlloc *ra)
{
	free(ra->reg);
	free(ra->spill);
	free(ra->remat);
	ra->reg = ra->spill = NULL;
	ra->remat = NULL;
}
