/* The IR printer (golden text) and the well-formedness checker. */
#include <linux/bpf.h>
#include "test_ir_util.h"
#include "common/uhelpers.h"

/* One instruction of each kind, with line comments where the line changes. */
static void print_every_op(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "h", "tracepoint/sched/sched_switch", IRF_KERNEL, 1);
	int s0 = ir_slot(f, 60);
	IrBlock *b0 = ir_block(f), *b1 = ir_block(f), *b2 = ir_block(f);
	int v[12];
	for (int k = 1; k < 12; k++)
		v[k] = ir_vreg(f);
	mov(b0, v[1], I(5))->line = 3;
	op2(b0, IR_ADD, v[2], R(0), R(v[1]))->line = 3;
	op2(b0, IR_SHL, v[3], R(v[2]), I(-2))->line = 4;
	op2(b0, IR_NEG, v[4], R(v[3]), (IrOpnd){ 0 });
	IrIns *i = store(b0, S(s0), 8, 8, R(v[2]));
	i->line = 4;
	load(b0, v[5], R(0), -16, 4);
	i = op2(b0, IR_ADDR, v[6], S(s0), (IrOpnd){ 0 });
	i->off = 8;
	i = ir_emit(b0, IR_MAP);
	i->dst = v[7];
	i->target = 2;
	i = ir_emit(b0, IR_MAPVAL);
	i->dst = v[8];
	i->target = DATA_BSS;
	i->off = 16;
	call(b0, IR_CALL, v[9], BPF_FUNC_map_lookup_elem, 2, R(v[7]), S(s0))->line = 5;
	call(b0, IR_CALL, -1, KH_PRINTF, 2, I(1), S(s0));
	call(b0, IR_CALL, -1, BPF_FUNC_ktime_get_ns, 0);
	call(b0, IR_CALLF, v[10], 1, 1, R(v[1]));
	op2(b0, IR_XADD, -1, R(v[8]), I(1));
	i = op2(b0, IR_ZERO, -1, S(s0), (IrOpnd){ 0 });
	i->size = 56;
	i = op2(b0, IR_COPY, -1, S(s0), R(v[9]));
	i->off = 8;
	i->off2 = 24;
	i->size = 16;
	br(b0, C_LT, R(v[1]), R(v[2]), b1, b2)->line = 12345;
	jmp(b1, b2);
	ret(b2, (IrOpnd){ 0 });
	assert_valid(f);
	assert_printed(f,
		"func h kernel section=tracepoint/sched/sched_switch params=1\n"
		"  slot s0 64\n"
		"b0:\n"
		"  v1 = 5                                ; 3\n"
		"  v2 = add v0, v1\n"
		"  v3 = shl v2, -2                       ; 4\n"
		"  v4 = neg v3\n"
		"  store.8 [s0+8], v2\n"
		"  v5 = load.4 [v0-16]\n"
		"  v6 = addr [s0+8]\n"
		"  v7 = map m2\n"
		"  v8 = mapval .bss+16\n"
		"  v9 = call map_lookup_elem(v7, s0)     ; 5\n"
		"  call printf(1, s0)\n"
		"  call ktime_get_ns()\n"
		"  v10 = callf f1(v1)\n"
		"  xadd [v8], 1\n"
		"  zero [s0], 56\n"
		"  copy [s0+8], [v9+24], 16\n"
		"  br slt v1, v2, b1, b2                 ; 12345\n"
		"b1:\n"
		"  jmp b2\n"
		"b2:\n"
		"  ret\n");
	ir_module_free(m);
}

/* A module: its maps, data and functions, calls by name. */
static void print_module(void **state)
{
	IrModule *m = ir_module_new();
	IrLayout *num = ir_layout(m, L_NUM, 8, 0), *str = ir_layout(m, L_STR, 16, 0);
	IrLayout *tup = ir_layout(m, L_TUPLE, 24, 2);
	tup->fields[0] = str;
	tup->fields[1] = num;
	tup->offs[1] = 16;
	ir_map(m, &(IrMap){ .name = "counts", .type = BPF_MAP_TYPE_HASH, .max_entries = 1024,
			    .key = tup, .value = num, .key_size = 24, .value_size = 8 });
	ir_map(m, &(IrMap){ .name = "events", .type = BPF_MAP_TYPE_RINGBUF, .max_entries = 4096 });
	ir_data_var(m, DATA_BSS, "total", num, NULL);
	IrFunc *f = ir_func_new(m, "main", NULL, IRF_USER, 0);
	IrFunc *g = ir_func_new(m, "twice", NULL, IRF_USER, 1);
	int v = ir_vreg(f);
	IrBlock *b = ir_block(f);
	call(b, IR_CALLF, v, 1, 1, I(21))->line = 1;
	ret(b, R(v));
	int w = ir_vreg(g);
	b = ir_block(g);
	op2(b, IR_ADD, w, R(0), R(0))->line = 2;
	ret(b, R(w));
	char *s = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&s, &n);
	ir_print_module(out, m);
	fclose(out);
	assert_string_equal(s,
		"map m0 counts hash max=1024 key=(str16, num) value=num\n"
		"map m1 events ringbuf max=4096 key=0B value=0B\n"
		"data .bss size=8\n"
		"  var total +0 num\n"
		"\n"
		"func main user params=0\n"
		"b0:\n"
		"  v0 = callf twice(21)                  ; 1\n"
		"  ret v0\n"
		"\n"
		"func twice user params=1\n"
		"b0:\n"
		"  v1 = add v0, v0                       ; 2\n"
		"  ret v1\n");
	free(s);
	ir_module_free(m);
}

