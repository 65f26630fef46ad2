/* Instruction selection and allocation, proven by running the code: IR
 * functions built by hand are compiled, loaded into the kernel as socket
 * filters (so the verifier must accept them) and run with test_run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "backend/bpf/bpf.h"
#include "ir/check.h"

static int have_bpf;

/* Building */
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

static void ret(IrBlock *b, IrOpnd a)
{
	ir_emit(b, IR_RET)->a = a;
}

static void br(IrBlock *b, IrCond c, IrOpnd a, IrOpnd x, IrBlock *t, IrBlock *f)
{
	IrIns *i = ir_emit(b, IR_BR);
	i->cond = c, i->a = a, i->b = x, i->t = t, i->f = f;
}

static void jmp(IrBlock *b, IrBlock *t)
{
	ir_emit(b, IR_JMP)->t = t;
}

static int call(IrFunc *f, IrBlock *b, IrOp op, int64_t target, int nargs, const IrOpnd *args)
{
	IrIns *i = ir_emit(b, op);
	i->dst = ir_vreg(f), i->target = target, i->nargs = nargs;
	for (int k = 0; k < nargs; k++)
		i->args[k] = args[k];
	return i->dst;
}

static void store(IrBlock *b, int size, IrOpnd base, int off, IrOpnd v)
{
	IrIns *i = ir_emit(b, IR_STORE);
	i->size = size, i->a = base, i->off = off, i->b = v;
}

static int load(IrFunc *f, IrBlock *b, int size, IrOpnd base, int off)
{
	IrIns *i = ir_emit(b, IR_LOAD);
	i->dst = ir_vreg(f), i->size = size, i->a = base, i->off = off;
	return i->dst;
}

/* Running */
static void free_progs(ObjFile *o)
{
	for (int i = 0; i < o->nprogs; i++) {
		free(o->progs[i].insns);
		free(o->progs[i].relocs);
		free(o->progs[i].lines);
	}
	free(o->progs);
}

static int load_prog(const struct bpf_insn *insns, int n)
{
	static char log[1 << 20];
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log), .log_level = 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "t", "GPL", insns, n, &lo);
	if (fd < 0) {
		lo.log_level = 1;
		bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "t", "GPL", insns, n, &lo);
		fprintf(stderr, "verifier rejected the program:\n%s\n", log);
	}
	return fd;
}

static uint32_t run_insns(const struct bpf_insn *insns, int n)
{
	char data[64] = { 0 };
	int fd = load_prog(insns, n);
	assert_true(fd >= 0);
	LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = data, .data_size_in = sizeof(data));
	assert_int_equal(bpf_prog_test_run_opts(fd, &ro), 0);
	close(fd);
	return ro.retval;
}

/* Compile m (its one function) and run it. */
static uint32_t run_module(IrModule *m)
{
	ObjFile o = { .mod = m };
	assert_int_equal(bpf_compile(&o, NULL), 0);
	uint32_t r = run_insns(o.progs[0].insns, o.progs[0].ninsns);
	free_progs(&o);
	ir_module_free(m);
	return r;
}

/* A function whose body the caller builds from block *b on; returns the
 * result vreg. Run twice (low and high half) to see all 64 bits. */
typedef int Body(IrFunc *f, IrBlock **b, const void *arg);

static int64_t eval(Body *body, const void *arg)
{
	uint64_t half[2];
	for (int h = 0; h < 2; h++) {
		IrModule *m = ir_module_new();
		IrFunc *f = ir_func_new(m, "t", "socket", IRF_KERNEL, 1);
		IrBlock *b = ir_block(f);
		int v = body(f, &b, arg);
		if (h)
			v = op2(f, b, IR_SHR, ir_r(v), ir_imm(32));
		ret(b, ir_r(v));
		half[h] = run_module(m);
	}
	return (int64_t)(half[1] << 32 | half[0]);
}

#define NEED_BPF() do { if (!have_bpf) { skip(); } } while (0)

/* Arithmetic: every binary op over values that hit the corners, in three
 * operand forms; one program per op and form, returning the index of the
 * first wrong result (+1), or 0. */
static const int64_t vals[] = { 7, -7, 3, -3, 0, 1, -1, INT64_MIN, INT64_MAX,
	0x123456789abcdefLL, -0x80000000LL, 0x7fffffffLL, 0x80000000LL, 13, 63 };
