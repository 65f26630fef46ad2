/* The optimizer against an interpreter: random functions (arithmetic,
 * stack memory, branches anywhere, so loops and vregs written in many
 * blocks) must compute the same result and memory after ir_optimize as
 * before. Deterministic: a fixed seed and a step limit. */
#include <stdint.h>
#include <string.h>
#include "test_ir_util.h"

enum { NPARAMS = 2, NVREGS = 7, NBLOCKS = 6, SLOT = 32, MAX_STEPS = 4000, NFUNCS = 3000 };

static uint64_t seed = 88172645463325252ull;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static int pick(int n) { return (int)(rnd() % (uint64_t)n); }

static IrOpnd value(void)
{
	static const int64_t imms[] = { 0, 1, -1, 2, 3, 7, 63, 64, INT64_MIN, INT64_MAX };
	if (pick(3))
		return R(pick(NVREGS));
	return I(pick(4) ? imms[pick(10)] : (int64_t)rnd());
}

static void random_ins(IrBlock *b)
{
	static const int sizes[] = { 1, 2, 4, 8 };
	int size = sizes[pick(4)], off = pick(SLOT / size) * size;
	switch (pick(6)) {
	case 0:
		mov(b, pick(NVREGS), value());
		break;
	case 1:
		op2(b, IR_NEG + pick(2), pick(NVREGS), value(), (IrOpnd){ 0 });
		break;
	case 2:
		load(b, pick(NVREGS), S(0), off, size);
		break;
	case 3:
		store(b, S(0), off, size, value());
		break;
	default:
		op2(b, IR_ADD + pick(IR_SAR - IR_ADD + 1), pick(NVREGS), value(), value());
		break;
	}
}

static IrFunc *random_func(IrModule *m)
{
	IrFunc *f = ir_func_new(m, "r", NULL, IRF_USER, NPARAMS);
	while (f->nvregs < NVREGS)
		ir_vreg(f);
	ir_slot(f, SLOT);
	IrBlock *b[NBLOCKS];
	for (int k = 0; k < NBLOCKS; k++)
		b[k] = ir_block(f);
	for (int v = NPARAMS; v < NVREGS; v++)	/* no read before a write */
		mov(b[0], v, I(pick(5)));
	for (int k = 0; k < NBLOCKS; k++) {
		for (int n = pick(5); n > 0; n--)
			random_ins(b[k]);
		int t = pick(4);
		if (k == NBLOCKS - 1 || t == 0)
			ret(b[k], value());
		else if (t == 1)
			jmp(b[k], b[pick(NBLOCKS)]);
		else
			br(b[k], pick(C_SET + 1), value(), value(), b[pick(NBLOCKS)], b[k + 1]);
	}
	return f;
}

/* The reference semantics, written apart from the folder's. */
static int64_t alu(IrOp op, int64_t x, int64_t y)
{
	uint64_t a = x, b = y, n = b & 63;
	switch (op) {
	case IR_ADD: return (int64_t)(a + b);
	case IR_SUB: return (int64_t)(a - b);
	case IR_MUL: return (int64_t)(a * b);
	case IR_DIV: return y == 0 ? 0 : (x == INT64_MIN && y == -1) ? x : x / y;
	case IR_MOD: return y == 0 ? x : y == -1 ? 0 : x % y;
	case IR_AND: return (int64_t)(a & b);
	case IR_OR: return (int64_t)(a | b);
	case IR_XOR: return (int64_t)(a ^ b);
	case IR_SHL: return (int64_t)(a << n);
	case IR_SHR: return (int64_t)(a >> n);
	case IR_SAR: return (int64_t)(x < 0 ? ~(~a >> n) : a >> n);
	case IR_NEG: return (int64_t)(0 - a);
	case IR_NOT: return (int64_t)~a;
	default: fail(); return 0;
	}
}

static int cond(IrCond c, int64_t x, int64_t y)
{
	uint64_t a = x, b = y;
	int r[] = { x == y, x != y, x < y, x <= y, x > y, x >= y, a < b, a <= b, a > b, a >= b,
		    (a & b) != 0 };
	return r[c];
}

typedef struct Run {
	int64_t ret;
	uint8_t mem[SLOT];
	int steps;	/* -1: did not finish */
} Run;

static int64_t get(const int64_t *r, IrOpnd o)
{
	return o.kind == O_IMM ? o.v : r[o.v];
}

static Run run(const IrFunc *f, int64_t p0, int64_t p1)
{
	Run out = { 0 };
	int64_t r[NVREGS] = { p0, p1 };
	const IrBlock *b = f->blocks[0];
	for (int k = 0;; k++) {
		if (++out.steps > MAX_STEPS)
			return (Run){ .steps = -1 };
		const IrIns *i = &b->ins[k];
		uint64_t x = 0;
		switch (i->op) {
		case IR_MOV: r[i->dst] = get(r, i->a); break;
		case IR_LOAD:
			memcpy(&x, out.mem + i->off, i->size);	/* little-endian: zero-extends */
			r[i->dst] = (int64_t)x;
			break;
		case IR_STORE:
			x = (uint64_t)get(r, i->b);
			memcpy(out.mem + i->off, &x, i->size);
			break;
		case IR_JMP: b = i->t; k = -1; break;
		case IR_BR:
			b = cond(i->cond, get(r, i->a), get(r, i->b)) ? i->t : i->f;
			k = -1;
			break;
		case IR_RET: out.ret = get(r, i->a); return out;
		default: r[i->dst] = alu(i->op, get(r, i->a), get(r, i->b)); break;
		}
	}
}

static void random_functions(void **state)
{
	static const int64_t args[][2] = { { 0, 0 }, { 1, -1 }, { INT64_MIN, 7 }, { 12345, 64 } };
	int tried = 0, shrunk = 0;
	for (int n = 0; n < NFUNCS; n++) {
		IrModule *m = ir_module_new();
		IrFunc *f = random_func(m);
		Run before[4];
		int ok = 1, size = 0;
		for (int a = 0; a < 4; a++)
			ok &= (before[a] = run(f, args[a][0], args[a][1])).steps >= 0;
		for (int k = 0; k < f->nblocks; k++)
			size += f->blocks[k]->n;
		optimize(f);
		for (int k = 0; k < f->nblocks; k++)
			size -= f->blocks[k]->n;
		shrunk += size > 0;
		for (int a = 0; ok && a < 4; a++) {
			Run after = run(f, args[a][0], args[a][1]);
			if (after.steps < 0 || after.ret != before[a].ret ||
			    memcmp(after.mem, before[a].mem, SLOT)) {
				fprintf(stderr, "function %d, args %d: ret %lld, want %lld\n", n, a,
					(long long)after.ret, (long long)before[a].ret);
				ir_print_func(stderr, f);
				fail();
			}
		}
		tried += ok;
		ir_module_free(m);
	}
	/* the test means something only if most functions ran and changed */
	assert_true(tried > NFUNCS / 2);
	assert_true(shrunk > NFUNCS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
