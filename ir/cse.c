/* Common subexpressions by value numbering over the dominator tree.
 *
 * Vregs are not SSA, so only a vreg written once in the function (or a
 * parameter never written) has one value everywhere it is read: a
 * "stable" vreg. Each stable vreg gets a value number: equal numbers,
 * equal values. A pure helper whose result is fixed for one run of a
 * program (get_current_pid_tgid, ...) or a map lookup computed again
 * where an earlier one dominates it becomes a copy of the earlier result,
 * and the copy then goes into its uses. A lookup is reused only with the
 * same map and the same key bytes (the slot's contents, known from the
 * stores of its block), and only when no path between the two can change
 * the map (an update, a delete, a user function, a helper not known to
 * leave maps alone). */
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "passes.h"
#include "../common/util.h"

enum { MAXPIECES = 16 };

/* Known bytes of a slot: [off, off+size) holds value number vn (an
 * immediate when imm is set). */
typedef struct Piece {
	int off, size, imm;
	int64_t vn;
} Piece;

/* Bytes not in a piece are unknown. */
typedef struct Contents {
	int n;
	Piece p[MAXPIECES];
} Contents;

/* A computed value: the operation, its operands as value numbers (or
 * immediates), and for a lookup the key's bytes. */
typedef struct Expr {
	IrOp op;
	int64_t target;
	int32_t off;
	int nops;
	int64_t ops[5];
	char isimm[5];
	Contents key;
	int vn, vreg;	/* its value number, the stable vreg holding it */
	int block, pos;
} Expr;

typedef struct Cse {
	IrFunc *f;
	int *ndefs, *vn, *leader;
	const IrIns **def;	/* per vreg: its first writer (the only one when ndefs is 1) */
	int nvn;
	int *idom;
	Expr *e;
	int ne;
	int *head, *tail, *next;	/* hash chains of e, oldest first: by bucket, next per e */
	Contents *slots;	/* per slot, in the current block */
	char **reach;		/* reach[a][b]: a path of at least one edge from a to b */
	int chained;		/* a subprogram, or a function that calls one */
} Cse;

/* Operations that compute a value from their operands alone (a MOV is
 * numbered as what it copies). */
static int pure_op(const IrIns *i)
{
	return ir_op_is(i->op, F_PURE) && i->op != IR_MOV;
}

static int stable(const Cse *c, int v)
{
	return c->ndefs[v] == 1 || (v < c->f->nparams && c->ndefs[v] == 0);
}

/* The value number of operand o, into *vn and *imm; 0 when it has none. */
static int opnd_vn(const Cse *c, IrOpnd o, int64_t *vn, char *imm)
{
	*imm = o.kind != O_VREG;
	*vn = o.v;
	if (o.kind == O_SLOT)
		*vn = -1 - o.v;	/* a slot's address: distinct from any immediate used as one */
	if (o.kind != O_VREG)
		return 1;
	if (!stable(c, o.v) || c->vn[o.v] < 0)
		return 0;
	*vn = c->vn[o.v];
	return 1;
}

static int dominates(const Cse *c, int a, int b)
{
	while (b != a && b != 0)
		b = c->idom[b];
	return a == b;
}

/* Dominators by the iterative algorithm of Cooper, Harvey and Kennedy,
 * the blocks in reverse postorder (ir_order_blocks). */
static void dominators(Cse *c)
{
	IrFunc *f = c->f;
	int n = f->nblocks;
	for (int b = 0; b < n; b++)
		c->idom[b] = -1;
	c->idom[0] = 0;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 1; b < n; b++) {
			int nd = -1;
			for (int p = 0; p < n; p++) {
				IrBlock *succ[2];
				int ns = ir_succs(f->blocks[p], succ);
				int edge = (ns > 0 && succ[0]->id == b) || (ns > 1 && succ[1]->id == b);
				if (!edge || c->idom[p] < 0)
					continue;
				int x = p, y = nd;
				while (y >= 0 && x != y) {
					while (x > y)
						x = c->idom[x];
					while (y > x)
						y = c->idom[y];
				}
				nd = x;
			}
			if (nd != c->idom[b]) {
				c->idom[b] = nd;
				changed = 1;
			}
		}
	}
}

