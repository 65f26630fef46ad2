/* The BPF backend's stages and the state they share while compiling one
 * function: liveness -> register allocation -> frame layout -> selection. */
#ifndef KTAP_BPF_INTERNAL_H
#define KTAP_BPF_INTERNAL_H

#include <stdint.h>
#include "bpf.h"

/* Scratch registers, never allocated: r0 (the call result, also used to
 * break cycles in parallel moves) and r5 (the second temporary of
 * instructions whose operands are spilled or immediate). */
enum { S1 = BPF_REG_0, S2 = BPF_REG_5 };

/* Positions number the instructions of a function in layout order:
 * instruction k reads its operands at 2k+2 and writes its result at 2k+3.
 * Position 1 is the entry, where parameters arrive. */
#define POS_USE(k) (2 * (k) + 2)
#define POS_DEF(k) (2 * (k) + 3)
#define POS_ENTRY 1
/* The instruction a position belongs to; the entry counts as the first. */
#define POS_INS(p) ((p) < POS_USE(0) ? 0 : ((p) - POS_USE(0)) / 2)

/* The live range of a vreg: from its first definition (or the start of a
 * block it is live into) to its last use (or the end of a block it is live
 * out of). One interval a vreg, holes ignored: conservative and simple. */
typedef struct Interval {
	int start, end;		/* -1 when the vreg is never used nor defined */
	int across_call;	/* live over a call: needs r6-r9 or a spill */
} Interval;

typedef struct Liveness {
	int nblocks, nvregs, words;
	uint64_t *in, *out;	/* per block, `words` 64-bit words each */
	Interval *iv;		/* per vreg */
} Liveness;

/* Where each vreg lives: a register, a spill slot (8 bytes), or nowhere:
 * a vreg whose one definition is a map or data section address (remat) is
 * made again at each use instead of being spilled. */
typedef struct RegAlloc {
	int nvregs;
	int *reg;		/* BPF_REG_*, or -1 */
	int *spill;		/* spill slot number, or -1 */
	int nspills;
	const IrIns **remat;	/* per vreg: its definition, when it may be made again */
} RegAlloc;

/* Is v made again at each use (neither in a register nor spilled)? */
static inline int remade(const RegAlloc *ra, int v)
{
	return ra->reg[v] < 0 && ra->spill[v] < 0 && ra->remat[v];
}

/* Liveness over the CFG of a function ir_check accepts. */
void bpf_liveness(const IrFunc *f, Liveness *lv);
void bpf_liveness_free(Liveness *lv);
/* Words of a bitset of n bits (one spare: rows may be read a word past
 * their last bit). */
static inline int set_words(int n)
{
	return (n + 63) / 64 + 1;
}

static inline int live_has(const uint64_t *set, int v)
{
	return (set[v / 64] >> (v % 64)) & 1;
}
static inline void live_add(uint64_t *set, int v)
{
	set[v / 64] |= 1ull << (v % 64);
}

/* Linear-scan allocation of the intervals in lv. */
void bpf_regalloc(const IrFunc *f, const Liveness *lv, RegAlloc *ra);
void bpf_regalloc_free(RegAlloc *ra);

/* The state of compiling one function. */
typedef struct Fn {
	const ObjFile *o;
	const IrFunc *f;
	ObjProg *p;
	Liveness lv;
	RegAlloc ra;
	int *slot_off;		/* r10-relative offset of each IR slot, then of each spill slot */
	int stack_size;
	int insn_cap, reloc_cap, line_cap;
	int *block_insn;	/* first instruction of each block */
	struct Fixup { int insn; int block; } *fix;
	int nfix, fixcap;
	int line, col, last_line;	/* of the IR instruction being selected */
	const char *why;	/* what BPF cannot encode, after a failure */
	int limit;		/* the failure is a limit of BPF's, not a bug */
} Fn;

/* callchain.c: call depth and stack summed along call chains. */
int bpf_check_chains(const ObjFile *o, Diag *d);

/* slotlive.c: per IR slot, a bitset of the ninsns instructions (layout
 * order) where its bytes matter; rows of set_words(ninsns) words. */
uint64_t *bpf_slot_live(const IrFunc *f, int ninsns);

/* frame.c: stack layout, after allocation. Returns the frame size in
 * bytes; the offsets are valid when it is at most 32767. */
int64_t bpf_frame(Fn *c);
static inline int spill_off(const Fn *c, int v)
{
	return c->slot_off[c->f->nslots + c->ra.spill[v]];
}

/* emit.c: appending instructions. */
void e_insn(Fn *c, struct bpf_insn in);
void e_alu(Fn *c, int op, int dst, int src);
void e_alui(Fn *c, int op, int dst, int32_t imm);
void e_alu32i(Fn *c, int op, int dst, int32_t imm);	/* 32-bit: zero-extends */
void e_zext32(Fn *c, int dst, int src);	/* dst = src & 0xffffffff, even when dst == src */
void e_mov(Fn *c, int dst, int src);	/* nothing when dst == src */
void e_imm(Fn *c, int dst, int64_t v);	/* mov, or ld_imm64 when it does not fit */
void e_ld64(Fn *c, int dst, int src_reg, int32_t imm0, int32_t imm1);
void e_ldx(Fn *c, int size, int dst, int base, int off);
void e_stx(Fn *c, int size, int base, int off, int src);
void e_st(Fn *c, int size, int base, int off, int32_t imm);
void e_jmp_block(Fn *c, int op, int dst, int src, int use_imm, int32_t imm, int block);
int e_here(const Fn *c);
void e_reloc(Fn *c, int insn, ObjRelocKind kind, int target);
int fits32(int64_t v);
int bpf_size(int bytes);	/* BPF_B/H/W/DW for 1/2/4/8 */
/* Parallel copy of registers: dst[i] = src[i] for all i at once, using S1
 * to break cycles. dst registers are distinct. */
void e_parmove(Fn *c, const int *dst, const int *src, int n);

/* isel.c: instruction selection for a whole function. Returns -1 with
 * c->why set when BPF cannot encode it (c->limit). */
int bpf_select(Fn *c);
/* Whether selecting i, with vregs where ra put them, leaves S1 alone
 * (reading an operand held there first). */
int bpf_sel_keeps_s1(const RegAlloc *ra, const IrIns *i);

#endif
