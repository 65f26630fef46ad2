/* The verifier of user-context code. Objects come from anywhere, so before
 * any of their code runs, every instruction of every user function is
 * checked against what the interpreter implements: opcode, registers,
 * offsets and immediates where they mean something, jump targets, helper
 * ids, relocations and what they refer to. The interpreter's loop then
 * trusts the encoding (it still checks every memory access at run time). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "interp.h"

/* What is known of an instruction before it is checked. */
enum { K_SECOND = 1, K_RELOCATED = 2 };

typedef struct Check {
	Rt *rt;
	const KtapUFunc *f;
	uint8_t *kind;		/* per instruction: K_* bits */
	char err[256];
} Check;

/* The message: names from the object may be long, so it is cut, never overrun. */
static int vfail(Check *c, const char *where, uint32_t i, const char *fmt, va_list ap)
{
	char what[160];
	vsnprintf(what, sizeof what, fmt, ap);
	snprintf(c->err, sizeof c->err, "%s: %s %u: %s", c->f->name, where, i, what);
	return -1;
}

static int bad(Check *c, uint32_t pc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(Check *c, uint32_t pc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(c, "instruction", pc, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

int rt_find_ufunc(const KtapMeta *m, const char *name)
{
	for (uint32_t i = 0; i < m->nufuncs; i++)
		if (!strcmp(m->ufuncs[i].name, name))
			return i;
	return -1;
}

/* Both halves of every ld_imm64: the second is marked, so that nothing
 * jumps into it or treats it as an instruction. */
static int mark_halves(Check *c, const struct bpf_insn *code)
{
	for (uint32_t pc = 0; pc < c->f->ninsns; pc++) {
		if (!is_ldimm64(&code[pc]))
			continue;
		if (pc + 1 >= c->f->ninsns)
			return bad(c, pc, "ld_imm64 without its second half");
		const struct bpf_insn *h = &code[pc + 1];
		if (code[pc].off || h->code || h->dst_reg || h->src_reg || h->off)
			return bad(c, pc, "bad ld_imm64 (the second half must be all zero but imm)");
		c->kind[++pc] = K_SECOND;
	}
	return 0;
}

static int bad_reloc(Check *c, const KtapURel *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad_reloc(Check *c, const KtapURel *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(c, "relocation of instruction", r->insn, fmt, ap);
	va_end(ap);
	return -1;
}

/* A relocation's instruction and target. */
static int check_reloc(Check *c, const struct bpf_insn *code, const KtapURel *r)
{
	const struct bpf_insn *in = &code[r->insn];
	Rt *rt = c->rt;
	if (c->kind[r->insn])
		return bad_reloc(c, r, "not an instruction, or relocated twice");
	c->kind[r->insn] = K_RELOCATED;
	if (r->kind == UREL_CALL) {
		if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != BPF_PSEUDO_CALL)
			return bad_reloc(c, r, "call of %s on an instruction that is not a call", r->target);
		if (rt_find_ufunc(&rt->meta, r->target) < 0)
			return bad_reloc(c, r, "no user function '%s'", r->target);
		return 0;
	}
	if (!is_ldimm64(in))
		return bad_reloc(c, r, "%s on an instruction that is not ld_imm64", r->target);
	if (r->kind == UREL_MAP)
		return rt_map(rt, r->target) ? 0 : bad_reloc(c, r, "no map '%s' in the object", r->target);
	int d = data_sec_index(r->target);
	uint32_t off = (uint32_t)in->imm;
	if (d < 0 || !rt->data[d])
		return bad_reloc(c, r, "no data section '%s'", r->target);
	if (off > rt->data_size[d])
		return bad_reloc(c, r, "offset %u is past the end of %s (%zu bytes)", off, r->target, rt->data_size[d]);
	return 0;
}

static int check_target(Check *c, uint32_t pc, int64_t delta)
{
	int64_t t = (int64_t)pc + 1 + delta;
	if (t < 0 || t >= c->f->ninsns)
		return bad(c, pc, "jump to %lld, outside the function", (long long)t);
	if (c->kind[t] & K_SECOND)
		return bad(c, pc, "jump into the middle of an ld_imm64");
	return 0;
}

static int check_alu(Check *c, uint32_t pc, const struct bpf_insn *in)
{
	int op = BPF_OP(in->code), wide = BPF_CLASS(in->code) == BPF_ALU64, x = BPF_SRC(in->code) == BPF_X;
	if (op > BPF_END)
		return bad(c, pc, "unknown opcode 0x%02x", in->code);
	if (in->dst_reg == BPF_REG_10)
		return bad(c, pc, "writes r10, the frame pointer");
	if (op == BPF_END) {
		if ((wide && x) || in->off || (in->imm != 16 && in->imm != 32 && in->imm != 64))
			return bad(c, pc, "bad byte swap");
		return 0;
	}
	if (op == BPF_NEG && (x || in->imm))
		return bad(c, pc, "bad negation");
	if (op == BPF_MOV && x && (in->off == 8 || in->off == 16 || (wide && in->off == 32)))
		return 0;
	if ((op == BPF_DIV || op == BPF_MOD) && in->off == 1)
		return 0;
	if (in->off)
		return bad(c, pc, op == BPF_MOV ? "bad sign-extension size %d" : "bad offset %d", in->off);
	return 0;
}

static int check_jmp(Check *c, uint32_t pc, const struct bpf_insn *in)
{
	int op = BPF_OP(in->code), wide = BPF_CLASS(in->code) == BPF_JMP;
	switch (op) {
	case BPF_JA:
		return check_target(c, pc, wide ? in->off : in->imm);
	case BPF_CALL:
		if (!wide)
			break;
		if (in->src_reg == BPF_PSEUDO_CALL && !(c->kind[pc] & K_RELOCATED))
			return bad(c, pc, "call of a function without a relocation");
		if (in->src_reg == 0 && !rt_helper_known(in->imm))
			return bad(c, pc, "unknown helper %d", in->imm);
		if (in->src_reg != 0 && in->src_reg != BPF_PSEUDO_CALL)
			return bad(c, pc, "bad call");
		return 0;
	case BPF_EXIT:
		return wide ? 0 : bad(c, pc, "unknown opcode 0x%02x", in->code);
	case 0xe0:
	case 0xf0:
		break;
	default:
		return check_target(c, pc, in->off);
	}
	return bad(c, pc, "unknown opcode 0x%02x", in->code);
}

static int check_atomic(Check *c, uint32_t pc, const struct bpf_insn *in)
{
	int op = in->imm & ~BPF_FETCH, size = BPF_SIZE(in->code);
	if (size != BPF_W && size != BPF_DW)
		return bad(c, pc, "atomic operation of a size other than 4 or 8");
	if (op != BPF_ADD && op != BPF_AND && op != BPF_OR && op != BPF_XOR && in->imm != BPF_XCHG &&
	    in->imm != BPF_CMPXCHG)
		return bad(c, pc, "bad atomic operation 0x%x", in->imm);
	if ((in->imm & BPF_FETCH) && in->src_reg == BPF_REG_10)
		return bad(c, pc, "writes r10, the frame pointer");
	return 0;
}

static int check_mem(Check *c, uint32_t pc, const struct bpf_insn *in)
{
	int cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	if (cls == BPF_LD) {
		if (!is_ldimm64(in))
			return bad(c, pc, "unknown opcode 0x%02x", in->code);
		if (in->dst_reg == BPF_REG_10)
			return bad(c, pc, "writes r10, the frame pointer");
		if (in->src_reg && !(c->kind[pc] & K_RELOCATED))
			return bad(c, pc, "ld_imm64 of a map or data without a relocation");
		return 0;
	}
	if (cls == BPF_LDX && (mode == BPF_MEM || (mode == BPF_MEMSX && BPF_SIZE(in->code) != BPF_DW))) {
		if (in->dst_reg == BPF_REG_10)
			return bad(c, pc, "writes r10, the frame pointer");
		return in->imm ? bad(c, pc, "bad immediate %d", in->imm) : 0;
	}
	if (cls == BPF_ST && mode == BPF_MEM)
		return in->src_reg ? bad(c, pc, "bad source register") : 0;
	if (cls == BPF_STX && mode == BPF_MEM)
		return in->imm ? bad(c, pc, "bad immediate %d", in->imm) : 0;
	if (cls == BPF_STX && mode == BPF_ATOMIC)
		return check_atomic(c, pc, in);
	return bad(c, pc, "unknown opcode 0x%02x", in->code);
}

static int check_insn(Check *c, uint32_t pc, const struct bpf_insn *in)
{
	if (in->dst_reg > BPF_REG_10 || in->src_reg > BPF_REG_10)
		return bad(c, pc, "register r%d", in->dst_reg > BPF_REG_10 ? in->dst_reg : in->src_reg);
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return check_alu(c, pc, in);
	case BPF_JMP:
	case BPF_JMP32:
		return check_jmp(c, pc, in);
	default:
		return check_mem(c, pc, in);
	}
}

/* Control never runs past the last instruction: it is an exit or a jump. */
static int check_end(Check *c, const struct bpf_insn *code)
{
	uint32_t last = c->f->ninsns - 1;
	const struct bpf_insn *in = &code[last];
	if ((c->kind[last] & K_SECOND) ||
	    (in->code != (BPF_JMP | BPF_EXIT) && in->code != (BPF_JMP | BPF_JA) && in->code != (BPF_JMP32 | BPF_JA)))
		return bad(c, last, "control runs past the end of the function");
	return 0;
}

static int check_func(Check *c)
{
	const KtapUFunc *f = c->f;
	const struct bpf_insn *code = (const struct bpf_insn *)f->insns;
	if (!f->ninsns) {
		snprintf(c->err, sizeof c->err, "%s: no instructions", f->name);
		return -1;
	}
	if (f->stack_size > RT_STACK_BYTES / 4) {
		snprintf(c->err, sizeof c->err, "%s: a stack of %u bytes is too large", f->name, f->stack_size);
		return -1;
	}
	if (mark_halves(c, code) < 0)
		return -1;
	for (uint32_t k = 0; k < f->nrelocs; k++)
		if (check_reloc(c, code, &f->relocs[k]) < 0)
			return -1;
	for (uint32_t pc = 0; pc < f->ninsns; pc++)
		if (!(c->kind[pc] & K_SECOND) && check_insn(c, pc, &code[pc]) < 0)
			return -1;
	return check_end(c, code);
}

/* The functions the runtime calls by name are there; uprobes say where. */
static int check_entries(Check *c)
{
	const KtapMeta *m = &c->rt->meta;
	if (m->main_func && rt_find_ufunc(m, m->main_func) < 0) {
		snprintf(c->err, sizeof c->err, "no main function '%s'", m->main_func);
		return -1;
	}
	for (uint32_t i = 0; i < m->nhandlers; i++) {
		const KtapHandler *h = &m->handlers[i];
		if ((h->kind == H_TICK || h->kind == H_END) && rt_find_ufunc(m, h->prog) < 0) {
			snprintf(c->err, sizeof c->err, "handler %u: no user function '%s'", i, h->prog);
			return -1;
		}
		/* a uprobe in a relative path would follow the working directory */
		if ((h->kind == H_UPROBE || h->kind == H_URETPROBE) && (h->target[0] != '/' || !h->interval_ns)) {
			snprintf(c->err, sizeof c->err, "handler %u: a uprobe needs an absolute path and an "
				 "offset", i);
			return -1;
		}
	}
	return 0;
}

/* Tables' drop counters are inside .bss (64-bit sums: no wrap near 2^32). */
static int check_tables(Check *c)
{
	const KtapMeta *m = &c->rt->meta;
	size_t bss = c->rt->data[RT_BSS] ? c->rt->data_size[RT_BSS] : 0;
	for (uint32_t i = 0; i < m->ntables; i++) {
		uint32_t off = m->tables[i].drops_off;
		if (off >= BSS_RESERVED && (uint64_t)off + 8 > bss) {
			snprintf(c->err, sizeof c->err, "table %s: drop counter at %u is outside .bss (%zu bytes)",
				 m->tables[i].map, off, bss);
			return -1;
		}
	}
	return 0;
}

int rt_verify(Rt *rt, const char **err)
{
	static char msg[256];
	Check c = { .rt = rt };
	int rc = check_entries(&c) < 0 || check_tables(&c) < 0 ? -1 : 0;
	for (uint32_t i = 0; !rc && i < rt->meta.nufuncs; i++) {
		c.f = &rt->meta.ufuncs[i];
		c.kind = xcalloc(c.f->ninsns + 1, 1);
		rc = check_func(&c);
		free(c.kind);
	}
	if (rc) {
		memcpy(msg, c.err, sizeof msg);
		*err = msg;
	}
	return rc;
}
