/* Instruction selection: each IR instruction becomes a few BPF instructions
 * over the registers and spill slots the allocator chose. Operands that are
 * not in a register (spilled vregs, immediates that need a register, slot
 * addresses) are brought into the scratch registers S1 and S2. */
#include "bpf_internal.h"
#include "../../common/uhelpers.h"

/* The BPF ALU op of each binary op that maps onto one (ops.h), else -1. */
static const int alu_op[IR_NOPS] = {
#define X(op, name, a, b, dst, flags, alu) [IR_##op] = alu,
	IR_OPS(X)
#undef X
};

static const int jmp_op[] = {
	[C_EQ] = BPF_JEQ, [C_NE] = BPF_JNE,
	[C_LT] = BPF_JSLT, [C_LE] = BPF_JSLE, [C_GT] = BPF_JSGT, [C_GE] = BPF_JSGE,
	[C_ULT] = BPF_JLT, [C_ULE] = BPF_JLE, [C_UGT] = BPF_JGT, [C_UGE] = BPF_JGE,
	[C_SET] = BPF_JSET,
};

static int fail(Fn *c, const char *why)
{
	c->why = why;
	return -1;
}

/* The address a MAP or MAPVAL instruction makes, into register r. */
static void address(Fn *c, const IrIns *i, int r)
{
	int map = i->op == IR_MAP;
	e_reloc(c, e_here(c), map ? REL_MAP : REL_DATA, i->target);
	e_ld64(c, r, map ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE, map ? 0 : i->off, 0);
}

/* Operand o into register r. */
static void opnd_to(Fn *c, IrOpnd o, int r)
{
	if (o.kind == O_VREG && c->ra.reg[o.v] >= 0)
		e_mov(c, r, c->ra.reg[o.v]);
	else if (o.kind == O_VREG && remade(&c->ra, o.v))
		address(c, c->ra.remat[o.v], r);
	else if (o.kind == O_VREG && c->ra.spill[o.v] >= 0)
		e_ldx(c, 8, r, BPF_REG_10, spill_off(c, o.v));
	else if (o.kind == O_SLOT) {
		e_mov(c, r, BPF_REG_10);
		e_alui(c, BPF_ADD, r, c->slot_off[o.v]);
	} else
		e_imm(c, r, o.kind == O_IMM ? o.v : 0);
}

/* The register holding o: its own, or scratch after loading it there. */
static int opnd(Fn *c, IrOpnd o, int scratch)
{
	if (o.kind == O_VREG && c->ra.reg[o.v] >= 0)
		return c->ra.reg[o.v];
	opnd_to(c, o, scratch);
	return scratch;
}

/* Where to compute vreg v (its register, or S1 when it is spilled), and
 * putting it there afterwards. */
static int dreg(Fn *c, int v)
{
	return v >= 0 && c->ra.reg[v] >= 0 ? c->ra.reg[v] : S1;
}

static void dput(Fn *c, int v, int r)
{
	if (v >= 0 && c->ra.reg[v] >= 0)
		e_mov(c, c->ra.reg[v], r);
	else if (v >= 0 && c->ra.spill[v] >= 0)
		e_stx(c, 8, BPF_REG_10, spill_off(c, v), r);
}

/* A memory operand: base register and offset. Slots are r10-relative
 * (ir_check keeps accesses inside their slot). */
static int mem(Fn *c, IrOpnd a, int32_t off, int size, int scratch, int *r, int *boff)
{
	int64_t o = off;
	if (a.kind == O_SLOT) {
		o += c->slot_off[a.v];
		*r = BPF_REG_10;
	} else
		*r = opnd(c, a, scratch);
	if (o < INT16_MIN || o + size > INT16_MAX)
		return fail(c, "memory offset out of range");
	*boff = o;
	return 0;
}

/* A mask of the low 32 bits that does not fit a sign-extended immediate:
 * a 32-bit op zero-extends, so no 64-bit immediate is needed. */
static int mask32(int op, IrOpnd b)
{
	return op == BPF_AND && b.kind == O_IMM && b.v > INT32_MAX && b.v <= UINT32_MAX;
}