#define NVALS (int)(sizeof(vals) / sizeof(vals[0]))

static int64_t ref(IrOp op, int64_t a, int64_t b)
{
	uint64_t x = a, y = b;
	switch (op) {
	case IR_ADD: return x + y;
	case IR_SUB: return x - y;
	case IR_MUL: return x * y;
	case IR_DIV: return b == 0 ? 0 : b == -1 ? (int64_t)(0 - x) : a / b;
	case IR_MOD: return b == 0 ? a : b == -1 ? 0 : a % b;
	case IR_AND: return x & y;
	case IR_OR: return x | y;
	case IR_XOR: return x ^ y;
	case IR_SHL: return x << (y & 63);
	case IR_SHR: return x >> (y & 63);
	case IR_SAR: return a >> (y & 63);
	default: return 0;
	}
}

static int shift(IrOp op)
{
	return op == IR_SHL || op == IR_SHR || op == IR_SAR;
}

static void check_binop(IrOp op, int form)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "t", "socket", IRF_KERNEL, 1);
	IrBlock *b = ir_block(f);
	int n = 0;
	for (int i = 0; i < NVALS; i++)
		for (int j = 0; j < NVALS; j++) {
			int64_t x = vals[i], y = shift(op) ? vals[j] & 63 : vals[j];
			IrOpnd a = form == 2 ? ir_imm(x) : ir_r(mov(f, b, x));
			IrOpnd c = form == 1 ? ir_imm(y) : ir_r(mov(f, b, y));
			int v = op2(f, b, op, a, c);
			IrBlock *ok = ir_block(f), *bad = ir_block(f);
			br(b, C_EQ, ir_r(v), ir_imm(ref(op, x, y)), ok, bad);
			ret(bad, ir_imm(++n));
			b = ok;
		}
	ret(b, ir_imm(0));
	uint32_t r = run_module(m);
	if (r)
		fprintf(stderr, "op %d form %d: wrong for %lld, %lld\n", op, form,
			(long long)vals[(r - 1) / NVALS], (long long)vals[(r - 1) % NVALS]);
	assert_int_equal(r, 0);
}

static void test_arith(void **state)
{
	NEED_BPF();
	static const IrOp ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_DIV, IR_MOD, IR_AND,
		IR_OR, IR_XOR, IR_SHL, IR_SHR, IR_SAR };
	for (int k = 0; k < (int)(sizeof(ops) / sizeof(ops[0])); k++)
		for (int form = 0; form < 3; form++)
			check_binop(ops[k], form);
}

/* d = op (a op b): the destination shares a register with an operand */
static int body_unary(IrFunc *f, IrBlock **b, const void *arg)
{
	int x = mov(f, *b, -5), y = mov(f, *b, 3);
	int neg = op2(f, *b, IR_NEG, ir_r(x), (IrOpnd){ 0 });	/* 5 */
	int not = op2(f, *b, IR_NOT, ir_r(y), (IrOpnd){ 0 });	/* -4 */
	int s = op2(f, *b, IR_SUB, ir_r(neg), ir_r(not));	/* 9 */
	int t = op2(f, *b, IR_SUB, ir_imm(100), ir_r(s));	/* 91 */
	return op2(f, *b, IR_MUL, ir_r(t), ir_r(t));		/* 8281 */
}

static void test_unary(void **state)
{
	NEED_BPF();
	assert_int_equal(eval(body_unary, NULL), 8281);
}

/* 64-bit constants in moves, stores, operands and comparisons */
static int body_const64(IrFunc *f, IrBlock **b, const void *arg)
{
	int s = ir_slot(f, 8);
	int x = mov(f, *b, 0x123456789abcdef0LL);
	store(*b, 8, ir_slotop(s), 0, ir_imm(0x0fedcba987654321LL));
	int y = load(f, *b, 8, ir_slotop(s), 0);
	int z = op2(f, *b, IR_ADD, ir_r(x), ir_r(y));		/* 0x2222222222222211 */
	int w = op2(f, *b, IR_XOR, ir_r(z), ir_imm(0x1111111100000000LL));
	IrBlock *yes = ir_block(f), *no = ir_block(f);
	br(*b, C_EQ, ir_r(w), ir_imm(0x3333333322222211LL), yes, no);
	ret(no, ir_imm(-1));
	*b = yes;
	return w;
}