static void op_names(void **state)
{
	assert_string_equal(ir_op_name(IR_MOV), "mov");
	assert_string_equal(ir_op_name(IR_CALLF), "callf");
	assert_string_equal(ir_op_name(IR_RET), "ret");
	assert_string_equal(ir_op_name(IR_NOPS), "?");
	for (int op = 0; op < IR_NOPS; op++)
		assert_string_not_equal(ir_op_name(op), "?");
}

/* A well-formed function, then one mutation of it for each rule. */
typedef struct Fixture {
	IrModule *m;
	IrFunc *f;
	IrBlock *b0, *b1;
	IrIns *ld, *st, *call, *br;
} Fixture;

static Fixture fixture(void)
{
	Fixture x;
	x.m = ir_module_new();
	x.f = ir_func_new(x.m, "f", ".text", IRF_KERNEL, 1);
	int s = ir_slot(x.f, 16), v1 = ir_vreg(x.f), v2 = ir_vreg(x.f);
	x.b0 = ir_block(x.f);
	x.b1 = ir_block(x.f);
	x.ld = load(x.b0, v1, R(0), 0, 8);
	x.st = store(x.b0, S(s), 8, 8, R(v1));
	x.call = call(x.b0, IR_CALL, v2, BPF_FUNC_ktime_get_ns, 0);
	x.br = br(x.b0, C_ULT, R(v1), R(v2), x.b1, x.b1);
	ret(x.b1, R(v2));
	assert_valid(x.f);
	return x;
}

/* The checker rejects x with exactly the message why. */
static void expect_invalid(Fixture *x, const char *why)
{
	char err[256];
	assert_int_equal(ir_check(x->f, err, sizeof(err)), -1);
	assert_string_equal(err, why);
	ir_module_free(x->m);
}

static void check_valid(void **state)
{
	Fixture x = fixture();
	char small[8];
	assert_int_equal(ir_check(x.f, small, sizeof(small)), 0);
	ir_module_free(x.m);
}

static void bad_no_terminator(void **state)
{
	Fixture x = fixture();
	x.b1->ins[0].op = IR_MOV;
	x.b1->ins[0].dst = 1;
	expect_invalid(&x, "func f: b1[0] mov: block does not end in a terminator");
}

static void bad_early_terminator(void **state)
{
	Fixture x = fixture();
	x.st->op = IR_JMP;
	x.st->t = x.b1;
	x.st->a = x.st->b = (IrOpnd){ 0 };
	expect_invalid(&x, "func f: b0[1] jmp: terminator before the end of the block");
}

static void bad_empty_block(void **state)
{
	Fixture x = fixture();
	x.b1->n = 0;
	expect_invalid(&x, "func f: b1[0] end: empty block");
}

static void bad_foreign_target(void **state)
{
	Fixture x = fixture(), y = fixture();
	x.br->f = y.b1;
	expect_invalid(&x, "func f: b0[3] br: branch target is not a block of this function");
	ir_module_free(y.m);
}

static void bad_null_target(void **state)
{
	Fixture x = fixture();
	x.br->t = NULL;
	expect_invalid(&x, "func f: b0[3] br: branch target is not a block of this function");
}

static void bad_vreg(void **state)
{
	Fixture x = fixture();
	x.ld->a = R(3);
	expect_invalid(&x, "func f: b0[0] load: operand a: v3 out of range (3 vregs)");
}

static void bad_slot(void **state)
{
	Fixture x = fixture();
	x.st->a = S(1);
	expect_invalid(&x, "func f: b0[1] store: operand a: s1 out of range (1 slots)");
}

static void bad_operand_kind(void **state)
{
	Fixture x = fixture();
	x.ld->a = I(4096);
	expect_invalid(&x, "func f: b0[0] load: operand a of a kind the op does not take");
}

static void bad_destination(void **state)
{
	Fixture x = fixture();
	x.ld->dst = 7;
	expect_invalid(&x, "func f: b0[0] load: destination v7 out of range (3 vregs)");
}

static void bad_store_destination(void **state)
{
	Fixture x = fixture();
	x.st->dst = 1;
	expect_invalid(&x, "func f: b0[1] store: has a destination, v1");
}

