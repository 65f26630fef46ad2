/* Aggregations (§12): `t[k] <<< v` in the kernel and the statistics read
 * from user context. The value (common/agg.h) lives in a per-CPU hash map,
 * so a handler updates its CPU's copy with plain loads and stores: no
 * atomics, and no update lost, since the runtime merges the copies. */
#include <linux/bpf.h>
#include "lower_impl.h"
#include "../common/agg.h"

int agg_value_size(TableInfo *t)
{
	int lin = t->lstep ? (int)((t->lmax - t->lmin) / t->lstep) + 2 : 0;
	return AGG_LIN + 8 * lin;
}

/* An all-zero value in .rodata, the size of the largest aggregation's: what
 * a missing entry is inserted with (too big for the stack). */
static int zero_value(Lower *L)
{
	if (L->m->agg_zero < 0) {
		int size = 8;
		for (int i = 0; i < L->m->prog->ntables; i++)
			if (L->m->prog->tables[i]->agg && agg_value_size(L->m->prog->tables[i]) > size)
				size = agg_value_size(L->m->prog->tables[i]);
		L->m->agg_zero = ir_data_var(L->m->mod, DATA_RODATA, "ktap_agg_zero",
					  ir_layout(L->m->mod, L_STR, size, 0), NULL);
	}
	return L->m->agg_zero;
}

/* Look the key up: on a hit, p is the entry and control goes to go. */
static void lookup_into(Lower *L, TableInfo *t, IrOpnd key, int p, IrBlock *go, IrBlock *miss)
{
	IrBlock *hit = new_block(L);
	int q = emit_call(L, BPF_FUNC_map_lookup_elem, 2, ir_r(table_map(L, t)), key);
	emit_br(L, C_NE, ir_r(q), ir_imm(0), hit, miss);
	set_block(L, hit);
	emit_set(L, p, ir_r(q));
	emit_jmp(L, go);
}

/* The entry's value on this CPU, inserted zeroed when missing; jumps to
 * done when even that fails (the table is full: counted as a drop). */
static int entry(Lower *L, TableInfo *t, IrOpnd key, IrBlock *done)
{
	int p = ir_vreg(L->fn->f);
	IrBlock *init = new_block(L), *retry = new_block(L), *go = new_block(L);
	lookup_into(L, t, key, p, go, init);
	set_block(L, init);
	int z = emit_mapval(L, DATA_RODATA, zero_value(L));
	int r = emit_call(L, BPF_FUNC_map_update_elem, 4, ir_r(table_map(L, t)), key, ir_r(z),
			  ir_imm(BPF_NOEXIST));
	table_update_check(L, t, r, retry);
	lookup_into(L, t, key, p, go, done);
	set_block(L, go);
	return p;
}

/* *(p + off) += n */
static void add_at(Lower *L, IrOpnd p, int off, IrOpnd n)
{
	emit_store(L, p, off, 8, ir_r(emit_op(L, IR_ADD, ir_r(emit_load(L, p, off, 8)), n)));
}

/* min and max: the first value sets both. */
static void min_max(Lower *L, IrOpnd p, IrOpnd v, int count)
{
	IrBlock *first = new_block(L), *later = new_block(L), *setmin = new_block(L);
	IrBlock *maxtest = new_block(L), *setmax = new_block(L), *done = new_block(L);
	emit_br(L, C_EQ, ir_r(count), ir_imm(0), first, later);
	set_block(L, first);
	emit_store(L, p, AGG_MIN, 8, v);
	emit_store(L, p, AGG_MAX, 8, v);
	emit_jmp(L, done);
	set_block(L, later);
	emit_br(L, C_LT, v, ir_r(emit_load(L, p, AGG_MIN, 8)), setmin, maxtest);
	set_block(L, setmin);
	emit_store(L, p, AGG_MIN, 8, v);
	emit_jmp(L, maxtest);
	set_block(L, maxtest);
	emit_br(L, C_GT, v, ir_r(emit_load(L, p, AGG_MAX, 8)), setmax, done);
	set_block(L, setmax);
	emit_store(L, p, AGG_MAX, 8, v);
	emit_jmp(L, done);
	set_block(L, done);
}

/* floor(log2(v)) for v > 0, without branches: halve the range six times. */
static int log2_of(Lower *L, IrOpnd v)
{
	int x = emit_mov(L, v), n = emit_mov(L, ir_imm(0));
	for (int s = 32; s; s /= 2) {
		int hi = emit_op(L, IR_SHR, ir_r(x), ir_imm(s));
		int neg = emit_op(L, IR_NEG, ir_r(hi), (IrOpnd){ 0 });
		int some = emit_op(L, IR_SHR, ir_r(neg), ir_imm(63));	/* hi != 0 */
		int sh = emit_op(L, IR_MUL, ir_r(some), ir_imm(s));
		emit_set(L, x, ir_r(emit_op(L, IR_SHR, ir_r(x), ir_r(sh))));
		emit_set(L, n, ir_r(emit_op(L, IR_ADD, ir_r(n), ir_r(sh))));
	}
	return n;
}