static void test_const64(void **state)
{
	NEED_BPF();
	assert_int_equal(eval(body_const64, NULL), 0x3333333322222211LL);
}

/* Every condition over pairs of values, operands in three forms, with the
 * true or the false block laid out next. */
static void check_cond(IrCond cc, int form, int true_next)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "t", "socket", IRF_KERNEL, 1);
	IrBlock *b = ir_block(f);
	int n = 0;
	for (int i = 0; i < NVALS; i++)
		for (int j = 0; j < NVALS; j++) {
			IrOpnd a = form == 2 ? ir_imm(vals[i]) : ir_r(mov(f, b, vals[i]));
			IrOpnd c = form == 1 ? ir_imm(vals[j]) : ir_r(mov(f, b, vals[j]));
			IrBlock *t, *e, *join;
			if (true_next)
				t = ir_block(f), e = ir_block(f);
			else
				e = ir_block(f), t = ir_block(f);
			join = ir_block(f);
			br(b, cc, a, c, t, e);
			n++;
			if (ir_cond_holds(cc, vals[i], vals[j]))
				jmp(t, join), ret(e, ir_imm(n));
			else
				jmp(e, join), ret(t, ir_imm(n));
			b = join;
		}
	ret(b, ir_imm(0));
	uint32_t r = run_module(m);
	if (r)
		fprintf(stderr, "cond %d form %d: wrong for %lld, %lld\n", cc, form,
			(long long)vals[(r - 1) / NVALS], (long long)vals[(r - 1) % NVALS]);
	assert_int_equal(r, 0);
}

static void test_conds(void **state)
{
	NEED_BPF();
	for (IrCond cc = C_EQ; cc <= C_SET; cc++)
		for (int form = 0; form < 3; form++)
			for (int tn = 0; tn < 2; tn++)
				check_cond(cc, form, tn);
}

/* s = sum of i*i for i in 1..100, with i and s assigned in several blocks */
static void test_loop(void **state)
{
	NEED_BPF();
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "t", "socket", IRF_KERNEL, 1);
	IrBlock *entry = ir_block(f), *head = ir_block(f), *body = ir_block(f), *exit = ir_block(f);
	int i = ir_vreg(f), s = ir_vreg(f);
	IrIns *x = ir_emit(entry, IR_MOV);
	x->dst = i, x->a = ir_imm(1);
	x = ir_emit(entry, IR_MOV);
	x->dst = s, x->a = ir_imm(0);
	jmp(entry, head);
	br(head, C_LE, ir_r(i), ir_imm(100), body, exit);
	int sq = op2(f, body, IR_MUL, ir_r(i), ir_r(i));
	x = ir_emit(body, IR_ADD);
	x->dst = s, x->a = ir_r(s), x->b = ir_r(sq);
	x = ir_emit(body, IR_ADD);
	x->dst = i, x->a = ir_r(i), x->b = ir_imm(1);
	jmp(body, head);
	ret(exit, ir_r(s));
	assert_int_equal(run_module(m), 338350);
}

/* n values all live at once: more than the allocatable registers. With
 * `across`, a helper call sits in the middle so they must survive it. */
struct pressure { int n, across; };

static int body_pressure(IrFunc *f, IrBlock **b, const void *arg)
{
	const struct pressure *p = arg;
	int v[32];
	for (int k = 0; k < p->n; k++)
		v[k] = op2(f, *b, IR_MUL, ir_r(mov(f, *b, k + 1)), ir_imm(k + 1));
	int t0 = p->across ? call(f, *b, IR_CALL, BPF_FUNC_ktime_get_ns, 0, NULL) : -1;
	int r = p->across ? call(f, *b, IR_CALL, BPF_FUNC_get_prandom_u32, 0, NULL) : -1;
	int s = mov(f, *b, 0);
	for (int k = 0; k < p->n; k++)	/* s = s * 3 + v[k]: order matters */
		s = op2(f, *b, IR_ADD, ir_r(op2(f, *b, IR_MUL, ir_r(s), ir_imm(3))), ir_r(v[k]));
	if (p->across) {	/* prandom fits 32 bits; time moves forward */
		int hi = op2(f, *b, IR_SHR, ir_r(r), ir_imm(32));
		int t1 = call(f, *b, IR_CALL, BPF_FUNC_ktime_get_ns, 0, NULL);
		IrBlock *y = ir_block(f), *y2 = ir_block(f), *no = ir_block(f);
		br(*b, C_EQ, ir_r(hi), ir_imm(0), y, no);
		br(y, C_UGE, ir_r(t1), ir_r(t0), y2, no);
		ret(no, ir_imm(-1));
		*b = y2;
	}
	return s;
}

