/* The user-context interpreter on hand-assembled BPF: arithmetic with the
 * BPF rules, jumps, memory of every size, frames and calls, atomics on a
 * data section, relocations, and bad code stopped with an error naming the
 * script line, never a crash or a hang. */
#include "test_rt.h"

static uint64_t result(void)
{
	return T.bss[0];
}

/* Runs body (r0 its result) and returns r0. */
static uint64_t eval(const struct bpf_insn *code, int n)
{
	t_reset();
	t_main(code, n, NULL, 0, 0);
	assert_int_equal(t_run(), 0);
	return result();
}

static void test_alu64(void **state)
{
	struct bpf_insn a[] = { MOV(0, 7), ALU(BPF_ADD, 0, -10), ALU(BPF_MUL, 0, 3) };
	assert_int_equal((int64_t)eval(a, N(a)), -9);
	struct bpf_insn b[] = { MOV(0, 0xf0), MOV(1, 0x3c), ALUR(BPF_AND, 0, 1), ALU(BPF_OR, 0, 1), ALU(BPF_XOR, 0, 0xff) };
	assert_int_equal(eval(b, N(b)), (0x30 | 1) ^ 0xff);
	struct bpf_insn c[] = { MOV(0, -16), ALU(BPF_ARSH, 0, 2) };
	assert_int_equal((int64_t)eval(c, N(c)), -4);
	struct bpf_insn d[] = { MOV(0, -16), ALU(BPF_RSH, 0, 60) };
	assert_int_equal(eval(d, N(d)), 0xf);
	struct bpf_insn e[] = { MOV(0, 1), MOV(1, 65), ALUR(BPF_LSH, 0, 1) };	/* shift masked to 1 */
	assert_int_equal(eval(e, N(e)), 2);
	struct bpf_insn f[] = { MOV(0, 5), ALU(BPF_NEG, 0, 0), ALU(BPF_SUB, 0, 1) };
	assert_int_equal((int64_t)eval(f, N(f)), -6);
	struct bpf_insn g[] = { LD64(0, 0x1122334455667788ull), I(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 32) };
	assert_int_equal(eval(g, N(g)), 0x88776655);
	struct bpf_insn h[] = { MOV(1, 0x80), I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 8, 0) };	/* movsx8 */
	assert_int_equal((int64_t)eval(h, N(h)), -128);
	struct bpf_insn i[] = { LD64(0, 0x1122334455667788ull), I(BPF_ALU | BPF_END | BPF_TO_LE, 0, 0, 0, 16) };
	assert_int_equal(eval(i, N(i)), 0x7788);
	struct bpf_insn j[] = { MOV(0, 0x1234), I(BPF_ALU64 | BPF_END | BPF_TO_LE, 0, 0, 0, 16) };	/* bswap16 */
	assert_int_equal(eval(j, N(j)), 0x3412);
}

static void test_alu32(void **state)
{
	struct bpf_insn a[] = { MOV(0, -1), ALU32(BPF_ADD, 0, 1) };
	assert_int_equal(eval(a, N(a)), 0);
	struct bpf_insn b[] = { MOV(0, -1), ALU32(BPF_MOV, 0, -1) };	/* zero-extended */
	assert_int_equal(eval(b, N(b)), 0xffffffffull);
	struct bpf_insn c[] = { MOV(0, -8), ALU32(BPF_ARSH, 0, 1) };
	assert_int_equal(eval(c, N(c)), 0xfffffffcull);
	struct bpf_insn d[] = { LD64(0, 0x100000005ull), ALU32(BPF_MUL, 0, 3) };
	assert_int_equal(eval(d, N(d)), 15);
}

