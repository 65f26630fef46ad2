/* Emitting IR at lowering's current block and script position. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "lower_impl.h"
#include "../common/util.h"

IrIns *emit(Lower *L, IrOp op)
{
	IrIns *i = ir_emit(L->fn->b, op);
	i->line = L->fn->line;
	i->col = L->fn->col;
	return i;
}

int emit_op(Lower *L, IrOp op, IrOpnd a, IrOpnd b)
{
	IrIns *i = emit(L, op);
	i->dst = ir_vreg(L->fn->f);
	i->a = a;
	i->b = b;
	return i->dst;
}

int emit_mov(Lower *L, IrOpnd a)
{
	return emit_op(L, IR_MOV, a, (IrOpnd){0});
}

int emit_load(Lower *L, IrOpnd base, int off, int size)
{
	IrIns *i = emit(L, IR_LOAD);
	i->dst = ir_vreg(L->fn->f);
	i->a = base;
	i->off = off;
	i->size = size;
	return i->dst;
}

void emit_store(Lower *L, IrOpnd base, int off, int size, IrOpnd v)
{
	IrIns *i = emit(L, IR_STORE);
	i->a = base;
	i->off = off;
	i->size = size;
	i->b = v;
}

void emit_copy(Lower *L, IrOpnd dst, int doff, IrOpnd src, int soff, int size)
{
	IrIns *i = emit(L, IR_COPY);
	i->a = dst;
	i->off = doff;
	i->b = src;
	i->off2 = soff;
	i->size = size;
}

void emit_zero(Lower *L, int slot)
{
	IrIns *i = emit(L, IR_ZERO);
	i->a = ir_slotop(slot);
	i->size = L->fn->f->slots[slot].size;
}

int emit_addr(Lower *L, int slot)
{
	IrIns *i = emit(L, IR_ADDR);
	i->dst = ir_vreg(L->fn->f);
	i->a = ir_slotop(slot);
	return i->dst;
}

int emit_mapval(Lower *L, int sec, int off)
{
	IrIns *i = emit(L, IR_MAPVAL);
	i->dst = ir_vreg(L->fn->f);
	i->target = sec;
	i->off = off;
	return i->dst;
}

int emit_map(Lower *L, int map)
{
	IrIns *i = emit(L, IR_MAP);
	i->dst = ir_vreg(L->fn->f);
	i->target = map;
	return i->dst;
}

int emit_call(Lower *L, int helper, int nargs, ...)
{
	IrIns *i = emit(L, IR_CALL);
	va_list ap;
	va_start(ap, nargs);
	for (int k = 0; k < nargs; k++)
		i->args[k] = va_arg(ap, IrOpnd);
	va_end(ap);
	i->nargs = nargs;
	i->target = helper;
	i->dst = ir_vreg(L->fn->f);
	return i->dst;
}

void emit_xadd(Lower *L, IrOpnd base, int off, IrOpnd v)
{
	IrIns *i = emit(L, IR_XADD);
	i->a = base;
	i->off = off;
	i->b = v;
}

void emit_jmp(Lower *L, IrBlock *t)
{
	emit(L, IR_JMP)->t = t;
	L->fn->b = ir_block(L->fn->f);	/* whatever follows is unreachable until set_block */
}

void emit_br(Lower *L, IrCond c, IrOpnd a, IrOpnd b, IrBlock *t, IrBlock *f)
{
	IrIns *i = emit(L, IR_BR);
	i->cond = c;
	i->a = a;
	i->b = b;
	i->t = t;
	i->f = f;
	L->fn->b = ir_block(L->fn->f);
}

void emit_ret(Lower *L, IrOpnd v)
{
	emit(L, IR_RET)->a = v;
	L->fn->b = ir_block(L->fn->f);
}

IrBlock *new_block(Lower *L)
{
	return ir_block(L->fn->f);
}

/* Continue in b; the block we were in falls through to it. */
void set_block(Lower *L, IrBlock *b)
{
	IrIns *last = ir_last(L->fn->b);
	if (!last || !ir_is_term(last->op))
		emit(L, IR_JMP)->t = b;
	L->fn->b = b;
}