static int sel_binop(Fn *c, const IrIns *i)
{
	int op = alu_op[i->op], rd = dreg(c, i->dst), comm = ir_op_is(i->op, F_COMM);
	IrOpnd a = i->a, b = i->b;
	if (comm && a.kind == O_IMM && b.kind != O_IMM)
		a = i->b, b = i->a;
	if (mask32(op, b) && b.v == UINT32_MAX)
		e_zext32(c, rd, opnd(c, a, rd));
	else if (mask32(op, b)) {
		opnd_to(c, a, rd);
		e_alu32i(c, BPF_AND, rd, (int32_t)(uint32_t)b.v);
	} else if (b.kind == O_IMM && fits32(b.v)) {
		int32_t k = b.v;
		if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
			k &= 63;
		opnd_to(c, a, rd);
		e_alui(c, op, rd, k);
	} else {
		int rb = opnd(c, b, S2), same = a.kind == O_VREG && b.kind == O_VREG && a.v == b.v;
		if (rb == rd && !same && comm)	/* rd holds b already */
			e_alu(c, op, rd, opnd(c, a, S1));
		else {
			int w = rb == rd && !same ? S1 : rd;	/* loading a would clobber b */
			opnd_to(c, a, w);
			e_alu(c, op, w, rb);
			e_mov(c, rd, w);
		}
	}
	dput(c, i->dst, rd);
	return 0;
}

/* A jump inside an expansion, to be patched with patch_here(). */
static int jump_fwd(Fn *c, int op, int reg)
{
	int at = e_here(c);
	e_insn(c, (struct bpf_insn){ .code = BPF_JMP | op | BPF_K, .dst_reg = reg });
	return at;
}

static void patch_here(Fn *c, int at)
{
	c->p->insns[at].off = e_here(c) - at - 1;
}

/* S1 op= m, or S1 op= S2 when m is 0 (the divisor's magnitude is there). */
static void op_by(Fn *c, int op, int32_t m)
{
	if (m)
		e_alui(c, op, S1, m);
	else
		e_alu(c, op, S1, S2);
}

/* S1 op= the divisor's magnitude (op_by), with only the dividend's sign
 * tested: the result of a dividend < 0 is negated, unless negq (a negative
 * constant divisor: the quotient of a dividend >= 0 is negated instead).
 * So the remainder takes the dividend's sign. */
static void by_magnitude(Fn *c, int op, int negq, int32_t m)
{
	int apos = jump_fwd(c, BPF_JSGE, S1);
	e_alui(c, BPF_NEG, S1, 0);
	op_by(c, op, m);
	if (!negq)
		e_alui(c, BPF_NEG, S1, 0);
	int end = jump_fwd(c, BPF_JA, 0);
	patch_here(c, apos);
	op_by(c, op, m);
	if (negq)
		e_alui(c, BPF_NEG, S1, 0);
	patch_here(c, end);
}

/* Both signs unknown: divide magnitudes, negate when the signs differ. */
static void div_signed(Fn *c)
{
	int apos = jump_fwd(c, BPF_JSGE, S1);
	e_alui(c, BPF_NEG, S1, 0);
	int bpos = jump_fwd(c, BPF_JSGE, S2);
	e_alui(c, BPF_NEG, S2, 0);		/* both negative */
	e_alu(c, BPF_DIV, S1, S2);
	int end1 = jump_fwd(c, BPF_JA, 0);
	patch_here(c, bpos);			/* a < 0 <= b */
	e_alu(c, BPF_DIV, S1, S2);
	e_alui(c, BPF_NEG, S1, 0);
	int end2 = jump_fwd(c, BPF_JA, 0);
	patch_here(c, apos);
	int bpos2 = jump_fwd(c, BPF_JSGE, S2);
	e_alui(c, BPF_NEG, S2, 0);		/* b < 0 <= a */
	e_alu(c, BPF_DIV, S1, S2);
	e_alui(c, BPF_NEG, S1, 0);
	int end3 = jump_fwd(c, BPF_JA, 0);
	patch_here(c, bpos2);			/* both non-negative */
	e_alu(c, BPF_DIV, S1, S2);
	patch_here(c, end1);
	patch_here(c, end2);
	patch_here(c, end3);
}