static void reachability(Cse *c)
{
	int n = c->f->nblocks;
	c->reach = xcalloc(n, sizeof(char *));
	for (int a = 0; a < n; a++) {
		char *r = c->reach[a] = xcalloc(n, 1);
		int *stack = xmalloc(n * sizeof(int)), sp = 0;
		stack[sp++] = a;
		while (sp) {
			IrBlock *succ[2];
			for (int k = 0, ns = ir_succs(c->f->blocks[stack[--sp]], succ); k < ns; k++)
				if (!r[succ[k]->id]) {
					r[succ[k]->id] = 1;
					stack[sp++] = succ[k]->id;
				}
		}
		free(stack);
	}
}

static int kills_lookups(const IrIns *i)
{
	return i->op == IR_CALLF || (i->op == IR_CALL && !ir_helper_is(i->target, H_KEEPS_MAPS));
}

/* A call of a function of the module: a user function, or bpf_loop's
 * callback. */
/* A subprogram, or a function that calls one: its stack adds up with
 * others' along a chain of calls. */
static int chained(const IrFunc *f)
{
	int yes = f->section && !strcmp(f->section, ".text");
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++)
			yes |= ir_calls_function(&f->blocks[b]->ins[k]);
	return yes;
}

static int is_call(const IrIns *i)
{
	return i->op == IR_CALL || i->op == IR_CALLF;
}

/* May write memory a load reads: every op with an effect but the
 * terminators (stores, and calls: helpers write through their pointer
 * arguments, callbacks through anything). */
static int kills_loads(const IrIns *i)
{
	return ir_op_is(i->op, F_EFFECT) && !ir_is_term(i->op);
}

typedef int Kills(const IrIns *i);

static int range_kills(const IrBlock *b, int from, int to, Kills *kills)
{
	for (int k = from; k < to; k++)
		if (kills(&b->ins[k]))
			return 1;
	return 0;
}

/* Is there an instruction that kills between instruction pa of block a and
 * pb of block b (a dominates b)? Every block on a path from one to the
 * other counts. */
static int between(const Cse *c, int a, int pa, int b, int pb, Kills *kills)
{
	IrBlock **B = c->f->blocks;
	if (a == b && !c->reach[a][a])
		return range_kills(B[a], pa + 1, pb, kills);
	if (range_kills(B[a], pa + 1, B[a]->n, kills) || range_kills(B[b], 0, pb, kills))
		return 1;
	for (int x = 0; x < c->f->nblocks; x++)
		if (c->reach[a][x] && c->reach[x][b] && range_kills(B[x], 0, B[x]->n, kills))
			return 1;
	return 0;
}

/* The slots' contents after instruction i. */
static void track(Cse *c, const IrIns *i)
{
	Contents *s = i->a.kind == O_SLOT ? &c->slots[i->a.v] : NULL;
	int everything = (i->op == IR_CALL && !ir_helper_is(i->target, H_FIXED) && i->target != BPF_FUNC_map_lookup_elem) ||
			 i->op == IR_CALLF || (kills_loads(i) && !is_call(i) && !s);
	if (everything) {
		for (int k = 0; k < c->f->nslots; k++)
			c->slots[k].n = 0;
		return;
	}
	if (!s || (i->op != IR_STORE && i->op != IR_ZERO && i->op != IR_COPY))
		return;
	if (i->op == IR_COPY) {
		s->n = 0;
		return;
	}
	int size = i->size;
	int m = 0;
	for (int k = 0; k < s->n; k++)	/* drop the pieces it overwrites */
		if (s->p[k].off + s->p[k].size <= i->off || s->p[k].off >= i->off + size)
			s->p[m++] = s->p[k];
	s->n = m;
	for (int off = i->off; off < i->off + size; off += i->op == IR_ZERO ? 8 : size) {
		Piece p = { off, i->op == IR_ZERO ? 8 : size, 1, 0 };
		char imm = 1;
		if ((i->op == IR_STORE && !opnd_vn(c, i->b, &p.vn, &imm)) || s->n == MAXPIECES) {
			s->n = 0;	/* forgetting is always right */
			return;
		}
		p.imm = imm;
		s->p[s->n++] = p;
	}
}

static int piece_cmp(const void *x, const void *y)
{
	return ((const Piece *)x)->off - ((const Piece *)y)->off;
}

/* The key of a lookup: the whole slot its second argument is the address
 * of, when every byte of it is known. */
