/* Executing eBPF instructions. Calls between user functions do not recurse
 * on the C stack: frames are a list, and every frame's stack is a slice of
 * one buffer below its caller's, so a runaway recursion is an error, not a
 * crash. Every memory access is checked (interp_mem.c); the encoding of
 * every instruction was checked once, before any ran (interp_check.c). */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "interp.h"

#define CHECK_EVERY 4096	/* instructions between looks at rt->stop */
#define MAX_DEPTH 10000		/* nested calls */

typedef struct Frame {
	const UFunc *fn;
	uint32_t pc;		/* where to return */
	uint64_t saved[4];	/* the caller's r6..r9 */
	uint64_t r10;
	uint8_t *sp;
} Frame;

static uint64_t sext(uint64_t v, int bits)
{
	return bits >= 64 ? v : (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

static uint64_t bswap(uint64_t v, int bits)
{
	return bits == 16 ? __builtin_bswap16(v) : bits == 32 ? __builtin_bswap32(v) : __builtin_bswap64(v);
}

static uint64_t trunc_to(uint64_t v, int bits)
{
	return bits >= 64 ? v : v & ((1ull << bits) - 1);
}

/* BPF division never traps: x/0 = 0, x%0 = x; off 1 is the signed form. */
static uint64_t alu64(int op, int off, uint64_t a, uint64_t b, int imm, int *bad)
{
	int64_t sa = a, sb = b;
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_OR: return a | b;
	case BPF_AND: return a & b;
	case BPF_XOR: return a ^ b;
	case BPF_LSH: return a << (b & 63);
	case BPF_RSH: return a >> (b & 63);
	case BPF_ARSH: return (uint64_t)(sa >> (b & 63));
	case BPF_NEG: return -a;
	case BPF_MOV: return off ? sext(b, off) : b;
	case BPF_DIV:
		if (!b)
			return 0;
		if (!off)
			return a / b;
		return sb == -1 ? -a : (uint64_t)(sa / sb);
	case BPF_MOD:
		if (!b)
			return a;
		if (!off)
			return a % b;
		return sb == -1 ? 0 : (uint64_t)(sa % sb);
	case BPF_END:
		return bswap(a, imm);
	}
	*bad = 1;
	return 0;
}

static uint32_t alu32(int op, int off, uint32_t a, uint32_t b, int *bad)
{
	int32_t sa = a, sb = b;
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_OR: return a | b;
	case BPF_AND: return a & b;
	case BPF_XOR: return a ^ b;
	case BPF_LSH: return a << (b & 31);
	case BPF_RSH: return a >> (b & 31);
	case BPF_ARSH: return (uint32_t)(sa >> (b & 31));
	case BPF_NEG: return -a;
	case BPF_MOV: return off ? (uint32_t)sext(b, off) : b;
	case BPF_DIV:
		if (!b)
			return 0;
		if (!off)
			return a / b;
		return sb == -1 ? -a : (uint32_t)(sa / sb);
	case BPF_MOD:
		if (!b)
			return a;
		if (!off)
			return a % b;
		return sb == -1 ? 0 : (uint32_t)(sa % sb);
	}
	*bad = 1;
	return 0;
}

static int cond(int op, uint64_t a, uint64_t b, int wide, int *bad)
{
	if (!wide) {
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	int64_t sa = wide ? (int64_t)a : (int32_t)a, sb = wide ? (int64_t)b : (int32_t)b;
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSET: return (a & b) != 0;
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	case BPF_JSLE: return sa <= sb;
	}
	*bad = 1;
	return 0;
}

static int size_of(int code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	default: return 8;
	}
}

static uint64_t load(const uint8_t *p, int n)
{
	uint64_t v = 0;
	memcpy(&v, p, n);	/* little-endian host */
	return v;
}

