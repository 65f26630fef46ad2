/* Lowering typed reads (LANGUAGE.md §13) with CO-RE: every member offset,
 * and an integer's size and shifts, is a mov whose immediate libbpf
 * rewrites at load time for the kernel it runs on (.BTF.ext core_relo);
 * the immediate compiled in is this kernel's value. */
#include <string.h>
#include <linux/bpf.h>
#include "lower_impl.h"
#include "../frontend/ctypes.h"

static int core_value(Lower *L, uint32_t kind, const CStep *s, int64_t local)
{
	IrCore c = { .kind = kind, .root = s->root, .n = s->m.n };
	memcpy(c.idx, s->m.idx, s->m.n * sizeof(int));
	IrIns *i = emit(L, IR_CORE);
	i->dst = ir_vreg(L->f);
	i->a = ir_imm(local);
	i->target = ir_core(L->mod, &c);
	return i->dst;
}

/* The load libbpf computes for a bitfield (or any integer member): its
 * offset, size and the shifts that leave the value in a u64. */
typedef struct Word {
	int64_t off, size, lshift, rshift;
} Word;

static Word int_word(const CAccess *a, const CStep *s)
{
	uint32_t bit_off = s->m.bit_off, bit_sz = a->bitfield ? s->m.bit_size : 8 * a->size;
	Word w = { bit_off / 8 / a->size * a->size, a->size, 0, 64 - bit_sz };
	while (bit_off + bit_sz - w.off * 8 > w.size * 8 && w.size < 8) {
		w.size *= 2;
		w.off = bit_off / 8 / w.size * w.size;
	}
	w.lshift = 64 - (bit_off + bit_sz - w.off * 8);
	return w;
}

/* The address of the object the access ends at. */
static int address(Lower *L, const CAccess *a)
{
	const char *why;
	L->mod->btf = ctypes_btf(&why);
	int p = emit_op(L, IR_ADD, lower_expr(L, a->base), ir_imm(0));
	for (int k = 0; k < a->nsteps; k++) {
		const CStep *s = &a->steps[k];
		int off;
		if (s->root) {	/* an integer's: the word holding it, as a bitfield's */
			int last_int = k == a->nsteps - 1 && a->kind == CA_INT;
			off = core_value(L, BPF_CORE_FIELD_BYTE_OFFSET, s, last_int ? int_word(a, s).off :
					 s->m.bit_off / 8);
		} else {
			off = emit_op(L, IR_MUL, lower_expr(L, s->index), ir_imm(s->stride));
		}
		p = emit_op(L, IR_ADD, ir_r(p), ir_r(off));
	}
	return p;
}

static int read_int(Lower *L, const CAccess *a, int p, int helper)
{
	const CStep *s = &a->steps[a->nsteps - 1];
	int slot = temp_slot(L, 8);
	emit_store(L, ir_slotop(slot), 0, 8, ir_imm(0));
	IrOpnd size = ir_imm(a->size), lsh = ir_imm(64 - 8 * a->size), rsh = lsh;
	if (s->root) {	/* a member: everything relocated */
		Word w = int_word(a, s);
		size = ir_r(core_value(L, BPF_CORE_FIELD_BYTE_SIZE, s, w.size));
		lsh = ir_r(core_value(L, BPF_CORE_FIELD_LSHIFT_U64, s, w.lshift));
		rsh = ir_r(core_value(L, BPF_CORE_FIELD_RSHIFT_U64, s, w.rshift));
	}
	emit_call(L, helper, 3, ir_r(emit_addr(L, slot)), size, ir_r(p));
	int v = emit_op(L, IR_SHL, ir_r(emit_load(L, ir_slotop(slot), 0, 8)), lsh);
	return emit_op(L, a->is_signed ? IR_SAR : IR_SHR, ir_r(v), rsh);
}

IrOpnd lower_typed(Lower *L, Node *n)
{
	const CAccess *a = n->cacc;
	int p = address(L, a);
	int user = a->user, read = user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel;
	switch (a->kind) {
	case CA_ADDR:
		return ir_r(p);
	case CA_INT:
		return ir_r(read_int(L, a, p, read));
	case CA_PTR: {
		int slot = temp_slot(L, 8);
		emit_call(L, read, 3, ir_r(emit_addr(L, slot)), ir_imm(8), ir_r(p));
		return ir_r(emit_load(L, ir_slotop(slot), 0, 8));
	}
	case CA_STR: {
		IrOpnd dst = str_temp(L);
		int len = a->size < L->strlen ? a->size : L->strlen;
		emit_call(L, user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str, 3,
			  dst, ir_imm(len), ir_r(p));
		return dst;
	}
	}
	return ir_imm(0);
}