static int lookup_key(Cse *c, const IrIns *i, Contents *key, int64_t *slot)
{
	IrOpnd k = i->args[1];
	if (k.kind == O_VREG) {
		/* an address of a slot, from an ADDR in this function */
		const IrIns *d = c->ndefs[k.v] == 1 ? c->def[k.v] : NULL;
		if (!d || d->op != IR_ADDR || d->off != 0)
			return 0;
		k = d->a;
	}
	if (k.kind != O_SLOT)
		return 0;
	*key = c->slots[k.v];
	qsort(key->p, key->n, sizeof(Piece), piece_cmp);
	int end = 0;
	for (int x = 0; x < key->n; x++) {
		if (key->p[x].off != end)
			return 0;
		end += key->p[x].size;
	}
	*slot = k.v;
	return end == c->f->slots[k.v].size;
}

/* The expression i computes, into e; 0 when it is not one to number. */
static int expr_of(Cse *c, const IrIns *i, Expr *e)
{
	memset(e, 0, sizeof(*e));
	e->op = i->op;
	e->target = i->target;
	e->off = i->off;
	if (i->dst < 0 || !stable(c, i->dst))
		return 0;
	if (i->op == IR_CALL) {
		/* in user context a lookup is the interpreter's copy: never reused */
		int lookup = i->target == BPF_FUNC_map_lookup_elem && i->nargs == 2 && c->f->ctx == IRF_KERNEL;
		if (!ir_helper_is(i->target, H_FIXED) && !lookup)
			return 0;
		int64_t slot;
		if (lookup && (!opnd_vn(c, i->args[0], &e->ops[0], &e->isimm[0]) ||
			       !lookup_key(c, i, &e->key, &slot)))
			return 0;
		e->nops = lookup;
		return 1;
	}
	if (i->op == IR_LOAD) {	/* the size in target: a CO-RE load has its own */
		e->target = i->size;
		e->nops = 1;
		return !i->target && opnd_vn(c, i->a, &e->ops[0], &e->isimm[0]);
	}
	if (!pure_op(i))
		return 0;
	IrOpnd o[2] = { i->a, i->b };
	for (int k = 0; k < 2; k++) {
		if (o[k].kind == O_NONE)
			continue;
		if (!opnd_vn(c, o[k], &e->ops[e->nops], &e->isimm[e->nops]))
			return 0;
		e->nops++;
	}
	return 1;
}

static int same_contents(const Contents *x, const Contents *y)
{
	if (x->n != y->n)
		return 0;
	for (int k = 0; k < x->n; k++)
		if (x->p[k].off != y->p[k].off || x->p[k].size != y->p[k].size || x->p[k].imm != y->p[k].imm ||
		    x->p[k].vn != y->p[k].vn)
			return 0;
	return 1;
}

static int same_expr(const Expr *x, const Expr *y)
{
	if (x->op != y->op || x->target != y->target || x->off != y->off || x->nops != y->nops)
		return 0;
	for (int k = 0; k < x->nops; k++)
		if (x->ops[k] != y->ops[k] || x->isimm[k] != y->isimm[k])
			return 0;
	return x->op != IR_CALL || same_contents(&x->key, &y->key);
}

/* Buckets of the expressions' hash table: numbering looks up every
 * instruction, and a long handler computes thousands. */
enum { NHASH = 1024 };

static unsigned hash(const Expr *e)
{
	uint64_t h = (uint64_t)e->op * 31 + (uint64_t)e->target * 17 + (uint32_t)e->off;
	for (int k = 0; k < e->nops; k++)
		h = h * 1000003 + (uint64_t)e->ops[k] * 2 + e->isimm[k];
	return (unsigned)(h ^ h >> 29) % NHASH;
}

static void remember(Cse *c, const Expr *e)
{
	c->e = xgrow(c->e, c->ne, sizeof(Expr));
	c->next = xgrow(c->next, c->ne, sizeof(int));
	unsigned h = hash(e);
	c->e[c->ne] = *e;
	c->next[c->ne] = -1;
	if (c->tail[h] >= 0)
		c->next[c->tail[h]] = c->ne;
	else
		c->head[h] = c->ne;
	c->tail[h] = c->ne++;
}

/* An earlier computation of e whose result can stand for e's at
 * instruction pos of block b, or NULL. */