/* Signed 64-bit division on unsigned BPF_DIV and BPF_MOD. A constant
 * divisor that fits an immediate (`/ 1000` is the usual case) needs only
 * the dividend's sign tested. x/0 = 0 and x%0 = x come out of BPF's own
 * rule. Only S1 and S2 are used, so operands and result may be anywhere. */
static void sel_div(Fn *c, const IrIns *i)
{
	int64_t k = i->b.v;
	int op = i->op == IR_DIV ? BPF_DIV : BPF_MOD;
	opnd_to(c, i->a, S1);
	/* not 0 (BPF's rule needs it in a register) nor INT32_MIN (its
	 * magnitude does not fit an immediate) */
	if (i->b.kind == O_IMM && k != 0 && k != INT32_MIN && fits32(k))
		by_magnitude(c, op, i->op == IR_DIV && k < 0, (int32_t)(k < 0 ? -k : k));
	else {
		opnd_to(c, i->b, S2);
		if (i->op == IR_DIV)
			div_signed(c);
		else {
			int bpos = jump_fwd(c, BPF_JSGE, S2);
			e_alui(c, BPF_NEG, S2, 0);
			patch_here(c, bpos);
			by_magnitude(c, BPF_MOD, 0, 0);
		}
	}
	dput(c, i->dst, S1);
}

static int sel_store(Fn *c, const IrIns *i)
{
	int rb, off;
	if (mem(c, i->a, i->off, i->size, S1, &rb, &off) < 0)
		return -1;
	if (i->b.kind == O_IMM && (i->size < 8 || fits32(i->b.v)))
		e_st(c, i->size, rb, off, (int32_t)i->b.v);
	else
		e_stx(c, i->size, rb, off, opnd(c, i->b, S2));
	return 0;
}

/* The offset of o + off from an 8-aligned base (vreg bases are assumed
 * 8-aligned: slot addresses and map values are). */
static int64_t align_off(const Fn *c, IrOpnd o, int64_t off)
{
	return o.kind == O_SLOT ? c->slot_off[o.v] + off : off;
}

/* Memory to memory in the widest chunks both sides are aligned for (the
 * verifier insists on aligned stack access). The data goes through S2 and
 * spilled bases through S1, reloaded per chunk: a copy between bases in
 * registers leaves S1 (r0) alone. */
static int sel_copy(Fn *c, const IrIns *i)
{
	int rd, rs, od, os;
	for (int k = 0, n; k < i->size; k += n) {
		int64_t as = align_off(c, i->b, (int64_t)i->off2 + k), ad = align_off(c, i->a, (int64_t)i->off + k);
		for (n = 8; n > i->size - k || as % n || ad % n;)
			n /= 2;
		if (mem(c, i->b, i->off2 + k, n, S1, &rs, &os) < 0)
			return -1;
		e_ldx(c, n, S2, rs, os);
		if (mem(c, i->a, i->off + k, n, S1, &rd, &od) < 0)
			return -1;
		e_stx(c, n, rd, od, S2);
	}
	return 0;
}

static void sel_call(Fn *c, const IrIns *i)
{
	int dst[5], src[5], n = 0;
	for (int k = 0; k < i->nargs; k++)
		if (i->args[k].kind == O_VREG && c->ra.reg[i->args[k].v] >= 0)
			dst[n] = BPF_REG_1 + k, src[n++] = c->ra.reg[i->args[k].v];
	e_parmove(c, dst, src, n);
	for (int k = 0; k < i->nargs; k++)
		if (!(i->args[k].kind == O_VREG && c->ra.reg[i->args[k].v] >= 0))
			opnd_to(c, i->args[k], BPF_REG_1 + k);
	if (i->op == IR_CALLF) {
		e_reloc(c, e_here(c), REL_CALL, i->target);
		e_insn(c, (struct bpf_insn){ .code = BPF_JMP | BPF_CALL,
			.src_reg = BPF_PSEUDO_CALL, .imm = -1 });
	} else if (kfunc_proto(i->target)) {	/* the ELF writer makes it clang's extern call */
		e_reloc(c, e_here(c), REL_KFUNC, i->target);
		e_insn(c, (struct bpf_insn){ .code = BPF_JMP | BPF_CALL,
			.src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = i->target });
	} else
		e_insn(c, (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = i->target });
	dput(c, i->dst, BPF_REG_0);
}