/* Count one in bucket idx of the array at p + off, idx < n: the check is
 * what lets the verifier accept the access. */
static void bump(Lower *L, IrOpnd p, int off, int idx, int n)
{
	IrBlock *ok = new_block(L), *done = new_block(L);
	emit_br(L, C_ULT, ir_r(idx), ir_imm(n), ok, done);
	set_block(L, ok);
	int at8 = emit_op(L, IR_SHL, ir_r(idx), ir_imm(3));
	add_at(L, ir_r(emit_op(L, IR_ADD, p, ir_r(at8))), off, ir_imm(1));
	emit_jmp(L, done);
	set_block(L, done);
}

static void log2_bucket(Lower *L, IrOpnd p, IrOpnd v)
{
	int idx = ir_vreg(L->fn->f);
	IrBlock *nonneg = new_block(L), *pos = new_block(L), *have = new_block(L);
	emit_set(L, idx, ir_imm(0));
	emit_br(L, C_LT, v, ir_imm(0), have, nonneg);
	set_block(L, nonneg);
	emit_set(L, idx, ir_imm(1));
	emit_br(L, C_EQ, v, ir_imm(0), have, pos);
	set_block(L, pos);
	emit_set(L, idx, ir_r(emit_op(L, IR_ADD, ir_r(log2_of(L, v)), ir_imm(2))));
	emit_jmp(L, have);
	set_block(L, have);
	bump(L, p, AGG_LOG2, idx, AGG_LOG2_N);
}

static void linear_bucket(Lower *L, TableInfo *t, IrOpnd p, IrOpnd v)
{
	int n = (int)((t->lmax - t->lmin) / t->lstep), idx = ir_vreg(L->fn->f);
	IrBlock *above = new_block(L), *inside = new_block(L), *have = new_block(L);
	emit_set(L, idx, ir_imm(0));
	emit_br(L, C_LT, v, ir_imm(t->lmin), have, above);
	set_block(L, above);
	emit_set(L, idx, ir_imm(n + 1));
	emit_br(L, C_GE, v, ir_imm(t->lmax), have, inside);
	set_block(L, inside);
	int off = emit_op(L, IR_SUB, v, ir_imm(t->lmin));
	emit_set(L, idx, ir_r(emit_op(L, IR_ADD, ir_r(emit_op(L, IR_DIV, ir_r(off), ir_imm(t->lstep))),
				      ir_imm(1))));
	emit_jmp(L, have);
	set_block(L, have);
	bump(L, p, AGG_LIN, idx, n + 2);
}

/* t[k] <<< v (key already built). */
void agg_record(Lower *L, TableInfo *t, IrOpnd key, Node *value)
{
	IrOpnd v = lower_expr(L, value);
	if (v.kind != O_VREG)
		v = ir_r(emit_mov(L, v));
	IrBlock *done = new_block(L);
	IrOpnd p = ir_r(entry(L, t, key, done));
	int count = emit_load(L, p, AGG_COUNT, 8);
	emit_store(L, p, AGG_COUNT, 8, ir_r(emit_op(L, IR_ADD, ir_r(count), ir_imm(1))));
	add_at(L, p, AGG_SUM, v);
	min_max(L, p, v, count);
	log2_bucket(L, p, v);
	if (t->lstep)
		linear_bucket(L, t, p, v);
	emit_jmp(L, done);
	set_block(L, done);
}

/* count(t[k]), sum, avg, min, max: 0 for a missing key. User context reads
 * the value merged over the CPUs. */
IrOpnd agg_stat(Lower *L, Node *call)
{
	Node *index = call->list.v[0];
	TableInfo *t = ty(index->a)->table;
	IrOpnd key = table_key(L, t, &index->list);
	at(L, call);
	int p = emit_call(L, BPF_FUNC_map_lookup_elem, 2, ir_r(table_map(L, t)), key);
	int r = emit_mov(L, ir_imm(0));
	IrBlock *hit = new_block(L), *done = new_block(L);
	emit_br(L, C_NE, ir_r(p), ir_imm(0), hit, done);
	set_block(L, hit);
	static const int off[] = { [F_AGG_COUNT - F_AGG_COUNT] = AGG_COUNT,
		[F_AGG_SUM - F_AGG_COUNT] = AGG_SUM, [F_AGG_MIN - F_AGG_COUNT] = AGG_MIN,
		[F_AGG_MAX - F_AGG_COUNT] = AGG_MAX, [F_AGG_AVG - F_AGG_COUNT] = AGG_SUM };
	IrOpnd v = ir_r(emit_load(L, ir_r(p), off[call->num - F_AGG_COUNT], 8));
	if (call->num == F_AGG_AVG)
		v = ir_r(emit_op(L, IR_DIV, v, ir_r(emit_load(L, ir_r(p), AGG_COUNT, 8))));
	emit_set(L, r, v);
	emit_jmp(L, done);
	set_block(L, done);
	return ir_r(r);
}