/* BPF_ATOMIC on host memory: .bss is shared with the kernel's programs. */
static int atomic_op(uint8_t *p, int n, int op, uint64_t *src, uint64_t *r0)
{
	int fetch = op & BPF_FETCH;
	uint64_t old, v = *src;
	if (n == 4) {
		uint32_t *q = (uint32_t *)p, o, w = v;
		switch (op & ~BPF_FETCH) {
		case BPF_ADD: o = __atomic_fetch_add(q, w, __ATOMIC_SEQ_CST); break;
		case BPF_AND: o = __atomic_fetch_and(q, w, __ATOMIC_SEQ_CST); break;
		case BPF_OR: o = __atomic_fetch_or(q, w, __ATOMIC_SEQ_CST); break;
		case BPF_XOR: o = __atomic_fetch_xor(q, w, __ATOMIC_SEQ_CST); break;
		case BPF_XCHG & ~BPF_FETCH: o = __atomic_exchange_n(q, w, __ATOMIC_SEQ_CST); break;
		case BPF_CMPXCHG & ~BPF_FETCH:
			o = (uint32_t)*r0;
			__atomic_compare_exchange_n(q, &o, w, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			*r0 = o;
			return 0;
		default: return -1;
		}
		old = o;
	} else {
		uint64_t *q = (uint64_t *)p;
		switch (op & ~BPF_FETCH) {
		case BPF_ADD: old = __atomic_fetch_add(q, v, __ATOMIC_SEQ_CST); break;
		case BPF_AND: old = __atomic_fetch_and(q, v, __ATOMIC_SEQ_CST); break;
		case BPF_OR: old = __atomic_fetch_or(q, v, __ATOMIC_SEQ_CST); break;
		case BPF_XOR: old = __atomic_fetch_xor(q, v, __ATOMIC_SEQ_CST); break;
		case BPF_XCHG & ~BPF_FETCH: old = __atomic_exchange_n(q, v, __ATOMIC_SEQ_CST); break;
		case BPF_CMPXCHG & ~BPF_FETCH:
			old = *r0;
			__atomic_compare_exchange_n(q, &old, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			*r0 = old;
			return 0;
		default: return -1;
		}
	}
	if (fetch)
		*src = old;
	return 0;
}

typedef struct Exec {
	Rt *rt;
	Interp *I;
	uint64_t r[11];
	const UFunc *fn;
	uint32_t pc;
	Frame *frames;
	int depth, cap;
} Exec;

static int fail(Exec *x, const char *msg, const struct bpf_insn *in)
{
	x->I->fn = x->fn;
	x->I->pc = x->pc - 1;
	rt_error(x->rt, "%s (instruction %u of %s, code 0x%02x)", msg, x->pc - 1, x->fn->src->name, in->code);
	return -1;
}

static uint8_t *mem(Exec *x, uint64_t addr, int n, int write)
{
	Interp *I = x->I;
	uint64_t lo = (uintptr_t)I->sp, hi = (uintptr_t)(I->stack + I->stack_size);
	if (addr >= lo && addr <= hi - n)
		return (uint8_t *)(uintptr_t)addr;
	I->fn = x->fn;
	I->pc = x->pc - 1;
	return rt_mem(x->rt, addr, n, write);
}

static int call(Exec *x, const struct bpf_insn *in)
{
	Interp *I = x->I;
	if (in->src_reg == 0) {
		I->fn = x->fn;
		I->pc = x->pc - 1;
		if (rt_helper(x->rt, in->imm, &x->r[1], &x->r[0]) < 0 || I->failed)
			return -1;
		return 0;
	}
	const UFunc *callee = &I->funcs[in->imm];
	if (x->depth >= MAX_DEPTH)
		return fail(x, "calls nested deeper than 10000 (runaway recursion?)", in);
	if ((size_t)(I->sp - I->stack) < callee->stack)
		return fail(x, "out of stack (runaway recursion?)", in);
	if (x->depth == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->frames = xrealloc(x->frames, x->cap * sizeof *x->frames);
	}
	Frame *f = &x->frames[x->depth++];
	f->fn = x->fn;
	f->pc = x->pc;
	memcpy(f->saved, &x->r[6], sizeof f->saved);
	f->r10 = x->r[10];
	f->sp = I->sp;
	x->r[10] = (uintptr_t)I->sp;
	I->sp -= callee->stack;
	x->fn = callee;
	x->pc = 0;
	return 0;
}

/* Returns 1 when the outermost function returned. */
static int ret(Exec *x)
{
	if (!x->depth)
		return 1;
	Frame *f = &x->frames[--x->depth];
	x->fn = f->fn;
	x->pc = f->pc;
	memcpy(&x->r[6], f->saved, sizeof f->saved);
	x->r[10] = f->r10;
	x->I->sp = f->sp;
	return 0;
}

static int step_alu(Exec *x, const struct bpf_insn *in)
{
	int bad = 0, op = BPF_OP(in->code);
	uint64_t *d = &x->r[in->dst_reg];
	if (BPF_CLASS(in->code) == BPF_ALU64) {
		uint64_t b = BPF_SRC(in->code) == BPF_X && op != BPF_END ? x->r[in->src_reg] : (uint64_t)(int64_t)in->imm;
		*d = alu64(op, in->off, *d, b, in->imm, &bad);
	} else if (op == BPF_END) {
		*d = BPF_SRC(in->code) == BPF_TO_BE ? bswap(*d, in->imm) : trunc_to(*d, in->imm);
	} else {
		uint32_t b = BPF_SRC(in->code) == BPF_X ? (uint32_t)x->r[in->src_reg] : (uint32_t)in->imm;
		*d = alu32(op, in->off, *d, b, &bad);
	}
	return bad ? fail(x, "bad arithmetic instruction", in) : 0;
}

static int step_jmp(Exec *x, const struct bpf_insn *in)
{
	int op = BPF_OP(in->code), wide = BPF_CLASS(in->code) == BPF_JMP, bad = 0;
	if (op == BPF_JA) {
		x->pc += wide ? in->off : in->imm;
		return 0;
	}
	if (op == BPF_CALL && wide)
		return call(x, in);
	if (op == BPF_EXIT && wide)
		return ret(x) ? 1 : 0;
	uint64_t b = BPF_SRC(in->code) == BPF_X ? x->r[in->src_reg] : (uint64_t)(int64_t)in->imm;
	if (cond(op, x->r[in->dst_reg], b, wide, &bad))
		x->pc += in->off;
	return bad ? fail(x, "bad jump instruction", in) : 0;
}

static int step_mem(Exec *x, const struct bpf_insn *in)
{
	int cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code), n = size_of(in->code);
	if (cls == BPF_LD) {
		if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
			return fail(x, "unsupported load instruction", in);
		x->r[in->dst_reg] = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
		x->pc++;
		return 0;
	}
	uint64_t base = cls == BPF_LDX ? x->r[in->src_reg] : x->r[in->dst_reg];
	uint8_t *p = mem(x, base + in->off, n, cls != BPF_LDX);
	if (!p)
		return -1;
	if (cls == BPF_LDX) {
		if (mode != BPF_MEM && mode != BPF_MEMSX)
			return fail(x, "unsupported load instruction", in);
		uint64_t v = load(p, n);
		x->r[in->dst_reg] = mode == BPF_MEMSX ? sext(v, 8 * n) : v;
	} else if (mode == BPF_MEM) {
		uint64_t v = cls == BPF_ST ? (uint64_t)(int64_t)in->imm : x->r[in->src_reg];
		memcpy(p, &v, n);
	} else if (mode == BPF_ATOMIC && cls == BPF_STX && n >= 4) {
		if ((uintptr_t)p % n)
			return fail(x, "misaligned atomic operation", in);
		uint64_t *src = &x->r[in->src_reg];
		if (n == 4 && (in->imm & BPF_FETCH)) {
			uint64_t v = *src;
			if (atomic_op(p, n, in->imm, &v, &x->r[0]))
				return fail(x, "bad atomic operation", in);
			*src = (uint32_t)v;
		} else if (atomic_op(p, n, in->imm, src, &x->r[0])) {
			return fail(x, "bad atomic operation", in);
		}
	} else {
		return fail(x, "unsupported store instruction", in);
	}
	return 0;
}

/* rt_verify made sure that pc stays inside the function: every jump
 * lands on an instruction and the last one is an exit or a jump. */
static int step(Exec *x)
{
	const struct bpf_insn *in = &x->fn->code[x->pc++];
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return step_alu(x, in);
	case BPF_JMP:
	case BPF_JMP32:
		return step_jmp(x, in);
	default:
		return step_mem(x, in);
	}
}

int rt_exec(Rt *rt, int fi, uint64_t *r0)
{
	Exec x = { .rt = rt, .I = rt->interp, .fn = &((Interp *)rt->interp)->funcs[fi] };
	Interp *I = x.I;
	x.r[10] = (uintptr_t)I->sp;
	I->sp -= x.fn->stack;
	int st = 0;
	for (uint32_t n = 1; !st; n++) {
		if (n % CHECK_EVERY == 0 && rt->stop)
			st = 2;
		else
			st = step(&x);
	}
	free(x.frames);
	*r0 = x.r[0];
	return st < 0 ? -1 : st == 2;
}
