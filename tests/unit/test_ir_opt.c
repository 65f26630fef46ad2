/* The IR passes: folding, propagation, dead code, control flow. Each test
 * builds a function, optimizes it (checking it before and after) and
 * compares the printed result with the expected text. */
#include <stdint.h>
#include <linux/bpf.h>
#include "test_ir_util.h"

/* v0 = x op y; ret v0: folds to ret <want>. */
static void fold_one(IrOp op, int64_t x, int64_t y, int64_t want)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_USER, 0);
	IrBlock *b = ir_block(f);
	int v = ir_vreg(f);
	op2(b, op, v, I(x), op == IR_NEG || op == IR_NOT ? (IrOpnd){ 0 } : I(y));
	ret(b, R(v));
	optimize(f);
	assert_int_equal(f->nblocks, 1);
	assert_int_equal(b->n, 1);
	assert_int_equal(b->ins[0].op, IR_RET);
	assert_int_equal(b->ins[0].a.kind, O_IMM);
	if (b->ins[0].a.v != want)
		fprintf(stderr, "%s %lld, %lld: %lld, want %lld\n", ir_op_name(op), (long long)x,
			(long long)y, (long long)b->ins[0].a.v, (long long)want);
	assert_true(b->ins[0].a.v == want);
	ir_module_free(m);
}

static void fold_arith(void **state)
{
	fold_one(IR_ADD, 3, 4, 7);
	fold_one(IR_ADD, INT64_MAX, 1, INT64_MIN);
	fold_one(IR_SUB, INT64_MIN, 1, INT64_MAX);
	fold_one(IR_SUB, 3, 10, -7);
	fold_one(IR_MUL, -6, 7, -42);
	fold_one(IR_MUL, INT64_MAX, 2, -2);
	fold_one(IR_NEG, INT64_MIN, 0, INT64_MIN);
	fold_one(IR_NEG, 5, 0, -5);
	fold_one(IR_NOT, 0, 0, -1);
}

/* Division follows the runtime rule, not C: x/0 = 0, x%0 = x. */
static void fold_division(void **state)
{
	fold_one(IR_DIV, 42, 5, 8);
	fold_one(IR_DIV, -7, 2, -3);
	fold_one(IR_MOD, -7, 2, -1);
	fold_one(IR_MOD, 42, 5, 2);
	fold_one(IR_DIV, 42, 0, 0);
	fold_one(IR_MOD, 42, 0, 42);
	fold_one(IR_DIV, INT64_MIN, -1, INT64_MIN);
	fold_one(IR_MOD, INT64_MIN, -1, 0);
}

static void fold_bits(void **state)
{
	fold_one(IR_AND, 0xff0, 0x0ff, 0x0f0);
	fold_one(IR_OR, 0xf00, 0x00f, 0xf0f);
	fold_one(IR_XOR, 0xff, 0x0f, 0xf0);
	fold_one(IR_SHL, 1, 63, INT64_MIN);
	fold_one(IR_SHL, 1, 65, 2);		/* counts are taken modulo 64 */
	fold_one(IR_SHL, -1, 4, -16);
	fold_one(IR_SHR, -1, 60, 15);
	fold_one(IR_SAR, -16, 2, -4);
	fold_one(IR_SAR, INT64_MIN, 63, -1);
	fold_one(IR_SAR, 16, 2, 4);
}

