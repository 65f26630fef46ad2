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

/* Verification of main (made by t_func) fails with exactly msg. */
static void expect_bad(const char *msg)
{
	const char *err;
	assert_int_equal(rt_interp_prepare(&T.rt, &err), -1);
	assert_string_equal(err, msg);
}

static void bad_func(const struct bpf_insn *code, int n, const char *msg)
{
	t_reset();
	t_func("main", 0, code, n, NULL, 0);
	expect_bad(msg);
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
		{ REL(0, UREL_MAP, "nosuch"), "main: relocation of instruction 0: no map 'nosuch' in the object" },
		{ REL(0, UREL_CALL, "nosuch"), "main: relocation of instruction 0: call of nosuch on an instruction that is not a call" },
		{ REL(0, UREL_DATA, ".nope"), "main: relocation of instruction 0: no data section '.nope'" },
		{ REL(1, UREL_DATA, ".bss"), "main: relocation of instruction 1: not an instruction, or relocated twice" },
		{ REL(2, UREL_DATA, ".bss"), "main: relocation of instruction 2: not an instruction, or relocated twice" },
		{ REL(4, UREL_DATA, ".bss"), "main: relocation of instruction 4: .bss on an instruction that is not ld_imm64" },
	};
	for (int i = 0; i < N(bad); i++) {
		t_reset();
		t_map("counts", BPF_MAP_TYPE_HASH, 8, 8, 16);
		t_main(a, N(a), &bad[i].r, 1, 0);
		expect_bad(bad[i].msg);
	}
	/* an offset past the end of its section */
	t_reset();
	struct bpf_insn o[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 4097), I(0, 0, 0, 0, 0) };
	KtapURel ro[] = { REL(0, UREL_DATA, ".data") };
	t_main(o, N(o), ro, 1, 0);
	expect_bad("main: relocation of instruction 0: offset 4097 is past the end of .data (4096 bytes)");
	/* a call to a function that is not there */
	t_reset();
	struct bpf_insn c[] = { CALLF() };
	KtapURel rc[] = { REL(0, UREL_CALL, "gone") };
	t_main(c, N(c), rc, 1, 0);
	expect_bad("main: relocation of instruction 0: no user function 'gone'");
	/* pseudo ld_imm64 and calls without a relocation */
	t_reset();
	struct bpf_insn d[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, BPF_PSEUDO_MAP_FD, 0, 3), I(0, 0, 0, 0, 0) };
	t_main(d, N(d), NULL, 0, 0);
	expect_bad("main: instruction 0: ld_imm64 of a map or data without a relocation");
	t_reset();
	t_main(c, N(c), NULL, 0, 0);
	expect_bad("main: instruction 0: call of a function without a relocation");
	/* rt_interp_init says so; what failed to prepare does not run */
	t_reset();
	t_main(d, N(d), NULL, 0, 0);
	assert_int_equal(t_run(), -1);
	assert_string_equal(errtext, "error: bad object: main: instruction 0: ld_imm64 of a map or data without a relocation\n");
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	assert_int_equal(rt_call(&T.rt, "main"), -1);
	cap_end(saved, tf);
	assert_non_null(strstr(errtext, "not ready to run"));
}

static void test_jump_into_ldimm64(void **state)
{
	struct bpf_insn a[] = { JA(1), LD64(0, 5), EXIT() };
	bad_func(a, N(a), "main: instruction 0: jump into the middle of an ld_imm64");
	struct bpf_insn b[] = { LD64(0, 5), JMP(BPF_JEQ, 0, 5, -2), EXIT() };
	bad_func(b, N(b), "main: instruction 2: jump into the middle of an ld_imm64");
}

static void test_jump_out_of_range(void **state)
{
	struct bpf_insn a[] = { JA(5), EXIT() };
	bad_func(a, N(a), "main: instruction 0: jump to 6, outside the function");
	struct bpf_insn b[] = { MOV(0, 0), JMP(BPF_JEQ, 0, 0, -3), EXIT() };
	bad_func(b, N(b), "main: instruction 1: jump to -1, outside the function");
	struct bpf_insn c[] = { I(BPF_JMP32 | BPF_JA, 0, 0, 0, 0x7fffffff), EXIT() };	/* gotol */
	bad_func(c, N(c), "main: instruction 0: jump to 2147483648, outside the function");
}

static void test_register_11(void **state)
{
	struct bpf_insn a[] = { I(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0), EXIT() };
	bad_func(a, N(a), "main: instruction 0: register r11");
	struct bpf_insn b[] = { LDX(BPF_DW, 0, 15, 0), EXIT() };
	bad_func(b, N(b), "main: instruction 0: register r15");
}