static int64_t pressure_ref(int n)
{
	int64_t s = 0;
	for (int k = 0; k < n; k++)
		s = s * 3 + (int64_t)(k + 1) * (k + 1);
	return s;
}

static void test_pressure(void **state)
{
	NEED_BPF();
	for (int across = 0; across < 2; across++)
		for (int n = 1; n <= 20; n += 3) {
			struct pressure p = { n, across };
			assert_int_equal(eval(body_pressure, &p), pressure_ref(n));
		}
}

/* Stores and loads of every size, through a slot and through a pointer;
 * zeroing; atomic add. */
static int body_memory(IrFunc *f, IrBlock **b, const void *arg)
{
	int s = ir_slot(f, 16);
	store(*b, 8, ir_slotop(s), 0, ir_imm(-1));
	store(*b, 8, ir_slotop(s), 8, ir_imm(-1));
	IrIns *z = ir_emit(*b, IR_ZERO);
	z->a = ir_slotop(s), z->size = 16;
	int p = op2(f, *b, IR_ADDR, ir_slotop(s), (IrOpnd){ 0 });
	store(*b, 1, ir_r(p), 0, ir_imm(0x1ff));		/* 0xff */
	store(*b, 2, ir_slotop(s), 2, ir_imm(0x1234));
	store(*b, 4, ir_r(p), 4, ir_r(mov(f, *b, 0x89abcdef)));
	store(*b, 8, ir_slotop(s), 8, ir_imm(40));
	IrIns *x = ir_emit(*b, IR_XADD);
	x->a = ir_r(p), x->off = 8, x->b = ir_imm(2);
	int hundred = mov(f, *b, 100);
	x = ir_emit(*b, IR_XADD);
	x->a = ir_r(p), x->off = 8, x->b = ir_r(hundred);
	int lo = load(f, *b, 8, ir_r(p), 0);			/* 0x89abcdef123400ff */
	int w = load(f, *b, 4, ir_slotop(s), 4);		/* zero-extended */
	int h = load(f, *b, 2, ir_r(p), 2);
	int c = load(f, *b, 1, ir_slotop(s), 0);
	int q = load(f, *b, 8, ir_slotop(s), 8);		/* 142 */
	int sum = op2(f, *b, IR_ADD, ir_r(w), ir_r(h));
	sum = op2(f, *b, IR_ADD, ir_r(sum), ir_r(c));
	sum = op2(f, *b, IR_ADD, ir_r(sum), ir_r(q));		/* 0x89abcdef+0x1234+0xff+142 */
	IrBlock *y = ir_block(f), *n = ir_block(f);
	br(*b, C_EQ, ir_r(lo), ir_imm((int64_t)0x89abcdef123400ffULL), y, n);
	ret(n, ir_imm(-1));
	*b = y;
	return sum;
}

static void test_memory(void **state)
{
	NEED_BPF();
	assert_int_equal(eval(body_memory, NULL), 0x89abcdefLL + 0x1234 + 0xff + 142);
}

/* Copies: aligned, unaligned (smaller chunks), slot to slot and through
 * pointers. */
static int body_copy(IrFunc *f, IrBlock **b, const void *arg)
{
	int s = ir_slot(f, 32), d = ir_slot(f, 32);
	for (int k = 0; k < 4; k++)
		store(*b, 8, ir_slotop(s), 8 * k, ir_imm(0x0101010101010101LL * (k + 1)));
	IrIns *z = ir_emit(*b, IR_ZERO);
	z->a = ir_slotop(d), z->size = 32;
	IrIns *c = ir_emit(*b, IR_COPY);	/* 24 aligned bytes */
	c->a = ir_slotop(d), c->b = ir_slotop(s), c->size = 24;
	int ps = op2(f, *b, IR_ADDR, ir_slotop(s), (IrOpnd){ 0 });
	int pd = op2(f, *b, IR_ADDR, ir_slotop(d), (IrOpnd){ 0 });
	c = ir_emit(*b, IR_COPY);		/* 7 bytes from s+25 to d+17: 1/2/4 chunks */
	c->a = ir_r(pd), c->off = 17, c->b = ir_r(ps), c->off2 = 25, c->size = 7;
	int x = load(f, *b, 8, ir_slotop(d), 0);
	int y = load(f, *b, 8, ir_slotop(d), 16);	/* 03 04*7 */
	int t = op2(f, *b, IR_XOR, ir_r(x), ir_r(y));
	return op2(f, *b, IR_ADD, ir_r(t), ir_r(load(f, *b, 8, ir_slotop(d), 24)));
}