/* x op constant with a known result: x + 0, x * 1, x * 0, x / 0, x % 0. */
static void fold_identities(void **state)
{
	static const struct { IrOp op; int64_t c; const char *want; } cases[] = {
		{ IR_ADD, 0, "  ret v0\n" }, { IR_SUB, 0, "  ret v0\n" },
		{ IR_MUL, 1, "  ret v0\n" }, { IR_MUL, 0, "  ret 0\n" },
		{ IR_DIV, 1, "  ret v0\n" }, { IR_DIV, 0, "  ret 0\n" },
		{ IR_MOD, 0, "  ret v0\n" }, { IR_MOD, 1, "  ret 0\n" },
		{ IR_AND, 0, "  ret 0\n" }, { IR_AND, -1, "  ret v0\n" },
		{ IR_SHL, 0, "  ret v0\n" }, { IR_OR, 0, "  ret v0\n" },
		{ IR_SUB, 1, "  v1 = sub v0, 1\n  ret v1\n" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		IrModule *m = ir_module_new();
		IrFunc *f = ir_func_new(m, "f", NULL, IRF_USER, 1);
		IrBlock *b = ir_block(f);
		int v = ir_vreg(f);
		op2(b, cases[k].op, v, R(0), I(cases[k].c));
		ret(b, R(v));
		optimize(f);
		char want[256];
		snprintf(want, sizeof(want), "func f user params=1\nb0:\n%s", cases[k].want);
		assert_printed(f, want);
		ir_module_free(m);
	}
}

/* Constants reach through moves and arithmetic; an immediate on the left
 * of a commutative op or a branch moves to the right. */
static void fold_chain(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b0 = ir_block(f), *b1 = ir_block(f), *b2 = ir_block(f);
	int v1 = ir_vreg(f), v2 = ir_vreg(f), v3 = ir_vreg(f), v4 = ir_vreg(f);
	mov(b0, v1, I(6));
	op2(b0, IR_MUL, v2, R(v1), I(7));
	op2(b0, IR_ADD, v3, R(v2), R(0));
	op2(b0, IR_SUB, v4, R(v2), R(v3));	/* 42 - v3: stays v2 - v3 */
	br(b0, C_LT, R(v2), R(v4), b1, b2);
	ret(b1, R(v3));
	ret(b2, R(v4));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"b0:\n"
		"  v2 = 42\n"
		"  v3 = add v0, 42\n"
		"  v4 = sub v2, v3\n"
		"  br sgt v4, 42, b1, b2\n"
		"b1:\n"
		"  ret v3\n"
		"b2:\n"
		"  ret v4\n");
	ir_module_free(m);
}

/* A branch on constants becomes a jump; the dead side goes, and the
 * straight line that is left becomes one block. */
static void fold_branch(void **state)
{
	static const struct { IrCond c; int64_t x, y; const char *want; } cases[] = {
		{ C_LT, -1, 1, "  ret 1\n" }, { C_ULT, -1, 1, "  ret 2\n" },
		{ C_EQ, 3, 3, "  ret 1\n" }, { C_NE, 3, 3, "  ret 2\n" },
		{ C_GE, 3, 3, "  ret 1\n" }, { C_UGT, 0, -1, "  ret 2\n" },
		{ C_SET, 6, 1, "  ret 2\n" }, { C_SET, 6, 2, "  ret 1\n" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		IrModule *m = ir_module_new();
		IrFunc *f = ir_func_new(m, "f", NULL, IRF_USER, 0);
		IrBlock *b0 = ir_block(f), *b1 = ir_block(f), *b2 = ir_block(f);
		int v = ir_vreg(f);
		mov(b0, v, I(cases[k].x));
		br(b0, cases[k].c, R(v), I(cases[k].y), b1, b2);
		ret(b1, I(1));
		ret(b2, I(2));
		optimize(f);
		char want[256];
		snprintf(want, sizeof(want), "func f user params=0\nb0:\n%s", cases[k].want);
		assert_printed(f, want);
		ir_module_free(m);
	}
}

/* v2 copies v1, then v1 changes: v2 must not become v1. */
static void copy_redefined_in_block(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b = ir_block(f);
	int v1 = ir_vreg(f), v2 = ir_vreg(f), v3 = ir_vreg(f), v4 = ir_vreg(f);
	load(b, v1, R(0), 0, 8);
	mov(b, v2, R(v1));
	load(b, v1, R(0), 8, 8);
	op2(b, IR_ADD, v3, R(v2), R(v1));
	mov(b, v4, R(v3));
	ret(b, R(v4));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"b0:\n"
		"  v1 = load.8 [v0]\n"
		"  v2 = v1\n"
		"  v1 = load.8 [v0+8]\n"
		"  v4 = add v2, v1\n"	/* computed where it is copied to */
		"  ret v4\n");
	ir_module_free(m);
}

/* A copy made in one block is not trusted in another, where its source
 * may have been written on the way. */