static void test_div_mod(void **state)
{
	struct bpf_insn a[] = { MOV(0, 17), ALU(BPF_DIV, 0, 5) };
	assert_int_equal(eval(a, N(a)), 3);
	struct bpf_insn b[] = { MOV(0, 17), MOV(1, 0), ALUR(BPF_DIV, 0, 1) };
	assert_int_equal(eval(b, N(b)), 0);
	struct bpf_insn c[] = { MOV(0, 17), MOV(1, 0), ALUR(BPF_MOD, 0, 1) };
	assert_int_equal(eval(c, N(c)), 17);
	struct bpf_insn d[] = { MOV(0, -7), ALU(BPF_DIV, 0, 2) };	/* unsigned */
	assert_int_equal(eval(d, N(d)), (uint64_t)-7 / 2);
	struct bpf_insn e[] = { MOV(0, -7), I(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, 2) };	/* sdiv */
	assert_int_equal((int64_t)eval(e, N(e)), -3);
	struct bpf_insn f[] = { MOV(0, -7), I(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 1, 2) };	/* smod */
	assert_int_equal((int64_t)eval(f, N(f)), -1);
	struct bpf_insn g[] = { LD64(0, 0x8000000000000000ull), I(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, -1) };
	assert_int_equal(eval(g, N(g)), 0x8000000000000000ull);
	struct bpf_insn h[] = { MOV(0, 9), MOV(1, 0), ALU32R(BPF_MOD, 0, 1) };
	assert_int_equal(eval(h, N(h)), 9);
}

static void test_jumps(void **state)
{
	/* sum 1..100 with a backward jump */
	struct bpf_insn a[] = { MOV(0, 0), MOV(1, 1), ALUR(BPF_ADD, 0, 1), ALU(BPF_ADD, 1, 1), JMP(BPF_JLE, 1, 100, -3) };
	assert_int_equal(eval(a, N(a)), 5050);
	/* -1 is large unsigned, small signed */
	struct bpf_insn b[] = { MOV(1, -1), MOV(0, 0), JMP(BPF_JGT, 1, 5, 1), JA(1), ALU(BPF_OR, 0, 1),
				JMP(BPF_JSLT, 1, 0, 1), JA(1), ALU(BPF_OR, 0, 2) };
	assert_int_equal(eval(b, N(b)), 3);
	/* JMP32 looks at the low half only; JSET */
	struct bpf_insn c[] = { LD64(1, 0x500000000ull), MOV(0, 0), JMP32(BPF_JEQ, 1, 0, 1), JA(1), ALU(BPF_OR, 0, 1),
				JMP(BPF_JSET, 1, 4, 0), MOV(2, 0x100), JMP(BPF_JSET, 2, 0x100, 1), JA(1), ALU(BPF_OR, 0, 4) };
	assert_int_equal(eval(c, N(c)), 5);
	struct bpf_insn d[] = { MOV(0, 3), MOV(1, 3), JMPR(BPF_JNE, 0, 1, 1), MOV(0, 9) };
	assert_int_equal(eval(d, N(d)), 9);
}

static void test_memory_sizes(void **state)
{
	struct bpf_insn a[] = {
		ST(BPF_DW, 10, -8, 0), LD64(1, 0x1122334455667788ull), STX(BPF_W, 10, 1, -8),
		STX(BPF_B, 10, 1, -2), ST(BPF_H, 10, -4, 0x0102),
		LDX(BPF_DW, 0, 10, -8),
	};
	assert_int_equal(eval(a, N(a)), 0x0088010255667788ull);
	struct bpf_insn b[] = { ST(BPF_B, 10, -1, 0xff), I(BPF_LDX | 0x80 | BPF_B, 0, 10, -1, 0) };	/* ldsx */
	assert_int_equal((int64_t)eval(b, N(b)), -1);
	struct bpf_insn c[] = { ST(BPF_W, 10, -4, -2), LDX(BPF_W, 0, 10, -4) };
	assert_int_equal(eval(c, N(c)), 0xfffffffeull);
}

/* A frame larger than 512 bytes is usable to its bottom. */
static void test_big_frame(void **state)
{
	t_reset();
	struct bpf_insn a[] = { ST(BPF_DW, 10, -1000, 42), LDX(BPF_DW, 0, 10, -1000) };
	t_main(a, N(a), NULL, 0, 1000);
	assert_int_equal(t_run(), 0);
	assert_int_equal(result(), 42);
	t_reset();
	struct bpf_insn b[] = { LDX(BPF_DW, 0, 10, -1008) };
	t_main(b, N(b), NULL, 0, 1000);
	assert_int_equal(t_run(), -1);
	assert_non_null(strstr(errtext, "test.kp:1: error: invalid memory access: read of 8 bytes"));
}

