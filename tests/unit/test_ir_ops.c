/* The op table (ir/ops.h) against the checker: each op's row describes
 * what ir_check accepts, and its flags are consistent with each other. */
#include "test_ir_util.h"
#include <linux/bpf.h>
#include "common/uhelpers.h"

/* The first kind the mask allows, preferring a vreg. */
static IrOpnd some(unsigned mask, int slot)
{
	if (mask & K_VREG)
		return R(0);
	if (mask & K_SLOT)
		return S(slot);
	if (mask & K_IMM)
		return I(0);
	return (IrOpnd){ O_NONE, 0 };
}

/* A kind the mask does not allow, or O_NONE when it allows them all. */
static IrOpnd other(unsigned mask)
{
	for (int k = O_NONE; k <= O_SLOT; k++)
		if (!(mask & 1u << k))
			return (IrOpnd){ k, 0 };
	return (IrOpnd){ O_NONE, 0 };
}

/* A module with a map, a CO-RE relocation and two functions; the second,
 * g, holds one instruction of op, made from its row, then a ret. */
static IrIns *one(IrModule **mp, IrOp op)
{
	IrModule *m = *mp = ir_module_new();
	ir_map(m, &(IrMap){ .name = "m", .type = BPF_MAP_TYPE_ARRAY, .max_entries = 1 });
	ir_core(m, &(IrCore){ .kind = 0, .root = 1 });
	ret(ir_block(ir_func_new(m, "f", ".text", IRF_KERNEL, 0)), I(0));
	IrFunc *g = ir_func_new(m, "g", ".text", IRF_KERNEL, 1);
	int s = ir_slot(g, 16), d = ir_vreg(g);
	IrBlock *b = ir_block(g);
	const IrOpInfo *r = &ir_ops[op];
	IrIns *i = op2(b, op, r->dst == D_NO ? -1 : d, some(r->a, s), some(r->b, s));
	i->size = ir_op_is(op, F_ACCESS) || ir_op_is(op, F_BLOCK) ? 8 : 0;
	i->target = ir_op_is(op, F_THELPER) ? BPF_FUNC_ktime_get_ns : 0;
	i->t = i->f = b;
	if (!ir_op_is(op, F_TERM))
		ret(b, I(0));
	return i;
}

static int check_g(const IrModule *m)
{
	return ir_check_in(m, m->funcs[1], NULL, 0);
}

static void rows_accepted(void **state)
{
	for (int op = 0; op < IR_NOPS; op++) {
		IrModule *m;
		one(&m, op);
		if (check_g(m))
			fail_msg("%s: the instruction its row describes is rejected", ir_op_name(op));
		ir_module_free(m);
	}
}

/* An operand of a kind the row leaves out is rejected; so is a
 * destination where the row has none, and a missing one where it needs one. */
static void rows_enforced(void **state)
{
	for (int op = 0; op < IR_NOPS; op++) {
		const IrOpInfo *r = &ir_ops[op];
		for (int which = 0; which < 3; which++) {
			IrModule *m;
			IrIns *i = one(&m, op);
			int changed = 1;
			if (which == 0 && r->a != (K_NONE | K_VREG | K_IMM | K_SLOT))
				i->a = other(r->a);
			else if (which == 1)
				i->b = other(r->b);
			else if (which == 2 && r->dst != D_MAYBE)
				i->dst = r->dst == D_NO ? 0 : -1;
			else
				changed = 0;
			if (changed && !check_g(m))
				fail_msg("%s: change %d is not rejected", ir_op_name(op), which);
			ir_module_free(m);
		}
	}
}

/* Each op is exactly one of pure, reading, effectful; the flags that
 * describe operands appear only with the operands they describe. */
static void flags_consistent(void **state)
{
	for (int op = 0; op < IR_NOPS; op++) {
		const IrOpInfo *r = &ir_ops[op];
		unsigned kind = r->flags & (F_PURE | F_READS | F_EFFECT);
		assert_true(r->name && r->name[0]);
		assert_true(kind == F_PURE || kind == F_READS || kind == F_EFFECT);
		assert_true(!(r->flags & F_TERM) || (r->flags & F_EFFECT));
		assert_true(!(r->flags & F_COMM) || (r->a == VAL && r->b == VAL));
		assert_true(!(r->flags & F_FOLD) || (r->flags & F_PURE));
		assert_int_equal(ir_op_pure(op), kind == F_PURE);
	}
	assert_true(ir_is_term(IR_BR) && !ir_is_term(IR_CALL));
}

/* The indexes the backend relies on are checked against the module. */
static void targets_in_module(void **state)
{
	static const IrOp ops[] = { IR_MAP, IR_MAPVAL, IR_FUNCADDR, IR_CALLF, IR_CORE };
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		IrModule *m;
		one(&m, ops[k])->target = 3;
		if (!check_g(m))
			fail_msg("%s: target 3 of a module with fewer is accepted", ir_op_name(ops[k]));
		ir_module_free(m);
	}
}

/* Ids between the kernel's helpers and ktap's are no helper's. */
static void helper_gap(void **state)
{
	IrModule *m;
	one(&m, IR_CALL)->target = 500;
	assert_int_equal(check_g(m), -1);
	ir_module_free(m);
}

/* The helper rows: facts where the table gives them, none elsewhere, and
 * no fact that needs another (a fixed result changes no map). */
static void helper_facts(void **state)
{
	assert_true(ir_helper_is(BPF_FUNC_get_current_pid_tgid, H_FIXED | H_KEEPS_MAPS));
	assert_true(ir_helper_is(BPF_FUNC_get_current_comm, H_FILLS));
	assert_false(ir_helper_is(BPF_FUNC_probe_read_user_str, H_FILLS));
	assert_false(ir_helper_is(BPF_FUNC_map_update_elem, H_KEEPS_MAPS));
	assert_false(ir_helper_is(BPF_FUNC_map_lookup_elem, H_FIXED));
	assert_true(ir_helper_is(BPF_FUNC_loop, H_CALLS_BACK));
	assert_false(ir_helper_is(KH_PRINTF, H_KEEPS_MAPS));
	assert_false(ir_helper_is(0, H_FIXED));
	assert_false(ir_helper_is(-1, H_FIXED));
	for (int64_t id = 1; id < __BPF_FUNC_MAX_ID; id++)
		if (ir_helper_is(id, H_FIXED) || ir_helper_is(id, H_FILLS))
			assert_true(ir_helper_is(id, H_KEEPS_MAPS));
}

static void zero_size_copy(void **state)
{
	IrModule *m;
	one(&m, IR_COPY)->size = 0;
	assert_int_equal(check_g(m), -1);
	ir_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_accepted),
		cmocka_unit_test(rows_enforced),
		cmocka_unit_test(flags_consistent),
		cmocka_unit_test(targets_in_module),
		cmocka_unit_test(helper_gap),
		cmocka_unit_test(helper_facts),
		cmocka_unit_test(zero_size_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