static void test_write_r10(void **state)
{
	const char *msg = "main: instruction 0: writes r10, the frame pointer";
	struct bpf_insn a[] = { MOV(10, 0), EXIT() };
	bad_func(a, N(a), msg);
	struct bpf_insn b[] = { LDX(BPF_DW, 10, 10, -8), EXIT() };
	bad_func(b, N(b), msg);
	struct bpf_insn c[] = { LD64(10, 1), EXIT() };
	bad_func(c, N(c), msg);
	struct bpf_insn d[] = { I(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 10, -8, BPF_ADD | BPF_FETCH), EXIT() };
	bad_func(d, N(d), msg);
}

static void test_bad_ldimm64(void **state)
{
	const char *msg = "main: instruction 0: bad ld_imm64 (the second half must be all zero but imm)";
	struct bpf_insn a[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), I(0, 11, 0, 0, 0), EXIT() };
	bad_func(a, N(a), msg);
	struct bpf_insn b[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), MOV(0, 1), EXIT() };
	bad_func(b, N(b), msg);
	struct bpf_insn c[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), I(0, 0, 0, 4, 0), EXIT() };
	bad_func(c, N(c), msg);
	struct bpf_insn d[] = { EXIT(), I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1) };
	bad_func(d, N(d), "main: instruction 1: ld_imm64 without its second half");
}

static void test_bad_sign_extension(void **state)
{
	struct bpf_insn a[] = { MOV(1, 1), I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 65, 0), EXIT() };
	bad_func(a, N(a), "main: instruction 1: bad sign-extension size 65");
	struct bpf_insn b[] = { MOV(1, 1), I(BPF_ALU | BPF_MOV | BPF_X, 0, 1, 32, 0), EXIT() };
	bad_func(b, N(b), "main: instruction 1: bad sign-extension size 32");
	struct bpf_insn c[] = { I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 8, 1), EXIT() };
	bad_func(c, N(c), "main: instruction 0: bad sign-extension size 8");
	struct bpf_insn d[] = { MOV(0, 4), I(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 2, 2), EXIT() };
	bad_func(d, N(d), "main: instruction 1: bad offset 2");
	struct bpf_insn e[] = { I(BPF_LDX | BPF_MEMSX | BPF_DW, 0, 10, -8, 0), EXIT() };
	bad_func(e, N(e), "main: instruction 0: unknown opcode 0x99");
}

static void test_unknown_opcode(void **state)
{
	struct { struct bpf_insn in; const char *msg; } cases[] = {
		{ I(BPF_ALU64 | 0xe0 | BPF_K, 0, 0, 0, 0), "main: instruction 0: unknown opcode 0xe7" },
		{ I(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), "main: instruction 0: unknown opcode 0x20" },
		{ I(0, 0, 0, 0, 0), "main: instruction 0: unknown opcode 0x00" },
		{ I(BPF_JMP32 | BPF_CALL, 0, 0, 0, 1), "main: instruction 0: unknown opcode 0x86" },
		{ I(BPF_JMP32 | BPF_EXIT, 0, 0, 0, 0), "main: instruction 0: unknown opcode 0x96" },
		{ I(BPF_JMP | 0xe0, 0, 0, 0, 0), "main: instruction 0: unknown opcode 0xe5" },
		{ I(BPF_ST | BPF_ATOMIC | BPF_DW, 10, 0, -8, 0), "main: instruction 0: unknown opcode 0xda" },
		{ I(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, 0x30), "main: instruction 0: bad atomic operation 0x30" },
		{ I(BPF_STX | BPF_ATOMIC | BPF_B, 10, 1, -8, BPF_ADD), "main: instruction 0: atomic operation of a size other than 4 or 8" },
		{ I(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 8), "main: instruction 0: bad byte swap" },
		{ I(BPF_ALU64 | BPF_END | BPF_X, 0, 0, 0, 16), "main: instruction 0: bad byte swap" },
		{ I(BPF_ALU64 | BPF_NEG | BPF_X, 0, 0, 0, 0), "main: instruction 0: bad negation" },
		{ I(BPF_JMP | BPF_CALL, 0, 3, 0, 1), "main: instruction 0: bad call" },
	};
	for (int i = 0; i < N(cases); i++) {
		struct bpf_insn a[] = { cases[i].in, EXIT() };
		bad_func(a, N(a), cases[i].msg);
	}
}

static void test_unknown_helper(void **state)
{
	struct bpf_insn a[] = { CALL(12345), EXIT() };
	bad_func(a, N(a), "main: instruction 0: unknown helper 12345");
	struct bpf_insn b[] = { CALL(KH_BASE - 1), EXIT() };
	bad_func(b, N(b), "main: instruction 0: unknown helper 999");
}

static void test_falls_off_the_end(void **state)
{
	struct bpf_insn a[] = { MOV(0, 1) };
	bad_func(a, N(a), "main: instruction 0: control runs past the end of the function");
	struct bpf_insn b[] = { EXIT(), LD64(0, 1) };
	bad_func(b, N(b), "main: instruction 2: control runs past the end of the function");
	bad_func(a, 0, "main: no instructions");
	t_reset();
	t_func("main", 3u << 20, a, 1, NULL, 0);
	expect_bad("main: a stack of 3145728 bytes is too large");
}

