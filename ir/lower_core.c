/* Lowering typed reads (docs/language.md §13) with CO-RE: every member offset,
 * and an integer's size and shifts, is a mov whose immediate libbpf
 * rewrites at load time for the kernel it runs on (.BTF.ext core_relo);
 * the immediate compiled in is this kernel's value.
 *
 * Where the verifier knows what a pointer points to (PTR_TO_BTF_ID: the
 * result of bpf_get_current_task_btf, a tp_btf argument, a pointer loaded
 * from either), an integer or pointer member is one ldx whose offset is the
 * relocation: the verifier checks it against the kernel's BTF and the JIT
 * makes a fault read 0, as probe_read would, without a helper call. */
#include <string.h>
#include <linux/bpf.h>
#include "lower_impl.h"
#include "../frontend/ctypes.h"

static int core_reloc(Lower *L, uint32_t kind, const CStep *s)
{
	IrCore c = { .kind = kind, .root = s->root, .n = s->m.n };
	memcpy(c.idx, s->m.idx, s->m.n * sizeof(int));
	return ir_core(L->m->mod, &c);
}

static int core_value(Lower *L, uint32_t kind, const CStep *s, int64_t local)
{
	IrIns *i = emit(L, IR_CORE);
	i->dst = ir_vreg(L->fn->f);
	i->a = ir_imm(local);
	i->target = core_reloc(L, kind, s);
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

/* Where a tp_btf argument that is NULL jumps: the verifier wants one
 * tested before it is read through (some tracepoints pass NULL). */
typedef struct Direct {
	IrBlock *null;
} Direct;

/* A tp_btf argument that is a pointer: loaded from the ctx, the verifier
 * types it by the tracepoint's BTF (a raw_tp's arguments are numbers). */
static int btf_arg(Lower *L, const Node *b)
{
	const Event *ev = L->fn->disp || L->fn->rawtp ? NULL : L->fn->ev;
	if (!ev || ev->kind != EV_BTF || strcmp(ev->system, "tp_btf"))
		return 0;
	const EventField *fl = NULL;
	if (b->kind == N_FIELD && b->num == 1)
		fl = event_field(ev, b->str);
	else if (b->kind == N_BUILTIN && b->num >= B_ARG0)
		fl = event_arg(ev, b->num - B_ARG0);
	return fl && fl->pointee;
}

static int is_curtask(const Node *b)
{
	return b->kind == N_BUILTIN && b->num == B_CURTASK;
}

static int btf_pointer(Lower *L, const Node *b);

/* Kernel memory from a pointer the verifier types, every step a constant
 * move inside the object: the verifier checks each load against the
 * kernel's BTF. A variable index, or p[i] past the object p points to
 * (an index first), is read with probe_read. */
static int direct_steps(Lower *L, const CAccess *a)
{
	if (a->user || !btf_pointer(L, a->base))
		return 0;
	for (int k = 0; k < a->nsteps; k++) {
		const Node *i = a->steps[k].index;
		if (i && (i->kind != N_NUM || i->num < 0 || (k == 0 && i->num != 0)))
			return 0;
	}
	return 1;
}

/* b's value is a PTR_TO_BTF_ID when direct_base lowers it. */
static int btf_pointer(Lower *L, const Node *b)
{
	if (is_curtask(b) || btf_arg(L, b))
		return 1;
	return b->kind == N_CREAD && b->cacc->kind == CA_PTR && direct_steps(L, b->cacc);
}

static int direct_load(Lower *L, const CAccess *a, int size, Direct *D);

static int direct_base(Lower *L, Node *b, Direct *D)
{
	if (is_curtask(b))
		return emit_call(L, BPF_FUNC_get_current_task_btf, 0);
	if (b->kind == N_CREAD)
		return direct_load(L, b->cacc, 8, D);
	int p = emit_mov(L, lower_expr(L, b));
	IrBlock *next = new_block(L);
	if (!D->null)
		D->null = new_block(L);
	emit_br(L, C_EQ, ir_r(p), ir_imm(0), D->null, next);
	set_block(L, next);
	return p;
}

/* The base moved by each step but the last member's, whose offset is the
 * load's own; then the load of `size` bytes. */
static int direct_load(Lower *L, const CAccess *a, int size, Direct *D)
{
	int p = direct_base(L, a->base, D);
	int last = a->steps[a->nsteps - 1].root ? a->nsteps - 1 : a->nsteps;
	for (int k = 0; k < last; k++) {
		const CStep *s = &a->steps[k];
		IrOpnd off = s->root ? ir_r(core_value(L, BPF_CORE_FIELD_BYTE_OFFSET, s, s->m.bit_off / 8)) :
			     ir_imm(s->index->num * s->stride);
		p = emit_op(L, IR_ADD, ir_r(p), off);
	}
	int v = emit_load(L, ir_r(p), 0, size);
	if (last < a->nsteps) {
		IrIns *i = &L->fn->b->ins[L->fn->b->n - 1];
		i->off = a->steps[last].m.bit_off / 8;
		i->target = 1 + core_reloc(L, BPF_CORE_FIELD_BYTE_OFFSET, &a->steps[last]);
	}
	return v;
}

/* The address of the object the access ends at (an integer's: the word
 * holding it, as a bitfield's). A pointer the verifier types is its base
 * only where the address goes to a helper, never where it is the value. */
static int address(Lower *L, const CAccess *a, Direct *D)
{
	Node *b = a->base;
	int direct = a->kind != CA_ADDR && b->kind == N_CREAD && btf_pointer(L, b);
	int p = direct ? direct_load(L, b->cacc, 8, D) : emit_op(L, IR_ADD, lower_expr(L, b), ir_imm(0));
	for (int k = 0; k < a->nsteps; k++) {
		const CStep *s = &a->steps[k];
		int off;
		if (s->root) {
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

/* A whole integer member (not a bitfield) the verifier can check: one
 * load. libbpf also rewrites its size for a kernel where the member is
 * wider or narrower (and refuses that for a signed one). */
static int is_direct_int(Lower *L, const CAccess *a)
{
	int sz = a->size;
	return a->kind == CA_INT && !a->bitfield && (sz == 1 || sz == 2 || sz == 4 || sz == 8) &&
	       direct_steps(L, a);
}

static IrOpnd read_value(Lower *L, const CAccess *a, IrOpnd str, Direct *D)
{
	if (is_direct_int(L, a)) {
		int v = direct_load(L, a, a->size, D);
		return ir_r(extend(L, v, a->size, a->is_signed));
	}
	int p = address(L, a, D);
	int user = a->user, read = user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel;
	switch (a->kind) {
	case CA_ADDR:
		return ir_r(p);
	case CA_INT:
		return ir_r(read_int(L, a, p, read));
	case CA_PTR: {	/* a value: a number, read as one */
		int slot = temp_slot(L, 8);
		emit_call(L, read, 3, ir_r(emit_addr(L, slot)), ir_imm(8), ir_r(p));
		return ir_r(emit_load(L, ir_slotop(slot), 0, 8));
	}
	case CA_STR: {
		int len = a->size < L->m->strlen ? a->size : L->m->strlen;
		emit_call(L, user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str, 3,
			  str, ir_imm(len), ir_r(p));
		return str;
	}
	}
	return ir_imm(0);
}

IrOpnd lower_typed(Lower *L, Node *n)
{
	const char *why;
	L->m->mod->btf = ctypes_btf(&why);
	Direct D = { NULL };
	IrOpnd str = n->cacc->kind == CA_STR ? str_temp(L) : ir_imm(0);	/* zeroed before any jump */
	IrOpnd v = read_value(L, n->cacc, str, &D);
	if (!D.null)
		return v;
	int r = emit_mov(L, v);	/* a NULL tp_btf argument reads 0 or "", as probe_read does */
	IrBlock *join = new_block(L);
	emit_jmp(L, join);
	set_block(L, D.null);
	emit_set(L, r, str);
	emit_jmp(L, join);
	set_block(L, join);
	return ir_r(r);
}