void at(Lower *L, const Node *n)
{
	if (n && n->loc.line) {
		L->fn->line = n->loc.line;
		L->fn->col = n->loc.col;
	}
}

/* A statement's temporaries are dead when it ends: later statements reuse
 * their space, which keeps frames within BPF's 512 bytes. Each is kept as
 * 2 * slot (a stack slot) or 2 * offset + 1 (a string buffer in the frame). */
static int take_spare(Lower *L, int tag, int size)
{
	for (int i = 0; i < L->fn->nspare; i++) {
		int t = L->fn->spare[i];
		if ((t & 1) == tag && (tag || L->fn->f->slots[t >> 1].size == ((size + 7) & ~7))) {
			L->fn->spare[i] = L->fn->spare[--L->fn->nspare];
			return t;
		}
	}
	return -1;
}

static void use_temp(Lower *L, int t)
{
	L->fn->temps = xrealloc(L->fn->temps, (L->fn->ntemps + 1) * sizeof(int));
	L->fn->temps[L->fn->ntemps++] = t;
}

int temp_slot(Lower *L, int size)
{
	int t = take_spare(L, 0, size);
	if (t < 0)
		t = 2 * ir_slot(L->fn->f, size);
	use_temp(L, t);
	return t >> 1;
}

void release_temps(Lower *L, int mark)
{
	L->fn->spare = xrealloc(L->fn->spare, (L->fn->nspare + L->fn->ntemps - mark + 1) * sizeof(int));
	while (L->fn->ntemps > mark)
		L->fn->spare[L->fn->nspare++] = L->fn->temps[--L->fn->ntemps];
}

IrOpnd str_temp(Lower *L)
{
	if (!L->fn->framed) {
		int s = temp_slot(L, L->m->strlen);
		emit_zero(L, s);
		return ir_r(emit_addr(L, s));
	}
	return frame_str(L, 1);
}

IrOpnd frame_str(Lower *L, int zero)
{
	int t = take_spare(L, 1, L->m->strlen);
	if (t < 0)
		t = 2 * frame_alloc(L, L->m->strlen) + 1;
	use_temp(L, t);
	for (int off = 0; zero && off < L->m->strlen; off += 8)
		emit_store(L, frame_base(L), (t >> 1) + off, 8, ir_imm(0));
	return ir_r(emit_op(L, IR_ADD, frame_base(L), ir_imm(t >> 1)));
}

/* Constants in .rodata, shared when equal: strings the size of a string
 * buffer, zero-padded, so that they can be map keys and compare word by
 * word; formats for bpf_snprintf their own size, since one cut short is
 * refused by the verifier. */
static int rodata(Lower *L, const char *s, size_t len, int size)
{
	IrData *d = &L->m->mod->data[DATA_RODATA];
	for (int i = 0; i < d->nvars; i++) {
		const IrVar *v = &d->vars[i];
		if (v->layout->kind == L_STR && v->layout->size == size && !memcmp(d->bytes + v->off, s, len) &&
		    ((int)len == size || !d->bytes[v->off + len]))
			return v->off;
	}
	char *buf = xcalloc(1, size);
	memcpy(buf, s, len);
	char *name = xasprintf("str%d", d->nvars);
	int off = ir_data_var(L->m->mod, DATA_RODATA, name, ir_layout(L->m->mod, L_STR, size, 0), buf);
	free(name);
	free(buf);
	return off;
}

int rodata_str(Lower *L, const char *s, size_t len)
{
	return rodata(L, s, len < (size_t)L->m->strlen ? len : (size_t)L->m->strlen - 1, L->m->strlen);
}

/* A value held in a string buffer (an address) keeps all its bytes: it
 * has no NUL to leave room for. */
int rodata_value(Lower *L, const char *s, size_t len)
{
	return rodata(L, s, len < (size_t)L->m->strlen ? len : (size_t)L->m->strlen, L->m->strlen);
}

int rodata_fmt(Lower *L, const char *fmt)
{
	size_t len = strlen(fmt);
	return rodata(L, fmt, len, (len + 8) & ~7);
}

void count_drop(Lower *L, int bss_off)
{
	emit_xadd(L, ir_r(emit_mapval(L, DATA_BSS, bss_off)), 0, ir_imm(1));
}