/* A name longer than the message: cut, never written past its buffer. */
static void test_long_name(void **state)
{
	char name[400];
	memset(name, 'f', sizeof name - 1);
	name[sizeof name - 1] = 0;
	struct bpf_insn a[] = { MOV(0, 1) };
	KtapURel r[] = { REL(0, UREL_MAP, name) };
	const char *err;
	t_reset();
	t_func(name, 0, a, 1, NULL, 0);
	assert_int_equal(rt_interp_prepare(&T.rt, &err), -1);
	assert_int_equal(strlen(err), 255);
	assert_memory_equal(err, name, 255);
	t_reset();
	t_func("main", 0, a, 1, r, 1);
	assert_int_equal(rt_interp_prepare(&T.rt, &err), -1);
	assert_int_equal(strncmp(err, "main: relocation of instruction 0: ", 35), 0);
	assert_int_equal(strlen(err), 35 + 159);
}

static void test_drops_off_near_2_32(void **state)
{
	static KtapTable t = { .map = (char *)"t_counts", .drops_off = 0xfffffffcu };
	struct bpf_insn a[] = { EXIT() };
	t_reset();
	T.rt.data_size[RT_BSS] = 4096;
	T.rt.meta.tables = &t;
	T.rt.meta.ntables = 1;
	t_func("main", 0, a, 1, NULL, 0);
	expect_bad("table t_counts: drop counter at 4294967292 is outside .bss (4096 bytes)");
	t.drops_off = 4089;
	expect_bad("table t_counts: drop counter at 4089 is outside .bss (4096 bytes)");
	t.drops_off = 4088;
	const char *err;
	assert_int_equal(rt_interp_prepare(&T.rt, &err), 0);
	T.rt.meta.tables = NULL;
	T.rt.meta.ntables = 0;
}

static void test_entry_points(void **state)
{
	static KtapHandler h = { .kind = H_END, .prog = (char *)"trace_end" };
	struct bpf_insn a[] = { EXIT() };
	t_reset();
	t_func("main", 0, a, 1, NULL, 0);
	T.rt.meta.main_func = (char *)"chunk";
	expect_bad("no main function 'chunk'");
	T.rt.meta.main_func = (char *)"main";
	T.rt.meta.handlers = &h;
	T.rt.meta.nhandlers = 1;
	expect_bad("handler 0: no user function 'trace_end'");
	h = (KtapHandler){ .kind = H_UPROBE, .prog = (char *)"p", .target = (char *)"bin/x", .interval_ns = 64 };
	expect_bad("handler 0: a uprobe needs an absolute path and an offset");
	h = (KtapHandler){ .kind = H_URETPROBE, .prog = (char *)"p", .target = (char *)"/bin/x" };
	expect_bad("handler 0: a uprobe needs an absolute path and an offset");
	T.rt.meta.handlers = NULL;
	T.rt.meta.nhandlers = 0;
	/* calling what does not exist */
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	assert_int_equal(rt_interp_init(&T.rt), 0);
	assert_int_equal(rt_call(&T.rt, "other"), -1);
	cap_end(saved, tf);
	assert_string_equal(errtext, "error: no user function 'other' in the object\n");
}

/* Every helper the verifier admits is one rt_helper implements. */
static void test_known_helpers(void **state)
{
	t_reset();
	struct bpf_insn a[] = { EXIT() };
	t_func("main", 0, a, 1, NULL, 0);
	assert_int_equal(rt_interp_init(&T.rt), 0);
	for (int id = 0; id < KH_END_ + 10; id++) {
		if (!rt_helper_known(id) || id == KH_ATTACH || id == KH_EXIT)
			continue;
		uint64_t args[5] = { 0 }, r;
		int saved;
		FILE *tf;
		cap_begin(&saved, &tf);
		rt_helper(&T.rt, id, args, &r);
		cap_end(saved, tf);
		assert_null(strstr(errtext, "unknown helper"));
	}
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
		cmocka_unit_test_teardown(test_jump_into_ldimm64, t_teardown),
		cmocka_unit_test_teardown(test_jump_out_of_range, t_teardown),
		cmocka_unit_test_teardown(test_register_11, t_teardown),
		cmocka_unit_test_teardown(test_write_r10, t_teardown),
		cmocka_unit_test_teardown(test_bad_ldimm64, t_teardown),
		cmocka_unit_test_teardown(test_bad_sign_extension, t_teardown),
		cmocka_unit_test_teardown(test_unknown_opcode, t_teardown),
		cmocka_unit_test_teardown(test_unknown_helper, t_teardown),
		cmocka_unit_test_teardown(test_falls_off_the_end, t_teardown),
		cmocka_unit_test_teardown(test_long_name, t_teardown),
		cmocka_unit_test_teardown(test_drops_off_near_2_32, t_teardown),
		cmocka_unit_test_teardown(test_entry_points, t_teardown),
		cmocka_unit_test_teardown(test_known_helpers, t_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