static void test_copy(void **state)
{
	NEED_BPF();
	int64_t want = (0x0101010101010101LL ^ 0x0404040404040403LL) + 0;
	assert_int_equal(eval(body_copy, NULL), want);
}

/* A BPF-to-BPF call: callee(a..e) = a + 10b + 100c + 1000d + 10000e, called
 * with arguments in rotated registers, an immediate and a spilled value,
 * with values live across the call. Caller and callee are laid out in one
 * program and the call patched, as the ELF writer and libbpf would. */
static void test_bpf_call(void **state)
{
	NEED_BPF();
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "caller", "socket", IRF_KERNEL, 1);
	IrFunc *g = ir_func_new(m, "callee", ".text", IRF_KERNEL, 5);
	IrBlock *b = ir_block(g);
	int s = 0;
	for (int k = 0; k < 5; k++) {
		static const int w[] = { 1, 10, 100, 1000, 10000 };
		int t = op2(g, b, IR_MUL, ir_r(k), ir_imm(w[k]));
		s = k ? op2(g, b, IR_ADD, ir_r(s), ir_r(t)) : t;
	}
	ret(b, ir_r(s));
	b = ir_block(f);
	int v[12];
	for (int k = 0; k < 12; k++)
		v[k] = mov(f, b, k + 1);
	IrOpnd args[5] = { ir_r(v[4]), ir_r(v[0]), ir_imm(7), ir_r(v[1]), ir_r(v[2]) };
	int r = call(f, b, IR_CALLF, 1, 5, args);	/* 5 + 10 + 700 + 2000 + 30000 */
	for (int k = 0; k < 12; k++)
		r = op2(f, b, IR_ADD, ir_r(r), ir_r(v[k]));	/* + 78 */
	ret(b, ir_r(r));
	ObjFile o = { .mod = m };
	assert_int_equal(bpf_compile(&o, NULL), 0);
	ObjProg *p = &o.progs[0], *q = &o.progs[1];
	int n = p->ninsns + q->ninsns, calls = 0;
	struct bpf_insn *all = calloc(n, sizeof(*all));
	memcpy(all, p->insns, p->ninsns * sizeof(*all));
	memcpy(all + p->ninsns, q->insns, q->ninsns * sizeof(*all));
	for (int k = 0; k < p->nrelocs; k++)
		if (p->relocs[k].kind == REL_CALL) {
			assert_int_equal(p->relocs[k].target, 1);
			all[p->relocs[k].insn].imm = p->ninsns - p->relocs[k].insn - 1;
			calls++;
		}
	assert_int_equal(calls, 1);
	assert_int_equal(run_insns(all, n), 32715 + 78);
	free(all);
	free_progs(&o);
	ir_module_free(m);
}

/* The lookup pattern the lowering emits: call map_lookup_elem, null check
 * right after, then use the pointer; with enough values live across calls
 * that the pointer is spilled before its null check and filled after. Run twice: the
 * second run sees the first's increment. */
