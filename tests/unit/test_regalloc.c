/* Liveness and register allocation on small hand-built functions: the
 * exact choices for known shapes, and the invariants for all of them. */
#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "backend/bpf/bpf_internal.h"
#include "ir/check.h"

static int op2(IrFunc *f, IrBlock *b, IrOp op, IrOpnd a, IrOpnd x)
{
	int d = ir_vreg(f);
	IrIns *i = ir_emit(b, op);
	i->dst = d, i->a = a, i->b = x;
	return d;
}

static int mov(IrFunc *f, IrBlock *b, int64_t v)
{
	return op2(f, b, IR_MOV, ir_imm(v), (IrOpnd){ 0 });
}

static int helper(IrFunc *f, IrBlock *b)
{
	IrIns *i = ir_emit(b, IR_CALL);
	i->dst = ir_vreg(f), i->target = BPF_FUNC_ktime_get_ns;
	return i->dst;
}

static void ret(IrBlock *b, int v)
{
	ir_emit(b, IR_RET)->a = ir_r(v);
}

/* s = v[0] + v[1] + ... in that order, so v[k] dies at the k-th add. */
static int sum(IrFunc *f, IrBlock *b, const int *v, int n)
{
	int s = v[0];
	for (int k = 1; k < n; k++)
		s = op2(f, b, IR_ADD, ir_r(s), ir_r(v[k]));
	return s;
}

static int overlap(const Interval *a, const Interval *b)
{
	return a->start >= 0 && b->start >= 0 && a->start <= b->end && b->start <= a->end;
}

/* What must hold of every allocation. */
static void check_invariants(const Liveness *lv, const RegAlloc *ra)
{
	for (int v = 0; v < ra->nvregs; v++) {
		const Interval *iv = &lv->iv[v];
		if (iv->start < 0) {
			assert_int_equal(ra->reg[v], -1);
			assert_int_equal(ra->spill[v], -1);
			continue;
		}
		/* a register, a slot, or made again at each use */
		assert_int_equal((ra->reg[v] >= 0) + (ra->spill[v] >= 0) + remade(ra, v), 1);
		if (ra->reg[v] >= 0) {
			/* r0 only for values no call clobbers (prefer_r0) */
			assert_true(ra->reg[v] >= 0 && ra->reg[v] <= 9 && ra->reg[v] != 5);
			if (ra->reg[v] == 0)
				assert_false(iv->across_call);
			if (iv->across_call)
				assert_true(ra->reg[v] >= 6);
		} else if (ra->spill[v] >= 0)
			assert_true(ra->spill[v] < ra->nspills);
		for (int u = 0; u < v; u++) {
			if (!overlap(iv, &lv->iv[u]))
				continue;
			if (ra->reg[v] >= 0)
				assert_int_not_equal(ra->reg[v], ra->reg[u]);
			else if (ra->spill[v] >= 0)
				assert_int_not_equal(ra->spill[v], ra->spill[u]);
		}
	}
}

typedef struct Alloc {
	IrModule *m;
	IrFunc *f;
	Liveness lv;
	RegAlloc ra;
} Alloc;

static void allocate(Alloc *a)
{
	assert_int_equal(ir_check(a->f, NULL, 0), 0);	/* what liveness assumes */
	bpf_liveness(a->f, &a->lv);
	bpf_regalloc(a->f, &a->lv, &a->ra);
	check_invariants(&a->lv, &a->ra);
}

static void done(Alloc *a)
{
	bpf_regalloc_free(&a->ra);
	bpf_liveness_free(&a->lv);
	ir_module_free(a->m);
}

static Alloc start(int nparams)
{
	Alloc a = { .m = ir_module_new() };
	a.f = ir_func_new(a.m, "t", "socket", IRF_KERNEL, nparams);
	return a;
}

/* Low pressure: no spills; the parameter keeps a register; values that do
 * not cross a call go to r1-r4 first. */
