/* The pass driver (ir/opt.c): it checks what lowering made, stops where
 * --after says, and checks against the module what the backend relies on. */
#include "test_ir_util.h"

/* v1 = 2 * 3; ret 7: foldable, then dead. */
static IrModule *module(void)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "f", ".text", IRF_KERNEL, 0);
	IrBlock *b = ir_block(f);
	op2(b, IR_MUL, ir_vreg(f), I(2), I(3));
	ret(b, I(7));
	return m;
}

static void run(IrModule *m, const char *after)
{
	char err[256];
	const IrFunc *bad = ir_run_passes(m, after, err, sizeof(err));
	if (bad)
		fprintf(stderr, "%s\n", err);
	assert_null(bad);
}

static void after_lower(void **state)
{
	IrModule *m = module();
	run(m, "lower");
	assert_printed(m->funcs[0], "func f kernel section=.text params=0\nb0:\n  v0 = mul 2, 3\n  ret 7\n");
	ir_module_free(m);
}

static void after_fold(void **state)
{
	IrModule *m = module();
	run(m, "fold");
	assert_printed(m->funcs[0], "func f kernel section=.text params=0\nb0:\n  v0 = 6\n  ret 7\n");
	ir_module_free(m);
}

static void all_passes(void **state)
{
	IrModule *m = module();
	run(m, NULL);
	assert_printed(m->funcs[0], "func f kernel section=.text params=0\nb0:\n  ret 7\n");
	ir_module_free(m);
}

/* Malformed IR from lowering: named, and no pass runs on it. */
static void malformed_from_lowering(void **state)
{
	IrModule *m = module();
	IrFunc *f = m->funcs[0];
	f->blocks[0]->n = 1;	/* drop the ret */
	char err[256];
	assert_ptr_equal(ir_run_passes(m, NULL, err, sizeof(err)), f);
	assert_string_equal(err, "after lowering: func f: b0[0] mul: block does not end in a terminator");
	ir_module_free(m);
}

/* A call of a function the module does not have. */
static void unknown_function(void **state)
{
	IrModule *m = module();
	IrBlock *b = m->funcs[0]->blocks[0];
	b->ins[0] = (IrIns){ .op = IR_CALLF, .dst = -1, .target = 1 };
	char err[256];
	assert_non_null(ir_run_passes(m, NULL, err, sizeof(err)));
	assert_string_equal(err, "after lowering: func f: b0[0] callf: function 1 does not exist");
	ir_module_free(m);
}

static void pass_names(void **state)
{
	static const char *const known[] = { "lower", "inline", "fold", "thread", "cfg", "dce", "order" };
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		assert_true(ir_pass_known(known[k]));
	assert_false(ir_pass_known("unroll"));
	assert_false(ir_pass_known(""));
	assert_string_equal(ir_pass_names(), "lower, inline, fold, thread, cse, dse, cfg, dce, order");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(after_lower),
		cmocka_unit_test(after_fold),
		cmocka_unit_test(all_passes),
		cmocka_unit_test(malformed_from_lowering),
		cmocka_unit_test(unknown_function),
		cmocka_unit_test(pass_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