/* main calls add10(a, p) with a pointer to its stack; add10 keeps r6 to
 * itself and reads through the pointer. */
static void test_calls(void **state)
{
	t_reset();
	struct bpf_insn m[] = { MOV(6, 1000), ST(BPF_DW, 10, -8, 5), MOV(1, 7), MOVR(2, 10), ALU(BPF_ADD, 2, -8),
				CALLF(), ALUR(BPF_ADD, 0, 6) };
	KtapURel r[] = { REL(5, UREL_CALL, "add10") };
	t_main(m, N(m), r, 1, 0);
	struct bpf_insn f[] = { MOV(6, 1), LDX(BPF_DW, 0, 2, 0), ALU(BPF_MUL, 0, 10), ALUR(BPF_ADD, 0, 1), EXIT() };
	t_func("add10", 0, f, N(f), NULL, 0);
	assert_int_equal(t_run(), 0);
	assert_int_equal(result(), 1057);
}

static void fib_funcs(int n)
{
	struct bpf_insn m[] = { MOV(1, n), CALLF() };
	KtapURel r[] = { REL(1, UREL_CALL, "fib") };
	t_main(m, N(m), r, 1, 0);
	struct bpf_insn f[] = {
		MOVR(0, 1), JMP(BPF_JSLT, 1, 2, 8),
		MOVR(6, 1), ALU(BPF_ADD, 1, -1), CALLF(), MOVR(7, 0),
		MOVR(1, 6), ALU(BPF_ADD, 1, -2), CALLF(), ALUR(BPF_ADD, 0, 7),
		EXIT(),
	};
	KtapURel fr[] = { REL(4, UREL_CALL, "fib"), REL(8, UREL_CALL, "fib") };
	t_func("fib", 0, f, N(f), fr, 2);
}

static void test_recursion(void **state)
{
	t_reset();
	fib_funcs(15);
	assert_int_equal(t_run(), 0);
	assert_int_equal(result(), 610);
}

static void test_runaway_recursion(void **state)
{
	t_reset();
	struct bpf_insn m[] = { CALLF() };
	KtapURel r[] = { REL(0, UREL_CALL, "loop") };
	t_main(m, N(m), r, 1, 0);
	struct bpf_insn f[] = { CALLF(), EXIT() };
	KtapURel fr[] = { REL(0, UREL_CALL, "loop") };
	t_func("loop", 0, f, N(f), fr, 1);
	assert_int_equal(t_run(), -1);
	assert_true(T.rt.error);
	assert_non_null(strstr(errtext, "calls nested deeper than 10000"));
	/* the interpreter is usable again */
	T.rt.error = 0;
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	assert_int_equal(rt_call(&T.rt, "loop"), -1);
	cap_end(saved, tf);
	assert_true(T.rt.error);
	assert_non_null(strstr(errtext, "calls nested deeper"));
}

static void test_atomics(void **state)
{
	t_reset();
	struct bpf_insn a[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 8), I(0, 0, 0, 0, 0),
		ST(BPF_DW, 1, 0, 40), MOV(2, 2),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_ADD),
		MOV(3, 10), I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 3, 0, BPF_ADD | BPF_FETCH),	/* r3 = 42 */
		MOV(0, 52), MOV(4, 7), I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 4, 0, BPF_CMPXCHG),	/* 52 -> 7 */
		I(BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 8, BPF_ADD),
		MOVR(0, 3),
	};
	KtapURel r[] = { REL(0, UREL_DATA, ".bss") };
	t_main(a, N(a), r, 1, 0);
	assert_int_equal(t_run(), 0);
	assert_int_equal(result(), 42);
	assert_int_equal(T.bss[1], 7);
	assert_int_equal(T.bss[2], 2);
}