static void copy_across_blocks(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b0 = ir_block(f), *b1 = ir_block(f), *b2 = ir_block(f);
	int v1 = ir_vreg(f), v2 = ir_vreg(f), v3 = ir_vreg(f);
	load(b0, v1, R(0), 0, 8);
	mov(b0, v2, R(v1));
	br(b0, C_EQ, R(v1), I(0), b1, b2);
	mov(b1, v1, I(7));
	jmp(b1, b2);
	op2(b2, IR_ADD, v3, R(v2), R(v1));
	ret(b2, R(v3));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"b0:\n"
		"  v1 = load.8 [v0]\n"
		"  v2 = v1\n"
		"  br eq v1, 0, b1, b2\n"
		"b1:\n"
		"  v1 = 7\n"
		"  jmp b2\n"
		"b2:\n"
		"  v3 = add v2, v1\n"
		"  ret v3\n");
	ir_module_free(m);
}

/* A vreg written once, with a constant, is that constant everywhere; one
 * written twice is not, even with the same constant in one block. */
static void constant_across_blocks(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b0 = ir_block(f), *b1 = ir_block(f), *b2 = ir_block(f);
	int once = ir_vreg(f), twice = ir_vreg(f), v3 = ir_vreg(f);
	mov(b0, once, I(5));
	mov(b0, twice, I(1));
	br(b0, C_EQ, R(0), I(0), b1, b2);
	mov(b1, twice, I(2));
	jmp(b1, b2);
	op2(b2, IR_ADD, v3, R(once), R(twice));
	ret(b2, R(v3));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"b0:\n"
		"  v2 = 1\n"
		"  br eq v0, 0, b1, b2\n"
		"b1:\n"
		"  v2 = 2\n"
		"  jmp b2\n"
		"b2:\n"
		"  v3 = add v2, 5\n"
		"  ret v3\n");
	ir_module_free(m);
}

/* for (i = 0; i < 10; i++) t += i: the loop variable is written in two
 * blocks and nothing of the loop may be folded away. The first test is
 * decided on the way in (i is 0), so the loop enters at its body and tests
 * at its end (ir/thread.c). */
static void loop_intact(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b0 = ir_block(f), *head = ir_block(f), *body = ir_block(f), *out = ir_block(f);
	int i = ir_vreg(f), t = ir_vreg(f), step = ir_vreg(f);
	mov(b0, i, I(0));
	mov(b0, t, I(0));
	mov(b0, step, I(1));
	jmp(b0, head);
	br(head, C_LT, R(i), I(10), body, out);
	op2(body, IR_ADD, t, R(t), R(i));
	op2(body, IR_ADD, i, R(i), R(step));
	jmp(body, head);
	ret(out, R(t));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"b0:\n"
		"  v1 = 0\n"
		"  v2 = 0\n"
		"  jmp b1\n"
		"b1:\n"
		"  v2 = add v2, v1\n"
		"  v1 = add v1, 1\n"
		"  br slt v1, 10, b1, b2\n"
		"b2:\n"
		"  ret v2\n");
	ir_module_free(m);
}

/* Results nobody reads go; side effects stay, used or not. */
static void dce_keeps_side_effects(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	int s = ir_slot(f, 16);
	IrBlock *b = ir_block(f);
	int v[8];
	for (int k = 1; k < 8; k++)
		v[k] = ir_vreg(f);
	load(b, v[1], R(0), 0, 8);		/* unused: goes */
	op2(b, IR_ADD, v[2], R(0), I(1));	/* unused: goes */
	call(b, IR_CALL, v[3], BPF_FUNC_ktime_get_ns, 0);
	call(b, IR_CALLF, v[4], 0, 1, R(0));
	op2(b, IR_XADD, -1, R(0), I(1));
	IrIns *i = op2(b, IR_ZERO, -1, S(s), (IrOpnd){ 0 });	/* both words written again: goes (ir/dse.c) */
	i->size = 16;
	store(b, S(s), 8, 8, R(0));	/* after the zero: before it, dead (ir/dse.c) */
	i = op2(b, IR_COPY, -1, S(s), R(0));
	i->size = 8;
	mov(b, v[5], I(1));			/* overwritten before any read: goes */
	load(b, v[5], R(0), 8, 8);
	i = ir_emit(b, IR_MAP);			/* unused: goes */
	i->dst = v[6];
	ret(b, R(v[5]));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"  slot s0 16\n"
		"b0:\n"
		"  call ktime_get_ns()\n"
		"  callf f0(v0)\n"
		"  xadd [v0], 1\n"
		"  store.8 [s0+8], v0\n"
		"  copy [s0], [v0], 8\n"
		"  v5 = load.8 [v0+8]\n"
		"  ret v5\n");
	ir_module_free(m);
}