static void test_map_lookup(void **state)
{
	NEED_BPF();
	int mfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t", 4, 8, 1, NULL);
	assert_true(mfd >= 0);
	IrModule *m = ir_module_new();
	ir_map(m, &(IrMap){ .name = "counts", .type = BPF_MAP_TYPE_ARRAY, .max_entries = 1,
		.key_size = 4, .value_size = 8 });
	IrFunc *f = ir_func_new(m, "t", "socket", IRF_KERNEL, 1);
	IrBlock *b = ir_block(f), *hit = ir_block(f), *miss = ir_block(f);
	int key = ir_slot(f, 8), v[12];
	for (int k = 0; k < 12; k++)
		v[k] = mov(f, b, k);
	store(b, 4, ir_slotop(key), 0, ir_imm(0));
	int mp = ir_vreg(f);
	IrIns *i = ir_emit(b, IR_MAP);
	i->dst = mp, i->target = 0;
	int ka = op2(f, b, IR_ADDR, ir_slotop(key), (IrOpnd){ 0 });
	IrOpnd args[] = { ir_r(mp), ir_r(ka) };
	int p = call(f, b, IR_CALL, BPF_FUNC_map_lookup_elem, 2, args);
	br(b, C_EQ, ir_r(p), ir_imm(0), miss, hit);
	ret(miss, ir_imm(-1));
	call(f, hit, IR_CALL, BPF_FUNC_ktime_get_ns, 0, NULL);	/* p lives across it */
	int x = mov(f, hit, 0);
	for (int k = 0; k < 12; k++)
		x = op2(f, hit, IR_ADD, ir_r(x), ir_r(v[k]));
	i = ir_emit(hit, IR_XADD);
	i->a = ir_r(p), i->b = ir_imm(5);
	x = op2(f, hit, IR_ADD, ir_r(x), ir_r(load(f, hit, 8, ir_r(p), 0)));
	ret(hit, ir_r(x));
	ObjFile o = { .mod = m };
	assert_int_equal(bpf_compile(&o, NULL), 0);
	ObjProg *pr = &o.progs[0];
	if (getenv("SHOW_ASM"))
		bpf_print_prog(stderr, &o, pr, NULL);
	assert_int_equal(pr->nrelocs, 1);
	assert_int_equal(pr->relocs[0].kind, REL_MAP);
	struct bpf_insn *ld = &pr->insns[pr->relocs[0].insn];
	assert_int_equal(ld->code, BPF_LD | BPF_IMM | BPF_DW);
	assert_int_equal(ld->src_reg, BPF_PSEUDO_MAP_FD);
	ld->imm = mfd;
	assert_int_equal(run_insns(pr->insns, pr->ninsns), 5 + 66);
	assert_int_equal(run_insns(pr->insns, pr->ninsns), 10 + 66);
	free_progs(&o);
	ir_module_free(m);
	close(mfd);
}

/* A kernel frame over 512 bytes is an error; a user one is not. */
static void test_frame_size(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "big", "socket", IRF_KERNEL, 1);
	IrFunc *u = ir_func_new(m, "ubig", NULL, IRF_USER, 0);
	IrFunc *ok = ir_func_new(m, "fits", "socket", IRF_KERNEL, 1);
	ir_slot(f, 520);
	ir_slot(u, 2000);
	ir_slot(ok, 512);
	ret(ir_block(f), ir_imm(0));
	ret(ir_block(u), ir_imm(0));
	ret(ir_block(ok), ir_imm(0));
	ObjFile o = { .mod = m };
	assert_int_equal(bpf_compile(&o, NULL), -1);
	assert_int_equal(o.progs[1].stack_size, 2000);
	assert_int_equal(o.progs[2].stack_size, 512);
	assert_true(o.progs[1].ninsns > 0 && o.progs[2].ninsns > 0);
	free_progs(&o);
	ir_module_free(m);
}

/* Stack slots share bytes only when their contents never matter at the
 * same time (frame.c): proven by the frame size and by running the code. */
static int body_slots_apart(IrFunc *f, IrBlock **b, const void *arg)
{
	int s = ir_slot(f, 32), t = ir_slot(f, 32);
	for (int k = 0; k < 4; k++)
		store(*b, 8, ir_slotop(s), 8 * k, ir_imm(k + 1));
	int x = load(f, *b, 8, ir_slotop(s), 8);
	for (int k = 0; k < 4; k++)
		store(*b, 8, ir_slotop(t), 8 * k, ir_imm(10 * (k + 1)));
	return op2(f, *b, IR_ADD, ir_r(x), ir_r(load(f, *b, 8, ir_slotop(t), 16)));
}

/* An address in a vreg keeps its slot live until the vreg's last use. */
static int body_slot_address(IrFunc *f, IrBlock **b, const void *arg)
{
	int s = ir_slot(f, 8), t = ir_slot(f, 8);
	int p = op2(f, *b, IR_ADDR, ir_slotop(s), (IrOpnd){ 0 });
	store(*b, 8, ir_r(p), 0, ir_imm(5));
	store(*b, 8, ir_slotop(t), 0, ir_imm(7));
	int y = load(f, *b, 8, ir_slotop(t), 0);
	int x = op2(f, *b, IR_MUL, ir_r(load(f, *b, 8, ir_r(p), 0)), ir_imm(10));
	return op2(f, *b, IR_ADD, ir_r(x), ir_r(y));
}