static const Expr *available(const Cse *c, const Expr *e, int b, int pos)
{
	for (int k = c->head[hash(e)]; k >= 0; k = c->next[k]) {
		const Expr *x = &c->e[k];
		if (!same_expr(x, e))
			continue;
		if (x->op == IR_LOAD) {
			if (dominates(c, x->block, b) && !between(c, x->block, x->pos, b, pos, kills_loads))
				return x;
			continue;
		}
		if (x->op != IR_CALL)	/* pure: equal operands, equal values */
			return x;
		if (!dominates(c, x->block, b))
			continue;
		int lookup = x->target == BPF_FUNC_map_lookup_elem;
		if (!lookup || !between(c, x->block, x->pos, b, pos, kills_lookups))
			return x;
	}
	return NULL;
}

/* Is every read of i's vreg operands an instruction computing what i
 * computes? */
static int only_feeds(const Cse *c, const IrIns *i)
{
	int u[7];
	for (int b = 0; b < c->f->nblocks; b++)
		for (int k = 0; k < c->f->blocks[b]->n; k++) {
			const IrIns *j = &c->f->blocks[b]->ins[k];
			int same = j->op == i->op && j->a.kind == i->a.kind && j->a.v == i->a.v &&
				   j->b.kind == i->b.kind && j->b.v == i->b.v;
			for (int n = ir_uses(j, u); n-- > 0 && !same;)
				if ((i->a.kind == O_VREG && u[n] == i->a.v) || (i->b.kind == O_VREG && u[n] == i->b.v))
					return 0;
		}
	return 1;
}

/* Can x's result stand for i's (at instruction pos of block b) in a
 * register? Arithmetic (the ops ir_fold evaluates) where its first
 * computation dominates, over a call only when its operands are read by
 * nothing else: kept over a call a value takes one of the four registers
 * calls keep, or a spill, to save one instruction, unless it replaces its
 * operands there. An address or a map pointer is as cheap to make again.
 * Nothing is kept across a call of a function (a user function, a loop's
 * body), and in a function that is or makes such a call nothing is kept
 * over any call: there the stacks of the chain add up to the kernel's 512
 * bytes, and a spill may pass it. */
static int reusable(const Cse *c, const Expr *x, const IrIns *i, int b, int pos)
{
	if (c->chained && between(c, x->block, x->pos, b, pos, is_call))
		return 0;
	if (x->op == IR_CALL)
		return !between(c, x->block, x->pos, b, pos, ir_calls_function);
	if (x->op == IR_LOAD)	/* available(): nothing between, not even a call */
		return 1;
	return ir_op_is(x->op, F_FOLD) && dominates(c, x->block, b) &&
	       (only_feeds(c, i) || !between(c, x->block, x->pos, b, pos, is_call));
}

/* A store of all 8 bytes of a stable vreg: a load of them later reads it. */
static void stored(Cse *c, const IrIns *i, int b, int pos)
{
	Expr e = { .op = IR_LOAD, .target = 8, .off = i->off, .nops = 1, .block = b };
	if (i->op != IR_STORE || i->size != 8 || i->b.kind != O_VREG ||
	    !opnd_vn(c, i->a, &e.ops[0], &e.isimm[0]) || !stable(c, i->b.v) || c->vn[i->b.v] < 0)
		return;
	e.vn = c->vn[i->b.v];
	e.vreg = i->b.v;
	e.pos = pos;
	remember(c, &e);
}

static int number(Cse *c, IrBlock *b)
{
	int changed = 0;
	for (int k = 0; k < c->f->nslots; k++)
		c->slots[k].n = 0;
	for (int pos = 0; pos < b->n; pos++) {
		IrIns *i = &b->ins[pos];
		Expr e;
		if (expr_of(c, i, &e)) {
			const Expr *x = available(c, &e, b->id, pos);
			int reuse = x && reusable(c, x, i, b->id, pos);
			if (reuse) {
				IrIns mov = { .op = IR_MOV, .dst = i->dst, .a = ir_r(x->vreg),
					      .line = i->line, .col = i->col };
				*i = mov;
				c->leader[i->dst] = x->vreg;
				changed = 1;
			}
			c->vn[i->dst] = x ? x->vn : c->nvn++;
			if (!x) {
				e.vn = c->vn[i->dst];
				e.vreg = i->dst;
				e.block = b->id;
				e.pos = pos;
				remember(c, &e);
			}
		} else if (i->dst >= 0 && stable(c, i->dst) && i->op == IR_MOV && i->a.kind == O_VREG &&
			   stable(c, i->a.v)) {
			c->vn[i->dst] = c->vn[i->a.v];
		} else if (i->dst >= 0 && stable(c, i->dst)) {
			c->vn[i->dst] = c->nvn++;
		}
		track(c, i);
		stored(c, i, b->id, pos);
	}
	return changed;
}