static void sel_br(Fn *c, const IrIns *i, int next)
{
	IrOpnd a = i->a, b = i->b;
	IrCond cc = i->cond;
	int t = i->t->id, f = i->f->id;	/* ids are indexes (ir_check) */
	if (t == f) {
		if (t != next)
			e_jmp_block(c, BPF_JA, 0, 0, 1, 0, t);
		return;
	}
	if (a.kind != O_VREG && b.kind == O_VREG)
		a = i->b, b = i->a, cc = ir_cond_swapped(cc);
	if (t == next && cc != C_SET) {
		int x = t;
		t = f, f = x, cc = ir_cond_negated(cc);
	}
	int ra = opnd(c, a, S1);
	if (b.kind == O_IMM && fits32(b.v))
		e_jmp_block(c, jmp_op[cc], ra, 0, 1, (int32_t)b.v, t);
	else
		e_jmp_block(c, jmp_op[cc], ra, opnd(c, b, S2), 0, 0, t);
	if (f != next)
		e_jmp_block(c, BPF_JA, 0, 0, 1, 0, f);
}

static int sel_ins(Fn *c, const IrIns *i, int next)
{
	int r, off, rd = dreg(c, i->dst);
	if (alu_op[i->op] >= 0)
		return sel_binop(c, i);
	switch (i->op) {
	case IR_MOV:
		opnd_to(c, i->a, rd);
		dput(c, i->dst, rd);
		break;
	case IR_DIV: case IR_MOD:
		sel_div(c, i);
		break;
	case IR_NEG: case IR_NOT:
		opnd_to(c, i->a, rd);
		if (i->op == IR_NEG)
			e_alui(c, BPF_NEG, rd, 0);
		else
			e_alui(c, BPF_XOR, rd, -1);
		dput(c, i->dst, rd);
		break;
	case IR_LOAD:
		if (mem(c, i->a, i->off, i->size, S1, &r, &off) < 0)
			return -1;
		if (i->target)	/* after mem(), which may reload the base */
			e_reloc(c, e_here(c), REL_CORE, i->target - 1);
		e_ldx(c, i->size, rd, r, off);
		dput(c, i->dst, rd);
		break;
	case IR_STORE:
		return sel_store(c, i);
	case IR_ADDR:
		if (mem(c, i->a, i->off, 0, S1, &r, &off) < 0)
			return -1;
		e_mov(c, rd, BPF_REG_10);
		e_alui(c, BPF_ADD, rd, off);
		dput(c, i->dst, rd);
		break;
	case IR_XADD:
		if (mem(c, i->a, i->off, 8, S1, &r, &off) < 0)
			return -1;
		e_insn(c, (struct bpf_insn){ .code = BPF_STX | BPF_ATOMIC | BPF_DW,
			.dst_reg = r, .src_reg = opnd(c, i->b, S2), .off = off, .imm = BPF_ADD });
		break;
	case IR_ZERO:
		for (int k = 0; k < i->size; k += 8) {
			if (mem(c, i->a, i->off + k, 8, S1, &r, &off) < 0)
				return -1;
			e_st(c, 8, r, off, 0);
		}
		break;
	case IR_COPY:
		return sel_copy(c, i);
	case IR_CORE:
		e_reloc(c, e_here(c), REL_CORE, i->target);
		e_alui(c, BPF_MOV, rd, (int32_t)i->a.v);
		dput(c, i->dst, rd);
		break;
	case IR_MAP: case IR_MAPVAL:
		if (remade(&c->ra, i->dst))	/* made where it is used */
			break;
		address(c, i, rd);
		dput(c, i->dst, rd);
		break;
	case IR_FUNCADDR:
		e_reloc(c, e_here(c), REL_FUNC, i->target);
		e_ld64(c, rd, BPF_PSEUDO_FUNC, 0, 0);
		dput(c, i->dst, rd);
		break;
	case IR_CALL: case IR_CALLF:
		sel_call(c, i);
		break;
	case IR_JMP: {
		int t = i->t->id;
		if (t != next)
			e_jmp_block(c, BPF_JA, 0, 0, 1, 0, t);
		break;
	}
	case IR_BR:
		sel_br(c, i, next);
		break;
	case IR_RET:
		opnd_to(c, i->a, BPF_REG_0);
		e_insn(c, (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT });
		break;
	default:	/* the binary ALU ops, above */
		break;
	}
	return 0;
}

