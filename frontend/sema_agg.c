/* Aggregations (§12): a table that receives `<<<` takes no other write and
 * is read only through count() sum() avg() min() max(), pairs and the print
 * functions. Uses are collected while checking and judged here, in one
 * place, once placeholder tables are merged into the tables they stand for. */
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

#define LHIST_MAX_BUCKETS 1000	/* the value holds them all, on every CPU */

void agg_use(Sema *S, AggUseKind kind, Node *tab, Loc loc, const char *what, Node *call)
{
	AggUse u = { kind, tab, loc, what, call };
	VEC_PUSH(S->aggs, u);
}

/* `t <<< v` records into the table's one unnamed entry: t[0]. */
static void unkeyed_target(Node *t)
{
	Node *name = node_new(N_NAME, t->loc), *key = node_new(N_NUM, t->loc);
	name->str = t->str;
	t->str = NULL;
	t->kind = N_INDEX;
	t->a = name;
	t->num = 1;	/* marks the rewritten form for check_aggs */
	nodelist_push(&t->list, key);
}

/* `t[k] <<< v` or `t <<< v`. */
void check_agg_record(Sema *S, Node *n)
{
	Node *t = n->list.v[0], *v = n->list2.n ? n->list2.v[0] : NULL;
	if (v && check_expr(S, v))
		expect_kind(S, v, TY_NUM, "the value recorded with '<<<'");
	if (t->kind == N_NAME)
		unkeyed_target(t);
	if (t->kind != N_INDEX) {
		diag_error(S->d, DC_AGG_RECORD, t->loc, "'<<<' records into a table: t[k] <<< v or t <<< v");
		return;
	}
	S->agg_arg = 1;
	check_expr(S, t);
	if (!t->a->type || type_repr(t->a->type)->kind != TY_TABLE)
		return;
	ctx_use(S, n, CTX_KERNEL, "recording with '<<<'");
	table_written(S, t->a);
	check_unify(S, t, t->type, type_new(S, TY_NUM, n->loc), "the value of an aggregation (its count)");
	agg_use(S, AU_RECORD, t->a, n->loc, NULL, t);
}

/* The argument of count() and friends: an entry of an aggregation. */
void check_agg_arg(Sema *S, Node *arg, const char *fname)
{
	if (arg->kind != N_INDEX) {
		diag_error(S->d, DC_NOT_AGGREGATION, arg->loc, "the argument of %s() must be an entry of an aggregation, "
			   "t[k]", fname);
		return;
	}
	agg_use(S, AU_NEEDS, arg->a, arg->loc, fname, NULL);
}

static const AggUse *recorded(Sema *S, TableInfo *ti)
{
	for (int i = 0; i < S->aggs.n; i++) {
		AggUse *u = &S->aggs.v[i];
		if (u->kind == AU_RECORD && type_repr(u->tab->type)->table == ti)
			return u;
	}
	return NULL;
}

static const char *tname(TableInfo *ti)
{
	return ti->name ? ti->name : "table";
}

/* print_lhist(t, min, max, step): the bounds decide the buckets the kernel
 * keeps, so they are constants, one set per aggregation. */
static void lhist_bounds(Sema *S, TableInfo *ti, Node *call)
{
	int64_t v[3];
	for (int i = 0; i < 3; i++) {
		Node *a = i + 1 < call->list.n ? call->list.v[i + 1] : NULL;
		if (!const_number(a, &v[i])) {	/* linear buckets often start below 0 */
			diag_error(S->d, DC_LHIST_BOUNDS, a ? a->loc : call->loc, "the bounds of print_lhist must be "
				   "constant numbers: print_lhist(t, min, max, step)");
			return;
		}
	}
	int64_t span;	/* max - min, refused where it would overflow */
	if (v[2] <= 0 || v[1] <= v[0] || __builtin_sub_overflow(v[1], v[0], &span) ||
	    span / v[2] > LHIST_MAX_BUCKETS || span % v[2]) {
		diag_error(S->d, DC_LHIST_BOUNDS, call->loc, "print_lhist needs min < max and a step > 0 that divides "
			   "max - min into at most %d buckets", LHIST_MAX_BUCKETS);
		return;
	}
	if (ti->lstep && (ti->lmin != v[0] || ti->lmax != v[1] || ti->lstep != v[2])) {
		diag_error(S->d, DC_LHIST_BOUNDS, call->loc, "aggregation '%s' is printed with other print_lhist bounds "
			   "elsewhere: the kernel keeps one set of linear buckets per aggregation",
			   tname(ti));
		return;
	}
	ti->lmin = v[0], ti->lmax = v[1], ti->lstep = v[2];
}

static void judge(Sema *S, AggUse *u, TableInfo *ti)
{
	const AggUse *r = recorded(S, ti);
	switch (u->kind) {
	case AU_RECORD:
		break;
	case AU_PLAIN:
		if (!r)
			break;
		diag_error(S->d, DC_AGG_MISUSE, u->loc, "table '%s' is an aggregation: it cannot be read or written "
			   "as an ordinary table (use count(), sum(), avg(), min() or max() of it)",
			   tname(ti));
		diag_note(S->d, r->loc, "it receives '<<<' here");
		break;
	case AU_NEEDS:
		if (!r)
			diag_error(S->d, DC_NOT_AGGREGATION, u->loc, "%s() needs an aggregation, but table '%s' never "
				   "receives '<<<'", u->what, tname(ti));
		else if (u->call)
			lhist_bounds(S, ti, u->call);
		break;
	}
}

/* `t <<< v` writes t[0]: with `t[k] <<< v` too, t[0] would be both. */
static void mixed_keys(Sema *S, TableInfo *ti)
{
	const AggUse *keyless = NULL, *keyed = NULL;
	for (int i = 0; i < S->aggs.n; i++) {
		AggUse *u = &S->aggs.v[i];
		if (u->kind != AU_RECORD || type_repr(u->tab->type)->table != ti)
			continue;
		if (u->call->num == 1 && !keyless)
			keyless = u;
		else if (u->call->num != 1 && !keyed)
			keyed = u;
	}
	if (!keyless || !keyed)
		return;
	diag_error(S->d, DC_AGG_KEYS, keyed->loc, "aggregation '%s' is keyless ('%s <<< v') elsewhere: it "
		   "cannot also be keyed", tname(ti), tname(ti));
	diag_note(S->d, keyless->loc, "it receives '<<<' without a key here");
}

void check_aggs(Sema *S)
{
	for (int i = 0; i < S->aggs.n; i++) {
		AggUse *u = &S->aggs.v[i];
		Type *r = type_repr(u->tab->type);
		if (r->kind != TY_TABLE || r->table->id < 0)
			continue;
		TableInfo *ti = r->table;
		if (u->kind == AU_RECORD) {
			ti->agg = 1;
			ti->unkeyed |= u->call->num == 1;	/* see unkeyed_target */
		}
		judge(S, u, ti);
	}
	for (int i = 0; i < S->prog.ntables; i++) {
		TableInfo *ti = S->prog.tables[i];
		if (ti->unkeyed)
			mixed_keys(S, ti);
		if (ti->agg && ti->ctor && ti->ctor->kind == N_TABLE && ti->ctor->list.n)
			diag_error(S->d, DC_AGG_INIT, ti->ctor->loc, "aggregation '%s' starts empty: its "
				   "constructor cannot have fields", tname(ti));
	}
}