/* A copy's source and destination, even the source's last read. */
static int body_slot_copy(IrFunc *f, IrBlock **b, const void *arg)
{
	int s = ir_slot(f, 16), t = ir_slot(f, 16);
	store(*b, 8, ir_slotop(s), 0, ir_imm(3));
	store(*b, 8, ir_slotop(s), 8, ir_imm(4));
	IrIns *c = ir_emit(*b, IR_COPY);
	c->a = ir_slotop(t), c->b = ir_slotop(s), c->size = 16;
	int x = load(f, *b, 8, ir_slotop(t), 0);
	return op2(f, *b, IR_ADD, ir_r(x), ir_r(load(f, *b, 8, ir_slotop(t), 8)));
}

static int frame_of(Body *body)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "t", "socket", IRF_KERNEL, 1);
	IrBlock *b = ir_block(f);
	ret(b, ir_r(body(f, &b, NULL)));
	ObjFile o = { .mod = m };
	assert_int_equal(bpf_compile(&o, NULL), 0);
	int size = o.progs[0].stack_size;
	free_progs(&o);
	ir_module_free(m);
	return size;
}

static void test_slot_sharing(void **state)
{
	assert_int_equal(frame_of(body_slots_apart), 32);
	assert_int_equal(frame_of(body_slot_address), 16);
	assert_int_equal(frame_of(body_slot_copy), 32);
	if (!have_bpf)
		return;
	assert_int_equal(eval(body_slots_apart, NULL), 2 + 30);
	assert_int_equal(eval(body_slot_address, NULL), 57);
	assert_int_equal(eval(body_slot_copy, NULL), 7);
}

/* Malformed IR is caught by the one validator, which the backend assumes
 * has passed (ir_check_in). */
static void test_bad_ir(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "noterm", "socket", IRF_KERNEL, 1);
	op2(f, ir_block(f), IR_ADD, ir_r(0), ir_imm(1));
	IrFunc *g = ir_func_new(m, "badreg", "socket", IRF_KERNEL, 1);
	ret(ir_block(g), ir_r(99));
	IrFunc *h = ir_func_new(m, "badsize", "socket", IRF_KERNEL, 1);
	IrBlock *b = ir_block(h);
	ret(b, ir_r(load(h, b, 3, ir_r(0), 0)));
	for (int k = 0; k < m->nfuncs; k++)
		assert_int_equal(ir_check_in(m, m->funcs[k], NULL, 0), -1);
	ir_module_free(m);
}

/* Line info: one entry where the script line changes. */
static void test_lines(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "t", "socket", IRF_KERNEL, 1);
	IrBlock *b = ir_block(f);
	f->line = 1;
	int x = mov(f, b, 1);
	b->ins[b->n - 1].line = 2;
	int y = op2(f, b, IR_ADD, ir_r(x), ir_imm(0x123456789LL));
	b->ins[b->n - 1].line = 2;
	ret(b, ir_r(y));
	b->ins[b->n - 1].line = 3;
	ObjFile o = { .mod = m };
	assert_int_equal(bpf_compile(&o, NULL), 0);
	ObjProg *p = &o.progs[0];
	assert_int_equal(p->nlines, 2);
	assert_int_equal(p->lines[0].insn, 0);
	assert_int_equal(p->lines[0].line, 2);
	assert_int_equal(p->lines[1].line, 3);
	assert_int_equal(p->insns[p->lines[1].insn].code, BPF_ALU64 | BPF_MOV | BPF_X);
	free_progs(&o);
	ir_module_free(m);
}

static int setup(void **state)
{
	struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = geteuid() == 0 ? bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "t", "GPL", ret0, 2, NULL) : -1;
	have_bpf = fd >= 0;
	if (fd >= 0)
		close(fd);
	else
		fprintf(stderr, "BPF unavailable (not root?): skipping the kernel-run tests\n");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arith),
		cmocka_unit_test(test_unary),
		cmocka_unit_test(test_const64),
		cmocka_unit_test(test_conds),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_pressure),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_bpf_call),
		cmocka_unit_test(test_map_lookup),
		cmocka_unit_test(test_frame_size),
		cmocka_unit_test(test_slot_sharing),
		cmocka_unit_test(test_bad_ir),
		cmocka_unit_test(test_lines),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