/* Does selecting i leave S1 (r0) alone, given where ra put its vregs?
 * Spilled operands and results, signed division and calls go through S1; so do d = a op b (d in b's register) and a branch with no
 * vreg operand. A call may still read r0: its argument moves empty r0
 * before any cycle among them needs it. The register allocator keeps
 * values in r0 across instructions this accepts. */
int bpf_sel_keeps_s1(const RegAlloc *ra, const IrIns *i)
{
	const IrOpnd *o[2] = { &i->a, &i->b };
	for (int k = 0; k < 2; k++)
		if (o[k]->kind == O_VREG && ra->reg[o[k]->v] < 0)
			return 0;
	if (i->dst >= 0 && ra->reg[i->dst] < 0)
		return 0;
	if (i->op == IR_DIV || i->op == IR_MOD)
		return 0;
	if (i->op == IR_BR)
		return i->a.kind == O_VREG || i->b.kind == O_VREG;
	if (alu_op[i->op] >= 0 && i->b.kind == O_VREG)
		return ra->reg[i->b.v] != ra->reg[i->dst] || (i->a.kind == O_VREG && i->a.v == i->b.v);
	return 1;
}

/* Parameters arrive in r1-r5: store the spilled ones first (that only reads
 * r1-r5), then move the rest in parallel. Other vregs live into the entry
 * are read before any assignment: give them 0 so the verifier sees them
 * initialized. */
static void prologue(Fn *c)
{
	const IrFunc *f = c->f;
	int dst[5], src[5], n = 0;
	c->line = f->line;
	for (int v = 0; v < f->nvregs; v++) {
		if (!live_has(c->lv.in, v))
			continue;
		if (v < f->nparams && c->ra.reg[v] >= 0)
			dst[n] = c->ra.reg[v], src[n++] = BPF_REG_1 + v;
		else if (v < f->nparams)
			e_stx(c, 8, BPF_REG_10, spill_off(c, v), BPF_REG_1 + v);
	}
	e_parmove(c, dst, src, n);
	for (int v = f->nparams; v < f->nvregs; v++)
		if (live_has(c->lv.in, v)) {
			if (c->ra.reg[v] >= 0)
				e_alui(c, BPF_MOV, c->ra.reg[v], 0);
			else
				e_st(c, 8, BPF_REG_10, spill_off(c, v), 0);
		}
}

int bpf_select(Fn *c)
{
	const IrFunc *f = c->f;
	prologue(c);
	for (int bi = 0; bi < f->nblocks; bi++) {
		const IrBlock *b = f->blocks[bi];
		c->block_insn[bi] = e_here(c);
		for (int k = 0; k < b->n; k++) {
			c->line = b->ins[k].line;
			c->col = b->ins[k].col;
			if (sel_ins(c, &b->ins[k], bi + 1) < 0)
				return -1;
		}
	}
	for (int k = 0; k < c->nfix; k++) {
		int at = c->fix[k].insn, off = c->block_insn[c->fix[k].block] - at - 1;
		if (off < INT16_MIN || off > INT16_MAX) {
			c->limit = 1;
			return fail(c, "has more code than BPF's 16-bit jumps can span; "
				    "split it into functions");
		}
		c->p->insns[at].off = off;
	}
	return 0;
}