static void test_low_pressure(void **state)
{
	Alloc a = start(1);
	IrBlock *b = ir_block(a.f);
	int x = op2(a.f, b, IR_ADD, ir_r(0), ir_imm(1));
	int y = op2(a.f, b, IR_MUL, ir_r(x), ir_r(0));
	ret(b, y);
	allocate(&a);
	assert_int_equal(a.ra.nspills, 0);
	assert_int_equal(a.lv.iv[0].start, POS_ENTRY);
	assert_int_equal(a.ra.reg[0], 1);
	assert_int_equal(a.ra.reg[x], 2);
	assert_int_equal(a.ra.reg[y], 2);	/* x, its first operand, dies there: y takes its register */
	done(&a);
}

/* Ten values live at once, eight registers: the two that end last (the
 * last two defined) are spilled, each to its own slot. */
static void test_spill_exact(void **state)
{
	Alloc a = start(0);
	IrBlock *b = ir_block(a.f);
	int v[10];
	for (int k = 0; k < 10; k++)
		v[k] = mov(a.f, b, k);
	ret(b, sum(a.f, b, v, 10));
	allocate(&a);
	assert_int_equal(a.ra.nspills, 2);
	for (int k = 0; k < 8; k++)
		assert_true(a.ra.reg[v[k]] >= 0);
	assert_true(a.ra.spill[v[8]] >= 0 && a.ra.spill[v[9]] >= 0);
	done(&a);
}

/* The same with the first value a data section's address: it is the one
 * given up, made again where it is used (no slot); the last value is
 * spilled as before. */
static void test_remat(void **state)
{
	Alloc a = start(0);
	IrBlock *b = ir_block(a.f);
	int v[10];
	IrIns *i = ir_emit(b, IR_MAPVAL);
	i->dst = v[0] = ir_vreg(a.f);
	for (int k = 1; k < 10; k++)
		v[k] = mov(a.f, b, k);
	ret(b, sum(a.f, b, v, 10));
	allocate(&a);
	assert_true(remade(&a.ra, v[0]));
	assert_true(a.ra.reg[v[8]] >= 0);
	assert_true(a.ra.spill[v[9]] >= 0);
	assert_int_equal(a.ra.nspills, 1);
	done(&a);
}

/* Two phases of ten values: each spilled vreg has a spill slot of its
 * own, and the frame gives the second phase's the first phase's bytes. */
static void test_spill_slot_reuse(void **state)
{
	Alloc a = start(0);
	IrBlock *b = ir_block(a.f);
	int v[10], w[10];
	for (int k = 0; k < 10; k++)
		v[k] = mov(a.f, b, k);
	int s = sum(a.f, b, v, 10);
	w[0] = op2(a.f, b, IR_ADD, ir_r(s), ir_imm(1));
	for (int k = 1; k < 10; k++)
		w[k] = mov(a.f, b, k);
	ret(b, sum(a.f, b, w, 10));
	allocate(&a);
	assert_int_equal(a.ra.nspills, 4);
	assert_true(a.ra.spill[v[8]] >= 0 && a.ra.spill[v[9]] >= 0);
	assert_true(a.ra.spill[w[8]] >= 0 && a.ra.spill[w[9]] >= 0);
	Fn c = { .f = a.f, .lv = a.lv, .ra = a.ra };
	assert_int_equal(bpf_frame(&c), 16);
	assert_int_equal(spill_off(&c, v[8]) == spill_off(&c, w[8]) ||
			 spill_off(&c, v[8]) == spill_off(&c, w[9]), 1);
	free(c.slot_off);
	done(&a);
}

/* Six values live across a call: four in r6-r9, two spilled; the call's
 * result, which crosses nothing, takes a caller-saved register. */
static void test_across_call(void **state)
{
	Alloc a = start(0);
	IrBlock *b = ir_block(a.f);
	int v[7];
	for (int k = 0; k < 6; k++)
		v[k] = mov(a.f, b, k);
	v[6] = helper(a.f, b);
	ret(b, sum(a.f, b, v, 7));
	allocate(&a);
	for (int k = 0; k < 4; k++)
		assert_true(a.ra.reg[v[k]] >= 6);
	assert_true(a.ra.spill[v[4]] >= 0 && a.ra.spill[v[5]] >= 0);
	assert_int_equal(a.ra.nspills, 2);
	assert_false(a.lv.iv[v[6]].across_call);
	assert_true(a.ra.reg[v[6]] >= 1 && a.ra.reg[v[6]] <= 4);
	done(&a);
}