static void test_out_of_bounds(void **state)
{
	/* above the frame, at 0, into .rodata, past .data's end */
	struct bpf_insn a[] = { MOV(0, 1), LDX(BPF_DW, 0, 10, 0) };
	struct bpf_insn b[] = { MOV(1, 0), LDX(BPF_B, 0, 1, 16) };
	struct bpf_insn c[] = { I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0), I(0, 0, 0, 0, 0), ST(BPF_DW, 1, 0, 1) };
	struct bpf_insn d[] = { I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 4092), I(0, 0, 0, 0, 0), LDX(BPF_DW, 0, 1, 0) };
	KtapURel rc[] = { REL(0, UREL_DATA, ".rodata") }, rd[] = { REL(0, UREL_DATA, ".data") };
	struct { struct bpf_insn *code; int n; KtapURel *r; const char *msg; } cases[] = {
		{ a, N(a), NULL, "test.kp:2: error: invalid memory access: read of 8 bytes" },
		{ b, N(b), NULL, "test.kp:2: error: invalid memory access: read of 1 bytes at 0x10" },
		{ c, N(c), rc, "test.kp:3: error: write to read-only data" },
		{ d, N(d), rd, "test.kp:3: error: invalid memory access: read of 8 bytes" },
	};
	for (int i = 0; i < N(cases); i++) {
		t_reset();
		t_main(cases[i].code, cases[i].n, cases[i].r, cases[i].r ? 1 : 0, 0);
		assert_int_equal(t_run(), -1);
		assert_true(T.rt.error);
		assert_true(T.rt.stop);
		assert_non_null(strstr(errtext, cases[i].msg));
	}
}

/* The loop writes rt->stop itself (.data is made to alias it), as a
 * signal would: the interpreter notices within a few thousand steps. */
static void test_stop(void **state)
{
	t_reset();
	T.rt.data[RT_DATA] = (uint8_t *)&T.rt.stop;
	T.rt.data_size[RT_DATA] = sizeof T.rt.stop;
	struct bpf_insn a[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0), I(0, 0, 0, 0, 0), MOV(2, 0),
		ALU(BPF_ADD, 2, 1), JMP(BPF_JNE, 2, 100000, 1), ST(BPF_W, 1, 0, 1), JA(-4),
	};
	KtapURel r[] = { REL(0, UREL_DATA, ".data") };
	t_main(a, N(a), r, 1, 0);
	assert_int_equal(t_run(), 0);
	assert_true(T.rt.stop);
	assert_false(T.rt.error);
	/* a call entered with stop set (trace_end) runs to its end, and the
	 * run stays ended */
	t_reset();
	struct bpf_insn b[] = { MOV(0, 0), ALU(BPF_ADD, 0, 1), JMP(BPF_JLT, 0, 50000, -2) };
	t_main(b, N(b), NULL, 0, 0);
	T.rt.stop = 1;
	assert_int_equal(t_run(), 0);
	assert_int_equal(result(), 50000);
	assert_true(T.rt.stop);
}

static void test_exit_and_attach(void **state)
{
	t_reset();
	struct bpf_insn a[] = { MOV(1, 3), CALL(KH_ATTACH), CALL(KH_EXIT), MOV(0, 77) };
	t_main(a, N(a), NULL, 0, 0);
	assert_int_equal(t_run(), 0);
	assert_int_equal(result(), 77);	/* exit() ends the run after the handler */
	assert_true(T.rt.stop);
	assert_int_equal(T.nattached, 1);
	assert_int_equal(T.attached[0], 3);
	t_reset();
	struct bpf_insn b[] = { MOV(1, 99), CALL(KH_ATTACH), MOV(0, 77) };
	t_main(b, N(b), NULL, 0, 0);
	assert_int_equal(t_run(), -1);
	assert_true(T.rt.error);
	assert_int_equal(result(), 0);
}