/* A vreg made a copy of a stable one is read as that one: the copy's
 * value was the leader's when it was made, and the leader never changes. */
static void forward(Cse *c)
{
	for (int b = 0; b < c->f->nblocks; b++)
		for (int k = 0; k < c->f->blocks[b]->n; k++) {
			IrIns *i = &c->f->blocks[b]->ins[k];
			IrOpnd *o[7];
			for (int j = ir_opnds(i, o); j-- > 0;)
				if (o[j]->kind == O_VREG && c->leader[o[j]->v] >= 0)
					o[j]->v = c->leader[o[j]->v];
		}
}

/* A data section addressed twice or more in f is addressed once, at the
 * entry, and every address of it becomes that base plus an offset, which
 * ir_fold moves into the offset of the loads and stores using it: one
 * register (r6-r9 where it lives over calls) instead of a 64-bit
 * immediate, two instructions, per use. Not in a function of a call chain
 * (see reusable()), where a spill of the base could pass the stack's 512
 * bytes. */
static int share_sections(IrFunc *f)
{
	int uses[DATA_NSEC] = { 0 }, base[DATA_NSEC], line[DATA_NSEC], changed = 0;
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->op == IR_MAPVAL && uses[i->target]++ == 0)
				line[i->target] = i->line;
		}
	for (int s = 0; s < DATA_NSEC; s++)
		if (uses[s] >= 2) {
			IrBlock *e = f->blocks[0];
			base[s] = ir_vreg(f);
			ir_emit(e, IR_MAPVAL);
			memmove(e->ins + 1, e->ins, (e->n - 1) * sizeof(IrIns));
			e->ins[0] = (IrIns){ .op = IR_MAPVAL, .dst = base[s], .target = s, .line = line[s] };
			changed = 1;
		}
	for (int b = 0; b < f->nblocks && changed; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			IrIns *i = &f->blocks[b]->ins[k];
			if (i->op != IR_MAPVAL || uses[i->target] < 2 || i->dst == base[i->target])
				continue;
			i->op = i->off ? IR_ADD : IR_MOV;
			i->a = ir_r(base[i->target]);
			i->b = i->off ? ir_imm(i->off) : (IrOpnd){ O_NONE, 0 };
			i->off = 0;
			i->target = 0;
		}
	return changed;
}

int ir_cse(IrFunc *f)
{
	ir_order_blocks(f);
	Cse c = { .f = f, .chained = chained(f) };	/* share_sections adds no call */
	int shared = c.chained ? 0 : share_sections(f);
	int nv = f->nvregs;
	c.ndefs = xcalloc(nv, sizeof(int));
	c.vn = xmalloc(nv * sizeof(int));
	c.leader = xmalloc(nv * sizeof(int));
	for (int v = 0; v < nv; v++)
		c.vn[v] = c.leader[v] = -1;
	c.def = xmalloc(nv * sizeof(*c.def));	/* numbering rewrites in place: pointers stay */
	for (int b = 0; b < f->nblocks; b++)
		for (int k = 0; k < f->blocks[b]->n; k++) {
			const IrIns *i = &f->blocks[b]->ins[k];
			if (i->dst >= 0 && c.ndefs[i->dst]++ == 0)
				c.def[i->dst] = i;
		}
	for (int v = 0; v < f->nparams && v < nv; v++)
		if (c.ndefs[v] == 0)
			c.vn[v] = c.nvn++;
	c.idom = xmalloc(f->nblocks * sizeof(int));
	c.head = xmalloc(NHASH * sizeof(int));
	c.tail = xmalloc(NHASH * sizeof(int));
	for (int h = 0; h < NHASH; h++)
		c.head[h] = c.tail[h] = -1;
	c.slots = xcalloc(f->nslots + 1, sizeof(Contents));
	dominators(&c);
	reachability(&c);
	int changed = 0;
	for (int b = 0; b < f->nblocks; b++)
		if (c.idom[b] >= 0)
			changed |= number(&c, f->blocks[b]);
	if (changed)
		forward(&c);
	for (int b = 0; b < f->nblocks; b++)
		free(c.reach[b]);
	free(c.reach);
	free(c.ndefs);
	free(c.def);
	free(c.vn);
	free(c.leader);
	free(c.idom);
	free(c.e);
	free(c.next);
	free(c.head);
	free(c.tail);
	free(c.slots);
	return changed | shared;
}