/* A value used only as a call argument does not cross the call; the
 * call's result, which nothing clobbers before it is returned, stays in
 * r0. */
static void test_call_arg(void **state)
{
	Alloc a = start(1);
	IrBlock *b = ir_block(a.f);
	IrIns *i = ir_emit(b, IR_CALL);
	i->dst = ir_vreg(a.f), i->target = 1, i->nargs = 1, i->args[0] = ir_r(0);
	int r = i->dst;
	ret(b, r);
	allocate(&a);
	assert_false(a.lv.iv[0].across_call);
	assert_false(a.lv.iv[r].across_call);
	assert_int_equal(a.ra.nspills, 0);
	assert_int_equal(a.ra.reg[r], 0);
	done(&a);
}

/* A value passed to a call is allocated the argument register it goes in,
 * when that is free: x (the second argument) in r2, not the first free r1. */
static void test_arg_register(void **state)
{
	Alloc a = start(0);
	IrBlock *b = ir_block(a.f);
	int x = mov(a.f, b, 7), y = mov(a.f, b, 8);
	IrIns *i = ir_emit(b, IR_CALL);
	i->dst = ir_vreg(a.f), i->target = 1, i->nargs = 2, i->args[0] = ir_r(y), i->args[1] = ir_r(x);
	ret(b, i->dst);
	allocate(&a);
	assert_int_equal(a.ra.reg[x], 2);
	assert_int_equal(a.ra.reg[y], 1);
	done(&a);
}

/* Liveness around a loop: i is assigned in two blocks; n, defined before
 * the loop, stays live through it, and so across the call in its body. */
static void test_loop_liveness(void **state)
{
	Alloc a = start(0);
	IrBlock *e = ir_block(a.f), *h = ir_block(a.f), *body = ir_block(a.f), *x = ir_block(a.f);
	int i = ir_vreg(a.f), n = mov(a.f, e, 10), tmp = mov(a.f, e, 3);
	IrIns *in = ir_emit(e, IR_MOV);
	in->dst = i, in->a = ir_r(tmp);
	ir_emit(e, IR_JMP)->t = h;
	in = ir_emit(h, IR_BR);
	in->cond = C_LT, in->a = ir_r(i), in->b = ir_r(n), in->t = body, in->f = x;
	helper(a.f, body);
	in = ir_emit(body, IR_ADD);
	in->dst = i, in->a = ir_r(i), in->b = ir_imm(1);
	ir_emit(body, IR_JMP)->t = h;
	ret(x, i);
	allocate(&a);
	assert_true(live_has(a.lv.in + h->id * a.lv.words, i));
	assert_true(live_has(a.lv.in + h->id * a.lv.words, n));
	assert_true(live_has(a.lv.out + body->id * a.lv.words, n));
	assert_false(live_has(a.lv.out + x->id * a.lv.words, i));
	assert_false(live_has(a.lv.in + e->id * a.lv.words, i));
	assert_true(a.lv.iv[n].across_call && a.lv.iv[i].across_call);
	assert_false(a.lv.iv[tmp].across_call);
	assert_true(a.ra.reg[n] >= 6 && a.ra.reg[i] >= 6);
	done(&a);
}

/* A vreg read before any assignment is live into the entry. */
static void test_undefined_use(void **state)
{
	Alloc a = start(0);
	IrBlock *b = ir_block(a.f);
	int u = ir_vreg(a.f);
	ret(b, op2(a.f, b, IR_ADD, ir_r(u), ir_imm(1)));
	allocate(&a);
	assert_int_equal(a.lv.iv[u].start, POS_ENTRY);
	done(&a);
}

/* Malformed CFGs are refused with a reason. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_low_pressure),
		cmocka_unit_test(test_spill_exact),
		cmocka_unit_test(test_spill_slot_reuse),
		cmocka_unit_test(test_across_call),
		cmocka_unit_test(test_remat),
		cmocka_unit_test(test_call_arg),
		cmocka_unit_test(test_arg_register),
		cmocka_unit_test(test_loop_liveness),
		cmocka_unit_test(test_undefined_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