static void bad_missing_operand(void **state)
{
	Fixture x = fixture();
	x.br->b = (IrOpnd){ O_NONE, 0 };
	expect_invalid(&x, "func f: b0[3] br: operand b of a kind the op does not take");
}

static void bad_too_many_args(void **state)
{
	Fixture x = fixture();
	x.call->nargs = 6;
	expect_invalid(&x, "func f: b0[2] call: 6 arguments (at most 5)");
}

static void bad_argument(void **state)
{
	Fixture x = fixture();
	x.call->nargs = 1;
	x.call->args[0] = R(-1);
	expect_invalid(&x, "func f: b0[2] call: operand argument: v-1 out of range (3 vregs)");
}

static void bad_helper(void **state)
{
	Fixture x = fixture();
	x.call->target = 0;
	expect_invalid(&x, "func f: b0[2] call: helper 0 does not exist");
}

static void bad_condition(void **state)
{
	Fixture x = fixture();
	x.br->cond = 99;
	expect_invalid(&x, "func f: b0[3] br: condition 99 does not exist");
}

static void bad_access_size(void **state)
{
	Fixture x = fixture();
	x.st->size = 3;
	expect_invalid(&x, "func f: b0[1] store: size 3 is not 1, 2, 4 or 8");
}

static void bad_past_slot_end(void **state)
{
	Fixture x = fixture();
	x.st->off = 12;
	expect_invalid(&x, "func f: b0[1] store: bytes 12..20 outside slot s0 of 16 bytes");
}

static void bad_before_slot(void **state)
{
	Fixture x = fixture();
	x.st->off = -8;
	expect_invalid(&x, "func f: b0[1] store: bytes -8..0 outside slot s0 of 16 bytes");
}

static void bad_zero_size(void **state)
{
	Fixture x = fixture();
	x.st->op = IR_ZERO;
	x.st->b = (IrOpnd){ 0 };
	x.st->off = 0;
	x.st->size = 12;
	expect_invalid(&x, "func f: b0[1] zero: size 12 and offset 0 must be positive multiples of 8");
}

static void bad_slot_size(void **state)
{
	Fixture x = fixture();
	x.f->slots[0].size = 4;
	expect_invalid(&x, "func f: slot s0 has size 4, not a positive multiple of 8");
}

static void bad_params(void **state)
{
	Fixture x = fixture();
	x.f->nparams = 5;
	expect_invalid(&x, "func f: 5 params but 3 vregs");
}

static void bad_op(void **state)
{
	Fixture x = fixture();
	x.call->op = 200;
	expect_invalid(&x, "func f: b0[2] ?: op 200 does not exist");
}

static void bad_map_index(void **state)
{
	Fixture x = fixture();
	x.call->op = IR_MAP;
	x.call->target = -1;
	expect_invalid(&x, "func f: b0[2] map: map -1 does not exist");
}

static void bad_data_section(void **state)
{
	Fixture x = fixture();
	x.call->op = IR_MAPVAL;
	x.call->target = 7;
	expect_invalid(&x, "func f: b0[2] mapval: data section 7 does not exist");
}

static void bad_block_id(void **state)
{
	Fixture x = fixture();
	x.b0->id = 5;
	expect_invalid(&x, "func f: b5[0] load: block id 5 at index 0");
}

static void bad_no_blocks(void **state)
{
	Fixture x = fixture();
	x.f = ir_func_new(x.m, "g", ".text", IRF_KERNEL, 0);
	expect_invalid(&x, "func g: no blocks");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(print_every_op),
		cmocka_unit_test(print_module),
		cmocka_unit_test(op_names),
		cmocka_unit_test(check_valid),
		cmocka_unit_test(bad_no_terminator),
		cmocka_unit_test(bad_early_terminator),
		cmocka_unit_test(bad_empty_block),
		cmocka_unit_test(bad_foreign_target),
		cmocka_unit_test(bad_null_target),
		cmocka_unit_test(bad_vreg),
		cmocka_unit_test(bad_slot),
		cmocka_unit_test(bad_operand_kind),
		cmocka_unit_test(bad_destination),
		cmocka_unit_test(bad_store_destination),
		cmocka_unit_test(bad_missing_operand),
		cmocka_unit_test(bad_too_many_args),
		cmocka_unit_test(bad_argument),
		cmocka_unit_test(bad_helper),
		cmocka_unit_test(bad_condition),
		cmocka_unit_test(bad_access_size),
		cmocka_unit_test(bad_past_slot_end),
		cmocka_unit_test(bad_before_slot),
		cmocka_unit_test(bad_zero_size),
		cmocka_unit_test(bad_slot_size),
		cmocka_unit_test(bad_params),
		cmocka_unit_test(bad_op),
		cmocka_unit_test(bad_map_index),
		cmocka_unit_test(bad_data_section),
		cmocka_unit_test(bad_block_id),
		cmocka_unit_test(bad_no_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
