/* Appending BPF instructions to the program being built, with the line
 * table and relocations that go with them. */
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

int fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

int bpf_size(int bytes)
{
	switch (bytes) {
	case 1: return BPF_B;
	case 2: return BPF_H;
	case 4: return BPF_W;
	default: return BPF_DW;
	}
}

int e_here(const Fn *c)
{
	return c->p->ninsns;
}

/* A line entry where the script line changes. */
static void mark_line(Fn *c)
{
	ObjProg *p = c->p;
	if (c->line <= 0 || c->line == c->last_line)
		return;
	if (p->nlines == c->line_cap) {
		c->line_cap = c->line_cap ? 2 * c->line_cap : 16;
		p->lines = xrealloc(p->lines, c->line_cap * sizeof(*p->lines));
	}
	p->lines[p->nlines++] = (ObjLine){ p->ninsns, c->line, c->col };
	c->last_line = c->line;
}

void e_insn(Fn *c, struct bpf_insn in)
{
	ObjProg *p = c->p;
	mark_line(c);
	if (p->ninsns == c->insn_cap) {
		c->insn_cap = c->insn_cap ? 2 * c->insn_cap : 64;
		p->insns = xrealloc(p->insns, c->insn_cap * sizeof(*p->insns));
	}
	p->insns[p->ninsns++] = in;
}

static struct bpf_insn mk(int code, int dst, int src, int off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

void e_alu(Fn *c, int op, int dst, int src)
{
	e_insn(c, mk(BPF_ALU64 | op | BPF_X, dst, src, 0, 0));
}

void e_alui(Fn *c, int op, int dst, int32_t imm)
{
	e_insn(c, mk(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm));
}

void e_alu32i(Fn *c, int op, int dst, int32_t imm)
{
	e_insn(c, mk(BPF_ALU | op | BPF_K, dst, 0, 0, imm));
}

void e_zext32(Fn *c, int dst, int src)
{
	e_insn(c, mk(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0));
}

void e_mov(Fn *c, int dst, int src)
{
	if (dst != src)
		e_alu(c, BPF_MOV, dst, src);
}

void e_ld64(Fn *c, int dst, int src_reg, int32_t imm0, int32_t imm1)
{
	e_insn(c, mk(BPF_LD | BPF_IMM | BPF_DW, dst, src_reg, 0, imm0));
	e_insn(c, mk(0, 0, 0, 0, imm1));
}

void e_imm(Fn *c, int dst, int64_t v)
{
	if (fits32(v))
		e_alui(c, BPF_MOV, dst, (int32_t)v);
	else
		e_ld64(c, dst, 0, (int32_t)(uint32_t)v, (int32_t)(uint32_t)((uint64_t)v >> 32));
}

void e_ldx(Fn *c, int size, int dst, int base, int off)
{
	e_insn(c, mk(BPF_LDX | BPF_MEM | bpf_size(size), dst, base, off, 0));
}

void e_stx(Fn *c, int size, int base, int off, int src)
{
	e_insn(c, mk(BPF_STX | BPF_MEM | bpf_size(size), base, src, off, 0));
}

void e_st(Fn *c, int size, int base, int off, int32_t imm)
{
	e_insn(c, mk(BPF_ST | BPF_MEM | bpf_size(size), base, 0, off, imm));
}

/* A jump to a block; the offset is patched once every block is placed. */
void e_jmp_block(Fn *c, int op, int dst, int src, int use_imm, int32_t imm, int block)
{
	if (c->nfix == c->fixcap) {
		c->fixcap = c->fixcap ? 2 * c->fixcap : 16;
		c->fix = xrealloc(c->fix, c->fixcap * sizeof(*c->fix));
	}
	c->fix[c->nfix++] = (struct Fixup){ e_here(c), block };
	e_insn(c, mk(BPF_JMP | op | (use_imm ? BPF_K : BPF_X), dst, src, 0, imm));
}

void e_reloc(Fn *c, int insn, ObjRelocKind kind, int target)
{
	ObjProg *p = c->p;
	if (p->nrelocs == c->reloc_cap) {
		c->reloc_cap = c->reloc_cap ? 2 * c->reloc_cap : 8;
		p->relocs = xrealloc(p->relocs, c->reloc_cap * sizeof(*p->relocs));
	}
	p->relocs[p->nrelocs++] = (ObjReloc){ insn, kind, target };
}

/* Emit a move whose destination no pending move still reads; when all are
 * blocked (only cycles remain), save one destination in S1 and redirect
 * its readers there. Each cycle drains fully before S1 is needed again. */
void e_parmove(Fn *c, const int *dst, const int *src, int n)
{
	int d[11], s[11], m = 0;
	for (int i = 0; i < n; i++)
		if (dst[i] != src[i])
			d[m] = dst[i], s[m++] = src[i];
	while (m > 0) {
		int pick = -1;
		for (int i = 0; i < m && pick < 0; i++) {
			int blocked = 0;
			for (int j = 0; j < m; j++)
				blocked |= j != i && s[j] == d[i];
			if (!blocked)
				pick = i;
		}
		if (pick < 0) {
			e_mov(c, S1, d[0]);
			for (int j = 0; j < m; j++)
				if (s[j] == d[0])
					s[j] = S1;
			pick = 0;
		}
		e_mov(c, d[pick], s[pick]);
		d[pick] = d[m - 1], s[pick] = s[m - 1], m--;
	}
}