/* A value live around a loop is kept even when its block's own code does
 * not read it. */
static void dce_live_through_loop(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b0 = ir_block(f), *head = ir_block(f), *body = ir_block(f), *out = ir_block(f);
	int x = ir_vreg(f), y = ir_vreg(f);
	load(b0, x, R(0), 0, 8);
	jmp(b0, head);
	load(head, y, R(0), 8, 8);
	br(head, C_NE, R(y), I(0), body, out);
	load(body, x, R(y), 0, 8);		/* read in the next round, by out */
	jmp(body, head);
	ret(out, R(x));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"b0:\n"
		"  v1 = load.8 [v0]\n"
		"  jmp b1\n"
		"b1:\n"
		"  v2 = load.8 [v0+8]\n"
		"  br ne v2, 0, b2, b3\n"
		"b2:\n"
		"  v1 = load.8 [v2]\n"
		"  jmp b1\n"
		"b3:\n"
		"  ret v1\n");
	ir_module_free(m);
}

/* Blocks nothing jumps to go, ids are renumbered, jump chains collapse. */
static void unreachable_and_chains(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b0 = ir_block(f), *dead = ir_block(f), *hop = ir_block(f), *join = ir_block(f);
	IrBlock *other = ir_block(f), *end = ir_block(f);
	int v = ir_vreg(f);
	br(b0, C_EQ, R(0), I(0), hop, other);
	call(dead, IR_CALL, -1, BPF_FUNC_ktime_get_ns, 0);
	jmp(dead, join);
	jmp(hop, join);
	call(join, IR_CALL, v, BPF_FUNC_get_smp_processor_id, 0)->line = 7;
	jmp(join, end);
	jmp(other, end);
	ret(end, R(0));
	optimize(f);
	assert_printed(f,
		"func f kernel params=1\n"
		"b0:\n"
		"  br eq v0, 0, b1, b2\n"
		"b1:\n"
		"  call get_smp_processor_id()           ; 7\n"
		"  jmp b2\n"
		"b2:\n"
		"  ret v0\n");
	ir_module_free(m);
}

/* Empty infinite loops (user context allows them) neither hang the
 * optimizer nor disappear. */
static void self_loops(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_USER, 0);
	IrBlock *b0 = ir_block(f), *b1 = ir_block(f), *b2 = ir_block(f);
	jmp(b0, b1);
	jmp(b1, b2);
	jmp(b2, b1);
	optimize(f);
	assert_printed(f,
		"func f user params=0\n"
		"b0:\n"
		"  jmp b1\n"
		"b1:\n"
		"  jmp b1\n");
	ir_module_free(m);
}

/* Nothing left to do: a second run changes nothing. */
static void idempotent(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", NULL, IRF_KERNEL, 1);
	IrBlock *b0 = ir_block(f), *b1 = ir_block(f), *b2 = ir_block(f);
	int v = ir_vreg(f);
	load(b0, v, R(0), 0, 8);
	br(b0, C_SET, I(4), R(v), b1, b2);
	ret(b1, I(1));
	ret(b2, R(v));
	optimize(f);
	char *once = printed(f);
	optimize(f);
	assert_printed(f, once);
	assert_non_null(strstr(once, "br set v1, 4, b1, b2"));
	free(once);
	ir_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fold_arith),
		cmocka_unit_test(fold_division),
		cmocka_unit_test(fold_bits),
		cmocka_unit_test(fold_identities),
		cmocka_unit_test(fold_chain),
		cmocka_unit_test(fold_branch),
		cmocka_unit_test(copy_redefined_in_block),
		cmocka_unit_test(copy_across_blocks),
		cmocka_unit_test(constant_across_blocks),
		cmocka_unit_test(loop_intact),
		cmocka_unit_test(dce_keeps_side_effects),
		cmocka_unit_test(dce_live_through_loop),
		cmocka_unit_test(unreachable_and_chains),
		cmocka_unit_test(self_loops),
		cmocka_unit_test(idempotent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