static void test_relocations(void **state)
{
	t_reset();
	RtMap *m = t_map("counts", BPF_MAP_TYPE_HASH, 8, 8, 16);
	struct bpf_insn a[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 0), I(0, 0, 0, 0, 0) };
	KtapURel r[] = { REL(0, UREL_MAP, "counts") };
	t_main(a, N(a), r, 1, 0);
	assert_int_equal(t_run(), 0);
	assert_int_equal(result(), (uintptr_t)m);

	struct { KtapURel r; const char *msg; } bad[] = {
		{ REL(0, UREL_MAP, "nosuch"), "test.kp:1: error: main: relocation of instruction 0: no map 'nosuch' in the object" },
		{ REL(0, UREL_CALL, "nosuch"), "call of nosuch on an instruction that is not a call" },
		{ REL(0, UREL_DATA, ".nope"), "no data section '.nope'" },
		{ REL(1, UREL_DATA, ".bss"), "main: relocation of instruction 1: .bss on an instruction that is not ld_imm64" },
	};
	for (int i = 0; i < N(bad); i++) {
		t_reset();
		t_map("counts", BPF_MAP_TYPE_HASH, 8, 8, 16);
		t_main(a, N(a), &bad[i].r, 1, 0);
		assert_int_equal(t_run(), -1);
		assert_non_null(strstr(errtext, bad[i].msg));
	}
	/* a call to a function that is not there */
	t_reset();
	struct bpf_insn c[] = { CALLF() };
	KtapURel rc[] = { REL(0, UREL_CALL, "gone") };
	t_main(c, N(c), rc, 1, 0);
	assert_int_equal(t_run(), -1);
	assert_non_null(strstr(errtext, "no user function 'gone'"));
	/* pseudo ld_imm64 and calls without a relocation */
	t_reset();
	struct bpf_insn d[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, BPF_PSEUDO_MAP_FD, 0, 3), I(0, 0, 0, 0, 0) };
	t_main(d, N(d), NULL, 0, 0);
	assert_int_equal(t_run(), -1);
	assert_non_null(strstr(errtext, "without a relocation"));
	/* what failed to prepare does not run */
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	assert_int_equal(rt_call(&T.rt, "main"), -1);
	cap_end(saved, tf);
	assert_non_null(strstr(errtext, "not ready to run"));
}

static void test_bad_code(void **state)
{
	struct { struct bpf_insn code[2]; int n; const char *msg; } cases[] = {
		{ { JA(5) }, 1, "control left the function" },
		{ { CALL(12345) }, 1, "unknown helper 12345" },
		{ { I(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0) }, 1, "unsupported load instruction" },
		{ { I(BPF_ALU64 | 0xe0 | BPF_K, 0, 0, 0, 0) }, 1, "bad arithmetic instruction" },
		{ { I(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0) }, 1, "bad register" },
		{ { MOV(10, 0) }, 1, "bad register" },
		{ { I(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 8) }, 1, "bad byte swap" },
	};
	for (int i = 0; i < N(cases); i++) {
		t_reset();
		t_main(cases[i].code, cases[i].n, NULL, 0, 0);
		assert_int_equal(t_run(), -1);
		assert_non_null(strstr(errtext, cases[i].msg));
	}
	/* a function without instructions, and one whose end is not an exit */
	t_reset();
	struct bpf_insn e[] = { MOV(0, 1) };
	t_func("main", 0, e, 1, NULL, 0);
	assert_int_equal(t_run(), -1);
	assert_non_null(strstr(errtext, "control left the function"));
	t_reset();
	t_func("main", 0, e, 0, NULL, 0);
	assert_int_equal(t_run(), -1);
	assert_non_null(strstr(errtext, "main: no instructions"));
	/* calling what does not exist */
	t_reset();
	t_func("main", 0, e, 1, NULL, 0);
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	assert_int_equal(rt_interp_init(&T.rt), 0);
	assert_int_equal(rt_call(&T.rt, "other"), -1);
	cap_end(saved, tf);
	assert_non_null(strstr(errtext, "error: no user function 'other' in the object"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alu64, t_teardown),
		cmocka_unit_test_teardown(test_alu32, t_teardown),
		cmocka_unit_test_teardown(test_div_mod, t_teardown),
		cmocka_unit_test_teardown(test_jumps, t_teardown),
		cmocka_unit_test_teardown(test_memory_sizes, t_teardown),
		cmocka_unit_test_teardown(test_big_frame, t_teardown),
		cmocka_unit_test_teardown(test_calls, t_teardown),
		cmocka_unit_test_teardown(test_recursion, t_teardown),
		cmocka_unit_test_teardown(test_runaway_recursion, t_teardown),
		cmocka_unit_test_teardown(test_atomics, t_teardown),
		cmocka_unit_test_teardown(test_out_of_bounds, t_teardown),
		cmocka_unit_test_teardown(test_stop, t_teardown),
		cmocka_unit_test_teardown(test_exit_and_attach, t_teardown),
		cmocka_unit_test_teardown(test_relocations, t_teardown),
		cmocka_unit_test_teardown(test_bad_code, t_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
